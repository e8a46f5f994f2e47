//! The reference echo server: every text and binary message comes back as
//! it arrived; pings, pongs and closes are left to tokio-tungstenite. With
//! a rustls configuration it serves wss:// (tokio-rustls).
//!
//! One port speaks both HTTP/1.1's upgrade (RFC 6455 §4) and WebSockets
//! over HTTP/2 (RFC 8441): cleartext HTTP/2 with prior knowledge is told
//! by its preface, TLS by ALPN `h2`. The HTTP/2 side is hyper's, which
//! advertises SETTINGS_ENABLE_CONNECT_PROTOCOL and hands an extended
//! CONNECT's stream over as an upgraded byte stream.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::Role;

/// How long a client may take over its TLS handshake, or over the first
/// octets that say which HTTP it speaks.
const TLS_BOUND: Duration = Duration::from_secs(10);

/// What the server calls itself in its answers.
const SERVER: &str = concat!("wsspec-echo-server/", env!("CARGO_PKG_VERSION"));

/// Serves connections from `listener` until the task is dropped, over TLS
/// when `tls` is given (ALPN `h2` or `http/1.1`).
pub async fn serve(listener: TcpListener, tls: Option<Arc<rustls::ServerConfig>>) {
    let tls = tls.map(|config| {
        let mut config = (*config).clone();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    });
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                match &tls {
                    None => {
                        tokio::spawn(cleartext(stream));
                    }
                    Some(config) => {
                        let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
                        tokio::spawn(async move {
                            if let Ok(Ok(s)) = tokio::time::timeout(TLS_BOUND, acceptor.accept(stream)).await {
                                if s.get_ref().1.alpn_protocol() == Some(b"h2") {
                                    http2(s).await;
                                } else {
                                    handle(s).await;
                                }
                            }
                        });
                    }
                }
            }
            Err(e) => {
                eprintln!("wsspec echo-server: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// A cleartext connection: HTTP/2's preface starts `PRI * HTTP/2.0`
/// (RFC 9113 §3.4), and no HTTP/1.1 method is `PRI`.
async fn cleartext(stream: TcpStream) {
    let mut first = [0u8; 3];
    let peeked = tokio::time::timeout(TLS_BOUND, async {
        loop {
            match stream.peek(&mut first).await {
                Ok(n) if n >= first.len() => return true,
                Ok(0) | Err(_) => return false,
                // Fewer octets than the test needs: wait for the rest.
                Ok(_) => tokio::time::sleep(Duration::from_millis(1)).await,
            }
        }
    })
    .await;
    match peeked {
        Ok(true) if &first == b"PRI" => http2(stream).await,
        Ok(true) => handle(stream).await,
        _ => {}
    }
}

async fn handle<S: AsyncRead + AsyncWrite + Unpin>(stream: S) {
    // A Server header names us in the reports of whoever tests us. The
    // closure's error type is tungstenite's Callback signature, not ours.
    #[allow(clippy::result_large_err)]
    let name = |_: &Request, mut resp: Response| {
        if let Ok(v) = SERVER.parse() {
            resp.headers_mut().insert("server", v);
        }
        Ok(resp)
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, name).await else {
        return;
    };
    echo(ws).await;
}

/// Echoes text and binary messages until the connection ends, then ends
/// the byte stream (TCP FIN, or END_STREAM over HTTP/2).
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(mut ws: WebSocketStream<S>) {
    while let Some(Ok(msg)) = ws.next().await {
        if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
            break;
        }
    }
    let _ = ws.get_mut().shutdown().await;
}

/// An HTTP/2 connection: every extended CONNECT for `websocket` becomes an
/// echoing WebSocket on its stream (RFC 8441 §5).
async fn http2<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(io: S) {
    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .enable_connect_protocol()
        // h2 sends GOAWAY(ENHANCE_YOUR_CALM) when too many small DATA frames
        // wait unread; its budget is half the connection window. Autobahn's
        // 9.5.1 sends 1 MiB in 64-octet pieces, each its own DATA frame:
        // a 16 MiB window lets an echo server take them.
        .initial_connection_window_size(16 << 20)
        .serve_connection(TokioIo::new(io), hyper::service::service_fn(extended_connect))
        .await;
}

/// Answers one request on an HTTP/2 connection: 200 to an extended CONNECT
/// for `websocket` with version 13 (RFC 8441 §5), 426 naming version 13 to
/// another version (RFC 6455 §4.4), 400 to anything else.
async fn extended_connect(mut req: hyper::Request<Incoming>) -> Result<hyper::Response<String>, Infallible> {
    let answer = |status: u16| {
        let mut resp = hyper::Response::new(String::new());
        *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_REQUEST);
        resp.headers_mut()
            .insert("server", hyper::header::HeaderValue::from_static(SERVER));
        resp
    };
    let websocket = req.method() == hyper::Method::CONNECT
        && req.extensions().get::<hyper::ext::Protocol>().map(|p| p.as_str()) == Some("websocket");
    if !websocket {
        return Ok(answer(400));
    }
    if req.headers().get("sec-websocket-version").map(|v| v.as_bytes()) != Some(b"13") {
        let mut resp = answer(426);
        resp.headers_mut()
            .insert("sec-websocket-version", hyper::header::HeaderValue::from_static("13"));
        return Ok(resp);
    }
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        if let Ok(stream) = upgrade.await {
            let ws = WebSocketStream::from_raw_socket(TokioIo::new(stream), Role::Server, None).await;
            echo(ws).await;
        }
    });
    Ok(answer(200))
}

/// Binds `addr` and serves in the background; returns the bound address.
pub async fn spawn(addr: &str) -> std::io::Result<std::net::SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tokio::spawn(serve(listener, None));
    Ok(local)
}
