//! The JSON format of custom cases, as serde reads it. Unknown fields and
//! unknown steps are errors, so a typo is caught where it is.

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDef {
    /// What the cases of this file have in common.
    #[serde(default)]
    pub description: Option<String>,
    pub cases: Vec<CaseDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseDef {
    pub id: String,
    pub description: String,
    /// The section of RFC 6455 (or 7692) the case checks, e.g. "5.5.2".
    pub rfc: String,
    /// "server", "client" or both (the default): which peers it is run against.
    #[serde(default)]
    pub roles: Option<Vec<RoleDef>>,
    /// Offer permessage-deflate (RFC 7692); a peer that does not agree
    /// makes the case UNIMPLEMENTED, as in Autobahn's 12.x.
    #[serde(default)]
    pub deflate: Option<DeflateDef>,
    pub steps: Vec<StepDef>,
    pub expect: ExpectDef,
}

/// A permessage-deflate offer: what we ask of the server's compressor,
/// and what we let it ask of ours.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeflateDef {
    /// Ask the server to start each message with a fresh context.
    #[serde(default)]
    pub server_no_context_takeover: bool,
    /// Ask the server for a window of this many bits (8-15).
    #[serde(default)]
    pub server_max_window_bits: Option<u8>,
    /// Let the server ask for a smaller window of ours (on by default).
    #[serde(default = "yes")]
    pub client_max_window_bits: bool,
    /// Let the server ask us to start each message afresh (on by default).
    #[serde(default = "yes")]
    pub client_no_context_takeover: bool,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RoleDef {
    Server,
    Client,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum StepDef {
    /// One frame, legal or not.
    Send(FrameDef),
    /// Bytes written as they are.
    Raw(RawDef),
    /// A message through the normal send path, optionally fragmented.
    Message(MessageDef),
    /// Our close frame (enters the closing handshake).
    Close(CloseDef),
    /// Pause until `events` events have been recorded, at most `max` seconds.
    Wait(WaitDef),
    /// If still open, record a `timeout` event with this tag; else stop.
    Checkpoint(String),
    /// Fail the connection (1001) if it is still open after this many seconds.
    KillAfter(f64),
    /// Start the closing handshake if it is still open after this many seconds.
    CloseAfter(f64),
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum OpcodeDef {
    Number(u8),
    Name(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameDef {
    pub opcode: OpcodeDef,
    #[serde(default = "yes")]
    pub fin: bool,
    #[serde(default)]
    pub rsv: u8,
    /// "role" (the default: masked from a client, not from a server),
    /// "none", or a four-byte key in hex.
    #[serde(default)]
    pub mask: Option<String>,
    #[serde(default)]
    pub payload: Option<PayloadDef>,
    /// A payload length for the header that differs from the payload's.
    #[serde(default)]
    pub declared_length: Option<u64>,
    /// Write the frame this many octets at a time.
    #[serde(default)]
    pub chop: Option<usize>,
    /// Write the frame on its own.
    #[serde(default)]
    pub sync: bool,
    /// The frame breaks RFC 6455 on purpose (an oversize or fragmented
    /// control frame); without this such a frame is refused as a mistake.
    #[serde(default)]
    pub illegal: bool,
    /// The payload is plain data, compressed as it is sent with the
    /// connection's permessage-deflate context (the case's `deflate`).
    #[serde(default)]
    pub compress: bool,
}

fn yes() -> bool {
    true
}

/// Bytes: exactly one of `text`, `hex`, `all_bytes`; with `length`, the
/// bytes repeat until the payload is that long.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct PayloadDef {
    pub text: Option<String>,
    pub hex: Option<String>,
    /// The 256 byte values 0x00..0xff in order.
    pub all_bytes: Option<bool>,
    pub length: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDef {
    pub hex: String,
    #[serde(default)]
    pub chop: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageDef {
    pub payload: PayloadDef,
    #[serde(default)]
    pub binary: bool,
    /// Split into fragments of this many octets.
    #[serde(default)]
    pub fragment: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseDef {
    #[serde(default)]
    pub code: Option<u16>,
    #[serde(default)]
    pub reason: Option<PayloadDef>,
    /// Write the close frame this many octets at a time.
    #[serde(default)]
    pub chop: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitDef {
    pub max: f64,
    #[serde(default)]
    pub events: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectDef {
    /// The events of a conforming peer.
    pub ok: Vec<EventDef>,
    /// Events that are allowed but miss a SHOULD.
    #[serde(default)]
    pub non_strict: Option<Vec<EventDef>>,
    pub close: CloseExpectDef,
    /// RFC 6455 leaves the outcome open: both verdicts INFORMATIONAL.
    #[serde(default)]
    pub informational: bool,
    /// A close with an unexpected code also fails `behavior`.
    #[serde(default)]
    pub wrong_code_fails: bool,
    /// Do not start the closing handshake when the events match.
    #[serde(default)]
    pub suppress_close: bool,
    /// The verdict is a race in the peer: run with no other case busy.
    #[serde(default)]
    pub alone: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EventDef {
    Message(MessageEventDef),
    Pong(PayloadDef),
    Timeout(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageEventDef {
    pub text: Option<String>,
    pub hex: Option<String>,
    pub all_bytes: Option<bool>,
    pub length: Option<usize>,
    #[serde(default)]
    pub binary: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseExpectDef {
    /// "us": we close (after the events match) and the peer answers;
    /// "peer": the peer must fail or close the connection.
    pub by: CloserDef,
    /// Close codes the peer may send.
    pub codes: Vec<u16>,
    /// The closing handshake must complete cleanly.
    #[serde(default)]
    pub clean: bool,
    /// Closing by the wrong side also fails `behavior`.
    #[serde(default)]
    pub wrong_endpoint_fatal: bool,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CloserDef {
    Us,
    Peer,
}
