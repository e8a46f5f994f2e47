//! Reading a report: an index.json and one per-case file, as written by
//! Autobahn or by anyone, then every rendering of it. A corrupt report must
//! give an error line or a page, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use wsspec::report::model::{Detail, Report};
use wsspec::report::{Format, json, render};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (index, case) = text.split_once('\u{0}').unwrap_or((text, ""));
    let mut report = Report::default();
    if report.add_index(index, Path::new("index.json"), Path::new(".")).is_err() {
        return;
    }
    let detail = json::parse(case).ok();
    for a in &mut report.agents {
        for e in &mut a.cases {
            e.detail = match &detail {
                Some(v) => Detail::Loaded(v.clone()),
                None => Detail::Missing,
            };
        }
    }
    for f in [Format::Table, Format::Markdown, Format::Html, Format::Junit, Format::Json] {
        let _ = render(&report, f, false, Some(80));
    }
    let _ = wsspec::report::model::findings(&report);
    let _ = wsspec::report::model::negotiations(&report);
});
