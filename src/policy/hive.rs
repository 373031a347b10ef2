//! A small reader for offline registry hives (the `regf` format), written from the public format
//! description (libyal/libregf "Windows NT Registry File (REGF) format"). It only looks up the
//! keys nullsight needs, so it never walks a whole, possibly hostile, tree.
//!
//! Layout: a 4096-byte base block (`regf`, sequence numbers at 4 and 8, root cell offset at 36,
//! hive-bins size at 40, XOR checksum of the first 508 bytes at 508), then hive bins (`hbin`)
//! holding cells. A cell is an i32 size (negative when allocated) followed by its data; cell
//! offsets are relative to the first hive bin (file offset 4096). Cells: `nk` key, `vk` value,
//! `lf`/`lh`/`li`/`ri` subkey lists, a plain list of value offsets, `db` big data.
//!
//! Transaction logs (`SYSTEM.LOG1/2`) are not replayed: a dirty hive (sequence numbers differ) is
//! read as it is, with a note.

use super::lsa::{self, PolAdtEvError};
use super::settings::{Location, CATALOGUE};
use super::{Entry, Item, ParseProblem, Place, RegOp, RegValue};
use super::{COMPUTER_NAME_KEY, PRODUCT_OPTIONS_KEY};

const BASE: usize = 4096;
const MAX_LIST: usize = 100_000;

/// A parsed hive (borrowing the file's bytes).
pub struct Hive<'a> {
    data: &'a [u8],
    root: u32,
    pub dirty: bool,
    pub checksum_ok: bool,
}

/// A key node.
#[derive(Debug, Clone)]
pub struct Key {
    /// Cell offset (relative to the first hive bin).
    pub offset: u32,
    pub name: String,
    subkey_count: u32,
    subkey_list: u32,
    value_count: u32,
    value_list: u32,
}

/// A value of a key.
#[derive(Debug, Clone)]
pub struct HiveValue {
    pub name: String,
    pub ty: u32,
    pub data: Vec<u8>,
    /// File offset of the `vk` cell.
    pub file_offset: u64,
}

fn rd_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn rd_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn name_from(bytes: &[u8], compressed: bool) -> String {
    if compressed {
        bytes.iter().map(|&b| b as char).collect()
    } else {
        super::text::utf16le(bytes)
    }
}

impl<'a> Hive<'a> {
    /// Check the base block and the first hive bin.
    pub fn parse(data: &'a [u8]) -> Result<Hive<'a>, ParseProblem> {
        if data.len() < 4 || &data[..4] != b"regf" {
            return Err(ParseProblem::new(
                Place::Offset(0),
                "missing the regf signature",
            ));
        }
        if data.len() < BASE + 32 {
            return Err(ParseProblem::truncated(
                Place::Offset(data.len() as u64),
                format!(
                    "{} bytes: shorter than the base block and one hive bin header",
                    data.len()
                ),
            ));
        }
        let seq1 = rd_u32(data, 4).unwrap_or(0);
        let seq2 = rd_u32(data, 8).unwrap_or(0);
        let root = rd_u32(data, 36).unwrap_or(0);
        let mut x = 0u32;
        for i in 0..127 {
            x ^= rd_u32(data, i * 4).unwrap_or(0);
        }
        let x = match x {
            0 => 1,
            0xffff_ffff => 0xffff_fffe,
            v => v,
        };
        let checksum_ok = rd_u32(data, 508) == Some(x);
        if &data[BASE..BASE + 4] != b"hbin" {
            return Err(ParseProblem::new(
                Place::Offset(BASE as u64),
                "no hbin signature after the base block",
            ));
        }
        Ok(Hive {
            data,
            root,
            dirty: seq1 != seq2,
            checksum_ok,
        })
    }

    /// The data of the allocated cell at `off` (relative offset), without its size field.
    fn cell(&self, off: u32) -> Result<&'a [u8], ParseProblem> {
        let pos = BASE + off as usize;
        let place = Place::Offset(pos as u64);
        let size = self
            .data
            .get(pos..pos + 4)
            .map(|s| i32::from_le_bytes([s[0], s[1], s[2], s[3]]))
            .ok_or_else(|| {
                ParseProblem::truncated(place.clone(), "cell offset past the end of the file")
            })?;
        if size >= 0 {
            return Err(ParseProblem::new(
                place,
                "reference to a free (unallocated) cell",
            ));
        }
        let len = size.unsigned_abs() as usize;
        if len < 8 {
            return Err(ParseProblem::new(
                place,
                format!("cell size {len} is too small"),
            ));
        }
        self.data.get(pos + 4..pos + len).ok_or_else(|| {
            ParseProblem::truncated(
                place,
                format!("cell of {len} bytes runs past the end of the file"),
            )
        })
    }

    fn bad(&self, off: u32, msg: impl Into<String>) -> ParseProblem {
        ParseProblem::new(Place::Offset((BASE + off as usize) as u64), msg)
    }

    /// The key node at a cell offset.
    pub fn key(&self, off: u32) -> Result<Key, ParseProblem> {
        let c = self.cell(off)?;
        if c.get(..2) != Some(b"nk") {
            return Err(self.bad(off, "expected a key node (nk)"));
        }
        let short = || self.bad(off, "key node cell too short");
        let flags = rd_u16(c, 2).ok_or_else(short)?;
        let name_len = rd_u16(c, 72).ok_or_else(short)? as usize;
        let name = c.get(76..76 + name_len).ok_or_else(short)?;
        Ok(Key {
            offset: off,
            name: name_from(name, flags & 0x20 != 0),
            subkey_count: rd_u32(c, 20).ok_or_else(short)?,
            subkey_list: rd_u32(c, 28).ok_or_else(short)?,
            value_count: rd_u32(c, 36).ok_or_else(short)?,
            value_list: rd_u32(c, 40).ok_or_else(short)?,
        })
    }

    pub fn root(&self) -> Result<Key, ParseProblem> {
        self.key(self.root)
    }

    fn list_offsets(&self, off: u32, depth: u8, out: &mut Vec<u32>) -> Result<(), ParseProblem> {
        let c = self.cell(off)?;
        let sig = c.get(..2).unwrap_or(b"");
        let count = rd_u16(c, 2).ok_or_else(|| self.bad(off, "subkey list too short"))? as usize;
        let (step, nested) = match sig {
            b"lf" | b"lh" => (8, false),
            b"li" => (4, false),
            b"ri" if depth == 0 => (4, true),
            _ => return Err(self.bad(off, "expected a subkey list (lf, lh, li or ri)")),
        };
        for i in 0..count {
            let o = rd_u32(c, 4 + i * step)
                .ok_or_else(|| self.bad(off, "subkey list shorter than its count"))?;
            if nested {
                self.list_offsets(o, depth + 1, out)?;
            } else {
                out.push(o);
            }
            if out.len() > MAX_LIST {
                return Err(self.bad(off, "more than 100000 subkeys"));
            }
        }
        Ok(())
    }

    /// The subkeys of a key.
    pub fn subkeys(&self, key: &Key) -> Result<Vec<Key>, ParseProblem> {
        if key.subkey_count == 0 || key.subkey_list == u32::MAX {
            return Ok(Vec::new());
        }
        let mut offs = Vec::new();
        self.list_offsets(key.subkey_list, 0, &mut offs)?;
        offs.into_iter().map(|o| self.key(o)).collect()
    }

    /// A direct subkey by name (case-insensitive).
    pub fn subkey(&self, key: &Key, name: &str) -> Result<Option<Key>, ParseProblem> {
        Ok(self
            .subkeys(key)?
            .into_iter()
            .find(|k| k.name.eq_ignore_ascii_case(name)))
    }

    /// A key by a backslash-separated path below `from`.
    pub fn path(&self, from: &Key, path: &str) -> Result<Option<Key>, ParseProblem> {
        Ok(self.path_with_names(from, path)?.map(|(k, _)| k))
    }

    /// Like [`Hive::path`], also returning the path as the hive spells it.
    pub fn path_with_names(
        &self,
        from: &Key,
        path: &str,
    ) -> Result<Option<(Key, String)>, ParseProblem> {
        let mut k = from.clone();
        let mut names = Vec::new();
        for part in path.split('\\').filter(|p| !p.is_empty()) {
            match self.subkey(&k, part)? {
                Some(next) => {
                    names.push(next.name.clone());
                    k = next;
                }
                None => return Ok(None),
            }
        }
        Ok(Some((k, names.join("\\"))))
    }

    /// The values of a key.
    pub fn values(&self, key: &Key) -> Result<Vec<HiveValue>, ParseProblem> {
        if key.value_count == 0 || key.value_list == u32::MAX {
            return Ok(Vec::new());
        }
        if key.value_count as usize > MAX_LIST {
            return Err(self.bad(key.offset, "more than 100000 values"));
        }
        let list = self.cell(key.value_list)?;
        let mut out = Vec::new();
        for i in 0..key.value_count as usize {
            let off = rd_u32(list, i * 4)
                .ok_or_else(|| self.bad(key.value_list, "value list shorter than its count"))?;
            out.push(self.value(off)?);
        }
        Ok(out)
    }

    fn value(&self, off: u32) -> Result<HiveValue, ParseProblem> {
        let c = self.cell(off)?;
        if c.get(..2) != Some(b"vk") {
            return Err(self.bad(off, "expected a value (vk)"));
        }
        let short = || self.bad(off, "value cell too short");
        let name_len = rd_u16(c, 2).ok_or_else(short)? as usize;
        let size = rd_u32(c, 4).ok_or_else(short)?;
        let data_off = rd_u32(c, 8).ok_or_else(short)?;
        let ty = rd_u32(c, 12).ok_or_else(short)?;
        let flags = rd_u16(c, 16).ok_or_else(short)?;
        let name = name_from(c.get(20..20 + name_len).ok_or_else(short)?, flags & 1 != 0);
        let len = (size & 0x7fff_ffff) as usize;
        let data = if size & 0x8000_0000 != 0 {
            data_off.to_le_bytes()[..len.min(4)].to_vec()
        } else if len == 0 {
            Vec::new()
        } else {
            let d = self.cell(data_off)?;
            if d.get(..2) == Some(b"db") && len > 16344 {
                self.big_data(data_off, d, len)?
            } else {
                d.get(..len)
                    .ok_or_else(|| {
                        self.bad(
                            data_off,
                            format!("value {name}: data cell smaller than {len} bytes"),
                        )
                    })?
                    .to_vec()
            }
        };
        Ok(HiveValue {
            name,
            ty,
            data,
            file_offset: (BASE + off as usize) as u64,
        })
    }

    fn big_data(&self, off: u32, d: &[u8], len: usize) -> Result<Vec<u8>, ParseProblem> {
        let count = rd_u16(d, 2).ok_or_else(|| self.bad(off, "db cell too short"))? as usize;
        let list = self.cell(rd_u32(d, 4).ok_or_else(|| self.bad(off, "db cell too short"))?)?;
        let mut out = Vec::with_capacity(len.min(1 << 20));
        for i in 0..count {
            let seg =
                rd_u32(list, i * 4).ok_or_else(|| self.bad(off, "db segment list too short"))?;
            let s = self.cell(seg)?;
            let take = (len - out.len()).min(s.len()).min(16344);
            out.extend(&s[..take]);
            if out.len() >= len {
                break;
            }
        }
        if out.len() < len {
            return Err(self.bad(off, "big data shorter than its size"));
        }
        Ok(out)
    }
}

/// What a hive gave nullsight.
#[derive(Debug, Clone, Default)]
pub struct HiveDocument {
    /// `SYSTEM`, `SOFTWARE`, `SECURITY`, `SAM` or `unknown`.
    pub kind: String,
    pub entries: Vec<Entry>,
    /// Key prefixes (upper case) that this hive holds completely.
    pub covered_prefixes: Vec<String>,
    pub notes: Vec<String>,
    pub problems: Vec<ParseProblem>,
}

/// The registry keys (abbreviated form) whose values nullsight reads from hives.
pub fn wanted_keys() -> Vec<String> {
    let mut keys: Vec<String> = CATALOGUE
        .iter()
        .filter_map(|s| match s.location {
            Location::Registry { key, .. } => Some(key.to_string()),
            _ => None,
        })
        .collect();
    keys.push(COMPUTER_NAME_KEY.to_string());
    keys.push(PRODUCT_OPTIONS_KEY.to_string());
    keys.push(super::facts::CURRENT_VERSION_KEY.to_string());
    keys.push(super::facts::TCPIP_KEY.to_string());
    keys.sort_by_key(|k| k.to_ascii_uppercase());
    keys.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    keys
}

/// Read the settings nullsight needs from a SYSTEM, SOFTWARE or SECURITY hive. SYSTEM's
/// CurrentControlSet is resolved through `Select\Current`. From a SECURITY hive: the audit
/// policy (`Policy\PolAdtEv`) and anonymous SID/name translation (`Policy\SecDesc`), see
/// [`super::lsa`]; notes say what was and was not decoded.
pub fn read_settings(bytes: &[u8]) -> Result<HiveDocument, ParseProblem> {
    let hive = Hive::parse(bytes)?;
    let root = hive.root()?;
    let mut doc = HiveDocument::default();
    if hive.dirty {
        doc.notes.push("the hive is dirty (its sequence numbers differ): changes still in SYSTEM.LOG1/LOG2 were not applied".into());
    }
    if !hive.checksum_ok {
        doc.notes
            .push("the base block checksum does not match".into());
    }
    let children: Vec<String> = hive.subkeys(&root)?.into_iter().map(|k| k.name).collect();
    let has = |n: &str| children.iter().any(|c| c.eq_ignore_ascii_case(n));
    let (kind, mount, control_set) = if has("Select") {
        let select = hive
            .subkey(&root, "Select")?
            .ok_or_else(|| hive.bad(root.offset, "Select vanished"))?;
        let current = hive
            .values(&select)?
            .into_iter()
            .find(|v| v.name.eq_ignore_ascii_case("Current"))
            .and_then(|v| rd_u32(&v.data, 0));
        let n = match current {
            Some(n) => n,
            None => {
                doc.problems.push(ParseProblem::new(
                    Place::HiveKey {
                        path: "Select".into(),
                        offset: (BASE + select.offset as usize) as u64,
                    },
                    "Select\\Current is missing or not a DWORD; using ControlSet001",
                ));
                1
            }
        };
        ("SYSTEM", "HKLM\\SYSTEM", Some(format!("ControlSet{n:03}")))
    } else if has("Policy") && !has("Microsoft") {
        read_security(&hive, &root, &mut doc);
        ("SECURITY", "HKLM\\SECURITY", None)
    } else if has("Microsoft") {
        ("SOFTWARE", "HKLM\\SOFTWARE", None)
    } else if has("SAM") {
        ("SAM", "HKLM\\SAM", None)
    } else {
        doc.notes
            .push("not a SYSTEM, SOFTWARE or SECURITY hive: nothing read".into());
        ("unknown", "", None)
    };
    doc.kind = kind.to_string();
    if kind != "SYSTEM" && kind != "SOFTWARE" {
        return Ok(doc);
    }
    let ccs_prefix = format!("{mount}\\CurrentControlSet\\");
    let plain_prefix = format!("{mount}\\");
    if let Some(cs) = &control_set {
        if hive.subkey(&root, cs)?.is_none() {
            doc.problems.push(ParseProblem::new(
                Place::HiveKey {
                    path: cs.clone(),
                    offset: (BASE + root.offset as usize) as u64,
                },
                format!("Select\\Current points to {cs}, which does not exist"),
            ));
            return Ok(doc);
        }
        doc.covered_prefixes.push(ccs_prefix.to_ascii_uppercase());
    } else {
        doc.covered_prefixes.push(plain_prefix.to_ascii_uppercase());
    }
    for key in wanted_keys() {
        let upper = key.to_ascii_uppercase();
        let hive_path = if let Some(cs) = &control_set {
            match upper.strip_prefix(&ccs_prefix.to_ascii_uppercase()) {
                Some(_) => format!("{cs}\\{}", &key[ccs_prefix.len()..]),
                None => continue,
            }
        } else {
            match upper.strip_prefix(&plain_prefix.to_ascii_uppercase()) {
                Some(_) => key[plain_prefix.len()..].to_string(),
                None => continue,
            }
        };
        let found = hive
            .path_with_names(&root, &hive_path)
            .and_then(|k| match k {
                Some((k, real)) => hive.values(&k).map(|v| Some((real, v))),
                None => Ok(None),
            });
        match found {
            Ok(Some((real_path, values))) => {
                for v in values {
                    let place = Place::HiveKey {
                        path: format!("{real_path}\\{}", v.name),
                        offset: v.file_offset,
                    };
                    match RegValue::from_raw(v.ty, &v.data) {
                        Some(value) => doc.entries.push(Entry {
                            item: Item::Registry {
                                key: key.clone(),
                                value: v.name,
                                op: RegOp::Set(value),
                            },
                            place,
                        }),
                        None => doc.problems.push(ParseProblem::new(
                            place,
                            format!(
                                "{} bytes cannot hold a value of type {}",
                                v.data.len(),
                                v.ty
                            ),
                        )),
                    }
                }
            }
            Ok(None) => {}
            Err(p) => doc.problems.push(ParseProblem {
                message: format!("reading {hive_path}: {}", p.message),
                ..p
            }),
        }
    }
    Ok(doc)
}

/// The default (unnamed) value of the LSA policy attribute `Policy\<name>`, with the key path
/// as the hive spells it.
fn lsa_attribute(
    hive: &Hive<'_>,
    root: &Key,
    name: &str,
) -> Result<Option<(String, HiveValue)>, ParseProblem> {
    let Some((key, real)) = hive.path_with_names(root, &format!("Policy\\{name}"))? else {
        return Ok(None);
    };
    Ok(hive
        .values(&key)?
        .into_iter()
        .find(|v| v.name.is_empty())
        .map(|v| (format!("{real}\\(default)"), v)))
}

fn data_place(path: &str, v: &HiveValue, at: usize) -> Place {
    Place::HiveData {
        path: path.to_string(),
        offset: v.file_offset,
        byte: at as u64,
    }
}

/// The LSA policy of a SECURITY hive: audit policy and anonymous SID/name translation.
fn read_security(hive: &Hive<'_>, root: &Key, doc: &mut HiveDocument) {
    match lsa_attribute(hive, root, "PolAdtEv") {
        Ok(Some((path, v))) => read_poladtev(&path, &v, doc),
        Ok(None) => doc.notes.push(
            "SECURITY hive: no Policy\\PolAdtEv default value: the audit policy is not shown by this hive".into(),
        ),
        Err(p) => doc.problems.push(ParseProblem {
            message: format!("reading Policy\\PolAdtEv: {}", p.message),
            ..p
        }),
    }
    match lsa_attribute(hive, root, "SecDesc") {
        Ok(Some((path, v))) => read_secdesc(&path, &v, doc),
        Ok(None) => doc.notes.push(
            "SECURITY hive: no Policy\\SecDesc default value: anonymous SID/name translation (LSAAnonymousNameLookup) is not shown by this hive".into(),
        ),
        Err(p) => doc.problems.push(ParseProblem {
            message: format!("reading Policy\\SecDesc: {}", p.message),
            ..p
        }),
    }
    doc.notes.push("SECURITY hive: only the audit policy (Policy\\PolAdtEv) and anonymous SID/name translation (Policy\\SecDesc) are decoded; user rights (Policy\\Accounts) and the other LSA policy values are not: give a secedit /export INF for them".into());
}

fn read_poladtev(path: &str, v: &HiveValue, doc: &mut HiveDocument) {
    match lsa::decode_poladtev(&v.data) {
        Ok(policy) => {
            for s in &policy.settings {
                doc.entries.push(Entry {
                    item: Item::AuditSubcategory {
                        guid: s.subcategory.guid.to_string(),
                        name: s.subcategory.name.to_string(),
                        setting: s.setting,
                    },
                    place: data_place(path, v, s.at),
                });
            }
            for (sub, n, at) in &policy.bad_values {
                doc.problems.push(ParseProblem::new(
                    data_place(path, v, *at),
                    format!(
                        "PolAdtEv: {} is {n}, not an audit setting (0 none, 1 success, 2 failure, 3 both); ignored",
                        sub.name
                    ),
                ));
            }
            let l = policy.layout;
            doc.notes.push(format!(
                "SECURITY hive: audit policy read from {path} ({} bytes, {} subcategories: the {} layout; sources: {})",
                v.data.len(),
                l.values(),
                l.windows,
                l.sources
            ));
            if !policy.contested.is_empty() {
                let names: Vec<&str> = policy.contested.iter().map(|s| s.name).collect();
                doc.notes.push(format!(
                    "SECURITY hive: {path}: not decoded, because the public sources disagree on their position in the {} layout: {} ({}); give an auditpol /backup CSV for them",
                    l.windows,
                    names.join(", "),
                    l.contested_why
                ));
            }
        }
        Err(PolAdtEvError::Unrecognised { len, counts }) => {
            let counts: Vec<String> = counts.iter().map(u16::to_string).collect();
            doc.notes.push(format!(
                "{}: unrecognised PolAdtEv layout ({len} bytes, {} categories with {} subcategories): no public source describes it, so the audit policy is not decoded; give an auditpol /backup CSV for this host",
                data_place(path, v, 0),
                counts.len(),
                counts.join("/")
            ));
        }
        Err(PolAdtEvError::Malformed {
            at,
            message,
            truncated,
        }) => {
            let message = format!("PolAdtEv: {message}; the audit policy is not decoded");
            doc.problems.push(if truncated {
                ParseProblem::truncated(data_place(path, v, at), message)
            } else {
                ParseProblem::new(data_place(path, v, at), message)
            });
        }
    }
}

fn read_secdesc(path: &str, v: &HiveValue, doc: &mut HiveDocument) {
    let sd = match lsa::parse_security_descriptor(&v.data) {
        Ok(sd) => sd,
        Err(e) => {
            let message = format!(
                "SecDesc (the LSA policy object's security descriptor): {}; anonymous SID/name translation is not decoded",
                e.message
            );
            doc.problems.push(if e.truncated {
                ParseProblem::truncated(data_place(path, v, e.at), message)
            } else {
                ParseProblem::new(data_place(path, v, e.at), message)
            });
            return;
        }
    };
    match lsa::anonymous_lookup(&sd) {
        Ok(d) => {
            let at = d
                .ace
                .as_ref()
                .map(|a| a.offset)
                .or(sd.dacl.as_ref().map(|a| a.offset))
                .unwrap_or(0);
            doc.entries.push(Entry {
                item: Item::SystemAccess {
                    name: "LSAAnonymousNameLookup".into(),
                    value: if d.granted { "1" } else { "0" }.into(),
                },
                place: data_place(path, v, at),
            });
            let mut note = format!(
                "SECURITY hive: LSAAnonymousNameLookup = {} from {path}: ANONYMOUS LOGON {} POLICY_LOOKUP_NAMES on the LSA policy object ({})",
                u8::from(d.granted),
                if d.granted { "has" } else { "does not have" },
                d.why
            );
            if !d.granted {
                if let Ok(e) = lsa::access(
                    &sd,
                    &[lsa::ANONYMOUS_LOGON, lsa::EVERYONE],
                    lsa::POLICY_LOOKUP_NAMES,
                ) {
                    if e.granted {
                        note.push_str(&format!(
                            "; but with EveryoneIncludesAnonymous = 1 the Everyone ACE would grant it ({})",
                            e.why
                        ));
                    }
                }
            }
            doc.notes.push(note);
        }
        Err(why) => doc.notes.push(format!(
            "SECURITY hive: {path}: anonymous SID/name translation not decided: {why}"
        )),
    }
}

/// A minimal hive writer: enough to build test fixtures and lab hives byte by byte (one hive
/// bin, `lh` subkey lists, names stored as ASCII when they are ASCII).
pub mod build {
    /// A key to write.
    #[derive(Debug, Clone, Default)]
    pub struct Node {
        pub name: String,
        /// (name, REG_* type, raw data)
        pub values: Vec<(String, u32, Vec<u8>)>,
        pub children: Vec<Node>,
    }

    impl Node {
        pub fn new(name: &str) -> Node {
            Node {
                name: name.to_string(),
                ..Default::default()
            }
        }
        pub fn value(mut self, name: &str, ty: u32, data: Vec<u8>) -> Node {
            self.values.push((name.to_string(), ty, data));
            self
        }
        pub fn dword(self, name: &str, v: u32) -> Node {
            self.value(name, super::super::REG_DWORD, v.to_le_bytes().to_vec())
        }
        pub fn child(mut self, c: Node) -> Node {
            self.children.push(c);
            self
        }
        /// Find or create the path `a\b\c` below this node and return it.
        pub fn at(&mut self, path: &str) -> &mut Node {
            let mut n = self;
            for part in path.split('\\') {
                let i = match n
                    .children
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(part))
                {
                    Some(i) => i,
                    None => {
                        n.children.push(Node::new(part));
                        n.children.len() - 1
                    }
                };
                n = &mut n.children[i];
            }
            n
        }
    }

    struct Bin {
        cells: Vec<u8>,
    }

    impl Bin {
        /// Append a cell; returns its offset relative to the first hive bin.
        fn cell(&mut self, data: &[u8]) -> u32 {
            let off = 32 + self.cells.len() as u32;
            let len = (data.len() + 4).div_ceil(8) * 8;
            self.cells.extend((-(len as i32)).to_le_bytes());
            self.cells.extend(data);
            self.cells
                .resize(self.cells.len() + len - 4 - data.len(), 0);
            off
        }
    }

    fn name_bytes(name: &str) -> (Vec<u8>, bool) {
        if name.is_ascii() {
            (name.as_bytes().to_vec(), true)
        } else {
            (
                name.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
                false,
            )
        }
    }

    fn write_node(bin: &mut Bin, node: &Node, root: bool) -> u32 {
        let child_offs: Vec<u32> = node
            .children
            .iter()
            .map(|c| write_node(bin, c, false))
            .collect();
        let list = if child_offs.is_empty() {
            u32::MAX
        } else {
            let mut l = b"lh".to_vec();
            l.extend((child_offs.len() as u16).to_le_bytes());
            for (o, c) in child_offs.iter().zip(&node.children) {
                l.extend(o.to_le_bytes());
                let h = c
                    .name
                    .to_uppercase()
                    .chars()
                    .fold(0u32, |h, ch| h.wrapping_mul(37).wrapping_add(ch as u32));
                l.extend(h.to_le_bytes());
            }
            bin.cell(&l)
        };
        let mut vks = Vec::new();
        for (name, ty, data) in &node.values {
            let (nb, ascii) = name_bytes(name);
            let (size, doff) = if data.len() <= 4 {
                let mut inline = [0u8; 4];
                inline[..data.len()].copy_from_slice(data);
                (data.len() as u32 | 0x8000_0000, u32::from_le_bytes(inline))
            } else {
                (data.len() as u32, bin.cell(data))
            };
            let mut vk = b"vk".to_vec();
            vk.extend((nb.len() as u16).to_le_bytes());
            vk.extend(size.to_le_bytes());
            vk.extend(doff.to_le_bytes());
            vk.extend(ty.to_le_bytes());
            vk.extend((ascii as u16).to_le_bytes());
            vk.extend([0, 0]);
            vk.extend(&nb);
            vks.push(bin.cell(&vk));
        }
        let vlist = if vks.is_empty() {
            u32::MAX
        } else {
            bin.cell(&vks.iter().flat_map(|o| o.to_le_bytes()).collect::<Vec<_>>())
        };
        let (nb, ascii) = name_bytes(&node.name);
        let mut nk = b"nk".to_vec();
        let flags: u16 = if ascii { 0x20 } else { 0 } | if root { 0x0c } else { 0 };
        nk.extend(flags.to_le_bytes());
        nk.extend([0u8; 8]); // last written
        nk.extend([0u8; 4]); // access bits
        nk.extend(0u32.to_le_bytes()); // parent (not used by readers of this writer)
        nk.extend((child_offs.len() as u32).to_le_bytes());
        nk.extend(0u32.to_le_bytes());
        nk.extend(list.to_le_bytes());
        nk.extend(u32::MAX.to_le_bytes());
        nk.extend((vks.len() as u32).to_le_bytes());
        nk.extend(vlist.to_le_bytes());
        nk.extend(u32::MAX.to_le_bytes()); // security
        nk.extend(u32::MAX.to_le_bytes()); // class name
        nk.extend([0u8; 20]); // max lengths, work var
        nk.extend((nb.len() as u16).to_le_bytes());
        nk.extend(0u16.to_le_bytes());
        nk.extend(&nb);
        bin.cell(&nk)
    }

    /// The bytes of a hive whose root key is `root`.
    pub fn hive_bytes(root: &Node) -> Vec<u8> {
        let mut bin = Bin { cells: Vec::new() };
        let root_off = write_node(&mut bin, root, true);
        let bin_size = (32 + bin.cells.len()).div_ceil(4096) * 4096;
        let mut out = vec![0u8; 4096];
        out[..4].copy_from_slice(b"regf");
        out[4..8].copy_from_slice(&1u32.to_le_bytes());
        out[8..12].copy_from_slice(&1u32.to_le_bytes());
        out[20..24].copy_from_slice(&1u32.to_le_bytes());
        out[24..28].copy_from_slice(&5u32.to_le_bytes());
        out[32..36].copy_from_slice(&1u32.to_le_bytes());
        out[36..40].copy_from_slice(&root_off.to_le_bytes());
        out[40..44].copy_from_slice(&(bin_size as u32).to_le_bytes());
        out[44..48].copy_from_slice(&1u32.to_le_bytes());
        let mut x = 0u32;
        for i in 0..127 {
            x ^= u32::from_le_bytes(out[i * 4..i * 4 + 4].try_into().unwrap_or([0; 4]));
        }
        let x = match x {
            0 => 1,
            0xffff_ffff => 0xffff_fffe,
            v => v,
        };
        out[508..512].copy_from_slice(&x.to_le_bytes());
        let mut hbin = b"hbin".to_vec();
        hbin.extend(0u32.to_le_bytes());
        hbin.extend((bin_size as u32).to_le_bytes());
        hbin.resize(32, 0);
        hbin.extend(&bin.cells);
        // the rest of the bin is one free cell
        let free = bin_size - hbin.len();
        if free >= 8 {
            hbin.extend((free as i32).to_le_bytes());
        }
        hbin.resize(bin_size, 0);
        out.extend(hbin);
        out
    }
}
