//! What RFC 6455 requires of an echo peer, given the frames we send, as
//! Autobahn's cases state it: the events a conforming peer gives, the ones
//! that are allowed but miss a SHOULD, and how the connection must end.
//! One rule per violation, each with the sentence it rests on.
//!
//! Walking the frames in order: every complete valid message is echoed
//! with its type, a ping is answered in place with a pong carrying its
//! payload (inside a fragmented message too), a pong is dropped; the first
//! violation ends the walk (the peer fails the connection with 1002, or
//! 1007 for invalid UTF-8, or drops it); a close ends it too (the peer
//! answers with a close). What a conforming peer echoed before a violation
//! is OK; failing before echoing it is NON-STRICT, as in Autobahn 3.2.
//!
//! With permessage-deflate agreed (RFC 7692), RSV1 on a message's first
//! frame marks it compressed: the frames carry deflated octets, and the
//! rules hold for the data they inflate to (an echo is that data, its
//! UTF-8 is checked); RSV1 anywhere else fails the connection.

use super::Frame;
use crate::catalogue::Mask;
use crate::catalogue::opening::Clause;
use crate::wire::close;
use crate::wire::frame::opcode;
use crate::wire::utf8::Utf8Validator;

/// What the peer is to give back, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Heard {
    Message { payload: Vec<u8>, binary: bool },
    Pong(Vec<u8>),
}

/// Who is to close, with which codes, how cleanly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ending {
    /// We close (after the events) and the peer answers; else the peer
    /// fails or closes the connection.
    pub by_us: bool,
    pub codes: Vec<u16>,
    pub clean: bool,
    /// A close with another code fails the conversation too. Autobahn
    /// marks all of section 7 so, which is a section's convention, not a
    /// rule the frames decide: the model leaves it off (WRONG CODE stays a
    /// close verdict).
    pub wrong_code_fails: bool,
}

/// The model's verdict rule for a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    pub ok: Vec<Heard>,
    /// Allowed, missing a SHOULD: failing before echoing what came first.
    pub non_strict: Option<Vec<Heard>>,
    pub ending: Ending,
    /// The rule that decided the ending: the first violation, a close, or
    /// none (everything echoed).
    pub rule: Rule,
}

/// The rules, each with its clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// No violation: every message echoed, then our close answered.
    Echo,
    /// Our valid close frame: answered with a close.
    Close,
    ReservedBits,
    ReservedOpcode,
    ControlTooLong,
    ControlFragmented,
    NothingToContinue,
    DataInsideMessage,
    InvalidUtf8,
    CloseOneOctet,
    InvalidCloseCode,
    InvalidCloseReason,
    /// A frame of ours without a mask.
    Unmasked,
    /// RFC 7692: RSV1 on a control frame.
    CompressedControl,
    /// RFC 7692: RSV1 on a continuation frame.
    CompressedContinuation,
}

/// RFC 7692 §6.1, on where RSV1 may be.
const RSV1_ONLY_FIRST: &str = "An endpoint MUST NOT set the \"Per-Message Compressed\" bit of control frames and non-first fragments of a data message.  An endpoint receiving such a frame MUST _Fail the WebSocket Connection_.";

impl Rule {
    /// Every rule, for tests/clauses.rs to find each sentence in its RFC.
    pub const ALL: [Rule; 15] = [
        Rule::Echo,
        Rule::Close,
        Rule::ReservedBits,
        Rule::ReservedOpcode,
        Rule::ControlTooLong,
        Rule::ControlFragmented,
        Rule::NothingToContinue,
        Rule::DataInsideMessage,
        Rule::InvalidUtf8,
        Rule::CloseOneOctet,
        Rule::InvalidCloseCode,
        Rule::InvalidCloseReason,
        Rule::Unmasked,
        Rule::CompressedControl,
        Rule::CompressedContinuation,
    ];

    /// The sentence the rule rests on, where it is.
    pub fn clause(self) -> Clause {
        let (rfc, words) = match self {
            Rule::Echo => (
                "RFC 6455 §5.6",
                "Data frames (e.g., non-control frames) are identified by opcodes where the most significant bit of the opcode is 0.",
            ),
            Rule::Close => (
                "RFC 6455 §5.5.1",
                "If an endpoint receives a Close frame and did not previously send a Close frame, the endpoint MUST send a Close frame in response.",
            ),
            Rule::ReservedBits => (
                "RFC 6455 §5.2",
                "If a nonzero value is received and none of the negotiated extensions defines the meaning of such a nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_.",
            ),
            Rule::ReservedOpcode => (
                "RFC 6455 §5.2",
                "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_.",
            ),
            Rule::ControlTooLong | Rule::ControlFragmented => (
                "RFC 6455 §5.5",
                "All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented.",
            ),
            Rule::NothingToContinue | Rule::DataInsideMessage => (
                "RFC 6455 §5.4",
                "The fragments of one message MUST NOT be interleaved between the fragments of another message unless an extension has been negotiated that can interpret the interleaving.",
            ),
            Rule::InvalidUtf8 | Rule::InvalidCloseReason => (
                "RFC 6455 §8.1",
                "When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_.",
            ),
            Rule::CloseOneOctet => (
                "RFC 6455 §5.5.1",
                "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer (in network byte order) representing a status code with value /code/ defined in Section 7.4.",
            ),
            Rule::InvalidCloseCode => (
                "RFC 6455 §7.4.1",
                "1002 indicates that an endpoint is terminating the connection due to a protocol error.",
            ),
            Rule::Unmasked => (
                "RFC 6455 §5.1",
                "The server MUST close the connection upon receiving a frame that is not masked.  In this case, a server MAY send a Close frame with a status code of 1002 (protocol error) as defined in Section 7.4.1.",
            ),
            Rule::CompressedControl | Rule::CompressedContinuation => ("RFC 7692 §6.1", RSV1_ONLY_FIRST),
        };
        Clause { rfc, words }
    }

    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Echo => "echo",
            Rule::Close => "close",
            Rule::ReservedBits => "reserved bits",
            Rule::ReservedOpcode => "reserved opcode",
            Rule::ControlTooLong => "control frame over 125 octets",
            Rule::ControlFragmented => "fragmented control frame",
            Rule::NothingToContinue => "continuation with nothing to continue",
            Rule::DataInsideMessage => "data frame inside a message",
            Rule::InvalidUtf8 => "invalid UTF-8 in a text message",
            Rule::CloseOneOctet => "close payload of one octet",
            Rule::InvalidCloseCode => "invalid close code",
            Rule::InvalidCloseReason => "invalid UTF-8 in a close reason",
            Rule::Unmasked => "unmasked frame from a client",
            Rule::CompressedControl => "compressed control frame",
            Rule::CompressedContinuation => "RSV1 on a continuation frame",
        }
    }
}

/// Whether the model judges `frames` exactly. An echo is the application's
/// and a pong the protocol's, so a pong may overtake the echo of an earlier
/// message: no ping while an echo is pending. A peer that fails the
/// connection, or answers our close, may drop echoes it has not written
/// (RFC 6455 §5.5.1: no data after a close): at most one answer before a
/// violation, and no message before our close. A peer may answer only the
/// last of several pings (§5.5.3): one ping at most. The generator keeps to
/// this, and the shrinker too. `deflate`: permessage-deflate is agreed.
pub fn judgeable(frames: &[Frame], deflate: bool) -> bool {
    let e = expect(frames, deflate);
    let mut pending = false;
    let mut messages = 0;
    let mut pings = 0;
    for (i, f) in frames.iter().enumerate() {
        // What follows the violation is never answered.
        if !matches!(expect(&frames[..=i], deflate).rule, Rule::Echo | Rule::Close) {
            break;
        }
        match f.opcode {
            opcode::PING if pending || pings > 0 => return false,
            opcode::PING => pings += 1,
            opcode::TEXT | opcode::BINARY | opcode::CONTINUATION if f.fin => {
                pending = true;
                messages += 1;
            }
            opcode::CLOSE => break,
            _ => {}
        }
    }
    match e.rule {
        Rule::Echo => true,
        Rule::Close => messages == 0,
        _ => e.ok.len() <= 1,
    }
}

/// The message being reassembled.
struct Message {
    binary: bool,
    payload: Vec<u8>,
    utf8: Utf8Validator,
    /// The text so far ends on a code point boundary.
    complete: bool,
}

/// The rule a frame's RSV bits break, if any. With permessage-deflate
/// agreed, RSV1 may mark a data frame that starts a message (one that
/// arrives inside a message breaks §5.4 instead).
fn reserved_bits(f: &Frame, deflate: bool) -> Option<Rule> {
    match f.rsv {
        0 => None,
        4 if deflate && opcode::is_control(f.opcode) => Some(Rule::CompressedControl),
        4 if deflate && f.opcode == opcode::CONTINUATION => Some(Rule::CompressedContinuation),
        4 if deflate && matches!(f.opcode, opcode::TEXT | opcode::BINARY) => None,
        _ => Some(Rule::ReservedBits),
    }
}

/// The expectation for `frames`, sent in order; `deflate`: with
/// permessage-deflate agreed, the frames of a compressed message hold its
/// plain data.
pub fn expect(frames: &[Frame], deflate: bool) -> Expectation {
    let mut heard = Vec::new();
    let mut message: Option<Message> = None;
    for f in frames {
        let violation = |rule: Rule, heard: &Vec<Heard>| fails(heard.clone(), rule);
        if f.mask == Mask::Unmasked {
            return violation(Rule::Unmasked, &heard);
        }
        if let Some(rule) = reserved_bits(f, deflate) {
            return violation(rule, &heard);
        }
        match f.opcode {
            opcode::CLOSE | opcode::PING | opcode::PONG => {
                let rule = if f.payload.len() > 125 {
                    Some(Rule::ControlTooLong)
                } else if !f.fin {
                    Some(Rule::ControlFragmented)
                } else {
                    None
                };
                if let Some(rule) = rule {
                    let mut e = violation(rule, &heard);
                    // A broken close frame is still our close (Autobahn 7.3.6).
                    e.ending.by_us = f.opcode == opcode::CLOSE;
                    return e;
                }
                match f.opcode {
                    opcode::PING => heard.push(Heard::Pong(f.payload.clone())),
                    opcode::CLOSE => return closed(heard, &f.payload),
                    _ => {}
                }
            }
            opcode::CONTINUATION => {
                let Some(m) = message.as_mut() else {
                    return violation(Rule::NothingToContinue, &heard);
                };
                if !m.binary {
                    let status = m.utf8.feed(&f.payload);
                    if !status.valid {
                        return fails_utf8(heard);
                    }
                    m.complete = status.complete;
                }
                m.payload.extend_from_slice(&f.payload);
                if f.fin {
                    let m = message.take().expect("a message in progress");
                    if !m.binary && !m.complete {
                        return fails_utf8(heard);
                    }
                    heard.push(Heard::Message {
                        payload: m.payload,
                        binary: m.binary,
                    });
                }
            }
            opcode::TEXT | opcode::BINARY => {
                if message.is_some() {
                    return violation(Rule::DataInsideMessage, &heard);
                }
                let binary = f.opcode == opcode::BINARY;
                let mut utf8 = Utf8Validator::default();
                let status = utf8.feed(&f.payload);
                if !binary && !status.valid {
                    return fails_utf8(heard);
                }
                if f.fin {
                    if !binary && !status.complete {
                        return fails_utf8(heard);
                    }
                    heard.push(Heard::Message {
                        payload: f.payload.clone(),
                        binary,
                    });
                } else {
                    message = Some(Message {
                        binary,
                        payload: f.payload.clone(),
                        utf8,
                        complete: status.complete,
                    });
                }
            }
            _ => return violation(Rule::ReservedOpcode, &heard),
        }
    }
    Expectation {
        ok: heard,
        non_strict: None,
        ending: Ending {
            by_us: true,
            codes: vec![close::NORMAL],
            clean: true,
            wrong_code_fails: false,
        },
        rule: Rule::Echo,
    }
}

/// The peer fails the connection (1002) after what it echoed.
fn fails(heard: Vec<Heard>, rule: Rule) -> Expectation {
    Expectation {
        non_strict: (!heard.is_empty()).then(Vec::new),
        ok: heard,
        ending: Ending {
            by_us: false,
            codes: vec![close::PROTOCOL_ERROR],
            clean: false,
            wrong_code_fails: false,
        },
        rule,
    }
}

/// Invalid UTF-8: the peer fails the connection with 1007, fast or at the
/// message's end.
fn fails_utf8(heard: Vec<Heard>) -> Expectation {
    Expectation {
        ending: Ending {
            codes: vec![close::INVALID_PAYLOAD],
            ..fails(Vec::new(), Rule::InvalidUtf8).ending
        },
        ..fails(heard, Rule::InvalidUtf8)
    }
}

/// Our close frame with `payload`: answered with the code (valid), or the
/// connection failed (invalid).
fn closed(heard: Vec<Heard>, payload: &[u8]) -> Expectation {
    // A broken close fails the connection: an echo not yet written may be
    // lost, as after any violation (NON-STRICT).
    let answer = |codes: Vec<u16>, rule: Rule| Expectation {
        ok: heard.clone(),
        non_strict: (rule != Rule::Close && !heard.is_empty()).then(Vec::new),
        ending: Ending {
            by_us: true,
            codes,
            clean: rule == Rule::Close,
            wrong_code_fails: false,
        },
        rule,
    };
    match payload.len() {
        0 => answer(vec![close::NORMAL], Rule::Close),
        1 => answer(vec![close::PROTOCOL_ERROR], Rule::CloseOneOctet),
        _ => {
            let code = u16::from_be_bytes([payload[0], payload[1]]);
            if !close::is_sendable(code) {
                return answer(vec![close::PROTOCOL_ERROR], Rule::InvalidCloseCode);
            }
            if std::str::from_utf8(&payload[2..]).is_err() {
                return answer(
                    vec![close::PROTOCOL_ERROR, close::INVALID_PAYLOAD],
                    Rule::InvalidCloseReason,
                );
            }
            // The peer echoes the code, or answers with 1000 (Autobahn 7.7.x).
            let mut codes = vec![close::NORMAL];
            if code != close::NORMAL {
                codes.push(code);
            }
            answer(codes, Rule::Close)
        }
    }
}
