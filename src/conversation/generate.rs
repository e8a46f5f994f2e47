//! Seeded, reproducible conversations from a grammar of frames: messages
//! (text with multi-byte UTF-8 split anywhere, or binary) whole or in
//! fragments, pings between fragments, pongs, sizes at the edges of the
//! length encodings, chops, chosen mask keys, pauses; weighted toward valid conversations, with at
//! most one violation, and sometimes a close at the end. With
//! permessage-deflate (when every peer agrees to it), each conversation
//! makes an offer drawn from RFC 7692's parameters, compressed and plain
//! messages mix in it, and three more violations join: RSV1 on a control
//! frame, RSV1 on a continuation, invalid UTF-8 inside compressed text.
//! Without it, a seed's conversations are what they always were.

use super::{Conversation, DeflateOffer, Frame};
use crate::catalogue::Mask;
use crate::wire::frame::opcode;

/// SplitMix64: a generator whose sequence for a seed is fixed by this code
/// alone, so a seed reproduces its conversations byte for byte in any
/// build (a library generator may change its algorithm between versions).
pub struct Draw(u64);

impl Draw {
    pub fn new(seed: u64) -> Draw {
        Draw(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// True with probability `p` in percent.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() - 1)]
    }
}

/// Payload lengths, weighted to the edges of the 7-, 16- and 64-bit forms.
const LENGTHS: [usize; 12] = [0, 1, 2, 7, 32, 125, 126, 127, 200, 1000, 65535, 65536];

/// Text pieces: ASCII and 2-, 3- and 4-octet code points.
const TEXT: [&str; 6] = ["Hello", "*", "κόσμε", "€", "𝄞", "\u{ffff}"];

/// Conversation `index` of `seed`.
///
/// What the model can judge exactly shapes the grammar. An echo is the
/// application's and a pong the protocol's, so a pong may overtake the
/// echo of a message that came before its ping: a ping comes only while no
/// echo is pending. A peer that fails the connection (or closes) may drop
/// echoes it had not yet written: a violation or a close follows at most
/// one thing that has an answer, as in Autobahn's cases (3.2, 7.1.1).
///
/// `deflate`: the conversation offers permessage-deflate and may compress.
pub fn conversation(seed: u64, index: u64, deflate: bool) -> Conversation {
    let mut d = Draw::new(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
    let offer = deflate.then(|| DeflateOffer {
        server_no_context_takeover: d.chance(30),
        server_max_window_bits: d.chance(30).then(|| *d.pick(&[9u8, 10, 12, 15])),
        client_max_window_bits: d.chance(80),
    });
    let g = Grammar { deflate };
    let violating = d.chance(40);
    let closing = !violating && d.chance(15);
    let items = if violating || closing {
        d.range(0, 1)
    } else {
        d.range(1, 4)
    };
    let mut frames = Vec::new();
    // Before a violation: one message (no ping inside) or a pong; before
    // our close: a ping or a pong; one ping at most (`model::judgeable`).
    let mut pending = violating;
    for _ in 0..items {
        if closing {
            let op = if d.chance(50) { opcode::PING } else { opcode::PONG };
            frames.push(Frame::new(op, true, payload(&mut d, 125, false)));
        } else {
            item(&mut d, g, &mut frames, &mut pending);
        }
    }
    if violating {
        frames.extend(violation(&mut d, g));
        // What follows a violation is never answered.
        for _ in 0..d.range(0, 2) {
            item(&mut d, g, &mut frames, &mut pending);
        }
    }
    if closing {
        let code = *d.pick(&[1000u16, 1001, 3000, 4999]);
        let mut p = code.to_be_bytes().to_vec();
        let reason = *d.pick(&TEXT);
        p.extend_from_slice(reason.as_bytes());
        frames.push(Frame::new(opcode::CLOSE, true, p));
    }
    // Nothing follows our close frame (RFC 6455 §5.5.1: no data after it).
    if let Some(at) = frames.iter().position(|f| f.opcode == opcode::CLOSE) {
        frames.truncate(at + 1);
    }
    // One ping at most, before any violation: a peer may answer only the
    // last of several (RFC 6455 §5.5.3). Later ones become pongs.
    let mut pinged = false;
    for f in &mut frames {
        if f.opcode == opcode::PING && f.fin && f.payload.len() <= 125 {
            if pinged {
                f.opcode = opcode::PONG;
            }
            pinged = true;
        }
    }
    // Chops on frames up to 4 KiB: a 64 KiB frame in 1-octet pieces tests
    // the peer's patience, not its parser.
    for f in &mut frames {
        if d.chance(20) && f.payload.len() <= 4096 {
            let wire_len = f.payload.len() + 6;
            f.chop = Some(d.range(1, wire_len.clamp(1, 64)));
        }
    }
    // Now and then a chosen mask key (all zeros leaves the payload as it
    // is on the wire, which is still masked) and a pause after a frame.
    for f in &mut frames {
        if f.mask == Mask::Role && d.chance(5) {
            f.mask = Mask::Key(*d.pick(&[[0u8; 4], [0xff; 4], [0x37, 0xfa, 0x21, 0x3d]]));
        }
        if d.chance(5) {
            f.pause_ms = *d.pick(&[1u16, 10, 50]);
        }
    }
    Conversation {
        seed,
        index,
        deflate: offer,
        frames,
    }
}

/// What the grammar may draw on.
#[derive(Clone, Copy)]
struct Grammar {
    /// permessage-deflate is offered: messages may be compressed.
    deflate: bool,
}

/// A message, a ping (while no echo is pending) or an unsolicited pong.
fn item(d: &mut Draw, g: Grammar, frames: &mut Vec<Frame>, pending: &mut bool) {
    match d.range(0, 9) {
        0..=6 => {
            frames.extend(message(d, g, !*pending));
            *pending = true;
        }
        7 | 8 if !*pending => frames.push(Frame::new(opcode::PING, true, payload(d, 125, false))),
        _ => frames.push(Frame::new(opcode::PONG, true, payload(d, 125, false))),
    }
}

/// A payload of at most `max` octets: text when `text`, else bytes.
fn payload(d: &mut Draw, max: usize, text: bool) -> Vec<u8> {
    let len = (*d.pick(&LENGTHS)).min(max);
    if !text {
        let b = d.next_u64() as u8;
        return (0..len).map(|i| b.wrapping_add(i as u8)).collect();
    }
    let mut s = String::new();
    while s.len() < len {
        let piece = *d.pick(&TEXT);
        s.push_str(piece);
    }
    s.into_bytes()
}

/// A valid message, whole or in fragments (split at any octet, UTF-8 code
/// points included), sometimes with a ping between two fragments when
/// `pings` (no echo pending); compressed or not, with deflate.
fn message(d: &mut Draw, g: Grammar, pings: bool) -> Vec<Frame> {
    let binary = d.chance(35);
    let data = payload(d, 65536, !binary);
    let first = if binary { opcode::BINARY } else { opcode::TEXT };
    let pieces = if data.len() > 1 && d.chance(40) {
        d.range(2, 4)
    } else {
        1
    };
    let mut cuts: Vec<usize> = (1..pieces).map(|_| d.range(0, data.len())).collect();
    cuts.sort_unstable();
    let mut frames = Vec::new();
    let mut start = 0;
    for (i, end) in cuts.into_iter().chain([data.len()]).enumerate() {
        let op = if i == 0 { first } else { opcode::CONTINUATION };
        frames.push(Frame::new(op, i == pieces - 1, data[start..end.max(start)].to_vec()));
        start = end.max(start);
        if pings && i + 1 < pieces && d.chance(30) {
            frames.push(Frame::new(opcode::PING, true, payload(d, 125, false)));
        }
    }
    if g.deflate && d.chance(60) {
        compress(&mut frames);
    }
    frames
}

/// The data frames of one message, compressed: RSV1 on the first.
fn compress(frames: &mut [Frame]) {
    let mut first = true;
    for f in frames.iter_mut().filter(|f| !opcode::is_control(f.opcode)) {
        f.compressed = true;
        if first {
            f.rsv = 4;
            first = false;
        }
    }
}

/// One violation of RFC 6455 (one frame, or the frames that make it), or
/// with deflate of RFC 7692.
fn violation(d: &mut Draw, g: Grammar) -> Vec<Frame> {
    if g.deflate && d.chance(30) {
        return match d.range(0, 2) {
            0 => {
                let mut ping = Frame::new(opcode::PING, true, "p");
                ping.rsv = 4;
                vec![ping]
            }
            1 => {
                let mut frames = vec![
                    Frame::new(opcode::TEXT, false, "one"),
                    Frame::new(opcode::CONTINUATION, true, "two"),
                ];
                compress(&mut frames);
                frames[1].rsv = 4;
                frames
            }
            _ => {
                let mut frames = vec![invalid_utf8(d)];
                compress(&mut frames);
                frames
            }
        };
    }
    match d.range(0, 9) {
        0 => {
            let mut f = Frame::new(opcode::TEXT, true, "Hello");
            // RSV1 with deflate agreed is a compressed message, not this.
            f.rsv = match d.range(1, 7) as u8 {
                4 if g.deflate => 2,
                r => r,
            };
            vec![f]
        }
        1 => vec![Frame::new(*d.pick(&[3u8, 4, 5, 6, 7, 11, 12, 13, 14, 15]), true, "x")],
        2 => vec![Frame::new(opcode::PING, true, vec![b'p'; d.range(126, 200)])],
        3 => vec![
            Frame::new(opcode::PING, false, "a"),
            Frame::new(opcode::CONTINUATION, true, "b"),
        ],
        4 => vec![Frame::new(opcode::CONTINUATION, true, "lost")],
        5 => vec![
            Frame::new(opcode::TEXT, false, "one"),
            Frame::new(opcode::TEXT, true, "two"),
        ],
        6 => vec![invalid_utf8(d)],
        7 => vec![Frame::new(
            opcode::CLOSE,
            true,
            (*d.pick(&[0u16, 999, 1004, 1005, 1006, 1015, 2000, 5000]))
                .to_be_bytes()
                .to_vec(),
        )],
        8 => {
            let mut p = 1000u16.to_be_bytes().to_vec();
            p.extend_from_slice(&[0xCE, 0xBA, 0xE1, 0xBD]);
            vec![Frame::new(opcode::CLOSE, true, p)]
        }
        _ => vec![Frame {
            mask: Mask::Unmasked,
            ..Frame::new(opcode::TEXT, true, "Hello")
        }],
    }
}

/// A text frame with invalid UTF-8 inside valid text: a lone continuation
/// octet, an overlong form, a surrogate, or a code point over U+10FFFF.
fn invalid_utf8(d: &mut Draw) -> Frame {
    const BAD: [&[u8]; 4] = [&[0x80], &[0xC0, 0xAF], &[0xED, 0xA0, 0x80], &[0xF4, 0x90, 0x80, 0x80]];
    let bad = *d.pick(&BAD);
    let mut p = b"ok ".to_vec();
    p.extend_from_slice(bad);
    p.extend_from_slice(b" after");
    Frame::new(opcode::TEXT, true, p)
}
