//! The reference echo client, on tokio-tungstenite: a driver for Autobahn's
//! fuzzing-server protocol that echoes every text and binary message.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// How long one case may keep the client; the server bounds its cases, this
/// only guards against a server that never ends one.
const CASE_LIMIT: Duration = Duration::from_secs(120);

fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(64 << 20))
}

/// Asks the fuzzing server for its case count, within 10 s: a server that
/// does not speak the protocol (a plain echo server) must not keep us.
async fn case_count(base: &str, tls: &Tls) -> Result<usize, String> {
    let url = format!("{base}/getCaseCount");
    tokio::time::timeout(Duration::from_secs(10), ask_case_count(&url, tls))
        .await
        .map_err(|_| {
            format!("{url}: no case count within 10 s (is this a fuzzing server, `wsspec test-clients` or Autobahn's?)")
        })?
}

/// The rustls configuration `wss://` URLs are checked with.
type Tls = Arc<rustls::ClientConfig>;

async fn connect(
    url: &str,
    tls: &Tls,
    config: Option<WebSocketConfig>,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    tokio_tungstenite::tungstenite::Error,
> {
    let connector = Some(Connector::Rustls(tls.clone()));
    tokio_tungstenite::connect_async_tls_with_config(url, config, false, connector)
        .await
        .map(|(ws, _)| ws)
}

async fn ask_case_count(url: &str, tls: &Tls) -> Result<usize, String> {
    let mut ws = connect(url, tls, None).await.map_err(|e| format!("{url}: {e}"))?;
    while let Some(msg) = ws.next().await {
        let msg = msg.map_err(|e| format!("{url}: {e}"))?;
        if msg.is_text() {
            let text = msg.into_text().map_err(|e| e.to_string())?;
            return text
                .trim()
                .parse()
                .map_err(|_| format!("{url}: the case count {text:?} is not a number"));
        }
    }
    Err(format!("{url}: closed without a case count"))
}

async fn echo_case(url: &str, tls: &Tls) {
    let Ok(mut ws) = connect(url, tls, Some(config())).await else {
        return;
    };
    while let Some(Ok(msg)) = ws.next().await {
        if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
            break;
        }
    }
}

/// Runs every case the server has, then asks it to write reports.
pub async fn run(base: &str, agent: &str, tls: Tls) -> Result<u8, String> {
    let base = base.trim_end_matches('/');
    let count = case_count(base, &tls).await?;
    let agent_q: String = url::form_urlencoded::byte_serialize(agent.as_bytes()).collect();
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent_q}");
        let _ = tokio::time::timeout(CASE_LIMIT, echo_case(&url, &tls)).await;
    }
    let url = format!("{base}/updateReports?agent={agent_q}");
    let mut ws = tokio::time::timeout(Duration::from_secs(60), connect(&url, &tls, None))
        .await
        .map_err(|_| format!("{url}: no answer within 60 s"))?
        .map_err(|e| format!("{url}: {e}"))?;
    // The server closes once its reports are written; never wait for ever.
    let _ = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
    println!("{agent}: ran {count} cases");
    Ok(0)
}
