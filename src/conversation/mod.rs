//! Generated conversations judged by an executable model of RFC 6455
//! (`wsspec fuzz`): a seeded generator draws frame sequences (`generate`),
//! the model says what an echo peer must do with them (`model`), each
//! becomes a custom case file and runs as one (`case_file`), and a
//! conversation the peer fails is made as small as it can be while it
//! still fails (`shrink`), then written where `--cases-dir` replays it
//! (`run`).

pub mod case_file;
pub mod generate;
pub mod model;
pub mod run;
pub mod shrink;

use crate::catalogue::Mask;

/// One frame we send: any opcode, RSV bits and payload, legal or not.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    pub opcode: u8,
    pub fin: bool,
    pub rsv: u8,
    /// The octets, or with `compressed` the plain data they deflate from.
    pub payload: Vec<u8>,
    /// Written this many octets at a time.
    pub chop: Option<usize>,
    /// Part of a compressed message: the payload is deflated as it is
    /// sent, in the connection's context (RSV1 is the first frame's `rsv`).
    pub compressed: bool,
    /// A fresh random key (`Role`), a chosen one, or none at all.
    pub mask: Mask,
    /// Milliseconds to wait after writing it (0: none).
    pub pause_ms: u16,
}

impl Frame {
    pub fn new(opcode: u8, fin: bool, payload: impl Into<Vec<u8>>) -> Frame {
        Frame {
            opcode,
            fin,
            rsv: 0,
            payload: payload.into(),
            chop: None,
            compressed: false,
            mask: Mask::Role,
            pause_ms: 0,
        }
    }
}

/// The permessage-deflate offer a conversation makes (RFC 7692 §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeflateOffer {
    /// We ask the server to start each message with a fresh context.
    pub server_no_context_takeover: bool,
    /// We ask the server for a window of this many bits.
    pub server_max_window_bits: Option<u8>,
    /// We let the server ask us for a smaller window.
    pub client_max_window_bits: bool,
}

/// A generated conversation: the frames, in order, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    pub seed: u64,
    pub index: u64,
    /// Offered in the opening handshake: the conversation needs it agreed.
    pub deflate: Option<DeflateOffer>,
    pub frames: Vec<Frame>,
}

impl Conversation {
    /// What the model expects of an echo peer.
    pub fn expectation(&self) -> model::Expectation {
        model::expect(&self.frames, self.deflate.is_some())
    }

    /// Whether the model judges it exactly (`model::judgeable`).
    pub fn judgeable(&self) -> bool {
        model::judgeable(&self.frames, self.deflate.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::model::{self, Heard};
    use super::*;
    use crate::catalogue::{Amend, Behavior, Case, Check, Event, Step, Until};
    use crate::wire::{close, frame::opcode};

    /// The frames a catalogue case sends, when the model can express them:
    /// frames, messages and closes; waits for events only. None for raw
    /// bytes, timed waits, or frames that lie about their length.
    fn frames_of(case: &Case) -> Option<Vec<Frame>> {
        let mut out = Vec::new();
        for step in &case.script {
            match step {
                Step::Frame(f) if f.mask == Mask::Role && f.declared_len.is_none() => out.push(Frame {
                    opcode: f.opcode,
                    fin: f.fin,
                    rsv: f.rsv,
                    payload: f.payload.bytes().into_owned(),
                    chop: None,
                    compressed: false,
                    mask: Mask::Role,
                    pause_ms: 0,
                }),
                Step::Message {
                    payload,
                    binary,
                    fragment_size,
                } => {
                    let data = payload.bytes().into_owned();
                    let size = fragment_size.unwrap_or(data.len()).max(1);
                    let pieces: Vec<&[u8]> = if data.is_empty() {
                        vec![&[]]
                    } else {
                        data.chunks(size).collect()
                    };
                    for (i, p) in pieces.iter().enumerate() {
                        let op = match (i, binary) {
                            (0, true) => opcode::BINARY,
                            (0, false) => opcode::TEXT,
                            _ => opcode::CONTINUATION,
                        };
                        out.push(Frame::new(op, i + 1 == pieces.len(), p.to_vec()));
                    }
                }
                Step::Close { code, reason, .. } => {
                    out.push(Frame::new(
                        opcode::CLOSE,
                        true,
                        close::payload(*code, reason.as_deref()),
                    ));
                }
                Step::Wait {
                    until: Until::Events(_),
                    ..
                }
                | Step::KillAfter(_)
                | Step::CloseAfter(_) => {}
                _ => return None,
            }
        }
        Some(out)
    }

    fn event(h: &Heard) -> Event {
        match h {
            Heard::Message { payload, binary } => crate::catalogue::message(payload, *binary),
            Heard::Pong(p) => crate::catalogue::pong(p),
        }
    }

    /// Every case of sections 1-7 the model can express gets from the model
    /// the outcomes and ending its own rules give: the model agrees with
    /// Autobahn's verdicts on Autobahn's conversations.
    #[test]
    fn the_model_agrees_with_autobahn_on_every_case_it_expresses() {
        let mut expressed = 0;
        let mut differ = Vec::new();
        for case in crate::catalogue::all()
            .iter()
            .filter(|c| (1..=7).contains(&c.section()))
        {
            let Check::Events { outcomes, amend } = &case.check else {
                continue;
            };
            if *amend == Amend::Informational {
                continue;
            }
            let Some(frames) = frames_of(case) else { continue };
            expressed += 1;
            let e = model::expect(&frames, false);
            let mut want: Vec<(Behavior, Vec<Event>)> = vec![(Behavior::Ok, e.ok.iter().map(event).collect())];
            if let Some(ns) = &e.non_strict {
                want.push((Behavior::NonStrict, ns.iter().map(event).collect()));
            }
            let mut codes = e.ending.codes.clone();
            let mut theirs = case.close.codes.clone();
            codes.sort_unstable();
            theirs.sort_unstable();
            theirs.dedup();
            let same = *outcomes == want
                && case.close.closed_by_me == e.ending.by_us
                && codes == theirs
                && case.close.require_clean == e.ending.clean;
            if !same {
                differ.push(format!(
                    "{}: Autobahn {:?} close by_me={} {:?} clean={} amend={:?}; model {:?} {:?}",
                    case.id, outcomes, case.close.closed_by_me, theirs, case.close.require_clean, amend, want, e.ending
                ));
            }
        }
        assert!(expressed >= 150, "only {expressed} cases expressed");
        assert!(
            differ.is_empty(),
            "{} of {expressed} differ:\n{}",
            differ.len(),
            differ.join("\n")
        );
    }

    #[test]
    fn a_seed_gives_the_same_conversations_byte_for_byte() {
        for deflate in [false, true] {
            for i in 0..200 {
                let a = generate::conversation(7, i, deflate);
                let b = generate::conversation(7, i, deflate);
                assert_eq!(a, b);
                let id = case_file::id_of(&a);
                let fa = case_file::file(&a, &id, &a.expectation(), "");
                let fb = case_file::file(&b, &id, &b.expectation(), "");
                assert_eq!(fa.to_string(), fb.to_string());
                // And every conversation runs as a case file reads it.
                let case = case_file::case(&fa).unwrap_or_else(|e| panic!("{id}: {e}"));
                assert_eq!(case.deflate.is_some(), deflate);
            }
        }
        assert_ne!(generate::conversation(7, 0, false), generate::conversation(8, 0, false));
    }

    /// The grammar with and without permessage-deflate: mostly valid, every
    /// kind of violation drawn, each conversation judgeable.
    fn mostly_valid(deflate: bool, kinds_at_least: usize) -> std::collections::BTreeSet<model::Rule> {
        let conversations: Vec<_> = (0..1000).map(|i| generate::conversation(3, i, deflate)).collect();
        let rules: Vec<_> = conversations.iter().map(|c| c.expectation().rule).collect();
        let valid = rules
            .iter()
            .filter(|r| matches!(r, model::Rule::Echo | model::Rule::Close))
            .count();
        assert!((500..950).contains(&valid), "{valid} of 1000 valid");
        for (i, c) in conversations.iter().enumerate() {
            assert!(c.judgeable(), "{i}: {:?}", c.frames);
        }
        let kinds: std::collections::BTreeSet<_> = rules.into_iter().collect();
        assert!(kinds.len() >= kinds_at_least, "{kinds:?}");
        kinds
    }

    #[test]
    fn conversations_are_mostly_valid_with_one_violation_at_most() {
        mostly_valid(false, 10);
    }

    #[test]
    fn with_deflate_compressed_and_plain_messages_mix_and_rfc_7692_is_broken_too() {
        let kinds = mostly_valid(true, 12);
        assert!(kinds.contains(&model::Rule::CompressedControl), "{kinds:?}");
        assert!(kinds.contains(&model::Rule::CompressedContinuation), "{kinds:?}");
        let conversations: Vec<_> = (0..300).map(|i| generate::conversation(3, i, true)).collect();
        let mixed = conversations.iter().filter(|c| {
            let starts: Vec<bool> = c
                .frames
                .iter()
                .filter(|f| matches!(f.opcode, opcode::TEXT | opcode::BINARY))
                .map(|f| f.compressed)
                .collect();
            starts.contains(&true) && starts.contains(&false)
        });
        assert!(mixed.count() >= 10);
        let offers: std::collections::HashSet<_> = conversations.iter().map(|c| c.deflate).collect();
        assert!(offers.len() >= 8, "{offers:?}");
        // Without deflate a seed's conversations are what they were.
        assert!((0..300).all(|i| generate::conversation(3, i, false).deflate.is_none()));
    }

    /// RFC 7692 §6.1 and RFC 6455 §8.1 after inflating, in the model.
    #[test]
    fn the_model_reads_rsv1_by_whether_deflate_is_agreed() {
        let compressed = |op, fin, rsv| Frame {
            rsv,
            compressed: true,
            ..Frame::new(op, fin, "data")
        };
        let rule = |frames: &[Frame], deflate| model::expect(frames, deflate).rule;
        let start = compressed(opcode::TEXT, true, 4);
        assert_eq!(rule(std::slice::from_ref(&start), true), model::Rule::Echo);
        assert_eq!(rule(std::slice::from_ref(&start), false), model::Rule::ReservedBits);
        let on_continuation = [
            compressed(opcode::TEXT, false, 4),
            compressed(opcode::CONTINUATION, true, 4),
        ];
        assert_eq!(rule(&on_continuation, true), model::Rule::CompressedContinuation);
        let ping = Frame {
            rsv: 4,
            ..Frame::new(opcode::PING, true, "p")
        };
        assert_eq!(rule(&[ping], true), model::Rule::CompressedControl);
        let rsv2 = compressed(opcode::TEXT, true, 2);
        assert_eq!(rule(&[rsv2], true), model::Rule::ReservedBits);
        let bad = Frame {
            rsv: 4,
            compressed: true,
            ..Frame::new(opcode::TEXT, true, &b"ok \xED\xA0\x80"[..])
        };
        assert_eq!(rule(&[bad], true), model::Rule::InvalidUtf8);
        // RFC 6455 §5.1, whatever else the frame is.
        let unmasked = Frame {
            mask: Mask::Unmasked,
            ..start.clone()
        };
        assert_eq!(rule(&[unmasked], true), model::Rule::Unmasked);
        let zero_key = Frame {
            mask: Mask::Key([0; 4]),
            ..start.clone()
        };
        assert_eq!(rule(&[zero_key], true), model::Rule::Echo);
        // The echo of a compressed message is its plain data.
        assert_eq!(
            model::expect(&[start], true).ok,
            [model::Heard::Message {
                payload: b"data".to_vec(),
                binary: false
            }]
        );
    }

    /// The index of the first conversation of `seed` with a ping between two
    /// fragments of a 126-octet text message (tests/fuzz.rs plants that bug).
    fn first_planted(seed: u64) -> Option<u64> {
        (0..20_000).find(|&i| {
            let c = generate::conversation(seed, i, false);
            c.expectation().rule == model::Rule::Echo && has_planted(&c.frames)
        })
    }

    fn has_planted(frames: &[Frame]) -> bool {
        let (mut len, mut pinged, mut open) = (0, false, false);
        for f in frames {
            match f.opcode {
                opcode::TEXT if !f.fin => (len, pinged, open) = (f.payload.len(), false, true),
                opcode::PING if open => pinged = true,
                opcode::CONTINUATION if open => {
                    len += f.payload.len();
                    if f.fin {
                        if len == 126 && pinged {
                            return true;
                        }
                        open = false;
                    }
                }
                _ => {}
            }
        }
        false
    }

    #[test]
    fn seed_1_plants_a_ping_inside_a_126_octet_text_early() {
        let at = first_planted(1).expect("seed 1 has the pattern");
        eprintln!("seed 1: first planted pattern at conversation {at}");
        assert_eq!(at, 523, "tests/fuzz.rs runs seed 1 up to it");
    }
}
