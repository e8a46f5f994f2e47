//! Section 9: large messages, many fragments, chopped writes and round trips.
//! Each case is timed and runs alone.

use super::*;
use crate::wire::frame::opcode::{BINARY, TEXT};

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;
const TEXT_PATTERN: &[u8] = b"BAsd7&jh23";
const BINARY_PATTERN: &[u8] = b"\x00\xfe\x23\xfa\xf0";

fn echo(id: &str, description: String, round: Vec<Step>, rounds: usize, len: usize, binary: bool, wait: f64) -> Case {
    let kind = if binary { "binary" } else { "text" };
    case(
        id,
        &description,
        &format!("Every {kind} message comes back with the same length within {wait} s; then a clean close."),
    )
    .script(round.iter().cloned().chain([close_after(wait)]))
    .check(Check::Echo {
        round,
        rounds,
        len,
        binary,
    })
    .timed()
}

fn size_name(n: usize) -> String {
    if n >= MIB {
        format!("{} MiB", n / MIB)
    } else {
        format!("{} KiB", n / KIB)
    }
}

/// Section 9 in the registry (`sections::SECTIONS`).
pub const SECTION: Section = Section {
    prefix: "9",
    title: "Limits/Performance",
    in_star: true,
    driver: Driver::Frames,
    cases,
};

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let big = [
        (64 * KIB, 10.0, 10.0),
        (256 * KIB, 10.0, 10.0),
        (MIB, 100.0, 10.0),
        (4 * MIB, 100.0, 10.0),
        (8 * MIB, 100.0, 100.0),
        (16 * MIB, 100.0, 100.0),
    ];
    for (sub, op, pattern, binary) in [(1, TEXT, TEXT_PATTERN, false), (2, BINARY, BINARY_PATTERN, true)] {
        for (i, &(len, text_wait, bin_wait)) in big.iter().enumerate() {
            let kind = if binary { "binary" } else { "text" };
            out.push(echo(
                &format!("9.{sub}.{}", i + 1),
                format!("A {kind} message of {} in one frame.", size_name(len)),
                vec![frame(op, repeat(pattern, len)).into()],
                1,
                len,
                binary,
                if binary { bin_wait } else { text_wait },
            ));
        }
    }
    let frags = [64, 256, KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB, 4 * MIB];
    for (sub, binary) in [(3, false), (4, true)] {
        for (i, &frag) in frags.iter().enumerate() {
            // Autobahn fills 9.4.1 with 0xFE and the other binary cases with '*'.
            let byte = if binary && i == 0 { 0xfe } else { b'*' };
            let kind = if binary { "binary" } else { "text" };
            out.push(echo(
                &format!("9.{sub}.{}", i + 1),
                format!("A {kind} message of 4 MiB in fragments of {frag} octets."),
                vec![send_message(repeat(&[byte], 4 * MIB), binary, Some(frag))],
                1,
                4 * MIB,
                binary,
                100.0,
            ));
        }
    }
    let chops = [64, 128, 256, 512, 1024, 2048];
    for (sub, op, pattern, binary) in [(5, TEXT, TEXT_PATTERN, false), (6, BINARY, BINARY_PATTERN, true)] {
        for (i, &chop) in chops.iter().enumerate() {
            let kind = if binary { "binary" } else { "text" };
            out.push(echo(
                &format!("9.{sub}.{}", i + 1),
                format!("A {kind} message of 1 MiB in one frame, written {chop} octets at a time."),
                vec![frame(op, repeat(pattern, MIB)).chop(chop).into()],
                1,
                MIB,
                binary,
                1000.0,
            ));
        }
    }
    let trips = [
        (0, 60.0),
        (16, 60.0),
        (64, 60.0),
        (256, 120.0),
        (1024, 240.0),
        (4096, 480.0),
    ];
    for (sub, op, byte, binary) in [(7, TEXT, b'*', false), (8, BINARY, 0xfe, true)] {
        for (i, &(len, wait)) in trips.iter().enumerate() {
            let kind = if binary { "binary" } else { "text" };
            out.push(echo(
                &format!("9.{sub}.{}", i + 1),
                format!(
                    "1000 {kind} messages of {len} octets, each sent when the previous one is echoed (round-trip time)."
                ),
                vec![frame(op, repeat(&[byte], len)).into()],
                1000,
                len,
                binary,
                wait,
            ));
        }
    }
    out
}
