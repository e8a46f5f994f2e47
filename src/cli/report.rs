//! `wsspec report`: render reports (ours or Autobahn's) in any format, side
//! by side, and gate on a baseline. The test commands end here too.

use std::path::{Path, PathBuf};

use super::{BadInput, EXIT_FAILED_CASES, EXIT_OK};
use crate::report::model::Report;
use crate::report::{Format, baseline, render, table};

#[derive(clap::Args)]
pub struct Args {
    /// Report folders (holding index.json) or index files; several are shown side by side.
    #[arg(required = true, value_name = "DIR|index.json")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    out: OutputArgs,
    /// An earlier index.json: print regressions and improvements, exit 1 on a regression.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Rewrite the baseline file with this report.
    #[arg(long, requires = "baseline")]
    update_baseline: bool,
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

/// Loads `inputs`, with per-case files where the format needs them; missing
/// per-case files are noted once and marked in the output.
pub fn load(inputs: &[PathBuf]) -> Result<Report, BadInput> {
    let mut report = Report::load(inputs)?;
    let (missing, unreadable) = report.load_details();
    if missing > 0 {
        let first = unreadable.map_or(String::new(), |u| format!(" (the first unreadable: {u})"));
        eprintln!("wsspec: note: {missing} per-case files are missing or unreadable; those cases are marked{first}");
    }
    Ok(report)
}

/// Renders `report` as asked: to a file, or to standard output.
pub fn emit(report: &Report, out: &OutputArgs) -> Result<(), BadInput> {
    match &out.output {
        Some(path) => {
            let text = render(report, out.format, false, None);
            std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!(
            "{}",
            render(
                report,
                out.format,
                out.format == Format::Table && table::use_colour(),
                table::width_limit()
            )
        ),
    }
    Ok(())
}

pub fn run(args: Args) -> Result<u8, BadInput> {
    let report = load(&args.inputs)?;
    emit(&report, &args.out)?;
    let Some(base) = &args.baseline else { return Ok(EXIT_OK) };
    if args.update_baseline {
        write_baseline(&report, base)?;
        return Ok(EXIT_OK);
    }
    let old = Report::load(std::slice::from_ref(base))?;
    let cmp = baseline::compare(&report, &old);
    eprint!("{}", baseline::describe(&cmp));
    Ok(if cmp.regressions.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED_CASES
    })
}

fn write_baseline(report: &Report, path: &Path) -> Result<(), BadInput> {
    std::fs::write(path, crate::report::autobahn::index_of(report))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("baseline {} updated", path.display());
    Ok(())
}
