//! The case catalogue: Autobahn's sections 1–10 with Autobahn's IDs, each
//! case a small value saying what is sent and what is expected. The engine
//! in `crate::engine` runs them; nothing here does I/O.

pub mod body;
mod build;
pub mod h2_bootstrap;
pub mod hs_clauses;
mod hs_client;
mod hs_server;
pub mod opening;
mod s10_misc;
mod s12_compression;
mod s1_framing;
mod s2_pings;
mod s3_reserved_bits;
mod s4_opcodes;
mod s5_fragmentation;
mod s6_utf8;
mod s6_utf8_sequences;
mod s7_close;
mod s9_limits;
pub mod sections;
pub mod select;
pub mod testdata;

pub use sections::{Driver, Section};

use std::fmt;
use std::time::Duration;

pub use build::*;

/// A verdict, with Autobahn's spelling on the wire and in reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Behavior {
    /// The peer did what the case expects.
    Ok,
    /// Allowed, but not what the RFC says a peer SHOULD do.
    NonStrict,
    /// The RFC leaves it open; what the peer did is recorded.
    Informational,
    /// An optional feature the peer does not have (permessage-deflate).
    Unimplemented,
    /// The peer broke a MUST of the RFC.
    Failed,
    /// `behaviorClose` only: the peer closed with a code not expected.
    WrongCode,
    /// `behaviorClose` only: the close handshake was required to be clean.
    Unclean,
    /// `behaviorClose` only, testing a server: we, the client, had to drop
    /// TCP (RFC 6455 §7.1.1 has the server close it first).
    FailedByClient,
}

impl Behavior {
    /// Autobahn's spelling: `OK`, `NON-STRICT`, `WRONG CODE`...
    pub fn as_str(self) -> &'static str {
        match self {
            Behavior::Ok => "OK",
            Behavior::NonStrict => "NON-STRICT",
            Behavior::Informational => "INFORMATIONAL",
            Behavior::Unimplemented => "UNIMPLEMENTED",
            Behavior::Failed => "FAILED",
            Behavior::WrongCode => "WRONG CODE",
            Behavior::Unclean => "UNCLEAN",
            Behavior::FailedByClient => "FAILED BY CLIENT",
        }
    }

    /// The verdict spelled `s` as Autobahn spells it.
    pub fn parse(s: &str) -> Option<Behavior> {
        [
            Behavior::Ok,
            Behavior::NonStrict,
            Behavior::Informational,
            Behavior::Unimplemented,
            Behavior::Failed,
            Behavior::WrongCode,
            Behavior::Unclean,
            Behavior::FailedByClient,
        ]
        .into_iter()
        .find(|b| b.as_str() == s)
    }
}

impl fmt::Display for Behavior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something the peer did that a case records, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Message {
        payload: body::Body,
        binary: bool,
    },
    Pong(Vec<u8>),
    /// A wait passed while the connection stayed open (6.4.x).
    Timeout(String),
}

/// Bytes to send: literal, or a pattern repeated to a length (built when
/// sent, so a 16 MiB case costs nothing until it runs).
#[derive(Clone, Debug)]
pub enum Payload {
    Bytes(Vec<u8>),
    Repeat { pattern: Vec<u8>, len: usize },
}

impl Payload {
    pub fn len(&self) -> usize {
        match self {
            Payload::Bytes(b) => b.len(),
            Payload::Repeat { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the payload to `out` without building it twice.
    pub fn extend_into(&self, out: &mut Vec<u8>) {
        match self {
            Payload::Bytes(b) => out.extend_from_slice(b),
            Payload::Repeat { pattern, len } => {
                if pattern.is_empty() {
                    out.resize(out.len() + len, 0);
                    return;
                }
                let end = out.len() + len;
                while out.len() < end {
                    let n = pattern.len().min(end - out.len());
                    out.extend_from_slice(&pattern[..n]);
                }
            }
        }
    }

    /// The first `n` bytes, for logs.
    pub fn prefix(&self, n: usize) -> Vec<u8> {
        match self {
            Payload::Bytes(b) => b[..b.len().min(n)].to_vec(),
            Payload::Repeat { pattern, len } => crate::wire::frame::repeat_to(pattern, n.min(*len)),
        }
    }

    pub fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            Payload::Bytes(b) => b.into(),
            Payload::Repeat { pattern, len } => crate::wire::frame::repeat_to(pattern, *len).into(),
        }
    }
}

/// Which mask a sent frame carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mask {
    /// What the role requires: a fresh random key from a client, none from a server.
    Role,
    Key([u8; 4]),
    Unmasked,
}

/// One frame to send, legal or not.
#[derive(Clone, Debug)]
pub struct FrameSpec {
    pub opcode: u8,
    pub fin: bool,
    pub rsv: u8,
    pub mask: Mask,
    pub payload: Payload,
    /// Write the frame's bytes in pieces of this many octets.
    pub chop: Option<usize>,
    /// Write the frame on its own, not coalesced with what follows.
    pub sync: bool,
    /// A length for the header that differs from the payload's.
    pub declared_len: Option<u64>,
    /// The payload is the message's plain data, compressed as it is sent
    /// with the connection's permessage-deflate context (sent as it is
    /// when none was agreed).
    pub compress: bool,
}

/// When a wait may end before its bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// Only when the connection closes: the wait itself is what is tested.
    Bound,
    /// As soon as this many events have been recorded.
    Events(usize),
}

/// One step of a case's script.
#[derive(Clone, Debug)]
pub enum Step {
    Frame(FrameSpec),
    /// Bytes written exactly as given, optionally in pieces.
    Raw {
        bytes: Vec<u8>,
        chop: Option<usize>,
    },
    /// A whole message through the normal send path, optionally split into
    /// fragments of `fragment_size` (Autobahn's `sendMessage`).
    Message {
        payload: Payload,
        binary: bool,
        fragment_size: Option<usize>,
    },
    /// The header of a frame whose payload follows in `FrameBody` steps.
    FrameHead {
        opcode: u8,
        fin: bool,
        len: u64,
    },
    FrameBody(Vec<u8>),
    /// Our close frame, with any code and reason bytes (valid or not),
    /// optionally written in pieces; it starts the closing handshake.
    Close {
        code: Option<u16>,
        reason: Option<Vec<u8>>,
        chop: Option<usize>,
    },
    /// Pause the script up to `max`; `tag` names the wait in the wire log.
    Wait {
        max: Duration,
        until: Until,
        tag: Option<&'static str>,
    },
    /// If the connection is still open, record `Event::Timeout(tag)` and go
    /// on; otherwise stop the script.
    Checkpoint(String),
    /// Fail the connection (close 1001) if it is still open after this long.
    KillAfter(Duration),
    /// Start the closing handshake (empty close) if still open after this long.
    CloseAfter(Duration),
}

/// How the case expects the connection to end.
#[derive(Clone, Debug)]
pub struct ExpectedClose {
    pub closed_by_me: bool,
    pub codes: Vec<u16>,
    pub require_clean: bool,
    /// Closing by the wrong endpoint also fails `behavior` (6.x: the peer did
    /// not notice the invalid UTF-8 at all).
    pub wrong_endpoint_fatal: bool,
}

/// A rule applied after the standard verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amend {
    None,
    /// A WRONG CODE close also fails `behavior` (7.x).
    WrongCodeFails,
    /// The spec leaves the outcome open: both verdicts INFORMATIONAL.
    Informational,
}

/// How a case's verdict is reached.
#[derive(Clone, Debug)]
pub enum Check {
    /// The recorded events must equal one of the expected sequences.
    Events {
        outcomes: Vec<(Behavior, Vec<Event>)>,
        amend: Amend,
    },
    /// Send `round` `rounds` times, each time waiting for an echo of the same
    /// type and length (9.x); records no events.
    Echo {
        round: Vec<Step>,
        rounds: usize,
        len: usize,
        binary: bool,
    },
    /// With permessage-deflate agreed, send `count` compressed messages of
    /// `len` bytes cut in turn from `data`, each fragmented at `fragment`
    /// (0: not), each echoed identically before the next (12.x, 13.x).
    /// Without it, the case is UNIMPLEMENTED.
    Compressed {
        data: testdata::TestData,
        len: usize,
        count: usize,
        fragment: usize,
        wait: Duration,
    },
}

/// How a server (we, testing a client) answers permessage-deflate offers:
/// Autobahn's seven acceptance rules of the 13.x cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accept {
    /// The first offer, as offered.
    First,
    /// An offer that accepts client_no_context_takeover, requesting it.
    NoContextTakeover,
    /// An offer that accepts client_max_window_bits, requesting this window.
    WindowBits(u8),
    /// Both of the above.
    Both(u8),
    /// Both with 9 bits, else no context takeover, else the first offer.
    Fallback,
}

/// permessage-deflate for a case: our offers as a client, our rule as a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeflateSpec {
    pub offers: Vec<crate::wire::deflate::Offer>,
    pub accept: Accept,
}

#[derive(Clone, Debug)]
pub struct Case {
    pub id: String,
    pub description: String,
    pub expectation: String,
    pub script: Vec<Step>,
    pub check: Check,
    pub close: ExpectedClose,
    /// Don't start the closing handshake when the events match: the case
    /// does its own closing (7.x).
    pub suppress_close: bool,
    /// The verdict depends on time or on how loaded the peer is: run with
    /// no other case busy beside it.
    pub alone: bool,
    /// The duration is part of the result (Autobahn's `reportTime`).
    pub timed: bool,
    /// Run against servers (test-server) and/or clients (test-clients).
    pub roles: Roles,
    /// Where a custom case comes from, and the RFC section it checks.
    pub origin: Option<Origin>,
    /// permessage-deflate to negotiate, if any.
    pub deflate: Option<DeflateSpec>,
    /// For the opening-handshake section: the request or answer it makes.
    pub opening: Option<opening::Opening>,
    /// For the RFC 8441 section: what it does on its HTTP/2 connection.
    pub rfc8441: Option<h2_bootstrap::Rfc8441>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Roles {
    pub server: bool,
    pub client: bool,
}

impl Roles {
    pub const BOTH: Roles = Roles {
        server: true,
        client: true,
    };

    pub fn name(self) -> &'static str {
        match (self.server, self.client) {
            (true, true) => "both",
            (true, false) => "server",
            (false, true) => "client",
            (false, false) => "none",
        }
    }
}

/// A custom case's file and the RFC section it checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub rfc: String,
}

impl Case {
    /// The pauses a correct peer cannot shorten: the `Until::Bound` waits
    /// of the script, one after another (6.4.x: two seconds).
    pub fn required_wait(&self) -> Duration {
        self.script
            .iter()
            .map(|s| match s {
                Step::Wait {
                    max,
                    until: Until::Bound,
                    ..
                } => *max,
                _ => Duration::ZERO,
            })
            .sum()
    }

    /// What runs the case: the opening-handshake driver for a case that
    /// tests the handshake itself, else the session engine.
    pub fn driver(&self) -> Driver {
        if self.opening.is_some() {
            Driver::Opening
        } else if self.rfc8441.is_some() {
            Driver::Http2
        } else {
            Driver::Frames
        }
    }

    pub fn section(&self) -> u32 {
        self.id.split('.').next().and_then(|s| s.parse().ok()).unwrap_or(0)
    }

    /// The ID as numbers, for catalogue order ("10.1.1" after "9.8.6").
    pub fn id_tuple(&self) -> Vec<u32> {
        id_tuple(&self.id)
    }
}

pub fn id_tuple(id: &str) -> Vec<u32> {
    id.split('.').map(|p| p.parse().unwrap_or(u32::MAX)).collect()
}

/// Autobahn's catalogue, every case `*` takes, in catalogue order.
pub fn all() -> Vec<Case> {
    sections::SECTIONS
        .iter()
        .filter(|s| s.in_star)
        .flat_map(|s| (s.cases)())
        .collect()
}

/// wsspec's own sections (the opening handshake, `hs.*`): only a pattern
/// that names them takes them.
pub fn own() -> Vec<Case> {
    sections::SECTIONS
        .iter()
        .filter(|s| !s.in_star)
        .flat_map(|s| (s.cases)())
        .collect()
}

/// Every built-in ID (every section's): custom cases may not take them.
pub fn builtin_ids() -> std::collections::HashSet<String> {
    all().into_iter().chain(own()).map(|c| c.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_autobahns_517_cases_with_unique_ids() {
        let cases = all();
        assert_eq!(cases.len(), 517);
        let mut ids: Vec<_> = cases.iter().map(|c| c.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 517);
    }

    #[test]
    fn handshake_section_has_both_roles_and_cites_an_rfc() {
        let hs: Vec<Case> = own().into_iter().filter(|c| c.opening.is_some()).collect();
        let servers = hs.iter().filter(|c| c.roles.server).count();
        let clients = hs.iter().filter(|c| c.roles.client).count();
        assert!(
            servers >= 40 && clients >= 15,
            "{servers} server, {clients} client cases"
        );
        for c in &hs {
            assert!(c.id.starts_with("hs."), "{}", c.id);
            assert!(c.expectation.starts_with("RFC "), "{}: {}", c.id, c.expectation);
            assert!(c.roles.server != c.roles.client, "{}", c.id);
        }
        let mut ids: Vec<_> = hs.iter().map(|c| c.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), hs.len());
    }
}
