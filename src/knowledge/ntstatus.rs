//! NTSTATUS codes seen in 4625 `Status`/`SubStatus`, 4776 `Status` and NTLM operational events.
//! Reference B.2 and the 4776 table 9-1 of the seed material. Field values are hex strings
//! (`0xc000006d`, either case); use [`parse`] to read them.

use super::{find_code, Code};

pub const STATUS_SUCCESS: u32 = 0x0000_0000;
pub const STATUS_ACCESS_DENIED: u32 = 0xC000_0022;
pub const STATUS_NO_LOGON_SERVERS: u32 = 0xC000_005E;
pub const STATUS_NO_SUCH_USER: u32 = 0xC000_0064;
pub const STATUS_WRONG_PASSWORD: u32 = 0xC000_006A;
pub const STATUS_LOGON_FAILURE: u32 = 0xC000_006D;
pub const STATUS_ACCOUNT_RESTRICTION: u32 = 0xC000_006E;
pub const STATUS_INVALID_LOGON_HOURS: u32 = 0xC000_006F;
pub const STATUS_INVALID_WORKSTATION: u32 = 0xC000_0070;
pub const STATUS_PASSWORD_EXPIRED: u32 = 0xC000_0071;
pub const STATUS_ACCOUNT_DISABLED: u32 = 0xC000_0072;
pub const STATUS_INVALID_SERVER_STATE: u32 = 0xC000_00DC;
pub const STATUS_TIME_DIFFERENCE_AT_DC: u32 = 0xC000_0133;
pub const STATUS_LOGON_TYPE_NOT_GRANTED: u32 = 0xC000_015B;
pub const STATUS_NO_TRUST_SAM_ACCOUNT: u32 = 0xC000_018B;
pub const STATUS_TRUSTED_DOMAIN_FAILURE: u32 = 0xC000_018C;
pub const STATUS_NETLOGON_NOT_STARTED: u32 = 0xC000_0192;
pub const STATUS_ACCOUNT_EXPIRED: u32 = 0xC000_0193;
pub const STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT: u32 = 0xC000_0199;
pub const STATUS_DOMAIN_TRUST_INCONSISTENT: u32 = 0xC000_019B;
pub const STATUS_PASSWORD_MUST_CHANGE: u32 = 0xC000_0224;
pub const STATUS_NOT_FOUND: u32 = 0xC000_0225;
pub const STATUS_ACCOUNT_LOCKED_OUT: u32 = 0xC000_0234;
pub const STATUS_UNFINISHED_CONTEXT_DELETED: u32 = 0xC000_02EE;
pub const STATUS_NO_SECRETS: u32 = 0xC000_0371;
pub const STATUS_AUTHENTICATION_FIREWALL_FAILED: u32 = 0xC000_0413;
pub const STATUS_NTLM_BLOCKED: u32 = 0xC000_0418;

/// All known codes, sorted by value.
pub static NTSTATUS: &[Code] = &[
    Code { code: STATUS_SUCCESS, name: "STATUS_SUCCESS", meaning: "Success (4776 Status 0x0: the credentials were valid)." },
    Code { code: STATUS_ACCESS_DENIED, name: "STATUS_ACCESS_DENIED", meaning: "Access denied: the caller lacks the rights for the requested operation." },
    Code { code: STATUS_NO_LOGON_SERVERS, name: "STATUS_NO_LOGON_SERVERS", meaning: "There are currently no logon servers available to service the logon request." },
    Code { code: STATUS_NO_SUCH_USER, name: "STATUS_NO_SUCH_USER", meaning: "The user name does not exist (misspelled or bad account name; user enumeration when repeated)." },
    Code { code: STATUS_WRONG_PASSWORD, name: "STATUS_WRONG_PASSWORD", meaning: "The user name is correct but the password is wrong." },
    Code { code: STATUS_LOGON_FAILURE, name: "STATUS_LOGON_FAILURE", meaning: "Logon failure: unknown user name or bad password, or an LM authentication level mismatch (NTLM version negotiation failed); the real cause is usually in SubStatus." },
    Code { code: STATUS_ACCOUNT_RESTRICTION, name: "STATUS_ACCOUNT_RESTRICTION", meaning: "Account restriction (for example a blank password where none is allowed); MS documents the text \"Unknown user name or bad password\"." },
    Code { code: STATUS_INVALID_LOGON_HOURS, name: "STATUS_INVALID_LOGON_HOURS", meaning: "The user tried to log on outside the allowed logon hours." },
    Code { code: STATUS_INVALID_WORKSTATION, name: "STATUS_INVALID_WORKSTATION", meaning: "The user tried to log on from a workstation that the account is not allowed to use." },
    Code { code: STATUS_PASSWORD_EXPIRED, name: "STATUS_PASSWORD_EXPIRED", meaning: "The password has expired." },
    Code { code: STATUS_ACCOUNT_DISABLED, name: "STATUS_ACCOUNT_DISABLED", meaning: "The account is disabled by an administrator." },
    Code { code: STATUS_INVALID_SERVER_STATE, name: "STATUS_INVALID_SERVER_STATE", meaning: "The SAM server was in the wrong state to perform the requested operation." },
    Code { code: STATUS_TIME_DIFFERENCE_AT_DC, name: "STATUS_TIME_DIFFERENCE_AT_DC", meaning: "Clock skew: the time on the client and the domain controller differs too much." },
    Code { code: STATUS_LOGON_TYPE_NOT_GRANTED, name: "STATUS_LOGON_TYPE_NOT_GRANTED", meaning: "The user has not been granted the requested logon type (logon right) on this machine, for example SeDenyNetworkLogonRight." },
    Code { code: STATUS_NO_TRUST_SAM_ACCOUNT, name: "STATUS_NO_TRUST_SAM_ACCOUNT", meaning: "The domain has no computer account for this workstation trust (the machine account is missing or was reset)." },
    Code { code: STATUS_TRUSTED_DOMAIN_FAILURE, name: "STATUS_TRUSTED_DOMAIN_FAILURE", meaning: "The trust relationship between the primary domain and the trusted domain failed." },
    Code { code: STATUS_NETLOGON_NOT_STARTED, name: "STATUS_NETLOGON_NOT_STARTED", meaning: "A logon was attempted but the Netlogon service was not running." },
    Code { code: STATUS_ACCOUNT_EXPIRED, name: "STATUS_ACCOUNT_EXPIRED", meaning: "The user account has expired." },
    Code { code: STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT, name: "STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT", meaning: "A computer account was used for a user logon; with a correct password this reveals a valid machine account (pre-Windows 2000 computers)." },
    Code { code: STATUS_DOMAIN_TRUST_INCONSISTENT, name: "STATUS_DOMAIN_TRUST_INCONSISTENT", meaning: "The domain name or SID is inconsistent with the trust information (duplicate or incorrect SID)." },
    Code { code: STATUS_PASSWORD_MUST_CHANGE, name: "STATUS_PASSWORD_MUST_CHANGE", meaning: "The user must change the password at next logon." },
    Code { code: STATUS_NOT_FOUND, name: "STATUS_NOT_FOUND", meaning: "Unknown error during logon; Microsoft calls it evidently a bug in Windows and not a risk." },
    Code { code: STATUS_ACCOUNT_LOCKED_OUT, name: "STATUS_ACCOUNT_LOCKED_OUT", meaning: "The account is locked out (too many bad passwords)." },
    Code { code: STATUS_UNFINISHED_CONTEXT_DELETED, name: "STATUS_UNFINISHED_CONTEXT_DELETED", meaning: "An error occurred during logon: the security context was deleted before authentication completed." },
    Code { code: STATUS_NO_SECRETS, name: "STATUS_NO_SECRETS", meaning: "The local account store has no secret material (password hash) for the account." },
    Code { code: STATUS_AUTHENTICATION_FIREWALL_FAILED, name: "STATUS_AUTHENTICATION_FIREWALL_FAILED", meaning: "Blocked by the authentication firewall (selective trust authentication) or an authentication policy silo." },
    Code { code: STATUS_NTLM_BLOCKED, name: "STATUS_NTLM_BLOCKED", meaning: "NTLM authentication was refused because NTLM is blocked by policy (Restrict NTLM)." },
];

/// The NTSTATUS with this value, if it is one the tool knows.
pub fn lookup(status: u32) -> Option<&'static Code> {
    find_code(NTSTATUS, status)
}

/// Parse a status as written in event data: `0xC000006D`, `0xc000006d`, `C000006D`, or a
/// decimal number. Surrounding whitespace is ignored. `-` and empty strings give `None`.
pub fn parse(s: &str) -> Option<u32> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).ok();
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return u32::from_str_radix(s, 16).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::test_support::assert_code_table;

    #[test]
    fn table_sorted_unique() {
        assert_code_table(NTSTATUS);
    }

    #[test]
    fn reference_and_table_9_1_codes_present() {
        for code in [
            0x0, 0xC000005E, 0xC0000064, 0xC000006A, 0xC000006D, 0xC000006E, 0xC000006F,
            0xC0000070, 0xC0000071, 0xC0000072, 0xC00000DC, 0xC0000133, 0xC000015B, 0xC000018C,
            0xC0000192, 0xC0000193, 0xC000019B, 0xC0000224, 0xC0000225, 0xC0000234, 0xC00002EE,
            0xC0000371, 0xC0000413,
        ] {
            assert!(lookup(code).is_some(), "missing {code:#x}");
        }
    }

    #[test]
    fn logon_failure_mentions_lm_level() {
        let c = lookup(0xC000006D).unwrap();
        assert_eq!(c.name, "STATUS_LOGON_FAILURE");
        assert!(c.meaning.contains("LM authentication level mismatch"));
    }

    #[test]
    fn names() {
        assert_eq!(lookup(0xC0000371).unwrap().name, "STATUS_NO_SECRETS");
        assert_eq!(
            lookup(0xC0000133).unwrap().name,
            "STATUS_TIME_DIFFERENCE_AT_DC"
        );
        assert_eq!(
            lookup(0xC000006E).unwrap().name,
            "STATUS_ACCOUNT_RESTRICTION"
        );
        assert_eq!(
            lookup(0xC00002EE).unwrap().name,
            "STATUS_UNFINISHED_CONTEXT_DELETED"
        );
        assert!(lookup(0xC0000001).is_none());
    }

    #[test]
    fn parse_forms() {
        assert_eq!(parse("0xc000006d"), Some(0xC000006D));
        assert_eq!(parse(" 0xC000006D "), Some(0xC000006D));
        assert_eq!(parse("C000006D"), Some(0xC000006D));
        assert_eq!(parse("0x0"), Some(0));
        assert_eq!(parse("0"), Some(0));
        assert_eq!(parse("-"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("0x1C000006D"), None);
    }
}
