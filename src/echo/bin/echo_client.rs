//! `echo-client URL [--agent NAME] [--ca FILE] [--http2]`: the reference echo client
//! on its own, against a fuzzing server (`wsspec test-clients` or
//! Autobahn's); `wsspec echo-client` runs the same code.

use std::path::PathBuf;
use std::process::ExitCode;

use ws_reference_echo::{client, tls};

const USAGE: &str =
    "usage: echo-client URL [--agent NAME] [--ca FILE] [--http2]  (URL: ws://HOST:PORT or wss://HOST:PORT)";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo-client: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), String> {
    let (mut url, mut agent, mut ca) = (None, "ws-reference-echo-client".to_string(), None);
    let mut http2 = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--agent" => agent = args.next().ok_or(format!("--agent needs a name; {USAGE}"))?,
            "--ca" => ca = args.next().map(PathBuf::from),
            "--http2" => http2 = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ if url.is_none() && !a.starts_with('-') => url = Some(a),
            _ => return Err(format!("unexpected argument {a:?}; {USAGE}")),
        }
    }
    let url = url.ok_or(USAGE)?;
    let tls = tls::client_config(ca.as_deref())?;
    client::run(&url, &agent, tls, http2).await.map(|_| ())
}
