//! Running a selection of cases against one peer. Most cases run many at
//! once. Cases whose verdict depends on time or load (9.x, and the races
//! between an echo and a failure) run alone: their busy stretches never
//! overlap another case's, though others may run while they only wait out
//! a pause (`engine::share`). Compression cases run with the others, one at
//! a time, as Autobahn runs them: some peers share inflate buffers between
//! connections (libwebsockets 4.1 corrupts and even aborts under two
//! compressed connections at once).
//!
//! Autobahn runs every case alone, so its verdicts are what a peer does with
//! one connection. A case that had the peer to itself has its lone verdict
//! already. One that shared the peer and did not come out OK is run again
//! alone, as soon as it ends, when load could explain its verdict
//! (`verdict::Departure::Timing`): the lone run is the verdict, and where
//! the two differ, the outcome says so as a finding. A peer that answers
//! wrongly (text echoed as binary) answers so crowded or not, and is not
//! asked twice.

use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::drive::run_client_case;
use super::outcome::{CaseOutcome, Progress, Sink, Summary};
use super::session::SessionOptions;
use super::share::{Company, Share, Slot};
use super::verdict::{Departure, settled};
use crate::catalogue::{Behavior, Case};
use crate::clock::utc_now;
use crate::target::Target;

/// Compression cases running at once.
const COMPRESSION_AT_ONCE: usize = 1;

/// Connections whose `behavior` is decided that may stay open besides the
/// `jobs` busy ones, in multiples of `jobs`: a peer failing a hundred cases
/// with a kill timer each (6.x against a peer that echoes text as binary)
/// keeps that many waiting at once.
const DECIDED_OPEN: usize = 3;

/// Lone runs of one case, at most, while each of them still finds company
/// (a peer that answers during a pause may join an exclusive turn).
const LONE_TRIES: usize = 3;

/// Whether a first run's verdict is not one Autobahn's lone run is sure to
/// give too.
fn worth_confirming(s: &Summary, company: &Company) -> bool {
    !(settled(s.verdict.behavior) && settled(s.verdict.behavior_close))
        && s.departure == Departure::Timing
        && !company.alone()
}

/// Which run of a doubtful case gives the verdict.
enum Confirmed {
    /// The lone run, as Autobahn runs every case (with a finding if the run
    /// among others differed).
    Alone(Box<CaseOutcome>, Summary),
    /// The first run, already written, with this finding added to it.
    First(String),
}

/// The lone run's outcome, noting what the run among others gave if it
/// differed.
fn confirmed(together: &Summary, mut alone: CaseOutcome) -> Confirmed {
    if together.opened && !alone.opened() {
        // The peer went away (or refused us) in between: the lone run says
        // nothing of the case.
        return Confirmed::First(format!(
            "Run again alone, as Autobahn runs every case, no connection opened ({}); the verdict is the first run's.",
            alone.verdict.result.trim_end_matches('.')
        ));
    }
    let (t, a) = (&together.verdict, &alone.verdict);
    if (t.behavior, t.behavior_close) != (a.behavior, a.behavior_close) {
        alone.findings.push(format!(
            "Run alongside other cases, this case was {} / {} ({}); run again alone, as Autobahn runs every case, it is {} / {}, the verdict given. The peer's answer depends on load or timing.",
            t.behavior.as_str(),
            t.behavior_close.as_str(),
            if t.behavior == Behavior::Ok { &t.result_close } else { &t.result },
            a.behavior.as_str(),
            a.behavior_close.as_str(),
        ));
    }
    let summary = alone.summary();
    Confirmed::Alone(Box::new(alone), summary)
}

/// How a run against one server ended, beyond its cases.
#[derive(Debug)]
pub enum Stop {
    /// Every case ran (or was judged).
    Completed,
    /// Not one case could open a connection: the target is not a server
    /// that can be tested (why the last case could not).
    NeverOpened(String),
    /// The server stopped answering during the run; the cases after that
    /// were not run, and are FAILED saying so.
    StoppedAnswering { not_run: usize, reason: String },
}

/// What a run against one server gives: a summary per case, in catalogue
/// order, numbered from 1 (the outcomes went to the sink), and how it ended.
pub struct Run {
    pub cases: Vec<Summary>,
    pub stop: Stop,
}

/// Cases in a row that opened no connection before the server is taken
/// for dead (when none ever opened) or asked once more (when some had).
const DEAD_AFTER: usize = 8;

/// Notices a server that is not there: `DEAD_AFTER` cases in a row that
/// could not open a connection.
#[derive(Default)]
struct Breaker {
    opened_any: bool,
    in_a_row: usize,
    last_reason: String,
    dead: bool,
    not_run: usize,
}

impl Breaker {
    /// Counts a finished case; true when the server should be asked again.
    fn count(&mut self, o: &CaseOutcome) -> bool {
        if o.opened() {
            self.opened_any = true;
            self.in_a_row = 0;
            return false;
        }
        if self.dead {
            // A case not run: the reason stays the last real one.
            return false;
        }
        self.in_a_row += 1;
        self.last_reason = super::verdict::why_not_opened(&o.verdict.result).to_string();
        if self.in_a_row >= DEAD_AFTER && !self.dead {
            if !self.opened_any {
                self.dead = true;
                return false;
            }
            return true;
        }
        false
    }
}

/// Counts a first run in the breaker, which may ask the server once more
/// whether it is there.
async fn count_in(breaker: &std::sync::Mutex<Breaker>, o: &CaseOutcome, target: &Target, opts: &SessionOptions) {
    let lock = || breaker.lock().unwrap_or_else(|e| e.into_inner());
    if !lock().count(o) {
        return;
    }
    let alive = super::connect::client_connect(target, opts.open_timeout, &[])
        .await
        .is_ok();
    let mut b = lock();
    if alive {
        b.in_a_row = 0;
    } else {
        b.dead = true;
    }
}

/// What every run of a case in one selection shares.
struct Runner<'a> {
    target: &'a Target,
    agent: &'a str,
    opts: &'a SessionOptions,
    progress: &'a dyn Progress,
    sink: &'a dyn Sink,
    share: Arc<Share>,
    compressing: Arc<tokio::sync::Semaphore>,
    breaker: Arc<std::sync::Mutex<Breaker>>,
}

impl Runner<'_> {
    fn breaker(&self) -> std::sync::MutexGuard<'_, Breaker> {
        self.breaker.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One run of a case in a task of its own, alone or among others, with
    /// the company it had.
    /// A first run is counted by the breaker before its slot goes to the
    /// next case, so that case sees a server given up.
    async fn run(&self, index: usize, case: Arc<Case>, first: bool, slot: Slot) -> (CaseOutcome, Company) {
        let alone = case.alone || !first;
        self.progress.started(&case.id);
        let (target, agent, opts) = (self.target.clone(), self.agent.to_string(), self.opts.clone());
        let (share, compressing, breaker) = (self.share.clone(), self.compressing.clone(), self.breaker.clone());
        let for_report = case.clone();
        let handle = tokio::spawn(async move {
            // The compression permit before the turn: a turn is never held
            // while waiting for anything else.
            let _permit = match case.check {
                crate::catalogue::Check::Compressed { .. } => compressing.acquire_owned().await.ok(),
                _ => None,
            };
            let mut turn = share.enter(alone, Some(slot)).await;
            // Asked once the turn is ours: the wait for it may be when the
            // server was given up.
            let skip = {
                let mut b = breaker.lock().unwrap_or_else(|e| e.into_inner());
                if b.dead {
                    b.not_run += 1;
                }
                b.dead.then(|| b.last_reason.clone())
            };
            if let Some(why) = skip {
                let why = format!("not run: {DEAD_AFTER} cases in a row before it could not open a connection ({why})");
                let o = CaseOutcome::unopened(&case, index, &agent, utc_now(), 0, &why);
                return (o, turn.leave());
            }
            let o = match case.driver() {
                crate::catalogue::Driver::Opening => {
                    super::opening::run_against_server(&case, index, &target, &agent, &opts, Some(&mut turn)).await
                }
                crate::catalogue::Driver::Http2 => {
                    super::rfc8441::run_against_server(&case, index, &target, &agent, &opts, Some(&mut turn)).await
                }
                crate::catalogue::Driver::Frames => {
                    run_client_case(&case, index, &target, &agent, &opts, Some(&mut turn)).await
                }
            };
            if first {
                count_in(&breaker, &o, &target, &opts).await;
            }
            (o, turn.leave())
        });
        let ran = handle.await.unwrap_or_else(|e| {
            // A bug of ours must not take the run down: the case fails and
            // says why.
            let why = format!("wsspec hit an internal error running this case ({e})");
            let o = CaseOutcome::unopened(&for_report, index, self.agent, utc_now(), 0, &why);
            (o, Company::none())
        });
        self.progress.ended();
        ran
    }

    /// A first run finished (the breaker has counted it): to the sink.
    fn settle(&self, o: CaseOutcome) -> Summary {
        let summary = o.summary();
        self.sink.outcome(o);
        summary
    }

    /// The lone run of a case whose first run shared the peer; its outcome
    /// replaces the first one's in the sink.
    async fn confirm(&self, first: Summary, case: Arc<Case>) -> Summary {
        for tries in 1.. {
            let slot = self.share.slot().await;
            let (again, company) = self.run(first.index, case.clone(), false, slot).await;
            if !company.alone() && tries < LONE_TRIES && again.opened() {
                continue;
            }
            return match confirmed(&first, again) {
                Confirmed::Alone(mut o, summary) => {
                    if !company.alone() {
                        o.findings.push(format!(
                            "Run alone {LONE_TRIES} times, the peer answered another connection during each run's pauses; the verdict is the last run's."
                        ));
                    }
                    self.sink.outcome(*o);
                    summary
                }
                Confirmed::First(note) => {
                    self.sink.finding(self.agent, &first.id, &note);
                    first
                }
            };
        }
        unreachable!("the loop returns by its last try")
    }
}

/// Runs `cases` against the server at `target`, handing each outcome to
/// `sink` as it is decided.
pub async fn run_against_server(
    cases: Vec<Case>,
    target: &Target,
    agent: &str,
    opts: &SessionOptions,
    jobs: usize,
    progress: &dyn Progress,
    sink: &dyn Sink,
) -> Run {
    let runner = Runner {
        target,
        agent,
        opts,
        progress,
        sink,
        share: Share::new(jobs),
        compressing: Arc::new(tokio::sync::Semaphore::new(COMPRESSION_AT_ONCE)),
        breaker: Arc::default(),
    };
    let cases: Vec<Arc<Case>> = cases.into_iter().map(Arc::new).collect();
    // The longest pauses start first: they overlap everything else, and
    // the run ends when they do. Lone cases come last: one waiting for its
    // turn holds back every case after it, and a case waiting out a long
    // kill timer (10.1.1: 10 s) is better started before them.
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(cases[i].required_wait()), cases[i].alone));
    // Slots are taken one after another in that order. A case whose
    // `behavior` is decided gives its slot to the next one and only waits
    // to see the peer close: up to `DECIDED_OPEN` times `jobs` of those
    // stay open besides the busy ones.
    let first = futures_util::stream::iter(order)
        .then(|i| {
            let share = runner.share.clone();
            async move { (i, share.slot().await) }
        })
        .map(|(i, slot)| {
            let (runner, case) = (&runner, cases[i].clone());
            async move { (i + 1, runner.run(i + 1, case, true, slot).await) }
        })
        .buffer_unordered((1 + DECIDED_OPEN) * jobs.max(1));
    let mut first = std::pin::pin!(first);
    let mut confirming = FuturesUnordered::new();
    let mut out = Vec::with_capacity(cases.len());
    loop {
        tokio::select! {
            Some((index, (o, company))) = first.next() => {
                let summary = runner.settle(o);
                if worth_confirming(&summary, &company) && !runner.breaker().dead {
                    progress.one_more();
                    confirming.push(runner.confirm(summary, cases[index - 1].clone()));
                } else {
                    out.push(summary);
                }
            }
            Some(summary) = confirming.next() => out.push(summary),
            else => break,
        }
    }
    out.sort_by_key(|o| o.index);
    let b = runner.breaker();
    let stop = match (b.dead, b.opened_any) {
        (false, _) => Stop::Completed,
        (true, false) => Stop::NeverOpened(b.last_reason.clone()),
        (true, true) => Stop::StoppedAnswering {
            not_run: b.not_run,
            reason: b.last_reason.clone(),
        },
    };
    Run { cases: out, stop }
}
