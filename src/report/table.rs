//! The terminal table: per section, the counts of each verdict (a column
//! per agent when there are several), then the cases that are not OK (or,
//! with several agents, the cases where they disagree). Verdicts are in
//! colour on a terminal unless NO_COLOR is set.

use std::io::IsTerminal;

use tabled::builder::Builder;
use tabled::settings::peaker::Priority;
use tabled::settings::{Style, Width};

use super::model::{Agent, Counts, Report, concern, id_order, label_of, runs, section_counts, section_rows};
use crate::catalogue::Behavior;

/// Whether to colour: stdout is a terminal and NO_COLOR is not set.
pub fn use_colour() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

fn paint(b: Behavior, colour: bool) -> String {
    if !colour {
        return b.to_string();
    }
    let code = match b {
        Behavior::Ok => "32",
        Behavior::NonStrict | Behavior::WrongCode | Behavior::FailedByClient => "33",
        Behavior::Informational => "34",
        Behavior::Unimplemented => "90",
        Behavior::Failed | Behavior::Unclean => "31",
    };
    format!("\x1b[{code}m{b}\x1b[0m")
}

pub fn render(report: &Report, colour: bool, width: Option<usize>) -> String {
    let mut out = render_counts(report, colour, width);
    let neg = super::model::negotiations(report);
    if !neg.is_empty() {
        let mut b = Builder::default();
        b.push_record(["Agent", "permessage-deflate offered", "agreed", "Cases"]);
        for n in neg {
            b.push_record([n.agent, n.offered, n.agreed, n.cases.to_string()]);
        }
        out.push_str("permessage-deflate negotiation:\n");
        out.push_str(&draw(b, width));
    }
    let findings = super::model::findings(report);
    if !findings.is_empty() {
        out.push_str("Findings (notes, not verdicts): RFC requirements Autobahn does not judge, and cases whose lone run differed:\n");
        for f in findings {
            let cases = match f.cases.as_slice() {
                [one] => one.clone(),
                [first, .., last] => format!("{} cases, {first} … {last}", f.cases.len()),
                [] => String::new(),
            };
            out.push_str(&format!("  {} ({cases}): {}\n", f.agent, f.finding));
        }
    }
    if let Some(g) = &report.gate {
        out.push_str(&super::baseline::describe(g, &[]));
    }
    out.push_str(&last_lines(report));
    out
}

/// The width tables must fit: the terminal's when standard output is one,
/// else `COLUMNS` when set, else none (a file or a pipe keeps whole lines).
pub fn width_limit() -> Option<usize> {
    if let Some((_, cols)) = console::Term::stdout().size_checked() {
        return Some(cols as usize);
    }
    std::env::var("COLUMNS").ok()?.parse().ok().filter(|w| *w >= 40)
}

/// Draws a table, wrapping its widest columns (at word boundaries) to fit
/// `width`: a reason or an offer cut short would hide what differs.
fn draw(b: Builder, width: Option<usize>) -> String {
    let mut t = b.build();
    t.with(Style::rounded());
    if let Some(w) = width {
        t.with(Width::wrap(w).priority(Priority::max(true)).keep_words(true));
    }
    format!("{t}\n")
}

/// The counts per section, then the cases to look at: one agent's not OK,
/// or several agents' not OK for some of them.
fn render_counts(report: &Report, colour: bool, width: Option<usize>) -> String {
    if let [a] = report.agents.as_slice() {
        let mut out = format!("{}\n", a.name);
        out.push_str(&draw(section_table(a), width));
        out.push_str(&not_ok_table(a, colour, width));
        return out;
    }
    let mut out = draw(sections_side_by_side(report), width);
    out.push_str(&not_ok_for_some_table(report, colour, width));
    out
}

/// One agent's counts of each verdict per section, then its total.
fn section_table(a: &Agent) -> Builder {
    let mut b = Builder::default();
    b.push_record([
        "Section",
        "Cases",
        "OK",
        "NON-STRICT",
        "INFORMATIONAL",
        "UNIMPLEMENTED",
        "FAILED (incl. close)",
    ]);
    for (label, c) in section_counts(a).into_values() {
        b.push_record(row(&label, &c));
    }
    b.push_record(row("Total", &agent_counts(a)));
    b
}

/// What a row of the not-OK table shows besides its cases: the verdict
/// pair, the peer's close code and the reason.
type NotOk = (Behavior, Behavior, Option<u64>, String);

/// One agent's cases that are not OK, worst first; like cases in a row
/// share one line. Nothing when every case is OK.
fn not_ok_table(a: &Agent, colour: bool, width: Option<usize>) -> String {
    let all: Vec<String> = a.cases.iter().map(|e| e.id.clone()).collect();
    let groups = runs(not_ok_cases(a));
    if groups.is_empty() {
        return String::new();
    }
    let mut odd = Builder::default();
    odd.push_record(["Cases", "behavior", "behaviorClose", "Close code", "Why"]);
    for ((bh, bc, code, why), ids) in groups {
        odd.push_record([
            label_of(&ids, &all),
            paint(bh, colour),
            paint(bc, colour),
            code.map_or("-".into(), |c| c.to_string()),
            why,
        ]);
    }
    format!(
        "Cases that are not OK (FAILED first, then close failures, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED):\n{}",
        draw(odd, width)
    )
}

/// An agent's cases that are not OK, by concern then catalogue order, each
/// with what its row shows.
fn not_ok_cases(a: &Agent) -> Vec<(NotOk, String)> {
    let mut listed: Vec<_> = a
        .cases
        .iter()
        .filter_map(|e| concern(e.behavior, e.behavior_close).map(|rank| (rank, e)))
        .collect();
    listed.sort_by_key(|(rank, e)| (*rank, id_order(&e.id)));
    listed
        .into_iter()
        .map(|(_, e)| {
            let key = (
                e.behavior,
                e.behavior_close,
                e.remote_close_code,
                e.reason().unwrap_or_default(),
            );
            (key, e.id.clone())
        })
        .collect()
}

/// Several agents: a row per section, an agent's short counts per column.
fn sections_side_by_side(report: &Report) -> Builder {
    let mut b = Builder::default();
    let mut head = vec!["Section".to_string()];
    head.extend(report.agents.iter().map(|a| a.name.clone()));
    b.push_record(head);
    for (label, counts) in section_rows(report) {
        let mut r = vec![label];
        r.extend(counts.iter().map(|c| c.map_or("-".into(), |c| c.phrase(false))));
        b.push_record(r);
    }
    b
}

/// Several agents: the cases some agent did not pass, with each agent's
/// verdict pair; like cases in a row share one line. Nothing when every
/// agent passed every case.
fn not_ok_for_some_table(report: &Report, colour: bool, width: Option<usize>) -> String {
    let all = report.ids();
    let dis = report.disagreements();
    let groups = runs(not_ok_for_some(report, &all, &dis, colour));
    if groups.is_empty() {
        return String::new();
    }
    let mut d = Builder::default();
    let mut head = vec!["Cases".to_string(), "Agents".to_string()];
    head.extend(report.agents.iter().map(|a| a.name.clone()));
    d.push_record(head);
    for ((agree, cells), ids) in groups {
        let mut r = vec![
            label_of(&ids, &all),
            if agree { "agree" } else { "disagree" }.to_string(),
        ];
        r.extend(cells);
        d.push_record(r);
    }
    format!(
        "Cases not OK for some agent ({} where the agents disagree, first):\n{}",
        dis.len(),
        draw(d, width)
    )
}

/// Every case some agent did not pass: where they disagree first, then
/// where they all got the same verdict; each with whether they agree and
/// every agent's verdict pair.
fn not_ok_for_some(
    report: &Report,
    all: &[String],
    dis: &[String],
    colour: bool,
) -> Vec<((bool, Vec<String>), String)> {
    let mut listed: Vec<(bool, String)> = all
        .iter()
        .filter(|id| {
            report
                .agents
                .iter()
                .filter_map(|a| a.get(id))
                .any(|e| concern(e.behavior, e.behavior_close).is_some())
        })
        .map(|id| (!dis.contains(id), id.clone()))
        .collect();
    listed.sort_by_key(|(agree, id)| (*agree, id_order(id)));
    listed
        .into_iter()
        .map(|(agree, id)| ((agree, verdict_pairs(report, &id, colour)), id))
        .collect()
}

/// Each agent's `behavior / behaviorClose` for case `id` (`-` where it has
/// no such case).
fn verdict_pairs(report: &Report, id: &str, colour: bool) -> Vec<String> {
    report
        .agents
        .iter()
        .map(|a| {
            a.get(id).map_or("-".into(), |e| {
                format!("{} / {}", paint(e.behavior, colour), paint(e.behavior_close, colour))
            })
        })
        .collect()
}

/// The counts of every case of an agent.
fn agent_counts(a: &Agent) -> Counts {
    let mut c = Counts::default();
    a.cases.iter().for_each(|e| c.add(e));
    c
}

/// h2spec's last line, one per agent: `517 cases: 296 OK, …, 0 FAILED`.
fn last_lines(report: &Report) -> String {
    let mut out = String::new();
    for a in &report.agents {
        let c = agent_counts(a);
        let soft_close = a
            .cases
            .iter()
            .filter(|e| !e.failed() && matches!(e.behavior_close, Behavior::WrongCode | Behavior::FailedByClient))
            .count();
        let name = if report.agents.len() > 1 {
            format!("{}: ", a.name)
        } else {
            String::new()
        };
        let mut line = format!("{name}{c}");
        if soft_close > 0 {
            line.push_str(&format!(
                " (counted by behavior; {soft_close} of them with behaviorClose WRONG CODE or FAILED BY CLIENT)"
            ));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn row(label: &str, c: &Counts) -> Vec<String> {
    vec![
        label.to_string(),
        c.total().to_string(),
        c.ok.to_string(),
        c.non_strict.to_string(),
        c.informational.to_string(),
        c.unimplemented.to_string(),
        c.failed.to_string(),
    ]
}
