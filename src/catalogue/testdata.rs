//! Payloads for the compression cases (12.x, 13.x): five kinds of content
//! with the sizes of Autobahn's test files, generated here, deterministically,
//! rather than copied: JSON and HTML text, a grey-scale bitmap, German prose
//! and a PDF-like mix of text and incompressible streams. A user who has
//! Autobahn's own five files (its package's `testdata/` folder) can have
//! exactly those bytes sent instead (`Corpus::autobahn`): some peers have
//! compression bugs that only some content shows.

use std::path::Path;
use std::sync::{Arc, OnceLock};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestData {
    Json,
    Bitmap,
    Prose,
    Html,
    Pdf,
}

impl TestData {
    /// Autobahn's order of the 12.x subsections.
    pub const ALL: [TestData; 5] = [
        TestData::Json,
        TestData::Bitmap,
        TestData::Prose,
        TestData::Html,
        TestData::Pdf,
    ];

    /// Text data goes in text messages, the rest in binary ones.
    pub fn binary(self) -> bool {
        !matches!(self, TestData::Json | TestData::Html)
    }

    pub fn describe(self) -> &'static str {
        match self {
            TestData::Json => "JSON records (text, 194056 bytes)",
            TestData::Bitmap => "a 512x512 grey-scale bitmap (binary, 263222 bytes)",
            TestData::Prose => "German prose (binary, 222218 bytes)",
            TestData::Html => "an HTML page (text, 263647 bytes)",
            TestData::Pdf => "a PDF-like document with compressed streams (binary, 1042328 bytes)",
        }
    }

    /// The name of Autobahn's file for this kind of content.
    pub fn autobahn_file(self) -> &'static str {
        match self {
            TestData::Json => "data1.json",
            TestData::Bitmap => "lena512.bmp",
            TestData::Prose => "pg2229.txt",
            TestData::Html => "data1.html",
            TestData::Pdf => "10.1.1.105.5439.pdf",
        }
    }

    /// The generated content.
    pub fn bytes(self) -> &'static [u8] {
        static CELLS: [OnceLock<Vec<u8>>; 5] = [const { OnceLock::new() }; 5];
        let i = Self::ALL.iter().position(|d| *d == self).unwrap_or(0);
        CELLS[i].get_or_init(|| match self {
            TestData::Json => json(194_056),
            TestData::Bitmap => bitmap(),
            TestData::Prose => prose(222_218),
            TestData::Html => html(263_647),
            TestData::Pdf => pdf(1_042_328),
        })
    }
}

/// One of Autobahn's files: its bytes, and the byte offset of each code
/// point for a text file (empty for a binary one).
type File = (Vec<u8>, Vec<usize>);

/// The content the compression cases send: the generated data, or
/// Autobahn's five files.
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    /// Autobahn's files in `TestData::ALL` order, each with the byte offset
    /// of every code point for the text ones (Autobahn cuts text messages
    /// by code points, binary ones by bytes). None: the generated data.
    files: Option<Arc<Vec<File>>>,
    /// Where the files came from.
    dir: Option<String>,
}

impl Corpus {
    /// Reads Autobahn's five test files from `dir` (e.g. `autobahntestsuite/testdata`
    /// of the unpacked PyPI package). Text files must be UTF-8.
    pub fn autobahn(dir: &Path) -> Result<Corpus, String> {
        let mut files = Vec::new();
        for data in TestData::ALL {
            let path = dir.join(data.autobahn_file());
            let bytes = std::fs::read(&path).map_err(|e| {
                format!(
                    "--testdata {}: cannot read {} ({e}); the folder should hold Autobahn's five test files",
                    dir.display(),
                    data.autobahn_file()
                )
            })?;
            if bytes.is_empty() {
                return Err(format!("--testdata: {} is empty", path.display()));
            }
            let offsets = if data.binary() {
                Vec::new()
            } else {
                let text = std::str::from_utf8(&bytes)
                    .map_err(|e| format!("--testdata: {} is not UTF-8 text ({e})", path.display()))?;
                text.char_indices().map(|(i, _)| i).collect()
            };
            files.push((bytes, offsets));
        }
        Ok(Corpus {
            files: Some(Arc::new(files)),
            dir: Some(dir.display().to_string()),
        })
    }

    /// Which data is sent, for reports.
    pub fn describe(&self) -> String {
        match &self.dir {
            Some(d) => format!("Autobahn's test files from {d}"),
            None => "generated test data (wsspec's own; --testdata DIR sends Autobahn's files)".into(),
        }
    }

    /// The next message of `len` units of `data` from `*at`, wrapping around,
    /// and advances `*at`, as Autobahn's 12.x/13.x cases do. The unit is a
    /// code point for Autobahn's text files, a byte otherwise.
    pub fn next_message(&self, data: TestData, len: usize, at: &mut usize) -> Vec<u8> {
        let i = TestData::ALL.iter().position(|d| *d == data).unwrap_or(0);
        let (bytes, offsets): (&[u8], &[usize]) = match &self.files {
            Some(f) => (&f[i].0, &f[i].1),
            None => (data.bytes(), &[]),
        };
        // Units: code points when their offsets are known, else bytes.
        let units = if offsets.is_empty() { bytes.len() } else { offsets.len() };
        let byte_at = |u: usize| match offsets.get(u) {
            Some(&b) => b,
            None if offsets.is_empty() => u,
            None => bytes.len(),
        };
        let mut msg = Vec::new();
        let mut from = *at % units;
        let mut left = len;
        while left > 0 {
            let n = left.min(units - from);
            msg.extend_from_slice(&bytes[byte_at(from)..byte_at(from + n)]);
            left -= n;
            from = (from + n) % units;
        }
        *at = from;
        msg
    }
}

/// A small deterministic generator (xorshift64*), so the data is the same
/// on every machine and in every version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len() as u64) as usize]
    }
}

fn fit(mut v: Vec<u8>, len: usize, pad: u8) -> Vec<u8> {
    v.resize(len, pad);
    v
}

const WORDS: &[&str] = &[
    "alpha", "beta", "gamma", "delta", "socket", "frame", "message", "server", "client", "close", "ping", "pong",
    "payload", "stream", "window", "deflate", "context", "header", "opcode", "mask",
];

fn json(len: usize) -> Vec<u8> {
    let mut r = Rng(0x4a53_4f4e);
    let mut s = String::from("[\n");
    let mut id = 0;
    while s.len() < len {
        id += 1;
        s.push_str(&format!(
            "  {{\"id\": {id}, \"name\": \"{} {}\", \"active\": {}, \"score\": {}.{:02}, \"tags\": [\"{}\", \"{}\"], \"ref\": \"{:016x}\"}},\n",
            r.pick(WORDS),
            r.pick(WORDS),
            r.below(2) == 0,
            r.below(1000),
            r.below(100),
            r.pick(WORDS),
            r.pick(WORDS),
            r.next()
        ));
    }
    fit(s.into_bytes(), len, b' ')
}

fn html(len: usize) -> Vec<u8> {
    let mut r = Rng(0x4854_4d4c);
    let mut s = String::from("<!DOCTYPE html>\n<html><head><title>Report</title></head>\n<body>\n");
    while s.len() < len {
        let w: Vec<&str> = (0..12).map(|_| r.pick(WORDS)).collect();
        s.push_str(&format!(
            "<div class=\"item item-{}\"><h2>{}</h2><p>{}</p><a href=\"/{}/{}\">more</a></div>\n",
            r.below(10),
            w[0],
            w.join(" "),
            w[1],
            r.below(100_000)
        ));
    }
    fit(s.into_bytes(), len, b' ')
}

fn prose(len: usize) -> Vec<u8> {
    const DE: &[&str] = &[
        "und", "der", "die", "das", "ich", "nicht", "mit", "Geist", "Welt", "Herz", "Nacht", "Liebe", "Zeit", "schön",
        "Glück", "Faust", "Mephisto", "wohl", "über", "Träume", "Stunde", "müssen", "dir", "mich",
    ];
    let mut r = Rng(0x4641_5553);
    let mut s = String::new();
    while s.len() < len {
        let n = 4 + r.below(9);
        let line: Vec<&str> = (0..n).map(|_| r.pick(DE)).collect();
        s.push_str(&line.join(" "));
        s.push_str(if r.below(4) == 0 { ".\n\n" } else { ",\n" });
    }
    fit(s.into_bytes(), len, b' ')
}

fn bitmap() -> Vec<u8> {
    let mut v = Vec::with_capacity(263_222);
    // BITMAPFILEHEADER + BITMAPINFOHEADER for 512x512, 8 bits, 256 greys.
    v.extend_from_slice(b"BM");
    v.extend_from_slice(&263_222u32.to_le_bytes());
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(&1078u32.to_le_bytes());
    v.extend_from_slice(&40u32.to_le_bytes());
    v.extend_from_slice(&512i32.to_le_bytes());
    v.extend_from_slice(&512i32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&8u16.to_le_bytes());
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(&2835u32.to_le_bytes());
    v.extend_from_slice(&2835u32.to_le_bytes());
    v.extend_from_slice(&256u32.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes());
    for g in 0..=255u8 {
        v.extend_from_slice(&[g, g, g, 0]);
    }
    let mut r = Rng(0x4c45_4e41);
    for y in 0..512u32 {
        for x in 0..512u32 {
            let smooth = ((x * 3 + y * 5) / 8 + ((x * y) >> 10)) & 0xff;
            v.push((smooth as u64 + r.below(9)) as u8);
        }
    }
    fit(v, 263_222, 0)
}

fn pdf(len: usize) -> Vec<u8> {
    let mut r = Rng(0x5044_4621);
    let mut v = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut obj = 1;
    while v.len() < len {
        if r.below(3) == 0 {
            let text: Vec<&str> = (0..40).map(|_| r.pick(WORDS)).collect();
            v.extend_from_slice(
                format!(
                    "{obj} 0 obj\n<< /Type /Page >>\nBT /F1 12 Tf ({}) Tj ET\nendobj\n",
                    text.join(" ")
                )
                .as_bytes(),
            );
        } else {
            let n = 2000 + r.below(6000) as usize;
            v.extend_from_slice(format!("{obj} 0 obj\n<< /Length {n} /Filter /FlateDecode >>\nstream\n").as_bytes());
            for _ in 0..n {
                v.push(r.next() as u8);
            }
            v.extend_from_slice(b"\nendstream\nendobj\n");
        }
        obj += 1;
    }
    fit(v, len, b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_kinds_and_text_is_utf8() {
        for d in TestData::ALL {
            let b = d.bytes();
            assert!(b.len() > 190_000);
            if !d.binary() {
                assert!(std::str::from_utf8(b).is_ok() && b.is_ascii(), "{d:?}");
            }
        }
        assert_eq!(TestData::Pdf.bytes().len(), 1_042_328);
        assert_eq!(TestData::Json.bytes(), TestData::Json.bytes());
    }

    #[test]
    fn text_is_cut_by_code_points_and_wraps() {
        let dir = tempfile::tempdir().unwrap();
        for d in TestData::ALL {
            let content: &[u8] = if d == TestData::Html {
                "aé€b".as_bytes()
            } else {
                b"0123456789"
            };
            std::fs::write(dir.path().join(d.autobahn_file()), content).unwrap();
        }
        let c = Corpus::autobahn(dir.path()).unwrap();
        let mut at = 0;
        // Four code points: a, é, €, b (1 + 2 + 3 + 1 bytes), then around.
        assert_eq!(c.next_message(TestData::Html, 3, &mut at), "aé€".as_bytes());
        assert_eq!(c.next_message(TestData::Html, 3, &mut at), "baé".as_bytes());
        assert_eq!(at, 2);
        let mut at = 0;
        assert_eq!(c.next_message(TestData::Bitmap, 4, &mut at), b"0123");
        assert_eq!(c.next_message(TestData::Bitmap, 8, &mut at), b"45678901");
        let generated = Corpus::default();
        let mut at = 0;
        assert_eq!(
            generated.next_message(TestData::Json, 16, &mut at),
            &TestData::Json.bytes()[..16]
        );
        std::fs::remove_file(dir.path().join("pg2229.txt")).unwrap();
        assert!(Corpus::autobahn(dir.path()).unwrap_err().contains("pg2229.txt"));
    }
}
