//! permessage-deflate (RFC 7692): the offers a client makes, the server's
//! answer read as Autobahn's client reads it (unknown or repeated parameters
//! and bad values are refused; an answer that ignores the offer is accepted
//! and its RFC 7692 §7 faults are returned as findings), and the codec: raw deflate with a sync flush whose
//! empty-block tail (00 00 ff ff) is removed on send and restored on
//! receive, with or without context takeover. Inflating is bounded: a small
//! message that inflates past the limit is refused, not buffered.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

pub const NAME: &str = "permessage-deflate";

/// What a client offers (Autobahn's PerMessageDeflateOffer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offer {
    /// The client accepts `client_no_context_takeover` from the server.
    pub accept_no_context_takeover: bool,
    /// The client accepts `client_max_window_bits` (it says so by the bare parameter).
    pub accept_max_window_bits: bool,
    /// The client asks the server not to keep its context.
    pub request_no_context_takeover: bool,
    /// The client asks the server for this window (0: no request).
    pub request_max_window_bits: u8,
}

impl Default for Offer {
    fn default() -> Self {
        Offer {
            accept_no_context_takeover: true,
            accept_max_window_bits: true,
            request_no_context_takeover: false,
            request_max_window_bits: 0,
        }
    }
}

impl Offer {
    pub fn header_value(&self) -> String {
        let mut s = NAME.to_string();
        if self.accept_no_context_takeover {
            s.push_str("; client_no_context_takeover");
        }
        if self.accept_max_window_bits {
            s.push_str("; client_max_window_bits");
        }
        if self.request_no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        if self.request_max_window_bits != 0 {
            s.push_str(&format!("; server_max_window_bits={}", self.request_max_window_bits));
        }
        s
    }
}

/// The negotiated parameters (0 window bits: the default, 15).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Agreement {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    pub server_max_window_bits: u8,
    pub client_max_window_bits: u8,
}

impl Agreement {
    /// The server's answer header for this agreement.
    pub fn header_value(&self) -> String {
        let mut s = NAME.to_string();
        if self.server_no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        if self.server_max_window_bits != 0 {
            s.push_str(&format!("; server_max_window_bits={}", self.server_max_window_bits));
        }
        if self.client_no_context_takeover {
            s.push_str("; client_no_context_takeover");
        }
        if self.client_max_window_bits != 0 {
            s.push_str(&format!("; client_max_window_bits={}", self.client_max_window_bits));
        }
        s
    }
}

/// One extension of a `Sec-WebSocket-Extensions` header: name, parameters.
pub type Extension = (String, Vec<(String, Option<String>)>);

/// Splits a `Sec-WebSocket-Extensions` value into extensions and parameters,
/// as Autobahn's peer does: names and parameter names in lower case, one
/// double quote taken off each end of a value.
pub fn parse_header(value: &str) -> Vec<Extension> {
    value
        .split(',')
        .filter(|e| !e.trim().is_empty())
        .map(|e| {
            let mut parts = e.split(';').map(str::trim);
            let name = parts.next().unwrap_or("").to_ascii_lowercase();
            let params = parts
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => {
                        let v = v.trim();
                        let v = v.strip_prefix('"').unwrap_or(v);
                        let v = v.strip_suffix('"').unwrap_or(v);
                        (k.trim().to_ascii_lowercase(), Some(v.to_string()))
                    }
                    None => (p.to_ascii_lowercase(), None),
                })
                .collect();
            (name, params)
        })
        .collect()
}

fn bits(name: &str, v: &Option<String>) -> Result<u8, String> {
    let v = v.as_deref().ok_or_else(|| format!("{name} needs a value"))?;
    match python_int(v) {
        Some(b @ 8..=15) => Ok(b as u8),
        _ => Err(format!("{name}={v} is not a window size from 8 to 15")),
    }
}

/// An integer as Python's `int()` reads a string (white space around, an
/// optional sign, decimal digits), which is how Autobahn reads window sizes.
fn python_int(v: &str) -> Option<i64> {
    let t = v.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(t.parse::<i64>().unwrap_or(i64::MAX))
}

fn once(seen: &mut Vec<String>, name: &str) -> Result<(), String> {
    if seen.iter().any(|s| s == name) {
        return Err(format!("{name} is given twice"));
    }
    seen.push(name.to_string());
    Ok(())
}

/// The server's answer, read as Autobahn's client reads it (autobahn
/// 0.10.9, `PerMessageDeflateResponse.parse`): each of the four parameters
/// at most once, the window sizes with a value from 8 to 15, the context
/// takeover flags without one, nothing else. Whether the answer fits what
/// was offered is not the parser's business: Autobahn's cases accept any
/// answer it reads, and so do we; `findings` says what RFC 7692 thinks of it.
pub fn parse_response(params: &[(String, Option<String>)]) -> Result<Agreement, String> {
    let mut a = Agreement::default();
    let mut seen = Vec::new();
    for (k, v) in params {
        once(&mut seen, k)?;
        match k.as_str() {
            "server_no_context_takeover" | "client_no_context_takeover" if v.is_some() => {
                return Err(format!("{k} takes no value"));
            }
            "server_no_context_takeover" => a.server_no_context_takeover = true,
            "client_no_context_takeover" => a.client_no_context_takeover = true,
            "server_max_window_bits" => a.server_max_window_bits = bits(k, v)?,
            "client_max_window_bits" => a.client_max_window_bits = bits(k, v)?,
            other => return Err(format!("unknown permessage-deflate parameter {other}")),
        }
    }
    Ok(a)
}

/// What RFC 7692 §7.1 requires of an answer to `offers` that Autobahn does
/// not check: the answer must accept one of the offers. Empty when it does;
/// otherwise what it breaks, judged against the offer it comes closest to
/// (the first one). These are findings for the report, not verdicts.
pub fn findings(a: &Agreement, offers: &[Offer]) -> Vec<String> {
    let broken = |o: &Offer| {
        let mut v = Vec::new();
        if o.request_max_window_bits != 0
            && (a.server_max_window_bits == 0 || a.server_max_window_bits > o.request_max_window_bits)
        {
            v.push(format!(
                "the offer asked for server_max_window_bits={} and the answer {}: RFC 7692 §7.1.2.1 says a server that accepts it includes server_max_window_bits with the same or a smaller value",
                o.request_max_window_bits,
                if a.server_max_window_bits == 0 {
                    "leaves it out".to_string()
                } else {
                    format!("says {}", a.server_max_window_bits)
                }
            ));
        }
        if o.request_no_context_takeover && !a.server_no_context_takeover {
            v.push("the offer asked for server_no_context_takeover and the answer leaves it out: RFC 7692 §7.1.1.1 says a server that accepts it includes server_no_context_takeover".to_string());
        }
        if !o.accept_max_window_bits && a.client_max_window_bits != 0 {
            v.push("the answer has client_max_window_bits, which the offer did not have: RFC 7692 §7.1.2.2 says it MUST NOT".to_string());
        }
        v
    };
    if offers.iter().any(|o| broken(o).is_empty()) {
        return Vec::new();
    }
    offers.first().map(broken).unwrap_or_default()
}

/// A client's offer, as a server parses it.
pub fn parse_offer(params: &[(String, Option<String>)]) -> Result<Offer, String> {
    let mut o = Offer {
        accept_max_window_bits: false,
        ..Offer::default()
    };
    let mut seen = Vec::new();
    for (k, v) in params {
        once(&mut seen, k)?;
        match k.as_str() {
            "client_max_window_bits" => {
                if v.is_some() {
                    bits(k, v)?;
                }
                o.accept_max_window_bits = true;
            }
            "client_no_context_takeover" => o.accept_no_context_takeover = true,
            "server_max_window_bits" => o.request_max_window_bits = bits(k, v)?,
            "server_no_context_takeover" => o.request_no_context_takeover = true,
            other => return Err(format!("unknown permessage-deflate parameter {other}")),
        }
    }
    Ok(o)
}

/// Compression state for one connection, for our side of it.
pub struct Codec {
    compress: Option<Compress>,
    decompress: Option<Decompress>,
    send_bits: u8,
    recv_bits: u8,
    send_reset: bool,
    /// Octets the message being compressed has produced so far.
    sent_in_message: usize,
    recv_reset: bool,
    /// Where inflated output lands before it is handed on.
    scratch: Vec<u8>,
}

fn window(b: u8) -> u8 {
    if b == 0 { 15 } else { b }
}

impl Codec {
    pub fn new(a: &Agreement, we_are_server: bool) -> Codec {
        let (send, recv, send_reset, recv_reset) = if we_are_server {
            (
                a.server_max_window_bits,
                a.client_max_window_bits,
                a.server_no_context_takeover,
                a.client_no_context_takeover,
            )
        } else {
            (
                a.client_max_window_bits,
                a.server_max_window_bits,
                a.client_no_context_takeover,
                a.server_no_context_takeover,
            )
        };
        Codec {
            compress: None,
            decompress: None,
            // zlib cannot deflate with an 8-bit window; 9 is what it uses then.
            send_bits: window(send).max(9),
            // Nor inflate with one (flate2 panics): a 9-bit window reads
            // every stream an 8-bit one does, since its distances are a
            // superset. Found by fuzz/deflate.
            recv_bits: window(recv).max(9),
            send_reset,
            sent_in_message: 0,
            recv_reset,
            scratch: Vec::new(),
        }
    }

    /// A whole message, compressed, without the trailing 00 00 ff ff.
    pub fn compress(&mut self, data: &[u8]) -> Vec<u8> {
        self.compress_fragment(data, true, true)
    }

    /// One fragment of a compressed message: the message's first (`first`:
    /// a context without takeover starts over) and its last (`last`: sync
    /// flushed, without the trailing 00 00 ff ff, RFC 7692 §7.2.1). A
    /// fragment before the last is partially flushed, so that its data goes
    /// out in its frame but no 00 00 ff ff ends it: the one the last
    /// fragment's flush makes is then always in the last fragment to be
    /// removed (a sync flush per fragment left it in the one before when
    /// the last had nothing to add, which strict readers such as gorilla's
    /// and websocketpp's rightly refused).
    pub fn compress_fragment(&mut self, data: &[u8], first: bool, last: bool) -> Vec<u8> {
        if self.compress.is_none() || (first && self.send_reset) {
            // Any valid deflate stream tests the peer's inflater; the fastest
            // level keeps our side of the 12.x/13.x cases cheap.
            self.compress = Some(Compress::new_with_window_bits(
                Compression::default(),
                false,
                self.send_bits,
            ));
        }
        let c = self.compress.as_mut().expect("set above");
        let flush = if last {
            FlushCompress::Sync
        } else {
            FlushCompress::Partial
        };
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        let start_in = c.total_in();
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(1024));
            }
            let consumed = (c.total_in() - start_in) as usize;
            let before = (c.total_in(), c.total_out());
            if c.compress_vec(&data[consumed..], &mut out, flush).is_err() {
                break;
            }
            // Flushed once all input is taken and room is left over; a call
            // that moved nothing ends the loop too.
            let all_in = (c.total_in() - start_in) as usize == data.len();
            if (all_in && out.len() < out.capacity()) || before == (c.total_in(), c.total_out()) {
                break;
            }
        }
        if last && out.ends_with(&[0, 0, 0xff, 0xff]) {
            out.truncate(out.len() - 4);
        }
        if first {
            self.sent_in_message = 0;
        }
        self.sent_in_message += out.len();
        if last && self.sent_in_message == 0 {
            // zlib writes nothing for a flush with nothing new (an empty
            // message after a flushed one): RFC 7692 §7.2.3.6's empty
            // block, else the 00 00 ff ff the reader appends would start a
            // stored block in the stream and swallow what follows.
            out.push(0x00);
        }
        out
    }

    /// Starts a compressed message.
    pub fn start_message(&mut self) {
        if self.decompress.is_none() || self.recv_reset {
            self.decompress = Some(Decompress::new_with_window_bits(false, self.recv_bits));
        }
    }

    /// Inflates `data`, handing the output to `sink` in pieces of at most
    /// `PIECE` octets (a small input may inflate a thousandfold, so the
    /// output is never gathered whole); fails once more than `limit` octets
    /// have come out. Returns how many did.
    pub fn inflate(&mut self, data: &[u8], limit: u64, sink: &mut dyn FnMut(&[u8])) -> Result<u64, String> {
        let d = self.decompress.as_mut().ok_or("no compressed message started")?;
        let start_in = d.total_in();
        let mut produced = 0u64;
        loop {
            let consumed = (d.total_in() - start_in) as usize;
            self.scratch.clear();
            self.scratch.reserve(PIECE);
            let before_out = d.total_out();
            let status = d
                .decompress_vec(&data[consumed..], &mut self.scratch, FlushDecompress::Sync)
                .map_err(|e| format!("the compressed data is corrupt ({e})"))?;
            let n = self.scratch.len();
            if n > 0 {
                produced += n as u64;
                if produced > limit {
                    return Err(format!("the message inflates past the limit of {limit} octets"));
                }
                sink(&self.scratch);
            }
            let progressed = d.total_out() != before_out || (d.total_in() - start_in) as usize != consumed;
            let all_in = (d.total_in() - start_in) as usize == data.len();
            if status == Status::StreamEnd {
                return Err("the compressed data ends the deflate stream (BFINAL), which permessage-deflate does not allow here".into());
            }
            if (all_in && n < self.scratch.capacity()) || !progressed {
                return Ok(produced);
            }
        }
    }

    /// Ends a compressed message: restores the removed tail.
    pub fn end_message(&mut self, limit: u64, sink: &mut dyn FnMut(&[u8])) -> Result<u64, String> {
        self.inflate(&[0, 0, 0xff, 0xff], limit, sink)
    }

    /// A whole compressed message (without its tail), inflated into a
    /// vector: for tests and tools, where the data is trusted.
    pub fn inflate_message(&mut self, data: &[u8], limit: u64) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        self.start_message();
        let n = self.inflate(data, limit, &mut |p| out.extend_from_slice(p))?;
        self.end_message(limit - n, &mut |p| out.extend_from_slice(p))?;
        Ok(out)
    }
}

/// The most inflated octets handed on at once.
const PIECE: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    /// A strict reader of a compressed message: the payload, the 00 00 ff ff
    /// RFC 7692 §7.2.2 restores, then a final empty block, inflated to its
    /// end (gorilla/websocket reads messages so).
    fn inflate_strictly(d: &mut Decompress, payload: &[u8]) -> Result<Vec<u8>, String> {
        let mut input = payload.to_vec();
        input.extend_from_slice(&[0, 0, 0xff, 0xff, 0x01, 0, 0, 0xff, 0xff]);
        let mut out = Vec::with_capacity(1 << 16);
        let status = d
            .decompress_vec(&input, &mut out, FlushDecompress::Finish)
            .map_err(|e| e.to_string())?;
        if status != Status::StreamEnd {
            return Err(format!("{status:?}: the stream did not end"));
        }
        Ok(out)
    }

    /// A message in fragments (empty ones too) is one deflate stream whose
    /// tail 00 00 ff ff is removed (RFC 7692 §7.2.1 step 3), whichever
    /// fragment it falls in; the messages after it share the context.
    #[test]
    fn fragments_make_one_message_that_a_strict_reader_inflates() {
        let splits: [&[&[u8]]; 10] = [
            &[b"", b""],
            &[b""],
            &[b""],
            &[b"", b"", b""],
            &[b"Hello"],
            &[b"He", b"llo"],
            &[b"", b"Hello"],
            &[b"Hello", b""],
            &[b"Hello, Hello, ", b"", b"Hello"],
            &[b"x"],
        ];
        // With takeover, one context for all: each message's tail is
        // removed, and a streaming reader gets every message back.
        let mut tx = Codec::new(&Agreement::default(), false);
        let mut rx = Codec::new(&Agreement::default(), true);
        for fragments in splits {
            let mut payload = Vec::new();
            for (i, f) in fragments.iter().enumerate() {
                payload.extend(tx.compress_fragment(f, i == 0, i + 1 == fragments.len()));
            }
            assert!(!payload.ends_with(&[0, 0, 0xff, 0xff]), "{fragments:?}: {payload:02x?}");
            assert_eq!(rx.inflate_message(&payload, 1 << 20), Ok(fragments.concat()));
        }
        // Without takeover every message stands alone, to a strict reader.
        let a = Agreement {
            client_no_context_takeover: true,
            ..Default::default()
        };
        let mut tx = Codec::new(&a, false);
        for fragments in splits {
            let mut payload = Vec::new();
            for (i, f) in fragments.iter().enumerate() {
                payload.extend(tx.compress_fragment(f, i == 0, i + 1 == fragments.len()));
            }
            assert!(!payload.ends_with(&[0, 0, 0xff, 0xff]), "{fragments:?}: {payload:02x?}");
            let got = inflate_strictly(&mut Decompress::new(false), &payload);
            assert_eq!(got, Ok(fragments.concat()), "{fragments:?}: {payload:02x?}");
        }
    }

    #[test]
    fn round_trip_with_and_without_context_takeover() {
        for (a, server) in [
            (Agreement::default(), false),
            (
                Agreement {
                    client_no_context_takeover: true,
                    server_no_context_takeover: true,
                    ..Default::default()
                },
                true,
            ),
            (
                Agreement {
                    client_max_window_bits: 9,
                    server_max_window_bits: 9,
                    ..Default::default()
                },
                false,
            ),
        ] {
            let mut tx = Codec::new(&a, server);
            let mut rx = Codec::new(&a, !server);
            for i in 0..5 {
                let msg: Vec<u8> = format!("message {i} ").repeat(500).into_bytes();
                let packed = tx.compress(&msg);
                assert!(packed.len() < msg.len() / 4);
                let out = rx.inflate_message(&packed, 1 << 20).unwrap();
                assert_eq!(out, msg);
            }
        }
    }

    /// RFC 7692 allows 8-bit windows; zlib has no 8-bit inflater, and
    /// asking flate2 for one panicked (found by fuzz/deflate).
    #[test]
    fn an_8_bit_window_is_inflated() {
        let a = Agreement {
            server_max_window_bits: 8,
            client_max_window_bits: 8,
            ..Default::default()
        };
        for server in [false, true] {
            let mut tx = Codec::new(&a, server);
            let mut rx = Codec::new(&a, !server);
            let msg = b"an eight-bit window, ".repeat(40);
            assert_eq!(rx.inflate_message(&tx.compress(&msg), 1 << 20).unwrap(), msg);
        }
    }

    #[test]
    fn a_bomb_is_refused_at_the_limit() {
        let mut tx = Codec::new(&Agreement::default(), false);
        let packed = tx.compress(&vec![0u8; 4 << 20]);
        assert!(packed.len() * 50 < 4 << 20, "{}", packed.len());
        let mut rx = Codec::new(&Agreement::default(), true);
        rx.start_message();
        let (mut out, mut biggest) = (0, 0);
        let err = rx
            .inflate(&packed, 1 << 20, &mut |p| {
                out += p.len();
                biggest = biggest.max(p.len());
            })
            .unwrap_err();
        assert!(err.contains("limit"), "{err}");
        assert!(out <= 1 << 20);
        assert!(
            biggest <= PIECE,
            "the output is handed on in pieces, never gathered: {biggest}"
        );
    }

    #[test]
    fn answers_are_read_as_autobahn_reads_them() {
        let p = |s: &str| parse_header(s).remove(0).1;
        let a = parse_response(&p(
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
        ))
        .unwrap();
        assert!(a.server_no_context_takeover && a.client_max_window_bits == 10);
        // Python's int(): a sign, spaces inside quotes; names in any case.
        let a = parse_response(&p("Permessage-Deflate; Server_Max_Window_Bits=\" +9\"")).unwrap();
        assert_eq!(a.server_max_window_bits, 9);
        for bad in [
            "permessage-deflate; foo",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=0x9",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; client_no_context_takeover=",
        ] {
            assert!(parse_response(&p(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            Offer::default().header_value(),
            "permessage-deflate; client_no_context_takeover; client_max_window_bits"
        );
    }

    #[test]
    fn an_answer_that_ignores_the_offer_is_a_finding_not_an_error() {
        let p = |s: &str| parse_response(&parse_header(s).remove(0).1).unwrap();
        let nine = Offer {
            request_max_window_bits: 9,
            ..Offer::default()
        };
        // A server that accepts server_max_window_bits=9 but leaves it out.
        let a = p("permessage-deflate; client_no_context_takeover");
        let f = findings(&a, &[nine]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].contains("§7.1.2.1") && f[0].contains("leaves it out"), "{f:?}");
        assert!(findings(&p("permessage-deflate; server_max_window_bits=9"), &[nine]).is_empty());
        assert_eq!(
            findings(&p("permessage-deflate; server_max_window_bits=10"), &[nine]).len(),
            1
        );
        // Several offers: the answer only has to fit one of them.
        assert!(findings(&a, &[nine, Offer::default()]).is_empty());
        let bare = Offer {
            accept_max_window_bits: false,
            ..Offer::default()
        };
        assert!(findings(&p("permessage-deflate; client_max_window_bits=12"), &[bare])[0].contains("§7.1.2.2"));
    }
}
