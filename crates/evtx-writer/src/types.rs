//! Value types of an event: GUIDs, SIDs, FILETIMEs and typed `<Data>` values.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A Windows FILETIME: 100-nanosecond intervals since 1601-01-01 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileTime(pub u64);

/// 100 ns intervals between 1601-01-01 and 1970-01-01.
const UNIX_EPOCH_AS_FILETIME: u64 = 116_444_736_000_000_000;

impl FileTime {
    /// The FILETIME of a Unix time (seconds and nanoseconds since 1970-01-01 UTC).
    ///
    /// Nanoseconds are truncated to the FILETIME resolution of 100 ns. Times before 1970 are
    /// not supported (they saturate at the Unix epoch), which no generated log needs.
    pub fn from_unix(secs: i64, nanos: u32) -> FileTime {
        let secs = secs.max(0) as u64;
        FileTime(UNIX_EPOCH_AS_FILETIME + secs * 10_000_000 + u64::from(nanos / 100))
    }

    /// The FILETIME of a [`std::time::SystemTime`] (saturating at the Unix epoch).
    pub fn from_system_time(t: std::time::SystemTime) -> FileTime {
        let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        FileTime::from_unix(d.as_secs() as i64, d.subsec_nanos())
    }

    /// Seconds and nanoseconds since the Unix epoch (negative seconds before 1970).
    pub fn to_unix(self) -> (i64, u32) {
        let rel = self.0 as i128 - UNIX_EPOCH_AS_FILETIME as i128;
        let secs = rel.div_euclid(10_000_000) as i64;
        let nanos = (rel.rem_euclid(10_000_000) * 100) as u32;
        (secs, nanos)
    }
}

/// A GUID, stored in the Windows in-memory (and on-disk) layout: `Data1`, `Data2` and `Data3`
/// little-endian, `Data4` as bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    /// Builds a GUID from its textual fields, e.g. `Guid::from_fields(0x54849625, 0x5478,
    /// 0x4994, [0xA5, 0xBA, 0x3E, 0x3B, 0x03, 0x28, 0xC3, 0x0D])` for
    /// `{54849625-5478-4994-A5BA-3E3B0328C30D}`.
    pub const fn from_fields(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> Guid {
        let a = d1.to_le_bytes();
        let b = d2.to_le_bytes();
        let c = d3.to_le_bytes();
        Guid([
            a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d4[0], d4[1], d4[2], d4[3], d4[4],
            d4[5], d4[6], d4[7],
        ])
    }
}

impl fmt::Display for Guid {
    /// Formats as Windows renders GUIDs in event XML: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{{{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}}}",
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            u16::from_le_bytes([b[4], b[5]]),
            u16::from_le_bytes([b[6], b[7]]),
            b[8],
            b[9],
            b[10],
            b[11],
            b[12],
            b[13],
            b[14],
            b[15]
        )
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Error parsing a [`Guid`] or [`Sid`] from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

impl FromStr for Guid {
    type Err = ParseError;

    /// Parses `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` (braces optional, any case).
    fn from_str(s: &str) -> Result<Guid, ParseError> {
        let bad = || ParseError(format!("not a GUID: {s:?}"));
        let t = s.trim();
        let t = t.strip_prefix('{').unwrap_or(t);
        let t = t.strip_suffix('}').unwrap_or(t);
        let parts: Vec<&str> = t.split('-').collect();
        if parts.len() != 5
            || [8, 4, 4, 4, 12]
                != [
                    parts[0].len(),
                    parts[1].len(),
                    parts[2].len(),
                    parts[3].len(),
                    parts[4].len(),
                ]
        {
            return Err(bad());
        }
        let d1 = u32::from_str_radix(parts[0], 16).map_err(|_| bad())?;
        let d2 = u16::from_str_radix(parts[1], 16).map_err(|_| bad())?;
        let d3 = u16::from_str_radix(parts[2], 16).map_err(|_| bad())?;
        let rest = format!("{}{}", parts[3], parts[4]);
        let mut d4 = [0u8; 8];
        for (i, byte) in d4.iter_mut().enumerate() {
            *byte = u8::from_str_radix(rest.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
                .map_err(|_| bad())?;
        }
        Ok(Guid::from_fields(d1, d2, d3, d4))
    }
}

/// A security identifier in its binary form (revision, 48-bit authority, up to 15
/// sub-authorities). Fixed size and `Copy`, so that events carrying SIDs need no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sid {
    authority: u64,
    count: u8,
    sub: [u32; 15],
}

impl Sid {
    /// A SID from its identifier authority and sub-authorities (at most 15; more are an error).
    pub fn new(authority: u64, sub_authorities: &[u32]) -> Result<Sid, ParseError> {
        if sub_authorities.len() > 15 || authority >= 1 << 48 {
            return Err(ParseError(
                "SID has more than 15 sub-authorities or too large an authority".into(),
            ));
        }
        let mut sub = [0u32; 15];
        sub[..sub_authorities.len()].copy_from_slice(sub_authorities);
        Ok(Sid {
            authority,
            count: sub_authorities.len() as u8,
            sub,
        })
    }

    /// The sub-authorities.
    pub fn sub_authorities(&self) -> &[u32] {
        &self.sub[..usize::from(self.count)]
    }

    /// Size of the binary form: 8 bytes of header and 4 per sub-authority.
    pub fn encoded_len(&self) -> usize {
        8 + 4 * usize::from(self.count)
    }

    /// Appends the binary form (revision 1, count, authority big-endian, sub-authorities LE).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(1);
        out.push(self.count);
        out.extend_from_slice(&self.authority.to_be_bytes()[2..]);
        for s in self.sub_authorities() {
            out.extend_from_slice(&s.to_le_bytes());
        }
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S-1-{}", self.authority)?;
        for s in self.sub_authorities() {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Sid {
    type Err = ParseError;

    /// Parses `S-1-<authority>-<sub>-...` (authority decimal, as Windows prints it).
    fn from_str(s: &str) -> Result<Sid, ParseError> {
        let bad = || ParseError(format!("not a SID: {s:?}"));
        let mut it = s.trim().split('-');
        if !it.next().is_some_and(|p| p.eq_ignore_ascii_case("S")) || it.next() != Some("1") {
            return Err(bad());
        }
        let authority: u64 = it.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
        let mut subs = Vec::with_capacity(8);
        for p in it {
            subs.push(p.parse::<u32>().map_err(|_| bad())?);
        }
        Sid::new(authority, &subs).map_err(|_| bad())
    }
}

/// A typed `<Data Name="...">` value.
///
/// The variant decides the BinXML value type written, and with it how readers render the value
/// (`HexInt64(0x3e7)` renders as `0x3e7`, `U64(999)` as `999`, `Sid` as `S-1-...`). Pick the type
/// Windows uses for the field (see the reference notes: LogonId is HexInt64, LogonType UInt32,
/// LogonGuid GUID, ProcessId SizeT, most other fields strings).
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// No value (BinXML NullType). Renders as an empty element.
    Null,
    /// UTF-16 string (BinXML type 0x01), stored without a terminating NUL, as Windows does.
    String(Cow<'a, str>),
    /// Signed 8-bit integer (0x03).
    I8(i8),
    /// Unsigned 8-bit integer (0x04).
    U8(u8),
    /// Signed 16-bit integer (0x05).
    I16(i16),
    /// Unsigned 16-bit integer (0x06).
    U16(u16),
    /// Signed 32-bit integer (0x07).
    I32(i32),
    /// Unsigned 32-bit integer (0x08).
    U32(u32),
    /// Signed 64-bit integer (0x09).
    I64(i64),
    /// Unsigned 64-bit integer (0x0A).
    U64(u64),
    /// Boolean (0x0D, stored as a 32-bit integer). Renders `true`/`false`.
    Bool(bool),
    /// Binary blob (0x0E). Renders as upper-case hex.
    Binary(Cow<'a, [u8]>),
    /// GUID (0x0F). Renders `{XXXXXXXX-...}`.
    Guid(Guid),
    /// A pointer-sized value as 64-bit Windows writes it: the template declares SizeT (0x10) and
    /// the instance stores a HexInt64 (0x15), e.g. 4624's `ProcessId`. Renders as `0x...` hex.
    SizeT(u64),
    /// FILETIME (0x11). Renders as an ISO 8601 UTC time.
    FileTime(FileTime),
    /// SID (0x13). Renders `S-1-...`.
    Sid(Sid),
    /// 32-bit integer rendered as hex (0x14), e.g. `0xc000006d`.
    HexInt32(u32),
    /// 64-bit integer rendered as hex (0x15), e.g. logon IDs `0x3e7`.
    HexInt64(u64),
}

impl Value<'_> {
    /// The BinXML type declared in the template's substitution token.
    pub(crate) fn template_type(&self) -> u8 {
        match self {
            Value::SizeT(_) => 0x10,
            other => other.instance_type(),
        }
    }

    /// The BinXML type in the instance's value descriptor.
    pub(crate) fn instance_type(&self) -> u8 {
        match self {
            Value::Null => 0x00,
            Value::String(_) => 0x01,
            Value::I8(_) => 0x03,
            Value::U8(_) => 0x04,
            Value::I16(_) => 0x05,
            Value::U16(_) => 0x06,
            Value::I32(_) => 0x07,
            Value::U32(_) => 0x08,
            Value::I64(_) => 0x09,
            Value::U64(_) => 0x0A,
            Value::Bool(_) => 0x0D,
            Value::Binary(_) => 0x0E,
            Value::Guid(_) => 0x0F,
            Value::FileTime(_) => 0x11,
            Value::Sid(_) => 0x13,
            Value::HexInt32(_) => 0x14,
            Value::HexInt64(_) | Value::SizeT(_) => 0x15,
        }
    }

    /// Appends the value bytes (no descriptor).
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => {}
            Value::String(s) => push_utf16(out, s),
            Value::I8(v) => out.push(*v as u8),
            Value::U8(v) => out.push(*v),
            Value::I16(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::U16(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::I32(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::U32(v) | Value::HexInt32(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::I64(v) => out.extend_from_slice(&v.to_le_bytes()),
            Value::U64(v) | Value::HexInt64(v) | Value::SizeT(v) => {
                out.extend_from_slice(&v.to_le_bytes())
            }
            Value::Bool(b) => out.extend_from_slice(&u32::from(*b).to_le_bytes()),
            Value::Binary(b) => out.extend_from_slice(b),
            Value::Guid(g) => out.extend_from_slice(&g.0),
            Value::FileTime(t) => out.extend_from_slice(&t.0.to_le_bytes()),
            Value::Sid(s) => s.encode_into(out),
        }
    }
}

/// Appends `s` as UTF-16LE code units, without a terminator.
#[inline]
pub(crate) fn push_utf16(out: &mut Vec<u8>, s: &str) {
    if s.is_ascii() {
        // The common case: one code unit per byte, no need to run the UTF-16 encoder.
        out.reserve(s.len() * 2);
        for &b in s.as_bytes() {
            out.push(b);
            out.push(0);
        }
    } else {
        for u in s.encode_utf16() {
            out.extend_from_slice(&u.to_le_bytes());
        }
    }
}

macro_rules! from_impl {
    ($($t:ty => $v:ident),*) => {$(
        impl From<$t> for Value<'_> {
            fn from(v: $t) -> Self { Value::$v(v) }
        }
    )*};
}
from_impl!(u8 => U8, u16 => U16, u32 => U32, u64 => U64, i8 => I8, i16 => I16, i32 => I32, i64 => I64,
    bool => Bool, Guid => Guid, Sid => Sid, FileTime => FileTime);

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::String(Cow::Borrowed(v))
    }
}

impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::String(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_round_trips_text() {
        let g: Guid = "{54849625-5478-4994-A5BA-3E3B0328C30D}".parse().unwrap();
        assert_eq!(g.to_string(), "{54849625-5478-4994-A5BA-3E3B0328C30D}");
        // The on-disk bytes of the Security-Auditing provider GUID, from a real record.
        assert_eq!(
            g.0,
            [
                0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28,
                0xc3, 0x0d
            ]
        );
        assert!("{5484962-5478-4994-A5BA-3E3B0328C30D}"
            .parse::<Guid>()
            .is_err());
    }

    #[test]
    fn sid_round_trips_text_and_bytes() {
        let s: Sid = "S-1-5-21-308926384-506822093-3341789130-500"
            .parse()
            .unwrap();
        assert_eq!(s.to_string(), "S-1-5-21-308926384-506822093-3341789130-500");
        let mut b = Vec::new();
        s.encode_into(&mut b);
        assert_eq!(b.len(), s.encoded_len());
        // Bytes of the same SID in a real 4624 record.
        assert_eq!(
            hex(&b),
            "010500000000000515000000b0d76912cd7d351ecaa72fc7f4010000"
        );
        assert!("S-1-5-x".parse::<Sid>().is_err());
        assert!("S-1-0-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16"
            .parse::<Sid>()
            .is_err());
    }

    #[test]
    fn filetime_unix() {
        let t = FileTime::from_unix(1_600_000_000, 123_456_789);
        assert_eq!(t.to_unix(), (1_600_000_000, 123_456_700));
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
