//! The opening-handshake parsers in both directions: a request as a server
//! reads it, an answer as a client reads it, then the checks on each.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::handshake(data));
