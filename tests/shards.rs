//! `test-server --shard K/N` on one CI job each, then `wsspec report
//! --merge`: the merged report equals one unsharded run, verdicts and
//! case numbers alike. Shards that overlap are refused in one line.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

const CASES: &str = "1.*,2.*,3.*,4.*,5.*,7.*";

fn test_server(url: &str, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "test-server",
        url,
        "--cases",
        CASES,
        "--agent",
        "ws",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let o = run(&args);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Per case: the verdict pair, the close code and the per-case file's
/// case number and result: everything but times.
fn verdicts(dir: &Path) -> Vec<(String, Value)> {
    let index = read_json(&dir.join("index.json"));
    let mut out: Vec<(String, Value)> = only_agent(&index)
        .iter()
        .map(|(id, e)| {
            let case = read_json(&dir.join(e["reportfile"].as_str().unwrap()));
            let keep = serde_json::json!([
                e["behavior"],
                e["behaviorClose"],
                e["remoteCloseCode"],
                case["case"],
                case["id"]
            ]);
            (id.clone(), keep)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn merged_shards_equal_one_run() {
    needs!(Need::PythonWebsockets);
    let (_peer, port) = python_peer("websockets_echo_server.py", &[], &[]);
    let url = format!("ws://127.0.0.1:{port}/");
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    test_server(&url, &whole, &[]);
    let mut shards = Vec::new();
    for k in 1..=3 {
        let shard = dir.path().join(format!("shard{k}"));
        test_server(&url, &shard, &["--shard", &format!("{k}/3")]);
        shards.push(shard);
    }
    let sizes: Vec<usize> = shards.iter().map(|s| verdicts(s).len()).collect();
    let total = verdicts(&whole).len();
    assert_eq!(sizes.iter().sum::<usize>(), total, "{sizes:?}");
    assert!(sizes.iter().all(|n| n * 3 >= total - 3), "unbalanced: {sizes:?}");
    let merged = dir.path().join("merged");
    let mut args = vec!["report".to_string(), "--merge".into(), merged.to_str().unwrap().into()];
    args.extend(shards.iter().map(|s| s.to_str().unwrap().to_string()));
    args.extend(["--format".into(), "markdown".into()]);
    let o = wsspec().args(&args).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("merged {total} cases")));
    // A race inside the peer (tests/common RACES: 4.1.5 came out OK in one
    // run and NON-STRICT in another) is the same verdict either way.
    let settle = |v: Vec<(String, Value)>| -> Vec<(String, Value)> {
        v.into_iter()
            .map(|(id, mut keep)| {
                if RACES.contains(&id.as_str()) && ["OK", "NON-STRICT"].contains(&keep[0].as_str().unwrap_or("")) {
                    keep[0] = Value::from("OK or NON-STRICT");
                }
                (id, keep)
            })
            .collect()
    };
    assert_eq!(settle(verdicts(&merged)), settle(verdicts(&whole)));
}

#[test]
fn overlapping_shards_and_bad_shards_are_one_line() {
    needs!(Need::PythonWebsockets);
    let (_peer, port) = python_peer("websockets_echo_server.py", &[], &[]);
    let url = format!("ws://127.0.0.1:{port}/");
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    test_server(&url, &a, &["--shard", "1/2"]);
    let merged = dir.path().join("m");
    let o = run(&[
        "report",
        "--merge",
        merged.to_str().unwrap(),
        a.to_str().unwrap(),
        a.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("shards of one run hold each case once"), "{err}");
    for bad in ["0/3", "4/3", "3", "a/b"] {
        let o = run(&["test-server", &url, "--shard", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("expected K/N"), "{bad}");
    }
}
