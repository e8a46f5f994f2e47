//! Drives the RFC 8441 section (`h2.*`) against a server: each case on an
//! HTTP/2 connection of its own (cleartext with prior knowledge for
//! `ws://`, TLS with ALPN `h2` for `wss://`), written frame by frame
//! (`conn`), and judged by the clause it quotes.
//!
//! Verdict rules, each on its clause's words: a request the server must
//! take gets a 2xx and then an echo on the stream (FAILED otherwise); a
//! malformed one gets RST_STREAM or an error status (a 2xx is FAILED; a
//! connection error is allowed, RFC 9113 §5.4.1 lets an endpoint treat a
//! stream error so, and noted); a stream's end is END_STREAM after the
//! closing handshake, RST_STREAM counting as an exception (NON-STRICT); a
//! reset or GOAWAY ends one WebSocket, never the others. A SHOULD broken is
//! NON-STRICT; an INFORMATIONAL case records what happened.

mod conn;
mod mux;

use std::time::Duration;

use tokio::time::Instant;

use super::outcome::CaseOutcome;
use super::share::Turn;
use super::verdict::Verdict;
use crate::catalogue::h2_bootstrap::{Act, Answer, Fields, extended_connect};
use crate::catalogue::opening::Level;
use crate::catalogue::{Behavior, Case};
use crate::engine::SessionOptions;
use crate::target::Target;
use crate::wire::h2::error_name;

use conn::{Conn, Gone};
use mux::{Heard, Mux, Reply};

/// How long an echo, a close or the end of a stream may take.
const ECHO_WAIT: Duration = Duration::from_secs(2);
/// How long the large messages of h2.4 may take both ways.
const LARGE_WAIT: Duration = Duration::from_secs(60);
/// The message every WebSocket of the section echoes.
const PROBE: &str = "Hello over HTTP/2, from wsspec";

/// A case's result before the level: the behavior, and why.
type Judged = (Behavior, String);

/// Runs one case of the section against `target`.
pub async fn run_against_server(
    case: &Case,
    index: usize,
    target: &Target,
    agent: &str,
    opts: &SessionOptions,
    _turn: Option<&mut Turn>,
) -> CaseOutcome {
    let started = crate::clock::utc_now();
    let start = std::time::Instant::now();
    let spec = case.rfc8441.as_ref().expect("an h2 case has its act");
    let ms = |s: std::time::Instant| s.elapsed().as_millis() as u64;
    let mut mux = match open(target, opts.open_timeout).await {
        Ok(m) => m,
        Err(why) => return CaseOutcome::unopened(case, index, agent, started, ms(start), &why),
    };
    let mut out = CaseOutcome::unopened(case, index, agent, started, 0, "");
    out.reached = true;
    out.tls = mux.conn.tls.clone();
    let judged = match mux.conn.peer.enable_connect_protocol {
        _ if spec.act == Act::Settings => settings(&mux.conn),
        Some(1) => act(&mut mux, &spec.act, target, opts, &mut out).await,
        other => (
            Behavior::Failed,
            format!(
                "The server's SETTINGS do not allow the extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL {}), so no WebSocket can open over HTTP/2.",
                other.map_or("absent".to_string(), |v| format!("= {v}"))
            ),
        ),
    };
    let mut judged = judged;
    if let Some(o) = &mux.conn.overrun {
        judged = (
            Behavior::Failed,
            format!("{} But the server sent beyond our window: {o}.", judged.1),
        );
    }
    out.verdict = verdict_of(spec.level, judged);
    // What a user reads when the case is not OK: the frames both ways.
    if out.verdict.behavior != Behavior::Ok {
        out.findings.push(format!("HTTP/2 frames: {}", mux.conn.trace_line()));
    }
    out.duration_ms = ms(start);
    out
}

/// An HTTP/2 connection to the target, within `bound`.
async fn open(target: &Target, bound: Duration) -> Result<Mux, String> {
    let fut = async {
        let tcp = super::connect::tcp_connect(target).await.map_err(|e| e.reason)?;
        let (io, tls) = match &target.tls {
            None => (crate::tls::Stream::Plain(tcp), None),
            Some(config) => {
                let mut config = (**config).clone();
                config.alpn_protocols = vec![b"h2".to_vec()];
                let s = crate::tls::connect_raw(std::sync::Arc::new(config), &target.server_name, tcp).await?;
                let session = s.get_ref().1;
                if session.alpn_protocol() != Some(b"h2") {
                    return Err("the TLS server did not agree to h2 by ALPN".to_string());
                }
                let summary =
                    crate::tls::session_summary(session.protocol_version(), session.negotiated_cipher_suite());
                (crate::tls::Stream::Client(Box::new(s)), Some(summary))
            }
        };
        let mut conn = Conn::open(io).await?;
        conn.tls = tls;
        Ok(Mux::new(conn))
    };
    tokio::time::timeout(bound, fut)
        .await
        .unwrap_or_else(|_| Err(format!("no HTTP/2 connection within {bound:?}")))
}

fn settings(conn: &Conn) -> Judged {
    match conn.peer.enable_connect_protocol {
        Some(1) => (
            Behavior::Ok,
            "The server's SETTINGS carry SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.".into(),
        ),
        Some(0) | None => (
            Behavior::Failed,
            "The server's SETTINGS do not allow the extended CONNECT: no SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.".into(),
        ),
        Some(v) => (
            Behavior::Failed,
            format!("The server sent SETTINGS_ENABLE_CONNECT_PROTOCOL = {v}, where its value MUST be 0 or 1."),
        ),
    }
}

/// The level decides what a broken rule costs.
fn verdict_of(level: Level, (behavior, result): Judged) -> Verdict {
    let behavior = match (level, behavior) {
        (Level::Should, Behavior::Failed) => Behavior::NonStrict,
        (Level::Info, _) => Behavior::Informational,
        (_, b) => b,
    };
    Verdict {
        behavior,
        behavior_close: Behavior::Ok,
        result,
        result_close: "The case judges the HTTP/2 stream, not a closing handshake; its frames are in the findings."
            .into(),
        difference: None,
    }
}

/// `fields` for `target`: `{scheme}`, `{authority}` and `{path}` filled in.
fn filled(fields: &Fields, target: &Target) -> Vec<(String, String)> {
    let scheme = if target.tls.is_some() { "https" } else { "http" };
    fields
        .0
        .iter()
        .map(|(n, v)| {
            let v = v
                .replace("{scheme}", scheme)
                .replace("{authority}", &target.host)
                .replace("{path}", &target.resource);
            (n.clone(), v)
        })
        .collect()
}

fn as_text(fields: &[(String, String)]) -> String {
    let mut s: String = fields.iter().map(|(n, v)| format!("{n}: {v}\r\n")).collect();
    s.push_str("\r\n");
    s
}

/// Runs the case's act on an open connection whose server allows the
/// extended CONNECT.
async fn act(mux: &mut Mux, act: &Act, target: &Target, opts: &SessionOptions, out: &mut CaseOutcome) -> Judged {
    let std = filled(&extended_connect(), target);
    out.http_request = as_text(&std);
    match act {
        Act::Settings => settings(&mux.conn),
        Act::Request(fields, answer) => {
            let fields = filled(fields, target);
            out.http_request = as_text(&fields);
            request(mux, &fields, *answer, opts, out).await
        }
        Act::CloseThenEndStream => match websocket(mux, &std, opts, out).await {
            Ok(id) => close_then_end_stream(mux, id).await,
            Err(j) => j,
        },
        Act::ResetThenAnother => match websocket(mux, &std, opts, out).await {
            Ok(id) => reset_then_another(mux, id, &std, opts).await,
            Err(j) => j,
        },
        Act::EndStreamWithoutClose => match websocket(mux, &std, opts, out).await {
            Ok(id) => end_stream_without_close(mux, id).await,
            Err(j) => j,
        },
        Act::GoawayWhileOpen => match websocket(mux, &std, opts, out).await {
            Ok(id) => goaway_while_open(mux, id).await,
            Err(j) => j,
        },
        Act::AnotherAfterClose => match websocket(mux, &std, opts, out).await {
            Ok(id) => another_after_close(mux, id, &std, opts).await,
            Err(j) => j,
        },
        Act::Interleaved(n) => interleaved(mux, *n, &std, opts).await,
        Act::Large { len, frame } => match websocket(mux, &std, opts, out).await {
            Ok(id) => large(mux, id, *len, *frame).await,
            Err(j) => j,
        },
    }
}

/// A masked client frame.
fn ws_frame(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
    let mut h = crate::wire::frame::FrameHeader::new(opcode, fin, payload.len() as u64);
    h.mask = Some(crate::wire::mask::random_key());
    crate::wire::frame::encode(&h, payload)
}

/// Opens a WebSocket with `fields` and checks it echoes; `Err` is the
/// case's result when it does not open.
async fn websocket(
    mux: &mut Mux,
    fields: &[(String, String)],
    opts: &SessionOptions,
    out: &mut CaseOutcome,
) -> Result<u32, Judged> {
    let id = mux.conn.request(fields).await.map_err(|g| gone(&g))?;
    match mux.answer(id, Instant::now() + opts.open_timeout).await {
        Reply::Status(status, answer) if (200..300).contains(&status) => {
            out.http_response = status_text(status, &answer);
            echo(mux, id).await.map(|_| id)
        }
        other => Err((
            Behavior::Failed,
            format!("The standard extended CONNECT was not taken: {}.", other.say()),
        )),
    }
}

fn status_text(status: u16, fields: &[(String, String)]) -> String {
    format!(":status: {status}\r\n{}", as_text(fields))
}

fn gone(g: &Gone) -> Judged {
    (Behavior::Failed, format!("The connection ended: {}.", g.say(ECHO_WAIT)))
}

/// Sends the probe on `id` and waits for its echo.
async fn echo(mux: &mut Mux, id: u32) -> Result<(), Judged> {
    let frame = ws_frame(1, true, PROBE.as_bytes());
    let deadline = Instant::now() + ECHO_WAIT;
    mux.conn
        .send(id, &frame, frame.len(), deadline)
        .await
        .map_err(|g| gone(&g))?;
    match mux.hear(id, deadline).await {
        Heard::Message(1, text) if text == PROBE.as_bytes() => Ok(()),
        other => Err((
            Behavior::Failed,
            format!(
                "The WebSocket opened, but the message sent on it was not echoed: {}.",
                other.say(ECHO_WAIT)
            ),
        )),
    }
}

async fn request(
    mux: &mut Mux,
    fields: &[(String, String)],
    answer: Answer,
    opts: &SessionOptions,
    out: &mut CaseOutcome,
) -> Judged {
    let id = match mux.conn.request(fields).await {
        Ok(id) => id,
        Err(g) => return gone(&g),
    };
    let reply = mux.answer(id, Instant::now() + opts.open_timeout).await;
    if let Reply::Status(status, f) = &reply {
        out.http_response = status_text(*status, f);
    }
    match answer {
        Answer::Refuse | Answer::RefuseVersion => refused(mux, id, reply, answer).await,
        _ => taken(mux, id, reply, answer).await,
    }
}

async fn refused(mux: &mut Mux, id: u32, reply: Reply, answer: Answer) -> Judged {
    match reply {
        Reply::Status(s, _) if (200..300).contains(&s) => {
            let echoed = echo(mux, id).await.is_ok();
            let then = if echoed { " and echoed a message on it" } else { "" };
            (
                Behavior::Failed,
                format!("The server took the request it must refuse: it answered {s}{then}."),
            )
        }
        Reply::Status(s, f) if answer == Answer::RefuseVersion => {
            let names = f
                .iter()
                .any(|(n, v)| n == "sec-websocket-version" && v.split(',').any(|x| x.trim() == "13"));
            if names {
                (Behavior::Ok, format!("The server refused with {s}, naming version 13."))
            } else {
                (
                    Behavior::Failed,
                    format!("The server refused with {s}, but its answer has no sec-websocket-version naming 13."),
                )
            }
        }
        Reply::Status(s, _) => (Behavior::Ok, format!("The server refused with {s}.")),
        Reply::Reset(code) if answer == Answer::RefuseVersion => (
            Behavior::Failed,
            format!(
                "The server reset the stream ({}) where it must answer with an error status naming version 13.",
                error_name(code)
            ),
        ),
        Reply::Reset(1) => (Behavior::Ok, "The server reset the stream with PROTOCOL_ERROR.".into()),
        Reply::Reset(code) => (
            Behavior::NonStrict,
            format!(
                "The server reset the stream with {}, where a malformed request is a stream error of type PROTOCOL_ERROR.",
                error_name(code)
            ),
        ),
        Reply::GoAway(code) | Reply::Gone(_, Some(code)) => (
            Behavior::Ok,
            format!(
                "The server ended the whole connection (GOAWAY {}): a stream error treated as a connection error, which RFC 9113 §5.4.1 allows.",
                error_name(code)
            ),
        ),
        other => (
            Behavior::Failed,
            format!("The server did not refuse the request: {}.", other.say()),
        ),
    }
}

async fn taken(mux: &mut Mux, id: u32, reply: Reply, answer: Answer) -> Judged {
    let (status, fields) = match reply {
        Reply::Status(s, f) if (200..300).contains(&s) => (s, f),
        other => {
            return (
                Behavior::Failed,
                format!("The server did not take the request: {}.", other.say()),
            );
        }
    };
    let get = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let mut note = String::new();
    match answer {
        Answer::TakeWithoutConnectionFields => {
            let bad: Vec<&str> = [
                "connection",
                "upgrade",
                "keep-alive",
                "proxy-connection",
                "transfer-encoding",
            ]
            .into_iter()
            .filter(|n| get(n).is_some())
            .collect();
            if !bad.is_empty() {
                return (
                    Behavior::Failed,
                    format!("The server's {status} answer carries {}.", bad.join(", ")),
                );
            }
        }
        Answer::TakeKeyless => {
            if let Some(a) = get("sec-websocket-accept") {
                note = format!(" Its answer carries sec-websocket-accept: {a}, which RFC 8441 has no use for.");
            }
        }
        Answer::TakeOfferedSubprotocol => match get("sec-websocket-protocol") {
            Some(p) if p == "chat" || p == "superchat" => note = format!(" It chose the subprotocol {p}."),
            Some(p) => {
                return (
                    Behavior::Failed,
                    format!("The server chose the subprotocol {p:?}, which was not offered."),
                );
            }
            None => note = " It chose no subprotocol.".into(),
        },
        Answer::TakeDeflateOffer => {
            let head = crate::wire::handshake::Head {
                status,
                version: 2,
                headers: fields.clone(),
                ..Default::default()
            };
            let offer = crate::wire::deflate::Offer::default();
            match crate::wire::handshake::verify_agreement(&head, &[offer]) {
                Ok(a) if a.agreement.is_some() => note = " It agreed to permessage-deflate.".into(),
                Ok(_) => note = " It declined permessage-deflate.".into(),
                Err(e) => return (Behavior::Failed, format!("The server's answer is wrong: {e}.")),
            }
        }
        _ => {}
    }
    match echo(mux, id).await {
        Ok(()) => (
            Behavior::Ok,
            format!("The server answered {status} and echoed the message.{note}"),
        ),
        Err(j) => j,
    }
}

/// Our close frame, the peer's, then its END_STREAM after ours.
async fn close_then_end_stream(mux: &mut Mux, id: u32) -> Judged {
    let close = ws_frame(8, true, &1000u16.to_be_bytes());
    let deadline = Instant::now() + ECHO_WAIT;
    if let Err(g) = mux.conn.send(id, &close, close.len(), deadline).await {
        return gone(&g);
    }
    match mux.hear(id, deadline).await {
        Heard::Close(code) => {
            let _ = mux.conn.end_stream(id).await;
            let said = code.map_or("no code".to_string(), |c| c.to_string());
            match mux.hear(id, Instant::now() + ECHO_WAIT).await {
                Heard::EndStream => (
                    Behavior::Ok,
                    format!("The server answered our close ({said}) and ended its stream."),
                ),
                Heard::Reset(c) => (
                    Behavior::NonStrict,
                    format!(
                        "The server answered our close ({said}) but reset the stream ({}) where an orderly close is END_STREAM.",
                        error_name(c)
                    ),
                ),
                other => (
                    Behavior::Failed,
                    format!(
                        "The server answered our close ({said}) but did not end its stream: {}.",
                        other.say(ECHO_WAIT)
                    ),
                ),
            }
        }
        other => (
            Behavior::Failed,
            format!("The server did not answer our close frame: {}.", other.say(ECHO_WAIT)),
        ),
    }
}

/// Half a frame, a reset, then a second WebSocket on the same connection.
async fn reset_then_another(mux: &mut Mux, id: u32, std: &[(String, String)], opts: &SessionOptions) -> Judged {
    let frame = ws_frame(1, true, &[b'x'; 100]);
    let deadline = Instant::now() + ECHO_WAIT;
    if let Err(g) = mux.conn.send(id, &frame[..50], 50, deadline).await {
        return gone(&g);
    }
    if let Err(g) = mux.conn.reset(id, 8).await {
        return gone(&g);
    }
    second(mux, std, opts, "after the first was reset").await
}

/// A second WebSocket on the connection: it opens and echoes.
async fn second(mux: &mut Mux, std: &[(String, String)], opts: &SessionOptions, when: &str) -> Judged {
    let id = match mux.conn.request(std).await {
        Ok(id) => id,
        Err(g) => {
            return (
                Behavior::Failed,
                format!("No second WebSocket could be asked for {when}: {}.", g.say(ECHO_WAIT)),
            );
        }
    };
    match mux.answer(id, Instant::now() + opts.open_timeout).await {
        Reply::Status(s, _) if (200..300).contains(&s) => match echo(mux, id).await {
            Ok(()) => (
                Behavior::Ok,
                format!("A second WebSocket {when} opened on stream {id} and echoed."),
            ),
            Err((b, why)) => (b, format!("A second WebSocket {when} opened, but: {why}")),
        },
        other => (
            Behavior::Failed,
            format!("A second WebSocket {when} did not open: {}.", other.say()),
        ),
    }
}

async fn end_stream_without_close(mux: &mut Mux, id: u32) -> Judged {
    if let Err(g) = mux.conn.end_stream(id).await {
        return gone(&g);
    }
    let deadline = Instant::now() + ECHO_WAIT;
    let mut closed = false;
    loop {
        match mux.hear(id, deadline).await {
            Heard::Close(_) => closed = true,
            Heard::EndStream => {
                let how = if closed {
                    "sent a close frame and ended"
                } else {
                    "ended"
                };
                return (Behavior::Ok, format!("The server {how} its side of the stream."));
            }
            Heard::Reset(c) => {
                return (
                    Behavior::Ok,
                    format!("The server reset the stream ({}).", error_name(c)),
                );
            }
            other => {
                return (
                    Behavior::Failed,
                    format!(
                        "The server kept its side of the stream open after ours ended: {}.",
                        other.say(ECHO_WAIT)
                    ),
                );
            }
        }
    }
}

async fn goaway_while_open(mux: &mut Mux, id: u32) -> Judged {
    if let Err(g) = mux.conn.goaway(0).await {
        return gone(&g);
    }
    match echo(mux, id).await {
        Ok(()) => (Behavior::Ok, "After our GOAWAY the open WebSocket still echoed.".into()),
        Err((b, why)) => (b, format!("After our GOAWAY: {why}")),
    }
}

async fn another_after_close(mux: &mut Mux, id: u32, std: &[(String, String)], opts: &SessionOptions) -> Judged {
    let (b, why) = close_then_end_stream(mux, id).await;
    if b == Behavior::Failed {
        return (b, why);
    }
    second(mux, std, opts, "after the first closed").await
}

/// `n` WebSockets (fewer if the server allows fewer streams), their
/// messages sent in 100-octet DATA frames taking turns.
async fn interleaved(mux: &mut Mux, n: usize, std: &[(String, String)], opts: &SessionOptions) -> Judged {
    let n = n
        .min(mux.conn.peer.max_concurrent_streams.map_or(n, |m| m as usize))
        .max(1);
    let mut ids = Vec::new();
    for _ in 0..n {
        match mux.conn.request(std).await {
            Ok(id) => ids.push(id),
            Err(g) => return gone(&g),
        }
    }
    for &id in &ids {
        match mux.answer(id, Instant::now() + opts.open_timeout).await {
            Reply::Status(s, _) if (200..300).contains(&s) => {}
            other => {
                return (
                    Behavior::Failed,
                    format!("WebSocket on stream {id} of {n} did not open: {}.", other.say()),
                );
            }
        }
    }
    let messages: Vec<Vec<u8>> = ids
        .iter()
        .map(|id| crate::wire::frame::repeat_to(format!("stream {id}: wsspec interleaved; ").as_bytes(), 300))
        .collect();
    let frames: Vec<Vec<u8>> = messages.iter().map(|m| ws_frame(2, true, m)).collect();
    let deadline = Instant::now() + ECHO_WAIT;
    for at in (0..frames[0].len()).step_by(100) {
        for (i, &id) in ids.iter().enumerate() {
            let piece = &frames[i][at..(at + 100).min(frames[i].len())];
            if let Err(g) = mux.conn.send(id, piece, 100, deadline).await {
                return gone(&g);
            }
        }
    }
    for (i, &id) in ids.iter().enumerate() {
        match mux.hear(id, deadline).await {
            Heard::Message(2, m) if m == messages[i] => {}
            other => {
                return (
                    Behavior::Failed,
                    format!("Stream {id} did not echo its own message: {}.", other.say(ECHO_WAIT)),
                );
            }
        }
    }
    (
        Behavior::Ok,
        format!("{n} WebSockets on one connection each echoed their own message."),
    )
}

/// A large binary message both ways through the windows.
async fn large(mux: &mut Mux, id: u32, len: usize, frame: usize) -> Judged {
    let message = crate::wire::frame::repeat_to(b"wsspec flow control ", len);
    let bytes = ws_frame(2, true, &message);
    let deadline = Instant::now() + LARGE_WAIT;
    let start = Instant::now();
    if let Err(g) = mux.conn.send(id, &bytes, frame, deadline).await {
        return (
            Behavior::Failed,
            format!("Sending the {len}-octet message stopped: {}.", g.say(LARGE_WAIT)),
        );
    }
    drop(bytes);
    match mux.hear(id, deadline).await {
        Heard::Message(2, m) if m == message => (
            Behavior::Ok,
            format!(
                "The {len}-octet message came back whole in {:.2} s.",
                start.elapsed().as_secs_f64()
            ),
        ),
        Heard::Message(op, m) => (
            Behavior::Failed,
            format!(
                "A message came back, but not ours: opcode {op}, {} octets of {len}.",
                m.len()
            ),
        ),
        other => (
            Behavior::Failed,
            format!("The {len}-octet message did not come back: {}.", other.say(LARGE_WAIT)),
        ),
    }
}
