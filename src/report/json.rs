//! Reading JSON that Python wrote. Autobahn's per-case files hold the wire
//! log of the invalid-UTF-8 cases (6.3.1, 6.20.x, 6.21.x) as strings with
//! lone UTF-16 surrogate escapes (`"\ud800"`): Python writes and reads them,
//! strict JSON readers refuse them. Each lone surrogate is read as U+FFFD;
//! everything else is read exactly.

use serde_json::Value;

/// Parses `text`, reading lone surrogate escapes as U+FFFD.
pub fn parse(text: &str) -> Result<Value, serde_json::Error> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(first) => match mend_surrogates(text) {
            Some(mended) => serde_json::from_str(&mended),
            None => Err(first),
        },
    }
}

fn hex4(b: &[u8]) -> Option<u16> {
    let s = std::str::from_utf8(b.get(..4)?).ok()?;
    u16::from_str_radix(s, 16).ok()
}

/// `text` with every lone surrogate escape replaced by `\ufffd`; None when
/// there is none (the error lies elsewhere).
fn mend_surrogates(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied, mut in_string, mut mended) = (0, 0, false, false);
    while i < b.len() {
        match b[i] {
            b'"' => in_string = !in_string,
            b'\\' if in_string => {
                if b.get(i + 1) == Some(&b'u')
                    && let Some(u) = hex4(&b[i + 2..])
                {
                    let high = (0xD800..0xDC00).contains(&u);
                    let low_follows = b.get(i + 6..i + 8) == Some(b"\\u")
                        && hex4(&b[i + 8..]).is_some_and(|l| (0xDC00..0xE000).contains(&l));
                    if high && low_follows {
                        i += 12;
                        continue;
                    }
                    if (0xD800..0xE000).contains(&u) {
                        out.push_str(&text[copied..i]);
                        out.push_str("\\ufffd");
                        mended = true;
                        copied = i + 6;
                    }
                    i += 6;
                    continue;
                }
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    mended.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_read_as_replacement_characters() {
        let v = parse(r#"{"a": "x\ud800y", "b": "\udfff", "pair": "\ud83d\ude00", "esc": "\\ud800"}"#).unwrap();
        assert_eq!(v["a"], "x\u{fffd}y");
        assert_eq!(v["b"], "\u{fffd}");
        assert_eq!(v["pair"], "😀");
        assert_eq!(v["esc"], "\\ud800");
        assert!(parse(r#"{"a": "x\ud800"#).is_err());
        assert!(parse("{").is_err());
    }
}
