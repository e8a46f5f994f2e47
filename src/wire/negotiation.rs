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
                "the answer agrees to {name}, an extension wsspec made up: an unknown extension MUST be ignored (RFC 6455 §9.1)"
            ));
        }
        if name != deflate::NAME {
            continue;
        }
        if agreement.is_some() {
            return Err("the answer agrees to permessage-deflate twice (RFC 7692 §7)".into());
        }
        let a = deflate::parse_response(params)
            .map_err(|e| format!("the permessage-deflate answer is invalid: {e} (RFC 7692 §7)"))?;
        let offers: Vec<&Vec<(String, Option<String>)>> = offered
            .iter()
            .filter(|(n, p)| n == deflate::NAME && deflate::parse_offer(p).is_ok())
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

/// What an accepting answer `a` breaks of RFC 7692 §7 for one offer.
fn faults(a: &Agreement, offer: &[(String, Option<String>)]) -> Vec<String> {
    let Ok(o) = deflate::parse_offer(offer) else {
        return vec!["the offer is invalid".into()];
    };
    let mut v = deflate::findings(a, &[o]);
    let client_bits = offer
        .iter()
        .find(|(k, _)| k == "client_max_window_bits")
        .and_then(|(_, v)| v.as_deref())
        .and_then(|v| v.trim().parse::<u8>().ok());
    if let Some(limit) = client_bits
        && a.client_max_window_bits > limit
    {
        v.push(format!(
            "the offer said client_max_window_bits={limit} and the answer says {}: a larger window than the client will use (RFC 7692 §7.1.2.2)",
            a.client_max_window_bits
        ));
    }
    v
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
        let cmwb = req("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n");
        let big = ans("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12\r\n");
        assert!(check_agreement(&cmwb, &big).is_err());
        assert!(check_agreement(&req(""), &plain).is_err());
        let unknown = req("Sec-WebSocket-Extensions: x-wsspec-unknown\r\n");
        assert!(check_agreement(&unknown, &ans("Sec-WebSocket-Extensions: x-wsspec-unknown\r\n")).is_err());
    }
}
