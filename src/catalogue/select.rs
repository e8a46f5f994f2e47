//! Choosing cases by ID patterns, with Autobahn's rules: `*` matches any
//! run of characters; a pattern with a `*` matches IDs that start with a
//! match (so `1.*` selects section 1 and `9.1.*` a subsection); a pattern
//! without one names a single case. The result is in catalogue order.

use super::{Case, id_tuple};

/// Whether `text` starts with a match of `pattern` (`*` as wildcard).
fn prefix_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => true,
        Some((b'*', rest)) => (0..=text.len()).any(|i| prefix_match(rest, &text[i..])),
        Some((c, rest)) => text.first() == Some(c) && prefix_match(rest, &text[1..]),
    }
}

/// Whether the whole of `text` matches `pattern` (for exclude-agent-cases).
pub fn full_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some((b'*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

pub fn matches(pattern: &str, id: &str) -> bool {
    if pattern.contains('*') {
        prefix_match(pattern.as_bytes(), id.as_bytes())
    } else {
        pattern == id
    }
}

/// The cases matched by some of `include` and none of `exclude`.
pub fn select(all: Vec<Case>, include: &[String], exclude: &[String]) -> Vec<Case> {
    let mut out: Vec<Case> = all
        .into_iter()
        .filter(|c| include.iter().any(|p| matches(p, &c.id)))
        .filter(|c| !exclude.iter().any(|p| matches(p, &c.id)))
        .collect();
    out.sort_by_key(|c| id_tuple(&c.id));
    out
}

/// Patterns that name a single case that does not exist (likely a typo).
pub fn unknown_ids<'a>(all: &[Case], patterns: &'a [String]) -> Vec<&'a str> {
    patterns
        .iter()
        .filter(|p| !p.contains('*') && !all.iter().any(|c| &c.id == *p))
        .map(String::as_str)
        .collect()
}

/// Whether `exclude-agent-cases` removes `case` for `agent`.
pub fn excluded_for_agent(rules: &std::collections::BTreeMap<String, Vec<String>>, agent: &str, case: &str) -> bool {
    rules
        .iter()
        .any(|(a, cases)| full_match(a, agent) && cases.iter().any(|c| full_match(c, case)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autobahn_glob_rules() {
        assert!(matches("6.*", "6.4.1"));
        assert!(!matches("6.*", "7.1.1"));
        assert!(matches("9.1.*", "9.1.6"));
        assert!(!matches("9.1.*", "9.2.1"));
        assert!(matches("*", "10.1.1"));
        assert!(matches("1.1.1", "1.1.1"));
        assert!(!matches("1.1", "1.1.1"));
        // Start-anchored like Autobahn's re.match: "1*" also takes 10.x.
        assert!(matches("1*", "10.1.1"));
        assert!(full_match("9.*", "9.7.1"));
        assert!(!full_match("9.7", "9.7.1"));
    }

    #[test]
    fn selection_is_in_catalogue_order() {
        let all = crate::catalogue::all();
        let sel = select(
            all,
            &["10.*".into(), "1.1.*".into(), "9.*".into()],
            &["9.7.*".into(), "9.8.*".into()],
        );
        let ids: Vec<_> = sel.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.first(), Some(&"1.1.1"));
        assert_eq!(ids.last(), Some(&"10.1.1"));
        assert!(!ids.iter().any(|i| i.starts_with("9.7")));
        assert_eq!(ids.len(), 8 + 54 - 12 + 1);
    }
}
