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

use super::outcome::CaseOutcome;
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
fn worth_confirming(o: &CaseOutcome) -> bool {
    let settled = |b: Behavior| matches!(b, Behavior::Ok | Behavior::Informational | Behavior::Unimplemented);
    !(settled(o.verdict.behavior) && settled(o.verdict.behavior_close))
}

/// The lone run's outcome, noting what the run among others gave if it
/// differed.
fn confirmed(mut together: CaseOutcome, mut alone: CaseOutcome) -> CaseOutcome {
    if together.opened() && !alone.opened() {
        // The peer went away (or refused us) in between: the lone run says
        // nothing of the case.
        together.findings.push(format!(
            "Run again alone, as Autobahn runs every case, no connection opened ({}); the verdict is the first run's.",
            alone.verdict.result.trim_end_matches('.')
        ));
        return together;
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
    alone
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

/// Runs `cases` against the server at `target`; outcomes come back in
/// catalogue order, numbered from 1.
pub async fn run_against_server(
    cases: Vec<Case>,
    target: &Target,
    agent: &str,
    opts: &SessionOptions,
    jobs: usize,
    progress: &ProgressBar,
) -> Vec<CaseOutcome> {
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
    // Compression cases (12.x, 13.x) take one at a time: see the module note.
    let compressing = Arc::new(tokio::sync::Semaphore::new(COMPRESSION_AT_ONCE));
    let spawn = |(index, case): (usize, Arc<Case>), track: Option<Arc<Busy>>| {
        let compressing = compressing.clone();
        let target = target.clone();
        let agent = agent.to_string();
        let agent_name = agent.clone();
        let opts = opts.clone();
        let progress = progress.clone();
        async move {
            progress.set_message(case.id.clone());
            let for_report = case.clone();
            let handle = tokio::spawn(async move {
                let _permit = match case.check {
                    crate::catalogue::Check::Compressed { .. } => compressing.acquire_owned().await.ok(),
                    _ => None,
                };
                let activity = track.as_deref().map(|b| b as &dyn Activity);
                let o = run_client_case(&case, index, &target, &agent, &opts, activity).await;
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
    let together_run = futures_util::stream::iter(together.into_iter().map(|c| spawn(c, Some(busy.clone()))))
        .buffer_unordered(jobs.max(1))
        .collect::<Vec<CaseOutcome>>();
    let alone_run = async {
        busy.until_quiet().await;
        let mut out = Vec::new();
        for c in alone {
            out.push(spawn(c, None).await);
        }
        out
    };
    let (together_out, alone_out) = tokio::join!(together_run, alone_run);
    let (doubtful, mut out): (Vec<_>, Vec<_>) = together_out.into_iter().partition(worth_confirming);
    progress.inc_length(doubtful.len() as u64);
    for first in doubtful {
        let case = by_index[first.index - 1].clone();
        let again = spawn((first.index, case), None).await;
        out.push(confirmed(first, again));
    }
    out.extend(alone_out);
    out.sort_by_key(|o| o.index);
    out
}
