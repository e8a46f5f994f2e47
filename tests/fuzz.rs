//! `wsspec fuzz` against real servers: a planted bug found and shrunk to
//! its pattern, the finding replayed by test-server as a case file; the
//! reference server gives no finding; two servers compared; a dead target
//! in one line.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// Conversations of seed 1 up to the first with a ping between two
/// fragments of a 126-octet text message (the unit test
/// `seed_1_plants_a_ping_inside_a_126_octet_text_early` finds its index).
const PLANTED_COUNT: &str = "524";

fn fuzz(urls: &[&str], extra: &[&str], out: &std::path::Path) -> std::process::Output {
    let mut args = vec!["fuzz"];
    args.extend(urls);
    args.extend(["--seed", "1", "--out", out.to_str().unwrap()]);
    args.extend(extra);
    run(&args)
}

/// Runs `wsspec fuzz`, holds its exit code to one of `codes`, and returns
/// what it printed.
fn fuzz_exits(urls: &[&str], extra: &[&str], out: &std::path::Path, codes: &[i32]) -> String {
    let o = fuzz(urls, extra, out);
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.code().is_some_and(|c| codes.contains(&c)),
        "{:?}: {stdout}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
}

/// The names of the files a run wrote in `dir`.
fn file_names(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// `test-server URL --cases-dir DIR --cases PATTERN`: how it exited and
/// its index.json.
fn replay(url: &str, dir: &std::path::Path, pattern: &str) -> (std::process::Output, Value) {
    let out = tempfile::tempdir().unwrap();
    let o = run(&[
        "test-server",
        url,
        "--cases-dir",
        dir.to_str().unwrap(),
        "--cases",
        pattern,
        "--out",
        out.path().to_str().unwrap(),
    ]);
    ran_to_the_end(&o);
    let index = read_json(&out.path().join("index.json"));
    (o, index)
}

/// The frames a finding's case file sends: (opcode, fin, payload length).
fn frames(file: &Value) -> Vec<(u64, bool, usize)> {
    file["cases"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.get("send"))
        .map(|f| {
            (
                f["opcode"].as_u64().unwrap(),
                f["fin"].as_bool().unwrap(),
                f["payload"]["hex"].as_str().unwrap().len() / 2,
            )
        })
        .collect()
}

#[test]
fn a_planted_bug_is_found_shrunk_to_its_pattern_and_replayed() {
    let (_peer, port) = python_peer("planted_bug_server.py", &[], &[]);
    let url = format!("ws://127.0.0.1:{port}/");
    let out = tempfile::tempdir().unwrap();
    let stdout = fuzz_exits(&[&url], &["--count", PLANTED_COUNT], out.path(), &[1]);
    let files: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}\n{stdout}");
    let file = read_json(&files[0]);
    // The pattern and nothing more: text (not final), ping, continuation
    // (final), 126 octets in all, no chops, an empty ping.
    let f = frames(&file);
    assert_eq!(f.len(), 3, "{f:?}");
    assert_eq!((f[0].0, f[0].1), (1, false), "{f:?}");
    assert_eq!(f[1], (9, true, 0), "{f:?}");
    assert_eq!((f[2].0, f[2].1), (0, true), "{f:?}");
    assert_eq!(f[0].2 + f[2].2, 126, "{f:?}");
    assert!(!file.to_string().contains("\"chop\""), "{file}");
    // The finding is a case file test-server runs as it is: FAILED again.
    let id = file["cases"][0]["id"].as_str().unwrap().to_string();
    let (o, index) = replay(&url, out.path(), &id);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(only_agent(&index)[&id]["behavior"], "FAILED");
}

/// A server that dies on the planted pattern (the process exits): the run
/// ends there, says so in one line, and writes the conversations in flight
/// as they are, the one that brought it down among them; exit 1.
#[test]
fn a_server_that_dies_ends_the_run_with_its_suspects_written() {
    let (_peer, port) = python_peer("planted_bug_server.py", &[], &["crash"]);
    let url = format!("ws://127.0.0.1:{port}/");
    let out = tempfile::tempdir().unwrap();
    let stdout = fuzz_exits(&[&url], &["--count", "2000"], out.path(), &[1]);
    assert!(stdout.contains("stopped taking connections after"), "{stdout}");
    let files = file_names(out.path());
    assert!(
        files.iter().any(|f| f.starts_with("fuzz.1.523.")),
        "{files:?}\n{stdout}"
    );
    // Nothing is a finding for want of a connection.
    assert!(files.len() <= 8, "{files:?}\n{stdout}");
}

#[test]
fn the_reference_server_and_python_websockets_compared() {
    needs!(Need::PythonWebsockets);
    let (_peer, port) = python_peer("websockets_echo_server.py", &[], &[]);
    let out = tempfile::tempdir().unwrap();
    let (_server, echo) = reference_server();
    let stdout = fuzz_exits(
        &[&format!("ws://127.0.0.1:{echo}/"), &format!("ws://127.0.0.1:{port}/")],
        &["--count", "300"],
        out.path(),
        &[0, 1],
    );
    assert!(stdout.starts_with("300 conversations of seed 1"), "{stdout}");
    // No finding is the reference server's.
    let files = file_names(out.path());
    assert!(
        files.iter().all(|f| !f.contains("wsspec_echo_server")),
        "{files:?}\n{stdout}"
    );
    // Where they differ is said by rule: websockets fails a connection on
    // a violation before echoing what came first (NON-STRICT), tungstenite
    // echoes it (OK).
    assert!(stdout.contains("Where the servers disagree"), "{stdout}");
}

#[test]
fn a_dead_target_is_one_line_and_exit_2_within_15_s() {
    let port = free_port();
    let out = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let o = fuzz(&[&format!("ws://127.0.0.1:{port}/")], &["--count", "10"], out.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(started.elapsed() < Duration::from_secs(15));
}

/// What `scripts/fuzz-zoo.sh` found in the zoo, kept as case files in
/// tests/fixtures/fuzz-findings/ and replayed here as any custom case, each
/// against the server it was found on: the verdicts are recorded in
/// tests/expected/fuzz-zoo-*.json.
#[test]
fn the_zoos_findings_replay() {
    needs!(
        Need::Zoo("lws-echo"),
        Need::Zoo("gorilla-echo"),
        Need::Zoo("websocketpp-echo"),
        Need::Zoo("jetty-echo"),
        Need::Zoo("aiohttp-echo"),
        Need::Zoo("tornado-echo"),
        Need::Hypercorn
    );
    for (name, prefix) in [
        ("lws-echo", "fuzz.*.libwebsockets*"),
        ("gorilla-echo", "fuzz.*.gorilla*"),
        ("websocketpp-echo", "fuzz.*.websocketpp*"),
        ("jetty-echo", "fuzz.*.jetty*"),
        ("aiohttp-echo", "fuzz.*.aiohttp*"),
        ("tornado-echo", "fuzz.*.tornadoserver*"),
        ("hypercorn", "fuzz.*.hypercorn*"),
    ] {
        let (_peer, port) = if name == "hypercorn" {
            python_peer("hypercorn_echo.py", &[], &[])
        } else {
            zoo_server(name)
        };
        let url = format!("ws://127.0.0.1:{port}/");
        let (_, index) = replay(&url, &repo("tests/fixtures/fuzz-findings"), prefix);
        let got = verdict_pairs(&index);
        assert!(!got.is_empty(), "{name}: no finding replayed");
        assert_recorded(&format!("fuzz-zoo-{}.json", name.trim_end_matches("-echo")), &got);
    }
}

/// With a server that agrees to permessage-deflate, conversations offer it
/// and mix compressed and plain messages: Python websockets, which gets
/// RFC 7692 right, gives no finding. A case file with compressed frames
/// (tests/fixtures/deflate-cases) replays as test-server runs it: OK there,
/// UNIMPLEMENTED against a server without the extension (the reference
/// server), whose fuzz run goes without it.
#[test]
fn with_deflate_websockets_gives_no_finding_and_compressed_cases_replay() {
    needs!(Need::PythonWebsockets);
    let (_peer, port) = python_peer("websockets_echo_server.py", &[], &[]);
    let url = format!("ws://127.0.0.1:{port}/");
    let out = tempfile::tempdir().unwrap();
    let stdout = fuzz_exits(&[&url], &["--count", "300"], out.path(), &[0]);
    assert!(
        stdout.starts_with("300 conversations of seed 1") && stdout.contains("with permessage-deflate"),
        "{stdout}"
    );
    let verdicts_on = |url: &str| {
        let (_, index) = replay(url, &repo("tests/fixtures/deflate-cases"), "deflate.*");
        let v = &only_agent(&index)["deflate.fragments_and_takeover"];
        (
            v["behavior"].as_str().unwrap().to_string(),
            v["behaviorClose"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(verdicts_on(&url), ("OK".to_string(), "OK".to_string()));
    let (_server, echo) = reference_server();
    let reference = format!("ws://127.0.0.1:{echo}/");
    assert_eq!(verdicts_on(&reference), ("UNIMPLEMENTED".to_string(), "OK".to_string()));
    let stdout = fuzz_exits(&[&reference], &["--count", "20"], out.path(), &[0, 1]);
    assert!(stdout.contains("without permessage-deflate"), "{stdout}");
}
