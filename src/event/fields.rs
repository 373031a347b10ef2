//! Field normalisation: one place that knows how Windows (and collectors) write values.

use super::Text;
use crate::knowledge::{insertion, privileges, sids};
use std::net::{Ipv4Addr, Ipv6Addr};

/// `-`, empty, `(NULL)` and `NULL` mean "no value" in Security and NTLM events.
pub fn is_absent(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || absent_as_written(t)
}

/// [`is_absent`] of a value with nothing to trim.
fn absent_as_written(t: &str) -> bool {
    t == "-" || t.eq_ignore_ascii_case("(NULL)") || t == "NULL"
}

/// Whether `s` starts and ends with printable ASCII other than a space, so that trimming it
/// leaves it as it is: true of nearly every value, and cheaper to see than to trim.
fn nothing_to_trim(s: &str) -> bool {
    let printable = |b: &u8| (0x21..0x7f).contains(b);
    s.as_bytes().first().is_some_and(printable) && s.as_bytes().last().is_some_and(printable)
}

/// A value that is there, trimmed (LogonProcessName is written `NtLmSsp ` with a trailing
/// space), not yet copied.
fn present(s: Option<&str>) -> Option<&str> {
    let s = s?;
    if nothing_to_trim(s) {
        return (!absent_as_written(s)).then_some(s);
    }
    (!is_absent(s)).then(|| s.trim())
}

/// A text value, trimmed.
pub fn text(s: Option<&str>) -> Option<Text> {
    present(s).map(Text::from)
}

/// [`text`] of a value the caller owns: moved, not copied, when it needs no trimming (typing
/// moves most values out of the raw record this way).
pub fn text_owned(s: Option<Text>) -> Option<Text> {
    let s = s?;
    let t = present(Some(&s))?;
    if t.len() == s.len() {
        Some(s)
    } else {
        Some(Text::from(t))
    }
}

/// [`decoded`] of a value the caller owns.
pub fn decoded_owned(s: Option<Text>) -> Option<Text> {
    let s = text_owned(s)?;
    match insertion::decode(&s) {
        std::borrow::Cow::Borrowed(_) => Some(s),
        std::borrow::Cow::Owned(d) => Some(Text::from(d)),
    }
}

/// [`sid`] of a value the caller owns: a value already written `S-…` is moved.
pub fn sid_owned(s: Option<Text>) -> Option<Text> {
    let s = s?;
    if s.len() > 2 && s.starts_with("S-") && (nothing_to_trim(&s) || s.trim().len() == s.len()) {
        return Some(s);
    }
    sid(Some(&s))
}

/// A text value with `%%NNNN` insertion codes replaced by their text.
pub fn decoded(s: Option<&str>) -> Option<Text> {
    let s = text(s)?;
    Some(Text::from(insertion::decode(&s)))
}

/// A SID as `S-1-…`. Collectors that resolve SIDs write names (`NULL SID`,
/// `NT AUTHORITY\ANONYMOUS LOGON`): well-known names are mapped back; other names are kept.
pub fn sid(s: Option<&str>) -> Option<Text> {
    let s = s?.trim();
    if s.is_empty() || s == "-" {
        return None;
    }
    // Compare bytes, not a `&s[..2]` slice: a value may start with a multi-byte character.
    if s.len() > 2 && s.as_bytes()[..2].eq_ignore_ascii_case(b"S-") {
        return Some(compact_str::format_compact!("S-{}", &s[2..]));
    }
    Some(
        sids::sid_for_name(s)
            .map(Text::const_new)
            .unwrap_or_else(|| Text::from(s)),
    )
}

/// A number written in hex (`0x3e7`) or decimal.
pub fn number(s: Option<&str>) -> Option<u64> {
    let s = s?.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u64::from_str_radix(h, 16).ok();
    }
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    // Some exports write NTSTATUS as a signed decimal (-1073741715).
    s.parse::<i64>()
        .ok()
        .filter(|n| *n >= i64::from(i32::MIN))
        .map(|n| n as i32 as u32 as u64)
}

/// A 32-bit code (NTSTATUS, access mask, UAC), from its [`number`]: none when it does not fit.
pub fn code(n: Option<u64>) -> Option<u32> {
    n.and_then(|n| u32::try_from(n).ok())
}

/// A network address: `-` is absent, `::ffff:a.b.c.d` becomes `a.b.c.d`, others canonical.
pub fn ip(s: Option<&str>) -> Option<Text> {
    let s = text(s)?;
    // An IPv4 address is kept as written: the parser takes only the canonical dotted form
    // (no leading zeros), the one it would be written back as.
    if s.parse::<Ipv4Addr>().is_ok() {
        return Some(s);
    }
    match s.parse::<Ipv6Addr>() {
        Ok(v6) => Some(match v6.to_ipv4_mapped() {
            Some(v4) => compact_str::ToCompactString::to_compact_string(&v4),
            None => compact_str::ToCompactString::to_compact_string(&v6),
        }),
        // Not an address (a name, or damage): keep what was written.
        Err(_) => Some(s),
    }
}

/// A port: `-` and `0` are absent.
pub fn port(s: Option<&str>) -> Option<u16> {
    number(s)
        .and_then(|n| u16::try_from(n).ok())
        .filter(|p| *p != 0)
}

/// `true`/`false` as written by NTLM events (InProc).
pub fn boolean(s: Option<&str>) -> Option<bool> {
    match s?.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "%%1842" => Some(true),
        "false" | "0" | "no" | "%%1843" => Some(false),
        _ => None,
    }
}

/// A whitespace-separated list (PrivilegeList, AccessList), each `%%` code decoded.
pub fn list(s: Option<&str>) -> Vec<Text> {
    let Some(s) = s else { return vec![] };
    if is_absent(s) {
        return vec![];
    }
    let typed = |t: &str| {
        // Only a token with a `%` can hold a `%%` code.
        let t = match memchr::memchr(b'%', t.as_bytes()) {
            Some(_) => insertion::decode(t),
            None => std::borrow::Cow::Borrowed(t),
        };
        privileges::known(&t).map_or_else(|| Text::from(t), Text::const_new)
    };
    if !s.is_ascii() {
        return s.split_whitespace().map(typed).collect();
    }
    // What `split_whitespace` splits on among ASCII characters (U+000B included), a byte at a
    // time rather than a char: every index is a char boundary.
    let mut out = Vec::new();
    let mut start = None;
    for (i, b) in s.bytes().enumerate() {
        if matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r') {
            if let Some(at) = start.take() {
                out.push(typed(&s[at..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(at) = start {
        out.push(typed(&s[at..]));
    }
    out
}

/// A GUID without braces becomes braced upper-case; the all-zero GUID is absent.
pub fn guid(s: Option<&str>) -> Option<Text> {
    // No copy before the check: NTLM logons write the all-zero GUID.
    let core = present(s)?.trim_start_matches('{').trim_end_matches('}');
    if core.chars().all(|c| c == '0' || c == '-') {
        return None;
    }
    let mut g = Text::with_capacity(core.len() + 2);
    g.push('{');
    g.push_str(core);
    g.push('}');
    g.make_ascii_uppercase();
    Some(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_variants_agree_with_the_borrowed_ones() {
        let values = [
            "", " ", "-", " - ", "(NULL)", "(null)", "NULL", "NtLmSsp ", " x", "NTLM",
            "S-1-5-7", "s-1-5-7", "S-1-5-7 ", "S-", "NT AUTHORITY\\ANONYMOUS LOGON", "NULL SID",
            "%%1833", " %%1833 ", "a %%1842 b", "éx", "\u{1F600}", "x\t", "\u{85}x", "x\u{a0}",
            "\u{7f}-", "~", "-\u{2003}", "\u{2003}NULL", "(NULL)\u{85}",
        ];
        for v in values {
            let o = || Some(Text::from(v));
            assert_eq!(text_owned(o()), text(Some(v)), "text {v:?}");
            assert_eq!(sid_owned(o()), sid(Some(v)), "sid {v:?}");
            assert_eq!(decoded_owned(o()), decoded(Some(v)), "decoded {v:?}");
        }
        assert_eq!(text_owned(None), None);
        assert_eq!(sid_owned(None), None);
        assert_eq!(decoded_owned(None), None);
    }

    #[test]
    fn lists_split_as_split_whitespace_does() {
        // The ASCII fast path's separators are the ASCII characters `split_whitespace` takes.
        let ascii_ws: Vec<char> = (0u8..0x80)
            .map(char::from)
            .filter(|c| c.is_whitespace())
            .collect();
        assert_eq!(ascii_ws, ['\t', '\n', '\x0B', '\x0C', '\r', ' ']);
        let reference = |s: &str| -> Vec<Text> {
            if is_absent(s) {
                return vec![];
            }
            s.split_whitespace()
                .map(|t| {
                    let t = insertion::decode(t);
                    privileges::known(&t).map_or_else(|| Text::from(t), Text::const_new)
                })
                .collect()
        };
        for s in [
            "SeDebugPrivilege\r\n\t\t\tSeBackupPrivilege",
            " SeTcbPrivilege\x0BSeAuditPrivilege\x0C%%1833 x%%1842y %% %%9 ",
            "SeDebugPrivilege\u{a0}SeBackupPrivilege\u{2003}SeTcbPrivilege\u{85}z",
            "sedebugprivilege SeDebug SeDebugPrivilegeX",
            "-",
            "",
            "\t\r\n",
        ] {
            assert_eq!(list(Some(s)), reference(s), "{s:?}");
        }
    }

    #[test]
    fn normalisation() {
        assert_eq!(text(Some("NtLmSsp ")), Some("NtLmSsp".into()));
        assert_eq!(text(Some("-")), None);
        assert_eq!(text(Some("(NULL)")), None);
        assert_eq!(
            sid(Some("NT AUTHORITY\\ANONYMOUS LOGON")),
            Some("S-1-5-7".into())
        );
        assert_eq!(sid(Some("NULL SID")), Some("S-1-0-0".into()));
        assert_eq!(sid(Some("s-1-5-7")), Some("S-1-5-7".into()));
        // Found by fuzzing: a name starting with a multi-byte character.
        assert_eq!(sid(Some("éx")), Some("éx".into()));
        assert_eq!(number(Some("0x3E7")), Some(999));
        assert_eq!(number(Some("4")), Some(4));
        assert_eq!(code(number(Some("0xc000006d"))), Some(0xC000006D));
        assert_eq!(code(number(Some("-1073741715"))), Some(0xC000006D));
        assert_eq!(code(number(Some("0x1c000006d"))), None);
        assert_eq!(ip(Some("::ffff:10.0.0.15")), Some("10.0.0.15".into()));
        assert_eq!(ip(Some("::1")), Some("::1".into()));
        // What parses as IPv4 is written back as it was written.
        for v4 in [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            " 10.0.0.1 ",
            "127.000.0.1",
            "1.2.3.04",
        ] {
            let canonical = v4.trim().parse::<Ipv4Addr>().map(|a| a.to_string());
            assert_eq!(
                ip(Some(v4)),
                Some(canonical.map(Text::from).unwrap_or_else(|_| v4.trim().into()))
            );
        }
        assert_eq!(ip(Some("-")), None);
        assert_eq!(port(Some("0")), None);
        assert_eq!(port(Some("50577")), Some(50577));
        assert_eq!(decoded(Some("%%1833")), Some("Impersonation".into()));
        assert_eq!(
            list(Some("SeDebugPrivilege\n\t\t\tSeBackupPrivilege")),
            vec!["SeDebugPrivilege", "SeBackupPrivilege"]
        );
        assert_eq!(guid(Some("{00000000-0000-0000-0000-000000000000}")), None);
        assert_eq!(boolean(Some("true")), Some(true));
    }
}
