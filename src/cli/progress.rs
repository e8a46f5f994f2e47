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

impl Progress for ProgressBar {
    fn started(&self, id: &str) {
        self.set_message(id.to_string());
    }

    fn ended(&self) {
        self.inc(1);
    }

    fn one_more(&self) {
        self.inc_length(1);
    }
}
