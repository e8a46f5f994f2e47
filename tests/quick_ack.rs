//! A peer that leaves Nagle on and writes each echo in two writes waits for
//! our ACK between them. wsspec acknowledges at once (TCP_QUICKACK), so the
//! 9.x and 12.x round trips measure the peer, not our delayed-ACK timer
//! (about 40 ms each on Linux before the change).

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

#[test]
fn nagle_bound_peer_round_trips_do_not_wait_for_delayed_acks() {
    needs!(Need::Python);
    let stats = tempfile::NamedTempFile::new().unwrap();
    let port = free_port();
    let mut peer = Peer(
        Command::new(python())
            .arg(repo("tests/peers/nagle_echo_server.py"))
            .arg(port.to_string())
            .arg(stats.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 starts"),
    );
    wait_for_port(port, Duration::from_secs(10), &mut peer);
    let out = tempfile::tempdir().unwrap();
    // 1000 small echoes, 1000 compressed echoes, one 1 MiB echo.
    let o = run(&[
        "test-server",
        &format!("ws://127.0.0.1:{port}"),
        "--cases",
        "9.7.3,12.1.3,9.1.3",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    drop(peer);
    let gaps: Vec<f64> = std::fs::read_to_string(stats.path())
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert!(gaps.len() >= 1998, "{} round trips recorded", gaps.len());
    let stalled = gaps.iter().filter(|g| **g > 20.0).count();
    // Before quick ACKs every one of the 1998 round trips took 40+ ms.
    assert!(stalled <= 20, "{stalled} of {} round trips took over 20 ms", gaps.len());
}
