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
    let (head_bytes, sent_head) = request_head(&request.lines, target, &key);
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
        // Closed before the next connection: a server that serves one
        // connection at a time is not held by this one.
        drop(stream);
    }
    if *must == ServerMust::Survive {
        still_serving(&mut out, target, opts.open_timeout).await;
    }
    out.duration_ms = ms(start);
    out
}

/// The case's request head with the target's resource and host, `key` and
/// our user agent filled in, and that head as parsed back (for the key and
/// offers a case may have written itself).
fn request_head(lines: &[String], target: &Target, key: &str) -> (Vec<u8>, Head) {
    let fill = |name: &str| match name {
        "resource" => Some(target.resource.clone()),
        "host" => Some(target.host.clone()),
        "key" => Some(key.to_string()),
        "agent" => Some(USER_AGENT.to_string()),
        _ => None,
    };
    let head_bytes = spec::render(lines, &fill);
    let sent_head = handshake::parse_request(&head_bytes)
        .ok()
        .flatten()
        .map(|h| h.0)
        .unwrap_or_default();
    (head_bytes, sent_head)
}

/// After a request a server must survive, it must still take a standard
/// opening handshake; the close verdict is only informational.
async fn still_serving(out: &mut CaseOutcome, target: &Target, open_timeout: Duration) {
    out.verdict.behavior_close = Behavior::Informational;
    if let Err(e) = client_connect(target, open_timeout, &[]).await {
        out.verdict.behavior = Behavior::Failed;
        out.verdict.result = format!(
            "After this request the server no longer accepts a standard opening handshake: {}.",
            e.reason
        );
    }
}

/// Writes the request (in pieces, or half of it) while reading what comes
/// back, within `wait`: a server may answer and close before it has read
/// all of a large request, and reading only after the last write would
/// let the reset that follows its close destroy the answer.
async fn exchange(stream: Stream, bytes: &[u8], chop: Option<usize>, cut: bool, wait: Duration) -> (Stream, Reply) {
    let (mut reader, mut writer) = tokio::io::split(stream);
    let reply = exchange_halves(&mut reader, &mut writer, bytes, chop, cut, wait).await;
    (reader.unsplit(writer), reply)
}

async fn exchange_halves(
    reader: &mut tokio::io::ReadHalf<Stream>,
    writer: &mut tokio::io::WriteHalf<Stream>,
    bytes: &[u8],
    chop: Option<usize>,
    cut: bool,
    wait: Duration,
) -> Reply {
    // Bounded, and its outcome is not the verdict: what the server said
    // matters, not whether it read everything.
    let write = tokio::time::timeout(wait, async {
        if cut {
            crate::tls::send(writer, &bytes[..bytes.len() / 2]).await
        } else {
            write_chopped(writer, bytes, chop).await
        }
    });
    let deadline = if cut { CUT_WAIT } else { wait };
    let read = tokio::time::timeout(deadline, read_reply(reader));
    tokio::pin!(write, read);
    let mut written = false;
    let reply = loop {
        tokio::select! {
            reply = &mut read => break reply.unwrap_or(Reply::Silent),
            _ = &mut write, if !written => written = true,
        }
    };
    // An upgrade carries on over this connection: what we were writing (a
    // message behind the request) is written whole.
    if !written && matches!(&reply, Reply::Http { head, .. } if head.status == 101) {
        let _ = write.await;
    }
    reply
}

async fn read_reply<R: tokio::io::AsyncRead + Unpin>(stream: &mut R) -> Reply {
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
    let a = Answered::of(reply, cut, key, sent, wait);
    match must {
        ServerMust::Survive => a.survived(),
        ServerMust::Refuse | ServerMust::RefuseVersion | ServerMust::OldVersion => a.refused(must, reply),
        ServerMust::Decline => a.declined(),
        ServerMust::MayRefuse => a.may_refuse(),
        ServerMust::Either => a.either(),
        ServerMust::Upgrade | ServerMust::UpgradeOrRefuse | ServerMust::Deflate | ServerMust::DeflateNext => {
            a.upgraded(must, sent)
        }
        ServerMust::DeflateFirst => a.deflate_first(sent, reply),
    }
}

/// What the server did instead of an HTTP answer, and how it weighs.
#[derive(Clone, Debug, PartialEq, Eq)]
enum NoAnswer {
    /// It closed the connection: §10.7 lets it drop a connection, where
    /// §4.2.1 asks for an error status (NON-STRICT on a refusal).
    Closed(String),
    /// It neither answered nor closed (or answered with something that is
    /// not HTTP): neither rule is met (FAILED).
    Silent(String),
}

impl NoAnswer {
    fn what(&self) -> &str {
        match self {
            NoAnswer::Closed(w) | NoAnswer::Silent(w) => w,
        }
    }
}

/// What the server's reply was, as the rules below read it.
struct Answered {
    /// For a 101 to WebSocket: whether the answer is a valid upgrade, with
    /// what it agreed to.
    upgraded: Option<Result<Option<crate::wire::deflate::Agreement>, String>>,
    /// For a 101 to another protocol (`Upgrade: h2c`): that protocol.
    switched: Option<String>,
    /// For no HTTP answer: what the server did instead.
    no_answer: Option<NoAnswer>,
    /// The HTTP status (0 without one).
    status: u16,
}

impl Answered {
    fn of(reply: &Reply, cut: bool, key: &str, sent: &Head, wait: Duration) -> Answered {
        let switched = match reply {
            Reply::Http { head, .. } if head.status == 101 => head
                .get("upgrade")
                .filter(|u| !u.split(',').any(|t| t.trim().eq_ignore_ascii_case("websocket")))
                .map(str::to_string),
            _ => None,
        };
        let upgraded = match reply {
            Reply::Http { head, .. } if head.status == 101 && switched.is_none() => {
                Some(handshake::verify_upgrade(head, key).and_then(|_| check_agreement(sent, head)))
            }
            _ => None,
        };
        let no_answer = match reply {
            Reply::Http { .. } => None,
            Reply::Closed => Some(NoAnswer::Closed("closed the connection without an HTTP answer".into())),
            Reply::Silent if cut => Some(NoAnswer::Closed(format!(
                "waited for the rest of the request for {CUT_WAIT:?}"
            ))),
            Reply::Silent => Some(NoAnswer::Silent(format!("neither answered nor closed within {wait:?}"))),
            Reply::NotHttp(e) => Some(NoAnswer::Silent(format!(
                "answered with something that is not an HTTP head ({e})"
            ))),
        };
        let status = match reply {
            Reply::Http { head, .. } => head.status,
            _ => 0,
        };
        Answered {
            upgraded,
            switched,
            no_answer,
            status,
        }
    }

    /// No clause says how a server answers this (RFC 6455 §10.7 lets it
    /// drop the connection): INFORMATIONAL, whatever it did, said.
    fn survived(self) -> Judged {
        let status = self.status;
        let info = |why: String| (Behavior::Informational, why);
        let (b, why) = match (self.upgraded, self.no_answer) {
            (Some(Err(e)), _) => info(format!("The server answered 101, but {e}.")),
            (Some(Ok(a)), _) => {
                return (
                    Behavior::Informational,
                    "The server upgraded the connection.".into(),
                    Some(a),
                );
            }
            (_, Some(n)) => info(format!("The server {}.", n.what())),
            (_, None) => info(format!("The server answered HTTP {status}.")),
        };
        (b, why, None)
    }

    /// A request the server MUST refuse with an error status (for a
    /// version it does not speak, naming the one it does): a 101 to
    /// WebSocket is FAILED; a 2xx is not a refusal (FAILED); a 3xx is not
    /// an error status (NON-STRICT); closing is NON-STRICT (§10.7 lets it
    /// drop the connection); silence is FAILED.
    fn refused(self, must: ServerMust, reply: &Reply) -> Judged {
        let status = self.status;
        if let Some(p) = &self.switched {
            return (
                Behavior::Ok,
                format!("The server switched to {p}, which the request also named: it did not upgrade to WebSocket."),
                None,
            );
        }
        match (self.upgraded, self.no_answer) {
            (Some(Ok(a)), _) if must == ServerMust::OldVersion => (
                Behavior::Informational,
                "The server upgraded: it speaks that version (hybi-08).".into(),
                Some(a),
            ),
            (Some(_), _) => (
                Behavior::Failed,
                "The server upgraded (101) a request it MUST refuse.".into(),
                None,
            ),
            (None, Some(NoAnswer::Closed(what))) => (
                Behavior::NonStrict,
                format!("The server refused, but {what}: the RFC asks for an HTTP error status."),
                None,
            ),
            (None, Some(NoAnswer::Silent(what))) => (
                Behavior::Failed,
                format!("The server {what}: a refusal is an HTTP error status, or at least a closed connection."),
                None,
            ),
            (None, None) if status < 300 => (
                Behavior::Failed,
                format!(
                    "The server answered HTTP {status}, as to a plain HTTP request: neither an upgrade nor an error status."
                ),
                None,
            ),
            (None, None) if status < 400 => (
                Behavior::NonStrict,
                format!("The server answered HTTP {status}, a redirect, where the RFC asks for an error status."),
                None,
            ),
            (None, None) if must == ServerMust::Refuse => {
                (Behavior::Ok, format!("The server refused with HTTP {status}."), None)
            }
            (None, None) => match reply {
                Reply::Http { head, .. } if head.has_token("sec-websocket-version", "13") => (
                    Behavior::Ok,
                    format!("The server refused with HTTP {status} and Sec-WebSocket-Version: 13."),
                    None,
                ),
                _ => (
                    Behavior::Failed,
                    format!(
                        "The server refused with HTTP {status} but without a Sec-WebSocket-Version header naming 13, which RFC 6455 §4.2.2 requires."
                    ),
                    None,
                ),
            },
        }
    }

    /// An offer the server MUST decline: by leaving it out of a 101
    /// (OK); refusing the whole handshake is more than that (NON-STRICT).
    fn declined(self) -> Judged {
        let status = self.status;
        match (&self.upgraded, self.no_answer) {
            (Some(Ok(None)), _) => (
                Behavior::Ok,
                "The server upgraded without permessage-deflate: it declined the offer.".into(),
                Some(None),
            ),
            (Some(_), _) => (
                Behavior::Failed,
                format!("The server {}.", answer_fault(self.upgraded.as_ref())),
                None,
            ),
            (None, Some(NoAnswer::Silent(what))) => (Behavior::Failed, format!("The server {what}."), None),
            (None, refused) => (
                Behavior::NonStrict,
                format!(
                    "The server refused the whole handshake ({}); declining the offer is leaving it out of a 101.",
                    refused.map_or_else(|| format!("HTTP {status}"), |n| n.what().to_string())
                ),
                None,
            ),
        }
    }

    /// Upgrade or refuse, INFORMATIONAL either way (an Origin the server
    /// need not serve); a refusal without an error status is judged as in
    /// `refused`.
    fn may_refuse(self) -> Judged {
        let status = self.status;
        match (&self.upgraded, &self.no_answer) {
            (Some(Ok(a)), _) => (Behavior::Informational, "The server upgraded.".into(), Some(*a)),
            (Some(Err(e)), _) => (Behavior::Failed, format!("The server answered 101, but {e}."), None),
            (None, Some(NoAnswer::Closed(what))) => (
                Behavior::NonStrict,
                format!("The server refused, but {what}: the RFC asks for an HTTP error status."),
                None,
            ),
            (None, Some(NoAnswer::Silent(what))) => (Behavior::Failed, format!("The server {what}."), None),
            (None, None) if (200..300).contains(&status) => (
                Behavior::Failed,
                format!("The server answered HTTP {status}: neither an upgrade nor an error status."),
                None,
            ),
            (None, None) => (
                Behavior::Informational,
                format!("The server refused with HTTP {status}."),
                None,
            ),
        }
    }

    /// Upgrade (with an answer that fits) or refuse with an error status:
    /// both are right.
    fn either(self) -> Judged {
        let status = self.status;
        match (&self.upgraded, &self.no_answer) {
            (Some(Ok(a)), _) => (Behavior::Ok, "The server upgraded.".into(), Some(*a)),
            (Some(Err(e)), _) => (Behavior::Failed, format!("The server answered 101, but {e}."), None),
            (None, Some(NoAnswer::Closed(what))) => (
                Behavior::NonStrict,
                format!("The server {what}: the RFC asks for 400 or an upgrade."),
                None,
            ),
            (None, Some(NoAnswer::Silent(what))) => (Behavior::Failed, format!("The server {what}."), None),
            (None, None) if status >= 400 => (Behavior::Ok, format!("The server refused with HTTP {status}."), None),
            (None, None) => (
                Behavior::Failed,
                format!("The server answered HTTP {status}: neither an upgrade nor an error status."),
                None,
            ),
        }
    }

    /// A valid request the server should upgrade (with permessage-deflate
    /// where it is offered). A 401 or a redirect is the server's to give
    /// (RFC 6455 §4.2.2 steps 2-3), as is a 403 to a request with an Origin.
    fn upgraded(self, must: ServerMust, sent: &Head) -> Judged {
        let status = self.status;
        let may_refuse = matches!(must, ServerMust::DeflateNext | ServerMust::UpgradeOrRefuse);
        let its_own = status == 401 || (300..400).contains(&status) || (status == 403 && sent.get("origin").is_some());
        match (&self.upgraded, self.no_answer) {
            (None, None) if its_own => (
                Behavior::Informational,
                format!(
                    "The server answered HTTP {status}, which RFC 6455 §4.2.2 lets it give (authentication, a redirect, an Origin it does not serve)."
                ),
                None,
            ),
            (None, refused) if may_refuse => (
                Behavior::NonStrict,
                format!(
                    "The server refused the handshake ({}); it could have taken it, {}.",
                    refused.map_or_else(|| format!("HTTP {status}"), |n| n.what().to_string()),
                    if must == ServerMust::DeflateNext {
                        "declining the invalid first offer and taking the next"
                    } else {
                        "agreeing to no subprotocol"
                    }
                ),
                None,
            ),
            (Some(Err(_)), _) => (
                Behavior::Failed,
                format!("The server {}.", answer_fault(self.upgraded.as_ref())),
                None,
            ),
            (Some(Ok(None)), _) if matches!(must, ServerMust::Deflate | ServerMust::DeflateNext) => (
                Behavior::Unimplemented,
                "The server upgraded without permessage-deflate.".into(),
                Some(None),
            ),
            (Some(Ok(a)), _) => (Behavior::Ok, "The server's answer fits the request.".into(), Some(*a)),
            (None, None) => (
                Behavior::Failed,
                format!("The server refused a valid request with HTTP {status}."),
                None,
            ),
            (None, Some(n)) => (
                Behavior::Failed,
                format!("The server {} where it MUST upgrade.", n.what()),
                None,
            ),
        }
    }

    /// Two offers a server with permessage-deflate can both take: the
    /// answer should fit the first (the client's preference).
    fn deflate_first(self, sent: &Head, reply: &Reply) -> Judged {
        let first_fits = match reply {
            Reply::Http { head, .. } => crate::wire::negotiation::fits_first_offer(sent, head),
            _ => false,
        };
        let (b, why, a) = self.upgraded(ServerMust::Deflate, sent);
        match (b, a) {
            (Behavior::Ok, Some(Some(_))) if !first_fits => (
                Behavior::NonStrict,
                "The server took the second offer where it could take the first, the client's preference.".into(),
                a,
            ),
            _ => (b, why, a),
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
