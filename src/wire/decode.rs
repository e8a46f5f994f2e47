//! Incremental frame decoding: bytes in, pieces out (a header, payload
//! chunks as they arrive, the end of the frame). The decoder never allocates
//! by a length the peer declared: payload is handed on as it arrives.

use super::frame::FrameHeader;
use super::mask::apply_mask;

/// How the payload length was written, so the engine can insist on the
/// minimal encoding (RFC 6455 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthEncoding {
    Bits7,
    Bits16,
    Bits64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    Header(FrameHeader, LengthEncoding),
    /// Unmasked payload bytes of the current frame.
    Data(Vec<u8>),
    End,
}

#[derive(Default)]
pub struct Decoder {
    buf: Vec<u8>,
    pos: usize,
    current: Option<(FrameHeader, u64)>,
}

impl Decoder {
    pub fn feed(&mut self, data: &[u8]) {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 64 * 1024 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Bytes received but not yet decoded.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next piece, or None until more bytes arrive.
    pub fn next_piece(&mut self) -> Option<Piece> {
        let avail = &self.buf[self.pos..];
        match self.current {
            None => {
                let (header, enc, used) = parse_header(avail)?;
                self.pos += used;
                self.current = Some((header, 0));
                Some(Piece::Header(header, enc))
            }
            Some((header, done)) => {
                if done == header.len {
                    self.current = None;
                    return Some(Piece::End);
                }
                if avail.is_empty() {
                    return None;
                }
                let rest = header.len - done;
                let n = (avail.len() as u64).min(rest) as usize;
                let mut chunk = avail[..n].to_vec();
                if let Some(k) = header.mask {
                    apply_mask(&mut chunk, k, (done & 3) as usize);
                }
                self.pos += n;
                self.current = Some((header, done + n as u64));
                Some(Piece::Data(chunk))
            }
        }
    }
}

fn parse_header(b: &[u8]) -> Option<(FrameHeader, LengthEncoding, usize)> {
    if b.len() < 2 {
        return None;
    }
    let fin = b[0] & 0x80 != 0;
    let rsv = (b[0] >> 4) & 7;
    let opcode = b[0] & 0x0f;
    let masked = b[1] & 0x80 != 0;
    let len1 = b[1] & 0x7f;
    let (enc, ext) = match len1 {
        126 => (LengthEncoding::Bits16, 2),
        127 => (LengthEncoding::Bits64, 8),
        _ => (LengthEncoding::Bits7, 0),
    };
    let need = 2 + ext + if masked { 4 } else { 0 };
    if b.len() < need {
        return None;
    }
    let len = match enc {
        LengthEncoding::Bits7 => len1 as u64,
        LengthEncoding::Bits16 => u16::from_be_bytes([b[2], b[3]]) as u64,
        LengthEncoding::Bits64 => u64::from_be_bytes(b[2..10].try_into().ok()?),
    };
    let mask = masked.then(|| [b[2 + ext], b[3 + ext], b[4 + ext], b[5 + ext]]);
    Some((
        FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            len,
        },
        enc,
        need,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::frame::{encode, opcode};

    fn decode_all(bytes: &[u8], chop: usize) -> Vec<Piece> {
        let mut d = Decoder::default();
        let mut out = Vec::new();
        for c in bytes.chunks(chop) {
            d.feed(c);
            while let Some(p) = d.next_piece() {
                out.push(p);
            }
        }
        out
    }

    fn payload_of(pieces: &[Piece]) -> Vec<u8> {
        pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Data(d) => Some(d.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    #[test]
    fn masked_frame_in_one_byte_chops() {
        let mut h = FrameHeader::new(opcode::TEXT, true, 300);
        h.mask = Some([9, 8, 7, 6]);
        let payload: Vec<u8> = (0..300).map(|i| i as u8).collect();
        let pieces = decode_all(&encode(&h, &payload), 1);
        assert_eq!(pieces[0], Piece::Header(h, LengthEncoding::Bits16));
        assert_eq!(payload_of(&pieces), payload);
        assert_eq!(pieces.last(), Some(&Piece::End));
    }

    #[test]
    fn empty_frame_ends_at_once() {
        let pieces = decode_all(&encode(&FrameHeader::new(opcode::PING, true, 0), b""), 64);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[1], Piece::End);
    }

    #[test]
    fn huge_declared_length_allocates_nothing_up_front() {
        let mut bytes = vec![0x82, 127];
        bytes.extend_from_slice(&(1u64 << 63).to_be_bytes());
        bytes.extend_from_slice(b"abc");
        let pieces = decode_all(&bytes, 64);
        assert!(matches!(pieces[0], Piece::Header(h, LengthEncoding::Bits64) if h.len == 1 << 63));
        assert_eq!(pieces[1], Piece::Data(b"abc".to_vec()));
        assert_eq!(pieces.len(), 2);
    }
}
