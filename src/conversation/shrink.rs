//! Smaller conversations to try, from one that fails: fewer frames, no
//! chops, nothing compressed, no offer, shorter or plainer payloads. The runner keeps the first that
//! still fails by the same rule and asks again, until none does.

use super::{Conversation, Frame};
use crate::catalogue::Mask;
use crate::wire::frame::opcode;

/// Candidates, the largest steps first.
pub fn candidates(c: &Conversation) -> Vec<Conversation> {
    let mut out = Vec::new();
    let with = |frames: Vec<Frame>| Conversation { frames, ..c.clone() };
    // Without one frame.
    for i in 0..c.frames.len() {
        let mut f = c.frames.clone();
        f.remove(i);
        out.push(with(f));
    }
    // Two fragments of one message as one.
    for i in 1..c.frames.len() {
        let (a, b) = (&c.frames[i - 1], &c.frames[i]);
        if !a.fin
            && matches!(a.opcode, opcode::TEXT | opcode::BINARY | opcode::CONTINUATION)
            && b.opcode == opcode::CONTINUATION
        {
            let mut frames = c.frames.clone();
            let next = frames.remove(i);
            frames[i - 1].payload.extend_from_slice(&next.payload);
            frames[i - 1].fin = next.fin;
            out.push(with(frames));
        }
    }
    // No chops at all.
    if c.frames.iter().any(|f| f.chop.is_some()) {
        out.push(with(
            c.frames.iter().cloned().map(|f| Frame { chop: None, ..f }).collect(),
        ));
    }
    // No pauses; every mask the role's own.
    if c.frames.iter().any(|f| f.pause_ms > 0) {
        out.push(with(
            c.frames.iter().cloned().map(|f| Frame { pause_ms: 0, ..f }).collect(),
        ));
    }
    if c.frames.iter().any(|f| f.mask != Mask::Role) {
        out.push(with(
            c.frames
                .iter()
                .cloned()
                .map(|f| Frame { mask: Mask::Role, ..f })
                .collect(),
        ));
    }
    // Nothing compressed; then, with no RSV bit left, no offer either.
    if c.frames.iter().any(|f| f.compressed) {
        let plain = |f: Frame| Frame {
            compressed: false,
            rsv: if f.compressed { f.rsv & !4 } else { f.rsv },
            ..f
        };
        out.push(with(c.frames.iter().cloned().map(plain).collect()));
    } else if c.deflate.is_some() && c.frames.iter().all(|f| f.rsv == 0) {
        out.push(Conversation {
            deflate: None,
            ..c.clone()
        });
    }
    // Shorter payloads: a control frame's emptied, a data frame's halved.
    for (i, f) in c.frames.iter().enumerate() {
        if f.payload.is_empty() {
            continue;
        }
        let mut frames = c.frames.clone();
        let keep = if opcode::is_control(f.opcode) {
            0
        } else {
            f.payload.len() / 2
        };
        frames[i].payload.truncate(keep);
        out.push(with(frames));
    }
    // Plainer payloads: the same length in '*' (valid UTF-8, easy to read).
    for (i, f) in c.frames.iter().enumerate() {
        if f.opcode != opcode::CLOSE && f.payload.iter().any(|&b| b != b'*') {
            let mut frames = c.frames.clone();
            frames[i].payload = vec![b'*'; f.payload.len()];
            out.push(with(frames));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_candidate_is_smaller_or_plainer() {
        let c = Conversation {
            seed: 1,
            index: 2,
            deflate: Some(crate::conversation::DeflateOffer {
                server_no_context_takeover: true,
                server_max_window_bits: None,
                client_max_window_bits: true,
            }),
            frames: vec![
                Frame {
                    chop: Some(3),
                    rsv: 4,
                    compressed: true,
                    pause_ms: 10,
                    mask: Mask::Key([0; 4]),
                    ..Frame::new(opcode::TEXT, false, "κόσμε")
                },
                Frame::new(opcode::PING, true, "p"),
                Frame {
                    compressed: true,
                    ..Frame::new(opcode::CONTINUATION, true, "x")
                },
            ],
        };
        let size = |c: &Conversation| {
            (
                c.frames.len(),
                c.frames
                    .iter()
                    .map(|f| {
                        usize::from(f.chop.is_some()) + usize::from(f.pause_ms > 0) + usize::from(f.mask != Mask::Role)
                    })
                    .sum::<usize>(),
                c.frames.iter().filter(|f| f.compressed).count() + usize::from(c.deflate.is_some()),
                c.frames.iter().map(|f| f.payload.len()).sum::<usize>(),
                c.frames.iter().flat_map(|f| &f.payload).filter(|&&b| b != b'*').count(),
            )
        };
        for k in candidates(&c) {
            assert!(size(&k) < size(&c), "{k:?}");
        }
    }
}
