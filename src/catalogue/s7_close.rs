//! Section 7: the closing handshake (RFC 6455 §5.5.1, §7): what comes after
//! a close, close payload lengths, close codes valid and invalid.

use super::*;
use crate::wire::close::{INVALID_PAYLOAD, NORMAL, PROTOCOL_ERROR};
use crate::wire::frame::opcode::{CLOSE, CONTINUATION as CONT, PING, TEXT};

/// A closing case: we close (and maybe send more), the peer answers.
fn closing(id: &str, description: &str, expectation: &str, steps: Vec<Step>) -> Case {
    let mut steps = steps;
    steps.push(kill_after(1.0));
    case(id, description, expectation)
        .script(steps)
        .ok([])
        .suppress_close()
        .amend(Amend::WrongCodeFails)
}

fn normal_close_step() -> Step {
    close_frame(Some(NORMAL), None)
}

const VALID_CODES: [u16; 13] = [
    1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999,
];
const INVALID_CODES: [u16; 9] = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];

/// Section 7 in the registry (`sections::SECTIONS`).
pub const SECTION: Section = Section {
    prefix: "7",
    title: "Close Handling",
    in_star: true,
    driver: Driver::Frames,
    cases,
};

pub fn cases() -> Vec<Case> {
    let mut out = vec![
        case(
            "7.1.1",
            "A text message, then (once it is echoed) a close.",
            "The message is echoed, then a clean close with 1000.",
        )
        .script([frame(TEXT, "Hello World!").into(), kill_after(1.0)])
        .ok([message("Hello World!", false)])
        .amend(Amend::WrongCodeFails),
        closing(
            "7.1.2",
            "Two close frames back to back.",
            "A clean close with 1000; the second close frame is ignored.",
            vec![normal_close_step(), frame(CLOSE, "").into()],
        ),
        closing(
            "7.1.3",
            "A close, then a ping.",
            "A clean close with 1000; the ping after the close is not answered.",
            vec![normal_close_step(), frame(PING, "").into()],
        ),
        closing(
            "7.1.4",
            "A close, then a text message.",
            "A clean close with 1000; the message after the close is ignored.",
            vec![normal_close_step(), frame(TEXT, "Hello World!").into()],
        ),
        closing(
            "7.1.5",
            "The first fragment of a text message, a close, then the last fragment.",
            "A clean close with 1000.",
            vec![
                frame(TEXT, "fragment1").fin(false).into(),
                normal_close_step(),
                frame(CONT, "fragment2").into(),
            ],
        ),
        case(
            "7.1.6",
            "A 256 KiB text message, a short text message, a close and a ping, back to back.",
            "Left open by RFC 6455: a peer that processes the close before it has written the echo of the large message may drop the echoes. Informational.",
        )
        .script([
            frame(TEXT, repeat(b"BAsd7&jh23", 256 * 1024)).into(),
            frame(TEXT, "Hello World!").into(),
            normal_close_step(),
            frame(PING, "").into(),
            kill_after(1.0),
        ])
        .ok([message("Hello World!", false)])
        .non_strict([])
        .suppress_close()
        .amend(Amend::Informational)
        .alone(),
        closing(
            "7.3.1",
            "A close frame with an empty payload (no code, no reason).",
            "A clean close with 1000.",
            vec![close_frame(None, None)],
        ),
        closing(
            "7.3.2",
            "A close frame with a one-octet payload (a code needs two).",
            "The peer answers with 1002 or drops the connection.",
            vec![close_frame(None, Some(b"a"))],
        )
        .close(we_close(&[PROTOCOL_ERROR])),
        closing(
            "7.3.3",
            "A close frame with code 1000 and no reason.",
            "A clean close with 1000.",
            vec![normal_close_step()],
        ),
        closing(
            "7.3.4",
            "A close frame with code 1000 and a short reason.",
            "A clean close with 1000.",
            vec![close_frame(Some(NORMAL), Some(b"Hello World!"))],
        ),
        closing(
            "7.3.5",
            "A close frame with code 1000 and a 123-octet reason, the longest that fits.",
            "A clean close with 1000.",
            vec![close_frame(Some(NORMAL), Some(&[b'*'; 123]))],
        ),
        closing(
            "7.3.6",
            "A close frame with code 1000 and a 124-octet reason: a 126-octet control frame.",
            "The peer answers with 1002 or drops the connection.",
            vec![close_frame(Some(NORMAL), Some(&[b'*'; 124]))],
        )
        .close(we_close(&[PROTOCOL_ERROR])),
        closing(
            "7.5.1",
            "A close frame with code 1000 and a reason that is not valid UTF-8.",
            "The peer answers with 1002 or 1007, or drops the connection.",
            vec![close_frame(
                Some(NORMAL),
                Some(b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"),
            )],
        )
        .close(we_close(&[PROTOCOL_ERROR, INVALID_PAYLOAD])),
    ];
    for (i, code) in VALID_CODES.into_iter().enumerate() {
        out.push(
            closing(
                &format!("7.7.{}", i + 1),
                &format!("A close frame with the valid code {code}."),
                "A clean close, the peer answering with 1000 or the same code.",
                vec![close_frame(Some(code), None)],
            )
            .close(we_close_cleanly(&[NORMAL, code])),
        );
    }
    for (i, code) in INVALID_CODES.into_iter().enumerate() {
        out.push(
            closing(
                &format!("7.9.{}", i + 1),
                &format!("A close frame with the invalid code {code}."),
                "The peer answers with 1002 or drops the connection.",
                vec![close_frame(Some(code), None)],
            )
            .close(we_close(&[PROTOCOL_ERROR])),
        );
    }
    for (i, code) in [5000u16, 65535].into_iter().enumerate() {
        out.push(
            closing(
                &format!("7.13.{}", i + 1),
                &format!("A close frame with code {code}, outside every defined range."),
                "Left open by RFC 6455. Informational.",
                vec![close_frame(Some(code), None)],
            )
            .close(we_close(&[NORMAL, code, PROTOCOL_ERROR]))
            .amend(Amend::Informational),
        );
    }
    out
}
