//! The incoming half of the session: frames from the peer, checked the way
//! Autobahn's peer checks them, recorded as events.

use std::time::Instant;

use super::session::{MAX_REPLY_BACKLOG, Session, State, Timer};
use crate::catalogue::{Check, Event};
use crate::wire::decode::{LengthEncoding, Piece};
use crate::wire::frame::{FrameHeader, opcode};
use crate::wire::{close, utf8::Utf8Status};

/// Control frame payloads are at most 125 octets; an oversize one is a
/// protocol error, and we keep no more than this of it.
const CONTROL_KEEP: usize = 125;

/// The most events a case records; the largest case expects ten.
const MAX_EVENTS: usize = 10_000;

/// The most frames a connection may send us. The most a conforming peer
/// sends is in 9.3.1/9.4.1 when it echoes 4 MiB in 64-octet fragments:
/// 65,536. Anything far past that is a flood.
const MAX_FRAMES: u64 = 2_000_000;

impl Session<'_> {
    pub fn on_bytes(&mut self, data: &[u8], now: Instant) {
        self.now = now;
        self.log.rx_octets(data);
        if self.state == State::Closed {
            return;
        }
        self.rx.decoder.feed(data);
        while self.state != State::Closed {
            let Some(piece) = self.rx.decoder.next_piece() else {
                break;
            };
            match piece {
                Piece::Header(h, enc) => self.on_frame_begin(h, enc),
                Piece::Data(chunk) => self.on_frame_data(&chunk),
                Piece::End => {
                    if self.rx.frame.is_some_and(|h| h.len == 0) {
                        self.on_frame_data(&[]);
                    }
                    self.on_frame_end();
                }
            }
        }
    }

    fn on_frame_begin(&mut self, h: FrameHeader, enc: LengthEncoding) {
        self.rx.frames += 1;
        if self.rx.frames > MAX_FRAMES {
            // Failing while closing drops TCP: the flood stops here.
            self.fail(
                close::POLICY_VIOLATION,
                &format!("more than {MAX_FRAMES} frames on one connection"),
            );
            return;
        }
        // The checks run in this order, and the first violation is the one
        // reported.
        let compressed_start = self.check_reserved_bits(&h);
        self.check_masking(&h);
        if opcode::is_control(h.opcode) {
            self.check_control_frame(&h, enc);
        } else {
            self.check_data_frame(&h);
        }
        self.check_length_encoding(&h, enc);
        self.rx.frame = Some(h);
        self.rx.frame_payload.clear();
        if opcode::is_control(h.opcode) {
            self.rx.control.clear();
            return;
        }
        if !self.rx.inside_message {
            self.start_message(&h, compressed_start);
        }
        self.rx.declared = self.rx.declared.saturating_add(h.len);
        if !self.closing.failed_by_me && self.rx.declared > self.opts.max_message {
            let limit = self.opts.max_message;
            self.fail(
                close::MESSAGE_TOO_BIG,
                &format!("message exceeds the limit of {limit} octets"),
            );
        }
    }

    /// RSV1 marks a compressed message, on its first frame only, once
    /// permessage-deflate is agreed; every other reserved bit is an error.
    /// Whether this frame starts a compressed message.
    fn check_reserved_bits(&mut self, h: &FrameHeader) -> bool {
        let compressed_start =
            self.deflate.is_some() && h.rsv == 4 && !opcode::is_control(h.opcode) && !self.rx.inside_message;
        if h.rsv != 0 && !compressed_start {
            let why = match (self.deflate.is_some(), h.rsv) {
                (true, 4) if opcode::is_control(h.opcode) => "a compressed control frame".to_string(),
                (true, 4) => "RSV1 on a continuation frame".to_string(),
                (true, r) => format!("RSV = {r}, and permessage-deflate only uses RSV1"),
                (false, r) => format!("RSV = {r} and no extension negotiated"),
            };
            self.protocol_violation(&why);
        }
        compressed_start
    }

    /// Clients mask every frame, servers none (RFC 6455 §5.1).
    fn check_masking(&mut self, h: &FrameHeader) {
        match (self.role, h.mask.is_some()) {
            (super::Role::Server, false) => self.protocol_violation("unmasked client-to-server frame"),
            (super::Role::Client, true) => self.protocol_violation("masked server-to-client frame"),
            _ => {}
        }
    }

    /// RFC 6455 §5.5: control frames are whole, short, and of a known kind.
    fn check_control_frame(&mut self, h: &FrameHeader, enc: LengthEncoding) {
        if !h.fin {
            self.protocol_violation("fragmented control frame");
        }
        if enc != LengthEncoding::Bits7 || h.len > 125 {
            self.protocol_violation("control frame with payload length > 125 octets");
        }
        if !matches!(h.opcode, opcode::CLOSE | opcode::PING | opcode::PONG) {
            self.protocol_violation(&format!("control frame using reserved opcode {}", h.opcode));
        }
        if h.opcode == opcode::CLOSE && h.len == 1 {
            self.protocol_violation("close frame with payload length 1");
        }
    }

    /// RFC 6455 §5.4: a known data opcode, continuations only inside a
    /// fragmented message, and no new message inside one.
    fn check_data_frame(&mut self, h: &FrameHeader) {
        if h.opcode > opcode::BINARY {
            self.protocol_violation(&format!("data frame using reserved opcode {}", h.opcode));
        }
        if !self.rx.inside_message && h.opcode == opcode::CONTINUATION {
            self.protocol_violation("continuation frame outside a fragmented message");
        }
        if self.rx.inside_message && h.opcode != opcode::CONTINUATION {
            self.protocol_violation("new data frame while a fragmented message is open");
        }
    }

    /// RFC 6455 §5.2: the minimal number of bytes encodes the length, and a
    /// 64-bit length has its top bit clear.
    fn check_length_encoding(&mut self, h: &FrameHeader, enc: LengthEncoding) {
        match enc {
            LengthEncoding::Bits16 if h.len < 126 => {
                self.protocol_violation("frame length not in its shortest encoding")
            }
            LengthEncoding::Bits64 if h.len > i64::MAX as u64 => {
                self.protocol_violation("frame length of 2^63 or more")
            }
            LengthEncoding::Bits64 if h.len < 65536 => {
                self.protocol_violation("frame length not in its shortest encoding")
            }
            _ => {}
        }
    }

    /// The first frame of a data message: the message's state starts over.
    fn start_message(&mut self, h: &FrameHeader, compressed: bool) {
        self.rx.inside_message = true;
        self.rx.binary = h.opcode == opcode::BINARY;
        self.rx.validate_utf8 = h.opcode == opcode::TEXT;
        self.rx.utf8.reset();
        self.rx.utf8_last = None;
        self.rx.received = 0;
        self.rx.body = Default::default();
        self.rx.same = true;
        self.rx.declared = 0;
        self.rx.compressed = compressed;
        if let (true, Some(codec)) = (compressed, self.deflate.as_mut()) {
            codec.start_message();
        }
    }

    fn on_frame_data(&mut self, chunk: &[u8]) {
        let Some(h) = self.rx.frame else { return };
        if self.log.enabled && self.rx.frame_payload.len() < 64 {
            let room = 64 - self.rx.frame_payload.len();
            self.rx.frame_payload.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        if opcode::is_control(h.opcode) {
            let room = CONTROL_KEEP.saturating_sub(self.rx.control.len());
            self.rx.control.extend_from_slice(&chunk[..chunk.len().min(room)]);
            return;
        }
        if self.rx.compressed {
            self.inflate(chunk, false);
        } else {
            self.take_message_data(chunk);
        }
    }

    /// Message bytes (inflated if need be): validated, then taken in as far
    /// as the case's check needs them. No message is kept whole.
    fn take_message_data(&mut self, chunk: &[u8]) {
        if self.rx.validate_utf8 {
            let status = self.rx.utf8.feed(chunk);
            self.rx.utf8_last = Some(status);
            if !status.valid {
                self.invalid_payload("invalid UTF-8 in a text message");
            }
        }
        if self.closing.failed_by_me {
            return;
        }
        let at = self.rx.received as usize;
        self.rx.received += chunk.len() as u64;
        match self.case.check {
            Check::Events { .. } => self.rx.body.feed(chunk),
            Check::Compressed { .. } => {
                let awaited = self.echo.awaited.get(at..at.saturating_add(chunk.len()));
                self.rx.same &= awaited == Some(chunk);
            }
            Check::Echo { .. } => {}
        }
    }

    /// Inflates compressed message data (or, at the end, the restored
    /// tail), never past the message size limit, piece by piece.
    fn inflate(&mut self, chunk: &[u8], end: bool) {
        if self.closing.failed_by_me {
            return;
        }
        let Some(mut codec) = self.deflate.take() else { return };
        let limit = self.opts.max_message.saturating_sub(self.rx.received);
        let mut sink = |piece: &[u8]| self.take_message_data(piece);
        let r = if end {
            codec.end_message(limit, &mut sink)
        } else {
            codec.inflate(chunk, limit, &mut sink)
        };
        self.deflate = Some(codec);
        match r {
            Ok(_) => {}
            Err(e) if e.contains("limit") => self.fail(close::MESSAGE_TOO_BIG, &e),
            Err(e) => self.invalid_payload(&e),
        }
    }

    fn on_frame_end(&mut self) {
        let Some(h) = self.rx.frame.take() else {
            return;
        };
        let shown = std::mem::take(&mut self.rx.frame_payload);
        if opcode::is_control(h.opcode) {
            let payload = std::mem::take(&mut self.rx.control);
            self.log.rx_frame(&h, &payload, h.len);
            self.on_control_frame(h.opcode, payload);
            return;
        }
        self.log.rx_frame(&h, &shown, h.len);
        if !h.fin {
            return;
        }
        if self.rx.compressed {
            self.inflate(&[], true);
        }
        if self.rx.validate_utf8 {
            let complete = self
                .rx
                .utf8_last
                .unwrap_or(Utf8Status {
                    valid: true,
                    complete: true,
                })
                .complete;
            if !complete {
                self.invalid_payload("text message ends inside a UTF-8 code point");
            }
        }
        self.rx.inside_message = false;
        if !self.closing.failed_by_me {
            let binary = self.rx.binary;
            self.on_message(binary);
        }
    }

    fn on_control_frame(&mut self, op: u8, payload: Vec<u8>) {
        match op {
            opcode::CLOSE => {
                let code = (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
                let reason = (payload.len() > 2).then(|| payload[2..].to_vec());
                self.on_close_frame(code, reason);
            }
            // A ping is answered while open; nothing is recorded.
            opcode::PING if self.state == State::Open => {
                if self.reply_backlog > MAX_REPLY_BACKLOG {
                    self.fail(
                        close::POLICY_VIOLATION,
                        &format!(
                            "the peer sends pings and does not read our pongs: {} octets of pongs wait unsent",
                            self.reply_backlog
                        ),
                    );
                    return;
                }
                let mut h = FrameHeader::new(opcode::PONG, true, payload.len() as u64);
                h.mask = self.role_mask();
                self.send_frame(h, &payload, None, None, false);
                if let Some(super::session::Write::Data { reply, bytes, .. }) = self.out.last_mut() {
                    *reply = true;
                    self.reply_backlog += bytes.len() as u64;
                }
            }
            opcode::PONG => self.record(Event::Pong(payload)),
            _ => {}
        }
    }

    /// Over HTTP/2, a client ends its half of the stream once the closing
    /// handshake is done (see `SessionOptions::end_stream_first`).
    fn end_stream_if_http2(&mut self) {
        if self.opts.end_stream_first {
            self.out.push(super::session::Write::EndStream);
        }
    }

    fn on_close_frame(&mut self, code: Option<u16>, reason: Option<Vec<u8>>) {
        self.closing.remote_close_code = code;
        let now = self.log.since_start(self.now);
        self.closing.first_close_at.get_or_insert(now);
        if let Some(c) = code
            && !close::is_sendable(c)
        {
            self.protocol_violation(&format!("invalid close code {c}"));
        }
        if let Some(r) = &reason {
            if std::str::from_utf8(r).is_err() {
                self.invalid_payload("close reason is not valid UTF-8");
            }
            self.closing.remote_close_reason = Some(String::from_utf8_lossy(r).into_owned());
        }
        match self.state {
            State::Closing => {
                self.timers.retain(|(_, t)| *t != Timer::CloseHandshake);
                self.closing.was_clean = true;
                match self.role {
                    super::Role::Server => self.drop_tcp(),
                    super::Role::Client => {
                        let t = self.opts.server_drop_timeout;
                        self.arm(t, Timer::ServerDrop);
                        self.end_stream_if_http2();
                    }
                }
            }
            State::Open => {
                self.closing.was_clean = true;
                self.out.push(super::session::Write::Purge);
                self.send_close(Some(close::NORMAL), None, true);
                match self.role {
                    super::Role::Server => self.drop_tcp(),
                    super::Role::Client => self.end_stream_if_http2(),
                }
            }
            State::Closed => self.closing.was_clean = false,
        }
    }

    fn on_message(&mut self, binary: bool) {
        let got = self.rx.received;
        if let Check::Compressed { data, count, .. } = self.case.check {
            self.on_compressed_echo(got, binary, data.binary(), count);
            return;
        }
        let Check::Echo {
            round,
            rounds,
            len,
            binary: want_binary,
        } = &self.case.check
        else {
            let payload = self.rx.body.finish();
            self.record(Event::Message { payload, binary });
            return;
        };
        let kind = |b: bool| if b { "binary" } else { "text" };
        if binary != *want_binary || got != *len as u64 {
            self.echo.passed = false;
            self.echo.result = Some(format!(
                "Expected a {} message of {} octets, got a {} message of {}.",
                kind(*want_binary),
                len,
                kind(binary),
                got
            ));
        } else {
            self.echo.rounds_done += 1;
            if self.echo.rounds_done < *rounds {
                let round = round.clone();
                for step in &round {
                    self.run_step(step);
                }
                return;
            }
            self.echo.passed = true;
            self.echo.result = Some(format!(
                "Received {} {} message(s) of {} octets.",
                rounds,
                kind(binary),
                got
            ));
        }
        self.log.set_enabled(true);
        self.send_close(Some(close::NORMAL), None, false);
    }

    /// A compression case's echo: identical to what was sent, then the next
    /// message, until `count`; any difference fails the case at once.
    fn on_compressed_echo(&mut self, len: u64, binary: bool, want_binary: bool, count: usize) {
        let kind = |b: bool| if b { "binary" } else { "text" };
        let problem = if binary != want_binary {
            Some(format!(
                "the echo is a {} message; a {} one was sent",
                kind(binary),
                kind(want_binary)
            ))
        } else if len != self.echo.awaited.len() as u64 {
            Some(format!(
                "the echo has {} bytes; {} were sent",
                len,
                self.echo.awaited.len()
            ))
        } else if !self.rx.same {
            Some("the echo's content differs from what was sent".to_string())
        } else {
            None
        };
        if let Some(p) = problem {
            self.echo.result = Some(format!("Message {}: {p}.", self.echo.rounds_done + 1));
        } else {
            self.echo.rounds_done += 1;
            if self.echo.rounds_done < count {
                self.send_next_compressed();
                return;
            }
            self.echo.passed = true;
            self.echo.result = Some(format!("All {count} compressed messages came back identical."));
        }
        self.log.set_enabled(true);
        self.send_close(Some(close::NORMAL), None, false);
    }

    /// Records an event; once the events match every expected outcome, the
    /// case starts the closing handshake itself if it is to close.
    pub(super) fn record(&mut self, e: Event) {
        if self.received.len() >= MAX_EVENTS {
            // A flood: no case expects this many events, and keeping them
            // all would let a peer grow our memory without bound.
            self.fail(
                close::POLICY_VIOLATION,
                &format!("more than {MAX_EVENTS} messages and pongs"),
            );
            return;
        }
        self.received.push(e);
        let all_match = match &self.case.check {
            Check::Events { outcomes, .. } => outcomes.iter().all(|(_, ev)| *ev == self.received),
            Check::Echo { .. } | Check::Compressed { .. } => true,
        };
        if all_match && self.case.close.closed_by_me && !self.case.suppress_close {
            let code = self.case.close.codes.first().copied();
            self.send_close(code, None, false);
        }
        self.wake_if_waited_for();
        self.hasten_kill_if_decided();
    }
}
