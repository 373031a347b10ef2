//! The privilege constants of Windows (`winnt.h`, "Privilege Constants"), as 4672 and 4742
//! list them in PrivilegeList.
//!
//! Typing shares these names instead of copying each into every event: a 4672 lists up to a
//! dozen, several too long for a [`crate::event::Text`] to hold inline.

/// Every privilege constant, in `winnt.h` order.
pub const NAMES: &[&str] = &[
    "SeCreateTokenPrivilege",
    "SeAssignPrimaryTokenPrivilege",
    "SeLockMemoryPrivilege",
    "SeIncreaseQuotaPrivilege",
    "SeUnsolicitedInputPrivilege",
    "SeMachineAccountPrivilege",
    "SeTcbPrivilege",
    "SeSecurityPrivilege",
    "SeTakeOwnershipPrivilege",
    "SeLoadDriverPrivilege",
    "SeSystemProfilePrivilege",
    "SeSystemtimePrivilege",
    "SeProfileSingleProcessPrivilege",
    "SeIncreaseBasePriorityPrivilege",
    "SeCreatePagefilePrivilege",
    "SeCreatePermanentPrivilege",
    "SeBackupPrivilege",
    "SeRestorePrivilege",
    "SeShutdownPrivilege",
    "SeDebugPrivilege",
    "SeAuditPrivilege",
    "SeSystemEnvironmentPrivilege",
    "SeChangeNotifyPrivilege",
    "SeRemoteShutdownPrivilege",
    "SeUndockPrivilege",
    "SeSyncAgentPrivilege",
    "SeEnableDelegationPrivilege",
    "SeManageVolumePrivilege",
    "SeImpersonatePrivilege",
    "SeCreateGlobalPrivilege",
    "SeTrustedCredManAccessPrivilege",
    "SeRelabelPrivilege",
    "SeIncreaseWorkingSetPrivilege",
    "SeTimeZonePrivilege",
    "SeCreateSymbolicLinkPrivilege",
    "SeDelegateSessionUserImpersonatePrivilege",
];

/// `name` from [`NAMES`], when it is one of them exactly (as written: the case is kept).
pub fn known(name: &str) -> Option<&'static str> {
    // By length first: a 4672 lists a dozen names, and a scan of the whole table compared
    // each with every name of its length (BENCHMARKS.md).
    static BY_LEN: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    let by_len = BY_LEN.get_or_init(|| {
        let longest = NAMES.iter().map(|n| n.len()).max().unwrap_or(0);
        let mut by_len = vec![Vec::new(); longest + 1];
        for n in NAMES {
            by_len[n.len()].push(*n);
        }
        by_len
    });
    by_len.get(name.len())?.iter().copied().find(|n| *n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_exact() {
        let mut sorted = NAMES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), NAMES.len());
        assert_eq!(known("SeDebugPrivilege"), Some("SeDebugPrivilege"));
        assert_eq!(known("sedebugprivilege"), None);
        assert_eq!(known("SeDebug"), None);
    }
}
