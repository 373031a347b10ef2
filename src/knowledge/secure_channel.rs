//! NETLOGON_SECURE_CHANNEL_TYPE (MS-NRPC), as written in 8004/4004 `SChannelType`. Reference B.3.

use super::{find_code, Code};

/// All channel types, sorted by value.
pub static SECURE_CHANNEL_TYPES: &[Code] = &[
    Code {
        code: 0,
        name: "NullSecureChannel",
        meaning: "No secure channel (unused value).",
    },
    Code {
        code: 1,
        name: "MsvApSecureChannel",
        meaning: "MSV1_0 pass-through secure channel (local authentication package).",
    },
    Code {
        code: 2,
        name: "WorkstationSecureChannel",
        meaning: "Secure channel of a domain member workstation or member server.",
    },
    Code {
        code: 3,
        name: "TrustedDnsDomainSecureChannel",
        meaning: "Secure channel of a trusted domain, identified by its DNS name (AD trust).",
    },
    Code {
        code: 4,
        name: "TrustedDomainSecureChannel",
        meaning:
            "Secure channel of a trusted domain, identified by its NetBIOS name (downlevel trust).",
    },
    Code {
        code: 5,
        name: "UasServerSecureChannel",
        meaning: "LAN Manager UAS server secure channel (obsolete).",
    },
    Code {
        code: 6,
        name: "ServerSecureChannel",
        meaning: "Secure channel of a backup domain controller (a writable DC).",
    },
    Code {
        code: 7,
        name: "CdcServerSecureChannel",
        meaning: "Secure channel of a read-only domain controller (RODC).",
    },
];

/// The channel type with this value, if defined.
pub fn lookup(t: u32) -> Option<&'static Code> {
    find_code(SECURE_CHANNEL_TYPES, t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::test_support::assert_code_table;

    #[test]
    fn table_sorted_unique() {
        assert_code_table(SECURE_CHANNEL_TYPES);
    }

    #[test]
    fn values() {
        assert_eq!(lookup(2).unwrap().name, "WorkstationSecureChannel");
        assert_eq!(lookup(6).unwrap().name, "ServerSecureChannel");
        assert_eq!(lookup(7).unwrap().name, "CdcServerSecureChannel");
        assert!(lookup(8).is_none());
    }
}
