//! `wsspec test-server`: run the catalogue against one or more servers and
//! write Autobahn's report layout.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::progress::progress_bar;
use super::spec::read_client_spec;
use super::{BadInput, EXIT_FAILED_CASES, EXIT_OK};
use crate::report;
use crate::{AgentExclusions, Ending, Progress, ServerUnderTest, ServersRun, Suite, Watch};

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
    /// Report folder [default: reports/servers, or the spec's outdir].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Cases run at once (timed 9.x cases always run alone), at least 1.
    #[arg(long, default_value_t = Suite::DEFAULT_JOBS, value_parser = at_least_one)]
    jobs: usize,
    /// An Autobahn fuzzingclient.json to take servers and cases from.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Run the K-th of N shards (every N-th case) of the selection, one
    /// per CI job; `wsspec report --merge DIR` joins the shards' folders
    /// into the report of one whole run (and gates it with --baseline).
    #[arg(long, value_name = "K/N", value_parser = crate::Shard::parse, conflicts_with = "baseline")]
    shard: Option<crate::Shard>,
    /// Run the cases over HTTP/2 (RFC 8441): each an extended CONNECT
    /// stream, cleartext with prior knowledge for ws://, TLS with ALPN h2
    /// for wss://. The server must advertise SETTINGS_ENABLE_CONNECT_PROTOCOL.
    #[arg(long)]
    http2: bool,
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

/// `--jobs`: a count of one or more.
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("at least 1 case must run at a time".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("not a whole number: {s}")),
    }
}

pub async fn run(args: Args) -> Result<u8, BadInput> {
    super::report::check_output(&args.output)?;
    let baseline = args.gate.load().await?;
    let plan = Plan::of(&args)?;
    let suite = super::suite_of(
        plan.patterns,
        &args.selection,
        &args.session,
        plan.spec_testdata.as_deref(),
    )?;
    let mut suite = args.trust.apply(suite).jobs(args.jobs).out_dir(&plan.outdir);
    if let Some(shard) = args.shard {
        suite = suite.shard(shard);
    }
    suite = suite.http2(args.http2);
    let terminal = Terminal::default();
    let servers = servers_of(&suite, &plan.urls, args.agent.as_deref(), &terminal).await?;
    let run = suite.run_against_servers(&servers, &plan.excluded, &terminal).await?;
    say_endings(&run)?;
    let mut rendered = super::report::load(std::slice::from_ref(&plan.outdir), args.output.format)?;
    if let Some(old) = &baseline {
        let cmp = args.gate.compare(&rendered, old)?;
        for m in &cmp.missing {
            eprintln!("wsspec: note: {m}");
        }
        let mut gate = cmp.gate;
        if args.retries > 0 {
            retry_regressions(&mut gate, old, &suite, &servers, &run, args.retries).await?;
        }
        rendered.gate = Some(gate);
    }
    super::report::emit(&rendered, &args.output)?;
    eprintln!("reports: {}", plan.outdir.join("index.json").display());
    if baseline.is_some() {
        return Ok(super::report::gate_exit(&rendered));
    }
    Ok(if run.servers.iter().any(|s| s.failed) {
        EXIT_FAILED_CASES
    } else {
        EXIT_OK
    })
}

/// What the flags and the spec file ask for (the flags win).
struct Plan {
    /// `--cases` and `--exclude`, with the spec's cases and exclusions.
    patterns: (Vec<String>, Vec<String>),
    /// Each server: its URL, its agent name if given, and the spec file
    /// that named it.
    urls: Vec<(String, Option<String>, Option<PathBuf>)>,
    excluded: AgentExclusions,
    outdir: PathBuf,
    spec_testdata: Option<String>,
}

impl Plan {
    fn of(args: &Args) -> Result<Plan, BadInput> {
        let (mut include, mut exclude) = super::typed_patterns(&args.selection)?;
        if args.trust.insecure {
            eprintln!("wsspec: note: --insecure: wss:// certificates are not checked (every per-case file says so)");
        }
        let mut plan = Plan {
            patterns: (Vec::new(), Vec::new()),
            urls: Vec::new(),
            excluded: AgentExclusions::new(),
            outdir: PathBuf::new(),
            spec_testdata: None,
        };
        let mut outdir = args.out.clone();
        if let Some(path) = &args.spec {
            if args.url.is_some() {
                return Err("give either a URL or --spec, not both".into());
            }
            let spec = read_client_spec(path)?;
            plan.spec_testdata = spec.select.testdata.clone();
            for s in &spec.servers {
                let agent = s.agent.clone().or(args.agent.clone());
                plan.urls.push((s.url.clone(), agent, Some(path.clone())));
            }
            if include.is_empty() {
                include = spec.select.cases.clone();
            }
            exclude.extend(spec.select.exclude_cases.iter().cloned());
            plan.excluded = spec.select.exclude_agent_cases.clone();
            outdir = outdir.or(spec.outdir.as_ref().map(PathBuf::from));
        } else if let Some(url) = &args.url {
            plan.urls.push((url.clone(), args.agent.clone(), None));
        }
        if (args.trust.ca.is_some() || args.trust.insecure)
            && !plan.urls.iter().any(|(url, ..)| url.trim().starts_with("wss://"))
        {
            let flag = if args.trust.insecure { "--insecure" } else { "--ca" };
            return Err(format!("{flag} is for wss:// targets, and no target here uses TLS").into());
        }
        plan.patterns = (include, exclude);
        plan.outdir = outdir.unwrap_or_else(|| PathBuf::from("reports/servers"));
        Ok(plan)
    }
}

/// The servers to test: the URLs given, or the built-in echo server,
/// started now (and said once the run begins).
async fn servers_of(
    suite: &Suite,
    urls: &[(String, Option<String>, Option<PathBuf>)],
    agent: Option<&str>,
    terminal: &Terminal,
) -> Result<Vec<ServerUnderTest>, BadInput> {
    let mut servers = Vec::with_capacity(urls.len().max(1));
    for (url, agent, spec) in urls {
        let server = suite.server(url, agent.as_deref()).map_err(|e| match spec {
            Some(path) => format!("spec {}: {e}", path.display()),
            None => e.to_string(),
        })?;
        servers.push(server);
    }
    if servers.is_empty() {
        let addr = ws_reference_echo::server::spawn("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot start the built-in echo server: {e}"))?;
        // The same server speaks RFC 8441 on the same port (`--http2`).
        let over = if suite.is_http2() { " over HTTP/2" } else { "" };
        terminal.first(format!(
            "testing the built-in reference echo server at ws://{addr}{over}"
        ));
        let agent = agent.map_or_else(|| format!("wsspec-echo-server{over}"), str::to_string);
        servers.push(suite.server(&format!("ws://{addr}"), Some(&agent))?);
    }
    Ok(servers)
}

/// How each server's run ended, the report's notes, then each server's
/// time; a server that could not be tested at all is bad input.
fn say_endings(run: &ServersRun) -> Result<(), BadInput> {
    let mut target_errors = Vec::new();
    for s in &run.servers {
        match &s.ending {
            Ending::Completed => {}
            Ending::WentAway(unopened) => eprintln!(
                "{}: the server stopped answering during the run: {} could not open a connection",
                s.agent,
                super::count_of(*unopened, "case")
            ),
            Ending::NeverOpened(reason) => target_errors.push(format!(
                "{}: no case could open a connection ({}); the target was given up after {:.1} s",
                s.url,
                reason,
                s.took.as_secs_f64()
            )),
            Ending::StoppedAnswering(not_run, reason) => eprintln!(
                "{}: the server stopped answering during the run ({}): {} not run, FAILED",
                s.agent,
                reason,
                super::count_of(*not_run, "case")
            ),
        }
    }
    for n in &run.notes {
        eprintln!("wsspec: note: {n}");
    }
    if !target_errors.is_empty() {
        // Reports hold what ran; the run itself says nothing of conformance.
        return Err(target_errors.join("; ").into());
    }
    for s in &run.servers {
        eprintln!(
            "{}: {} in {:.2} s",
            s.agent,
            super::count_of(s.cases, "case"),
            s.took.as_secs_f64()
        );
    }
    Ok(())
}

/// Progress on a terminal: a bar per server. Without a terminal the bar is
/// hidden, and a line every 5 s says the run is alive in a CI log.
#[derive(Default)]
struct Terminal {
    /// Said before anything else, once the run has begun: bad input found
    /// before that is the only line.
    opening: std::sync::Mutex<Option<String>>,
}

impl Terminal {
    fn first(&self, line: String) {
        *self.opening.lock().unwrap_or_else(|e| e.into_inner()) = Some(line);
    }

    fn say_opening(&self) {
        if let Some(line) = self.opening.lock().unwrap_or_else(|e| e.into_inner()).take() {
            eprintln!("{line}");
        }
    }
}

impl Watch for Terminal {
    fn note(&self, line: &str) {
        self.say_opening();
        eprintln!("{line}");
    }

    fn server(&self, agent: &str, cases: usize) -> Box<dyn Progress> {
        self.say_opening();
        let bar = progress_bar(cases, agent);
        let ticker = (!std::io::stderr().is_terminal()).then(|| {
            let (bar, agent) = (bar.clone(), agent.to_string());
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
                every.tick().await;
                loop {
                    every.tick().await;
                    eprintln!("{agent}: {}/{} cases done", bar.position(), bar.length().unwrap_or(0));
                }
            })
        });
        Box::new(Bar { bar, ticker })
    }
}

/// A server's bar, cleared (and its ticker stopped) when its run ends.
struct Bar {
    bar: indicatif::ProgressBar,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Progress for Bar {
    fn started(&self, id: &str) {
        self.bar.started(id);
    }

    fn ended(&self) {
        self.bar.ended();
    }

    fn one_more(&self) {
        self.bar.one_more();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(t) = &self.ticker {
            t.abort();
        }
        self.bar.finish_and_clear();
    }
}

/// Runs each regressed case again, alone, up to `retries` times: a try that
/// is not worse than the baseline makes it flaky (with the outcomes seen),
/// not a regression.
async fn retry_regressions(
    gate: &mut report::model::Gate,
    old: &report::model::Report,
    suite: &Suite,
    servers: &[ServerUnderTest],
    run: &ServersRun,
    retries: u32,
) -> Result<(), BadInput> {
    let regressions = std::mem::take(&mut gate.regressions);
    for change in regressions {
        let server = run
            .servers
            .iter()
            .position(|s| s.agent == change.agent)
            .and_then(|i| servers.get(i));
        let Some(server) = server else {
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
            let Some(pair) = suite.run_case_again(server, &change.agent, &change.id).await? else {
                break;
            };
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
    Ok(())
}
