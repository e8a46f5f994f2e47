//! The reference echo peers, built on tokio-tungstenite rather than on
//! wsspec's own wire code, so that the harness is checked against an
//! independent implementation. This crate never depends on wsspec.
//!
//! - [`server`]: an echo server (every text and binary message back as it
//!   came), over `ws://` or, given a rustls configuration, `wss://`.
//! - [`client`]: a driver for Autobahn's fuzzing-server protocol that
//!   echoes every case's messages.
//! - [`tls`]: rustls configurations from PEM files, for the binaries.

#![deny(missing_docs)]

pub mod client;
pub mod server;
pub mod tls;
