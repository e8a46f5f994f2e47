//! Gating against a baseline: compare each case's behavior and
//! behaviorClose with an earlier index (durations ignored). A verdict that
//! got worse is a regression, one that got better an improvement. Nothing
//! passes silently: an agent or a case on one side only is an error unless
//! the user named it away.

use super::model::{Agent, Change, Gate, Report};
use crate::catalogue::Behavior;

/// How bad a verdict is: OK and INFORMATIONAL are fine, FAILED the worst.
fn rank(b: Behavior) -> u8 {
    match b {
        Behavior::Ok | Behavior::Informational => 0,
        Behavior::NonStrict => 1,
        Behavior::WrongCode | Behavior::FailedByClient => 2,
        Behavior::Unimplemented => 3,
        Behavior::Unclean | Behavior::Failed => 4,
    }
}

/// Whether `after` is worse than `before` in either verdict.
pub fn worse(before: (Behavior, Behavior), after: (Behavior, Behavior)) -> bool {
    rank(after.0) > rank(before.0) || rank(after.1) > rank(before.1)
}

/// How current agents are paired with the baseline's.
#[derive(Clone, Debug, Default)]
pub struct Pairing {
    /// `new=old`: the current agent `new` is the baseline's `old`.
    pub agent_map: Vec<(String, String)>,
    /// Cases and agents on one side only are listed, not an error.
    pub allow_missing: bool,
}

#[derive(Default)]
pub struct Comparison {
    pub gate: Gate,
    /// (current agent, baseline agent) pairs compared.
    pub pairs: Vec<(String, String)>,
    /// What is on one side only, one phrase each.
    pub missing: Vec<String>,
    /// Baseline cases this run did not have.
    pub not_run: usize,
}

/// The baseline agent for `agent`: mapped, the same name, or the only one
/// on both sides.
fn counterpart<'a>(current: &Report, baseline: &'a Report, agent: &Agent, p: &Pairing) -> Option<&'a Agent> {
    let name = p
        .agent_map
        .iter()
        .find(|(new, _)| *new == agent.name)
        .map_or(agent.name.as_str(), |(_, old)| old.as_str());
    baseline.agents.iter().find(|b| b.name == name).or(
        if baseline.agents.len() == 1 && current.agents.len() == 1 && p.agent_map.is_empty() {
            baseline.agents.first()
        } else {
            None
        },
    )
}

/// Compares `current` with `baseline`; `Err` is the one line to print
/// when something is on one side only and `allow_missing` is off.
pub fn compare(current: &Report, baseline: &Report, p: &Pairing) -> Comparison {
    let mut c = Comparison::default();
    for a in &current.agents {
        let Some(b) = counterpart(current, baseline, a, p) else {
            let names: Vec<&str> = baseline.agents.iter().map(|b| b.name.as_str()).collect();
            c.missing.push(format!(
                "agent {:?} is not in the baseline (it has {})",
                a.name,
                names.join(", ")
            ));
            continue;
        };
        c.pairs.push((a.name.clone(), b.name.clone()));
        let mut not_run = Vec::new();
        for old in &b.cases {
            let Some(new) = a.get(&old.id) else {
                not_run.push(old.id.clone());
                continue;
            };
            let before = (old.behavior, old.behavior_close);
            let after = (new.behavior, new.behavior_close);
            if before == after || old.accepted.contains(&after) {
                continue;
            }
            let change = Change {
                agent: a.name.clone(),
                id: old.id.clone(),
                before,
                after,
            };
            if worse(before, after) {
                c.gate.regressions.push(change)
            } else {
                c.gate.improvements.push(change)
            }
        }
        if !not_run.is_empty() {
            c.missing.push(format!(
                "{} baseline cases of {:?} were not run ({})",
                not_run.len(),
                b.name,
                super::model::label_of(&not_run, &not_run)
            ));
            c.not_run += not_run.len();
        }
        let new: Vec<String> = a
            .cases
            .iter()
            .filter(|e| b.get(&e.id).is_none())
            .map(|e| e.id.clone())
            .collect();
        if !new.is_empty() {
            c.missing.push(format!(
                "{} cases of {:?} are not in the baseline ({})",
                new.len(),
                a.name,
                super::model::label_of(&new, &new)
            ));
        }
    }
    for b in &baseline.agents {
        if !c.pairs.iter().any(|(_, old)| *old == b.name) {
            c.missing.push(format!("baseline agent {:?} was not run", b.name));
        }
    }
    c
}

impl Comparison {
    /// The one line of bad input when something is on one side only.
    pub fn refusal(&self, baseline: &str, p: &Pairing) -> Option<String> {
        if self.missing.is_empty() || p.allow_missing {
            return None;
        }
        Some(format!(
            "baseline {baseline}: {}; name agents with --agent-map NEW=OLD or pass --allow-missing",
            self.missing.join("; ")
        ))
    }
}

/// The gate's outcome as text: the counts line, then each change.
pub fn describe(g: &Gate, missing: &[String]) -> String {
    let mut out = format!(
        "baseline {}: {} regression{}, {} improvement{}",
        g.baseline,
        g.regressions.len(),
        plural(g.regressions.len()),
        g.improvements.len(),
        plural(g.improvements.len()),
    );
    if !g.flaky.is_empty() {
        out.push_str(&format!(", {} flaky", g.flaky.len()));
    }
    out.push('\n');
    for m in missing {
        out.push_str(&format!("  allowed: {m}\n"));
    }
    for (title, lines) in [
        (
            "regressions",
            g.regressions.iter().map(Change::line).collect::<Vec<_>>(),
        ),
        (
            "flaky (not counted as regressions)",
            g.flaky.iter().map(|f| f.line()).collect(),
        ),
        ("improvements", g.improvements.iter().map(Change::line).collect()),
    ] {
        if !lines.is_empty() {
            out.push_str(&format!("{title}:\n"));
            lines.iter().for_each(|l| out.push_str(&format!("  {l}\n")));
        }
    }
    out
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn count_of(n: usize, what: &str) -> String {
    format!("{n} {what}{}", plural(n))
}

/// What recording `current` over the baseline `old` would lose: cases and
/// agents of `old` that `current` lacks, and regressions it would accept;
/// `None` when nothing. The library and the CLI both refuse it unless told.
pub fn losses(current: &Report, old: &Report) -> Option<String> {
    let everything = Pairing {
        allow_missing: true,
        ..Pairing::default()
    };
    let cmp = compare(current, old, &everything);
    let dropped_agents = old.agents.len() - cmp.pairs.len().min(old.agents.len());
    let regressions = cmp.gate.regressions.len();
    if cmp.not_run == 0 && dropped_agents == 0 && regressions == 0 {
        return None;
    }
    let lines: Vec<String> = cmp.gate.regressions.iter().take(3).map(Change::line).collect();
    Some(format!(
        "it would drop {} and {} and accept {}{}",
        count_of(cmp.not_run, "case"),
        count_of(dropped_agents, "agent"),
        count_of(regressions, "regression"),
        if lines.is_empty() {
            String::new()
        } else {
            format!(" ({}…)", lines.join("; "))
        }
    ))
}

/// A baseline file for `current`: Autobahn's index.json layout with only
/// each case's verdict pair (no durations: an unchanged run gives an
/// unchanged file), one case per line so a change reads well in a diff.
/// Pairs `old` accepted for a case (`"accepted"`, for a peer known to
/// race) are kept.
pub fn render(current: &Report, old: Option<&Report>) -> String {
    let mut out = String::from("{\n");
    for (i, a) in current.agents.iter().enumerate() {
        out.push_str(&format!("  {}: {{\n", serde_json::Value::from(a.name.as_str())));
        let before = old.and_then(|o| o.agents.iter().find(|b| b.name == a.name).or(o.agents.first()));
        for (j, e) in a.cases.iter().enumerate() {
            let mut v =
                serde_json::json!({"behavior": e.behavior.as_str(), "behaviorClose": e.behavior_close.as_str()});
            let kept = before
                .and_then(|b| b.get(&e.id))
                .map(|b| b.accepted.clone())
                .unwrap_or_default();
            if !kept.is_empty() {
                v["accepted"] = kept
                    .iter()
                    .map(|(b, c)| serde_json::json!([b.as_str(), c.as_str()]))
                    .collect();
            }
            let comma = if j + 1 < a.cases.len() { "," } else { "" };
            out.push_str(&format!("    {}: {v}{comma}\n", serde_json::Value::from(e.id.as_str())));
        }
        out.push_str(if i + 1 < current.agents.len() {
            "  },\n"
        } else {
            "  }\n"
        });
    }
    out.push_str("}\n");
    out
}
