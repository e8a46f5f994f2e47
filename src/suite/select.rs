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

/// The cases matched by `include` (default: Autobahn's catalogue) and not by
/// `exclude`, from the built-in catalogue and the custom cases (shipped and
/// from `dirs`). A pattern that starts with `*` selects among Autobahn's
/// cases only, so `*` keeps meaning Autobahn's catalogue; custom cases are
/// chosen by their prefix (`frag.*`). An unknown single ID, an empty
/// selection or a broken case file is an error, in one line.
pub fn select_cases(
    include: Vec<String>,
    exclude: &[String],
    dirs: &[PathBuf],
    testing: Testing,
) -> Result<Vec<Case>, String> {
    let mut include = include;
    if include.is_empty() {
        include.push("*".into());
    }
    // wsspec's own cases (the handshake section, custom files) are taken
    // only by patterns that name them: `*` keeps meaning Autobahn's 517.
    let mut custom = catalogue::handshake();
    custom.extend(custom_cases(dirs)?);
    let builtin = catalogue::all();
    let everything: Vec<_> = builtin.iter().chain(custom.iter()).cloned().collect();
    let unknown = select::unknown_ids(&everything, &include);
    if !unknown.is_empty() {
        return Err(format!("no case has the ID {}", unknown.join(", ")));
    }
    let named: Vec<String> = include.iter().filter(|p| !p.starts_with('*')).cloned().collect();
    let mut cases = select::select(builtin, &include, exclude);
    cases.extend(select::select(custom, &named, exclude));
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

/// The shipped custom cases and those in `dirs`; every problem of a case
/// file is a line of its own.
pub fn custom_cases(dirs: &[PathBuf]) -> Result<Vec<Case>, String> {
    crate::custom::load_all(dirs).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        lines.join("\nwsspec: ")
    })
}

/// The first of `patterns` that matches no case at all (built-in, the
/// handshake section or custom from `dirs`): a typo that would otherwise
/// select nothing, or leave nothing out, silently.
pub fn unmatched(patterns: &[String], dirs: &[PathBuf]) -> Result<Option<String>, String> {
    let everything: Vec<String> = catalogue::all()
        .into_iter()
        .chain(catalogue::handshake())
        .chain(custom_cases(dirs)?)
        .map(|c| c.id)
        .collect();
    Ok(patterns
        .iter()
        .find(|p| !everything.iter().any(|id| select::matches(p, id)))
        .cloned())
}
