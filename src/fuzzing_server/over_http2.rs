//! The fuzzing server over HTTP/2 (RFC 8441): a client's connection in
//! HTTP/2 (cleartext with prior knowledge, or TLS by ALPN `h2`) on the `h2`
//! crate with SETTINGS_ENABLE_CONNECT_PROTOCOL advertised. Each extended
//! CONNECT for `websocket` is a driver-protocol request like HTTP/1.1's
//! upgrade (`endpoints::serve_upgrade`), its stream the case's byte stream;
//! `GET /` is the browser page.

use std::sync::Arc;

use bytes::Bytes;
use h2::server::SendResponse;
use tokio::io::{AsyncRead, AsyncWrite};

use super::Server;
use super::endpoints::{self, Reply};
use crate::clock::utc_now;
use crate::tls::Stream;
use crate::wire::deflate::Agreement;
use crate::wire::handshake::Head;

/// The browser page, as over HTTP/1.1.
const BROWSER_PAGE: &str = include_str!("browser.html");

/// Serves one HTTP/2 connection until the client closes it; each stream is
/// a task of its own, so one case holds up no other.
pub async fn serve<T>(io: T, server: Arc<Server>, tls: Option<String>)
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = h2::server::Builder::new();
    // h2 answers many small DATA frames left unread with
    // GOAWAY(ENHANCE_YOUR_CALM), on a budget of half the connection
    // window: 1 MiB covers a 64 KiB stream window of 64-octet frames.
    builder
        .enable_connect_protocol()
        .initial_connection_window_size(1 << 20);
    let bound = server.config.opts.open_timeout;
    let Ok(Ok(mut conn)) = tokio::time::timeout(bound, builder.handshake::<_, Bytes>(io)).await else {
        return;
    };
    // The connection ends with its client (or on a connection error).
    while let Some(Ok((request, respond))) = conn.accept().await {
        tokio::spawn(stream(request, respond, server.clone(), tls.clone()));
    }
}

/// One request: the page, a WebSocket, or a refusal.
async fn stream(
    request: http::Request<h2::RecvStream>,
    respond: SendResponse<Bytes>,
    server: Arc<Server>,
    tls: Option<String>,
) {
    let started = utc_now();
    let head = head_of(&request);
    if request.method() == http::Method::GET && endpoints::is_page(&head) {
        return answer(respond, 200, "text/html; charset=utf-8", BROWSER_PAGE);
    }
    let websocket = request.method() == http::Method::CONNECT
        && request.extensions().get::<h2::ext::Protocol>().map(|p| p.as_str()) == Some("websocket");
    if !websocket {
        let why =
            "the driver protocol's endpoints are WebSockets: an extended CONNECT with :protocol websocket (RFC 8441)";
        return answer(respond, 400, "text/plain; charset=utf-8", why);
    }
    let recv = request.into_body();
    endpoints::serve_upgrade(head, Vec::new(), started, Reply::Http2 { respond, recv, tls }, server).await;
}

/// The request as the endpoints read one: method, path with query, fields,
/// and its text for the per-case files (pseudo-headers first).
fn head_of(request: &http::Request<h2::RecvStream>) -> Head {
    let path = request
        .uri()
        .path_and_query()
        .map_or("/".to_string(), |p| p.as_str().to_string());
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).trim().to_string(),
            )
        })
        .collect();
    let mut raw = format!(":method: {}\r\n", request.method());
    if let Some(p) = request.extensions().get::<h2::ext::Protocol>() {
        raw.push_str(&format!(":protocol: {}\r\n", p.as_str()));
    }
    raw.push_str(&format!(":path: {path}\r\n"));
    if let Some(a) = request.uri().authority() {
        raw.push_str(&format!(":authority: {a}\r\n"));
    }
    for (n, v) in &headers {
        raw.push_str(&format!("{n}: {v}\r\n"));
    }
    raw.push_str("\r\n");
    Head {
        method: request.method().to_string(),
        path,
        version: 2,
        headers,
        raw: raw.into_bytes(),
        ..Head::default()
    }
}

/// An answer with a body, ending the stream.
pub(super) fn answer(mut respond: SendResponse<Bytes>, status: u16, content_type: &str, body: &str) {
    let response = http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("cache-control", "no-store")
        .header("server", crate::target::USER_AGENT)
        .body(());
    let Ok(response) = response else { return };
    if let Ok(mut send) = respond.send_response(response, false) {
        let _ = send.send_data(Bytes::copy_from_slice(body.as_bytes()), true);
    }
}

/// 200 to an extended CONNECT, with `agreement` if any: the stream as the
/// case's byte stream, and the answer as text.
pub(super) fn accept(
    mut respond: SendResponse<Bytes>,
    recv: h2::RecvStream,
    tls: Option<String>,
    agreement: Option<&Agreement>,
) -> Option<(Stream, String)> {
    let mut response = http::Response::builder()
        .status(200)
        .header("server", crate::target::USER_AGENT);
    let mut text = format!(":status: 200\r\nserver: {}\r\n", crate::target::USER_AGENT);
    if let Some(a) = agreement {
        response = response.header("sec-websocket-extensions", a.header_value());
        text.push_str(&format!("sec-websocket-extensions: {}\r\n", a.header_value()));
    }
    text.push_str("\r\n");
    let send = respond.send_response(response.body(()).ok()?, false).ok()?;
    let ws = crate::http2::WsStream::new(send, recv);
    Some((Stream::Http2(Box::new(ws), tls), text))
}
