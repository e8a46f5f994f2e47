//! `wsspec test-clients`: serve Autobahn's fuzzingserver protocol and test
//! every client that connects.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::spec::read_server_spec;
use super::{BadInput, EXIT_FAILED_CASES, EXIT_OK};
use crate::engine::Summary;
use crate::fuzzing_server::{Config, Server, serve};

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR")]
    pub(super) listen: Option<String>,
    #[command(flatten)]
    selection: super::Selection,
    /// Report folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// An Autobahn fuzzingserver.json (url, outdir, cases, exclude-cases, exclude-agent-cases).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Exit after the first /updateReports, printing the table, with exit
    /// code 1 if a case failed: one step in CI.
    #[arg(long)]
    pub(super) once: bool,
    #[command(flatten)]
    tls: super::ServeTlsArgs,
    #[command(flatten)]
    session: super::SessionArgs,
    #[command(flatten)]
    output: super::report::OutputArgs,
    /// With --once: gate on a baseline (clients choose which cases run, so
    /// a case cannot be retried from here).
    #[command(flatten)]
    gate: super::report::GateArgs,
}

/// Starts a client on the server's base URL.
pub type Starter = Box<dyn FnOnce(&str) -> Result<tokio::process::Child, BadInput> + Send>;

/// A client to start once the server listens (a browser, for
/// test-browser): given the server's base URL, its process, which is
/// killed when the run ends; the whole run is bounded by `bound`.
pub struct Launch {
    pub start: Starter,
    pub bound: std::time::Duration,
    pub what: String,
}

pub async fn run(args: Args) -> Result<u8, BadInput> {
    run_with(args, None).await
}

pub async fn run_with(args: Args, launch: Option<Launch>) -> Result<u8, BadInput> {
    super::report::check_output(&args.output)?;
    let baseline = args.gate.load().await?;
    if baseline.is_some() && !args.once {
        return Err("--baseline needs --once: the gate is applied when the client asks for its reports".into());
    }
    let (mut include, mut exclude) = super::typed_patterns(&args.selection)?;
    let mut outdir = args.out.clone();
    let mut listen = args.listen.clone();
    let mut agent_rules = BTreeMap::new();
    let mut spec_testdata = None;
    let mut spec_tls = None;
    if let Some(path) = &args.spec {
        let spec = read_server_spec(path)?;
        spec_testdata = spec.select.testdata.clone();
        // Autobahn's spec names the certificate `cert` and its key `key`.
        spec_tls = match (&spec.cert, &spec.key) {
            (Some(c), Some(k)) => Some((PathBuf::from(c), PathBuf::from(k))),
            (None, None) => None,
            _ => return Err(format!("spec {}: \"cert\" and \"key\" go together", path.display()).into()),
        };
        if include.is_empty() {
            include = spec.select.cases;
        }
        exclude.extend(spec.select.exclude_cases);
        agent_rules = spec.select.exclude_agent_cases;
        outdir = outdir.or(spec.outdir.map(PathBuf::from));
        if listen.is_none()
            && let Some(u) = &spec.url
        {
            let t = crate::target::Target::parse(u).map_err(|e| format!("spec {}: {e}", path.display()))?;
            listen = Some(t.addr);
        }
    }
    let cases = super::select_cases(include, &exclude, &args.selection.cases_dir, super::Testing::Clients)?;
    let opts = args.session.options(spec_testdata.as_deref())?;
    let listen = listen.unwrap_or_else(|| "127.0.0.1:9001".into());
    let outdir = outdir.unwrap_or_else(|| PathBuf::from("reports/clients"));
    let tls = args
        .tls
        .config(spec_tls.as_ref().map(|(c, k)| (c.as_path(), k.as_path())))?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let count = cases.len();
    let (server, mut updated) = Server::new(Config {
        cases: cases.into_iter().map(Arc::new).collect(),
        exclude_agent_cases: agent_rules,
        outdir: outdir.clone(),
        opts,
        tls: tls.clone(),
    })
    .map_err(|e| format!("cannot write reports to {}: {e}", outdir.display()))?;
    let scheme = if tls.is_some() { "wss" } else { "ws" };
    println!(
        "wsspec test-clients: {} for any client at {scheme}://{addr}",
        super::count_of(count, "case")
    );
    if let Some(ca) = &args.tls.tls_self_signed {
        println!("wsspec test-clients: the certificate's CA is in {}", ca.display());
    }
    let started = std::time::Instant::now();
    let (mut child, bound, what) = match launch {
        Some(l) => (Some((l.start)(&format!("{scheme}://{addr}"))?), Some(l.bound), l.what),
        None => (None, None, String::new()),
    };
    tokio::select! {
        _ = serve(listener, server.clone()) => Ok(EXIT_OK),
        _ = tokio::signal::ctrl_c() => Ok(EXIT_OK),
        status = async { match child.as_mut() { Some(c) => c.wait().await, None => std::future::pending().await } } => {
            let how = status.map_or_else(|e| e.to_string(), |s| s.to_string());
            Err(format!("{what} exited ({how}) before it asked for the reports").into())
        }
        _ = async { match bound { Some(b) => tokio::time::sleep(b).await, None => std::future::pending().await } } => {
            Err(format!(
                "{what} did not finish within {} s ({} cases had run); see the page's progress by opening it yourself",
                bound.unwrap_or_default().as_secs(),
                server.summaries().len()
            )
            .into())
        }
        Some(agent) = async { if args.once { updated.recv().await } else { std::future::pending().await } } => {
            let outcomes: Vec<Summary> = server.summaries();
            let failed = outcomes.iter().any(Summary::failed);
            if outcomes.is_empty() {
                // A driver that only asked for reports: nothing was tested,
                // and CI must not read that as a pass.
                return Err(format!(
                    "{agent}: no case was run before /updateReports; the client must run /runCase for each case first"
                )
                .into());
            }
            eprintln!(
                "{agent}: {} in {:.2} s",
                super::count_of(outcomes.len(), "case"),
                started.elapsed().as_secs_f64()
            );
            {
                let mut rendered = super::report::load(std::slice::from_ref(&outdir), args.output.format)?;
                if let Some(old) = &baseline {
                    let cmp = args.gate.compare(&rendered, old)?;
                    for m in &cmp.missing {
                        eprintln!("wsspec: note: {m}");
                    }
                    rendered.gate = Some(cmp.gate);
                }
                super::report::emit(&rendered, &args.output)?;
                if baseline.is_some() {
                    eprintln!("reports: {}", outdir.join("index.json").display());
                    return Ok(super::report::gate_exit(&rendered));
                }
            }
            eprintln!("reports: {}", outdir.join("index.json").display());
            Ok(if failed { EXIT_FAILED_CASES } else { EXIT_OK })
        }
    }
}
