//! The reason a report gives for a case, composed from its per-case file:
//! what the events did (Autobahn's sentence, then where they departed, in
//! our words), then how the connection closed (who sent the first close
//! frame and with what, who closed TCP and when) and the rule the close
//! broke. Every format shows this text; no clause is said twice.

use serde_json::Value;

use super::model::{Entry, opening_case, plain};
use crate::catalogue::Behavior;

/// The reason for `e`, whose per-case file is `d`.
pub fn compose(e: &Entry, d: &Value) -> String {
    let text = |k: &str| plain(d[k].as_str().unwrap_or(""));
    let close_failed = matches!(
        e.behavior_close,
        Behavior::Failed | Behavior::WrongCode | Behavior::Unclean | Behavior::FailedByClient
    );
    let events_matched = d["expected"]
        .as_object()
        .is_some_and(|m| m.values().any(|seq| *seq == d["received"]));
    let mut parts: Vec<String> = Vec::new();
    match e.behavior {
        // Autobahn fails `behavior` for the close too (the wrong endpoint
        // closed in a UTF-8 case): the close says it all.
        Behavior::Failed if close_failed && events_matched => {}
        Behavior::Failed => parts.extend([text("result"), text("difference")]),
        // The handshake section's results name what the peer did.
        Behavior::NonStrict | Behavior::Informational if opening_case(&e.id) => parts.push(text("result")),
        // Autobahn's results are generic: the case's expectation says more.
        Behavior::NonStrict | Behavior::Informational => {
            let x = text("expectation");
            parts.push(if x.is_empty() { text("result") } else { x });
            parts.push(text("difference"));
        }
        Behavior::Ok => {}
        _ => parts.push(text("result")),
    }
    // When the close alone decided, the case's expectation names the rule.
    let close_alone = parts.is_empty() && close_failed && !opening_case(&e.id);
    let ok = matches!(e.behavior, Behavior::Ok | Behavior::Unimplemented) && e.behavior_close == Behavior::Ok;
    if close_failed {
        parts.push(close_story(d));
        parts.push(text("resultClose"));
        if e.behavior_close == Behavior::WrongCode && echoed_ours(d) {
            parts.push("That code is our own close's, which the peer echoed.".into());
        }
        if close_alone && !text("expectation").is_empty() {
            parts.push(format!("The case expects: {}", text("expectation")));
        }
    } else if let (false, Some(code)) = (ok, d["remoteCloseCode"].as_u64()) {
        parts.push(who_closed(d, code));
    } else if parts.is_empty() {
        parts.push(text("resultClose"));
    }
    let mut out: Vec<String> = Vec::new();
    for p in parts {
        let p = p.trim();
        if p.is_empty() || out.iter().any(|o| o.trim_end_matches('.') == p.trim_end_matches('.')) {
            continue;
        }
        out.push(if p.ends_with(['.', '!', '?']) {
            p.to_string()
        } else {
            format!("{p}.")
        });
    }
    out.join(" ")
}

/// Whether the peer's close code is the one of the close frame we sent first.
fn echoed_ours(d: &Value) -> bool {
    d["closedByMe"].as_bool() == Some(true)
        && d["remoteCloseCode"].as_u64().is_some()
        && d["remoteCloseCode"] == d["localCloseCode"]
}

/// A close code with the reason that came with it: `1001 ("Going Away")`.
fn code_said(code: Option<u64>, said: Option<&str>) -> String {
    let said = match said.map(str::trim) {
        Some(r) if !r.is_empty() => format!(" {r:?}"),
        _ => String::new(),
    };
    match (code, said.is_empty()) {
        (Some(c), _) => format!("{c}{said}"),
        (None, true) => "no code".into(),
        (None, false) => format!("no code, payload{said}"),
    }
}

/// " at 1.004 s", from a time in milliseconds our per-case files keep
/// (Autobahn's do not: then nothing).
fn at(d: &Value, key: &str) -> String {
    d[key]
        .as_f64()
        .map(|ms| format!(" at {}", crate::engine::explain::seconds_or_ms(ms)))
        .unwrap_or_default()
}

/// Who sent the first close frame and with what, what the other side
/// answered, and who closed TCP and when.
fn close_story(d: &Value) -> String {
    let by_me = d["closedByMe"].as_bool() == Some(true);
    let remote = d["remoteCloseCode"].as_u64();
    let peer_said = code_said(remote, d["remoteCloseReason"].as_str());
    let clean = d["wasClean"].as_bool() == Some(true);
    let first = if by_me {
        let ours = code_said(d["localCloseCode"].as_u64(), d["localCloseReason"].as_str());
        let why = match d["failureReason"].as_str() {
            Some(f) if f.starts_with("as ") => format!(", {f},"),
            Some(f) => format!(" to fail the connection ({f})"),
            None => String::new(),
        };
        let answer = match (remote, clean) {
            (Some(_), _) => format!("; the peer answered with {peer_said}"),
            (None, true) => "; the peer answered with a close frame without a code".into(),
            (None, false) => "; the peer sent no close frame".into(),
        };
        format!(
            "We sent the first close frame ({ours}){why}{}{answer}",
            at(d, "firstCloseAt")
        )
    } else if remote.is_some() || clean {
        format!(
            "The peer sent the first close frame ({peer_said}){}",
            at(d, "firstCloseAt")
        )
    } else {
        "No close frame was sent".into()
    };
    let none_sent = !by_me && remote.is_none() && !clean;
    let http2 = d["transport"].as_str().is_some_and(|t| t.starts_with("HTTP/2"));
    let tcp = if d["droppedByMe"].as_bool() == Some(true) && http2 {
        format!("we reset the stream (RST_STREAM CANCEL){}", at(d, "tcpClosedAt"))
    } else if d["droppedByMe"].as_bool() == Some(true) {
        format!("we dropped TCP{}", at(d, "tcpClosedAt"))
    } else if let Some(how) = d["peerEnding"].as_str() {
        format!("{how}{}", at(d, "tcpClosedAt"))
    } else if none_sent {
        format!("the peer dropped TCP{}", at(d, "tcpClosedAt"))
    } else {
        format!("the peer closed TCP{}", at(d, "tcpClosedAt"))
    };
    format!("{first}; {tcp}.")
}

/// Who sent the first close frame, and the peer's code: a peer that only
/// answered our close (our kill timer's 1001, say) did not close with it.
fn who_closed(d: &Value, code: u64) -> String {
    let said = code_said(Some(code), d["remoteCloseReason"].as_str());
    if d["closedByMe"].as_bool() != Some(true) {
        return format!("The peer closed with {said}.");
    }
    let ours = match (d["localCloseCode"].as_u64(), d["failureReason"].as_str()) {
        (Some(c), Some(f)) => format!(" with {c}, {f}"),
        (Some(c), None) => format!(" with {c}"),
        (None, Some(f)) => format!(", {f}"),
        (None, None) => String::new(),
    };
    format!("We closed first{ours}; the peer answered with {said}.")
}
