//! Incremental UTF-8 validation that fails on the first byte that cannot
//! continue a valid sequence, however the text is split into frames or reads
//! (what Autobahn's 6.4.x "fail fast" cases look for).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utf8Status {
    /// No invalid byte so far.
    pub valid: bool,
    /// The text so far ends on a code point boundary.
    pub complete: bool,
}

#[derive(Default)]
pub struct Utf8Validator {
    carry: [u8; 4],
    carry_len: usize,
    failed: bool,
}

impl Utf8Validator {
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    pub fn feed(&mut self, mut data: &[u8]) -> Utf8Status {
        const BAD: Utf8Status = Utf8Status {
            valid: false,
            complete: false,
        };
        if self.failed {
            return BAD;
        }
        // Finish a code point left open by the previous chunk, byte by byte.
        while self.carry_len > 0 {
            let Some((&b, rest)) = data.split_first() else {
                return Utf8Status {
                    valid: true,
                    complete: false,
                };
            };
            data = rest;
            self.carry[self.carry_len] = b;
            self.carry_len += 1;
            match std::str::from_utf8(&self.carry[..self.carry_len]) {
                Ok(_) => self.carry_len = 0,
                Err(e) if e.error_len().is_some() => {
                    self.failed = true;
                    return BAD;
                }
                Err(_) => {}
            }
        }
        match std::str::from_utf8(data) {
            Ok(_) => Utf8Status {
                valid: true,
                complete: true,
            },
            Err(e) if e.error_len().is_some() => {
                self.failed = true;
                BAD
            }
            Err(e) => {
                let tail = &data[e.valid_up_to()..];
                self.carry[..tail.len()].copy_from_slice(tail);
                self.carry_len = tail.len();
                Utf8Status {
                    valid: true,
                    complete: false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]]) -> Vec<Utf8Status> {
        let mut v = Utf8Validator::default();
        chunks.iter().map(|c| v.feed(c)).collect()
    }

    #[test]
    fn code_point_split_across_chunks() {
        let s = run(&[b"\xce", b"\xba\xe1", b"\xbd", b"\xb9"]);
        assert!(s.iter().all(|x| x.valid));
        assert!(!s[0].complete && !s[1].complete && !s[2].complete && s[3].complete);
    }

    #[test]
    fn fails_on_the_first_impossible_byte() {
        // 0xF4 0x90 would encode past U+10FFFF: the 0x90 is the bad byte.
        let s = run(&[b"\xce\xba\xf4", b"\x90", b"\x80\x80"]);
        assert!(s[0].valid && !s[0].complete);
        assert!(!s[1].valid);
        assert!(!s[2].valid);
        assert!(!run(&[b"\xed\xa0\x80"])[0].valid);
    }
}
