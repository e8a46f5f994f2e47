//! Peers that misbehave, and input that is wrong: every case still ends
//! within its bound with FAILED and a reason; bad input is one line and
//! exit code 2.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// A server on a free port that treats every connection with `f`.
fn fake_server(f: fn(TcpStream)) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || f(s));
        }
    });
    port
}

/// Reads the upgrade request and returns its Sec-WebSocket-Key.
fn read_request(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut b = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut b).unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&b[..n]);
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap_or("")
        .trim()
        .to_string()
}

fn accept(s: &mut TcpStream) {
    let key = read_request(s);
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        wsspec::wire::handshake::accept_for(&key)
    );
    let _ = s.write_all(answer.as_bytes());
}

/// Runs `cases` against `port`; returns the exit code, the case reports and stderr.
fn run_cases(port: u16, cases: &str) -> (Option<i32>, Vec<Value>, String) {
    let out = tempfile::tempdir().unwrap();
    let o = run(&[
        "test-server",
        &format!("ws://127.0.0.1:{port}/"),
        "--cases",
        cases,
        "--agent",
        "bad",
        "--open-timeout",
        "1",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let index = read_json(&out.path().join("index.json"));
    let reports = only_agent(&index)
        .values()
        .map(|e| read_json(&out.path().join(e["reportfile"].as_str().unwrap())))
        .collect();
    (
        o.status.code(),
        reports,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn assert_all_failed_because(reports: &[Value], needle: &str) {
    assert!(!reports.is_empty());
    for r in reports {
        assert_eq!(r["behavior"], "FAILED", "{}", r["id"]);
        let why = format!("{} {}", r["result"], r["resultClose"]);
        assert!(
            why.contains(needle),
            "case {}: {why:?} should mention {needle:?}",
            r["id"]
        );
    }
}

/// A target that answers wsspec's first handshake with anything but an
/// upgrade is not a WebSocket server: one line, exit 2, no FAILED cases.
#[test]
fn a_target_that_is_not_a_websocket_server_is_bad_input() {
    let http = fake_server(|mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    });
    let silent = fake_server(|mut s| {
        read_request(&mut s);
        std::thread::sleep(Duration::from_secs(30));
    });
    let garbage = fake_server(|mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2\r\n\r\n");
    });
    for (port, needle) in [
        (http, "HTTP 200"),
        (silent, "did not finish within"),
        (garbage, "malformed"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let start = Instant::now();
        let o = run(&[
            "test-server",
            &format!("ws://127.0.0.1:{port}/"),
            "--open-timeout",
            "2",
            "--out",
            out.path().to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{needle}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains(needle) && err.contains(&port.to_string()), "{err}");
        assert!(start.elapsed() < Duration::from_secs(15), "{:?}", start.elapsed());
    }
}

#[test]
fn http_200_instead_of_101() {
    let port = fake_server_after_probe(|mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    });
    let (code, reports, _) = run_cases(port, "1.1.1,2.1");
    assert_eq!(code, Some(1));
    assert_eq!(reports.len(), 2);
    assert_all_failed_because(&reports, "HTTP 200");
    assert!(reports.iter().all(|r| r["behaviorClose"] == "FAILED"));
}

#[test]
fn wrong_sec_websocket_accept() {
    let port = fake_server(|mut s| {
        read_request(&mut s);
        let _ = s.write_all(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
        );
        std::thread::sleep(Duration::from_secs(2));
    });
    let (code, reports, _) = run_cases(port, "1.1.1");
    assert_eq!(code, Some(1));
    assert_all_failed_because(&reports, "Sec-WebSocket-Accept");
}

#[test]
fn peer_that_never_answers_the_handshake() {
    let port = fake_server_after_probe(|mut s| {
        read_request(&mut s);
        std::thread::sleep(Duration::from_secs(30));
    });
    let start = Instant::now();
    let (code, reports, _) = run_cases(port, "1.1.1");
    assert_eq!(code, Some(1));
    assert_all_failed_because(&reports, "did not finish within");
    assert_eq!(reports[0]["wasOpenHandshakeTimeout"], true);
    assert!(start.elapsed() < Duration::from_secs(10), "bounded by --open-timeout");
}

#[test]
fn peer_that_closes_mid_frame() {
    let port = fake_server(|mut s| {
        accept(&mut s);
        // Half of a 20-byte text frame, then TCP FIN.
        let _ = s.write_all(&[0x81, 20, b'h', b'a', b'l', b'f']);
    });
    let (code, reports, _) = run_cases(port, "1.1.1");
    assert_eq!(code, Some(1));
    assert_eq!(reports[0]["behavior"], "FAILED");
    assert_eq!(reports[0]["behaviorClose"], "FAILED");
    assert!(
        reports[0]["wasNotCleanReason"]
            .as_str()
            .unwrap()
            .contains("peer dropped the TCP connection"),
        "{}",
        reports[0]["wasNotCleanReason"]
    );
}

#[test]
fn frame_announcing_2_to_the_63_bytes() {
    let port = fake_server(|mut s| {
        accept(&mut s);
        let mut head = vec![0x82, 127];
        head.extend_from_slice(&(1u64 << 63).to_be_bytes());
        let _ = s.write_all(&head);
        // Keep sending a little and never close: the engine must not wait
        // for 2^63 bytes nor try to hold them.
        for _ in 0..40 {
            if s.write_all(&[0u8; 1024]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let start = Instant::now();
    let (code, reports, _) = run_cases(port, "1.1.1");
    assert_eq!(code, Some(1));
    let r = &reports[0];
    assert_eq!(r["behavior"], "FAILED");
    assert_eq!(r["failedByMe"], true);
    assert_eq!(r["localCloseCode"], 1002);
    assert!(
        r["failureReason"].as_str().unwrap().contains("2^63"),
        "{}",
        r["failureReason"]
    );
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn unreachable_target_is_one_line_and_exit_2() {
    let port = free_port();
    let o = run(&["test-server", &format!("ws://127.0.0.1:{port}")]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("cannot connect"), "{err}");
}

#[test]
fn bad_url_and_bad_selection_are_exit_2() {
    for args in [
        vec!["test-server", "http://127.0.0.1:1/"],
        vec!["test-server", "not a url"],
        vec!["test-server", "--cases", "1.1.99"],
        vec!["test-server", "--cases", "42.*"],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("wsspec: "), "{err}");
    }
}

/// Flags that cannot apply are bad input, said in words: no case at a
/// time, a timeout of nothing, a CA for a target without TLS, a case
/// folder that is not there (no `:0:0:` place in a file).
#[test]
fn flags_that_cannot_apply_are_exit_2_in_words() {
    for (args, says) in [
        (vec!["test-server", "--jobs", "0"], "at least 1 case must run at a time"),
        (
            vec!["test-server", "--open-timeout", "0"],
            "must be more than 0 and less than 3600 seconds, not 0",
        ),
        (
            vec!["test-server", "ws://127.0.0.1:1/", "--ca", "ca.pem"],
            "--ca is for wss:// targets, and no target here uses TLS",
        ),
        (
            vec!["test-server", "--insecure"],
            "--insecure is for wss:// targets, and no target here uses TLS",
        ),
        (
            vec!["cases", "list", "--cases-dir", "/nonexistent"],
            "/nonexistent: cannot read the folder",
        ),
        // Said before the run, not after it.
        (
            vec!["test-server", "--cases", "1.1.1", "--output", "/proc/x.xml"],
            "--output /proc/x.xml: cannot write it",
        ),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains(":0:0:"), "{args:?}: a place that is not one: {err}");
        assert!(!err.contains("cases in"), "{args:?}: ran first: {err}");
    }
}

#[test]
fn malformed_spec_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("fuzzingclient.json");
    std::fs::write(&spec, "{\"servers\": [ {\"url\": 3} ]").unwrap();
    let o = run(&["test-server", "--spec", spec.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("fuzzingclient.json") && err.contains("line"), "{err}");
}

#[test]
fn autobahn_spec_selects_servers_and_cases() {
    let (_server, port) = reference_server();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let spec = dir.path().join("fuzzingclient.json");
    let text = serde_json::json!({
        "outdir": out,
        "servers": [{"agent": "Echo-1", "url": format!("ws://127.0.0.1:{port}")}],
        "cases": ["1.*", "2.1"],
        "exclude-cases": ["1.2.*"],
        "exclude-agent-cases": {"Echo-*": ["1.1.8"]},
        "options": {"failByDrop": false}
    });
    std::fs::write(&spec, text.to_string()).unwrap();
    let o = run(&["test-server", "--spec", spec.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let index = read_json(&out.join("index.json"));
    let cases: Vec<&String> = index["Echo-1"].as_object().unwrap().keys().collect();
    assert_eq!(
        cases,
        ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7", "2.1"]
    );
    assert!(out.join("echo_1_case_2_1.json").exists());
}

/// Connections a `wrong_echo_server.py` peer in MODE accepted while
/// wsspec ran CASES against it, less the one that probes the target first,
/// with the reports.
fn connections_for(mode: &str, cases: &str) -> (usize, Vec<Value>) {
    require_websockets();
    let log = tempfile::NamedTempFile::new().unwrap();
    let (_peer, port) = python_peer("wrong_echo_server.py", &[mode], &[log.path().to_str().unwrap()]);
    let (code, reports, err) = run_cases(port, cases);
    assert_eq!(code, Some(1), "{err}");
    let opened = std::fs::read_to_string(log.path()).unwrap().lines().count();
    (opened - 1, reports)
}

/// A case that had the peer to itself has Autobahn's lone verdict already:
/// it is not run again, though load could explain its failure.
#[test]
fn a_case_that_had_the_peer_to_itself_is_not_run_again() {
    needs!(Need::PythonWebsockets);
    let (opened, reports) = connections_for("silent", "1.1.1");
    assert_eq!(reports[0]["behavior"], "FAILED", "{:#}", reports[0]);
    assert_eq!(opened, 1, "the lone case was run again");
}

/// A peer that answers wrongly (text echoed as binary) answers so crowded
/// or not: its failures among other cases are not run again.
#[test]
fn a_wrong_answer_among_others_is_not_run_again() {
    needs!(Need::PythonWebsockets);
    let (opened, reports) = connections_for("text-as-binary", "1.1.1,1.1.2,1.1.3,1.2.1,1.2.2,1.2.3");
    let failed = reports.iter().filter(|r| r["behavior"] == "FAILED").count();
    assert_eq!(failed, 3, "{reports:#?}");
    assert_eq!(opened, 6, "wrong answers were asked again");
}

/// `test-server` on `cases` against a peer that echoes text as binary, as
/// agent `bad`, with `extra` flags: the table on stdout, and when each
/// case's per-case file was written (as the case ended).
fn against_text_as_binary(cases: &str, extra: &[&str]) -> (String, impl Fn(&str) -> std::time::SystemTime) {
    let (_peer, port) = python_peer("wrong_echo_server.py", &["text-as-binary"], &[]);
    let out = tempfile::tempdir().unwrap();
    let url = format!("ws://127.0.0.1:{port}/");
    let mut args = vec!["test-server", &url, "--cases", cases, "--agent", "bad"];
    args.extend(extra);
    args.extend(["--out", out.path().to_str().unwrap()]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let ended = move |id: &str| {
        let file = out.path().join(format!("bad_case_{}.json", id.replace('.', "_")));
        std::fs::metadata(file).and_then(|m| m.modified()).unwrap()
    };
    (String::from_utf8_lossy(&o.stdout).into_owned(), ended)
}

/// Asserts that case `first` ended at least half a second before `later`.
fn ended_well_before(ended: &impl Fn(&str) -> std::time::SystemTime, first: &str, later: &str) {
    let (a, b) = (ended(first), ended(later));
    assert!(
        a + std::time::Duration::from_millis(500) < b,
        "{first} ended {:?} after {later}",
        a.duration_since(b).unwrap_or_default()
    );
}

/// A case whose events already differ and that only waits out its kill
/// timer (1.1.6 against a peer that echoes text as binary: brought forward
/// to a second) is quiet: a case that must run alone (9.1.1) does not wait
/// for it to end.
#[test]
fn a_lone_case_does_not_wait_for_a_decided_case_to_time_out() {
    needs!(Need::PythonWebsockets);
    let (_, ended) = against_text_as_binary("1.1.6,9.1.1", &[]);
    ended_well_before(&ended, "9.1.1", "1.1.6");
}

/// The reason says who closed: in 1.1.1 against a peer that echoes text
/// as binary, our kill timer sent the 1001 and the peer only answered it.
/// One case is "1 case".
#[test]
fn the_reason_says_our_kill_timer_closed_and_the_peer_answered() {
    needs!(Need::PythonWebsockets);
    let (table, _) = against_text_as_binary("1.1.1", &[]);
    assert!(
        table.contains(
            "We sent the first close frame (1001 \"Going Away\"), as the case's kill timer fired after 1 s, at 1."
        ),
        "{table}"
    );
    assert!(!table.contains("The peer closed with"), "{table}");
    assert!(table.contains("1 case: 0 OK") && !table.contains("1 cases"), "{table}");
}

/// A case whose `behavior` is decided only waits to see the peer close:
/// it gives its slot to the next case. With `--jobs 1`, 1.2.1 (binary,
/// echoed correctly) runs while 1.1.6 (text echoed as binary) waits out
/// its kill timer, not after.
#[test]
fn a_decided_case_gives_its_slot_to_the_next() {
    needs!(Need::PythonWebsockets);
    let (_, ended) = against_text_as_binary("1.1.6,1.2.1", &["--jobs", "1"]);
    ended_well_before(&ended, "1.2.1", "1.1.6");
}

/// Autobahn runs one case at a time. A server that fails only while another
/// connection is open must get Autobahn's verdict, not one made by our
/// schedule: a case that fails among others is run again alone, and the
/// report says what the crowded run saw.
#[test]
fn a_peer_that_breaks_under_concurrent_connections_gets_its_lone_verdicts() {
    needs!(Need::PythonWebsockets);
    let (_peer, port) = python_server("crowd_sensitive_server.py");
    let (code, reports, err) = run_cases(port, "1.1.1,1.1.2,1.1.3,1.1.4,1.1.5,1.1.6,1.1.7,1.1.8");
    assert_eq!(code, Some(0), "{err}");
    for r in &reports {
        assert_eq!(
            (r["behavior"].as_str(), r["behaviorClose"].as_str()),
            (Some("OK"), Some("OK")),
            "{r:#}"
        );
    }
    let noted: Vec<_> = reports
        .iter()
        .flat_map(|r| r["findings"].as_array().cloned().unwrap_or_default())
        .filter(|f| f.as_str().is_some_and(|f| f.contains("run again alone")))
        .collect();
    assert!(!noted.is_empty(), "no case says the crowded run failed: {reports:#?}");
}
