//! `wsspec test-server`: run the catalogue against one or more servers and
//! write Autobahn's report layout.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use super::progress::progress_bar;
use super::spec::read_client_spec;
use super::{BadInput, EXIT_FAILED_CASES, EXIT_OK};
use crate::catalogue::select::excluded_for_agent;
use crate::engine::schedule::{Stop, run_against_server};
use crate::engine::{Discard, Summary};
use crate::report;
use crate::target::Target;

#[derive(clap::Args)]
pub struct Args {
    /// ws:// or wss:// URL of the server under test; omitted: the built-in
    /// echo server.
    url: Option<String>,
    #[command(flatten)]
    trust: super::TrustArgs,
    #[command(flatten)]
    selection: super::Selection,
    /// Name of the implementation in reports (default: the Server header).
    #[arg(long)]
    agent: Option<String>,
    /// Report folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Cases run at once (timed 9.x cases always run alone).
    #[arg(long, default_value_t = 32)]
    jobs: usize,
    /// An Autobahn fuzzingclient.json to take servers and cases from.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    #[command(flatten)]
    session: super::SessionArgs,
    #[command(flatten)]
    output: super::report::OutputArgs,
    #[command(flatten)]
    gate: super::report::GateArgs,
    /// With --baseline: run each case that got worse again, alone, up to N
    /// times; it counts as a regression only if every try reproduces it.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "baseline")]
    retries: u32,
}

struct Server {
    agent: Option<String>,
    target: Target,
}

pub async fn run(args: Args) -> Result<u8, BadInput> {
    super::report::check_output(&args.output)?;
    let baseline = args.gate.load().await?;
    let (mut include, mut exclude) = super::typed_patterns(&args.selection)?;
    let trust = args.trust.trust();
    if args.trust.insecure {
        eprintln!("wsspec: note: --insecure: wss:// certificates are not checked (every per-case file says so)");
    }
    let mut agent_rules = BTreeMap::new();
    let mut outdir = args.out.clone();
    let mut servers = Vec::new();
    let mut spec_testdata = None;
    if let Some(path) = &args.spec {
        if args.url.is_some() {
            return Err("give either a URL or --spec, not both".into());
        }
        let spec = read_client_spec(path)?;
        spec_testdata = spec.select.testdata.clone();
        for s in &spec.servers {
            let target = Target::parse(&s.url)
                .and_then(|t| t.trust(&trust))
                .map_err(|e| format!("spec {}: {e}", path.display()))?;
            servers.push(Server {
                agent: s.agent.clone().or(args.agent.clone()),
                target,
            });
        }
        if include.is_empty() {
            include = spec.select.cases.clone();
        }
        exclude.extend(spec.select.exclude_cases.iter().cloned());
        agent_rules = spec.select.exclude_agent_cases.clone();
        if outdir.is_none() {
            outdir = spec.outdir.as_ref().map(PathBuf::from);
        }
    } else if let Some(url) = &args.url {
        servers.push(Server {
            agent: args.agent.clone(),
            target: Target::parse(url)?.trust(&trust)?,
        });
    }
    let cases = super::select_cases(include, &exclude, &args.selection.cases_dir, super::Testing::Servers)?;
    let opts = args.session.options(spec_testdata.as_deref())?;
    if servers.is_empty() {
        let addr = ws_reference_echo::server::spawn("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot start the built-in echo server: {e}"))?;
        eprintln!("testing the built-in reference echo server at ws://{addr}");
        servers.push(Server {
            agent: Some(args.agent.clone().unwrap_or_else(|| "wsspec-echo-server".into())),
            target: Target::parse(&format!("ws://{addr}"))?,
        });
    }
    let outdir = outdir.unwrap_or_else(|| PathBuf::from("reports/servers"));
    let mut summaries: Vec<Summary> = Vec::new();
    let mut timings = Vec::new();
    let mut target_errors = Vec::new();
    // Every target must answer before anything is said or run: an
    // unreachable one is one line of bad input, nothing else.
    let mut agents = Vec::with_capacity(servers.len());
    for server in &servers {
        agents.push(probe(server, opts.open_timeout).await?);
    }
    let targets: Vec<(String, Target)> = agents
        .iter()
        .cloned()
        .zip(servers.iter().map(|s| s.target.clone()))
        .collect();
    if cases.iter().any(|c| c.deflate.is_some()) {
        eprintln!("sections 12-13 send {}", opts.testdata.describe());
    }
    let cannot_write = |e: std::io::Error| format!("cannot write reports to {}: {e}", outdir.display());
    let writer = std::sync::Mutex::new(report::writer::Writer::create(&outdir).map_err(cannot_write)?);
    for (server, agent) in servers.iter().zip(agents) {
        let mine: Vec<_> = cases
            .iter()
            .filter(|c| !excluded_for_agent(&agent_rules, &agent, &c.id))
            .cloned()
            .collect();
        let started = Instant::now();
        let pb = progress_bar(mine.len(), &agent);
        // Without a terminal the bar is hidden: a line every 5 s instead,
        // so that a CI log shows the run is alive.
        let ticker = (!std::io::stderr().is_terminal()).then(|| {
            let (pb, agent) = (pb.clone(), agent.clone());
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
                every.tick().await;
                loop {
                    every.tick().await;
                    eprintln!("{agent}: {}/{} cases done", pb.position(), pb.length().unwrap_or(0));
                }
            })
        });
        let run = run_against_server(mine, &server.target, &agent, &opts, args.jobs, &pb, &writer).await;
        if let Some(t) = ticker {
            t.abort();
        }
        pb.finish_and_clear();
        match &run.stop {
            Stop::Completed => {
                let unopened = run.cases.iter().filter(|c| !c.opened).count();
                if unopened > 0 && probe(server, opts.open_timeout).await.is_err() {
                    eprintln!(
                        "{agent}: the server stopped answering during the run: {} could not open a connection",
                        super::count_of(unopened, "case")
                    );
                }
            }
            Stop::NeverOpened(reason) => target_errors.push(format!(
                "{}: no case could open a connection ({}); the target was given up after {:.1} s",
                server.target.url,
                reason,
                started.elapsed().as_secs_f64()
            )),
            Stop::StoppedAnswering { not_run, reason } => eprintln!(
                "{agent}: the server stopped answering during the run ({}): {} not run, FAILED",
                reason,
                super::count_of(*not_run, "case")
            ),
        }
        timings.push(format!(
            "{agent}: {} in {:.2} s",
            super::count_of(run.cases.len(), "case"),
            started.elapsed().as_secs_f64()
        ));
        summaries.extend(run.cases);
    }
    let notes = writer
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .finish()
        .map_err(cannot_write)?;
    for n in notes {
        eprintln!("wsspec: note: {n}");
    }
    if !target_errors.is_empty() {
        // Reports hold what ran; the run itself says nothing of conformance.
        return Err(target_errors.join("; ").into());
    }
    for t in timings {
        eprintln!("{t}");
    }
    let mut rendered = super::report::load(std::slice::from_ref(&outdir), args.output.format)?;
    if let Some(old) = &baseline {
        let cmp = args.gate.compare(&rendered, old)?;
        for m in &cmp.missing {
            eprintln!("wsspec: note: {m}");
        }
        let mut gate = cmp.gate;
        if args.retries > 0 {
            retry_regressions(&mut gate, old, &cases, &targets, &opts, args.retries).await;
        }
        rendered.gate = Some(gate);
    }
    super::report::emit(&rendered, &args.output)?;
    eprintln!("reports: {}", outdir.join("index.json").display());
    if baseline.is_some() {
        return Ok(super::report::gate_exit(&rendered));
    }
    Ok(if summaries.iter().any(Summary::failed) {
        EXIT_FAILED_CASES
    } else {
        EXIT_OK
    })
}

/// Runs each regressed case again, alone, up to `retries` times: a try that
/// is not worse than the baseline makes it flaky (with the outcomes seen),
/// not a regression.
async fn retry_regressions(
    gate: &mut report::model::Gate,
    old: &report::model::Report,
    cases: &[crate::catalogue::Case],
    targets: &[(String, Target)],
    opts: &crate::engine::SessionOptions,
    retries: u32,
) {
    let regressions = std::mem::take(&mut gate.regressions);
    for change in regressions {
        let target = targets.iter().find(|(a, _)| *a == change.agent).map(|(_, t)| t);
        let case = cases.iter().find(|c| c.id == change.id);
        let (Some(target), Some(case)) = (target, case) else {
            gate.regressions.push(change);
            continue;
        };
        let accepted: Vec<_> = old
            .agents
            .iter()
            .flat_map(|a| a.get(&change.id))
            .flat_map(|e| e.accepted.clone())
            .collect();
        let mut seen = vec![change.after];
        let mut settled = false;
        for _ in 0..retries {
            let again = run_against_server(
                vec![case.clone()],
                target,
                &change.agent,
                opts,
                1,
                &crate::engine::Silent,
                &Discard,
            )
            .await;
            let Some(o) = again.cases.first() else { break };
            let pair = (o.verdict.behavior, o.verdict.behavior_close);
            seen.push(pair);
            if !report::baseline::worse(change.before, pair) || accepted.contains(&pair) {
                settled = true;
                break;
            }
        }
        if settled {
            gate.flaky.push(report::model::Flaky {
                agent: change.agent.clone(),
                id: change.id.clone(),
                seen,
            });
        } else {
            gate.regressions.push(change);
        }
    }
}

/// The server's agent name, once it has answered a probe (see
/// `suite::servers::probe`).
async fn probe(server: &Server, open_timeout: std::time::Duration) -> Result<String, BadInput> {
    Ok(crate::suite::servers::probe(&server.target, server.agent.as_deref(), open_timeout).await?)
}
