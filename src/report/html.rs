//! One self-contained HTML page (inline CSS and JS, no network) comparing
//! any number of agents: a full-width matrix of cases by agents, views
//! (where agents differ, not OK anywhere, by verdict, by section, by ID or
//! prefix), the state in the URL fragment so a view or a case can be linked,
//! a drill-down per case and agent (handshake, events side by side, the wire
//! log as a timeline with close frames and timers in words), the 9.x chart
//! and the permessage-deflate negotiation. The data is embedded once as
//! JSON and the page (page.html) draws itself.

use serde_json::{Value, json};

use super::model::{Detail, Report, section_of};

/// Wire-log rows kept per case in the page.
pub const MAX_ROWS: usize = 300;

/// A description as Autobahn writes it (HTML with `<br>`) as plain text
/// with line breaks.
fn description_text(v: &Value) -> String {
    let html = v.as_str().unwrap_or("");
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('>') else {
            rest = &rest[i..];
            break;
        };
        let tag = rest[i + 1..i + j].trim().to_ascii_lowercase();
        if tag.starts_with("br") || tag == "p" || tag == "/p" {
            out.push('\n');
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// HTTP heads, interned: a head is stored once with its one varying header
/// value (the key or the accept hash) cut out, and each case refers to it
/// by number with that value beside it. The handshakes of 517 cases differ
/// only there, and stored whole they were a third of the page.
#[derive(Default)]
struct Heads {
    list: Vec<String>,
    index: std::collections::HashMap<String, usize>,
}

impl Heads {
    fn add(&mut self, head: &Value) -> Value {
        let Some(text) = head.as_str() else { return Value::Null };
        let mut varying = String::new();
        let mut template = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let lower = line.to_ascii_lowercase();
            match line.split_once(':') {
                Some((name, value))
                    if varying.is_empty()
                        && (lower.starts_with("sec-websocket-key:") || lower.starts_with("sec-websocket-accept:")) =>
                {
                    varying = value.trim().to_string();
                    template.push_str(name);
                    template.push_str(": \u{0}");
                    template.push_str(if line.ends_with("\r\n") { "\r\n" } else { "\n" });
                }
                _ => template.push_str(line),
            }
        }
        let n = self.list.len();
        let i = *self.index.entry(template.clone()).or_insert(n);
        if i == n {
            self.list.push(template);
        }
        json!([i, varying])
    }
}

fn detail_json(d: &Detail, heads: &mut Heads) -> Value {
    let Detail::Loaded(v) = d else {
        return json!({"missing": matches!(d, Detail::Missing)});
    };
    let rows = v["wirelog"].as_array().cloned().unwrap_or_default();
    let times = v["wirelogTimes"].as_array().cloned().unwrap_or_default();
    let cut = rows.len() > MAX_ROWS || v["wirelogCut"] == true;
    json!({
        "description": description_text(&v["description"]),
        "request": heads.add(&v["httpRequest"]),
        "response": heads.add(&v["httpResponse"]),
        "localCode": v["localCloseCode"],
        "localReason": v["localCloseReason"],
        "remoteCode": v["remoteCloseCode"],
        "remoteReason": v["remoteCloseReason"],
        "notClean": v["wasNotCleanReason"],
        "findings": v["findings"],
        "dropped": v["wirelogDropped"],
        "expectation": v["expectation"],
        "expected": v["expected"],
        "expectedClose": v["expectedClose"],
        "received": v["received"],
        "result": v["result"],
        "resultClose": v["resultClose"],
        "failure": v["failureReason"],
        "wasClean": v["wasClean"],
        "closedByMe": v["closedByMe"],
        "wirelog": rows.into_iter().take(MAX_ROWS).collect::<Vec<_>>(),
        "times": times.into_iter().take(MAX_ROWS).collect::<Vec<_>>(),
        "cut": cut,
    })
}

/// What every agent's report of a case says alike (the catalogue's words):
/// moved from the agents' details to the case, once, which keeps a page
/// of thirty agents about half as large.
fn hoist_common(results: &mut [Value]) -> Value {
    let mut common = serde_json::Map::new();
    for key in ["description", "expectation", "expected", "expectedClose"] {
        let mut values = results
            .iter()
            .filter_map(|r| r.get("d"))
            .filter(|d| d.get("missing").is_none())
            .map(|d| &d[key]);
        let Some(first) = values.next().cloned() else { continue };
        if values.all(|v| *v == first) {
            for r in results.iter_mut() {
                if let Some(d) = r.get_mut("d").and_then(Value::as_object_mut) {
                    d.remove(key);
                }
            }
            common.insert(key.to_string(), first);
        }
    }
    Value::Object(common)
}

pub fn data(report: &Report) -> Value {
    let ids = report.ids();
    let mut heads = Heads::default();
    let cases: Vec<Value> = ids
        .iter()
        .map(|id| {
            let results: Vec<Value> = report
                .agents
                .iter()
                .map(|a| match a.get(id) {
                    None => Value::Null,
                    Some(e) => {
                        json!({
                            "b": e.behavior.as_str(),
                            "c": e.behavior_close.as_str(),
                            "k": e.remote_close_code,
                            "t": e.duration,
                            "w": e.reason(),
                            "d": detail_json(&e.detail, &mut heads),
                        })
                    }
                })
                .collect();
            let mut results = results;
            let common = hoist_common(&mut results);
            json!({"id": id, "s": section_of(id).1, "k": common, "r": results})
        })
        .collect();
    // One row per agent and distinct offer, with every answer it got.
    let mut negotiation: Vec<Value> = Vec::new();
    for n in super::model::negotiations(report) {
        let row = negotiation
            .iter_mut()
            .find(|r| r["agent"] == n.agent.as_str() && r["offered"] == n.offered.as_str());
        let answer = json!([n.agreed, n.cases]);
        match row {
            Some(r) => r["agreed"]
                .as_array_mut()
                .into_iter()
                .for_each(|a| a.push(answer.clone())),
            None => negotiation.push(json!({"agent": n.agent, "offered": n.offered, "agreed": [answer]})),
        }
    }
    let mut inputs: Vec<String> = Vec::new();
    for a in &report.agents {
        let d = a.dir.display().to_string();
        if !inputs.contains(&d) {
            inputs.push(d);
        }
    }
    json!({
        "made": crate::clock::utc_now(),
        "version": env!("CARGO_PKG_VERSION"),
        "inputs": inputs,
        "agents": report.agents.iter().map(|a| a.name.clone()).collect::<Vec<_>>(),
        "cases": cases,
        "negotiation": negotiation,
        "heads": heads.list,
    })
}

pub fn render(report: &Report) -> String {
    let data = serde_json::to_string(&data(report))
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/");
    PAGE.replace("/*DATA*/null", &data)
        .replace("<!--GATE-->", &gate_banner(report))
}

/// The baseline gate's outcome, above everything else on the page.
fn gate_banner(report: &Report) -> String {
    let Some(g) = &report.gate else { return String::new() };
    let esc = super::junit::escape;
    let mut h = format!(
        "<div class=\"gate {}\"><b>Baseline {}: {} regression{}, {} improvement{}, {} flaky</b>",
        if g.regressions.is_empty() { "pass" } else { "fail" },
        esc(&g.baseline),
        g.regressions.len(),
        super::baseline::plural(g.regressions.len()),
        g.improvements.len(),
        super::baseline::plural(g.improvements.len()),
        g.flaky.len()
    );
    let lines: Vec<String> = g
        .regressions
        .iter()
        .map(|c| format!("regression: {}", c.line()))
        .chain(g.flaky.iter().map(|f| f.line()))
        .collect();
    if !lines.is_empty() {
        h.push_str("<ul>");
        for l in lines {
            h.push_str(&format!("<li>{}</li>", esc(&l)));
        }
        h.push_str("</ul>");
    }
    h.push_str("</div>");
    h
}

/// The page: markup, style and script, with `/*DATA*/null` and
/// `<!--GATE-->` filled in by `render`.
const PAGE: &str = include_str!("page.html");
