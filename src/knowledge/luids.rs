//! Well-known logon-session LUIDs (winnt.h: SYSTEM_LUID … IUSER_LUID). Reference B.4.
//!
//! Careful: some public material swaps these (one seed document calls 0x3E4 "LOCAL SYSTEM").
//! The headers and the Sysinternals book agree: 0x3e4 is NETWORK SERVICE, 0x3e5 LOCAL SERVICE.

use super::{find_code, Code};

pub const IUSER_LUID: u64 = 0x3e3;
pub const NETWORKSERVICE_LUID: u64 = 0x3e4;
pub const LOCALSERVICE_LUID: u64 = 0x3e5;
pub const ANONYMOUS_LOGON_LUID: u64 = 0x3e6;
pub const SYSTEM_LUID: u64 = 0x3e7;

/// The well-known sessions, sorted by LUID.
pub static LUIDS: &[Code] = &[
    Code { code: 0x3e3, name: "IUSR", meaning: "IUSER_LUID: the built-in IIS anonymous-user session (IUSR); defined in newer headers only." },
    Code { code: 0x3e4, name: "NETWORK SERVICE", meaning: "NETWORKSERVICE_LUID: the NETWORK SERVICE session; it uses the computer account on the network." },
    Code { code: 0x3e5, name: "LOCAL SERVICE", meaning: "LOCALSERVICE_LUID: the LOCAL SERVICE session; it presents anonymous credentials on the network." },
    Code { code: 0x3e6, name: "ANONYMOUS LOGON", meaning: "ANONYMOUS_LOGON_LUID: the built-in ANONYMOUS LOGON session created at boot (network null sessions normally get a new LUID)." },
    Code { code: 0x3e7, name: "SYSTEM", meaning: "SYSTEM_LUID: the LocalSystem session; it uses the computer account on the network." },
];

/// The well-known session with this LUID, if any.
pub fn lookup(luid: u64) -> Option<&'static Code> {
    u32::try_from(luid).ok().and_then(|l| find_code(LUIDS, l))
}

/// Parse a logon ID as written in event data: hex with `0x` (`0x3e7`, `0x0000000000012ab4`),
/// or plain decimal. Surrounding whitespace is ignored; `-` gives `None`.
pub fn parse(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::test_support::assert_code_table;

    #[test]
    fn table_sorted_unique() {
        assert_code_table(LUIDS);
    }

    #[test]
    fn trap_values_follow_the_headers() {
        assert_eq!(lookup(0x3e4).unwrap().name, "NETWORK SERVICE");
        assert_eq!(lookup(0x3e5).unwrap().name, "LOCAL SERVICE");
        assert_eq!(lookup(0x3e6).unwrap().name, "ANONYMOUS LOGON");
        assert_eq!(lookup(0x3e7).unwrap().name, "SYSTEM");
        assert_eq!(lookup(0x3e3).unwrap().name, "IUSR");
        assert_eq!(lookup(0x3e7).unwrap().code, 0x3e7);
        assert!(lookup(0x3e8).is_none());
        assert!(lookup(0x1_0000_03e7).is_none());
    }

    #[test]
    fn parse_forms() {
        assert_eq!(parse("0x3e7"), Some(0x3e7));
        assert_eq!(parse(" 0X3E6 "), Some(0x3e6));
        assert_eq!(parse("0x0000000000012ab4"), Some(0x12ab4));
        assert_eq!(parse("999"), Some(999));
        assert_eq!(parse("-"), None);
        assert_eq!(parse(""), None);
    }
}
