//! Opening-handshake cases for servers (hs.1–hs.5): the request sent and
//! what RFC 6455 §4 / RFC 7692 §7 require of the answer.

use super::Case;
use super::opening::{Level::*, ServerMust::*, server_case as case, standard_request as std_req};

const REQ: &str = "RFC 6455 §4.2.1";
const ANS: &str = "RFC 6455 §4.2.2";
const VERSION: &str = "RFC 6455 §4.2.2, §4.4";
const HTTP: &str = "RFC 6455 §4.1, §4.2.1";
const PMCE: &str = "RFC 7692 §7";
const PMCE_SMWB: &str = "RFC 7692 §7.1.2.1";
const PMCE_SNCT: &str = "RFC 7692 §7.1.1.1";

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

fn deflate(id: &str, rfc: &'static str, what: &str, offer: &str) -> Case {
    case(
        id,
        rfc,
        Must,
        &format!("Offer `Sec-WebSocket-Extensions: {offer}`: {what}."),
        std_req().line(&format!("Sec-WebSocket-Extensions: {offer}")),
        Deflate,
    )
}

fn decline(id: &str, what: &str, offer: &str) -> Case {
    case(
        id,
        PMCE,
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
            REQ,
            Must,
            "A request without Sec-WebSocket-Key.",
            std_req().without(key16),
            Refuse,
        ),
        case(
            "hs.1.2",
            REQ,
            Must,
            "Sec-WebSocket-Key is not base64 (`not base64 at all!`).",
            std_req().set(key16, "not base64 at all!"),
            Refuse,
        ),
        case(
            "hs.1.3",
            REQ,
            Must,
            "Sec-WebSocket-Key is 15 octets in base64, not 16.",
            std_req().set(key16, "AQIDBAUGBwgJCgsMDQ4P"),
            Refuse,
        ),
        case(
            "hs.1.4",
            REQ,
            Must,
            "Sec-WebSocket-Key is 17 octets in base64, not 16.",
            std_req().set(key16, "AQIDBAUGBwgJCgsMDQ4PEBE="),
            Refuse,
        ),
        case(
            "hs.1.5",
            REQ,
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
            REQ,
            Must,
            "A request without Sec-WebSocket-Version.",
            std_req().without("Sec-WebSocket-Version"),
            Refuse,
        ),
        case(
            "hs.1.10",
            HTTP,
            Must,
            "The method is POST (with an empty body), not GET.",
            std_req()
                .first_line("POST {resource} HTTP/1.1")
                .line("Content-Length: 0"),
            Refuse,
        ),
        case(
            "hs.1.11",
            HTTP,
            Must,
            "The request is HTTP/1.0.",
            std_req().first_line("GET {resource} HTTP/1.0"),
            Refuse,
        ),
        case(
            "hs.1.12",
            REQ,
            Must,
            "A request without Host.",
            std_req().without("Host"),
            Refuse,
        ),
        case(
            "hs.1.13",
            REQ,
            Must,
            "A request without Upgrade.",
            std_req().without("Upgrade"),
            Refuse,
        ),
        case(
            "hs.1.14",
            REQ,
            Must,
            "`Upgrade: h2c`, without the websocket token.",
            std_req().set("Upgrade", "h2c"),
            Refuse,
        ),
        case(
            "hs.1.15",
            REQ,
            Must,
            "A request without Connection.",
            std_req().without("Connection"),
            Refuse,
        ),
        case(
            "hs.1.16",
            REQ,
            Must,
            "`Connection: keep-alive`, without the Upgrade token.",
            std_req().set("Connection", "keep-alive"),
            Refuse,
        ),
        // hs.2: requests that are valid, if unusual.
        case("hs.2.1", REQ, Must, "The standard request.", std_req(), Upgrade),
        case(
            "hs.2.2",
            REQ,
            Must,
            "Header names in lower case (HTTP field names are case-insensitive).",
            std_req().map(|l| lower_name(l, false)),
            Upgrade,
        ),
        case(
            "hs.2.3",
            REQ,
            Must,
            "Header names in upper case.",
            std_req().map(|l| lower_name(l, true)),
            Upgrade,
        ),
        case(
            "hs.2.4",
            REQ,
            Must,
            "`Upgrade: WebSocket` (the token is case-insensitive).",
            std_req().set("Upgrade", "WebSocket"),
            Upgrade,
        ),
        case(
            "hs.2.5",
            REQ,
            Must,
            "`Connection: keep-alive, Upgrade`, as browsers send it.",
            std_req().set("Connection", "keep-alive, Upgrade"),
            Upgrade,
        ),
        case(
            "hs.2.6",
            REQ,
            Must,
            "`Connection: upgrade` in lower case.",
            std_req().set("Connection", "upgrade"),
            Upgrade,
        ),
        case(
            "hs.2.7",
            "RFC 6455 §4.1, §4.2.2",
            Info,
            "The first message is sent in the same TCP segment as the request. A client MUST wait for the answer (§4.1), so a server may refuse this; one that upgrades must not lose the message.",
            std_req().message_behind(),
            Survive,
        ),
        case(
            "hs.2.8",
            REQ,
            Must,
            "The request arrives in pieces of 16 octets (TCP is a stream, not messages).",
            std_req().chop(16),
            Upgrade,
        ),
        case(
            "hs.2.9",
            REQ,
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
            REQ,
            Must,
            "Sec-WebSocket-Key with octets 0xfb that give `+` and `/` in base64.",
            std_req().set(key16, "+/v7+/v7+/v7+/v7+/v7+w=="),
            Upgrade,
        ),
        case(
            "hs.2.11",
            "RFC 7230 §3.2.4",
            Should,
            "Header values with spaces and tabs around them: optional white space, which parsers ought to exclude from the value.",
            std_req().map(|l| match l.split_once(": ") {
                Some((n, v)) if !l.starts_with("GET ") => format!("{n}:  \t{v} \t"),
                _ => l.to_string(),
            }),
            Upgrade,
        ),
        // hs.3: what the answer may agree to.
        case(
            "hs.3.1",
            ANS,
            Must,
            "Two Sec-WebSocket-Protocol headers (`wsspec.one`, then `wsspec.two, chat`): any subprotocol chosen must be one of the three.",
            std_req()
                .line("Sec-WebSocket-Protocol: wsspec.one")
                .line("Sec-WebSocket-Protocol: wsspec.two, chat"),
            UpgradeOrRefuse,
        ),
        case(
            "hs.3.2",
            ANS,
            Must,
            "No Sec-WebSocket-Protocol: the answer must not name one.",
            std_req(),
            Upgrade,
        ),
        case(
            "hs.3.3",
            ANS,
            Must,
            "An extension no implementation knows (`x-wsspec-unknown; a=1`): it must be ignored, not accepted.",
            std_req().line("Sec-WebSocket-Extensions: x-wsspec-unknown; a=1"),
            Upgrade,
        ),
        case(
            "hs.3.4",
            ANS,
            Must,
            "An unknown extension, then permessage-deflate: the unknown one must not be accepted; permessage-deflate may be.",
            std_req().line("Sec-WebSocket-Extensions: x-wsspec-unknown, permessage-deflate"),
            Upgrade,
        ),
        // hs.4: permessage-deflate offers (RFC 7692 §7).
        deflate("hs.4.1", PMCE, "the plain offer", "permessage-deflate"),
        deflate(
            "hs.4.2",
            PMCE,
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
        deflate(
            "hs.4.5",
            PMCE_SNCT,
            "an accepting answer MUST carry server_no_context_takeover",
            "permessage-deflate; server_no_context_takeover",
        ),
        deflate(
            "hs.4.6",
            PMCE,
            "client_max_window_bits with a value; any answer value is 10 or less",
            "permessage-deflate; client_max_window_bits=10",
        ),
        deflate(
            "hs.4.7",
            PMCE_SMWB,
            "the window in the quoted-string form (valid once unquoted); an accepting answer carries 10 or less",
            "permessage-deflate; server_max_window_bits=\"10\"",
        ),
        case(
            "hs.4.8",
            PMCE,
            Must,
            "Offer `Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16, permessage-deflate`: the first offer is invalid (window 16), the second plain; an accepting answer fits the second.",
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
        // hs.5: what the RFC leaves open; the server must go on serving.
        case(
            "hs.5.1",
            "RFC 6455 §4.2.2, §10.2",
            Info,
            "An Origin from elsewhere (`http://wsspec.invalid`): a server may refuse it with 403.",
            std_req().line("Origin: http://wsspec.invalid"),
            Survive,
        ),
        case(
            "hs.5.2",
            "RFC 6455 §4.2.1, RFC 6585 §5",
            Info,
            "8 KiB of extra headers: a server may take them or refuse (431 or 400).",
            with_lines(std_req(), filler(8 * 1024)),
            Survive,
        ),
        case(
            "hs.5.3",
            "RFC 6455 §4.2.1, RFC 6585 §5",
            Info,
            "64 KiB of extra headers: a server may take them or refuse (431 or 400).",
            with_lines(std_req(), filler(64 * 1024)),
            Survive,
        ),
        case(
            "hs.5.4",
            "RFC 6455 §4.2.1",
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
