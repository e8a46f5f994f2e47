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
    #[serde(flatten)]
    pub select: SpecCases,
}

pub fn read_server_spec(path: &Path) -> Result<FuzzingServerSpec, BadInput> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read spec {}: {e}", path.display()))?;
    Ok(serde_json::from_str(&text).map_err(|e| format!("spec {}: {e}", path.display()))?)
}

fn all_cases() -> Vec<String> {
    vec!["*".into()]
}

pub fn read_client_spec(path: &Path) -> Result<FuzzingClientSpec, BadInput> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read spec {}: {e}", path.display()))?;
    let spec: FuzzingClientSpec = serde_json::from_str(&text).map_err(|e| format!("spec {}: {e}", path.display()))?;
    if spec.servers.is_empty() {
        return Err(format!("spec {}: \"servers\" is empty", path.display()).into());
    }
    Ok(spec)
}
