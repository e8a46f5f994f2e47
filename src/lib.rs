//! wsspec: a WebSocket conformance harness. It runs Autobahn|Testsuite's
//! case catalogue natively, with Autobahn's case IDs, verdicts and report
//! layout, against a server or served to a client, in seconds.
//!
//! As a library it runs the suite inside `cargo test`: choose cases with a
//! [`Suite`], run them against a server ([`Suite::run_against`]) or serve
//! them to a client ([`Suite::serve_clients`]), and check the [`Report`]
//! against a baseline file kept in the repository:
//!
//! ```no_run
//! #[tokio::test(flavor = "multi_thread")]
//! async fn conformance() {
//!     let url = "ws://127.0.0.1:9001"; // your server, started by the test
//!     let report = wsspec::Suite::new()
//!         .cases(["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*", "12.*", "13.*"])
//!         .run_against(url)
//!         .await
//!         .unwrap();
//!     // WSSPEC_UPDATE_BASELINE=1 cargo test records it.
//!     report.assert_matches_baseline("tests/conformance.json");
//! }
//! ```
//!
//! Blocking callers use [`Suite::run_against_blocking`] and
//! [`Suite::serve_clients_blocking`].
//!
//! Inside, layers depend one way: `wire` (bytes) ← `catalogue` (cases as
//! values) ← `engine` (runs a case, judges it) ← `report` (writes results)
//! ← `fuzzing_server`, `docker`, `conversation` ← the library API ← `cli`; `tls`
//! (connections over TCP or TLS) sits beside `wire`, under `engine`. Those
//! modules are public for the command line, the tests and the fuzzers, and
//! hidden from the documentation: they are not a stable API.

#![deny(missing_docs)]

mod suite;

pub use catalogue::Behavior;
pub use engine::{Progress, Silent};
pub use report::Format;
pub use suite::blocking::BlockingClients;
pub use suite::{
    AgentExclusions, CaseResult, Clients, Counts, Ending, Error, Report, ServerRun, ServerUnderTest, ServersRun, Shard,
    Suite, UPDATE_BASELINE, Unwatched, Watch,
};

#[doc(hidden)]
#[allow(missing_docs)]
pub mod catalogue;
#[cfg(feature = "cli")]
#[doc(hidden)]
#[allow(missing_docs)]
pub mod cli;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod clock;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod conversation;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod custom;
#[cfg(feature = "cli")]
#[doc(hidden)]
#[allow(missing_docs)]
pub mod docker;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod engine;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod fuzzing_server;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod http2;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod report;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod target;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod tls;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod wire;
