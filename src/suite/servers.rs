//! Testing a server: before any case, the target must answer a probe.

use std::time::Duration;

use crate::engine::connect::{OpenFailure, client_connect};
use crate::target::Target;

/// Checks that a WebSocket server answers at all and learns its agent name
/// (`agent`, else the Server header, else "UnknownServer"). Nothing
/// listening, no answer within the open timeout, or an answer that is not an
/// upgrade (HTTP 200, not HTTP at all) is an error in one line: a target
/// error, not 517 FAILED. A server that upgrades, but wrongly, is tested,
/// and every case says why it failed.
pub async fn probe(target: &Target, agent: Option<&str>, open_timeout: Duration) -> Result<String, String> {
    let named = || agent.map(str::to_string);
    match client_connect(target, open_timeout, &[]).await {
        Ok((stream, _, _, head, _)) => {
            drop(stream);
            Ok(named()
                .or_else(|| head.get("server").map(str::to_string))
                .unwrap_or_else(|| "UnknownServer".into()))
        }
        Err(e) if e.kind.not_a_websocket_server() => {
            let hint = match e.kind {
                OpenFailure::NoHttp if target.tls.is_none() => {
                    ": not a WebSocket endpoint (if it speaks TLS, use wss://)"
                }
                OpenFailure::NotUpgraded | OpenFailure::NoHttp => ": not a WebSocket endpoint",
                _ => "",
            };
            Err(format!("{}: {}{hint}", target.url, e.reason))
        }
        Err(_) => Ok(named().unwrap_or_else(|| "UnknownServer".into())),
    }
}
