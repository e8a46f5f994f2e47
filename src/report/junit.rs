//! JUnit XML: a test suite per agent, a test case per case. FAILED is a
//! failure with the reason, UNIMPLEMENTED is skipped, NON-STRICT and
//! INFORMATIONAL pass with their note in system-out.

use super::model::{Agent, Detail, Entry, Gate, Report, plain, section_of};
use crate::catalogue::Behavior;

pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// The events of a sequence, one per line (Autobahn's and ours alike).
fn events(v: &serde_json::Value) -> String {
    match v.as_array() {
        Some(list) if list.is_empty() => "  (nothing)".into(),
        Some(list) => list
            .iter()
            .map(|e| format!("  {}", cut(&e.to_string(), 200)))
            .collect::<Vec<_>>()
            .join("\n"),
        None => "  (not recorded)".into(),
    }
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    } else {
        s.to_string()
    }
}

/// What a CI shows for a failed case: description, expectation, expected
/// and received events, the reason and where the per-case file is.
fn failure_body(a: &Agent, e: &Entry) -> String {
    let mut b = String::new();
    if let Detail::Loaded(d) = &e.detail {
        b.push_str(&format!("{}\n", plain(d["description"].as_str().unwrap_or(""))));
        b.push_str(&format!(
            "Expectation: {}\n",
            plain(d["expectation"].as_str().unwrap_or(""))
        ));
        if let Some(exp) = d["expected"].as_object() {
            for (k, seq) in exp {
                b.push_str(&format!("Expected ({k}):\n{}\n", events(seq)));
            }
        }
        b.push_str(&format!("Received:\n{}\n", events(&d["received"])));
    }
    b.push_str(&format!("Why: {}\n", e.reason().unwrap_or_default()));
    if let Some(f) = &e.reportfile {
        b.push_str(&format!("Report: {}\n", a.dir.join(f).display()));
    }
    b
}

/// A test name: the case ID and a short description.
fn test_name(e: &Entry) -> String {
    match &e.detail {
        Detail::Loaded(d) => {
            let desc = plain(d["description"].as_str().unwrap_or(""));
            if desc.is_empty() {
                e.id.clone()
            } else {
                format!("{} {}", e.id, cut(&desc, 80))
            }
        }
        _ => e.id.clone(),
    }
}

pub fn render(report: &Report) -> String {
    let gate = report.gate.as_ref();
    // The gate's regressions fail and its flaky cases pass, as test cases of
    // a suite of their own.
    let gate_cases = gate.map_or(0, |g| g.regressions.len() + g.flaky.len());
    let gate_failures = gate.map_or(0, |g| g.regressions.len());
    let total: usize = report.agents.iter().map(|a| a.cases.len()).sum::<usize>() + gate_cases;
    let failures: usize = report.agents.iter().map(failed_cases).sum::<usize>() + gate_failures;
    let skipped: usize = report.agents.iter().map(skipped_cases).sum();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"wsspec\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    );
    if let Some(g) = gate {
        out.push_str(&gate_suite(g));
    }
    for a in &report.agents {
        out.push_str(&agent_suite(a));
    }
    out.push_str("</testsuites>\n");
    out
}

/// The cases of an agent that fail: FAILED in either verdict, or unclean.
fn failed_cases(a: &Agent) -> usize {
    a.cases.iter().filter(|e| e.failed()).count()
}

/// The cases of an agent that are skipped: UNIMPLEMENTED and not failed.
fn skipped_cases(a: &Agent) -> usize {
    a.cases
        .iter()
        .filter(|e| !e.failed() && e.behavior == Behavior::Unimplemented)
        .count()
}

/// The baseline gate as a suite: a failing test case per regression, a
/// passing one per flaky case.
fn gate_suite(g: &Gate) -> String {
    let mut out = format!(
        "  <testsuite name=\"baseline {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n",
        escape(&g.baseline),
        g.regressions.len() + g.flaky.len(),
        g.regressions.len()
    );
    for c in &g.regressions {
        out.push_str(&format!(
            "    <testcase classname=\"baseline\" name=\"{}\">\n      <failure message=\"{}\" type=\"REGRESSION\"/>\n    </testcase>\n",
            escape(&format!("{} {}", c.agent, c.id)),
            escape(&format!("regression: {}", c.line()))
        ));
    }
    for f in &g.flaky {
        out.push_str(&format!(
            "    <testcase classname=\"baseline\" name=\"{}\">\n      <system-out>{}</system-out>\n    </testcase>\n",
            escape(&format!("{} {}", f.agent, f.id)),
            escape(&f.line())
        ));
    }
    out.push_str("  </testsuite>\n");
    out
}

/// An agent's suite: a test case per case, in the class of its section.
fn agent_suite(a: &Agent) -> String {
    let time: u64 = a.cases.iter().map(|e| e.duration).sum();
    let mut out = format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3}\">\n",
        escape(&a.name),
        a.cases.len(),
        failed_cases(a),
        skipped_cases(a),
        time as f64 / 1000.0
    );
    // Viewers split class names on dots: the agent's own dots (versions)
    // must not make packages of it.
    let agent_class = a.name.replace('.', "_");
    for e in &a.cases {
        let (_, section) = section_of(&e.id);
        out.push_str(&format!(
            "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\"",
            escape(&agent_class),
            escape(&section),
            escape(&test_name(e)),
            e.duration as f64 / 1000.0
        ));
        out.push_str(&test_case_end(a, e));
    }
    out.push_str("  </testsuite>\n");
    out
}

/// The rest of a test case after its attributes: a failure, a skip, the
/// note of a pass that is not OK, or nothing for OK / OK.
fn test_case_end(a: &Agent, e: &Entry) -> String {
    let verdicts = format!("behavior {}, behaviorClose {}", e.behavior, e.behavior_close);
    let why = e.reason().unwrap_or_default();
    if e.failed() {
        format!(
            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
            escape(&format!("{verdicts}: {why}")),
            e.headline(),
            escape(&failure_body(a, e))
        )
    } else if e.behavior == Behavior::Unimplemented {
        format!(
            ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
            escape(&format!("UNIMPLEMENTED: {why}"))
        )
    } else if e.behavior != Behavior::Ok || e.behavior_close != Behavior::Ok {
        format!(
            ">\n      <system-out>{}</system-out>\n    </testcase>\n",
            escape(&format!("{verdicts}. {why}"))
        )
    } else {
        "/>\n".to_string()
    }
}
