//! Testing clients: real client drivers against `wsspec test-clients`,
//! verdict by verdict against the real Autobahn's results.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use serde_json::Value;

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `driver BASE_URL` against `test-clients --once`; returns the index.
fn client_run(driver: std::process::Command, limit: Duration, extra: &[&str]) -> Value {
    let out = tempfile::tempdir().unwrap();
    let (server, port) = fuzzing_server(out.path(), extra);
    let mut driver = driver;
    let status = driver
        .arg(format!("ws://127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("driver runs");
    assert!(status.success(), "the client driver failed");
    let o = wait_bounded(server, limit);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("Total"), "the table is printed at the end:\n{table}");
    let index = read_json(&out.path().join("index.json"));
    let code = o.status.code();
    let failed = only_agent(&index)
        .values()
        .any(|v| v["behavior"] == "FAILED" || v["behaviorClose"] == "FAILED" || v["behaviorClose"] == "UNCLEAN");
    assert_eq!(code, Some(if failed { 1 } else { 0 }), "exit code follows the verdicts");
    index
}

#[test]
fn reference_echo_client_matches_tungstenite() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut c = wsspec();
    c.arg("echo-client");
    let ours = client_run(c, Duration::from_secs(60), &[]);
    // tokio-tungstenite's client shares its protocol code with the server
    // behind the tungstenite oracle: the verdicts are the same.
    let oracle = read_json(&repo("tests/oracles/tungstenite-server.json"));
    assert_eq!(assert_same_verdicts(&ours, &oracle, |_| true), 517);
}

/// Clients that compress run sections 12-13 in tests/compression.rs.
const NO_COMPRESSION: [&str; 2] = ["--exclude", "12.*,13.*"];

#[test]
fn python_websockets_client_matches_its_oracle() {
    needs!(Need::PythonWebsockets);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    require_websockets();
    let mut c = std::process::Command::new(python());
    c.arg(repo("tests/peers/websockets_fuzz_client.py"));
    let mut ours = client_run(c, Duration::from_secs(200), &NO_COMPRESSION);
    let oracle = read_json(&repo("tests/oracles/websockets-17.4-client.json"));
    tolerate_races(&mut ours, &oracle);
    assert_eq!(assert_same_verdicts(&ours, &oracle, sections_1_to_10), 301);
}

#[test]
fn node_ws_client_matches_the_ws_oracle() {
    needs!(Need::NodeWs);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    require_node_ws();
    let mut c = node();
    c.arg(repo("tests/peers/ws_fuzz_client.js"));
    let ours = client_run(c, Duration::from_secs(60), &NO_COMPRESSION);
    // No client oracle exists for ws; its server and client share the
    // protocol code, and the server's verdicts (ws 8.18.3) are the reference.
    let oracle = read_json(&repo("tests/oracles/ws-8.18.3-server.json"));
    assert_eq!(assert_same_verdicts(&ours, &oracle, sections_1_to_10), 301);
}
