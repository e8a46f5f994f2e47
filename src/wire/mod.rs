//! The wire format of RFC 6455, our own: frames (legal or not), masking,
//! incremental decoding, UTF-8 validation, close codes and the opening
//! handshake. Nothing here knows about cases or verdicts.

pub mod close;
pub mod decode;
pub mod deflate;
pub mod frame;
pub mod h2;
pub mod handshake;
pub mod mask;
pub mod negotiation;
pub mod utf8;
