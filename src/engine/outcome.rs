//! Everything a finished case leaves behind: verdicts, events, how the
//! connection ended, the wire log. Reports are written from this.

use crate::catalogue::{Behavior, Case, Event, ExpectedClose};
use crate::engine::session::Closing;
use crate::engine::verdict::{Departure, Verdict};
use crate::engine::wirelog::WireLog;

pub struct CaseOutcome {
    pub id: String,
    /// 1-based position in the run (Autobahn's case number).
    pub index: usize,
    pub description: String,
    pub expectation: String,
    pub agent: String,
    /// UTC start time, RFC 3339 with milliseconds.
    pub started: String,
    pub duration_ms: u64,
    pub verdict: Verdict,
    pub expected: Vec<(Behavior, Vec<Event>)>,
    pub expected_close: ExpectedClose,
    pub received: Vec<Event>,
    pub closing: Closing,
    pub was_open_handshake_timeout: bool,
    pub is_server: bool,
    pub report_time: bool,
    pub http_request: String,
    pub http_response: String,
    pub wirelog: Option<WireLog>,
    /// RFC requirements the peer broke that Autobahn does not judge (an
    /// answer that ignores a permessage-deflate parameter): notes, not verdicts.
    pub findings: Vec<String>,
    /// For a compression case, which content it sent.
    pub testdata: Option<String>,
    /// The peer was reached and answered the case, though no WebSocket
    /// connection opened (a handshake case it refused).
    pub reached: bool,
    /// TLS version and cipher suite, when the case ran over TLS.
    pub tls: Option<String>,
    /// How the case's bytes travelled (`tls::Stream::transport`), when a
    /// connection opened.
    pub transport: Option<String>,
    /// Whether load could explain a verdict that is not settled.
    pub departure: Departure,
}

impl CaseOutcome {
    /// An outcome with no connection behind it (the handshake failed).
    pub fn unopened(case: &Case, index: usize, agent: &str, started: String, duration_ms: u64, reason: &str) -> Self {
        CaseOutcome {
            id: case.id.clone(),
            index,
            description: case.description.clone(),
            expectation: case.expectation.clone(),
            agent: agent.to_string(),
            started,
            duration_ms,
            verdict: crate::engine::verdict::not_opened(reason),
            expected: Vec::new(),
            expected_close: case.close.clone(),
            received: Vec::new(),
            closing: Closing::default(),
            was_open_handshake_timeout: false,
            is_server: false,
            report_time: case.timed,
            http_request: String::new(),
            http_response: String::new(),
            wirelog: None,
            findings: Vec::new(),
            testdata: None,
            reached: false,
            tls: None,
            transport: None,
            departure: Departure::Timing,
        }
    }

    /// Whether the case reached the peer: an upgrade answer arrived, or a
    /// handshake case got the peer's reply.
    pub fn opened(&self) -> bool {
        self.reached || !self.http_response.is_empty()
    }

    /// FAILED in either verdict (or an unclean close): what makes a run fail.
    pub fn failed(&self) -> bool {
        self.verdict.failed()
    }

    pub fn summary(&self) -> Summary {
        Summary {
            index: self.index,
            id: self.id.clone(),
            verdict: self.verdict.clone(),
            opened: self.opened(),
            departure: self.departure,
        }
    }
}

/// What a run keeps of a case once its outcome has gone to the report:
/// outcomes hold wire logs and events, and a run keeps none of them.
#[derive(Clone, Debug)]
pub struct Summary {
    pub index: usize,
    pub id: String,
    pub verdict: Verdict,
    pub opened: bool,
    pub departure: Departure,
}

impl Summary {
    pub fn failed(&self) -> bool {
        self.verdict.failed()
    }
}

/// Where finished cases go as they finish (the report writer).
pub trait Sink: Send + Sync {
    fn outcome(&self, o: CaseOutcome);
    /// A note on a case already handed over.
    fn finding(&self, agent: &str, id: &str, text: &str);
}

/// A sink that keeps nothing (a re-run whose verdict alone matters).
pub struct Discard;

impl Sink for Discard {
    fn outcome(&self, _: CaseOutcome) {}
    fn finding(&self, _: &str, _: &str, _: &str) {}
}

/// What a run tells whoever shows its progress. The command line fills it
/// with a progress bar; the library shows nothing ([`Silent`]).
pub trait Progress: Send + Sync {
    /// A run of case `id` starts.
    fn started(&self, _id: &str) {}
    /// A run ended.
    fn ended(&self) {}
    /// One run more than planned: a case is run again alone.
    fn one_more(&self) {}
}

/// Progress that nobody watches.
pub struct Silent;

impl Progress for Silent {}
