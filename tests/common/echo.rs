//! A tokio-tungstenite echo server started in-process: the server under
//! test of the library tests, as a library's maintainer would write it.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;

/// Starts the server on a free port; its `ws://` URL.
pub async fn start_echo_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                while let Some(Ok(msg)) = ws.next().await {
                    if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    url
}
