//! One Autobahn container: created (so it exists under our name before
//! anything can interrupt us), started attached with its output streamed,
//! and removed with its anonymous volumes (`docker rm -f -v`) when dropped,
//! whichever way we leave: success, failure, timeout or a signal.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

/// How the container reaches the network.
pub enum Network {
    /// The host's network: the fuzzing client reaches a server on the
    /// host's 127.0.0.1 (it listens on nothing itself).
    Host,
    /// Its own network, with these container ports published on the host
    /// at `bind` (loopback unless the user asks otherwise).
    Publish { bind: String, ports: Vec<u16> },
}

/// What to run: `wstest -m MODE -s /config/MODE.json [extra...]`.
pub struct Run<'a> {
    pub image: &'a str,
    pub mode: &'a str,
    /// Mounted read-only at /config.
    pub config: &'a Path,
    /// Mounted at /reports/out.
    pub out: &'a Path,
    pub network: Network,
    pub extra: Vec<String>,
}

/// The last lines the container printed, for the message when it fails.
const TAIL: usize = 20;

pub struct Container {
    pub name: String,
    attached: Option<Child>,
    streams: Vec<JoinHandle<()>>,
    tail: Arc<Mutex<VecDeque<String>>>,
}

impl Drop for Container {
    fn drop(&mut self) {
        if let Some(c) = self.attached.as_mut() {
            let _ = c.start_kill();
        }
        remove(&self.name);
    }
}

/// How long removing a container may take: a docker daemon that hangs
/// must not keep wsspec from exiting.
const REMOVE_BOUND: std::time::Duration = std::time::Duration::from_secs(15);

/// Removes a container and its anonymous volumes, waiting for docker at
/// most `REMOVE_BOUND`; past it, says so and leaves the name to remove.
fn remove(name: &str) {
    let Ok(mut child) = std::process::Command::new("docker")
        .args(["rm", "-f", "-v", name])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        return;
    };
    let start = std::time::Instant::now();
    while start.elapsed() < REMOVE_BOUND {
        if !matches!(child.try_wait(), Ok(None)) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    eprintln!("wsspec: docker did not remove container {name} within 15 s; remove it with: docker rm -f -v {name}");
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

impl Container {
    /// Creates and starts the container; its output is streamed to stderr
    /// with a prefix as it comes.
    pub async fn start(run: Run<'_>) -> Result<Container, String> {
        let name = format!("wsspec-autobahn-{}-{}", std::process::id(), rand::random::<u32>());
        let mut args: Vec<String> = ["create", "--name", &name, "--label", "wsspec.run=1"]
            .map(String::from)
            .into();
        match &run.network {
            Network::Host => args.extend(["--network".into(), "host".into()]),
            Network::Publish { bind, ports } => {
                for p in ports {
                    args.extend(["-p".into(), format!("{bind}:{p}:{p}")]);
                }
            }
        }
        if let Some(u) = user() {
            args.extend(["--user".into(), u]);
        }
        args.extend([
            "-v".into(),
            format!("{}:/config:ro", run.config.display()),
            "-v".into(),
            format!("{}:/reports/out", run.out.display()),
            run.image.into(),
            "wstest".into(),
            "-m".into(),
            run.mode.into(),
            "-s".into(),
            format!("/config/{}.json", run.mode),
        ]);
        args.extend(run.extra);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        // From here on the container may exist: the guard removes it.
        let mut container = Container {
            name: name.clone(),
            attached: None,
            streams: Vec::new(),
            tail: Arc::new(Mutex::new(VecDeque::new())),
        };
        super::docker(&refs, Duration::from_secs(60))
            .await
            .map_err(|e| format!("cannot create the Autobahn container: {e}"))?;
        let mut child = Command::new("docker")
            .args(["start", "--attach", &name])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run docker: {e}"))?;
        let outs: [Option<Box<dyn tokio::io::AsyncRead + Unpin + Send>>; 2] = [
            child.stdout.take().map(|s| Box::new(s) as _),
            child.stderr.take().map(|s| Box::new(s) as _),
        ];
        for stream in outs.into_iter().flatten() {
            let tail = container.tail.clone();
            container.streams.push(tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(l)) = lines.next_line().await {
                    eprintln!("autobahn | {l}");
                    let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                    if t.len() == TAIL {
                        t.pop_front();
                    }
                    t.push_back(l);
                }
            }));
        }
        container.attached = Some(child);
        Ok(container)
    }

    /// The last non-empty line the container printed, if any.
    fn last_line(&self) -> String {
        let t = self.tail.lock().unwrap_or_else(|e| e.into_inner());
        match t.iter().rev().find(|l| !l.trim().is_empty()) {
            Some(l) => format!("; its last line: {}", l.trim()),
            None => "; it printed nothing".into(),
        }
    }

    /// Lets the output streams finish (bounded), so nothing the container
    /// printed before it ended is cut.
    async fn drain(&mut self) {
        for h in self.streams.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(2), h).await;
        }
    }

    /// Waits for the container to exit, at most `limit`; Ok when it exited 0.
    pub async fn wait(&mut self, limit: Duration) -> Result<(), String> {
        let child = self.attached.as_mut().ok_or("the container is not running")?;
        let status = match tokio::time::timeout(limit, child.wait()).await {
            Ok(s) => s.map_err(|e| e.to_string())?,
            Err(_) => {
                return Err(format!(
                    "the Autobahn run did not finish within {limit:?}; it was stopped"
                ));
            }
        };
        self.attached = None;
        self.drain().await;
        match status.code() {
            Some(0) => Ok(()),
            Some(c) => Err(format!(
                "the Autobahn container exited with code {c}{}",
                self.last_line()
            )),
            None => Err(format!("the Autobahn container was killed{}", self.last_line())),
        }
    }

    /// Whether the container has exited already: why, with its last line.
    pub async fn exited(&mut self) -> Option<String> {
        let child = self.attached.as_mut()?;
        match child.try_wait() {
            Ok(Some(s)) => {
                self.attached = None;
                self.drain().await;
                Some(format!("the Autobahn container exited early ({s}){}", self.last_line()))
            }
            _ => None,
        }
    }
}
