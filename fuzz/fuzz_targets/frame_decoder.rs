//! The frame decoder and the UTF-8 validator, fed in pieces of varying
//! size: they must never panic, the pieces must add up to the declared
//! lengths, and the validator must agree with the standard library.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsspec::wire::decode::{Decoder, Piece};
use wsspec::wire::utf8::Utf8Validator;

fuzz_target!(|data: &[u8]| {
    let Some((&step, bytes)) = data.split_first() else { return };
    let step = usize::from(step % 31) + 1;
    let mut dec = Decoder::default();
    let mut current: Option<(u64, u64)> = None;
    for chunk in bytes.chunks(step) {
        dec.feed(chunk);
        while let Some(p) = dec.next_piece() {
            match p {
                Piece::Header(h, _) => {
                    assert!(current.is_none(), "a header inside a frame");
                    current = Some((h.len, 0));
                }
                Piece::Data(d) => {
                    let (len, got) = current.as_mut().expect("data outside a frame");
                    *got += d.len() as u64;
                    assert!(*got <= *len, "more payload than declared");
                }
                Piece::End => {
                    let (len, got) = current.take().expect("an end outside a frame");
                    assert_eq!(len, got, "a frame ended short");
                }
            }
        }
        assert!(dec.buffered() <= bytes.len());
    }
    // The validator, fed the same bytes in the same pieces.
    let mut v = Utf8Validator::default();
    let mut last = None;
    let mut failed_at_end = false;
    for chunk in bytes.chunks(step) {
        let s = v.feed(chunk);
        if !s.valid {
            failed_at_end = true;
            break;
        }
        last = Some(s);
    }
    let std_ok = std::str::from_utf8(bytes).is_ok();
    let ours_ok = !failed_at_end && last.map_or(true, |s| s.complete);
    assert_eq!(std_ok, ours_ok, "the UTF-8 validator disagrees with std");
});
