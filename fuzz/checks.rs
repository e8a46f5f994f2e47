//! What each fuzz target checks, as plain functions of the input: the
//! targets in fuzz_targets/ call them under libFuzzer, and
//! tests/fuzz_regressions.rs calls them on the inputs kept in
//! fuzz/regressions/<target>/ in the ordinary test suite.
#![allow(dead_code)]

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use wsspec::catalogue::Case;
use wsspec::custom::{Source, load};
use wsspec::engine::{Role, Session, SessionOptions};
use wsspec::report::model::{Detail, Report};
use wsspec::report::{Format, json, render};
use wsspec::wire::decode::{Decoder, Piece};
use wsspec::wire::deflate::{self, Agreement, Codec, Offer};
use wsspec::wire::handshake;
use wsspec::wire::utf8::Utf8Validator;

fn cases() -> &'static Vec<Case> {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let want = ["1.1.1", "2.10", "5.19", "6.4.1", "7.1.6", "9.1.1", "12.1.1", "13.7.1"];
        wsspec::catalogue::all()
            .into_iter()
            .filter(|c| want.contains(&c.id.as_str()))
            .collect()
    })
}

/// The frame decoder and the UTF-8 validator, fed in pieces of varying
/// size: they must never panic, the pieces must add up to the declared
/// lengths, and the validator must agree with the standard library.
pub fn frame_decoder(data: &[u8]) {
    let Some((&step, bytes)) = data.split_first() else {
        return;
    };
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
    let ours_ok = !failed_at_end && last.is_none_or(|s| s.complete);
    assert_eq!(std_ok, ours_ok, "the UTF-8 validator disagrees with std");
}

/// The whole receiving half of the engine: hostile bytes from a peer into a
/// session (frame decoding, masking rules, UTF-8, close frames, and with
/// permessage-deflate agreed, the inflater), in either role, for a few
/// representative cases. It must never panic and never grow without bound.
pub fn session_receive(data: &[u8]) {
    let [pick, flags, step, rest @ ..] = data else { return };
    let cases = cases();
    let case = &cases[usize::from(*pick) % cases.len()];
    let role = if flags & 1 == 0 { Role::Client } else { Role::Server };
    let agreement = (flags & 2 != 0).then(|| Agreement {
        server_no_context_takeover: flags & 4 != 0,
        client_no_context_takeover: flags & 8 != 0,
        server_max_window_bits: if flags & 16 != 0 { 8 } else { 0 },
        client_max_window_bits: 0,
    });
    let opts = SessionOptions {
        max_message: 1 << 20,
        ..SessionOptions::default()
    };
    let start = Instant::now();
    let mut s = Session::new(case, role, opts, start, agreement);
    s.open(start);
    let step = usize::from(*step % 64) + 1;
    let mut now = start;
    for chunk in rest.chunks(step) {
        now += Duration::from_millis(3);
        s.on_bytes(chunk, now);
        s.on_timers(now);
        s.out.clear();
    }
    s.on_tcp_closed(now);
    let _ = wsspec::engine::verdict::judge(&s);
}

/// The opening-handshake parsers in both directions: a request as a server
/// reads it, an answer as a client reads it, then the checks on each.
pub fn handshake(data: &[u8]) {
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
}

/// permessage-deflate: the extension header and parameter parsers, and the
/// inflater on arbitrary compressed data, which must respect its limit.
pub fn deflate(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
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
}

/// The custom case-file loader: any text must give cases or problems with a
/// place, never a panic.
pub fn case_file(data: &[u8]) {
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
        let _ = wsspec::engine::drive::case_bound(c);
    }
}

/// Reading a report: an index.json and one per-case file, as written by
/// Autobahn or by anyone, then every rendering of it. A corrupt report must
/// give an error line or a page, never a panic.
pub fn report_reader(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (index, case) = text.split_once('\u{0}').unwrap_or((text, ""));
    let mut report = Report::default();
    if report
        .add_index(index, Path::new("index.json"), Path::new("."))
        .is_err()
    {
        return;
    }
    let detail = json::parse(case).ok();
    for a in &mut report.agents {
        for e in &mut a.cases {
            e.detail = match &detail {
                Some(v) => Detail::Loaded(v.clone()),
                None => Detail::Missing,
            };
        }
    }
    for f in [
        Format::Table,
        Format::Markdown,
        Format::Html,
        Format::Junit,
        Format::Json,
    ] {
        let _ = render(&report, f, false, Some(80));
    }
    let _ = wsspec::report::model::findings(&report);
    let _ = wsspec::report::model::negotiations(&report);
}
