//! Reports published on the web: an `http://` or `https://` URL of an
//! index.json or of a folder holding one (maintainers keep their expected
//! results in their repositories). The index and the per-case files it
//! names are copied into a local folder that the loader then reads like
//! any other; every request is bounded.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;

/// Whether an input names a URL rather than a path.
pub fn is_url(input: &str) -> bool {
    input.starts_with("http://") || input.starts_with("https://")
}

pub(crate) fn client() -> Result<reqwest::Client, String> {
    // rustls with ring: one crypto provider for the process.
    let _ = rustls::crypto::CryptoProvider::install_default((*crate::tls::provider()).clone());
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("wsspec/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot set up HTTPS: {e}"))
}

/// The largest file taken from a URL: real per-case files are kilobytes,
/// an index of many agents a few megabytes.
const MAX_FILE: usize = 64 << 20;

pub(crate) async fn get(c: &reqwest::Client, url: &str) -> Result<Vec<u8>, String> {
    get_as(c, url, "*/*").await
}

/// `get`, asking for the media type `accept`.
pub(crate) async fn get_as(c: &reqwest::Client, url: &str, accept: &str) -> Result<Vec<u8>, String> {
    let mut resp = c
        .get(url)
        .header("Accept", accept)
        .send()
        .await
        .map_err(|e| format!("{url}: {}", why(&e)))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("{url}: HTTP {status}"));
    }
    // Read as it arrives, never by the declared length.
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| format!("{url}: {}", why(&e)))? {
        if body.len() + chunk.len() > MAX_FILE {
            return Err(format!("{url}: larger than {} MiB", MAX_FILE >> 20));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The innermost cause, which names what actually went wrong.
fn why(e: &reqwest::Error) -> String {
    let mut s: &dyn std::error::Error = e;
    while let Some(inner) = s.source() {
        s = inner;
    }
    if e.is_timeout() {
        "no answer in time".into()
    } else {
        s.to_string()
    }
}

/// Copies the report at `url` into `into` (created); returns the local
/// index.json. `with_cases`: also the per-case files the index names.
pub async fn fetch(url: &str, into: &Path, with_cases: bool) -> Result<PathBuf, String> {
    let c = client()?;
    let (index_url, base) = if url.ends_with(".json") {
        (
            url.to_string(),
            url.rsplit_once('/').map_or(url, |(b, _)| b).to_string(),
        )
    } else {
        let b = url.trim_end_matches('/').to_string();
        (format!("{b}/index.json"), b)
    };
    let index = get(&c, &index_url).await?;
    std::fs::create_dir_all(into).map_err(|e| format!("{}: {e}", into.display()))?;
    let local = into.join("index.json");
    std::fs::write(&local, &index).map_err(|e| format!("{}: {e}", local.display()))?;
    if !with_cases {
        return Ok(local);
    }
    let parsed = super::json::parse(&String::from_utf8_lossy(&index))
        .map_err(|e| format!("{index_url}: not valid JSON ({e})"))?;
    let names: Vec<String> = parsed
        .as_object()
        .into_iter()
        .flat_map(|a| a.values())
        .filter_map(|c| c.as_object())
        .flat_map(|c| c.values())
        .filter_map(|c| c["reportfile"].as_str())
        .filter(|n| !n.contains(['/', '\\']) && n.ends_with(".json"))
        .map(String::from)
        .collect();
    // A missing per-case file is marked by the loader, like a local one.
    futures_util::stream::iter(names)
        .map(|n| {
            let (c, base) = (c.clone(), base.clone());
            async move {
                if let Ok(body) = get(&c, &format!("{base}/{n}")).await {
                    let _ = std::fs::write(into.join(&n), body);
                }
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
    Ok(local)
}
