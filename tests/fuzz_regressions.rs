//! The fuzz targets' checks (fuzz/checks.rs) on the inputs kept in
//! fuzz/regressions/<target>/: the seeds, a sample of what the fuzzers
//! found interesting, and every input that ever made a target fail. They
//! run in the ordinary suite, so a parser change that breaks one fails here
//! without libFuzzer.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

fn each(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let run = std::panic::catch_unwind(|| check(&data));
        assert!(run.is_ok(), "{target}: {} fails", path.display());
        n += 1;
    }
    assert!(n > 0, "{target}: no inputs kept in {}", dir.display());
}

#[test]
fn frame_decoder() {
    each("frame_decoder", checks::frame_decoder);
}

#[test]
fn session_receive() {
    each("session_receive", checks::session_receive);
}

#[test]
fn handshake() {
    each("handshake", checks::handshake);
}

#[test]
fn deflate() {
    each("deflate", checks::deflate);
}

#[test]
fn case_file() {
    each("case_file", checks::case_file);
}

#[test]
fn report_reader() {
    each("report_reader", checks::report_reader);
}
