//! Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`: a summary
//! table, then the cases to look at in collapsed `<details>` blocks.

use super::model::{Agent, Entry, Gate, Report, section_rows};
use crate::catalogue::Behavior;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn render(report: &Report) -> String {
    let mut out = String::from("## WebSocket conformance\n\n");
    if let Some(g) = &report.gate {
        out.push_str(&gate_summary(g));
    }
    let names: Vec<&str> = report.agents.iter().map(|a| a.name.as_str()).collect();
    out.push_str(&section_table(report, &names));
    out.push_str(&disagreements(report, &names));
    out.push_str(&negotiations(report));
    for a in &report.agents {
        out.push_str(&cases_to_look_at(a));
    }
    out
}

/// A table's head: `first`, then a column per agent.
fn agent_columns(first: &str, names: &[&str]) -> String {
    format!(
        "| {first} | {} |\n|---|{}\n",
        names.join(" | "),
        "---|".repeat(names.len())
    )
}

/// The baseline gate as a quote: its counts, then each regression and each
/// flaky case.
fn gate_summary(g: &Gate) -> String {
    let mut out = format!(
        "> **Baseline `{}`: {} regression{}**, {} improvement{}, {} flaky\n",
        g.baseline,
        g.regressions.len(),
        super::baseline::plural(g.regressions.len()),
        g.improvements.len(),
        super::baseline::plural(g.improvements.len()),
        g.flaky.len()
    );
    for c in &g.regressions {
        out.push_str(&format!("> - regression: {}\n", c.line()));
    }
    for f in &g.flaky {
        out.push_str(&format!("> - {}\n", f.line()));
    }
    out.push('\n');
    out
}

/// The summary: a row per section, the counts of each agent in a column.
fn section_table(report: &Report, names: &[&str]) -> String {
    let mut out = agent_columns("Section", names);
    for (label, counts) in section_rows(report) {
        let cells: Vec<String> = counts
            .iter()
            .map(|c| c.map_or("–".into(), |c| c.phrase(true).replace("FAILED", "**FAILED**")))
            .collect();
        out.push_str(&format!("| {} | {} |\n", cell(&label), cells.join(" | ")));
    }
    out
}

/// The cases whose verdict pairs differ between agents, collapsed.
fn disagreements(report: &Report, names: &[&str]) -> String {
    let dis = report.disagreements();
    if dis.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\n<details><summary>{} cases where the agents disagree</summary>\n\n{}",
        dis.len(),
        agent_columns("Case", names)
    );
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
    out
}

/// What each agent offered and agreed for permessage-deflate, collapsed.
fn negotiations(report: &Report) -> String {
    let neg = super::model::negotiations(report);
    if neg.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n<details><summary>permessage-deflate negotiation</summary>\n\n| Agent | Offered | Agreed | Cases |\n|---|---|---|---|\n",
    );
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
    out
}

/// An agent's cases to look at: the FAILED ones, then the NON-STRICT and
/// INFORMATIONAL ones that did not fail.
fn cases_to_look_at(a: &Agent) -> String {
    let failed: Vec<&Entry> = a.cases.iter().filter(|e| e.failed()).collect();
    let noted: Vec<&Entry> = a
        .cases
        .iter()
        .filter(|e| !e.failed() && matches!(e.behavior, Behavior::NonStrict | Behavior::Informational))
        .collect();
    let mut out = case_details(a, "FAILED", &failed);
    out.push_str(&case_details(a, "NON-STRICT or INFORMATIONAL", &noted));
    out
}

/// A collapsed table of `cases` with their verdicts, close code and reason;
/// nothing when there are none.
fn case_details(a: &Agent, title: &str, cases: &[&Entry]) -> String {
    if cases.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\n<details><summary>{}: {} {title}</summary>\n\n| Case | behavior | behaviorClose | Close code | Why |\n|---|---|---|---|---|\n",
        a.name,
        cases.len()
    );
    for e in cases {
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
    out
}
