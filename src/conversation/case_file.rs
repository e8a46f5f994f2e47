//! A conversation as a custom case file (`cases/` format): what is sent,
//! step by step, and the model's expectation. A conversation runs as this
//! file runs (`custom::parse`), so a finding written out replays with
//! `test-server --cases-dir DIR --cases ID` exactly as it was judged.

use serde_json::{Value, json};

use super::Conversation;
use super::model::{Expectation, Heard};
use crate::catalogue::{Case, Mask};
use crate::wire::frame::opcode;

/// The case ID of a conversation: `fuzz.SEED.INDEX`.
pub fn id_of(c: &Conversation) -> String {
    format!("fuzz.{}.{}", c.seed, c.index)
}

/// The ID of a finding: the conversation's, then the peer it failed, so
/// that several peers' findings replay from one folder.
pub fn finding_id(c: &Conversation, agent: &str) -> String {
    let slug: String = agent
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.{slug}", id_of(c))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The steps that send the conversation, then the case's bound.
fn steps(c: &Conversation) -> Vec<Value> {
    let mut steps: Vec<Value> = c
        .frames
        .iter()
        .map(|f| {
            // Our close goes as a close step, so that the engine knows it
            // started the closing handshake; a broken one is a frame.
            if f.opcode == opcode::CLOSE && f.payload.is_empty() && f.fin && f.rsv == 0 {
                return json!({"close": {}});
            }
            if f.opcode == opcode::CLOSE && f.payload.len() >= 2 && f.payload.len() <= 125 && f.fin && f.rsv == 0 {
                let mut close = json!({"code": u16::from_be_bytes([f.payload[0], f.payload[1]])});
                if f.payload.len() > 2 {
                    close["reason"] = json!({"hex": hex(&f.payload[2..])});
                }
                if let Some(n) = f.chop {
                    close["chop"] = json!(n);
                }
                return json!({ "close": close });
            }
            let mut send = json!({"opcode": f.opcode, "fin": f.fin, "payload": {"hex": hex(&f.payload)}});
            if f.rsv != 0 {
                send["rsv"] = json!(f.rsv);
            }
            if f.compressed {
                send["compress"] = json!(true);
            }
            match f.mask {
                Mask::Role => {}
                Mask::Unmasked => send["mask"] = json!("none"),
                Mask::Key(k) => send["mask"] = json!(hex(&k)),
            }
            if let Some(n) = f.chop {
                send["chop"] = json!(n);
            }
            if opcode::is_control(f.opcode) && (f.payload.len() > 125 || !f.fin) {
                send["illegal"] = json!(true);
            }
            json!({ "send": send })
        })
        .collect();
    // A pause after a frame: a wait that only the connection's end cuts short.
    let mut at = 0;
    for f in &c.frames {
        at += 1;
        if f.pause_ms > 0 {
            steps.insert(at, json!({"wait": {"max": f64::from(f.pause_ms) / 1000.0}}));
            at += 1;
        }
    }
    let large = c.frames.iter().map(|f| f.payload.len()).sum::<usize>() > 60_000;
    steps.push(json!({"kill_after": if large { 10 } else { 2 }}));
    steps
}

fn events(heard: &[Heard]) -> Vec<Value> {
    heard
        .iter()
        .map(|h| match h {
            Heard::Message { payload, binary } => json!({"message": {"hex": hex(payload), "binary": binary}}),
            Heard::Pong(p) => json!({"pong": {"hex": hex(p)}}),
        })
        .collect()
}

/// The case of conversation `c` judged by `e`, as a case file's JSON;
/// `note` ends the description (what the peer did, for a finding).
pub fn file(c: &Conversation, id: &str, e: &Expectation, note: &str) -> Value {
    let clause = e.rule.clause();
    let mut expect = json!({
        "ok": events(&e.ok),
        "close": {
            "by": if e.ending.by_us { "us" } else { "peer" },
            "codes": e.ending.codes,
            "clean": e.ending.clean,
        },
    });
    if let Some(ns) = &e.non_strict {
        expect["non_strict"] = json!(events(ns));
    }
    if e.ending.wrong_code_fails {
        expect["wrong_code_fails"] = json!(true);
    }
    let description = format!(
        "Conversation {} of seed {} ({} frames{}), judged by the model's rule: {} ({}).{note}",
        c.index,
        c.seed,
        c.frames.len(),
        if c.deflate.is_some() {
            ", permessage-deflate"
        } else {
            ""
        },
        e.rule.name(),
        clause.quoted(),
    );
    let mut case = json!({
        "id": id,
        "description": description,
        "rfc": clause.rfc,
        "roles": ["server"],
        "steps": steps(c),
        "expect": expect,
    });
    if let Some(o) = c.deflate {
        let mut offer = json!({
            "server_no_context_takeover": o.server_no_context_takeover,
            "client_max_window_bits": o.client_max_window_bits,
        });
        if let Some(bits) = o.server_max_window_bits {
            offer["server_max_window_bits"] = json!(bits);
        }
        case["deflate"] = offer;
    }
    json!({
        "description": "Found by wsspec fuzz: run with test-server --cases-dir DIR --cases ID.",
        "cases": [case]
    })
}

/// The case a file holds, as `--cases-dir` would read it.
pub fn case(file: &Value) -> Result<Case, String> {
    let src = crate::custom::Source {
        name: "fuzz".into(),
        text: serde_json::to_string_pretty(file).map_err(|e| e.to_string())?,
    };
    let (mut cases, problems) = crate::custom::load(&[src], &std::collections::HashSet::new());
    if let Some(p) = problems.first() {
        return Err(p.message.clone());
    }
    cases.pop().ok_or_else(|| "no case".to_string())
}
