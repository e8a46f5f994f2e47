//! HTTP/2 frames (RFC 9113 §4, §6) as the RFC 8441 section writes and
//! reads them: any header block, malformed ones included, which a full
//! HTTP/2 stack refuses to send. Sans-I/O like the rest of `wire`: bytes
//! in, frames out, and a frame's length is checked before its payload is
//! kept.

/// The connection preface a client sends first (RFC 9113 §3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Frame types (RFC 9113 §6).
pub mod kind {
    pub const DATA: u8 = 0x0;
    pub const HEADERS: u8 = 0x1;
    pub const RST_STREAM: u8 = 0x3;
    pub const SETTINGS: u8 = 0x4;
    pub const PING: u8 = 0x6;
    pub const GOAWAY: u8 = 0x7;
    pub const WINDOW_UPDATE: u8 = 0x8;
    pub const CONTINUATION: u8 = 0x9;
}

/// Frame flags.
pub mod flag {
    pub const END_STREAM: u8 = 0x1;
    pub const ACK: u8 = 0x1;
    pub const END_HEADERS: u8 = 0x4;
    pub const PADDED: u8 = 0x8;
    pub const PRIORITY: u8 = 0x20;
}

/// SETTINGS identifiers (RFC 9113 §6.5.2, RFC 8441 §3).
pub mod setting {
    pub const ENABLE_PUSH: u16 = 0x2;
    pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
    pub const MAX_FRAME_SIZE: u16 = 0x5;
    pub const ENABLE_CONNECT_PROTOCOL: u16 = 0x8;
}

/// The largest frame payload we take: the default SETTINGS_MAX_FRAME_SIZE,
/// which we never raise (RFC 9113 §4.2).
pub const MAX_FRAME: usize = 16_384;

/// One frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub kind: u8,
    pub flags: u8,
    pub stream: u32,
    pub payload: Vec<u8>,
}

impl Frame {
    pub fn new(kind: u8, flags: u8, stream: u32, payload: Vec<u8>) -> Frame {
        Frame {
            kind,
            flags,
            stream,
            payload,
        }
    }

    /// The frame on the wire: the 9-octet header, then the payload.
    pub fn encode(&self) -> Vec<u8> {
        let len = self.payload.len() as u32;
        let mut out = Vec::with_capacity(9 + self.payload.len());
        out.extend_from_slice(&len.to_be_bytes()[1..]);
        out.push(self.kind);
        out.push(self.flags);
        out.extend_from_slice(&(self.stream & 0x7fff_ffff).to_be_bytes());
        out.extend_from_slice(&self.payload);
        out
    }

    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// The first 32-bit field of the payload (an error code, a window
    /// increment, a last stream ID), reserved bit cleared where RFC 9113
    /// has one.
    pub fn word(&self, at: usize) -> Option<u32> {
        let b = self.payload.get(at..at + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A SETTINGS frame's parameters.
    pub fn settings(&self) -> Vec<(u16, u32)> {
        self.payload
            .chunks_exact(6)
            .map(|c| {
                (
                    u16::from_be_bytes([c[0], c[1]]),
                    u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
                )
            })
            .collect()
    }

    /// A HEADERS frame's field block fragment, padding and priority taken
    /// off (RFC 9113 §6.2).
    pub fn header_block(&self) -> Option<&[u8]> {
        let mut p = &self.payload[..];
        let mut pad = 0;
        if self.has(flag::PADDED) {
            pad = *p.first()? as usize;
            p = &p[1..];
        }
        if self.kind == kind::HEADERS && self.has(flag::PRIORITY) {
            p = p.get(5..)?;
        }
        p.get(..p.len().checked_sub(pad)?)
    }

    /// How the frame reads in a trace: `HEADERS[1] END_HEADERS`.
    pub fn describe(&self) -> String {
        let name = kind_name(self.kind);
        let mut s = format!("{name}[{}]", self.stream);
        match self.kind {
            kind::DATA => s.push_str(&format!(" {} octets", self.payload.len())),
            kind::RST_STREAM => s.push_str(&format!(" {}", error_name(self.word(0).unwrap_or(0)))),
            kind::GOAWAY => s.push_str(&format!(
                " last {} {}",
                self.word(0).unwrap_or(0) & 0x7fff_ffff,
                error_name(self.word(4).unwrap_or(0))
            )),
            kind::WINDOW_UPDATE => s.push_str(&format!(" +{}", self.word(0).unwrap_or(0) & 0x7fff_ffff)),
            _ => {}
        }
        if self.kind == kind::SETTINGS && self.has(flag::ACK) {
            s.push_str(" ACK");
        } else if matches!(self.kind, kind::DATA | kind::HEADERS) && self.has(flag::END_STREAM) {
            s.push_str(" END_STREAM");
        }
        s
    }
}

/// A frame type's name (RFC 9113 §6).
pub fn kind_name(kind: u8) -> String {
    const NAMES: [&str; 10] = [
        "DATA",
        "HEADERS",
        "PRIORITY",
        "RST_STREAM",
        "SETTINGS",
        "PUSH_PROMISE",
        "PING",
        "GOAWAY",
        "WINDOW_UPDATE",
        "CONTINUATION",
    ];
    NAMES
        .get(kind as usize)
        .map_or_else(|| format!("frame type {kind:#x}"), |n| n.to_string())
}

/// An error code's name (RFC 9113 §7).
pub fn error_name(code: u32) -> String {
    const NAMES: [&str; 14] = [
        "NO_ERROR",
        "PROTOCOL_ERROR",
        "INTERNAL_ERROR",
        "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT",
        "STREAM_CLOSED",
        "FRAME_SIZE_ERROR",
        "REFUSED_STREAM",
        "CANCEL",
        "COMPRESSION_ERROR",
        "CONNECT_ERROR",
        "ENHANCE_YOUR_CALM",
        "INADEQUATE_SECURITY",
        "HTTP_1_1_REQUIRED",
    ];
    NAMES
        .get(code as usize)
        .map_or_else(|| format!("error code {code:#x}"), |n| n.to_string())
}

/// A SETTINGS frame with `params`.
pub fn settings(params: &[(u16, u32)]) -> Frame {
    let mut payload = Vec::with_capacity(params.len() * 6);
    for (id, value) in params {
        payload.extend_from_slice(&id.to_be_bytes());
        payload.extend_from_slice(&value.to_be_bytes());
    }
    Frame::new(kind::SETTINGS, 0, 0, payload)
}

/// A frame whose payload is one 32-bit word (RST_STREAM, WINDOW_UPDATE).
pub fn word_frame(kind: u8, stream: u32, word: u32) -> Frame {
    Frame::new(kind, 0, stream, word.to_be_bytes().to_vec())
}

/// GOAWAY with `last` stream and `code`.
pub fn goaway(last: u32, code: u32) -> Frame {
    let mut payload = last.to_be_bytes().to_vec();
    payload.extend_from_slice(&code.to_be_bytes());
    Frame::new(kind::GOAWAY, 0, 0, payload)
}

/// Why the bytes are not HTTP/2 frames we take.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadError {
    /// A frame longer than the SETTINGS_MAX_FRAME_SIZE we allow.
    TooLong(usize),
}

/// Frames from bytes as they arrive.
#[derive(Default)]
pub struct FrameReader {
    buf: Vec<u8>,
}

impl FrameReader {
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next whole frame, None until its bytes are in.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, ReadError> {
        if self.buf.len() < 9 {
            return Ok(None);
        }
        let len = u32::from_be_bytes([0, self.buf[0], self.buf[1], self.buf[2]]) as usize;
        if len > MAX_FRAME {
            return Err(ReadError::TooLong(len));
        }
        if self.buf.len() < 9 + len {
            return Ok(None);
        }
        let stream = u32::from_be_bytes([self.buf[5], self.buf[6], self.buf[7], self.buf[8]]) & 0x7fff_ffff;
        let frame = Frame::new(self.buf[3], self.buf[4], stream, self.buf[9..9 + len].to_vec());
        self.buf.drain(..9 + len);
        Ok(Some(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_go_out_and_come_back_whole() {
        let f = goaway(3, 11);
        let mut r = FrameReader::default();
        let bytes = f.encode();
        r.feed(&bytes[..5]);
        assert_eq!(r.next_frame(), Ok(None));
        r.feed(&bytes[5..]);
        let back = r.next_frame().unwrap().unwrap();
        assert_eq!(back, f);
        assert_eq!(back.describe(), "GOAWAY[0] last 3 ENHANCE_YOUR_CALM");
    }

    #[test]
    fn a_declared_length_over_our_maximum_is_refused_before_its_bytes() {
        let mut r = FrameReader::default();
        r.feed(&[0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 1]);
        assert_eq!(r.next_frame(), Err(ReadError::TooLong(65_536)));
    }

    #[test]
    fn padding_and_priority_come_off_a_header_block() {
        let f = Frame::new(
            kind::HEADERS,
            flag::PADDED | flag::PRIORITY | flag::END_HEADERS,
            1,
            vec![2, 0, 0, 0, 0, 16, 0x88, 0, 0],
        );
        assert_eq!(f.header_block(), Some(&[0x88][..]));
    }
}
