//! Section 5: fragmentation (RFC 6455 §5.4): fragmented control frames,
//! continuation frames with nothing to continue, control frames between
//! fragments, and the byte-stream chopped in different ways.

use super::*;
use crate::wire::close::PROTOCOL_ERROR;
use crate::wire::frame::opcode::{CONTINUATION as CONT, PING, PONG, TEXT};

/// How the frames of a case are written: together, one write per frame, or
/// one octet per write.
#[derive(Clone, Copy)]
enum Writes {
    Together,
    PerFrame,
    PerOctet,
}

impl Writes {
    fn apply(self, f: FrameSpec) -> FrameSpec {
        match self {
            Writes::Together => f,
            Writes::PerFrame => f.sync(true),
            Writes::PerOctet => f.chop(1),
        }
    }
    fn phrase(self) -> &'static str {
        match self {
            Writes::Together => "",
            Writes::PerFrame => ", each frame written on its own",
            Writes::PerOctet => ", written one octet at a time",
        }
    }
}

fn frames(w: Writes, fs: impl IntoIterator<Item = FrameSpec>) -> Vec<Step> {
    fs.into_iter().map(|f| w.apply(f).into()).collect()
}

fn fragmented_control(id: &str, op: u8, name: &str) -> Case {
    case(
        id,
        &format!("A {name} split into two fragments."),
        "Control frames must not be fragmented: the peer fails the connection with 1002.",
    )
    .script([
        frame(op, "fragment1").fin(false).into(),
        frame(CONT, "fragment2").into(),
        kill_after(1.0),
    ])
    .ok([])
    .close(peer_fails(PROTOCOL_ERROR))
}

fn two_fragments(id: &str, w: Writes) -> Case {
    let mut steps = frames(w, [frame(TEXT, "fragment1").fin(false), frame(CONT, "fragment2")]);
    steps.push(close_after(1.0));
    case(
        id,
        &format!("A text message in two fragments{}.", w.phrase()),
        "The whole message is echoed; then a clean close.",
    )
    .script(steps)
    .ok([message("fragment1fragment2", false)])
}

fn ping_between(id: &str, w: Writes) -> Case {
    let mut steps = frames(
        w,
        [
            frame(TEXT, "fragment1").fin(false),
            frame(PING, "ping payload"),
            frame(CONT, "fragment2"),
        ],
    );
    steps.push(close_after(1.0));
    case(
        id,
        &format!(
            "A text message in two fragments with a ping between them{}.",
            w.phrase()
        ),
        "The pong comes first, then the echoed message; then a clean close.",
    )
    .script(steps)
    .ok([pong("ping payload"), message("fragment1fragment2", false)])
}

/// A continuation frame with nothing to continue, then a whole text message.
fn stray_continuation(id: &str, fin: bool, w: Writes) -> Case {
    let mut steps = frames(
        w,
        [
            frame(CONT, "non-continuation payload").fin(fin),
            frame(TEXT, "Hello, world!"),
        ],
    );
    steps.push(kill_after(1.0));
    case(
        id,
        &format!(
            "A continuation frame (FIN = {fin}) with no message to continue, then a text message{}.",
            w.phrase()
        ),
        "The peer fails the connection with 1002.",
    )
    .script(steps)
    .ok([])
    .close(peer_fails(PROTOCOL_ERROR))
}

fn repeated_stray(id: &str, fin: bool) -> Case {
    let mut steps = Vec::new();
    for _ in 0..2 {
        steps.push(frame(CONT, "fragment1").fin(fin).into());
        steps.push(frame(TEXT, "fragment2").fin(false).into());
        steps.push(frame(CONT, "fragment3").into());
    }
    steps.push(kill_after(1.0));
    case(
        id,
        &format!(
            "Twice: a continuation frame (FIN = {fin}) with nothing to continue, then a text message in two fragments."
        ),
        "The peer fails the connection with 1002 at the first frame.",
    )
    .script(steps)
    .ok([])
    .close(peer_fails(PROTOCOL_ERROR))
}

fn pings_while_fragmenting(id: &str, sync: bool) -> Case {
    let f = |op, p: &str, fin| frame(op, p).fin(fin).sync(sync).into();
    let how = if sync { ", each frame written on its own" } else { "" };
    case(
        id,
        &format!(
            "A text message in five fragments. After two fragments a ping; a pause; two more fragments, a second ping, the last fragment{how}."
        ),
        "The first ping is answered at once, before the message is complete; both pongs carry their ping's payload and the whole message is echoed.",
    )
    .script([
        f(TEXT, "fragment1", false),
        f(CONT, "fragment2", false),
        f(PING, "pongme 1!", true),
        // Autobahn pauses a second here; the pause is for the first pong.
        Step::Wait { max: secs(1.0), until: Until::Events(1), tag: None },
        f(CONT, "fragment3", false),
        f(CONT, "fragment4", false),
        f(PING, "pongme 2!", true),
        f(CONT, "fragment5", true),
        close_after(1.0),
    ])
    .ok([
        pong("pongme 1!"),
        pong("pongme 2!"),
        message("fragment1fragment2fragment3fragment4fragment5", false),
    ])
}

/// Section 5 in the registry (`sections::SECTIONS`).
pub const SECTION: Section = Section {
    prefix: "5",
    title: "Fragmentation",
    in_star: true,
    driver: Driver::Frames,
    cases,
};

pub fn cases() -> Vec<Case> {
    use Writes::*;
    vec![
        fragmented_control("5.1", PING, "ping"),
        fragmented_control("5.2", PONG, "pong"),
        two_fragments("5.3", Together),
        two_fragments("5.4", PerFrame),
        two_fragments("5.5", PerOctet),
        ping_between("5.6", Together),
        ping_between("5.7", PerFrame),
        ping_between("5.8", PerOctet),
        stray_continuation("5.9", true, Together),
        stray_continuation("5.10", true, PerFrame),
        stray_continuation("5.11", true, PerOctet),
        stray_continuation("5.12", false, Together),
        stray_continuation("5.13", false, PerFrame),
        stray_continuation("5.14", false, PerOctet),
        case(
            "5.15",
            "A text message in two fragments, then a continuation frame (FIN = false) with nothing to continue, then a text message.",
            "The first message is echoed, then the peer fails the connection (1002). Failing before the echo is NON-STRICT.",
        )
        .script([
            frame(TEXT, "fragment1").fin(false).into(),
            frame(CONT, "fragment2").into(),
            frame(CONT, "fragment3").fin(false).into(),
            frame(TEXT, "fragment4").into(),
            kill_after(1.0),
        ])
        .ok([message("fragment1fragment2", false)])
        .non_strict([])
        .close(peer_fails(PROTOCOL_ERROR))
        .alone(),
        repeated_stray("5.16", false),
        repeated_stray("5.17", true),
        case(
            "5.18",
            "A text message in two fragments whose second frame also has the text opcode.",
            "Frames after the first of a message must be continuations: the peer fails the connection with 1002.",
        )
        .script([
            frame(TEXT, "fragment1").fin(false).into(),
            frame(TEXT, "fragment2").into(),
            kill_after(1.0),
        ])
        .ok([])
        .close(peer_fails(PROTOCOL_ERROR)),
        pings_while_fragmenting("5.19", false),
        pings_while_fragmenting("5.20", true),
    ]
}
