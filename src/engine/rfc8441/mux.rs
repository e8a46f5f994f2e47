//! The streams of one connection, apart: each frame read goes to the
//! stream it belongs to, answers (HEADERS) and WebSocket messages (DATA,
//! through `wire::decode`) waiting there until the case asks for them.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

use super::conn::{Conn, Gone};
use crate::wire::decode::{Decoder, Piece};
use crate::wire::h2::{Frame, error_name, flag, kind};

/// The most a message may grow to: h2.4.2's 16 MiB and some.
const MESSAGE_MAX: usize = 17 << 20;

/// The answer to a request.
#[derive(Debug)]
pub enum Reply {
    /// A final status with the other fields.
    Status(u16, Vec<(String, String)>),
    Reset(u32),
    GoAway(u32),
    /// The connection ended, and the GOAWAY code if one came first.
    Gone(String, Option<u32>),
    Silent(Duration),
}

impl Reply {
    pub fn say(&self) -> String {
        match self {
            Reply::Status(s, _) => format!("it answered {s}"),
            Reply::Reset(c) => format!("it reset the stream ({})", error_name(*c)),
            Reply::GoAway(c) => format!("it sent GOAWAY ({})", error_name(*c)),
            Reply::Gone(why, _) => why.clone(),
            Reply::Silent(d) => format!("no answer came within {:.1} s", d.as_secs_f64()),
        }
    }
}

/// What a WebSocket's stream gave.
#[derive(Debug)]
pub enum Heard {
    /// A whole message: its opcode and payload (inflated if it was
    /// compressed).
    Message(u8, Vec<u8>),
    Close(Option<u16>),
    EndStream,
    Reset(u32),
    /// Something we cannot read as RFC 6455 frames.
    Broken(String),
    Gone(String),
    Silent,
}

impl Heard {
    pub fn say(&self, waited: Duration) -> String {
        match self {
            Heard::Message(op, m) => format!(
                "a message came (opcode {op}, {} octets) that is not the one sent",
                m.len()
            ),
            Heard::Close(c) => format!("a close frame came ({})", c.map_or("no code".into(), |c| c.to_string())),
            Heard::EndStream => "the server ended the stream (END_STREAM)".into(),
            Heard::Reset(c) => format!("the server reset the stream ({})", error_name(*c)),
            Heard::Broken(why) => why.clone(),
            Heard::Gone(why) => why.clone(),
            Heard::Silent => format!("nothing came within {:.1} s", waited.as_secs_f64()),
        }
    }
}

/// One WebSocket's incoming side.
#[derive(Default)]
struct Socket {
    frames: Decoder,
    /// The frame being read: opcode, RSV1, payload so far.
    current: Option<(u8, bool, bool, Vec<u8>)>,
    /// The message being assembled: opcode, compressed, payload.
    message: Option<(u8, bool, Vec<u8>)>,
    heard: VecDeque<Heard>,
    /// Its final answer has come.
    answered: bool,
}

pub struct Mux {
    pub conn: Conn,
    answers: HashMap<u32, Reply>,
    sockets: HashMap<u32, Socket>,
    /// How the connection ended, once it has.
    ended: Option<(String, Option<u32>)>,
}

impl Mux {
    pub fn new(conn: Conn) -> Mux {
        Mux {
            conn,
            answers: HashMap::new(),
            sockets: HashMap::new(),
            ended: None,
        }
    }

    /// The answer on `stream`, waiting until `deadline`.
    pub async fn answer(&mut self, stream: u32, deadline: Instant) -> Reply {
        let start = Instant::now();
        loop {
            if let Some(r) = self.answers.remove(&stream) {
                return r;
            }
            if let Some((why, code)) = &self.ended {
                return Reply::Gone(why.clone(), *code);
            }
            if !self.pump(deadline).await {
                return Reply::Silent(start.elapsed());
            }
        }
    }

    /// The next thing `stream`'s WebSocket gives, waiting until `deadline`.
    pub async fn hear(&mut self, stream: u32, deadline: Instant) -> Heard {
        loop {
            if let Some(h) = self.sockets.get_mut(&stream).and_then(|s| s.heard.pop_front()) {
                return h;
            }
            if let Some((why, _)) = &self.ended {
                return Heard::Gone(why.clone());
            }
            if !self.pump(deadline).await {
                return Heard::Silent;
            }
        }
    }

    /// Reads one frame and files it; false when nothing came in time.
    async fn pump(&mut self, deadline: Instant) -> bool {
        match self.conn.next(deadline).await {
            Ok(f) => {
                self.file(f, deadline).await;
                true
            }
            Err(Gone::Silent) => false,
            Err(Gone::Closed(why)) => {
                let code = self.conn.goaway.map(|(_, c)| c);
                self.ended = Some((why, code));
                true
            }
        }
    }

    async fn file(&mut self, f: Frame, deadline: Instant) {
        match f.kind {
            kind::HEADERS if !self.socket(f.stream).answered => {
                let mut more = Vec::new();
                let mut ended = f.has(flag::END_HEADERS);
                while !ended {
                    match self.conn.next(deadline).await {
                        Ok(c) if c.kind == kind::CONTINUATION => {
                            ended = c.has(flag::END_HEADERS);
                            more.push(c);
                        }
                        _ => break,
                    }
                }
                let reply = match self.conn.decode(&f, &more) {
                    Ok(fields) => {
                        let status = fields
                            .iter()
                            .find(|(n, _)| n == ":status")
                            .and_then(|(_, v)| v.parse().ok())
                            .unwrap_or(0);
                        // An interim answer (1xx) is not the answer.
                        if (100..200).contains(&status) {
                            return;
                        }
                        let rest = fields.into_iter().filter(|(n, _)| n != ":status").collect();
                        Reply::Status(status, rest)
                    }
                    Err(why) => Reply::Gone(why, None),
                };
                let s = self.socket(f.stream);
                s.answered = true;
                if f.has(flag::END_STREAM) {
                    s.heard.push_back(Heard::EndStream);
                }
                self.answers.insert(f.stream, reply);
            }
            kind::HEADERS if f.has(flag::END_STREAM) => self.socket(f.stream).heard.push_back(Heard::EndStream),
            kind::DATA => {
                self.read_frames(f.stream, &f.payload);
                if f.has(flag::END_STREAM) {
                    self.socket(f.stream).heard.push_back(Heard::EndStream);
                }
            }
            kind::RST_STREAM => {
                let code = f.word(0).unwrap_or(0);
                self.answers.entry(f.stream).or_insert(Reply::Reset(code));
                self.socket(f.stream).heard.push_back(Heard::Reset(code));
            }
            kind::GOAWAY => {
                let last = f.word(0).unwrap_or(0) & 0x7fff_ffff;
                let code = f.word(4).unwrap_or(0);
                // Streams above the last one the server took will not be
                // answered.
                let above: Vec<u32> = self.sockets.keys().copied().filter(|s| *s > last).collect();
                for s in above {
                    self.answers.entry(s).or_insert(Reply::GoAway(code));
                }
                // Our streams are odd: the next ones after `last` too.
                for s in ((last + 1) | 1..=last + 64).step_by(2) {
                    self.answers.entry(s).or_insert(Reply::GoAway(code));
                }
            }
            _ => {}
        }
    }

    fn socket(&mut self, stream: u32) -> &mut Socket {
        self.sockets.entry(stream).or_default()
    }

    /// RFC 6455 frames from a stream's DATA.
    fn read_frames(&mut self, stream: u32, data: &[u8]) {
        let s = self.socket(stream);
        s.frames.feed(data);
        while let Some(piece) = s.frames.next_piece() {
            match piece {
                Piece::Header(h, _) => s.current = Some((h.opcode, h.fin, h.rsv & 4 != 0, Vec::new())),
                Piece::Data(d) => {
                    if let Some((_, _, _, p)) = &mut s.current {
                        if p.len() + d.len() > MESSAGE_MAX {
                            s.heard
                                .push_back(Heard::Broken(format!("a frame over {MESSAGE_MAX} octets")));
                            s.current = None;
                            return;
                        }
                        p.extend_from_slice(&d);
                    }
                }
                Piece::End => {
                    let Some((op, fin, rsv1, payload)) = s.current.take() else {
                        continue;
                    };
                    if let Some(h) = s.end_frame(op, fin, rsv1, payload) {
                        s.heard.push_back(h);
                    }
                }
            }
        }
    }
}

impl Socket {
    /// A whole frame: a message when it completes one.
    fn end_frame(&mut self, op: u8, fin: bool, rsv1: bool, payload: Vec<u8>) -> Option<Heard> {
        match op {
            8 => {
                let code = (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
                Some(Heard::Close(code))
            }
            9 | 10 => None,
            0 => {
                let (_, _, m) = self.message.as_mut()?;
                if m.len() + payload.len() > MESSAGE_MAX {
                    return Some(Heard::Broken(format!("a message over {MESSAGE_MAX} octets")));
                }
                m.extend_from_slice(&payload);
                if fin { self.finish() } else { None }
            }
            _ => {
                self.message = Some((op, rsv1, payload));
                if fin { self.finish() } else { None }
            }
        }
    }

    fn finish(&mut self) -> Option<Heard> {
        let (op, compressed, payload) = self.message.take()?;
        if !compressed {
            return Some(Heard::Message(op, payload));
        }
        Some(match inflate(&payload) {
            Ok(p) => Heard::Message(op, p),
            Err(why) => Heard::Broken(why),
        })
    }
}

/// A permessage-deflate message's payload, inflated (RFC 7692 §7.2.2).
fn inflate(payload: &[u8]) -> Result<Vec<u8>, String> {
    let mut input = payload.to_vec();
    input.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let mut z = flate2::Decompress::new(false);
    let mut out = Vec::with_capacity(payload.len() * 4);
    loop {
        if out.len() >= MESSAGE_MAX {
            return Err(format!("a compressed message inflating beyond {MESSAGE_MAX} octets"));
        }
        out.reserve(64 * 1024);
        let before = z.total_in();
        z.decompress_vec(&input[z.total_in() as usize..], &mut out, flate2::FlushDecompress::Sync)
            .map_err(|e| format!("a compressed message that does not inflate ({e})"))?;
        if z.total_in() as usize >= input.len() || (z.total_in() == before && out.len() < out.capacity()) {
            return Ok(out);
        }
    }
}
