//! Runs conversations against servers: each judged by the model, each
//! failing one shrunk against the server it failed and written as a case
//! file; with several servers, where their verdicts disagree.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::model::{self, Rule};
use super::{Conversation, case_file, generate, shrink};
use crate::catalogue::Behavior;
use crate::engine::drive::run_client_case;
use crate::engine::{CaseOutcome, SessionOptions};
use crate::target::Target;

/// How many conversations, from which seed, written where.
#[derive(Clone, Debug)]
pub struct Plan {
    pub seed: u64,
    /// Stop after this many conversations...
    pub count: Option<u64>,
    /// ...or after this long, whichever comes first.
    pub time: Option<Duration>,
    /// Conversations run at once.
    pub jobs: usize,
    pub out: PathBuf,
}

/// A server under test: where, and its name.
pub struct Peer {
    pub target: Target,
    pub agent: String,
}

/// A conversation a server failed, shrunk and written out.
#[derive(Clone, Debug)]
pub struct Finding {
    pub agent: String,
    pub id: String,
    pub file: PathBuf,
    pub rule: Rule,
    /// Frames before and after shrinking.
    pub frames: (usize, usize),
    /// What the peer did, in the report's words.
    pub result: String,
    /// Other conversations that shrank to the same frames.
    pub also: Vec<u64>,
}

/// A conversation's frames by kind: opcode, FIN, RSV.
type Shape = Vec<(u8, bool, u8)>;

/// A failed conversation, shrunk, before it is written.
struct Shrunk {
    agent: String,
    before: usize,
    best: Conversation,
    outcome: CaseOutcome,
}

/// A conversation the servers gave different verdicts on.
#[derive(Clone, Debug)]
pub struct Disagreement {
    pub id: String,
    pub rule: Rule,
    pub verdicts: Vec<(String, Behavior, Behavior)>,
}

/// What a fuzz run found.
#[derive(Debug, Default)]
pub struct Fuzzed {
    pub conversations: u64,
    pub findings: Vec<Finding>,
    pub disagreements: Vec<Disagreement>,
    pub took: Duration,
}

/// The most candidates one finding's shrinking tries.
const SHRINK_TRIES: usize = 400;

/// Runs the plan against `peers`; `tick` is told each conversation done.
pub async fn fuzz(
    peers: &[Peer],
    plan: &Plan,
    opts: &SessionOptions,
    tick: &(dyn Fn(u64) + Sync),
) -> Result<Fuzzed, String> {
    std::fs::create_dir_all(&plan.out).map_err(|e| format!("{}: {e}", plan.out.display()))?;
    let start = Instant::now();
    let more = |i: &u64| plan.count.is_none_or(|n| *i < n) && plan.time.is_none_or(|t| start.elapsed() < t);
    let conversations = futures_util::stream::iter((0u64..).take_while(more))
        .map(|i| one(peers, plan, opts, i))
        .buffer_unordered(plan.jobs.max(1));
    futures_util::pin_mut!(conversations);
    let mut run = Fuzzed::default();
    // One file per peer and pattern (the shrunk frames' kinds in order):
    // many conversations shrink to the same few frames, cut differently.
    let mut written: std::collections::HashMap<(String, Shape), usize> = Default::default();
    while let Some(done) = conversations.next().await {
        let (shrunk, disagreement) = done?;
        run.conversations += 1;
        for s in shrunk {
            let shape = s.best.frames.iter().map(|f| (f.opcode, f.fin, f.rsv)).collect();
            let key = (s.agent.clone(), shape);
            match written.get(&key) {
                Some(&at) => run.findings[at].also.push(s.best.index),
                None => {
                    written.insert(key, run.findings.len());
                    run.findings.push(write(s, &plan.out)?);
                }
            }
        }
        run.disagreements.extend(disagreement);
        tick(run.conversations);
    }
    run.findings.sort_by(|a, b| a.id.cmp(&b.id).then(a.agent.cmp(&b.agent)));
    run.disagreements
        .sort_by(|a, b| a.rule.cmp(&b.rule).then(a.id.cmp(&b.id)));
    run.took = start.elapsed();
    Ok(run)
}

/// Conversation `index` against every peer.
async fn one(
    peers: &[Peer],
    plan: &Plan,
    opts: &SessionOptions,
    index: u64,
) -> Result<(Vec<Shrunk>, Option<Disagreement>), String> {
    let conv = generate::conversation(plan.seed, index);
    let expectation = model::expect(&conv.frames);
    let mut verdicts = Vec::new();
    let mut findings = Vec::new();
    for p in peers {
        let o = run_one(&conv, p, opts).await?;
        verdicts.push((p.agent.clone(), o.verdict.behavior, o.verdict.behavior_close));
        // A failure is a finding when it happens again: a race lost once
        // under load is not one.
        if o.failed() && run_one(&conv, p, opts).await?.failed() {
            findings.push(shrunk(conv.clone(), expectation.rule, p, opts, o).await?);
        }
    }
    let first = verdicts.first().map(|v| (v.1, v.2));
    let disagree = verdicts.iter().any(|v| Some((v.1, v.2)) != first);
    let disagreement = disagree.then(|| Disagreement {
        id: case_file::id_of(&conv),
        rule: expectation.rule,
        verdicts,
    });
    Ok((findings, disagreement))
}

/// The conversation as its case file runs, against one peer.
async fn run_one(conv: &Conversation, p: &Peer, opts: &SessionOptions) -> Result<CaseOutcome, String> {
    let file = case_file::file(conv, &case_file::id_of(conv), &model::expect(&conv.frames), "");
    let case = case_file::case(&file).map_err(|e| format!("wsspec made a case it cannot read ({e}): a bug"))?;
    Ok(run_client_case(&case, conv.index as usize, &p.target, &p.agent, opts, None).await)
}

/// The smallest conversation found that still fails `p` by `rule`, or by
/// no rule at all (a valid conversation failed is the plainest finding).
async fn shrunk(
    conv: Conversation,
    rule: Rule,
    p: &Peer,
    opts: &SessionOptions,
    failed: CaseOutcome,
) -> Result<Shrunk, String> {
    let before = conv.frames.len();
    let (mut best, mut outcome) = (conv, failed);
    let mut tries = 0;
    'smaller: while tries < SHRINK_TRIES {
        for candidate in shrink::candidates(&best) {
            tries += 1;
            if tries > SHRINK_TRIES {
                break 'smaller;
            }
            let judged = model::expect(&candidate.frames).rule;
            if !(judged == rule || judged == Rule::Echo) || !model::judgeable(&candidate.frames) {
                continue;
            }
            let o = run_one(&candidate, p, opts).await?;
            if o.failed() {
                (best, outcome) = (candidate, o);
                continue 'smaller;
            }
        }
        break;
    }
    Ok(Shrunk {
        agent: p.agent.clone(),
        before,
        best,
        outcome,
    })
}

/// A shrunk conversation as a case file in `out`, with what the peer did.
fn write(s: Shrunk, out: &Path) -> Result<Finding, String> {
    let v = &s.outcome.verdict;
    let result = format!("{} {}", v.result, v.result_close);
    let note = format!(
        " Against {}: behavior {}, behaviorClose {}. {result}",
        s.agent, v.behavior, v.behavior_close
    );
    let expectation = model::expect(&s.best.frames);
    let id = case_file::finding_id(&s.best, &s.agent);
    let file = case_file::file(&s.best, &id, &expectation, &note);
    let path = out.join(format!("{id}.json"));
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Finding {
        agent: s.agent,
        id,
        file: path,
        rule: expectation.rule,
        frames: (s.before, s.best.frames.len()),
        result,
        also: Vec::new(),
    })
}
