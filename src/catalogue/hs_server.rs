//! Opening-handshake cases for servers (hs.1–hs.5): the request sent and
//! what RFC 6455 §4 / RFC 7692 §7 require of the answer.

use super::Case;
use super::hs_clauses::*;
use super::opening::{Clause, Level::*, ServerMust::*, server_case as case, standard_request as std_req};

/// `n` octets of extra header lines, in lines of at most 1000 octets.
fn filler(n: usize) -> Vec<String> {
    (0..n.div_ceil(1000))
        .map(|i| format!("X-Wsspec-Filler-{i:03}: {}", "a".repeat(1000 - 24)))
        .collect()
}

fn with_lines(mut r: super::opening::Request, lines: Vec<String>) -> super::opening::Request {
    r.lines.extend(lines);
    r
}

fn deflate(id: &str, clause: Clause, what: &str, offer: &str) -> Case {
    case(
        id,
        clause,
        Must,
        &format!("Offer `Sec-WebSocket-Extensions: {offer}`: {what}."),
        std_req().line(&format!("Sec-WebSocket-Extensions: {offer}")),
        Deflate,
    )
}

fn decline(id: &str, what: &str, offer: &str) -> Case {
    case(
        id,
        PMCE_DECLINE,
        Must,
        &format!("Offer `Sec-WebSocket-Extensions: {offer}`, which the server MUST decline: {what}."),
        std_req().line(&format!("Sec-WebSocket-Extensions: {offer}")),
        Decline,
    )
}

pub fn cases() -> Vec<Case> {
    let key16 = "Sec-WebSocket-Key";
    vec![
        // hs.1: requests that are not a WebSocket opening handshake.
        case(
            "hs.1.1",
            KEY,
            Must,
            "A request without Sec-WebSocket-Key.",
            std_req().without(key16),
            Refuse,
        ),
        case(
            "hs.1.2",
            KEY,
            Must,
            "Sec-WebSocket-Key is not base64 (`not base64 at all!`).",
            std_req().set(key16, "not base64 at all!"),
            Refuse,
        ),
        case(
            "hs.1.3",
            KEY,
            Must,
            "Sec-WebSocket-Key is 15 octets in base64, not 16.",
            std_req().set(key16, "AQIDBAUGBwgJCgsMDQ4P"),
            Refuse,
        ),
        case(
            "hs.1.4",
            KEY,
            Must,
            "Sec-WebSocket-Key is 17 octets in base64, not 16.",
            std_req().set(key16, "AQIDBAUGBwgJCgsMDQ4PEBE="),
            Refuse,
        ),
        case(
            "hs.1.5",
            KEY_ONCE,
            Must,
            "Sec-WebSocket-Key appears twice.",
            std_req().line("Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA=="),
            Refuse,
        ),
        case(
            "hs.1.6",
            VERSION,
            Must,
            "Sec-WebSocket-Version: 8 (hybi-08, which a server may still speak).",
            std_req().set("Sec-WebSocket-Version", "8"),
            OldVersion,
        ),
        case(
            "hs.1.7",
            VERSION,
            Must,
            "Sec-WebSocket-Version: 12 (an unassigned draft number).",
            std_req().set("Sec-WebSocket-Version", "12"),
            RefuseVersion,
        ),
        case(
            "hs.1.8",
            VERSION,
            Must,
            "Sec-WebSocket-Version: 14 (newer than any that exists).",
            std_req().set("Sec-WebSocket-Version", "14"),
            RefuseVersion,
        ),
        case(
            "hs.1.9",
            VERSION_13,
            Must,
            "A request without Sec-WebSocket-Version.",
            std_req().without("Sec-WebSocket-Version"),
            Refuse,
        ),
        case(
            "hs.1.10",
            GET_11,
            Must,
            "The method is POST (with an empty body), not GET.",
            std_req()
                .first_line("POST {resource} HTTP/1.1")
                .line("Content-Length: 0"),
            Refuse,
        ),
        case(
            "hs.1.11",
            GET_11,
            Must,
            "The request is HTTP/1.0.",
            std_req().first_line("GET {resource} HTTP/1.0"),
            Refuse,
        ),
        case(
            "hs.1.12",
            HOST,
            Must,
            "A request without Host.",
            std_req().without("Host"),
            Refuse,
        ),
        case(
            "hs.1.13",
            UPGRADE,
            Must,
            "A request without Upgrade.",
            std_req().without("Upgrade"),
            Refuse,
        ),
        case(
            "hs.1.14",
            UPGRADE,
            Must,
            "`Upgrade: h2c`, without the websocket token.",
            std_req().set("Upgrade", "h2c"),
            Refuse,
        ),
        case(
            "hs.1.15",
            CONNECTION,
            Must,
            "A request without Connection.",
            std_req().without("Connection"),
            Refuse,
        ),
        case(
            "hs.1.16",
            CONNECTION,
            Must,
            "`Connection: keep-alive`, without the Upgrade token.",
            std_req().set("Connection", "keep-alive"),
            Refuse,
        ),
        // hs.1.17 on: HTTP/1.1's own rules, and tokens that only look right.
        case(
            "hs.1.17",
            WHITESPACE_BEFORE_COLON,
            Must,
            "White space between a header name and its colon (`Upgrade : websocket`).",
            std_req().without("Upgrade").line("Upgrade : websocket"),
            Refuse,
        ),
        case(
            "hs.1.18",
            ONE_HOST,
            Must,
            "Two Host headers.",
            std_req().line("Host: wsspec.invalid"),
            Refuse,
        ),
        case(
            "hs.1.19",
            EXTENSIONS_ABNF,
            Must,
            "A Sec-WebSocket-Extensions value that is not the ABNF's (`permessage-deflate;;=`).",
            std_req().line("Sec-WebSocket-Extensions: permessage-deflate;;="),
            Refuse,
        ),
        case(
            "hs.1.20",
            CONNECTION,
            Must,
            "`Connection: xUpgrade`: the token is not Upgrade, though it ends with it.",
            std_req().set("Connection", "xUpgrade"),
            Refuse,
        ),
        case(
            "hs.1.21",
            UPGRADE,
            Must,
            "`Upgrade: websockets`: not the websocket token, though it starts with it.",
            std_req().set("Upgrade", "websockets"),
            Refuse,
        ),
        case(
            "hs.1.22",
            VERSION_ONCE,
            Must,
            "Sec-WebSocket-Version appears twice (13 and 13).",
            std_req().line("Sec-WebSocket-Version: 13"),
            Refuse,
        ),
        case(
            "hs.1.23",
            SUBPROTOCOL_LIST,
            Info,
            "A Sec-WebSocket-Protocol list with an empty element and a repeated one (`chat, , chat`).",
            std_req().line("Sec-WebSocket-Protocol: chat, , chat"),
            MayRefuse,
        ),
        // RFC 4648 has encoders pad; no sentence has a decoder refuse a
        // key without its padding: a SHOULD.
        case(
            "hs.1.24",
            KEY,
            Should,
            "Sec-WebSocket-Key without its base64 padding (`AQIDBAUGBwgJCgsMDQ4PEA`, 22 characters).",
            std_req().set(key16, "AQIDBAUGBwgJCgsMDQ4PEA"),
            Refuse,
        ),
        case(
            "hs.1.25",
            METHOD_CASE,
            Must,
            "The method in lower case (`get`): methods are case-sensitive, and `get` is not GET.",
            std_req().first_line("get {resource} HTTP/1.1"),
            Refuse,
        ),
        case(
            "hs.1.26",
            KEY,
            Must,
            "Sec-WebSocket-Key with a space inside the base64 (`AQIDBAUGBwgJ CgsMDQ4PEA==`).",
            std_req().set(key16, "AQIDBAUGBwgJ CgsMDQ4PEA=="),
            Refuse,
        ),
        case(
            "hs.1.27",
            VERSION_13,
            Must,
            "`Sec-WebSocket-Version: 13, 8`: a list where one version is the value.",
            std_req().set("Sec-WebSocket-Version", "13, 8"),
            Refuse,
        ),
        case(
            "hs.1.28",
            VERSION_13,
            Must,
            "`Sec-WebSocket-Version: 013`: not the value 13 as the ABNF writes it.",
            std_req().set("Sec-WebSocket-Version", "013"),
            Refuse,
        ),
        // hs.2: requests that are valid, if unusual.
        case("hs.2.1", ACCEPT, Must, "The standard request.", std_req(), Upgrade),
        case(
            "hs.2.2",
            HEADER_NAMES,
            Must,
            "Header names in lower case (HTTP field names are case-insensitive).",
            std_req().map(|l| lower_name(l, false)),
            Upgrade,
        ),
        case(
            "hs.2.3",
            HEADER_NAMES,
            Must,
            "Header names in upper case.",
            std_req().map(|l| lower_name(l, true)),
            Upgrade,
        ),
        case(
            "hs.2.4",
            UPGRADE,
            Must,
            "`Upgrade: WebSocket` (the token is case-insensitive).",
            std_req().set("Upgrade", "WebSocket"),
            Upgrade,
        ),
        case(
            "hs.2.5",
            CONNECTION,
            Must,
            "`Connection: keep-alive, Upgrade`, as browsers send it.",
            std_req().set("Connection", "keep-alive, Upgrade"),
            Upgrade,
        ),
        case(
            "hs.2.6",
            CONNECTION,
            Must,
            "`Connection: upgrade` in lower case.",
            std_req().set("Connection", "upgrade"),
            Upgrade,
        ),
        case(
            "hs.2.7",
            CLIENT_WAITS,
            Info,
            "The first message is sent in the same TCP segment as the request. A client MUST wait for the answer (§4.1), so a server may refuse this; one that upgrades must not lose the message.",
            std_req().message_behind(),
            Survive,
        ),
        case(
            "hs.2.8",
            ACCEPT,
            Must,
            "The request arrives in pieces of 16 octets (TCP is a stream, not messages).",
            std_req().chop(16),
            Upgrade,
        ),
        case(
            "hs.2.9",
            UNKNOWN_HEADERS,
            Must,
            "Unknown headers, an Origin and a cookie beside the handshake's own.",
            std_req()
                .line("Origin: http://{host}")
                .line("Cookie: wsspec=1")
                .line("X-Wsspec-Unknown: yes"),
            Upgrade,
        ),
        case(
            "hs.2.10",
            KEY,
            Must,
            "Sec-WebSocket-Key with octets 0xfb that give `+` and `/` in base64.",
            std_req().set(key16, "+/v7+/v7+/v7+/v7+/v7+w=="),
            Upgrade,
        ),
        case(
            "hs.2.11",
            OWS,
            Should,
            "Header values with spaces and tabs around them: optional white space, which parsers ought to exclude from the value.",
            std_req().map(|l| match l.split_once(": ") {
                Some((n, v)) if !l.starts_with("GET ") => format!("{n}:  \t{v} \t"),
                _ => l.to_string(),
            }),
            Upgrade,
        ),
        case(
            "hs.2.12",
            ABSOLUTE_FORM,
            Must,
            "The request target in absolute form (`GET http://HOST/PATH HTTP/1.1`).",
            std_req().first_line("GET http://{host}{resource} HTTP/1.1"),
            Upgrade,
        ),
        case(
            "hs.2.13",
            COMBINED_FIELDS,
            Should,
            "Connection over two header lines (`Connection: keep-alive`, then `Connection: Upgrade`).",
            std_req().set("Connection", "keep-alive").line("Connection: Upgrade"),
            Upgrade,
        ),
        case(
            "hs.2.14",
            UPGRADE_CHOICE,
            Should,
            "`Upgrade: wsspec-unknown/1, websocket`: a protocol the server does not speak, then websocket.",
            std_req().set("Upgrade", "wsspec-unknown/1, websocket"),
            Upgrade,
        ),
        case(
            "hs.2.15",
            OBS_FOLD_REQUEST,
            Must,
            "A harmless header folded over two lines (obs-fold): the server rejects it with 400 or reads the fold as a space.",
            std_req().line("X-Wsspec-Folded: one\r\n two"),
            Either,
        ),
        case(
            "hs.2.16",
            GET_11,
            Must,
            "A query in the resource name (`?wsspec=1&b=%20`).",
            std_req().first_line("GET {resource}?wsspec=1&b=%20 HTTP/1.1"),
            Upgrade,
        ),
        case(
            "hs.2.17",
            SUBPROTOCOL,
            Must,
            "Sec-WebSocket-Protocol with white space around its elements (`  wsspec.one ,\twsspec.two  `): any subprotocol chosen is one of the two.",
            std_req().line("Sec-WebSocket-Protocol:   wsspec.one ,\twsspec.two  "),
            UpgradeOrRefuse,
        ),
        // hs.3: what the answer may agree to.
        case(
            "hs.3.1",
            SUBPROTOCOL,
            Must,
            "Two Sec-WebSocket-Protocol headers (`wsspec.one`, then `wsspec.two, chat`): any subprotocol chosen must be one of the three.",
            std_req()
                .line("Sec-WebSocket-Protocol: wsspec.one")
                .line("Sec-WebSocket-Protocol: wsspec.two, chat"),
            UpgradeOrRefuse,
        ),
        case(
            "hs.3.2",
            SUBPROTOCOL,
            Must,
            "No Sec-WebSocket-Protocol: the answer must not name one.",
            std_req(),
            Upgrade,
        ),
        case(
            "hs.3.3",
            EXTENSIONS,
            Must,
            "An extension no implementation knows (`x-wsspec-unknown; a=1`): it must be ignored, not accepted.",
            std_req().line("Sec-WebSocket-Extensions: x-wsspec-unknown; a=1"),
            Upgrade,
        ),
        case(
            "hs.3.4",
            EXTENSIONS,
            Must,
            "An unknown extension, then permessage-deflate: the unknown one must not be accepted; permessage-deflate may be.",
            std_req().line("Sec-WebSocket-Extensions: x-wsspec-unknown, permessage-deflate"),
            Upgrade,
        ),
        // hs.4: permessage-deflate offers (RFC 7692).
        deflate("hs.4.1", PMCE_ACCEPT, "the plain offer", "permessage-deflate"),
        deflate(
            "hs.4.2",
            PMCE_ACCEPT,
            "the offer browsers make",
            "permessage-deflate; client_max_window_bits",
        ),
        deflate(
            "hs.4.3",
            PMCE_SMWB,
            "an accepting answer MUST carry server_max_window_bits of 10 or less",
            "permessage-deflate; server_max_window_bits=10",
        ),
        deflate(
            "hs.4.4",
            PMCE_SMWB,
            "an accepting answer MUST carry server_max_window_bits=8 (zlib may not do 8 bits: then decline)",
            "permessage-deflate; server_max_window_bits=8",
        ),
        case(
            "hs.4.5",
            PMCE_SNCT,
            Should,
            "Offer `Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover, permessage-deflate`: support for server_no_context_takeover is RECOMMENDED, so a server with permessage-deflate takes the first offer (with server_no_context_takeover in its answer); taking the second is NON-STRICT.",
            std_req()
                .line("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover, permessage-deflate"),
            DeflateFirst,
        ),
        deflate(
            "hs.4.6",
            PMCE_CMWB,
            "client_max_window_bits with a value, a hint the server may take or ignore",
            "permessage-deflate; client_max_window_bits=10",
        ),
        deflate(
            "hs.4.7",
            PMCE_SMWB,
            "the window in the quoted-string form (valid once unquoted, RFC 6455 §9.1); an accepting answer carries 10 or less",
            "permessage-deflate; server_max_window_bits=\"10\"",
        ),
        case(
            "hs.4.8",
            PMCE_DECLINE,
            Must,
            "Offer `Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16, permessage-deflate`: the first offer is invalid (window 16) and MUST be declined, the second is plain; an accepting answer fits the second.",
            std_req()
                .line("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16, permessage-deflate"),
            DeflateNext,
        ),
        decline(
            "hs.4.9",
            "server_max_window_bits=7 is below 8",
            "permessage-deflate; server_max_window_bits=7",
        ),
        decline(
            "hs.4.10",
            "server_max_window_bits=16 is above 15",
            "permessage-deflate; server_max_window_bits=16",
        ),
        decline(
            "hs.4.11",
            "client_max_window_bits=7 is below 8",
            "permessage-deflate; client_max_window_bits=7",
        ),
        decline(
            "hs.4.12",
            "server_max_window_bits needs a value",
            "permessage-deflate; server_max_window_bits",
        ),
        decline(
            "hs.4.13",
            "a parameter given twice",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        ),
        decline(
            "hs.4.14",
            "a parameter RFC 7692 does not define",
            "permessage-deflate; x_wsspec_unknown=1",
        ),
        decline(
            "hs.4.15",
            "server_no_context_takeover takes no value",
            "permessage-deflate; server_no_context_takeover=1",
        ),
        case(
            "hs.4.16",
            PMCE_PREFERENCE,
            Should,
            "Offer `Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, permessage-deflate`: any server with permessage-deflate can take both; the first is the client's preference.",
            std_req().line("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, permessage-deflate"),
            DeflateFirst,
        ),
        case(
            "hs.4.17",
            EXTENSIONS_SPLIT,
            Must,
            "The offers over two Sec-WebSocket-Extensions lines (`x-wsspec-unknown`, then `permessage-deflate`): the same as one line listing both.",
            std_req()
                .line("Sec-WebSocket-Extensions: x-wsspec-unknown")
                .line("Sec-WebSocket-Extensions: permessage-deflate"),
            Deflate,
        ),
        // The ABNF (`1*DIGIT`) lets `010` through; only the prose says
        // "without leading zeroes", with no MUST of its own: a SHOULD.
        case(
            "hs.4.18",
            PMCE_SMWB_VALUE,
            Should,
            "Offer `Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=010`: a window with a leading zero, which the server should decline.",
            std_req().line("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=010"),
            Decline,
        ),
        decline(
            "hs.4.19",
            "a window with a sign (`+10`) is not a decimal integer value",
            "permessage-deflate; server_max_window_bits=+10",
        ),
        // hs.5: what the RFC leaves open; the server must go on serving.
        case(
            "hs.5.1",
            ORIGIN,
            Info,
            "An Origin from elsewhere (`http://wsspec.invalid`): a server may refuse it with 403.",
            std_req().line("Origin: http://wsspec.invalid"),
            MayRefuse,
        ),
        case(
            "hs.5.2",
            ROBUSTNESS,
            Info,
            "8 KiB of extra headers: a server may take them or refuse (431 or 400).",
            with_lines(std_req(), filler(8 * 1024)),
            Survive,
        ),
        case(
            "hs.5.3",
            ROBUSTNESS,
            Info,
            "64 KiB of extra headers: a server may take them or refuse (431 or 400).",
            with_lines(std_req(), filler(64 * 1024)),
            Survive,
        ),
        case(
            "hs.5.4",
            ROBUSTNESS,
            Info,
            "Half a request, and then nothing for 2 s: the server may wait or close, and must go on serving others.",
            std_req().cut(),
            Survive,
        ),
    ]
}

/// A header line with its name in lower (or upper) case.
fn lower_name(line: &str, upper: bool) -> String {
    match line.split_once(':') {
        Some((n, v)) if !n.contains(' ') => {
            let n = if upper {
                n.to_ascii_uppercase()
            } else {
                n.to_ascii_lowercase()
            };
            format!("{n}:{v}")
        }
        _ => line.to_string(),
    }
}
