//! Testing servers: the case's request, the server's reply judged by the
//! clause the case cites, and the echo where a connection opens.

use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;

use super::{combine, ms, opening, verdict_of, write_chopped};
use crate::catalogue::opening::{self as spec, Exchange, ServerMust};
use crate::catalogue::{Behavior, Case};
use crate::clock::utc_now;
use crate::engine::connect::{client_connect, connect_stream};
use crate::engine::drive::{Opened, run_opened};
use crate::engine::outcome::CaseOutcome;
use crate::engine::session::{Role, SessionOptions};
use crate::engine::share::Turn;
use crate::engine::verdict::Departure;
use crate::target::{Target, USER_AGENT};
use crate::tls::Stream;
use crate::wire::handshake::{self, Head};
use crate::wire::negotiation::check_agreement;

/// How long a cut request is left hanging.
const CUT_WAIT: Duration = Duration::from_secs(2);

/// What a server did with a request.
enum Reply {
    Http { head: Head, rest: Vec<u8> },
    Closed,
    Silent,
    NotHttp(String),
}

/// Runs a handshake case against a server.
pub async fn run_against_server(
    case: &Case,
    index: usize,
    target: &Target,
    agent: &str,
    opts: &SessionOptions,
    turn: Option<&mut Turn>,
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
    let head_bytes = spec::render(&request.lines, &fill);
    let sent_head = handshake::parse_request(&head_bytes)
        .ok()
        .flatten()
        .map(|h| h.0)
        .unwrap_or_default();
    let mut bytes = head_bytes.clone();
    if request.message_behind {
        bytes.extend(spec::probe_frame(true));
    }
    let stream = match tokio::time::timeout(opts.open_timeout, connect_stream(target)).await {
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
    // No answer at all may be a crowded server; an answer is the server's own.
    let answered = !matches!(reply, Reply::Silent | Reply::Closed);
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
        let echoed = run_opened(case, index, Role::Client, opened, agent, opts, turn).await;
        verdict = combine(verdict, &echoed.verdict);
        out = CaseOutcome { verdict, ..echoed };
    } else {
        out.verdict = verdict;
        out.departure = if answered { Departure::Answer } else { Departure::Timing };
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
    // Bounded: a server that neither reads a large request nor closes
    // must not hold the case. It may also answer and close before it has
    // read all of it; what it said is still worth reading, so the outcome
    // of the write is not the verdict.
    let _ = tokio::time::timeout(wait, async {
        if cut {
            crate::tls::send(&mut stream, &bytes[..bytes.len() / 2]).await
        } else {
            write_chopped(&mut stream, bytes, chop).await
        }
    })
    .await;
    let wait = if cut { CUT_WAIT } else { wait };
    let reply = tokio::time::timeout(wait, read_reply(&mut stream))
        .await
        .unwrap_or(Reply::Silent);
    (stream, reply)
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
