//! Section 1: text and binary messages of the sizes where the length
//! encoding changes (7-bit, 16-bit, 64-bit), echoed back.

use super::*;
use crate::wire::frame::opcode::{BINARY, TEXT};

/// (payload length, kill-after seconds, chop size)
const SIZES: [(usize, f64, Option<usize>); 8] = [
    (0, 1.0, None),
    (125, 1.0, None),
    (126, 1.0, None),
    (127, 1.0, None),
    (128, 1.0, None),
    (65535, 10.0, None),
    (65536, 10.0, None),
    (65536, 10.0, Some(997)),
];

/// Section 1 in the registry (`sections::SECTIONS`).
pub const SECTION: Section = Section {
    prefix: "1",
    title: "Framing",
    in_star: true,
    driver: Driver::Frames,
    cases,
};

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (sub, kind, op, byte, binary) in [(1, "text", TEXT, b'*', false), (2, "binary", BINARY, 0xfe, true)] {
        for (i, &(len, kill, chop)) in SIZES.iter().enumerate() {
            let payload = vec![byte; len];
            let how = match chop {
                Some(c) => format!(", written to the socket {c} octets at a time"),
                None => String::new(),
            };
            out.push(
                case(
                    &format!("1.{sub}.{}", i + 1),
                    &format!("A {kind} message of {len} octets in one frame{how}."),
                    &format!("The {kind} message comes back unchanged; then a clean close with 1000."),
                )
                .script([frame(op, payload.clone()).chop_opt(chop).into(), kill_after(kill)])
                .ok([message(&payload, binary)]),
            );
        }
    }
    out
}
