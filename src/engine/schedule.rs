//! Running a selection of cases against one peer. Most cases run many at
//! once. Cases whose verdict depends on time or load (9.x, and the races
//! between an echo and a failure) run one at a time with no other case
//! busy: they start once every other case has finished or is only waiting
//! out a pause (the 6.4.x cases watch the peer for a second or two).
//! Compression cases run with the others, one at a time, as Autobahn runs
//! them: some peers share inflate buffers between connections (libwebsockets
//! 4.1 corrupts and even aborts under two compressed connections at once).
//!
//! Autobahn runs every case alone, so its verdicts are what a peer does with
//! one connection. A case run together with others that does not come out
//! OK is run again alone, and the lone run is the verdict; when the two
//! differ, the outcome says so as a finding.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::Notify;

use super::outcome::{CaseOutcome, Sink, Summary};
use super::session::SessionOptions;
use super::transport::{Activity, Target, run_client_case};
use crate::catalogue::{Behavior, Case};

pub fn progress_bar(len: usize, agent: &str) -> ProgressBar {
    let pb = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_prefix(agent.to_string());
    pb
}

/// Compression cases running at once.
const COMPRESSION_AT_ONCE: usize = 1;

/// Whether a verdict is one Autobahn's lone run could have given otherwise.
fn worth_confirming(s: &Summary) -> bool {
    let settled = |b: Behavior| matches!(b, Behavior::Ok | Behavior::Informational | Behavior::Unimplemented);
    !(settled(s.verdict.behavior) && settled(s.verdict.behavior_close))
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

/// Counts cases run together that are not finished and not idle.
struct Busy {
    count: AtomicUsize,
    quiet: Notify,
}

impl Busy {
    fn down(&self) {
        if self.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.quiet.notify_waiters();
        }
    }

    async fn until_quiet(&self) {
        loop {
            let notified = self.quiet.notified();
            if self.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Activity for Busy {
    fn set_idle(&self, idle: bool) {
        if idle {
            self.down();
        } else {
            self.count.fetch_add(1, Ordering::SeqCst);
        }
    }
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

/// Runs `cases` against the server at `target`, handing each outcome to
/// `sink` as it is decided.
pub async fn run_against_server(
    cases: Vec<Case>,
    target: &Target,
    agent: &str,
    opts: &SessionOptions,
    jobs: usize,
    progress: &ProgressBar,
    sink: &dyn Sink,
) -> Run {
    let cases: Vec<(usize, Arc<Case>)> = cases
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i + 1, Arc::new(c)))
        .collect();
    let by_index: Vec<Arc<Case>> = cases.iter().map(|(_, c)| c.clone()).collect();
    let (alone, together): (Vec<_>, Vec<_>) = cases.into_iter().partition(|(_, c)| c.alone);
    let busy = Arc::new(Busy {
        count: AtomicUsize::new(together.len()),
        quiet: Notify::new(),
    });
    let breaker = Arc::new(std::sync::Mutex::new(Breaker::default()));
    let dead = |b: &std::sync::Mutex<Breaker>| b.lock().unwrap_or_else(|e| e.into_inner()).dead;
    // Compression cases (12.x, 13.x) take one at a time: see the module note.
    let compressing = Arc::new(tokio::sync::Semaphore::new(COMPRESSION_AT_ONCE));
    let spawn = |(index, case): (usize, Arc<Case>), track: Option<Arc<Busy>>| {
        let compressing = compressing.clone();
        let target = target.clone();
        let agent = agent.to_string();
        let agent_name = agent.clone();
        let opts = opts.clone();
        let progress = progress.clone();
        let breaker = breaker.clone();
        async move {
            progress.set_message(case.id.clone());
            let for_report = case.clone();
            let handle = tokio::spawn(async move {
                let _permit = match case.check {
                    crate::catalogue::Check::Compressed { .. } => compressing.acquire_owned().await.ok(),
                    _ => None,
                };
                let skip = {
                    let mut b = breaker.lock().unwrap_or_else(|e| e.into_inner());
                    if b.dead {
                        b.not_run += 1;
                    }
                    b.dead.then(|| b.last_reason.clone())
                };
                let o = match skip {
                    Some(why) => CaseOutcome::unopened(
                        &case,
                        index,
                        &agent,
                        super::transport::utc_now(),
                        0,
                        &format!("not run: {DEAD_AFTER} cases in a row before it could not open a connection ({why})"),
                    ),
                    None => {
                        let activity = track.as_deref().map(|b| b as &dyn Activity);
                        if case.opening.is_some() {
                            super::opening::run_against_server(&case, index, &target, &agent, &opts, activity).await
                        } else {
                            run_client_case(&case, index, &target, &agent, &opts, activity).await
                        }
                    }
                };
                if let Some(b) = &track {
                    b.down();
                }
                o
            });
            let outcome = match handle.await {
                Ok(o) => o,
                // A bug of ours must not take the run down: the case fails
                // and says why.
                Err(e) => CaseOutcome::unopened(
                    &for_report,
                    index,
                    &agent_name,
                    super::transport::utc_now(),
                    0,
                    &format!("wsspec hit an internal error running this case ({e})"),
                ),
            };
            progress.inc(1);
            outcome
        }
    };
    // Each finished case: counted by the breaker (which may ask the server
    // once more whether it is there), summarised, handed to the sink.
    let settle = |o: CaseOutcome| {
        let breaker = breaker.clone();
        async move {
            let ask = breaker.lock().unwrap_or_else(|e| e.into_inner()).count(&o);
            if ask {
                let alive = super::transport::client_connect(target, opts.open_timeout, &[])
                    .await
                    .is_ok();
                let mut b = breaker.lock().unwrap_or_else(|e| e.into_inner());
                if alive {
                    b.in_a_row = 0;
                } else {
                    b.dead = true;
                }
            }
            let summary = o.summary();
            sink.outcome(o);
            summary
        }
    };
    let together_run = futures_util::stream::iter(together.into_iter().map(|c| spawn(c, Some(busy.clone()))))
        .buffer_unordered(jobs.max(1))
        .then(settle)
        .collect::<Vec<Summary>>();
    let alone_run = async {
        busy.until_quiet().await;
        let mut out = Vec::new();
        for c in alone {
            let o = spawn(c, None).await;
            out.push(settle(o).await);
        }
        out
    };
    let (together_out, alone_out) = tokio::join!(together_run, alone_run);
    let mut out = Vec::with_capacity(together_out.len() + alone_out.len());
    let mut doubtful = Vec::new();
    for s in together_out {
        if worth_confirming(&s) && !dead(&breaker) {
            doubtful.push(s);
        } else {
            out.push(s);
        }
    }
    progress.inc_length(doubtful.len() as u64);
    for first in doubtful {
        let case = by_index[first.index - 1].clone();
        let again = spawn((first.index, case), None).await;
        match confirmed(&first, again) {
            Confirmed::Alone(o, summary) => {
                sink.outcome(*o);
                out.push(summary);
            }
            Confirmed::First(note) => {
                sink.finding(agent, &first.id, &note);
                out.push(first);
            }
        }
    }
    out.extend(alone_out);
    out.sort_by_key(|o| o.index);
    let b = breaker.lock().unwrap_or_else(|e| e.into_inner());
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
