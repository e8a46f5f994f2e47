//! What a maintainer reads when a case fails: the first difference in
//! words, who closed and when, the rule the close broke; the same text in
//! every format and in the library's panic, whose per-case files are kept.
//! Each peer is wrong in one way, on purpose.

mod common;

use common::*;

/// `test-server` on `cases` against `peer` (a script in tests/peers with
/// its mode), as agent `bad`: the report folder.
fn run_against(script: &str, mode: &[&str], cases: &str) -> tempfile::TempDir {
    let (_peer, port) = python_peer(script, mode, &[]);
    let out = tempfile::tempdir().unwrap();
    let url = format!("ws://127.0.0.1:{port}/");
    let o = run(&[
        "test-server",
        &url,
        "--cases",
        cases,
        "--agent",
        "bad",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// The "Why" of case `id` in the markdown report of `dir`.
fn why(dir: &std::path::Path, id: &str) -> String {
    let o = run(&["report", dir.to_str().unwrap(), "--format", "markdown"]);
    let md = String::from_utf8_lossy(&o.stdout).into_owned();
    let row = md
        .lines()
        .find(|l| l.starts_with(&format!("| {id} |")))
        .unwrap_or_else(|| panic!("no row for {id} in\n{md}"));
    row.trim_end_matches(" |").rsplit(" | ").next().unwrap().to_string()
}

/// Text echoed as binary: the reason names the message expected and the
/// one that came, and that our kill timer sent the close code the peer
/// merely echoed.
#[test]
fn text_echoed_as_binary_names_both_messages_and_our_kill_timer() {
    needs!(Need::PythonWebsockets);
    let dir = run_against("wrong_echo_server.py", &["text-as-binary"], "1.1.2");
    let w = why(dir.path(), "1.1.2");
    assert!(
        w.contains(
            "First difference from the OK sequence, at event 1 of 1: expected a text message of 125 octets \
             \"****************************************\"…, got a binary message with the same 125 octets."
        ),
        "{w}"
    );
    assert!(
        w.contains(
            "We sent the first close frame (1001 \"Going Away\"), as the case's kill timer fired after 1 s, at 1."
        ),
        "{w}"
    );
    assert!(w.contains("the peer answered with 1001"), "{w}");
    assert!(
        w.contains("That code is our own close's, which the peer echoed."),
        "{w}"
    );
}

/// A peer that drops TCP on a large message: nothing came, and the reason
/// says when the peer dropped and which rule the close broke.
#[test]
fn a_dropped_connection_says_nothing_came_and_who_dropped() {
    needs!(Need::PythonWebsockets);
    let dir = run_against("wrong_echo_server.py", &["drop-large"], "1.1.6,9.1.1");
    let w = why(dir.path(), "1.1.6");
    assert!(w.contains("expected a text message of 65535 octets"), "{w}");
    assert!(w.contains("; nothing more came before the peer dropped TCP at "), "{w}");
    assert!(w.contains("No close frame was sent; the peer dropped TCP at "), "{w}");
    assert!(
        w.contains("The peer dropped TCP without a closing handshake, where we were to close."),
        "{w}"
    );
    let w = why(dir.path(), "9.1.1");
    assert!(w.starts_with("No echo came before the peer dropped TCP at "), "{w}");
}

/// A peer that answers a malformed close (7.3.2, one octet) with 1000:
/// what we sent, what it answered, and what the case expects.
#[test]
fn a_wrong_close_code_says_what_we_sent_and_what_was_expected() {
    needs!(Need::PythonWebsockets);
    let dir = run_against("close_1000_server.py", &[], "7.3.2");
    let w = why(dir.path(), "7.3.2");
    assert!(
        w.starts_with("We sent the first close frame (no code, payload \"a\") at "),
        "{w}"
    );
    assert!(
        w.contains("the peer answered with 1000; the peer closed TCP at "),
        "{w}"
    );
    assert!(
        w.ends_with(
            "The close code was 1000 where 1002 or none was expected. \
             The case expects: The peer answers with 1002 or drops the connection."
        ),
        "{w}"
    );
}

/// A reason never says a clause twice, and every format carries the same
/// text.
#[test]
fn every_format_says_the_same_reason_once() {
    needs!(Need::PythonWebsockets);
    let dir = run_against("wrong_echo_server.py", &["text-as-binary"], "1.1.1,1.2.1");
    let w = why(dir.path(), "1.1.1");
    let sentences: Vec<&str> = w.split(". ").collect();
    for (i, s) in sentences.iter().enumerate() {
        assert!(!sentences[..i].contains(s), "{s:?} twice in {w}");
    }
    for f in ["table", "junit", "html"] {
        let out = dir.path().join(format!("r.{f}"));
        let o = run(&[
            "report",
            dir.path().to_str().unwrap(),
            "--format",
            f,
            "--output",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(&out).unwrap();
        let text = if f == "table" {
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        } else {
            text
        };
        let text = match f {
            "junit" => text
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
            // The page embeds its data as JSON.
            "html" => text.replace("\\\"", "\"").replace("\\u0027", "'"),
            _ => text,
        };
        assert!(text.contains(&w), "{f}: {w}");
    }
}

/// The library's panic on a baseline mismatch gives the reason and the
/// folder of the per-case files, and keeps that folder.
#[test]
fn the_library_panic_names_the_kept_per_case_folder() {
    needs!(Need::PythonWebsockets);
    let (_peer, port) = python_peer("wrong_echo_server.py", &["text-as-binary"], &[]);
    let baseline = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        baseline.path(),
        r#"{"bad": {"1.1.1": {"behavior": "OK", "behaviorClose": "OK"}}}"#,
    )
    .unwrap();
    let report = wsspec::Suite::new()
        .cases(["1.1.1"])
        .agent("bad")
        .run_against_blocking(&format!("ws://127.0.0.1:{port}/"))
        .unwrap();
    let panic = std::panic::catch_unwind(|| report.assert_matches_baseline(baseline.path())).unwrap_err();
    let text = panic.downcast_ref::<String>().unwrap();
    assert!(text.contains("got an empty binary message"), "{text}");
    let folder = format!("per-case files (kept): {}", report.dir().display());
    assert!(text.contains(&folder), "{text}");
    assert!(report.dir().join("bad_case_1_1_1.json").exists());
    assert!(report.dir().join(".kept").exists(), "the folder is not marked kept");
}
