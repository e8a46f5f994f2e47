//! `echo-server [ADDR] [--tls-cert FILE --tls-key FILE]`: the reference echo
//! server on its own (`wsspec echo-server` runs the same code).

use std::path::PathBuf;
use std::process::ExitCode;

use ws_reference_echo::{server, tls};

const USAGE: &str = "usage: echo-server [ADDR] [--tls-cert FILE --tls-key FILE]  (default ADDR 127.0.0.1:9001)";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo-server: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), String> {
    let mut addr = None;
    let (mut cert, mut key) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--tls-cert" => cert = args.next().map(PathBuf::from),
            "--tls-key" => key = args.next().map(PathBuf::from),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ if addr.is_none() && !a.starts_with('-') => addr = Some(a),
            _ => return Err(format!("unexpected argument {a:?}; {USAGE}")),
        }
    }
    let tls = match (cert, key) {
        (Some(c), Some(k)) => Some(tls::server_config(&c, &k)?),
        (None, None) => None,
        _ => return Err(format!("--tls-cert and --tls-key go together; {USAGE}")),
    };
    let addr = addr.unwrap_or_else(|| "127.0.0.1:9001".into());
    // SIGTERM is handled before the port opens (PID 1 in a container gets
    // no default action for it).
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot handle SIGTERM: {e}"))?;
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let scheme = if tls.is_some() { "wss" } else { "ws" };
    println!("echo-server listening on {scheme}://{local}");
    tokio::select! {
        _ = server::serve(listener, tls) => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    Ok(())
}
