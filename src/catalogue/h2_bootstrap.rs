//! The RFC 8441 section (`h2.*`), wsspec's own: WebSockets over HTTP/2,
//! tested against servers. Each case is what we send on an HTTP/2
//! connection of its own and the RFC sentence its verdict rests on, quoted
//! exactly (tests/clauses.rs finds each in tests/fixtures/rfc/). The engine's
//! `rfc8441` module writes the frames and judges.
//!
//! h2.1 the bootstrap a server must take, h2.2 malformed requests it must
//! refuse, h2.3 how a WebSocket's stream ends, h2.4 many WebSockets on one
//! connection and flow control.

use super::opening::{Clause, Level};
use super::*;

/// The ID prefix of the section.
pub const PREFIX: &str = "h2";

/// The section in the registry: taken only by a pattern naming it.
pub const SECTION: Section = Section {
    prefix: PREFIX,
    title: "WebSockets over HTTP/2 (RFC 8441)",
    in_star: false,
    driver: Driver::Http2,
    cases,
};

// The clauses, RFC 8441 first (§3-§5), then RFC 9113's rules on requests.

pub const SETTING: Clause = Clause {
    rfc: "RFC 8441 §3",
    words: "The value of the parameter MUST be 0 or 1. Upon receipt of SETTINGS_ENABLE_CONNECT_PROTOCOL with a value of 1, a client MAY use the Extended CONNECT as defined in this document when creating new streams.",
};

pub const SCHEME_AND_PATH: Clause = Clause {
    rfc: "RFC 8441 §4",
    words: "On requests that contain the :protocol pseudo-header field, the :scheme and :path pseudo-header fields of the target URI (see Section 5) MUST also be included.",
};

pub const PROTOCOL: Clause = Clause {
    rfc: "RFC 8441 §5",
    words: "The :protocol pseudo-header field MUST be included in the CONNECT request, and it MUST have a value of \"websocket\" to initiate a WebSocket connection on an HTTP/2 stream.",
};

pub const OTHER_FIELDS: Clause = Clause {
    rfc: "RFC 8441 §5",
    words: "Other HTTP request and response-header fields, such as those for manipulating cookies, may be included in the HEADERS with the CONNECT method as usual.",
};

pub const NO_CONNECTION_UPGRADE: Clause = Clause {
    rfc: "RFC 8441 §5",
    words: "[RFC6455] requires the use of Connection and Upgrade header fields that are not part of HTTP/2. They MUST NOT be included in the CONNECT request defined here.",
};

pub const NO_KEY: Clause = Clause {
    rfc: "RFC 8441 §5",
    words: "Implementations using this extended CONNECT to bootstrap WebSockets do not do the processing of the Sec-WebSocket-Key and Sec-WebSocket-Accept header fields of [RFC6455] as that functionality has been superseded by the :protocol pseudo-header field.",
};

pub const WEBSOCKET_FIELDS: Clause = Clause {
    rfc: "RFC 8441 §5",
    words: "The Origin [RFC6454], Sec-WebSocket-Version, Sec-WebSocket-Protocol, and Sec-WebSocket-Extensions header fields are used in the CONNECT request and response-header fields as defined in [RFC6455].",
};

pub const STREAM_AS_TCP: Clause = Clause {
    rfc: "RFC 8441 §5",
    words: "After successfully processing the opening handshake, the peers should proceed with the WebSocket Protocol [RFC6455] using the HTTP/2 stream from the CONNECT transaction as if it were the TCP connection referred to in [RFC6455].",
};

pub const STREAM_CLOSURE: Clause = Clause {
    rfc: "RFC 8441 §5",
    words: "The HTTP/2 stream closure is also analogous to the TCP connection closure of [RFC6455]. Orderly TCP-level closures are represented as END_STREAM flags ([RFC7540], Section 6.1). RST exceptions are represented with the RST_STREAM frame ([RFC7540], Section 6.4) with the CANCEL error code ([RFC7540], Section 7).",
};

pub const GOAWAY: Clause = Clause {
    rfc: "RFC 9113 §6.8",
    words: "GOAWAY allows an endpoint to gracefully stop accepting new streams while still finishing processing of previously established streams.",
};

pub const WINDOW: Clause = Clause {
    rfc: "RFC 9113 §6.9.1",
    words: "The sender MUST NOT send a flow-controlled frame with a length that exceeds the space available in either of the flow-control windows advertised by the receiver.",
};

pub const MALFORMED: Clause = Clause {
    rfc: "RFC 9113 §8.1.1",
    words: "Malformed requests or responses that are detected MUST be treated as a stream error (Section 5.4.2) of type PROTOCOL_ERROR.",
};

pub const FIELD_NAME: Clause = Clause {
    rfc: "RFC 9113 §8.2.1",
    words: "A field name MUST NOT contain characters in the ranges 0x00-0x20, 0x41-0x5a, or 0x7f-0xff (all ranges inclusive).",
};

pub const CONNECTION_SPECIFIC: Clause = Clause {
    rfc: "RFC 9113 §8.2.2",
    words: "Any message containing connection-specific header fields MUST be treated as malformed (Section 8.1.1).",
};

pub const PSEUDO_FIRST: Clause = Clause {
    rfc: "RFC 9113 §8.3",
    words: "All pseudo-header fields MUST appear in a field block before all regular field lines. Any request or response that contains a pseudo-header field that appears in a field block after a regular field line MUST be treated as malformed (Section 8.1.1).",
};

pub const CONNECT_OMITS: Clause = Clause {
    rfc: "RFC 9113 §8.5",
    words: "The \":scheme\" and \":path\" pseudo-header fields MUST be omitted.",
};

/// Every clause the section quotes (tests/clauses.rs).
pub const ALL: &[Clause] = &[
    SETTING,
    SCHEME_AND_PATH,
    PROTOCOL,
    OTHER_FIELDS,
    NO_CONNECTION_UPGRADE,
    NO_KEY,
    WEBSOCKET_FIELDS,
    STREAM_AS_TCP,
    STREAM_CLOSURE,
    GOAWAY,
    WINDOW,
    MALFORMED,
    FIELD_NAME,
    CONNECTION_SPECIFIC,
    PSEUDO_FIRST,
    CONNECT_OMITS,
];

/// A header block as we send it: pseudo-headers and fields in order, with
/// `{scheme}`, `{authority}` and `{path}` filled in from the target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// Without the field `name`.
    pub fn without(mut self, name: &str) -> Fields {
        self.0.retain(|(n, _)| n != name);
        self
    }

    /// With `name` set to `value`, in place if it is there, else last.
    pub fn set(mut self, name: &str, value: &str) -> Fields {
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some(f) => f.1 = value.to_string(),
            None => self.0.push((name.to_string(), value.to_string())),
        }
        self
    }

    /// With `name: value` added last, even after regular fields.
    pub fn then(mut self, name: &str, value: &str) -> Fields {
        self.0.push((name.to_string(), value.to_string()));
        self
    }
}

/// RFC 8441 §5.1's request: the extended CONNECT for the target.
pub fn extended_connect() -> Fields {
    Fields(
        [
            (":method", "CONNECT"),
            (":protocol", "websocket"),
            (":scheme", "{scheme}"),
            (":path", "{path}"),
            (":authority", "{authority}"),
            ("sec-websocket-version", "13"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect(),
    )
}

/// What a server must do with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Take it (2xx) and echo a message on the stream.
    Take,
    /// Take it with an answer free of connection-specific fields.
    TakeWithoutConnectionFields,
    /// Take it; the answer's Sec-WebSocket-Accept, if any, is recorded.
    TakeKeyless,
    /// Take it with a subprotocol we offered, or none.
    TakeOfferedSubprotocol,
    /// Take it, agreeing to permessage-deflate as RFC 7692 allows or not
    /// at all, and echo.
    TakeDeflateOffer,
    /// Refuse it: an error status or RST_STREAM, never 2xx.
    Refuse,
    /// Refuse a version it does not speak (RFC 6455 §4.2.2): an error
    /// status naming version 13.
    RefuseVersion,
}

/// What a case does on its connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Act {
    /// Read the server's SETTINGS.
    Settings,
    /// Send `Fields` as a request; the answer must be `Answer`.
    Request(Fields, Answer),
    /// A WebSocket, then a close frame: the server's close and END_STREAM.
    CloseThenEndStream,
    /// A WebSocket reset mid message (RST_STREAM CANCEL): another opens on
    /// the same connection and echoes.
    ResetThenAnother,
    /// A WebSocket whose stream we end with no close frame: the server
    /// ends its side too.
    EndStreamWithoutClose,
    /// A WebSocket, then our GOAWAY: it still echoes.
    GoawayWhileOpen,
    /// A WebSocket closed cleanly, then another on the same connection.
    AnotherAfterClose,
    /// `n` WebSockets at once, their frames interleaved: each echoes its own.
    Interleaved(usize),
    /// A binary message of `len` octets in DATA frames of `frame` octets
    /// at most, through our 64 KiB window; its echo must come whole and
    /// never beyond our window.
    Large { len: usize, frame: usize },
}

/// A case of the section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rfc8441 {
    pub clause: Clause,
    pub level: Level,
    pub act: Act,
}

fn h2_case(id: &str, clause: Clause, level: Level, what: &str, act: Act) -> Case {
    let expectation = format!(
        "{} ({}): {} {}",
        clause.rfc,
        level.word(),
        expect(&act),
        clause.quoted()
    );
    let mut c = case(id, what, &expectation);
    c.roles = Roles {
        server: true,
        client: false,
    };
    c.rfc8441 = Some(Rfc8441 { clause, level, act });
    c
}

/// What a case expects, in words.
fn expect(act: &Act) -> &'static str {
    match act {
        Act::Settings => "The server's SETTINGS carry SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.",
        Act::Request(_, Answer::Refuse) => {
            "The server refuses the request: RST_STREAM (PROTOCOL_ERROR) or an error status; a 2xx is FAILED."
        }
        Act::Request(_, Answer::RefuseVersion) => {
            "The server refuses with an error status (426) naming version 13; a 2xx is FAILED."
        }
        Act::Request(_, Answer::TakeWithoutConnectionFields) => {
            "The server answers 2xx with no Connection, Upgrade, Keep-Alive, Proxy-Connection or Transfer-Encoding field, and echoes a message."
        }
        Act::Request(_, Answer::TakeKeyless) => {
            "The server answers 2xx without asking for a key, and echoes a message; a Sec-WebSocket-Accept in the answer is noted."
        }
        Act::Request(_, Answer::TakeOfferedSubprotocol) => {
            "The server answers 2xx with one of the subprotocols offered or none, and echoes a message."
        }
        Act::Request(_, Answer::TakeDeflateOffer) => {
            "The server answers 2xx, with a permessage-deflate agreement RFC 7692 allows or none, and echoes a message."
        }
        Act::Request(_, Answer::Take) => "The server answers 2xx and echoes a message on the stream.",
        Act::CloseThenEndStream => {
            "The server answers our close frame with its own and ends its stream (END_STREAM), as it would close TCP."
        }
        Act::ResetThenAnother => {
            "The reset ends that WebSocket only: a second extended CONNECT on the same connection opens and echoes."
        }
        Act::EndStreamWithoutClose => {
            "The server ends its side of the stream (END_STREAM or RST_STREAM) within 2 s, as it would close TCP."
        }
        Act::GoawayWhileOpen => "The open WebSocket still echoes after our GOAWAY.",
        Act::AnotherAfterClose => "A second extended CONNECT on the same connection opens and echoes.",
        Act::Interleaved(_) => "Every WebSocket echoes its own message, none another's frames.",
        Act::Large { .. } => {
            "The echo comes back whole, the server moving its window as it reads and never sending beyond ours."
        }
    }
}

fn cases() -> Vec<Case> {
    use Answer::*;
    use Level::*;
    let std = extended_connect;
    vec![
        // h2.1: the bootstrap a server takes.
        h2_case(
            "h2.1.1",
            SETTING,
            Must,
            "The server's SETTINGS allow the extended CONNECT.",
            Act::Settings,
        ),
        h2_case(
            "h2.1.2",
            PROTOCOL,
            Must,
            "RFC 8441 §5.1's extended CONNECT, then a text message.",
            Act::Request(std(), Take),
        ),
        h2_case(
            "h2.1.3",
            CONNECTION_SPECIFIC,
            Must,
            "The answer to an extended CONNECT carries no connection-specific field.",
            Act::Request(std(), TakeWithoutConnectionFields),
        ),
        h2_case(
            "h2.1.4",
            NO_KEY,
            Info,
            "No Sec-WebSocket-Key is sent: does the answer carry a Sec-WebSocket-Accept?",
            Act::Request(std(), TakeKeyless),
        ),
        h2_case(
            "h2.1.5",
            NO_KEY,
            Should,
            "An extended CONNECT that also carries a Sec-WebSocket-Key, as HTTP/1.1 would.",
            Act::Request(std().set("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="), TakeKeyless),
        ),
        h2_case(
            "h2.1.6",
            WEBSOCKET_FIELDS,
            Must,
            "Subprotocols offered: chat, superchat (RFC 8441 §5.1).",
            Act::Request(
                std().set("sec-websocket-protocol", "chat, superchat"),
                TakeOfferedSubprotocol,
            ),
        ),
        h2_case(
            "h2.1.7",
            WEBSOCKET_FIELDS,
            Must,
            "permessage-deflate offered, then a text message.",
            Act::Request(
                std().set("sec-websocket-extensions", "permessage-deflate; client_max_window_bits"),
                TakeDeflateOffer,
            ),
        ),
        h2_case(
            "h2.1.8",
            OTHER_FIELDS,
            Should,
            "Cookie, user-agent and origin fields beside the WebSocket ones.",
            Act::Request(
                std()
                    .set("cookie", "wsspec=1")
                    .set("user-agent", "wsspec")
                    .set("origin", "http://{authority}"),
                Take,
            ),
        ),
        h2_case(
            "h2.1.9",
            STREAM_AS_TCP,
            Info,
            "A path with a query: /?wsspec=1&b=%20.",
            Act::Request(std().set(":path", "{path}?wsspec=1&b=%20"), Take),
        ),
        // h2.2: malformed requests a server refuses.
        h2_case(
            "h2.2.1",
            PROTOCOL,
            Should,
            "An extended CONNECT for another protocol: :protocol wsspec-unknown.",
            Act::Request(std().set(":protocol", "wsspec-unknown"), Refuse),
        ),
        h2_case(
            "h2.2.2",
            hs_clauses::VERSION_13,
            Must,
            "No sec-websocket-version.",
            Act::Request(std().without("sec-websocket-version"), Refuse),
        ),
        h2_case(
            "h2.2.3",
            hs_clauses::VERSION,
            Must,
            "sec-websocket-version: 8.",
            Act::Request(std().set("sec-websocket-version", "8"), RefuseVersion),
        ),
        h2_case(
            "h2.2.4",
            CONNECT_OMITS,
            Must,
            "A CONNECT with :scheme and :path but no :protocol.",
            Act::Request(std().without(":protocol"), Refuse),
        ),
        h2_case(
            "h2.2.5",
            SCHEME_AND_PATH,
            Must,
            "An extended CONNECT without :path.",
            Act::Request(std().without(":path"), Refuse),
        ),
        h2_case(
            "h2.2.6",
            SCHEME_AND_PATH,
            Must,
            "An extended CONNECT without :scheme.",
            Act::Request(std().without(":scheme"), Refuse),
        ),
        h2_case(
            "h2.2.7",
            NO_CONNECTION_UPGRADE,
            Must,
            "An extended CONNECT with connection: upgrade.",
            Act::Request(std().set("connection", "upgrade"), Refuse),
        ),
        h2_case(
            "h2.2.8",
            NO_CONNECTION_UPGRADE,
            Must,
            "An extended CONNECT with upgrade: websocket.",
            Act::Request(std().set("upgrade", "websocket"), Refuse),
        ),
        h2_case(
            "h2.2.9",
            CONNECTION_SPECIFIC,
            Must,
            "An extended CONNECT with transfer-encoding: chunked.",
            Act::Request(std().set("transfer-encoding", "chunked"), Refuse),
        ),
        h2_case(
            "h2.2.10",
            CONNECTION_SPECIFIC,
            Must,
            "An extended CONNECT with keep-alive: timeout=5.",
            Act::Request(std().set("keep-alive", "timeout=5"), Refuse),
        ),
        h2_case(
            "h2.2.11",
            FIELD_NAME,
            Must,
            "An extended CONNECT with an uppercase field name: Sec-WebSocket-Version.",
            Act::Request(
                std()
                    .without("sec-websocket-version")
                    .set("Sec-WebSocket-Version", "13"),
                Refuse,
            ),
        ),
        h2_case(
            "h2.2.12",
            PSEUDO_FIRST,
            Must,
            "An extended CONNECT whose :authority comes after a regular field.",
            Act::Request(std().without(":authority").then(":authority", "{authority}"), Refuse),
        ),
        h2_case(
            "h2.2.13",
            MALFORMED,
            Must,
            "An extended CONNECT with :protocol twice.",
            Act::Request(
                std()
                    .then(":protocol", "websocket")
                    .without("sec-websocket-version")
                    .then("sec-websocket-version", "13"),
                Refuse,
            ),
        ),
        // h2.3: how a WebSocket's stream ends.
        h2_case(
            "h2.3.1",
            STREAM_CLOSURE,
            Must,
            "A WebSocket closed with 1000: the server's close frame, then END_STREAM.",
            Act::CloseThenEndStream,
        ),
        h2_case(
            "h2.3.2",
            STREAM_CLOSURE,
            Must,
            "A WebSocket reset in the middle of a message (RST_STREAM CANCEL), then another on the same connection.",
            Act::ResetThenAnother,
        ),
        h2_case(
            "h2.3.3",
            STREAM_CLOSURE,
            Should,
            "A WebSocket whose stream we end (END_STREAM) with no close frame.",
            Act::EndStreamWithoutClose,
        ),
        h2_case(
            "h2.3.4",
            GOAWAY,
            Should,
            "A WebSocket open when we send GOAWAY (NO_ERROR).",
            Act::GoawayWhileOpen,
        ),
        h2_case(
            "h2.3.5",
            STREAM_CLOSURE,
            Must,
            "A WebSocket closed cleanly, then another on the same connection.",
            Act::AnotherAfterClose,
        ),
        // h2.4: many WebSockets, flow control.
        h2_case(
            "h2.4.1",
            STREAM_AS_TCP,
            Must,
            "16 WebSockets on one connection, each echoing its own message, their DATA frames interleaved.",
            Act::Interleaved(16),
        ),
        h2_case(
            "h2.4.2",
            WINDOW,
            Must,
            "A 16 MiB binary message through our 64 KiB window.",
            Act::Large {
                len: 16 << 20,
                frame: 16_384,
            },
        ),
        h2_case(
            "h2.4.3",
            STREAM_AS_TCP,
            Info,
            "A 256 KiB binary message in DATA frames of 64 octets (as 9.5.1 chops TCP).",
            Act::Large {
                len: 256 << 10,
                frame: 64,
            },
        ),
    ]
}
