//! The Docker orchestration, with a locally built stand-in for the real
//! Autobahn image (no registry is reachable here): the compose flow of the
//! README, `wsspec autobahn` in both roles, clean-up, and each failure as
//! one line and exit 2.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
const IMAGE: &str = "wsspec:local";

/// Builds the wsspec image (the stand-in) from the binary under test.
fn image() {
    let o = Command::new("bash")
        .arg(repo("scripts/docker-image.sh"))
        .arg(IMAGE)
        .env("WSSPEC_BIN", env!("CARGO_BIN_EXE_wsspec"))
        .output()
        .expect("bash runs");
    assert!(
        o.status.success(),
        "building the image: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Containers our runs started and left behind.
fn leftovers() -> String {
    let o = Command::new("docker")
        .args(["ps", "-aq", "--filter", "label=wsspec.run"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn compose_flow_with_the_stand_in_image() {
    needs!(Need::Docker);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    image();
    let dir = compose_dir();
    let project = format!("wsspectest{}", std::process::id());
    let compose = |args: &[&str]| compose(dir.path(), &project, IMAGE, args);
    let up = compose(&["up", "--abort-on-container-exit", "--exit-code-from", "autobahn"]);
    let down = compose(&["down", "--remove-orphans"]);
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
    let reports = dir.path().join("reports/servers");
    let ours = read_json(&reports.join("index.json"));
    let oracle = read_json(&repo("tests/oracles/tungstenite-server.json"));
    assert_eq!(assert_same_verdicts(&ours, &oracle, sections_1_to_10), 301);
    let table = run(&["report", reports.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("Total"));
    let ps = Command::new("docker")
        .args(["ps", "-aq", "--filter", &format!("name={project}")])
        .output()
        .unwrap();
    assert!(ps.stdout.is_empty(), "compose down removed the containers");
}

#[test]
fn autobahn_commands_in_both_roles_and_clean_up() {
    needs!(Need::Docker);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    image();
    let (_server, port) = reference_server();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("servers");
    let o = run(&[
        "autobahn",
        "test-server",
        &format!("ws://127.0.0.1:{port}"),
        "--agent",
        "ref",
        "--image",
        IMAGE,
        "--cases",
        "1.*,7.*",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(only_agent(&read_json(&out.join("index.json"))).len(), 16 + 37);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("autobahn | "),
        "the container's output is streamed"
    );
    let cport = free_port().to_string();
    let url = format!("ws://127.0.0.1:{cport}");
    let bin = env!("CARGO_BIN_EXE_wsspec");
    let out = dir.path().join("clients");
    let o = run(&[
        "autobahn",
        "test-clients",
        "--image",
        IMAGE,
        "--port",
        &cport,
        "--cases",
        "2.*",
        "--out",
        out.to_str().unwrap(),
        "--",
        bin,
        "echo-client",
        &url,
        "--agent",
        "cli",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(only_agent(&read_json(&out.join("index.json"))).len(), 11);
    assert_eq!(leftovers(), "", "no container is left running");
}

fn one_line_exit_2(args: &[&str], path_env: Option<&str>, needle: &str) {
    let mut c = wsspec();
    c.args(args);
    if let Some(p) = path_env {
        c.env("PATH", p);
    }
    let o = c.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    let own: Vec<&str> = err.lines().filter(|l| l.starts_with("wsspec: ")).collect();
    assert_eq!(own.len(), 1, "{err}");
    assert!(own[0].contains(needle), "{err} should say {needle}");
}

#[test]
fn failures_are_one_line_and_leave_nothing_running() {
    needs!(Need::Docker);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    image();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let out = out.to_str().unwrap();
    let (_server, port) = reference_server();
    let url = format!("ws://127.0.0.1:{port}");
    one_line_exit_2(
        &["autobahn", "test-server", &url, "--out", out],
        Some("/nonexistent"),
        "Docker is not installed",
    );
    one_line_exit_2(
        &[
            "autobahn",
            "test-server",
            &url,
            "--image",
            "wsspec-missing:none",
            "--out",
            out,
        ],
        None,
        "is not present",
    );
    let default = Command::new("docker")
        .args(["image", "inspect", "crossbario/autobahn-testsuite"])
        .output()
        .unwrap();
    if !default.status.success() {
        one_line_exit_2(
            &["autobahn", "test-server", &url, "--out", out],
            None,
            "docker pull crossbario/autobahn-testsuite",
        );
    }
    let closed = format!("ws://127.0.0.1:{}", free_port());
    one_line_exit_2(
        &[
            "autobahn",
            "test-server",
            &closed,
            "--image",
            IMAGE,
            "--ready-timeout",
            "1",
            "--out",
            out,
        ],
        None,
        "did not become ready",
    );
    one_line_exit_2(
        &[
            "autobahn",
            "test-server",
            &url,
            "--image",
            IMAGE,
            "--cases",
            "6.4.*",
            "--timeout",
            "1",
            "--out",
            out,
        ],
        None,
        "did not finish within",
    );
    one_line_exit_2(
        &[
            "autobahn",
            "test-server",
            &url,
            "--image",
            IMAGE,
            "--cases",
            "99.*",
            "--out",
            out,
        ],
        None,
        "exited with code 2",
    );
    assert_eq!(leftovers(), "", "no container is left running");
    assert!(!Path::new(out).join("index.json").exists());
}

#[test]
fn wstest_is_a_drop_in_for_the_real_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = reference_server();
    let spec = dir.path().join("fuzzingclient.json");
    let out = dir.path().join("reports");
    std::fs::write(
        &spec,
        serde_json::json!({
            "outdir": out, "servers": [{"agent": "A", "url": format!("ws://127.0.0.1:{port}")}],
            "cases": ["2.*"], "exclude-cases": ["2.11"], "exclude-agent-cases": {}
        })
        .to_string(),
    )
    .unwrap();
    // Installed as `wstest`, the binary takes Autobahn's arguments.
    let link = dir.path().join("wstest");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_wsspec"), &link).unwrap();
    let o = Command::new(&link)
        .args(["-m", "fuzzingclient", "-s", spec.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let index = read_json(&out.join("index.json"));
    assert_eq!(index["A"].as_object().unwrap().len(), 10);
    assert!(out.join("a_case_2_1.json").exists());
}

/// A fuzzing server container that exits before it is ready is reported
/// with its last line, at once, and removed with its volumes.
#[test]
fn a_container_that_exits_early_is_reported_with_its_last_line() {
    needs!(Need::Docker);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    image();
    let before = docker_state();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().to_string();
    let start = std::time::Instant::now();
    let o = run(&[
        "autobahn",
        "test-clients",
        "--image",
        IMAGE,
        "--port",
        &port,
        "--cases",
        "99.*",
        "--out",
        dir.path().join("o").to_str().unwrap(),
        "--",
        "true",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let own: Vec<&str> = err.lines().filter(|l| l.starts_with("wsspec: ")).collect();
    assert_eq!(own.len(), 1, "{err}");
    assert!(
        own[0].contains("exited early") && own[0].contains("no case is left to run"),
        "{err}"
    );
    assert!(start.elapsed() < Duration::from_secs(20), "{:?}", start.elapsed());
    assert_eq!(docker_state(), before);
}

/// As PID 1 in a container the echo server must act on SIGTERM itself,
/// or `docker stop` waits 10 s and kills it.
#[test]
fn the_echo_server_exits_at_once_on_sigterm() {
    let (mut server, _port) = reference_server();
    Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = server.0.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(2), "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}
