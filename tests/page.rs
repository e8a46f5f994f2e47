//! The comparison page in headless Chromium (Debian's), driven through its
//! command line: each load opens the page at a URL fragment (a view or a
//! case, as a link would), and the DOM the page drew is read back. Pages of
//! 1, 8, 15 and 30 agents are made from one fresh run, copied under other
//! agent names with a few verdicts changed, so the expected rows are known.
//! Screenshots land in reports/screenshots/.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::json;

/// A fresh run (the reference server, every case), once per test binary.
fn fresh(dir: &Path) -> PathBuf {
    let out = dir.join("fresh");
    let cases = "1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.1.*,10.*";
    let o = run(&["test-server", "--cases", cases, "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// Agent `k` of a comparison: the fresh run under another name; agent 1
/// fails 6.4.1 and agent 2 closes 7.1.1 with a wrong code (behavior OK).
fn agent_copy(fresh: &Path, dir: &Path, k: usize) -> (PathBuf, String) {
    let name = format!("agent-{k:02}");
    let out = dir.join(&name);
    std::fs::create_dir_all(&out).unwrap();
    let index = read_json(&fresh.join("index.json"));
    let mut cases = only_agent(&index).clone();
    for e in cases.values() {
        let f = e["reportfile"].as_str().unwrap();
        std::fs::copy(fresh.join(f), out.join(f)).unwrap();
    }
    if k == 1 {
        cases["6.4.1"]["behavior"] = json!("FAILED");
    }
    if k == 2 {
        cases["7.1.1"]["behaviorClose"] = json!("WRONG CODE");
    }
    std::fs::write(out.join("index.json"), json!({ &name: cases }).to_string()).unwrap();
    (out, name)
}

fn page(dir: &Path, agents: usize) -> (PathBuf, Vec<String>) {
    let fresh = fresh(dir);
    let mut inputs = Vec::new();
    let mut names = Vec::new();
    for k in 0..agents {
        let (p, n) = agent_copy(&fresh, dir, k);
        inputs.push(p);
        names.push(n);
    }
    let out = dir.join(format!("page-{agents}.html"));
    let o = wsspec()
        .arg("report")
        .args(&inputs)
        .args(["--format", "html", "--output"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    (out, names)
}

fn chromium() -> &'static str {
    ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok())
        .expect("Chromium is required: apt-get install chromium (see .ci/run)")
}

/// Loads `page#fragment` at 1400 px wide; returns the DOM the page drew.
/// With `shot`, also saves a screenshot under reports/screenshots/.
fn load(page: &Path, fragment: &str, shot: Option<&str>) -> String {
    let url = format!("file://{}#{fragment}", page.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1400,1000",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=10000",
    ];
    let o = Command::new(chromium())
        .args(common)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(
        !log.contains("Uncaught") && !log.contains("CONSOLE"),
        "console errors at #{fragment}:\n{log}"
    );
    if let Some(name) = shot {
        let dir = repo("reports/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(name);
        let s = Command::new(chromium())
            .args(common)
            .arg(format!("--screenshot={}", file.display()))
            .arg(&url)
            .output()
            .unwrap();
        assert!(
            s.status.success() && file.exists(),
            "{}",
            String::from_utf8_lossy(&s.stderr)
        );
    }
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The case IDs of the rows the matrix shows.
fn rows(dom: &str) -> Vec<String> {
    let start = dom.find("<div id=\"matrix\"").expect("the matrix");
    let matrix = &dom[start..start + dom[start..].find("<div id=\"detail\"").expect("the drill-down")];
    matrix
        .split("<tr data-id=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

fn attr<'a>(dom: &'a str, name: &str) -> &'a str {
    let at = dom.find(&format!("{name}=\"")).unwrap_or_else(|| panic!("no {name}")) + name.len() + 2;
    &dom[at..at + dom[at..].find('"').unwrap()]
}

#[test]
fn eight_agents_views_search_links_and_verdicts() {
    needs!(Need::Chromium);
    let dir = tempfile::tempdir().unwrap();
    let (page, names) = page(dir.path(), 8);
    let all = load(&page, "", Some("page-8-agents.png"));
    let index = read_json(&dir.path().join("agent-00/index.json"));
    assert_eq!(rows(&all).len(), only_agent(&index).len(), "every case is a row");
    // Search by ID or prefix: 6.4 is 6.4.*, not 6.6.4 or 9.6.4.
    assert_eq!(rows(&load(&page, "q=6.4", None)), ["6.4.1", "6.4.2", "6.4.3", "6.4.4"]);
    assert_eq!(rows(&load(&page, "q=1.1.1", None)), ["1.1.1"]);
    // Where agents differ: exactly the two cases changed.
    assert_eq!(rows(&load(&page, "view=differ", None)), ["6.4.1", "7.1.1"]);
    // WRONG CODE is not OK: not under "only OK", and coloured as itself.
    let wrong = load(&page, &format!("only={}:OK", names[2]), None);
    assert!(
        !rows(&wrong).contains(&"7.1.1".to_string()),
        "a WRONG CODE case shown as OK"
    );
    let wrong_code = load(&page, &format!("only={}:WRONG%20CODE", names[2]), None);
    assert_eq!(rows(&wrong_code), ["7.1.1"]);
    assert!(wrong_code.contains("class=\"v WRONG-CODE"), "the cell says WRONG CODE");
    let not_ok = rows(&load(&page, &format!("only={}:notok", names[2]), None));
    assert!(not_ok.contains(&"7.1.1".to_string()), "{not_ok:?}");
    // A link to a case and agent opens its drill-down, the cell selected.
    let linked = load(
        &page,
        &format!("case=6.4.1&agent={}", names[1]),
        Some("page-8-drilldown.png"),
    );
    assert!(
        linked.contains(&format!("id=\"detail-title\">6.4.1 — {}<", names[1])),
        "the drill-down is open"
    );
    assert!(linked.contains("class=\"v FAILED sel\""), "the cell is selected");
    assert!(
        linked.contains("Request</b><pre>GET "),
        "the opening handshake is shown"
    );
    assert!(!linked.contains("&lt;br&gt;"), "descriptions are text with line breaks");
    // The header says when, with which version, from which inputs.
    assert!(all.contains("wsspec ") && all.contains(" · made ") && all.contains(&names[7]));
}

#[test]
fn fifteen_agents_fit_1400_pixels_and_thirty_load() {
    needs!(Need::Chromium);
    let dir = tempfile::tempdir().unwrap();
    let (page15, _) = page(dir.path(), 15);
    let dom = load(&page15, "", Some("page-15-agents.png"));
    assert_eq!(
        attr(&dom, "data-fits"),
        "true",
        "every agent column is visible at 1400 px"
    );
    let dir30 = tempfile::tempdir().unwrap();
    let (page30, _) = page(dir30.path(), 30);
    let dom = load(&page30, "bench", Some("page-30-agents.png"));
    let index = read_json(&dir30.path().join("agent-29/index.json"));
    let n = only_agent(&index).len();
    assert!(dom.contains(&format!("{n} of {n} cases")), "every case is listed");
    let ok = only_agent(&index)
        .values()
        .filter(|e| {
            let close = e["behaviorClose"].as_str().unwrap();
            e["behavior"] == "OK" && !["FAILED", "UNCLEAN", "WRONG CODE", "FAILED BY CLIENT"].contains(&close)
        })
        .count();
    assert!(
        dom.contains(&format!("id=\"count-OK-29\">{ok}<")),
        "the last agent's totals"
    );
    let size = std::fs::metadata(&page30).unwrap().len();
    eprintln!(
        "30 agents × {n} cases: {:.1} MB, loaded in {} ms, a filter in {} ms (figures, not asserted)",
        size as f64 / 1e6,
        attr(&dom, "data-load-ms"),
        attr(&dom, "data-filter-ms")
    );
}

#[test]
fn one_agent_page_has_no_differences_to_show() {
    needs!(Need::Chromium);
    let dir = tempfile::tempdir().unwrap();
    let (page, _) = page(dir.path(), 1);
    assert!(rows(&load(&page, "view=differ", None)).is_empty());
    let framing: BTreeSet<String> = rows(&load(&page, "section=1%20Framing", None)).into_iter().collect();
    assert!(
        framing.contains("1.1.1") && framing.iter().all(|id| id.starts_with("1.")),
        "{framing:?}"
    );
}
