//! Base64 decoding of HAR bodies (`content.encoding: "base64"`) and of any text that may be
//! base64 in either alphabet. Encoding, and strict decoding of one alphabet, use the `base64`
//! crate's engines, re-exported here so that every use of base64 goes through this module.
//!
//! [`decode`] is hand-rolled (twenty lines) because no engine of the crate reads both
//! alphabets at once, as HAR writers need: padding optional, whitespace ignored, anything else
//! rejects the body.

pub use ::base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
pub use ::base64::Engine;

/// Lenient decoding: both alphabets, padding optional, whitespace ignored.
pub fn decode(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut padding = false;
    for &c in input.as_bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => {
                padding = true;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        if padding {
            return None; // data after padding
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn decodes_standard_and_url_safe_with_or_without_padding() {
        assert_eq!(decode("").as_deref(), Some(&b""[..]));
        assert_eq!(decode("Zg==").as_deref(), Some(&b"f"[..]));
        assert_eq!(decode("Zm8").as_deref(), Some(&b"fo"[..]));
        assert_eq!(decode("Zm9v").as_deref(), Some(&b"foo"[..]));
        assert_eq!(decode("eyJhIjoxfQ==").as_deref(), Some(&b"{\"a\":1}"[..]));
        assert_eq!(decode("Pz8-\nPz8_").as_deref(), Some(&b"??>??\x3f"[..]));
        assert_eq!(decode("Zm9v!"), None);
        assert_eq!(decode("Zg==Zg"), None);
    }
}
