//! Section 2: pings and pongs (RFC 6455 §5.5.2, §5.5.3).

use super::*;
use crate::wire::close;
use crate::wire::frame::opcode::{PING, PONG};

/// A ping with `payload`, answered by a pong with the same payload.
fn ping_echo(id: &str, what: &str, payload: &[u8], chop: Option<usize>, wait: f64) -> Case {
    case(
        id,
        &format!("A ping with {what}."),
        "A pong with the same payload answers it; then a clean close with 1000.",
    )
    .script([frame(PING, payload).chop_opt(chop).into(), close_after(wait)])
    .ok([pong(payload)])
}

fn ten_pings(id: &str, chop: Option<usize>) -> Case {
    let payloads: Vec<String> = (0..10).map(|i| format!("payload-{i}")).collect();
    let mut steps: Vec<Step> = payloads
        .iter()
        .map(|p| frame(PING, p.as_str()).chop_opt(chop).into())
        .collect();
    steps.push(close_after(3.0));
    let how = if chop.is_some() {
        ", written one octet at a time"
    } else {
        ""
    };
    case(
        id,
        &format!("Ten pings with distinct payloads, back to back{how}."),
        "Ten pongs with the ten payloads in order (not required by RFC 6455, which lets a peer answer only the latest ping); then a clean close.",
    )
    .script(steps)
    .ok(payloads.iter().map(pong))
}

/// An unsolicited pong then our close: nothing comes back.
fn lone_pong(id: &str, payload: &[u8]) -> Case {
    let what = if payload.is_empty() { "no payload" } else { "a payload" };
    case(
        id,
        &format!("An unsolicited pong with {what}, then a close with 1000."),
        "Nothing answers the pong; the close is answered cleanly.",
    )
    .script([
        frame(PONG, payload).into(),
        close_frame(Some(close::NORMAL), None),
        close_after(1.0),
    ])
    .ok([])
}

/// Section 2 in the registry (`sections::SECTIONS`).
pub const SECTION: Section = Section {
    prefix: "2",
    title: "Pings/Pongs",
    in_star: true,
    driver: Driver::Frames,
    cases,
};

pub fn cases() -> Vec<Case> {
    vec![
        ping_echo("2.1", "no payload", b"", None, 1.0),
        ping_echo("2.2", "a short text payload", b"Hello, world!", None, 1.0),
        ping_echo(
            "2.3",
            "a short binary payload",
            b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff",
            None,
            1.0,
        ),
        ping_echo(
            "2.4",
            "a binary payload of 125 octets (the maximum)",
            &[0xfe; 125],
            None,
            1.0,
        ),
        case(
            "2.5",
            "A ping with a 126-octet payload, one more than a control frame may carry.",
            "The peer fails the connection with 1002.",
        )
        .script([frame(PING, vec![0xfe; 126]).into(), kill_after(1.0)])
        .ok([])
        .close(peer_fails(close::PROTOCOL_ERROR)),
        ping_echo(
            "2.6",
            "a 125-octet payload, written one octet at a time",
            &[0xfe; 125],
            Some(1),
            2.0,
        ),
        lone_pong("2.7", b""),
        lone_pong("2.8", b"unsolicited pong payload"),
        case(
            "2.9",
            "An unsolicited pong with a payload, then a ping with another payload.",
            "Only the ping is answered, by a pong with its payload; then a clean close.",
        )
        .script([
            frame(PONG, "unsolicited pong payload").into(),
            frame(PING, "ping payload").into(),
            close_after(1.0),
        ])
        .ok([pong("ping payload")]),
        ten_pings("2.10", None),
        ten_pings("2.11", Some(1)),
    ]
}
