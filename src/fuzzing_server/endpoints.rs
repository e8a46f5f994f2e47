//! One client connection: read the upgrade request, route it by path, and
//! either run a case or answer one of the driver protocol's questions.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Server;
use crate::clock::utc_now;
use crate::engine::drive::{Opened, run_opened};
use crate::engine::{CaseOutcome, Role};
use crate::tls::Stream;
use crate::wire::deflate::{self, Offer};
use crate::wire::frame::{FrameHeader, opcode};
use crate::wire::{close, handshake};

/// The page served at `/`: the driver protocol in a browser's own WebSocket.
const BROWSER_PAGE: &str = include_str!("browser.html");

/// How long `/getCaseStatus` waits for a result that is not there yet.
const STATUS_WAIT: Duration = Duration::from_secs(60);

pub async fn handle(mut stream: Stream, server: Arc<Server>) {
    let started = utc_now();
    let read = tokio::time::timeout(server.config.opts.open_timeout, read_head(&mut stream)).await;
    let (head, rest) = match read {
        Ok(Ok(r)) => r,
        // Malformed or oversize: said, so a client's author sees why.
        Ok(Err(Unread::Bad(why))) => {
            answer_and_close(stream, &handshake::http_error(400, &why)).await;
            return;
        }
        // Silent or gone: nothing to answer.
        Ok(Err(Unread::Gone)) | Err(_) => return,
    };
    // A browser asking for the page that runs the driver protocol in it.
    if is_page(&head) && !head.has_token("connection", "upgrade") {
        answer_and_close(stream, &handshake::http_ok("text/html; charset=utf-8", BROWSER_PAGE)).await;
        return;
    }
    serve_upgrade(head, rest, started, Reply::Http1(stream), server).await;
}

/// Whether a request asks for the page at `/`.
pub(super) fn is_page(head: &handshake::Head) -> bool {
    head.method == "GET" && split_target(&head.path).0 == "/"
}

/// How a WebSocket request is answered: HTTP/1.1's upgrade on the
/// connection, or an RFC 8441 extended CONNECT's stream.
pub(super) enum Reply {
    Http1(Stream),
    Http2 {
        respond: h2::server::SendResponse<bytes::Bytes>,
        recv: h2::RecvStream,
        /// The connection's TLS session, said as `tls::session_summary` says it.
        tls: Option<String>,
    },
}

impl Reply {
    /// Refuses with an HTTP error.
    async fn refuse(self, status: u16, why: &str) {
        match self {
            Reply::Http1(mut stream) => {
                let _ = crate::tls::send(&mut stream, &handshake::http_error(status, why)).await;
            }
            Reply::Http2 { respond, .. } => {
                super::over_http2::answer(respond, status, "text/plain; charset=utf-8", why)
            }
        }
    }

    /// Takes the WebSocket (101, or 200 to an extended CONNECT), with
    /// `agreement` if any: the stream to run on and the answer as text.
    async fn accept(self, key: &str, agreement: Option<&deflate::Agreement>) -> Option<(Stream, String)> {
        match self {
            Reply::Http1(mut stream) => {
                let response = handshake::server_response(key, crate::target::USER_AGENT, agreement);
                crate::tls::send(&mut stream, &response).await.ok()?;
                Some((stream, String::from_utf8_lossy(&response).into_owned()))
            }
            Reply::Http2 { respond, recv, tls } => super::over_http2::accept(respond, recv, tls, agreement),
        }
    }
}

/// A WebSocket request, read: routed to its endpoint and answered.
pub(super) async fn serve_upgrade(
    head: handshake::Head,
    rest: Vec<u8>,
    started: String,
    reply: Reply,
    server: Arc<Server>,
) {
    let (path, query) = split_target(&head.path);
    let (endpoint, agent) = match Endpoint::of(&path, &query, &server) {
        Ok(e) => e,
        Err((status, why)) => return reply.refuse(status, &why).await,
    };
    let _running = matches!(endpoint, Endpoint::RunCase(_)).then(|| server.running(&agent));
    // Over HTTP/2 there is no key (RFC 8441 §5); the version is checked.
    let checked = match &reply {
        Reply::Http1(_) => handshake::verify_request(&head),
        Reply::Http2 { .. } if head.get("sec-websocket-version") == Some("13") => Ok(String::new()),
        Reply::Http2 { .. } => Err((426, "sec-websocket-version must be 13".to_string())),
    };
    let key = match checked {
        Ok(k) => k,
        Err((status, why)) => return reply.refuse(status, &why).await,
    };
    let upgrade = Upgrade {
        head,
        rest,
        key,
        started,
    };
    match endpoint {
        Endpoint::RunCase(index) => run_case(reply, &server, index, &agent, upgrade).await,
        other => {
            if let Some((stream, _)) = reply.accept(&upgrade.key, None).await {
                answer_driver(stream, &server, other, agent).await;
            }
        }
    }
}

/// What a client asked for, checked against the cases served.
enum Endpoint {
    /// `/runCase`: case N (from 1), to run.
    RunCase(usize),
    /// `/getCaseCount`.
    GetCaseCount,
    /// `/getCaseInfo`: case N's ID and description.
    GetCaseInfo(usize),
    /// `/getCaseStatus`: case N's verdict for the agent.
    GetCaseStatus(usize),
    /// `/updateReports`: write the reports.
    UpdateReports,
}

impl Endpoint {
    /// The endpoint and the agent a request names, or the HTTP error that
    /// answers it: an unknown path is 404, a missing or bad case or agent
    /// is 400.
    fn of(path: &str, query: &[(String, String)], server: &Server) -> Result<(Endpoint, String), (u16, String)> {
        let param = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let cases = &server.config.cases;
        let case = match (param("case"), param("casetuple")) {
            (Some(n), _) => n.parse::<usize>().ok().filter(|n| (1..=cases.len()).contains(n)),
            (None, Some(t)) => cases.iter().position(|c| c.id == t).map(|i| i + 1),
            (None, None) => None,
        };
        let needs_case = || case.ok_or_else(|| (400, format!("case must be 1..{} or a casetuple", cases.len())));
        let endpoint = match path {
            "/runCase" => Endpoint::RunCase(needs_case()?),
            "/getCaseCount" => Endpoint::GetCaseCount,
            "/getCaseInfo" => Endpoint::GetCaseInfo(needs_case()?),
            "/getCaseStatus" => Endpoint::GetCaseStatus(needs_case()?),
            "/updateReports" => Endpoint::UpdateReports,
            _ => return Err((404, format!("no such endpoint: {path}"))),
        };
        let agent = param("agent");
        let needs_agent = matches!(
            endpoint,
            Endpoint::RunCase(_) | Endpoint::GetCaseStatus(_) | Endpoint::UpdateReports
        );
        if needs_agent && agent.is_none() {
            return Err((400, "agent is missing".into()));
        }
        Ok((endpoint, agent.unwrap_or_default()))
    }
}

/// An upgrade request, read and checked, not yet answered.
struct Upgrade {
    head: handshake::Head,
    /// Bytes that came after the request.
    rest: Vec<u8>,
    /// The client's Sec-WebSocket-Key.
    key: String,
    started: String,
}

/// `/runCase`: case `index` for `agent`, driven as its section is driven.
async fn run_case(reply: Reply, server: &Arc<Server>, index: usize, agent: &str, up: Upgrade) {
    let c = server.config.cases[index - 1].clone();
    let excluded = crate::catalogue::select::excluded_for_agent(&server.config.exclude_agent_cases, agent, &c.id);
    let opts = &server.config.opts;
    // A handshake case answers the upgrade its own way (unless excluded
    // for this agent: then the usual answer says so below).
    if c.driver() == crate::catalogue::Driver::Opening && !excluded {
        let stream = match reply {
            Reply::Http1(stream) => stream,
            http2 => {
                let why = format!("{} tests HTTP/1.1's upgrade; run the hs.* cases over HTTP/1.1", c.id);
                return http2.refuse(400, &why).await;
            }
        };
        let outcome = crate::engine::opening::serve_client(
            &c, index, stream, &up.head, up.rest, &up.key, agent, opts, up.started,
        )
        .await;
        store(server, outcome);
        return;
    }
    // permessage-deflate, as the case's rule answers the client's offers.
    let agreement = c.deflate.as_ref().and_then(|spec| {
        let offers: Vec<Offer> = up
            .head
            .values("sec-websocket-extensions")
            .flat_map(deflate::parse_header)
            .filter(|(name, _)| name == deflate::NAME)
            .filter_map(|(_, params)| deflate::parse_offer(&params).ok())
            .collect();
        spec.accept.choose(&offers)
    });
    let Some((stream, response)) = reply.accept(&up.key, agreement.as_ref()).await else {
        return;
    };
    if excluded {
        say_and_close(stream, None).await;
        return;
    }
    let opened = Opened {
        stream,
        rest: up.rest,
        agreement,
        findings: Vec::new(),
        http_request: String::from_utf8_lossy(&up.head.raw).into_owned(),
        http_response: response,
        started: up.started,
    };
    let outcome = run_opened(&c, index, Role::Server, opened, agent, opts, None).await;
    store(server, outcome);
}

/// The driver protocol's other endpoints, on an upgraded connection: one
/// text message (or none), then a close.
async fn answer_driver(stream: Stream, server: &Arc<Server>, endpoint: Endpoint, agent: String) {
    match endpoint {
        Endpoint::RunCase(_) => {}
        Endpoint::GetCaseCount => say_and_close(stream, Some(server.config.cases.len().to_string())).await,
        Endpoint::GetCaseInfo(index) => {
            let c = &server.config.cases[index - 1];
            say_and_close(
                stream,
                Some(json!({"id": c.id, "description": c.description}).to_string()),
            )
            .await;
        }
        Endpoint::GetCaseStatus(index) => {
            let behavior = wait_for_result(server, &agent, index).await;
            say_and_close(stream, Some(json!({"behavior": behavior}).to_string())).await;
        }
        Endpoint::UpdateReports => {
            // The agent's last case may still be storing its outcome.
            server.cases_ended(&agent, STATUS_WAIT).await;
            match server.write_reports() {
                Ok(notes) => {
                    for n in notes {
                        eprintln!("wsspec test-clients: note: {n}");
                    }
                }
                Err(e) => eprintln!(
                    "wsspec test-clients: cannot write reports to {}: {e}",
                    server.config.outdir.display()
                ),
            }
            say_and_close(stream, None).await;
            let _ = server.updated.send(agent);
        }
    }
}

/// Writes the case's file and keeps its summary; the outcome is dropped.
fn store(server: &Server, outcome: CaseOutcome) {
    server.writer.lock().unwrap_or_else(|e| e.into_inner()).add(&outcome);
    let mut r = server.results.lock().unwrap_or_else(|e| e.into_inner());
    r.entry(outcome.agent.clone())
        .or_default()
        .insert(outcome.index, outcome.summary());
    drop(r);
    server.stored.notify_waiters();
}

async fn wait_for_result(server: &Server, agent: &str, index: usize) -> String {
    let deadline = Instant::now() + STATUS_WAIT;
    loop {
        let notified = server.stored.notified();
        {
            let r = server.results.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(o) = r.get(agent).and_then(|c| c.get(&index)) {
                return o.verdict.behavior.as_str().to_string();
            }
        }
        if tokio::time::timeout_at(deadline.into(), notified).await.is_err() {
            return "UNKNOWN".into();
        }
    }
}

/// Sends an optional text message and a normal close, waits a moment for
/// the client's close, then closes TCP (the server's duty).
async fn say_and_close(mut stream: Stream, text: Option<String>) {
    let mut out = Vec::new();
    if let Some(t) = text {
        out.extend(crate::wire::frame::encode(
            &FrameHeader::new(opcode::TEXT, true, t.len() as u64),
            t.as_bytes(),
        ));
    }
    let payload = close::payload(Some(close::NORMAL), None);
    out.extend(crate::wire::frame::encode(
        &FrameHeader::new(opcode::CLOSE, true, 2),
        &payload,
    ));
    if crate::tls::send(&mut stream, &out).await.is_err() {
        return;
    }
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 || sink[..n].iter().any(|b| b & 0x0f == opcode::CLOSE) {
                break;
            }
        }
    })
    .await;
}

/// Why no request head was read.
enum Unread {
    Gone,
    Bad(String),
}

async fn read_head(stream: &mut Stream) -> Result<(handshake::Head, Vec<u8>), Unread> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|_| Unread::Gone)?;
        if n == 0 {
            return Err(Unread::Gone);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some((head, used)) = handshake::parse_request(&buf).map_err(Unread::Bad)? {
            return Ok((head, buf[used..].to_vec()));
        }
    }
}

/// How long a refusal may take: a client that does not read, or keeps
/// sending, gets nothing more.
const REFUSAL_BOUND: Duration = Duration::from_secs(1);

/// Writes an HTTP refusal and closes: our side first, then what the client
/// still sends is read and dropped for a moment, so the close is not a
/// reset that would discard the answer before the client reads it.
async fn answer_and_close(mut stream: Stream, answer: &[u8]) {
    let _ = tokio::time::timeout(REFUSAL_BOUND, async {
        crate::tls::send(&mut stream, answer).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let mut left: usize = 256 * 1024;
        while left > 0 {
            let n = stream.read(&mut sink).await?;
            if n == 0 {
                break;
            }
            left = left.saturating_sub(n);
        }
        std::io::Result::Ok(())
    })
    .await;
}

/// Answers a client over `MAX_CLIENTS` with 503 and closes.
pub async fn refuse(stream: Stream) {
    let why = format!(
        "wsspec serves at most {} clients at once; try again when one has finished",
        super::MAX_CLIENTS
    );
    answer_and_close(stream, &handshake::http_error(503, &why)).await;
}

/// Path and decoded query pairs of a request target.
fn split_target(target: &str) -> (String, Vec<(String, String)>) {
    match url::Url::parse(&format!("http://client{target}")) {
        Ok(u) => (
            u.path().to_string(),
            u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
        ),
        Err(_) => (target.to_string(), Vec::new()),
    }
}
