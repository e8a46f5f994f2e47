//! WebSockets over HTTP/2 (RFC 8441), the client side: an HTTP/2
//! connection (cleartext with prior knowledge, RFC 9113 §3.3, or TLS with
//! ALPN `h2`), the server's `SETTINGS_ENABLE_CONNECT_PROTOCOL`, the
//! extended CONNECT with `:protocol websocket`, and the stream as a byte
//! stream, so the engine's session sees what it sees over TCP.
//!
//! Each case has its own connection: a peer that tears the connection down
//! over one stream's error then cannot change another case's verdict.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use h2::{RecvStream, SendStream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::wire::handshake::Head;

/// How long the server's SETTINGS may take to say whether it allows the
/// extended CONNECT, once the connection is up.
const SETTINGS_WAIT: Duration = Duration::from_millis(500);

/// Why an RFC 8441 bootstrap failed, sorted as `engine::connect` sorts
/// HTTP/1.1's: what it says about the target.
#[derive(Debug)]
pub enum Refusal {
    /// The TLS handshake failed.
    Tls(String),
    /// Not HTTP/2: the handshake failed, or TLS did not agree to `h2`.
    NotHttp2(String),
    /// HTTP/2, without the extended CONNECT (RFC 8441 §3), or an answer
    /// other than 2xx.
    NotUpgraded(String),
}

/// An RFC 8441 WebSocket: the extended CONNECT's stream, read and written
/// as bytes. Reading hands back flow-control capacity as it goes (the
/// window keeps moving); writing waits for capacity (nothing is buffered
/// beyond what the peer's window allows). Shutting down ends the stream
/// (END_STREAM, the equivalent of a TCP FIN); dropping it unended resets
/// it (RST_STREAM CANCEL, the equivalent of a TCP reset).
pub struct WsStream {
    id: u32,
    window: Arc<WindowWatch>,
    send: SendStream<Bytes>,
    recv: RecvStream,
    /// What the last DATA frame left unread.
    pending: Bytes,
    ended: bool,
}

/// The request and the answer, for the per-case files: `HTTP/2` heads
/// written out as HTTP/1.1's would be, pseudo-headers first.
pub struct Bootstrap {
    pub stream: WsStream,
    pub request: String,
    pub response: Head,
    /// The TLS session, said as `tls::Stream::tls_summary` says it.
    pub tls: Option<String>,
}

/// Opens an HTTP/2 connection over `tcp` (TLS with `tls` for `wss://`),
/// checks the setting, and sends the extended CONNECT for `authority` and
/// `path` with `headers`.
pub async fn connect(
    tcp: TcpStream,
    tls: Option<(Arc<rustls::ClientConfig>, &str)>,
    secure: bool,
    authority: &str,
    path: &str,
    headers: &[(&str, String)],
) -> Result<Bootstrap, Refusal> {
    let mut summary = None;
    let (send_request, mut ended) = match tls {
        None => handshake(tcp).await?,
        Some((config, server_name)) => {
            let mut config = (*config).clone();
            config.alpn_protocols = vec![b"h2".to_vec()];
            let stream = crate::tls::connect_raw(Arc::new(config), server_name, tcp)
                .await
                .map_err(Refusal::Tls)?;
            let session = stream.get_ref().1;
            if session.alpn_protocol() != Some(b"h2") {
                return Err(Refusal::NotHttp2("the TLS server did not agree to h2 by ALPN".into()));
            }
            summary = Some(crate::tls::session_summary(
                session.protocol_version(),
                session.negotiated_cipher_suite(),
            ));
            handshake(stream).await?
        }
    };
    let mut send_request = send_request
        .ready()
        .await
        .map_err(|e| Refusal::NotHttp2(format!("the server does not speak HTTP/2 ({e})")))?;
    let start = tokio::time::Instant::now();
    let mut polls = 0u32;
    while !send_request.is_extended_connect_protocol_enabled() {
        if let Ok(why) = ended.try_recv() {
            return Err(Refusal::NotHttp2(format!("the server does not speak HTTP/2 ({why})")));
        }
        if start.elapsed() > SETTINGS_WAIT {
            return Err(Refusal::NotUpgraded(
                "the server does not allow the extended CONNECT: its SETTINGS have no SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3)".into(),
            ));
        }
        // The SETTINGS are read by the connection's task, usually within a
        // few turns of the scheduler: a timer's millisecond per case would
        // cost more than the case.
        polls += 1;
        if polls < 200 {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let scheme = if secure { "https" } else { "http" };
    let mut request = http::Request::builder()
        .method(http::Method::CONNECT)
        .uri(format!("{scheme}://{authority}{path}"));
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let mut request = request
        .body(())
        .map_err(|e| Refusal::NotUpgraded(format!("cannot build the extended CONNECT ({e})")))?;
    request
        .extensions_mut()
        .insert(h2::ext::Protocol::from_static("websocket"));
    let request_text = request_head(scheme, authority, path, headers);
    let (response, send) = send_request
        .send_request(request, false)
        .map_err(|e| Refusal::NotUpgraded(format!("the extended CONNECT could not be sent ({e})")))?;
    let response = response
        .await
        .map_err(|e| Refusal::NotUpgraded(format!("the extended CONNECT got no answer ({e})")))?;
    let head = response_head(&response);
    if !response.status().is_success() {
        return Err(Refusal::NotUpgraded(format!(
            "the server answered the extended CONNECT with {}, not 2xx (RFC 8441 §5)",
            response.status().as_u16()
        )));
    }
    Ok(Bootstrap {
        stream: WsStream::new(send, response.into_body()),
        request: request_text,
        response: head,
        tls: summary,
    })
}

/// The client's side of the connection preface; the connection runs in a
/// task of its own, which says how it ended (a peer that is no HTTP/2
/// server ends it at once).
async fn handshake<T>(
    io: T,
) -> Result<(h2::client::SendRequest<Bytes>, tokio::sync::oneshot::Receiver<String>), Refusal>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (send_request, connection) = h2::client::handshake(io)
        .await
        .map_err(|e| Refusal::NotHttp2(format!("the server does not speak HTTP/2 ({e})")))?;
    let (tell, ended) = tokio::sync::oneshot::channel();
    // The connection ends when its streams and `send_request` are gone.
    tokio::spawn(async move {
        let why = match connection.await {
            Ok(()) => "it closed the connection".to_string(),
            Err(e) => e.to_string(),
        };
        let _ = tell.send(why);
    });
    Ok((send_request, ended))
}

fn request_head(scheme: &str, authority: &str, path: &str, headers: &[(&str, String)]) -> String {
    let mut s = format!(
        ":method: CONNECT\r\n:protocol: websocket\r\n:scheme: {scheme}\r\n:authority: {authority}\r\n:path: {path}\r\n"
    );
    for (name, value) in headers {
        s.push_str(&format!("{name}: {value}\r\n"));
    }
    s.push_str("\r\n");
    s
}

/// The answer as a `Head` (status, headers), and as text for the reports.
fn response_head(response: &http::Response<RecvStream>) -> Head {
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).trim().to_string(),
            )
        })
        .collect();
    let mut raw = format!(":status: {}\r\n", response.status().as_u16());
    for (n, v) in &headers {
        raw.push_str(&format!("{n}: {v}\r\n"));
    }
    raw.push_str("\r\n");
    Head {
        status: response.status().as_u16(),
        version: 2,
        headers,
        raw: raw.into_bytes(),
        ..Head::default()
    }
}

/// How the peer ended a WebSocket's stream, from what reading it gave:
/// nothing (END_STREAM) or an error (RST_STREAM, GOAWAY, or the connection
/// itself), said as a clause for the reports.
pub fn peer_ending(error: Option<&io::Error>) -> String {
    let Some(e) = error else {
        return "the peer ended the stream (END_STREAM)".into();
    };
    match e.get_ref().and_then(|inner| inner.downcast_ref::<h2::Error>()) {
        Some(h) if h.is_reset() => match h.reason() {
            Some(r) => format!("the peer reset the stream (RST_STREAM {r:?})"),
            None => "the peer reset the stream".into(),
        },
        Some(h) if h.is_go_away() => match h.reason() {
            Some(r) => format!("the peer sent GOAWAY ({r:?}: {r})"),
            None => "the peer sent GOAWAY".into(),
        },
        Some(h) if h.is_io() => format!("the peer's HTTP/2 connection failed ({h})"),
        Some(h) => match h.reason() {
            Some(r) => format!("the stream ended with {r:?} ({h})"),
            None => format!("the peer's HTTP/2 connection ended ({h})"),
        },
        None => format!("the peer's HTTP/2 connection failed ({e})"),
    }
}

impl WsStream {
    /// The stream of an extended CONNECT, on either side: what we send on
    /// it and what we receive.
    pub fn new(send: SendStream<Bytes>, recv: RecvStream) -> WsStream {
        WsStream {
            id: send.stream_id().as_u32(),
            window: Arc::default(),
            send,
            recv,
            pending: Bytes::new(),
            ended: false,
        }
    }

    /// The HTTP/2 stream ID.
    pub fn stream_id(&self) -> u32 {
        self.id
    }

    /// What our writes saw of the peer's flow-control window, to be read
    /// after the stream is handed to a writer.
    pub fn window_watch(&self) -> Arc<WindowWatch> {
        self.window.clone()
    }
}

/// Whether our writes on a stream wait for the peer's window, and since
/// when; and how much they sent.
#[derive(Default)]
pub struct WindowWatch {
    waiting_since: std::sync::Mutex<Option<std::time::Instant>>,
    sent: std::sync::atomic::AtomicU64,
}

impl WindowWatch {
    /// How long a write has waited for window, if one is waiting now.
    pub fn stalled(&self) -> Option<Duration> {
        let since = *self.waiting_since.lock().unwrap_or_else(|e| e.into_inner());
        since.map(|t| t.elapsed())
    }

    /// Octets the window let through.
    pub fn sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn waiting(&self, now: bool) {
        let mut w = self.waiting_since.lock().unwrap_or_else(|e| e.into_inner());
        match (now, *w) {
            (true, None) => *w = Some(std::time::Instant::now()),
            (false, _) => *w = None,
            _ => {}
        }
    }
}

impl AsyncRead for WsStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.pending.is_empty() {
            match ready!(self.recv.poll_data(cx)) {
                None => return Poll::Ready(Ok(())),
                Some(Ok(data)) => {
                    // The window moves as data arrives: what is kept here
                    // is bounded by one DATA frame.
                    let _ = self.recv.flow_control().release_capacity(data.len());
                    self.pending = data;
                }
                Some(Err(e)) => return Poll::Ready(Err(io::Error::new(io::ErrorKind::ConnectionReset, e))),
            }
        }
        let n = self.pending.len().min(buf.remaining());
        buf.put_slice(&self.pending.split_to(n));
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for WsStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.send.reserve_capacity(buf.len());
        let capacity = self.send.poll_capacity(cx);
        self.window.waiting(capacity.is_pending());
        match ready!(capacity) {
            Some(Ok(n)) => {
                let n = n.min(buf.len());
                self.window
                    .sent
                    .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
                self.send
                    .send_data(Bytes::copy_from_slice(&buf[..n]), false)
                    .map_err(|e| io::Error::new(io::ErrorKind::BrokenPipe, e))?;
                Poll::Ready(Ok(n))
            }
            Some(Err(e)) => Poll::Ready(Err(io::Error::new(io::ErrorKind::BrokenPipe, e))),
            None => Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.ended {
            self.ended = true;
            let _ = self.send.send_data(Bytes::new(), true);
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for WsStream {
    fn drop(&mut self) {
        if !self.ended {
            self.send.send_reset(h2::Reason::CANCEL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_ends_in_http2_words_not_tcp_ones() {
        assert_eq!(peer_ending(None), "the peer ended the stream (END_STREAM)");
        let reset = io::Error::new(io::ErrorKind::ConnectionReset, h2::Error::from(h2::Reason::CANCEL));
        let said = peer_ending(Some(&reset));
        assert!(said.contains("CANCEL"), "{said}");
        assert!(!said.contains("TCP"), "{said}");
    }
}
