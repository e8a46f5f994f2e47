//! The reference echo peers, built on tokio-tungstenite rather than on our
//! own wire code, so that the engine is checked against an independent
//! implementation.

pub mod client;
pub mod server;
