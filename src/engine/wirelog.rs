//! The record of a connection: Autobahn's wire-log rows (so tools that read
//! its per-case files read ours), a timestamp per row, and octet and frame
//! counts both ways.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Instant;

/// How much payload a row shows, as Autobahn does.
const SHOWN: usize = 64;

pub fn hex_of(data: &[u8]) -> String {
    let mut s: String = data.iter().take(SHOWN).map(|b| format!("{b:02x}")).collect();
    if data.len() > SHOWN - 4 {
        s.push_str(" ...");
    }
    s
}

/// Payload as text when it is UTF-8, else as `0x` and hex.
pub fn text_or_hex(data: &[u8]) -> String {
    let cut = &data[..data.len().min(SHOWN)];
    match std::str::from_utf8(cut) {
        Ok(s) if data.len() > SHOWN - 4 => format!("{s} ..."),
        Ok(s) => s.to_string(),
        Err(_) => format!("0x{}", hex_of(data)),
    }
}

pub struct WireLog {
    start: Instant,
    pub enabled: bool,
    pub rows: Vec<Value>,
    /// Milliseconds since the case started, one per row.
    pub times: Vec<f64>,
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
            rows: Vec::new(),
            times: Vec::new(),
            rx_octets: BTreeMap::new(),
            tx_octets: BTreeMap::new(),
            rx_frames: BTreeMap::new(),
            tx_frames: BTreeMap::new(),
        }
    }

    fn push(&mut self, row: Value) {
        if self.enabled {
            self.rows.push(row);
            self.times.push(self.start.elapsed().as_secs_f64() * 1000.0);
        }
    }

    /// Rows that mark the script's timers are kept even when frames are not.
    fn push_always(&mut self, row: Value) {
        self.rows.push(row);
        self.times.push(self.start.elapsed().as_secs_f64() * 1000.0);
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

    pub fn rx_frame(&mut self, h: &crate::wire::frame::FrameHeader, payload: &[u8], len: u64) {
        *self.rx_frames.entry(h.opcode).or_default() += 1;
        if !self.enabled {
            return;
        }
        let mask = h.mask.map(|k| hex_of(&k));
        self.push(json!([
            "RF",
            [len, text_or_hex(payload)],
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
    /// `TI`/`TIE` (close after), with the delay or tag as Autobahn writes them.
    pub fn timer(&mut self, row: Value) {
        self.push_always(row);
    }
}
