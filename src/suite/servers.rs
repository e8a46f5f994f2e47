//! Testing servers: each must answer a probe before any case, then the
//! cases run against each in turn, into one report. `Suite::run_against`
//! and `wsspec test-server` both come here.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Error, Suite, cannot_write};
use crate::catalogue::{Behavior, Case, select::excluded_for_agent};
use crate::engine::connect::{OpenFailure, client_connect};
use crate::engine::schedule::{Stop, run_against_server};
use crate::engine::{CaseOutcome, Discard, Progress, Silent, Sink};
use crate::report::writer::Writer;
use crate::target::Target;

/// A server to test: its URL, read with the suite's certificate check, and
/// its name in reports when the caller gives one (else its Server header).
#[derive(Clone, Debug)]
pub struct ServerUnderTest {
    pub(super) target: Target,
    pub(super) agent: Option<String>,
}

impl ServerUnderTest {
    /// The URL as given.
    pub fn url(&self) -> &str {
        &self.target.url
    }
}

/// What a run tells its caller as it goes. The library's own runs say
/// nothing; the command line prints notes and draws progress bars.
pub trait Watch: Sync {
    /// A line for the reader before the cases run.
    fn note(&self, _line: &str) {}
    /// A server's run starts with `cases` cases: its progress goes to what
    /// this returns, dropped when that server's run ends.
    fn server(&self, _agent: &str, _cases: usize) -> Box<dyn Progress> {
        Box::new(Silent)
    }
}

/// A watch that says nothing.
pub struct Unwatched;

impl Watch for Unwatched {}

/// How the run against one server went.
#[derive(Clone, Debug)]
pub struct ServerRun {
    /// The server's name in the report.
    pub agent: String,
    /// Its URL.
    pub url: String,
    /// The cases run (or judged without a connection).
    pub cases: usize,
    /// Whether a case FAILED.
    pub failed: bool,
    /// How long the run took.
    pub took: Duration,
    /// How it ended.
    pub ending: Ending,
}

/// How a server's run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Every case ran.
    Completed,
    /// Every case ran, but this many could not open a connection and the
    /// server no longer answers a probe: it went away during the run.
    WentAway(usize),
    /// Not one case could open a connection (why the last could not): the
    /// target cannot be tested, and its cases say nothing of conformance.
    NeverOpened(String),
    /// The server stopped answering; this many cases were not run and are
    /// FAILED saying so.
    StoppedAnswering(usize, String),
}

/// The report of a run against servers: each server's run, in the order
/// given, and the report folder with notes from writing it.
#[derive(Clone, Debug)]
pub struct ServersRun {
    /// One per server.
    pub servers: Vec<ServerRun>,
    /// The folder holding index.json and the per-case files.
    pub dir: PathBuf,
    /// What writing the report had to say (files that could not be written).
    pub notes: Vec<String>,
}

/// Cases left out for one agent (Autobahn's `exclude-agent-cases`: agent
/// pattern → case patterns).
pub type AgentExclusions = BTreeMap<String, Vec<String>>;

impl Suite {
    /// `url` (`ws://` or `wss://`) as a server to test, named `agent` in
    /// reports when given; a bad URL or certificate file is an [`Error`].
    pub fn server(&self, url: &str, agent: Option<&str>) -> Result<ServerUnderTest, Error> {
        let mut target = Target::parse(url)?.trust(&self.trust)?;
        target.http2 = self.http2;
        Ok(ServerUnderTest {
            target,
            agent: agent.map(str::to_string),
        })
    }

    /// Runs the cases against each server in turn into one report, as
    /// Autobahn's fuzzingclient does with several servers. Every server
    /// must answer a probe before any case runs; one that does not is an
    /// [`Error`] naming it. `excluded` leaves cases out for some agents.
    pub async fn run_against_servers(
        &self,
        servers: &[ServerUnderTest],
        excluded: &AgentExclusions,
        watch: &dyn Watch,
    ) -> Result<ServersRun, Error> {
        let cases = self.selected(super::select::Testing::Servers)?;
        let opts = self.session_options()?;
        // Every target must answer before anything is said or run.
        let mut agents = Vec::with_capacity(servers.len());
        for s in servers {
            agents.push(probe(&s.target, s.agent.as_deref(), opts.open_timeout).await?);
        }
        if cases.iter().any(|c| c.deflate.is_some()) {
            watch.note(&format!("sections 12-13 send {}", opts.testdata.describe()));
        }
        let dir = self.report_dir("servers");
        let writer = Mutex::new(Writer::create(&dir).map_err(|e| cannot_write(&dir, e))?);
        let mut runs = Vec::with_capacity(servers.len());
        for (server, agent) in servers.iter().zip(agents) {
            let (mine, numbers): (Vec<Case>, Vec<usize>) = cases
                .iter()
                .filter(|c| !excluded_for_agent(excluded, &agent, &c.id))
                .enumerate()
                .filter(|(at, _)| self.shard.is_none_or(|s| s.takes(*at)))
                .map(|(at, c)| (c.clone(), at + 1))
                .unzip();
            let started = Instant::now();
            let progress = watch.server(&agent, mine.len());
            let sink = Renumbered { sink: &writer, numbers };
            let run = run_against_server(mine, &server.target, &agent, &opts, self.jobs, &*progress, &sink).await;
            drop(progress);
            let ending = match run.stop {
                Stop::Completed => {
                    let unopened = run.cases.iter().filter(|c| !c.opened).count();
                    let gone = unopened > 0 && probe(&server.target, None, opts.open_timeout).await.is_err();
                    if gone {
                        Ending::WentAway(unopened)
                    } else {
                        Ending::Completed
                    }
                }
                Stop::NeverOpened(reason) => Ending::NeverOpened(reason),
                Stop::StoppedAnswering { not_run, reason } => Ending::StoppedAnswering(not_run, reason),
            };
            runs.push(ServerRun {
                agent,
                url: server.target.url.clone(),
                cases: run.cases.len(),
                failed: run.cases.iter().any(|c| c.failed()),
                took: started.elapsed(),
                ending,
            });
        }
        let notes = writer
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .finish()
            .map_err(|e| cannot_write(&dir, e))?;
        Ok(ServersRun {
            servers: runs,
            dir,
            notes,
        })
    }

    /// Runs case `id` once more against `server`, alone, as `agent`, and
    /// gives its verdict pair without writing a report: a baseline gate's
    /// retry of a case that got worse. None when the suite has no such case.
    pub async fn run_case_again(
        &self,
        server: &ServerUnderTest,
        agent: &str,
        id: &str,
    ) -> Result<Option<(Behavior, Behavior)>, Error> {
        let Some(case) = self
            .selected(super::select::Testing::Servers)?
            .into_iter()
            .find(|c| c.id == id)
        else {
            return Ok(None);
        };
        let opts = self.session_options()?;
        let again = run_against_server(vec![case], &server.target, agent, &opts, 1, &Silent, &Discard).await;
        Ok(again
            .cases
            .first()
            .map(|o| (o.verdict.behavior, o.verdict.behavior_close)))
    }
}

/// Checks that a WebSocket server answers at all and learns its agent name
/// (`agent`, else the Server header, else "UnknownServer"). Nothing
/// listening, no answer within the open timeout, or an answer that is not an
/// upgrade (HTTP 200, not HTTP at all) is an error in one line: a target
/// error, not 517 FAILED. A server that upgrades, but wrongly, is tested,
/// and every case says why it failed.
pub async fn probe(target: &Target, agent: Option<&str>, open_timeout: Duration) -> Result<String, String> {
    let named = || agent.map(str::to_string);
    // Over HTTP/2 a server is its own agent: its HTTP/1.1 run compares
    // beside it.
    let over = if target.http2 { " over HTTP/2" } else { "" };
    match client_connect(target, open_timeout, &[]).await {
        Ok((stream, _, _, head, _)) => {
            drop(stream);
            Ok(named().unwrap_or_else(|| format!("{}{over}", head.get("server").unwrap_or("UnknownServer"))))
        }
        Err(e) if e.kind.not_a_websocket_server() => {
            let hint = match e.kind {
                _ if target.http2 => "",
                OpenFailure::NoHttp if target.tls.is_none() => {
                    ": not a WebSocket endpoint (if it speaks TLS, use wss://)"
                }
                OpenFailure::NotUpgraded | OpenFailure::NoHttp => ": not a WebSocket endpoint",
                _ => "",
            };
            Err(format!("{}: {}{hint}", target.url, e.reason))
        }
        Err(_) => Ok(named().unwrap_or_else(|| "UnknownServer".into())),
    }
}

/// A sink that numbers each case as in the whole selection (a shard's
/// cases are every N-th of it), as Autobahn numbers its per-case files.
struct Renumbered<'a> {
    sink: &'a dyn Sink,
    /// The number of the shard's n-th case, at n - 1.
    numbers: Vec<usize>,
}

impl Sink for Renumbered<'_> {
    fn outcome(&self, mut o: CaseOutcome) {
        o.index = self.numbers.get(o.index - 1).copied().unwrap_or(o.index);
        self.sink.outcome(o);
    }

    fn finding(&self, agent: &str, id: &str, text: &str) {
        self.sink.finding(agent, id, text);
    }
}
