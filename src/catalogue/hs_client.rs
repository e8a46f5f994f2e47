//! Opening-handshake cases for clients (hs.6–hs.7): the answer wsspec gives
//! to a client's `/runCase` request, and whether RFC 6455 §4.1 (and RFC 7692)
//! require the client to fail the connection or to go on. A 101 is followed
//! by a text message: a client that echoes it took the connection. Any
//! other status closes the exchange as HTTP does (`Connection: close`, no
//! frame after it): a client that sends a WebSocket frame took it anyway.

use std::time::Duration;

use super::Case;
use super::hs_clauses::*;
use super::opening::{Answer, ClientMust::*, Level::*, client_case as case, standard_answer as std_ans};

/// A complete HTTP answer with status line `line` and no body.
fn status(line: &str) -> Answer {
    Answer {
        lines: vec![
            line.to_string(),
            "Content-Type: text/plain".into(),
            "Content-Length: 0".into(),
            "Connection: close".into(),
        ],
        ..std_ans()
    }
}

/// A 101 that agrees to permessage-deflate with `params`.
fn deflate(params: &str) -> Answer {
    std_ans().line(&format!("Sec-WebSocket-Extensions: permessage-deflate{params}"))
}

pub fn cases() -> Vec<Case> {
    let accept = "Sec-WebSocket-Accept";
    vec![
        // hs.6: answers a client MUST fail the connection on.
        case(
            "hs.6.1",
            NOT_101,
            Must,
            "The answer is `200 OK`.",
            status("HTTP/1.1 200 OK"),
            Fail,
        ),
        case(
            "hs.6.2",
            NOT_101,
            Must,
            "The answer is `302 Found` to another path.",
            status("HTTP/1.1 302 Found").line("Location: /elsewhere"),
            Fail,
        ),
        case(
            "hs.6.3",
            NOT_101,
            Must,
            "The answer is `400 Bad Request`.",
            status("HTTP/1.1 400 Bad Request"),
            Fail,
        ),
        case(
            "hs.6.4",
            ANSWER_UPGRADE,
            Must,
            "A 101 without Upgrade.",
            std_ans().without("Upgrade"),
            Fail,
        ),
        case(
            "hs.6.5",
            ANSWER_UPGRADE,
            Must,
            "A 101 with `Upgrade: h2c`.",
            std_ans().set("Upgrade", "h2c"),
            Fail,
        ),
        case(
            "hs.6.6",
            ANSWER_CONNECTION,
            Must,
            "A 101 without Connection.",
            std_ans().without("Connection"),
            Fail,
        ),
        case(
            "hs.6.7",
            ANSWER_CONNECTION,
            Must,
            "A 101 with `Connection: keep-alive`, without the Upgrade token.",
            std_ans().set("Connection", "keep-alive"),
            Fail,
        ),
        case(
            "hs.6.8",
            ANSWER_ACCEPT,
            Must,
            "A 101 whose Sec-WebSocket-Accept answers another key.",
            std_ans().set(accept, "{wrong_accept}"),
            Fail,
        ),
        case(
            "hs.6.9",
            ANSWER_ACCEPT,
            Must,
            "A 101 without Sec-WebSocket-Accept.",
            std_ans().without(accept),
            Fail,
        ),
        case(
            "hs.6.10",
            ANSWER_ACCEPT,
            Must,
            "A 101 whose Sec-WebSocket-Accept is the key itself, unhashed.",
            std_ans().set(accept, "{key}"),
            Fail,
        ),
        case(
            "hs.6.11",
            ANSWER_EXTENSION,
            Must,
            "A 101 that agrees to an extension the client never offered (`x-wsspec-never-offered`).",
            std_ans().line("Sec-WebSocket-Extensions: x-wsspec-never-offered"),
            Fail,
        ),
        case(
            "hs.6.12",
            ANSWER_SUBPROTOCOL,
            Must,
            "A 101 that names a subprotocol the client never offered (`wsspec.never-offered`).",
            std_ans().line("Sec-WebSocket-Protocol: wsspec.never-offered"),
            Fail,
        ),
        case(
            "hs.6.13",
            PMCE_CLIENT_FAILS,
            Must,
            "A 101 with permessage-deflate and a parameter RFC 7692 does not define (`x_wsspec_unknown=1`).",
            deflate("; x_wsspec_unknown=1"),
            Fail,
        ),
        case(
            "hs.6.14",
            PMCE_CLIENT_FAILS,
            Must,
            "A 101 with permessage-deflate and `server_max_window_bits=7`, an invalid value.",
            deflate("; server_max_window_bits=7"),
            Fail,
        ),
        case(
            "hs.6.15",
            PMCE_CMWB_UNASKED,
            Must,
            "A 101 with permessage-deflate and `client_max_window_bits=10`, unless the client offered client_max_window_bits; a client that offered none fails it.",
            deflate("; client_max_window_bits=10"),
            Fail,
        ),
        case(
            "hs.6.16",
            ACCEPT_ONCE,
            Must,
            "A 101 with two Sec-WebSocket-Accept headers, the right one and a wrong one.",
            std_ans().line("Sec-WebSocket-Accept: {wrong_accept}"),
            Fail,
        ),
        case(
            "hs.6.17",
            PMCE_CLIENT_FAILS,
            Must,
            "A 101 with permessage-deflate and a parameter given twice (`server_no_context_takeover` twice).",
            deflate("; server_no_context_takeover; server_no_context_takeover"),
            Fail,
        ),
        case(
            "hs.6.18",
            PMCE_CMWB_VALUE,
            Must,
            "A 101 with permessage-deflate and `client_max_window_bits` without a value, which an answer must have.",
            deflate("; client_max_window_bits"),
            Fail,
        ),
        case(
            "hs.6.19",
            EXTENSIONS_ABNF,
            Must,
            "A 101 whose Sec-WebSocket-Extensions is not the ABNF's (`permessage-deflate;;=`).",
            std_ans().line("Sec-WebSocket-Extensions: permessage-deflate;;="),
            Fail,
        ),
        case(
            "hs.6.20",
            SUBPROTOCOL_EMPTY,
            Must,
            "A 101 with an empty Sec-WebSocket-Protocol.",
            std_ans().line("Sec-WebSocket-Protocol: "),
            Fail,
        ),
        case(
            "hs.6.21",
            SUBPROTOCOL_ONCE,
            Must,
            "A 101 with Sec-WebSocket-Protocol twice (`wsspec.one`, `wsspec.two`).",
            std_ans()
                .line("Sec-WebSocket-Protocol: wsspec.one")
                .line("Sec-WebSocket-Protocol: wsspec.two"),
            Fail,
        ),
        case(
            "hs.6.22",
            NOT_101,
            Must,
            "The answer is `426 Upgrade Required` with `Sec-WebSocket-Version: 13`, the version the client asked for.",
            status("HTTP/1.1 426 Upgrade Required").line("Sec-WebSocket-Version: 13"),
            Fail,
        ),
        // The ABNF (`1*DIGIT`) lets `010` through; only the prose says
        // "without leading zeroes": a SHOULD.
        case(
            "hs.6.23",
            PMCE_SMWB_VALUE,
            Should,
            "A 101 with permessage-deflate and `server_max_window_bits=010`: a leading zero is not a valid value.",
            deflate("; server_max_window_bits=010"),
            Fail,
        ),
        // hs.7: answers a client MUST take.
        case(
            "hs.7.1",
            ACCEPT,
            Must,
            "A 101 with the first message in the same TCP segment; a client that drops what follows the head loses it.",
            std_ans().message_behind(),
            Accept,
        ),
        case(
            "hs.7.2",
            HEADER_NAMES,
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
            ACCEPT,
            Must,
            "A 101 written in pieces of 16 octets.",
            std_ans().chop(16),
            Accept,
        ),
        case(
            "hs.7.4",
            ANSWER_CONNECTION,
            Must,
            "A 101 with `Connection: Upgrade, keep-alive` and headers the client does not know.",
            std_ans()
                .set("Connection", "Upgrade, keep-alive")
                .line("Server: wsspec")
                .line("X-Wsspec-Unknown: yes"),
            Accept,
        ),
        case(
            "hs.7.5",
            PMCE_CNCT,
            Must,
            "A 101 with permessage-deflate and `client_no_context_takeover`, which the client did not ask for and MUST support.",
            deflate("; client_no_context_takeover"),
            AcceptDeflate,
        ),
        case(
            "hs.7.6",
            PMCE_SMWB_UNASKED,
            Must,
            "A 101 with permessage-deflate and `server_max_window_bits=10`, which the client did not ask for: the server may include it.",
            deflate("; server_max_window_bits=10"),
            AcceptDeflate,
        ),
        case(
            "hs.7.7",
            PMCE_SNCT_UNASKED,
            Must,
            "A 101 with permessage-deflate and `server_no_context_takeover`, which the client did not ask for: the server may include it.",
            deflate("; server_no_context_takeover"),
            AcceptDeflate,
        ),
        case(
            "hs.7.8",
            ANSWER_ACCEPT,
            Must,
            "A 101 whose Sec-WebSocket-Accept value has white space around it, which the client ignores.",
            std_ans().set(accept, " \t{accept} \t"),
            Accept,
        ),
        case(
            "hs.7.9",
            OBS_FOLD_RESPONSE,
            Must,
            "A 101 with a harmless header folded over two lines (obs-fold), which the client reads as a space.",
            std_ans().line("X-Wsspec-Folded: one\r\n two"),
            Accept,
        ),
        case(
            "hs.7.10",
            ACCEPT,
            Must,
            "A 101 with an unusual reason phrase (`HTTP/1.1 101 Sure, go ahead`): the phrase means nothing.",
            std_ans().first_line("HTTP/1.1 101 Sure, go ahead"),
            Accept,
        ),
        case(
            "hs.7.11",
            ACCEPT,
            Must,
            "A 101 written one octet at a time, the blank line that ends it split too.",
            std_ans().chop(1),
            Accept,
        ),
        case(
            "hs.7.12",
            CLIENT_WAITS,
            Must,
            "The 101 held back for a second: the client sends nothing before it comes.",
            std_ans().held_back(Duration::from_secs(1)),
            Accept,
        ),
        case(
            "hs.7.13",
            INTERIM,
            Must,
            "A `100 Continue` before the 101.",
            std_ans().interim("HTTP/1.1 100 Continue\r\n\r\n"),
            Accept,
        ),
        case(
            "hs.7.14",
            NO_SUBPROTOCOL,
            Info,
            "A 101 that names no subprotocol, though the client may have offered some: RFC 6455 leaves it to the client (browsers fail it on purpose).",
            std_ans(),
            Either,
        ),
    ]
}
