//! Encoding frames, including illegal ones: any opcode, any RSV bits,
//! fragmented or oversize control frames, an explicit length that differs
//! from the payload. The engine decides what is legal; this only writes bytes.

use super::mask::apply_mask;

pub mod opcode {
    pub const CONTINUATION: u8 = 0x0;
    pub const TEXT: u8 = 0x1;
    pub const BINARY: u8 = 0x2;
    pub const CLOSE: u8 = 0x8;
    pub const PING: u8 = 0x9;
    pub const PONG: u8 = 0xA;

    pub fn is_control(op: u8) -> bool {
        op & 0x8 != 0
    }

    pub fn name(op: u8) -> &'static str {
        match op {
            CONTINUATION => "continuation",
            TEXT => "text",
            BINARY => "binary",
            CLOSE => "close",
            PING => "ping",
            PONG => "pong",
            3..=7 => "reserved-data",
            _ => "reserved-control",
        }
    }
}

/// The first bytes of a frame, as sent or as received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    pub fin: bool,
    /// The three reserved bits, RSV1 as 4, RSV2 as 2, RSV3 as 1.
    pub rsv: u8,
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    pub len: u64,
}

impl FrameHeader {
    pub fn new(opcode: u8, fin: bool, len: u64) -> Self {
        FrameHeader {
            fin,
            rsv: 0,
            opcode,
            mask: None,
            len,
        }
    }

    /// Appends the header bytes, using the shortest length encoding.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(((self.fin as u8) << 7) | ((self.rsv & 7) << 4) | (self.opcode & 0x0f));
        let m = if self.mask.is_some() { 0x80 } else { 0 };
        if self.len <= 125 {
            out.push(m | self.len as u8);
        } else if self.len <= 0xffff {
            out.push(m | 126);
            out.extend_from_slice(&(self.len as u16).to_be_bytes());
        } else {
            out.push(m | 127);
            out.extend_from_slice(&self.len.to_be_bytes());
        }
        if let Some(k) = self.mask {
            out.extend_from_slice(&k);
        }
    }
}

/// A whole frame on the wire: header, then the payload masked with the
/// header's key if it has one.
pub fn encode(header: &FrameHeader, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 14);
    header.encode(&mut out);
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(k) = header.mask {
        apply_mask(&mut out[start..], k, 0);
    }
    out
}

/// `pattern` repeated until it is `len` bytes long (Autobahn's `payload_len`).
pub fn repeat_to(pattern: &[u8], len: usize) -> Vec<u8> {
    if pattern.is_empty() {
        return vec![0; len];
    }
    pattern.iter().copied().cycle().take(len).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_length_encodings() {
        for (len, hdr_len) in [(0u64, 2usize), (125, 2), (126, 4), (65535, 4), (65536, 10)] {
            let mut out = Vec::new();
            FrameHeader::new(opcode::TEXT, true, len).encode(&mut out);
            assert_eq!(out.len(), hdr_len, "len {len}");
        }
    }

    #[test]
    fn illegal_frames_encode() {
        let mut h = FrameHeader::new(0xB, false, 3);
        h.rsv = 7;
        h.mask = Some([0, 0, 0, 0]);
        let bytes = encode(&h, b"abc");
        assert_eq!(bytes, vec![0x7B, 0x83, 0, 0, 0, 0, b'a', b'b', b'c']);
    }

    #[test]
    fn repeat_fills_exactly() {
        assert_eq!(repeat_to(b"abc", 7), b"abcabca");
    }
}
