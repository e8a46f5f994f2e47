//! Testing clients: the case's answer to a client's `/runCase` request,
//! then whether the client fails the connection or takes it.

use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;

use super::{ms, opening, verdict_of, write_chopped};
use crate::catalogue::opening::{self as spec, ClientMust, Exchange};
use crate::catalogue::{Behavior, Case};
use crate::engine::drive::{Opened, run_opened};
use crate::engine::outcome::CaseOutcome;
use crate::engine::session::{Role, SessionOptions};
use crate::tls::Stream;
use crate::wire::decode::{Decoder, Piece};
use crate::wire::frame::opcode;
use crate::wire::handshake::{self, Head};
use crate::wire::negotiation::check_agreement;

/// How long a client has to fail a connection it must not take.
const FAIL_WAIT: Duration = Duration::from_secs(2);

/// Serves a handshake case to a client whose `/runCase` request is `head`:
/// answers as the case says, then judges what the client does.
#[allow(clippy::too_many_arguments)]
pub async fn serve_client(
    case: &Case,
    index: usize,
    mut stream: Stream,
    head: &Head,
    rest: Vec<u8>,
    key: &str,
    agent: &str,
    opts: &SessionOptions,
    started: String,
) -> CaseOutcome {
    let start = Instant::now();
    let o = opening(case);
    let Exchange::Client(answer, must) = &o.exchange else {
        return CaseOutcome::unopened(
            case,
            index,
            agent,
            started,
            0,
            "a server case cannot be served to a client",
        );
    };
    let (answer_bytes, answer_head) = answer_head(&answer.lines, key);
    // Whether this answer is one the client may take, given its offers.
    let valid = handshake::verify_upgrade(&answer_head, key).and_then(|_| check_agreement(head, &answer_head));
    let upgrade = answer_head.status == 101;
    let mut out = CaseOutcome::unopened(case, index, agent, started.clone(), 0, "");
    out.http_request = String::from_utf8_lossy(&head.raw).into_owned();
    out.http_response = String::from_utf8_lossy(&answer_bytes).into_owned();
    out.is_server = true;
    out.reached = true;
    out.tls = stream.tls_summary();
    out.findings = request_findings(head, key);
    if let Some(d) = answer.held_back
        && let Some(sent) = sent_while_waiting(&mut stream, &rest, d).await
    {
        out.verdict = verdict_of(
            o.level,
            Behavior::Failed,
            &format!("The client sent {sent} octets before our answer came: it MUST wait for the answer."),
        );
        out.duration_ms = ms(start);
        return out;
    }
    let bytes = answer_bytes_with(answer, &answer_bytes, upgrade, *must);
    if write_chopped(&mut stream, &bytes, answer.chop).await.is_err() {
        out.verdict = verdict_of(
            o.level,
            Behavior::Failed,
            "The client was gone before our answer was written.",
        );
        return out;
    }
    match (must, valid) {
        (ClientMust::Fail, Err(why)) => {
            let (b, reason) = watch_failing(&mut stream, &rest, upgrade).await;
            out.verdict = verdict_of(o.level, b, &format!("Our answer is one to fail: {why}. {reason}"));
            out.verdict.result_close = "No WebSocket connection was to open.".into();
            out.duration_ms = ms(start);
            out
        }
        (ClientMust::AcceptDeflate, Err(why)) if !offers_deflate(head) => {
            out.verdict = verdict_of(
                o.level,
                Behavior::Unimplemented,
                &format!("The client offered no permessage-deflate, so our answer is not one it may take ({why})."),
            );
            out.duration_ms = ms(start);
            out
        }
        (_, valid) => {
            let agreement = valid.as_ref().ok().cloned().flatten();
            let findings = std::mem::take(&mut out.findings);
            let opened = Opened {
                stream,
                rest,
                agreement,
                findings,
                http_request: out.http_request.clone(),
                http_response: out.http_response.clone(),
                started,
            };
            let mut echoed = run_opened(case, index, Role::Server, opened, agent, opts, None).await;
            judge_taken(&mut echoed.verdict, *must, valid);
            echoed
        }
    }
}

/// What is written: an interim answer first if the case has one, the
/// answer, and what follows it. After a 101, the probe message (the
/// client that echoes it took the connection); after any other status the
/// probe is the answer's body, as HTTP frames it (`Content-Length`), so
/// the exchange stays valid HTTP and only a client that reads the body as
/// WebSocket frames echoes it.
fn answer_bytes_with(answer: &spec::Answer, head: &[u8], upgrade: bool, must: ClientMust) -> Vec<u8> {
    let mut bytes = answer.interim.map(|i| i.as_bytes().to_vec()).unwrap_or_default();
    let probe = spec::probe_frame(false);
    if upgrade {
        bytes.extend_from_slice(head);
        if answer.message_behind || must == ClientMust::Fail {
            bytes.extend(probe);
        }
    } else {
        // The head ends with its blank line: the length goes before it.
        let text = String::from_utf8_lossy(head).replace("Content-Length: 0\r\n", "");
        let body_at = text.len() - 2;
        bytes.extend_from_slice(&text.as_bytes()[..body_at]);
        bytes.extend_from_slice(format!("Content-Length: {}\r\n\r\n", probe.len()).as_bytes());
        bytes.extend(probe);
    }
    bytes
}

/// Whether the request offers permessage-deflate at all.
fn offers_deflate(head: &Head) -> bool {
    head.values("sec-websocket-extensions")
        .flat_map(crate::wire::deflate::parse_header)
        .any(|(n, _)| n == crate::wire::deflate::NAME)
}

/// Whether the client sends anything in the `wait` before our answer
/// (RFC 6455 §4.1: it MUST wait for it): how many octets, if it did.
async fn sent_while_waiting(stream: &mut Stream, rest: &[u8], wait: Duration) -> Option<usize> {
    if !rest.is_empty() {
        return Some(rest.len());
    }
    let mut chunk = [0u8; 1024];
    match tokio::time::timeout(wait, stream.read(&mut chunk)).await {
        Ok(Ok(n)) if n > 0 => Some(n),
        _ => None,
    }
}

/// What the client's own request breaks of RFC 6455 §4.1 (findings, not
/// verdicts): the method, Host, the version, a 16-octet key chosen afresh
/// for each connection, unique subprotocols.
fn request_findings(head: &Head, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |s: String| out.push(format!("the client's request: {s} (RFC 6455 §4.1)"));
    if head.method != "GET" {
        say(format!("the method is {:?}, where it MUST be GET", head.method));
    }
    if head.get("host").is_none() {
        say("it has no Host header".into());
    }
    if head.get("sec-websocket-version") != Some("13") {
        say(format!(
            "Sec-WebSocket-Version is {:?}, where it MUST be 13",
            head.get("sec-websocket-version")
        ));
    }
    use base64::Engine;
    match base64::engine::general_purpose::STANDARD.decode(key.trim()) {
        Ok(k) if k.len() == 16 => {}
        _ => say(format!("Sec-WebSocket-Key {key:?} is not 16 octets in base64")),
    }
    if !fresh_key(key) {
        say(format!(
            "Sec-WebSocket-Key {key:?} was used before: it MUST be selected randomly for each connection"
        ));
    }
    let protocols = crate::wire::negotiation::offered_protocols(head);
    if (1..protocols.len()).any(|i| protocols[..i].contains(&protocols[i])) {
        say(format!(
            "Sec-WebSocket-Protocol repeats a subprotocol ({})",
            protocols.join(", ")
        ));
    }
    out
}

/// Whether `key` was not seen before in this process (the last 4096 kept).
fn fresh_key(key: &str) -> bool {
    static SEEN: std::sync::Mutex<std::collections::VecDeque<String>> =
        std::sync::Mutex::new(std::collections::VecDeque::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if seen.iter().any(|k| k == key) {
        return false;
    }
    if seen.len() == 4096 {
        seen.pop_front();
    }
    seen.push_back(key.to_string());
    true
}

/// The case's answer head with the accept value for `key` (and a wrong one
/// for cases that send it) filled in, and that head as parsed back.
fn answer_head(lines: &[String], key: &str) -> (Vec<u8>, Head) {
    let other_key = handshake::new_key();
    let fill = |name: &str| match name {
        "accept" => Some(handshake::accept_for(key)),
        "wrong_accept" => Some(handshake::accept_for(&other_key)),
        "key" => Some(key.to_string()),
        _ => None,
    };
    let bytes = spec::render(lines, &fill);
    let head = handshake::parse_any_response(&bytes)
        .ok()
        .flatten()
        .map(|h| h.0)
        .unwrap_or_default();
    (bytes, head)
}

/// The verdict once a connection opened on our answer: the echo that
/// followed says whether the client took it.
fn judge_taken(
    verdict: &mut crate::engine::verdict::Verdict,
    must: ClientMust,
    valid: Result<Option<crate::wire::deflate::Agreement>, String>,
) {
    let took = verdict.behavior == Behavior::Ok;
    match (must, valid) {
        (ClientMust::Fail, _) => {
            // The client's own offers make this answer a valid one.
            verdict.behavior = Behavior::Informational;
            verdict.result = "Not applicable: given the client's offers, this answer is one it may take.".into();
        }
        (ClientMust::Either, _) => {
            verdict.behavior = Behavior::Informational;
            verdict.result = if took {
                "The client took the connection and echoed the message.".into()
            } else {
                "The client did not take the connection.".into()
            };
        }
        (_, Err(why)) => {
            verdict.behavior = Behavior::Failed;
            verdict.result = format!("wsspec's own answer is wrong for this client: {why}.");
        }
        _ if took => verdict.result = "The client took the connection and echoed the message.".into(),
        _ => {
            verdict.result =
                "The client did not take the connection: the message after an answer it MUST take was not echoed."
                    .into()
        }
    }
}

/// Watches a client that must fail the connection: its echo of the probe
/// message (compressed or not) fails the case. After a 101 (`upgrade`),
/// closing TCP passes it, as does a close frame that names a protocol or
/// extension error; a close frame with another code means the client took
/// the connection and then closed it (NON-STRICT). Doing nothing within
/// `FAIL_WAIT` passes too: a failed connection waits for the server to
/// close TCP first (RFC 6455 §7.1.1), and after another status HTTP's
/// connection may persist.
async fn watch_failing(stream: &mut Stream, rest: &[u8], upgrade: bool) -> (Behavior, String) {
    let mut decoder = Decoder::default();
    decoder.feed(rest);
    let mut chunk = [0u8; 4096];
    let mut message = Vec::new();
    let (mut op, mut compressed) = (0u8, false);
    let deadline = tokio::time::Instant::now() + FAIL_WAIT;
    loop {
        while let Some(piece) = decoder.next_piece() {
            match piece {
                Piece::Header(h, _) if h.opcode == opcode::CLOSE => return judge_close_frame(&mut decoder),
                Piece::Header(h, _) => {
                    if h.opcode == opcode::TEXT || h.opcode == opcode::BINARY {
                        message.clear();
                        compressed = h.rsv & 0b100 != 0;
                    }
                    op = h.opcode;
                }
                Piece::Data(d) if op != opcode::PING && op != opcode::PONG => {
                    if message.len() < 1024 {
                        message.extend_from_slice(&d);
                    }
                }
                Piece::Data(_) => {}
                Piece::End => {
                    if is_probe(&message, compressed) {
                        return (
                            Behavior::Failed,
                            "The client echoed the message that followed: it took a connection it MUST fail.".into(),
                        );
                    }
                }
            }
        }
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (Behavior::Ok, "The client closed the connection.".into()),
            Ok(Ok(n)) if !upgrade && chunk[..n].iter().all(|b| b.is_ascii()) && chunk[0].is_ascii_uppercase() => {
                return (
                    Behavior::Ok,
                    "The client sent another HTTP request on the connection, as HTTP lets it.".into(),
                );
            }
            Ok(Ok(n)) => decoder.feed(&chunk[..n]),
            Err(_) => {
                return (
                    Behavior::Ok,
                    format!(
                        "The client did not take the connection within {FAIL_WAIT:?} (it did not echo; a failed connection waits for the server to close TCP)."
                    ),
                );
            }
        }
    }
}

/// A close frame from a client that must fail the connection: a code that
/// names a protocol or extension error (or none) is a failure said in a
/// frame; a normal close means it took the connection first.
fn judge_close_frame(decoder: &mut Decoder) -> (Behavior, String) {
    let mut payload = Vec::new();
    while let Some(Piece::Data(d)) = decoder.next_piece() {
        payload.extend_from_slice(&d);
    }
    let code = (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
    match code {
        Some(1000 | 1001) => (
            Behavior::NonStrict,
            format!(
                "The client closed with {} after our answer: it treated the connection as established, where it MUST fail it.",
                code.unwrap_or_default()
            ),
        ),
        Some(c) => (
            Behavior::Ok,
            format!("The client failed the connection with a close frame ({c})."),
        ),
        None => (
            Behavior::Ok,
            "The client failed the connection with a close frame.".into(),
        ),
    }
}

/// Whether a message is our probe: as sent, or compressed with
/// permessage-deflate by a client that took a deflate answer it MUST fail.
fn is_probe(message: &[u8], compressed: bool) -> bool {
    if !compressed {
        return message == spec::PROBE.as_bytes();
    }
    let mut codec = crate::wire::deflate::Codec::new(&crate::wire::deflate::Agreement::default(), true);
    codec
        .inflate_message(message, spec::PROBE.len() as u64 * 2)
        .is_ok_and(|m| m == spec::PROBE.as_bytes())
}
