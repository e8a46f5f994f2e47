//! Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`: a summary
//! table, then the cases to look at in collapsed `<details>` blocks.

use super::model::{Report, section_rows};
use crate::catalogue::Behavior;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn render(report: &Report) -> String {
    let mut out = String::from("## WebSocket conformance\n\n");
    if let Some(g) = &report.gate {
        out.push_str(&format!(
            "> **Baseline `{}`: {} regression{}**, {} improvement{}, {} flaky\n",
            g.baseline,
            g.regressions.len(),
            super::baseline::plural(g.regressions.len()),
            g.improvements.len(),
            super::baseline::plural(g.improvements.len()),
            g.flaky.len()
        ));
        for c in &g.regressions {
            out.push_str(&format!("> - regression: {}\n", c.line()));
        }
        for f in &g.flaky {
            out.push_str(&format!("> - {}\n", f.line()));
        }
        out.push('\n');
    }
    let names: Vec<&str> = report.agents.iter().map(|a| a.name.as_str()).collect();
    out.push_str(&format!(
        "| Section | {} |\n|---|{}\n",
        names.join(" | "),
        "---|".repeat(names.len())
    ));
    for (label, counts) in section_rows(report) {
        let cells: Vec<String> = counts
            .iter()
            .map(|c| c.map_or("–".into(), |c| c.phrase(true).replace("FAILED", "**FAILED**")))
            .collect();
        out.push_str(&format!("| {} | {} |\n", cell(&label), cells.join(" | ")));
    }
    let dis = report.disagreements();
    if !dis.is_empty() {
        out.push_str(&format!(
            "\n<details><summary>{} cases where the agents disagree</summary>\n\n| Case | {} |\n|---|{}\n",
            dis.len(),
            names.join(" | "),
            "---|".repeat(names.len())
        ));
        for id in &dis {
            let cells: Vec<String> = report
                .agents
                .iter()
                .map(|a| {
                    a.get(id)
                        .map_or("–".into(), |e| format!("{} / {}", e.behavior, e.behavior_close))
                })
                .collect();
            out.push_str(&format!("| {id} | {} |\n", cells.join(" | ")));
        }
        out.push_str("\n</details>\n");
    }
    let neg = super::model::negotiations(report);
    if !neg.is_empty() {
        out.push_str("\n<details><summary>permessage-deflate negotiation</summary>\n\n| Agent | Offered | Agreed | Cases |\n|---|---|---|---|\n");
        for n in neg {
            out.push_str(&format!(
                "| {} | `{}` | `{}` | {} |\n",
                cell(&n.agent),
                cell(&n.offered),
                cell(&n.agreed),
                n.cases
            ));
        }
        out.push_str("\n</details>\n");
    }
    for a in &report.agents {
        for (title, pick) in [
            (
                "FAILED",
                &(|b: &super::model::Entry| b.failed()) as &dyn Fn(&super::model::Entry) -> bool,
            ),
            ("NON-STRICT or INFORMATIONAL", &|b: &super::model::Entry| {
                !b.failed() && matches!(b.behavior, Behavior::NonStrict | Behavior::Informational)
            }),
        ] {
            let list: Vec<_> = a.cases.iter().filter(|e| pick(e)).collect();
            if list.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "\n<details><summary>{}: {} {title}</summary>\n\n| Case | behavior | behaviorClose | Close code | Why |\n|---|---|---|---|---|\n",
                a.name,
                list.len()
            ));
            for e in list {
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    e.id,
                    e.behavior,
                    e.behavior_close,
                    e.remote_close_code.map_or("–".into(), |c| c.to_string()),
                    cell(&e.reason().unwrap_or_default())
                ));
            }
            out.push_str("\n</details>\n");
        }
    }
    out
}
