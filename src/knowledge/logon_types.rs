//! Logon types (SECURITY_LOGON_TYPE) as written in 4624/4625 `LogonType` (decimal).
//! Reference B.1.

use super::{find_code, Code};

pub const SYSTEM: u32 = 0;
pub const INTERACTIVE: u32 = 2;
pub const NETWORK: u32 = 3;
pub const BATCH: u32 = 4;
pub const SERVICE: u32 = 5;
pub const PROXY: u32 = 6;
pub const UNLOCK: u32 = 7;
pub const NETWORK_CLEARTEXT: u32 = 8;
pub const NEW_CREDENTIALS: u32 = 9;
pub const REMOTE_INTERACTIVE: u32 = 10;
pub const CACHED_INTERACTIVE: u32 = 11;
pub const CACHED_REMOTE_INTERACTIVE: u32 = 12;
pub const CACHED_UNLOCK: u32 = 13;

/// All logon types, sorted by code.
pub static LOGON_TYPES: &[Code] = &[
    Code { code: SYSTEM, name: "System", meaning: "System: used only by the SYSTEM account, for example at startup (UndefinedLogonType in ntsecapi.h)." },
    Code { code: INTERACTIVE, name: "Interactive", meaning: "Interactive: a user logged on at the console (keyboard and screen of this computer)." },
    Code { code: NETWORK, name: "Network", meaning: "Network: SMB, RPC, null sessions — the client authenticated over the network." },
    Code { code: BATCH, name: "Batch", meaning: "Batch: a scheduled task or batch job started without user interaction." },
    Code { code: SERVICE, name: "Service", meaning: "Service: a service started by the Service Control Manager under this account." },
    Code { code: PROXY, name: "Proxy", meaning: "Proxy: defined by Windows but not used." },
    Code { code: UNLOCK, name: "Unlock", meaning: "Unlock: the workstation was unlocked." },
    Code { code: NETWORK_CLEARTEXT, name: "NetworkCleartext", meaning: "NetworkCleartext: network logon with a clear-text password (IIS Basic authentication, for example)." },
    Code { code: NEW_CREDENTIALS, name: "NewCredentials", meaning: "NewCredentials: `runas /netonly` — the token was cloned with new credentials for outbound connections only." },
    Code { code: REMOTE_INTERACTIVE, name: "RemoteInteractive", meaning: "RemoteInteractive: Remote Desktop / Terminal Services logon." },
    Code { code: CACHED_INTERACTIVE, name: "CachedInteractive", meaning: "CachedInteractive: interactive logon with cached domain credentials; the DC was not contacted." },
    Code { code: CACHED_REMOTE_INTERACTIVE, name: "CachedRemoteInteractive", meaning: "CachedRemoteInteractive: like RemoteInteractive, with cached credentials." },
    Code { code: CACHED_UNLOCK, name: "CachedUnlock", meaning: "CachedUnlock: workstation unlock with cached credentials." },
];

/// The logon type with this number, if Windows defines it (0 and 2–13).
pub fn lookup(t: u32) -> Option<&'static Code> {
    find_code(LOGON_TYPES, t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::test_support::assert_code_table;

    #[test]
    fn table_sorted_unique() {
        assert_code_table(LOGON_TYPES);
    }

    #[test]
    fn all_defined_types() {
        assert_eq!(lookup(0).unwrap().name, "System");
        for t in 2..=13 {
            assert!(lookup(t).is_some(), "missing logon type {t}");
        }
        assert!(lookup(1).is_none());
        assert!(lookup(14).is_none());
        assert_eq!(lookup(3).unwrap().name, "Network");
        assert!(lookup(3).unwrap().meaning.contains("null sessions"));
        assert_eq!(lookup(9).unwrap().name, "NewCredentials");
        assert_eq!(lookup(10).unwrap().name, "RemoteInteractive");
    }
}
