//! Opening-handshake cases for clients (hs.6–hs.7): the answer wsspec gives
//! to a client's `/runCase` request, and whether RFC 6455 §4.1 (and RFC 7692
//! §7) require the client to fail the connection or to go on. Each answer is
//! followed by a text message: a client that echoes it took the connection.

use super::Case;
use super::opening::{ClientMust::*, Level::*, client_case as case, standard_answer as std_ans};

const CLIENT: &str = "RFC 6455 §4.1";
const PMCE: &str = "RFC 7692 §7";

fn status(line: &str) -> super::opening::Answer {
    super::opening::Answer {
        lines: vec![
            line.to_string(),
            "Content-Type: text/plain".into(),
            "Content-Length: 0".into(),
        ],
        chop: None,
        message_behind: false,
    }
}

pub fn cases() -> Vec<Case> {
    let accept = "Sec-WebSocket-Accept";
    vec![
        // hs.6: answers a client MUST fail the connection on.
        case(
            "hs.6.1",
            CLIENT,
            Must,
            "The answer is `200 OK`.",
            status("HTTP/1.1 200 OK"),
            Fail,
        ),
        case(
            "hs.6.2",
            CLIENT,
            Must,
            "The answer is `302 Found` to another path.",
            status("HTTP/1.1 302 Found").line("Location: /elsewhere"),
            Fail,
        ),
        case(
            "hs.6.3",
            CLIENT,
            Must,
            "The answer is `400 Bad Request`.",
            status("HTTP/1.1 400 Bad Request"),
            Fail,
        ),
        case(
            "hs.6.4",
            CLIENT,
            Must,
            "A 101 without Upgrade.",
            std_ans().without("Upgrade"),
            Fail,
        ),
        case(
            "hs.6.5",
            CLIENT,
            Must,
            "A 101 with `Upgrade: h2c`.",
            std_ans().set("Upgrade", "h2c"),
            Fail,
        ),
        case(
            "hs.6.6",
            CLIENT,
            Must,
            "A 101 without Connection.",
            std_ans().without("Connection"),
            Fail,
        ),
        case(
            "hs.6.7",
            CLIENT,
            Must,
            "A 101 with `Connection: keep-alive`, without the Upgrade token.",
            std_ans().set("Connection", "keep-alive"),
            Fail,
        ),
        case(
            "hs.6.8",
            CLIENT,
            Must,
            "A 101 whose Sec-WebSocket-Accept answers another key.",
            std_ans().set(accept, "{wrong_accept}"),
            Fail,
        ),
        case(
            "hs.6.9",
            CLIENT,
            Must,
            "A 101 without Sec-WebSocket-Accept.",
            std_ans().without(accept),
            Fail,
        ),
        case(
            "hs.6.10",
            CLIENT,
            Must,
            "A 101 whose Sec-WebSocket-Accept is the key itself, unhashed.",
            std_ans().set(accept, "{key}"),
            Fail,
        ),
        case(
            "hs.6.11",
            CLIENT,
            Must,
            "A 101 that agrees to an extension the client never offered (`x-wsspec-never-offered`).",
            std_ans().line("Sec-WebSocket-Extensions: x-wsspec-never-offered"),
            Fail,
        ),
        case(
            "hs.6.12",
            CLIENT,
            Must,
            "A 101 that names a subprotocol the client never offered (`wsspec.never-offered`).",
            std_ans().line("Sec-WebSocket-Protocol: wsspec.never-offered"),
            Fail,
        ),
        case(
            "hs.6.13",
            PMCE,
            Must,
            "A 101 with permessage-deflate and a parameter RFC 7692 does not define (`x_wsspec_unknown=1`).",
            std_ans().line("Sec-WebSocket-Extensions: permessage-deflate; x_wsspec_unknown=1"),
            Fail,
        ),
        case(
            "hs.6.14",
            PMCE,
            Must,
            "A 101 with permessage-deflate and `server_max_window_bits=7`, an invalid value.",
            std_ans().line("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=7"),
            Fail,
        ),
        case(
            "hs.6.15",
            PMCE,
            Must,
            "A 101 with permessage-deflate and `client_max_window_bits=10`, unless the client offered client_max_window_bits (RFC 7692 §7.1.2.2); a client that offered none fails it as an extension it never offered.",
            std_ans().line("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10"),
            Fail,
        ),
        case(
            "hs.6.16",
            CLIENT,
            Must,
            "A 101 with two Sec-WebSocket-Accept headers, the right one and a wrong one.",
            std_ans().line("Sec-WebSocket-Accept: {wrong_accept}"),
            Fail,
        ),
        // hs.7: answers a client MUST take.
        case(
            "hs.7.1",
            CLIENT,
            Must,
            "A 101 with the first message in the same TCP segment; a client that drops what follows the head loses it.",
            std_ans().message_behind(),
            Accept,
        ),
        case(
            "hs.7.2",
            CLIENT,
            Must,
            "A 101 with header names and tokens in odd case (`UPGRADE: WebSocket`, `connection: UPGRADE`).",
            std_ans()
                .without("Upgrade")
                .without("Connection")
                .line("UPGRADE: WebSocket")
                .line("connection: UPGRADE"),
            Accept,
        ),
        case(
            "hs.7.3",
            CLIENT,
            Must,
            "A 101 written in pieces of 16 octets.",
            std_ans().chop(16),
            Accept,
        ),
        case(
            "hs.7.4",
            CLIENT,
            Must,
            "A 101 with `Connection: Upgrade, keep-alive` and headers the client does not know.",
            std_ans()
                .set("Connection", "Upgrade, keep-alive")
                .line("Server: wsspec")
                .line("X-Wsspec-Unknown: yes"),
            Accept,
        ),
    ]
}
