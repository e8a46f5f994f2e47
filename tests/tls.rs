//! wss:// in both roles: the same cases give the same verdicts over TLS as
//! over plain TCP (the reference server and client, Python websockets'
//! server and client), and every TLS failure is one line and exit 2 within
//! a bound. Certificates are made here with rcgen: a CA and a leaf it signs.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

struct Certs {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

/// A CA and a leaf for `names` signed by it, as PEM files in `dir`.
fn certs(dir: &Path, names: &[&str]) -> Certs {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let cert = rcgen::CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let c = Certs {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    std::fs::write(&c.ca, ca_cert.pem()).unwrap();
    std::fs::write(&c.cert, cert.pem()).unwrap();
    std::fs::write(&c.key, key.serialize_pem()).unwrap();
    c
}

/// `test-server URL EXTRA... --cases CASES`: the index and the per-case
/// file of the first case.
fn test_server(url: &str, extra: &[&str], cases: &str) -> (serde_json::Value, serde_json::Value) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["test-server", url];
    args.extend(extra);
    args.extend([
        "--agent",
        "peer",
        "--cases",
        cases,
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let o = run(&args);
    ran_to_the_end(&o);
    let index = read_json(&out.path().join("index.json"));
    let first = only_agent(&index).values().next().unwrap()["reportfile"]
        .as_str()
        .unwrap()
        .to_string();
    let file = read_json(&out.path().join(first));
    (index, file)
}

/// Sections 1–7 and 10, a few 9.x and compression cases: every kind of
/// case, in seconds (scripts/tls-parity.sh runs all 517).
const CI_CASES: &str = "1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.1.1,9.1.2,9.2.1,10.*,12.1.1,12.1.2,13.1.1,13.7.1";

fn tls_server(certs: &Certs) -> (Peer, u16) {
    let port = free_port();
    let mut p = Peer(
        wsspec()
            .args(["echo-server", "--listen", &format!("127.0.0.1:{port}"), "--tls-cert"])
            .arg(&certs.cert)
            .arg("--tls-key")
            .arg(&certs.key)
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port, Duration::from_secs(10), &mut p);
    (p, port)
}

#[test]
fn reference_server_same_verdicts_over_wss() {
    let _turn = turn();
    let dir = tempfile::tempdir().unwrap();
    let c = certs(dir.path(), &["localhost"]);
    let (_tls, tls_port) = tls_server(&c);
    let (_plain, port) = reference_server();
    let ca = c.ca.to_str().unwrap();
    let (over_tls, file) = test_server(&format!("wss://localhost:{tls_port}"), &["--ca", ca], CI_CASES);
    let (plain, _) = test_server(&format!("ws://127.0.0.1:{port}"), &[], CI_CASES);
    assert!(verdict_pairs(&over_tls).len() > 250);
    assert_eq!(verdict_pairs(&over_tls), verdict_pairs(&plain));
    let tls = file["tls"].as_str().unwrap_or_default();
    assert!(tls.starts_with("TLS 1.3"), "{file}");
}

#[test]
fn python_websockets_server_same_verdicts_over_wss() {
    needs!(Need::PythonWebsockets);
    let _turn = turn();
    require_websockets();
    let dir = tempfile::tempdir().unwrap();
    let c = certs(dir.path(), &["localhost"]);
    let (_tls, tls_port) = python_peer(
        "websockets_echo_server.py",
        &[],
        &[c.cert.to_str().unwrap(), c.key.to_str().unwrap()],
    );
    let (_plain, port) = websockets_server();
    let ca = c.ca.to_str().unwrap();
    let (mut over_tls, _) = test_server(&format!("wss://localhost:{tls_port}"), &["--ca", ca], CI_CASES);
    let (plain, _) = test_server(&format!("ws://127.0.0.1:{port}"), &[], CI_CASES);
    tolerate_races(&mut over_tls, &plain);
    assert_eq!(verdict_pairs(&over_tls), verdict_pairs(&plain));
}

/// `test-clients` over TLS with a certificate it makes itself: the
/// reference client and Python websockets' client trust its CA file and
/// get the verdicts they get over ws://.
#[test]
fn clients_same_verdicts_over_wss_with_a_self_signed_certificate() {
    needs!(Need::PythonWebsockets);
    let _turn = turn();
    require_websockets();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let cases = "1.*,2.*,5.*,7.1.*,9.1.3,9.2.3,12.1.1";
    let run_clients = |tls: bool, client: &dyn Fn(&str, bool) -> Command| {
        let out = tempfile::tempdir().unwrap();
        let mut extra = vec!["--cases", cases];
        if tls {
            extra.extend(["--tls-self-signed", ca.to_str().unwrap()]);
        }
        let (server, port) = fuzzing_server(out.path(), &extra);
        let scheme = if tls { "wss" } else { "ws" };
        let status = client(&format!("{scheme}://localhost:{port}"), tls)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let o = wait_bounded(server, Duration::from_secs(60));
        ran_to_the_end(&o);
        verdict_pairs(&read_json(&out.path().join("index.json")))
    };
    let reference = |base: &str, _: bool| {
        let mut c = wsspec();
        c.args(["echo-client", base, "--ca", ca.to_str().unwrap()]);
        c
    };
    let over_tls = run_clients(true, &reference);
    assert!(over_tls.len() > 50);
    assert_eq!(over_tls, run_clients(false, &reference));
    let python = |base: &str, tls: bool| {
        let mut c = Command::new(python());
        c.arg(repo("tests/peers/websockets_fuzz_client.py"))
            .args([base, "websockets-client"]);
        if tls {
            c.arg(&ca);
        }
        c
    };
    let over_tls = run_clients(true, &python);
    let plain = run_clients(false, &python);
    let differ: Vec<_> = over_tls
        .iter()
        .filter(|(id, v)| plain.get(*id) != Some(v) && !RACES.iter().any(|r| id.starts_with(r)))
        .collect();
    assert!(differ.is_empty(), "{differ:?}");
}

/// One line, exit 2, within a bound.
fn fails_cleanly(args: &[&str], says: &str) {
    let start = Instant::now();
    let o = run(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains(says), "{err}");
    assert!(start.elapsed() < Duration::from_secs(15), "{:?}", start.elapsed());
}

#[test]
fn every_tls_failure_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let c = certs(dir.path(), &["localhost"]);
    let (_tls, tls_port) = tls_server(&c);
    let url = format!("wss://localhost:{tls_port}");
    // A CA nobody gave us.
    fails_cleanly(
        &["test-server", &url, "--cases", "1.1.1"],
        "signed by a CA we do not trust",
    );
    // The right CA, the wrong name.
    let other = format!("wss://127.0.0.1:{tls_port}");
    fails_cleanly(
        &[
            "test-server",
            &other,
            "--ca",
            c.ca.to_str().unwrap(),
            "--cases",
            "1.1.1",
        ],
        "not valid for this host name",
    );
    // A TLS server behind ws://.
    fails_cleanly(
        &["test-server", &format!("ws://127.0.0.1:{tls_port}"), "--cases", "1.1.1"],
        "use wss://",
    );
    // A plain server behind wss://.
    let (_plain, port) = reference_server();
    fails_cleanly(
        &["test-server", &format!("wss://localhost:{port}"), "--cases", "1.1.1"],
        "TLS handshake failed",
    );
    // A CA file that is not one.
    fails_cleanly(
        &["test-server", &url, "--ca", c.key.to_str().unwrap(), "--cases", "1.1.1"],
        "no PEM certificate",
    );
    // --insecure takes it, and the reports say so.
    let (_, file) = test_server(&url, &["--insecure"], "1.1.1");
    assert!(file["tls"].as_str().unwrap().contains("--insecure"), "{file}");
}

/// A self-signed certificate with `CA:TRUE` (what `openssl req -x509`
/// makes by default) for `names`, and its key, as PEM files in `dir`.
fn self_signed_ca_true(dir: &Path, names: &[&str]) -> Certs {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    let c = Certs {
        ca: dir.join("self.pem"),
        cert: dir.join("self.pem"),
        key: dir.join("self-key.pem"),
    };
    std::fs::write(&c.cert, cert.pem()).unwrap();
    std::fs::write(&c.key, key.serialize_pem()).unwrap();
    c
}

/// The server presents the very `CA:TRUE` certificate given with `--ca`:
/// trusted, as curl, Python and Node trust it; the name is still checked,
/// and without `--ca` the refusal is said in words, not as a Rust enum.
#[test]
fn a_self_signed_ca_certificate_given_with_ca_is_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let c = self_signed_ca_true(dir.path(), &["localhost"]);
    let (_tls, port) = tls_server(&c);
    let ca = c.ca.to_str().unwrap();
    let (index, _) = test_server(&format!("wss://localhost:{port}"), &["--ca", ca], "1.1.1");
    assert_eq!(verdict_pairs(&index)["1.1.1"], ("OK".to_string(), "OK".to_string()));
    let wrong_name = format!("wss://127.0.0.1:{port}");
    fails_cleanly(
        &["test-server", &wrong_name, "--ca", ca, "--cases", "1.1.1"],
        "not valid for this host name",
    );
    let untrusted = format!("wss://localhost:{port}");
    fails_cleanly(
        &["test-server", &untrusted, "--cases", "1.1.1"],
        "is a CA certificate (CA:TRUE)",
    );
}

/// All 517 against the reference and the Python websockets servers, and
/// sections 1–10 against both clients, over wss:// and ws://: the same
/// verdicts (races aside). Minutes (12–13 against Python): scripts/slow-tests.sh.
#[test]
#[ignore = "minutes: scripts/slow-tests.sh"]
fn everything_over_wss_as_over_ws() {
    needs!(Need::PythonWebsockets);
    let _turn = turn();
    require_websockets();
    let dir = tempfile::tempdir().unwrap();
    let c = certs(dir.path(), &["localhost"]);
    let ca = c.ca.to_str().unwrap();
    let (_tls, tls_port) = tls_server(&c);
    let (_plain, port) = reference_server();
    let (over_tls, _) = test_server(&format!("wss://localhost:{tls_port}"), &["--ca", ca], "*");
    let (plain, _) = test_server(&format!("ws://127.0.0.1:{port}"), &[], "*");
    assert_eq!(verdict_pairs(&over_tls).len(), 517);
    assert_eq!(verdict_pairs(&over_tls), verdict_pairs(&plain));
    let (_tls, tls_port) = python_peer(
        "websockets_echo_server.py",
        &[],
        &[c.cert.to_str().unwrap(), c.key.to_str().unwrap()],
    );
    let (_plain, port) = websockets_server();
    let (mut over_tls, _) = test_server(&format!("wss://localhost:{tls_port}"), &["--ca", ca], "*");
    let (plain, _) = test_server(&format!("ws://127.0.0.1:{port}"), &[], "*");
    tolerate_races(&mut over_tls, &plain);
    assert_eq!(verdict_pairs(&over_tls).len(), 517);
    assert_eq!(verdict_pairs(&over_tls), verdict_pairs(&plain));
    let sections = "1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*";
    let clients = |tls: bool, python_client: bool| {
        let out = tempfile::tempdir().unwrap();
        let ca = out.path().join("ca.pem");
        let mut extra = vec!["--cases", sections];
        if tls {
            extra.extend(["--tls-self-signed", ca.to_str().unwrap()]);
        }
        let (server, port) = fuzzing_server(out.path(), &extra);
        let base = format!("{}://localhost:{port}", if tls { "wss" } else { "ws" });
        let mut cmd = if python_client {
            let mut c = Command::new(python());
            c.arg(repo("tests/peers/websockets_fuzz_client.py"))
                .args([&base, "websockets-client"]);
            if tls {
                c.arg(&ca);
            }
            c
        } else {
            let mut c = wsspec();
            c.args(["echo-client", &base]);
            if tls {
                c.arg("--ca").arg(&ca);
            }
            c
        };
        assert!(
            cmd.stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap()
                .success()
        );
        let o = wait_bounded(server, Duration::from_secs(600));
        ran_to_the_end(&o);
        read_json(&out.path().join("index.json"))
    };
    for python_client in [false, true] {
        let mut over_tls = clients(true, python_client);
        let plain = clients(false, python_client);
        tolerate_races(&mut over_tls, &plain);
        assert_eq!(verdict_pairs(&over_tls).len(), 301);
        assert_eq!(
            verdict_pairs(&over_tls),
            verdict_pairs(&plain),
            "python client: {python_client}"
        );
    }
}
