//! Autobahn's report layout: `OUT/index.json` shaped
//! `{agent: {case: {behavior, behaviorClose, duration, remoteCloseCode, reportfile}}}`
//! and one JSON file per agent and case with the same fields Autobahn writes,
//! so tools that read Autobahn's reports read ours.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::catalogue::Event;
use crate::engine::CaseOutcome;
use crate::engine::wirelog::{WireLog, shown, text_or_hex};

/// Autobahn's file-name cleaning: lower case, anything but a–z and 0–9
/// becomes `_`, ends trimmed.
pub fn clean_for_filename(s: &str) -> String {
    let spaced: String = s
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                ' '
            }
        })
        .collect();
    spaced.trim().replace(' ', "_")
}

/// The per-case file of case `id` for an agent whose files start `stem`
/// (Autobahn's: `clean_for_filename(agent)`, unless the writer must make
/// it unique or shorter).
pub fn case_file_name(stem: &str, id: &str) -> String {
    format!("{stem}_case_{}.json", id.replace('.', "_"))
}

fn event_json(e: &Event) -> Value {
    match e {
        Event::Message { payload, binary } => json!(["message", shown(&payload.head, payload.len), binary]),
        Event::Pong(p) => json!(["pong", text_or_hex(p)]),
        Event::Timeout(tag) => json!(["timeout", tag]),
    }
}

fn counts<K: ToString>(m: &BTreeMap<K, u64>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.to_string(), json!(v))).collect())
}

pub fn case_json(o: &CaseOutcome) -> Value {
    let mut v = case_fields(o);
    add_when_present(&mut v, o);
    add_wirelog(&mut v, o.wirelog.as_ref());
    v
}

/// The fields every per-case file has, in Autobahn's names.
fn case_fields(o: &CaseOutcome) -> Value {
    let c = &o.closing;
    json!({
        "agent": o.agent,
        "behavior": o.verdict.behavior.as_str(),
        "behaviorClose": o.verdict.behavior_close.as_str(),
        "case": o.index,
        "closedByMe": c.closed_by_me,
        "createStats": true,
        "createWirelog": o.wirelog.is_some(),
        "description": o.description,
        "droppedByMe": c.dropped_by_me,
        "duration": o.duration_ms,
        "expectation": o.expectation,
        "expected": expected_json(o),
        "expectedClose": {
            "closeCode": o.expected_close.codes,
            "closedByMe": o.expected_close.closed_by_me,
            "requireClean": o.expected_close.require_clean,
        },
        "failedByMe": c.failed_by_me,
        "httpRequest": o.http_request,
        "httpResponse": o.http_response,
        "id": o.id,
        "isServer": o.is_server,
        "localCloseCode": c.local_close_code,
        "localCloseReason": c.local_close_reason.as_ref().map(|r| text_or_hex(r)),
        "received": o.received.iter().map(event_json).collect::<Vec<_>>(),
        "remoteCloseCode": c.remote_close_code,
        "remoteCloseReason": c.remote_close_reason,
        "reportCompressionRatio": false,
        "reportTime": o.report_time,
        "result": o.verdict.result,
        "resultClose": o.verdict.result_close,
        "started": o.started,
        "trafficStats": null,
        "wasClean": c.was_clean,
        "wasCloseHandshakeTimeout": c.was_close_handshake_timeout,
        "wasNotCleanReason": c.was_not_clean_reason,
        "wasOpenHandshakeTimeout": o.was_open_handshake_timeout,
        "wasServerConnectionDropTimeout": c.was_server_connection_drop_timeout,
    })
}

/// The expected event sequences, by the verdict each one earns.
fn expected_json(o: &CaseOutcome) -> Map<String, Value> {
    o.expected
        .iter()
        .map(|(b, evs)| {
            (
                b.as_str().to_string(),
                Value::Array(evs.iter().map(event_json).collect()),
            )
        })
        .collect()
}

/// The fields a file has only when they apply: absent rather than empty.
fn add_when_present(v: &mut Value, o: &CaseOutcome) {
    if o.expected_close.wrong_endpoint_fatal {
        v["expectedClose"]["closedByWrongEndpointIsFatal"] = json!(true);
    }
    if let Some(d) = &o.verdict.difference {
        v["difference"] = json!(d);
    }
    let ms = |d: std::time::Duration| (d.as_secs_f64() * 1e6).round() / 1e3;
    if let Some(t) = o.closing.first_close_at {
        v["firstCloseAt"] = json!(ms(t));
    }
    if let Some(t) = o.closing.tcp_closed_at {
        v["tcpClosedAt"] = json!(ms(t));
    }
    if let Some(how) = &o.closing.peer_ending {
        v["peerEnding"] = json!(how);
    }
    if let Some(f) = &o.closing.failure {
        v["failureReason"] = json!(f);
    }
    if let Some(t) = &o.tls {
        v["tls"] = json!(t);
    }
    // Our HTTP/2 heads start with their pseudo-headers; a case over
    // HTTP/2 has a connection of its own, whose first stream is 1.
    if let Some(t) = &o.transport {
        v["transport"] = json!(t);
    } else if o.http_response.starts_with(":status") {
        v["transport"] = json!(match o.tls {
            Some(_) => "HTTP/2 over TLS (ALPN h2), stream 1, RFC 8441 extended CONNECT",
            None => "HTTP/2 cleartext (h2c, prior knowledge), stream 1, RFC 8441 extended CONNECT",
        });
    } else if !o.http_response.is_empty() {
        v["transport"] = json!(if o.tls.is_some() {
            "HTTP/1.1 over TLS"
        } else {
            "HTTP/1.1"
        });
    }
    if let Some(t) = &o.testdata {
        v["testdata"] = json!(t);
    }
    if !o.findings.is_empty() {
        v["findings"] = json!(o.findings);
    }
}

/// The octet and frame statistics and the wire log with its times; without
/// a wire log, the statistics are empty objects and the log an empty list.
fn add_wirelog(v: &mut Value, wirelog: Option<&WireLog>) {
    let Some(w) = wirelog else {
        for k in ["rxOctetStats", "txOctetStats", "rxFrameStats", "txFrameStats"] {
            v[k] = json!({});
        }
        v["wirelog"] = json!([]);
        return;
    };
    v["rxOctetStats"] = counts(&w.rx_octets);
    v["txOctetStats"] = counts(&w.tx_octets);
    v["rxFrameStats"] = counts(&w.rx_frames);
    v["txFrameStats"] = counts(&w.tx_frames);
    let (times, rows): (Vec<f64>, Vec<Value>) = w.rows().map(|(t, r)| ((t * 1000.0).round() / 1000.0, r)).unzip();
    v["wirelog"] = Value::Array(rows);
    v["wirelogTimes"] = json!(times);
    if w.dropped > 0 {
        v["wirelogDropped"] = json!(w.dropped);
    }
}

/// The case's entry in index.json, naming its per-case file.
pub fn index_entry(o: &CaseOutcome, reportfile: &str) -> Value {
    json!({
        "behavior": o.verdict.behavior.as_str(),
        "behaviorClose": o.verdict.behavior_close.as_str(),
        "duration": o.duration_ms,
        "remoteCloseCode": o.closing.remote_close_code,
        "reportfile": reportfile,
    })
}

/// Removes the per-case files the folder's current index.json names, so a
/// run into a used folder leaves no stale cases behind. Only plain file
/// names inside the folder are touched.
pub(super) fn remove_previous(dir: &Path) {
    let Ok(text) = std::fs::read_to_string(dir.join("index.json")) else {
        return;
    };
    let Ok(index) = super::json::parse(&text) else { return };
    let names = index
        .as_object()
        .into_iter()
        .flat_map(|agents| agents.values())
        .filter_map(Value::as_object)
        .flat_map(|cases| cases.values())
        .filter_map(|c| c["reportfile"].as_str());
    for name in names {
        if !name.contains(['/', '\\']) && name != ".." && name.ends_with(".json") {
            let _ = std::fs::remove_file(dir.join(name));
        }
    }
}

/// A report (possibly several inputs) as one Autobahn index.json.
pub fn index_of(report: &super::model::Report) -> String {
    let index: Map<String, Value> = report
        .agents
        .iter()
        .map(|a| {
            let cases: Map<String, Value> = a
                .cases
                .iter()
                .map(|e| {
                    let mut v = json!({
                        "behavior": e.behavior.as_str(),
                        "behaviorClose": e.behavior_close.as_str(),
                        "duration": e.duration,
                        "remoteCloseCode": e.remote_close_code,
                        "reportfile": e.reportfile,
                    });
                    if !e.accepted.is_empty() {
                        v["accepted"] = e
                            .accepted
                            .iter()
                            .map(|(b, c)| json!([b.as_str(), c.as_str()]))
                            .collect();
                    }
                    (e.id.clone(), v)
                })
                .collect();
            (a.name.clone(), Value::Object(cases))
        })
        .collect();
    pretty(&Value::Object(index))
}

pub(super) fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_file_name(agent: &str, id: &str) -> String {
        case_file_name(&clean_for_filename(agent), id)
    }

    #[test]
    fn file_names_like_autobahn() {
        assert_eq!(report_file_name("ws@8.18.3", "1.1.1"), "ws_8_18_3_case_1_1_1.json");
        assert_eq!(
            report_file_name("websockets-echo", "12.1.10"),
            "websockets_echo_case_12_1_10.json"
        );
        assert_eq!(report_file_name("Tungstenite", "9.7.1"), "tungstenite_case_9_7_1.json");
    }
}
