//! Testing clients: a server speaking the protocol of Autobahn's
//! fuzzingserver, so existing client drivers work unchanged. A driver asks
//! `/getCaseCount`, runs `/runCase?case=N&agent=NAME` for each case (echoing
//! what it receives), then asks `/updateReports?agent=NAME`.

mod endpoints;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};

use crate::catalogue::Case;
use crate::engine::{CaseOutcome, SessionOptions};

pub struct Config {
    /// The selected cases; case N of the protocol is `cases[N - 1]`.
    pub cases: Vec<Arc<Case>>,
    pub exclude_agent_cases: BTreeMap<String, Vec<String>>,
    pub outdir: PathBuf,
    pub opts: SessionOptions,
}

/// Results so far, by agent and case number.
pub type Results = BTreeMap<String, BTreeMap<usize, CaseOutcome>>;

pub struct Server {
    pub config: Config,
    pub results: Mutex<Results>,
    /// Woken whenever a result is stored (for `/getCaseStatus`).
    pub stored: Notify,
    /// Told the agent of every `/updateReports`, once its reports are written.
    pub updated: mpsc::UnboundedSender<String>,
}

impl Server {
    pub fn new(config: Config) -> (Arc<Server>, mpsc::UnboundedReceiver<String>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let server = Server {
            config,
            results: Mutex::new(BTreeMap::new()),
            stored: Notify::new(),
            updated: tx,
        };
        (Arc::new(server), rx)
    }

    /// Every outcome so far, in agent then case order.
    pub fn outcomes(&self) -> Vec<CaseOutcome> {
        let mut r = self.results.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for cases in r.values_mut() {
            out.extend(std::mem::take(cases).into_values());
        }
        out
    }

    pub fn write_reports(&self) -> std::io::Result<()> {
        let r = self.results.lock().unwrap_or_else(|e| e.into_inner());
        let all: Vec<&CaseOutcome> = r.values().flat_map(|c| c.values()).collect();
        crate::report::autobahn::write_refs(&self.config.outdir, &all)
    }
}

/// Accepts clients until the task is dropped; each connection is handled on
/// its own, so one misbehaving client holds up no other.
pub async fn serve(listener: TcpListener, server: Arc<Server>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(endpoints::handle(stream, server.clone()));
            }
            Err(e) => {
                eprintln!("wsspec test-clients: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}
