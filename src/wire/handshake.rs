//! The opening handshake (RFC 6455 §4): the client's request and the checks
//! on the server's answer (§4.1), and the server's side (§4.2).

use base64::Engine;

use super::deflate::{self, Agreement, Offer};
use sha1::{Digest, Sha1};

const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// An opening handshake larger than this is refused rather than buffered.
pub const MAX_HEAD: usize = 16 * 1024;

pub fn accept_for(key: &str) -> String {
    let mut h = Sha1::new();
    h.update(key.as_bytes());
    h.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

pub fn new_key() -> String {
    let raw: [u8; 16] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// The client's upgrade request for `host` (as the Host header) and
/// `resource` (path and query).
pub fn client_request(host: &str, resource: &str, key: &str, user_agent: &str, offers: &[Offer]) -> Vec<u8> {
    let extensions = if offers.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = offers.iter().map(Offer::header_value).collect();
        format!("Sec-WebSocket-Extensions: {}\r\n", list.join(", "))
    };
    format!(
        "GET {resource} HTTP/1.1\r\nUser-Agent: {user_agent}\r\nHost: {host}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n\
         Sec-WebSocket-Key: {key}\r\n{extensions}Sec-WebSocket-Version: 13\r\n\r\n"
    )
    .into_bytes()
}

/// A parsed HTTP head (request or response).
#[derive(Debug, Clone, Default)]
pub struct Head {
    /// The status code of a response.
    pub status: u16,
    /// The minor HTTP version (1 for HTTP/1.1).
    pub version: u8,
    /// Method and path of a request.
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The head's bytes, as received.
    pub raw: Vec<u8>,
}

impl Head {
    /// All values of a header (case-insensitive name).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn get<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.values(name).next()
    }

    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.values(name)
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

/// Parses a response head. `Ok(None)`: not complete yet. On success also
/// returns how many bytes the head took (frames may follow at once).
pub fn parse_response(buf: &[u8]) -> Result<Option<(Head, usize)>, String> {
    match parse_any_response(buf)? {
        Some((head, _)) if head.version != 1 => Err("the answer is not HTTP/1.1".into()),
        r => Ok(r),
    }
}

/// Parses a response head of HTTP/1.0 or 1.1 (`Head::version` says which):
/// a refusal in HTTP/1.0 is still an HTTP refusal. Obsolete line folding
/// is read as spaces (RFC 7230 §3.2.4), and a head may have any number of
/// header lines within `MAX_HEAD`.
pub fn parse_any_response(buf: &[u8]) -> Result<Option<(Head, usize)>, String> {
    let unfolded = unfold(buf);
    let mut room = 64;
    loop {
        let mut headers = vec![httparse::EMPTY_HEADER; room];
        let mut resp = httparse::Response::new(&mut headers);
        return match resp.parse(&unfolded) {
            Ok(httparse::Status::Complete(n)) => {
                let head = Head {
                    version: resp.version.unwrap_or(0),
                    status: resp.code.unwrap_or(0),
                    headers: collect(resp.headers),
                    raw: buf[..n].to_vec(),
                    ..Head::default()
                };
                Ok(Some((head, n)))
            }
            Err(httparse::Error::TooManyHeaders) if room < MAX_HEAD / 4 => {
                room *= 4;
                continue;
            }
            Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
                Err(format!("the HTTP answer is over {MAX_HEAD} bytes without ending"))
            }
            Ok(httparse::Status::Partial) => Ok(None),
            Err(e) => Err(format!("the HTTP answer is malformed ({e})")),
        };
    }
}

/// Parses a request head, as a server receives it (obs-fold read as
/// spaces, any number of header lines within `MAX_HEAD`).
pub fn parse_request(buf: &[u8]) -> Result<Option<(Head, usize)>, String> {
    let unfolded = unfold(buf);
    let mut room = 64;
    loop {
        let mut headers = vec![httparse::EMPTY_HEADER; room];
        let mut req = httparse::Request::new(&mut headers);
        return match req.parse(&unfolded) {
            Ok(httparse::Status::Complete(n)) => Ok(Some((
                Head {
                    version: req.version.unwrap_or(0),
                    method: req.method.unwrap_or("").to_string(),
                    path: req.path.unwrap_or("").to_string(),
                    headers: collect(req.headers),
                    raw: buf[..n].to_vec(),
                    ..Head::default()
                },
                n,
            ))),
            Err(httparse::Error::TooManyHeaders) if room < MAX_HEAD / 4 => {
                room *= 4;
                continue;
            }
            Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
                Err(format!("the HTTP request is over {MAX_HEAD} bytes without ending"))
            }
            Ok(httparse::Status::Partial) => Ok(None),
            Err(e) => Err(format!("the HTTP request is malformed ({e})")),
        };
    }
}

/// The head with each obs-fold (CRLF and then a space or tab) turned into
/// spaces, as RFC 7230 §3.2.4 has a recipient read it: the same length, so
/// offsets into it are offsets into `buf`. Only the head is touched.
fn unfold(buf: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(buf.len());
    let folded = |i: usize| buf[i..].starts_with(b"\r\n") && matches!(buf.get(i + 2), Some(b' ' | b'\t'));
    // The first line cannot be folded onto.
    let first = buf.windows(2).position(|w| w == b"\r\n").unwrap_or(end);
    if !(first + 1..end).any(folded) {
        return std::borrow::Cow::Borrowed(buf);
    }
    let mut out = buf.to_vec();
    for i in first + 1..end {
        if folded(i) {
            out[i] = b' ';
            out[i + 1] = b' ';
        }
    }
    std::borrow::Cow::Owned(out)
}

fn collect(h: &[httparse::Header]) -> Vec<(String, String)> {
    h.iter()
        .map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).trim().to_string()))
        .collect()
}

/// The client's checks on the server's answer (RFC 6455 §4.1, steps 1–6),
/// as Autobahn's client makes them.
pub fn verify_response(head: &Head, key: &str, offers: &[Offer]) -> Result<Answer, String> {
    verify_upgrade(head, key)?;
    verify_agreement(head, offers)
}

/// What the answer agreed to (subprotocol, permessage-deflate), checked as
/// Autobahn's client checks it: the part of `verify_response` that HTTP/2's
/// extended CONNECT (RFC 8441 §5) shares with HTTP/1.1's upgrade.
pub fn verify_agreement(head: &Head, offers: &[Offer]) -> Result<Answer, String> {
    // Read as Autobahn's client reads it: one header line at most, any
    // permessage-deflate answer its parser takes is accepted, and what
    // RFC 7692 requires beyond that is a finding, not a failure.
    let lines: Vec<&str> = head.values("sec-websocket-extensions").collect();
    if lines.len() > 1 {
        return Err("Sec-WebSocket-Extensions appears more than once in the answer".into());
    }
    let mut agreement = None;
    let mut findings = Vec::new();
    for (name, params) in lines.iter().flat_map(|v| deflate::parse_header(v)) {
        if name != deflate::NAME || offers.is_empty() {
            return Err(format!("the server chose the extension {name}, which we did not offer"));
        }
        if agreement.is_some() {
            return Err("the server chose permessage-deflate twice".into());
        }
        let a = deflate::parse_response(&params).map_err(|e| format!("invalid permessage-deflate answer: {e}"))?;
        findings = deflate::findings(&a, offers);
        agreement = Some(a);
    }
    if let Some(p) = head.get("sec-websocket-protocol")
        && !p.trim().is_empty()
    {
        return Err(format!("the server chose a subprotocol we did not offer: {p}"));
    }
    Ok(Answer { agreement, findings })
}

/// The checks RFC 6455 §4.1 (steps 1–4) makes on every answer: 101,
/// `Upgrade: websocket`, `Connection: Upgrade`, one right `Sec-WebSocket-Accept`.
pub fn verify_upgrade(head: &Head, key: &str) -> Result<(), String> {
    if head.version != 1 {
        return Err("the answer is not HTTP/1.1".into());
    }
    if head.status != 101 {
        return Err(format!("the server answered HTTP {} instead of 101", head.status));
    }
    match head.get("upgrade") {
        None => return Err("the answer has no Upgrade header".into()),
        Some(u) if !u.eq_ignore_ascii_case("websocket") => {
            return Err(format!("the Upgrade header is {u:?}, not websocket"));
        }
        _ => {}
    }
    if !head.has_token("connection", "upgrade") {
        return Err("the Connection header does not contain upgrade".into());
    }
    let accepts: Vec<&str> = head.values("sec-websocket-accept").collect();
    match accepts.as_slice() {
        [] => return Err("the answer has no Sec-WebSocket-Accept header".into()),
        [got] if *got != accept_for(key) => {
            return Err(format!(
                "Sec-WebSocket-Accept is {got:?}, expected {:?}",
                accept_for(key)
            ));
        }
        [_] => {}
        _ => return Err("Sec-WebSocket-Accept appears more than once".into()),
    }
    Ok(())
}

/// What a valid answer agreed to.
#[derive(Debug, Default)]
pub struct Answer {
    /// permessage-deflate, when one of our offers was taken.
    pub agreement: Option<Agreement>,
    /// What RFC 7692 requires of the answer and it does not do (Autobahn
    /// accepts such answers; the report notes them).
    pub findings: Vec<String>,
}

/// The server's checks on a client's upgrade request (RFC 6455 §4.2.1).
/// On success returns the key to answer; on failure the HTTP status and why.
pub fn verify_request(head: &Head) -> Result<String, (u16, String)> {
    if head.method != "GET" {
        return Err((405, format!("the method is {}, not GET", head.method)));
    }
    if head.get("host").is_none() {
        return Err((400, "the request has no Host header".into()));
    }
    if !head.values("upgrade").any(|u| u.eq_ignore_ascii_case("websocket")) {
        return Err((400, "the Upgrade header is missing or not websocket".into()));
    }
    if !head.has_token("connection", "upgrade") {
        return Err((400, "the Connection header does not contain upgrade".into()));
    }
    if head.get("sec-websocket-version") != Some("13") {
        return Err((426, "Sec-WebSocket-Version is not 13".into()));
    }
    let key = head.get("sec-websocket-key").unwrap_or("").trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(key)
        .unwrap_or_default();
    if decoded.len() != 16 {
        return Err((400, "Sec-WebSocket-Key is not 16 bytes in base64".into()));
    }
    Ok(key.to_string())
}

/// The 101 answer to a valid request with `key`, agreeing to `deflate` if given.
pub fn server_response(key: &str, server: &str, deflate: Option<&Agreement>) -> Vec<u8> {
    let ext = deflate.map_or(String::new(), |a| {
        format!("Sec-WebSocket-Extensions: {}\r\n", a.header_value())
    });
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nServer: {server}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n{ext}\r\n",
        accept_for(key)
    )
    .into_bytes()
}

/// A 200 answer with `body`, closing the connection.
pub fn http_ok(content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A plain HTTP error answer, closing the connection.
pub fn http_error(status: u16, reason: &str) -> Vec<u8> {
    let phrase = match status {
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        503 => "Service Unavailable",
        _ => "Error",
    };
    let extra = if status == 426 {
        "Sec-WebSocket-Version: 13\r\n"
    } else {
        ""
    };
    format!(
        "HTTP/1.1 {status} {phrase}\r\n{extra}Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reason}\n",
        reason.len() + 1
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_sample_accept() {
        assert_eq!(accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    fn answer(extra: &str, key: &str) -> Head {
        let text = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n{extra}\r\n",
            accept_for(key)
        );
        parse_response(text.as_bytes()).unwrap().unwrap().0
    }

    #[test]
    fn verifies_a_good_answer_and_rejects_bad_ones() {
        let key = new_key();
        assert!(verify_response(&answer("", &key), &key, &[]).is_ok());
        assert!(verify_response(&answer("", &key), &new_key(), &[]).is_err());
        let ext = answer("Sec-WebSocket-Extensions: permessage-deflate\r\n", &key);
        assert!(verify_response(&ext, &key, &[]).is_err());
        assert!(
            verify_response(&ext, &key, &[Offer::default()])
                .unwrap()
                .agreement
                .is_some()
        );
        let twice = answer(
            "Sec-WebSocket-Extensions: permessage-deflate\r\nSec-WebSocket-Extensions: permessage-deflate\r\n",
            &key,
        );
        assert!(verify_response(&twice, &key, &[Offer::default()]).is_err());
        let ignored = answer("Sec-WebSocket-Extensions: permessage-deflate\r\n", &key);
        let nine = Offer {
            request_max_window_bits: 9,
            ..Offer::default()
        };
        let got = verify_response(&ignored, &key, &[nine]).unwrap();
        assert!(got.agreement.is_some() && got.findings.len() == 1, "{got:?}");
        let ok200 = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .unwrap()
            .unwrap()
            .0;
        assert!(verify_response(&ok200, &key, &[]).unwrap_err().contains("200"));
    }

    #[test]
    fn server_checks_the_request() {
        let key = new_key();
        let req = format!(
            "GET /runCase?case=1&agent=x HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\
             Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        let head = parse_request(req.as_bytes()).unwrap().unwrap().0;
        assert_eq!(head.path, "/runCase?case=1&agent=x");
        assert_eq!(verify_request(&head).unwrap(), key);
        let bad = parse_request(req.replace("13", "8").as_bytes()).unwrap().unwrap().0;
        assert_eq!(verify_request(&bad).unwrap_err().0, 426);
        let answer = server_response(&key, "t", None);
        let (resp, _) = parse_response(&answer).unwrap().unwrap();
        assert!(verify_response(&resp, &key, &[]).is_ok());
    }

    #[test]
    fn partial_and_oversize_heads() {
        assert!(parse_response(b"HTTP/1.1 101 Swi").unwrap().is_none());
        let big = format!("HTTP/1.1 101 X\r\nX: {}", "a".repeat(MAX_HEAD + 10));
        assert!(parse_response(big.as_bytes()).is_err());
    }
}
