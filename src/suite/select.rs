//! Which cases a run takes: Autobahn's catalogue, wsspec's handshake
//! section and custom case files, chosen by ID patterns.

use std::path::PathBuf;

use crate::catalogue::{self, Case, select};

/// Which peers a run tests, to keep the cases meant for them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Testing {
    /// Servers: wsspec is the client (Autobahn's fuzzingclient).
    Servers,
    /// Clients: wsspec serves the cases (Autobahn's fuzzingserver).
    Clients,
}

/// Every case a run may choose from, with the custom case files read once.
pub struct Available {
    /// Autobahn's 517, which `*` means.
    builtin: Vec<Case>,
    /// wsspec's own: the handshake section and the custom cases, taken only
    /// by patterns that name them.
    own: Vec<Case>,
}

impl Available {
    /// The catalogue, the handshake section, and the custom cases (shipped
    /// and from `dirs`); every problem of a case file is a line of its own.
    pub fn load(dirs: &[PathBuf]) -> Result<Available, String> {
        let mut own = catalogue::own();
        own.extend(custom_cases(dirs)?);
        Ok(Available {
            builtin: catalogue::all(),
            own,
        })
    }

    /// Every case, Autobahn's first, in catalogue order (for `cases list`).
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub fn all(self) -> impl Iterator<Item = Case> {
        self.builtin.into_iter().chain(self.own)
    }

    /// The first of `patterns` that matches no case at all: a typo that
    /// would otherwise select nothing, or leave nothing out, silently.
    pub fn unmatched(&self, patterns: &[String]) -> Option<String> {
        patterns
            .iter()
            .find(|p| !self.builtin.iter().chain(&self.own).any(|c| select::matches(p, &c.id)))
            .cloned()
    }

    /// The cases matched by `include` (default: Autobahn's catalogue) and
    /// not by `exclude`, for `testing`. A pattern that starts with `*`
    /// selects among Autobahn's cases only, so `*` keeps meaning Autobahn's
    /// catalogue; custom cases are chosen by their prefix (`frag.*`). An
    /// unknown single ID or an empty selection is an error, in one line.
    pub fn select(self, include: &[String], exclude: &[String], testing: Testing) -> Result<Vec<Case>, String> {
        let mut include = include.to_vec();
        if include.is_empty() {
            include.push("*".into());
        }
        let everything: Vec<_> = self.builtin.iter().chain(&self.own).cloned().collect();
        let unknown = select::unknown_ids(&everything, &include);
        if !unknown.is_empty() {
            return Err(format!("no case has the ID {}", unknown.join(", ")));
        }
        let named: Vec<String> = include.iter().filter(|p| !p.starts_with('*')).cloned().collect();
        let mut cases = select::select(self.builtin, &include, exclude);
        cases.extend(select::select(self.own, &named, exclude));
        cases.retain(|c| match testing {
            Testing::Servers => c.roles.server,
            Testing::Clients => c.roles.client,
        });
        if cases.is_empty() {
            let mut said = format!("no case is left to run from {}", include.join(","));
            if !exclude.is_empty() {
                said.push_str(&format!(" without {}", exclude.join(",")));
            }
            return Err(said);
        }
        Ok(cases)
    }
}

/// The shipped custom cases and those in `dirs`; every problem of a case
/// file is a line of its own.
pub fn custom_cases(dirs: &[PathBuf]) -> Result<Vec<Case>, String> {
    crate::custom::load_all(dirs).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        lines.join("\nwsspec: ")
    })
}
