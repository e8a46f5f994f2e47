//! Running the real Autobahn|Testsuite (or a stand-in image) in Docker:
//! check the engine and the image, write Autobahn's spec, run the container
//! with a bound, stream its output, collect its reports, and always remove
//! what was started, on success, failure, timeout and Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The real testsuite's image, the default.
pub const DEFAULT_IMAGE: &str = "crossbario/autobahn-testsuite";

/// Runs `docker` with `args` to completion (bounded); stdout on success.
async fn docker(args: &[&str], limit: Duration) -> Result<String, String> {
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
        } else {
            format!("pull it with: docker pull {image}")
        };
        return Err(format!("the image {image} is not present; {how}"));
    }
    Ok(())
}

/// A container we started; removed when dropped, however we leave.
pub struct Container {
    pub name: String,
    child: Option<Child>,
}

impl Drop for Container {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.start_kill();
        }
        let _ = std::process::Command::new("docker")
            .args(["rm", "-f", &self.name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Our user, so files written into mounted folders are ours (root: none).
fn user() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(String::from)
    };
    let (uid, gid) = (field("Uid:")?, field("Gid:")?);
    (uid != "0").then(|| format!("{uid}:{gid}"))
}

/// Starts `wstest -m MODE -s /config/SPEC` in `image` on the host's
/// network, with `config` mounted at /config and `out` at /reports/out;
/// its output is streamed with a prefix.
pub async fn start(image: &str, mode: &str, config: &Path, out: &Path) -> Result<Container, String> {
    let name = format!("wsspec-autobahn-{}-{}", std::process::id(), rand::random::<u32>());
    let config_mount = format!("{}:/config:ro", config.display());
    let out_mount = format!("{}:/reports/out", out.display());
    let spec = format!("/config/{mode}.json");
    let mut args = vec![
        "run",
        "--rm",
        "--name",
        &name,
        "--label",
        "wsspec.run=1",
        "--network",
        "host",
    ];
    let u = user();
    if let Some(u) = &u {
        args.extend(["--user", u]);
    }
    args.extend([
        "-v",
        &config_mount,
        "-v",
        &out_mount,
        image,
        "wstest",
        "-m",
        mode,
        "-s",
        &spec,
    ]);
    let mut child = Command::new("docker")
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
    ]
    .into_iter()
    .flatten()
    {
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                eprintln!("autobahn | {l}");
            }
        });
    }
    Ok(Container {
        name,
        child: Some(child),
    })
}

impl Container {
    /// Waits for the container to exit, at most `limit`; Ctrl-C stops it.
    pub async fn wait(&mut self, limit: Duration) -> Result<(), String> {
        let child = self.child.as_mut().ok_or("the container is not running")?;
        tokio::select! {
            status = child.wait() => {
                let status = status.map_err(|e| e.to_string())?;
                self.child = None;
                match status.code() {
                    Some(0) => Ok(()),
                    Some(c) => Err(format!("the Autobahn container exited with code {c}")),
                    None => Err("the Autobahn container was killed".into()),
                }
            }
            _ = tokio::time::sleep(limit) => Err(format!("the Autobahn run did not finish within {limit:?}; it was stopped")),
            _ = tokio::signal::ctrl_c() => Err("interrupted; the Autobahn container was stopped".into()),
        }
    }

    /// Whether the container has exited already (and how).
    pub fn exited(&mut self) -> Option<String> {
        let child = self.child.as_mut()?;
        match child.try_wait() {
            Ok(Some(s)) => Some(format!("the Autobahn container exited early ({s})")),
            _ => None,
        }
    }
}

/// Waits until `addr` accepts TCP, at most `limit`.
pub async fn wait_ready(addr: &str, limit: Duration, container: Option<&mut Container>) -> Result<(), String> {
    let start = Instant::now();
    let mut container = container;
    while start.elapsed() < limit {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        if let Some(c) = container.as_deref_mut()
            && let Some(why) = c.exited()
        {
            return Err(why);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!("{addr} did not become ready within {limit:?}"))
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
