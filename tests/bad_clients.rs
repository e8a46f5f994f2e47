//! Clients that misbehave against `wsspec test-clients`: each case ends
//! within its bound, FAILED with a reason, and the server goes on serving.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

fn upgrade(port: u16, path: &str) -> (TcpStream, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let key = wsspec::wire::handshake::new_key();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && s.read(&mut b).unwrap_or(0) == 1 {
        head.push(b[0]);
    }
    (s, String::from_utf8_lossy(&head).into_owned())
}

/// Reads until the server closes the connection (bounded by the timeout).
fn drain(mut s: TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    all
}

#[test]
fn misbehaving_clients_fail_their_cases_and_the_server_goes_on() {
    let out = tempfile::tempdir().unwrap();
    let (server, port) = fuzzing_server(out.path(), &["--cases", "1.1.1,2.1,1.1.2"]);

    // An unknown path and a broken upgrade are answered in HTTP.
    let (_, head) = upgrade(port, "/nowhere");
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /runCase?case=1&agent=a HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert!(String::from_utf8_lossy(&drain(s)).starts_with("HTTP/1.1 400"));

    // 1.1.1: a client that never echoes; the case ends by its bound.
    let start = Instant::now();
    let (s, head) = upgrade(port, "/runCase?casetuple=1.1.1&agent=bad");
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    drain(s);
    assert!(start.elapsed() < Duration::from_secs(5));

    // 2.1: a client that answers the ping with an unmasked pong.
    let (mut s, _) = upgrade(port, "/runCase?casetuple=2.1&agent=bad");
    let mut ping = [0u8; 2];
    s.read_exact(&mut ping).unwrap();
    s.write_all(&[0x8A, 0x00]).unwrap();
    drain(s);

    // 1.1.2: a client that disconnects before echoing.
    let (s, _) = upgrade(port, "/runCase?casetuple=1.1.2&agent=bad");
    drop(s);

    // The server still serves: a proper driver runs all three cases.
    let status = wsspec()
        .args(["echo-client", &format!("ws://127.0.0.1:{port}"), "--agent", "good"])
        .status()
        .unwrap();
    assert!(status.success());
    let o = wait_bounded(server, Duration::from_secs(30));
    assert_eq!(o.status.code(), Some(1), "the bad agent failed cases");
    let index = read_json(&out.path().join("index.json"));
    for id in ["1.1.1", "2.1", "1.1.2"] {
        assert_eq!(index["good"][id]["behavior"], "OK", "good {id}");
    }
    assert_eq!(index["bad"]["1.1.1"]["behavior"], "FAILED");
    assert_eq!(index["bad"]["1.1.2"]["behavior"], "FAILED");
    // The unmasked pong is still a pong (Autobahn records pongs even after
    // failing the connection), but the connection was failed by us, so
    // the required clean close did not happen.
    assert_eq!(index["bad"]["2.1"]["behaviorClose"], "UNCLEAN");
    let pong = read_json(&out.path().join(index["bad"]["2.1"]["reportfile"].as_str().unwrap()));
    assert!(
        pong["failureReason"].as_str().unwrap().contains("unmasked"),
        "{}",
        pong["failureReason"]
    );
    let gone = read_json(&out.path().join(index["bad"]["1.1.2"]["reportfile"].as_str().unwrap()));
    assert!(
        gone["wasNotCleanReason"].as_str().unwrap().contains("dropped"),
        "{}",
        gone["wasNotCleanReason"]
    );
}
