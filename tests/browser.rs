//! A browser as the client under test: `wsspec test-browser` runs Debian's
//! Chromium headless on the page test-clients serves, over ws:// and wss://.
//! Chromium's verdicts on sections 1–10 and 12–13 are recorded in
//! tests/expected/browser-chromium.json; CI runs sections 1–10 and four
//! cases of every compression subsection against them (all 216 compression
//! cases take Chromium about 15 minutes: the ignored test runs everything,
//! and with WSSPEC_RECORD_EXPECTED=1 records the file again).

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::*;

type Verdicts = BTreeMap<String, (String, String)>;

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn require_chromium() {
    let ok = std::process::Command::new("chromium")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "Debian's chromium is required: apt-get install chromium (see .ci/run)"
    );
}

/// `test-browser` on `cases` (over wss:// with a certificate it makes when
/// `tls`): the verdicts, and how long the run took.
fn browser(cases: &str, tls: bool) -> (Verdicts, Duration) {
    let out = tempfile::tempdir().unwrap();
    let ca = out.path().join("ca.pem");
    let mut args = vec!["test-browser", "--cases", cases, "--out", out.path().to_str().unwrap()];
    if tls {
        args.extend(["--tls-self-signed", ca.to_str().unwrap()]);
    }
    let start = Instant::now();
    let o = run(&args);
    ran_to_the_end(&o);
    let got = verdict_pairs(&read_json(&out.path().join("index.json")));
    (got, start.elapsed())
}

/// Differences from the recorded verdicts, for the cases run; where a
/// case's verdict is a race inside the client (RACES), OK and NON-STRICT
/// both pass.
fn differences(got: &Verdicts, expected: &Verdicts) -> Vec<String> {
    got.iter()
        .filter_map(|(id, v)| {
            let want = expected.get(id)?;
            let race = RACES.contains(&id.as_str())
                && v.1 == want.1
                && [v.0.as_str(), want.0.as_str()]
                    .iter()
                    .all(|b| matches!(*b, "OK" | "NON-STRICT"));
            (v != want && !race).then(|| format!("{id}: got {v:?}, expected {want:?}"))
        })
        .chain(
            got.keys()
                .filter(|k| !expected.contains_key(*k))
                .map(|k| format!("{k}: not recorded")),
        )
        .collect()
}

fn expected() -> Verdicts {
    serde_json::from_value(read_json(&repo("tests/expected/browser-chromium.json"))).unwrap()
}

/// Sections 1–10, and cases 1–4 of every compression subsection.
fn ci_cases() -> String {
    let mut c = vec!["1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*".to_string()];
    for (s, n) in [(12, 5), (13, 7)] {
        for sub in 1..=n {
            for i in 1..=4 {
                c.push(format!("{s}.{sub}.{i}"));
            }
        }
    }
    c.join(",")
}

#[test]
fn chromium_over_ws_and_wss_matches_its_record() {
    needs!(Need::Chromium);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    require_chromium();
    let cases = ci_cases();
    let expected = expected();
    let (plain, _) = browser(&cases, false);
    assert!(plain.len() > 340, "{} cases ran", plain.len());
    let d = differences(&plain, &expected);
    assert!(d.is_empty(), "over ws://, {} differences:\n{}", d.len(), d.join("\n"));
    let (over_tls, _) = browser(&cases, true);
    let d = differences(&over_tls, &expected);
    assert!(d.is_empty(), "over wss://, {} differences:\n{}", d.len(), d.join("\n"));
}

/// Over wss:// with `h2` offered (`--http2`), Chromium opens its WebSockets
/// as RFC 8441 streams of the page's HTTP/2 connection. Its verdicts are
/// those recorded over HTTP/1.1 but where HTTP/2 itself makes them differ,
/// which the per-case file names: where Chromium fails a WebSocket over
/// HTTP/1.1 with a close frame, over HTTP/2 it resets the stream
/// (RST_STREAM CANCEL) and sends none (6.x's WRONG CODE becomes OK, 7.1.2-7.1.5
/// become UNCLEAN).
#[test]
fn chromium_over_rfc_8441_differs_only_where_it_resets_the_stream() {
    needs!(Need::Chromium);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    require_chromium();
    let out = tempfile::tempdir().unwrap();
    let ca = out.path().join("ca.pem");
    let o = run(&[
        "test-browser",
        "--http2",
        "--tls-self-signed",
        ca.to_str().unwrap(),
        "--cases",
        &ci_cases(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    ran_to_the_end(&o);
    let index = read_json(&out.path().join("index.json"));
    let cases = only_agent(&index);
    assert!(cases.len() > 340, "{} cases ran", cases.len());
    let expected = expected();
    let mut differ = Vec::new();
    let mut reset = 0;
    for (id, v) in cases {
        let case = read_json(&out.path().join(v["reportfile"].as_str().unwrap()));
        let transport = case["transport"].as_str().unwrap_or("");
        assert!(
            transport.starts_with("HTTP/2 over TLS (ALPN h2), stream "),
            "{id}: {transport}"
        );
        let got = (
            v["behavior"].as_str().unwrap().to_string(),
            v["behaviorClose"].as_str().unwrap().to_string(),
        );
        if expected.get(id) == Some(&got) {
            continue;
        }
        match case["peerEnding"].as_str() {
            Some(e) if e.contains("reset the stream (RST_STREAM CANCEL)") => reset += 1,
            _ => differ.push(format!(
                "{id}: got {got:?}, expected {:?} over HTTP/1.1",
                expected.get(id)
            )),
        }
    }
    assert!(
        differ.is_empty(),
        "{} differ, not by a reset:\n{}",
        differ.len(),
        differ.join("\n")
    );
    assert!(reset > 0, "Chromium reset no stream: is it still on HTTP/2?");
}

#[test]
#[ignore = "about 15 minutes: scripts/slow-tests.sh"]
fn chromium_all_of_1_to_10_and_12_13() {
    needs!(Need::Chromium);
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    require_chromium();
    let (got, took) = browser("1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*,12.*,13.*", false);
    eprintln!("chromium, {} cases in {:.1} s", got.len(), took.as_secs_f64());
    assert_eq!(got.len(), 517);
    if std::env::var_os("WSSPEC_RECORD_EXPECTED").is_some_and(|v| v == "1") {
        let path = repo("tests/expected/browser-chromium.json");
        std::fs::write(path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
        return;
    }
    let d = differences(&got, &expected());
    assert!(d.is_empty(), "{} differences:\n{}", d.len(), d.join("\n"));
}
