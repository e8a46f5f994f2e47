//! The frame decoder and the UTF-8 validator, fed in pieces of varying
//! size: they must never panic, the pieces must add up to the declared
//! lengths, and the validator must agree with the standard library.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::frame_decoder(data));
