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
pub enum Format {
    Table,
    Markdown,
    Html,
    Junit,
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
