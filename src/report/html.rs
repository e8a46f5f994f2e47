//! One self-contained HTML page (inline CSS and JS, no network): a matrix
//! of cases by agents in verdict colours, filters by verdict and section,
//! search by case ID, a drill-down per case with the wire log as a
//! timeline, and a chart of the 9.x durations per agent. The data is
//! embedded once as JSON and the page draws itself, so 517 cases by ten
//! agents stay quick.

use serde_json::{Value, json};

use super::model::{Detail, Report, section_of};

/// Wire-log rows kept per case in the page.
const MAX_ROWS: usize = 300;

fn detail_json(d: &Detail) -> Value {
    let Detail::Loaded(v) = d else {
        return json!({"missing": matches!(d, Detail::Missing)});
    };
    let rows = v["wirelog"].as_array().cloned().unwrap_or_default();
    let times = v["wirelogTimes"].as_array().cloned().unwrap_or_default();
    let cut = rows.len() > MAX_ROWS;
    json!({
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

pub fn data(report: &Report) -> Value {
    let ids = report.ids();
    let cases: Vec<Value> = ids
        .iter()
        .map(|id| {
            let mut description = Value::Null;
            let results: Vec<Value> = report
                .agents
                .iter()
                .map(|a| match a.get(id) {
                    None => Value::Null,
                    Some(e) => {
                        if let (Value::Null, Detail::Loaded(d)) = (&description, &e.detail) {
                            description = d["description"].clone();
                        }
                        json!({
                            "b": e.behavior.as_str(),
                            "c": e.behavior_close.as_str(),
                            "k": e.remote_close_code,
                            "t": e.duration,
                            "w": e.reason(),
                            "d": detail_json(&e.detail),
                        })
                    }
                })
                .collect();
            json!({"id": id, "s": section_of(id).1, "desc": description, "r": results})
        })
        .collect();
    let negotiation: Vec<Value> = super::model::negotiations(report)
        .into_iter()
        .map(|n| json!({"agent": n.agent, "offered": n.offered, "agreed": n.agreed, "cases": n.cases}))
        .collect();
    json!({
        "agents": report.agents.iter().map(|a| a.name.clone()).collect::<Vec<_>>(),
        "cases": cases,
        "negotiation": negotiation,
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

const PAGE: &str = r##"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WebSocket conformance report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:12px 20px;background:#263238;color:#fff}
header h1{font-size:18px;margin:0 0 6px}
.sum{display:flex;gap:18px;flex-wrap:wrap}
.sum div{background:#37474f;padding:6px 10px;border-radius:4px}
.sum b{margin-right:6px}
#controls{padding:10px 20px;display:flex;gap:14px;flex-wrap:wrap;align-items:center;border-bottom:1px solid #ddd;background:#fff;position:sticky;top:0;z-index:2}
main{display:flex;gap:0}
#matrix{flex:1;overflow:auto;max-height:calc(100vh - 130px)}
table{border-collapse:collapse;font-size:12px}
th,td{padding:2px 6px;border-bottom:1px solid #eee;white-space:nowrap;text-align:left}
thead th{position:sticky;top:0;background:#eceff1}
tr.sec td{background:#cfd8dc;font-weight:bold}
td.v{cursor:pointer;text-align:center;min-width:70px}
.OK{background:#c8e6c9}.NON-STRICT{background:#fff59d}.INFORMATIONAL{background:#bbdefb}
.UNIMPLEMENTED{background:#e0e0e0;color:#555}.FAILED{background:#ef9a9a}.none{background:#fff}
#detail{width:46%;border-left:1px solid #ccc;padding:10px 16px;overflow:auto;max-height:calc(100vh - 130px);background:#fff}
#detail h2{font-size:16px;margin:4px 0}
pre{white-space:pre-wrap;word-break:break-all;background:#f5f5f5;padding:6px;font-size:12px}
.wl td{font-family:monospace;font-size:11px;vertical-align:top}
.rx{color:#1b5e20}.tx{color:#0d47a1}.tm{color:#777}
#chart{padding:10px 20px}
.gate{padding:8px 20px}.gate.fail{background:#ef9a9a}.gate.pass{background:#c8e6c9}.gate ul{margin:4px 0}
</style></head>
<body>
<header><h1>WebSocket conformance report</h1><div class="sum" id="summary"></div></header>
<!--GATE-->
<div id="controls">
<span id="verdicts"></span>
<label>Section <select id="section"><option value="">all</option></select></label>
<label>Case <input id="search" placeholder="e.g. 6.4 or frag." size="14"></label>
<span id="shown"></span>
</div>
<main><div id="matrix"></div><div id="detail"><p>Click a verdict to see the case.</p></div></main>
<div id="chart"></div>
<div id="negotiation" style="padding:10px 20px"></div>
<script>
"use strict";
const DATA = /*DATA*/null;
const VERDICTS = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"];
const SHORT = {"OK": "OK", "NON-STRICT": "NS", "INFORMATIONAL": "INFO", "UNIMPLEMENTED": "UNIMPL", "FAILED": "FAIL"};
function headline(r) {
  if (!r) return "none";
  if (r.b === "FAILED" || r.c === "FAILED" || r.c === "UNCLEAN") return "FAILED";
  return VERDICTS.includes(r.b) ? r.b : "FAILED";
}
function esc(s) {
  return String(s == null ? "" : s).replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
}
const el = id => document.getElementById(id);
function summary() {
  const parts = DATA.agents.map((a, i) => {
    const n = {};
    VERDICTS.forEach(v => n[v] = 0);
    DATA.cases.forEach(c => { const h = headline(c.r[i]); if (h in n) n[h]++; });
    return '<div><b>' + esc(a) + '</b>' + VERDICTS.map(v =>
      '<span class="' + v + '" style="padding:0 4px;color:#222">' + SHORT[v] + ' <span id="count-' + v + '-' + i + '">' + n[v] + '</span></span>').join(" ") + '</div>';
  });
  el("summary").innerHTML = parts.join("");
}
function controls() {
  el("verdicts").innerHTML = VERDICTS.map(v =>
    '<label class="' + v + '" style="padding:2px 4px"><input type="checkbox" value="' + v + '" checked> ' + v + '</label>').join(" ");
  const secs = [...new Set(DATA.cases.map(c => c.s))];
  el("section").innerHTML += secs.map(s => '<option>' + esc(s) + '</option>').join("");
  document.querySelectorAll("#verdicts input").forEach(i => i.addEventListener("change", draw));
  el("section").addEventListener("change", draw);
  el("search").addEventListener("input", draw);
}
function draw() {
  const want = new Set([...document.querySelectorAll("#verdicts input:checked")].map(i => i.value));
  const sec = el("section").value, q = el("search").value.trim();
  const rows = [];
  let last = null, shown = 0;
  DATA.cases.forEach((c, ci) => {
    if (sec && c.s !== sec) return;
    if (q && !c.id.includes(q)) return;
    if (!c.r.some(r => want.has(headline(r)))) return;
    if (c.s !== last) { rows.push('<tr class="sec"><td colspan="' + (DATA.agents.length + 1) + '">' + esc(c.s) + '</td></tr>'); last = c.s; }
    shown++;
    rows.push('<tr><td title="' + esc(c.desc) + '">' + esc(c.id) + '</td>' + c.r.map((r, ai) => {
      const h = headline(r);
      const code = r && r.k != null ? " " + r.k : "";
      return '<td class="v ' + h + '" data-c="' + ci + '" data-a="' + ai + '">' + (r ? SHORT[h] + code : "–") + '</td>';
    }).join("") + '</tr>');
  });
  el("matrix").innerHTML = '<table><thead><tr><th>Case</th>' + DATA.agents.map(a => '<th>' + esc(a) + '</th>').join("") +
    '</tr></thead><tbody>' + rows.join("") + '</tbody></table>';
  el("shown").textContent = shown + " of " + DATA.cases.length + " cases";
}
function events(list) {
  if (!list || !list.length) return "(none)";
  return list.map(e => esc(JSON.stringify(e))).join("\n");
}
const OPS = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"};
function wirerow(row, t) {
  const k = row[0];
  let dir = "", what = "";
  if (k === "TF" || k === "RF") {
    dir = k === "TF" ? "tx" : "rx";
    what = "frame " + (OPS[row[2]] || ("opcode " + row[2])) + " fin=" + row[3] + " rsv=" + row[4] +
      " len=" + row[1][0] + (k === "TF" ? (row[5] ? " mask=" + row[5] : "") : (row[5] ? " masked" : "")) + "  " + esc(row[1][1]);
  } else if (k === "TO" || k === "RO") {
    dir = k === "TO" ? "tx" : "rx";
    what = "octets " + row[1][0] + "  " + esc(row[1][1]);
  } else if (k === "WLD") {
    what = "… " + row[1] + " rows not kept (the log keeps the first and the last rows of a connection) …";
  } else {
    what = esc(JSON.stringify(row));
  }
  return '<tr><td class="tm">' + (t == null ? "" : Number(t).toFixed(2) + " ms") + '</td><td class="' + dir + '">' +
    dir.toUpperCase() + '</td><td>' + what + '</td></tr>';
}
function detail(ci, ai) {
  const c = DATA.cases[ci], r = c.r[ai];
  if (!r) { el("detail").innerHTML = "<p>Not run for this agent.</p>"; return; }
  const d = r.d || {};
  let h = '<h2>' + esc(c.id) + ' — ' + esc(DATA.agents[ai]) + '</h2>';
  h += '<p><span class="' + headline(r) + '" style="padding:2px 6px">behavior ' + esc(r.b) + ' / behaviorClose ' + esc(r.c) +
    '</span> close code ' + esc(r.k == null ? "–" : r.k) + ', ' + esc(r.t) + ' ms</p>';
  if (d.missing) { el("detail").innerHTML = h + '<p><b>The per-case file is missing.</b></p>'; return; }
  h += '<p>' + esc(c.desc) + '</p><p><i>' + esc(d.expectation) + '</i></p>';
  h += '<p><b>Why:</b> ' + esc(r.w) + (d.failure ? ' (we failed the connection: ' + esc(d.failure) + ')' : '') + '</p>';
  const exp = d.expected || {};
  Object.keys(exp).forEach(k => { h += '<b>Expected (' + esc(k) + ')</b><pre>' + events(exp[k]) + '</pre>'; });
  h += '<b>Received</b><pre>' + events(d.received) + '</pre>';
  h += '<b>Expected close</b><pre>' + esc(JSON.stringify(d.expectedClose)) + '</pre>';
  const wl = d.wirelog || [];
  h += '<b>Wire log</b>' + (d.cut ? ' (first rows only)' : '') + '<table class="wl">' +
    wl.map((row, i) => wirerow(row, (d.times || [])[i])).join("") + '</table>';
  el("detail").innerHTML = h;
}
function chart() {
  const cases = DATA.cases.filter(c => /^9\./.test(c.id));
  if (!cases.length) return;
  const n = DATA.agents.length, bw = 5, gap = 4, hgt = 160;
  const max = Math.max(1, ...cases.flatMap(c => c.r.map(r => r ? r.t : 0)));
  const colors = ["#1976d2", "#d32f2f", "#388e3c", "#f57c00", "#7b1fa2", "#0097a7", "#5d4037", "#c2185b", "#455a64", "#afb42b"];
  let x = 30, bars = "", labels = "";
  cases.forEach(c => {
    c.r.forEach((r, i) => {
      const v = r ? r.t : 0, h = Math.max(1, Math.round(v / max * hgt));
      bars += '<rect x="' + (x + i * bw) + '" y="' + (hgt - h + 10) + '" width="' + (bw - 1) + '" height="' + h + '" fill="' +
        colors[i % colors.length] + '"><title>' + esc(c.id + " " + DATA.agents[i] + ": " + v + " ms") + '</title></rect>';
    });
    labels += '<text x="' + x + '" y="' + (hgt + 24) + '" font-size="8" transform="rotate(60 ' + x + ' ' + (hgt + 24) + ')">' + esc(c.id) + '</text>';
    x += n * bw + gap;
  });
  const legend = DATA.agents.map((a, i) => '<span style="color:' + colors[i % colors.length] + '">■ ' + esc(a) + '</span>').join(" ");
  el("chart").innerHTML = '<h2 style="font-size:16px">Section 9 durations (ms, longest ' + max + ')</h2><div>' + legend + '</div>' +
    '<svg width="' + (x + 30) + '" height="' + (hgt + 60) + '">' + bars + labels + '</svg>';
}
function negotiation() {
  const n = DATA.negotiation || [];
  if (!n.length) return;
  el("negotiation").innerHTML = '<h2 style="font-size:16px">permessage-deflate negotiation</h2><table><thead><tr><th>Agent</th><th>Offered</th><th>Agreed</th><th>Cases</th></tr></thead><tbody>' +
    n.map(r => '<tr><td>' + esc(r.agent) + '</td><td>' + esc(r.offered) + '</td><td>' + esc(r.agreed) + '</td><td>' + r.cases + '</td></tr>').join("") + '</tbody></table>';
}
summary();
controls();
negotiation();
draw();
chart();
el("matrix").addEventListener("click", ev => {
  const td = ev.target.closest("td.v");
  if (td) detail(Number(td.dataset.c), Number(td.dataset.a));
});
</script>
</body></html>
"##;
