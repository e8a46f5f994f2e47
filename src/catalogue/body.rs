//! A message as a case remembers it: its length, its first octets (what a
//! report shows) and a digest (what a verdict compares). A peer may answer
//! with 64 MiB on every case; keeping whole payloads would make memory grow
//! with cases × message size, and nothing needs more than this.

use sha1::{Digest, Sha1};

/// Octets of a message kept for reports (Autobahn's wire log shows 64).
pub const HEAD: usize = 64;

#[derive(Clone, PartialEq, Eq)]
pub struct Body {
    pub len: u64,
    /// The first `HEAD` octets.
    pub head: Vec<u8>,
    digest: [u8; 20],
}

impl Body {
    pub fn of(data: &[u8]) -> Body {
        let mut b = BodyHasher::default();
        b.feed(data);
        b.finish()
    }

    /// Whether the message was cut for keeping (reports add " ...").
    pub fn cut(&self) -> bool {
        self.len > self.head.len() as u64
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Body({} octets, {:?})",
            self.len,
            String::from_utf8_lossy(&self.head)
        )
    }
}

/// A `Body` built as the message arrives, chunk by chunk.
#[derive(Default)]
pub struct BodyHasher {
    len: u64,
    head: Vec<u8>,
    sha: Sha1,
}

impl BodyHasher {
    pub fn feed(&mut self, chunk: &[u8]) {
        self.len += chunk.len() as u64;
        let room = HEAD.saturating_sub(self.head.len());
        self.head.extend_from_slice(&chunk[..chunk.len().min(room)]);
        self.sha.update(chunk);
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The body, and the hasher reset for the next message.
    pub fn finish(&mut self) -> Body {
        let done = std::mem::take(self);
        Body {
            len: done.len,
            head: done.head,
            digest: done.sha.finalize().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_message_in_any_pieces_is_the_same_body() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let mut h = BodyHasher::default();
        for piece in data.chunks(13) {
            h.feed(piece);
        }
        let b = h.finish();
        assert_eq!(b, Body::of(&data));
        assert_eq!(b.len, 1000);
        assert_eq!(b.head, &data[..HEAD]);
        assert!(b.cut());
        let mut other = data.clone();
        other[999] ^= 1;
        assert_ne!(Body::of(&other), b, "a difference past the kept head must still count");
        assert!(!Body::of(b"Hello").cut());
    }
}
