//! Testing a client: the cases served over Autobahn's fuzzing-server
//! protocol, on a port of the caller's choosing.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

use super::{Error, Report, cannot_write};
use crate::catalogue::Case;
use crate::engine::SessionOptions;
use crate::engine::drive::case_bound;
use crate::fuzzing_server::{Config, Server, serve};

/// What a [`Clients`] serves, from the suite.
pub(super) struct Serving {
    pub cases: Vec<Case>,
    pub opts: SessionOptions,
    pub dir: PathBuf,
    pub excluded: super::AgentExclusions,
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Offer HTTP/2 by ALPN (`Suite::http2`).
    pub http2: bool,
}

/// How long a client's cases still running may take to end once the
/// client is done or the run is finished.
const CASES_END_WITHIN: Duration = Duration::from_secs(60);

/// The cases served to clients, from [`Suite::serve_clients`](super::Suite::serve_clients):
/// `/getCaseCount`, `/runCase?case=N&agent=NAME` and
/// `/updateReports?agent=NAME` at [`url`](Clients::url), as Autobahn's
/// fuzzingserver serves them. Serving stops when this is finished or dropped.
pub struct Clients {
    server: Arc<Server>,
    addr: SocketAddr,
    serving: JoinHandle<()>,
    updated: Mutex<mpsc::UnboundedReceiver<String>>,
    dir: PathBuf,
}

impl Drop for Clients {
    fn drop(&mut self) {
        self.serving.abort();
    }
}

impl Clients {
    pub(super) async fn start(addr: &str, serving: Serving) -> Result<Clients, Error> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Error(format!("cannot listen on {addr}: {e}")))?;
        let addr = listener.local_addr().map_err(|e| Error(e.to_string()))?;
        let Serving {
            cases,
            opts,
            dir,
            excluded,
            tls,
            http2,
        } = serving;
        let (server, updated) = Server::new(Config {
            cases: cases.into_iter().map(Arc::new).collect(),
            exclude_agent_cases: excluded,
            outdir: dir.clone(),
            opts,
            tls,
            http2,
        })
        .map_err(|e| cannot_write(&dir, e))?;
        let serving = tokio::spawn(serve(listener, server.clone()));
        Ok(Clients {
            server,
            addr,
            serving,
            updated: Mutex::new(updated),
            dir,
        })
    }

    /// The address served on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give a client driver, `ws://127.0.0.1:PORT` (or
    /// `wss://` when serving TLS).
    pub fn url(&self) -> String {
        let scheme = if self.server.config.tls.is_some() { "wss" } else { "ws" };
        format!("{scheme}://{}", self.addr)
    }

    /// The report folder.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Cases judged so far, over every client.
    pub fn cases_run(&self) -> usize {
        self.server.cases_run()
    }

    /// Whether a case judged so far FAILED.
    pub fn any_failed(&self) -> bool {
        self.server.summaries().iter().any(|s| s.failed())
    }

    /// The number of cases served (`/getCaseCount`).
    pub fn case_count(&self) -> usize {
        self.server.config.cases.len()
    }

    /// Drives the client under test through every case as `agent`:
    /// `client` is called with each case's URL
    /// (`ws://127.0.0.1:PORT/runCase?case=N&agent=NAME`) and must connect
    /// there and echo every text and binary message until the connection
    /// closes. Each call is bounded by its case's own bound plus 10 s.
    /// Returns when the client's last case has been judged.
    pub async fn run_client<F, Fut>(&self, agent: &str, mut client: F)
    where
        F: FnMut(String) -> Fut,
        Fut: Future<Output = ()>,
    {
        for (url, bound) in self.case_urls(agent) {
            let _ = tokio::time::timeout(bound, client(url)).await;
        }
        self.client_done(agent).await;
    }

    /// Each case's URL for `agent`, with how long a client may take on it:
    /// the case's own bound plus 10 s.
    pub(super) fn case_urls(&self, agent: &str) -> Vec<(String, Duration)> {
        let agent_q: String = url::form_urlencoded::byte_serialize(agent.as_bytes()).collect();
        let cases = self.server.config.cases.iter().enumerate();
        cases
            .map(|(i, case)| {
                let url = format!("{}/runCase?case={}&agent={agent_q}", self.url(), i + 1);
                (url, case_bound(case) + Duration::from_secs(10))
            })
            .collect()
    }

    /// Waits until every case `agent` ran has been judged.
    pub(super) async fn client_done(&self, agent: &str) {
        self.server.cases_ended(agent, CASES_END_WITHIN).await;
    }

    /// Waits, at most `within`, until a client driven from elsewhere (another
    /// process given [`url`](Clients::url)) asks `/updateReports`; returns
    /// its agent name.
    pub async fn reports_requested(&self, within: Duration) -> Result<String, Error> {
        match tokio::time::timeout(within, self.next_reports_request()).await {
            Ok(Some(agent)) => Ok(agent),
            Ok(None) => Err(Error("the fuzzing server stopped".into())),
            Err(_) => Err(Error(format!(
                "no client asked for its reports within {} s ({} cases had run)",
                within.as_secs(),
                self.server.cases_run()
            ))),
        }
    }

    /// Waits, without a bound, for the next `/updateReports`; its agent
    /// name, or None once the server has stopped.
    pub async fn next_reports_request(&self) -> Option<String> {
        self.updated.lock().await.recv().await
    }

    /// Stops serving, waits for the cases still running and returns the
    /// report of every client that ran a case. No case run at all is an
    /// [`Error`]: a client that never connected must not read as a pass.
    pub async fn finish(self) -> Result<Report, Error> {
        self.serving.abort();
        self.server.all_cases_ended(CASES_END_WITHIN).await;
        self.server.write_reports().map_err(|e| cannot_write(&self.dir, e))?;
        if self.server.cases_run() == 0 {
            return Err(Error(format!(
                "no client ran a case at {} (a driver runs /runCase?case=N&agent=NAME for each case)",
                self.url()
            )));
        }
        Report::read(&self.dir)
    }
}
