//! What a server's answer may agree to, given the offers of the request
//! (RFC 6455 §4.2.2 /subprotocol/ and /extensions/, §4.1 steps 5–6, and
//! RFC 7692 §7 for permessage-deflate), judged strictly. Used on servers'
//! answers in the opening-handshake section, and on our own answers to
//! clients there, to know whether an answer is one a client may take.

use super::deflate::{self, Agreement};
use super::handshake::Head;

/// Extension names wsspec makes up: nothing can know them, so nothing may
/// agree to them.
const MADE_UP: &str = "x-wsspec";

/// The subprotocols a request offers, in order.
pub fn offered_protocols(request: &Head) -> Vec<String> {
    request
        .values("sec-websocket-protocol")
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Whether `answer` agrees only to what `request` offered, as the RFCs
/// require; what permessage-deflate was agreed to, if anything.
pub fn check_agreement(request: &Head, answer: &Head) -> Result<Option<Agreement>, String> {
    check_protocol(request, answer)?;
    for v in answer.values("sec-websocket-extensions") {
        well_formed(v).map_err(|e| {
            format!("the answer's Sec-WebSocket-Extensions {v:?} is not the ABNF's: {e} (RFC 6455 §9.1)")
        })?;
    }
    let offered: Vec<deflate::Extension> = request
        .values("sec-websocket-extensions")
        .flat_map(deflate::parse_header)
        .collect();
    let answered: Vec<deflate::Extension> = answer
        .values("sec-websocket-extensions")
        .flat_map(deflate::parse_header)
        .collect();
    let mut agreement = None;
    for (name, params) in &answered {
        if !offered.iter().any(|(n, _)| n == name) {
            return Err(format!(
                "the answer agrees to the extension {name}, which the request did not offer (RFC 6455 §4.2.2, §9.1)"
            ));
        }
        if name.starts_with(MADE_UP) {
            return Err(format!(
                "the answer agrees to {name}, an extension wsspec made up, where it lists the extensions the server is ready to use (RFC 6455 §4.2.2)"
            ));
        }
        if name != deflate::NAME {
            continue;
        }
        if agreement.is_some() {
            return Err("the answer agrees to permessage-deflate twice (RFC 7692 §7)".into());
        }
        let a = strict_values(params)
            .and_then(|_| deflate::parse_response(params))
            .map_err(|e| format!("the permessage-deflate answer is invalid: {e} (RFC 7692 §7)"))?;
        let offers: Vec<&Vec<(String, Option<String>)>> = offered
            .iter()
            .filter(|(n, p)| n == deflate::NAME && strict_values(p).is_ok() && deflate::parse_offer(p).is_ok())
            .map(|(_, p)| p)
            .collect();
        if offers.is_empty() {
            return Err(
                "the answer agrees to permessage-deflate, though every offer of it is one RFC 7692 §7 says a server MUST decline".into(),
            );
        }
        let faults: Vec<Vec<String>> = offers.iter().map(|p| faults(&a, p)).collect();
        if !faults.iter().any(Vec::is_empty) {
            return Err(faults[0].join("; "));
        }
        agreement = Some(a);
    }
    Ok(agreement)
}

/// Whether a permessage-deflate `answer` fits the first permessage-deflate
/// offer of `request` (the client's preference, RFC 7692 §5).
pub fn fits_first_offer(request: &Head, answer: &Head) -> bool {
    let first = request
        .values("sec-websocket-extensions")
        .flat_map(deflate::parse_header)
        .find(|(n, _)| n == deflate::NAME);
    let agreed = answer
        .values("sec-websocket-extensions")
        .flat_map(deflate::parse_header)
        .find(|(n, _)| n == deflate::NAME);
    match (first, agreed) {
        (Some((_, offer)), Some((_, params))) => {
            deflate::parse_response(&params).is_ok_and(|a| faults(&a, &offer).is_empty())
        }
        _ => false,
    }
}

fn check_protocol(request: &Head, answer: &Head) -> Result<(), String> {
    let offered = offered_protocols(request);
    let chosen: Vec<&str> = answer.values("sec-websocket-protocol").map(str::trim).collect();
    match chosen.as_slice() {
        [] => Ok(()),
        [one] if offered.iter().any(|o| o == one) => Ok(()),
        [one] if offered.is_empty() => Err(format!(
            "the answer names the subprotocol {one:?}, and the request offered none (RFC 6455 §4.2.2)"
        )),
        [one] => Err(format!(
            "the answer names the subprotocol {one:?}, which is not one of those offered ({}) (RFC 6455 §4.2.2)",
            offered.join(", ")
        )),
        more => Err(format!(
            "the answer has {} Sec-WebSocket-Protocol headers; it names one subprotocol at most (RFC 6455 §4.2.2)",
            more.len()
        )),
    }
}

/// What an accepting answer `a` breaks of RFC 7692 §7 for one offer. A
/// client_max_window_bits larger than the offer's value is not a fault:
/// the offer's value is a hint the server may ignore (§7.1.2.2).
fn faults(a: &Agreement, offer: &[(String, Option<String>)]) -> Vec<String> {
    let Ok(o) = deflate::parse_offer(offer) else {
        return vec!["the offer is invalid".into()];
    };
    deflate::findings(a, &[o])
}

/// RFC 7692's value rules, stricter than the parser sections 12-13 share
/// with Autobahn: a window is "a decimal integer value without leading
/// zeroes between 8 to 15" (§7.1.2), and the context-takeover parameters
/// have no value (§7.1.1).
fn strict_values(params: &[(String, Option<String>)]) -> Result<(), String> {
    for (k, v) in params {
        match (k.as_str(), v.as_deref()) {
            ("server_no_context_takeover" | "client_no_context_takeover", Some(v)) => {
                return Err(format!("{k} has the value {v:?}; it has none"));
            }
            ("server_max_window_bits" | "client_max_window_bits", Some(v))
                if !matches!(v, "8" | "9" | "10" | "11" | "12" | "13" | "14" | "15") =>
            {
                return Err(format!(
                    "{k}={v:?} is not a decimal integer from 8 to 15 without leading zeroes"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A Sec-WebSocket-Extensions value as RFC 6455 §9.1's ABNF has it:
/// `1#extension`, `extension = token *( ";" extension-param )`,
/// `extension-param = token [ "=" (token | quoted-string) ]`.
pub fn well_formed(value: &str) -> Result<(), String> {
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
    };
    for ext in value.split(',') {
        let mut parts = ext.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        if !token(name) {
            return Err(format!("{name:?} is not an extension token"));
        }
        for p in parts {
            let (k, v) = match p.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (p, None),
            };
            if !token(k) {
                return Err(format!("{p:?} is not an extension parameter"));
            }
            if let Some(v) = v {
                let unquoted = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
                if !token(unquoted) {
                    return Err(format!("{p:?} has a value that is not a token"));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::handshake::{parse_request, parse_response};

    fn req(extra: &str) -> Head {
        let t = format!("GET / HTTP/1.1\r\nHost: h\r\n{extra}\r\n");
        parse_request(t.as_bytes()).unwrap().unwrap().0
    }

    fn ans(extra: &str) -> Head {
        let t = format!("HTTP/1.1 101 Switching Protocols\r\n{extra}\r\n");
        parse_response(t.as_bytes()).unwrap().unwrap().0
    }

    #[test]
    fn subprotocols_come_from_the_offers() {
        let r = req("Sec-WebSocket-Protocol: a\r\nSec-WebSocket-Protocol: b, c\r\n");
        assert!(check_agreement(&r, &ans("Sec-WebSocket-Protocol: c\r\n")).is_ok());
        assert!(check_agreement(&r, &ans("Sec-WebSocket-Protocol: d\r\n")).is_err());
        assert!(check_agreement(&req(""), &ans("Sec-WebSocket-Protocol: a\r\n")).is_err());
        assert!(check_agreement(&req(""), &ans("")).is_ok());
    }

    #[test]
    fn deflate_answers_fit_an_offer_or_fail() {
        let smwb = req("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n");
        let plain = ans("Sec-WebSocket-Extensions: permessage-deflate\r\n");
        assert!(
            check_agreement(&smwb, &plain)
                .unwrap_err()
                .contains("server_max_window_bits")
        );
        let ten = ans("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9\r\n");
        assert!(check_agreement(&smwb, &ten).unwrap().is_some());
        let bad = req("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16\r\n");
        assert!(check_agreement(&bad, &plain).is_err());
        assert!(check_agreement(&bad, &ans("")).unwrap().is_none());
        let second =
            req("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16, permessage-deflate\r\n");
        assert!(check_agreement(&second, &plain).is_ok());
        // The offer's client_max_window_bits value is a hint (RFC 7692 §7.1.2.2).
        let cmwb = req("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n");
        let big = ans("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12\r\n");
        assert!(check_agreement(&cmwb, &big).is_ok());
        for odd in ["+10", "010", "\" 10\""] {
            let a = ans(&format!(
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits={odd}\r\n"
            ));
            assert!(check_agreement(&cmwb, &a).is_err(), "{odd}");
            let o = req(&format!(
                "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits={odd}\r\n"
            ));
            assert!(
                check_agreement(&o, &plain).is_err(),
                "an offer with {odd} must be declined"
            );
        }
        let flag = ans("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover=1\r\n");
        assert!(check_agreement(&req("Sec-WebSocket-Extensions: permessage-deflate\r\n"), &flag).is_err());
        assert!(well_formed("permessage-deflate;;=").is_err());
        assert!(well_formed("permessage-deflate; server_max_window_bits=\"10\", x").is_ok());
        assert!(check_agreement(&req(""), &plain).is_err());
        let unknown = req("Sec-WebSocket-Extensions: x-wsspec-unknown\r\n");
        assert!(check_agreement(&unknown, &ans("Sec-WebSocket-Extensions: x-wsspec-unknown\r\n")).is_err());
    }
}
