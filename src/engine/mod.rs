//! The engine: drives one case over one connection the way Autobahn's
//! fuzzing peer does, and turns what happened into verdicts.
//!
//! `session` is the protocol state machine (no I/O), `receive` its
//! incoming half, `script` the case's steps, `verdict` the judging rules,
//! `wirelog` the record of the connection. Around a session: `connect`
//! opens a connection to a server (TCP, TLS, the client handshake),
//! `drive` moves bytes and timers until it is gone, `send_queue` writes at
//! Autobahn's pace, `quick_ack` keeps our ACKs out of the peer's timings.
//! `share` knows which cases had the peer to themselves, `schedule` runs
//! many cases at once, `opening` drives the opening-handshake section,
//! `rfc8441` the WebSockets-over-HTTP/2 section frame by frame.

pub mod connect;
pub mod drive;
pub mod explain;
pub mod opening;
pub mod outcome;
mod quick_ack;
mod receive;
pub mod rfc8441;
pub mod schedule;
mod script;
mod send_queue;
pub mod session;
pub mod share;
pub mod verdict;
pub mod wirelog;

pub use outcome::{CaseOutcome, Discard, Progress, Silent, Sink, Summary};
pub use session::{Role, Session, SessionOptions};
