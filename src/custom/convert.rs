//! From the JSON format to `Case` values, with the checks serde cannot do:
//! control frames meant to be legal stay legal, payloads are well formed,
//! numbers are in range. Problems name the file, line and column.

use super::format::*;
use super::{Problem, Source};
use crate::catalogue::{
    Accept, Amend, Behavior, Case, Check, DeflateSpec, Event, ExpectedClose, FrameSpec, Mask, Origin, Payload, Roles,
    Step, Until, secs,
};
use crate::wire::deflate::Offer;
use crate::wire::frame::opcode;

/// Line and column of the `"id"` of the case whose text starts at `from`.
fn locate_case(text: &str, from: usize, id: &str) -> (usize, usize) {
    let n = text[..from].matches(&format!("\"{id}\"")).count();
    locate_nth(text, id, n)
}

/// Line and column of the `n`th (from 0) `"id": "<id>"` in `text`.
pub fn locate_nth(text: &str, id: &str, n: usize) -> (usize, usize) {
    let quoted = format!("\"{id}\"");
    let is_id_value = |i: usize| {
        let before = text[..i].trim_end();
        before.ends_with(':') && before.trim_end_matches(':').trim_end().ends_with("\"id\"")
    };
    let at = text
        .match_indices(&quoted)
        .map(|(i, _)| i)
        .filter(|&i| is_id_value(i))
        .nth(n)
        .or_else(|| text.find(&quoted))
        .unwrap_or(0);
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
    (line, column)
}

/// The cases of a file that are well formed, and the problems of the rest.
pub fn parse(src: &Source) -> Result<(Vec<Case>, Vec<Problem>), Vec<Problem>> {
    let at = |line: usize, column: usize, message: String| Problem {
        file: src.name.clone(),
        line,
        column,
        message,
    };
    let serde_problem = |e: serde_json::Error| {
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        at(e.line(), e.column(), msg)
    };
    // Syntax first (one error ends the file), then each case on its own, so
    // that every broken case is reported, not only the first. Each case is
    // read from its own text, so its errors keep their line and column.
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outline<'a> {
        #[serde(default, rename = "description")]
        _description: Option<String>,
        #[serde(borrow)]
        cases: Vec<&'a serde_json::value::RawValue>,
    }
    let outline: Outline = serde_json::from_str(&src.text).map_err(|e| vec![serde_problem(e)])?;
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for raw in outline.cases {
        let text = raw.get();
        let offset = text.as_ptr() as usize - src.text.as_ptr() as usize;
        let before = &src.text[..offset];
        let base_line = before.matches('\n').count() + 1;
        let base_column = offset - before.rfind('\n').map_or(0, |n| n + 1) + 1;
        let def = match serde_json::from_str::<CaseDef>(text) {
            Ok(def) => def,
            Err(e) => {
                let id = serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| v["id"].as_str().map(String::from))
                    .unwrap_or_else(|| "?".into());
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                let (line, column) = if e.line() <= 1 {
                    (base_line, base_column + e.column().saturating_sub(1))
                } else {
                    (base_line + e.line() - 1, e.column())
                };
                problems.push(at(line, column, format!("case {id}: {msg}")));
                continue;
            }
        };
        let (line, column) = locate_case(&src.text, offset, &def.id);
        match convert(def, &src.name) {
            Ok(c) => cases.push(c),
            Err(message) => problems.push(at(line, column, message)),
        }
    }
    Ok((cases, problems))
}

fn convert(def: CaseDef, file: &str) -> Result<Case, String> {
    let id = def.id.clone();
    let fail = |m: String| format!("case {id}: {m}");
    check_id(&def.id)?;
    if def.description.trim().is_empty() {
        return Err(fail("the description is empty".into()));
    }
    let roles = roles(def.roles.as_deref()).map_err(fail)?;
    let deflate = def.deflate.map(deflate).transpose().map_err(fail)?;
    if def.steps.is_empty() {
        return Err(fail("there are no steps".into()));
    }
    let script = def
        .steps
        .into_iter()
        .enumerate()
        .map(|(i, s)| step(s).map_err(|m| fail(format!("step {}: {m}", i + 1))))
        .collect::<Result<Vec<_>, _>>()?;
    let e = def.expect;
    if e.close.codes.is_empty() {
        return Err(fail("expect.close.codes is empty".into()));
    }
    let amend = match (e.informational, e.wrong_code_fails) {
        (true, true) => {
            return Err(fail("informational and wrong_code_fails exclude each other".into()));
        }
        (true, false) => Amend::Informational,
        (false, true) => Amend::WrongCodeFails,
        (false, false) => Amend::None,
    };
    let events = |list: Vec<EventDef>| list.into_iter().map(event).collect::<Result<Vec<_>, _>>();
    let mut outcomes = vec![(Behavior::Ok, events(e.ok).map_err(|m| fail(format!("expect.ok: {m}")))?)];
    if let Some(ns) = e.non_strict {
        outcomes.push((
            Behavior::NonStrict,
            events(ns).map_err(|m| fail(format!("expect.non_strict: {m}")))?,
        ));
    }
    let by_us = e.close.by == CloserDef::Us;
    let expectation = expectation_of(&outcomes, by_us, e.close.clean, &e.close.codes);
    Ok(Case {
        id: def.id,
        description: def.description,
        expectation,
        script,
        check: Check::Events { outcomes, amend },
        close: ExpectedClose {
            closed_by_me: by_us,
            codes: e.close.codes,
            require_clean: e.close.clean,
            wrong_endpoint_fatal: e.close.wrong_endpoint_fatal,
        },
        suppress_close: e.suppress_close,
        alone: e.alone,
        timed: false,
        roles,
        origin: Some(Origin {
            file: file.to_string(),
            rfc: def.rfc,
        }),
        deflate,
        opening: None,
        rfc8441: None,
    })
}

/// The offer a case makes; a client that tests us is answered with its
/// first offer as it stands.
fn deflate(d: DeflateDef) -> Result<DeflateSpec, String> {
    let bits = d.server_max_window_bits.unwrap_or(0);
    if d.server_max_window_bits.is_some() && !(8..=15).contains(&bits) {
        return Err(format!(
            "deflate.server_max_window_bits is {bits}: RFC 7692 allows 8 to 15"
        ));
    }
    Ok(DeflateSpec {
        offers: vec![Offer {
            accept_no_context_takeover: d.client_no_context_takeover,
            accept_max_window_bits: d.client_max_window_bits,
            request_no_context_takeover: d.server_no_context_takeover,
            request_max_window_bits: bits,
        }],
        accept: Accept::First,
    })
}

/// A custom ID starts with a letter and uses letters, digits, '.', '_'
/// and '-': numeric IDs are Autobahn's.
fn check_id(id: &str) -> Result<(), String> {
    let ok = id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        return Ok(());
    }
    Err(format!(
        "the ID {id:?} must start with a letter and use only letters, digits, '.', '_' and '-' (numeric IDs are Autobahn's)"
    ))
}

/// The peers a case tests: both when not said.
fn roles(given: Option<&[RoleDef]>) -> Result<Roles, String> {
    match given {
        None => Ok(Roles::BOTH),
        Some([]) => Err("roles is empty; say \"server\", \"client\" or both".into()),
        Some(r) => Ok(Roles {
            server: r.contains(&RoleDef::Server),
            client: r.contains(&RoleDef::Client),
        }),
    }
}

/// The expectation in words, as reports show it: the events, then who
/// closes and how.
fn expectation_of(outcomes: &[(Behavior, Vec<Event>)], by_us: bool, clean: bool, codes: &[u16]) -> String {
    format!(
        "{}; then {} closes{}, with {}.",
        describe_events(outcomes),
        if by_us { "we" } else { "the peer" },
        if clean { " cleanly" } else { "" },
        codes.iter().map(u16::to_string).collect::<Vec<_>>().join(" or ")
    )
}

fn describe_events(outcomes: &[(Behavior, Vec<Event>)]) -> String {
    let one = |evs: &Vec<Event>| {
        if evs.is_empty() {
            return "nothing".to_string();
        }
        evs.iter()
            .map(|e| match e {
                Event::Message { payload, binary } => {
                    format!(
                        "a {} message of {} octets",
                        if *binary { "binary" } else { "text" },
                        payload.len
                    )
                }
                Event::Pong(p) => format!("a pong of {} octets", p.len()),
                Event::Timeout(t) => format!("pause {t} passes"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    outcomes
        .iter()
        .map(|(b, evs)| format!("{b}: {}", one(evs)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn seconds(v: f64, what: &str) -> Result<std::time::Duration, String> {
    if v > 0.0 && v <= 3600.0 {
        Ok(secs(v))
    } else {
        Err(format!("{what} must be more than 0 and at most 3600 seconds, not {v}"))
    }
}

fn step(s: StepDef) -> Result<Step, String> {
    Ok(match s {
        StepDef::Send(f) => Step::Frame(frame(f)?),
        StepDef::Raw(r) => Step::Raw {
            bytes: hex(&r.hex)?,
            chop: positive(r.chop, "chop")?,
        },
        StepDef::Message(m) => Step::Message {
            payload: payload(&m.payload)?,
            binary: m.binary,
            fragment_size: positive(m.fragment, "fragment")?,
        },
        StepDef::Close(c) => {
            let reason = c
                .reason
                .as_ref()
                .map(payload)
                .transpose()?
                .map(|p| p.bytes().into_owned());
            if reason.is_some() && c.code.is_none() {
                return Err("a close reason needs a code".into());
            }
            Step::Close {
                code: c.code,
                reason,
                chop: positive(c.chop, "chop")?,
            }
        }
        StepDef::Wait(w) => Step::Wait {
            max: seconds(w.max, "wait.max")?,
            until: w.events.map_or(Until::Bound, Until::Events),
            tag: None,
        },
        StepDef::Checkpoint(tag) => Step::Checkpoint(tag),
        StepDef::KillAfter(v) => Step::KillAfter(seconds(v, "kill_after")?),
        StepDef::CloseAfter(v) => Step::CloseAfter(seconds(v, "close_after")?),
    })
}

fn positive(v: Option<usize>, what: &str) -> Result<Option<usize>, String> {
    match v {
        Some(0) => Err(format!("{what} must be at least 1")),
        v => Ok(v),
    }
}

fn opcode_of(o: &OpcodeDef) -> Result<u8, String> {
    match o {
        OpcodeDef::Number(n) if *n <= 15 => Ok(*n),
        OpcodeDef::Number(n) => Err(format!("opcode {n} does not fit in four bits")),
        OpcodeDef::Name(s) => match s.as_str() {
            "continuation" => Ok(opcode::CONTINUATION),
            "text" => Ok(opcode::TEXT),
            "binary" => Ok(opcode::BINARY),
            "close" => Ok(opcode::CLOSE),
            "ping" => Ok(opcode::PING),
            "pong" => Ok(opcode::PONG),
            other => Err(format!(
                "unknown opcode {other:?}: expected continuation, text, binary, close, ping, pong or a number 0-15"
            )),
        },
    }
}

fn frame(f: FrameDef) -> Result<FrameSpec, String> {
    let op = opcode_of(&f.opcode)?;
    if f.rsv > 7 {
        return Err(format!("rsv {} does not fit in three bits", f.rsv));
    }
    let mask = match f.mask.as_deref() {
        None | Some("role") => Mask::Role,
        Some("none") => Mask::Unmasked,
        Some(k) => {
            let b = hex(k)?;
            let key: [u8; 4] = b
                .try_into()
                .map_err(|_| format!("mask {k:?} is not four bytes of hex"))?;
            Mask::Key(key)
        }
    };
    let payload = f
        .payload
        .as_ref()
        .map(payload)
        .transpose()?
        .unwrap_or(Payload::Bytes(Vec::new()));
    let len = f.declared_length.unwrap_or(payload.len() as u64);
    if opcode::is_control(op) && !f.illegal {
        if len > 125 {
            return Err(format!(
                "a {} frame of {len} bytes is over the 125 a control frame may carry; add \"illegal\": true to send it on purpose",
                opcode::name(op)
            ));
        }
        if !f.fin {
            return Err(format!(
                "a fragmented {} frame is not allowed; add \"illegal\": true to send it on purpose",
                opcode::name(op)
            ));
        }
    }
    Ok(FrameSpec {
        opcode: op,
        fin: f.fin,
        rsv: f.rsv,
        mask,
        payload,
        chop: positive(f.chop, "chop")?,
        sync: f.sync,
        declared_len: f.declared_length,
        compress: f.compress,
    })
}

fn hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("hex {s:?} has an odd number of digits"));
    }
    digits
        .chunks(2)
        .map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| format!("hex {s:?} has a character that is not a hex digit"))
        })
        .collect()
}

fn payload(p: &PayloadDef) -> Result<Payload, String> {
    let base = match (&p.text, &p.hex, p.all_bytes) {
        (Some(t), None, None) => t.as_bytes().to_vec(),
        (None, Some(h), None) => hex(h)?,
        (None, None, Some(true)) => (0..=255u8).collect(),
        (None, None, None) if p.length.is_none() => Vec::new(),
        _ => {
            return Err(
                "a payload takes exactly one of text, hex and all_bytes (true), plus an optional length".into(),
            );
        }
    };
    match p.length {
        None => Ok(Payload::Bytes(base)),
        Some(_) if base.is_empty() => Err("a length needs bytes to repeat".into()),
        Some(len) => Ok(Payload::Repeat { pattern: base, len }),
    }
}

fn event(e: EventDef) -> Result<Event, String> {
    Ok(match e {
        EventDef::Message(m) => {
            let p = PayloadDef {
                text: m.text,
                hex: m.hex,
                all_bytes: m.all_bytes,
                length: m.length,
            };
            Event::Message {
                payload: crate::catalogue::body::Body::of(&payload(&p)?.bytes()),
                binary: m.binary,
            }
        }
        EventDef::Pong(p) => Event::Pong(payload(&p)?.bytes().into_owned()),
        EventDef::Timeout(t) => Event::Timeout(t),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> Source {
        Source {
            name: "t.json".into(),
            text: text.into(),
        }
    }

    const GOOD: &str = r#"{"cases": [
  {"id": "x.1", "description": "a ping", "rfc": "5.5.2",
   "steps": [{"send": {"opcode": "ping", "payload": {"text": "hi"}}}, {"close_after": 1}],
   "expect": {"ok": [{"pong": {"text": "hi"}}], "close": {"by": "us", "codes": [1000], "clean": true}}}
]}"#;

    #[test]
    fn a_good_file_becomes_cases() {
        let (cases, problems) = parse(&src(GOOD)).unwrap();
        assert!(problems.is_empty());
        assert_eq!(cases[0].id, "x.1");
        assert_eq!(cases[0].script.len(), 2);
    }

    #[test]
    fn problems_name_line_and_column() {
        let typo = GOOD.replace("\"send\"", "\"sned\"");
        let (_, p) = parse(&src(&typo)).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 3);
        assert!(p[0].message.contains("unknown variant `sned`"), "{}", p[0].message);

        let missing = GOOD.replace("\"rfc\": \"5.5.2\",", "");
        assert!(
            parse(&src(&missing)).unwrap().1[0]
                .message
                .contains("missing field `rfc`")
        );

        let big = GOOD.replace("{\"text\": \"hi\"}}}", "{\"text\": \"x\", \"length\": 126}}}");
        let p = parse(&src(&big)).unwrap().1;
        assert_eq!((p[0].line, p[0].column), (2, 10));
        assert!(p[0].message.contains("over the 125"), "{}", p[0].message);
        let on_purpose = big.replace("\"length\": 126}", "\"length\": 126}, \"illegal\": true");
        assert!(parse(&src(&on_purpose)).unwrap().1.is_empty());
    }

    #[test]
    fn duplicate_and_builtin_ids_are_refused() {
        let twice = GOOD.replace("]}", ",") + &GOOD[GOOD.find('{').unwrap() + 12..];
        let (_, p) = super::super::load(&[src(&twice)], &Default::default());
        assert!(p.iter().any(|p| p.message.contains("used twice")), "{p:?}");
        let taken = ["x.1".to_string()].into_iter().collect();
        let (_, p) = super::super::load(&[src(GOOD)], &taken);
        assert!(p[0].message.contains("built-in"));
    }
}
