//! Reports: Autobahn's JSON layout written from case outcomes, and the
//! renderings of any report (ours or Autobahn's) read back as a `model`:
//! terminal table, markdown, one HTML page, JUnit XML, Autobahn's index.

pub mod autobahn;
pub mod baseline;
pub mod fetch;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod table;
pub mod writer;

/// The output formats of `wsspec report` (and of `--format` on the test commands).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
// The variants are documented for rustdoc only: clap would show doc
// comments in `--help`, and the CLI's help stays as it was.
pub enum Format {
    #[cfg_attr(doc, doc = "The terminal table: one row per section, then what was not OK.")]
    Table,
    #[cfg_attr(doc, doc = "Markdown, for a pull request or a job summary.")]
    Markdown,
    #[cfg_attr(doc, doc = "One self-contained HTML page with filters and a drill-down.")]
    Html,
    #[cfg_attr(doc, doc = "JUnit XML, one test case per case, for CI test views.")]
    Junit,
    #[cfg_attr(doc, doc = "Autobahn's index.json.")]
    Json,
}

/// Renders `report` in `format`; `colour` and `width` (the columns to fit)
/// apply to the table only.
pub fn render(report: &model::Report, format: Format, colour: bool, width: Option<usize>) -> String {
    match format {
        Format::Table => table::render(report, colour, width),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
        Format::Junit => junit::render(report),
        Format::Json => autobahn::index_of(report),
    }
}
