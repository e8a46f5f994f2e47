//! The reference echo server: every text and binary message comes back as
//! it arrived; pings, pongs and closes are left to tokio-tungstenite. With
//! a rustls configuration it serves wss:// (tokio-rustls).

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// How long a client may take over its TLS handshake.
const TLS_BOUND: Duration = Duration::from_secs(10);

/// Serves connections from `listener` until the task is dropped, over TLS
/// when `tls` is given.
pub async fn serve(listener: TcpListener, tls: Option<Arc<rustls::ServerConfig>>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                match &tls {
                    None => {
                        tokio::spawn(handle(stream));
                    }
                    Some(config) => {
                        let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
                        tokio::spawn(async move {
                            if let Ok(Ok(s)) = tokio::time::timeout(TLS_BOUND, acceptor.accept(stream)).await {
                                handle(s).await;
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

async fn handle<S: AsyncRead + AsyncWrite + Unpin>(stream: S) {
    // A Server header names us in the reports of whoever tests us. The
    // closure's error type is tungstenite's Callback signature, not ours.
    #[allow(clippy::result_large_err)]
    let name = |_: &Request, mut resp: Response| {
        if let Ok(v) = concat!("wsspec-echo-server/", env!("CARGO_PKG_VERSION")).parse() {
            resp.headers_mut().insert("server", v);
        }
        Ok(resp)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, name).await else {
        return;
    };
    while let Some(Ok(msg)) = ws.next().await {
        if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
            break;
        }
    }
}

/// Binds `addr` and serves in the background; returns the bound address.
pub async fn spawn(addr: &str) -> std::io::Result<std::net::SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tokio::spawn(serve(listener, None));
    Ok(local)
}
