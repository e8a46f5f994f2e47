//! Helpers shared by the integration tests: running the wsspec binary,
//! starting third-party peers, comparing verdicts with Autobahn's oracles.
#![allow(dead_code)]

pub mod echo;
pub mod needs;
#[allow(unused_imports)]
pub(crate) use needs::{Need, have, needs};

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The wsspec under test: this build, or the binary `WSSPEC_BIN` names (to
/// show that a test fails on an earlier build, before a fix).
pub fn wsspec() -> Command {
    match std::env::var_os("WSSPEC_BIN") {
        Some(bin) => Command::new(bin),
        None => Command::new(env!("CARGO_BIN_EXE_wsspec")),
    }
}

pub fn run(args: &[&str]) -> Output {
    wsspec().args(args).output().expect("wsspec runs")
}

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The single agent's cases of an index.json.
pub fn only_agent(index: &Value) -> &serde_json::Map<String, Value> {
    let agents = index.as_object().expect("index is an object");
    assert_eq!(agents.len(), 1, "one agent expected, got {:?}", agents.keys());
    agents.values().next().unwrap().as_object().unwrap()
}

/// Asserts that every case in `ours` has the oracle's behavior and
/// behaviorClose; returns how many were compared.
pub fn assert_same_verdicts(ours: &Value, oracle: &Value, prefix_filter: impl Fn(&str) -> bool) -> usize {
    let ours = only_agent(ours);
    let oracle = only_agent(oracle);
    let mut diffs = Vec::new();
    let mut n = 0;
    for (id, theirs) in oracle {
        if !prefix_filter(id) {
            continue;
        }
        let Some(mine) = ours.get(id) else {
            diffs.push(format!("{id}: missing from our report"));
            continue;
        };
        n += 1;
        let pair = |v: &Value| {
            (
                v["behavior"].as_str().map(String::from),
                v["behaviorClose"].as_str().map(String::from),
            )
        };
        if pair(mine) != pair(theirs) {
            diffs.push(format!(
                "{id}: ours {:?}/{:?} (close {}), Autobahn {:?}/{:?} (close {})",
                mine["behavior"],
                mine["behaviorClose"],
                mine["remoteCloseCode"],
                theirs["behavior"],
                theirs["behaviorClose"],
                theirs["remoteCloseCode"]
            ));
        }
    }
    assert!(
        diffs.is_empty(),
        "{} of {} verdicts differ from Autobahn:\n{}",
        diffs.len(),
        n + diffs.len(),
        diffs.join("\n")
    );
    n
}

pub fn sections_1_to_10(id: &str) -> bool {
    let s: u32 = id.split('.').next().unwrap().parse().unwrap();
    s <= 10
}

/// Autobahn's PyPI sdist, as scripts/test.sh keeps it.
pub const AUTOBAHN_SDIST: &str = "target/autobahn-sdist/autobahntestsuite-25.10.1.tar.gz";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child process killed when dropped.
pub struct Peer(pub Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn python() -> String {
    std::env::var("WSSPEC_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Waits until something accepts TCP on `port`, at most `limit`.
pub fn wait_for_port(port: u16, limit: Duration, peer: &mut Peer) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = peer.0.try_wait() {
            panic!("the peer exited with {status} before listening (is its package installed? see .ci/run)");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on port {port} after {limit:?}");
}

/// Starts the Python websockets 17.4 echo server of the oracle.
pub fn websockets_server() -> (Peer, u16) {
    python_server("websockets_echo_server.py")
}

/// Starts `tests/peers/SCRIPT PORT`, a server on Python websockets.
pub fn python_server(script: &str) -> (Peer, u16) {
    require_websockets();
    python_peer(script, &[], &[])
}

/// Starts `tests/peers/SCRIPT BEFORE... PORT AFTER...` on a free port and
/// waits until it listens.
pub fn python_peer(script: &str, before: &[&str], after: &[&str]) -> (Peer, u16) {
    let port = free_port();
    let child = Command::new(python())
        .arg(repo(&format!("tests/peers/{script}")))
        .args(before)
        .arg(port.to_string())
        .args(after)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 starts");
    let mut peer = Peer(child);
    wait_for_port(port, Duration::from_secs(20), &mut peer);
    (peer, port)
}

/// `node` with Debian's module folder on its path (where `node-ws` lives).
pub fn node() -> Command {
    let mut c = Command::new("node");
    let mut path = std::env::var("NODE_PATH").unwrap_or_default();
    if !path.is_empty() {
        path.push(':');
    }
    path.push_str("/usr/share/nodejs");
    c.env("NODE_PATH", path);
    c
}

pub fn require_node_ws() {
    let ok = node()
        .args(["-e", "require('ws')"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "Node and its ws package are required: apt-get install nodejs node-ws (see .ci/run)"
    );
}

/// Starts the Node ws echo server.
pub fn ws_server() -> (Peer, u16) {
    require_node_ws();
    let port = free_port();
    let child = node()
        .arg(repo("tests/peers/ws_echo_server.js"))
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("node starts");
    let mut peer = Peer(child);
    wait_for_port(port, Duration::from_secs(20), &mut peer);
    (peer, port)
}

pub fn require_websockets() {
    let check = Command::new(python())
        .args([
            "-c",
            "import websockets, sys; sys.exit(websockets.__version__ != '17.4')",
        ])
        .status()
        .expect("python3 runs");
    assert!(
        check.success(),
        "Python websockets 17.4 is required: pip install websockets==17.4 (see .ci/run)"
    );
}

/// `wsspec test-clients --once` on a free port, writing to `out`.
pub fn fuzzing_server(out: &Path, extra: &[&str]) -> (Child, u16) {
    let port = free_port();
    let child = wsspec()
        .args([
            "test-clients",
            "--once",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--out",
        ])
        .arg(out)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wsspec starts");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "test-clients does not listen"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, port)
}

/// Waits for a child with a bound, killing it past the bound.
pub fn wait_bounded(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

/// The real Autobahn image's name: AUTOBAHN_REAL_IMAGE, or the one that
/// scripts/autobahn-image.sh builds.
pub fn autobahn_image_name() -> String {
    std::env::var("AUTOBAHN_REAL_IMAGE").unwrap_or_else(|_| "crossbario/autobahn-testsuite:25.10.1-local".into())
}

/// The real Autobahn|Testsuite image, built by scripts/autobahn-image.sh
/// (scripts/test.sh builds it); tests that need it fail when it is absent.
pub fn real_autobahn_image() -> String {
    let image = autobahn_image_name();
    let ok = Command::new("docker")
        .args(["image", "inspect", &image])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the real Autobahn image {image} is missing: run scripts/autobahn-image.sh"
    );
    image
}

/// Containers started by wsspec runs, and every Docker volume: what must be
/// the same before and after a run, however it ended.
pub fn docker_state() -> (String, String) {
    let out = |args: &[&str]| {
        let o = Command::new("docker").args(args).output().expect("docker runs");
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    (
        out(&["ps", "-aq", "--filter", "label=wsspec.run"]),
        out(&["volume", "ls", "-q"]),
    )
}

/// The reference echo server (`wsspec echo-server`) on a free port.
pub fn reference_server() -> (Peer, u16) {
    let port = free_port();
    let mut p = Peer(
        wsspec()
            .args(["echo-server", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port, Duration::from_secs(10), &mut p);
    (p, port)
}

/// Cases whose OK and NON-STRICT differ only in whether the peer echoed a
/// message before failing on the frame after it: a race inside the peer.
/// Autobahn's own run of the websockets client shows it is one: 4.1.5 and
/// 4.2.5 send the same bytes at the same pace (one octet per write) and got
/// NON-STRICT and OK. Here either outcome is accepted, the close verdict
/// must still match.
pub const RACES: [&str; 9] = [
    "3.2", "3.3", "3.4", "4.1.3", "4.1.4", "4.1.5", "4.2.3", "4.2.4", "4.2.5",
];

/// A case (or its port, `ab.<id>`) whose verdict is a race inside the peer.
fn is_race(id: &str) -> bool {
    RACES.contains(&id.strip_prefix("ab.").unwrap_or(id))
}

/// OK and NON-STRICT, the two ends of a race, with the same close verdict.
fn either_way(v: &(String, String)) -> bool {
    ["OK", "NON-STRICT"].contains(&v.0.as_str())
}

pub fn tolerate_races(ours: &mut Value, oracle: &Value) {
    let agent = ours.as_object().unwrap().keys().next().unwrap().clone();
    let theirs = only_agent(oracle).clone();
    for id in RACES {
        let (Some(mine), Some(t)) = (ours[&agent].get_mut(id), theirs.get(id)) else {
            continue;
        };
        let either = ["OK", "NON-STRICT"];
        if either.contains(&mine["behavior"].as_str().unwrap_or(""))
            && either.contains(&t["behavior"].as_str().unwrap_or(""))
        {
            mine["behavior"] = t["behavior"].clone();
        }
    }
}

/// A folder laid out for the README's compose flow: docker-compose.yml and
/// the spec files of autobahn/.
pub fn compose_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("docker-compose.yml"), dir.path().join("docker-compose.yml")).unwrap();
    std::fs::create_dir(dir.path().join("autobahn")).unwrap();
    for f in ["fuzzingclient.json", "fuzzingserver.json"] {
        std::fs::copy(repo(&format!("autobahn/{f}")), dir.path().join("autobahn").join(f)).unwrap();
    }
    dir
}

/// `docker compose ARGS` (or `docker-compose`, where the plugin is absent)
/// in `dir` as `project`, with Autobahn's image and the wsspec:local server.
pub fn compose(dir: &Path, project: &str, autobahn_image: &str, args: &[&str]) -> Output {
    let plugin = Command::new("docker")
        .args(["compose", "version"])
        .output()
        .is_ok_and(|o| o.status.success());
    let mut c = if plugin {
        let mut c = Command::new("docker");
        c.arg("compose");
        c
    } else {
        Command::new("docker-compose")
    };
    c.current_dir(dir)
        .env("AUTOBAHN_IMAGE", autobahn_image)
        .env("WSSPEC_IMAGE", "wsspec:local")
        .args(["-p", project])
        .args(args)
        .output()
        .unwrap()
}

/// Reads an upgrade request from `s` and answers 101 with the right
/// Sec-WebSocket-Accept and `extra` header lines (each ending in CRLF);
/// false when the client went away first. For fake servers of the tests.
pub fn answer_upgrade(s: &mut std::net::TcpStream, extra: &str) -> bool {
    use std::io::{Read, Write};
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let key = text
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap_or("")
        .trim()
        .to_string();
    s.write_all(
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n{extra}\r\n",
            wsspec::wire::handshake::accept_for(&key)
        )
        .as_bytes(),
    )
    .is_ok()
}

/// Asserts a test command ran to the end: exit 0 (all passed) or 1 (some
/// case failed), not 2 (bad input) or a crash; stderr tells why otherwise.
pub fn ran_to_the_end(o: &Output) {
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A server on a free port whose first connection (wsspec's probe that the
/// target is a WebSocket server at all) gets a proper upgrade and every
/// later one is treated with `f`.
pub fn fake_server_after_probe(f: fn(std::net::TcpStream)) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for (n, mut s) in l.incoming().flatten().enumerate() {
            if n == 0 {
                answer_upgrade(&mut s, "");
            } else {
                std::thread::spawn(move || f(s));
            }
        }
    });
    port
}

/// Starts `target/zoo/NAME PORT` (built by tests/peers/zoo/build.sh).
pub fn zoo_server(name: &str) -> (Peer, u16) {
    let bin = repo(&format!("target/zoo/{name}"));
    assert!(bin.exists(), "{} is missing: run scripts/test.sh", bin.display());
    let port = free_port();
    let mut peer = Peer(
        Command::new(bin)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port, Duration::from_secs(20), &mut peer);
    (peer, port)
}

/// The verdict pair of every case in a one-agent index.json.
pub fn verdict_pairs(index: &Value) -> std::collections::BTreeMap<String, (String, String)> {
    only_agent(index)
        .iter()
        .map(|(id, v)| {
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            (id.clone(), (s("behavior"), s("behaviorClose")))
        })
        .collect()
}

/// Holds `got` to the verdicts recorded in `file` (under tests/expected/),
/// every case both ways; with WSSPEC_RECORD_EXPECTED=1 writes `got` there
/// instead (then read the diff).
pub fn assert_recorded(file: &str, got: &std::collections::BTreeMap<String, (String, String)>) {
    let path = repo(&format!("tests/expected/{file}"));
    if std::env::var_os("WSSPEC_RECORD_EXPECTED").is_some_and(|v| v == "1") {
        std::fs::write(&path, serde_json::to_string_pretty(got).unwrap() + "\n").unwrap();
        return;
    }
    let expected: std::collections::BTreeMap<String, (String, String)> =
        serde_json::from_value(read_json(&path)).unwrap();
    let mut diffs = Vec::new();
    for (id, want) in &expected {
        match got.get(id) {
            Some(v) if v == want => {}
            Some(v) if is_race(id) && either_way(v) && either_way(want) && v.1 == want.1 => {}
            Some(v) => diffs.push(format!("{id}: got {v:?}, expected {want:?}")),
            None => diffs.push(format!("{id}: not run")),
        }
    }
    for id in got.keys().filter(|k| !expected.contains_key(*k)) {
        diffs.push(format!("{id}: no expected verdict in {}", path.display()));
    }
    assert!(
        diffs.is_empty(),
        "{file}: {} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// A self-signed certificate for `localhost` and its key, as PEM files in
/// `dir`: (certificate, key).
pub fn self_signed_localhost(dir: &Path) -> (PathBuf, PathBuf) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (cert_pem, key_pem) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_pem, cert.pem()).unwrap();
    std::fs::write(&key_pem, key.serialize_pem()).unwrap();
    (cert_pem, key_pem)
}
