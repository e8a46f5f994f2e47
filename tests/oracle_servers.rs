//! The catalogue against real servers, verdict by verdict against the real
//! Autobahn's results on the same implementations.

mod common;

use common::*;

/// Race verdicts (does the peer echo before it fails?) need a quiet
/// machine, as under Autobahn: these tests take turns.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn reference_echo_server_matches_the_tungstenite_oracle() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = tempfile::tempdir().unwrap();
    let o = run(&["test-server", "--out", out.path().to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let ours = read_json(&out.path().join("index.json"));
    let oracle = read_json(&repo("tests/oracles/tungstenite-server.json"));
    let n = assert_same_verdicts(&ours, &oracle, sections_1_to_10);
    assert_eq!(n, 301);
    // The per-case files exist under Autobahn's names.
    let case = read_json(&out.path().join("wsspec_echo_server_case_5_19.json"));
    assert_eq!(case["id"], "5.19");
    assert_eq!(case["behavior"], "OK");
    assert!(case["wirelog"].as_array().unwrap().len() > 4);
}

#[test]
fn python_websockets_server_matches_its_oracle() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_peer, port) = websockets_server();
    let out = tempfile::tempdir().unwrap();
    let url = format!("ws://127.0.0.1:{port}");
    let o = run(&[
        "test-server",
        &url,
        "--agent",
        "websockets-echo",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    // Autobahn fails seven cases of this server: the run must say so.
    assert_eq!(
        o.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let ours = read_json(&out.path().join("index.json"));
    let oracle = read_json(&repo("tests/oracles/websockets-17.4-server.json"));
    assert_eq!(assert_same_verdicts(&ours, &oracle, sections_1_to_10), 301);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("9.3.1") && table.contains("7.1.5"),
        "the table lists the failures:\n{table}"
    );
}

#[test]
fn node_ws_server_matches_the_ws_oracle() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_peer, port) = ws_server();
    let out = tempfile::tempdir().unwrap();
    let url = format!("ws://127.0.0.1:{port}");
    let o = run(&["test-server", &url, "--out", out.path().to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let ours = read_json(&out.path().join("index.json"));
    // The oracle is ws 8.18.3; Debian ships 8.11, whose sections 1-10 behave alike.
    let oracle = read_json(&repo("tests/oracles/ws-8.18.3-server.json"));
    assert_eq!(assert_same_verdicts(&ours, &oracle, sections_1_to_10), 301);
}
