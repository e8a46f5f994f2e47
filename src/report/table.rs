//! The conformance table printed at the end of a run: one row per section
//! with counts per verdict, then every case that is not OK.

use std::collections::BTreeMap;

use tabled::Table;
use tabled::settings::Style;

use crate::catalogue::{Behavior, section_title};
use crate::engine::CaseOutcome;

#[derive(tabled::Tabled)]
struct SectionRow {
    #[tabled(rename = "Section")]
    section: String,
    #[tabled(rename = "Cases")]
    cases: usize,
    #[tabled(rename = "OK")]
    ok: usize,
    #[tabled(rename = "NON-STRICT")]
    non_strict: usize,
    #[tabled(rename = "INFORMATIONAL")]
    informational: usize,
    #[tabled(rename = "UNIMPLEMENTED")]
    unimplemented: usize,
    #[tabled(rename = "FAILED")]
    failed: usize,
}

#[derive(tabled::Tabled)]
struct CaseRow {
    #[tabled(rename = "Case")]
    id: String,
    #[tabled(rename = "behavior")]
    behavior: String,
    #[tabled(rename = "behaviorClose")]
    behavior_close: String,
    #[tabled(rename = "Close code")]
    code: String,
    #[tabled(rename = "Why")]
    why: String,
}

/// The headline verdict of a case, for counting: FAILED wins, then the
/// behavior verdict.
fn headline(o: &CaseOutcome) -> Behavior {
    if o.failed() {
        Behavior::Failed
    } else {
        o.verdict.behavior
    }
}

pub fn render(agent: &str, outcomes: &[CaseOutcome], elapsed_ms: u128) -> String {
    // Autobahn's sections by number, then custom cases by ID prefix.
    let mut sections: BTreeMap<(u32, String), SectionRow> = BTreeMap::new();
    for o in outcomes {
        let first = o.id.split('.').next().unwrap_or("");
        let key = match first.parse::<u32>() {
            Ok(n) => (n, String::new()),
            Err(_) => (u32::MAX, first.to_string()),
        };
        let label = match key.0 {
            u32::MAX => format!("{first} (custom)"),
            n => format!("{n} {}", section_title(n)),
        };
        let row = sections.entry(key).or_insert_with(|| SectionRow {
            section: label,
            cases: 0,
            ok: 0,
            non_strict: 0,
            informational: 0,
            unimplemented: 0,
            failed: 0,
        });
        row.cases += 1;
        match headline(o) {
            Behavior::Ok => row.ok += 1,
            Behavior::NonStrict => row.non_strict += 1,
            Behavior::Informational => row.informational += 1,
            Behavior::Unimplemented => row.unimplemented += 1,
            _ => row.failed += 1,
        }
    }
    let total = SectionRow {
        section: "Total".into(),
        cases: outcomes.len(),
        ok: sections.values().map(|r| r.ok).sum(),
        non_strict: sections.values().map(|r| r.non_strict).sum(),
        informational: sections.values().map(|r| r.informational).sum(),
        unimplemented: sections.values().map(|r| r.unimplemented).sum(),
        failed: sections.values().map(|r| r.failed).sum(),
    };
    let mut rows: Vec<SectionRow> = sections.into_values().collect();
    rows.push(total);
    let mut out = format!(
        "{agent}: {} cases in {:.2} s\n",
        outcomes.len(),
        elapsed_ms as f64 / 1000.0
    );
    out.push_str(&Table::new(rows).with(Style::rounded()).to_string());
    out.push('\n');
    let odd: Vec<CaseRow> = outcomes
        .iter()
        .filter(|o| o.verdict.behavior != Behavior::Ok || o.verdict.behavior_close != Behavior::Ok)
        .map(|o| CaseRow {
            id: o.id.clone(),
            behavior: o.verdict.behavior.to_string(),
            behavior_close: o.verdict.behavior_close.to_string(),
            code: o.closing.remote_close_code.map_or("-".into(), |c| c.to_string()),
            why: why(o),
        })
        .collect();
    if !odd.is_empty() {
        out.push_str("Cases that are not OK:\n");
        out.push_str(&Table::new(odd).with(Style::rounded()).to_string());
        out.push('\n');
    }
    out
}

fn why(o: &CaseOutcome) -> String {
    let text = if o.verdict.behavior != Behavior::Ok {
        &o.verdict.result
    } else {
        &o.verdict.result_close
    };
    let mut s: String = text.chars().take(90).collect();
    if text.chars().count() > 90 {
        s.push('…');
    }
    s
}
