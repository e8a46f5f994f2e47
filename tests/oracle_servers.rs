//! The catalogue against real servers, verdict by verdict against the real
//! Autobahn's results on the same implementations.

mod common;

use std::path::PathBuf;

use common::*;

/// Race verdicts (does the peer echo before it fails?) need a quiet
/// machine, as under Autobahn: these tests take turns.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs the catalogue against `url` (None: the built-in server, all 517
/// cases; otherwise sections 1-10), checks the
/// exit code and every verdict against `oracle`; returns the report folder
/// and the table printed.
fn matches_oracle(url: Option<&str>, oracle: &str, exit: i32) -> (tempfile::TempDir, PathBuf, String) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["test-server"];
    args.extend(url);
    // Third-party servers compress: sections 12-13 have their own tests.
    if url.is_some() {
        args.extend(["--exclude", "12.*,13.*"]);
    }
    args.extend(["--out", out.path().to_str().unwrap()]);
    let o = run(&args);
    assert_eq!(
        o.status.code(),
        Some(exit),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut ours = read_json(&out.path().join("index.json"));
    let theirs = read_json(&repo(oracle));
    // 3.2–3.4 and 4.x.3–5 are races inside a peer (see RACES): under load
    // the Python websockets server echoes 3.3's first message before
    // failing (OK) where Autobahn's run caught it failing first (NON-STRICT).
    if url.is_some() {
        tolerate_races(&mut ours, &theirs);
    }
    let (n, filter): (usize, fn(&str) -> bool) = if url.is_some() {
        (301, sections_1_to_10)
    } else {
        (517, |_| true)
    };
    assert_eq!(assert_same_verdicts(&ours, &theirs, filter), n);
    let dir = out.path().to_path_buf();
    (out, dir, String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn reference_echo_server_matches_the_tungstenite_oracle() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_keep, dir, _) = matches_oracle(None, "tests/oracles/tungstenite-server.json", 0);
    // The per-case files exist under Autobahn's names.
    let case = read_json(&dir.join("wsspec_echo_server_case_5_19.json"));
    assert_eq!(case["id"], "5.19");
    assert_eq!(case["behavior"], "OK");
    assert!(case["wirelog"].as_array().unwrap().len() > 4);
}

#[test]
fn python_websockets_server_matches_its_oracle() {
    needs!(Need::PythonWebsockets);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_peer, port) = websockets_server();
    let url = format!("ws://127.0.0.1:{port}");
    // Autobahn fails seven cases of this server: the run must say so (exit 1).
    let (_keep, _, table) = matches_oracle(Some(&url), "tests/oracles/websockets-17.4-server.json", 1);
    assert!(
        table.contains("9.3.1") && table.contains("7.1.5"),
        "the table lists the failures:\n{table}"
    );
}

#[test]
fn node_ws_server_matches_the_ws_oracle() {
    needs!(Need::NodeWs);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_peer, port) = ws_server();
    let url = format!("ws://127.0.0.1:{port}");
    // The oracle is ws 8.18.3; Debian ships 8.11, whose sections 1-10 behave alike.
    matches_oracle(Some(&url), "tests/oracles/ws-8.18.3-server.json", 0);
}
