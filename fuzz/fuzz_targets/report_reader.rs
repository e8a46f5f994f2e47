//! Reading a report: an index.json and one per-case file, as written by
//! Autobahn or by anyone, then every rendering of it. A corrupt report must
//! give an error line or a page, never a panic.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::report_reader(data));
