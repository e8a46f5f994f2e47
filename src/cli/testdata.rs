//! `--testdata autobahn`: Autobahn's five compression test files, taken
//! from its PyPI sdist once and kept in the user's cache folder. The sdist
//! is found by name and version in PyPI's simple index, and both the hash
//! the index publishes and the bytes fetched must equal the SHA-256 pinned
//! here: a mirror or a changed index cannot change what is sent.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::catalogue::testdata::TestData;

/// The word `--testdata` takes for Autobahn's own files.
pub const AUTOBAHN: &str = "autobahn";

const PROJECT: &str = "autobahntestsuite";
const VERSION: &str = "25.10.1";
/// The SHA-256 PyPI publishes for `autobahntestsuite-25.10.1.tar.gz`.
const SDIST_SHA256: &str = "b083d6e15330fc16f3e5f0975cce2b15f21bfa0c6db09547316b1852c6dbd6df";
/// The index asked, unless `WSSPEC_PYPI_INDEX` names a mirror.
const PYPI: &str = "https://pypi.org";

fn sdist_name() -> String {
    format!("{PROJECT}-{VERSION}.tar.gz")
}

/// The folder holding the five files: the cache's, filled first if need be.
pub fn autobahn_testdata() -> Result<PathBuf, String> {
    let dir = cache_dir()?.join(format!("{PROJECT}-{VERSION}-testdata"));
    if TestData::ALL.iter().all(|d| dir.join(d.autobahn_file()).is_file()) {
        return Ok(dir);
    }
    let fetch = async {
        let sdist = fetch_sdist().await?;
        unpack(&sdist, &dir)
    };
    // The CLI runs on tokio's multi-threaded runtime.
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(fetch)).map_err(|e| {
        format!(
            "--testdata autobahn: {e}; offline, give the folder instead: --testdata DIR, \
             with the files of autobahntestsuite/testdata from {} (pip download --no-deps \
             --no-binary :all: {PROJECT}=={VERSION})",
            sdist_name()
        )
    })?;
    Ok(dir)
}

/// `$XDG_CACHE_HOME/wsspec`, else `~/.cache/wsspec`.
fn cache_dir() -> Result<PathBuf, String> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(x) => PathBuf::from(x),
        None => std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".cache"))
            .ok_or("--testdata autobahn: no cache folder (neither XDG_CACHE_HOME nor HOME is set)")?,
    };
    Ok(base.join("wsspec"))
}

/// The sdist's bytes, found in the simple index and checked.
async fn fetch_sdist() -> Result<Vec<u8>, String> {
    let index = std::env::var("WSSPEC_PYPI_INDEX").unwrap_or_else(|_| PYPI.into());
    let page = format!("{}/simple/{PROJECT}/", index.trim_end_matches('/'));
    let c = crate::report::fetch::client()?;
    let listing = crate::report::fetch::get_as(&c, &page, "application/vnd.pypi.simple.v1+json").await?;
    let listing: serde_json::Value =
        serde_json::from_slice(&listing).map_err(|e| format!("{page} is not PyPI's JSON simple index ({e})"))?;
    let name = sdist_name();
    let file = listing["files"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["filename"] == name.as_str()))
        .ok_or_else(|| format!("{page} lists no {name}"))?;
    if file["hashes"]["sha256"] != SDIST_SHA256 {
        return Err(format!(
            "{page} publishes SHA-256 {} for {name}, not {SDIST_SHA256}",
            file["hashes"]["sha256"]
        ));
    }
    let href = file["url"]
        .as_str()
        .ok_or_else(|| format!("{page}: {name} has no url"))?;
    let url = reqwest::Url::parse(&page)
        .and_then(|p| p.join(href))
        .map_err(|e| format!("{page}: bad url {href:?} ({e})"))?;
    let bytes = crate::report::fetch::get(&c, url.as_str()).await?;
    let got: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    if got != SDIST_SHA256 {
        return Err(format!("{url} has SHA-256 {got}, not the published {SDIST_SHA256}"));
    }
    Ok(bytes)
}

/// Writes the five test files of the sdist into `dir`, through a folder
/// beside it, so that a half-written cache is never taken for a whole one.
fn unpack(sdist: &[u8], dir: &Path) -> Result<(), String> {
    let wanted: Vec<String> = TestData::ALL
        .iter()
        .map(|d| format!("{PROJECT}-{VERSION}/{PROJECT}/testdata/{}", d.autobahn_file()))
        .collect();
    let partial = dir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(sdist));
    let mut found = 0;
    for entry in archive.entries().map_err(|e| format!("{}: {e}", sdist_name()))? {
        let mut entry = entry.map_err(|e| format!("{}: {e}", sdist_name()))?;
        let path = entry.path().map_err(|e| e.to_string())?.to_string_lossy().into_owned();
        if let Some(w) = wanted.iter().find(|w| **w == path) {
            let file = partial.join(w.rsplit('/').next().unwrap_or(w));
            let mut out = std::fs::File::create(&file).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            std::io::copy(&mut entry, &mut out).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            found += 1;
        }
    }
    if found < wanted.len() {
        return Err(format!("{} holds {found} of the 5 test files", sdist_name()));
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::rename(&partial, dir).map_err(|e| format!("cannot write {}: {e}", dir.display()))
}
