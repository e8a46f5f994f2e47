//! Autobahn's `fuzzingclient.json`, read so that existing users change
//! nothing: outdir, servers (agent, url), cases, exclude-cases and
//! exclude-agent-cases. Options Autobahn passes to its own protocol stack
//! have no meaning here and are ignored.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::BadInput;

#[derive(Deserialize, Debug)]
pub struct ServerEntry {
    pub agent: Option<String>,
    pub url: String,
}

/// The case selection both spec files share.
#[derive(Deserialize, Debug)]
pub struct SpecCases {
    #[serde(default = "all_cases")]
    pub cases: Vec<String>,
    #[serde(rename = "exclude-cases", default)]
    pub exclude_cases: Vec<String>,
    #[serde(rename = "exclude-agent-cases", default)]
    pub exclude_agent_cases: BTreeMap<String, Vec<String>>,
    /// wsspec's own: the folder of Autobahn's compression test files
    /// (as `--testdata`).
    pub testdata: Option<String>,
}

#[derive(Deserialize, Debug)]
pub struct FuzzingClientSpec {
    pub outdir: Option<String>,
    pub servers: Vec<ServerEntry>,
    #[serde(flatten)]
    pub select: SpecCases,
}

/// Autobahn's `fuzzingserver.json`.
#[derive(Deserialize, Debug)]
pub struct FuzzingServerSpec {
    pub url: Option<String>,
    pub outdir: Option<String>,
    /// TLS: the private key and certificate files (PEM), as Autobahn names them.
    pub key: Option<String>,
    pub cert: Option<String>,
    #[serde(flatten)]
    pub select: SpecCases,
}

/// Keys both of Autobahn's spec files may hold, and wsspec's own.
const SELECTION_KEYS: [&str; 5] = ["cases", "exclude-cases", "exclude-agent-cases", "options", "testdata"];

/// Refuses keys neither Autobahn nor wsspec knows (a typo such as
/// `exclude-case` would otherwise change nothing, silently).
fn check_keys(path: &Path, text: &str, top: &[&str], per_server: &[&str]) -> Result<(), BadInput> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("spec {}: {e}", path.display()))?;
    let Some(obj) = v.as_object() else {
        return Err(format!("spec {}: expected a JSON object", path.display()).into());
    };
    let known = |k: &str, list: &[&str]| SELECTION_KEYS.contains(&k) || list.contains(&k);
    for k in obj.keys() {
        if !known(k, top) {
            let mut all: Vec<&str> = SELECTION_KEYS.iter().chain(top).copied().collect();
            all.sort();
            return Err(format!(
                "spec {}: unknown key \"{k}\" (known: {})",
                path.display(),
                all.join(", ")
            )
            .into());
        }
    }
    for s in obj.get("servers").and_then(|s| s.as_array()).into_iter().flatten() {
        for k in s.as_object().into_iter().flat_map(|o| o.keys()) {
            if !per_server.contains(&k.as_str()) {
                return Err(format!(
                    "spec {}: unknown key \"{k}\" in a server (known: {})",
                    path.display(),
                    per_server.join(", ")
                )
                .into());
            }
        }
    }
    Ok(())
}

pub fn read_server_spec(path: &Path) -> Result<FuzzingServerSpec, BadInput> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read spec {}: {e}", path.display()))?;
    check_keys(path, &text, &["url", "outdir", "webport", "key", "cert"], &[])?;
    Ok(serde_json::from_str(&text).map_err(|e| format!("spec {}: {e}", path.display()))?)
}

fn all_cases() -> Vec<String> {
    vec!["*".into()]
}

pub fn read_client_spec(path: &Path) -> Result<FuzzingClientSpec, BadInput> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read spec {}: {e}", path.display()))?;
    check_keys(path, &text, &["outdir", "servers"], &["agent", "url", "options"])?;
    let spec: FuzzingClientSpec = serde_json::from_str(&text).map_err(|e| format!("spec {}: {e}", path.display()))?;
    if spec.servers.is_empty() {
        return Err(format!("spec {}: \"servers\" is empty", path.display()).into());
    }
    Ok(spec)
}
