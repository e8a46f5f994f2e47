//! The whole receiving half of the engine: hostile bytes from a peer into a
//! session (frame decoding, masking rules, UTF-8, close frames, and with
//! permessage-deflate agreed, the inflater), in either role, for a few
//! representative cases. It must never panic and never grow without bound.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use wsspec::catalogue::Case;
use wsspec::engine::{Role, Session, SessionOptions};
use wsspec::wire::deflate::Agreement;

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

fuzz_target!(|data: &[u8]| {
    let [pick, flags, step, rest @ ..] = data else { return };
    let cases = cases();
    let case = &cases[usize::from(*pick) % cases.len()];
    let role = if flags & 1 == 0 { Role::Client } else { Role::Server };
    let agreement = (flags & 2 != 0).then(|| Agreement {
        server_no_context_takeover: flags & 4 != 0,
        client_no_context_takeover: flags & 8 != 0,
        server_max_window_bits: if flags & 16 != 0 { 9 } else { 0 },
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
});
