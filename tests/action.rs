//! The GitHub Action's steps, run here as the script they call
//! (scripts/action-run.sh) against real peers: the step summary gets the
//! markdown, the page and JUnit are written for the upload, wsspec's exit
//! code is the step's. And action.yml runs that script with the
//! environment it reads.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;

/// The tests that start a peer take turns: two peers picked their ports
/// at once, and one found the other's port gone (a free port is free
/// only until someone else binds it).
static ONE_PEER_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    ONE_PEER_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// The action's run step with `args`, reports into `dir`, the summary into
/// `summary`.
fn action(args: &str, dir: &Path, summary: &Path) -> Output {
    std::process::Command::new("bash")
        .arg(repo("scripts/action-run.sh"))
        .env(
            "WSSPEC",
            std::env::var_os("WSSPEC_BIN").unwrap_or(env!("CARGO_BIN_EXE_wsspec").into()),
        )
        .env("WSSPEC_ARGS", args)
        .env("WSSPEC_REPORT_DIR", dir)
        .env("GITHUB_STEP_SUMMARY", summary)
        .output()
        .unwrap()
}

#[test]
fn a_passing_run_writes_the_summary_the_page_and_junit() {
    needs!(Need::PythonWebsockets);
    let _turn = turn();
    let (_peer, port) = python_peer("websockets_echo_server.py", &[], &[]);
    let tmp = tempfile::tempdir().unwrap();
    let (dir, summary) = (tmp.path().join("r"), tmp.path().join("summary.md"));
    let o = action(
        &format!("test-server ws://127.0.0.1:{port}/ --cases '1.1.*,2.1' --agent ws"),
        &dir,
        &summary,
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("| 1 Framing | 8 OK |") && md.contains("| 2 Pings/Pongs | 1 OK |"),
        "{md}"
    );
    assert!(
        std::fs::read_to_string(dir.join("report.html"))
            .unwrap()
            .contains("<html")
    );
    assert!(
        std::fs::read_to_string(dir.join("junit.xml"))
            .unwrap()
            .contains("<testsuites")
    );
}

#[test]
fn a_failing_run_is_exit_1_with_its_failures_reported() {
    needs!(Need::PythonWebsockets);
    let _turn = turn();
    let (_peer, port) = python_peer("wrong_echo_server.py", &["text-as-binary"], &[]);
    let tmp = tempfile::tempdir().unwrap();
    let (dir, summary) = (tmp.path().join("r"), tmp.path().join("summary.md"));
    let o = action(
        &format!("test-server ws://127.0.0.1:{port}/ --cases 1.1.1 --agent bad"),
        &dir,
        &summary,
    );
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("got an empty binary message"), "{md}");
    assert!(
        std::fs::read_to_string(dir.join("junit.xml"))
            .unwrap()
            .contains("<failure")
    );
}

#[test]
fn bad_arguments_are_exit_2_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, summary) = (tmp.path().join("r"), tmp.path().join("summary.md"));
    for args in ["echo-server", "test-server not-a-url"] {
        let o = action(args, &dir, &summary);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!summary.exists(), "{args}");
    }
}

#[test]
fn action_yml_runs_the_script_with_what_it_reads() {
    needs!(Need::Python);
    let check = r#"
import sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
assert a["runs"]["using"] == "composite", a["runs"]
steps = a["runs"]["steps"]
run = [s for s in steps if "scripts/action-run.sh" in s.get("run", "")]
assert len(run) == 1, steps
env = run[0]["env"]
assert set(env) == {"WSSPEC", "WSSPEC_ARGS", "WSSPEC_REPORT_DIR"}, env
assert "cargo install --locked" in steps[0]["run"], steps[0]
assert a["inputs"]["args"]["required"] is True
upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
assert upload and upload[0]["with"]["path"] == "${{ inputs.report-dir }}", upload
"#;
    let o = std::process::Command::new(python())
        .args(["-c", check])
        .arg(repo("action.yml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
