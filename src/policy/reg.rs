//! `.reg` exports: `Windows Registry Editor Version 5.00` (UTF-16LE with BOM, CRLF) and
//! `REGEDIT4` (single-byte ANSI). Reader and writer.
//!
//! Syntax (reference D.1): `[HKEY_…\Key]` starts a key, `[-HKEY_…]` deletes it; `"Name"=…` or
//! `@=…` sets a value, `"Name"=-` deletes it; `;` starts a comment line; inside quotes `\\` and
//! `\"` are escapes. Data: `"text"`, `dword:0000002a` (hex), `hex:01,02`, `hex(N):…` for any type
//! N (strings inside `hex(2)`/`hex(7)` are UTF-16LE in version 5 and single-byte in REGEDIT4).
//! Long hex data continues on the next line after a trailing `\`.

use super::text::{self, TextEncoding};
use super::{Entry, Item, ParseProblem, Place, RegOp, RegValue, WriteError};

pub const HEADER_V5: &str = "Windows Registry Editor Version 5.00";
pub const HEADER_V4: &str = "REGEDIT4";

/// A parsed .reg file.
#[derive(Debug, Clone, Default)]
pub struct RegDocument {
    /// true for `REGEDIT4`, false for version 5.
    pub regedit4: bool,
    pub entries: Vec<Entry>,
    /// Every key that has a `[…]` block (abbreviated hive form), in file order.
    pub keys: Vec<String>,
    /// Bad lines; the rest of the file was read.
    pub problems: Vec<ParseProblem>,
}

const HIVES: &[(&str, &str)] = &[
    ("HKEY_LOCAL_MACHINE", "HKLM"),
    ("HKEY_CURRENT_USER", "HKCU"),
    ("HKEY_USERS", "HKU"),
    ("HKEY_CLASSES_ROOT", "HKCR"),
    ("HKEY_CURRENT_CONFIG", "HKCC"),
];

/// `HKEY_LOCAL_MACHINE\X` → `HKLM\X` (abbreviations are kept; the case of the rest is kept).
pub fn abbreviate_key(key: &str) -> String {
    let (root, rest) = match key.split_once('\\') {
        Some((r, rest)) => (r, Some(rest)),
        None => (key, None),
    };
    let root = HIVES
        .iter()
        .find(|(long, short)| root.eq_ignore_ascii_case(long) || root.eq_ignore_ascii_case(short))
        .map(|(_, short)| short.to_string())
        .unwrap_or_else(|| root.to_string());
    match rest {
        Some(rest) => format!("{root}\\{}", rest.trim_end_matches('\\')),
        None => root,
    }
}

/// `HKLM\X` → `HKEY_LOCAL_MACHINE\X`.
pub fn expand_key(key: &str) -> String {
    let (root, rest) = key.split_once('\\').unwrap_or((key, ""));
    let long = HIVES
        .iter()
        .find(|(long, short)| root.eq_ignore_ascii_case(short) || root.eq_ignore_ascii_case(long))
        .map(|(long, _)| *long)
        .unwrap_or(root);
    if rest.is_empty() {
        long.to_string()
    } else {
        format!("{long}\\{rest}")
    }
}

/// Parse a .reg file. `Err` only when the header is missing (not a .reg file at all); every bad
/// line after it is recorded in [`RegDocument::problems`] and skipped.
pub fn parse(bytes: &[u8]) -> Result<RegDocument, ParseProblem> {
    let (txt, enc) = text::decode(bytes);
    let mut doc = RegDocument::default();
    let mut lines = text::numbered_lines(&txt).peekable();
    // Header.
    let mut header_seen = false;
    for (n, line) in lines.by_ref() {
        let l = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if l.is_empty() {
            continue;
        }
        if l.eq_ignore_ascii_case(HEADER_V5) {
            header_seen = true;
        } else if l.eq_ignore_ascii_case(HEADER_V4) {
            doc.regedit4 = true;
            header_seen = true;
        } else {
            return Err(ParseProblem::new(
                Place::Line(n),
                format!("expected the header \"{HEADER_V5}\" or \"{HEADER_V4}\""),
            ));
        }
        break;
    }
    if !header_seen {
        return Err(ParseProblem::new(Place::File, "no .reg header line"));
    }
    if bytes.len() % 2 == 1 && enc == TextEncoding::Utf16Le {
        doc.problems.push(ParseProblem::truncated(
            Place::Offset(bytes.len() as u64 - 1),
            "odd number of bytes in a UTF-16LE file (cut in the middle of a character)",
        ));
    }
    let unicode = !doc.regedit4;
    let mut current: Option<String> = None;
    while let Some((n, line)) = lines.next() {
        let mut logical = line.trim().to_string();
        if logical.is_empty() || logical.starts_with(';') {
            continue;
        }
        // Join continuation lines (hex data wrapped with a trailing backslash).
        let mut truncated = false;
        while logical.ends_with('\\') && !logical.starts_with('[') {
            logical.pop();
            match lines.next() {
                Some((_, next)) if !next.trim().is_empty() => logical.push_str(next.trim()),
                _ => {
                    truncated = true;
                    break;
                }
            }
        }
        if truncated {
            doc.problems.push(ParseProblem::truncated(
                Place::Line(n),
                "a continued value (trailing \\) is followed by a blank line or the end of the file",
            ));
            continue;
        }
        let place = Place::Line(n);
        if let Some(inner) = logical.strip_prefix('[') {
            let Some(inner) = inner.strip_suffix(']') else {
                doc.problems
                    .push(ParseProblem::new(place, "key line without a closing ]"));
                current = None;
                continue;
            };
            if let Some(del) = inner.strip_prefix('-') {
                let key = abbreviate_key(del.trim());
                doc.entries.push(Entry {
                    item: Item::Registry {
                        key,
                        value: String::new(),
                        op: RegOp::DeleteKey,
                    },
                    place,
                });
                current = None;
            } else {
                let key = abbreviate_key(inner.trim());
                if key.is_empty() {
                    doc.problems
                        .push(ParseProblem::new(place, "empty key name"));
                    current = None;
                    continue;
                }
                doc.keys.push(key.clone());
                doc.entries.push(Entry {
                    item: Item::Registry {
                        key: key.clone(),
                        value: String::new(),
                        op: RegOp::CreateKey,
                    },
                    place,
                });
                current = Some(key);
            }
            continue;
        }
        match parse_value_line(&logical, unicode) {
            Ok((name, op)) => match &current {
                Some(key) => doc.entries.push(Entry {
                    item: Item::Registry {
                        key: key.clone(),
                        value: name,
                        op,
                    },
                    place,
                }),
                None => doc.problems.push(ParseProblem::new(
                    place,
                    "value outside a key (no valid [HKEY_…] line before it)",
                )),
            },
            Err(msg) => doc.problems.push(ParseProblem::new(place, msg)),
        }
    }
    Ok(doc)
}

/// Parse a quoted string starting at `s[0] == '"'`; returns the unescaped text and the rest.
fn quoted(s: &str) -> Result<(String, &str), String> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &s[i + 1..])),
            '\\' => match chars.next() {
                Some((_, '\\')) => out.push('\\'),
                Some((_, '"')) => out.push('"'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, '0')) => out.push('\0'),
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => break,
            },
            _ => out.push(c),
        }
    }
    Err("unterminated quoted string".into())
}

fn parse_value_line(line: &str, unicode: bool) -> Result<(String, RegOp), String> {
    let (name, rest) = if let Some(rest) = line.strip_prefix('@') {
        (String::new(), rest)
    } else if line.starts_with('"') {
        quoted(line)?
    } else {
        return Err("expected \"Name\"=value, @=value, a [key] or a ; comment".into());
    };
    let data = rest
        .trim_start()
        .strip_prefix('=')
        .ok_or("expected = after the value name")?
        .trim();
    Ok((name, parse_data(data, unicode)?))
}

fn parse_data(data: &str, unicode: bool) -> Result<RegOp, String> {
    if data == "-" {
        return Ok(RegOp::DeleteValue);
    }
    if data.starts_with('"') {
        let (s, rest) = quoted(data)?;
        if !rest.trim().is_empty() {
            return Err(format!("unexpected text after the string: {}", rest.trim()));
        }
        return Ok(RegOp::Set(RegValue::Sz(s)));
    }
    let lower = data.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("dword:") {
        if hex.is_empty() || hex.len() > 8 {
            return Err(format!("dword: needs 1 to 8 hex digits, found \"{hex}\""));
        }
        let v = u32::from_str_radix(hex, 16).map_err(|_| format!("bad dword: \"{hex}\""))?;
        return Ok(RegOp::Set(RegValue::Dword(v)));
    }
    if let Some(hex) = lower.strip_prefix("qword:") {
        let v = u64::from_str_radix(hex, 16).map_err(|_| format!("bad qword: \"{hex}\""))?;
        return Ok(RegOp::Set(RegValue::Qword(v)));
    }
    let (ty, list) = if let Some(list) = lower.strip_prefix("hex:") {
        (super::REG_BINARY, list)
    } else if let Some(rest) = lower.strip_prefix("hex(") {
        let (n, list) = rest.split_once("):").ok_or("expected hex(N):")?;
        let ty = u32::from_str_radix(n, 16).map_err(|_| format!("bad type number hex({n})"))?;
        (ty, list)
    } else {
        return Err(format!("unknown value data: {}", truncate(data, 40)));
    };
    let mut bytes = Vec::new();
    for part in list.split(',') {
        let p = part.trim();
        if p.is_empty() {
            continue;
        }
        if p.len() > 2 {
            return Err(format!("bad hex byte \"{p}\""));
        }
        bytes.push(u8::from_str_radix(p, 16).map_err(|_| format!("bad hex byte \"{p}\""))?);
    }
    let value = if !unicode
        && matches!(
            ty,
            super::REG_SZ | super::REG_EXPAND_SZ | super::REG_MULTI_SZ
        ) {
        let (s, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
        let parts: Vec<String> = s.split('\0').map(str::to_string).collect::<Vec<_>>();
        match ty {
            super::REG_MULTI_SZ => {
                RegValue::MultiSz(parts.into_iter().take_while(|p| !p.is_empty()).collect())
            }
            super::REG_SZ => RegValue::Sz(parts.into_iter().next().unwrap_or_default()),
            _ => RegValue::ExpandSz(parts.into_iter().next().unwrap_or_default()),
        }
    } else {
        RegValue::from_raw(ty, &bytes)
            .ok_or_else(|| format!("{} bytes cannot hold a value of type {ty}", bytes.len()))?
    };
    Ok(RegOp::Set(value))
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n).collect::<String>())
    } else {
        s.to_string()
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Append `hex(N):xx,xx,…` wrapped like regedit (lines end with `,\` and continue indented by
/// two spaces, near 80 columns).
fn push_hex(out: &mut String, prefix_len: usize, tag: &str, bytes: &[u8]) {
    out.push_str(tag);
    let mut col = prefix_len + tag.len();
    for (i, b) in bytes.iter().enumerate() {
        let piece = format!("{b:02x}");
        out.push_str(&piece);
        col += 2;
        if i + 1 < bytes.len() {
            out.push(',');
            col += 1;
            if col > 76 {
                out.push_str("\\\r\n  ");
                col = 2;
            }
        }
    }
}

/// Write a version 5 .reg file (UTF-16LE with BOM, CRLF). Only `Item::Registry` entries can be
/// written; a `[key]` line starts whenever the key changes. Strings containing line breaks or NULs
/// (which a quoted string cannot hold) are written as `hex(1)`/`hex(2)` data.
pub fn write(items: &[Item]) -> Result<Vec<u8>, WriteError> {
    let mut out = String::new();
    out.push_str(HEADER_V5);
    out.push_str("\r\n");
    let mut current: Option<String> = None;
    for item in items {
        let Item::Registry { key, value, op } = item else {
            return Err(WriteError(format!(
                "a .reg file can only hold registry values, not {item:?}"
            )));
        };
        if key.contains(['[', ']', '\r', '\n']) || key.is_empty() {
            return Err(WriteError(format!(
                "registry key {key:?} cannot be written in a .reg file"
            )));
        }
        let full = expand_key(key);
        match op {
            RegOp::DeleteKey => {
                out.push_str(&format!("\r\n[-{full}]\r\n"));
                current = None;
                continue;
            }
            _ => {
                if current.as_deref() != Some(key.as_str()) || matches!(op, RegOp::CreateKey) {
                    if current.as_deref() != Some(key.as_str()) {
                        out.push_str(&format!("\r\n[{full}]\r\n"));
                    }
                    current = Some(key.clone());
                }
            }
        }
        let name = if value.is_empty() {
            "@".to_string()
        } else {
            format!("\"{}\"", escape(value))
        };
        match op {
            RegOp::CreateKey => continue,
            RegOp::DeleteKey => unreachable!(),
            RegOp::DeleteAllValues => {
                return Err(WriteError(
                    "a .reg file cannot delete all values of a key".into(),
                ))
            }
            RegOp::DeleteValue => out.push_str(&format!("{name}=-")),
            RegOp::Set(v) => {
                out.push_str(&name);
                out.push('=');
                let plen = name.chars().count() + 1;
                match v {
                    RegValue::Sz(s) if !s.contains(['\r', '\n', '\0']) => {
                        out.push_str(&format!("\"{}\"", escape(s)))
                    }
                    RegValue::Dword(d) => out.push_str(&format!("dword:{d:08x}")),
                    RegValue::Binary(b) => push_hex(&mut out, plen, "hex:", b),
                    other => push_hex(
                        &mut out,
                        plen,
                        &format!("hex({:x}):", other.type_number()),
                        &other.to_raw(),
                    ),
                }
            }
        }
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    Ok(text::to_utf16le_bom(&out))
}
