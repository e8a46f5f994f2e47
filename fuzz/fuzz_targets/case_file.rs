//! The custom case-file loader: any text must give cases or problems with a
//! place, never a panic.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::case_file(data));
