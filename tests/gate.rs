//! Baseline gates that never pass silently, and retries that tell a flaky
//! peer from a regression.

mod common;

use std::path::Path;

use common::*;
use serde_json::{Value, json};

/// A baseline of `agents`, each with `ids` all OK / OK.
fn baseline(path: &Path, agents: &[&str], ids: &[String]) {
    let mut index = serde_json::Map::new();
    for a in agents {
        let cases: serde_json::Map<String, Value> = ids
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    json!({"behavior": "OK", "behaviorClose": "OK", "duration": 1}),
                )
            })
            .collect();
        index.insert(a.to_string(), Value::Object(cases));
    }
    std::fs::write(path, Value::Object(index).to_string()).unwrap();
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}.{i}")).collect()
}

fn report(args: &[&str]) -> std::process::Output {
    let mut all = vec!["report"];
    all.extend(args);
    run(&all)
}

fn one_line_exit_2(o: &std::process::Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{needle:?} in {err}");
    assert!(
        o.stdout.is_empty(),
        "nothing is rendered: {}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn every_silent_pass_of_the_baseline_now_fails_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let all = ids("1.1", 8);
    // An agent the baseline does not have (it has two others).
    baseline(Path::new(&d("base.json")), &["old-a", "old-b"], &all);
    baseline(Path::new(&d("cur.json")), &["new"], &all);
    one_line_exit_2(
        &report(&[&d("cur.json"), "--baseline", &d("base.json")]),
        "agent \"new\" is not in the baseline",
    );
    let o = report(&[
        &d("cur.json"),
        "--baseline",
        &d("base.json"),
        "--agent-map",
        "new=old-a",
    ]);
    assert_eq!(o.status.code(), Some(2), "old-b was not run");
    let o = report(&[
        &d("cur.json"),
        "--baseline",
        &d("base.json"),
        "--agent-map",
        "new=old-a",
        "--allow-missing",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));

    // A subset of the baseline's cases.
    baseline(Path::new(&d("base.json")), &["x"], &all);
    baseline(Path::new(&d("sub.json")), &["x"], &all[..3]);
    one_line_exit_2(
        &report(&[&d("sub.json"), "--baseline", &d("base.json")]),
        "5 baseline cases of \"x\" were not run",
    );
    // Updating from the subset would drop cases: refused, the file kept.
    one_line_exit_2(
        &report(&[&d("sub.json"), "--baseline", &d("base.json"), "--update-baseline"]),
        "would drop 5 cases",
    );
    assert_eq!(only_agent(&read_json(Path::new(&d("base.json")))).len(), 8);
    // Accepting a regression is refused too, then forced.
    let mut worse = read_json(Path::new(&d("base.json")));
    worse["x"]["1.1.2"]["behavior"] = "FAILED".into();
    std::fs::write(d("worse.json"), worse.to_string()).unwrap();
    one_line_exit_2(
        &report(&[&d("worse.json"), "--baseline", &d("base.json"), "--update-baseline"]),
        "accept 1 regression",
    );
    let o = report(&[
        &d("worse.json"),
        "--baseline",
        &d("base.json"),
        "--update-baseline",
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        read_json(Path::new(&d("base.json")))["x"]["1.1.2"]["behavior"],
        "FAILED"
    );
    // Only verdict pairs are stored: an unchanged run gives an unchanged file.
    let text = std::fs::read_to_string(d("base.json")).unwrap();
    assert!(!text.contains("duration"), "{text}");

    // A baseline file that is not there: one line, before any rendering.
    one_line_exit_2(&report(&[&d("cur.json"), "--baseline", &d("nope.json")]), "nope.json");
}

#[test]
fn regressions_show_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let all = ids("1.1", 8);
    let base = dir.path().join("base.json");
    baseline(&base, &["x"], &all);
    let mut worse = read_json(&base);
    worse["x"]["1.1.5"]["behaviorClose"] = "WRONG CODE".into();
    let cur = dir.path().join("cur.json");
    std::fs::write(&cur, worse.to_string()).unwrap();
    for (format, needle) in [
        ("table", "x 1.1.5: OK / OK -> OK / WRONG CODE"),
        ("markdown", "> - regression: x 1.1.5"),
        ("html", "regression: x 1.1.5"),
        ("junit", "type=\"REGRESSION\""),
    ] {
        let out = dir.path().join(format!("r.{format}"));
        let o = report(&[
            cur.to_str().unwrap(),
            "--baseline",
            base.to_str().unwrap(),
            "--format",
            format,
            "--output",
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains(needle), "{format}: {needle:?} missing");
    }
}

/// A peer that answers one way or the other at random: without retries the
/// gate goes red; with them, every case that ever passes is flaky, not a
/// regression, and the report says which outcomes were seen.
#[test]
fn retries_tell_a_flaky_peer_from_a_regression() {
    needs!(Need::PythonWebsockets);
    let (_peer, port) = python_server("racing_server.py");
    let dir = tempfile::tempdir().unwrap();
    let mut all = ids("1.1", 8);
    all.extend(ids("1.2", 8));
    let base = dir.path().join("base.json");
    baseline(&base, &["racer"], &all);
    let url = format!("ws://127.0.0.1:{port}");
    let cases = all.join(",");
    let gated = |retries: &str, out: &str| {
        run(&[
            "test-server",
            &url,
            "--agent",
            "racer",
            "--cases",
            &cases,
            "--baseline",
            base.to_str().unwrap(),
            "--retries",
            retries,
            "--out",
            dir.path().join(out).to_str().unwrap(),
            "--format",
            "markdown",
        ])
    };
    let o = gated("0", "r0");
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let o = gated("40", "r40");
    let md = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{md}\n{}", String::from_utf8_lossy(&o.stderr));
    assert!(md.contains("0 regressions**"), "{md}");
    assert!(md.contains("flaky, seen FAILED / FAILED"), "{md}");
    assert!(!md.contains("regression:"), "{md}");
}
