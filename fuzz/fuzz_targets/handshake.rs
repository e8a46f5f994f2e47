//! The opening-handshake parsers in both directions: a request as a server
//! reads it, an answer as a client reads it, then the checks on each.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsspec::wire::deflate::Offer;
use wsspec::wire::handshake;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((head, used))) = handshake::parse_request(data) {
        assert!(used <= data.len());
        let _ = handshake::verify_request(&head);
        for v in head.values("sec-websocket-extensions") {
            for (_, params) in wsspec::wire::deflate::parse_header(v) {
                let _ = wsspec::wire::deflate::parse_offer(&params);
            }
        }
    }
    if let Ok(Some((head, used))) = handshake::parse_response(data) {
        assert!(used <= data.len());
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let offers = [Offer::default()];
        let _ = handshake::verify_response(&head, key, &[]);
        let _ = handshake::verify_response(&head, key, &offers);
    }
});
