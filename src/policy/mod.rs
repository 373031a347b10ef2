//! Configuration readers: `.reg` exports, secedit / GptTmpl INF, Registry.pol, offline regf hives
//! (SYSTEM, SOFTWARE, and the LSA policy of a SECURITY hive, see [`lsa`]) and auditpol CSV →
//! [`ConfigSource`] (every item with its file and place) → [`HostConfig`] (the effective value
//! of every catalogued setting, with precedence and conflicts).
//!
//! Formats are detected by content ([`detect`]), never by file name. The file name and folder
//! only decide the *scope* (local configuration vs a Group Policy object), see [`scope_for`].
//!
//! Every reader also has a writer (`reg::write`, `inf::write`, `pol::write`) so that later stages
//! can generate remediation and rollback files that read back through the same code.

pub mod auditpol;
pub mod facts;
pub mod hive;
pub mod host;
pub mod inf;
pub mod lsa;
pub mod inputs;
pub mod pol;
pub mod reg;
pub mod settings;
pub mod text;

pub use facts::{Fact, HostFacts, OsVersion};
pub use host::{build_hosts, Conflict, Effective, HostConfig, Observation, ResolvedSetting, Role};
pub use inputs::{read_hosts, ConfigError, ConfigRead};

use std::fmt;
use std::path::{Path, PathBuf};

/// A registry value as Windows stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegValue {
    /// REG_SZ (1)
    Sz(String),
    /// REG_EXPAND_SZ (2)
    ExpandSz(String),
    /// REG_BINARY (3)
    Binary(Vec<u8>),
    /// REG_DWORD (4)
    Dword(u32),
    /// REG_DWORD_BIG_ENDIAN (5)
    DwordBe(u32),
    /// REG_MULTI_SZ (7)
    MultiSz(Vec<String>),
    /// REG_QWORD (11)
    Qword(u64),
    /// REG_NONE (0) or any other type number, with its raw bytes.
    Other { ty: u32, data: Vec<u8> },
}

pub const REG_NONE: u32 = 0;
pub const REG_SZ: u32 = 1;
pub const REG_EXPAND_SZ: u32 = 2;
pub const REG_BINARY: u32 = 3;
pub const REG_DWORD: u32 = 4;
pub const REG_DWORD_BIG_ENDIAN: u32 = 5;
pub const REG_MULTI_SZ: u32 = 7;
pub const REG_QWORD: u32 = 11;

impl RegValue {
    /// The REG_* type number.
    pub fn type_number(&self) -> u32 {
        match self {
            RegValue::Sz(_) => REG_SZ,
            RegValue::ExpandSz(_) => REG_EXPAND_SZ,
            RegValue::Binary(_) => REG_BINARY,
            RegValue::Dword(_) => REG_DWORD,
            RegValue::DwordBe(_) => REG_DWORD_BIG_ENDIAN,
            RegValue::MultiSz(_) => REG_MULTI_SZ,
            RegValue::Qword(_) => REG_QWORD,
            RegValue::Other { ty, .. } => *ty,
        }
    }

    /// Decode raw registry data of type `ty` (strings are UTF-16LE, as in hives and Registry.pol).
    /// Returns `None` when the data cannot be of that type (for example a DWORD that is not 4 bytes).
    pub fn from_raw(ty: u32, data: &[u8]) -> Option<RegValue> {
        Some(match ty {
            REG_SZ => RegValue::Sz(text::utf16le_z(data)),
            REG_EXPAND_SZ => RegValue::ExpandSz(text::utf16le_z(data)),
            REG_BINARY => RegValue::Binary(data.to_vec()),
            REG_DWORD => RegValue::Dword(u32::from_le_bytes(data.get(..4)?.try_into().ok()?)),
            REG_DWORD_BIG_ENDIAN => {
                RegValue::DwordBe(u32::from_be_bytes(data.get(..4)?.try_into().ok()?))
            }
            REG_MULTI_SZ => RegValue::MultiSz(text::utf16le_multi(data)),
            REG_QWORD => RegValue::Qword(u64::from_le_bytes(data.get(..8)?.try_into().ok()?)),
            _ => RegValue::Other {
                ty,
                data: data.to_vec(),
            },
        })
    }

    /// Raw bytes as Windows stores them (strings UTF-16LE with their terminating NUL).
    pub fn to_raw(&self) -> Vec<u8> {
        match self {
            RegValue::Sz(s) | RegValue::ExpandSz(s) => text::to_utf16le_z(s),
            RegValue::Binary(b) | RegValue::Other { data: b, .. } => b.clone(),
            RegValue::Dword(v) => v.to_le_bytes().to_vec(),
            RegValue::DwordBe(v) => v.to_be_bytes().to_vec(),
            RegValue::Qword(v) => v.to_le_bytes().to_vec(),
            RegValue::MultiSz(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.extend(text::to_utf16le_z(item));
                }
                out.extend([0, 0]);
                out
            }
        }
    }

    /// A short human rendering, used in reports.
    pub fn display(&self) -> String {
        match self {
            RegValue::Sz(s) | RegValue::ExpandSz(s) => format!("\"{s}\""),
            RegValue::Dword(v) | RegValue::DwordBe(v) => v.to_string(),
            RegValue::Qword(v) => v.to_string(),
            RegValue::MultiSz(items) => items.join(", "),
            RegValue::Binary(b) | RegValue::Other { data: b, .. } => b
                .iter()
                .map(|x| format!("{x:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// What a registry item does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegOp {
    /// Set the value.
    Set(RegValue),
    /// Delete one value (`"Name"=-` in .reg, `**del.Name` / `**DeleteValues` in Registry.pol).
    DeleteValue,
    /// Delete every value of the key (`**delvals.` in Registry.pol).
    DeleteAllValues,
    /// Delete the key and its subkeys (`[-HKEY_…]` in .reg, `**DeleteKeys` in Registry.pol).
    DeleteKey,
    /// The key exists (a `[HKEY_…]` line with no values, a Registry.pol record with no value name).
    CreateKey,
}

/// One configuration item, independent of the file format it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A registry value. `key` is the full path with the hive abbreviated (`HKLM\SYSTEM\…`,
    /// `HKCU\…`); `value` is the value name (empty for the default value and for key operations).
    Registry {
        key: String,
        value: String,
        op: RegOp,
    },
    /// secedit `[System Access]` `Name = value` (LSAAnonymousNameLookup, EnableGuestAccount…).
    SystemAccess { name: String, value: String },
    /// secedit `[Event Audit]` legacy category audit (0 none, 1 success, 2 failure, 3 both).
    EventAudit { name: String, value: u32 },
    /// secedit `[Privilege Rights]`: a user right and its accounts (`*S-1-…` SIDs, or names).
    Privilege {
        right: String,
        accounts: Vec<String>,
    },
    /// One auditpol subcategory (setting: 0 none, 1 success, 2 failure, 3 both).
    AuditSubcategory {
        guid: String,
        name: String,
        setting: u32,
    },
}

/// Where in a file something was found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum Place {
    /// The whole file.
    File,
    /// A 1-based text line.
    Line(usize),
    /// A byte offset in a binary file.
    Offset(u64),
    /// A key (and value) path in a hive, with the cell's file offset.
    HiveKey { path: String, offset: u64 },
    /// A byte inside a hive value's data (a binary structure such as `Policy\PolAdtEv`): the
    /// key and value path, the file offset of the value's cell, and the offset in the data.
    HiveData { path: String, offset: u64, byte: u64 },
    /// A 1-based CSV row (the header is row 1).
    Row(usize),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::File => write!(f, "file"),
            Place::Line(n) => write!(f, "line {n}"),
            Place::Offset(o) => write!(f, "byte offset {o} (0x{o:x})"),
            Place::HiveKey { path, offset } => write!(f, "key {path} (cell at 0x{offset:x})"),
            Place::HiveData { path, offset, byte } => write!(
                f,
                "key {path} (cell at 0x{offset:x}), value data byte {byte} (0x{byte:x})"
            ),
            Place::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// The reading error type. Every variant names the file, and the place when there is one.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{}: cannot read: {source}", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: empty file", file.display())]
    Empty { file: PathBuf },
    #[error("{}: not a recognised configuration file (expected a .reg export, a secedit/GptTmpl INF, Registry.pol, a regf hive or an auditpol CSV); it starts with {start}", file.display())]
    UnknownFormat { file: PathBuf, start: String },
    #[error("{}: {place}: {message}", file.display())]
    Malformed {
        file: PathBuf,
        place: Place,
        message: String,
    },
    #[error("{}: {place}: truncated: {message}", file.display())]
    Truncated {
        file: PathBuf,
        place: Place,
        message: String,
    },
}

impl PolicyError {
    pub fn file(&self) -> &Path {
        match self {
            PolicyError::Io { file, .. }
            | PolicyError::Empty { file }
            | PolicyError::UnknownFormat { file, .. }
            | PolicyError::Malformed { file, .. }
            | PolicyError::Truncated { file, .. } => file,
        }
    }

    /// Where in the file, when the error has a place.
    pub fn place(&self) -> Option<&Place> {
        match self {
            PolicyError::Malformed { place, .. } | PolicyError::Truncated { place, .. } => {
                Some(place)
            }
            _ => None,
        }
    }
}

/// A value that cannot be written in the requested format (a string with a character the format
/// cannot hold, a list item containing the separator…).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write: {0}")]
pub struct WriteError(pub String);

/// A problem found while parsing, before the file name is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseProblem {
    pub place: Place,
    pub message: String,
    pub truncated: bool,
}

impl ParseProblem {
    pub fn new(place: Place, message: impl Into<String>) -> Self {
        ParseProblem {
            place,
            message: message.into(),
            truncated: false,
        }
    }
    pub fn truncated(place: Place, message: impl Into<String>) -> Self {
        ParseProblem {
            place,
            message: message.into(),
            truncated: true,
        }
    }
    pub fn with_file(self, file: &Path) -> PolicyError {
        let file = file.to_path_buf();
        if self.truncated {
            PolicyError::Truncated {
                file,
                place: self.place,
                message: self.message,
            }
        } else {
            PolicyError::Malformed {
                file,
                place: self.place,
                message: self.message,
            }
        }
    }
}

/// An item with the place it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub item: Item,
    pub place: Place,
}

/// The detected file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// `Windows Registry Editor Version 5.00` (UTF-16LE) or `REGEDIT4`.
    Reg,
    /// secedit /export or GptTmpl.inf.
    Inf,
    /// Registry.pol (PReg).
    RegistryPol,
    /// An offline regf hive.
    Hive,
    /// auditpol /backup CSV (or GPO audit.csv).
    AuditPol,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Reg => ".reg export",
            Format::Inf => "security template (INF)",
            Format::RegistryPol => "Registry.pol",
            Format::Hive => "registry hive",
            Format::AuditPol => "auditpol CSV",
        })
    }
}

/// Whether a file is the host's own configuration or a Group Policy object that applies on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Local,
    Gpo,
}

/// What the absence of a value in a source means. A complete source (a SYSTEM hive, a secedit
/// export) proves that an absent value is unset; a GPO or a partial export proves nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Key prefixes (upper case, ending in `\`) under which the source holds everything.
    pub key_prefixes: Vec<String>,
    /// Keys (upper case) whose values are all present (a .reg key block).
    pub keys: Vec<String>,
    pub system_access: bool,
    pub privilege_rights: bool,
    pub audit_subcategories: bool,
}

impl Coverage {
    pub fn covers_key(&self, key: &str) -> bool {
        let k = key.to_ascii_uppercase();
        self.keys.contains(&k)
            || self
                .key_prefixes
                .iter()
                .any(|p| k.starts_with(p.as_str()) || format!("{k}\\") == *p)
    }
}

/// One configuration file, read.
#[derive(Debug)]
pub struct ConfigSource {
    pub path: PathBuf,
    pub format: Format,
    pub scope: Scope,
    pub entries: Vec<Entry>,
    /// A computer name found inside the file (hive ComputerName, auditpol Machine Name…).
    pub computer_name: Option<String>,
    /// `ProductType` (WinNT / ServerNT / LanmanNT) found inside the file.
    pub product_type: Option<String>,
    /// OS version, DNS name and domain found inside the file.
    pub facts: HostFacts,
    pub coverage: Coverage,
    /// Problems that did not stop the reading (a bad line, a truncated tail). The entries read
    /// before and after them are kept.
    pub problems: Vec<PolicyError>,
    /// Notes that are not errors (a dirty hive, what a SECURITY hive did and did not give).
    pub notes: Vec<String>,
}

pub(crate) const COMPUTER_NAME_KEY: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName";
pub(crate) const PRODUCT_OPTIONS_KEY: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions";

impl ConfigSource {
    fn new(path: &Path, format: Format) -> Self {
        ConfigSource {
            path: path.to_path_buf(),
            format,
            scope: scope_for(path, format),
            entries: Vec::new(),
            computer_name: None,
            product_type: None,
            facts: HostFacts::default(),
            coverage: Coverage::default(),
            problems: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn find_identity(&mut self) {
        for e in &self.entries {
            if let Item::Registry {
                key,
                value,
                op: RegOp::Set(RegValue::Sz(s)),
            } = &e.item
            {
                if key.eq_ignore_ascii_case(COMPUTER_NAME_KEY)
                    && value.eq_ignore_ascii_case("ComputerName")
                    && !s.trim().is_empty()
                {
                    self.computer_name = Some(s.trim().to_string());
                }
                if key.eq_ignore_ascii_case(PRODUCT_OPTIONS_KEY)
                    && value.eq_ignore_ascii_case("ProductType")
                {
                    self.product_type = Some(s.trim().to_string());
                }
            }
        }
    }
}

/// Decide the scope of a file from where it lives: Registry.pol is always Group Policy; a file
/// named `GptTmpl.inf`, or any file in a folder named `Machine` (the layout of a GPO backup and of
/// SYSVOL: `{GUID}\Machine\Microsoft\Windows NT\SecEdit\GptTmpl.inf`, `…\Audit\audit.csv`), is
/// Group Policy. Everything else (hives, .reg and secedit exports, auditpol backups) is local.
pub fn scope_for(path: &Path, format: Format) -> Scope {
    if format == Format::RegistryPol {
        return Scope::Gpo;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.eq_ignore_ascii_case("GptTmpl.inf") {
        return Scope::Gpo;
    }
    let in_machine = path
        .parent()
        .map(|p| {
            p.components().any(|c| {
                c.as_os_str()
                    .to_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case("Machine"))
            })
        })
        .unwrap_or(false);
    if in_machine && format != Format::Hive {
        Scope::Gpo
    } else {
        Scope::Local
    }
}

/// Recognise a configuration file by its content.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"regf") {
        return Some(Format::Hive);
    }
    if bytes.starts_with(b"PReg") {
        return Some(Format::RegistryPol);
    }
    let (txt, _) = text::decode(&bytes[..bytes.len().min(4096)]);
    let first = txt
        .lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'))
        .find(|l| !l.is_empty())?;
    if first.eq_ignore_ascii_case(reg::HEADER_V5) || first.eq_ignore_ascii_case(reg::HEADER_V4) {
        return Some(Format::Reg);
    }
    if first.starts_with('[') {
        let name = first.trim_start_matches('[').trim_end_matches(']').trim();
        if inf::KNOWN_SECTIONS
            .iter()
            .any(|s| s.eq_ignore_ascii_case(name))
        {
            return Some(Format::Inf);
        }
    }
    if txt.contains("$CHICAGO$") {
        return Some(Format::Inf);
    }
    if auditpol::looks_like(first) {
        return Some(Format::AuditPol);
    }
    None
}

/// Read one configuration file. Errors that make the whole file unusable (unreadable, empty,
/// unknown format, a broken header) are returned as `Err`; problems inside an otherwise readable
/// file are kept in [`ConfigSource::problems`] with everything that could still be read.
pub fn read(path: &Path) -> Result<ConfigSource, PolicyError> {
    let bytes = std::fs::read(path).map_err(|source| PolicyError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    read_bytes(path, &bytes)
}

/// [`read`] on bytes already in memory; `path` is used for provenance, scope and messages.
pub fn read_bytes(path: &Path, bytes: &[u8]) -> Result<ConfigSource, PolicyError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace() || *b == 0)
        || bytes == [0xff, 0xfe]
        || bytes == [0xef, 0xbb, 0xbf]
    {
        return Err(PolicyError::Empty {
            file: path.to_path_buf(),
        });
    }
    let format = detect(bytes).ok_or_else(|| PolicyError::UnknownFormat {
        file: path.to_path_buf(),
        start: describe_start(bytes),
    })?;
    let mut src = ConfigSource::new(path, format);
    let fatal = |p: ParseProblem| p.with_file(path);
    let problems = match format {
        Format::Reg => {
            let doc = reg::parse(bytes).map_err(fatal)?;
            src.entries = doc.entries;
            src.coverage.keys = doc.keys.iter().map(|k| k.to_ascii_uppercase()).collect();
            doc.problems
        }
        Format::Inf => {
            let doc = inf::parse(bytes).map_err(fatal)?;
            src.entries = doc.entries;
            if src.scope == Scope::Local {
                src.coverage.system_access = doc.sections.iter().any(|s| s == "system access");
                src.coverage.privilege_rights =
                    doc.sections.iter().any(|s| s == "privilege rights");
            }
            doc.problems
        }
        Format::RegistryPol => {
            let hive = if path.components().any(|c| {
                c.as_os_str()
                    .to_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case("User"))
            }) {
                "HKCU"
            } else {
                "HKLM"
            };
            let doc = pol::parse(bytes, hive).map_err(fatal)?;
            src.entries = doc.entries;
            doc.problems
        }
        Format::Hive => {
            let doc = hive::read_settings(bytes).map_err(fatal)?;
            src.entries = doc.entries;
            src.coverage.key_prefixes = doc.covered_prefixes;
            src.notes = doc.notes;
            doc.problems
        }
        Format::AuditPol => {
            let doc = auditpol::parse(bytes).map_err(fatal)?;
            src.entries = doc.entries;
            src.computer_name = doc.machine_name.clone();
            src.coverage.audit_subcategories = src.scope == Scope::Local;
            doc.problems
        }
    };
    src.problems = problems.into_iter().map(|p| p.with_file(path)).collect();
    src.facts = HostFacts::from_entries(path, &src.entries);
    if src.computer_name.is_none() || src.product_type.is_none() {
        let cn = src.computer_name.take();
        src.find_identity();
        if cn.is_some() {
            src.computer_name = cn;
        }
    }
    Ok(src)
}

fn describe_start(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(16)];
    let printable: String = head
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    let hex: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{printable}\" ({})", hex.join(" "))
}

/// Strip control characters (terminal escapes, NULs, newlines) from text that came from a file.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}
