//! The README's `cargo test` snippets, as written, against a
//! tokio-tungstenite server and client: `start_my_server` and `my_client`
//! are what a user supplies. A test checks that every `rust` block of the
//! README is in this file word for word, so the README cannot drift from
//! the API. Baselines: tests/conformance/ (WSSPEC_UPDATE_BASELINE=1
//! records them).

mod common;

/// The user's server: tokio-tungstenite, echoing.
async fn start_my_server() -> String {
    common::echo::start_echo_server().await
}

/// The user's client: tokio-tungstenite, echoing until the close.
mod my_client {
    use futures_util::{SinkExt, StreamExt};

    pub async fn connect_and_echo(url: &str) {
        let Ok((mut ws, _)) = tokio_tungstenite::connect_async(url).await else {
            return;
        };
        while let Some(Ok(msg)) = ws.next().await {
            if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
                break;
            }
        }
    }
}

// The README's server snippet, as the README writes it (rustfmt would
// wrap its long line, and the words must stay the README's).
#[rustfmt::skip]
#[tokio::test(flavor = "multi_thread")]
async fn conformance() {
    let url = start_my_server().await; // e.g. "ws://127.0.0.1:PORT"
    let report = wsspec::Suite::new()
        .cases(["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*", "12.*", "13.*"])
        .agent("my-server")
        .run_against(&url)
        .await
        .unwrap();
    report.assert_matches_baseline("tests/conformance/server.json");
}

#[rustfmt::skip]
#[tokio::test(flavor = "multi_thread")]
async fn client_conformance() {
    // The README's client snippet.
    let clients = wsspec::Suite::new().serve_clients("127.0.0.1:0").await.unwrap();
    clients
        .run_client("my-client", |url| async move { my_client::connect_and_echo(&url).await })
        .await;
    let report = clients.finish().await.unwrap();
    report.assert_matches_baseline("tests/conformance/client.json");
}

/// The lines of `text`, trimmed, without the empty ones.
fn lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

#[test]
fn every_rust_block_of_the_readme_is_in_this_file() {
    let readme = std::fs::read_to_string(common::repo("README.md")).unwrap();
    let here = lines(include_str!("readme.rs"));
    let blocks: Vec<&str> = readme
        .split("```rust\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 2, "the README's rust blocks: {}", blocks.len());
    for block in blocks {
        let want = lines(block);
        assert!(
            here.windows(want.len()).any(|w| w == want.as_slice()),
            "this README snippet is not in tests/readme.rs as written:\n{block}"
        );
    }
}
