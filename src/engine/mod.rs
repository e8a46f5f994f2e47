//! The engine: drives one case over one connection the way Autobahn's
//! fuzzing peer does, and turns what happened into verdicts.
//!
//! `opening` drives the opening-handshake section. `session` is the protocol state machine (no I/O), `receive` its incoming
//! half, `script` the case steps, `verdict` the judging rules, `wirelog` the
//! record of the connection, `transport` the sockets and timers around it, `send_queue`
//! its writes at Autobahn's pace,
//! `share` knows which cases had the peer to themselves, and `schedule`
//! runs many cases at once.

pub mod opening;
pub mod outcome;
mod receive;
pub mod schedule;
mod script;
mod send_queue;
pub mod session;
pub mod share;
pub mod transport;
pub mod verdict;
pub mod wirelog;

pub use outcome::{CaseOutcome, Discard, Progress, Silent, Sink, Summary};
pub use session::{Role, Session, SessionOptions};
