//! permessage-deflate: the extension header and parameter parsers, and the
//! inflater on arbitrary compressed data, which must respect its limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsspec::wire::deflate::{self, Agreement, Codec};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let cut = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let (header, body) = rest.split_at(cut);
    if let Ok(text) = std::str::from_utf8(header) {
        for (_, params) in deflate::parse_header(text) {
            let _ = deflate::parse_offer(&params);
            if let Ok(a) = deflate::parse_response(&params) {
                let _ = deflate::findings(&a, &[deflate::Offer::default()]);
                let _ = a.header_value();
            }
        }
    }
    let a = Agreement {
        server_no_context_takeover: flags & 1 != 0,
        client_no_context_takeover: flags & 2 != 0,
        server_max_window_bits: [0, 8, 9, 12, 15][usize::from(flags >> 2) % 5],
        client_max_window_bits: [0, 8, 9, 12, 15][usize::from(flags >> 5) % 5],
    };
    let mut codec = Codec::new(&a, flags & 0x80 != 0);
    let limit = 1u64 << 16;
    for message in body.split(|&b| b == 0xff).take(8) {
        codec.start_message();
        let mut out = 0u64;
        let mut count = |p: &[u8]| {
            assert!(p.len() <= 64 * 1024, "a piece larger than promised");
            out += p.len() as u64;
        };
        let ok = match codec.inflate(message, limit, &mut count) {
            Ok(n) => codec.end_message(limit - n, &mut count).is_ok(),
            Err(_) => false,
        };
        assert!(out <= limit, "inflated past the limit");
        if !ok {
            break;
        }
    }
});
