//! JUnit XML: a test suite per agent, a test case per case. FAILED is a
//! failure with the reason, UNIMPLEMENTED is skipped, NON-STRICT and
//! INFORMATIONAL pass with their note in system-out.

use super::model::{Report, section_of};
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

pub fn render(report: &Report) -> String {
    let total: usize = report.agents.iter().map(|a| a.cases.len()).sum();
    let failures: usize = report
        .agents
        .iter()
        .map(|a| a.cases.iter().filter(|e| e.failed()).count())
        .sum();
    let skipped: usize = report
        .agents
        .iter()
        .map(|a| {
            a.cases
                .iter()
                .filter(|e| !e.failed() && e.behavior == Behavior::Unimplemented)
                .count()
        })
        .sum();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"wsspec\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    );
    for a in &report.agents {
        let f = a.cases.iter().filter(|e| e.failed()).count();
        let s = a
            .cases
            .iter()
            .filter(|e| !e.failed() && e.behavior == Behavior::Unimplemented)
            .count();
        let time: u64 = a.cases.iter().map(|e| e.duration).sum();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"0\" skipped=\"{s}\" time=\"{:.3}\">\n",
            escape(&a.name),
            a.cases.len(),
            time as f64 / 1000.0
        ));
        for e in &a.cases {
            let (_, section) = section_of(&e.id);
            out.push_str(&format!(
                "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\"",
                escape(&a.name),
                escape(&section),
                escape(&e.id),
                e.duration as f64 / 1000.0
            ));
            let verdicts = format!("behavior {}, behaviorClose {}", e.behavior, e.behavior_close);
            let why = e.reason().unwrap_or_default();
            if e.failed() {
                out.push_str(&format!(
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                    escape(&format!("{verdicts}: {why}")),
                    e.headline(),
                    escape(&why)
                ));
            } else if e.behavior == Behavior::Unimplemented {
                out.push_str(&format!(
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    escape(&format!("UNIMPLEMENTED: {why}"))
                ));
            } else if e.behavior != Behavior::Ok || e.behavior_close != Behavior::Ok {
                out.push_str(&format!(
                    ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                    escape(&format!("{verdicts}. {why}"))
                ));
            } else {
                out.push_str("/>\n");
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
