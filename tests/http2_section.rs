//! The RFC 8441 section (`h2.*`) against real servers: the reference
//! server (hyper), hypercorn over h2c and over TLS. Each one's verdicts
//! are recorded in tests/expected/h2-<peer>.json and a change fails here
//! (WSSPEC_RECORD_EXPECTED=1 writes them again; then read the diff).

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

type Verdicts = BTreeMap<String, (String, String)>;

/// `test-server` on the section; the verdicts and the report folder.
fn section(url: Option<&str>, cases: &str, extra: &[&str]) -> (Verdicts, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["test-server"];
    args.extend(url);
    args.extend(["--cases", cases, "--out", out.path().to_str().unwrap()]);
    args.extend(extra);
    let o = run(&args);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let got = verdict_pairs(&read_json(&out.path().join("index.json")));
    (got, out)
}

/// A case's per-case file.
fn case_file(dir: &std::path::Path, id: &str) -> Value {
    let index = read_json(&dir.join("index.json"));
    let entry = &only_agent(&index)[id];
    read_json(&dir.join(entry["reportfile"].as_str().unwrap()))
}

#[test]
fn the_reference_server_keeps_its_recorded_verdicts() {
    let (got, out) = section(None, "h2.*", &[]);
    assert!(got.len() >= 20, "{} cases ran", got.len());
    assert_recorded("h2-reference.json", &got);
    // Every case quotes the RFC sentence it rests on.
    let c = case_file(out.path(), "h2.2.7");
    let expectation = c["expectation"].as_str().unwrap();
    assert!(
        expectation.contains("They MUST NOT be included in the CONNECT request defined here."),
        "{expectation}"
    );
    assert!(
        c["result"].as_str().unwrap().contains("PROTOCOL_ERROR"),
        "{}",
        c["result"]
    );
}

#[test]
fn hypercorn_over_h2c_keeps_its_recorded_verdicts() {
    needs!(Need::Hypercorn);
    let (_peer, port) = python_peer("hypercorn_echo.py", &[], &[]);
    let (got, out) = section(
        Some(&format!("ws://127.0.0.1:{port}/")),
        "h2.*",
        &["--agent", "hypercorn"],
    );
    assert_recorded("h2-hypercorn.json", &got);
    // A case that is not OK shows the frames both ways.
    let c = case_file(out.path(), "h2.3.1");
    let findings = c["findings"].to_string();
    assert!(findings.contains("HTTP/2 frames: → SETTINGS[0]"), "{findings}");
}

/// Over TLS the section runs with ALPN h2 and gives what it gives over h2c.
#[test]
fn hypercorn_over_tls_gives_its_h2c_verdicts() {
    needs!(Need::Hypercorn);
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = self_signed_localhost(dir.path());
    let tls = [
        "--certfile",
        cert_pem.to_str().unwrap(),
        "--keyfile",
        key_pem.to_str().unwrap(),
    ];
    let (_peer, port) = python_peer("hypercorn_echo.py", &[], &tls);
    let url = format!("wss://localhost:{port}/");
    let (got, out) = section(
        Some(&url),
        "h2.*",
        &["--agent", "hypercorn", "--ca", cert_pem.to_str().unwrap()],
    );
    assert_recorded("h2-hypercorn.json", &got);
    let c = case_file(out.path(), "h2.1.2");
    assert!(c["tls"].as_str().unwrap().starts_with("TLS 1."), "{}", c["tls"]);
}

/// A server that speaks no HTTP/2 fails every case with why, in bounded
/// time: the section is bad news about the server, not a hang.
#[test]
fn a_server_without_http2_fails_each_case_with_why() {
    needs!(Need::PythonWebsockets);
    let (_peer, port) = python_peer("websockets_echo_server.py", &[], &[]);
    let started = std::time::Instant::now();
    let (got, out) = section(Some(&format!("ws://127.0.0.1:{port}/")), "h2.1.1,h2.2.1", &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert!(got.values().all(|v| v.0 == "FAILED"), "{got:?}");
    let c = case_file(out.path(), "h2.1.1");
    assert!(c["result"].as_str().unwrap().contains("HTTP/2"), "{}", c["result"]);
}
