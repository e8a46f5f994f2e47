//! wsspec: a WebSocket conformance harness. It runs Autobahn|Testsuite's
//! case catalogue natively, with Autobahn's case IDs, verdicts and report
//! layout.
//!
//! Layers depend one way: `wire` (bytes) ← `catalogue` (cases as values) ←
//! `engine` (runs a case, judges it) ← `report` (writes results) ← `cli`;
//! `tls` (connections over TCP or TLS) sits beside `wire`, under `engine`.

pub mod catalogue;
pub mod cli;
pub mod custom;
pub mod docker;
pub mod echo;
pub mod engine;
pub mod fuzzing_server;
pub mod report;
pub mod tls;
pub mod wire;
