//! wsspec as a library inside `cargo test`: the blocking API, baselines
//! that fail with a diff, and bad input as one line. The README's own
//! snippets run in tests/readme.rs.

mod common;

use common::echo::start_echo_server;

/// The blocking API needs no runtime of the caller's; a baseline that the
/// report falls short of fails with the cases, both pairs and the reason,
/// and a missing baseline says how to record one.
#[test]
fn the_blocking_api_runs_and_a_regression_reads_as_a_diff() {
    if std::env::var_os(wsspec::UPDATE_BASELINE).is_some() {
        return; // recording: every check below would record instead
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = rt.block_on(start_echo_server());
    let report = wsspec::Suite::new()
        .cases(["1.1.*", "12.1.1"])
        .run_against_blocking(&url)
        .unwrap();
    let counts = report.counts();
    assert_eq!((counts.ok, counts.unimplemented, counts.failed), (8, 1, 0), "{counts}");
    assert!(!report.failed());
    let case = report.case("12.1.1").unwrap();
    assert_eq!(case.behavior, wsspec::Behavior::Unimplemented);

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.json");
    let said = report.matches_baseline(&missing).unwrap_err();
    assert!(said.contains("WSSPEC_UPDATE_BASELINE=1"), "{said}");

    // A baseline from this report, then one that claims more than it has.
    let baseline = dir.path().join("conformance.json");
    report.write_baseline(&baseline).unwrap();
    report.assert_matches_baseline(&baseline);
    let text = std::fs::read_to_string(&baseline).unwrap();
    let claimed = text.replace(
        r#""12.1.1": {"behavior":"UNIMPLEMENTED","behaviorClose":"OK"}"#,
        r#""12.1.1": {"behavior":"OK","behaviorClose":"OK"}"#,
    );
    assert_ne!(claimed, text, "the baseline's line for 12.1.1: {text}");
    let claimed = claimed.replace("\"1.1.8\"", "\"1.1.9\"");
    std::fs::write(&baseline, claimed).unwrap();
    let diff = report.matches_baseline(&baseline).unwrap_err();
    assert!(diff.contains("1 case got worse"), "{diff}");
    assert!(diff.contains("12.1.1  OK / OK -> UNIMPLEMENTED / OK"), "{diff}");
    assert!(diff.contains("1.1.9"), "a case on one side only is named: {diff}");
    assert!(diff.contains("WSSPEC_UPDATE_BASELINE=1"), "{diff}");
}

/// A blocking client driven by `BlockingClients::run_client`, as the
/// README's blocking client snippet drives it.
#[test]
fn a_blocking_client_runs_through_blocking_clients() {
    use tokio_tungstenite::tungstenite;
    let clients = wsspec::Suite::new()
        .cases(["1.1.*", "2.1"])
        .serve_clients_blocking("127.0.0.1:0")
        .unwrap();
    clients.run_client("tungstenite", |url| {
        let Ok((mut ws, _)) = tungstenite::connect(url) else {
            return;
        };
        while let Ok(msg) = ws.read() {
            if (msg.is_text() || msg.is_binary()) && ws.send(msg).is_err() {
                break;
            }
        }
    });
    let report = clients.finish().unwrap();
    let counts = report.counts();
    assert_eq!((counts.total(), counts.ok), (9, 9), "{counts}");
}

/// A blocking call inside a runtime is an error that says what to call,
/// not tokio's panic.
#[tokio::test]
async fn a_blocking_call_inside_a_runtime_says_what_to_call_instead() {
    let e = wsspec::Suite::new()
        .run_against_blocking("ws://127.0.0.1:1")
        .unwrap_err();
    assert!(e.to_string().contains("use run_against(...).await"), "{e}");
}

/// What goes wrong before any verdict is a `wsspec::Error` of one line
/// naming the culprit, and a client that never ran a case is not a pass.
#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_one_line_naming_what_is_wrong() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port() // closed again: nothing listens there
    };
    let nothing = format!("ws://127.0.0.1:{port}");
    let said = |e: wsspec::Error| {
        let s = e.to_string();
        assert_eq!(s.lines().count(), 1, "{s}");
        s
    };
    let e = said(
        wsspec::Suite::new()
            .cases(["99.*"])
            .run_against(&nothing)
            .await
            .unwrap_err(),
    );
    assert!(e.contains("99.*"), "{e}");
    let e = said(wsspec::Suite::new().run_against(&nothing).await.unwrap_err());
    assert!(e.contains(&format!("cannot connect to 127.0.0.1:{port}")), "{e}");
    let e = said(
        wsspec::Suite::new()
            .run_against("http://127.0.0.1:1/")
            .await
            .unwrap_err(),
    );
    assert!(e.contains("ws:// or wss://"), "{e}");
    let e = said(wsspec::Suite::new().serve_clients("256.0.0.1:0").await.err().unwrap());
    assert!(e.contains("cannot listen on 256.0.0.1:0"), "{e}");
    let clients = wsspec::Suite::new()
        .cases(["1.1.1"])
        .serve_clients("127.0.0.1:0")
        .await
        .unwrap();
    let e = said(clients.finish().await.unwrap_err());
    assert!(e.contains("no client ran a case"), "{e}");
}

/// Without `out_dir` the reports go to a fresh folder under the temporary
/// folder, and those of processes that have ended are removed: a
/// maintainer running `cargo test` all day does not fill the disk.
#[tokio::test(flavor = "multi_thread")]
async fn reports_of_ended_runs_do_not_pile_up() {
    let root = std::env::temp_dir().join("wsspec");
    // No process has this ID (Linux allows at most 2^22).
    let ended = root.join("4000000000-0-servers");
    std::fs::create_dir_all(&ended).unwrap();
    std::fs::write(ended.join("index.json"), "{}").unwrap();
    let url = start_echo_server().await;
    let report = wsspec::Suite::new().cases(["1.1.1"]).run_against(&url).await.unwrap();
    assert!(report.dir().starts_with(&root), "{}", report.dir().display());
    assert!(report.dir().join("index.json").exists());
    assert!(!ended.exists(), "the folder of an ended process is still there");
}
