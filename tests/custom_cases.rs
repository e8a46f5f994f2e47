//! The shipped custom cases: they check, they run on the engine against
//! three real servers with the verdicts recorded in tests/expected/, and the
//! Autobahn cases re-written in the format give the built-in verdicts.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The ID prefixes of the shipped files (cases/<prefix>.json).
fn shipped_prefixes() -> Vec<String> {
    let mut p: Vec<String> = std::fs::read_dir(repo("cases"))
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json").map(String::from))
        .collect();
    p.sort();
    p
}

fn run_custom(url: Option<&str>, cases: &str) -> BTreeMap<String, (String, String)> {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["test-server"];
    if let Some(u) = url {
        args.push(u);
    }
    args.extend([
        "--agent",
        "peer",
        "--cases",
        cases,
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let o = run(&args);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let index = read_json(&out.path().join("index.json"));
    only_agent(&index)
        .iter()
        .map(|(id, v)| {
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            (id.clone(), (s("behavior"), s("behaviorClose")))
        })
        .collect()
}

fn assert_expected(peer: &str, got: &BTreeMap<String, (String, String)>) {
    assert_recorded(&format!("custom-{peer}.json"), got);
}

fn all_custom() -> String {
    shipped_prefixes()
        .iter()
        .map(|p| format!("{p}.*"))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn shipped_cases_check_and_number_at_least_forty() {
    let o = run(&["cases", "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let listed = run(&["cases", "list"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    let custom = text
        .lines()
        .filter(|l| l.contains("│") && !l.contains("Autobahn") && !l.contains(" ID "))
        .count();
    assert!(custom >= 40, "{custom} custom cases listed");
}

#[test]
fn shipped_cases_against_the_reference_server() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    assert_expected("reference", &run_custom(None, &all_custom()));
}

#[test]
fn shipped_cases_against_python_websockets() {
    needs!(Need::PythonWebsockets);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_peer, port) = websockets_server();
    assert_expected(
        "websockets",
        &run_custom(Some(&format!("ws://127.0.0.1:{port}")), &all_custom()),
    );
}

#[test]
fn shipped_cases_against_node_ws() {
    needs!(Need::NodeWs);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_peer, port) = ws_server();
    assert_expected(
        "ws",
        &run_custom(Some(&format!("ws://127.0.0.1:{port}")), &all_custom()),
    );
}

/// Each `ab.<id>` case re-writes Autobahn's case <id> in the format.
fn ported_pairs(got: &BTreeMap<String, (String, String)>) -> Vec<(String, String)> {
    got.keys()
        .filter_map(|k| k.strip_prefix("ab.").map(|b| (k.clone(), b.to_string())))
        .collect()
}

fn assert_ports_match(url: Option<&str>) {
    let ports = run_custom(url, "ab.*");
    let pairs = ported_pairs(&ports);
    assert!(
        pairs.len() >= 10,
        "at least ten Autobahn cases are written in the format"
    );
    let sections: std::collections::BTreeSet<&str> = pairs.iter().map(|(_, b)| b.split('.').next().unwrap()).collect();
    for s in ["1", "2", "3", "4", "5", "7"] {
        assert!(sections.contains(s), "a ported case from section {s}");
    }
    let builtin = run_custom(
        url,
        &pairs.iter().map(|(_, b)| b.as_str()).collect::<Vec<_>>().join(","),
    );
    for (port, original) in &pairs {
        let (ported, built) = (&ports[port], &builtin[original]);
        // A race inside the peer (see RACES) may go either way in two runs.
        let either = |v: &(String, String)| v.0 == "OK" || v.0 == "NON-STRICT";
        if RACES.contains(&original.as_str()) && either(ported) && either(built) && ported.1 == built.1 {
            continue;
        }
        assert_eq!(ported, built, "{port} against {original}");
    }
}

#[test]
fn autobahn_cases_in_the_format_give_the_builtin_verdicts() {
    needs!(Need::PythonWebsockets);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    assert_ports_match(None);
    let (_peer, port) = websockets_server();
    assert_ports_match(Some(&format!("ws://127.0.0.1:{port}")));
}

#[test]
fn the_readme_example_checks_and_runs() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let section = &readme[readme.find("## Custom cases").expect("a custom cases section")..];
    let start = section.find("```json\n").unwrap() + 8;
    let block = &section[start..start + section[start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("example.json"), block).unwrap();
    let file = dir.path().join("example.json");
    assert_eq!(run(&["cases", "check", file.to_str().unwrap()]).status.code(), Some(0));
    let case: Value = serde_json::from_str(block).unwrap();
    let id = case["cases"][0]["id"].as_str().unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "test-server",
        "--cases-dir",
        dir.path().to_str().unwrap(),
        "--cases",
        id,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        read_json(&out.join("index.json"))["wsspec-echo-server"][id]["behavior"],
        "OK"
    );
}

#[test]
fn malformed_case_files_get_one_located_line_per_problem() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"cases": [
  {"id": "bad.1", "description": "d", "rfc": "5.5",
   "steps": [{"send": {"opcode": "ping", "payload": {"text": "x", "length": 20}}}],
   "expect": {"ok": [], "close": {"by": "peer", "codes": [1002]}}},
  {"id": "bad.1", "description": "d", "rfc": "5.5",
   "steps": [{"send": {"opcode": "ping"}}],
   "expect": {"ok": [], "close": {"by": "peer", "codes": [1002]}}},
  {"id": "bad.2", "description": "d", "rfc": "5.5",
   "steps": [{"send": {"opcode": "ping", "payload": {"text": "x", "length": 200}}}],
   "expect": {"ok": [], "close": {"by": "peer", "codes": [1002]}}},
  {"id": "1.1.1", "description": "d", "rfc": "5.5",
   "steps": [{"send": {"opcode": "ping"}}],
   "expect": {"ok": [], "close": {"by": "peer", "codes": [1002]}}}
]}"#,
    )
    .unwrap();
    let typo = dir.path().join("typo.json");
    std::fs::write(&typo, "{\"cases\": [{\"id\": \"t.1\", \"description\": \"d\", \"rfc\": \"5\",\n \"steps\": [{\"sned\": {}}], \"expect\": {}}]}").unwrap();
    let o = run(&["cases", "check", bad.to_str().unwrap(), typo.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("bad.json:8:10: case bad.2") && l.contains("over the 125")),
        "{err}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("bad.json:11:10:") && l.contains("must start with a letter")),
        "{err}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("bad.json:5:10: case bad.1: the ID is used twice")),
        "{err}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("typo.json:2:") && l.contains("unknown variant `sned`")),
        "{err}"
    );
}

#[test]
fn shipped_cases_test_clients_too() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = tempfile::tempdir().unwrap();
    let (server, port) = fuzzing_server(out.path(), &["--cases", &all_custom()]);
    let status = wsspec()
        .args(["echo-client", &format!("ws://127.0.0.1:{port}")])
        .status()
        .unwrap();
    assert!(status.success());
    let o = wait_bounded(server, std::time::Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let index = read_json(&out.path().join("index.json"));
    let got = only_agent(&index);
    // Client-only custom cases run here and server-only ones do not (the
    // handshake section's client cases are not custom: tests/handshake.rs).
    let listed = String::from_utf8_lossy(&run(&["cases", "list"]).stdout).into_owned();
    let client_only: Vec<&str> = listed
        .lines()
        .filter(|l| l.contains("│ client "))
        .filter_map(|l| l.split('│').nth(1).map(str::trim))
        .filter(|id| !id.starts_with("hs."))
        .collect();
    assert!(
        !client_only.is_empty() && client_only.iter().all(|id| got.contains_key(*id)),
        "{client_only:?}"
    );
    // The reference client shares tungstenite with the reference server: where
    // a case runs in both roles, the verdicts agree.
    let server: BTreeMap<String, (String, String)> =
        serde_json::from_value(read_json(&repo("tests/expected/custom-reference.json"))).unwrap();
    for (id, v) in got {
        if let Some(want) = server.get(id) {
            assert_eq!(
                (v["behavior"].as_str().unwrap(), v["behaviorClose"].as_str().unwrap()),
                (want.0.as_str(), want.1.as_str()),
                "{id}"
            );
        }
    }
}
