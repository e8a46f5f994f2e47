//! XOR masking (RFC 6455 §5.3).

/// Masks or unmasks `data` in place; `offset` is the position of `data[0]`
/// within the frame payload, so a payload can be processed in pieces.
pub fn apply_mask(data: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= key[(offset + i) & 3];
    }
}

/// A fresh random masking key, as a client must use for every frame.
pub fn random_key() -> [u8; 4] {
    rand::random()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_twice_restores_and_offsets_continue() {
        let key = [1, 2, 3, 4];
        let mut whole = b"Hello, world!".to_vec();
        apply_mask(&mut whole, key, 0);
        let mut parts = b"Hello, world!".to_vec();
        let (a, b) = parts.split_at_mut(5);
        apply_mask(a, key, 0);
        apply_mask(b, key, 5);
        assert_eq!(whole, parts);
        apply_mask(&mut whole, key, 0);
        assert_eq!(whole, b"Hello, world!");
    }
}
