//! Section 10: a 64 KiB message fragmented by the sender into 1300-octet frames.

use super::*;

/// Section 10 in the registry (`sections::SECTIONS`).
pub const SECTION: Section = Section {
    prefix: "10",
    title: "Misc",
    in_star: true,
    driver: Driver::Frames,
    cases,
};

pub fn cases() -> Vec<Case> {
    let payload = vec![b'*'; 65536];
    vec![
        case(
            "10.1.1",
            "A text message of 65536 octets, fragmented by us into frames of 1300 octets.",
            "The message is echoed whole; then a clean close with 1000.",
        )
        .script([send_message(payload.clone(), false, Some(1300)), kill_after(10.0)])
        .ok([message(&payload, false)]),
    ]
}
