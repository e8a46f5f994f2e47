//! Section 3: frames with reserved bits set while no extension gives them a
//! meaning (RFC 6455 §5.2): the peer must fail the connection.

use super::*;
use crate::wire::close::PROTOCOL_ERROR;
use crate::wire::frame::opcode::{BINARY, CLOSE, PING, TEXT};

const HELLO: &str = "Hello, world!";

/// A good message, the same with RSV bits, then a ping; `how` shapes the writes.
fn after_echo(id: &str, rsv: u8, how: &str, shape: impl Fn(FrameSpec) -> FrameSpec) -> Case {
    case(
        id,
        &format!("A text message, the same message with RSV = {rsv}, then a ping{how}."),
        "The first message is echoed, then the peer fails the connection (1002) on the reserved bits; no pong. Failing before echoing the first message is NON-STRICT.",
    )
    .script([
        shape(frame(TEXT, HELLO)).into(),
        shape(frame(TEXT, HELLO).rsv(rsv)).into(),
        shape(frame(PING, "")).into(),
        kill_after(1.0),
    ])
    .ok([message(HELLO, false)])
    .non_strict([])
    .close(peer_fails(PROTOCOL_ERROR))
    .alone()
}

fn lone(id: &str, what: &str, f: FrameSpec) -> Case {
    case(id, what, "The peer fails the connection with 1002.")
        .script([f.into(), kill_after(1.0)])
        .ok([])
        .close(peer_fails(PROTOCOL_ERROR))
}

/// Section 3 in the registry (`sections::SECTIONS`).
pub const SECTION: Section = Section {
    prefix: "3",
    title: "Reserved Bits",
    in_star: true,
    driver: Driver::Frames,
    cases,
};

pub fn cases() -> Vec<Case> {
    vec![
        lone("3.1", "A short text message with RSV = 1.", frame(TEXT, HELLO).rsv(1)),
        after_echo("3.2", 2, "", |f| f),
        after_echo("3.3", 3, ", each frame written on its own", |f| f.sync(true)),
        after_echo("3.4", 4, ", written one octet at a time", |f| f.chop(1)),
        lone(
            "3.5",
            "A short binary message with RSV = 5.",
            frame(BINARY, &b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff"[..]).rsv(5),
        ),
        // Autobahn names this one a ping but sends a binary frame; the bytes are what count.
        lone("3.6", "A short binary frame with RSV = 6.", frame(BINARY, HELLO).rsv(6)),
        lone("3.7", "A close frame with RSV = 7.", frame(CLOSE, "").rsv(7)),
    ]
}
