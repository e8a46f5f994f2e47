//! permessage-deflate (sections 12 and 13) against real peers, verdict by
//! verdict against Autobahn's, in both roles; and peers that get
//! compression wrong.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use common::*;

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn compression(id: &str) -> bool {
    id.starts_with("12.") || id.starts_with("13.")
}

fn run_against(url: Option<&str>, cases: &str, oracle: &str, exit: i32) -> usize {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["test-server"];
    args.extend(url);
    args.extend(["--cases", cases, "--out", out.path().to_str().unwrap()]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(exit), "{}", String::from_utf8_lossy(&o.stderr));
    let ours = read_json(&out.path().join("index.json"));
    let selected = |id: &str| cases.split(',').any(|p| wsspec::catalogue::select::matches(p, id));
    assert_same_verdicts(&ours, &read_json(&repo(oracle)), |id| compression(id) && selected(id))
}

/// All 216 against the Python server take about 7 minutes (its own CPU is
/// the floor): run by scripts/slow-tests.sh, not in CI, which runs the
/// subset below.
#[test]
#[ignore = "minutes long; scripts/slow-tests.sh runs it"]
fn python_websockets_server_all_216_match_its_oracle() {
    needs!(Need::PythonWebsockets);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_peer, port) = websockets_server();
    let url = format!("ws://127.0.0.1:{port}");
    assert_eq!(
        run_against(Some(&url), "12.*,13.*", "tests/oracles/websockets-17.4-server.json", 0),
        216
    );
}

/// Every kind of content and every parameter set, in the smaller sizes.
#[test]
fn python_websockets_server_a_subset_of_each_kind_matches_its_oracle() {
    needs!(Need::PythonWebsockets);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_peer, port) = websockets_server();
    let url = format!("ws://127.0.0.1:{port}");
    let mut cases: Vec<String> = (1..=5)
        .flat_map(|j| (1..=4).map(move |i| format!("12.{j}.{i}")))
        .collect();
    cases.extend((1..=7).flat_map(|j| [format!("13.{j}.1"), format!("13.{j}.11")]));
    let n = cases.len();
    assert_eq!(
        run_against(
            Some(&url),
            &cases.join(","),
            "tests/oracles/websockets-17.4-server.json",
            0
        ),
        n
    );
}

#[test]
fn reference_server_declines_and_all_216_are_unimplemented() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(
        run_against(None, "12.*,13.*", "tests/oracles/tungstenite-server.json", 0),
        216
    );
}

#[test]
fn node_ws_server_matches_its_oracle() {
    needs!(Need::NodeWs);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_peer, port) = ws_server();
    let url = format!("ws://127.0.0.1:{port}");
    let n = run_against(Some(&url), "12.1.*,13.7.*", "tests/oracles/ws-8.18.3-server.json", 0);
    assert_eq!(n, 18 + 18);
}

#[test]
fn python_websockets_client_compresses_too() {
    needs!(Need::PythonWebsockets);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    require_websockets();
    let out = tempfile::tempdir().unwrap();
    let cases = "12.1.1,12.1.10,12.2.11,12.4.5,12.5.2,13.1.3,13.2.3,13.3.3,13.4.3,13.5.3,13.6.3,13.7.3,13.7.18";
    let (server, port) = fuzzing_server(out.path(), &["--cases", cases]);
    let status = std::process::Command::new(python())
        .arg(repo("tests/peers/websockets_fuzz_client.py"))
        .arg(format!("ws://127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let o = wait_bounded(server, Duration::from_secs(120));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let ours = read_json(&out.path().join("index.json"));
    let oracle = read_json(&repo("tests/oracles/websockets-17.4-client.json"));
    let selected = |id: &str| cases.split(',').any(|c| c == id);
    assert_eq!(assert_same_verdicts(&ours, &oracle, selected), 13);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("permessage-deflate negotiation"), "{table}");
}

/// A server that agrees to permessage-deflate with `answer` and, to the
/// first message, replies with `reply` (raw frame bytes).
fn deflate_server(answer: &'static str, reply: &'static [u8]) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            std::thread::spawn(move || {
                if !answer_upgrade(&mut s, &format!("Sec-WebSocket-Extensions: {answer}\r\n")) {
                    return;
                }
                let mut b = [0u8; 4096];
                let _ = s.read(&mut b);
                let _ = s.write_all(reply);
                std::thread::sleep(Duration::from_secs(3));
            });
        }
    });
    port
}

fn one_case(port: u16) -> serde_json::Value {
    let out = tempfile::tempdir().unwrap();
    let o = run(&[
        "test-server",
        &format!("ws://127.0.0.1:{port}"),
        "--cases",
        "12.1.1",
        "--agent",
        "bad",
        "--max-message-size",
        "1048576",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    read_json(&out.path().join("bad_case_12_1_1.json"))
}

#[test]
fn corrupt_deflate_data_fails_with_a_reason() {
    // RSV1 text frame whose payload is not a deflate stream.
    let port = deflate_server("permessage-deflate", b"\xc1\x04\xff\xff\xff\xff");
    let r = one_case(port);
    assert_eq!(r["behavior"], "FAILED");
    assert!(
        r["failureReason"].as_str().unwrap().contains("corrupt"),
        "{}",
        r["failureReason"]
    );
}

#[test]
fn a_decompression_bomb_stops_at_the_limit() {
    // 2 MiB of zeros deflated into a few bytes, against a 1 MiB limit.
    static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let packed = BOMB.get_or_init(|| {
        let mut c = wsspec::wire::deflate::Codec::new(&Default::default(), true);
        let body = c.compress(&vec![0u8; 2 << 20]);
        let mut f = vec![0xc2, 126];
        f.extend_from_slice(&(body.len() as u16).to_be_bytes());
        f.extend_from_slice(&body);
        f
    });
    let port = deflate_server("permessage-deflate", Box::leak(packed.clone().into_boxed_slice()));
    let r = one_case(port);
    assert_eq!(r["behavior"], "FAILED");
    assert_eq!(r["localCloseCode"], 1009);
    assert!(
        r["failureReason"].as_str().unwrap().contains("limit"),
        "{}",
        r["failureReason"]
    );
}

#[test]
fn an_invalid_extension_answer_fails_the_handshake() {
    let port = deflate_server("permessage-deflate; server_max_window_bits=16", b"");
    let r = one_case(port);
    assert_eq!(r["behavior"], "FAILED");
    assert!(
        r["result"].as_str().unwrap().contains("server_max_window_bits=16"),
        "{}",
        r["result"]
    );
    let _ = TcpStream::connect(("127.0.0.1", port));
}
