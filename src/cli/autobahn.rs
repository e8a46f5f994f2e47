//! `wsspec autobahn test-server URL` and `wsspec autobahn test-clients --
//! CMD`: the real Autobahn|Testsuite in Docker, driven with the same
//! options as the native commands, its reports rendered like ours.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use super::{BadInput, EXIT_FAILED_CASES, EXIT_OK, split_patterns};
use crate::docker;
use crate::engine::transport::Target;

#[derive(clap::Args)]
pub struct Common {
    /// The testsuite image.
    #[arg(long, default_value = docker::DEFAULT_IMAGE, env = "AUTOBAHN_IMAGE")]
    image: String,
    /// Case ID patterns, comma-separated (Autobahn's syntax).
    #[arg(long, value_name = "GLOB,...")]
    cases: Vec<String>,
    /// Case ID patterns to leave out.
    #[arg(long, value_name = "GLOB,...")]
    exclude: Vec<String>,
    /// Report folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Seconds the whole Autobahn run may take.
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    timeout: u64,
    /// Seconds the server under test (or the fuzzing server) may take to answer.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    ready_timeout: u64,
    #[command(flatten)]
    output: super::report::OutputArgs,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Run Autobahn's fuzzingclient against a server (reachable from the host).
    TestServer {
        /// ws:// URL of the server under test.
        url: String,
        /// Name of the implementation in reports.
        #[arg(long, default_value = "UnknownServer")]
        agent: String,
        #[command(flatten)]
        common: Common,
    },
    /// Run Autobahn's fuzzingserver and a client driver against it.
    TestClients {
        /// Port the fuzzing server listens on (on the host).
        #[arg(long, default_value_t = 9001)]
        port: u16,
        #[command(flatten)]
        common: Common,
        /// The client driver and its arguments, after `--`.
        #[arg(last = true, required = true, value_name = "CLIENT COMMAND")]
        client: Vec<String>,
    },
}

fn patterns(c: &Common) -> (Vec<String>, Vec<String>) {
    let mut include = split_patterns(&c.cases);
    if include.is_empty() {
        include.push("*".into());
    }
    (include, split_patterns(&c.exclude))
}

fn write_spec(dir: &std::path::Path, mode: &str, spec: serde_json::Value) -> Result<(), BadInput> {
    let path = dir.join(format!("{mode}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&spec).unwrap_or_default())
        .map_err(|e| format!("cannot write {}: {e}", path.display()).into())
}

pub async fn run(cmd: Command) -> Result<u8, BadInput> {
    let (common, default_out) = match &cmd {
        Command::TestServer { common, .. } => (common, "reports/servers"),
        Command::TestClients { common, .. } => (common, "reports/clients"),
    };
    docker::check(&common.image).await?;
    let out = docker::out_dir(&common.out.clone().unwrap_or_else(|| PathBuf::from(default_out)))?;
    let _ = std::fs::remove_file(out.join("index.json"));
    let work = docker::work_dir()?;
    let _cleanup = RemoveDir(work.clone());
    let (include, exclude) = patterns(common);
    let limit = Duration::from_secs(common.timeout);
    match &cmd {
        Command::TestServer { url, agent, .. } => {
            let target = Target::parse(url)?;
            docker::wait_ready(&target.addr, Duration::from_secs(common.ready_timeout), None).await?;
            let spec = json!({
                "outdir": "/reports/out",
                "servers": [{"agent": agent, "url": url}],
                "cases": include,
                "exclude-cases": exclude,
                "exclude-agent-cases": {},
            });
            write_spec(&work, "fuzzingclient", spec)?;
            let mut container = docker::start(&common.image, "fuzzingclient", &work, &out).await?;
            container.wait(limit).await?;
        }
        Command::TestClients { port, client, .. } => {
            let spec = json!({
                "url": format!("ws://127.0.0.1:{port}"),
                "outdir": "/reports/out",
                "cases": include,
                "exclude-cases": exclude,
                "exclude-agent-cases": {},
            });
            write_spec(&work, "fuzzingserver", spec)?;
            let mut container = docker::start(&common.image, "fuzzingserver", &work, &out).await?;
            let ready = Duration::from_secs(common.ready_timeout);
            docker::wait_ready(&format!("127.0.0.1:{port}"), ready, Some(&mut container)).await?;
            let mut driver = tokio::process::Command::new(&client[0]);
            driver.args(&client[1..]).kill_on_drop(true);
            let status = tokio::select! {
                s = driver.status() => s.map_err(|e| format!("cannot run {}: {e}", client[0]))?,
                _ = tokio::time::sleep(limit) => return Err(format!("the client did not finish within {limit:?}").into()),
                _ = tokio::signal::ctrl_c() => return Err("interrupted".into()),
            };
            if !status.success() {
                eprintln!("wsspec: note: the client command exited with {status}");
            }
            // The reports are written at /updateReports; give the file a moment.
            let index = out.join("index.json");
            let start = std::time::Instant::now();
            while !index.exists() && start.elapsed() < Duration::from_secs(30) {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            drop(container);
        }
    }
    if !out.join("index.json").exists() {
        return Err(format!(
            "Autobahn wrote no report to {} (did the client call /updateReports?)",
            out.display()
        )
        .into());
    }
    let report = super::report::load(std::slice::from_ref(&out))?;
    super::report::emit(&report, &common.output)?;
    eprintln!("reports: {}", out.join("index.json").display());
    let failed = report.agents.iter().any(|a| a.cases.iter().any(|e| e.failed()));
    Ok(if failed { EXIT_FAILED_CASES } else { EXIT_OK })
}

/// Removes a folder when dropped.
struct RemoveDir(PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
