//! The command line: argument parsing and the commands. Bad input ends in
//! one line on stderr and exit code 2; conformance failures exit 1.

mod autobahn;
mod cases;
mod fuzz;
mod progress;
pub mod report;
mod spec;
mod test_browser;
mod test_clients;
mod test_server;
mod testdata;
mod wstest;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::Suite;

/// Exit codes shared by every command.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED_CASES: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;

/// A problem with the user's input or environment, told in one line.
#[derive(Debug)]
pub struct BadInput(pub String);

impl<T: Into<String>> From<T> for BadInput {
    fn from(s: T) -> Self {
        BadInput(s.into())
    }
}

#[derive(Parser)]
#[command(
    name = "wsspec",
    version,
    about = "WebSocket conformance harness: Autobahn|Testsuite's cases, natively"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Test a WebSocket server (Autobahn's fuzzingclient). Without a URL or
    /// spec, tests the built-in reference echo server.
    TestServer(test_server::Args),
    /// Test WebSocket clients (Autobahn's fuzzingserver): serve the driver
    /// protocol (/getCaseCount, /runCase, /updateReports) on --listen.
    TestClients(test_clients::Args),
    /// Test a browser's WebSocket client: serve test-clients with its page
    /// at / and run a headless Chromium (or Firefox) on it.
    TestBrowser(test_browser::Args),
    /// Generated conversations against servers, judged by a model of RFC
    /// 6455; each one a server fails is shrunk and written as a case file.
    Fuzz(fuzz::Args),
    /// Run the reference echo client against a fuzzing server (ours or Autobahn's).
    EchoClient {
        /// Base URL of the fuzzing server, e.g. ws://127.0.0.1:9001 or wss://localhost:9001
        url: String,
        /// Agent name the client reports under.
        #[arg(long, default_value = "wsspec-echo-client")]
        agent: String,
        #[command(flatten)]
        trust: TrustArgs,
        /// Run the cases over one HTTP/2 connection (RFC 8441): h2c with
        /// prior knowledge for ws://, TLS with ALPN h2 for wss://.
        #[arg(long)]
        http2: bool,
    },
    /// Autobahn's wstest command line (fuzzingclient, fuzzingserver), as a
    /// stand-in for the real one; also when the binary is named wstest.
    Wstest(wstest::Args),
    /// Run the real Autobahn|Testsuite in Docker and report its results.
    #[command(subcommand)]
    Autobahn(autobahn::Command),
    /// Render reports (wsspec's or Autobahn's): table, markdown, html, junit
    /// or json; several side by side; gate on a baseline.
    Report(report::Args),
    /// List or check case files.
    #[command(subcommand)]
    Cases(cases::Command),
    /// Run the reference echo server (tokio-tungstenite).
    EchoServer {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:9001")]
        listen: String,
        #[command(flatten)]
        tls: ServeTlsArgs,
    },
}

/// How a `wss://` server's certificate is checked (client side).
#[derive(clap::Args, Clone, Default)]
pub struct TrustArgs {
    /// For wss:// URLs: trust only the CA certificates in this PEM file
    /// (default: the system's roots and the webpki-roots bundle).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// For wss:// URLs: accept any certificate, for development servers
    /// with a self-signed one. The reports say so.
    #[arg(long, conflicts_with = "ca")]
    pub insecure: bool,
}

impl TrustArgs {
    /// The certificate check on `suite`.
    pub fn apply(&self, suite: Suite) -> Suite {
        match (&self.ca, self.insecure) {
            (Some(f), _) => suite.trust_ca(f),
            (None, true) => suite.insecure(),
            (None, false) => suite,
        }
    }

    pub fn trust(&self) -> crate::tls::Trust {
        match (&self.ca, self.insecure) {
            (Some(f), _) => crate::tls::Trust::Ca(f.clone()),
            (None, true) => crate::tls::Trust::Insecure,
            (None, false) => crate::tls::Trust::Roots,
        }
    }
}

/// Serving `wss://` (server side).
#[derive(clap::Args, Clone, Default)]
pub struct ServeTlsArgs {
    /// Serve wss:// with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve wss:// with a certificate for localhost and 127.0.0.1 made now,
    /// signed by a fresh CA whose certificate is written to CA_FILE (PEM)
    /// for the client to trust.
    #[arg(long, value_name = "CA_FILE", conflicts_with_all = ["tls_cert", "tls_key"])]
    pub tls_self_signed: Option<PathBuf>,
}

impl ServeTlsArgs {
    /// The TLS configuration asked for, if any; `spec` gives Autobahn's
    /// `cert`/`key` pair when the flags do not.
    pub fn config(&self, spec: Option<(&Path, &Path)>) -> Result<Option<Arc<rustls::ServerConfig>>, BadInput> {
        let pair = match (&self.tls_cert, &self.tls_key) {
            (Some(c), Some(k)) => Some((c.as_path(), k.as_path())),
            _ => spec,
        };
        if let Some(ca) = &self.tls_self_signed {
            return Ok(Some(crate::tls::self_signed(ca)?));
        }
        Ok(match pair {
            Some((cert, key)) => Some(crate::tls::server_config(cert, key)?),
            None => None,
        })
    }
}

pub fn main() -> ExitCode {
    // Installed as `wstest`, the binary takes Autobahn's command line.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = if argv
        .first()
        .and_then(|a| PathBuf::from(a).file_name().map(|n| n == "wstest"))
        .unwrap_or(false)
    {
        Cli {
            command: Command::Wstest(wstest::WstestCli::parse_from(argv).args),
        }
    } else {
        Cli::parse_from(argv)
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wsspec: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let result = rt.block_on(async {
        match cli.command {
            Command::TestServer(args) => test_server::run(args).await,
            Command::EchoServer { listen, tls } => echo_server(&listen, &tls).await,
            Command::TestClients(args) => test_clients::run(args).await,
            Command::TestBrowser(args) => test_browser::run(args).await,
            Command::Cases(c) => cases::run(c),
            Command::Fuzz(args) => fuzz::run(args).await,
            Command::Report(args) => report::run(args).await,
            Command::Wstest(args) => wstest::run(args).await,
            Command::Autobahn(c) => autobahn::run(c).await,
            Command::EchoClient {
                url,
                agent,
                trust,
                http2,
            } => {
                let tls = crate::tls::client_config(&trust.trust())?;
                ws_reference_echo::client::run(&url, &agent, tls, http2)
                    .await
                    .map_err(BadInput)
            }
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(BadInput(msg)) => {
            eprintln!("wsspec: {msg}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

async fn echo_server(listen: &str, tls: &ServeTlsArgs) -> Result<u8, BadInput> {
    let tls = tls.config(None)?;
    // As PID 1 in a container a process gets no default SIGTERM action:
    // without a handler `docker stop` would wait 10 s and kill it. The
    // handler goes in before the port opens, so whoever sees the port
    // open may already stop the server cleanly.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot handle SIGTERM: {e}"))?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let scheme = if tls.is_some() { "wss" } else { "ws" };
    println!("wsspec echo-server listening on {scheme}://{addr}");
    tokio::select! {
        _ = ws_reference_echo::server::serve(listener, tls) => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(EXIT_OK)
}

/// Writes `text` to standard output; a reader that went away (`| head`)
/// ends the program quietly instead of a panic.
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush())
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(EXIT_OK.into());
    }
}

/// "1 case", "2 cases".
pub fn count_of(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Splits comma-separated pattern lists (`--cases 1.*,2.*`).
pub fn split_patterns(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Which cases to run, shared by the test commands.
#[derive(clap::Args, Clone)]
pub struct Selection {
    /// Case ID patterns to run, comma-separated (Autobahn's syntax: `6.*`, `9.1.*`, `1.1.1`; custom: `frag.*`).
    #[arg(long, value_name = "GLOB,...")]
    pub cases: Vec<String>,
    /// Case ID patterns to leave out.
    #[arg(long, value_name = "GLOB,...")]
    pub exclude: Vec<String>,
    /// A folder of custom case files to add to the shipped ones (repeatable).
    #[arg(long, value_name = "DIR")]
    pub cases_dir: Vec<PathBuf>,
}

/// The `--cases` and `--exclude` patterns as typed, each checked: a flag
/// given empty, or a pattern that matches no case at all (built-in or
/// custom), is bad input rather than a silent no-op.
pub fn typed_patterns(sel: &Selection) -> Result<(Vec<String>, Vec<String>), BadInput> {
    let available = crate::suite::select::Available::load(&sel.cases_dir)?;
    let mut out = Vec::new();
    for (flag, given) in [("--cases", &sel.cases), ("--exclude", &sel.exclude)] {
        let patterns = split_patterns(given);
        if !given.is_empty() && patterns.is_empty() {
            return Err(format!("{flag} is empty: give case ID patterns such as 1.* or 6.4.1").into());
        }
        if let Some(p) = available.unmatched(&patterns) {
            return Err(format!("{flag} {p}: no case matches it (see wsspec cases list)").into());
        }
        out.push(patterns);
    }
    let exclude = out.pop().unwrap_or_default();
    let include = out.pop().unwrap_or_default();
    Ok((include, exclude))
}

/// Limits shared by the test commands.
#[derive(clap::Args, Clone)]
pub struct SessionArgs {
    /// Largest message accepted from the peer, in bytes; a larger one fails
    /// the connection with 1009.
    #[arg(long, default_value_t = Suite::DEFAULT_MAX_MESSAGE_SIZE)]
    pub max_message_size: u64,
    /// Seconds the opening handshake may take.
    #[arg(long, default_value_t = Suite::DEFAULT_OPEN_TIMEOUT.as_secs_f64(), value_name = "SECS")]
    pub open_timeout: f64,
    /// Autobahn's five compression test files, for sections 12–13 to send
    /// exactly Autobahn's bytes: `autobahn` fetches them from its PyPI
    /// package once (checked by SHA-256, kept in ~/.cache/wsspec), or a
    /// folder holding them (the package's `autobahntestsuite/testdata`;
    /// `./autobahn` for a folder of that name). Default: wsspec's generated
    /// data.
    #[arg(long, value_name = "autobahn|DIR")]
    pub testdata: Option<std::path::PathBuf>,
}

impl SessionArgs {
    /// These limits on `suite`. `spec_testdata`: the spec file's `testdata`
    /// folder, used when `--testdata` is not given.
    pub fn apply(&self, suite: Suite, spec_testdata: Option<&str>) -> Result<Suite, BadInput> {
        let open_timeout = self.open_timeout;
        if !(open_timeout > 0.0 && open_timeout < 3600.0) {
            return Err(
                format!("--open-timeout must be more than 0 and less than 3600 seconds, not {open_timeout}").into(),
            );
        }
        let suite = suite
            .max_message_size(self.max_message_size)
            .open_timeout(std::time::Duration::from_secs_f64(open_timeout));
        Ok(match self.testdata.clone().or_else(|| spec_testdata.map(Into::into)) {
            Some(word) if word.as_os_str() == testdata::AUTOBAHN => suite.testdata(testdata::autobahn_testdata()?),
            Some(dir) => suite.testdata(dir),
            None => suite,
        })
    }
}

/// The suite a test command runs: its cases (`include`, `exclude`, checked
/// already or read from a spec file), custom case folders, limits and
/// certificate check.
pub fn suite_of(
    (include, exclude): (Vec<String>, Vec<String>),
    selection: &Selection,
    session: &SessionArgs,
    spec_testdata: Option<&str>,
) -> Result<Suite, BadInput> {
    let mut suite = Suite::new().cases(include).exclude(exclude).allow_unmatched();
    for dir in &selection.cases_dir {
        suite = suite.cases_dir(dir);
    }
    session.apply(suite, spec_testdata)
}

impl From<crate::Error> for BadInput {
    fn from(e: crate::Error) -> Self {
        BadInput(e.to_string())
    }
}

/// `--format`'s values: the library's formats, named as the library names them.
impl clap::ValueEnum for crate::report::Format {
    fn value_variants<'a>() -> &'a [Self] {
        Self::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}
