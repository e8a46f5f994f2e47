//! Writing Autobahn's report layout as a run goes: each case's file as the
//! case ends (so outcomes need not stay in memory), index.json rewritten
//! at most once a second and at the end (so a run that is killed leaves a
//! readable index of what it did), and file names that are safe and unique
//! whatever agent names the peers give themselves.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use sha1::{Digest, Sha1};

use super::autobahn::{case_file_name, case_json, clean_for_filename, index_entry, pretty, remove_previous};
use crate::engine::CaseOutcome;

/// The longest file-name stem taken from an agent name as it is.
const MAX_STEM: usize = 80;

/// How often index.json is rewritten during a run.
const INDEX_EVERY: Duration = Duration::from_secs(1);

pub struct Writer {
    dir: PathBuf,
    index: BTreeMap<String, Map<String, Value>>,
    /// The file-name stem of each agent, and which agent holds each stem.
    stems: HashMap<String, String>,
    owners: HashMap<String, String>,
    /// Lines to print once: renamed agents, files that could not be written.
    notes: Vec<String>,
    failed_files: usize,
    index_written: Option<Instant>,
}

impl Writer {
    /// Starts a report in `dir`, removing the per-case files of the report
    /// it held before.
    pub fn create(dir: &Path) -> std::io::Result<Writer> {
        std::fs::create_dir_all(dir)?;
        remove_previous(dir);
        Ok(Writer {
            dir: dir.to_path_buf(),
            index: BTreeMap::new(),
            stems: HashMap::new(),
            owners: HashMap::new(),
            notes: Vec::new(),
            failed_files: 0,
            index_written: None,
        })
    }

    /// The file-name stem for `agent`: Autobahn's when it is usable and
    /// free, else shortened and made unique with a hash of the name.
    fn stem(&mut self, agent: &str) -> String {
        if let Some(s) = self.stems.get(agent) {
            return s.clone();
        }
        let plain = clean_for_filename(agent);
        let usable = !plain.is_empty() && plain.len() <= MAX_STEM;
        let free = |s: &str, owners: &HashMap<String, String>| owners.get(s).is_none_or(|a| a == agent);
        let stem = if usable && free(&plain, &self.owners) {
            plain.clone()
        } else {
            let hash: String = Sha1::digest(agent.as_bytes())[..4]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let short: String = plain.chars().take(MAX_STEM - 9).collect();
            let stem = if short.is_empty() {
                format!("agent_{hash}")
            } else {
                format!("{short}_{hash}")
            };
            let why = if !usable && plain.is_empty() {
                "has no letter or digit to name files with"
            } else if !usable {
                "is too long for file names"
            } else {
                "names files the same as another agent's"
            };
            let shown: String = agent.chars().take(60).collect();
            let more = if agent.chars().count() > 60 { "…" } else { "" };
            self.notes.push(format!(
                "agent {shown:?}{more} {why}: its per-case files are {stem}_case_*.json"
            ));
            stem
        };
        self.stems.insert(agent.to_string(), stem.clone());
        self.owners.insert(stem.clone(), agent.to_string());
        stem
    }

    /// Writes the case's file and enters it in the index.
    pub fn add(&mut self, o: &CaseOutcome) {
        let name = case_file_name(&self.stem(&o.agent), &o.id);
        let entry = index_entry(o, &name);
        if let Err(e) = std::fs::write(self.dir.join(&name), pretty(&case_json(o))) {
            self.failed_files += 1;
            if self.failed_files == 1 {
                self.notes
                    .push(format!("cannot write {}: {e}", self.dir.join(&name).display()));
            }
        }
        self.index
            .entry(o.agent.clone())
            .or_default()
            .insert(o.id.clone(), entry);
        if self.index_written.is_none_or(|t| t.elapsed() >= INDEX_EVERY) {
            let _ = self.write_index();
        }
    }

    /// Adds a finding to a case already written (a lone re-run could not
    /// confirm it): the file is read back, amended and written again.
    pub fn add_finding(&mut self, agent: &str, id: &str, finding: &str) {
        let Some(name) = self
            .index
            .get(agent)
            .and_then(|c| c.get(id))
            .and_then(|e| e["reportfile"].as_str())
            .map(str::to_string)
        else {
            return;
        };
        let path = self.dir.join(name);
        let Ok(mut v) = std::fs::read_to_string(&path)
            .map_err(|_| ())
            .and_then(|t| super::json::parse(&t).map_err(|_| ()))
        else {
            return;
        };
        match v["findings"].as_array_mut() {
            Some(list) => list.push(json!(finding)),
            None => v["findings"] = json!([finding]),
        }
        let _ = std::fs::write(&path, pretty(&v));
    }

    /// index.json, written whole to a temporary file and renamed into place,
    /// so a reader never sees half of it.
    fn write_index(&mut self) -> std::io::Result<()> {
        self.index_written = Some(Instant::now());
        let tmp = self.dir.join(".index.json.tmp");
        std::fs::write(&tmp, pretty(&json!(self.index)))?;
        std::fs::rename(&tmp, self.dir.join("index.json"))
    }

    /// Writes the final index.json; returns the lines to print once (agents
    /// renamed for file names, per-case files that could not be written).
    pub fn finish(&mut self) -> std::io::Result<Vec<String>> {
        self.write_index()?;
        let mut notes = std::mem::take(&mut self.notes);
        if self.failed_files > 1 {
            notes.push(format!("{} per-case files could not be written", self.failed_files));
        }
        self.failed_files = 0;
        Ok(notes)
    }
}

/// A writer shared by the cases of a run, as the engine's sink.
impl crate::engine::Sink for std::sync::Mutex<Writer> {
    fn outcome(&self, o: CaseOutcome) {
        self.lock().unwrap_or_else(|e| e.into_inner()).add(&o);
    }

    fn finding(&self, agent: &str, id: &str, text: &str) {
        self.lock()
            .unwrap_or_else(|e| e.into_inner())
            .add_finding(agent, id, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_autobahns_when_they_can_be_and_unique_always() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Writer::create(dir.path()).unwrap();
        assert_eq!(w.stem("ws@8.18.3"), "ws_8_18_3");
        assert_eq!(w.stem("good"), "good");
        let clash = w.stem("good!");
        assert_ne!(clash, "good", "two agents must never share per-case files");
        assert!(clash.starts_with("good_"), "{clash}");
        assert_eq!(w.stem("good!"), clash, "the same agent keeps its stem");
        let long = "x".repeat(300);
        let s = w.stem(&long);
        assert!(s.len() <= MAX_STEM, "{s}");
        assert_ne!(s, w.stem(&"x".repeat(301)));
        assert!(w.stem("???").starts_with("agent_"));
        let notes = w.finish().unwrap();
        assert_eq!(notes.len(), 4, "{notes:?}");
        assert!(
            notes[0].contains("good!") && notes[0].contains("another agent"),
            "{notes:?}"
        );
        assert!(notes[1].contains("too long"), "{notes:?}");
    }
}
