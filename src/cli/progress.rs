//! The progress bar of a run against servers: the engine's [`Progress`]
//! filled with indicatif, which stays out of the library.

use indicatif::{ProgressBar, ProgressStyle};

use crate::Progress;

/// A bar of `len` cases, prefixed with the agent's name.
pub fn progress_bar(len: usize, agent: &str) -> ProgressBar {
    let pb = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_prefix(agent.to_string());
    pb
}

/// A counter of `what` done, for runs without a known length (`fuzz`).
pub fn spinner(what: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} {msg} ({elapsed})") {
        pb.set_style(style);
    }
    pb.set_message(what.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}

impl Progress for ProgressBar {
    fn started(&self, id: &str) {
        self.set_message(id.to_string());
    }

    fn ended(&self) {
        self.inc(1);
    }

    /// A case run again alone is not done until that run ends: the bar
    /// counts cases, not runs, so it never says `518/519` of 517 cases.
    fn one_more(&self) {
        self.set_position(self.position().saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_run_again_is_counted_once() {
        let bar = progress_bar(3, "agent");
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        for _ in 0..3 {
            bar.ended();
        }
        bar.one_more();
        assert_eq!((bar.position(), bar.length()), (2, Some(3)));
        bar.ended();
        assert_eq!((bar.position(), bar.length()), (3, Some(3)));
    }
}
