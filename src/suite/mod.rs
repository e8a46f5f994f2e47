//! The library API: choose cases, run them against a server or serve them
//! to a client, and get a [`Report`] back, inside a test of your own.
//!
//! ```no_run
//! # async fn demo() -> Result<(), wsspec::Error> {
//! let report = wsspec::Suite::new()
//!     .cases(["1.*", "2.*", "5.*"])
//!     .agent("my-server")
//!     .run_against("ws://127.0.0.1:9001")
//!     .await?;
//! println!("{}", report.counts());
//! report.assert_matches_baseline("tests/conformance.json");
//! # Ok(())
//! # }
//! ```

pub(crate) mod blocking;
mod clients;
mod fuzz;
mod report;
pub(crate) mod select;
pub(crate) mod servers;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub use clients::Clients;
pub use report::{CaseResult, Counts, Report, UPDATE_BASELINE};
pub use servers::{AgentExclusions, Ending, ServerRun, ServerUnderTest, ServersRun, Unwatched, Watch};

use crate::engine::SessionOptions;
use crate::tls::Trust;
use select::Testing;

/// What went wrong before any verdict: a bad pattern, URL or folder, a
/// target that is not a WebSocket server, reports that cannot be written.
/// Conformance failures are not errors: they are in the [`Report`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(s: String) -> Self {
        Error(s)
    }
}

/// A choice of cases and how to run them; [`Suite::run_against`] tests a
/// server, [`Suite::serve_clients`] tests clients. Without
/// [`cases`](Suite::cases), Autobahn's whole catalogue (517 cases) runs.
#[derive(Clone, Debug)]
pub struct Suite {
    include: Vec<String>,
    exclude: Vec<String>,
    cases_dirs: Vec<PathBuf>,
    agent: Option<String>,
    out_dir: Option<PathBuf>,
    jobs: usize,
    max_message_size: u64,
    open_timeout: Duration,
    testdata: Option<PathBuf>,
    trust: Trust,
    allow_unmatched: bool,
    excluded: AgentExclusions,
    serve_tls: Option<std::sync::Arc<rustls::ServerConfig>>,
    shard: Option<Shard>,
    http2: bool,
}

/// One part of a run split across CI jobs: the `index`-th of `count`
/// (1-based), taking every `count`-th case of the selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 1.
    pub index: usize,
    /// Into how many parts.
    pub count: usize,
}

impl Shard {
    /// `K/N`, with 1 ≤ K ≤ N.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {s:?}: expected K/N with 1 <= K <= N, as 2/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index < 1 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the case at 0-based `position` of the selection is this
    /// shard's: round robin, so that the long 9.x cases spread.
    pub fn takes(&self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

impl Default for Suite {
    fn default() -> Self {
        Suite {
            include: Vec::new(),
            exclude: Vec::new(),
            cases_dirs: Vec::new(),
            agent: None,
            out_dir: None,
            jobs: Suite::DEFAULT_JOBS,
            max_message_size: Suite::DEFAULT_MAX_MESSAGE_SIZE,
            open_timeout: Suite::DEFAULT_OPEN_TIMEOUT,
            testdata: None,
            trust: Trust::Roots,
            allow_unmatched: false,
            excluded: AgentExclusions::new(),
            serve_tls: None,
            shard: None,
            http2: false,
        }
    }
}

impl Suite {
    /// Cases run at once against a server, unless [`jobs`](Suite::jobs) says otherwise.
    pub const DEFAULT_JOBS: usize = 32;
    /// The largest message taken from a peer, unless
    /// [`max_message_size`](Suite::max_message_size) says otherwise: 64 MiB.
    pub const DEFAULT_MAX_MESSAGE_SIZE: u64 = 64 << 20;
    /// How long an opening handshake may take, unless
    /// [`open_timeout`](Suite::open_timeout) says otherwise.
    pub const DEFAULT_OPEN_TIMEOUT: Duration = Duration::from_secs(5);

    /// Autobahn's catalogue, 32 cases at a time, reports in a fresh folder
    /// under `<temp>/wsspec/`, kept until a later process runs a suite.
    pub fn new() -> Suite {
        Suite::default()
    }

    /// Adds case ID patterns to run, in Autobahn's syntax (`6.*`, `9.1.*`,
    /// `1.1.1`); `hs.*` and custom prefixes (`frag.*`) name wsspec's own
    /// cases, which `*` leaves out.
    pub fn cases<I: IntoIterator<Item = S>, S: Into<String>>(mut self, patterns: I) -> Suite {
        self.include.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Adds case ID patterns to leave out.
    pub fn exclude<I: IntoIterator<Item = S>, S: Into<String>>(mut self, patterns: I) -> Suite {
        self.exclude.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Adds a folder of custom case files (see the README's "Custom cases").
    pub fn cases_dir(mut self, dir: impl Into<PathBuf>) -> Suite {
        self.cases_dirs.push(dir.into());
        self
    }

    /// The server's name in reports (default: its `Server` header). Clients
    /// name themselves, in each `/runCase` request.
    pub fn agent(mut self, name: impl Into<String>) -> Suite {
        self.agent = Some(name.into());
        self
    }

    /// Where index.json and the per-case files go (Autobahn's layout); the
    /// folder's previous report is replaced.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Suite {
        self.out_dir = Some(dir.into());
        self
    }

    /// Runs only one shard of the selected cases against servers: every
    /// `shard.count`-th case, numbered as in the whole run, so that
    /// `wsspec report --merge` of all shards equals one unsharded run.
    pub fn shard(mut self, shard: Shard) -> Suite {
        self.shard = Some(shard);
        self
    }

    /// WebSockets over HTTP/2 (RFC 8441). Against servers: each case an
    /// extended CONNECT stream of a connection of its own, cleartext with
    /// prior knowledge for `ws://`, TLS with ALPN `h2` for `wss://`. To
    /// clients: `h2` offered by ALPN beside `http/1.1` (cleartext HTTP/2
    /// with prior knowledge is taken either way).
    pub fn http2(mut self, on: bool) -> Suite {
        self.http2 = on;
        self
    }

    /// Whether the cases run over HTTP/2 (`Suite::http2`).
    pub fn is_http2(&self) -> bool {
        self.http2
    }

    /// Cases run at once against a server (timed 9.x cases always run alone).
    pub fn jobs(mut self, jobs: usize) -> Suite {
        self.jobs = jobs.max(1);
        self
    }

    /// The largest message taken from the peer (default 64 MiB); a larger
    /// one fails the connection with 1009.
    pub fn max_message_size(mut self, bytes: u64) -> Suite {
        self.max_message_size = bytes;
        self
    }

    /// How long each opening handshake may take (default 5 s).
    pub fn open_timeout(mut self, timeout: Duration) -> Suite {
        self.open_timeout = timeout;
        self
    }

    /// Autobahn's compression test files (its package's
    /// `autobahntestsuite/testdata`), for sections 12–13 to send exactly
    /// Autobahn's bytes; default: wsspec's generated data.
    pub fn testdata(mut self, dir: impl Into<PathBuf>) -> Suite {
        self.testdata = Some(dir.into());
        self
    }

    /// For `wss://`: trust only the CA certificates in this PEM file.
    pub fn trust_ca(mut self, pem_file: impl Into<PathBuf>) -> Suite {
        self.trust = Trust::Ca(pem_file.into());
        self
    }

    /// Patterns that match no case are not an error, as in Autobahn's spec
    /// files (which may name cases that a version of the catalogue lacks).
    pub fn allow_unmatched(mut self) -> Suite {
        self.allow_unmatched = true;
        self
    }

    /// Cases left out for some agents (agent pattern → case patterns, as
    /// in Autobahn's spec files), when serving clients.
    pub fn exclude_for_agents(mut self, excluded: AgentExclusions) -> Suite {
        self.excluded = excluded;
        self
    }

    /// Serve clients over `wss://` with this TLS configuration.
    pub fn serve_tls(mut self, config: std::sync::Arc<rustls::ServerConfig>) -> Suite {
        self.serve_tls = Some(config);
        self
    }

    /// For `wss://`: accept any certificate (development servers); the
    /// per-case files say so.
    pub fn insecure(mut self) -> Suite {
        self.trust = Trust::Insecure;
        self
    }

    /// The cases this suite runs when testing `testing`, in catalogue order
    /// (the custom case files read once).
    fn selected(&self, testing: Testing) -> Result<Vec<crate::catalogue::Case>, Error> {
        let available = select::Available::load(&self.cases_dirs)?;
        if !self.allow_unmatched {
            for p in [&self.include, &self.exclude] {
                if let Some(p) = available.unmatched(p) {
                    return Err(Error(format!("case pattern {p}: no case matches it")));
                }
            }
        }
        Ok(available.select(&self.include, &self.exclude, testing)?)
    }

    fn session_options(&self) -> Result<SessionOptions, Error> {
        let testdata = match &self.testdata {
            Some(d) => crate::catalogue::testdata::Corpus::autobahn(d)?,
            None => Default::default(),
        };
        Ok(SessionOptions {
            testdata,
            max_message: self.max_message_size,
            open_timeout: self.open_timeout,
            ..SessionOptions::default()
        })
    }

    /// `out_dir`, or a fresh folder under `<temp>/wsspec/`, where the
    /// folders of processes that have ended are removed first: a test run's
    /// reports stay until the next run, and do not pile up run after run;
    /// a failed test's folder is kept (see [`Report::keep`]).
    fn report_dir(&self, role: &str) -> PathBuf {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        if let Some(dir) = &self.out_dir {
            return dir.clone();
        }
        let root = std::env::temp_dir().join("wsspec");
        remove_ended_runs(&root);
        let n = RUNS.fetch_add(1, Ordering::Relaxed);
        root.join(format!("{}-{n}-{role}", std::process::id()))
    }

    /// Runs the cases against the server at `url` (`ws://` or `wss://`) and
    /// returns the report, also written to [`Report::dir`]. A server that
    /// does not answer, or does not upgrade, is an [`Error`], as is a server
    /// that went away before any case could connect.
    pub async fn run_against(&self, url: &str) -> Result<Report, Error> {
        let server = self.server(url, self.agent.as_deref())?;
        let run = self
            .run_against_servers(&[server], &AgentExclusions::new(), &Unwatched)
            .await?;
        if let Some(Ending::NeverOpened(reason)) = run.servers.first().map(|s| &s.ending) {
            return Err(Error(format!("{url}: no case could open a connection ({reason})")));
        }
        Report::read(&run.dir)
    }

    /// Serves the cases to clients at `addr` (`"127.0.0.1:0"` for a free
    /// port), speaking Autobahn's fuzzing-server protocol; point the client
    /// under test at [`Clients::url`] or drive it with
    /// [`Clients::run_client`].
    pub async fn serve_clients(&self, addr: &str) -> Result<Clients, Error> {
        let cases = self.selected(Testing::Clients)?;
        let opts = self.session_options()?;
        let serving = clients::Serving {
            cases,
            opts,
            dir: self.report_dir("clients"),
            excluded: self.excluded.clone(),
            tls: self.serve_tls.clone(),
            http2: self.http2,
        };
        Clients::start(addr, serving).await
    }
}

/// Removes the report folders under `root` named after a process that has
/// ended (`PID-N-ROLE`). Where there is no /proc to ask, nothing is removed.
fn remove_ended_runs(root: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_string_lossy()
            .split('-')
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
            && !kept(&entry.path())
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The marker of a report folder kept for a reader (a failed test's).
const KEPT: &str = ".kept";

/// How long a kept report folder stays.
const KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Whether the report folder `dir` is marked kept, and not yet for a week.
fn kept(dir: &Path) -> bool {
    std::fs::metadata(dir.join(KEPT))
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age < KEPT_FOR))
}

fn cannot_write(dir: &Path, e: std::io::Error) -> Error {
    Error(format!("cannot write reports to {}: {e}", dir.display()))
}
