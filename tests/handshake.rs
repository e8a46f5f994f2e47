//! The opening-handshake section (hs.*) in both roles against real peers:
//! the reference server and client, Python websockets, Node ws, and servers
//! of the zoo (Go, C, C++, Java, Python). Each peer's verdicts are recorded
//! in tests/expected/hs-<role>-<peer>.json and a change fails here; run with
//! WSSPEC_RECORD_EXPECTED=1 to write them again (then read the diff).

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

type Verdicts = BTreeMap<String, (String, String)>;

/// Holds `got` to tests/expected/hs-<name>.json.
fn assert_expected(name: &str, got: &Verdicts) {
    assert_recorded(&format!("hs-{name}.json"), got);
}

/// `test-server` on the section; the verdicts.
fn against_server(url: Option<&str>) -> Verdicts {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["test-server"];
    args.extend(url);
    args.extend([
        "--agent",
        "peer",
        "--cases",
        "hs.*",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let o = run(&args);
    ran_to_the_end(&o);
    let got = verdict_pairs(&read_json(&out.path().join("index.json")));
    assert!(got.len() >= 40, "{} server cases ran", got.len());
    got
}

/// `test-clients --once` on the section, driven by `client` (given the
/// base URL); the verdicts.
fn against_client(client: impl FnOnce(&str) -> Command) -> Verdicts {
    let out = tempfile::tempdir().unwrap();
    let (server, port) = fuzzing_server(out.path(), &["--cases", "hs.*"]);
    let status = client(&format!("ws://127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let o = wait_bounded(server, Duration::from_secs(60));
    ran_to_the_end(&o);
    let index = read_json(&out.path().join("index.json"));
    let got = verdict_pairs(&index);
    assert!(got.len() >= 15, "{} client cases ran", got.len());
    got
}

fn url(port: u16) -> String {
    format!("ws://127.0.0.1:{port}")
}

#[test]
fn servers_reference_websockets_and_ws() {
    needs!(Need::PythonWebsockets, Need::NodeWs);
    let _turn = turn();
    assert_expected("server-reference", &against_server(None));
    let (_peer, port) = websockets_server();
    assert_expected("server-websockets", &against_server(Some(&url(port))));
    let (_peer, port) = ws_server();
    assert_expected("server-ws", &against_server(Some(&url(port))));
}

#[test]
fn servers_of_the_zoo() {
    needs!(
        Need::Zoo("gorilla-echo"),
        Need::Zoo("websocketpp-echo"),
        Need::Zoo("lws-echo"),
        Need::Zoo("jetty-echo"),
        Need::Zoo("aiohttp-echo")
    );
    let _turn = turn();
    for name in [
        "gorilla-echo",
        "websocketpp-echo",
        "lws-echo",
        "jetty-echo",
        "aiohttp-echo",
    ] {
        let (_peer, port) = zoo_server(name);
        let mut got = against_server(Some(&url(port)));
        if name == "lws-echo" {
            lws_idle_race(&mut got);
        }
        assert_expected(&format!("server-{}", name.trim_end_matches("-echo")), &got);
    }
}

/// libwebsockets answers a request that is no upgrade (hs.1.13, hs.1.17)
/// with nothing and drops the connection after 5 s of its own, the bound
/// wsspec waits for an answer: whether it was silent (FAILED) or closed
/// (NON-STRICT) within our 5 s is a coin toss, seen both ways in CI. The
/// record says FAILED; NON-STRICT counts as the same run.
fn lws_idle_race(got: &mut Verdicts) {
    for id in ["hs.1.13", "hs.1.17"] {
        if let Some(v) = got.get_mut(id)
            && v.0 == "NON-STRICT"
        {
            v.0 = "FAILED".into();
        }
    }
}

#[test]
fn clients_reference_websockets_and_ws() {
    needs!(Need::PythonWebsockets, Need::NodeWs);
    let _turn = turn();
    let got = against_client(|base| {
        let mut c = wsspec();
        c.args(["echo-client", base]);
        c
    });
    assert_expected("client-reference", &got);
    require_websockets();
    let got = against_client(|base| {
        let mut c = Command::new(python());
        c.arg(repo("tests/peers/websockets_fuzz_client.py")).arg(base);
        c
    });
    assert_expected("client-websockets", &got);
    require_node_ws();
    let got = against_client(|base| {
        let mut c = node();
        c.arg(repo("tests/peers/ws_fuzz_client.js")).arg(base);
        c
    });
    assert_expected("client-ws", &got);
}

/// `*` keeps meaning Autobahn's 517: the section runs only when named, and
/// `cases list` shows it with its RFC clauses.
#[test]
fn the_section_is_opt_in_and_listed() {
    let listed = String::from_utf8_lossy(&run(&["cases", "list", "hs.*"]).stdout).into_owned();
    let rows: Vec<&str> = listed.lines().filter(|l| l.contains("│ hs.")).collect();
    assert!(rows.len() >= 55, "{} hs rows", rows.len());
    assert!(rows.iter().all(|r| r.contains("RFC ")), "{listed}");
    let out = tempfile::tempdir().unwrap();
    let o = run(&[
        "test-server",
        "--cases",
        "*",
        "--exclude",
        "9.*,12.*,13.*",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let index = read_json(&out.path().join("index.json"));
    assert!(!only_agent(&index).keys().any(|k| k.starts_with("hs.")));
}

/// A server that upgrades whatever it is sent: every MUST-refuse case of
/// the section fails it, with the clause in the reason.
#[test]
fn a_server_that_upgrades_anything_fails_the_refusals() {
    needs!(Need::Python);
    let (_peer, port) = python_peer("upgrade_anything.py", &[], &[]);
    let out = tempfile::tempdir().unwrap();
    let o = run(&[
        "test-server",
        &url(port),
        "--cases",
        "hs.1.*",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let index = read_json(&out.path().join("index.json"));
    let got = verdict_pairs(&index);
    // hs.1.6 asks for hybi-08, which a server may still speak, and hs.1.23
    // repeats a subprotocol, which only the client MUST NOT do: upgrading
    // them is INFORMATIONAL. A key without its padding (hs.1.24) is a
    // SHOULD. hs.1.1 (no key) leaves the server nothing to hash: its 101
    // carries a made-up accept, FAILED all the same.
    for (id, v) in &got {
        let want = match id.as_str() {
            "hs.1.6" | "hs.1.23" => "INFORMATIONAL",
            "hs.1.24" => "NON-STRICT",
            _ => "FAILED",
        };
        assert_eq!(v.0, want, "{id}: {got:?}");
    }
    assert_eq!(got.len(), 28);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("upgraded (101) a request it MUST refuse"), "{text}");
}
