//! The terminal table: per section, the counts of each verdict (a column
//! per agent when there are several), then the cases that are not OK (or,
//! with several agents, the cases where they disagree). Verdicts are in
//! colour on a terminal unless NO_COLOR is set.

use std::io::IsTerminal;

use tabled::builder::Builder;
use tabled::settings::Style;

use super::model::{Counts, Report, section_counts, section_rows};
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

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    } else {
        s.to_string()
    }
}

pub fn render(report: &Report, colour: bool) -> String {
    let mut out = render_counts(report, colour);
    let neg = super::model::negotiations(report);
    if !neg.is_empty() {
        let mut b = Builder::default();
        b.push_record(["Agent", "permessage-deflate offered", "agreed", "Cases"]);
        for n in neg {
            b.push_record([n.agent, cut(&n.offered, 60), cut(&n.agreed, 70), n.cases.to_string()]);
        }
        out.push_str("permessage-deflate negotiation:\n");
        out.push_str(&b.build().with(Style::rounded()).to_string());
        out.push('\n');
    }
    let findings = super::model::findings(report);
    if !findings.is_empty() {
        out.push_str("Findings: RFC requirements broken that Autobahn does not judge (verdicts unchanged):\n");
        for f in findings {
            let cases = match f.cases.as_slice() {
                [one] => one.clone(),
                [first, .., last] => format!("{} cases, {first} … {last}", f.cases.len()),
                [] => String::new(),
            };
            out.push_str(&format!("  {} ({cases}): {}\n", f.agent, f.finding));
        }
    }
    out
}

fn render_counts(report: &Report, colour: bool) -> String {
    let mut out = String::new();
    if report.agents.len() == 1 {
        let a = &report.agents[0];
        let mut b = Builder::default();
        b.push_record([
            "Section",
            "Cases",
            "OK",
            "NON-STRICT",
            "INFORMATIONAL",
            "UNIMPLEMENTED",
            "FAILED",
        ]);
        let mut total = Counts::default();
        for (label, c) in section_counts(a).into_values() {
            for (t, x) in [
                (&mut total.ok, c.ok),
                (&mut total.non_strict, c.non_strict),
                (&mut total.informational, c.informational),
                (&mut total.unimplemented, c.unimplemented),
                (&mut total.failed, c.failed),
            ] {
                *t += x;
            }
            b.push_record(row(&label, &c));
        }
        b.push_record(row("Total", &total));
        out.push_str(&format!("{}\n", a.name));
        out.push_str(&b.build().with(Style::rounded()).to_string());
        out.push('\n');
        let mut odd = Builder::default();
        odd.push_record(["Case", "behavior", "behaviorClose", "Close code", "Why"]);
        let mut n = 0;
        for e in a
            .cases
            .iter()
            .filter(|e| e.behavior != Behavior::Ok || e.behavior_close != Behavior::Ok)
        {
            n += 1;
            odd.push_record([
                e.id.clone(),
                paint(e.behavior, colour),
                paint(e.behavior_close, colour),
                e.remote_close_code.map_or("-".into(), |c| c.to_string()),
                cut(&e.reason().unwrap_or_default(), 90),
            ]);
        }
        if n > 0 {
            out.push_str("Cases that are not OK:\n");
            out.push_str(&odd.build().with(Style::rounded()).to_string());
            out.push('\n');
        }
        return out;
    }
    let mut b = Builder::default();
    let mut head = vec!["Section".to_string()];
    head.extend(report.agents.iter().map(|a| a.name.clone()));
    b.push_record(head);
    for (label, counts) in section_rows(report) {
        let mut r = vec![label];
        r.extend(counts.iter().map(|c| c.map_or("-".into(), |c| c.phrase(false))));
        b.push_record(r);
    }
    out.push_str(&b.build().with(Style::rounded()).to_string());
    out.push('\n');
    let dis = report.disagreements();
    if !dis.is_empty() {
        let mut d = Builder::default();
        let mut head = vec!["Case (agents disagree)".to_string()];
        head.extend(report.agents.iter().map(|a| a.name.clone()));
        d.push_record(head);
        for id in &dis {
            let mut r = vec![id.clone()];
            r.extend(report.agents.iter().map(|a| {
                a.get(id).map_or("-".into(), |e| {
                    format!("{} / {}", paint(e.behavior, colour), paint(e.behavior_close, colour))
                })
            }));
            d.push_record(r);
        }
        out.push_str(&d.build().with(Style::rounded()).to_string());
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
