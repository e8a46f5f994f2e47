//! Runs conversations against servers: each judged by the model, each
//! failing one shrunk against the server it failed and written as a case
//! file; with several servers, where their verdicts disagree.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::model::Rule;
use super::{Conversation, DeflateOffer, Frame, case_file, generate, shrink};
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
    /// Offer permessage-deflate and compress, when every server agrees.
    pub deflate: bool,
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
    /// The rule of the conversation as drawn, before shrinking.
    pub drawn: Rule,
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
    drawn: Rule,
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
    /// The conversations offered permessage-deflate (every server agreed
    /// to it when asked first).
    pub deflate: bool,
    /// Conversations a server could not run: it declined their offer.
    pub declined: u64,
    pub findings: Vec<Finding>,
    pub disagreements: Vec<Disagreement>,
    pub took: Duration,
    /// A server stopped taking connections: the run ended there.
    pub gone: Option<Gone>,
}

/// The most candidates one finding's shrinking tries.
const SHRINK_TRIES: usize = 400;

/// Failures by one peer under one rule that are shrunk; later ones are
/// counted against the first finding of that rule. Shrinking takes tens of
/// runs, each up to a case's bound: a peer that breaks one rule in every
/// tenth conversation would otherwise spend the run shrinking it again.
const SHRUNK_PER_RULE: usize = 3;

/// Shrinks begun, by peer and rule.
type Begun = std::sync::Mutex<std::collections::HashMap<(String, Rule), usize>>;

/// What one conversation gave: findings shrunk, failures not shrunk (over
/// `SHRUNK_PER_RULE`: peer, rule, index), where the peers disagree, and
/// whether a peer declined its offer.
struct Done {
    index: u64,
    shrunk: Vec<Shrunk>,
    unshrunk: Vec<(String, Rule, u64)>,
    disagreement: Option<Disagreement>,
    declined: bool,
    /// A peer stopped taking connections (agent, why).
    gone: Option<(String, String)>,
}

/// A server that stopped taking connections during the run.
#[derive(Clone, Debug)]
pub struct Gone {
    pub agent: String,
    /// Why a connection failed, in the engine's words.
    pub why: String,
    /// Conversations done before it was noticed.
    pub after: u64,
    /// The conversations in flight then, one of which may have brought it
    /// down: written as they are (unshrunk, with no server left to shrink
    /// against) for a restarted server to replay.
    pub suspects: Vec<Finding>,
}

/// The conversations of a run, one finding per peer and pattern (the
/// shrunk frames' kinds in order): many conversations shrink to the same
/// few frames, cut differently.
#[derive(Default)]
struct Tally {
    run: Fuzzed,
    written: std::collections::HashMap<(String, Shape), usize>,
    unshrunk: Vec<(String, Rule, u64)>,
}

/// Conversations started and not yet done: at most `jobs` of them.
type InFlight = std::sync::Mutex<std::collections::BTreeSet<u64>>;

/// Runs the plan against `peers`; `tick` is told each conversation done.
pub async fn fuzz(
    peers: &[Peer],
    plan: &Plan,
    opts: &SessionOptions,
    tick: &(dyn Fn(u64) + Sync),
) -> Result<Fuzzed, String> {
    std::fs::create_dir_all(&plan.out).map_err(|e| format!("{}: {e}", plan.out.display()))?;
    let mut deflate = plan.deflate;
    for p in peers {
        deflate = deflate && agrees_to_deflate(p, opts).await?;
    }
    let plan = &Plan {
        deflate,
        ..plan.clone()
    };
    let start = Instant::now();
    let more = |i: &u64| plan.count.is_none_or(|n| *i < n) && plan.time.is_none_or(|t| start.elapsed() < t);
    let begun = Begun::default();
    let in_flight = InFlight::default();
    let lock = || in_flight.lock().expect("never poisoned: no panic holds it");
    let conversations = futures_util::stream::iter((0u64..).take_while(more))
        .map(|i| {
            lock().insert(i);
            one(peers, plan, opts, &begun, i)
        })
        .buffer_unordered(plan.jobs.max(1));
    futures_util::pin_mut!(conversations);
    let mut tally = Tally::default();
    tally.run.deflate = deflate;
    while let Some(done) = conversations.next().await {
        let done = done?;
        if let Some((agent, why)) = done.gone {
            let suspects = lock()
                .iter()
                .map(|&i| suspect(generate::conversation(plan.seed, i, deflate), &agent, &plan.out))
                .collect::<Result<Vec<_>, _>>()?;
            let after = tally.run.conversations;
            tally.run.gone = Some(Gone {
                agent,
                why,
                after,
                suspects,
            });
            break;
        }
        lock().remove(&done.index);
        tally.record(done, &plan.out)?;
        tick(tally.run.conversations);
    }
    let mut run = tally.finish();
    run.took = start.elapsed();
    Ok(run)
}

impl Tally {
    /// A conversation done: its findings written (or counted against one
    /// of the same pattern), its disagreement kept.
    fn record(&mut self, done: Done, out: &Path) -> Result<(), String> {
        let run = &mut self.run;
        run.conversations += 1;
        run.declined += u64::from(done.declined);
        self.unshrunk.extend(done.unshrunk);
        for s in done.shrunk {
            let shape = s.best.frames.iter().map(|f| (f.opcode, f.fin, f.rsv)).collect();
            let key = (s.agent.clone(), shape);
            match self.written.get(&key) {
                Some(&at) => run.findings[at].also.push(s.best.index),
                None => {
                    self.written.insert(key, run.findings.len());
                    run.findings.push(write(s, out)?);
                }
            }
        }
        run.disagreements.extend(done.disagreement);
        Ok(())
    }

    /// The run in order, failures not shrunk counted against the first
    /// finding of their rule.
    fn finish(mut self) -> Fuzzed {
        let run = &mut self.run;
        for (agent, rule, index) in self.unshrunk {
            if let Some(f) = run.findings.iter_mut().find(|f| f.agent == agent && f.drawn == rule) {
                f.also.push(index);
            }
        }
        run.findings.sort_by(|a, b| a.id.cmp(&b.id).then(a.agent.cmp(&b.agent)));
        run.disagreements
            .sort_by(|a, b| a.rule.cmp(&b.rule).then(a.id.cmp(&b.id)));
        self.run
    }
}

/// Whether `p` agrees to permessage-deflate, asked with the plainest
/// offer and one compressed message.
async fn agrees_to_deflate(p: &Peer, opts: &SessionOptions) -> Result<bool, String> {
    let probe = Frame {
        rsv: 4,
        compressed: true,
        ..Frame::new(crate::wire::frame::opcode::TEXT, true, "deflate?")
    };
    let conv = Conversation {
        seed: 0,
        index: 0,
        deflate: Some(DeflateOffer {
            server_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: true,
        }),
        frames: vec![probe],
    };
    Ok(run_one(&conv, p, opts).await?.verdict.behavior != Behavior::Unimplemented)
}

/// Conversation `index` against every peer: what it found, where the
/// peers disagree, and whether a peer declined its offer.
async fn one(peers: &[Peer], plan: &Plan, opts: &SessionOptions, begun: &Begun, index: u64) -> Result<Done, String> {
    let conv = generate::conversation(plan.seed, index, plan.deflate);
    let expectation = conv.expectation();
    let mut verdicts = Vec::new();
    let mut findings = Vec::new();
    let mut unshrunk = Vec::new();
    let mut declined = false;
    let done = |shrunk, unshrunk, disagreement, declined, gone| Done {
        index,
        shrunk,
        unshrunk,
        disagreement,
        declined,
        gone,
    };
    for p in peers {
        let o = run_one(&conv, p, opts).await?;
        if let Some(why) = gone(&o, p, opts).await {
            return Ok(done(Vec::new(), Vec::new(), None, false, Some((p.agent.clone(), why))));
        }
        if !o.opened() {
            continue;
        }
        declined |= o.verdict.behavior == Behavior::Unimplemented;
        verdicts.push((p.agent.clone(), o.verdict.behavior, o.verdict.behavior_close));
        // A failure is a finding when it happens again: a race lost once
        // under load is not one. A server gone by then went down on it.
        let again = if o.failed() {
            Some(run_one(&conv, p, opts).await?)
        } else {
            None
        };
        if let Some(why) = match &again {
            Some(a) => gone(a, p, opts).await,
            None => None,
        } {
            return Ok(done(Vec::new(), Vec::new(), None, false, Some((p.agent.clone(), why))));
        }
        if again.is_some_and(|a| a.failed_opened()) {
            let key = (p.agent.clone(), expectation.rule);
            let n = {
                let mut begun = begun.lock().expect("never poisoned: no panic holds it");
                let n = begun.entry(key.clone()).or_insert(0);
                *n += 1;
                *n
            };
            if n <= SHRUNK_PER_RULE {
                findings.push(shrunk(conv.clone(), expectation.rule, p, opts, o).await?);
            } else {
                unshrunk.push((key.0, key.1, index));
            }
        }
    }
    let first = verdicts.first().map(|v| (v.1, v.2));
    let disagree = verdicts.iter().any(|v| Some((v.1, v.2)) != first);
    let disagreement = disagree.then(|| Disagreement {
        id: case_file::id_of(&conv),
        rule: expectation.rule,
        verdicts,
    });
    Ok(done(findings, unshrunk, disagreement, declined, None))
}

/// Why `p` is gone, when `o` opened no connection and a new one fails too
/// (no connection is no verdict, but a server that takes none is down).
async fn gone(o: &CaseOutcome, p: &Peer, opts: &SessionOptions) -> Option<String> {
    if o.opened() {
        return None;
    }
    let alive = crate::engine::connect::client_connect(&p.target, opts.open_timeout, &[])
        .await
        .is_ok();
    (!alive).then(|| crate::engine::verdict::why_not_opened(&o.verdict.result).to_string())
}

/// The conversation as its case file runs, against one peer.
async fn run_one(conv: &Conversation, p: &Peer, opts: &SessionOptions) -> Result<CaseOutcome, String> {
    let file = case_file::file(conv, &case_file::id_of(conv), &conv.expectation(), "");
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
            let judged = candidate.expectation().rule;
            if !(judged == rule || judged == Rule::Echo) || !candidate.judgeable() {
                continue;
            }
            let o = run_one(&candidate, p, opts).await?;
            if o.failed_opened() {
                (best, outcome) = (candidate, o);
                continue 'smaller;
            }
        }
        break;
    }
    Ok(Shrunk {
        agent: p.agent.clone(),
        drawn: rule,
        before,
        best,
        outcome,
    })
}

/// A conversation in flight when `agent` stopped taking connections, as a
/// case file in `out`.
fn suspect(conv: Conversation, agent: &str, out: &Path) -> Result<Finding, String> {
    let e = conv.expectation();
    let id = case_file::finding_id(&conv, agent);
    let result = "in flight when the server stopped taking connections".to_string();
    let note = format!(
        " {agent} stopped taking connections while this conversation was {result}: it may be the one that brought it down. Replay it against a restarted server."
    );
    let file = case_file::file(&conv, &id, &e, &note);
    let path = out.join(format!("{id}.json"));
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Finding {
        agent: agent.to_string(),
        id,
        file: path,
        rule: e.rule,
        drawn: e.rule,
        frames: (conv.frames.len(), conv.frames.len()),
        result,
        also: Vec::new(),
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
    let expectation = s.best.expectation();
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
        drawn: s.drawn,
        frames: (s.before, s.best.frames.len()),
        result,
        also: Vec::new(),
    })
}

impl CaseOutcome {
    /// Failed on a connection that opened: a server that did not answer
    /// at all gave no verdict on the conversation.
    fn failed_opened(&self) -> bool {
        self.opened() && self.failed()
    }
}
