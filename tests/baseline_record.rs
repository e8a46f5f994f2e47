//! Recording a baseline from the library never shrinks it in silence: a
//! run narrowed to fewer cases is refused with what it would drop, unless
//! `WSSPEC_UPDATE_BASELINE=force`. Its own test binary, because it sets
//! that variable for the whole process.

mod common;

use common::echo::start_echo_server;

fn set_update(value: &str) {
    // SAFETY: this binary's only test sets it, before and between runs.
    unsafe { std::env::set_var(wsspec::UPDATE_BASELINE, value) };
}

#[tokio::test(flavor = "multi_thread")]
async fn recording_a_narrower_run_is_refused_unless_forced() {
    let url = start_echo_server().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("conformance.json");
    let run = |cases: &'static [&'static str]| {
        let url = url.clone();
        async move {
            wsspec::Suite::new()
                .cases(cases.iter().copied())
                .run_against(&url)
                .await
                .unwrap()
        }
    };

    set_update("1");
    run(&["1.1.1", "1.1.2"]).await.matches_baseline(&file).unwrap();
    let recorded = std::fs::read_to_string(&file).unwrap();
    assert!(!recorded.contains("duration"), "only verdict pairs: {recorded}");
    // The same run again: the same file, byte for byte.
    run(&["1.1.1", "1.1.2"]).await.matches_baseline(&file).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), recorded);

    let narrow = run(&["1.1.1"]).await;
    let said = narrow.matches_baseline(&file).unwrap_err();
    assert!(said.contains("refusing to record the baseline"), "{said}");
    assert!(said.contains("would drop 1 case"), "{said}");
    assert!(said.contains("WSSPEC_UPDATE_BASELINE=force"), "{said}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), recorded, "the file is kept");

    set_update("force");
    narrow.matches_baseline(&file).unwrap();
    assert!(!std::fs::read_to_string(&file).unwrap().contains("1.1.2"));
}
