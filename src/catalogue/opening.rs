//! The opening-handshake section (`hs.*`), wsspec's own: what a case sends
//! or answers in the opening handshake and what RFC 6455 §4 or RFC 7692
//! requires of the peer. Its cases are `Case` values like the others (their
//! script is the short echo that follows an opened connection); the engine's
//! `opening` module drives them. Like custom cases they are not part of
//! `*`: a pattern must name them (`hs.*`), so Autobahn specs run what they ran.

use super::*;

/// The ID prefix of the section.
pub const PREFIX: &str = "hs";

/// The section in the registry: the server cases (hs.1–hs.5), then the
/// client cases.
pub const SECTION: Section = Section {
    prefix: PREFIX,
    title: "Opening handshake",
    in_star: false,
    driver: Driver::Opening,
    cases: || {
        let mut cases = super::hs_server::cases();
        cases.extend(super::hs_client::cases());
        cases
    },
};

/// The RFC words a handshake verdict rests on: the clause and its
/// sentences, quoted exactly (`…` where words are left out). A rule that no
/// quoted sentence supports is `Level::Info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clause {
    /// Where the words are, e.g. "RFC 6455 §4.2.1".
    pub rfc: &'static str,
    /// The sentences, verbatim.
    pub words: &'static str,
}

impl Clause {
    /// `RFC 6455 §4.2.1: "…"`.
    pub fn quoted(&self) -> String {
        format!("{}: \"{}\"", self.rfc, self.words)
    }
}

/// How the RFC words what a case checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Broken: FAILED.
    Must,
    /// Broken: NON-STRICT.
    Should,
    /// The RFC leaves it open: INFORMATIONAL, unless the peer stops serving.
    Info,
}

impl Level {
    pub fn word(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::Info => "MAY",
        }
    }
}

/// What a server under test must do with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerMust {
    /// Refuse the upgrade with an HTTP error.
    Refuse,
    /// Refuse, listing the versions it speaks in `Sec-WebSocket-Version` (§4.4).
    RefuseVersion,
    /// Refuse as `RefuseVersion`, or upgrade if it speaks that older
    /// version (hybi-08): INFORMATIONAL.
    OldVersion,
    /// Upgrade, with an answer that fits the offers, and echo.
    Upgrade,
    /// As `Upgrade`, but refusing is NON-STRICT, not FAILED: a server may
    /// turn away a client whose subprotocols it does not speak, though the
    /// RFC has it answer without one.
    UpgradeOrRefuse,
    /// Upgrade or refuse, but never agree to permessage-deflate (an offer it
    /// MUST decline, RFC 7692 §7).
    Decline,
    /// Upgrade with permessage-deflate if it has it (else UNIMPLEMENTED),
    /// with an answer that fits the offer.
    Deflate,
    /// As `Deflate`, for a request whose first offer is invalid: refusing
    /// the whole handshake over it is NON-STRICT (declining it and taking
    /// the next would do).
    DeflateNext,
    /// Upgrade with an answer that fits the offers, or refuse with an HTTP
    /// error status: the RFC allows both (RFC 7230 §3.2.4 on obs-fold).
    Either,
    /// As `Deflate`, for two offers a server with permessage-deflate can
    /// both take: taking the second (the first is the client's preference,
    /// RFC 6455 §9.1) is NON-STRICT.
    DeflateFirst,
    /// Upgrade, or refuse with an HTTP error status (403 to an Origin it
    /// does not serve, RFC 6455 §4.2.2): INFORMATIONAL either way; closing
    /// without an answer is NON-STRICT and silence FAILED, as for a refusal.
    MayRefuse,
    /// Anything, as long as it answers in time and goes on serving; no
    /// clause says how: INFORMATIONAL whatever happens.
    Survive,
}

/// What a client under test must do with our answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientMust {
    /// Fail the connection: never echo what follows the answer.
    Fail,
    /// Go on and echo.
    Accept,
    /// Go on and echo, with permessage-deflate as our answer agreed it;
    /// UNIMPLEMENTED for a client that offered no permessage-deflate.
    AcceptDeflate,
    /// The RFC leaves it to the client: INFORMATIONAL, echoed or not.
    Either,
}

/// The request sent to a server: its lines with `{resource}`, `{host}`,
/// `{key}` and `{agent}` filled in when sent.
#[derive(Clone, Debug)]
pub struct Request {
    pub lines: Vec<String>,
    /// Written this many octets at a time.
    pub chop: Option<usize>,
    /// The first message goes out in the same write as the request.
    pub message_behind: bool,
    /// Only the first half is sent; the rest never comes.
    pub cut: bool,
}

/// The answer given to a client: its lines with `{accept}` (the right
/// value) and `{wrong_accept}` filled in, and the same knobs as a request.
#[derive(Clone, Debug)]
pub struct Answer {
    pub lines: Vec<String>,
    pub chop: Option<usize>,
    pub message_behind: bool,
    /// Written before the answer's head (an interim `100 Continue`).
    pub interim: Option<&'static str>,
    /// The answer is held back this long; the client must send nothing
    /// meanwhile (RFC 6455 §4.1).
    pub held_back: Option<std::time::Duration>,
}

#[derive(Clone, Debug)]
pub enum Exchange {
    Server(Request, ServerMust),
    Client(Answer, ClientMust),
}

/// A handshake case's part that the other sections do not have.
#[derive(Clone, Debug)]
pub struct Opening {
    /// The clause it checks, with its words.
    pub clause: Clause,
    pub level: Level,
    pub exchange: Exchange,
}

/// The message sent once a connection is open (and the one a client must
/// not echo when it has to fail).
pub const PROBE: &str = "Hello from the opening-handshake section";

/// The request every server case starts from.
pub fn standard_request() -> Request {
    Request {
        lines: [
            "GET {resource} HTTP/1.1",
            "Host: {host}",
            "User-Agent: {agent}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        .map(String::from)
        .to_vec(),
        chop: None,
        message_behind: false,
        cut: false,
    }
}

/// The answer every client case starts from.
pub fn standard_answer() -> Answer {
    Answer {
        lines: [
            "HTTP/1.1 101 Switching Protocols",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Accept: {accept}",
        ]
        .map(String::from)
        .to_vec(),
        chop: None,
        message_behind: false,
        interim: None,
        held_back: None,
    }
}

fn name_of(line: &str) -> &str {
    line.split(':').next().unwrap_or("").trim()
}

/// Edits shared by requests and answers, on their lines.
fn without(lines: &mut Vec<String>, name: &str) {
    lines.retain(|l| !name_of(l).eq_ignore_ascii_case(name) || !l.contains(':'));
}

fn set(lines: &mut Vec<String>, name: &str, value: &str) {
    without(lines, name);
    lines.push(format!("{name}: {value}"));
}

macro_rules! edits {
    ($t:ty) => {
        impl $t {
            /// Without the header `name`.
            pub fn without(mut self, name: &str) -> Self {
                without(&mut self.lines, name);
                self
            }
            /// With `name: value` in place of any earlier `name`.
            pub fn set(mut self, name: &str, value: &str) -> Self {
                set(&mut self.lines, name, value);
                self
            }
            /// With one more header line, as given.
            pub fn line(mut self, line: &str) -> Self {
                self.lines.push(line.to_string());
                self
            }
            /// With another first line.
            pub fn first_line(mut self, line: &str) -> Self {
                self.lines[0] = line.to_string();
                self
            }
            /// Every line through `f` (names in another case).
            pub fn map(mut self, f: impl Fn(&str) -> String) -> Self {
                self.lines = self.lines.iter().map(|l| f(l)).collect();
                self
            }
            /// Written a few octets at a time.
            pub fn chop(mut self, n: usize) -> Self {
                self.chop = Some(n);
                self
            }
            /// The first message rides in the same write.
            pub fn message_behind(mut self) -> Self {
                self.message_behind = true;
                self
            }
        }
    };
}
edits!(Request);
edits!(Answer);

impl Request {
    pub fn cut(mut self) -> Self {
        self.cut = true;
        self
    }
}

impl Answer {
    /// With `head` (an interim response, its blank line included) first.
    pub fn interim(mut self, head: &'static str) -> Self {
        self.interim = Some(head);
        self
    }

    /// Held back `d` before it is written.
    pub fn held_back(mut self, d: std::time::Duration) -> Self {
        self.held_back = Some(d);
        self
    }
}

/// The head text of `lines`, the placeholders filled in by `fill`.
pub fn render(lines: &[String], fill: &dyn Fn(&str) -> Option<String>) -> Vec<u8> {
    let mut out = String::new();
    for line in lines {
        let mut rest = line.as_str();
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else { break };
            let name = &rest[open + 1..open + close];
            match fill(name) {
                Some(v) => {
                    out.push_str(&rest[..open]);
                    out.push_str(&v);
                }
                None => out.push_str(&rest[..open + close + 1]),
            }
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A server case: `request` sent, `must` expected, per `clause`.
pub fn server_case(id: &str, clause: Clause, level: Level, what: &str, request: Request, must: ServerMust) -> Case {
    let expectation = format!(
        "{} ({}): {} {}",
        clause.rfc,
        level.word(),
        server_expectation(must),
        clause.quoted()
    );
    with_opening(
        case(id, what, &expectation),
        Opening {
            clause,
            level,
            exchange: Exchange::Server(request, must),
        },
        Roles {
            server: true,
            client: false,
        },
    )
}

/// A client case: `answer` given, `must` expected, per `clause`.
pub fn client_case(id: &str, clause: Clause, level: Level, what: &str, answer: Answer, must: ClientMust) -> Case {
    let expectation = format!(
        "{} ({}): {} {}",
        clause.rfc,
        level.word(),
        match must {
            ClientMust::Fail =>
                "the client fails the connection and never takes it (no echo of a message that follows).",
            ClientMust::Accept => "the client takes the connection and echoes the message sent after the answer.",
            ClientMust::AcceptDeflate => {
                "a client that offered permessage-deflate takes the connection with it and echoes the message sent after the answer (UNIMPLEMENTED without an offer)."
            }
            ClientMust::Either =>
                "the RFC leaves it to the client (INFORMATIONAL): taking the connection or failing it.",
        },
        clause.quoted()
    );
    with_opening(
        case(id, what, &expectation),
        Opening {
            clause,
            level,
            exchange: Exchange::Client(answer, must),
        },
        Roles {
            server: false,
            client: true,
        },
    )
}

fn server_expectation(must: ServerMust) -> &'static str {
    match must {
        ServerMust::Refuse => "the server refuses the upgrade with an HTTP error status.",
        ServerMust::RefuseVersion => {
            "the server refuses the upgrade with an HTTP error status (such as 426) and a Sec-WebSocket-Version header naming 13."
        }
        ServerMust::OldVersion => {
            "the server refuses with an HTTP error status and a Sec-WebSocket-Version header naming 13, or, if it speaks hybi-08, upgrades (INFORMATIONAL)."
        }
        ServerMust::Upgrade => {
            "the server answers 101 with Upgrade, Connection and the right Sec-WebSocket-Accept, agrees only to what was offered, and echoes a message."
        }
        ServerMust::Decline => "the server declines permessage-deflate (it may still upgrade without it, or refuse).",
        ServerMust::UpgradeOrRefuse => {
            "the server upgrades with an answer that agrees only to what was offered (refusing is NON-STRICT: it may answer without a subprotocol), and echoes a message."
        }
        ServerMust::DeflateNext => {
            "the server declines the invalid first offer; with permessage-deflate it may accept the second, with an answer RFC 7692 §7 allows for it, and echoes a message."
        }
        ServerMust::Deflate => {
            "a server with permessage-deflate accepts the offer with an answer RFC 7692 §7 allows for it (UNIMPLEMENTED without permessage-deflate), and echoes a message."
        }
        ServerMust::Either => {
            "the server upgrades with an answer that fits the request and echoes a message, or refuses with an HTTP error status; either is right."
        }
        ServerMust::DeflateFirst => {
            "a server with permessage-deflate accepts the first offer (the client's preference; the second is NON-STRICT) with an answer RFC 7692 allows for it (UNIMPLEMENTED without permessage-deflate), and echoes a message."
        }
        ServerMust::MayRefuse => {
            "the server upgrades or refuses with an HTTP error status (INFORMATIONAL either way); closing without an answer is NON-STRICT, silence FAILED."
        }
        ServerMust::Survive => {
            "no clause says how the server answers (INFORMATIONAL, whatever it does); wsspec notes whether it answers in time and still accepts a standard handshake afterwards."
        }
    }
}

/// The echo that follows an opened connection: the probe message (unless
/// it rode behind the handshake), its echo, a clean close.
fn with_opening(c: Case, opening: Opening, roles: Roles) -> Case {
    let behind = match &opening.exchange {
        Exchange::Server(r, _) => r.message_behind,
        Exchange::Client(a, _) => a.message_behind,
    };
    let mut steps = Vec::new();
    if !behind {
        steps.push(send_message(PROBE, false, None));
    }
    steps.push(Step::Wait {
        max: secs(2.0),
        until: Until::Events(1),
        tag: None,
    });
    let mut c = c.script(steps).ok([message(PROBE, false)]);
    c.roles = roles;
    c.opening = Some(opening);
    c
}

/// The probe message as one text frame, masked when `masked`.
pub fn probe_frame(masked: bool) -> Vec<u8> {
    use crate::wire::frame::{FrameHeader, encode, opcode};
    let mut header = FrameHeader::new(opcode::TEXT, true, PROBE.len() as u64);
    if masked {
        header.mask = Some(crate::wire::mask::random_key());
    }
    encode(&header, PROBE.as_bytes())
}
