//! Turning what happened into the pair `behavior` / `behaviorClose`, by
//! Autobahn's rules: the events must equal one of the expected sequences;
//! the close must come from the expected side, be clean where required and
//! carry an expected code; then the case's own amendment applies.

use super::session::{Role, Session};
use crate::catalogue::{Amend, Behavior, Check, Event, ExpectedClose};
use crate::wire::close;

#[derive(Clone, Debug)]
pub struct Verdict {
    pub behavior: Behavior,
    pub behavior_close: Behavior,
    pub result: String,
    pub result_close: String,
    /// Where the events depart from the nearest expected sequence, in
    /// words: for FAILED, and for NON-STRICT its departure from OK.
    pub difference: Option<String>,
}

impl Verdict {
    /// FAILED in either verdict (or an unclean close): what makes a run fail.
    pub fn failed(&self) -> bool {
        self.behavior == Behavior::Failed || matches!(self.behavior_close, Behavior::Failed | Behavior::Unclean)
    }
}

const NOT_OPENED: &str = "The case could not run: ";

/// The verdict when the opening handshake never completed.
pub fn not_opened(reason: &str) -> Verdict {
    Verdict {
        behavior: Behavior::Failed,
        behavior_close: Behavior::Failed,
        result: format!("{NOT_OPENED}{reason}."),
        result_close: "The WebSocket opening handshake was never completed.".into(),
        difference: None,
    }
}

/// The reason given to `not_opened`, back from its `result`.
pub fn why_not_opened(result: &str) -> &str {
    result.trim_start_matches(NOT_OPENED).trim_end_matches('.')
}

/// What, in a case that did not come out settled, could have gone
/// otherwise had the peer had no other connection to serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Departure {
    /// OK, INFORMATIONAL or UNIMPLEMENTED on both counts: nothing to explain.
    Settled,
    /// The peer answered, and its answer is not the expected one: a message
    /// of another type, length or content, an extra message, a close code
    /// of its choosing. That is what the peer does with these bytes,
    /// crowded or not. (Not so for permessage-deflate: see `Timing`.)
    Answer,
    /// Something owed did not come before a timer ran out, the connection
    /// ended otherwise than expected, the peer took a path the RFC allows
    /// as a matter of when (NON-STRICT), closed with a code that says it is
    /// overloaded, or skipped pongs: RFC 6455 §5.5.3 lets a peer that is
    /// behind answer only the last of several pings, and a peer slowed by
    /// other connections is behind sooner (libwebsockets on 2.10). And any
    /// difference in a compressed echo: libwebsockets 4.1.6 corrupts its
    /// inflate when other connections are busy (12.1.6).
    Timing,
}

/// Whether a verdict is one the peer may give in any case.
pub fn settled(b: Behavior) -> bool {
    matches!(b, Behavior::Ok | Behavior::Informational | Behavior::Unimplemented)
}

/// Close codes a peer gives when it is going away or overloaded.
const LOAD_CODES: [u16; 5] = [1001, 1011, 1012, 1013, 1014];

/// Where the case's outcome departs from what it expects (see `Departure`).
pub fn departure(s: &Session, v: &Verdict) -> Departure {
    if settled(v.behavior) && settled(v.behavior_close) {
        return Departure::Settled;
    }
    match &s.case.check {
        Check::Events { outcomes, .. } => match outcomes.iter().find(|(_, ev)| *ev == s.received) {
            Some((b, _)) if !settled(*b) => return Departure::Timing,
            // The events are fine: what departs is the close.
            Some(_) => {}
            None => return events_departure(&s.received, outcomes),
        },
        // A result without a pass is a difference found in an echo. A
        // compressed echo that differs may come from load: libwebsockets
        // 4.1.6 corrupts its inflate when other connections are busy.
        Check::Echo { .. } if !settled(v.behavior) => {
            return if s.echo.result.is_some() && !s.echo.passed {
                Departure::Answer
            } else {
                Departure::Timing
            };
        }
        _ if !settled(v.behavior) => return Departure::Timing,
        _ => {}
    }
    match s.closing.remote_close_code {
        Some(code) if v.behavior_close == Behavior::WrongCode && !LOAD_CODES.contains(&code) => Departure::Answer,
        _ => Departure::Timing,
    }
}

/// Events that match no expected sequence: `Answer` where, at the point the
/// closest sequences leave off, the peer sent another message; `Timing`
/// where it sent nothing, a pong (pongs may be skipped, see `Timing`) or
/// only our own marks of a wait passing.
fn events_departure(received: &[Event], outcomes: &[(Behavior, Vec<Event>)]) -> Departure {
    let common = |ev: &[Event]| ev.iter().zip(received).take_while(|(a, b)| a == b).count();
    let best = outcomes.iter().map(|(_, ev)| common(ev)).max().unwrap_or(0);
    match received.get(best) {
        Some(Event::Message { .. }) => Departure::Answer,
        _ => Departure::Timing,
    }
}

pub fn judge(s: &Session) -> Verdict {
    let case = s.case;
    let c = &s.closing;
    let (behavior, result) = judge_behavior(s);
    let (behavior_close, result_close) = judge_close(s);
    let mut v = Verdict {
        behavior,
        behavior_close,
        result,
        result_close,
        difference: difference(s, behavior),
    };
    if case.close.wrong_endpoint_fatal && case.close.closed_by_me != c.closed_by_me {
        v.behavior = Behavior::Failed;
    }
    if let Check::Events { amend, .. } = &case.check {
        amend_verdict(&mut v, *amend);
    }
    v
}

/// Our words on the events' first departure: from every expected sequence
/// when none matched, from the OK one when a lesser one did.
fn difference(s: &Session, behavior: Behavior) -> Option<String> {
    let outcomes = match &s.case.check {
        Check::Events { outcomes, .. } => outcomes,
        _ => return None,
    };
    let only = match outcomes.iter().find(|(_, ev)| *ev == s.received) {
        Some((Behavior::Ok, _)) => return None,
        Some(_) if behavior == Behavior::Ok => return None,
        Some(_) => Some(Behavior::Ok),
        None => None,
    };
    super::explain::first_difference(&s.received, outcomes, only, &s.closing)
}

/// `behavior`: the events (or the echo) against what the case expects.
fn judge_behavior(s: &Session) -> (Behavior, String) {
    let mismatch = || {
        (
            Behavior::Failed,
            "The events differ from every expected sequence.".to_string(),
        )
    };
    match &s.case.check {
        _ if s.case.deflate.is_some() && s.agreement.is_none() => (
            Behavior::Unimplemented,
            "The peer did not agree to permessage-deflate.".into(),
        ),
        Check::Events { outcomes, .. } => match outcomes.iter().find(|(_, ev)| *ev == s.received) {
            Some((b, _)) => (*b, format!("The events match the {b} sequence.")),
            None => mismatch(),
        },
        Check::Echo { .. } | Check::Compressed { .. } => (
            if s.echo.passed { Behavior::Ok } else { Behavior::Failed },
            s.echo
                .result
                .clone()
                .unwrap_or_else(|| format!("No echo came {}.", super::explain::ending(&s.closing))),
        ),
    }
}

/// `behaviorClose`: who closed, how cleanly, with which code.
fn judge_close(s: &Session) -> (Behavior, String) {
    // A case that needs permessage-deflate, declined: we close at once.
    let unagreed = ExpectedClose {
        closed_by_me: true,
        codes: vec![close::NORMAL],
        require_clean: true,
        wrong_endpoint_fatal: false,
    };
    let exp = if s.case.deflate.is_some() && s.agreement.is_none() {
        &unagreed
    } else {
        &s.case.close
    };
    let c = &s.closing;
    if exp.closed_by_me != c.closed_by_me {
        let why = if exp.closed_by_me && c.remote_close_code.is_none() && !c.was_clean {
            match &c.peer_ending {
                Some(how) => format!("With no closing handshake {how}, where we were to close."),
                None => "The peer dropped TCP without a closing handshake, where we were to close.".into(),
            }
        } else if exp.closed_by_me {
            "The peer started the closing handshake (or failed the connection) where we were to close.".into()
        } else {
            match &c.failure {
                Some(f) if c.failed_by_me => {
                    format!("The peer did not fail the connection; we did ({f}).")
                }
                _ => "The peer did not fail the connection; we had to close it.".into(),
            }
        };
        (Behavior::Failed, why)
    } else if exp.require_clean && !c.was_clean {
        let why = format!(
            "The closing handshake was to be clean: {}.",
            c.was_not_clean_reason
                .as_deref()
                .or(c.dropped_because.as_deref())
                .unwrap_or("it was not")
        );
        (Behavior::Unclean, why)
    } else if let Some(code) = c.remote_close_code.filter(|code| !exp.codes.contains(code)) {
        let want: Vec<String> = exp.codes.iter().map(u16::to_string).collect();
        let why = format!(
            "The close code was {code} where {} or none was expected.",
            want.join(" or ")
        );
        (Behavior::WrongCode, why)
    } else if s.role == Role::Client && c.dropped_by_me {
        // Testing a server, we had to drop TCP ourselves: RFC 6455 §7.1.1
        // wants the server to close it first.
        (
            Behavior::FailedByClient,
            "The server should have closed the TCP connection; we (the client) had to.".into(),
        )
    } else {
        (Behavior::Ok, "The connection was closed properly.".into())
    }
}

/// A case's amendment of the pair: a wrong close code that fails the case,
/// or an outcome the RFC leaves open.
fn amend_verdict(v: &mut Verdict, amend: Amend) {
    match amend {
        Amend::None => {}
        Amend::WrongCodeFails => {
            if v.behavior_close == Behavior::WrongCode {
                v.behavior = Behavior::Failed;
                v.result = v.result_close.clone();
            }
        }
        Amend::Informational => {
            v.result = match v.behavior {
                Behavior::Ok => "RFC 6455 leaves this open; the peer took the path expected first.".into(),
                Behavior::NonStrict => "RFC 6455 leaves this open; the peer took the alternative path.".into(),
                _ => "RFC 6455 leaves this open.".into(),
            };
            v.behavior = Behavior::Informational;
            v.behavior_close = Behavior::Informational;
        }
    }
}
