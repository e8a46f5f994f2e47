//! Shards of one run (`test-server --shard K/N` on several CI jobs) joined
//! into one report folder: every shard's agents and cases in one
//! index.json, and their per-case files beside it, as one unsharded run
//! leaves them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::autobahn::{pretty, remove_previous};

/// Merges the report folders (or index files) `inputs` into `into`; the
/// number of cases merged. Two shards holding the same case of the same
/// agent are an error: they are not shards of one run.
pub fn merge(inputs: &[PathBuf], into: &Path) -> Result<usize, String> {
    let mut index: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut from: BTreeMap<(String, String), PathBuf> = BTreeMap::new();
    let mut files = Vec::new();
    for input in inputs {
        let (file, dir) = if input.is_dir() {
            (input.join("index.json"), input.clone())
        } else {
            (input.clone(), input.parent().map(Path::to_path_buf).unwrap_or_default())
        };
        if same_folder(&dir, into) {
            return Err(format!(
                "--merge {}: is also an input; merge into another folder",
                into.display()
            ));
        }
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let shard = super::json::parse(&text).map_err(|e| format!("{}: not valid JSON ({e})", file.display()))?;
        let agents = shard
            .as_object()
            .ok_or_else(|| format!("{}: expected an object of agents", file.display()))?;
        for (agent, cases) in agents {
            let cases = cases
                .as_object()
                .ok_or_else(|| format!("{}: agent {agent}: expected an object of cases", file.display()))?;
            for (id, entry) in cases {
                if let Some(other) = from.insert((agent.clone(), id.clone()), file.clone()) {
                    return Err(format!(
                        "{}: {agent} {id} is also in {}: shards of one run hold each case once",
                        file.display(),
                        other.display()
                    ));
                }
                if let Some(name) = entry["reportfile"].as_str().filter(|n| plain_name(n)) {
                    files.push((dir.join(name), into.join(name)));
                }
                index
                    .entry(agent.clone())
                    .or_default()
                    .insert(id.clone(), entry.clone());
            }
        }
    }
    std::fs::create_dir_all(into).map_err(|e| format!("cannot write {}: {e}", into.display()))?;
    remove_previous(into);
    for (src, dst) in &files {
        // A shard without some per-case files still merges: the loader
        // marks those cases, as it does for any report.
        if src.exists() {
            std::fs::copy(src, dst).map_err(|e| format!("cannot copy {} to {}: {e}", src.display(), dst.display()))?;
        }
    }
    let out = into.join("index.json");
    std::fs::write(&out, pretty(&json!(index))).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(from.len())
}

/// A per-case file name that stays inside its folder.
fn plain_name(n: &str) -> bool {
    !n.contains(['/', '\\']) && n != ".." && n.ends_with(".json")
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
