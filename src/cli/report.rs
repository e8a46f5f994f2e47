//! `wsspec report`: render reports (ours or Autobahn's) in any format, side
//! by side, and gate on a baseline. The test commands end here too.

use std::path::{Path, PathBuf};

use super::{BadInput, EXIT_FAILED_CASES, EXIT_OK};
use crate::report::baseline::{self, Comparison, Pairing};
use crate::report::model::Report;
use crate::report::{Format, fetch, render, table};

#[derive(clap::Args)]
pub struct Args {
    /// Report folders (holding index.json), index files, or http(s):// URLs of
    /// either; several are shown side by side.
    #[arg(required = true, value_name = "DIR|index.json|URL")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    out: OutputArgs,
    #[command(flatten)]
    gate: GateArgs,
    /// Rewrite the baseline file with this report.
    #[arg(long, requires = "baseline")]
    update_baseline: bool,
    /// With --update-baseline: drop cases and accept regressions.
    #[arg(long, requires = "update_baseline")]
    force: bool,
    /// Join the inputs, shards of one run (`test-server --shard K/N`), into
    /// one report folder DIR, then render and gate that.
    #[arg(long, value_name = "DIR")]
    merge: Option<PathBuf>,
}

/// Output options shared with the test commands.
#[derive(clap::Args, Clone)]
pub struct OutputArgs {
    /// How to render the result.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the rendering to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Baseline options shared with the test commands.
#[derive(clap::Args, Clone, Default)]
pub struct GateArgs {
    /// An earlier index.json (a file, a folder or an http(s):// URL):
    /// regressions fail the run (exit 1) and show in every format.
    #[arg(long, value_name = "FILE|URL")]
    pub baseline: Option<PathBuf>,
    /// NEW=OLD: compare the agent NEW of this run with the baseline's agent OLD.
    #[arg(long = "agent-map", value_name = "NEW=OLD", requires = "baseline")]
    pub agent_map: Vec<String>,
    /// Agents and cases on one side only are listed, not an error.
    #[arg(long, requires = "baseline")]
    pub allow_missing: bool,
}

impl GateArgs {
    pub fn pairing(&self) -> Result<Pairing, BadInput> {
        let mut agent_map = Vec::new();
        for m in &self.agent_map {
            let (new, old) = m
                .split_once('=')
                .filter(|(n, o)| !n.is_empty() && !o.is_empty())
                .ok_or_else(|| format!("--agent-map {m:?}: expected NEW=OLD"))?;
            agent_map.push((new.to_string(), old.to_string()));
        }
        Ok(Pairing {
            agent_map,
            allow_missing: self.allow_missing,
        })
    }

    /// The baseline, read before anything runs or is printed.
    pub async fn load(&self) -> Result<Option<Report>, BadInput> {
        self.pairing()?;
        let Some(b) = &self.baseline else { return Ok(None) };
        let mut fetched = Fetched::default();
        let local = fetched
            .local(b, false)
            .await
            .map_err(|e| format!("--baseline: {}", e.0))?;
        let report =
            Report::load(std::slice::from_ref(&local)).map_err(|e| format!("--baseline: {}", fetched.name(e)))?;
        Ok(Some(report))
    }

    /// Compares `report` with `old`, refusing what is on one side only.
    pub fn compare(&self, report: &Report, old: &Report) -> Result<Comparison, BadInput> {
        let pairing = self.pairing()?;
        let mut cmp = baseline::compare(report, old, &pairing);
        let name = self
            .baseline
            .as_ref()
            .map_or(String::new(), |b| b.display().to_string());
        if let Some(line) = cmp.refusal(&name, &pairing) {
            return Err(line.into());
        }
        cmp.gate.baseline = name;
        Ok(cmp)
    }
}

/// Local copies of reports given by URL, removed when dropped.
#[derive(Default)]
pub struct Fetched {
    copies: Vec<(PathBuf, String)>,
}

impl Fetched {
    /// `input` itself, or for a URL the local copy of what it names.
    pub async fn local(&mut self, input: &Path, with_cases: bool) -> Result<PathBuf, BadInput> {
        let text = input.to_string_lossy();
        if !fetch::is_url(&text) {
            return Ok(input.to_path_buf());
        }
        let dir = std::env::temp_dir().join(format!("wsspec-fetch-{}-{}", std::process::id(), self.copies.len()));
        self.copies.push((dir.clone(), text.trim_end_matches('/').to_string()));
        Ok(fetch::fetch(&text, &dir, with_cases).await?)
    }

    /// An error message with local copies named by their URLs.
    pub fn name(&self, message: String) -> String {
        self.copies.iter().fold(message, |m, (dir, url)| {
            let m = m.replace(&dir.join("index.json").display().to_string(), url);
            m.replace(&dir.display().to_string(), url)
        })
    }
}

impl Drop for Fetched {
    fn drop(&mut self) {
        for (dir, _) in &self.copies {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Loads `inputs` (folders, index files, or http(s):// URLs of either),
/// with their per-case files; missing per-case files are noted once and
/// marked in the output.
pub async fn load_any(inputs: &[PathBuf], format: Format) -> Result<Report, BadInput> {
    let mut fetched = Fetched::default();
    let mut local = Vec::new();
    for i in inputs {
        local.push(fetched.local(i, true).await?);
    }
    load(&local, format).map_err(|e| BadInput(fetched.name(e.0)))
}

/// Loads `inputs` with their per-case files, for rendering in `format`;
/// missing per-case files are noted once and marked in the output.
pub fn load(inputs: &[PathBuf], format: Format) -> Result<Report, BadInput> {
    let mut report = Report::load(inputs)?;
    let (missing, unreadable) = report.load_details(crate::report::wirelog_rows(format).unwrap_or(0));
    if missing > 0 {
        let first = unreadable.map_or(String::new(), |u| format!(" (the first unreadable: {u})"));
        eprintln!("wsspec: note: {missing} per-case files are missing or unreadable; those cases are marked{first}");
    }
    Ok(report)
}

/// Checks before a run that `--output` can be written: its folder exists.
pub fn check_output(out: &OutputArgs) -> Result<(), BadInput> {
    if let Some(path) = &out.output {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(format!(
                "--output {}: the folder {} does not exist",
                path.display(),
                dir.display()
            )
            .into());
        }
        // Opened without truncating, and removed again if it was not
        // there: a file that cannot be written is said before the run.
        let existed = path.exists();
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| format!("--output {}: cannot write it ({e})", path.display()))?;
        if !existed {
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(())
}

/// Renders `report` as asked: to a file, or to standard output.
pub fn emit(report: &Report, out: &OutputArgs) -> Result<(), BadInput> {
    match &out.output {
        Some(path) => {
            let text = render(report, out.format, false, None);
            std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => super::print_stdout(&render(
            report,
            out.format,
            out.format == Format::Table && table::use_colour(),
            table::width_limit(),
        )),
    }
    if let Some(g) = &report.gate
        && (out.format != Format::Table || out.output.is_some())
    {
        eprint!("{}", baseline::describe(g, &[]));
    }
    Ok(())
}

/// The exit code a gated report earns: 1 on a regression.
pub fn gate_exit(report: &Report) -> u8 {
    match &report.gate {
        Some(g) if !g.regressions.is_empty() => EXIT_FAILED_CASES,
        _ => EXIT_OK,
    }
}

pub async fn run(args: Args) -> Result<u8, BadInput> {
    check_output(&args.out)?;
    let inputs = match &args.merge {
        Some(into) => {
            if let Some(url) = args.inputs.iter().find(|i| fetch::is_url(&i.to_string_lossy())) {
                return Err(format!("--merge takes local report folders, not {}", url.display()).into());
            }
            let n = crate::report::merge::merge(&args.inputs, into)?;
            eprintln!(
                "merged {} into {}",
                super::count_of(n, "case"),
                into.join("index.json").display()
            );
            vec![into.clone()]
        }
        None => args.inputs.clone(),
    };
    let mut report = load_any(&inputs, args.out.format).await?;
    let Some(base) = &args.gate.baseline else {
        emit(&report, &args.out)?;
        return Ok(EXIT_OK);
    };
    if args.update_baseline {
        if fetch::is_url(&base.to_string_lossy()) {
            return Err("--update-baseline needs a local file, not a URL".into());
        }
        write_baseline(&report, base, args.force)?;
        emit(&report, &args.out)?;
        return Ok(EXIT_OK);
    }
    let old = args.gate.load().await?.expect("a baseline was given");
    let cmp = args.gate.compare(&report, &old)?;
    for m in &cmp.missing {
        eprintln!("wsspec: note: {m}");
    }
    report.gate = Some(cmp.gate);
    emit(&report, &args.out)?;
    Ok(gate_exit(&report))
}

/// Rewrites the baseline with `report`, keeping the accepted outcomes it
/// recorded; refuses to drop cases or accept regressions without `force`.
fn write_baseline(report: &Report, path: &Path, force: bool) -> Result<(), BadInput> {
    let old = match path.exists() {
        true => Some(Report::load(&[path.to_path_buf()]).map_err(|e| format!("--baseline: {e}"))?),
        false => None,
    };
    if let Some(loss) = old.as_ref().and_then(|o| baseline::losses(report, o))
        && !force
    {
        return Err(format!("refusing to update {}: {loss}; pass --force to do it", path.display()).into());
    }
    std::fs::write(path, baseline::render(report, old.as_ref()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("baseline {} updated", path.display());
    Ok(())
}
