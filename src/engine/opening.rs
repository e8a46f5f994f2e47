//! Drives the opening-handshake section (`hs.*`): sends a case's request to
//! a server, or gives a case's answer to a client, judges what comes back
//! by the clause the case cites, and where a connection opens runs the
//! case's short echo on the usual engine.
//!
//! Verdict rules, for servers: a request it MUST refuse gets an HTTP error
//! (OK), a 101 (FAILED), or a close or silence without an HTTP answer
//! (NON-STRICT: refused, but without the error status §4.2.1 asks for); a
//! request it MUST take gets a 101 whose answer fits the offers and then an
//! echo (anything else FAILED). For clients: after an answer it MUST fail,
//! echoing the message that follows is FAILED, closing (TCP or a close
//! frame) OK, doing neither within `FAIL_WAIT` NON-STRICT.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::outcome::CaseOutcome;
use super::session::{Role, SessionOptions};
use super::transport::{Activity, Opened, Target, USER_AGENT, client_connect, run_opened, utc_now};
use super::verdict::Verdict;
use crate::catalogue::opening::{self, ClientMust, Exchange, Level, Opening, ServerMust};
use crate::catalogue::{Behavior, Case};
use crate::tls::Stream;
use crate::wire::decode::{Decoder, Piece};
use crate::wire::frame::opcode;
use crate::wire::handshake::{self, Head};
use crate::wire::negotiation::check_agreement;

/// How long a cut request is left hanging.
const CUT_WAIT: Duration = Duration::from_secs(2);
/// How long a client has to fail a connection it must not take.
const FAIL_WAIT: Duration = Duration::from_secs(2);
/// Pause between the octets of a request or answer written one at a time.
const CHOP_PAUSE: Duration = Duration::from_millis(1);

/// What a server did with a request.
enum Reply {
    Http { head: Head, rest: Vec<u8> },
    Closed,
    Silent,
    NotHttp(String),
}

fn opening(case: &Case) -> &Opening {
    case.opening.as_ref().expect("a handshake case has its opening")
}

/// Runs a handshake case against a server.
pub async fn run_against_server(
    case: &Case,
    index: usize,
    target: &Target,
    agent: &str,
    opts: &SessionOptions,
    activity: Option<&dyn Activity>,
) -> CaseOutcome {
    let started = utc_now();
    let start = Instant::now();
    let o = opening(case);
    let Exchange::Server(request, must) = &o.exchange else {
        return CaseOutcome::unopened(
            case,
            index,
            agent,
            started,
            0,
            "a client case cannot run against a server",
        );
    };
    let key = handshake::new_key();
    let fill = |name: &str| match name {
        "resource" => Some(target.resource.clone()),
        "host" => Some(target.host.clone()),
        "key" => Some(key.clone()),
        "agent" => Some(USER_AGENT.to_string()),
        _ => None,
    };
    let head_bytes = opening::render(&request.lines, &fill);
    let sent_head = handshake::parse_request(&head_bytes)
        .ok()
        .flatten()
        .map(|h| h.0)
        .unwrap_or_default();
    let mut bytes = head_bytes.clone();
    if request.message_behind {
        bytes.extend(opening::probe_frame(true));
    }
    let stream = match tokio::time::timeout(opts.open_timeout, super::transport::connect_stream(target)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return CaseOutcome::unopened(case, index, agent, started, ms(start), &e.reason),
        Err(_) => {
            let why = format!("no connection to {} within {:?}", target.addr, opts.open_timeout);
            return CaseOutcome::unopened(case, index, agent, started, ms(start), &why);
        }
    };
    let (stream, reply) = exchange(stream, &bytes, request.chop, request.cut, opts.open_timeout).await;
    let mut out = CaseOutcome::unopened(case, index, agent, started, 0, "");
    out.http_request = String::from_utf8_lossy(&head_bytes).into_owned();
    out.reached = true;
    out.tls = stream.tls_summary();
    // The answer is checked against the key the request carried, which a
    // case may have set itself.
    let sent_key = sent_head.get("sec-websocket-key").unwrap_or(&key).to_string();
    let judged = judge_server(*must, request.cut, &reply, &sent_key, &sent_head, opts.open_timeout);
    let mut verdict = verdict_of(o.level, judged.0, &judged.1);
    if let Reply::Http { head, .. } = &reply {
        out.http_response = String::from_utf8_lossy(&head.raw).into_owned();
    }
    // An answer that upgraded: the echo shows whether the connection works.
    if let (Reply::Http { head, rest }, Some(agreement)) = (reply, judged.2) {
        let opened = Opened {
            stream,
            rest,
            agreement,
            findings: Vec::new(),
            http_request: out.http_request.clone(),
            http_response: String::from_utf8_lossy(&head.raw).into_owned(),
            started: out.started.clone(),
        };
        let echoed = run_opened(case, index, Role::Client, opened, agent, opts, activity).await;
        verdict = combine(verdict, &echoed.verdict);
        out = CaseOutcome { verdict, ..echoed };
    } else {
        out.verdict = verdict;
    }
    if *must == ServerMust::Survive {
        out.verdict.behavior_close = Behavior::Informational;
        if let Err(e) = client_connect(target, opts.open_timeout, &[]).await {
            out.verdict.behavior = Behavior::Failed;
            out.verdict.result = format!(
                "After this request the server no longer accepts a standard opening handshake: {}.",
                e.reason
            );
        }
    }
    out.duration_ms = ms(start);
    out
}

/// Writes the request (in pieces, or half of it) and reads what comes back
/// within `wait`.
async fn exchange(mut stream: Stream, bytes: &[u8], chop: Option<usize>, cut: bool, wait: Duration) -> (Stream, Reply) {
    let written = if cut {
        stream.write_all(&bytes[..bytes.len() / 2]).await
    } else {
        write_chopped(&mut stream, bytes, chop).await
    };
    // A server may answer and close before it has read all of a large
    // request; what it said is still worth reading.
    let _ = written;
    let wait = if cut { CUT_WAIT } else { wait };
    let reply = tokio::time::timeout(wait, read_reply(&mut stream))
        .await
        .unwrap_or(Reply::Silent);
    (stream, reply)
}

async fn write_chopped(stream: &mut Stream, bytes: &[u8], chop: Option<usize>) -> std::io::Result<()> {
    match chop {
        Some(n) if n > 0 => {
            for piece in bytes.chunks(n) {
                stream.write_all(piece).await?;
                tokio::time::sleep(CHOP_PAUSE).await;
            }
            Ok(())
        }
        _ => stream.write_all(bytes).await,
    }
}

async fn read_reply(stream: &mut Stream) -> Reply {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) if buf.is_empty() => return Reply::Closed,
            Ok(0) | Err(_) => return Reply::NotHttp("the answer ended before its head did".into()),
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        match handshake::parse_any_response(&buf) {
            Ok(Some((head, used))) => {
                return Reply::Http {
                    rest: buf[used..].to_vec(),
                    head,
                };
            }
            Ok(None) => {}
            Err(e) => return Reply::NotHttp(e),
        }
    }
}

/// The verdict on a server's reply, its reason, and, when the connection
/// upgraded properly, what permessage-deflate it agreed to (the echo runs).
type Judged = (Behavior, String, Option<Option<crate::wire::deflate::Agreement>>);

fn judge_server(must: ServerMust, cut: bool, reply: &Reply, key: &str, sent: &Head, wait: Duration) -> Judged {
    use Behavior::{Failed, Informational, NonStrict, Unimplemented};
    let upgraded = match reply {
        Reply::Http { head, .. } if head.status == 101 => {
            Some(handshake::verify_upgrade(head, key).and_then(|_| check_agreement(sent, head)))
        }
        _ => None,
    };
    let no_answer = match reply {
        Reply::Http { .. } => None,
        Reply::Closed => Some("closed the connection without an HTTP answer".to_string()),
        Reply::Silent if cut => Some(format!("waited for the rest of the request for {CUT_WAIT:?}")),
        Reply::Silent => Some(format!("neither answered nor closed within {wait:?}")),
        Reply::NotHttp(e) => Some(format!("answered with something that is not an HTTP head ({e})")),
    };
    let status = match reply {
        Reply::Http { head, .. } => head.status,
        _ => 0,
    };
    match (must, upgraded.clone(), no_answer) {
        (ServerMust::Survive, Some(Err(e)), _) => (Failed, format!("The server answered 101, but {e}."), None),
        (ServerMust::Survive, Some(Ok(a)), _) => (Informational, "The server upgraded the connection.".into(), Some(a)),
        (ServerMust::Survive, _, Some(what)) if cut || matches!(reply, Reply::Closed) => {
            (Informational, format!("The server {what}."), None)
        }
        (ServerMust::Survive, _, Some(what)) => (Failed, format!("The server {what}: a server must not hang."), None),
        (ServerMust::Survive, _, None) => (Informational, format!("The server answered HTTP {status}."), None),
        (ServerMust::OldVersion, Some(Ok(a)), _) => (
            Informational,
            "The server upgraded: it speaks that version (hybi-08).".into(),
            Some(a),
        ),
        (ServerMust::Refuse | ServerMust::RefuseVersion | ServerMust::OldVersion, Some(_), _) => (
            Failed,
            "The server upgraded (101) a request it MUST refuse.".into(),
            None,
        ),
        (ServerMust::Refuse | ServerMust::RefuseVersion | ServerMust::OldVersion, None, Some(what)) => (
            NonStrict,
            format!("The server refused, but {what}: the RFC asks for an HTTP error status."),
            None,
        ),
        (ServerMust::RefuseVersion | ServerMust::OldVersion, None, None) => {
            let Reply::Http { head, .. } = reply else {
                unreachable!()
            };
            if head.has_token("sec-websocket-version", "13") {
                (
                    Behavior::Ok,
                    format!("The server refused with HTTP {status} and Sec-WebSocket-Version: 13."),
                    None,
                )
            } else {
                (
                    Failed,
                    format!(
                        "The server refused with HTTP {status} but without a Sec-WebSocket-Version header naming 13, which RFC 6455 §4.4 requires."
                    ),
                    None,
                )
            }
        }
        (ServerMust::Refuse, None, None) => (Behavior::Ok, format!("The server refused with HTTP {status}."), None),
        (ServerMust::Decline, Some(Ok(None)), _) => (
            Behavior::Ok,
            "The server upgraded without permessage-deflate: it declined the offer.".into(),
            Some(None),
        ),
        (ServerMust::Decline, Some(Ok(Some(_))) | Some(Err(_)), _) => {
            (Failed, format!("The server {}.", answer_fault(upgraded.as_ref())), None)
        }
        (ServerMust::Decline, None, None) => (
            Behavior::Ok,
            format!("The server refused the handshake (HTTP {status}): it declined the offer."),
            None,
        ),
        (ServerMust::Decline, None, Some(what)) => (
            NonStrict,
            format!("The server {what}; declining the offer needs no more than leaving it out of a 101."),
            None,
        ),
        (ServerMust::DeflateNext | ServerMust::UpgradeOrRefuse, None, refused) => (
            NonStrict,
            format!(
                "The server refused the handshake ({}); it could have taken it, {}.",
                refused.unwrap_or_else(|| format!("HTTP {status}")),
                if must == ServerMust::DeflateNext {
                    "declining the invalid first offer and taking the next"
                } else {
                    "agreeing to no subprotocol"
                }
            ),
            None,
        ),
        (
            ServerMust::Upgrade | ServerMust::UpgradeOrRefuse | ServerMust::Deflate | ServerMust::DeflateNext,
            Some(Err(_)),
            _,
        ) => (Failed, format!("The server {}.", answer_fault(upgraded.as_ref())), None),
        (ServerMust::Deflate | ServerMust::DeflateNext, Some(Ok(None)), _) => (
            Unimplemented,
            "The server upgraded without permessage-deflate.".into(),
            Some(None),
        ),
        (
            ServerMust::Upgrade | ServerMust::UpgradeOrRefuse | ServerMust::Deflate | ServerMust::DeflateNext,
            Some(Ok(a)),
            _,
        ) => (Behavior::Ok, "The server's answer fits the request.".into(), Some(a)),
        (ServerMust::Upgrade | ServerMust::Deflate, None, None) => (
            Failed,
            format!("The server refused a valid request with HTTP {status}."),
            None,
        ),
        (ServerMust::Upgrade | ServerMust::Deflate, None, Some(what)) => {
            (Failed, format!("The server {what} where it MUST upgrade."), None)
        }
    }
}

fn answer_fault(upgraded: Option<&Result<Option<crate::wire::deflate::Agreement>, String>>) -> String {
    match upgraded {
        Some(Err(e)) => format!("answered 101, but {e}"),
        Some(Ok(Some(_))) => "agreed to permessage-deflate on an offer it MUST decline".into(),
        _ => "did not upgrade".into(),
    }
}

/// A handshake verdict at the case's level: a broken SHOULD is NON-STRICT.
fn verdict_of(level: Level, behavior: Behavior, reason: &str) -> Verdict {
    let behavior = match (level, behavior) {
        (Level::Should, Behavior::Failed) => Behavior::NonStrict,
        (_, b) => b,
    };
    Verdict {
        behavior,
        behavior_close: Behavior::Ok,
        result: reason.to_string(),
        result_close: "No WebSocket connection was opened.".into(),
    }
}

/// The handshake's verdict with the echo's: the worse `behavior` and its
/// reason; the echo's `behaviorClose`.
fn combine(hs: Verdict, echo: &Verdict) -> Verdict {
    let (behavior, result) = match (hs.behavior, echo.behavior) {
        (h, Behavior::Ok) => (h, format!("{} The message was echoed.", hs.result)),
        (h, e) => (
            worse(h, e),
            format!("{} But the message sent on the connection was not echoed.", hs.result),
        ),
    };
    Verdict {
        behavior,
        behavior_close: echo.behavior_close,
        result,
        result_close: echo.result_close.clone(),
    }
}

fn worse(a: Behavior, b: Behavior) -> Behavior {
    if a == Behavior::Failed || b == Behavior::Failed {
        Behavior::Failed
    } else {
        a.max(b)
    }
}

fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

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
    let other_key = handshake::new_key();
    let fill = |name: &str| match name {
        "accept" => Some(handshake::accept_for(key)),
        "wrong_accept" => Some(handshake::accept_for(&other_key)),
        "key" => Some(key.to_string()),
        _ => None,
    };
    let answer_bytes = opening::render(&answer.lines, &fill);
    let answer_head = handshake::parse_any_response(&answer_bytes)
        .ok()
        .flatten()
        .map(|h| h.0)
        .unwrap_or_default();
    // Whether this answer is one the client may take, given its offers.
    let valid = handshake::verify_upgrade(&answer_head, key).and_then(|_| check_agreement(head, &answer_head));
    let mut bytes = answer_bytes.clone();
    if answer.message_behind || *must == ClientMust::Fail {
        bytes.extend(opening::probe_frame(false));
    }
    let mut out = CaseOutcome::unopened(case, index, agent, started.clone(), 0, "");
    out.http_request = String::from_utf8_lossy(&head.raw).into_owned();
    out.http_response = String::from_utf8_lossy(&answer_bytes).into_owned();
    out.is_server = true;
    out.reached = true;
    out.tls = stream.tls_summary();
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
            let (b, reason) = watch_failing(&mut stream, &rest).await;
            out.verdict = verdict_of(o.level, b, &format!("Our answer is one to fail: {why}. {reason}"));
            out.verdict.result_close = "No WebSocket connection was to open.".into();
            out.duration_ms = ms(start);
            out
        }
        (_, valid) => {
            let agreement = valid.as_ref().ok().cloned().flatten();
            let opened = Opened {
                stream,
                rest,
                agreement,
                findings: Vec::new(),
                http_request: out.http_request.clone(),
                http_response: out.http_response.clone(),
                started,
            };
            let mut echoed = run_opened(case, index, Role::Server, opened, agent, opts, None).await;
            if *must == ClientMust::Fail {
                // The client's own offers make this answer a valid one.
                echoed.verdict.behavior = Behavior::Informational;
                echoed.verdict.result =
                    "Not applicable: given the client's offers, this answer is one it may take.".into();
            } else if let Err(why) = valid {
                echoed.verdict.behavior = Behavior::Failed;
                echoed.verdict.result = format!("wsspec's own answer is wrong for this client: {why}.");
            } else if echoed.verdict.behavior == Behavior::Ok {
                echoed.verdict.result = "The client took the connection and echoed the message.".into();
            } else {
                echoed.verdict.result =
                    "The client did not take the connection: the message after an answer it MUST take was not echoed."
                        .into();
            }
            echoed
        }
    }
}

/// Watches a client that must fail the connection: its echo of the probe
/// message fails the case; a close (TCP or frame) passes it.
async fn watch_failing(stream: &mut Stream, rest: &[u8]) -> (Behavior, String) {
    let mut decoder = Decoder::default();
    decoder.feed(rest);
    let mut chunk = [0u8; 4096];
    let mut text = Vec::new();
    let mut op = 0u8;
    let deadline = tokio::time::Instant::now() + FAIL_WAIT;
    loop {
        while let Some(piece) = decoder.next_piece() {
            match piece {
                Piece::Header(h, _) => {
                    op = h.opcode;
                    if op == opcode::CLOSE {
                        return (
                            Behavior::Ok,
                            "The client failed the connection with a close frame.".into(),
                        );
                    }
                }
                Piece::Data(d) if op == opcode::TEXT || op == opcode::CONTINUATION => {
                    if text.len() < 1024 {
                        text.extend_from_slice(&d);
                    }
                }
                Piece::Data(_) => {}
                Piece::End => {
                    if text == opening::PROBE.as_bytes() {
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
            Ok(Ok(n)) => decoder.feed(&chunk[..n]),
            Err(_) => {
                return (
                    Behavior::NonStrict,
                    format!("The client neither echoed nor closed the connection within {FAIL_WAIT:?}."),
                );
            }
        }
    }
}
