//! Close codes (RFC 6455 §7.4).

pub const NORMAL: u16 = 1000;
pub const GOING_AWAY: u16 = 1001;
pub const PROTOCOL_ERROR: u16 = 1002;
pub const INVALID_PAYLOAD: u16 = 1007;
pub const POLICY_VIOLATION: u16 = 1008;
pub const MESSAGE_TOO_BIG: u16 = 1009;

/// Whether a peer may put `code` in a close frame. The defined codes that
/// may be sent (1000–1003, 1007–1011) and the ranges for libraries (3000–3999)
/// and private use (4000–4999); everything else is a protocol error. This is
/// the rule Autobahn applies to the peer's close frames.
pub fn is_sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1011 | 3000..=4999)
}

/// The payload of a close frame: optional code, optional reason bytes.
pub fn payload(code: Option<u16>, reason: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(c) = code {
        out.extend_from_slice(&c.to_be_bytes());
    }
    if let Some(r) = reason {
        out.extend_from_slice(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sendable_codes() {
        for ok in [1000, 1001, 1002, 1003, 1007, 1011, 3000, 3999, 4000, 4999] {
            assert!(is_sendable(ok), "{ok}");
        }
        for bad in [0, 999, 1004, 1005, 1006, 1012, 1016, 1100, 2000, 2999, 5000, 65535] {
            assert!(!is_sendable(bad), "{bad}");
        }
    }
}
