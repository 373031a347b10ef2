//! `%%NNNN` parameter-message codes of the Security auditing provider (msobjs.dll, build
//! 10.0.22000.1). Reference A.14.
//!
//! Raw XML and offline EVTX parsing keep these tokens; Event Viewer replaces them with the
//! text. `name` is that text, exactly as msobjs spells it (including "occured" in %%2304);
//! `meaning` explains it. [`lookup`] also covers the `%%2048`–`%%2111` UserAccountControl
//! tokens of [`super::uac`].
//!
//! Traps (reference F.1, F.2): %%1831 is "..." (not "Anonymous"), %%1832 is Identification,
//! %%1833 Impersonation, %%1840 Delegation, %%1841 "Denied by Process Trust Label ACE";
//! %%1834 does not exist. %%2304 is "An Error occured during Logon." and %%2310 is
//! "Account currently disabled.".

use std::borrow::Cow;

use super::{find_code, uac, Code};

pub const IDENTIFICATION: u32 = 1832;
pub const IMPERSONATION: u32 = 1833;
pub const DELEGATION: u32 = 1840;
pub const YES: u32 = 1842;
pub const NO: u32 = 1843;
pub const GRANTED_BY: u32 = 1801;
pub const DENIED_BY: u32 = 1802;
pub const READ_DATA: u32 = 4416;

/// All codes except the UAC tokens, sorted by code.
pub static INSERTION_CODES: &[Code] = &[
    // Standard access rights (5145 AccessList).
    Code { code: 1537, name: "DELETE", meaning: "Standard right DELETE: delete the object." },
    Code { code: 1538, name: "READ_CONTROL", meaning: "Standard right READ_CONTROL: read the security descriptor (owner, DACL)." },
    Code { code: 1539, name: "WRITE_DAC", meaning: "Standard right WRITE_DAC: change the DACL (permissions)." },
    Code { code: 1540, name: "WRITE_OWNER", meaning: "Standard right WRITE_OWNER: take ownership." },
    Code { code: 1541, name: "SYNCHRONIZE", meaning: "Standard right SYNCHRONIZE: wait on the object handle." },
    Code { code: 1542, name: "ACCESS_SYS_SEC", meaning: "ACCESS_SYSTEM_SECURITY: read or change the SACL (audit settings)." },
    Code { code: 1543, name: "MAX_ALLOWED", meaning: "MAXIMUM_ALLOWED: the caller asked for whatever access it is allowed." },
    // Account-change values.
    Code { code: 1792, name: "<value changed, but not displayed>", meaning: "The attribute changed but Windows does not log its value." },
    Code { code: 1793, name: "<value not set>", meaning: "The attribute has no value (for example AllowedToDelegateTo in 4742)." },
    Code { code: 1794, name: "<never>", meaning: "The date is \"never\" (for example AccountExpires in 4742)." },
    Code { code: 1795, name: "Enabled", meaning: "Enabled." },
    Code { code: 1796, name: "Disabled", meaning: "Disabled." },
    Code { code: 1797, name: "All", meaning: "All." },
    Code { code: 1798, name: "None", meaning: "None." },
    // Access reasons (5145 AccessReason).
    Code { code: 1801, name: "Granted by", meaning: "Access was granted by the ACE that follows (SDDL)." },
    Code { code: 1802, name: "Denied by", meaning: "Access was denied by the ACE that follows (SDDL)." },
    Code { code: 1803, name: "Denied by Integrity Policy check", meaning: "Access was denied by the mandatory integrity (integrity level) check." },
    Code { code: 1804, name: "Granted by Ownership", meaning: "Access was granted because the caller owns the object." },
    Code { code: 1805, name: "Not granted", meaning: "The access was not granted." },
    Code { code: 1806, name: "Granted by NULL DACL", meaning: "Access was granted because the object has no DACL (everyone has full access)." },
    Code { code: 1807, name: "Denied by Empty DACL", meaning: "Access was denied because the object's DACL is empty." },
    Code { code: 1808, name: "Granted by NULL Security Descriptor", meaning: "Access was granted because the object has no security descriptor." },
    Code { code: 1809, name: "Unknown or unchecked", meaning: "The access check reason is unknown or was not checked." },
    Code { code: 1810, name: "Not granted due to missing", meaning: "The access was not granted because a required privilege or ACE was missing." },
    Code { code: 1811, name: "Granted by ACE on parent folder", meaning: "Access was granted by an ACE on the parent folder (for example FILE_DELETE_CHILD)." },
    Code { code: 1812, name: "Denied by ACE on parent folder", meaning: "Access was denied by an ACE on the parent folder." },
    Code { code: 1813, name: "Granted by Central Access Rule", meaning: "Access was granted by a Dynamic Access Control central access rule." },
    Code { code: 1814, name: "NOT Granted by Central Access Rule", meaning: "Access was not granted by a Dynamic Access Control central access rule." },
    Code { code: 1815, name: "Granted by parent folder's Central Access Rule", meaning: "Access was granted by the parent folder's central access rule." },
    Code { code: 1816, name: "NOT Granted by parent folder's Central Access Rule", meaning: "Access was not granted by the parent folder's central access rule." },
    Code { code: 1830, name: "Not granted to AppContainers", meaning: "The access was not granted because the caller runs in an AppContainer." },
    Code { code: 1831, name: "...", meaning: "Literally three dots (a continuation marker) — not \"Anonymous\", despite what several public scripts say." },
    // 4624 ImpersonationLevel.
    Code { code: IDENTIFICATION, name: "Identification", meaning: "Impersonation level Identification: the server can identify the client but not act as it." },
    Code { code: IMPERSONATION, name: "Impersonation", meaning: "Impersonation level Impersonation: the server can act as the client on the local system only." },
    Code { code: DELEGATION, name: "Delegation", meaning: "Impersonation level Delegation: the server can act as the client on remote systems too." },
    Code { code: 1841, name: "Denied by Process Trust Label ACE", meaning: "Access was denied by a process trust label ACE (protected process)." },
    // 4624 VirtualAccount / ElevatedToken.
    Code { code: YES, name: "Yes", meaning: "Yes." },
    Code { code: NO, name: "No", meaning: "No." },
    Code { code: 1844, name: "System", meaning: "System." },
    Code { code: 1845, name: "Not Available", meaning: "Not available." },
    Code { code: 1846, name: "Default", meaning: "Default." },
    Code { code: 1847, name: "DisallowMmConfig", meaning: "DisallowMmConfig." },
    Code { code: 1848, name: "Off", meaning: "Off." },
    Code { code: 1849, name: "Auto", meaning: "Auto." },
    Code { code: 1856, name: "Denied by Access Filter Ace", meaning: "Access was denied by an access filter ACE." },
    // 4657 OperationType.
    Code { code: 1904, name: "New registry value created", meaning: "A new registry value was created." },
    Code { code: 1905, name: "Existing registry value modified", meaning: "An existing registry value was modified." },
    Code { code: 1906, name: "Registry value deleted", meaning: "A registry value was deleted." },
    // 4688 TokenElevationType.
    Code { code: 1936, name: "TokenElevationTypeDefault (1)", meaning: "Full token, UAC not involved (built-in Administrator, UAC off, or a non-admin user)." },
    Code { code: 1937, name: "TokenElevationTypeFull (2)", meaning: "Elevated token: the process was started with \"Run as administrator\"." },
    Code { code: 1938, name: "TokenElevationTypeLimited (3)", meaning: "Limited (filtered) token of an administrator running without elevation." },
    // 4625 FailureReason.
    Code { code: 2304, name: "An Error occured during Logon.", meaning: "A generic logon error; see Status and SubStatus for the cause." },
    Code { code: 2305, name: "The specified user account has expired.", meaning: "The account's expiry date has passed." },
    Code { code: 2306, name: "The NetLogon component is not active.", meaning: "The Netlogon service was not running." },
    Code { code: 2307, name: "Account locked out.", meaning: "The account is locked out after too many bad passwords." },
    Code { code: 2308, name: "The user has not been granted the requested logon type at this machine.", meaning: "The logon right for this logon type is missing or denied (for example Deny access from the network)." },
    Code { code: 2309, name: "The specified account's password has expired.", meaning: "The password has expired." },
    Code { code: 2310, name: "Account currently disabled.", meaning: "The account is disabled." },
    Code { code: 2311, name: "Account logon time restriction violation.", meaning: "The logon is outside the account's allowed logon hours." },
    Code { code: 2312, name: "User not allowed to logon at this computer.", meaning: "The account may not log on from this workstation (userWorkstations)." },
    Code { code: 2313, name: "Unknown user name or bad password.", meaning: "Bad user name or password (or another credential failure reported as such)." },
    Code { code: 2314, name: "Domain sid inconsistent.", meaning: "The domain SID is inconsistent with the trust information." },
    Code { code: 2315, name: "Smartcard logon is required and was not used.", meaning: "The account requires a smart card but a password was used." },
    // File access rights (5140/5145 AccessList).
    Code { code: READ_DATA, name: "ReadData (or ListDirectory)", meaning: "File right 0x1: read file data or list a directory (on IPC$: read from the pipe)." },
    Code { code: 4417, name: "WriteData (or AddFile)", meaning: "File right 0x2: write file data or create a file in a directory (on IPC$: write to the pipe)." },
    Code { code: 4418, name: "AppendData (or AddSubdirectory or CreatePipeInstance)", meaning: "File right 0x4: append data, create a subdirectory or create a pipe instance." },
    Code { code: 4419, name: "ReadEA", meaning: "File right 0x8: read extended attributes." },
    Code { code: 4420, name: "WriteEA", meaning: "File right 0x10: write extended attributes." },
    Code { code: 4421, name: "Execute/Traverse", meaning: "File right 0x20: execute a file or traverse a directory." },
    Code { code: 4422, name: "DeleteChild", meaning: "File right 0x40: delete a directory and its contents." },
    Code { code: 4423, name: "ReadAttributes", meaning: "File right 0x80: read file attributes." },
    Code { code: 4424, name: "WriteAttributes", meaning: "File right 0x100: write file attributes." },
];

/// The text of `%%code` — from the table above or from the UAC tokens (2048–2111).
pub fn lookup(code: u32) -> Option<&'static Code> {
    find_code(INSERTION_CODES, code).or_else(|| uac::lookup(code))
}

/// `"%%1833"` → `Some(1833)`. Surrounding whitespace is ignored; anything else than `%%`
/// followed by decimal digits gives `None`.
pub fn parse_token(s: &str) -> Option<u32> {
    let digits = s.trim().strip_prefix("%%")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Replace every known `%%NNNN` token in `s` by its text; unknown tokens stay as they are.
/// `"%%1541: %%1801 D:(A;;FA;;;WD)"` → `"SYNCHRONIZE: Granted by D:(A;;FA;;;WD)"`.
/// Borrows `s` when nothing was replaced.
pub fn decode(s: &str) -> Cow<'_, str> {
    let bytes = s.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `s` already copied to `out`
    let mut i = 0;
    while i + 2 < bytes.len() {
        if bytes[i] == b'%' && bytes[i + 1] == b'%' && bytes[i + 2].is_ascii_digit() {
            let start = i;
            let mut end = i + 2;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            // `%`, `%` and digits are ASCII, so these are char boundaries.
            if let Some(code) = s[start + 2..end].parse::<u32>().ok().and_then(lookup) {
                let o = out.get_or_insert_with(|| String::with_capacity(s.len() + 16));
                o.push_str(&s[copied..start]);
                o.push_str(code.name);
                copied = end;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    match out {
        None => Cow::Borrowed(s),
        Some(mut o) => {
            o.push_str(&s[copied..]);
            Cow::Owned(o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::test_support::assert_code_table;

    #[test]
    fn table_sorted_unique() {
        assert_code_table(INSERTION_CODES);
        // The UAC range must not overlap this table.
        assert!(INSERTION_CODES
            .iter()
            .all(|c| !(2048..=2111).contains(&c.code)));
    }

    #[test]
    fn impersonation_traps() {
        assert_eq!(lookup(1831).unwrap().name, "...");
        assert_ne!(lookup(1831).unwrap().name, "Anonymous");
        assert_eq!(lookup(1832).unwrap().name, "Identification");
        assert_eq!(lookup(1833).unwrap().name, "Impersonation");
        assert_eq!(lookup(1840).unwrap().name, "Delegation");
        assert_eq!(
            lookup(1841).unwrap().name,
            "Denied by Process Trust Label ACE"
        );
        assert!(lookup(1834).is_none());
    }

    #[test]
    fn failure_reason_traps() {
        assert_eq!(lookup(2304).unwrap().name, "An Error occured during Logon.");
        assert_eq!(lookup(2310).unwrap().name, "Account currently disabled.");
        assert_eq!(
            lookup(2311).unwrap().name,
            "Account logon time restriction violation."
        );
        assert_eq!(
            lookup(2313).unwrap().name,
            "Unknown user name or bad password."
        );
    }

    #[test]
    fn reference_ranges_complete() {
        let ranges = [
            1537..=1543,
            1792..=1796,
            1801..=1816,
            1842..=1849,
            1904..=1906,
            1936..=1938,
            2304..=2315,
            4416..=4424,
        ];
        for r in ranges {
            for c in r {
                assert!(lookup(c).is_some(), "missing %%{c}");
            }
        }
        for c in [1830, 1831, 1832, 1833, 1840, 1841, 1856] {
            assert!(lookup(c).is_some(), "missing %%{c}");
        }
        assert_eq!(lookup(1541).unwrap().name, "SYNCHRONIZE");
        assert_eq!(lookup(1842).unwrap().name, "Yes");
        assert_eq!(lookup(1843).unwrap().name, "No");
        assert_eq!(lookup(1793).unwrap().name, "<value not set>");
        assert_eq!(lookup(4416).unwrap().name, "ReadData (or ListDirectory)");
    }

    #[test]
    fn uac_tokens_through_lookup() {
        assert_eq!(
            lookup(2093).unwrap().name,
            "'Trusted For Delegation' - Enabled"
        );
        assert_eq!(lookup(2080).unwrap().name, "Account Disabled");
    }

    #[test]
    fn parse_token_forms() {
        assert_eq!(parse_token("%%1833"), Some(1833));
        assert_eq!(parse_token("  %%1833\t"), Some(1833));
        assert_eq!(parse_token("%%"), None);
        assert_eq!(parse_token("%1833"), None);
        assert_eq!(parse_token("1833"), None);
        assert_eq!(parse_token("%%18a"), None);
        assert_eq!(parse_token("%%99999999999"), None);
    }

    #[test]
    fn decode_access_reason() {
        assert_eq!(
            decode("%%1541: %%1801 D:(A;;FA;;;WD)"),
            "SYNCHRONIZE: Granted by D:(A;;FA;;;WD)"
        );
    }

    #[test]
    fn decode_mixed() {
        // AccessList with tabs and newlines as Windows writes it.
        assert_eq!(
            decode("%%1538\r\n\t\t\t\t%%1541\r\n\t\t\t\t%%4416"),
            "READ_CONTROL\r\n\t\t\t\tSYNCHRONIZE\r\n\t\t\t\tReadData (or ListDirectory)"
        );
        // Unknown tokens stay; known ones around them are replaced.
        assert_eq!(
            decode("%%1833 %%1834 %%9999999999 %%1840"),
            "Impersonation %%1834 %%9999999999 Delegation"
        );
        // UAC list.
        assert_eq!(
            decode("%%2080 %%2093"),
            "Account Disabled 'Trusted For Delegation' - Enabled"
        );
        // Non-ASCII text and stray percent signs.
        assert_eq!(
            decode("Zugriff: %%1541 – 100% %%"),
            "Zugriff: SYNCHRONIZE – 100% %%"
        );
        assert_eq!(decode("%%%1833"), "%Impersonation");
        assert_eq!(decode("x%%1843"), "xNo");
    }

    #[test]
    fn decode_borrows_when_unchanged() {
        assert!(matches!(decode("no tokens here"), Cow::Borrowed(_)));
        assert!(matches!(decode("%%1834 unknown"), Cow::Borrowed(_)));
        assert!(matches!(decode(""), Cow::Borrowed(_)));
        assert!(matches!(decode("%%1833"), Cow::Owned(_)));
    }
}
