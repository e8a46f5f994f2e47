//! Where a server under test listens: a `ws://` or `wss://` URL read once
//! into what connecting needs, and the name we announce there. Below the
//! engine, beside `tls`: the library, the command line and the Docker
//! runner all name targets.

use std::sync::Arc;

use crate::tls::{self, Trust};

/// Where a server under test listens.
#[derive(Clone, Debug)]
pub struct Target {
    pub url: String,
    /// host:port to connect to.
    pub addr: String,
    /// The Host header.
    pub host: String,
    /// Path and query.
    pub resource: String,
    /// The host name alone (TLS SNI and certificate name).
    pub server_name: String,
    /// TLS, for a `wss://` URL.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// `--insecure`: the certificate is not checked (the reports say so).
    pub insecure: bool,
    /// `--http2`: WebSockets over HTTP/2 (RFC 8441) instead of HTTP/1.1.
    pub http2: bool,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target, String> {
        let u = url::Url::parse(url).map_err(|e| format!("{url:?} is not a valid URL ({e})"))?;
        let tls = match u.scheme() {
            "ws" => None,
            "wss" => Some(tls::client_config(&Trust::Roots).map_err(|e| format!("{url}: {e}"))?),
            s => return Err(format!("{url}: the scheme must be ws:// or wss://, not {s}://")),
        };
        let host = u.host_str().ok_or_else(|| format!("{url}: the URL has no host"))?;
        let port = u.port_or_known_default().unwrap_or(80);
        let mut resource = u.path().to_string();
        if resource.is_empty() {
            resource.push('/');
        }
        if let Some(q) = u.query() {
            resource.push('?');
            resource.push_str(q);
        }
        Ok(Target {
            url: url.to_string(),
            addr: format!("{host}:{port}"),
            host: format!("{host}:{port}"),
            resource,
            server_name: host.trim_start_matches('[').trim_end_matches(']').to_string(),
            tls,
            insecure: false,
            http2: false,
        })
    }

    /// The certificate check for a `wss://` target (`--ca`, `--insecure`);
    /// nothing for `ws://`.
    pub fn trust(mut self, trust: &Trust) -> Result<Target, String> {
        if self.tls.is_some() {
            self.tls = Some(tls::client_config(trust)?);
            self.insecure = *trust == Trust::Insecure;
        }
        Ok(self)
    }
}

/// The user agent we announce.
pub const USER_AGENT: &str = concat!("wsspec/", env!("CARGO_PKG_VERSION"));
