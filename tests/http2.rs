//! `test-server --http2`: the catalogue over RFC 8441's extended CONNECT,
//! against hypercorn (h2c with prior knowledge), with the verdicts it gets
//! over HTTP/1.1 from the same program save where its HTTP/2 path breaks;
//! and targets that cannot do it, in one line.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

/// Sections 1-7 and 10, less what races at any pace against hypercorn
/// (tests/zoo.rs: 3.4, 4.1.5, 4.2.5) and the 6.4.x waits.
const CASES: &str = "1.*,2.*,3.*,4.*,5.*,6.1.*,6.2.*,6.3.*,7.*,10.*";
const RACES: [&str; 3] = ["3.4", "4.1.5", "4.2.5"];

/// The verdict pairs and the report folder of a run of `cases` on `url`
/// with `extra`.
fn run_on(url: &str, cases: &str, extra: &[&str]) -> (BTreeMap<String, (String, String)>, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec![
        "test-server",
        url,
        "--cases",
        cases,
        "--exclude",
        "6.4.*",
        "--out",
        out.path().to_str().unwrap(),
    ];
    args.extend(extra);
    let o = run(&args);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let index = read_json(&out.path().join("index.json"));
    let pairs = only_agent(&index)
        .iter()
        .filter(|(id, _)| !RACES.contains(&id.as_str()))
        .map(|(id, v)| {
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            (id.clone(), (s("behavior"), s("behaviorClose")))
        })
        .collect();
    (pairs, out)
}

/// Whether, in the run whose report is `dir`, the peer failed the
/// connection of case `id` on an error: closed with 1002 or 1007, or
/// dropped it without a clean closing handshake (hypercorn's way).
fn peer_failed(dir: &std::path::Path, id: &str) -> bool {
    let index = read_json(&dir.join("index.json"));
    let entry = &only_agent(&index)[id];
    let case = read_json(&dir.join(entry["reportfile"].as_str().unwrap()));
    matches!(case["remoteCloseCode"].as_u64(), Some(1002 | 1007))
        || (case["wasClean"] == false && case["droppedByMe"] == false)
}

/// Over h2c, hypercorn gives every case its HTTP/1.1 verdict but one kind:
/// where it fails the connection on an error (over HTTP/1.1 it drops TCP),
/// its HTTP/2 path stops (hypercorn 0.18's h2
/// handler raises KeyError on the stream it has just closed) and sends
/// neither a close frame nor RST_STREAM, so those cases come out worse.
/// Anything else differing fails the test.
#[test]
fn hypercorn_over_h2c_gets_its_http1_verdicts() {
    needs!(Need::Hypercorn);
    let (_peer, port) = python_peer("hypercorn_echo.py", &[], &[]);
    let url = format!("ws://127.0.0.1:{port}/");
    let (http1, dir1) = run_on(&url, CASES, &[]);
    let (http2, dir) = run_on(&url, CASES, &["--http2"]);
    assert!(http2.len() > 100, "{} cases", http2.len());
    let mut same = 0;
    let mut differ = Vec::new();
    for (id, v) in &http1 {
        let Some(w) = http2.get(id) else {
            differ.push(format!("{id}: not run over HTTP/2"));
            continue;
        };
        if v == w {
            same += 1;
        } else if !(peer_failed(dir1.path(), id) && w.1 != "OK") {
            differ.push(format!("{id}: HTTP/1.1 {v:?}, HTTP/2 {w:?}"));
        }
    }
    assert!(differ.is_empty(), "{} differ:\n{}", differ.len(), differ.join("\n"));
    assert!(same >= 60, "only {same} cases alike");
    // Each per-case file says it ran over HTTP/2, with RFC 8441's heads.
    let index = read_json(&dir.path().join("index.json"));
    let (agent, cases) = index.as_object().unwrap().iter().next().unwrap();
    assert!(agent.ends_with(" over HTTP/2"), "{agent}");
    let first = cases.as_object().unwrap().values().next().unwrap();
    let case: Value = read_json(&dir.path().join(first["reportfile"].as_str().unwrap()));
    assert_eq!(
        case["transport"],
        "HTTP/2 cleartext (h2c, prior knowledge), stream 1, RFC 8441 extended CONNECT"
    );
    assert!(
        case["httpRequest"].as_str().unwrap().contains(":protocol: websocket"),
        "{}",
        case["httpRequest"]
    );
    assert!(
        case["httpResponse"].as_str().unwrap().starts_with(":status: 200"),
        "{}",
        case["httpResponse"]
    );
}

/// A target that cannot take WebSockets over HTTP/2 is said in one line,
/// exit 2, not a report of FAILED cases.
#[test]
fn a_target_without_rfc_8441_is_one_line_and_exit_2() {
    needs!(Need::PythonWebsockets);
    let (_peer, port) = python_peer("websockets_echo_server.py", &[], &[]);
    let o = run(&[
        "test-server",
        &format!("ws://127.0.0.1:{port}/"),
        "--http2",
        "--cases",
        "1.1.1",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("does not speak HTTP/2"), "{err}");
}

/// With no URL, `--http2` runs on the built-in reference server, which
/// speaks RFC 8441 on the port it speaks HTTP/1.1 on: Autobahn's 517 get
/// over HTTP/2 the verdicts they get over HTTP/1.1, case by case.
#[test]
fn the_reference_server_gets_its_http1_verdicts_over_http2() {
    let verdicts = |extra: &[&str]| {
        let out = tempfile::tempdir().unwrap();
        let mut args = vec!["test-server", "--out", out.path().to_str().unwrap()];
        args.extend(extra);
        let o = run(&args);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(0), "{err}");
        let index = read_json(&out.path().join("index.json"));
        let agent = index.as_object().unwrap().keys().next().unwrap().clone();
        (agent, verdict_pairs(&index))
    };
    let (agent1, http1) = verdicts(&[]);
    let (agent2, http2) = verdicts(&["--http2"]);
    assert_eq!(agent1, "wsspec-echo-server");
    assert_eq!(agent2, "wsspec-echo-server over HTTP/2");
    assert_eq!(http2.len(), 517);
    let differ: Vec<_> = http1
        .iter()
        .filter(|(id, v)| http2.get(*id) != Some(v))
        .map(|(id, v)| format!("{id}: HTTP/1.1 {v:?}, HTTP/2 {:?}", http2.get(id)))
        .collect();
    assert!(differ.is_empty(), "{} differ:\n{}", differ.len(), differ.join("\n"));
}

/// Over TLS, ALPN agrees to h2 and the extended CONNECT runs as in h2c;
/// the per-case file names the TLS session and the transport.
#[test]
fn hypercorn_over_tls_h2() {
    needs!(Need::Hypercorn);
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = self_signed_localhost(dir.path());
    let (_peer, port) = python_peer(
        "hypercorn_echo.py",
        &[],
        &[
            "--certfile",
            cert_pem.to_str().unwrap(),
            "--keyfile",
            key_pem.to_str().unwrap(),
        ],
    );
    let url = format!("wss://localhost:{port}/");
    let (pairs, out) = run_on(&url, "1.*,2.1", &["--http2", "--ca", cert_pem.to_str().unwrap()]);
    assert_eq!(pairs["1.1.1"], ("OK".to_string(), "OK".to_string()));
    let index = read_json(&out.path().join("index.json"));
    let entry = &only_agent(&index)["1.1.1"];
    let case = read_json(&out.path().join(entry["reportfile"].as_str().unwrap()));
    assert_eq!(
        case["transport"],
        "HTTP/2 over TLS (ALPN h2), stream 1, RFC 8441 extended CONNECT"
    );
    assert!(case["tls"].as_str().unwrap().starts_with("TLS 1."), "{}", case["tls"]);
}

/// `test-clients` takes RFC 8441 from a client (h2c with prior knowledge
/// here) and the reference client speaks it: its 517 verdicts over one
/// HTTP/2 connection are its 517 over HTTP/1.1, case by case, and each
/// per-case file names the stream the case ran on.
#[test]
fn the_reference_client_gets_its_http1_verdicts_over_http2() {
    let verdicts = |extra: &[&str]| {
        let out = tempfile::tempdir().unwrap();
        let (server, port) = fuzzing_server(out.path(), &[]);
        let mut args = vec![
            "echo-client".to_string(),
            format!("ws://127.0.0.1:{port}"),
            "--agent".into(),
            "ref".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        ran_to_the_end(&wait_bounded(server, std::time::Duration::from_secs(60)));
        let index = read_json(&out.path().join("index.json"));
        let case = read_json(
            &out.path()
                .join(only_agent(&index)["2.1"]["reportfile"].as_str().unwrap()),
        );
        (
            verdict_pairs(&index),
            case["transport"].as_str().unwrap().to_string(),
            out,
        )
    };
    let (http1, transport1, _d1) = verdicts(&[]);
    let (http2, transport2, _d2) = verdicts(&["--http2"]);
    assert_eq!(http2.len(), 517);
    assert_eq!(transport1, "HTTP/1.1");
    assert!(
        transport2.starts_with("HTTP/2 cleartext (h2c, prior knowledge), stream ")
            && transport2.ends_with("RFC 8441 extended CONNECT"),
        "{transport2}"
    );
    let differ: Vec<_> = http1
        .iter()
        .filter(|(id, v)| http2.get(*id) != Some(v))
        .map(|(id, v)| format!("{id}: HTTP/1.1 {v:?}, HTTP/2 {:?}", http2.get(id)))
        .collect();
    assert!(differ.is_empty(), "{} differ:\n{}", differ.len(), differ.join("\n"));
}

/// Servers that misbehave around RFC 8441 (tests/peers/hostile_h2_server.py)
/// and a TLS server without `h2`: a target that cannot be tested is one
/// line and exit 2; otherwise each case ends within its bound, FAILED with
/// why.
#[test]
fn misbehaving_http2_servers_get_bounded_verdicts_or_one_line() {
    needs!(Need::Hypercorn);
    // GOAWAY at once: nothing can be tested.
    let (_goaway, port) = python_peer("hostile_h2_server.py", &["goaway"], &[]);
    let o = run(&[
        "test-server",
        &format!("ws://127.0.0.1:{port}/"),
        "--http2",
        "--cases",
        "1.1.1",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // A TLS server that does not agree to h2 by ALPN.
    let dir = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = self_signed_localhost(dir.path());
    let (_tls, port) = python_peer(
        "websockets_echo_server.py",
        &[],
        &[cert_pem.to_str().unwrap(), key_pem.to_str().unwrap()],
    );
    let url = format!("wss://localhost:{port}/");
    let o = run(&[
        "test-server",
        &url,
        "--http2",
        "--ca",
        cert_pem.to_str().unwrap(),
        "--cases",
        "1.1.1",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("did not agree to h2 by ALPN"), "{err}");
    // A window never opened, and a 200 followed by nothing: FAILED, in
    // bounded time, with why.
    for (mode, says) in [
        ("no-window", "flow-control window, which it never opened"),
        ("silent-200", "nothing more came"),
    ] {
        let (_peer, port) = python_peer("hostile_h2_server.py", &[mode], &[]);
        let started = std::time::Instant::now();
        let (pairs, out) = run_on(&format!("ws://127.0.0.1:{port}/"), "1.1.1", &["--http2"]);
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "{mode}");
        assert_eq!(pairs["1.1.1"].0, "FAILED", "{mode}");
        let index = read_json(&out.path().join("index.json"));
        let case = read_json(
            &out.path()
                .join(only_agent(&index)["1.1.1"]["reportfile"].as_str().unwrap()),
        );
        let text = case.to_string();
        assert!(text.contains(says), "{mode}: {text}");
    }
}
