//! A report as read back from disk: Autobahn's or ours, one folder or
//! index.json per input, several agents side by side. Everything the
//! renderers show comes from here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::catalogue::{Behavior, id_tuple};

#[derive(Clone, Debug)]
pub enum Detail {
    NotLoaded,
    Missing,
    Loaded(Value),
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub id: String,
    pub behavior: Behavior,
    pub behavior_close: Behavior,
    pub duration: u64,
    pub remote_close_code: Option<u64>,
    pub reportfile: Option<String>,
    pub detail: Detail,
    /// In a baseline: further verdict pairs accepted for this case (a peer
    /// known to race), besides its own.
    pub accepted: Vec<(Behavior, Behavior)>,
}

impl Entry {
    /// FAILED in either verdict, or an unclean close.
    pub fn failed(&self) -> bool {
        self.behavior == Behavior::Failed || matches!(self.behavior_close, Behavior::Failed | Behavior::Unclean)
    }

    /// The verdict a table counts: FAILED wins, then `behavior`.
    pub fn headline(&self) -> Behavior {
        if self.failed() { Behavior::Failed } else { self.behavior }
    }

    /// The one reason that decided the pair, from the per-case file when it
    /// is loaded, in the same words for every format (see `report::reason`).
    pub fn reason(&self) -> Option<String> {
        let Detail::Loaded(d) = &self.detail else { return None };
        Some(super::reason::compose(self, d))
    }
}

/// Report text as one plain line: Autobahn's descriptions carry `<br>`.
pub fn plain(s: &str) -> String {
    s.replace("<br>", " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Clone, Debug)]
pub struct Agent {
    pub name: String,
    /// Where the per-case files are.
    pub dir: PathBuf,
    /// By case ID, in catalogue order.
    pub cases: Vec<Entry>,
}

impl Agent {
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.cases.iter().find(|e| e.id == id)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub agents: Vec<Agent>,
    /// The baseline gate's outcome, when there was one: every format shows it.
    pub gate: Option<Gate>,
}

/// A case whose verdict pair changed against the baseline.
#[derive(Clone, Debug)]
pub struct Change {
    pub agent: String,
    pub id: String,
    pub before: (Behavior, Behavior),
    pub after: (Behavior, Behavior),
}

/// A case that got worse once and not on every try: the outcomes seen.
#[derive(Clone, Debug)]
pub struct Flaky {
    pub agent: String,
    pub id: String,
    pub seen: Vec<(Behavior, Behavior)>,
}

/// What a baseline gate found.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    pub baseline: String,
    pub regressions: Vec<Change>,
    pub improvements: Vec<Change>,
    pub flaky: Vec<Flaky>,
}

impl Change {
    pub fn line(&self) -> String {
        format!(
            "{} {}: {} / {} -> {} / {}",
            self.agent, self.id, self.before.0, self.before.1, self.after.0, self.after.1
        )
    }
}

impl Flaky {
    pub fn line(&self) -> String {
        let seen: Vec<String> = self.seen.iter().map(|(b, c)| format!("{b} / {c}")).collect();
        format!("{} {}: flaky, seen {}", self.agent, self.id, seen.join(", "))
    }
}

/// Sorts IDs in catalogue order: Autobahn's numerically, custom ones after,
/// by their leading words, then their numbers as numbers (`hs.1.2` before
/// `hs.1.10`).
pub fn id_order(id: &str) -> (bool, String, Vec<u32>, String) {
    let numeric = id.split('.').next().is_some_and(|p| p.parse::<u32>().is_ok());
    let words: Vec<&str> = id.split('.').take_while(|p| p.parse::<u32>().is_err()).collect();
    let rest = id.split('.').skip(words.len()).collect::<Vec<_>>().join(".");
    (!numeric, words.join("."), id_tuple(&rest), id.to_string())
}

fn verdict(v: &Value, key: &str, file: &Path, agent: &str, id: &str) -> Result<Behavior, String> {
    let s = v[key]
        .as_str()
        .ok_or_else(|| format!("{}: {agent} {id}: {key} is missing", file.display()))?;
    Behavior::parse(s).ok_or_else(|| format!("{}: {agent} {id}: unknown verdict {s:?} in {key}", file.display()))
}

/// A baseline entry's `accepted`: a list of `[behavior, behaviorClose]`.
fn accepted(v: &Value, file: &Path, agent: &str, id: &str) -> Result<Vec<(Behavior, Behavior)>, String> {
    let Some(list) = v.get("accepted") else {
        return Ok(Vec::new());
    };
    let bad = || {
        format!(
            "{}: {agent} {id}: accepted must be a list of [behavior, behaviorClose] pairs",
            file.display()
        )
    };
    let mut out = Vec::new();
    for pair in list.as_array().ok_or_else(bad)? {
        let p = pair.as_array().filter(|p| p.len() == 2).ok_or_else(bad)?;
        let b = p[0].as_str().and_then(Behavior::parse).ok_or_else(bad)?;
        let c = p[1].as_str().and_then(Behavior::parse).ok_or_else(bad)?;
        out.push((b, c));
    }
    Ok(out)
}

/// Keeps the first `rows` rows of a per-case file's wire log.
fn cut_wirelog(v: &mut Value, rows: usize) {
    let mut cut = false;
    for key in ["wirelog", "wirelogTimes"] {
        if let Some(list) = v.get_mut(key).and_then(Value::as_array_mut)
            && list.len() > rows
        {
            list.truncate(rows);
            cut = true;
        }
    }
    if cut {
        v["wirelogCut"] = Value::Bool(true);
    }
}

impl Report {
    /// Reads each input: a folder holding index.json, or an index file.
    pub fn load(inputs: &[PathBuf]) -> Result<Report, String> {
        let mut report = Report::default();
        for input in inputs {
            let (file, dir) = if input.is_dir() {
                (input.join("index.json"), input.clone())
            } else {
                (input.clone(), input.parent().map(Path::to_path_buf).unwrap_or_default())
            };
            if !file.exists() {
                return Err(if input.is_dir() {
                    format!("{}: no index.json in this folder", input.display())
                } else {
                    format!("{}: no such file or folder", input.display())
                });
            }
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            report.add_index(&text, &file, &dir)?;
        }
        Ok(report)
    }

    /// Adds the agents of one index.json (`text`, read from `file`; per-case
    /// files are looked up in `dir`).
    pub fn add_index(&mut self, text: &str, file: &Path, dir: &Path) -> Result<(), String> {
        let report = self;
        let index: Value = super::json::parse(text).map_err(|e| format!("{}: not valid JSON ({e})", file.display()))?;
        let agents = index
            .as_object()
            .ok_or_else(|| format!("{}: expected an object of agents", file.display()))?;
        if agents.is_empty() {
            return Err(format!("{}: the report has no agent", file.display()));
        }
        for (name, cases) in agents {
            let cases = cases
                .as_object()
                .ok_or_else(|| format!("{}: agent {name}: expected an object of cases", file.display()))?;
            let mut entries = Vec::new();
            for (id, v) in cases {
                entries.push(Entry {
                    id: id.clone(),
                    behavior: verdict(v, "behavior", file, name, id)?,
                    behavior_close: verdict(v, "behaviorClose", file, name, id)?,
                    duration: v["duration"].as_u64().unwrap_or(0),
                    remote_close_code: v["remoteCloseCode"].as_u64(),
                    reportfile: v["reportfile"].as_str().map(String::from),
                    detail: Detail::NotLoaded,
                    accepted: accepted(v, file, name, id)?,
                });
            }
            entries.sort_by_key(|e| id_order(&e.id));
            let mut unique = name.clone();
            let mut n = 2;
            while report.agents.iter().any(|a| a.name == unique) {
                unique = format!("{name} ({n})");
                n += 1;
            }
            report.agents.push(Agent {
                name: unique,
                dir: dir.to_path_buf(),
                cases: entries,
            });
        }
        Ok(())
    }

    /// Loads every per-case file, keeping at most `wirelog_rows` rows of
    /// each wire log (only the HTML page shows them, and a report of 517
    /// cases with long logs would otherwise be held whole in memory; a cut
    /// log is marked `wirelogCut`). Missing and unreadable files are marked
    /// and counted; the first unreadable one is returned, to be named once.
    pub fn load_details(&mut self, wirelog_rows: usize) -> (usize, Option<String>) {
        let mut missing = 0;
        let mut unreadable = None;
        for a in &mut self.agents {
            for e in &mut a.cases {
                // A bare index names no per-case files: nothing is missing.
                let Some(f) = &e.reportfile else {
                    e.detail = Detail::Missing;
                    continue;
                };
                let path = a.dir.join(f);
                match std::fs::read_to_string(&path) {
                    Err(_) => {
                        e.detail = Detail::Missing;
                        missing += 1;
                    }
                    Ok(text) => match super::json::parse(&text) {
                        Ok(mut v) => {
                            cut_wirelog(&mut v, wirelog_rows);
                            e.detail = Detail::Loaded(v);
                        }
                        Err(err) => {
                            e.detail = Detail::Missing;
                            missing += 1;
                            unreadable.get_or_insert_with(|| format!("{}: not valid JSON ({err})", path.display()));
                        }
                    },
                }
            }
        }
        (missing, unreadable)
    }

    /// Every case ID of every agent, in catalogue order.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .agents
            .iter()
            .flat_map(|a| a.cases.iter().map(|e| e.id.clone()))
            .collect();
        ids.sort_by_key(|i| id_order(i));
        ids.dedup();
        ids
    }

    /// Cases whose (behavior, behaviorClose) differ between agents.
    pub fn disagreements(&self) -> Vec<String> {
        if self.agents.len() < 2 {
            return Vec::new();
        }
        self.ids()
            .into_iter()
            .filter(|id| {
                // Only agents that ran the case count.
                let mut seen = self
                    .agents
                    .iter()
                    .filter_map(|a| a.get(id).map(|e| (e.behavior, e.behavior_close)));
                let first = seen.next();
                seen.any(|v| Some(v) != first)
            })
            .collect()
    }
}

/// A section key and label for an ID: the registry's sections in its order
/// (`catalogue::sections`), then custom cases by prefix.
pub fn section_of(id: &str) -> ((u32, String), String) {
    match crate::catalogue::sections::of(id) {
        Some((place, s)) => ((place as u32, String::new()), format!("{} {}", s.prefix, s.title)),
        None => {
            let first = id.split('.').next().unwrap_or("");
            ((u32::MAX, first.to_string()), format!("{first} (custom)"))
        }
    }
}

/// Whether `id` is a case of a section that tests the opening handshake.
pub(super) fn opening_case(id: &str) -> bool {
    crate::catalogue::sections::of(id).is_some_and(|(_, s)| s.driver == crate::catalogue::Driver::Opening)
}

/// Cases by the verdict a table counts (FAILED wins, then `behavior`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// OK.
    pub ok: usize,
    /// NON-STRICT: allowed, but not what the RFC recommends.
    pub non_strict: usize,
    /// INFORMATIONAL: the RFC leaves it open; what the peer did is recorded.
    pub informational: usize,
    /// UNIMPLEMENTED: an optional feature the peer does not have (deflate).
    pub unimplemented: usize,
    /// FAILED: `behavior` FAILED, or a FAILED or UNCLEAN close. A WRONG
    /// CODE or FAILED BY CLIENT close alone does not fail a case (it is
    /// counted by its `behavior`), as for the exit code.
    pub failed: usize,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {} OK, {} NON-STRICT, {} INFORMATIONAL, {} UNIMPLEMENTED, {} FAILED",
            self.total(),
            if self.total() == 1 { "case" } else { "cases" },
            self.ok,
            self.non_strict,
            self.informational,
            self.unimplemented,
            self.failed
        )
    }
}

impl Counts {
    /// Counts one case, by its headline verdict.
    pub fn add(&mut self, e: &Entry) {
        match e.headline() {
            Behavior::Ok => self.ok += 1,
            Behavior::NonStrict => self.non_strict += 1,
            Behavior::Informational => self.informational += 1,
            Behavior::Unimplemented => self.unimplemented += 1,
            _ => self.failed += 1,
        }
    }

    /// "296 OK, 2 NON-STRICT, 3 INFO": the non-zero counts (`long` spells
    /// INFORMATIONAL and UNIMPLEMENTED out).
    pub fn phrase(&self, long: bool) -> String {
        let (info, unimpl) = if long {
            ("INFORMATIONAL", "UNIMPLEMENTED")
        } else {
            ("INFO", "UNIMPL")
        };
        let mut parts = Vec::new();
        for (n, label) in [
            (self.ok, "OK"),
            (self.non_strict, "NON-STRICT"),
            (self.informational, info),
            (self.unimplemented, unimpl),
            (self.failed, "FAILED"),
        ] {
            if n > 0 || (label == "OK" && self.total() == 0) {
                parts.push(format!("{n} {label}"));
            }
        }
        parts.join(", ")
    }

    /// Every case counted.
    pub fn total(&self) -> usize {
        self.ok + self.non_strict + self.informational + self.unimplemented + self.failed
    }
}

/// Per agent, per section: counts.
pub fn section_counts(agent: &Agent) -> BTreeMap<(u32, String), (String, Counts)> {
    let mut m: BTreeMap<(u32, String), (String, Counts)> = BTreeMap::new();
    for e in &agent.cases {
        let (key, label) = section_of(&e.id);
        m.entry(key).or_insert_with(|| (label, Counts::default())).1.add(e);
    }
    m
}

/// Section rows across agents: the label and each agent's counts (None
/// where the agent has no case of that section), in section order.
pub fn section_rows(report: &Report) -> Vec<(String, Vec<Option<Counts>>)> {
    let per_agent: Vec<_> = report.agents.iter().map(section_counts).collect();
    let mut keys: Vec<_> = per_agent.iter().flat_map(|m| m.keys().cloned()).collect();
    keys.sort();
    keys.dedup();
    keys.iter()
        .map(|k| {
            let label = per_agent
                .iter()
                .find_map(|m| m.get(k).map(|(l, _)| l.clone()))
                .unwrap_or_default();
            (label, per_agent.iter().map(|m| m.get(k).map(|(_, c)| *c)).collect())
        })
        .collect()
}

/// A header's value in a raw HTTP head ("" when absent).
fn header_in(head: &str, name: &str) -> String {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line of the permessage-deflate negotiation table.
pub struct Negotiation {
    pub agent: String,
    pub offered: String,
    pub agreed: String,
    pub cases: usize,
}

/// For each agent, which permessage-deflate offers were made and what was
/// agreed, from the handshakes in the per-case files (ours and Autobahn's).
/// The handshake section's odd offers are its own verdicts, not part of it.
pub fn negotiations(report: &Report) -> Vec<Negotiation> {
    let mut out: Vec<Negotiation> = Vec::new();
    for a in &report.agents {
        for e in &a.cases {
            let Detail::Loaded(d) = &e.detail else { continue };
            if section_of(&e.id).0.1 == crate::catalogue::opening::PREFIX {
                continue;
            }
            let offered = header_in(d["httpRequest"].as_str().unwrap_or(""), "sec-websocket-extensions");
            if offered.is_empty() {
                continue;
            }
            let agreed = header_in(d["httpResponse"].as_str().unwrap_or(""), "sec-websocket-extensions");
            let agreed = if agreed.is_empty() {
                "(declined)".to_string()
            } else {
                agreed
            };
            match out
                .iter_mut()
                .find(|n| n.agent == a.name && n.offered == offered && n.agreed == agreed)
            {
                Some(n) => n.cases += 1,
                None => out.push(Negotiation {
                    agent: a.name.clone(),
                    offered,
                    agreed,
                    cases: 1,
                }),
            }
        }
    }
    out
}

/// One finding (an RFC requirement broken that Autobahn does not judge) and
/// the cases of an agent where it was made.
pub struct Finding {
    pub agent: String,
    pub finding: String,
    pub cases: Vec<String>,
}

/// The findings recorded in the per-case files, grouped by agent and text.
pub fn findings(report: &Report) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for a in &report.agents {
        for e in &a.cases {
            let Detail::Loaded(d) = &e.detail else { continue };
            for f in d["findings"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                match out.iter_mut().find(|x| x.agent == a.name && x.finding == f) {
                    Some(x) => x.cases.push(e.id.clone()),
                    None => out.push(Finding {
                        agent: a.name.clone(),
                        finding: f.to_string(),
                        cases: vec![e.id.clone()],
                    }),
                }
            }
        }
    }
    out
}

/// How a verdict pair ranks in the lists of cases to look at: FAILED first,
/// then close failures, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED; None for
/// OK / OK.
pub fn concern(b: Behavior, c: Behavior) -> Option<u8> {
    let close_bad = matches!(
        c,
        Behavior::Failed | Behavior::WrongCode | Behavior::Unclean | Behavior::FailedByClient
    );
    match b {
        Behavior::Failed => Some(0),
        _ if close_bad => Some(1),
        Behavior::NonStrict => Some(2),
        Behavior::Informational => Some(3),
        Behavior::Unimplemented => Some(4),
        _ if c != Behavior::Ok => Some(3),
        _ => None,
    }
}

/// Names a set of cases compactly: a whole section as `12.*` (whole means
/// every case of that section in `all`), a few IDs by name, more as
/// `first … last (N cases)`.
pub fn label_of(ids: &[String], all: &[String]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let (key, _) = section_of(&ids[i]);
        let mut j = i;
        while j < ids.len() && section_of(&ids[j]).0 == key {
            j += 1;
        }
        let run = &ids[i..j];
        let in_section = all.iter().filter(|x| section_of(x).0 == key).count();
        let prefix = ids[i].split('.').next().unwrap_or("");
        parts.push(match run {
            _ if run.len() == in_section && in_section > 1 => format!("{prefix}.*"),
            [one] => one.clone(),
            [a, b] => format!("{a}, {b}"),
            [a, b, c] => format!("{a}, {b}, {c}"),
            [first, .., last] => format!("{first} … {last} ({} cases)", run.len()),
            [] => String::new(),
        });
        i = j;
    }
    parts.join(", ")
}

/// Consecutive items with the same key, in the given order.
pub fn runs<K: PartialEq, T>(items: Vec<(K, T)>) -> Vec<(K, Vec<T>)> {
    let mut out: Vec<(K, Vec<T>)> = Vec::new();
    for (k, t) in items {
        match out.last_mut() {
            Some((last, v)) if *last == k => v.push(t),
            _ => out.push((k, vec![t])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The renderings other than the page never see a wire log, so a report
    /// of 517 long logs is not held whole in memory to print a table.
    #[test]
    fn ids_sort_by_their_numbers_as_numbers() {
        let mut ids = vec![
            "hs.1.10", "frag.2", "hs.1.9", "10.1.1", "hs.1.1", "9.1.1", "hs.2.1", "frag.10",
        ];
        ids.sort_by_key(|i| id_order(i));
        assert_eq!(
            ids,
            [
                "9.1.1", "10.1.1", "frag.2", "frag.10", "hs.1.1", "hs.1.9", "hs.1.10", "hs.2.1"
            ]
        );
    }

    #[test]
    fn details_keep_only_the_wire_log_rows_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let rows: Vec<Value> = (0..5000)
            .map(|i| serde_json::json!(["RO", [2, format!("{i:04x}")]]))
            .collect();
        let case = serde_json::json!({"wirelog": rows, "wirelogTimes": vec![0.5; 5000], "result": "r"});
        std::fs::write(dir.path().join("a_case_1_1_1.json"), case.to_string()).unwrap();
        let index = r#"{"a": {"1.1.1": {"behavior": "OK", "behaviorClose": "OK", "reportfile": "a_case_1_1_1.json"}}}"#;
        std::fs::write(dir.path().join("index.json"), index).unwrap();
        for (keep, left, cut) in [(0, 0, true), (300, 300, true), (10_000, 5000, false)] {
            let mut r = Report::load(&[dir.path().to_path_buf()]).unwrap();
            assert_eq!(r.load_details(keep), (0, None));
            let Detail::Loaded(d) = &r.agents[0].cases[0].detail else {
                panic!("not loaded")
            };
            assert_eq!(d["wirelog"].as_array().unwrap().len(), left);
            assert_eq!(d["wirelogTimes"].as_array().unwrap().len(), left);
            assert_eq!(d["wirelogCut"] == true, cut);
            assert_eq!(d["result"], "r");
        }
    }
}
