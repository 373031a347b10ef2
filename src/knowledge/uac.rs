//! 4742/4738 `UserAccountControl` tokens `%%2048`–`%%2111` (msobjs.dll). Reference A.5.
//!
//! Each token names one flag that changed. Token 0x800 + n (2048 + n) means "flag n –
//! Disabled" (cleared) and 0x820 + n (2080 + n) means "flag n – Enabled" (set), with two
//! special cases: bit 0 gives 2048 "Account Enabled" / 2080 "Account Disabled", and bit 10
//! gives 2058 "Account Unlocked" / 2090 "Account Locked".
//!
//! The bit order is the SAM `USER_*` order used by msobjs (0x80 = workstation trust,
//! 0x2000 = trusted for delegation), **not** the AD `ADS_UF_*` order that the 4742 page
//! suggests; the page's own sample (0x80 → 0x2080, `%%2093`) only fits the SAM order.

use super::{find_code, Code};

/// First token: bit 0 cleared ("Account Enabled").
pub const FIRST_DISABLED: u32 = 2048;
/// First "Enabled" token: bit 0 set ("Account Disabled").
pub const FIRST_ENABLED: u32 = 2080;
/// Last token: bit 31 set.
pub const LAST: u32 = 2111;

/// All 64 tokens, sorted by code.
pub static UAC_TOKENS: &[Code] = &[
    Code { code: 2048, name: "Account Enabled", meaning: "The account was enabled (USER_ACCOUNT_DISABLED 0x1 cleared)." },
    Code { code: 2049, name: "'Home Directory Required' - Disabled", meaning: "USER_HOME_DIRECTORY_REQUIRED (0x2) cleared; the flag means: a home directory is required." },
    Code { code: 2050, name: "'Password Not Required' - Disabled", meaning: "USER_PASSWORD_NOT_REQUIRED (0x4) cleared; the flag means: the account may have an empty password." },
    Code { code: 2051, name: "'Temp Duplicate Account' - Disabled", meaning: "USER_TEMP_DUPLICATE_ACCOUNT (0x8) cleared; the flag means: local account for a user whose primary account is in another domain." },
    Code { code: 2052, name: "'Normal Account' - Disabled", meaning: "USER_NORMAL_ACCOUNT (0x10) cleared; the flag means: ordinary user account type." },
    Code { code: 2053, name: "'MNS Logon Account' - Disabled", meaning: "USER_MNS_LOGON_ACCOUNT (0x20) cleared; the flag means: Majority Node Set (cluster) logon account." },
    Code { code: 2054, name: "'Interdomain Trust Account' - Disabled", meaning: "USER_INTERDOMAIN_TRUST_ACCOUNT (0x40) cleared; the flag means: trust account of a domain that trusts this one." },
    Code { code: 2055, name: "'Workstation Trust Account' - Disabled", meaning: "USER_WORKSTATION_TRUST_ACCOUNT (0x80) cleared; the flag means: computer account of a workstation or member server." },
    Code { code: 2056, name: "'Server Trust Account' - Disabled", meaning: "USER_SERVER_TRUST_ACCOUNT (0x100) cleared; the flag means: computer account of a domain controller." },
    Code { code: 2057, name: "'Don't Expire Password' - Disabled", meaning: "USER_DONT_EXPIRE_PASSWORD (0x200) cleared; the flag means: the password never expires." },
    Code { code: 2058, name: "Account Unlocked", meaning: "The account was unlocked (USER_ACCOUNT_AUTO_LOCKED 0x400 cleared)." },
    Code { code: 2059, name: "'Encrypted Text Password Allowed' - Disabled", meaning: "USER_ENCRYPTED_TEXT_PASSWORD_ALLOWED (0x800) cleared; the flag means: the password is stored with reversible encryption." },
    Code { code: 2060, name: "'Smartcard Required' - Disabled", meaning: "USER_SMARTCARD_REQUIRED (0x1000) cleared; the flag means: interactive logon requires a smart card." },
    Code { code: 2061, name: "'Trusted For Delegation' - Disabled", meaning: "USER_TRUSTED_FOR_DELEGATION (0x2000) cleared; the flag means: unconstrained Kerberos delegation (high risk; normal only for DCs)." },
    Code { code: 2062, name: "'Not Delegated' - Disabled", meaning: "USER_NOT_DELEGATED (0x4000) cleared; the flag means: the account is sensitive and cannot be delegated." },
    Code { code: 2063, name: "'Use DES Key Only' - Disabled", meaning: "USER_USE_DES_KEY_ONLY (0x8000) cleared; the flag means: only DES Kerberos keys are used (weak)." },
    Code { code: 2064, name: "'Don't Require Preauth' - Disabled", meaning: "USER_DONT_REQUIRE_PREAUTH (0x10000) cleared; the flag means: Kerberos pre-authentication is not required (AS-REP roastable)." },
    Code { code: 2065, name: "'Password Expired' - Disabled", meaning: "USER_PASSWORD_EXPIRED (0x20000) cleared; the flag means: the password has expired." },
    Code { code: 2066, name: "'Trusted To Authenticate For Delegation' - Disabled", meaning: "USER_TRUSTED_TO_AUTHENTICATE_FOR_DELEGATION (0x40000) cleared; the flag means: protocol transition for constrained delegation (S4U2Self)." },
    Code { code: 2067, name: "'Exclude Authorization Information' - Disabled", meaning: "USER_NO_AUTH_DATA_REQUIRED (0x80000) cleared; the flag means: service tickets carry no PAC." },
    Code { code: 2068, name: "'Undefined UserAccountControl Bit 20' - Disabled", meaning: "Undefined UserAccountControl bit (0x100000) cleared." },
    Code { code: 2069, name: "'Protect Kerberos Service Tickets with AES Keys' - Disabled", meaning: "USER_USE_AES_KEYS (0x200000) cleared; the flag means: service tickets are protected with AES keys." },
    Code { code: 2070, name: "'Undefined UserAccountControl Bit 22' - Disabled", meaning: "Undefined UserAccountControl bit (0x400000) cleared." },
    Code { code: 2071, name: "'Undefined UserAccountControl Bit 23' - Disabled", meaning: "Undefined UserAccountControl bit (0x800000) cleared." },
    Code { code: 2072, name: "'Undefined UserAccountControl Bit 24' - Disabled", meaning: "Undefined UserAccountControl bit (0x1000000) cleared." },
    Code { code: 2073, name: "'Undefined UserAccountControl Bit 25' - Disabled", meaning: "Undefined UserAccountControl bit (0x2000000) cleared." },
    Code { code: 2074, name: "'Undefined UserAccountControl Bit 26' - Disabled", meaning: "Undefined UserAccountControl bit (0x4000000) cleared." },
    Code { code: 2075, name: "'Undefined UserAccountControl Bit 27' - Disabled", meaning: "Undefined UserAccountControl bit (0x8000000) cleared." },
    Code { code: 2076, name: "'Undefined UserAccountControl Bit 28' - Disabled", meaning: "Undefined UserAccountControl bit (0x10000000) cleared." },
    Code { code: 2077, name: "'Undefined UserAccountControl Bit 29' - Disabled", meaning: "Undefined UserAccountControl bit (0x20000000) cleared." },
    Code { code: 2078, name: "'Undefined UserAccountControl Bit 30' - Disabled", meaning: "Undefined UserAccountControl bit (0x40000000) cleared." },
    Code { code: 2079, name: "'Undefined UserAccountControl Bit 31' - Disabled", meaning: "Undefined UserAccountControl bit (0x80000000) cleared." },
    Code { code: 2080, name: "Account Disabled", meaning: "The account was disabled (USER_ACCOUNT_DISABLED 0x1 set)." },
    Code { code: 2081, name: "'Home Directory Required' - Enabled", meaning: "USER_HOME_DIRECTORY_REQUIRED (0x2) set; the flag means: a home directory is required." },
    Code { code: 2082, name: "'Password Not Required' - Enabled", meaning: "USER_PASSWORD_NOT_REQUIRED (0x4) set; the flag means: the account may have an empty password." },
    Code { code: 2083, name: "'Temp Duplicate Account' - Enabled", meaning: "USER_TEMP_DUPLICATE_ACCOUNT (0x8) set; the flag means: local account for a user whose primary account is in another domain." },
    Code { code: 2084, name: "'Normal Account' - Enabled", meaning: "USER_NORMAL_ACCOUNT (0x10) set; the flag means: ordinary user account type." },
    Code { code: 2085, name: "'MNS Logon Account' - Enabled", meaning: "USER_MNS_LOGON_ACCOUNT (0x20) set; the flag means: Majority Node Set (cluster) logon account." },
    Code { code: 2086, name: "'Interdomain Trust Account' - Enabled", meaning: "USER_INTERDOMAIN_TRUST_ACCOUNT (0x40) set; the flag means: trust account of a domain that trusts this one." },
    Code { code: 2087, name: "'Workstation Trust Account' - Enabled", meaning: "USER_WORKSTATION_TRUST_ACCOUNT (0x80) set; the flag means: computer account of a workstation or member server." },
    Code { code: 2088, name: "'Server Trust Account' - Enabled", meaning: "USER_SERVER_TRUST_ACCOUNT (0x100) set; the flag means: computer account of a domain controller." },
    Code { code: 2089, name: "'Don't Expire Password' - Enabled", meaning: "USER_DONT_EXPIRE_PASSWORD (0x200) set; the flag means: the password never expires." },
    Code { code: 2090, name: "Account Locked", meaning: "The account was locked out (USER_ACCOUNT_AUTO_LOCKED 0x400 set)." },
    Code { code: 2091, name: "'Encrypted Text Password Allowed' - Enabled", meaning: "USER_ENCRYPTED_TEXT_PASSWORD_ALLOWED (0x800) set; the flag means: the password is stored with reversible encryption." },
    Code { code: 2092, name: "'Smartcard Required' - Enabled", meaning: "USER_SMARTCARD_REQUIRED (0x1000) set; the flag means: interactive logon requires a smart card." },
    Code { code: 2093, name: "'Trusted For Delegation' - Enabled", meaning: "USER_TRUSTED_FOR_DELEGATION (0x2000) set; the flag means: unconstrained Kerberos delegation (high risk; normal only for DCs)." },
    Code { code: 2094, name: "'Not Delegated' - Enabled", meaning: "USER_NOT_DELEGATED (0x4000) set; the flag means: the account is sensitive and cannot be delegated." },
    Code { code: 2095, name: "'Use DES Key Only' - Enabled", meaning: "USER_USE_DES_KEY_ONLY (0x8000) set; the flag means: only DES Kerberos keys are used (weak)." },
    Code { code: 2096, name: "'Don't Require Preauth' - Enabled", meaning: "USER_DONT_REQUIRE_PREAUTH (0x10000) set; the flag means: Kerberos pre-authentication is not required (AS-REP roastable)." },
    Code { code: 2097, name: "'Password Expired' - Enabled", meaning: "USER_PASSWORD_EXPIRED (0x20000) set; the flag means: the password has expired." },
    Code { code: 2098, name: "'Trusted To Authenticate For Delegation' - Enabled", meaning: "USER_TRUSTED_TO_AUTHENTICATE_FOR_DELEGATION (0x40000) set; the flag means: protocol transition for constrained delegation (S4U2Self)." },
    Code { code: 2099, name: "'Exclude Authorization Information' - Enabled", meaning: "USER_NO_AUTH_DATA_REQUIRED (0x80000) set; the flag means: service tickets carry no PAC." },
    Code { code: 2100, name: "'Undefined UserAccountControl Bit 20' - Enabled", meaning: "Undefined UserAccountControl bit (0x100000) set." },
    Code { code: 2101, name: "'Protect Kerberos Service Tickets with AES Keys' - Enabled", meaning: "USER_USE_AES_KEYS (0x200000) set; the flag means: service tickets are protected with AES keys." },
    Code { code: 2102, name: "'Undefined UserAccountControl Bit 22' - Enabled", meaning: "Undefined UserAccountControl bit (0x400000) set." },
    Code { code: 2103, name: "'Undefined UserAccountControl Bit 23' - Enabled", meaning: "Undefined UserAccountControl bit (0x800000) set." },
    Code { code: 2104, name: "'Undefined UserAccountControl Bit 24' - Enabled", meaning: "Undefined UserAccountControl bit (0x1000000) set." },
    Code { code: 2105, name: "'Undefined UserAccountControl Bit 25' - Enabled", meaning: "Undefined UserAccountControl bit (0x2000000) set." },
    Code { code: 2106, name: "'Undefined UserAccountControl Bit 26' - Enabled", meaning: "Undefined UserAccountControl bit (0x4000000) set." },
    Code { code: 2107, name: "'Undefined UserAccountControl Bit 27' - Enabled", meaning: "Undefined UserAccountControl bit (0x8000000) set." },
    Code { code: 2108, name: "'Undefined UserAccountControl Bit 28' - Enabled", meaning: "Undefined UserAccountControl bit (0x10000000) set." },
    Code { code: 2109, name: "'Undefined UserAccountControl Bit 29' - Enabled", meaning: "Undefined UserAccountControl bit (0x20000000) set." },
    Code { code: 2110, name: "'Undefined UserAccountControl Bit 30' - Enabled", meaning: "Undefined UserAccountControl bit (0x40000000) set." },
    Code { code: 2111, name: "'Undefined UserAccountControl Bit 31' - Enabled", meaning: "Undefined UserAccountControl bit (0x80000000) set." },
];

/// Short English name of each SAM `USER_*` bit as msobjs spells it, indexed by bit number.
static FLAG_NAMES: [&str; 32] = [
    "Account Disabled",
    "Home Directory Required",
    "Password Not Required",
    "Temp Duplicate Account",
    "Normal Account",
    "MNS Logon Account",
    "Interdomain Trust Account",
    "Workstation Trust Account",
    "Server Trust Account",
    "Don't Expire Password",
    "Account Locked",
    "Encrypted Text Password Allowed",
    "Smartcard Required",
    "Trusted For Delegation",
    "Not Delegated",
    "Use DES Key Only",
    "Don't Require Preauth",
    "Password Expired",
    "Trusted To Authenticate For Delegation",
    "Exclude Authorization Information",
    "Undefined UserAccountControl Bit 20",
    "Protect Kerberos Service Tickets with AES Keys",
    "Undefined UserAccountControl Bit 22",
    "Undefined UserAccountControl Bit 23",
    "Undefined UserAccountControl Bit 24",
    "Undefined UserAccountControl Bit 25",
    "Undefined UserAccountControl Bit 26",
    "Undefined UserAccountControl Bit 27",
    "Undefined UserAccountControl Bit 28",
    "Undefined UserAccountControl Bit 29",
    "Undefined UserAccountControl Bit 30",
    "Undefined UserAccountControl Bit 31",
];

/// The `%%2048`–`%%2111` token with this number.
pub fn lookup(code: u32) -> Option<&'static Code> {
    find_code(UAC_TOKENS, code)
}

/// Split a token into (bit number, set?) — `2093` gives `(13, true)`.
pub fn bit(code: u32) -> Option<(u32, bool)> {
    match code {
        FIRST_DISABLED..FIRST_ENABLED => Some((code - FIRST_DISABLED, false)),
        FIRST_ENABLED..=LAST => Some((code - FIRST_ENABLED, true)),
        _ => None,
    }
}

/// The token that Windows writes when bit `bit` was set (`enabled`) or cleared.
pub fn token(bit: u32, enabled: bool) -> Option<u32> {
    (bit < 32).then(|| {
        if enabled {
            FIRST_ENABLED + bit
        } else {
            FIRST_DISABLED + bit
        }
    })
}

/// msobjs name of SAM `USER_*` bit `bit` (0 = "Account Disabled", 13 = "Trusted For Delegation").
pub fn flag_name(bit: u32) -> Option<&'static str> {
    FLAG_NAMES.get(bit as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::test_support::assert_code_table;

    #[test]
    fn table_sorted_unique_complete() {
        assert_code_table(UAC_TOKENS);
        assert_eq!(UAC_TOKENS.len(), 64);
        assert_eq!(UAC_TOKENS.first().unwrap().code, 2048);
        assert_eq!(UAC_TOKENS.last().unwrap().code, 2111);
    }

    #[test]
    fn special_cases() {
        assert_eq!(lookup(2048).unwrap().name, "Account Enabled");
        assert_eq!(lookup(2080).unwrap().name, "Account Disabled");
        assert_eq!(lookup(2058).unwrap().name, "Account Unlocked");
        assert_eq!(lookup(2090).unwrap().name, "Account Locked");
    }

    #[test]
    fn sample_values() {
        assert_eq!(
            lookup(2093).unwrap().name,
            "'Trusted For Delegation' - Enabled"
        );
        assert_eq!(
            lookup(2087).unwrap().name,
            "'Workstation Trust Account' - Enabled"
        );
        assert_eq!(
            lookup(2055).unwrap().name,
            "'Workstation Trust Account' - Disabled"
        );
        assert!(lookup(2047).is_none());
        assert!(lookup(2112).is_none());
    }

    #[test]
    fn bits_and_tokens_round_trip() {
        assert_eq!(bit(2093), Some((13, true)));
        assert_eq!(bit(2048), Some((0, false)));
        assert_eq!(bit(2111), Some((31, true)));
        assert_eq!(bit(2112), None);
        for code in 2048..=2111 {
            let (b, on) = bit(code).unwrap();
            assert_eq!(token(b, on), Some(code));
            let name = lookup(code).unwrap().name;
            if b != 0 && b != 10 {
                assert!(name.contains(flag_name(b).unwrap()), "{code}: {name}");
                assert!(name.ends_with(if on { "Enabled" } else { "Disabled" }));
            }
        }
        assert_eq!(token(32, true), None);
        assert_eq!(flag_name(13), Some("Trusted For Delegation"));
        assert_eq!(flag_name(32), None);
    }
}
