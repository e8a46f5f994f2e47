//! Section 6: UTF-8 in text messages (RFC 6455 §8.1): valid text in odd
//! fragmentations, invalid text the peer must refuse with 1007, and whether
//! it refuses as soon as the invalid byte arrives (6.4.x).

use super::s6_utf8_sequences::{KOSME, groups};
use super::*;
use crate::wire::close::INVALID_PAYLOAD;
use crate::wire::frame::opcode::{CONTINUATION as CONT, TEXT};

const MIXED: &str = "Hello-\u{b5}@\u{df}\u{f6}\u{e4}\u{fc}\u{e0}\u{e1}-UTF-8!!";
/// κόσμε, then the surrogate U+D800 encoded (invalid at its second byte), then "edited".
const WITH_SURROGATE: &[u8] = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited";
/// κόσμε, then F4 90 80 80 (would be U+110000: invalid at the 0x90), then "edited".
const FAST_FAIL: [&[u8]; 3] = [KOSME, b"\xf4\x90\x80\x80", b"edited"];

/// The peer must fail with 1007; if we end up closing, it never noticed.
fn refuses_invalid_text() -> ExpectedClose {
    ExpectedClose {
        wrong_endpoint_fatal: true,
        ..peer_fails(INVALID_PAYLOAD)
    }
}

fn rejects_invalid(c: Case) -> Case {
    c.ok([]).close(refuses_invalid_text())
}

fn echoed(id: &str, description: &str, steps: Vec<Step>, text: &[u8]) -> Case {
    let mut steps = steps;
    steps.push(close_after(1.0));
    case(id, description, "The text is echoed unchanged; then a clean close.")
        .script(steps)
        .ok([message(text, false)])
}

/// 6.4.x: the text is sent in three parts with pauses. The first part is
/// valid, so the peer must wait; the second makes it invalid, and a strict
/// peer fails at once. Failing only at the end of the message is NON-STRICT.
fn fail_fast(id: &str, parts: [Vec<u8>; 3], one_frame: bool) -> Case {
    let total: usize = parts.iter().map(Vec::len).sum();
    let wait = |tag| Step::Wait {
        max: secs(1.0),
        until: Until::Bound,
        tag: Some(tag),
    };
    let mut steps = Vec::new();
    if one_frame {
        steps.push(Step::FrameHead {
            opcode: TEXT,
            fin: false,
            len: total as u64,
        });
        steps.push(Step::FrameBody(parts[0].clone()));
    } else {
        steps.push(frame(TEXT, parts[0].clone()).fin(false).into());
    }
    steps.extend([wait("A"), Step::Checkpoint("A".into())]);
    if one_frame {
        steps.push(Step::FrameBody(parts[1].clone()));
    } else {
        steps.push(frame(CONT, parts[1].clone()).fin(false).into());
    }
    steps.extend([wait("B"), Step::Checkpoint("B".into())]);
    if one_frame {
        steps.push(Step::FrameBody(parts[2].clone()));
        steps.push(frame(CONT, "").into());
    } else {
        steps.push(frame(CONT, parts[2].clone()).into());
    }
    steps.push(kill_after(1.0));
    let how = if one_frame {
        "three writes of one frame"
    } else {
        "three frames"
    };
    let hex = |b: &Vec<u8>| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    case(
        id,
        &format!(
            "Invalid UTF-8 text in {how} with a one-second pause after each of the first two: {} | {} | {}.",
            hex(&parts[0]),
            hex(&parts[1]),
            hex(&parts[2])
        ),
        "The first part is valid and the peer waits; the second part makes the text invalid and the peer fails the connection (1007) at once. Failing only at the end of the message is NON-STRICT.",
    )
    .close(refuses_invalid_text())
    .script(steps)
    .ok([Event::Timeout("A".into())])
    .non_strict([Event::Timeout("A".into()), Event::Timeout("B".into())])
    // Whether the peer fails before a pause ends is a matter of time: its
    // busy stretches run alone; other cases run during its pauses.
    .alone()
}

/// Section 6 in the registry (`sections::SECTIONS`).
pub const SECTION: Section = Section {
    prefix: "6",
    title: "UTF-8 Handling",
    in_star: true,
    driver: Driver::Frames,
    cases,
};

pub fn cases() -> Vec<Case> {
    let whole: Vec<u8> = FAST_FAIL.concat();
    let split_at_byte = [whole[..12].to_vec(), whole[12..13].to_vec(), whole[13..].to_vec()];
    let split_on_parts = FAST_FAIL.map(<[u8]>::to_vec);
    let mut out = vec![
        echoed("6.1.1", "An empty text message.", vec![frame(TEXT, "").into()], b""),
        echoed(
            "6.1.2",
            "A text message in three empty fragments.",
            vec![
                frame(TEXT, "").fin(false).into(),
                frame(CONT, "").fin(false).into(),
                frame(CONT, "").into(),
            ],
            b"",
        ),
        echoed(
            "6.1.3",
            "A text message in three fragments, the first and last empty.",
            vec![
                frame(TEXT, "").fin(false).into(),
                frame(CONT, "middle frame payload").fin(false).into(),
                frame(CONT, "").into(),
            ],
            b"middle frame payload",
        ),
        echoed(
            "6.2.1",
            "Valid UTF-8 text with multi-byte code points in one frame.",
            vec![send_message(MIXED, false, None)],
            MIXED.as_bytes(),
        ),
        echoed(
            "6.2.2",
            "Valid UTF-8 text in two fragments split on a code point boundary.",
            vec![
                frame(TEXT, &MIXED.as_bytes()[..15]).fin(false).into(),
                frame(CONT, &MIXED.as_bytes()[15..]).into(),
            ],
            MIXED.as_bytes(),
        ),
        echoed(
            "6.2.3",
            "Valid UTF-8 text in one-octet fragments, so fragments end inside code points.",
            vec![send_message(MIXED, false, Some(1))],
            MIXED.as_bytes(),
        ),
        echoed(
            "6.2.4",
            "Valid UTF-8 text (Greek) in one-octet fragments.",
            vec![send_message(KOSME, false, Some(1))],
            KOSME,
        ),
        rejects_invalid(case(
            "6.3.1",
            "Invalid UTF-8 text (an encoded surrogate) in one frame.",
            "The peer fails the connection with 1007.",
        ))
        .script([send_message(WITH_SURROGATE, false, None), kill_after(1.0)]),
        rejects_invalid(case(
            "6.3.2",
            "Invalid UTF-8 text (an encoded surrogate) in one-octet fragments.",
            "The peer fails the connection with 1007.",
        ))
        .script([send_message(WITH_SURROGATE, false, Some(1)), kill_after(1.0)]),
        fail_fast("6.4.1", split_on_parts.clone(), false),
        fail_fast("6.4.2", split_at_byte.clone(), false),
        fail_fast("6.4.3", split_on_parts, true),
        fail_fast("6.4.4", split_at_byte, true),
    ];
    for (i, (title, seqs)) in groups().into_iter().enumerate() {
        for (j, (valid, bytes)) in seqs.into_iter().enumerate() {
            let id = format!("6.{}.{}", i + 5, j + 1);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let steps = [send_message(bytes.clone(), false, None), kill_after(0.5)];
            out.push(if valid {
                case(
                    &id,
                    &format!("{title}: valid UTF-8 text 0x{hex} in one frame."),
                    "The text is echoed unchanged; then a clean close.",
                )
                .script(steps)
                .ok([message(&bytes, false)])
            } else {
                rejects_invalid(case(
                    &id,
                    &format!("{title}: invalid UTF-8 text 0x{hex} in one frame."),
                    "The peer fails the connection with 1007.",
                ))
                .script(steps)
            });
        }
    }
    out
}
