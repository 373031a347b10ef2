//! `Registry.pol` (PReg): Group Policy registry settings. Reader and writer.
//!
//! Layout (reference D.3, MS-GPREG 2.2.1): `50 52 65 67` ("PReg"), version u32 LE = 1, then
//! records `[key;value;type;size;data]` where the brackets and semicolons are UTF-16LE characters,
//! key and value are NUL-terminated UTF-16LE strings, type and size are u32 LE and data is `size`
//! raw bytes. The key has no hive: the file's place (Machine or User folder) gives it.
//!
//! Special value names, compared case-insensitively: `**del.Name` deletes one value,
//! `**delvals.` deletes every value of the key, `**DeleteValues` deletes the values named in its
//! `;`-separated data, `**DeleteKeys` deletes the subkeys named in its data, `**SecureKey` only
//! changes the key's ACL (ignored), `**soft.Name` sets a value only when it is absent (read as a set).

use super::text;
use super::{Entry, Item, ParseProblem, Place, RegOp, RegValue, WriteError};

pub const MAGIC: &[u8; 4] = b"PReg";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Default)]
pub struct PolDocument {
    pub entries: Vec<Entry>,
    /// A truncated or broken record; the records before it were kept.
    pub problems: Vec<ParseProblem>,
}

/// Longest string accepted in a record (in UTF-16 units): keys are at most 255 characters per
/// component and a few hundred in all; anything longer is corruption.
const MAX_STRING_UNITS: usize = 32 * 1024;

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn u16(&mut self, what: &str) -> Result<u16, ParseProblem> {
        let s = self.b.get(self.pos..self.pos + 2).ok_or_else(|| {
            ParseProblem::truncated(
                Place::Offset(self.pos as u64),
                format!("file ends before {what}"),
            )
        })?;
        self.pos += 2;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    fn u32(&mut self, what: &str) -> Result<u32, ParseProblem> {
        let s = self.b.get(self.pos..self.pos + 4).ok_or_else(|| {
            ParseProblem::truncated(
                Place::Offset(self.pos as u64),
                format!("file ends before {what}"),
            )
        })?;
        self.pos += 4;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn expect(&mut self, ch: char, what: &str) -> Result<(), ParseProblem> {
        let at = self.pos;
        let u = self.u16(what)?;
        if u != ch as u16 {
            return Err(ParseProblem::new(
                Place::Offset(at as u64),
                format!("expected '{ch}' {what}, found 0x{u:04x}"),
            ));
        }
        Ok(())
    }
    fn wstr(&mut self, what: &str) -> Result<String, ParseProblem> {
        let start = self.pos;
        let mut units = Vec::new();
        loop {
            let u = self.u16(&format!("the end of {what} (started at byte {start})"))?;
            if u == 0 {
                break;
            }
            units.push(u);
            if units.len() > MAX_STRING_UNITS {
                return Err(ParseProblem::new(
                    Place::Offset(start as u64),
                    format!("{what} longer than {MAX_STRING_UNITS} characters (no NUL terminator)"),
                ));
            }
        }
        Ok(String::from_utf16_lossy(&units))
    }
}

/// Parse a Registry.pol. `hive` (`HKLM` or `HKCU`) is prefixed to every key. `Err` when the
/// header is missing or wrong; a broken record stops the reading with a problem at its offset and
/// keeps the records before it.
pub fn parse(bytes: &[u8], hive: &str) -> Result<PolDocument, ParseProblem> {
    if bytes.len() < 8 {
        return Err(ParseProblem::truncated(
            Place::Offset(0),
            "shorter than the 8-byte PReg header",
        ));
    }
    if &bytes[..4] != MAGIC {
        return Err(ParseProblem::new(
            Place::Offset(0),
            "missing the PReg signature",
        ));
    }
    let version = u32::from_le_bytes(bytes[4..8].try_into().unwrap_or([0; 4]));
    if version != VERSION {
        return Err(ParseProblem::new(
            Place::Offset(4),
            format!("unsupported PReg version {version} (expected 1)"),
        ));
    }
    let mut doc = PolDocument::default();
    let mut c = Cursor { b: bytes, pos: 8 };
    while c.pos < bytes.len() {
        let start = c.pos;
        match record(&mut c, hive) {
            Ok(items) => {
                for item in items {
                    doc.entries.push(Entry {
                        item,
                        place: Place::Offset(start as u64),
                    });
                }
            }
            Err(p) => {
                doc.problems.push(ParseProblem {
                    message: format!("record at byte {start}: {}", p.message),
                    ..p
                });
                break;
            }
        }
    }
    Ok(doc)
}

fn record(c: &mut Cursor<'_>, hive: &str) -> Result<Vec<Item>, ParseProblem> {
    c.expect('[', "at the start of a record")?;
    let key = c.wstr("the key")?;
    c.expect(';', "after the key")?;
    let value = c.wstr("the value name")?;
    c.expect(';', "after the value name")?;
    let ty = c.u32("the type")?;
    c.expect(';', "after the type")?;
    let size_at = c.pos;
    let size = c.u32("the data size")? as usize;
    c.expect(';', "after the data size")?;
    let data = c.b.get(c.pos..c.pos.saturating_add(size)).ok_or_else(|| {
        ParseProblem::truncated(
            Place::Offset(size_at as u64),
            format!(
                "data size {size} runs past the end of the file ({} bytes left)",
                c.b.len() - c.pos
            ),
        )
    })?;
    c.pos += size;
    c.expect(']', "at the end of the record")?;
    let full_key = if key.is_empty() {
        hive.to_string()
    } else {
        format!("{hive}\\{key}")
    };
    let lower = value.to_ascii_lowercase();
    let reg = |value: String, op: RegOp| Item::Registry {
        key: full_key.clone(),
        value,
        op,
    };
    let names = |data: &[u8]| -> Vec<String> {
        text::utf16le_z(data)
            .split(';')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    Ok(if let Some(name) = lower.strip_prefix("**del.") {
        vec![reg(
            value[6..6 + name.len()].to_string(),
            RegOp::DeleteValue,
        )]
    } else if lower.starts_with("**delvals") {
        vec![reg(String::new(), RegOp::DeleteAllValues)]
    } else if lower == "**deletevalues" {
        names(data)
            .into_iter()
            .map(|n| reg(n, RegOp::DeleteValue))
            .collect()
    } else if lower == "**deletekeys" {
        names(data)
            .into_iter()
            .map(|n| Item::Registry {
                key: format!("{full_key}\\{n}"),
                value: String::new(),
                op: RegOp::DeleteKey,
            })
            .collect()
    } else if lower.starts_with("**securekey") {
        Vec::new()
    } else if value.is_empty() {
        vec![reg(String::new(), RegOp::CreateKey)]
    } else {
        let name = if lower.starts_with("**soft.") {
            value[7..].to_string()
        } else {
            value
        };
        let v = RegValue::from_raw(ty, data).ok_or_else(|| {
            ParseProblem::new(
                Place::Offset(size_at as u64),
                format!("{size} bytes of data cannot hold a value of type {ty} ({name})"),
            )
        })?;
        vec![reg(name, RegOp::Set(v))]
    })
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    out.extend(text::to_utf16le_z(s));
}

fn push_char(out: &mut Vec<u8>, c: char) {
    out.extend((c as u16).to_le_bytes());
}

fn push_record(out: &mut Vec<u8>, key: &str, value: &str, ty: u32, data: &[u8]) {
    push_char(out, '[');
    push_str(out, key);
    push_char(out, ';');
    push_str(out, value);
    push_char(out, ';');
    out.extend(ty.to_le_bytes());
    push_char(out, ';');
    out.extend((data.len() as u32).to_le_bytes());
    push_char(out, ';');
    out.extend(data);
    push_char(out, ']');
}

fn check(what: &str, s: &str) -> Result<(), WriteError> {
    if s.chars().any(|c| c.is_control()) {
        return Err(WriteError(format!(
            "{what} {s:?} contains a control character or NUL"
        )));
    }
    Ok(())
}

/// Write a Registry.pol. Every item must be a registry item under one hive (`HKLM` or `HKCU`),
/// which is stripped: the file's folder (Machine or User) gives it back.
pub fn write(items: &[Item]) -> Result<Vec<u8>, WriteError> {
    let mut out = Vec::from(&MAGIC[..]);
    out.extend(VERSION.to_le_bytes());
    let mut hive: Option<String> = None;
    let space = text::to_utf16le_z(" ");
    for item in items {
        let Item::Registry { key, value, op } = item else {
            return Err(WriteError(format!(
                "Registry.pol holds registry values only, not {item:?}"
            )));
        };
        let (root, rest) = key.split_once('\\').unwrap_or((key, ""));
        let root = super::reg::abbreviate_key(root);
        match &hive {
            None => hive = Some(root.clone()),
            Some(h) if *h != root => {
                return Err(WriteError(format!(
                    "{key} is not under {h}: one Registry.pol per hive"
                )))
            }
            _ => {}
        }
        if root != "HKLM" && root != "HKCU" {
            return Err(WriteError(format!("{key} is not under HKLM or HKCU")));
        }
        check("key", rest)?;
        check("value name", value)?;
        if value.encode_utf16().count() > 259 {
            return Err(WriteError(format!(
                "value name {value:?} is longer than 259 characters"
            )));
        }
        match op {
            RegOp::Set(v) => {
                if value.is_empty() || value.starts_with("**") {
                    return Err(WriteError(format!(
                        "value name {value:?} cannot be set in Registry.pol"
                    )));
                }
                if let RegValue::MultiSz(list) = v {
                    if list.iter().any(|s| s.is_empty() || s.contains('\0')) {
                        return Err(WriteError(
                            "an empty or NUL-containing string in a REG_MULTI_SZ".into(),
                        ));
                    }
                }
                if let RegValue::Sz(s) | RegValue::ExpandSz(s) = v {
                    if s.contains('\0') {
                        return Err(WriteError(format!("string {s:?} contains a NUL")));
                    }
                }
                push_record(&mut out, rest, value, v.type_number(), &v.to_raw())
            }
            RegOp::DeleteValue => push_record(
                &mut out,
                rest,
                &format!("**del.{value}"),
                super::REG_SZ,
                &space,
            ),
            RegOp::DeleteAllValues => {
                push_record(&mut out, rest, "**delvals.", super::REG_SZ, &space)
            }
            RegOp::DeleteKey => {
                let (parent, child) = rest
                    .rsplit_once('\\')
                    .ok_or_else(|| WriteError(format!("cannot delete the top key {key}")))?;
                push_record(
                    &mut out,
                    parent,
                    "**DeleteKeys",
                    super::REG_SZ,
                    &text::to_utf16le_z(child),
                )
            }
            RegOp::CreateKey => push_record(&mut out, rest, "", super::REG_NONE, &[]),
        }
    }
    Ok(out)
}
