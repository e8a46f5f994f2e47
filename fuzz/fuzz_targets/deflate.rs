//! permessage-deflate: the extension header and parameter parsers, and the
//! inflater on arbitrary compressed data, which must respect its limit.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::deflate(data));
