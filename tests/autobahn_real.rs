//! The real Autobahn|Testsuite (wstest 25.10.1, built by
//! scripts/autobahn-image.sh) as a live oracle: the Docker runner drives it
//! in both roles and through docker compose, and each of its verdicts is
//! compared with wsspec's native run on the same peer in the same test.
//! Then every way a run can end early: signals, a taken port, a failed run;
//! each leaves no container and no volume behind.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// One real Autobahn run at a time: they are timed and share Docker state.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn all(_: &str) -> bool {
    true
}

fn index(dir: &Path) -> serde_json::Value {
    read_json(&dir.join("index.json"))
}

fn real_test_server(image: &str, url: &str, cases: &str, out: &Path) -> std::process::Output {
    let o = run(&[
        "autobahn",
        "test-server",
        url,
        "--image",
        image,
        "--cases",
        cases,
        "--out",
        out.to_str().unwrap(),
    ]);
    ran_to_the_end(&o);
    o
}

fn native_test_server(url: &str, cases: &str, out: &Path) {
    let o = run(&["test-server", url, "--cases", cases, "--out", out.to_str().unwrap()]);
    ran_to_the_end(&o);
}

#[test]
fn reference_server_all_517_real_and_native_agree() {
    needs!(Need::AutobahnImage);
    let _t = turn();
    let image = real_autobahn_image();
    let before = docker_state();
    let (_server, port) = reference_server();
    let url = format!("ws://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let (real, native) = (dir.path().join("real"), dir.path().join("native"));
    let o = real_test_server(&image, &url, "*", &real);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("autobahn | "),
        "output streamed"
    );
    native_test_server(&url, "*", &native);
    assert_eq!(assert_same_verdicts(&index(&native), &index(&real), all), 517);
    assert_eq!(docker_state(), before, "no container or volume left");
}

#[test]
fn python_websockets_server_sections_1_to_10_real_and_native_agree() {
    needs!(Need::AutobahnImage, Need::PythonWebsockets);
    let _t = turn();
    let image = real_autobahn_image();
    let (_server, port) = websockets_server();
    let url = format!("ws://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let (real, native) = (dir.path().join("real"), dir.path().join("native"));
    let cases = "1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*";
    real_test_server(&image, &url, cases, &real);
    native_test_server(&url, cases, &native);
    // 4.1.5 and the like race inside this peer, under either tool.
    let mut ours = index(&native);
    tolerate_races(&mut ours, &index(&real));
    assert_eq!(assert_same_verdicts(&ours, &index(&real), all), 301);
}

/// A case whose events already differ from every expected one cannot come
/// to pass: wsspec brings its 10 s kill timer forward to 1 s, and the real
/// image, which waits the 10 s out, gives the same two verdicts.
#[test]
fn a_decided_case_is_let_go_with_the_real_verdicts() {
    needs!(Need::AutobahnImage, Need::PythonWebsockets);
    let _t = turn();
    let image = real_autobahn_image();
    let (_server, port) = python_peer("wrong_echo_server.py", &["text-as-binary"], &[]);
    let url = format!("ws://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let (real, native) = (dir.path().join("real"), dir.path().join("native"));
    let cases = "1.1.6,10.1.1";
    real_test_server(&image, &url, cases, &real);
    native_test_server(&url, cases, &native);
    assert_eq!(assert_same_verdicts(&index(&native), &index(&real), all), 2);
    for (id, entry) in only_agent(&index(&native)) {
        assert_eq!(entry["behavior"], "FAILED", "{id}: {entry}");
        let case = read_json(&native.join(entry["reportfile"].as_str().unwrap()));
        let log = case["wirelog"].as_array().unwrap();
        assert!(log.iter().any(|row| row[0] == "KLD"), "{id}: no KLD row in {log:?}");
        let ms = case["duration"].as_u64().unwrap();
        assert!(ms < 10_000, "{id} waited its whole kill timer: {ms} ms");
    }
}

#[test]
fn reference_client_sections_1_to_10_real_and_native_agree() {
    needs!(Need::AutobahnImage);
    let _t = turn();
    let image = real_autobahn_image();
    let before = docker_state();
    let dir = tempfile::tempdir().unwrap();
    let (real, native) = (dir.path().join("real"), dir.path().join("native"));
    let cases = "1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*";
    let port = free_port().to_string();
    let url = format!("ws://127.0.0.1:{port}");
    let bin = env!("CARGO_BIN_EXE_wsspec");
    let o = run(&[
        "autobahn",
        "test-clients",
        "--image",
        &image,
        "--port",
        &port,
        "--cases",
        cases,
        "--out",
        real.to_str().unwrap(),
        "--",
        bin,
        "echo-client",
        &url,
    ]);
    ran_to_the_end(&o);
    let (server, port) = fuzzing_server(&native, &["--cases", cases]);
    let client = wsspec()
        .args(["echo-client", &format!("ws://127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert!(client.status.success(), "{}", String::from_utf8_lossy(&client.stderr));
    wait_bounded(server, Duration::from_secs(60));
    assert_eq!(assert_same_verdicts(&index(&native), &index(&real), all), 301);
    assert_eq!(docker_state(), before, "no container or volume left");
}

/// The README's compose flow with the real image, against the reference
/// server in its own container (wsspec:local).
#[test]
fn compose_flow_with_the_real_image_agrees_with_the_native_run() {
    needs!(Need::AutobahnImage);
    let _t = turn();
    let image = real_autobahn_image();
    let o = Command::new("bash")
        .arg(repo("scripts/docker-image.sh"))
        .env("WSSPEC_BIN", env!("CARGO_BIN_EXE_wsspec"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = compose_dir();
    let project = format!("wsspecreal{}", std::process::id());
    let compose = |args: &[&str]| compose(dir.path(), &project, &image, args);
    let up = compose(&["up", "--abort-on-container-exit", "--exit-code-from", "autobahn"]);
    let down = compose(&["down", "--remove-orphans", "--volumes"]);
    assert!(
        up.status.success(),
        "compose up: {}",
        String::from_utf8_lossy(&up.stderr)
    );
    assert!(
        down.status.success(),
        "compose down: {}",
        String::from_utf8_lossy(&down.stderr)
    );
    let real = dir.path().join("reports/servers");
    let (_server, port) = reference_server();
    let native = dir.path().join("native");
    native_test_server(&format!("ws://127.0.0.1:{port}"), "*", &native);
    assert_eq!(assert_same_verdicts(&index(&native), &index(&real), all), 517);
    // wsspec report reads what the real suite wrote (lone surrogates and all).
    let table = run(&["report", real.to_str().unwrap()]);
    assert_eq!(
        table.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );
}

/// Sends `signal` to a running `wsspec autobahn ...` once it has printed
/// `when`, and returns its exit code and stderr.
fn interrupt(args: &[&str], when: &str, signal: &str) -> (Option<i32>, String) {
    let errfile = tempfile::NamedTempFile::new().unwrap();
    let mut child = wsspec()
        .args(args)
        .stdout(Stdio::null())
        .stderr(errfile.reopen().unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !std::fs::read_to_string(errfile.path()).unwrap().contains(when) {
        assert!(start.elapsed() < Duration::from_secs(60), "never printed {when:?}");
        assert!(child.try_wait().unwrap().is_none(), "exited before {when:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = child.id().to_string();
    Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "still running after SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    (status.code(), std::fs::read_to_string(errfile.path()).unwrap())
}

/// Files in `dir` and beside it (staging folders are made beside the report folder).
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .chain(std::fs::read_dir(dir).unwrap())
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn signals_stop_the_container_and_leave_nothing_behind() {
    needs!(Need::AutobahnImage);
    let _t = turn();
    let image = real_autobahn_image();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("index.json"), "{\"previous\": {}}").unwrap();
    let before = docker_state();
    let files = listing(&out);
    for (signal, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let port = free_port().to_string();
        // test-clients, while the client driver runs (it never ends by itself).
        let (got, err) = interrupt(
            &[
                "autobahn",
                "test-clients",
                "--image",
                &image,
                "--port",
                &port,
                "--cases",
                "1.1.1",
                "--out",
                out.to_str().unwrap(),
                "--",
                "sleep",
                "600",
            ],
            "autobahn | ",
            signal,
        );
        assert_eq!(got, Some(code), "SIG{signal}: {err}");
        let own: Vec<&str> = err.lines().filter(|l| l.starts_with("wsspec: ")).collect();
        assert_eq!(own.len(), 1, "one line: {err}");
        assert_eq!(docker_state(), before, "SIG{signal}: no container or volume left");
        assert_eq!(listing(&out), files, "SIG{signal}: reports and folders as they were");
        // The fuzzing server's port is free again.
        assert!(std::net::TcpListener::bind(("127.0.0.1", port.parse::<u16>().unwrap())).is_ok());
    }
    // test-server, in the middle of the run.
    let (_server, port) = reference_server();
    let (got, err) = interrupt(
        &[
            "autobahn",
            "test-server",
            &format!("ws://127.0.0.1:{port}"),
            "--image",
            &image,
            "--cases",
            "6.4.*,9.*",
            "--out",
            out.to_str().unwrap(),
        ],
        "Running test case ID",
        "TERM",
    );
    assert_eq!(got, Some(143), "{err}");
    assert_eq!(docker_state(), before, "no container or volume left");
    assert_eq!(listing(&out), files);
    assert_eq!(
        std::fs::read_to_string(out.join("index.json")).unwrap(),
        "{\"previous\": {}}"
    );
}

#[test]
fn a_taken_port_a_dead_host_and_a_failed_run_are_one_line_and_keep_the_old_reports() {
    needs!(Need::AutobahnImage);
    let _t = turn();
    let image = real_autobahn_image();
    let before = docker_state();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let (_server, port) = reference_server();
    let url = format!("ws://127.0.0.1:{port}");
    real_test_server(&image, &url, "1.1.1", &out);
    let first = std::fs::read_to_string(out.join("index.json")).unwrap();
    let one_line_2 = |args: &[&str], needle: &str| {
        let start = Instant::now();
        let o = run(args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        let own: Vec<&str> = err.lines().filter(|l| l.starts_with("wsspec: ")).collect();
        assert_eq!(own.len(), 1, "{err}");
        assert!(own[0].contains(needle), "{err} should say {needle}");
        start.elapsed()
    };
    let o = out.to_str().unwrap();
    // A port something else holds: refused before any container starts.
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = holder.local_addr().unwrap().port().to_string();
    let bin = env!("CARGO_BIN_EXE_wsspec");
    one_line_2(
        &[
            "autobahn",
            "test-clients",
            "--image",
            &image,
            "--port",
            &taken,
            "--out",
            o,
            "--",
            bin,
            "echo-client",
            "ws://127.0.0.1:1",
        ],
        "is not free",
    );
    // A host name that does not resolve: said so, at once.
    let took = one_line_2(
        &[
            "autobahn",
            "test-server",
            "ws://no-such-host.invalid:9001",
            "--image",
            &image,
            "--out",
            o,
        ],
        "does not resolve",
    );
    assert!(took < Duration::from_secs(15), "{took:?}");
    // Something that answers HTTP but is not a WebSocket server.
    let http = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let http_port = http.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut s in http.incoming().flatten() {
            let mut b = [0u8; 1024];
            let _ = s.read(&mut b);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        }
    });
    one_line_2(
        &[
            "autobahn",
            "test-server",
            &format!("ws://127.0.0.1:{http_port}"),
            "--image",
            &image,
            "--out",
            o,
        ],
        "not as a WebSocket server",
    );
    // A run cut by its bound: the previous reports stay as they were.
    one_line_2(
        &[
            "autobahn",
            "test-server",
            &url,
            "--image",
            &image,
            "--cases",
            "6.4.*",
            "--timeout",
            "1",
            "--out",
            o,
        ],
        "did not finish within",
    );
    assert_eq!(std::fs::read_to_string(out.join("index.json")).unwrap(), first);
    assert_eq!(docker_state(), before, "no container or volume left");
    let strays: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains(".wsspec-"))
        .collect();
    assert!(strays.is_empty(), "staging folders left: {strays:?}");
}
