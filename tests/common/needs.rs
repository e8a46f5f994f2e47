//! What a test needs beyond Rust, and what happens when it is missing.
//!
//! `needs!(Need::NodeWs);` at the top of a test: when everything is there
//! the test runs. When something is missing, plain `cargo test` prints one
//! line (`skipped <test>: needs <what>: <how to get it>`) and the test
//! passes without running. `scripts/test.sh` (the README's test command,
//! which CI runs) sets WSSPEC_REQUIRE_PEERS=1, and then a missing peer
//! fails the test: CI cannot go green by skipping.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use super::{node, python, repo};

/// The variable that makes every need mandatory.
pub const REQUIRE: &str = "WSSPEC_REQUIRE_PEERS";

/// One thing a test needs that a machine with only Rust does not have.
#[derive(Clone, Copy, Debug)]
pub enum Need {
    /// python3 (or WSSPEC_PYTHON), for the small peers in tests/peers/.
    Python,
    /// Python websockets 17.4, the oracle's peer.
    PythonWebsockets,
    /// hypercorn 0.18.0 with h2, an HTTP/1.1 and HTTP/2 server.
    Hypercorn,
    /// Node.js with Debian's ws package.
    NodeWs,
    /// Debian's chromium, headless.
    Chromium,
    /// A Docker engine this user may use.
    Docker,
    /// The real Autobahn|Testsuite image, built locally.
    AutobahnImage,
    /// One server of the zoo, built into target/zoo/.
    Zoo(&'static str),
    /// Autobahn's compression test files in target/autobahn-testdata/.
    Testdata,
    /// Autobahn's PyPI sdist, kept by scripts/test.sh.
    AutobahnSdist,
}

impl Need {
    /// None when it is there; otherwise what is missing and how to get it.
    fn missing(self) -> Option<String> {
        let ok = match self {
            Need::Python => runs(Command::new(python()).args(["-c", ""])),
            Need::PythonWebsockets => python_has("websockets", "17.4"),
            Need::Hypercorn => python_has("hypercorn", "0.18.0"),
            Need::NodeWs => runs(node().args(["-e", "require('ws')"])),
            Need::Chromium => ["chromium", "chromium-browser"]
                .iter()
                .any(|c| runs(Command::new(c).arg("--version"))),
            Need::Docker => runs(Command::new("docker").args(["info"])),
            Need::AutobahnImage => {
                runs(Command::new("docker").args(["image", "inspect", &super::autobahn_image_name()]))
            }
            Need::Zoo(name) => repo(&format!("target/zoo/{name}")).exists(),
            Need::Testdata => repo("target/autobahn-testdata/data1.json").exists(),
            Need::AutobahnSdist => repo(super::AUTOBAHN_SDIST).exists(),
        };
        (!ok).then(|| self.how().to_string())
    }

    fn how(self) -> String {
        match self {
            Need::Python => "python3 (or WSSPEC_PYTHON)".into(),
            Need::PythonWebsockets => "Python websockets 17.4: pip install -r tests/peers/requirements.txt".into(),
            Need::Hypercorn => "hypercorn 0.18.0: pip install -r tests/peers/requirements.txt".into(),
            Need::NodeWs => "Node's ws: apt-get install nodejs node-ws".into(),
            Need::Chromium => "Chromium: apt-get install chromium".into(),
            Need::Docker => "a Docker engine this user may use (docker info fails)".into(),
            Need::AutobahnImage => format!(
                "the real Autobahn image {} (Docker, then scripts/autobahn-image.sh)",
                super::autobahn_image_name()
            ),
            Need::Zoo(name) => format!("the zoo's {name}: bash tests/peers/zoo/build.sh target/zoo"),
            Need::Testdata => "Autobahn's compression test files: scripts/test.sh fetches them".into(),
            Need::AutobahnSdist => format!("{}: scripts/test.sh fetches it", super::AUTOBAHN_SDIST),
        }
    }
}

/// True when every need is met (each is checked once per test binary).
/// Otherwise prints the skip line, or fails under WSSPEC_REQUIRE_PEERS=1.
pub fn have(needs: &[Need]) -> bool {
    static SEEN: Mutex<Option<HashMap<String, Option<String>>>> = Mutex::new(None);
    let missing: Vec<String> = needs
        .iter()
        .filter_map(|n| {
            let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
            seen.get_or_insert_with(HashMap::new)
                .entry(format!("{n:?}"))
                .or_insert_with(|| n.missing())
                .clone()
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    let line = format!("{test}: needs {}", missing.join("; "));
    assert!(
        std::env::var_os(REQUIRE).is_none_or(|v| v != "1"),
        "{line} ({REQUIRE}=1 makes every peer mandatory)"
    );
    // Straight to the process's stderr: the test harness captures eprintln!
    // of a passing test, and this line is for the reader of `cargo test`.
    let _ = writeln!(std::io::stderr(), "skipped {line}");
    false
}

/// Returns from the test, after one line, when a need is missing:
/// `needs!(Need::PythonWebsockets, Need::NodeWs);`.
#[allow(unused_macros)]
macro_rules! needs {
    ($($need:expr),+ $(,)?) => {
        if !$crate::common::have(&[$($need),+]) {
            return;
        }
    };
}
#[allow(unused_imports)]
pub(crate) use needs;

fn runs(c: &mut Command) -> bool {
    c.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn python_has(package: &str, version: &str) -> bool {
    let check = format!("import importlib.metadata as m, sys; sys.exit(m.version('{package}') != '{version}')");
    runs(Command::new(python()).args(["-c", &check]))
}
