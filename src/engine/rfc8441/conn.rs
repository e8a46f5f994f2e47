//! One HTTP/2 connection as the RFC 8441 section drives it: our own
//! frames (`wire::h2`), so that a case can send what a full HTTP/2 stack
//! would refuse to. Settings are acknowledged and pings answered as they
//! come; windows are kept both ways: ours move as the caller takes DATA,
//! so what waits unread is bounded by the window we gave, and a peer that
//! sends beyond it is noted.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

use crate::tls::Stream;
use crate::wire::h2::{self, Frame, FrameReader, flag, kind, setting};

/// The window each side starts with (RFC 9113 §6.9.2), and the one we keep.
pub const WINDOW: i64 = 65_535;

/// How a wait for a frame ended without one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gone {
    /// Nothing came before the deadline.
    Silent,
    /// The peer closed the connection (or it failed), with why.
    Closed(String),
}

impl Gone {
    pub fn say(&self, waited: Duration) -> String {
        match self {
            Gone::Silent => format!("nothing came within {:.1} s", waited.as_secs_f64()),
            Gone::Closed(why) => why.clone(),
        }
    }
}

/// The server's SETTINGS, as far as the section needs them.
#[derive(Clone, Debug, Default)]
pub struct PeerSettings {
    pub enable_connect_protocol: Option<u32>,
    pub max_concurrent_streams: Option<u32>,
    pub initial_window: Option<u32>,
    pub max_frame: Option<u32>,
}

pub struct Conn {
    io: Stream,
    reader: FrameReader,
    /// Frames read while waiting for something else, in order.
    pending: VecDeque<Frame>,
    enc: loona_hpack::Encoder<'static>,
    dec: loona_hpack::Decoder<'static>,
    pub peer: PeerSettings,
    /// What we may still send, on the connection and on each stream.
    send_window: i64,
    stream_send: HashMap<u32, i64>,
    /// What the peer may still send us, on the connection and each stream.
    recv_window: i64,
    stream_recv: HashMap<u32, i64>,
    /// The first DATA frame the peer sent beyond a window of ours.
    pub overrun: Option<String>,
    /// The peer's GOAWAY: last stream and error code.
    pub goaway: Option<(u32, u32)>,
    next_stream: u32,
    /// The frames both ways, for the report: the first and the last.
    trace: Trace,
    /// The TLS session, said as `tls::session_summary` says it.
    pub tls: Option<String>,
}

/// How long the server has to send its SETTINGS after the preface.
const SETTINGS_WAIT: Duration = Duration::from_secs(2);

impl Conn {
    /// The preface and SETTINGS both ways: `Err` says why the target is no
    /// HTTP/2 server.
    pub async fn open(io: Stream) -> Result<Conn, String> {
        let mut c = Conn {
            io,
            reader: FrameReader::default(),
            pending: VecDeque::new(),
            enc: loona_hpack::Encoder::new(),
            dec: loona_hpack::Decoder::new(),
            peer: PeerSettings::default(),
            send_window: WINDOW,
            stream_send: HashMap::new(),
            recv_window: WINDOW,
            stream_recv: HashMap::new(),
            overrun: None,
            goaway: None,
            next_stream: 1,
            trace: Trace::default(),
            tls: None,
        };
        let mut first = h2::PREFACE.to_vec();
        first.extend(h2::settings(&[(setting::ENABLE_PUSH, 0)]).encode());
        c.trace.push("→ SETTINGS[0]".into());
        c.io.write_all(&first)
            .await
            .map_err(|e| format!("writing the HTTP/2 preface failed: {e}"))?;
        c.flush().await.map_err(|g| g.say(SETTINGS_WAIT))?;
        let deadline = Instant::now() + SETTINGS_WAIT;
        match c.read_frame(deadline).await {
            Ok(f) if f.kind == kind::SETTINGS && !f.has(flag::ACK) => {
                c.pending.push_back(f);
                Ok(c)
            }
            Ok(f) => Err(format!(
                "the server's first frame was {}, not SETTINGS: not HTTP/2 (RFC 9113 §3.4)",
                f.describe()
            )),
            Err(g) => Err(format!(
                "no SETTINGS after our HTTP/2 preface: {} (not an HTTP/2 server?)",
                g.say(SETTINGS_WAIT)
            )),
        }
    }

    async fn write(&mut self, frame: Frame) -> Result<(), Gone> {
        self.trace.push(format!("→ {}", frame.describe()));
        self.io
            .write_all(&frame.encode())
            .await
            .map_err(|e| Gone::Closed(format!("writing to the connection failed ({e})")))?;
        self.flush().await
    }

    /// TLS keeps what it has not yet sent: it goes now.
    async fn flush(&mut self) -> Result<(), Gone> {
        self.io
            .flush()
            .await
            .map_err(|e| Gone::Closed(format!("writing to the connection failed ({e})")))
    }

    /// A frame off the wire, as it came: SETTINGS, PING and WINDOW_UPDATE
    /// are acted on here too.
    async fn read_frame(&mut self, deadline: Instant) -> Result<Frame, Gone> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.reader.next_frame() {
                Ok(Some(f)) => {
                    self.trace.push(format!("← {}", f.describe()));
                    self.act_on(&f).await?;
                    return Ok(f);
                }
                Ok(None) => {}
                Err(h2::ReadError::TooLong(n)) => {
                    return Err(Gone::Closed(format!(
                        "the peer sent a frame of {n} octets, over the {} octets of SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2)",
                        h2::MAX_FRAME
                    )));
                }
            }
            let n = tokio::time::timeout_at(deadline, self.io.read(&mut chunk))
                .await
                .map_err(|_| Gone::Silent)?
                .map_err(|e| Gone::Closed(format!("the connection failed ({e})")))?;
            if n == 0 {
                return Err(Gone::Closed(match self.goaway {
                    Some((_, code)) => format!("the peer closed the connection after GOAWAY {}", h2::error_name(code)),
                    None => "the peer closed the connection".into(),
                }));
            }
            self.reader.feed(&chunk[..n]);
        }
    }

    async fn act_on(&mut self, f: &Frame) -> Result<(), Gone> {
        match f.kind {
            kind::SETTINGS if !f.has(flag::ACK) => {
                for (id, value) in f.settings() {
                    match id {
                        setting::ENABLE_CONNECT_PROTOCOL => self.peer.enable_connect_protocol = Some(value),
                        setting::MAX_CONCURRENT_STREAMS => self.peer.max_concurrent_streams = Some(value),
                        setting::MAX_FRAME_SIZE => self.peer.max_frame = Some(value),
                        setting::INITIAL_WINDOW_SIZE => {
                            let old = self.peer.initial_window.unwrap_or(WINDOW as u32) as i64;
                            for w in self.stream_send.values_mut() {
                                *w += value as i64 - old;
                            }
                            self.peer.initial_window = Some(value);
                        }
                        _ => {}
                    }
                }
                self.write(Frame::new(kind::SETTINGS, flag::ACK, 0, Vec::new())).await?;
            }
            kind::PING if !f.has(flag::ACK) => {
                self.write(Frame::new(kind::PING, flag::ACK, 0, f.payload.clone()))
                    .await?;
            }
            kind::WINDOW_UPDATE => {
                let more = (f.word(0).unwrap_or(0) & 0x7fff_ffff) as i64;
                match f.stream {
                    0 => self.send_window += more,
                    s => *self.stream_send.entry(s).or_insert(0) += more,
                }
            }
            kind::GOAWAY => {
                self.goaway = Some((f.word(0).unwrap_or(0) & 0x7fff_ffff, f.word(4).unwrap_or(0)));
            }
            kind::DATA => {
                let n = f.payload.len() as i64;
                self.recv_window -= n;
                let stream = self.stream_recv.entry(f.stream).or_insert(WINDOW);
                *stream -= n;
                if (self.recv_window < 0 || *stream < 0) && self.overrun.is_none() {
                    self.overrun = Some(format!(
                        "{} went beyond our window ({} octets left on the stream, {} on the connection)",
                        f.describe(),
                        *stream + n,
                        self.recv_window + n
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The next frame the caller has not seen. A DATA frame's octets are
    /// given back to both windows as it is taken.
    pub async fn next(&mut self, deadline: Instant) -> Result<Frame, Gone> {
        let f = match self.pending.pop_front() {
            Some(f) => f,
            None => self.read_frame(deadline).await?,
        };
        if f.kind == kind::DATA && !f.payload.is_empty() {
            let n = f.payload.len() as u32;
            self.recv_window += n as i64;
            *self.stream_recv.entry(f.stream).or_insert(WINDOW) += n as i64;
            self.write(h2::word_frame(kind::WINDOW_UPDATE, 0, n)).await?;
            if !f.has(flag::END_STREAM) {
                self.write(h2::word_frame(kind::WINDOW_UPDATE, f.stream, n)).await?;
            }
        }
        Ok(f)
    }

    /// Opens a stream with `fields` (HEADERS, END_HEADERS, no END_STREAM).
    pub async fn request(&mut self, fields: &[(String, String)]) -> Result<u32, Gone> {
        let id = self.next_stream;
        self.next_stream += 2;
        let block = self
            .enc
            .encode(fields.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())));
        let window = self.peer.initial_window.unwrap_or(WINDOW as u32) as i64;
        self.stream_send.insert(id, window);
        self.stream_recv.insert(id, WINDOW);
        self.write(Frame::new(kind::HEADERS, flag::END_HEADERS, id, block))
            .await?;
        Ok(id)
    }

    /// The answer's fields on `stream`, decoded, with any CONTINUATION.
    pub fn decode(&mut self, first: &Frame, more: &[Frame]) -> Result<Vec<(String, String)>, String> {
        let mut block = first.header_block().unwrap_or_default().to_vec();
        for c in more {
            block.extend_from_slice(&c.payload);
        }
        let fields = self
            .dec
            .decode(&block)
            .map_err(|e| format!("the answer's header block does not decode (HPACK: {e})"))?;
        Ok(fields
            .into_iter()
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(&n).into_owned(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect())
    }

    /// Sends `bytes` on `stream` in DATA frames of at most `frame` octets,
    /// each within both of the peer's windows: a window at zero is waited
    /// for until `deadline`, frames read meanwhile kept for `next`.
    pub async fn send(&mut self, stream: u32, bytes: &[u8], frame: usize, deadline: Instant) -> Result<(), Gone> {
        let max = frame
            .min(self.peer.max_frame.unwrap_or(h2::MAX_FRAME as u32) as usize)
            .max(1);
        let mut at = 0;
        while at < bytes.len() {
            let room = self.send_window.min(*self.stream_send.get(&stream).unwrap_or(&0));
            if room <= 0 {
                let f = self.read_frame(deadline).await?;
                if f.kind == kind::RST_STREAM && f.stream == stream {
                    self.pending.push_back(f);
                    return Err(Gone::Closed(format!("the peer reset stream {stream} while we sent")));
                }
                if f.kind != kind::WINDOW_UPDATE {
                    self.pending.push_back(f);
                }
                continue;
            }
            let n = (bytes.len() - at).min(max).min(room as usize);
            self.send_window -= n as i64;
            if let Some(w) = self.stream_send.get_mut(&stream) {
                *w -= n as i64;
            }
            let data = Frame::new(kind::DATA, 0, stream, bytes[at..at + n].to_vec());
            // A long message is traced as one line, not thousands.
            if at == 0 || bytes.len() <= 4 * max {
                self.write(data).await?;
            } else {
                self.io
                    .write_all(&data.encode())
                    .await
                    .map_err(|e| Gone::Closed(format!("writing to the connection failed ({e})")))?;
            }
            at += n;
        }
        if bytes.len() > 4 * max {
            self.trace
                .push(format!("→ DATA[{stream}] … {} octets in all", bytes.len()));
        }
        self.flush().await
    }

    /// Ends our side of `stream` (an empty DATA frame with END_STREAM).
    pub async fn end_stream(&mut self, stream: u32) -> Result<(), Gone> {
        self.write(Frame::new(kind::DATA, flag::END_STREAM, stream, Vec::new()))
            .await
    }

    /// RST_STREAM with `code`.
    pub async fn reset(&mut self, stream: u32, code: u32) -> Result<(), Gone> {
        self.write(h2::word_frame(kind::RST_STREAM, stream, code)).await
    }

    /// GOAWAY naming `last` as the last stream we took.
    pub async fn goaway(&mut self, last: u32) -> Result<(), Gone> {
        self.write(h2::goaway(last, 0)).await
    }

    /// The frames both ways: the first and the last, with how many fell
    /// between.
    pub fn trace_line(&self) -> String {
        self.trace.line()
    }
}

/// A case's frames as the report tells them: the first and the last
/// `TRACE_ENDS` kept, the rest counted. A 16 MiB echo is thousands of
/// frames; what a reader needs is how it began and how it ended.
#[derive(Default)]
struct Trace {
    head: Vec<String>,
    tail: VecDeque<String>,
    dropped: usize,
}

const TRACE_ENDS: usize = 20;

impl Trace {
    fn push(&mut self, line: String) {
        if self.head.len() < TRACE_ENDS {
            self.head.push(line);
            return;
        }
        if self.tail.len() == TRACE_ENDS {
            self.tail.pop_front();
            self.dropped += 1;
        }
        self.tail.push_back(line);
    }

    fn line(&self) -> String {
        let mut parts: Vec<&str> = self.head.iter().map(String::as_str).collect();
        let gap = format!("… {} more …", self.dropped);
        if self.dropped > 0 {
            parts.push(&gap);
        }
        parts.extend(self.tail.iter().map(String::as_str));
        parts.join(", ")
    }
}
