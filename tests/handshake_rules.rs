//! The handshake section's rules, one peer each that is wrong (or merely
//! unusual) in the way a rule is about (tests/peers/handshake_peer.py and
//! handshake_client.py): the verdict the quoted clause gives, and drivers
//! that read the peer right.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use serde_json::Value;

/// `test-server` on `cases` against handshake_peer.py in `mode`: each
/// case's per-case file.
fn server(mode: &str, cases: &str) -> Vec<Value> {
    let (_peer, port) = python_peer("handshake_peer.py", &[mode], &[]);
    let out = tempfile::tempdir().unwrap();
    let url = format!("ws://127.0.0.1:{port}/");
    let o = run(&[
        "test-server",
        &url,
        "--cases",
        cases,
        "--agent",
        "peer",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    per_case(out.path())
}

fn per_case(dir: &std::path::Path) -> Vec<Value> {
    let index = read_json(&dir.join("index.json"));
    let mut all: Vec<Value> = only_agent(&index)
        .values()
        .map(|e| read_json(&dir.join(e["reportfile"].as_str().unwrap())))
        .collect();
    all.sort_by_key(|c| c["id"].as_str().unwrap().to_string());
    all
}

/// `test-clients --once` on `cases` driven by handshake_client.py in
/// `mode`: each case's per-case file, and the client's standard error.
fn client(mode: &str, cases: &str) -> (Vec<Value>, String) {
    let out = tempfile::tempdir().unwrap();
    let (server, port) = fuzzing_server(out.path(), &["--cases", cases]);
    let count = cases.split(',').count().to_string();
    let o = std::process::Command::new(python())
        .arg(repo("tests/peers/handshake_client.py"))
        .args([mode, &format!("ws://127.0.0.1:{port}"), &count])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    wait_bounded(server, Duration::from_secs(60));
    (per_case(out.path()), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn verdict(c: &Value) -> (&str, &str) {
    (c["behavior"].as_str().unwrap(), c["result"].as_str().unwrap())
}

#[test]
fn a_refusal_is_an_error_status_not_silence_nor_a_200() {
    needs!(Need::Python);
    let silent = server("silent", "hs.1.1");
    assert_eq!(verdict(&silent[0]).0, "FAILED", "{}", silent[0]["result"]);
    let ok200 = server("ok200", "hs.1.1");
    assert_eq!(verdict(&ok200[0]).0, "FAILED", "{}", ok200[0]["result"]);
    assert!(verdict(&ok200[0]).1.contains("as to a plain HTTP request"));
}

#[test]
fn a_101_to_h2c_is_not_a_websocket_upgrade() {
    needs!(Need::Python);
    let c = server("h2c", "hs.1.14");
    assert_eq!(verdict(&c[0]).0, "OK", "{}", c[0]["result"]);
}

#[test]
fn a_server_may_authenticate_redirect_or_refuse_an_origin() {
    needs!(Need::Python);
    for (mode, case) in [
        ("auth401", "hs.2.1"),
        ("redirect302", "hs.2.1"),
        ("forbid-origin", "hs.2.9"),
    ] {
        let c = server(mode, case);
        assert_eq!(verdict(&c[0]).0, "INFORMATIONAL", "{mode}: {}", c[0]["result"]);
    }
}

#[test]
fn refusing_the_whole_handshake_over_an_offer_is_non_strict_alike() {
    needs!(Need::Python);
    let got = server("refuse-offers", "hs.4.8,hs.4.9,hs.4.13");
    for c in &got {
        assert_eq!(verdict(c).0, "NON-STRICT", "{}: {}", c["id"], c["result"]);
    }
}

#[test]
fn deflate_answers_are_judged_by_rfc_7692_words() {
    needs!(Need::Python);
    // client_max_window_bits=10 is a hint: an answer of 12 is allowed.
    let c = server("deflate-cmwb12", "hs.4.6");
    assert_eq!(verdict(&c[0]).0, "OK", "{}", c[0]["result"]);
    // Taking the plain second offer over server_no_context_takeover.
    let c = server("deflate-plain", "hs.4.5");
    assert_eq!(verdict(&c[0]).0, "NON-STRICT", "{}", c[0]["result"]);
    // `+10` is not `1*DIGIT`: the offer MUST be declined.
    let c = server("deflate-any", "hs.4.19");
    assert_eq!(verdict(&c[0]).0, "FAILED", "{}", c[0]["result"]);
}

#[test]
fn what_no_clause_decides_is_informational() {
    needs!(Need::Python);
    let got = server("silent", "hs.5.2,hs.5.4");
    for c in &got {
        assert_eq!(verdict(c).0, "INFORMATIONAL", "{}: {}", c["id"], c["result"]);
    }
    // The half request's connection is closed before the next one opens.
    let got = server("one-at-a-time", "hs.5.4");
    assert!(
        !verdict(&got[0]).1.contains("no longer accepts"),
        "{}",
        got[0]["result"]
    );
}

#[test]
fn the_answer_survives_a_reset_after_it() {
    needs!(Need::Python);
    let c = server("rst-431", "hs.5.3");
    assert_eq!(verdict(&c[0]).1, "The server answered HTTP 431.", "{}", c[0]["result"]);
}

#[test]
fn a_101_with_a_fold_or_many_headers_is_http() {
    needs!(Need::Python);
    for mode in ["folded-101", "many-headers-101"] {
        let c = server(mode, "hs.2.1");
        assert_eq!(verdict(&c[0]).0, "OK", "{mode}: {}", c[0]["result"]);
    }
}

#[test]
fn a_client_that_fails_and_waits_for_the_server_passes() {
    needs!(Need::Python);
    let (got, _) = client("idle", "hs.6.1,hs.6.8");
    for c in &got {
        assert_eq!(verdict(c).0, "OK", "{}: {}", c["id"], c["result"]);
    }
}

#[test]
fn a_compressed_echo_of_an_answer_to_fail_is_caught() {
    needs!(Need::Python);
    let (got, _) = client("compress-all", "hs.6.14");
    assert_eq!(verdict(&got[0]).0, "FAILED", "{}", got[0]["result"]);
}

#[test]
fn a_normal_close_after_an_answer_to_fail_took_the_connection() {
    needs!(Need::Python);
    let (got, _) = client("close-normal", "hs.6.8");
    assert_eq!(verdict(&got[0]).0, "NON-STRICT", "{}", got[0]["result"]);
}

#[test]
fn answers_other_than_101_are_valid_http() {
    needs!(Need::Python);
    let (_, stderr) = client("http-reader", "hs.6.1,hs.6.2,hs.6.3,hs.6.22");
    assert!(!stderr.contains("bad-http"), "{stderr}");
}

#[test]
fn the_clients_own_request_is_checked_on_every_case() {
    needs!(Need::Python);
    let (got, _) = client("reuse-key", "hs.6.1,hs.6.2");
    let findings: Vec<String> = got
        .iter()
        .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    assert!(findings.iter().any(|f| f.contains("was used before")), "{findings:?}");
}
