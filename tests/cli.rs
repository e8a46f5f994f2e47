//! The command line's small promises: a pipe closed early, every problem
//! of a case file, patterns that match nothing, unknown spec keys, stale
//! per-case files, output folders checked before a run, signs of life
//! without a terminal, a server that goes away, bounded waits in the echo
//! client, and Autobahn's `wstest` habits.

mod common;

use std::net::TcpListener;
use std::process::{Command, Stdio};

use common::*;

fn one_line_exit_2(o: &std::process::Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{needle:?} in {err}");
}

#[test]
fn a_reader_that_goes_away_is_not_a_panic() {
    let mut child = wsspec()
        .args(["cases", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn cases_check_reports_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("two.json");
    std::fs::write(
        &f,
        r#"{"cases": [
  {"id": "x.1", "description": "a", "rfc": "5.2", "steps": [{"send": {"opcode": "txt"}}], "expect": {"ok": []}, "close": {}},
  {"id": "x.2", "description": "b", "rfc": "5.2", "stepz": [], "expect": {"ok": []}}
]}"#,
    )
    .unwrap();
    let o = run(&["cases", "check", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("two.json:2:") && err.contains("x.1"), "{err}");
    assert!(err.contains("two.json:3:") && err.contains("x.2"), "{err}");
}

#[test]
fn patterns_that_match_nothing_are_bad_input() {
    one_line_exit_2(
        &run(&["test-server", "--cases", "1.1.1,99.*"]),
        "--cases 99.*: no case matches it",
    );
    one_line_exit_2(
        &run(&["test-server", "--cases", "1.1.1", "--exclude", "zz"]),
        "--exclude zz",
    );
    one_line_exit_2(&run(&["test-server", "--cases", ""]), "--cases is empty");
    let o = run(&["test-server", "--cases", "1.1.1", "--exclude", "1.*"]);
    one_line_exit_2(&o, "no case is left to run from 1.1.1 without 1.*");
    let o = run(&["test-clients", "--cases", "1.*", "--exclude", "1.*"]);
    one_line_exit_2(&o, "no case is left");
}

#[test]
fn an_unknown_spec_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("fuzzingclient.json");
    std::fs::write(
        &spec,
        r#"{"servers": [{"agent": "a", "url": "ws://127.0.0.1:1"}], "exclude-case": ["9.*"]}"#,
    )
    .unwrap();
    one_line_exit_2(
        &run(&["test-server", "--spec", spec.to_str().unwrap()]),
        "unknown key \"exclude-case\"",
    );
}

#[test]
fn a_second_run_into_the_same_folder_leaves_no_stale_cases() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let out_s = out.to_str().unwrap();
    for cases in ["1.1.1,1.1.2", "1.1.1"] {
        let o = run(&["test-server", "--cases", cases, "--out", out_s]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!files.iter().any(|f| f.ends_with("case_1_1_2.json")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("case_1_1_1.json")), "{files:?}");
}

#[test]
fn output_into_a_missing_folder_fails_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = run(&[
        "test-server",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "junit",
        "--output",
        dir.path().join("no/such/folder/r.xml").to_str().unwrap(),
    ]);
    one_line_exit_2(&o, "does not exist");
    assert!(!out.exists(), "nothing ran");
}

/// A server that answers the probe and then never answers a handshake,
/// with a 7 s open timeout: a log without a terminal still shows the run
/// is alive.
#[test]
fn without_a_terminal_progress_is_still_shown() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for (i, s) in l.incoming().flatten().enumerate() {
            let mut s = s;
            if i == 0 {
                answer_upgrade(&mut s, "");
            }
            held.push(s);
        }
    });
    let o = run(&[
        "test-server",
        &format!("ws://127.0.0.1:{port}"),
        "--agent",
        "mute",
        "--cases",
        "1.1.1",
        "--open-timeout",
        "7",
        "--out",
        tempfile::tempdir().unwrap().path().to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("mute: 0/1 cases done"), "{err}");
}

/// The server answers the probe and the first two cases, then stops
/// listening: the run asks it once more after eight cases in a row could not
/// open, says it stopped answering, judges the rest FAILED without waiting
/// on each, and the summary line still ends the table.
#[test]
fn a_server_that_goes_away_gets_a_summary() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for _ in 0..3 {
            let (mut s, _) = l.accept().unwrap();
            answer_upgrade(&mut s, "");
        }
        drop(l);
    });
    let out = tempfile::tempdir().unwrap();
    let o = run(&[
        "test-server",
        &format!("ws://127.0.0.1:{port}"),
        "--agent",
        "gone",
        "--cases",
        "1.1.*,1.2.*",
        "--jobs",
        "1",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stopped answering") && err.contains("6 cases not run"),
        "{err}"
    );
    // Each case not run says why once, naming the last real failure.
    let index = read_json(&out.path().join("index.json"));
    let not_run: Vec<String> = only_agent(&index)
        .values()
        .map(|e| read_json(&out.path().join(e["reportfile"].as_str().unwrap()))["result"].to_string())
        .filter(|r| r.contains(": not run:"))
        .collect();
    assert_eq!(not_run.len(), 6, "{not_run:?}");
    assert!(
        not_run.iter().all(|r| r.matches("in a row").count() == 1),
        "{not_run:?}"
    );
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("not run"), "{table}");
    assert!(
        table
            .trim_end()
            .ends_with("16 cases: 0 OK, 0 NON-STRICT, 0 INFORMATIONAL, 0 UNIMPLEMENTED, 16 FAILED"),
        "{table}"
    );
}

/// A plain echo server is not a fuzzing server: the echo client says so
/// within its bound instead of waiting for ever.
#[test]
fn the_echo_client_does_not_hang_on_a_plain_echo_server() {
    let (_server, port) = reference_server();
    let o = wait_bounded(
        wsspec()
            .args(["echo-client", &format!("ws://127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
        std::time::Duration::from_secs(30),
    );
    one_line_exit_2(&o, "no case count within 10 s");
}

/// The reference echo server names itself, so a test of it is not
/// "UnknownServer"; counts of one are singular.
#[test]
fn the_echo_server_names_itself() {
    let (_server, port) = reference_server();
    let out = tempfile::tempdir().unwrap();
    let o = run(&[
        "test-server",
        &format!("ws://127.0.0.1:{port}"),
        "--cases",
        "1.1.1",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let index = read_json(&out.path().join("index.json"));
    let agent = index.as_object().unwrap().keys().next().unwrap().clone();
    assert!(agent.starts_with("wsspec-echo-server/"), "{agent}");
    assert!(String::from_utf8_lossy(&o.stderr).contains(": 1 case in "));
}

/// Installed as `wstest`: its own usage line, and the spec read from the
/// working folder when -s is not given, as the real wstest does.
#[test]
fn wstest_names_itself_and_finds_its_spec_in_the_working_folder() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("wstest");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_wsspec"), &link).unwrap();
    let help = Command::new(&link).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("Usage: wstest [OPTIONS]"), "{text}");
    let (_server, port) = reference_server();
    std::fs::write(
        dir.path().join("fuzzingclient.json"),
        format!(r#"{{"outdir": "./out", "servers": [{{"agent": "A", "url": "ws://127.0.0.1:{port}"}}], "cases": ["1.1.1"]}}"#),
    )
    .unwrap();
    let o = Command::new(&link)
        .args(["-m", "fuzzingclient"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.path().join("out/index.json").exists());
}

/// `--help` says the defaults a flag takes when it is not given, and
/// what an argument is.
#[test]
fn help_says_defaults_and_what_arguments_are() {
    for (args, says) in [
        (
            vec!["test-server", "--help"],
            "[default: reports/servers, or the spec's outdir]",
        ),
        (
            vec!["test-clients", "--help"],
            "[default: reports/clients, or the spec's outdir]",
        ),
        (
            vec!["test-clients", "--help"],
            "[default: 127.0.0.1:9001, or the spec's url]",
        ),
        (
            vec!["cases", "check", "--help"],
            "none checks the shipped ones in `cases/`",
        ),
    ] {
        let o = run(&args);
        let text = String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains(says), "{args:?}: {text}");
    }
}
