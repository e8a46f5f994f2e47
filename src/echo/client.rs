//! The reference echo client, on tokio-tungstenite: a driver for Autobahn's
//! fuzzing-server protocol that echoes every text and binary message.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::{Connector, WebSocketStream};

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
    let ws = connect(url, tls, None).await.map_err(|e| format!("{url}: {e}"))?;
    read_case_count(url, ws).await
}

async fn read_case_count<S: AsyncRead + AsyncWrite + Unpin>(
    url: &str,
    mut ws: WebSocketStream<S>,
) -> Result<usize, String> {
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
    if let Ok(ws) = connect(url, tls, Some(config())).await {
        echo(ws).await;
    }
}

/// Echoes every text and binary message until the connection ends, then
/// ends the byte stream: over HTTP/2, dropping it unended would reset the
/// stream and discard an echo not yet sent (TCP delivers it before FIN).
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(mut ws: WebSocketStream<S>) {
    while let Some(Ok(msg)) = ws.next().await {
        if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
            break;
        }
    }
    let stream = ws.get_mut();
    let _ = tokio::io::AsyncWriteExt::shutdown(stream).await;
    // And waits (briefly) for the server to end its side, as a client
    // waits for the server to close TCP (RFC 6455 §7.1.1): what we sent
    // last is out before the stream is dropped.
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while let Ok(n) = tokio::io::AsyncReadExt::read(stream, &mut sink).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// Reads until the server closes, within 60 s.
async fn until_closed<S: AsyncRead + AsyncWrite + Unpin>(mut ws: WebSocketStream<S>) {
    let _ = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
}

/// Runs every case the server has, then asks it to write reports: each
/// request a WebSocket over HTTP/1.1, or with `http2` a stream of one
/// HTTP/2 connection (RFC 8441).
pub async fn run(base: &str, agent: &str, tls: Tls, http2: bool) -> Result<u8, String> {
    let base = base.trim_end_matches('/');
    if http2 {
        return run_http2(base, agent, tls).await;
    }
    let count = case_count(base, &tls).await?;
    let agent_q: String = url::form_urlencoded::byte_serialize(agent.as_bytes()).collect();
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent_q}");
        let _ = tokio::time::timeout(CASE_LIMIT, echo_case(&url, &tls)).await;
    }
    let url = format!("{base}/updateReports?agent={agent_q}");
    let ws = tokio::time::timeout(Duration::from_secs(60), connect(&url, &tls, None))
        .await
        .map_err(|_| format!("{url}: no answer within 60 s"))?
        .map_err(|e| format!("{url}: {e}"))?;
    // The server closes once its reports are written; never wait for ever.
    until_closed(ws).await;
    println!("{agent}: ran {count} cases");
    Ok(0)
}

/// The driver over RFC 8441: one HTTP/2 connection (h2c with prior
/// knowledge for ws://, TLS with ALPN h2 for wss://), an extended CONNECT
/// per request, tokio-tungstenite on each upgraded stream.
async fn run_http2(base: &str, agent: &str, tls: Tls) -> Result<u8, String> {
    let mut h2 = tokio::time::timeout(Duration::from_secs(10), H2::connect(base, tls))
        .await
        .map_err(|_| format!("{base}: no HTTP/2 connection within 10 s"))??;
    let url = format!("{base}/getCaseCount");
    let ws = tokio::time::timeout(Duration::from_secs(10), h2.websocket(&url, None))
        .await
        .map_err(|_| format!("{url}: no case count within 10 s"))??;
    let count = read_case_count(&url, ws).await?;
    let agent_q: String = url::form_urlencoded::byte_serialize(agent.as_bytes()).collect();
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent_q}");
        let _ = tokio::time::timeout(CASE_LIMIT, async {
            if let Ok(ws) = h2.websocket(&url, Some(config())).await {
                echo(ws).await;
            }
        })
        .await;
    }
    let url = format!("{base}/updateReports?agent={agent_q}");
    let ws = tokio::time::timeout(Duration::from_secs(60), h2.websocket(&url, None))
        .await
        .map_err(|_| format!("{url}: no answer within 60 s"))??;
    until_closed(ws).await;
    println!("{agent}: ran {count} cases over HTTP/2");
    Ok(0)
}

/// hyper's HTTP/2 client with a 16 MiB connection window: h2 answers many
/// small DATA frames left unread with GOAWAY(ENHANCE_YOUR_CALM), on a
/// budget of half that window, and 9.5.x sends 1 MiB in 64-octet pieces.
fn builder(exec: TokioExecutor) -> hyper::client::conn::http2::Builder<TokioExecutor> {
    let mut b = hyper::client::conn::http2::Builder::new(exec);
    b.initial_connection_window_size(16 << 20);
    b
}

/// One HTTP/2 connection to the fuzzing server, on hyper.
struct H2 {
    send: hyper::client::conn::http2::SendRequest<String>,
    scheme: &'static str,
}

impl H2 {
    async fn connect(base: &str, tls: Tls) -> Result<H2, String> {
        let u = url::Url::parse(base).map_err(|e| format!("{base}: {e}"))?;
        let host = u.host_str().ok_or(format!("{base}: no host"))?.to_string();
        let port = u.port_or_known_default().unwrap_or(80);
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| format!("{base}: {e}"))?;
        let _ = tcp.set_nodelay(true);
        let exec = TokioExecutor::new();
        let (send, scheme) = if u.scheme() == "wss" {
            let mut config = (*tls).clone();
            config.alpn_protocols = vec![b"h2".to_vec()];
            let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| format!("{base}: {e}"))?;
            let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await
                .map_err(|e| format!("{base}: TLS: {e}"))?;
            if stream.get_ref().1.alpn_protocol() != Some(b"h2") {
                return Err(format!("{base}: the server did not agree to h2 by ALPN"));
            }
            let (send, conn) = builder(exec)
                .handshake(TokioIo::new(stream))
                .await
                .map_err(|e| format!("{base}: {e}"))?;
            tokio::spawn(conn);
            (send, "https")
        } else {
            let (send, conn) = builder(exec)
                .handshake(TokioIo::new(tcp))
                .await
                .map_err(|e| format!("{base}: {e}"))?;
            tokio::spawn(conn);
            (send, "http")
        };
        Ok(H2 { send, scheme })
    }

    /// An extended CONNECT for `url`'s path, upgraded to a WebSocket. The
    /// server's SETTINGS may not have arrived when the first is asked for:
    /// it is asked again for up to a second.
    async fn websocket(
        &mut self,
        url: &str,
        config: Option<WebSocketConfig>,
    ) -> Result<WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>, String> {
        let u = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
        let target = format!(
            "{}://{}{}",
            self.scheme,
            &u[url::Position::BeforeHost..url::Position::AfterPort],
            &u[url::Position::BeforePath..]
        );
        let start = tokio::time::Instant::now();
        let response = loop {
            self.send.ready().await.map_err(|e| format!("{url}: {e}"))?;
            let mut request = hyper::Request::builder()
                .method(hyper::Method::CONNECT)
                .uri(&target)
                .header("sec-websocket-version", "13")
                .body(String::new())
                .map_err(|e| format!("{url}: {e}"))?;
            request
                .extensions_mut()
                .insert(hyper::ext::Protocol::from_static("websocket"));
            match self.send.send_request(request).await {
                Ok(r) => break r,
                Err(_) if start.elapsed() < Duration::from_secs(1) => {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                Err(e) => return Err(format!("{url}: {e}")),
            }
        };
        if !response.status().is_success() {
            return Err(format!(
                "{url}: the extended CONNECT was answered {}",
                response.status()
            ));
        }
        let upgraded = hyper::upgrade::on(response).await.map_err(|e| format!("{url}: {e}"))?;
        Ok(WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Client, config).await)
    }
}
