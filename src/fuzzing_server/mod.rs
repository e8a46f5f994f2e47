//! Testing clients: a server speaking the protocol of Autobahn's
//! fuzzingserver, so existing client drivers work unchanged. A driver asks
//! `/getCaseCount`, runs `/runCase?case=N&agent=NAME` for each case (echoing
//! what it receives), then asks `/updateReports?agent=NAME`.

mod endpoints;
mod over_http2;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};

use crate::catalogue::Case;
use crate::engine::{SessionOptions, Summary};
use crate::report::writer::Writer;
use crate::tls::Stream;

pub struct Config {
    /// The selected cases; case N of the protocol is `cases[N - 1]`.
    pub cases: Vec<Arc<Case>>,
    pub exclude_agent_cases: BTreeMap<String, Vec<String>>,
    pub outdir: PathBuf,
    pub opts: SessionOptions,
    /// TLS (`wss://`), when the clients are to connect over it.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Offer HTTP/2 by ALPN over TLS, so that clients (browsers) may run
    /// the cases over RFC 8441; cleartext HTTP/2 with prior knowledge is
    /// always taken.
    pub http2: bool,
}

/// Results so far, by agent and case number: each outcome is written to
/// the report as its case ends, and only its summary is kept.
pub type Results = BTreeMap<String, BTreeMap<usize, Summary>>;

/// Clients served at once. Each holds a case's state (up to a 16 MiB
/// message of ours in 9.x), so a crowd of clients that never read is
/// refused with 503 rather than allowed to grow memory without bound.
pub const MAX_CLIENTS: usize = 64;

pub struct Server {
    pub config: Config,
    pub results: Mutex<Results>,
    pub writer: Mutex<Writer>,
    slots: Arc<tokio::sync::Semaphore>,
    /// Woken whenever a result is stored (for `/getCaseStatus`).
    pub stored: Notify,
    /// Told the agent of every `/updateReports`, once its reports are written.
    pub updated: mpsc::UnboundedSender<String>,
    /// Cases still running, by agent: `/updateReports` waits for them, or a
    /// client that leaves its last case at once and asks for its reports
    /// would find that case missing.
    running: Mutex<BTreeMap<String, usize>>,
    ended: Notify,
}

/// A case running for an agent, from its request until its outcome is stored.
pub struct Running<'a> {
    server: &'a Server,
    agent: String,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut r = self.server.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = r.get_mut(&self.agent) {
            *n -= 1;
            if *n == 0 {
                r.remove(&self.agent);
            }
        }
        drop(r);
        self.server.ended.notify_waiters();
    }
}

impl Server {
    /// A server writing its reports into `config.outdir` (whose previous
    /// report is cleared).
    pub fn new(mut config: Config) -> std::io::Result<(Arc<Server>, mpsc::UnboundedReceiver<String>)> {
        let (tx, rx) = mpsc::unbounded_channel();
        if config.http2 {
            config.tls = config.tls.map(|tls| {
                let mut tls = (*tls).clone();
                tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
                Arc::new(tls)
            });
        }
        let server = Server {
            writer: Mutex::new(Writer::create(&config.outdir)?),
            config,
            results: Mutex::new(BTreeMap::new()),
            slots: Arc::new(tokio::sync::Semaphore::new(MAX_CLIENTS)),
            stored: Notify::new(),
            updated: tx,
            running: Mutex::new(BTreeMap::new()),
            ended: Notify::new(),
        };
        Ok((Arc::new(server), rx))
    }

    /// Counts a case of `agent` as running until the guard is dropped.
    pub fn running(&self, agent: &str) -> Running<'_> {
        let mut r = self.running.lock().unwrap_or_else(|e| e.into_inner());
        *r.entry(agent.to_string()).or_default() += 1;
        Running {
            server: self,
            agent: agent.to_string(),
        }
    }

    /// Waits until no case of `agent` is running, at most `bound`.
    pub async fn cases_ended(&self, agent: &str, bound: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let ended = self.ended.notified();
            if !self
                .running
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains_key(agent)
            {
                return;
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                return;
            }
        }
    }

    /// Waits until no case of any agent is running, at most `bound`.
    pub async fn all_cases_ended(&self, bound: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let ended = self.ended.notified();
            if self.running.lock().unwrap_or_else(|e| e.into_inner()).is_empty() {
                return;
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                return;
            }
        }
    }

    /// How many cases have been judged so far, over every agent.
    pub fn cases_run(&self) -> usize {
        let r = self.results.lock().unwrap_or_else(|e| e.into_inner());
        r.values().map(BTreeMap::len).sum()
    }

    /// Every case summary so far, in agent then case order.
    pub fn summaries(&self) -> Vec<Summary> {
        let r = self.results.lock().unwrap_or_else(|e| e.into_inner());
        r.values().flat_map(|c| c.values().cloned()).collect()
    }

    /// Writes index.json (per-case files are written as cases end); the
    /// notes are lines to print once.
    pub fn write_reports(&self) -> std::io::Result<Vec<String>> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner()).finish()
    }
}

/// Accepts clients until the task is dropped; each connection is handled on
/// its own, so one misbehaving client holds up no other.
pub async fn serve(listener: TcpListener, server: Arc<Server>) {
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                let _ = tcp.set_nodelay(true);
                let slot = server.slots.clone().try_acquire_owned();
                let server = server.clone();
                tokio::spawn(async move {
                    let Some(stream) = wrap(&server, tcp).await else { return };
                    match slot {
                        Ok(slot) => {
                            if speaks_http2(&stream, server.config.opts.open_timeout).await {
                                let tls = stream.tls_summary();
                                over_http2::serve(stream, server, tls).await;
                            } else {
                                endpoints::handle(stream, server).await;
                            }
                            drop(slot);
                        }
                        Err(_) => endpoints::refuse(stream).await,
                    }
                });
            }
            Err(e) => {
                eprintln!("wsspec test-clients: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// Whether the client speaks HTTP/2: ALPN `h2` over TLS, or the preface of
/// prior knowledge in cleartext (`PRI * HTTP/2.0`, RFC 9113 §3.4; no
/// HTTP/1.1 method is `PRI`).
async fn speaks_http2(stream: &Stream, bound: std::time::Duration) -> bool {
    match stream {
        Stream::Server(s) => s.get_ref().1.alpn_protocol() == Some(b"h2"),
        Stream::Plain(tcp) => {
            let mut first = [0u8; 3];
            let peeked = tokio::time::timeout(bound, async {
                loop {
                    match tcp.peek(&mut first).await {
                        Ok(n) if n >= first.len() => return true,
                        Ok(0) | Err(_) => return false,
                        Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(1)).await,
                    }
                }
            })
            .await;
            peeked == Ok(true) && &first == b"PRI"
        }
        _ => false,
    }
}

/// The connection as the clients speak it: TLS accepted within the open
/// timeout when the server has a certificate; a client that fails the TLS
/// handshake is dropped (it has nothing to read an HTTP error with).
async fn wrap(server: &Server, tcp: tokio::net::TcpStream) -> Option<Stream> {
    match &server.config.tls {
        None => Some(Stream::Plain(tcp)),
        Some(config) => tokio::time::timeout(server.config.opts.open_timeout, crate::tls::accept(config.clone(), tcp))
            .await
            .ok()?
            .ok(),
    }
}
