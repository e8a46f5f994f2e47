//! `wsspec cases list` and `wsspec cases check`.

use std::path::PathBuf;

use tabled::Table;
use tabled::settings::Style;

use super::{BadInput, EXIT_OK};
use crate::catalogue::{self, select};
use crate::custom;

#[derive(clap::Subcommand)]
pub enum Command {
    /// List cases: ID, the peers they test, the RFC section, a one-line description.
    List {
        /// Only IDs matching this pattern (`frag.*`, `6.4.*`).
        glob: Option<String>,
        /// Also list the cases in this folder.
        #[arg(long, value_name = "DIR")]
        cases_dir: Vec<PathBuf>,
        /// Each case in full: its description, what it expects and, for
        /// the handshake section, the RFC's words its verdict rests on.
        #[arg(long)]
        verbose: bool,
    },
    /// Check case files (default: the shipped ones): one line per problem,
    /// with file, line and column; exit 2 if there is any.
    Check {
        /// Case files (`.json`); none checks the shipped ones in `cases/`.
        files: Vec<PathBuf>,
    },
    /// The floor of a run: the longest pause the selected cases require of
    /// a correct peer, in seconds (cases run at once, so their pauses
    /// overlap). For benchmarks, beside a run's wall time.
    Floor {
        /// Case IDs or patterns, comma-separated (default: `*`).
        #[arg(long, value_delimiter = ',', default_value = "*")]
        cases: Vec<String>,
        /// Case IDs or patterns to leave out, comma-separated.
        #[arg(long, value_delimiter = ',')]
        exclude: Vec<String>,
        /// Print instead the IDs, comma-separated, of the selected cases that
        /// run alone with no pause (9.x, the races): their runs cannot
        /// overlap, so the sum of their durations is a floor too.
        #[arg(long)]
        lone: bool,
    },
}

#[derive(tabled::Tabled)]
struct Row {
    #[tabled(rename = "ID")]
    id: String,
    #[tabled(rename = "Tests")]
    role: &'static str,
    #[tabled(rename = "RFC")]
    rfc: String,
    #[tabled(rename = "Description")]
    description: String,
}

pub fn run(cmd: Command) -> Result<u8, BadInput> {
    match cmd {
        Command::List {
            glob,
            cases_dir,
            verbose: false,
        } => list(glob, &cases_dir),
        Command::List {
            glob,
            cases_dir,
            verbose: true,
        } => list_verbose(glob, &cases_dir),
        Command::Check { files } => check(&files),
        Command::Floor { cases, exclude, lone } => floor(&cases, &exclude, lone),
    }
}

fn one_line(s: &str) -> String {
    let line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 100 {
        format!("{}…", line.chars().take(99).collect::<String>())
    } else {
        line
    }
}

fn list(glob: Option<String>, dirs: &[PathBuf]) -> Result<u8, BadInput> {
    let rows: Vec<Row> = crate::suite::select::Available::load(dirs)?
        .all()
        .filter(|c| glob.as_ref().is_none_or(|g| select::matches(g, &c.id)))
        .map(|c| Row {
            rfc: match (&c.origin, &c.opening) {
                (Some(o), _) => o.rfc.clone(),
                (None, Some(o)) => format!("{} ({})", o.clause.rfc, o.level.word()),
                (None, None) => "Autobahn".into(),
            },
            role: c.roles.name(),
            description: one_line(&c.description),
            id: c.id,
        })
        .collect();
    if rows.is_empty() {
        return Err(format!("no case matches {}", glob.unwrap_or_default()).into());
    }
    let n = rows.len();
    super::print_stdout(&format!(
        "{}\n{}\n",
        Table::new(rows).with(Style::sharp()),
        super::count_of(n, "case")
    ));
    Ok(EXIT_OK)
}

/// One block per case: ID, role and clause, then its description, what it
/// expects and the quoted words, each on lines of their own.
fn list_verbose(glob: Option<String>, dirs: &[PathBuf]) -> Result<u8, BadInput> {
    let mut out = String::new();
    let mut n = 0;
    for c in crate::suite::select::Available::load(dirs)?
        .all()
        .filter(|c| glob.as_ref().is_none_or(|g| select::matches(g, &c.id)))
    {
        n += 1;
        let rfc = match (&c.origin, &c.opening) {
            (Some(o), _) => o.rfc.clone(),
            (None, Some(o)) => format!("{} ({})", o.clause.rfc, o.level.word()),
            (None, None) => "Autobahn".into(),
        };
        out.push_str(&format!("{}  [{}]  {rfc}\n", c.id, c.roles.name()));
        out.push_str(&format!("  {}\n", one_line_whole(&c.description)));
        let expects = match &c.opening {
            // The expectation ends with the quote, given on its own below.
            Some(o) => c.expectation.replace(&o.clause.quoted(), ""),
            None => c.expectation.clone(),
        };
        out.push_str(&format!("  expects: {}\n", one_line_whole(&expects)));
        if let Some(o) = &c.opening {
            out.push_str(&format!("  {}: \"{}\"\n", o.clause.rfc, o.clause.words));
        }
        out.push('\n');
    }
    if n == 0 {
        return Err(format!("no case matches {}", glob.unwrap_or_default()).into());
    }
    out.push_str(&format!("{}\n", super::count_of(n, "case")));
    super::print_stdout(&out);
    Ok(EXIT_OK)
}

fn one_line_whole(s: &str) -> String {
    s.replace("<br>", " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn floor(include: &[String], exclude: &[String], lone: bool) -> Result<u8, BadInput> {
    let cases = select::select(catalogue::all(), include, exclude);
    if cases.is_empty() {
        return Err(format!("no case matches {}", include.join(",")).into());
    }
    if lone {
        let chain = cases.iter().filter(|c| c.alone && c.required_wait().is_zero());
        println!("{}", chain.map(|c| c.id.as_str()).collect::<Vec<_>>().join(","));
        return Ok(EXIT_OK);
    }
    let longest = cases.iter().map(|c| c.required_wait()).max().unwrap_or_default();
    println!("{:.3}", longest.as_secs_f64());
    Ok(EXIT_OK)
}

fn check(files: &[PathBuf]) -> Result<u8, BadInput> {
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    if files.is_empty() {
        sources = custom::shipped();
    }
    for f in files {
        match custom::read(f) {
            Ok(s) => sources.push(s),
            Err(p) => problems.push(p),
        }
    }
    let taken = catalogue::builtin_ids();
    let (cases, mut more) = custom::load(&sources, &taken);
    problems.append(&mut more);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        return Ok(super::EXIT_BAD_INPUT);
    }
    println!(
        "{} in {}: no problems",
        super::count_of(cases.len(), "case"),
        super::count_of(sources.len(), "file")
    );
    Ok(EXIT_OK)
}
