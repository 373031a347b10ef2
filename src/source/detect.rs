//! Choose a reader by content, never by file name.

use std::io::Read;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    Evtx,
    Xml,
    JsonLines,
}

impl std::fmt::Display for InputKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InputKind::Evtx => "EVTX",
            InputKind::Xml => "XML",
            InputKind::JsonLines => "JSON Lines",
        })
    }
}

/// Why a file is not evidence nullsight can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotEvidence {
    Empty,
    Unrecognised(String),
}

/// Look at the first bytes of `path` and decide which reader handles it.
pub fn detect(path: &Path) -> std::io::Result<Result<InputKind, NotEvidence>> {
    // Enough to see past a long Winlogbeat `message` to its `winlog` key.
    let mut head = vec![0u8; 64 << 10];
    let mut file = std::fs::File::open(path)?;
    let mut n = 0;
    while n < head.len() {
        let got = file.read(&mut head[n..])?;
        if got == 0 {
            break;
        }
        n += got;
    }
    Ok(detect_bytes(&head[..n]))
}

/// Content sniffing on the first bytes of a file.
pub fn detect_bytes(head: &[u8]) -> Result<InputKind, NotEvidence> {
    if head.is_empty() {
        return Err(NotEvidence::Empty);
    }
    // A truncated header still starts with the magic: let the EVTX reader explain what's wrong.
    if head.starts_with(b"ElfFile\0") || head.starts_with(b"ElfChnk\0") {
        return Ok(InputKind::Evtx);
    }
    let text = strip_bom(head);
    let trimmed = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| &text[i..])
        .unwrap_or(&[]);
    if trimmed.is_empty() {
        return Err(NotEvidence::Empty);
    }
    match trimmed[0] {
        // Other XML and JSON files (configuration, sidecars) are not evidence: look for the
        // marks of an event document before choosing a reader.
        b'<' if contains(head, b"<Event") => Ok(InputKind::Xml),
        b'<' => Err(NotEvidence::Unrecognised(
            "XML without an <Event> element near its start: not an event export".into(),
        )),
        // A JSON array of events (e.g. Get-WinEvent | ConvertTo-Json) is read like JSON Lines.
        b'{' | b'[' if contains(head, b"\"Event\"") || contains(head, b"\"winlog\"") => {
            Ok(InputKind::JsonLines)
        }
        b'{' | b'[' => Err(NotEvidence::Unrecognised(
            "JSON without an \"Event\" or \"winlog\" key near its start: not evtx_dump or Winlogbeat events".into(),
        )),
        _ => {
            if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
                return Err(NotEvidence::Unrecognised(
                    "UTF-16 text: convert it to UTF-8 (e.g. `Get-Content f | Set-Content -Encoding utf8`) or scan the original .evtx".into(),
                ));
            }
            let shown: String = trimmed
                .iter()
                .take(8)
                .map(|b| {
                    if b.is_ascii_graphic() {
                        *b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            Err(NotEvidence::Unrecognised(format!(
                "not EVTX, XML or JSON (starts with {shown:?}); nullsight reads .evtx files, XML exports (wevtutil qe /f:xml, Get-WinEvent ToXml) and JSON Lines (evtx_dump -o jsonl, Winlogbeat)"
            )))
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_content() {
        assert_eq!(detect_bytes(b"ElfFile\0rest"), Ok(InputKind::Evtx));
        assert_eq!(
            detect_bytes(b"\xEF\xBB\xBF  <?xml version=\"1.0\"?><Events><Event>"),
            Ok(InputKind::Xml)
        );
        assert_eq!(detect_bytes(b"\n{\"Event\":{}}"), Ok(InputKind::JsonLines));
        assert_eq!(
            detect_bytes(b"{\"@timestamp\":1,\"winlog\":{}}"),
            Ok(InputKind::JsonLines)
        );
        assert!(matches!(
            detect_bytes(b"{\"seed\":1,\"episodes\":[]}"),
            Err(NotEvidence::Unrecognised(_))
        ));
        assert!(matches!(
            detect_bytes(b"<?xml version=\"1.0\"?><config/>"),
            Err(NotEvidence::Unrecognised(_))
        ));
        assert_eq!(detect_bytes(b""), Err(NotEvidence::Empty));
        assert_eq!(detect_bytes(b"   \n"), Err(NotEvidence::Empty));
        assert!(matches!(
            detect_bytes(b"MZ\x90\0"),
            Err(NotEvidence::Unrecognised(_))
        ));
    }
}
