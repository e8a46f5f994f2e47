//! Gating against a baseline: compare each case's behavior and
//! behaviorClose with an earlier index (durations ignored). A verdict that
//! got worse is a regression, one that got better an improvement.

use super::model::{Agent, Report};
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

pub struct Change {
    pub agent: String,
    pub id: String,
    pub before: (Behavior, Behavior),
    pub after: (Behavior, Behavior),
}

#[derive(Default)]
pub struct Comparison {
    pub regressions: Vec<Change>,
    pub improvements: Vec<Change>,
    /// Cases in the baseline that this run did not have.
    pub not_run: Vec<(String, String)>,
}

/// The baseline agent for `agent`: the same name, or the only one.
fn counterpart<'a>(baseline: &'a Report, agent: &Agent) -> Option<&'a Agent> {
    baseline
        .agents
        .iter()
        .find(|b| b.name == agent.name)
        .or(if baseline.agents.len() == 1 {
            baseline.agents.first()
        } else {
            None
        })
}

pub fn compare(current: &Report, baseline: &Report) -> Comparison {
    let mut c = Comparison::default();
    for a in &current.agents {
        let Some(b) = counterpart(baseline, a) else { continue };
        for old in &b.cases {
            let Some(new) = a.get(&old.id) else {
                c.not_run.push((a.name.clone(), old.id.clone()));
                continue;
            };
            let before = (old.behavior, old.behavior_close);
            let after = (new.behavior, new.behavior_close);
            if before == after {
                continue;
            }
            let worse = rank(after.0) > rank(before.0) || rank(after.1) > rank(before.1);
            let change = Change {
                agent: a.name.clone(),
                id: old.id.clone(),
                before,
                after,
            };
            if worse {
                c.regressions.push(change)
            } else {
                c.improvements.push(change)
            }
        }
    }
    c
}

pub fn describe(c: &Comparison) -> String {
    let line = |ch: &Change| {
        format!(
            "  {} {}: {} / {} -> {} / {}\n",
            ch.agent, ch.id, ch.before.0, ch.before.1, ch.after.0, ch.after.1
        )
    };
    let mut out = String::new();
    out.push_str(&format!(
        "baseline: {} regressions, {} improvements",
        c.regressions.len(),
        c.improvements.len()
    ));
    if !c.not_run.is_empty() {
        out.push_str(&format!(", {} baseline cases not run", c.not_run.len()));
    }
    out.push('\n');
    if !c.regressions.is_empty() {
        out.push_str("regressions:\n");
        c.regressions.iter().for_each(|ch| out.push_str(&line(ch)));
    }
    if !c.improvements.is_empty() {
        out.push_str("improvements:\n");
        c.improvements.iter().for_each(|ch| out.push_str(&line(ch)));
    }
    out
}
