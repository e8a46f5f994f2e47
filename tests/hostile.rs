//! Hostile peers, written for the purpose: servers and clients that flood,
//! never read, send absurd lengths, use absurd names, or are not there.
//! Each test bounds wsspec's wall time and peak memory (the child's own
//! `ru_maxrss`, from wait4), checks that the report exists and that the
//! next well-behaved peer is still served. Figures for the whole catalogue
//! are in scripts/bench-hostile.sh; these use a few cases of each kind.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// The memory a run may take against any of these peers, in MiB.
const RSS_BOUND_MIB: i64 = 300;

struct Measured {
    code: Option<i32>,
    stderr: String,
    peak_rss_mib: i64,
    elapsed: Duration,
}

/// Runs `cmd` to its end (killed past `limit`), with its peak RSS.
fn measured(mut cmd: Command, limit: Duration) -> Measured {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let start = Instant::now();
    // Reaped by wait4 below, which also gives the peak RSS.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().expect("wsspec starts");
    let pid = child.id() as libc::pid_t;
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let done = Arc::new(AtomicBool::new(false));
    let watch = done.clone();
    std::thread::spawn(move || {
        while !watch.load(Ordering::SeqCst) {
            if start.elapsed() > limit {
                // SAFETY: the child has not been waited for yet (done is false).
                unsafe { libc::kill(pid, libc::SIGKILL) };
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let mut status = 0;
    // SAFETY: rusage is plain data, filled in by wait4.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, whose pid we hold.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    done.store(true, Ordering::SeqCst);
    assert_eq!(r, pid, "wait4");
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    assert!(elapsed < limit, "still running after {limit:?}; stderr: {stderr}");
    Measured {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        stderr,
        peak_rss_mib: usage.ru_maxrss / 1024,
        elapsed,
    }
}

fn hostile_server(mode: &str, header: Option<&str>) -> (Peer, u16) {
    let after: Vec<&str> = header.map(|h| vec!["--server-header", h]).unwrap_or_default();
    python_peer("hostile_server.py", &[mode], &after)
}

/// Runs `cases` against the hostile server and then a well-behaved one
/// (Python websockets) in one run, from a spec; checks the bounds and that
/// both have their reports.
fn against_hostile_then_good(mode: &str, cases: &[&str], jobs: &str, limit: Duration) -> (Measured, Value) {
    let (_bad, bad_port) = hostile_server(mode, None);
    let (_good, good_port) = websockets_server();
    let out = tempfile::tempdir().unwrap();
    let spec = out.path().join("spec.json");
    let mut cases = cases.to_vec();
    if !cases.contains(&"1.1.1") {
        cases.push("1.1.1");
    }
    std::fs::write(
        &spec,
        serde_json::json!({
            "outdir": out.path().join("reports"),
            "servers": [
                {"agent": "hostile", "url": format!("ws://127.0.0.1:{bad_port}")},
                {"agent": "good", "url": format!("ws://127.0.0.1:{good_port}")},
            ],
            "cases": cases,
        })
        .to_string(),
    )
    .unwrap();
    let mut cmd = wsspec();
    cmd.args(["test-server", "--spec", spec.to_str().unwrap(), "--jobs", jobs]);
    let m = measured(cmd, limit);
    assert!(
        m.peak_rss_mib < RSS_BOUND_MIB,
        "{mode}: peak RSS {} MiB (bound {RSS_BOUND_MIB})",
        m.peak_rss_mib
    );
    assert!(matches!(m.code, Some(0 | 1)), "{mode}: exit {:?}: {}", m.code, m.stderr);
    let index = read_json(&out.path().join("reports/index.json"));
    for agent in ["hostile", "good"] {
        let entries = index[agent]
            .as_object()
            .unwrap_or_else(|| panic!("{mode}: no {agent} in the index"));
        assert_eq!(entries.len(), cases.len(), "{mode}: {agent}");
        for e in entries.values() {
            let file = out.path().join("reports").join(e["reportfile"].as_str().unwrap());
            let size = std::fs::metadata(&file).unwrap().len();
            assert!(size < 4 << 20, "{mode}: {} is {size} bytes", file.display());
        }
    }
    assert_eq!(
        index["good"]["1.1.1"]["behavior"], "OK",
        "{mode}: the next server is served"
    );
    (m, index)
}

const FEW: &[&str] = &["1.1.2", "2.1", "5.1", "6.1.1", "7.1.1", "9.1.1"];

#[test]
fn a_server_flooding_empty_continuation_frames() {
    needs!(Need::PythonWebsockets);
    let (_, index) = against_hostile_then_good("flood-continue", FEW, "32", Duration::from_secs(120));
    assert_eq!(index["hostile"]["2.1"]["behavior"], "FAILED");
}

#[test]
fn a_server_flooding_text() {
    needs!(Need::PythonWebsockets);
    let (_, index) = against_hostile_then_good("flood-text", FEW, "32", Duration::from_secs(120));
    assert_eq!(index["hostile"]["1.1.2"]["behavior"], "FAILED");
}

#[test]
fn a_server_flooding_pings_without_reading_our_pongs() {
    needs!(Need::PythonWebsockets);
    let (m, index) = against_hostile_then_good("flood-pings", FEW, "32", Duration::from_secs(120));
    assert_eq!(index["hostile"]["2.1"]["behavior"], "FAILED", "{}", m.stderr);
}

#[test]
fn a_server_sending_data_after_its_close() {
    needs!(Need::PythonWebsockets);
    against_hostile_then_good("after-close", FEW, "32", Duration::from_secs(120));
}

#[test]
fn a_server_declaring_a_frame_of_2_to_the_63() {
    needs!(Need::PythonWebsockets);
    let (_, index) = against_hostile_then_good("huge-header", FEW, "32", Duration::from_secs(120));
    assert_eq!(index["hostile"]["1.1.2"]["behavior"], "FAILED");
}

/// Sixteen cases at once, each answered with 64 MiB: kept whole, that was
/// a gigabyte.
#[test]
fn a_server_answering_every_case_with_64_mib() {
    needs!(Need::PythonWebsockets);
    let cases: Vec<String> = (1..=8)
        .map(|i| format!("1.1.{i}"))
        .chain((1..=8).map(|i| format!("1.2.{i}")))
        .collect();
    let cases: Vec<&str> = cases.iter().map(String::as_str).collect();
    let (m, index) = against_hostile_then_good("big", &cases, "32", Duration::from_secs(180));
    assert_eq!(index["hostile"]["1.1.8"]["behavior"], "FAILED", "{}", m.stderr);
}

/// The kill timer of a case firing while our close waits for an answer is
/// said as such, not as a bare "it was not".
#[test]
fn a_kill_during_closing_says_so() {
    needs!(Need::Python);
    let (_bad, port) = hostile_server("flood-text", None);
    let out = tempfile::tempdir().unwrap();
    let o = run(&[
        "test-server",
        &format!("ws://127.0.0.1:{port}"),
        "--cases",
        "6.1.1,7.1.1,2.1",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let index = read_json(&out.path().join("index.json"));
    for e in only_agent(&index).values() {
        let r = read_json(&out.path().join(e["reportfile"].as_str().unwrap()));
        let close = r["resultClose"].as_str().unwrap();
        assert!(!close.ends_with("it was not."), "{}: {close}", r["id"]);
    }
}

#[test]
fn a_300_character_server_name_loses_no_report() {
    needs!(Need::Python);
    let name = "N".repeat(300);
    let (_peer, port) = hostile_server("echo", Some(&name));
    let out = tempfile::tempdir().unwrap();
    let o = run(&[
        "test-server",
        &format!("ws://127.0.0.1:{port}"),
        "--cases",
        "1.1.1,1.1.2,2.1",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{err}");
    let index = read_json(&out.path().join("index.json"));
    let cases = index[&name].as_object().expect("the agent under its own name");
    assert_eq!(cases.len(), 3);
    for e in cases.values() {
        let f = e["reportfile"].as_str().unwrap();
        assert!(f.len() < 120, "{f}");
        assert!(out.path().join(f).exists(), "{f}");
    }
    assert_eq!(err.matches("too long for file names").count(), 1, "said once: {err}");
}

/// Nothing answers: a listener whose backlog is full never completes a
/// connection. One line, exit 2, in seconds, not 517 timeouts.
#[test]
fn a_listener_that_never_completes_connections() {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into())
        .unwrap();
    socket.listen(0).unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    // Fill the backlog: later connections wait for a SYN-ACK that never comes.
    let _held: Vec<_> = (0..4)
        .filter_map(|_| TcpStream::connect_timeout(&addr, Duration::from_millis(300)).ok())
        .collect();
    let mut cmd = wsspec();
    cmd.args(["test-server", &format!("ws://{addr}"), "--out"])
        .arg(tempfile::tempdir().unwrap().path());
    let m = measured(cmd, Duration::from_secs(60));
    assert_eq!(m.code, Some(2), "{}", m.stderr);
    assert_eq!(m.stderr.trim().lines().count(), 1, "{}", m.stderr);
    assert!(m.elapsed < Duration::from_secs(15), "{:?}", m.elapsed);
}

/// A server that answers once (the probe) and then never again: the run
/// gives up after the first cases, with one line and exit 2.
#[test]
fn a_server_that_answers_once_then_never() {
    let port = fake_server_after_probe(|s| {
        let _s = s;
        std::thread::sleep(Duration::from_secs(120));
    });
    let out = tempfile::tempdir().unwrap();
    let mut cmd = wsspec();
    cmd.args([
        "test-server",
        &format!("ws://127.0.0.1:{port}"),
        "--open-timeout",
        "2",
        "--out",
    ])
    .arg(out.path());
    let m = measured(cmd, Duration::from_secs(120));
    assert_eq!(m.code, Some(2), "{}", m.stderr);
    assert!(m.stderr.contains("no case could open a connection"), "{}", m.stderr);
    assert!(m.elapsed < Duration::from_secs(15), "{:?}", m.elapsed);
    assert!(out.path().join("index.json").exists(), "what ran is reported");
}

fn good_client(port: u16, agent: &str) {
    require_websockets();
    let status = Command::new(python())
        .arg(repo("tests/peers/websockets_fuzz_client.py"))
        .arg(format!("ws://127.0.0.1:{port}"))
        .arg(agent)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

fn hostile_client(mode: &str, port: u16, agent: &str, n: usize) {
    let status = Command::new(python())
        .arg(repo("tests/peers/hostile_client.py"))
        .args([mode, &format!("ws://127.0.0.1:{port}"), agent, &n.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// In the client role, one client's 300-character name must not lose
/// another's reports, and "good" and "good!" must not share files.
#[test]
fn client_names_never_cost_a_report() {
    needs!(Need::PythonWebsockets);
    let out = tempfile::tempdir().unwrap();
    let (mut server, port) = fuzzing_server_serving(out.path(), "1.1.1,1.1.2");
    let long = "L".repeat(300);
    for agent in [long.as_str(), "good", "good!"] {
        good_client(port, agent);
    }
    let _ = server.kill();
    let _ = server.wait();
    let index = read_json(&out.path().join("index.json"));
    let mut files = std::collections::HashSet::new();
    for agent in [long.as_str(), "good", "good!"] {
        let cases = index[agent].as_object().unwrap_or_else(|| panic!("{agent} is missing"));
        assert_eq!(cases.len(), 2, "{agent}");
        for e in cases.values() {
            let f = e["reportfile"].as_str().unwrap().to_string();
            assert!(out.path().join(&f).exists(), "{f}");
            assert!(files.insert(f.clone()), "{f} is shared by two agents");
            assert_eq!(read_json(&out.path().join(&f))["agent"], agent);
        }
    }
}

fn fuzzing_server_serving(out: &Path, cases: &str) -> (std::process::Child, u16) {
    let port = free_port();
    let child = wsspec()
        .args([
            "test-clients",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--cases",
            cases,
            "--out",
        ])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "test-clients does not listen"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, port)
}

/// `--once` when the client ran no case: nothing was tested, so not green.
#[test]
fn once_with_no_case_run_is_not_a_pass() {
    needs!(Need::Python);
    let out = tempfile::tempdir().unwrap();
    let (child, port) = fuzzing_server(out.path(), &[]);
    hostile_client("only-update", port, "lazy", 0);
    let o = wait_bounded(child, Duration::from_secs(20));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no case was run"), "{err}");
}

/// A client flooding empty continuation frames on every case: bounded.
#[test]
fn a_client_flooding_empty_continuation_frames() {
    needs!(Need::Python);
    let out = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = wsspec();
    cmd.args([
        "test-clients",
        "--once",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--out",
    ])
    .arg(out.path());
    let client = std::thread::spawn(move || {
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(20));
        }
        hostile_client("flood-continue", port, "flooder", 3);
    });
    let m = measured(cmd, Duration::from_secs(120));
    client.join().unwrap();
    assert!(m.peak_rss_mib < RSS_BOUND_MIB, "peak RSS {} MiB", m.peak_rss_mib);
    assert_eq!(m.code, Some(1), "{}", m.stderr);
    let index = read_json(&out.path().join("index.json"));
    assert_eq!(index["flooder"].as_object().unwrap().len(), 3);
}

/// Oversize or garbage requests get a 400 that says why; a crowd past the
/// limit gets a 503; the next proper client is served either way.
#[test]
fn bad_requests_and_crowds_get_http_answers() {
    needs!(Need::PythonWebsockets);
    let out = tempfile::tempdir().unwrap();
    let (mut server, port) = fuzzing_server_serving(out.path(), "1.1.1");
    let answer = |request: &[u8]| {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = s.write_all(request);
        let mut got = Vec::new();
        let _ = s.read_to_end(&mut got);
        String::from_utf8_lossy(&got).into_owned()
    };
    let mut big = b"GET /getCaseCount HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..20 {
        big.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "y".repeat(1000)).as_bytes());
    }
    let got = answer(&big);
    assert!(got.starts_with("HTTP/1.1 400"), "{got}");
    assert!(got.contains("16384"), "{got}");
    let got = answer(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n");
    assert!(got.starts_with("HTTP/1.1 400"), "{got}");
    // A crowd that says nothing holds every slot; one more is refused.
    let crowd: Vec<TcpStream> = (0..64)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    // The server takes the crowd in as it gets to it: on a loaded machine
    // some of it may still wait to be accepted, and a request before that
    // is served. Once all of it is in, the next one is refused.
    let mut got = String::new();
    for _ in 0..30 {
        std::thread::sleep(Duration::from_millis(100));
        got = answer(b"GET /getCaseCount HTTP/1.1\r\nHost: x\r\n\r\n");
        if got.starts_with("HTTP/1.1 503") {
            break;
        }
    }
    assert!(got.starts_with("HTTP/1.1 503"), "{got}");
    drop(crowd);
    std::thread::sleep(Duration::from_millis(300));
    good_client(port, "after-the-crowd");
    let _ = server.kill();
    let _ = server.wait();
    let index = read_json(&out.path().join("index.json"));
    assert_eq!(index["after-the-crowd"]["1.1.1"]["behavior"], "OK");
}
