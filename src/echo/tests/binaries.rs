//! The reference crate's binaries as a user runs them: echo-server echoes
//! over ws:// and stops on SIGTERM; bad arguments are one line, exit 2.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn echo_server_echoes_text_and_binary_and_stops_on_sigterm() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_echo-server"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("ws://127.0.0.1:"), "{line}");

    let (mut ws, answer) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let server_header = answer.headers().get("server").unwrap().to_str().unwrap();
    assert!(server_header.starts_with("wsspec-echo-server/"), "{server_header}");
    for msg in [Message::text("Hello, wsspec"), Message::binary(vec![0u8, 255, 7])] {
        ws.send(msg.clone()).await.unwrap();
        let back = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(back, msg);
    }
    ws.close(None).await.unwrap();

    let started = Instant::now();
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    loop {
        if let Some(status) = server.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "echo-server ignored SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn bad_arguments_are_one_line_and_exit_2() {
    for (bin, args, said) in [
        (
            env!("CARGO_BIN_EXE_echo-server"),
            vec!["--tls-cert", "a.pem"],
            "--tls-cert and --tls-key go together",
        ),
        (
            env!("CARGO_BIN_EXE_echo-server"),
            vec!["256.0.0.1:1"],
            "cannot listen on 256.0.0.1:1",
        ),
        (env!("CARGO_BIN_EXE_echo-client"), vec![], "usage: echo-client URL"),
        (
            env!("CARGO_BIN_EXE_echo-client"),
            vec!["ws://127.0.0.1:1"],
            "ws://127.0.0.1:1",
        ),
    ] {
        let out = Command::new(bin).args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(said), "{args:?}: {err}");
    }
}
