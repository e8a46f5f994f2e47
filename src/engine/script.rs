//! Running a case's steps: frames, messages, closes, waits and the timers
//! that bound the case.

use serde_json::json;

use super::session::{Session, State, Timer};
use crate::catalogue::{Event, Mask, Payload, Step};
use crate::wire::frame::{FrameHeader, opcode};

impl Session<'_> {
    /// Runs steps from the current position until a wait or the end.
    pub(super) fn run_script(&mut self) {
        let script = &self.case.script;
        while self.pc < script.len() && self.waiting.is_none() {
            let step = &script[self.pc];
            self.pc += 1;
            if !self.run_step(step) {
                self.pc = script.len();
            }
        }
        self.hasten_kill_if_decided();
    }

    /// One step; false stops the script.
    pub(super) fn run_step(&mut self, step: &Step) -> bool {
        match step {
            Step::Frame(f) => self.send_scripted_frame(f),
            Step::Raw { bytes, chop } => self.queue(bytes.clone(), *chop, false),
            Step::Message {
                payload,
                binary,
                fragment_size,
            } => {
                if self.state == State::Open {
                    self.send_message(&payload.bytes(), *binary, *fragment_size);
                }
            }
            Step::FrameHead { opcode, fin, len } => {
                if self.state == State::Open {
                    self.send_frame_head(*opcode, *fin, *len);
                }
            }
            Step::FrameBody(data) => {
                if self.state == State::Open {
                    self.send_frame_body(data);
                }
            }
            Step::Close { code, reason, chop } => self.send_close_chopped(*code, reason.as_deref(), false, *chop),
            Step::Wait { max, until: _, tag } => {
                self.log.timer(json!(["CT", max.as_secs_f64(), tag]));
                self.waiting = match step {
                    Step::Wait { until, .. } => Some(*until),
                    _ => None,
                };
                self.arm(*max, Timer::Script);
                self.wake_if_waited_for();
            }
            Step::Checkpoint(tag) => {
                if self.state != State::Open {
                    return false;
                }
                self.received.push(Event::Timeout(tag.clone()));
            }
            Step::KillAfter(d) => {
                self.log.timer(json!(["KL", d.as_secs_f64()]));
                self.kill_after = Some(*d);
                self.arm(*d, Timer::Kill);
            }
            Step::CloseAfter(d) => {
                self.log.timer(json!(["TI", d.as_secs_f64()]));
                self.arm(*d, Timer::CloseAfter);
            }
        }
        true
    }

    /// A frame as the case writes it, legal or not: its header (with the
    /// declared length and reserved bits it gives) and its payload.
    fn send_scripted_frame(&mut self, f: &crate::catalogue::FrameSpec) {
        if f.compress
            && let Some(codec) = self.deflate.as_mut()
        {
            // The deflated bytes are what this frame carries; the rest of
            // the frame (RSV1 on a message's first frame) is as written.
            let first = f.opcode != opcode::CONTINUATION;
            let payload = Payload::Bytes(codec.compress_fragment(&f.payload.bytes(), first, f.fin));
            let f = crate::catalogue::FrameSpec {
                payload,
                compress: false,
                ..f.clone()
            };
            return self.send_scripted_frame(&f);
        }
        let len = f.declared_len.unwrap_or(f.payload.len() as u64);
        let mut h = FrameHeader::new(f.opcode, f.fin, len);
        h.rsv = f.rsv;
        h.mask = match f.mask {
            Mask::Role => self.role_mask(),
            Mask::Key(k) => Some(k),
            Mask::Unmasked => None,
        };
        let repeat = matches!(f.payload, Payload::Repeat { .. }).then(|| f.payload.len());
        self.log.tx_frame(&h, &f.payload.prefix(64), repeat, f.chop, f.sync);
        // Header and payload go straight into one buffer, masked in
        // place: a 16 MiB frame costs 16 MiB, not twice that.
        let mut bytes = Vec::with_capacity(f.payload.len() + 14);
        h.encode(&mut bytes);
        let start = bytes.len();
        f.payload.extend_into(&mut bytes);
        if let Some(k) = h.mask {
            crate::wire::mask::apply_mask(&mut bytes[start..], k, 0);
        }
        self.queue(bytes, f.chop, f.sync);
    }

    /// A frame header alone; its payload follows in `FrameBody` steps.
    fn send_frame_head(&mut self, opcode: u8, fin: bool, len: u64) {
        let mut h = FrameHeader::new(opcode, fin, len);
        h.mask = self.role_mask();
        self.log.tx_frame(&h, &[], None, None, false);
        let mut bytes = Vec::new();
        h.encode(&mut bytes);
        self.queue(bytes, None, false);
        self.open_frame = Some((h.mask, 0));
    }

    /// Payload octets of the frame a `FrameHead` opened, masked where they
    /// fall in the frame.
    fn send_frame_body(&mut self, data: &[u8]) {
        let Some((mask, offset)) = self.open_frame else { return };
        let mut bytes = data.to_vec();
        if let Some(k) = mask {
            crate::wire::mask::apply_mask(&mut bytes, k, offset);
        }
        self.open_frame = Some((mask, offset + bytes.len()));
        self.queue(bytes, None, false);
    }

    /// A message through the normal send path, fragmented like Autobahn's
    /// `sendMessage`: when the payload is an exact multiple of the fragment
    /// size, an empty final fragment carries FIN. With permessage-deflate
    /// agreed the message is compressed and its first frame has RSV1.
    pub(super) fn send_message(&mut self, payload: &[u8], binary: bool, fragment_size: Option<usize>) {
        let op = if binary { opcode::BINARY } else { opcode::TEXT };
        let (payload, rsv) = match self.deflate.as_mut() {
            Some(codec) => (std::borrow::Cow::Owned(codec.compress(payload)), 4),
            None => (std::borrow::Cow::Borrowed(payload), 0),
        };
        let size = match fragment_size {
            Some(s) if s > 0 && payload.len() > s => s,
            _ => usize::MAX,
        };
        let mut start: usize = 0;
        let mut first = true;
        loop {
            let end = start.saturating_add(size);
            let last = end > payload.len() || size == usize::MAX;
            let piece = &payload[start..end.min(payload.len())];
            let mut h = FrameHeader::new(if first { op } else { opcode::CONTINUATION }, last, piece.len() as u64);
            h.mask = self.role_mask();
            if first {
                h.rsv = rsv;
            }
            self.send_frame(h, piece, None, None, false);
            if last {
                break;
            }
            first = false;
            start = end;
        }
    }

    /// The next message of a compression case: the next `len` bytes of its
    /// test data, wrapping around.
    pub(super) fn send_next_compressed(&mut self) {
        let crate::catalogue::Check::Compressed {
            data, len, fragment, ..
        } = self.case.check
        else {
            return;
        };
        let msg = self.opts.testdata.next_message(data, len, &mut self.echo.data_ptr);
        self.send_message(&msg, data.binary(), Some(fragment));
        self.echo.awaited = msg;
    }
}
