//! Section 4: reserved opcodes, data (3–7) and control (11–15) (RFC 6455 §5.2).

use super::*;
use crate::wire::close::PROTOCOL_ERROR;
use crate::wire::frame::opcode::{PING, TEXT};

const HELLO: &str = "Hello, world!";

fn lone(id: &str, op: u8, payload: &str) -> Case {
    let with = if payload.is_empty() { "" } else { " with a payload" };
    case(
        id,
        &format!("A frame with the reserved opcode {op}{with}."),
        "The peer fails the connection with 1002.",
    )
    .script([frame(op, payload).into(), kill_after(1.0)])
    .ok([])
    .close(peer_fails(PROTOCOL_ERROR))
}

fn after_echo(id: &str, op: u8, payload: &str, chop: Option<usize>) -> Case {
    let with = if payload.is_empty() { "" } else { " with a payload" };
    let how = if chop.is_some() {
        ", written one octet at a time"
    } else {
        ""
    };
    case(
        id,
        &format!("A text message, a frame with the reserved opcode {op}{with}, then a ping{how}."),
        "The message is echoed, then the peer fails the connection (1002); no pong. Failing before the echo is NON-STRICT.",
    )
    .script([
        frame(TEXT, HELLO).chop_opt(chop).into(),
        frame(op, payload).chop_opt(chop).into(),
        frame(PING, "").chop_opt(chop).into(),
        kill_after(1.0),
    ])
    .ok([message(HELLO, false)])
    .non_strict([])
    .close(peer_fails(PROTOCOL_ERROR))
    .alone()
}

/// Section 4 in the registry (`sections::SECTIONS`).
pub const SECTION: Section = Section {
    prefix: "4",
    title: "Opcodes",
    in_star: true,
    driver: Driver::Frames,
    cases,
};

pub fn cases() -> Vec<Case> {
    vec![
        lone("4.1.1", 3, ""),
        lone("4.1.2", 4, "reserved opcode payload"),
        after_echo("4.1.3", 5, "", None),
        after_echo("4.1.4", 6, HELLO, None),
        after_echo("4.1.5", 7, HELLO, Some(1)),
        lone("4.2.1", 11, ""),
        lone("4.2.2", 12, "reserved opcode payload"),
        after_echo("4.2.3", 13, "", None),
        after_echo("4.2.4", 14, HELLO, None),
        after_echo("4.2.5", 15, HELLO, Some(1)),
    ]
}
