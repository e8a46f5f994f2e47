//! Opening a connection to a server under test: TCP (with TLS for
//! `wss://`) and the client's opening handshake (RFC 6455 §4.1), each
//! failure sorted by what it says about the target.

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use crate::target::{Target, USER_AGENT};
use crate::tls::{self, Stream};
use crate::wire::deflate::Offer;
use crate::wire::handshake;

/// What a client handshake gives: the stream, the bytes after the answer,
/// the request sent, the answer head and what the answer agreed to.
pub type Connected = (Stream, Vec<u8>, String, handshake::Head, handshake::Answer);

/// Why a connection did not open.
#[derive(Debug)]
pub struct OpenError {
    pub reason: String,
    pub kind: OpenFailure,
    /// The request sent, if it was.
    pub request: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenFailure {
    /// No TCP connection.
    Connect,
    /// No complete answer within the open timeout.
    Timeout,
    /// Closed, or answered with something that is not HTTP.
    NoHttp,
    /// An HTTP answer other than 101: not a WebSocket endpoint.
    NotUpgraded,
    /// A 101 answer that breaks RFC 6455 §4.1: a WebSocket server, wrong.
    BadAnswer,
    /// The TLS handshake of a `wss://` target failed.
    Tls,
}

impl OpenFailure {
    /// Whether nothing at the address speaks WebSocket: a target error
    /// when the very first connection fails so, not a verdict.
    pub fn not_a_websocket_server(self) -> bool {
        self != OpenFailure::BadAnswer
    }
}

/// A TCP connection to the target's address, Nagle off.
pub(crate) async fn tcp_connect(target: &Target) -> Result<TcpStream, OpenError> {
    let tcp = TcpStream::connect(&target.addr).await.map_err(|e| OpenError {
        reason: format!("cannot connect to {}: {e}", target.addr),
        kind: OpenFailure::Connect,
        request: String::new(),
    })?;
    tcp.set_nodelay(true).ok();
    Ok(tcp)
}

/// A TCP connection to the target, with TLS for `wss://`.
pub async fn connect_stream(target: &Target) -> Result<Stream, OpenError> {
    let tcp = tcp_connect(target).await?;
    match &target.tls {
        None => Ok(Stream::Plain(tcp)),
        Some(config) => tls::connect(config.clone(), &target.server_name, tcp)
            .await
            .map_err(|reason| OpenError {
                reason,
                kind: OpenFailure::Tls,
                request: String::new(),
            }),
    }
}

pub async fn client_connect(target: &Target, open_timeout: Duration, offers: &[Offer]) -> Result<Connected, OpenError> {
    let fut = async {
        if target.http2 {
            return http2_handshake(target, offers).await;
        }
        let stream = connect_stream(target).await?;
        client_handshake(stream, target, offers).await
    };
    match tokio::time::timeout(open_timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err(OpenError {
            reason: format!("the opening handshake did not finish within {open_timeout:?}"),
            kind: OpenFailure::Timeout,
            request: String::new(),
        }),
    }
}

/// RFC 8441's bootstrap in place of the HTTP/1.1 upgrade: the same checks
/// on what the answer agreed to, on a 2xx to the extended CONNECT.
async fn http2_handshake(target: &Target, offers: &[Offer]) -> Result<Connected, OpenError> {
    let tcp = tcp_connect(target).await?;
    let mut headers = vec![
        ("user-agent", USER_AGENT.to_string()),
        ("sec-websocket-version", "13".to_string()),
    ];
    if !offers.is_empty() {
        let list: Vec<String> = offers.iter().map(Offer::header_value).collect();
        headers.push(("sec-websocket-extensions", list.join(", ")));
    }
    let tls = target.tls.clone().map(|c| (c, target.server_name.as_str()));
    let secure = tls.is_some();
    let boot = crate::http2::connect(tcp, tls, secure, &target.host, &target.resource, &headers)
        .await
        .map_err(|r| {
            let (kind, reason) = match r {
                crate::http2::Refusal::Tls(e) => (OpenFailure::Tls, e),
                crate::http2::Refusal::NotHttp2(e) => (OpenFailure::NoHttp, e),
                crate::http2::Refusal::NotUpgraded(e) => (OpenFailure::NotUpgraded, e),
            };
            OpenError {
                reason,
                kind,
                request: String::new(),
            }
        })?;
    let answer = handshake::verify_agreement(&boot.response, offers).map_err(|reason| OpenError {
        reason,
        kind: OpenFailure::BadAnswer,
        request: boot.request.clone(),
    })?;
    let stream = Stream::Http2(Box::new(boot.stream), boot.tls);
    Ok((stream, Vec::new(), boot.request, boot.response, answer))
}

async fn client_handshake(mut stream: Stream, target: &Target, offers: &[Offer]) -> Result<Connected, OpenError> {
    let key = handshake::new_key();
    let request = handshake::client_request(&target.host, &target.resource, &key, USER_AGENT, offers);
    let req_text = String::from_utf8_lossy(&request).into_owned();
    let fail = |kind: OpenFailure| {
        let request = req_text.clone();
        move |reason: String| OpenError { reason, kind, request }
    };
    tls::send(&mut stream, &request)
        .await
        .map_err(|e| fail(OpenFailure::NoHttp)(format!("sending the opening handshake failed: {e}")))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| fail(OpenFailure::NoHttp)(format!("reading the handshake answer failed: {e}")))?;
        if n == 0 {
            return Err(fail(OpenFailure::NoHttp)(
                "the server closed the connection during the opening handshake".into(),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some((head, used)) = handshake::parse_response(&buf).map_err(fail(OpenFailure::NoHttp))? {
            let kind = if head.status == 101 {
                OpenFailure::BadAnswer
            } else {
                OpenFailure::NotUpgraded
            };
            let answer = handshake::verify_response(&head, &key, offers).map_err(fail(kind))?;
            let rest = buf[used..].to_vec();
            return Ok((stream, rest, req_text, head, answer));
        }
    }
}
