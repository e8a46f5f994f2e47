//! Reports: Autobahn's JSON layout written from case outcomes, and the
//! renderings of any report (ours or Autobahn's) read back as a `model`:
//! terminal table, markdown, one HTML page, JUnit XML, Autobahn's index.

pub mod autobahn;
pub mod baseline;
#[cfg(feature = "cli")]
pub mod fetch;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod model;
mod reason;
#[cfg(feature = "table")]
pub mod table;
pub mod writer;

/// The output formats of `wsspec report` (and of `--format` on the test commands).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The terminal table: one row per section, then what was not OK.
    #[cfg(feature = "table")]
    Table,
    /// Markdown, for a pull request or a job summary.
    Markdown,
    /// One self-contained HTML page with filters and a drill-down.
    Html,
    /// JUnit XML, one test case per case, for CI test views.
    Junit,
    /// Autobahn's index.json.
    Json,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: &[Format] = &[
        #[cfg(feature = "table")]
        Format::Table,
        Format::Markdown,
        Format::Html,
        Format::Junit,
        Format::Json,
    ];

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "table")]
            Format::Table => "table",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Junit => "junit",
            Format::Json => "json",
        }
    }
}

/// How many wire-log rows per case `format` shows, when it shows any: the
/// page only (a report's details are loaded without them otherwise).
pub fn wirelog_rows(format: Format) -> Option<usize> {
    (format == Format::Html).then_some(html::MAX_ROWS)
}

/// Renders `report` in `format`; `colour` and `width` (the columns to fit)
/// apply to the table only.
#[cfg_attr(not(feature = "table"), allow(unused_variables))]
pub fn render(report: &model::Report, format: Format, colour: bool, width: Option<usize>) -> String {
    match format {
        #[cfg(feature = "table")]
        Format::Table => table::render(report, colour, width),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
        Format::Junit => junit::render(report),
        Format::Json => autobahn::index_of(report),
    }
}
