//! `wstest`: Autobahn's command line, for scripts and images that call it.
//! `wstest -m fuzzingclient -s SPEC` tests the spec's servers and
//! `wstest -m fuzzingserver -s SPEC` serves cases to clients, with the same
//! spec files and report layout as the real one. The binary answers to this
//! when it is installed under the name `wstest`. Like the real command it
//! exits 0 when the run completes, whatever the verdicts: they are in the
//! reports.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;

use super::{BadInput, EXIT_OK};

#[derive(clap::Args)]
pub struct Args {
    /// Test mode: fuzzingclient or fuzzingserver.
    #[arg(short = 'm', long = "mode")]
    mode: String,
    /// Test specification file (default, as the real wstest: fuzzingclient.json
    /// or fuzzingserver.json in the working folder).
    #[arg(short = 's', long = "spec")]
    spec: Option<PathBuf>,
    /// Autobahn's embedded web server port; accepted and ignored.
    #[arg(short = 'u', long = "webport")]
    webport: Option<u16>,
    /// Debug output; accepted and ignored.
    #[arg(short = 'd', long = "debug")]
    debug: bool,
}

/// How long the servers of a spec may take to come up (containers started
/// together are not ready at once).
const READY_WAIT: Duration = Duration::from_secs(30);

pub async fn run(args: Args) -> Result<u8, BadInput> {
    let _ = (args.webport, args.debug);
    let spec_path = match (&args.spec, args.mode.as_str()) {
        (Some(s), _) => s.clone(),
        (None, m @ ("fuzzingclient" | "fuzzingserver")) => PathBuf::from(format!("{m}.json")),
        (None, _) => PathBuf::new(),
    };
    let spec = spec_path.to_string_lossy().into_owned();
    match args.mode.as_str() {
        "fuzzingclient" => {
            let parsed = super::spec::read_client_spec(&spec_path)?;
            for s in &parsed.servers {
                let t = crate::target::Target::parse(&s.url)?;
                wait_ready(&t.addr).await;
            }
            let cli = super::Cli::parse_from(["wsspec", "test-server", "--spec", &spec]);
            let super::Command::TestServer(a) = cli.command else {
                unreachable!()
            };
            super::test_server::run(a).await.map(|_| EXIT_OK)
        }
        "fuzzingserver" => {
            let parsed = super::spec::read_server_spec(&spec_path)?;
            // Like Autobahn, listen on every interface at the spec's port.
            let port = match &parsed.url {
                Some(u) => crate::target::Target::parse(u)?
                    .addr
                    .rsplit(':')
                    .next()
                    .unwrap_or("9001")
                    .to_string(),
                None => "9001".into(),
            };
            let listen = format!("0.0.0.0:{port}");
            let cli = super::Cli::parse_from(["wsspec", "test-clients", "--spec", &spec, "--listen", &listen]);
            let super::Command::TestClients(a) = cli.command else {
                unreachable!()
            };
            super::test_clients::run(a).await.map(|_| EXIT_OK)
        }
        other => Err(format!("wstest mode {other:?} is not supported; use fuzzingclient or fuzzingserver").into()),
    }
}

async fn wait_ready(addr: &str) {
    let start = Instant::now();
    while start.elapsed() < READY_WAIT {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The command line when the binary is installed as `wstest`.
#[derive(clap::Parser)]
#[command(name = "wstest", version, about = "Autobahn's wstest command line, run by wsspec")]
pub struct WstestCli {
    #[command(flatten)]
    pub args: Args,
}
