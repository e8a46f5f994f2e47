//! The command line: argument parsing and the commands. Bad input ends in
//! one line on stderr and exit code 2; conformance failures exit 1.

mod spec;
mod test_server;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Test a WebSocket server (Autobahn's fuzzingclient). Without a URL or
    /// spec, tests the built-in reference echo server.
    TestServer(test_server::Args),
    /// Run the reference echo server (tokio-tungstenite).
    EchoServer {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:9001")]
        listen: String,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
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
            Command::EchoServer { listen } => echo_server(&listen).await,
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

async fn echo_server(listen: &str) -> Result<u8, BadInput> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("wsspec echo-server listening on ws://{addr}");
    tokio::select! {
        _ = crate::echo::server::serve(listener) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(EXIT_OK)
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
