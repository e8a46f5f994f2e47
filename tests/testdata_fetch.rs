//! `--testdata autobahn`: Autobahn's test files fetched once from a PyPI
//! index (here one on loopback, serving the real sdist), checked by
//! SHA-256, kept in the cache folder; offline or tampered, one line and
//! exit 2.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

use common::*;

const SHA256: &str = "b083d6e15330fc16f3e5f0975cce2b15f21bfa0c6db09547316b1852c6dbd6df";

/// A PyPI simple index on loopback listing the sdist as `sdist`'s bytes
/// (the published hash all the same); its base URL.
fn index(sdist: Vec<u8>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut req = [0u8; 4096];
            let n = s.read(&mut req).unwrap_or(0);
            let req = String::from_utf8_lossy(&req[..n]).into_owned();
            let body = if req.starts_with("GET /simple/autobahntestsuite/ ") {
                format!(
                    r#"{{"files": [{{"filename": "autobahntestsuite-25.10.1.tar.gz", "url": "/files/a.tar.gz", "hashes": {{"sha256": "{SHA256}"}}}}]}}"#
                )
                .into_bytes()
            } else {
                sdist.clone()
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    base
}

/// `test-server` with `--testdata autobahn` on 12.1.1 against Python
/// websockets, with the cache at `cache` and the index at `index`.
fn run_with(cache: &Path, index: &str, url: &str, out: &Path) -> std::process::Output {
    wsspec()
        .args([
            "test-server",
            url,
            "--cases",
            "12.1.1",
            "--testdata",
            "autobahn",
            "--out",
        ])
        .arg(out)
        .env("XDG_CACHE_HOME", cache)
        .env("WSSPEC_PYPI_INDEX", index)
        .output()
        .unwrap()
}

#[test]
fn the_sdist_is_fetched_once_checked_and_kept() {
    needs!(Need::PythonWebsockets, Need::AutobahnSdist, Need::Testdata);
    let (_peer, port) = python_peer("websockets_echo_server.py", &[], &[]);
    let url = format!("ws://127.0.0.1:{port}/");
    let cache = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let sdist = std::fs::read(repo(AUTOBAHN_SDIST)).unwrap();
    let o = run_with(cache.path(), &index(sdist), &url, out.path());
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let kept = cache.path().join("wsspec/autobahntestsuite-25.10.1-testdata");
    for f in [
        "data1.json",
        "data1.html",
        "pg2229.txt",
        "lena512.bmp",
        "10.1.1.105.5439.pdf",
    ] {
        let want = std::fs::read(repo(&format!("target/autobahn-testdata/{f}"))).unwrap();
        assert_eq!(std::fs::read(kept.join(f)).unwrap(), want, "{f}");
    }
    let case = read_json(&out.path().join("python_3_11_websockets_17_4_case_12_1_1.json"));
    assert!(
        case["testdata"].as_str().unwrap().contains(kept.to_str().unwrap()),
        "{}",
        case["testdata"]
    );
    // Kept: no index is asked again.
    let o = run_with(cache.path(), "http://127.0.0.1:1", &url, out.path());
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_tampered_sdist_is_refused_in_one_line() {
    needs!(Need::AutobahnSdist);
    let cache = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut sdist = std::fs::read(repo(AUTOBAHN_SDIST)).unwrap();
    let last = sdist.len() - 1;
    sdist[last] ^= 1;
    let o = run_with(cache.path(), &index(sdist), "ws://127.0.0.1:1/", out.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&format!("not the published {SHA256}")), "{err}");
    assert!(!cache.path().join("wsspec/autobahntestsuite-25.10.1-testdata").exists());
}

#[test]
fn offline_says_how_to_give_a_folder() {
    let cache = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run_with(cache.path(), "http://127.0.0.1:1", "ws://127.0.0.1:1/", out.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("offline, give the folder instead: --testdata DIR"),
        "{err}"
    );
}
