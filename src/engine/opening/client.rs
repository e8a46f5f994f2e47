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
    let mut bytes = answer_bytes.clone();
    if answer.message_behind || *must == ClientMust::Fail {
        bytes.extend(spec::probe_frame(false));
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
            judge_taken(&mut echoed.verdict, *must, valid);
            echoed
        }
    }
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
    if must == ClientMust::Fail {
        // The client's own offers make this answer a valid one.
        verdict.behavior = Behavior::Informational;
        verdict.result = "Not applicable: given the client's offers, this answer is one it may take.".into();
    } else if let Err(why) = valid {
        verdict.behavior = Behavior::Failed;
        verdict.result = format!("wsspec's own answer is wrong for this client: {why}.");
    } else if verdict.behavior == Behavior::Ok {
        verdict.result = "The client took the connection and echoed the message.".into();
    } else {
        verdict.result =
            "The client did not take the connection: the message after an answer it MUST take was not echoed.".into();
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
                    if text == spec::PROBE.as_bytes() {
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
