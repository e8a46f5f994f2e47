//! The UTF-8 test sequences behind cases 6.5.x–6.23.x, after Markus Kuhn's
//! UTF-8 decoder stress test, grouped as Autobahn groups them: one group per
//! subsection, in order. `true` marks a sequence that is valid UTF-8.

type Group = (&'static str, Vec<(bool, Vec<u8>)>);

fn v(bytes: &[u8]) -> (bool, Vec<u8>) {
    (true, bytes.to_vec())
}

fn x(bytes: &[u8]) -> (bool, Vec<u8>) {
    (false, bytes.to_vec())
}

/// κόσμε, the Greek word the stress test is built around.
pub const KOSME: &[u8] = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";

pub fn groups() -> Vec<Group> {
    let mut g: Vec<Group> = vec![(
        "Some valid UTF-8 sequences",
        vec![
            v(b"hello\x24world"),
            v(b"hello\xc2\xa2world"),
            v(b"hello\xe2\x82\xacworld"),
            v(b"hello\xf0\xa4\xad\xa2world"),
            v(KOSME),
        ],
    )];
    g.push((
        "All prefixes of a valid UTF-8 string that contains multi-byte code points",
        (1..=KOSME.len())
            .map(|i| (std::str::from_utf8(&KOSME[..i]).is_ok(), KOSME[..i].to_vec()))
            .collect(),
    ));
    g.push((
        "First possible sequence of a certain length",
        vec![v(b"\x00"), v(b"\xc2\x80"), v(b"\xe0\xa0\x80"), v(b"\xf0\x90\x80\x80")],
    ));
    g.push((
        "First possible sequence length 5/6 (invalid codepoints)",
        vec![x(b"\xf8\x88\x80\x80\x80"), x(b"\xfc\x84\x80\x80\x80\x80")],
    ));
    g.push((
        "Last possible sequence of a certain length",
        vec![v(b"\x7f"), v(b"\xdf\xbf"), v(b"\xef\xbf\xbf"), v(b"\xf4\x8f\xbf\xbf")],
    ));
    g.push((
        "Last possible sequence length 4/5/6 (invalid codepoints)",
        vec![
            x(b"\xf7\xbf\xbf\xbf"),
            x(b"\xfb\xbf\xbf\xbf\xbf"),
            x(b"\xfd\xbf\xbf\xbf\xbf\xbf"),
        ],
    ));
    g.push((
        "Other boundary conditions",
        vec![
            v(b"\xed\x9f\xbf"),
            v(b"\xee\x80\x80"),
            v(b"\xef\xbf\xbd"),
            v(b"\xf4\x8f\xbf\xbf"),
            x(b"\xf4\x90\x80\x80"),
        ],
    ));
    g.push((
        "Unexpected continuation bytes",
        vec![
            x(b"\x80"),
            x(b"\xbf"),
            x(b"\x80\xbf"),
            x(b"\x80\xbf\x80"),
            x(b"\x80\xbf\x80\xbf"),
            x(b"\x80\xbf\x80\xbf\x80"),
            x(b"\x80\xbf\x80\xbf\x80\xbf"),
            x(&(0x80..0xbf).collect::<Vec<u8>>()),
        ],
    ));
    g.push((
        "Lonely start characters",
        [(0xc0u8, 0xdfu8), (0xe0, 0xef), (0xf0, 0xf7), (0xf8, 0xfb), (0xfc, 0xfd)]
            .iter()
            .map(|&(lo, hi)| x(&(lo..hi).flat_map(|b| [b, 0x20]).collect::<Vec<u8>>()))
            .collect(),
    ));
    let last_missing: [&[u8]; 10] = [
        b"\xc0",
        b"\xe0\x80",
        b"\xf0\x80\x80",
        b"\xf8\x80\x80\x80",
        b"\xfc\x80\x80\x80\x80",
        b"\xdf",
        b"\xef\xbf",
        b"\xf7\xbf\xbf",
        b"\xfb\xbf\xbf\xbf",
        b"\xfd\xbf\xbf\xbf\xbf",
    ];
    g.push((
        "Sequences with last continuation byte missing",
        last_missing.iter().map(|s| x(s)).collect(),
    ));
    g.push(("Concatenation of incomplete sequences", vec![x(&last_missing.concat())]));
    g.push(("Impossible bytes", vec![x(b"\xfe"), x(b"\xff"), x(b"\xfe\xfe\xff\xff")]));
    g.push((
        "Examples of an overlong ASCII character",
        vec![
            x(b"\xc0\xaf"),
            x(b"\xe0\x80\xaf"),
            x(b"\xf0\x80\x80\xaf"),
            x(b"\xf8\x80\x80\x80\xaf"),
            x(b"\xfc\x80\x80\x80\x80\xaf"),
        ],
    ));
    g.push((
        "Maximum overlong sequences",
        vec![
            x(b"\xc1\xbf"),
            x(b"\xe0\x9f\xbf"),
            x(b"\xf0\x8f\xbf\xbf"),
            x(b"\xf8\x87\xbf\xbf\xbf"),
            x(b"\xfc\x83\xbf\xbf\xbf\xbf"),
        ],
    ));
    g.push((
        "Overlong representation of the NUL character",
        vec![
            x(b"\xc0\x80"),
            x(b"\xe0\x80\x80"),
            x(b"\xf0\x80\x80\x80"),
            x(b"\xf8\x80\x80\x80\x80"),
            x(b"\xfc\x80\x80\x80\x80\x80"),
        ],
    ));
    g.push((
        "Single UTF-16 surrogates",
        vec![
            x(b"\xed\xa0\x80"),
            x(b"\xed\xad\xbf"),
            x(b"\xed\xae\x80"),
            x(b"\xed\xaf\xbf"),
            x(b"\xed\xb0\x80"),
            x(b"\xed\xbe\x80"),
            x(b"\xed\xbf\xbf"),
        ],
    ));
    let (high, low): ([&[u8]; 4], [&[u8]; 2]) = (
        [b"\xed\xa0\x80", b"\xed\xad\xbf", b"\xed\xae\x80", b"\xed\xaf\xbf"],
        [b"\xed\xb0\x80", b"\xed\xbf\xbf"],
    );
    g.push((
        "Paired UTF-16 surrogates",
        high.iter()
            .flat_map(|h| low.iter().map(move |l| x(&[*h, *l].concat())))
            .collect(),
    ));
    // Non-characters are valid UTF-8 (RFC 3629): EF BF BE/BF, then
    // F0–F4 x F/9F/AF/BF BF BE/BF where the code point stays in range
    // and the sequence is not overlong.
    let mut nonchars = vec![v(b"\xef\xbf\xbe"), v(b"\xef\xbf\xbf")];
    for z1 in [0xf0u8, 0xf1, 0xf2, 0xf3, 0xf4] {
        for z2 in [0x8fu8, 0x9f, 0xaf, 0xbf] {
            if z1 == 0xf4 && z2 != 0x8f {
                continue;
            }
            for z3 in [0xbeu8, 0xbf] {
                let s = [z1, z2, 0xbf, z3];
                if z1 == 0xf0 && z2 == 0x8f {
                    continue;
                }
                nonchars.push(v(&s));
            }
        }
    }
    g.push(("Non-character code points (valid UTF-8)", nonchars));
    g.push((
        "Unicode specials (i.e. replacement char)",
        [0xb9u8, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf]
            .iter()
            .map(|&b| v(&[0xef, 0xbf, b]))
            .collect(),
    ));
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_flags_agree_with_std() {
        for (title, seqs) in groups() {
            for (valid, bytes) in seqs {
                assert_eq!(std::str::from_utf8(&bytes).is_ok(), valid, "{title}: {bytes:x?}");
            }
        }
    }
}
