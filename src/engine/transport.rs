//! Sockets and time around a session: connect, the opening handshake, then
//! bytes in, bytes out and timers until the connection is gone. Reading and
//! writing run side by side, so a peer that echoes while we are still
//! sending a large message never deadlocks against us.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::outcome::CaseOutcome;
use super::session::{Role, Session, SessionOptions, State, Write};
use super::share::Turn;
use super::verdict;
use crate::catalogue::{Case, Step};
use crate::tls::{self, Stream, Trust};
use crate::wire::deflate::{Agreement, Offer};
use crate::wire::handshake;

/// Where a server under test listens.
#[derive(Clone, Debug)]
pub struct Target {
    pub url: String,
    /// host:port to connect to.
    pub addr: String,
    /// The Host header.
    pub host: String,
    /// Path and query.
    pub resource: String,
    /// The host name alone (TLS SNI and certificate name).
    pub server_name: String,
    /// TLS, for a `wss://` URL.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// `--insecure`: the certificate is not checked (the reports say so).
    pub insecure: bool,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target, String> {
        let u = url::Url::parse(url).map_err(|e| format!("{url:?} is not a valid URL ({e})"))?;
        let tls = match u.scheme() {
            "ws" => None,
            "wss" => Some(tls::client_config(&Trust::Roots).map_err(|e| format!("{url}: {e}"))?),
            s => return Err(format!("{url}: the scheme must be ws:// or wss://, not {s}://")),
        };
        let host = u.host_str().ok_or_else(|| format!("{url}: the URL has no host"))?;
        let port = u.port_or_known_default().unwrap_or(80);
        let mut resource = u.path().to_string();
        if resource.is_empty() {
            resource.push('/');
        }
        if let Some(q) = u.query() {
            resource.push('?');
            resource.push_str(q);
        }
        Ok(Target {
            url: url.to_string(),
            addr: format!("{host}:{port}"),
            host: format!("{host}:{port}"),
            resource,
            server_name: host.trim_start_matches('[').trim_end_matches(']').to_string(),
            tls,
            insecure: false,
        })
    }

    /// The certificate check for a `wss://` target (`--ca`, `--insecure`);
    /// nothing for `ws://`.
    pub fn trust(mut self, trust: &Trust) -> Result<Target, String> {
        if self.tls.is_some() {
            self.tls = Some(tls::client_config(trust)?);
            self.insecure = *trust == Trust::Insecure;
        }
        Ok(self)
    }
}

/// The user agent we announce.
pub const USER_AGENT: &str = concat!("wsspec/", env!("CARGO_PKG_VERSION"));

pub fn utc_now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

/// The longest a case may take: every wait and timer in its script, the
/// closing handshake's two timeouts and a margin. A peer that never answers
/// is cut off here.
pub fn case_bound(case: &Case) -> Duration {
    let mut waits = Duration::ZERO;
    let mut timer = Duration::ZERO;
    for s in &case.script {
        match s {
            Step::Wait { max, .. } => waits += *max,
            Step::KillAfter(d) | Step::CloseAfter(d) => timer = timer.max(*d),
            _ => {}
        }
    }
    if let crate::catalogue::Check::Compressed { wait, .. } = case.check {
        timer = timer.max(wait);
    }
    waits + timer + Duration::from_secs(4)
}

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

/// A TCP connection to the target, with TLS for `wss://`.
pub async fn connect_stream(target: &Target) -> Result<Stream, OpenError> {
    let tcp = TcpStream::connect(&target.addr).await.map_err(|e| OpenError {
        reason: format!("cannot connect to {}: {e}", target.addr),
        kind: OpenFailure::Connect,
        request: String::new(),
    })?;
    tcp.set_nodelay(true).ok();
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

/// Runs one case against a server.
pub async fn run_client_case(
    case: &Case,
    index: usize,
    target: &Target,
    agent: &str,
    opts: &SessionOptions,
    turn: Option<&mut Turn>,
) -> CaseOutcome {
    let started = utc_now();
    let start = Instant::now();
    let offers = case.deflate.as_ref().map_or(&[][..], |d| &d.offers[..]);
    match client_connect(target, opts.open_timeout, offers).await {
        Ok((stream, rest, request, head, answer)) => {
            let opened = Opened {
                stream,
                rest,
                agreement: answer.agreement,
                findings: answer.findings,
                http_request: request,
                http_response: String::from_utf8_lossy(&head.raw).into_owned(),
                started,
            };
            let mut o = run_opened(case, index, Role::Client, opened, agent, opts, turn).await;
            if target.insecure
                && let Some(t) = &mut o.tls
            {
                t.push_str(" (certificate not verified: --insecure)");
            }
            o
        }
        Err(e) => {
            let mut o = CaseOutcome::unopened(case, index, agent, started, ms(start), &e.reason);
            o.was_open_handshake_timeout = e.kind == OpenFailure::Timeout;
            o.http_request = e.request;
            o
        }
    }
}

/// A connection whose opening handshake is done.
pub struct Opened {
    pub stream: Stream,
    /// permessage-deflate, when it was agreed.
    pub agreement: Option<Agreement>,
    /// What the opening handshake did that an RFC forbids and Autobahn
    /// accepts: reported, not judged.
    pub findings: Vec<String>,
    /// Bytes that arrived after the handshake.
    pub rest: Vec<u8>,
    pub http_request: String,
    pub http_response: String,
    pub started: String,
}

/// Runs a case on an open connection, in either role.
pub async fn run_opened(
    case: &Case,
    index: usize,
    role: Role,
    opened: Opened,
    agent: &str,
    opts: &SessionOptions,
    turn: Option<&mut Turn>,
) -> CaseOutcome {
    let mut opts = opts.clone();
    if case.timed {
        opts.write_pause = None;
    }
    let case_start = Instant::now();
    let tls = opened.stream.tls_summary();
    let mut session = Session::new(case, role, opts, case_start, opened.agreement);
    session.open(case_start);
    if !opened.rest.is_empty() {
        session.on_bytes(&opened.rest, Instant::now());
    }
    drive(&mut session, opened.stream, case_bound(case), turn).await;
    let verdict = verdict::judge(&session);
    let departure = verdict::departure(&session, &verdict);
    CaseOutcome {
        id: case.id.clone(),
        index,
        description: case.description.clone(),
        expectation: case.expectation.clone(),
        agent: agent.to_string(),
        started: opened.started,
        duration_ms: ms(case_start),
        verdict,
        expected: match &case.check {
            crate::catalogue::Check::Events { outcomes, .. } => outcomes.clone(),
            _ => Vec::new(),
        },
        expected_close: case.close.clone(),
        received: std::mem::take(&mut session.received),
        closing: session.closing.clone(),
        was_open_handshake_timeout: false,
        is_server: role == Role::Server,
        report_time: case.timed,
        http_request: opened.http_request,
        http_response: opened.http_response,
        wirelog: Some(session.log),
        findings: opened.findings,
        testdata: matches!(case.check, crate::catalogue::Check::Compressed { .. })
            .then(|| session.opts.testdata.describe()),
        reached: true,
        tls,
        departure,
    }
}

fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

/// Moves bytes between the socket and the session until the connection is
/// closed by either side or the case's bound passes. With a `turn`, a pause
/// of the script leaves the peer to others, and our writes after it wait
/// for the turn again (see `engine::share`).
pub async fn drive(session: &mut Session<'_>, stream: Stream, bound: Duration, mut turn: Option<&mut Turn>) {
    let ack = QuickAck::of(stream.tcp());
    let (mut rd, wr) = stream.split();
    let (tx, rx) = mpsc::unbounded_channel();
    let epoch = Arc::new(AtomicU64::new(0));
    // Pong octets handed to the writer and not yet written (see MAX_REPLY_BACKLOG).
    let unsent_replies = Arc::new(AtomicU64::new(0));
    let pause = session.opts.write_pause;
    let mut writer = tokio::spawn(super::send_queue::write_loop(
        wr,
        rx,
        epoch.clone(),
        unsent_replies.clone(),
        pause,
    ));
    let hard = Instant::now() + bound;
    let mut buf = vec![0u8; 64 * 1024];
    // What the session writes in one step reaches the writer as one batch,
    // as Autobahn queues what one callback sends (see engine::send_queue).
    let send = |out: &mut Vec<Write>| {
        let mut batch = Vec::with_capacity(out.len());
        for w in out.drain(..) {
            match w {
                Write::Purge => {
                    epoch.fetch_add(1, Ordering::SeqCst);
                }
                w => {
                    if let Write::Data { reply: true, bytes, .. } = &w {
                        unsent_replies.fetch_add(bytes.len() as u64, Ordering::SeqCst);
                    }
                    batch.push((epoch.load(Ordering::SeqCst), w));
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
    };
    // Quiet stretches leave the peer to other cases (see engine::share).
    let mut quiet = Quiet::No;
    let mut departed = (usize::MAX, false);
    let mut peer_gone = false;
    loop {
        if departed.0 != session.received.len() {
            departed = (session.received.len(), session.departed());
        }
        let now_quiet = match () {
            _ if session.state == State::Closed => Quiet::No,
            _ if session.waiting == Some(crate::catalogue::Until::Bound) => Quiet::Pause,
            _ if departed.1 => Quiet::Departed,
            _ => Quiet::No,
        };
        if let Some(t) = turn.as_deref_mut()
            && now_quiet != quiet
        {
            // Out of quiet here only through what the peer sent: answer it
            // at once. A pause that ends by its timer waits below.
            match now_quiet {
                Quiet::No => t.answer(),
                _ => t.pause(),
            }
        }
        quiet = now_quiet;
        send(&mut session.out);
        if session.state == State::Closed {
            break;
        }
        let deadline = session.next_deadline().map_or(hard, |d| d.min(hard));
        tokio::select! {
            r = rd.read(&mut buf) => match r {
                Ok(0) | Err(_) => {
                    session.on_tcp_closed(Instant::now());
                    peer_gone = true;
                    break;
                }
                Ok(n) => {
                    ack.arm();
                    if quiet != Quiet::No && let Some(t) = turn.as_deref_mut() {
                        // The peer sent something while we were quiet.
                        t.touch();
                    }
                    session.reply_backlog = unsent_replies.load(Ordering::SeqCst);
                    session.on_bytes(&buf[..n], Instant::now())
                }
            },
            _ = tokio::time::sleep_until(deadline.into()) => {
                if let Some(t) = turn.as_deref_mut() {
                    match quiet {
                        // The pause is over and our next writes follow:
                        // wait for the turn first, and time them from when
                        // we have it.
                        Quiet::Pause => t.resume().await,
                        // A kill or close timer of a decided case: at once,
                        // so the case keeps its bound.
                        Quiet::Departed => t.answer(),
                        Quiet::No => {}
                    }
                    quiet = Quiet::No;
                }
                let now = Instant::now();
                if now >= hard {
                    session.on_bound_exceeded(bound);
                } else {
                    session.on_timers(now);
                }
            }
        }
    }
    send(&mut session.out);
    let _ = tx.send(vec![(u64::MAX, Write::Drop)]);
    drop(tx);
    // Let queued bytes (a last close frame) leave before the socket closes,
    // as a graceful close does, but only for so long: a peer that has
    // stopped reading would hold us forever. A peer that has closed TCP
    // reads nothing more: what is still queued behind a write it left
    // unread (9.3.1's 4 MiB against a peer that fails at fragment 4097)
    // is not waited for.
    let flush = if peer_gone { PEER_GONE_FLUSH } else { FLUSH_BOUND };
    if tokio::time::timeout(flush, &mut writer).await.is_err() {
        writer.abort();
    }
}

/// Asks the kernel to acknowledge what arrives at once rather than after
/// its delayed-ACK timer (about 40 ms on Linux). A peer that writes with
/// Nagle on waits for our ACK before its next segment; without this, every
/// multi-segment echo of such a peer would cost one delayed ACK, and its
/// 12.x/9.x durations would measure our ACK timer, not the peer. Linux
/// resets the flag by itself, so it is set again after each read.
///
/// `WSSPEC_DELAYED_ACKS=1` leaves the kernel's delayed ACKs alone: for
/// scripts/bench-quickack.sh, which measures what the quick ACKs save.
///
/// It holds a duplicate of the socket's descriptor, so the flag can be set
/// while the connection (TLS or not) is split into its two halves.
pub struct QuickAck(Option<socket2::Socket>);

impl QuickAck {
    pub fn of(stream: &TcpStream) -> QuickAck {
        use std::os::fd::AsFd;
        static DELAYED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        if *DELAYED.get_or_init(|| std::env::var_os("WSSPEC_DELAYED_ACKS").is_some_and(|v| v == "1")) {
            return QuickAck(None);
        }
        QuickAck(stream.as_fd().try_clone_to_owned().ok().map(socket2::Socket::from))
    }

    pub fn arm(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(s) = &self.0 {
            let _ = s.set_tcp_quickack(true);
        }
    }
}

/// Why a connection is quiet: it neither sends nor is owed anything the
/// verdict still depends on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quiet {
    No,
    /// The script waits out a pause (`Until::Bound`, 6.4.x).
    Pause,
    /// `behavior` is decided (`Session::departed`); timers remain.
    Departed,
}

/// How long the last writes of a connection may take.
const FLUSH_BOUND: Duration = Duration::from_secs(1);

/// How long the last writes may take once the peer has closed TCP.
const PEER_GONE_FLUSH: Duration = Duration::from_millis(20);
