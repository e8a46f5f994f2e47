//! Running the real Autobahn|Testsuite (or a stand-in image) in Docker:
//! check the engine and the image (here), run the container and always
//! remove it with its volumes (`container`), wait until the service under
//! test really answers (`ready`), and replace the report folder only once
//! a run has produced its reports (`staging`).

pub mod container;
pub mod ready;
pub mod staging;

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;

/// The real testsuite's image, the default.
pub const DEFAULT_IMAGE: &str = "crossbario/autobahn-testsuite";

/// Runs `docker` with `args` to completion (bounded); stdout on success.
pub async fn docker(args: &[&str], limit: Duration) -> Result<String, String> {
    let out = tokio::time::timeout(limit, Command::new("docker").args(args).kill_on_drop(true).output())
        .await
        .map_err(|_| format!("docker {} did not answer within {limit:?}", args.join(" ")))?;
    let out = out.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            "Docker is not installed (no docker command on PATH)".to_string()
        } else {
            format!("cannot run docker: {e}")
        }
    })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(err
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("failed")
            .trim()
            .to_string())
    }
}

/// The engine answers and the image is present.
pub async fn check(image: &str) -> Result<(), String> {
    docker(&["version", "--format", "{{.Server.Version}}"], Duration::from_secs(15))
        .await
        .map_err(|e| {
            if e.starts_with("Docker is not installed") {
                e
            } else {
                format!("the Docker daemon is not running or not reachable ({e})")
            }
        })?;
    if docker(
        &["image", "inspect", "--format", "{{.Id}}", image],
        Duration::from_secs(15),
    )
    .await
    .is_err()
    {
        let how = if image.starts_with("wsspec") {
            "build it with scripts/docker-image.sh".to_string()
        } else if image.ends_with("-local") {
            "build it with scripts/autobahn-image.sh (no registry needed)".to_string()
        } else {
            format!(
                "pull it with: docker pull {image}, or build crossbario/autobahn-testsuite:25.10.1-local with scripts/autobahn-image.sh and pass --image"
            )
        };
        return Err(format!("the image {image} is not present; {how}"));
    }
    Ok(())
}

/// A fresh folder for the spec file.
pub fn work_dir() -> Result<PathBuf, String> {
    let d = std::env::temp_dir().join(format!(
        "wsspec-autobahn-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    Ok(d)
}

/// An absolute, existing report folder.
pub fn out_dir(out: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    std::fs::canonicalize(out).map_err(|e| format!("{}: {e}", out.display()))
}
