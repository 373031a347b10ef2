//! JSON strings as `serde_json` writes them, byte for byte, written faster: `--events` writes
//! some twenty strings an event ([`super::event_line`]), and serde_json escaped them a byte
//! at a time through its formatter. Checking a string 8 bytes at a time for what needs
//! escaping, and copying it whole when nothing does, is what this module is for.

/// What serde_json writes for a byte of a string: 0 as is, `u` as `\u00XX`, else `\` and it.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b'u';
        b += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Where in the 8 bytes of `w` one is a control character, `"` or `\` (SWAR): a byte's high
/// bit is set in the result where it is below 0x20 or equal to one of the two. A borrow can
/// also set it in a byte after one that is (never before), so the lowest is exact.
#[inline]
fn escape_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_0x20 = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    below_0x20 | zero_byte(w ^ (ONES * u64::from(b'"'))) | zero_byte(w ^ (ONES * u64::from(b'\\')))
}

#[inline]
fn word_needs_escape(w: u64) -> bool {
    escape_mask(w) != 0
}

/// The 8 bytes of `b` from `at`, little-endian.
#[inline]
fn word(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default())
}

/// Whether any byte of `b` needs escaping: a word at a time, the last word overlapping the
/// one before (most values are names and numbers of 8 to 40 bytes).
#[inline]
fn needs_escape(b: &[u8]) -> bool {
    if b.len() < 8 {
        return b.iter().any(|&c| ESCAPE[usize::from(c)] != 0);
    }
    let mut at = 0;
    while at + 8 < b.len() {
        if word_needs_escape(word(b, at)) {
            return true;
        }
        at += 8;
    }
    word_needs_escape(word(b, b.len() - 8))
}

/// `s` as a JSON string.
pub(crate) fn push_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    if !needs_escape(b) {
        out.extend_from_slice(b);
    } else {
        push_escaped(out, b);
    }
    out.push(b'"');
}

/// The bytes of a string that holds something to escape, escaped as serde_json does. The
/// next byte to escape is found a word at a time: paths hold a backslash every few bytes.
#[cold]
fn push_escaped(out: &mut Vec<u8>, b: &[u8]) {
    let mut start = 0;
    let mut at = 0;
    while at < b.len() {
        let next = if at + 8 <= b.len() {
            match escape_mask(word(b, at)) {
                0 => {
                    at += 8;
                    continue;
                }
                m => at + (m.trailing_zeros() / 8) as usize,
            }
        } else {
            match b[at..].iter().position(|&c| ESCAPE[usize::from(c)] != 0) {
                Some(p) => at + p,
                None => break,
            }
        };
        let c = b[next];
        let e = ESCAPE[usize::from(c)];
        out.extend_from_slice(&b[start..next]);
        if e == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 0xf)]);
        } else {
            out.extend_from_slice(&[b'\\', e]);
        }
        start = next + 1;
        at = next + 1;
    }
    out.extend_from_slice(&b[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(s: &str) {
        let mut fast = Vec::new();
        push_str(&mut fast, s);
        let slow = serde_json::to_vec(s).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&fast),
            String::from_utf8_lossy(&slow),
            "{s:?}"
        );
    }

    #[test]
    fn every_byte_is_escaped_as_serde_json_does() {
        for b in 0u8..=0x7f {
            let c = char::from(b);
            // Alone, at each place of a word, and past the words the SWAR scan reads.
            for at in 0..20 {
                let mut s: String = "abcdefghijklmnopqrst".into();
                s.insert(at, c);
                same(&s);
            }
            same(c.encode_utf8(&mut [0; 4]));
        }
        // Two bytes to escape, or a byte to escape and one a borrow could wrongly flag (`#`
        // after `"`, `]` after `\`, `!` and space after a control character), at every pair
        // of places in and across words.
        let chars = ['"', '\\', '\u{1}', '\u{1f}', '#', ']', ' ', '!', 'a', 'é'];
        for x in chars {
            for y in chars {
                for i in 0..17 {
                    for j in i..17 {
                        let mut s: String = "abcdefghijklmnop".into();
                        s.insert(j, y);
                        s.insert(i, x);
                        same(&s);
                    }
                }
            }
        }
        for s in [
            "",
            "é",
            "\u{1F600}",
            "a\"b\\c",
            "\u{7f}\u{80}\u{ffff}",
            "x\r\n\t\u{0}y",
        ] {
            same(s);
            same(&s.repeat(9));
        }
    }
}
