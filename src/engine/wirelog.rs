//! The record of a connection: Autobahn's wire-log rows (so tools that read
//! its per-case files read ours), a timestamp per row, and octet and frame
//! counts both ways.
//!
//! A peer decides how many frames it sends, so the rows kept are bounded:
//! the first `HEAD_ROWS` and the last `TAIL_ROWS`, with a count of those
//! dropped in between (a `["WLD", n]` row where they were, and
//! `wirelogDropped` in the per-case file).

use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

/// How much payload a row shows, as Autobahn does.
const SHOWN: usize = 64;

/// Rows kept from the start of a connection, and from its end.
pub const HEAD_ROWS: usize = 1000;
pub const TAIL_ROWS: usize = 1000;

pub fn hex_of(data: &[u8]) -> String {
    hex_shown(data, data.len() as u64)
}

/// The first octets of a payload of `len` in hex, " ..." when cut.
fn hex_shown(data: &[u8], len: u64) -> String {
    let mut s: String = data.iter().take(SHOWN).map(|b| format!("{b:02x}")).collect();
    if len > (SHOWN - 4) as u64 {
        s.push_str(" ...");
    }
    s
}

/// Payload as text when it is UTF-8, else as `0x` and hex.
pub fn text_or_hex(data: &[u8]) -> String {
    shown(data, data.len() as u64)
}

/// Like `text_or_hex`, for a payload of `len` octets of which `data` are
/// the first ones kept.
pub fn shown(data: &[u8], len: u64) -> String {
    let cut = &data[..data.len().min(SHOWN)];
    match std::str::from_utf8(cut) {
        Ok(s) if len > (SHOWN - 4) as u64 => format!("{s} ..."),
        Ok(s) => s.to_string(),
        Err(_) => format!("0x{}", hex_shown(data, len)),
    }
}

pub struct WireLog {
    start: Instant,
    pub enabled: bool,
    /// The first rows, each with its time in milliseconds since the start.
    head: Vec<(f64, Value)>,
    /// The last rows, once the head is full.
    tail: VecDeque<(f64, Value)>,
    /// Rows dropped between head and tail.
    pub dropped: u64,
    pub rx_octets: BTreeMap<usize, u64>,
    pub tx_octets: BTreeMap<usize, u64>,
    pub rx_frames: BTreeMap<u8, u64>,
    pub tx_frames: BTreeMap<u8, u64>,
}

impl WireLog {
    pub fn new(start: Instant, enabled: bool) -> Self {
        WireLog {
            start,
            enabled,
            head: Vec::new(),
            tail: VecDeque::new(),
            dropped: 0,
            rx_octets: BTreeMap::new(),
            tx_octets: BTreeMap::new(),
            rx_frames: BTreeMap::new(),
            tx_frames: BTreeMap::new(),
        }
    }

    /// How long after the case started `now` is.
    pub fn since_start(&self, now: Instant) -> std::time::Duration {
        now.saturating_duration_since(self.start)
    }

    fn push(&mut self, row: Value) {
        if self.enabled {
            self.push_always(row);
        }
    }

    /// Rows that mark the script's timers are kept even when frames are not.
    fn push_always(&mut self, row: Value) {
        let at = self.start.elapsed().as_secs_f64() * 1000.0;
        if self.head.len() < HEAD_ROWS {
            self.head.push((at, row));
            return;
        }
        self.tail.push_back((at, row));
        if self.tail.len() > TAIL_ROWS {
            self.tail.pop_front();
            self.dropped += 1;
        }
    }

    /// The rows kept, in order, with a `WLD` row where rows were dropped.
    pub fn rows(&self) -> impl Iterator<Item = (f64, Value)> + '_ {
        let gap = (self.dropped > 0).then(|| {
            let at = self.tail.front().map_or(0.0, |(t, _)| *t);
            (at, json!(["WLD", self.dropped]))
        });
        self.head.iter().cloned().chain(gap).chain(self.tail.iter().cloned())
    }

    pub fn set_enabled(&mut self, on: bool) {
        if on != self.enabled {
            self.enabled = on;
            self.push_always(json!(["WLM", on]));
        }
    }

    pub fn rx_octets(&mut self, data: &[u8]) {
        *self.rx_octets.entry(data.len()).or_default() += 1;
        if self.enabled {
            self.push(json!(["RO", [data.len(), hex_of(data)]]));
        }
    }

    pub fn tx_octets(&mut self, data: &[u8], sync: bool) {
        *self.tx_octets.entry(data.len()).or_default() += 1;
        if self.enabled {
            self.push(json!(["TO", [data.len(), hex_of(data)], sync]));
        }
    }

    /// A frame received; `payload` holds its first octets (at most `SHOWN`).
    pub fn rx_frame(&mut self, h: &crate::wire::frame::FrameHeader, payload: &[u8], len: u64) {
        *self.rx_frames.entry(h.opcode).or_default() += 1;
        if !self.enabled {
            return;
        }
        let mask = h.mask.map(|k| hex_of(&k));
        self.push(json!([
            "RF",
            [len, shown(payload, len)],
            h.opcode,
            h.fin,
            h.rsv,
            h.mask.is_some(),
            mask
        ]));
    }

    #[allow(clippy::too_many_arguments)]
    pub fn tx_frame(
        &mut self,
        h: &crate::wire::frame::FrameHeader,
        payload: &[u8],
        repeat_len: Option<usize>,
        chop: Option<usize>,
        sync: bool,
    ) {
        *self.tx_frames.entry(h.opcode).or_default() += 1;
        if !self.enabled {
            return;
        }
        let mask = h.mask.map(|k| hex_of(&k));
        self.push(json!([
            "TF",
            [payload.len(), text_or_hex(payload)],
            h.opcode,
            h.fin,
            h.rsv,
            mask,
            repeat_len,
            chop,
            sync
        ]));
    }

    /// A timer row: `CT`/`CTE` (continue later), `KL`/`KLE` (kill after),
    /// `TI`/`TIE` (close after), with the delay or tag as Autobahn writes
    /// them; and ours, `KLD` (the kill brought forward, `behavior` decided).
    pub fn timer(&mut self, row: Value) {
        self.push_always(row);
    }
}
