//! Sections 12 and 13: permessage-deflate (RFC 7692). Section 12 sends five
//! kinds of content with the default offer; section 13 sends JSON with seven
//! parameter sets. Each case: 1000 compressed messages of one size, each
//! echoed before the next, optionally fragmented by the sender.

use super::testdata::TestData;
use super::*;
use crate::wire::deflate::{Agreement, Offer};

/// (message size, seconds allowed, fragment size)
const SIZES: [(usize, f64, usize); 18] = [
    (16, 60.0, 0),
    (64, 60.0, 0),
    (256, 120.0, 0),
    (1024, 240.0, 0),
    (4096, 480.0, 0),
    (8192, 480.0, 0),
    (16384, 480.0, 0),
    (32768, 480.0, 0),
    (65536, 480.0, 0),
    (131072, 480.0, 0),
    (8192, 480.0, 256),
    (16384, 480.0, 256),
    (32768, 480.0, 256),
    (65536, 480.0, 256),
    (131072, 480.0, 256),
    (131072, 480.0, 1024),
    (131072, 480.0, 4096),
    (131072, 480.0, 32768),
];

const COUNT: usize = 1000;

fn offer(no_context_takeover: bool, bits: u8) -> Offer {
    Offer {
        request_no_context_takeover: no_context_takeover,
        request_max_window_bits: bits,
        ..Offer::default()
    }
}

/// The 13.x parameter sets: what we offer as a client, how we accept as a server.
fn parameter_sets() -> Vec<(Vec<Offer>, Accept, &'static str)> {
    vec![
        (
            vec![Offer::default()],
            Accept::First,
            "the default offer; accepted as offered",
        ),
        (
            vec![offer(true, 0)],
            Accept::NoContextTakeover,
            "server_no_context_takeover; client_no_context_takeover requested back",
        ),
        (
            vec![offer(false, 9)],
            Accept::WindowBits(9),
            "server_max_window_bits=9; client_max_window_bits=9 requested back",
        ),
        (
            vec![offer(false, 15)],
            Accept::WindowBits(15),
            "server_max_window_bits=15; client_max_window_bits=15 requested back",
        ),
        (
            vec![offer(true, 9)],
            Accept::Both(9),
            "no context takeover and 9-bit windows both ways",
        ),
        (
            vec![offer(true, 15)],
            Accept::Both(15),
            "no context takeover and 15-bit windows both ways",
        ),
        (
            vec![offer(true, 9), offer(true, 0), Offer::default()],
            Accept::Fallback,
            "three offers, from the strictest to the default; the strictest acceptable one is taken",
        ),
    ]
}

fn compressed(id: String, what: String, data: TestData, size: (usize, f64, usize), spec: DeflateSpec) -> Case {
    let (len, wait, fragment) = size;
    let frag = if fragment == 0 {
        String::from("unfragmented")
    } else {
        format!("in frames of {fragment} octets")
    };
    let mut c = case(
        &id,
        &format!("{COUNT} compressed messages of {len} bytes of {}, {frag}; {what}.", data.describe()),
        &format!(
            "Every message comes back identical within {wait} s in all; then a clean close. Without permessage-deflate: UNIMPLEMENTED."
        ),
    )
    .check(Check::Compressed { data, len, count: COUNT, fragment, wait: secs(wait) });
    // Timed (the duration is reported), not alone: see engine::schedule.
    c.timed = true;
    c.deflate = Some(spec);
    c
}

/// Section 12 in the registry: the payloads of `cases`.
pub const SECTION_12: Section = Section {
    prefix: "12",
    title: "Compression (payloads)",
    in_star: true,
    driver: Driver::Frames,
    cases: || cases().into_iter().filter(|c| c.id.starts_with("12.")).collect(),
};

/// Section 13 in the registry: the parameters of `cases`.
pub const SECTION_13: Section = Section {
    prefix: "13",
    title: "Compression (parameters)",
    in_star: true,
    driver: Driver::Frames,
    cases: || cases().into_iter().filter(|c| c.id.starts_with("13.")).collect(),
};

pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (j, data) in TestData::ALL.into_iter().enumerate() {
        for (i, size) in SIZES.into_iter().enumerate() {
            let spec = DeflateSpec {
                offers: vec![Offer::default()],
                accept: Accept::First,
            };
            out.push(compressed(
                format!("12.{}.{}", j + 1, i + 1),
                "the default offer".into(),
                data,
                size,
                spec,
            ));
        }
    }
    for (j, (offers, accept, what)) in parameter_sets().into_iter().enumerate() {
        for (i, size) in SIZES.into_iter().enumerate() {
            let spec = DeflateSpec {
                offers: offers.clone(),
                accept,
            };
            out.push(compressed(
                format!("13.{}.{}", j + 1, i + 1),
                what.into(),
                TestData::Json,
                size,
                spec,
            ));
        }
    }
    out
}

impl Accept {
    /// The agreement a server following this rule makes with `offers`
    /// (Autobahn's accept functions); None: it declines the extension.
    pub fn choose(self, offers: &[Offer]) -> Option<Agreement> {
        let agree = |o: &Offer, ctx: bool, bits: u8| Agreement {
            server_no_context_takeover: o.request_no_context_takeover,
            server_max_window_bits: o.request_max_window_bits,
            client_no_context_takeover: ctx,
            client_max_window_bits: bits,
        };
        match self {
            Accept::First => offers.first().map(|o| agree(o, false, 0)),
            Accept::NoContextTakeover => offers
                .iter()
                .find(|o| o.accept_no_context_takeover)
                .map(|o| agree(o, true, 0)),
            Accept::WindowBits(b) => offers
                .iter()
                .find(|o| o.accept_max_window_bits)
                .map(|o| agree(o, false, b)),
            Accept::Both(b) => offers
                .iter()
                .find(|o| o.accept_no_context_takeover && o.accept_max_window_bits)
                .map(|o| agree(o, true, b)),
            Accept::Fallback => Accept::Both(9)
                .choose(offers)
                .or_else(|| Accept::NoContextTakeover.choose(offers))
                .or_else(|| Accept::First.choose(offers)),
        }
    }
}
