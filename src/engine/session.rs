//! The protocol state machine of the fuzzing peer, without I/O: what it
//! sends is queued in `out`, time comes in through `on_timers`. It follows
//! the rules of Autobahn's peer, because the verdicts depend on them:
//! a protocol error is answered with a close frame (1002, or 1007 for bad
//! UTF-8) and processing goes on; a second error while closing drops TCP;
//! our close is answered within a second or we drop; as a client we wait a
//! second for the server to drop TCP after the closing handshake.

use std::time::{Duration, Instant};

use serde_json::json;

use super::wirelog::WireLog;
use crate::catalogue::{Case, Check, Event, Until};
use crate::wire::decode::Decoder;
use crate::wire::deflate::{Agreement, Codec};
use crate::wire::utf8::{Utf8Status, Utf8Validator};
use crate::wire::{close, frame};

/// Our side of the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// We are the client: the peer under test is a server.
    Client,
    /// We are the server: the peer under test is a client.
    Server,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Open,
    /// A close frame has been sent.
    Closing,
    Closed,
}

/// Bytes for the socket, or the order to close it.
#[derive(Debug)]
pub enum Write {
    Data {
        bytes: Vec<u8>,
        chop: Option<usize>,
        sync: bool,
        /// A pong: its octets count against `MAX_REPLY_BACKLOG` until written.
        reply: bool,
    },
    /// Frames queued before this and not yet started need not be sent: the
    /// peer has closed and our close reply should go out as soon as
    /// practical (RFC 6455 §5.5.1).
    Purge,
    Drop,
    /// Our side of an HTTP/2 stream ends (END_STREAM) while we go on
    /// reading: the close of RFC 8441, where each side ends its half.
    EndStream,
}

#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// How long the peer has to answer our close frame.
    pub close_handshake_timeout: Duration,
    /// How long a server has to drop TCP after the closing handshake.
    pub server_drop_timeout: Duration,
    /// The largest message we take in; a larger one fails the connection (1009).
    pub max_message: u64,
    /// The turn of Autobahn's send queue: the time from one queued write
    /// (a piece of a chopped frame, a synced frame, a write behind them)
    /// to the next, so the peer reads them apart as it does from Autobahn
    /// (`send_queue`). Timed cases measure the peer's speed and
    /// write back to back.
    pub write_pause: Option<Duration>,
    /// How long the opening handshake may take.
    pub open_timeout: Duration,
    /// What the compression cases send.
    pub testdata: crate::catalogue::testdata::Corpus,
    /// The connection is an HTTP/2 stream (RFC 8441): once the closing
    /// handshake is done, a client ends its half of the stream at once
    /// rather than wait for the server to close TCP first (a stream
    /// leaves no TIME_WAIT behind, which is why RFC 6455 §7.1.1 has the
    /// server close first), and the server must end its half.
    pub end_stream_first: bool,
}

/// One turn of Autobahn's reactor between two queued writes, less what a
/// write costs us. The real `wstest` 25.10.1 (in its Docker image, on the
/// 2-core machine) leaves a median of 56-61 µs between the one-octet
/// pieces of 4.1.5 sent to a peer that answers nothing, and 102 µs (p10
/// 80, p90 169) between those of 2.11 sent to libwebsockets, whose pongs
/// it reads in the same turns. With this pause wsspec leaves about 65 µs.
pub const AUTOBAHN_TURN: Duration = Duration::from_micros(50);

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            close_handshake_timeout: Duration::from_secs(1),
            server_drop_timeout: Duration::from_secs(1),
            max_message: 64 * 1024 * 1024,
            write_pause: Some(AUTOBAHN_TURN),
            open_timeout: Duration::from_secs(5),
            testdata: Default::default(),
            end_stream_first: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Timer {
    Kill,
    CloseAfter,
    CloseHandshake,
    ServerDrop,
    Script,
}

/// How the connection ended, in Autobahn's terms.
#[derive(Clone, Debug, Default)]
pub struct Closing {
    pub closed_by_me: bool,
    pub failed_by_me: bool,
    pub dropped_by_me: bool,
    pub was_clean: bool,
    pub was_not_clean_reason: Option<String>,
    pub was_server_connection_drop_timeout: bool,
    pub was_close_handshake_timeout: bool,
    pub local_close_code: Option<u16>,
    pub local_close_reason: Option<Vec<u8>>,
    pub remote_close_code: Option<u16>,
    pub remote_close_reason: Option<String>,
    /// Why we failed the connection, when we did.
    pub failure: Option<String>,
    /// Why we dropped TCP, when we did in the middle of closing. Autobahn
    /// leaves `wasNotCleanReason` empty then; the verdict says this instead.
    pub dropped_because: Option<String>,
    /// When the first close frame went or came (`closed_by_me` says which
    /// way), since the case started.
    pub first_close_at: Option<Duration>,
    /// When TCP ended (`dropped_by_me` says by whom), since the case started.
    pub tcp_closed_at: Option<Duration>,
    /// Over HTTP/2, how the peer ended the WebSocket's stream, said as a
    /// clause ("the peer reset the stream (RST_STREAM CANCEL)"): where
    /// HTTP/1.1 would have TCP end.
    pub peer_ending: Option<String>,
    /// The WebSocket is an HTTP/2 stream: where we drop TCP over HTTP/1.1,
    /// we reset the stream.
    pub http2: bool,
}

/// Progress of a 9.x echo case.
#[derive(Default)]
pub(super) struct EchoProgress {
    pub rounds_done: usize,
    pub passed: bool,
    pub result: Option<String>,
    /// Compression cases: where the next message starts in the test data,
    /// and the message whose echo is awaited (ours: its size is the case's).
    pub data_ptr: usize,
    pub awaited: Vec<u8>,
}

/// The message being received.
#[derive(Default)]
pub(super) struct Inbound {
    pub decoder: Decoder,
    pub frame: Option<frame::FrameHeader>,
    pub frame_payload: Vec<u8>,
    pub inside_message: bool,
    pub binary: bool,
    pub validate_utf8: bool,
    /// The message is compressed (RSV1 on its first frame).
    pub compressed: bool,
    pub utf8: Utf8Validator,
    pub utf8_last: Option<Utf8Status>,
    /// Octets of the message so far (inflated, when compressed).
    pub received: u64,
    /// What events record of the message: never the whole of it.
    pub body: crate::catalogue::body::BodyHasher,
    /// A compression case: the message matches the awaited echo so far.
    pub same: bool,
    pub declared: u64,
    pub control: Vec<u8>,
    /// Frames received on the connection.
    pub frames: u64,
}

pub struct Session<'c> {
    pub(super) case: &'c Case,
    pub(super) role: Role,
    pub(super) opts: SessionOptions,
    pub state: State,
    pub closing: Closing,
    pub received: Vec<Event>,
    pub out: Vec<Write>,
    pub log: WireLog,
    pub(super) rx: Inbound,
    pub(super) timers: Vec<(Instant, Timer)>,
    pub(super) pc: usize,
    pub(super) waiting: Option<Until>,
    /// The mask and position of a frame written piecewise (`FrameHead`).
    pub(super) open_frame: Option<(Option<[u8; 4]>, usize)>,
    pub(super) echo: EchoProgress,
    pub(super) now: Instant,
    /// The permessage-deflate codec, when the extension was agreed.
    pub(super) deflate: Option<Codec>,
    pub agreement: Option<Agreement>,
    /// Octets of pongs queued and not yet written: `drive` sets it
    /// before bytes come in, the session adds the pongs it queues.
    pub reply_backlog: u64,
    /// How long the kill timer was set for, for the words of its close.
    pub(super) kill_after: Option<Duration>,
}

/// A duration as a reader says it: `1 s`, `0.5 s`.
fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

/// How long a case whose `behavior` is decided still gives the peer before
/// its kill timer fires, when the timer is further off: the one second
/// most cases give a peer. Events that already differ from every expected
/// sequence cannot come to match one, so only the close is left to see,
/// and a peer that failed the case is not waited out for 10 s (1.1.6-1.1.8,
/// 10.1.1) where one that passed it is let go at once.
pub const DECIDED_KILL: Duration = Duration::from_secs(1);

/// The most pong octets that may wait unsent. A peer that floods pings and
/// does not read our pongs would otherwise grow the queue without bound;
/// it fails the case instead.
pub const MAX_REPLY_BACKLOG: u64 = 1024 * 1024;

impl<'c> Session<'c> {
    pub fn new(case: &'c Case, role: Role, opts: SessionOptions, start: Instant, agreement: Option<Agreement>) -> Self {
        // Like Autobahn, the long measured cases log only their end.
        let wirelog = !matches!(case.check, Check::Echo { .. } | Check::Compressed { .. });
        Session {
            case,
            role,
            opts,
            state: State::Open,
            closing: Closing::default(),
            received: Vec::new(),
            out: Vec::new(),
            log: WireLog::new(start, wirelog),
            rx: Inbound::default(),
            timers: Vec::new(),
            pc: 0,
            waiting: None,
            open_frame: None,
            echo: EchoProgress::default(),
            now: start,
            deflate: agreement.map(|a| Codec::new(&a, role == Role::Server)),
            agreement,
            reply_backlog: 0,
            kill_after: None,
        }
    }

    /// The connection is open: run the script up to its first wait.
    pub fn open(&mut self, now: Instant) {
        self.now = now;
        if self.case.deflate.is_some() && self.deflate.is_none() {
            // Nothing to test: Autobahn says UNIMPLEMENTED and closes.
            self.send_close(Some(close::NORMAL), None, false);
            return;
        }
        self.run_script();
        if let Check::Compressed { wait, .. } = self.case.check {
            self.log.timer(json!(["TI", wait.as_secs_f64()]));
            self.arm(wait, Timer::CloseAfter);
            self.send_next_compressed();
        }
    }

    pub(super) fn arm(&mut self, after: Duration, t: Timer) {
        self.timers.push((self.now + after, t));
    }

    fn disarm(&mut self, t: Timer) {
        self.timers.retain(|(_, k)| *k != t);
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.iter().map(|(at, _)| *at).min()
    }

    /// Fires every timer that is due.
    pub fn on_timers(&mut self, now: Instant) {
        self.now = now;
        while let Some(i) = self.timers.iter().position(|(at, _)| *at <= now) {
            let (_, t) = self.timers.remove(i);
            self.fire(t);
        }
    }

    fn fire(&mut self, t: Timer) {
        if self.state == State::Closed {
            return;
        }
        match t {
            Timer::Kill => {
                self.log.timer(json!(["KLE"]));
                // Said in words where the report tells who closed; the
                // close frame itself says "Going Away", as Autobahn's.
                let why = match self.kill_after {
                    Some(d) => format!("as the case's kill timer fired after {}", seconds(d)),
                    None => "as the case's kill timer fired".to_string(),
                };
                self.closing.failure.get_or_insert(why);
                if self.state == State::Closing {
                    self.closing.dropped_because.get_or_insert_with(|| {
                        "the case's time ran out (its kill timer fired) before the closing handshake ended, so we dropped TCP"
                            .into()
                    });
                }
                self.fail(close::GOING_AWAY, "Going Away");
            }
            Timer::CloseAfter => {
                self.log.timer(json!(["TIE"]));
                self.send_close(None, None, false);
            }
            Timer::CloseHandshake => {
                self.closing.was_clean = false;
                self.closing.was_not_clean_reason = Some("peer did not respond (in time) in closing handshake".into());
                self.closing.was_close_handshake_timeout = true;
                self.drop_tcp();
            }
            Timer::ServerDrop => {
                self.closing.was_clean = false;
                self.closing.was_not_clean_reason = Some("server did not drop TCP connection (in time)".into());
                self.closing.was_server_connection_drop_timeout = true;
                self.drop_tcp();
            }
            Timer::Script => {
                self.waiting = None;
                self.log.timer(json!(["CTE", null]));
                self.run_script();
            }
        }
    }

    /// A wait for events ends as soon as enough have been recorded.
    pub(super) fn wake_if_waited_for(&mut self) {
        if let Some(Until::Events(n)) = self.waiting
            && self.received.len() >= n
            && self.state != State::Closed
        {
            self.waiting = None;
            self.disarm(Timer::Script);
            self.log.timer(json!(["CTE", null]));
            self.run_script();
        }
    }

    /// Queues a frame; `chop` and `sync` shape the writes.
    pub(super) fn send_frame(
        &mut self,
        header: frame::FrameHeader,
        payload: &[u8],
        repeat_len: Option<usize>,
        chop: Option<usize>,
        sync: bool,
    ) {
        self.log.tx_frame(&header, payload, repeat_len, chop, sync);
        let bytes = frame::encode(&header, payload);
        self.queue(bytes, chop, sync);
    }

    pub(super) fn queue(&mut self, bytes: Vec<u8>, chop: Option<usize>, sync: bool) {
        match chop {
            Some(c) if c > 0 => {
                for piece in bytes.chunks(c) {
                    self.log.tx_octets(piece, true);
                }
            }
            _ => self.log.tx_octets(&bytes, sync),
        }
        self.out.push(Write::Data {
            bytes,
            chop,
            sync,
            reply: false,
        });
    }

    /// The mask a frame of ours carries: a client masks, a server does not.
    pub(super) fn role_mask(&self) -> Option<[u8; 4]> {
        match self.role {
            Role::Client => Some(crate::wire::mask::random_key()),
            Role::Server => None,
        }
    }

    /// Sends a close frame and enters the closing state, if open.
    pub(super) fn send_close(&mut self, code: Option<u16>, reason: Option<&[u8]>, is_reply: bool) {
        self.send_close_chopped(code, reason, is_reply, None);
    }

    pub(super) fn send_close_chopped(
        &mut self,
        code: Option<u16>,
        reason: Option<&[u8]>,
        is_reply: bool,
        chop: Option<usize>,
    ) {
        if self.state != State::Open {
            return;
        }
        let payload = close::payload(code, reason);
        let mut h = frame::FrameHeader::new(frame::opcode::CLOSE, true, payload.len() as u64);
        h.mask = self.role_mask();
        self.send_frame(h, &payload, None, chop, false);
        self.state = State::Closing;
        self.closing.closed_by_me = !is_reply;
        if !is_reply {
            self.closing
                .first_close_at
                .get_or_insert(self.log.since_start(self.now));
        }
        self.closing.local_close_code = code;
        self.closing.local_close_reason = reason.map(<[u8]>::to_vec);
        if !is_reply {
            let t = self.opts.close_handshake_timeout;
            self.arm(t, Timer::CloseHandshake);
        }
    }

    pub(super) fn drop_tcp(&mut self) {
        if self.state != State::Closed {
            self.closing.dropped_by_me = true;
            self.closing.tcp_closed_at = Some(self.log.since_start(self.now));
            self.state = State::Closed;
            self.out.push(Write::Drop);
        }
    }

    /// Fails the connection: a close frame with `code` if open, a drop if
    /// we are already closing.
    pub(super) fn fail(&mut self, code: u16, reason: &str) {
        if self.state == State::Closed {
            return;
        }
        self.closing.failed_by_me = true;
        self.closing.failure.get_or_insert_with(|| reason.to_string());
        if self.state == State::Closing {
            self.closing
                .dropped_because
                .get_or_insert_with(|| format!("we dropped TCP on an error while closing ({reason})"));
            self.drop_tcp();
        } else {
            let r = reason.as_bytes();
            self.send_close(Some(code), Some(&r[..r.len().min(123)]), false);
        }
    }

    pub(super) fn protocol_violation(&mut self, reason: &str) {
        self.fail(close::PROTOCOL_ERROR, reason);
    }

    pub(super) fn invalid_payload(&mut self, reason: &str) {
        self.fail(close::INVALID_PAYLOAD, reason);
    }

    /// The peer closed TCP (or the socket failed).
    pub fn on_tcp_closed(&mut self, now: Instant) {
        self.now = now;
        if self.state != State::Closed {
            self.closing.tcp_closed_at = Some(self.log.since_start(now));
        }
        self.state = State::Closed;
        if !self.closing.was_clean && !self.closing.dropped_by_me && self.closing.was_not_clean_reason.is_none() {
            self.closing.was_not_clean_reason = Some(match &self.closing.peer_ending {
                Some(how) => format!("{how} without previous WebSocket closing handshake"),
                None => "peer dropped the TCP connection without previous WebSocket closing handshake".into(),
            });
        }
    }

    /// Whether the events already differ from every expected sequence while
    /// the connection is open: `behavior` is decided, and the case only
    /// waits for its timers (a kill after 1 or 10 s) to see how it closes.
    pub fn departed(&self) -> bool {
        let Check::Events { outcomes, .. } = &self.case.check else {
            return false;
        };
        self.state == State::Open && !outcomes.iter().any(|(_, ev)| ev.starts_with(&self.received))
    }

    /// Brings a far kill timer forward to `DECIDED_KILL` from now once
    /// `behavior` is decided and the script has run to its end (a step
    /// still to come could change how the peer closes). Logged as `KLD`.
    pub(super) fn hasten_kill_if_decided(&mut self) {
        if self.pc < self.case.script.len() || self.waiting.is_some() || !self.departed() {
            return;
        }
        let by = self.now + DECIDED_KILL;
        let mut hastened = false;
        for (at, t) in &mut self.timers {
            if *t == Timer::Kill && *at > by {
                *at = by;
                hastened = true;
            }
        }
        if hastened {
            self.log.timer(json!(["KLD", DECIDED_KILL.as_secs_f64()]));
            self.kill_after = Some(DECIDED_KILL);
        }
    }

    /// The case ran past its bound: drop, recording why.
    pub fn on_bound_exceeded(&mut self, bound: Duration) {
        if self.state != State::Closed {
            self.closing.was_clean = false;
            self.closing.was_not_clean_reason = Some(format!("the case did not end within its bound of {bound:?}"));
            self.drop_tcp();
        }
    }
}
