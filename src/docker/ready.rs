//! Readiness means the service itself answers, not merely that something
//! accepts TCP on the port: the server under test completes a WebSocket
//! upgrade; Autobahn's fuzzing server answers `/getCaseCount` with a number.
//! A port another process holds is refused before anything starts.

use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::container::Container;
use crate::engine::connect::{OpenFailure, client_connect};
use crate::target::Target;

const POLL: Duration = Duration::from_millis(200);

/// Waits until the server at `target` completes a WebSocket upgrade, at
/// most `limit`. A host that does not resolve, or an answer that is not a
/// WebSocket upgrade, fails at once.
pub async fn server(target: &Target, limit: Duration) -> Result<(), String> {
    let resolved = tokio::time::timeout(limit, tokio::net::lookup_host(&target.addr)).await;
    match resolved.map(|r| r.map(|mut a| a.next().is_some())) {
        Ok(Ok(true)) => {}
        Ok(_) => return Err(format!("{}: the host name does not resolve", target.url)),
        Err(_) => return Err(format!("{}: resolving the host took over {limit:?}", target.url)),
    }
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < limit {
        let left = limit.saturating_sub(start.elapsed()).max(Duration::from_millis(100));
        match client_connect(target, left.min(Duration::from_secs(5)), &[]).await {
            Ok(_) => return Ok(()),
            Err(e) if e.kind == OpenFailure::Connect => last = e.reason,
            Err(e) => {
                return Err(format!(
                    "{} answers, but not as a WebSocket server: {}",
                    target.url, e.reason
                ));
            }
        }
        tokio::time::sleep(POLL).await;
    }
    Err(format!(
        "{} did not become ready: no WebSocket upgrade within {limit:?} ({last})",
        target.url
    ))
}

/// Fails when something already listens on `bind:port`.
pub fn port_is_free(bind: &str, port: u16) -> Result<(), String> {
    std::net::TcpListener::bind((bind, port))
        .map(drop)
        .map_err(|e| format!("port {port} on {bind} is not free ({e}); pick another with --port"))
}

/// Waits until Autobahn's fuzzing server at `127.0.0.1:port` answers
/// `/getCaseCount`, at most `limit`; a container that exits meanwhile is
/// reported with its last line.
pub async fn fuzzing_server(port: u16, limit: Duration, container: &mut Container) -> Result<u64, String> {
    let url = format!("ws://127.0.0.1:{port}/getCaseCount");
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(why) = container.exited().await {
            return Err(why);
        }
        if let Ok(Some(n)) = tokio::time::timeout(Duration::from_secs(5), case_count(&url)).await {
            return Ok(n);
        }
        tokio::time::sleep(POLL).await;
    }
    Err(format!(
        "the Autobahn fuzzing server did not answer {url} within {limit:?}"
    ))
}

async fn case_count(url: &str) -> Option<u64> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.ok()?;
    while let Some(Ok(m)) = ws.next().await {
        if let Ok(t) = m.to_text() {
            return t.trim().parse().ok();
        }
    }
    None
}
