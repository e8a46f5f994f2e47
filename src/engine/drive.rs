//! Driving one case over an open connection: bytes in, bytes out and
//! timers until the connection is gone, within the case's bound. Reading
//! and writing run side by side, so a peer that echoes while we are still
//! sending a large message never deadlocks against us.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use super::connect::{OpenFailure, client_connect};
use super::outcome::CaseOutcome;
use super::quick_ack::QuickAck;
use super::session::{Role, Session, SessionOptions, State, Write};
use super::share::Turn;
use super::verdict;
use crate::catalogue::{Case, Step};
use crate::clock::utc_now;
use crate::target::Target;
use crate::tls::Stream;
use crate::wire::deflate::Agreement;

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
    let transport = Some(opened.stream.transport());
    let mut session = Session::new(case, role, opts, case_start, opened.agreement);
    session.open(case_start);
    if !opened.rest.is_empty() {
        session.on_bytes(&opened.rest, Instant::now());
    }
    let mut findings = opened.findings;
    findings.extend(drive(&mut session, opened.stream, case_bound(case), turn).await);
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
        findings,
        testdata: matches!(case.check, crate::catalogue::Check::Compressed { .. })
            .then(|| session.opts.testdata.describe()),
        reached: true,
        tls,
        transport,
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
/// Returns what the transport adds to the findings: over HTTP/2, a write
/// left waiting for the peer's flow-control window.
pub async fn drive(
    session: &mut Session<'_>,
    stream: Stream,
    bound: Duration,
    mut turn: Option<&mut Turn>,
) -> Option<String> {
    let http2 = matches!(stream, Stream::Http2(..));
    let window = match &stream {
        Stream::Http2(ws, _) => Some(ws.window_watch()),
        _ => None,
    };
    session.opts.end_stream_first = http2;
    session.closing.http2 = http2;
    let ack = QuickAck::of(stream.tcp());
    let (mut rd, wr) = stream.split();
    let outbox = Outbox::start(wr, session.opts.write_pause);
    let hard = Instant::now() + bound;
    let mut buf = vec![0u8; 64 * 1024];
    let mut quiet = Quietness::default();
    let mut peer_gone = false;
    loop {
        quiet.follow(session, turn.as_deref_mut());
        outbox.send(&mut session.out);
        if session.state == State::Closed {
            break;
        }
        let deadline = session.next_deadline().map_or(hard, |d| d.min(hard));
        tokio::select! {
            r = rd.read(&mut buf) => match r {
                Ok(0) | Err(_) => {
                    if http2 {
                        session.closing.peer_ending = Some(crate::http2::peer_ending(r.err().as_ref()));
                    }
                    session.on_tcp_closed(Instant::now());
                    peer_gone = true;
                    break;
                }
                Ok(n) => {
                    ack.arm();
                    quiet.peer_spoke(turn.as_deref_mut());
                    session.reply_backlog = outbox.unsent_replies.load(Ordering::SeqCst);
                    session.on_bytes(&buf[..n], Instant::now())
                }
            },
            _ = tokio::time::sleep_until(deadline.into()) => {
                quiet.timer_fired(turn.as_deref_mut()).await;
                let now = Instant::now();
                if now >= hard {
                    session.on_bound_exceeded(bound);
                } else {
                    session.on_timers(now);
                }
            }
        }
    }
    outbox.send(&mut session.out);
    // Asked before the writer is let go: a write still waiting is one the
    // peer's window held back.
    let stalled = window.as_ref().and_then(|w| w.stalled().map(|d| (d, w.sent())));
    outbox.finish(peer_gone).await;
    stalled.map(|(d, sent)| {
        format!(
            "Our write on the stream waited {:.1} s for the peer's flow-control window, which it never opened (RFC 9113 §6.9): {sent} octets had left.",
            d.as_secs_f64()
        )
    })
}

/// The session's writes on their way to the write loop (`send_queue`).
struct Outbox {
    tx: mpsc::UnboundedSender<Vec<(u64, Write)>>,
    /// Bumped by `Write::Purge`: what was queued before is dropped.
    epoch: Arc<AtomicU64>,
    /// Pong octets handed to the writer and not yet written (see
    /// MAX_REPLY_BACKLOG).
    unsent_replies: Arc<AtomicU64>,
    writer: tokio::task::JoinHandle<()>,
}

impl Outbox {
    fn start(wr: Box<dyn tokio::io::AsyncWrite + Send + Unpin>, pause: Option<Duration>) -> Outbox {
        let (tx, rx) = mpsc::unbounded_channel();
        let epoch = Arc::new(AtomicU64::new(0));
        let unsent_replies = Arc::new(AtomicU64::new(0));
        let writer = tokio::spawn(super::send_queue::write_loop(
            wr,
            rx,
            epoch.clone(),
            unsent_replies.clone(),
            pause,
        ));
        Outbox {
            tx,
            epoch,
            unsent_replies,
            writer,
        }
    }

    /// What the session wrote in one step goes to the writer as one batch,
    /// as Autobahn queues what one callback sends (see engine::send_queue).
    fn send(&self, out: &mut Vec<Write>) {
        let mut batch = Vec::with_capacity(out.len());
        for w in out.drain(..) {
            match w {
                Write::Purge => {
                    self.epoch.fetch_add(1, Ordering::SeqCst);
                }
                w => {
                    if let Write::Data { reply: true, bytes, .. } = &w {
                        self.unsent_replies.fetch_add(bytes.len() as u64, Ordering::SeqCst);
                    }
                    batch.push((self.epoch.load(Ordering::SeqCst), w));
                }
            }
        }
        if !batch.is_empty() {
            let _ = self.tx.send(batch);
        }
    }

    /// Lets queued bytes (a last close frame) leave before the socket
    /// closes, as a graceful close does, but only for so long: a peer that
    /// has stopped reading would hold us forever. A peer that has closed
    /// TCP reads nothing more: what is still queued behind a write it left
    /// unread (9.3.1's 4 MiB against a peer that fails at fragment 4097) is
    /// not waited for.
    async fn finish(mut self, peer_gone: bool) {
        let _ = self.tx.send(vec![(u64::MAX, Write::Drop)]);
        drop(self.tx);
        let flush = if peer_gone { PEER_GONE_FLUSH } else { FLUSH_BOUND };
        if tokio::time::timeout(flush, &mut self.writer).await.is_err() {
            self.writer.abort();
        }
    }
}

/// Whether the connection is quiet, told to the case's turn on the peer:
/// quiet stretches leave the peer to other cases (see engine::share).
#[derive(Default)]
struct Quietness {
    now: Quiet,
    /// Messages received when `departed` was last asked, and its answer.
    departed: Option<(usize, bool)>,
}

impl Quietness {
    /// Follows the session after a step, and tells the turn when it changed.
    fn follow(&mut self, session: &Session<'_>, turn: Option<&mut Turn>) {
        let received = session.received.len();
        let departed = match self.departed {
            Some((n, d)) if n == received => d,
            _ => {
                let d = session.departed();
                self.departed = Some((received, d));
                d
            }
        };
        let now = match () {
            _ if session.state == State::Closed => Quiet::No,
            _ if session.waiting == Some(crate::catalogue::Until::Bound) => Quiet::Pause,
            _ if departed => Quiet::Departed,
            _ => Quiet::No,
        };
        if let Some(t) = turn
            && now != self.now
        {
            // Out of quiet here only through what the peer sent: answer it
            // at once. A pause that ends by its timer waits in timer_fired.
            match now {
                Quiet::No => t.answer(),
                Quiet::Pause => t.pause(),
                Quiet::Departed => t.decided(),
            }
        }
        self.now = now;
    }

    /// The peer sent something while we were quiet.
    fn peer_spoke(&self, turn: Option<&mut Turn>) {
        if self.now != Quiet::No
            && let Some(t) = turn
        {
            t.touch();
        }
    }

    /// A timer of the session is due.
    async fn timer_fired(&mut self, turn: Option<&mut Turn>) {
        let Some(t) = turn else { return };
        match self.now {
            // The pause is over and our next writes follow: wait for the
            // turn first, and time them from when we have it.
            Quiet::Pause => t.resume().await,
            // A kill or close timer of a decided case: at once, so the case
            // keeps its bound.
            Quiet::Departed => t.answer(),
            Quiet::No => {}
        }
        self.now = Quiet::No;
    }
}

/// Why a connection is quiet: it neither sends nor is owed anything the
/// verdict still depends on.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum Quiet {
    #[default]
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
