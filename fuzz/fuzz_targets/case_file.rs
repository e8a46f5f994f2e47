//! The custom case-file loader: any text must give cases or problems with a
//! place, never a panic.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use wsspec::custom::{Source, load};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let source = Source {
        name: "fuzz.json".into(),
        text: text.to_string(),
    };
    let (cases, problems) = load(&[source], &HashSet::new());
    for p in &problems {
        assert!(!p.message.is_empty());
    }
    for c in &cases {
        let _ = wsspec::engine::transport::case_bound(c);
    }
});
