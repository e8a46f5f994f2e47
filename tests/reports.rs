//! `wsspec report`: the real tungstenite oracle and a fresh wsspec run in
//! all five formats, checked by real consumers (headless Chromium for the
//! HTML, a Python JUnit parser for the XML), comparison, baseline gating and
//! bad input.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

/// A fresh wsspec run against the reference server (sections 1-10).
fn fresh_run(dir: &Path) -> PathBuf {
    let out = dir.join("fresh");
    let o = run(&["test-server", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn render(inputs: &[&Path], format: &str, out: &Path) -> std::process::Output {
    let mut args: Vec<String> = vec!["report".into()];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap().to_string()));
    args.extend([
        "--format".into(),
        format.into(),
        "--output".into(),
        out.to_str().unwrap().into(),
    ]);
    wsspec().args(&args).output().unwrap()
}

/// Counts per verdict of an index's single agent, as the page counts them.
fn counts(index: &Value) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for v in only_agent(index).values() {
        let b = v["behavior"].as_str().unwrap();
        let c = v["behaviorClose"].as_str().unwrap();
        // The page's cell: the worse of the two verdicts.
        let h = if b == "FAILED" || c == "FAILED" {
            "FAILED"
        } else if ["UNCLEAN", "WRONG CODE", "FAILED BY CLIENT"].contains(&c) {
            c
        } else {
            b
        };
        *m.entry(h.to_string()).or_default() += 1;
    }
    m
}

#[test]
fn oracle_and_fresh_run_render_in_all_formats() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = fresh_run(dir.path());
    let oracle = repo("tests/oracles/tungstenite-server.json");
    for input in [oracle.as_path(), fresh.as_path()] {
        for format in ["table", "markdown", "html", "junit", "json"] {
            let out = dir.path().join(format!("r.{format}"));
            let o = render(&[input], format, &out);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{format}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(std::fs::metadata(&out).unwrap().len() > 100, "{format} output is empty");
        }
        // JSON is Autobahn's index shape and reads back the same.
        let json = read_json(&dir.path().join("r.json"));
        let source = read_json(&if input.is_dir() {
            input.join("index.json")
        } else {
            input.to_path_buf()
        });
        assert_eq!(counts(&json), counts(&source));
        let md = std::fs::read_to_string(dir.path().join("r.markdown")).unwrap();
        assert!(md.contains("| Section |") && md.contains("<details>"), "{md}");
    }
}

#[test]
fn html_loads_in_chromium_with_the_right_counts() {
    needs!(Need::Chromium);
    let dir = tempfile::tempdir().unwrap();
    let fresh = fresh_run(dir.path());
    let oracle = repo("tests/oracles/tungstenite-server.json");
    let page = dir.path().join("report.html");
    assert_eq!(render(&[&oracle, &fresh], "html", &page).status.code(), Some(0));
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok())
        .expect("Chromium is required: apt-get install chromium (see .ci/run)");
    let o = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(
        !log.contains("Uncaught") && !log.contains("CONSOLE"),
        "console errors:\n{log}"
    );
    for (i, index) in [read_json(&oracle), read_json(&fresh.join("index.json"))]
        .iter()
        .enumerate()
    {
        for (verdict, n) in counts(index) {
            let shown = format!("id=\"count-{verdict}-{i}\">{n}<");
            assert!(dom.contains(&shown), "the page should show {shown}");
        }
    }
    assert!(dom.contains("517 of 517 cases"), "the matrix lists every case");
    assert!(dom.contains("Section 9 durations"), "the 9.x chart is drawn");
}

#[test]
fn junit_is_read_by_a_real_junit_parser() {
    needs!(Need::PythonWebsockets);
    let dir = tempfile::tempdir().unwrap();
    let (_peer, port) = websockets_server();
    let out = dir.path().join("ws");
    let o = run(&[
        "test-server",
        &format!("ws://127.0.0.1:{port}"),
        "--cases",
        "3.*,7.1.*,9.3.1",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "junit",
        "--output",
        dir.path().join("junit.xml").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "9.3.1 and 7.1.5 fail on this server");
    let index = read_json(&out.join("index.json"));
    let c = counts(&index);
    let script = "import sys\nfrom junitparser import JUnitXml\nx = JUnitXml.fromfile(sys.argv[1])\n\
        for s in x: print(s.tests, s.failures, s.skipped, sum(1 for t in s if t.system_out))";
    let parsed = Command::new(python())
        .args(["-c", script])
        .arg(dir.path().join("junit.xml"))
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "junitparser: {}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let got = String::from_utf8_lossy(&parsed.stdout).trim().to_string();
    let notes = c.get("NON-STRICT").unwrap_or(&0) + c.get("INFORMATIONAL").unwrap_or(&0);
    let want = format!(
        "{} {} {} {}",
        only_agent(&index).len(),
        c.get("FAILED").unwrap_or(&0),
        c.get("UNIMPLEMENTED").unwrap_or(&0),
        notes
    );
    assert_eq!(got, want);
}

#[test]
fn several_agents_side_by_side_with_disagreements_first() {
    let o = wsspec()
        .args(["report"])
        .arg(repo("tests/oracles/websockets-17.4-server.json"))
        .arg(repo("tests/oracles/tungstenite-server.json"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    let head = text.lines().next().unwrap_or("");
    assert!(
        text.contains("websockets-echo") && text.contains("Tungstenite"),
        "{head}"
    );
    let dis = text.find("agents disagree").expect("a disagreement table");
    assert!(
        text[dis..].contains("7.1.5") && text[dis..].contains("12.*, 13.*"),
        "{text}"
    );
    assert!(!text[dis..].contains("│ 1.1.1 "), "agreeing cases are not listed");
}

#[test]
fn baseline_regressions_exit_1_and_improvements_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("baseline.json");
    std::fs::copy(repo("tests/oracles/tungstenite-server.json"), &base).unwrap();
    let mut worse = read_json(&base);
    worse["Tungstenite"]["5.19"]["behavior"] = "FAILED".into();
    worse["Tungstenite"]["6.4.3"]["behavior"] = "OK".into();
    let current = dir.path().join("current.json");
    std::fs::write(&current, worse.to_string()).unwrap();
    let o = wsspec()
        .arg("report")
        .arg(&current)
        .arg("--baseline")
        .arg(&base)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("1 regression, 1 improvement"), "{table}");
    assert!(table.contains("5.19: OK / OK -> FAILED / OK"), "{table}");
    // Durations are ignored, improvements pass.
    let mut better = read_json(&base);
    better["Tungstenite"]["6.4.3"]["behavior"] = "OK".into();
    better["Tungstenite"]["1.1.1"]["duration"] = 99999.into();
    std::fs::write(&current, better.to_string()).unwrap();
    let o = wsspec()
        .arg("report")
        .arg(&current)
        .arg("--baseline")
        .arg(&base)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    // --update-baseline takes the current verdicts.
    let o = wsspec()
        .arg("report")
        .arg(&current)
        .args(["--baseline"])
        .arg(&base)
        .arg("--update-baseline")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(read_json(&base)["Tungstenite"]["6.4.3"]["behavior"], "OK");
}

#[test]
fn bad_reports_are_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let not_json = dir.path().join("nj");
    std::fs::create_dir(&not_json).unwrap();
    std::fs::write(not_json.join("index.json"), "{ nope").unwrap();
    let unknown = dir.path().join("unknown.json");
    std::fs::write(
        &unknown,
        r#"{"a": {"1.1.1": {"behavior": "GREAT", "behaviorClose": "OK"}}}"#,
    )
    .unwrap();
    for (input, needle) in [
        (dir.path().join("missing"), "no such file"),
        (empty, "no index.json"),
        (not_json.clone(), "not valid JSON"),
        (unknown, "unknown verdict \"GREAT\""),
    ] {
        let o = wsspec().arg("report").arg(&input).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", input.display());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err} should say {needle}");
    }
}

#[test]
fn missing_per_case_files_still_render_marked() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = fresh_run(dir.path());
    std::fs::remove_file(fresh.join("wsspec_echo_server_case_1_1_1.json")).unwrap();
    let page = dir.path().join("r.html");
    let o = render(&[&fresh], "html", &page);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 per-case files are missing"));
    assert!(std::fs::read_to_string(&page).unwrap().contains("\"missing\":true"));
}

#[test]
fn a_corrupt_per_case_file_is_marked_and_named_once_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.json"),
        r#"{"a": {"1.1.1": {"behavior": "OK", "behaviorClose": "OK", "reportfile": "a_case_1_1_1.json"},
                  "1.1.2": {"behavior": "OK", "behaviorClose": "OK", "reportfile": "a_case_1_1_2.json"}}}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("a_case_1_1_1.json"), "{{{").unwrap();
    std::fs::write(dir.path().join("a_case_1_1_2.json"), "{{{").unwrap();
    let o = wsspec().arg("report").arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("a_case_1_1_1.json: not valid JSON"), "{err}");
}

/// Python writes lone surrogates (\ud800) in the wire logs of the UTF-8
/// cases: a real Autobahn per-case file (websockets 17.4, 6.3.1).
#[test]
fn real_autobahn_per_case_files_with_lone_surrogates_render() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["table", "markdown", "html", "junit", "json"] {
        let out = dir.path().join(format!("r.{f}"));
        let o = render(&[&repo("tests/fixtures/autobahn-surrogates")], f, &out);
        assert_eq!(o.status.code(), Some(0), "{f}: {}", String::from_utf8_lossy(&o.stderr));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("missing") && !err.contains("unreadable"), "{f}: {err}");
    }
    // The wire log is shown, its lone surrogates as U+FFFD.
    assert!(
        std::fs::read_to_string(dir.path().join("r.html"))
            .unwrap()
            .contains('\u{fffd}')
    );
}

/// Both real Autobahn result folders of tests/fixtures/autobahn-reports, in every format.
#[test]
fn the_shared_reference_folders_render_in_every_format() {
    let shared = repo("tests/fixtures/autobahn-reports");
    let folders = [shared.join("websockets-17.4/servers"), shared.join("ws-8.18.3/servers")];
    for d in &folders {
        assert!(d.join("index.json").exists(), "{} is missing", d.display());
    }
    let dir = tempfile::tempdir().unwrap();
    for f in ["table", "markdown", "html", "junit", "json"] {
        let out = dir.path().join(format!("r.{f}"));
        let o = render(&[&folders[0], &folders[1]], f, &out);
        assert_eq!(o.status.code(), Some(0), "{f}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(std::fs::metadata(&out).unwrap().len() > 1000, "{f}");
    }
}

/// The "why" of a case is the reason that decided its pair, in every
/// format, and it says who closed. websockets 17.4 answers our close in
/// 7.1.5 with close code 1002: the events
/// match, the close code decided FAILED / WRONG CODE, and Autobahn's
/// `result` ("Actual events match at least one expected.") must not be
/// what the user reads. 6.4.3 is NON-STRICT: the why is the expectation.
#[test]
fn the_why_is_the_reason_that_decided_the_verdict_in_every_format() {
    let folder = repo("tests/fixtures/autobahn-reports/websockets-17.4/servers");
    let dir = tempfile::tempdir().unwrap();
    for f in ["table", "markdown", "junit", "html"] {
        let out = dir.path().join(format!("r.{f}"));
        let o = render(&[&folder], f, &out);
        assert_eq!(o.status.code(), Some(0), "{f}: {}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(&out).unwrap();
        if f != "html" {
            // The page also embeds the per-case fields as they are.
            assert!(!text.contains("Actual events match at least one expected"), "{f}");
        }
        assert!(text.contains("The close code should have been 1000 or empty"), "{f}");
        // We closed 7.1.5 with 1000 and the peer answered with 1002: it
        // did not close with 1002 of its own.
        assert!(
            text.contains("We sent the first close frame (1000); the peer answered with 1002"),
            "{f}"
        );
        assert!(text.contains("fail fast on UTF-8"), "{f}: the NON-STRICT expectation");
    }
}

/// Our own per-case files: a server that echoes invalid UTF-8 fails 6.3.1
/// because the wrong endpoint closed, while the (empty) events matched.
#[test]
fn a_case_failed_by_its_close_says_why_in_our_own_reports() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut s in l.incoming().flatten() {
            std::thread::spawn(move || {
                if !answer_upgrade(&mut s, "") {
                    return;
                }
                let mut buf = [0u8; 4096];
                // Echo the payload of the first frame unmasked, as a text
                // message, then wait for the client to give up.
                let n = s.read(&mut buf).unwrap_or(0);
                if n > 6 {
                    let len = (buf[1] & 0x7f) as usize;
                    let mask = [buf[2], buf[3], buf[4], buf[5]];
                    let payload: Vec<u8> = (0..len.min(n - 6)).map(|i| buf[6 + i] ^ mask[i % 4]).collect();
                    let mut frame = vec![0x81, payload.len() as u8];
                    frame.extend(payload);
                    let _ = s.write_all(&frame);
                }
                let _ = s.read(&mut buf);
            });
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = run(&[
        "test-server",
        &format!("ws://127.0.0.1:{port}"),
        "--cases",
        "6.3.1",
        "--agent",
        "sloppy",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    let row = table.lines().find(|l| l.contains("6.3.1")).expect("6.3.1 is listed");
    assert!(row.contains("The peer did not fail the connection"), "{row}");
    assert!(!row.contains("events match"), "{row}");
}

/// The terminal table against the built-in server: the 216 compression
/// cases in one row, every line within the terminal's width, and h2spec's
/// last line.
#[test]
fn the_terminal_table_collapses_fits_and_ends_with_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let o = wsspec()
        .args(["test-server", "--out", dir.path().join("r").to_str().unwrap()])
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    for line in table.lines() {
        assert!(line.chars().count() <= 100, "wider than 100 columns: {line}");
    }
    let rows: Vec<&str> = table.lines().filter(|l| l.contains("UNIMPLEMENTED │ OK")).collect();
    assert_eq!(rows.len(), 1, "{table}");
    assert!(rows[0].contains("12.*, 13.*"), "{table}");
    assert_eq!(
        table.trim_end().lines().last().unwrap(),
        "517 cases: 296 OK, 2 NON-STRICT, 3 INFORMATIONAL, 216 UNIMPLEMENTED, 0 FAILED"
    );
}

/// FAILED rows come before NON-STRICT ones, and with several agents the
/// cases they all fail are listed too.
#[test]
fn failures_first_and_listed_when_all_agents_agree() {
    let folder = repo("tests/fixtures/autobahn-reports/websockets-17.4/servers");
    let o = wsspec().args(["report", folder.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    let failed = table.find("7.1.5").expect("7.1.5 listed");
    let non_strict = table.find("NON-STRICT    │").expect("a NON-STRICT row");
    assert!(failed < non_strict, "{table}");

    let o = wsspec()
        .args(["report", folder.to_str().unwrap(), folder.to_str().unwrap()])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&o.stdout);
    let row = table
        .lines()
        .find(|l| l.contains("9.3.1"))
        .unwrap_or_else(|| panic!("9.3.1 (FAILED for both) is not listed:\n{table}"));
    assert!(row.contains("agree"), "{row}");
}

/// JUnit a CI can show: the failure body has the description, expected and
/// received events and the per-case file; the test name has the case ID
/// and a short description; the class name keeps agent and section apart
/// even when the agent's name has dots.
#[test]
fn junit_failures_carry_what_a_ci_shows() {
    let folder = repo("tests/fixtures/autobahn-reports/websockets-17.4/servers");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.xml");
    let o = render(&[&folder], "junit", &out);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let xml = std::fs::read_to_string(&out).unwrap();
    let at = xml.find("name=\"7.1.5 ").expect("7.1.5 named with its description");
    let case = &xml[xml[..at].rfind("<testcase").unwrap()..];
    let case = &case[..case.find("</testcase>").unwrap()];
    assert!(
        case.contains("classname=\"websockets-echo.7 Close Handling\""),
        "{case}"
    );
    for needle in [
        "Expectation:",
        "Expected (OK):",
        "Received:",
        "Why: ",
        "Report: ",
        "case_7_1_5.json",
    ] {
        assert!(case.contains(needle), "{needle:?} in {case}");
    }
    let ws = repo("tests/fixtures/autobahn-reports/ws-8.18.3/servers");
    let o = render(&[&ws], "junit", &out);
    assert_eq!(o.status.code(), Some(0));
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(
        xml.contains("classname=\"ws@8_18_3.1 Framing\""),
        "the agent's dots are not packages"
    );
}

/// Reports published on the web: a folder URL with its per-case files, an
/// index URL as the baseline, and a URL that is not there (served here on
/// loopback by Python's http.server).
#[test]
fn reports_and_baselines_by_http_url() {
    needs!(Need::Python);
    let port = free_port();
    let mut server = Peer(
        Command::new(python())
            .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1"])
            .current_dir(repo("tests/fixtures/autobahn-reports"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port, std::time::Duration::from_secs(10), &mut server);
    let base = format!("http://127.0.0.1:{port}/websockets-17.4/servers");
    let o = wsspec()
        .args([
            "report",
            &format!("{base}/"),
            "--baseline",
            &format!("{base}/index.json"),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("0 regressions"), "{table}");
    // The per-case files came too: the reason is the per-case file's.
    assert!(
        table.contains("The close code should have been 1000 or empty"),
        "{table}"
    );
    let o = wsspec()
        .args(["report", &format!("http://127.0.0.1:{port}/nope/")])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("/nope/index.json: HTTP 404"), "{err}");
}

/// A narrow table wraps, never cuts: the permessage-deflate offers of
/// 13.x differ only at their ends, and the reasons say what differs.
#[test]
fn a_narrow_table_wraps_offers_and_reasons_instead_of_cutting_them() {
    let folder = repo("tests/fixtures/autobahn-reports/websockets-17.4/servers");
    let o = wsspec()
        .args(["report", folder.to_str().unwrap(), "--format", "table"])
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let table_lines = text.lines().filter(|l| l.starts_with(['│', '╭', '├', '╰']));
    assert!(table_lines.into_iter().all(|l| l.chars().count() <= 80), "{text}");
    // Neither the offers nor the reasons are cut.
    let not_ok = text.split("Cases that are not OK").nth(1).unwrap();
    let cells: String = not_ok.lines().filter(|l| l.starts_with('│')).collect();
    assert!(!cells.contains('…') || cells.contains(" … "), "a cell was cut:\n{text}");
    let offers = text.split("permessage-deflate negotiation").nth(1).unwrap();
    assert!(!offers.contains('…'), "an offer was cut:\n{offers}");
    let rows = offers.lines().filter(|l| l.starts_with("│ websockets-echo")).count();
    assert!(rows >= 6, "{offers}");
}
