//! `wsspec test-clients`: serve Autobahn's fuzzingserver protocol and test
//! every client that connects.

use std::path::PathBuf;

use super::spec::read_server_spec;
use super::{BadInput, EXIT_FAILED_CASES, EXIT_OK};

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on [default: 127.0.0.1:9001, or the spec's url].
    #[arg(long, value_name = "ADDR")]
    pub(super) listen: Option<String>,
    #[command(flatten)]
    selection: super::Selection,
    /// Report folder [default: reports/clients, or the spec's outdir].
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
    /// Offer HTTP/2 by ALPN over TLS (with SETTINGS_ENABLE_CONNECT_PROTOCOL),
    /// so clients may run the cases over RFC 8441 streams. Cleartext
    /// HTTP/2 with prior knowledge is always taken.
    #[arg(long)]
    http2: bool,
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
    let (suite, listen, outdir) = suite_of(&args)?;
    let clients = suite.serve_clients(&listen).await?;
    println!(
        "wsspec test-clients: {} for any client at {}",
        super::count_of(clients.case_count(), "case"),
        clients.url()
    );
    if let Some(ca) = &args.tls.tls_self_signed {
        println!("wsspec test-clients: the certificate's CA is in {}", ca.display());
    }
    let started = std::time::Instant::now();
    let (mut child, bound, what) = match launch {
        Some(l) => (Some((l.start)(&clients.url())?), Some(l.bound), l.what),
        None => (None, None, String::new()),
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => Ok(EXIT_OK),
        status = async { match child.as_mut() { Some(c) => c.wait().await, None => std::future::pending().await } } => {
            let how = status.map_or_else(|e| e.to_string(), |s| s.to_string());
            Err(format!("{what} exited ({how}) before it asked for the reports").into())
        }
        _ = async { match bound { Some(b) => tokio::time::sleep(b).await, None => std::future::pending().await } } => {
            Err(format!(
                "{what} did not finish within {} s ({} cases had run); see the page's progress by opening it yourself",
                bound.unwrap_or_default().as_secs(),
                clients.cases_run()
            )
            .into())
        }
        Some(agent) = async { if args.once { clients.next_reports_request().await } else { std::future::pending().await } } => {
            if clients.cases_run() == 0 {
                // A driver that only asked for reports: nothing was tested,
                // and CI must not read that as a pass.
                return Err(format!(
                    "{agent}: no case was run before /updateReports; the client must run /runCase for each case first"
                )
                .into());
            }
            eprintln!(
                "{agent}: {} in {:.2} s",
                super::count_of(clients.cases_run(), "case"),
                started.elapsed().as_secs_f64()
            );
            let mut rendered = super::report::load(std::slice::from_ref(&outdir), args.output.format)?;
            if let Some(old) = &baseline {
                let cmp = args.gate.compare(&rendered, old)?;
                for m in &cmp.missing {
                    eprintln!("wsspec: note: {m}");
                }
                rendered.gate = Some(cmp.gate);
            }
            super::report::emit(&rendered, &args.output)?;
            eprintln!("reports: {}", outdir.join("index.json").display());
            if baseline.is_some() {
                return Ok(super::report::gate_exit(&rendered));
            }
            Ok(if clients.any_failed() { EXIT_FAILED_CASES } else { EXIT_OK })
        }
    }
}

/// The suite to serve, from the flags and the spec file (the flags win),
/// the address to listen on and the report folder.
fn suite_of(args: &Args) -> Result<(crate::Suite, String, PathBuf), BadInput> {
    let (mut include, mut exclude) = super::typed_patterns(&args.selection)?;
    let mut listen = args.listen.clone();
    let mut outdir = args.out.clone();
    let mut excluded = crate::AgentExclusions::new();
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
        excluded = spec.select.exclude_agent_cases;
        outdir = outdir.or(spec.outdir.map(PathBuf::from));
        if listen.is_none()
            && let Some(u) = &spec.url
        {
            let t = crate::target::Target::parse(u).map_err(|e| format!("spec {}: {e}", path.display()))?;
            listen = Some(t.addr);
        }
    }
    let suite = super::suite_of(
        (include, exclude),
        &args.selection,
        &args.session,
        spec_testdata.as_deref(),
    )?;
    let outdir = outdir.unwrap_or_else(|| PathBuf::from("reports/clients"));
    let mut suite = suite.exclude_for_agents(excluded).out_dir(&outdir).http2(args.http2);
    let tls = args
        .tls
        .config(spec_tls.as_ref().map(|(c, k)| (c.as_path(), k.as_path())))?;
    if let Some(tls) = tls {
        suite = suite.serve_tls(tls);
    }
    Ok((suite, listen.unwrap_or_else(|| "127.0.0.1:9001".into()), outdir))
}
