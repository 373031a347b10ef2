//! Security templates: `secedit /export` output and GPO `GptTmpl.inf` (UTF-16LE with BOM, CRLF).
//! Reader and writer.
//!
//! Sections read (reference D.2): `[System Access]` (`Key = value`), `[Event Audit]`,
//! `[Registry Values]` (`MACHINE\Path\Name=<type>,<data>`, DWORDs in decimal, multi-strings
//! comma-separated), `[Privilege Rights]` (`SeRight = *SID,*SID,Name`). Other sections are
//! recognised and skipped.

use super::settings::account_to_sid;
use super::text::{self, TextEncoding};
use super::{Entry, Item, ParseProblem, Place, RegOp, RegValue, WriteError};

/// Section names that identify a security template.
pub const KNOWN_SECTIONS: &[&str] = &[
    "Unicode",
    "Version",
    "System Access",
    "Event Audit",
    "Registry Values",
    "Privilege Rights",
    "Kerberos Policy",
    "Service General Setting",
    "Registry Keys",
    "File Security",
    "Group Membership",
    "Profile Description",
    "System Log",
    "Security Log",
    "Application Log",
];

/// Sections whose lines must be `Key = value`.
const KEY_VALUE_SECTIONS: &[&str] = &[
    "unicode",
    "version",
    "system access",
    "event audit",
    "registry values",
    "privilege rights",
    "kerberos policy",
    "system log",
    "security log",
    "application log",
    "group membership",
];

#[derive(Debug, Clone, Default)]
pub struct InfDocument {
    pub entries: Vec<Entry>,
    /// Section names seen, lower case.
    pub sections: Vec<String>,
    pub problems: Vec<ParseProblem>,
}

/// Parse a security template. `Err` only when the file has no section at all.
pub fn parse(bytes: &[u8]) -> Result<InfDocument, ParseProblem> {
    let (txt, enc) = text::decode(bytes);
    let mut doc = InfDocument::default();
    if bytes.len() % 2 == 1 && enc == TextEncoding::Utf16Le {
        doc.problems.push(ParseProblem::truncated(
            Place::Offset(bytes.len() as u64 - 1),
            "odd number of bytes in a UTF-16LE file (cut in the middle of a character)",
        ));
    }
    let mut section: Option<String> = None;
    for (n, line) in text::numbered_lines(&txt) {
        let l = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if l.is_empty() || l.starts_with(';') {
            continue;
        }
        let place = Place::Line(n);
        if let Some(inner) = l.strip_prefix('[') {
            match inner.strip_suffix(']') {
                Some(name) => {
                    let name = name.trim().to_ascii_lowercase();
                    doc.sections.push(name.clone());
                    section = Some(name);
                }
                None => {
                    doc.problems
                        .push(ParseProblem::new(place, "section line without a closing ]"));
                    section = None;
                }
            }
            continue;
        }
        let Some(sec) = section.as_deref() else {
            doc.problems
                .push(ParseProblem::new(place, "text before the first [Section]"));
            continue;
        };
        if !KEY_VALUE_SECTIONS.contains(&sec) {
            continue;
        }
        let Some((key, value)) = l.split_once('=') else {
            doc.problems
                .push(ParseProblem::new(place, "expected \"Key = value\""));
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() {
            doc.problems.push(ParseProblem::new(
                place,
                "expected \"Key = value\" (empty key)",
            ));
            continue;
        }
        let item = match sec {
            "system access" => Item::SystemAccess {
                name: key.to_string(),
                value: unquote(value),
            },
            "event audit" => match value.parse::<u32>() {
                Ok(v) => Item::EventAudit {
                    name: key.to_string(),
                    value: v,
                },
                Err(_) => {
                    doc.problems.push(ParseProblem::new(
                        place,
                        format!("{key}: expected a number 0-3, found \"{value}\""),
                    ));
                    continue;
                }
            },
            "privilege rights" => Item::Privilege {
                right: key.to_string(),
                accounts: value
                    .split(',')
                    .map(|a| a.trim())
                    .filter(|a| !a.is_empty())
                    .map(account_to_sid)
                    .collect(),
            },
            "registry values" => match registry_value(key, value) {
                Ok(item) => item,
                Err(msg) => {
                    doc.problems
                        .push(ParseProblem::new(place, format!("{key}: {msg}")));
                    continue;
                }
            },
            _ => continue,
        };
        doc.entries.push(Entry { item, place });
    }
    if doc.sections.is_empty() {
        return Err(ParseProblem::new(Place::File, "no [Section] found"));
    }
    Ok(doc)
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        s[1..s.len() - 1].replace("\"\"", "\"")
    } else {
        s.to_string()
    }
}

fn registry_value(path: &str, data: &str) -> Result<Item, String> {
    let (root, rest) = path
        .split_once('\\')
        .ok_or("expected MACHINE\\…\\ValueName")?;
    let hive = if root.eq_ignore_ascii_case("MACHINE") {
        "HKLM"
    } else if root.eq_ignore_ascii_case("USER") {
        "HKCU"
    } else {
        return Err(format!(
            "unknown root \"{root}\" (expected MACHINE or USER)"
        ));
    };
    let (key, name) = rest
        .rsplit_once('\\')
        .ok_or("expected MACHINE\\Key\\ValueName")?;
    let (ty, payload) = match data.split_once(',') {
        Some((t, p)) => (t.trim(), Some(p)),
        None => (data.trim(), None),
    };
    let ty: u32 = ty
        .parse()
        .map_err(|_| format!("expected \"<type>,<data>\", found \"{data}\""))?;
    let value = match (ty, payload) {
        (super::REG_SZ, p) => RegValue::Sz(unquote(p.unwrap_or(""))),
        (super::REG_EXPAND_SZ, p) => RegValue::ExpandSz(unquote(p.unwrap_or(""))),
        (super::REG_MULTI_SZ, p) => RegValue::MultiSz(
            p.unwrap_or("")
                .split(',')
                .map(unquote)
                .filter(|s| !s.is_empty())
                .collect(),
        ),
        (super::REG_DWORD, Some(p)) => {
            RegValue::Dword(p.trim().parse().map_err(|_| {
                format!("REG_DWORD must be a decimal number, found \"{}\"", p.trim())
            })?)
        }
        (super::REG_BINARY, p) => {
            let mut bytes = Vec::new();
            for b in p
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|b| !b.is_empty())
            {
                bytes.push(
                    u8::from_str_radix(b, 16).map_err(|_| format!("bad binary byte \"{b}\""))?,
                );
            }
            RegValue::Binary(bytes)
        }
        (super::REG_DWORD, None) => return Err("REG_DWORD without data".into()),
        (ty, p) => RegValue::Other {
            ty,
            data: p.unwrap_or("").as_bytes().to_vec(),
        },
    };
    Ok(Item::Registry {
        key: format!("{hive}\\{key}"),
        value: name.to_string(),
        op: RegOp::Set(value),
    })
}

fn check_line_text(what: &str, s: &str) -> Result<(), WriteError> {
    if s.contains(['\r', '\n', '\0']) {
        return Err(WriteError(format!(
            "{what} {s:?} contains a line break or NUL"
        )));
    }
    Ok(())
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Write a security template (UTF-16LE with BOM, CRLF) with `[Unicode]`, `[System Access]`,
/// `[Event Audit]`, `[Registry Values]`, `[Privilege Rights]` and `[Version]`. Registry values
/// must be `Set` under HKLM or HKCU with type 1, 2, 3, 4 or 7; accounts that are SIDs get a `*`.
pub fn write(items: &[Item]) -> Result<Vec<u8>, WriteError> {
    let mut system = Vec::new();
    let mut audit = Vec::new();
    let mut regs = Vec::new();
    let mut rights = Vec::new();
    for item in items {
        match item {
            Item::SystemAccess { name, value } => {
                check_line_text("name", name)?;
                check_line_text("value", value)?;
                if name.contains('=') {
                    return Err(WriteError(format!("name {name:?} contains '='")));
                }
                let v = if value.parse::<i64>().is_ok() {
                    value.clone()
                } else {
                    quote(value)
                };
                system.push(format!("{name} = {v}"));
            }
            Item::EventAudit { name, value } => {
                check_line_text("name", name)?;
                audit.push(format!("{name} = {value}"));
            }
            Item::Privilege { right, accounts } => {
                check_line_text("right", right)?;
                let mut list = Vec::new();
                for a in accounts {
                    check_line_text("account", a)?;
                    if a.contains(',') {
                        return Err(WriteError(format!("account {a:?} contains a comma")));
                    }
                    list.push(if a.to_ascii_uppercase().starts_with("S-1-") {
                        format!("*{a}")
                    } else {
                        a.clone()
                    });
                }
                rights.push(format!("{right} = {}", list.join(",")));
            }
            Item::Registry {
                key,
                value,
                op: RegOp::Set(v),
            } => {
                let (root, rest) = key.split_once('\\').unwrap_or((key, ""));
                let root = match root.to_ascii_uppercase().as_str() {
                    "HKLM" | "HKEY_LOCAL_MACHINE" => "MACHINE",
                    "HKCU" | "HKEY_CURRENT_USER" => "USER",
                    _ => return Err(WriteError(format!("key {key:?} is not under HKLM or HKCU"))),
                };
                check_line_text("key", key)?;
                check_line_text("value name", value)?;
                if value.is_empty() || value.contains(['\\', '=']) || rest.contains('=') {
                    return Err(WriteError(format!(
                        "value name {value:?} in {key:?} cannot be written in [Registry Values]"
                    )));
                }
                let data = match v {
                    RegValue::Sz(s) => {
                        check_line_text("string", s)?;
                        format!("1,{}", quote(s))
                    }
                    RegValue::ExpandSz(s) => {
                        check_line_text("string", s)?;
                        format!("2,{}", quote(s))
                    }
                    RegValue::Binary(b) => format!(
                        "3,{}",
                        b.iter()
                            .map(|x| format!("{x:02x}"))
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                    RegValue::Dword(d) => format!("4,{d}"),
                    RegValue::MultiSz(list) => {
                        for s in list {
                            check_line_text("list item", s)?;
                            if s.contains([',', '"']) || s.is_empty() {
                                return Err(WriteError(format!(
                                    "list item {s:?} cannot be written in [Registry Values]"
                                )));
                            }
                        }
                        format!("7,{}", list.join(","))
                    }
                    other => {
                        return Err(WriteError(format!(
                            "type {} cannot be written in [Registry Values]",
                            other.type_number()
                        )))
                    }
                };
                regs.push(format!("{root}\\{rest}\\{value}={data}"));
            }
            Item::Registry { key, value, op } => {
                return Err(WriteError(format!(
                    "a security template cannot express {op:?} for {key}\\{value}"
                )))
            }
            Item::AuditSubcategory { .. } => {
                return Err(WriteError(
                    "advanced audit policy belongs in audit.csv, not in an INF".into(),
                ))
            }
        }
    }
    let mut out = String::from("[Unicode]\r\nUnicode=yes\r\n");
    for (name, lines) in [
        ("System Access", &system),
        ("Event Audit", &audit),
        ("Registry Values", &regs),
        ("Privilege Rights", &rights),
    ] {
        if lines.is_empty() {
            continue;
        }
        out.push_str(&format!("[{name}]\r\n"));
        for l in lines {
            out.push_str(l);
            out.push_str("\r\n");
        }
    }
    out.push_str("[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n");
    Ok(text::to_utf16le_bom(&out))
}
