//! Running a selection of cases against one peer: many at once, except the
//! timed ones (9.x), which run one after another with nothing beside them.

use std::sync::Arc;

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use super::outcome::CaseOutcome;
use super::session::SessionOptions;
use super::transport::{Target, run_client_case};
use crate::catalogue::Case;

pub fn progress_bar(len: usize, agent: &str) -> ProgressBar {
    let pb = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_prefix(agent.to_string());
    pb
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
    let (timed, parallel): (Vec<_>, Vec<_>) = cases.into_iter().partition(|(_, c)| c.timed);
    let spawn = |(index, case): (usize, Arc<Case>)| {
        let target = target.clone();
        let agent = agent.to_string();
        let opts = opts.clone();
        let progress = progress.clone();
        async move {
            progress.set_message(case.id.clone());
            let handle =
                tokio::spawn(
                    async move { run_client_case(&case, index, &target, &agent, &opts).await },
                );
            let outcome = handle.await.expect("a case task panicked");
            progress.inc(1);
            outcome
        }
    };
    let mut out: Vec<CaseOutcome> = futures_util::stream::iter(parallel.into_iter().map(spawn))
        .buffer_unordered(jobs.max(1))
        .collect()
        .await;
    for c in timed {
        out.push(spawn(c).await);
    }
    out.sort_by_key(|o| o.index);
    out
}
