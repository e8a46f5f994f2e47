//! The whole receiving half of the engine: hostile bytes from a peer into a
//! session (frame decoding, masking rules, UTF-8, close frames, and with
//! permessage-deflate agreed, the inflater), in either role, for a few
//! representative cases. It must never panic and never grow without bound.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::session_receive(data));
