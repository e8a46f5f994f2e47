//! `wsspec test-browser`: the client-testing server of `test-clients`, with
//! a headless browser started on its page (`/`), which runs the driver
//! protocol in the browser's own WebSocket client; the reports are rendered
//! when the page asks for them, as `test-clients --once` renders them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use super::BadInput;
use super::test_clients::{self, Launch};

#[derive(clap::Args)]
pub struct Args {
    /// The browser to run headless (Chromium, Chrome or Firefox);
    /// default: the first of chromium, chromium-browser, google-chrome,
    /// firefox on PATH.
    #[arg(long, value_name = "PATH")]
    browser: Option<PathBuf>,
    /// The agent name the page reports under (default: the browser's name).
    #[arg(long)]
    agent: Option<String>,
    /// Seconds the whole run may take.
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    timeout: u64,
    #[command(flatten)]
    clients: test_clients::Args,
}

const KNOWN: [&str; 5] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "firefox",
];

fn find_browser() -> Result<PathBuf, BadInput> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in KNOWN {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    Err(
        "no browser found on PATH (chromium, google-chrome, firefox): apt-get install chromium, or give --browser PATH"
            .into(),
    )
}

pub async fn run(args: Args) -> Result<u8, BadInput> {
    let browser = match args.browser {
        Some(b) if b.is_file() => b,
        Some(b) => return Err(format!("--browser {}: no such file", b.display()).into()),
        None => find_browser()?,
    };
    let name = browser
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "browser".into());
    let agent = args.agent.unwrap_or_else(|| name.clone());
    let mut clients = args.clients;
    clients.once = true;
    if clients.listen.is_none() {
        clients.listen = Some("127.0.0.1:0".into());
    }
    let profile = std::env::temp_dir().join(format!("wsspec-browser-{}", std::process::id()));
    let firefox = name.contains("firefox");
    let launch = Launch {
        what: format!("the browser {}", browser.display()),
        bound: Duration::from_secs(args.timeout),
        start: {
            let profile = profile.clone();
            Box::new(move |base: &str| {
                let agent_q: String = url::form_urlencoded::byte_serialize(agent.as_bytes()).collect();
                let page = format!("{}/?agent={agent_q}", base.replacen("ws", "http", 1));
                start(&browser, firefox, &profile, &page)
            })
        },
    };
    let result = test_clients::run_with(clients, Some(launch)).await;
    let _ = std::fs::remove_dir_all(&profile);
    result
}

/// The browser, headless, on `page`, with a profile of its own.
fn start(browser: &Path, firefox: bool, profile: &Path, page: &str) -> Result<tokio::process::Child, BadInput> {
    std::fs::create_dir_all(profile).map_err(|e| format!("{}: {e}", profile.display()))?;
    let mut cmd = tokio::process::Command::new(browser);
    if firefox {
        cmd.args(["--headless", "--no-remote", "--profile"]).arg(profile);
    } else {
        cmd.args([
            "--headless=new",
            // As root (in containers, in CI) Chromium refuses to start otherwise.
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            // wss:// with a certificate made for this run: what is tested
            // is the WebSocket client, not the browser's trust store.
            "--ignore-certificate-errors",
        ])
        .arg(format!("--user-data-dir={}", profile.display()));
    }
    cmd.arg(page)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    cmd.spawn()
        .map_err(|e| format!("cannot start {}: {e}", browser.display()).into())
}
