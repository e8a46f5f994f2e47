//! The first point where what arrived departs from what a case expects, in
//! words: what a maintainer reads first when a case fails. Autobahn's own
//! sentence ("the events differ") says that; this says where and how.

use std::time::Duration;

use super::session::Closing;
use crate::catalogue::{Behavior, Event, body::Body};

/// Characters of a text payload quoted in a reason.
const QUOTED: usize = 40;
/// Octets of a binary payload shown in hex in a reason.
const HEXED: usize = 16;

/// A duration as a reason says it: `1.004 s`, `0.4 ms`.
pub fn at(d: Duration) -> String {
    seconds_or_ms(d.as_secs_f64() * 1000.0)
}

/// `1.004 s` from a second on, `0.4 ms` below.
pub fn seconds_or_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.3} s", ms / 1000.0)
    }
}

fn octets(n: u64) -> String {
    if n == 1 {
        "1 octet".into()
    } else {
        format!("{n} octets")
    }
}

/// The first octets of a payload: quoted text when it is UTF-8 and a text
/// message, else hex; `…` when cut.
fn content(head: &[u8], len: u64, text: bool) -> String {
    if len == 0 {
        return String::new();
    }
    let cut = head.len() as u64 > 0 && len > head.len() as u64;
    match std::str::from_utf8(head) {
        Ok(s) if text => {
            let shown: String = s.chars().take(QUOTED).collect();
            let more = cut || shown.len() < s.len();
            format!(" {:?}{}", shown, if more { "…" } else { "" })
        }
        _ => {
            let hex: String = head.iter().take(HEXED).map(|b| format!("{b:02x}")).collect();
            let more = len > HEXED.min(head.len()) as u64;
            format!(" 0x{hex}{}", if more { "…" } else { "" })
        }
    }
}

fn kind(binary: bool) -> &'static str {
    if binary { "binary" } else { "text" }
}

/// An event as a reason names it: kind, length and first octets.
pub fn event(e: &Event) -> String {
    match e {
        Event::Message { payload, binary } => message(payload, *binary),
        Event::Pong(p) if p.is_empty() => "a pong with no payload".into(),
        Event::Pong(p) => format!(
            "a pong of {}{}",
            octets(p.len() as u64),
            content(p, p.len() as u64, false)
        ),
        Event::Timeout(tag) => format!("the connection still open at the end of wait {tag}"),
    }
}

fn message(b: &Body, binary: bool) -> String {
    if b.len == 0 {
        return format!("an empty {} message", kind(binary));
    }
    format!(
        "a {} message of {}{}",
        kind(binary),
        octets(b.len),
        content(&b.head, b.len, !binary)
    )
}

/// What came, said against what was expected there: "the same octets" when
/// only the kind differs.
fn instead(expected: &Event, got: &Event) -> String {
    match (expected, got) {
        (Event::Message { payload: a, binary: x }, Event::Message { payload: b, binary: y })
            if a == b && x != y && b.len > 0 =>
        {
            format!("a {} message with the same {}", kind(*y), octets(b.len))
        }
        _ => event(got),
    }
}

/// How the events ended, for "nothing more came …": who closed first and
/// when, or when TCP went.
pub fn ending(c: &Closing) -> String {
    match (c.first_close_at, c.tcp_closed_at) {
        (Some(t), _) if c.closed_by_me => match &c.failure {
            Some(f) if f.starts_with("as the case's kill timer") => {
                format!("in the {} before the case's kill timer fired", at(t))
            }
            Some(f) => format!("before we failed the connection ({f}) at {}", at(t)),
            None => format!("before we closed at {}", at(t)),
        },
        (Some(t), _) => format!("before the peer closed at {}", at(t)),
        (None, Some(t)) if c.dropped_by_me && c.http2 => format!("before we reset the stream at {}", at(t)),
        (None, Some(t)) if c.dropped_by_me => format!("before we dropped TCP at {}", at(t)),
        (None, Some(t)) => match &c.peer_ending {
            Some(how) => format!("before {how} at {}", at(t)),
            None => format!("before the peer dropped TCP at {}", at(t)),
        },
        (None, None) => "before the connection ended".into(),
    }
}

/// The first difference between `received` and the nearest of `outcomes`
/// (the longest common start; the first listed on a tie), restricted to
/// outcomes earning `only` when given.
pub fn first_difference(
    received: &[Event],
    outcomes: &[(Behavior, Vec<Event>)],
    only: Option<Behavior>,
    c: &Closing,
) -> Option<String> {
    let common = |ev: &[Event]| ev.iter().zip(received).take_while(|(a, b)| a == b).count();
    let mut best: Option<(Behavior, &[Event], usize)> = None;
    for (b, ev) in outcomes.iter().filter(|(b, _)| only.is_none_or(|o| o == *b)) {
        let k = common(ev);
        if best.is_none_or(|(_, _, most)| k > most) {
            best = Some((*b, ev, k));
        }
    }
    let (b, ev, k) = best?;
    let n = ev.len();
    let of = if n == 1 {
        "its 1 event".to_string()
    } else {
        format!("its {n} events")
    };
    let text = match (ev.get(k), received.get(k)) {
        (Some(want), Some(got)) => format!(
            "First difference from the {b} sequence, at event {} of {n}: expected {}, got {}.",
            k + 1,
            event(want),
            instead(want, got)
        ),
        (Some(want), None) => format!(
            "First difference from the {b} sequence, at event {} of {n}: expected {}; nothing more came {}.",
            k + 1,
            event(want),
            ending(c)
        ),
        (None, Some(Event::Timeout(tag))) => format!(
            "First difference from the {b} sequence, after {of}: the connection was still open at the end of wait {tag}."
        ),
        (None, Some(got)) => format!(
            "First difference from the {b} sequence, after {of}: {} came too.",
            event(got)
        ),
        (None, None) => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Event {
        Event::Message {
            payload: Body::of(s.as_bytes()),
            binary: false,
        }
    }

    fn binary(s: &[u8]) -> Event {
        Event::Message {
            payload: Body::of(s),
            binary: true,
        }
    }

    #[test]
    fn a_text_echoed_as_binary_says_so() {
        let ok = vec![(Behavior::Ok, vec![text("Hello, world!")])];
        let got = [binary(b"Hello, world!")];
        let d = first_difference(&got, &ok, None, &Closing::default()).unwrap();
        assert_eq!(
            d,
            "First difference from the OK sequence, at event 1 of 1: expected a text message of 13 octets \
             \"Hello, world!\", got a binary message with the same 13 octets."
        );
    }

    #[test]
    fn nothing_more_says_how_long_we_waited_and_why_we_stopped() {
        let ok = vec![(Behavior::Ok, vec![Event::Pong(vec![]), text("x")])];
        let c = Closing {
            closed_by_me: true,
            first_close_at: Some(Duration::from_millis(1004)),
            failure: Some("as the case's kill timer fired after 1 s".into()),
            ..Closing::default()
        };
        let d = first_difference(&[Event::Pong(vec![])], &ok, None, &c).unwrap();
        assert!(
            d.ends_with(
                "at event 2 of 2: expected a text message of 1 octet \"x\"; nothing more came in the 1.004 s \
                 before the case's kill timer fired."
            ),
            "{d}"
        );
    }

    #[test]
    fn the_nearest_sequence_is_the_one_named() {
        let outcomes = vec![
            (Behavior::Ok, vec![text("a"), text("b")]),
            (Behavior::NonStrict, vec![text("a"), text("c"), text("d")]),
        ];
        let got = [text("a"), text("c"), binary(&[0xff; 40])];
        let d = first_difference(&got, &outcomes, None, &Closing::default()).unwrap();
        assert!(
            d.starts_with("First difference from the NON-STRICT sequence, at event 3 of 3"),
            "{d}"
        );
        assert!(
            d.ends_with("got a binary message of 40 octets 0xffffffffffffffffffffffffffffffff…."),
            "{d}"
        );
        let ok_only = first_difference(&got, &outcomes, Some(Behavior::Ok), &Closing::default()).unwrap();
        assert!(ok_only.contains("OK sequence, at event 2 of 2"), "{ok_only}");
    }

    #[test]
    fn extra_events_are_named_after_the_sequence_ends() {
        let ok = vec![(Behavior::Ok, vec![])];
        let d = first_difference(&[Event::Pong(b"ab".to_vec())], &ok, None, &Closing::default()).unwrap();
        assert_eq!(
            d,
            "First difference from the OK sequence, after its 0 events: a pong of 2 octets 0x6162 came too."
        );
    }
}
