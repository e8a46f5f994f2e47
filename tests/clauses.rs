//! Every sentence the handshake and HTTP/2 sections and the fuzzer's
//! model quote is in its RFC, word for word: the RFC texts are in tests/fixtures/rfc/, and a quote that is not
//! found there (a paraphrase, a sentence from another section) fails.

mod common;

use wsspec::catalogue::hs_clauses::ALL;

/// The text with page breaks (footer, form feed, header) and all white
/// space removed, so a sentence across lines or pages is found whole.
fn squeezed(text: &str) -> String {
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !(l.contains("[Page ") || l.starts_with("RFC ") || l.starts_with('\u{c}')))
        .collect();
    kept.join(" ").chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn every_quoted_clause_is_in_its_rfc() {
    let mut missing = Vec::new();
    let fuzz_model = wsspec::conversation::model::Rule::ALL.map(|r| r.clause());
    for clause in ALL
        .iter()
        .chain(wsspec::catalogue::h2_bootstrap::ALL)
        .chain(&fuzz_model)
    {
        let number = clause.rfc.split_whitespace().nth(1).unwrap();
        let text = std::fs::read_to_string(common::repo(&format!("tests/fixtures/rfc/rfc{number}.txt")))
            .unwrap_or_else(|e| panic!("{}: {e}", clause.rfc));
        // RFC 6455 breaks "case-insensitive" over a line as "case- insensitive".
        if !squeezed(&text).contains(&squeezed(clause.words)) {
            missing.push(clause.quoted());
        }
    }
    assert!(missing.is_empty(), "not found word for word:\n{}", missing.join("\n"));
}

#[test]
fn every_handshake_case_quotes_its_clause() {
    let cases: Vec<_> = wsspec::catalogue::sections::SECTIONS
        .iter()
        .filter(|s| s.prefix == "hs")
        .flat_map(|s| (s.cases)())
        .collect();
    assert!(cases.len() >= 105, "{} handshake cases", cases.len());
    for c in cases {
        let o = c.opening.as_ref().unwrap();
        assert!(
            ALL.contains(&o.clause),
            "{}: its clause is not in hs_clauses::ALL",
            c.id
        );
        assert!(
            c.expectation.contains(o.clause.words),
            "{}: the expectation does not quote it",
            c.id
        );
    }
}

#[test]
fn cases_list_verbose_gives_each_clause_its_words() {
    let o = common::run(&["cases", "list", "hs.1.18", "--verbose"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("hs.1.18  [server]  RFC 7230 §5.4 (MUST)"), "{text}");
    assert!(
        text.contains("RFC 7230 §5.4: \"A server MUST respond with a 400 (Bad Request) status code"),
        "{text}"
    );
}
