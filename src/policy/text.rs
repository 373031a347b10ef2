//! Text encodings used by Windows configuration files.

/// The encoding a text file was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-16LE (with or without the FF FE byte-order mark).
    Utf16Le,
    /// UTF-8 with its EF BB BF mark.
    Utf8,
    /// Single-byte ANSI; decoded as Windows-1252 (what REGEDIT4 and auditpol write on Western
    /// systems).
    Ansi,
}

/// Decode a whole text file: UTF-16LE when it starts with FF FE (or looks like UTF-16LE without a
/// BOM: every odd byte of the start is zero), UTF-8 with a BOM, otherwise UTF-8 if valid, else
/// Windows-1252. The BOM is not part of the result. An odd trailing byte of UTF-16 is dropped.
pub fn decode(bytes: &[u8]) -> (String, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(&[0xff, 0xfe]) {
        return (utf16le(rest), TextEncoding::Utf16Le);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        return (
            String::from_utf8_lossy(rest).into_owned(),
            TextEncoding::Utf8,
        );
    }
    let probe = &bytes[..bytes.len().min(64) & !1];
    if probe.len() >= 4 && probe.chunks(2).all(|c| c[1] == 0 && c[0] != 0) {
        return (utf16le(bytes), TextEncoding::Utf16Le);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), TextEncoding::Ansi),
        Err(_) => {
            let (s, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (s.into_owned(), TextEncoding::Ansi)
        }
    }
}

/// UTF-16LE bytes to a string (lone surrogates become U+FFFD; an odd last byte is ignored).
pub fn utf16le(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// A NUL-terminated UTF-16LE string (everything from the first NUL on is ignored).
pub fn utf16le_z(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// REG_MULTI_SZ data: NUL-separated UTF-16LE strings ending with an empty string.
pub fn utf16le_multi(bytes: &[u8]) -> Vec<String> {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let mut out = Vec::new();
    for part in units.split(|&u| u == 0) {
        if part.is_empty() {
            break;
        }
        out.push(String::from_utf16_lossy(part));
    }
    out
}

/// A string as UTF-16LE with a terminating NUL.
pub fn to_utf16le_z(s: &str) -> Vec<u8> {
    let mut out: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    out.extend([0, 0]);
    out
}

/// A whole text as UTF-16LE with the FF FE byte-order mark (what regedit and secedit write).
pub fn to_utf16le_bom(s: &str) -> Vec<u8> {
    let mut out = vec![0xff, 0xfe];
    out.extend(s.encode_utf16().flat_map(|u| u.to_le_bytes()));
    out
}

/// Split text into lines, keeping 1-based line numbers; accepts CRLF and LF.
pub fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
}
