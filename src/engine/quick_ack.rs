//! Quick ACKs: a Nagle-bound peer's echo must not wait for our delayed ACK.

use tokio::net::TcpStream;

/// Asks the kernel to acknowledge what arrives at once rather than after
/// its delayed-ACK timer (about 40 ms on Linux). A peer that writes with
/// Nagle on waits for our ACK before its next segment; without this, every
/// multi-segment echo of such a peer would cost one delayed ACK, and its
/// 12.x/9.x durations would measure our ACK timer, not the peer. Linux
/// resets the flag by itself, so it is set again after each read.
///
/// `WSSPEC_DELAYED_ACKS=1` leaves the kernel's delayed ACKs alone: for
/// scripts/bench-quickack.sh, which measures what the quick ACKs save.
///
/// It holds a duplicate of the socket's descriptor, so the flag can be set
/// while the connection (TLS or not) is split into its two halves.
pub struct QuickAck(Option<socket2::Socket>);

impl QuickAck {
    pub fn of(stream: Option<&TcpStream>) -> QuickAck {
        let Some(stream) = stream else {
            // An HTTP/2 stream: its connection's socket is HTTP/2's.
            return QuickAck(None);
        };
        use std::os::fd::AsFd;
        static DELAYED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        if *DELAYED.get_or_init(|| std::env::var_os("WSSPEC_DELAYED_ACKS").is_some_and(|v| v == "1")) {
            return QuickAck(None);
        }
        QuickAck(stream.as_fd().try_clone_to_owned().ok().map(socket2::Socket::from))
    }

    pub fn arm(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(s) = &self.0 {
            let _ = s.set_tcp_quickack(true);
        }
    }
}
