//! The report value a run returns: verdict pairs, reasons and counts,
//! renderings, and the baseline check for `cargo test`.

use std::path::{Path, PathBuf};

use super::Error;
use crate::catalogue::Behavior;
use crate::report::baseline::{Pairing, compare};
use crate::report::model;
pub use crate::report::model::Counts;

/// The environment variable that makes
/// [`assert_matches_baseline`](Report::assert_matches_baseline) record the
/// baseline instead of checking it, as snapshot-testing crates do.
pub const UPDATE_BASELINE: &str = "WSSPEC_UPDATE_BASELINE";

/// The results of a run, read back from the reports it wrote.
#[derive(Clone, Debug)]
pub struct Report {
    model: model::Report,
    dir: PathBuf,
}

/// One case's outcome for one agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    /// The implementation, as named in the report.
    pub agent: String,
    /// The case ID, Autobahn's (`5.19`) or wsspec's own (`hs.1.2`).
    pub id: String,
    /// Autobahn's `behavior`: whether the peer did what the case expects.
    pub behavior: Behavior,
    /// Autobahn's `behaviorClose`: whether the connection closed as expected.
    pub behavior_close: Behavior,
    /// The case's duration in milliseconds.
    pub duration_ms: u64,
    /// The one reason that decided the pair, in the words every report
    /// format uses.
    pub reason: Option<String>,
}

impl CaseResult {
    /// FAILED in either verdict, or an unclean close.
    pub fn failed(&self) -> bool {
        self.behavior == Behavior::Failed || matches!(self.behavior_close, Behavior::Failed | Behavior::Unclean)
    }
}

impl Report {
    /// Reads the report in `dir` (index.json and per-case files), as a run
    /// leaves it.
    pub fn read(dir: &Path) -> Result<Report, Error> {
        let mut model = model::Report::load(&[dir.to_path_buf()])?;
        model.load_details(0);
        Ok(Report {
            model,
            dir: dir.to_path_buf(),
        })
    }

    /// The folder holding index.json and the per-case files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every case of every agent, agents in report order, cases in
    /// catalogue order.
    pub fn cases(&self) -> Vec<CaseResult> {
        self.model
            .agents
            .iter()
            .flat_map(|a| a.cases.iter().map(move |e| result_of(&a.name, e)))
            .collect()
    }

    /// One case (of the first agent that has it).
    pub fn case(&self, id: &str) -> Option<CaseResult> {
        self.model
            .agents
            .iter()
            .find_map(|a| a.get(id).map(|e| result_of(&a.name, e)))
    }

    /// The agents in the report.
    pub fn agents(&self) -> Vec<String> {
        self.model.agents.iter().map(|a| a.name.clone()).collect()
    }

    /// The counts over every agent's cases.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for e in self.model.agents.iter().flat_map(|a| &a.cases) {
            c.add(e);
        }
        c
    }

    /// Whether any case FAILED (the CLI's exit code 1).
    pub fn failed(&self) -> bool {
        self.model
            .agents
            .iter()
            .flat_map(|a| &a.cases)
            .any(model::Entry::failed)
    }

    /// The report as `format` renders it: the terminal table (without
    /// colours), markdown, the HTML page, JUnit XML or Autobahn's index.json.
    pub fn render(&self, format: crate::report::Format) -> String {
        let mut model = self.model.clone();
        if let Some(rows) = crate::report::wirelog_rows(format) {
            model.load_details(rows);
        }
        crate::report::render(&model, format, false, None)
    }

    /// Writes [`render`](Report::render)`(format)` to `path`.
    pub fn write(&self, format: crate::report::Format, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        std::fs::write(path, self.render(format)).map_err(|e| Error(format!("cannot write {}: {e}", path.display())))
    }

    /// Compares each case's verdict pair with the baseline file at `path`
    /// (an index.json, or one written by [`write_baseline`](Report::write_baseline)).
    /// `Err` holds a readable diff when a case got worse, or is on one side
    /// only; cases that got better pass, with a note on standard error.
    /// With `WSSPEC_UPDATE_BASELINE` set (not `0`), the file is rewritten
    /// from this report instead, unless that would drop cases or agents or
    /// accept regressions (`WSSPEC_UPDATE_BASELINE=force` to do it).
    pub fn matches_baseline(&self, path: impl AsRef<Path>) -> Result<(), String> {
        let path = path.as_ref();
        let update = std::env::var(UPDATE_BASELINE).unwrap_or_default();
        if !update.is_empty() && update != "0" {
            return self.record_baseline(path, update == "force");
        }
        if !path.exists() {
            return Err(format!(
                "the baseline {} does not exist: record it with {UPDATE_BASELINE}=1",
                path.display()
            ));
        }
        let old = model::Report::load(&[path.to_path_buf()])?;
        let cmp = compare(&self.model, &old, &Pairing::default());
        let g = &cmp.gate;
        if !g.improvements.is_empty() {
            eprintln!(
                "wsspec: {} better than the baseline {} ({}); record it with {UPDATE_BASELINE}=1",
                n_cases(g.improvements.len(), "is", "are"),
                path.display(),
                changes(&g.improvements, &self.model).trim().replace('\n', ";")
            );
        }
        if g.regressions.is_empty() && cmp.missing.is_empty() {
            return Ok(());
        }
        let mut out = format!("the report differs from the baseline {}:\n", path.display());
        if !g.regressions.is_empty() {
            out.push_str(&format!(
                "{} worse:\n{}",
                n_cases(g.regressions.len(), "got", "got"),
                changes(&g.regressions, &self.model)
            ));
        }
        for m in &cmp.missing {
            out.push_str(&format!("{m}\n"));
        }
        out.push_str(&format!(
            "if the change is intended, record it: {UPDATE_BASELINE}=1 cargo test"
        ));
        Err(out)
    }

    /// Writes this report as the baseline at `path`, unless that would drop
    /// cases or agents the file has or accept regressions (a run narrowed
    /// to a few cases would otherwise shrink it in silence): `force`, or
    /// `WSSPEC_UPDATE_BASELINE=force`, writes it anyway.
    fn record_baseline(&self, path: &Path, force: bool) -> Result<(), String> {
        if let Ok(old) = model::Report::load(&[path.to_path_buf()])
            && let Some(loss) = crate::report::baseline::losses(&self.model, &old)
            && !force
        {
            return Err(format!(
                "refusing to record the baseline {}: {loss}; set {UPDATE_BASELINE}=force to do it",
                path.display()
            ));
        }
        self.write_baseline(path).map_err(|e| e.0)?;
        eprintln!("wsspec: recorded the baseline {}", path.display());
        Ok(())
    }

    /// Panics with the diff of [`matches_baseline`](Report::matches_baseline)
    /// unless the report matches the baseline at `path`.
    /// The per-case files (wire logs, events) are named in the message, and
    /// their folder is kept past later runs (see [`Report::keep`]).
    #[track_caller]
    pub fn assert_matches_baseline(&self, path: impl AsRef<Path>) {
        if let Err(diff) = self.matches_baseline(path) {
            self.keep();
            panic!("{diff}\nper-case files (kept): {}", self.dir.display());
        }
    }

    /// Marks this report's folder to be kept: a folder wsspec chose under
    /// `<temp>/wsspec/` is otherwise removed by the next run once this
    /// process has ended. Kept folders go after a week.
    pub fn keep(&self) {
        let _ = std::fs::write(self.dir.join(super::KEPT), "");
    }

    /// Writes the verdict pairs as a baseline: Autobahn's index.json layout
    /// with only `behavior` and `behaviorClose`, one case per line so a
    /// change reads well in a diff. Pairs the previous file accepted for a
    /// case (`"accepted"`, for a peer known to race) are kept.
    pub fn write_baseline(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let old = model::Report::load(&[path.to_path_buf()]).ok();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error(format!("cannot write {}: {e}", path.display())))?;
        }
        std::fs::write(path, crate::report::baseline::render(&self.model, old.as_ref()))
            .map_err(|e| Error(format!("cannot write {}: {e}", path.display())))
    }
}

fn result_of(agent: &str, e: &model::Entry) -> CaseResult {
    CaseResult {
        agent: agent.to_string(),
        id: e.id.clone(),
        behavior: e.behavior,
        behavior_close: e.behavior_close,
        duration_ms: e.duration,
        reason: e.reason().filter(|r| !r.is_empty()),
    }
}

/// One line per change: ID, before and after, and the reason now.
fn changes(list: &[model::Change], now: &model::Report) -> String {
    let pair = |(b, c): (Behavior, Behavior)| format!("{} / {}", b.as_str(), c.as_str());
    let mut out = String::new();
    for ch in list {
        let reason = now
            .agents
            .iter()
            .find(|a| a.name == ch.agent)
            .and_then(|a| a.get(&ch.id))
            .and_then(model::Entry::reason)
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {}  {} -> {}{reason}\n",
            ch.id,
            pair(ch.before),
            pair(ch.after)
        ));
    }
    out
}

/// "1 case is", "3 cases are".
fn n_cases(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 case {one}")
    } else {
        format!("{n} cases {many}")
    }
}
