//! Custom cases written as data: JSON files, one group of cases sharing an
//! ID prefix per file, turned into the same `Case` values as the built-in
//! catalogue and run by the same engine. The files in the repository's
//! `cases/` folder are built into the binary; `--cases-dir` adds more.

mod convert;
pub mod format;

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use crate::catalogue::Case;

mod shipped {
    include!(concat!(env!("OUT_DIR"), "/shipped_cases.rs"));
}

/// A problem in a case file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A problem with the file as a whole (it cannot be read) has no
        // place in it to point at.
        if self.line == 0 {
            return write!(f, "{}: {}", self.file, self.message);
        }
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

/// A case file's name and text.
pub struct Source {
    pub name: String,
    pub text: String,
}

/// The case files built into the binary.
pub fn shipped() -> Vec<Source> {
    shipped::SHIPPED
        .iter()
        .map(|(name, text)| Source {
            name: name.to_string(),
            text: text.to_string(),
        })
        .collect()
}

/// Reads one case file.
pub fn read(path: &Path) -> Result<Source, Problem> {
    std::fs::read_to_string(path)
        .map(|text| Source {
            name: path.display().to_string(),
            text,
        })
        .map_err(|e| Problem {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read: {e}"),
        })
}

/// Every `*.json` file in `dir`, by name.
pub fn read_dir(dir: &Path) -> Result<Vec<Source>, Problem> {
    let entries = std::fs::read_dir(dir).map_err(|e| Problem {
        file: dir.display().to_string(),
        line: 0,
        column: 0,
        message: format!("cannot read the folder: {e}"),
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|p| read(p)).collect()
}

/// Parses and checks `sources`; IDs must be unique among them and must not
/// clash with `taken` (the built-in IDs).
pub fn load(sources: &[Source], taken: &HashSet<String>) -> (Vec<Case>, Vec<Problem>) {
    let mut cases: Vec<Case> = Vec::new();
    let mut problems = Vec::new();
    let mut seen: HashSet<String> = taken.clone();
    for src in sources {
        match convert::parse(src) {
            Ok((list, mut bad)) => {
                problems.append(&mut bad);
                let mut in_file: HashSet<String> = HashSet::new();
                for c in list {
                    let nth = usize::from(!in_file.insert(c.id.clone()));
                    if !seen.insert(c.id.clone()) {
                        let (line, column) = convert::locate_nth(&src.text, &c.id, nth);
                        let message = if taken.contains(&c.id) {
                            format!("case {}: the ID is a built-in case's", c.id)
                        } else {
                            format!("case {}: the ID is used twice", c.id)
                        };
                        problems.push(Problem {
                            file: src.name.clone(),
                            line,
                            column,
                            message,
                        });
                    } else {
                        cases.push(c);
                    }
                }
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    (cases, problems)
}

/// The shipped cases plus those in `dirs`.
pub fn load_all(dirs: &[impl AsRef<Path>]) -> Result<Vec<Case>, Vec<Problem>> {
    let mut sources = shipped();
    for d in dirs {
        sources.extend(read_dir(d.as_ref()).map_err(|p| vec![p])?);
    }
    let taken = crate::catalogue::builtin_ids();
    let (cases, problems) = load(&sources, &taken);
    if problems.is_empty() { Ok(cases) } else { Err(problems) }
}
