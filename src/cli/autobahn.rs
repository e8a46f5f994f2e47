//! `wsspec autobahn test-server URL` and `wsspec autobahn test-clients --
//! CMD`: the real Autobahn|Testsuite in Docker, driven with the same
//! options as the native commands, its reports rendered like ours.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use super::{BadInput, EXIT_FAILED_CASES, EXIT_OK, split_patterns};
use crate::docker;
use crate::docker::container::{Container, Network, Run};
use crate::target::Target;

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
        /// Host address its ports are published on (loopback unless asked).
        #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
        bind: String,
        /// Port of Autobahn's web UI; off unless given.
        #[arg(long, value_name = "PORT")]
        webport: Option<u16>,
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
    // A signal drops the run: its guards remove the container with its
    // volumes, the staging and work folders; then we exit as a shell would.
    tokio::select! {
        r = run_supervised(cmd) => r,
        (name, code) = first_signal() => {
            eprintln!("wsspec: {name}: the Autobahn run was stopped and its container removed");
            Ok(code)
        }
    }
}

/// The first of SIGINT, SIGTERM or SIGHUP: its name and the exit code a
/// shell gives (128 + the signal number).
async fn first_signal() -> (&'static str, u8) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => ("interrupted (SIGINT)", 130),
        _ = term.recv() => ("terminated (SIGTERM)", 143),
        _ = hup.recv() => ("hung up (SIGHUP)", 129),
    }
}

async fn run_supervised(cmd: Command) -> Result<u8, BadInput> {
    let (common, default_out) = match &cmd {
        Command::TestServer { common, .. } => (common, "reports/servers"),
        Command::TestClients { common, .. } => (common, "reports/clients"),
    };
    docker::check(&common.image).await?;
    let out = docker::out_dir(&common.out.clone().unwrap_or_else(|| PathBuf::from(default_out)))?;
    let staging = docker::staging::Staging::new(&out)?;
    let work = docker::work_dir()?;
    let _cleanup = RemoveDir(work.clone());
    match &cmd {
        Command::TestServer { url, agent, .. } => fuzzingclient(common, url, agent, &work, &staging).await?,
        Command::TestClients {
            port,
            bind,
            webport,
            client,
            ..
        } => {
            let ports = Ports {
                port: *port,
                bind,
                webport: *webport,
            };
            fuzzingserver(common, ports, client, &work, &staging).await?
        }
    }
    if !staging.has_index() {
        return Err(format!(
            "Autobahn wrote no report (did the client call /updateReports?); {} is left as it was",
            out.display()
        )
        .into());
    }
    staging.commit()?;
    let report = super::report::load(std::slice::from_ref(&out), common.output.format)?;
    super::report::emit(&report, &common.output)?;
    eprintln!("reports: {}", out.join("index.json").display());
    let failed = report.agents.iter().any(|a| a.cases.iter().any(|e| e.failed()));
    Ok(if failed { EXIT_FAILED_CASES } else { EXIT_OK })
}

/// Autobahn's fuzzingclient against the server at `url`, once it answers,
/// writing into the staging folder.
async fn fuzzingclient(
    common: &Common,
    url: &str,
    agent: &str,
    work: &Path,
    staging: &docker::staging::Staging,
) -> Result<(), BadInput> {
    let (include, exclude) = patterns(common);
    let target = Target::parse(url)?;
    docker::ready::server(&target, Duration::from_secs(common.ready_timeout)).await?;
    let spec = json!({
        "outdir": "/reports/out",
        "servers": [{"agent": agent, "url": url}],
        "cases": include,
        "exclude-cases": exclude,
        "exclude-agent-cases": {},
    });
    write_spec(work, "fuzzingclient", spec)?;
    let mut container = Container::start(Run {
        image: &common.image,
        mode: "fuzzingclient",
        config: work,
        out: &staging.dir,
        network: Network::Host,
        extra: Vec::new(),
    })
    .await?;
    container.wait(Duration::from_secs(common.timeout)).await?;
    Ok(())
}

/// Where Autobahn's fuzzing server listens (and its web page, if asked).
struct Ports<'a> {
    port: u16,
    bind: &'a str,
    webport: Option<u16>,
}

/// Autobahn's fuzzingserver, once ready, driven by the `client` command;
/// waits (at most 30 s) for the report that /updateReports writes.
async fn fuzzingserver(
    common: &Common,
    at: Ports<'_>,
    client: &[String],
    work: &Path,
    staging: &docker::staging::Staging,
) -> Result<(), BadInput> {
    let (include, exclude) = patterns(common);
    let limit = Duration::from_secs(common.timeout);
    let mut ports = vec![at.port];
    ports.extend(at.webport.filter(|w| *w != 0));
    for p in &ports {
        docker::ready::port_is_free(at.bind, *p)?;
    }
    let spec = json!({
        "url": format!("ws://127.0.0.1:{}", at.port),
        "outdir": "/reports/out",
        "cases": include,
        "exclude-cases": exclude,
        "exclude-agent-cases": {},
    });
    write_spec(work, "fuzzingserver", spec)?;
    let mut container = Container::start(Run {
        image: &common.image,
        mode: "fuzzingserver",
        config: work,
        out: &staging.dir,
        network: Network::Publish {
            bind: at.bind.to_string(),
            ports,
        },
        extra: vec!["--webport".into(), at.webport.unwrap_or(0).to_string()],
    })
    .await?;
    docker::ready::fuzzing_server(at.port, Duration::from_secs(common.ready_timeout), &mut container).await?;
    let mut driver = tokio::process::Command::new(&client[0]);
    driver.args(&client[1..]).kill_on_drop(true);
    let status = tokio::select! {
        s = driver.status() => s.map_err(|e| format!("cannot run {}: {e}", client[0]))?,
        _ = tokio::time::sleep(limit) => return Err(format!("the client did not finish within {limit:?}").into()),
    };
    if !status.success() {
        eprintln!("wsspec: note: the client command exited with {status}");
    }
    // The reports are written at /updateReports; give the file a moment.
    let start = std::time::Instant::now();
    while !staging.has_index() && start.elapsed() < Duration::from_secs(30) {
        if let Some(why) = container.exited().await {
            return Err(why.into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

/// Removes a folder when dropped.
struct RemoveDir(PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
