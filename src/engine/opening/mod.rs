//! Drives the opening-handshake section (`hs.*`): sends a case's request to
//! a server, or gives a case's answer to a client, judges what comes back
//! by the clause the case cites, and where a connection opens runs the
//! case's short echo on the usual engine.
//!
//! Verdict rules, each resting on the words its case quotes
//! (`catalogue::hs_clauses`), for servers: a request it MUST refuse gets an
//! HTTP error status (OK); a 101 to WebSocket (FAILED); a 2xx, which is no
//! refusal (FAILED); a redirect (NON-STRICT); a closed connection (NON-STRICT:
//! §10.7 lets it drop one where §4.2.1 asks for an error status); silence
//! (FAILED). A request it MUST take gets a 101 whose answer fits the offers
//! and then an echo; a 401, a redirect, or a 403 to a request with an
//! Origin is the server's to give (INFORMATIONAL); anything else FAILED. An
//! offer it MUST decline is left out of a 101 (OK); refusing the whole
//! handshake over it is NON-STRICT. What no clause decides is INFORMATIONAL.
//! For clients: after an answer it MUST fail, echoing the message that
//! follows (compressed or not) is FAILED; closing, a close frame naming an
//! error, another HTTP request, or nothing within `FAIL_WAIT` is OK (a
//! failed connection waits for the server to close TCP, §7.1.1); a normal
//! close frame means it took the connection first (NON-STRICT).

mod client;
mod server;

use std::time::{Duration, Instant};

use super::verdict::Verdict;
use crate::catalogue::opening::{Level, Opening};
use crate::catalogue::{Behavior, Case};

pub use client::serve_client;
pub use server::run_against_server;

/// Pause between the octets of a request or answer written in pieces.
const CHOP_PAUSE: Duration = Duration::from_millis(1);

fn opening(case: &Case) -> &Opening {
    case.opening.as_ref().expect("a handshake case has its opening")
}

async fn write_chopped<W: tokio::io::AsyncWrite + Unpin>(
    stream: &mut W,
    bytes: &[u8],
    chop: Option<usize>,
) -> std::io::Result<()> {
    match chop {
        Some(n) if n > 0 => {
            for piece in bytes.chunks(n) {
                crate::tls::send(stream, piece).await?;
                tokio::time::sleep(CHOP_PAUSE).await;
            }
            Ok(())
        }
        _ => crate::tls::send(stream, bytes).await,
    }
}

/// A handshake verdict at the case's level: a broken SHOULD is NON-STRICT.
fn verdict_of(level: Level, behavior: Behavior, reason: &str) -> Verdict {
    let behavior = match (level, behavior) {
        (Level::Should, Behavior::Failed) => Behavior::NonStrict,
        (_, b) => b,
    };
    Verdict {
        behavior,
        behavior_close: Behavior::Ok,
        result: reason.to_string(),
        result_close: "No WebSocket connection was opened.".into(),
        difference: None,
    }
}

/// The handshake's verdict with the echo's: the worse `behavior` and its
/// reason; the echo's `behaviorClose`.
fn combine(hs: Verdict, echo: &Verdict) -> Verdict {
    let (behavior, result) = match (hs.behavior, echo.behavior) {
        (h, Behavior::Ok) => (h, format!("{} The message was echoed.", hs.result)),
        (h, e) => (
            worse(h, e),
            format!("{} But the message sent on the connection was not echoed.", hs.result),
        ),
    };
    Verdict {
        behavior,
        behavior_close: echo.behavior_close,
        result,
        result_close: echo.result_close.clone(),
        difference: echo.difference.clone(),
    }
}

fn worse(a: Behavior, b: Behavior) -> Behavior {
    if a == Behavior::Failed || b == Behavior::Failed {
        Behavior::Failed
    } else {
        a.max(b)
    }
}

fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}
