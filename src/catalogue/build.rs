//! Small builders so that a case reads like its description: what is sent,
//! what is expected, how the connection should end.

use super::*;
use crate::wire::close;

impl From<&str> for Payload {
    fn from(s: &str) -> Self {
        Payload::Bytes(s.as_bytes().to_vec())
    }
}

impl From<&[u8]> for Payload {
    fn from(b: &[u8]) -> Self {
        Payload::Bytes(b.to_vec())
    }
}

impl From<Vec<u8>> for Payload {
    fn from(b: Vec<u8>) -> Self {
        Payload::Bytes(b)
    }
}

/// `pattern` repeated to `len` bytes.
pub fn repeat(pattern: &[u8], len: usize) -> Payload {
    Payload::Repeat {
        pattern: pattern.to_vec(),
        len,
    }
}

/// A single legal-looking frame: FIN set, no RSV bits, masked as the role requires.
pub fn frame(opcode: u8, payload: impl Into<Payload>) -> FrameSpec {
    FrameSpec {
        opcode,
        fin: true,
        rsv: 0,
        mask: Mask::Role,
        payload: payload.into(),
        chop: None,
        sync: false,
        declared_len: None,
        compress: false,
    }
}

impl FrameSpec {
    pub fn fin(mut self, fin: bool) -> Self {
        self.fin = fin;
        self
    }
    pub fn rsv(mut self, rsv: u8) -> Self {
        self.rsv = rsv;
        self
    }
    pub fn chop(mut self, size: usize) -> Self {
        self.chop = Some(size);
        self
    }
    pub fn sync(mut self, sync: bool) -> Self {
        self.sync = sync;
        self
    }
    pub fn chop_opt(mut self, size: Option<usize>) -> Self {
        self.chop = size;
        self
    }
}

impl From<FrameSpec> for Step {
    fn from(f: FrameSpec) -> Self {
        Step::Frame(f)
    }
}

pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

pub fn kill_after(s: f64) -> Step {
    Step::KillAfter(secs(s))
}

pub fn close_after(s: f64) -> Step {
    Step::CloseAfter(secs(s))
}

/// A whole message through the normal send path.
pub fn send_message(payload: impl Into<Payload>, binary: bool, fragment_size: Option<usize>) -> Step {
    Step::Message {
        payload: payload.into(),
        binary,
        fragment_size,
    }
}

/// A close frame with a code and optional raw reason bytes.
pub fn close_frame(code: Option<u16>, reason: Option<&[u8]>) -> Step {
    Step::Close {
        code,
        reason: reason.map(<[u8]>::to_vec),
        chop: None,
    }
}

pub fn message(payload: impl AsRef<[u8]>, binary: bool) -> Event {
    Event::Message {
        payload: super::body::Body::of(payload.as_ref()),
        binary,
    }
}

pub fn pong(payload: impl AsRef<[u8]>) -> Event {
    Event::Pong(payload.as_ref().to_vec())
}

/// We close, the peer answers with one of `codes`, and the handshake is clean.
pub fn we_close_cleanly(codes: &[u16]) -> ExpectedClose {
    ExpectedClose {
        closed_by_me: true,
        codes: codes.to_vec(),
        require_clean: true,
        wrong_endpoint_fatal: false,
    }
}

/// We close; the peer may answer with one of `codes` or drop TCP.
pub fn we_close(codes: &[u16]) -> ExpectedClose {
    ExpectedClose {
        require_clean: false,
        ..we_close_cleanly(codes)
    }
}

/// The peer must fail the connection, with `code` if it sends one.
pub fn peer_fails(code: u16) -> ExpectedClose {
    ExpectedClose {
        closed_by_me: false,
        codes: vec![code],
        require_clean: false,
        wrong_endpoint_fatal: false,
    }
}

/// The echo-and-close ending most cases share.
pub fn normal_close() -> ExpectedClose {
    we_close_cleanly(&[close::NORMAL])
}

/// A case with the given ID and texts; the builder methods fill in the rest.
pub fn case(id: &str, description: &str, expectation: &str) -> Case {
    Case {
        id: id.to_string(),
        description: description.to_string(),
        expectation: expectation.to_string(),
        script: Vec::new(),
        check: Check::Events {
            outcomes: Vec::new(),
            amend: Amend::None,
        },
        close: normal_close(),
        suppress_close: false,
        alone: false,
        timed: false,
        roles: Roles::BOTH,
        origin: None,
        deflate: None,
        opening: None,
        rfc8441: None,
    }
}

impl Case {
    pub fn script(mut self, steps: impl IntoIterator<Item = impl Into<Step>>) -> Self {
        self.script.extend(steps.into_iter().map(Into::into));
        self
    }

    fn outcome(mut self, b: Behavior, events: Vec<Event>) -> Self {
        if let Check::Events { outcomes, .. } = &mut self.check {
            outcomes.push((b, events));
        }
        self
    }

    /// The events of a conforming peer.
    pub fn ok(self, events: impl IntoIterator<Item = Event>) -> Self {
        self.outcome(Behavior::Ok, events.into_iter().collect())
    }

    /// Events that are allowed but miss a SHOULD.
    pub fn non_strict(self, events: impl IntoIterator<Item = Event>) -> Self {
        self.outcome(Behavior::NonStrict, events.into_iter().collect())
    }

    pub fn close(mut self, close: ExpectedClose) -> Self {
        self.close = close;
        self
    }

    pub fn suppress_close(mut self) -> Self {
        self.suppress_close = true;
        self
    }

    pub fn amend(mut self, rule: Amend) -> Self {
        if let Check::Events { amend, .. } = &mut self.check {
            *amend = rule;
        }
        self
    }

    pub fn check(mut self, check: Check) -> Self {
        self.check = check;
        self
    }

    /// Timed: the duration is reported, and the case runs alone.
    pub fn timed(mut self) -> Self {
        self.timed = true;
        self.alone = true;
        self
    }

    /// The verdict is a race in the peer (does it echo before it fails?)
    /// or a matter of time, which load from other cases would tip: run
    /// alone, as Autobahn runs every case (`engine::share`).
    pub fn alone(mut self) -> Self {
        self.alone = true;
        self
    }
}
