//! Advanced audit policy subcategories and their GUIDs (auditpol CSV, GPO `audit.csv`,
//! `AuditQuerySystemPolicy`). Reference D.4.
//!
//! auditpol output is localized, so key on the GUID. All subcategory GUIDs are
//! `{0CCE92xx-69AE-11D9-BED3-505054503030}`; the categories are the
//! `{6997984x-797A-11D9-BED3-505054503030}` family. Traps: `{0CCE9212…}` is System Integrity,
//! not Special Logon (`{0CCE921B…}`), and `{0CCE923F…}`–`{0CCE9247…}` are subcategories, not
//! the legacy categories.

/// One audit subcategory. `events` lists the main Security event IDs it controls (empty where
/// the tool does not care).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subcategory {
    /// Upper-case, braced: `{0CCE9215-69AE-11D9-BED3-505054503030}`.
    pub guid: &'static str,
    /// English name as auditpol writes it.
    pub name: &'static str,
    pub events: &'static [u32],
    pub meaning: &'static str,
}

pub const SECURITY_STATE_CHANGE: &str = "{0CCE9210-69AE-11D9-BED3-505054503030}";
pub const SECURITY_SYSTEM_EXTENSION: &str = "{0CCE9211-69AE-11D9-BED3-505054503030}";
pub const SYSTEM_INTEGRITY: &str = "{0CCE9212-69AE-11D9-BED3-505054503030}";
pub const IPSEC_DRIVER: &str = "{0CCE9213-69AE-11D9-BED3-505054503030}";
pub const OTHER_SYSTEM_EVENTS: &str = "{0CCE9214-69AE-11D9-BED3-505054503030}";
pub const LOGON: &str = "{0CCE9215-69AE-11D9-BED3-505054503030}";
pub const LOGOFF: &str = "{0CCE9216-69AE-11D9-BED3-505054503030}";
pub const ACCOUNT_LOCKOUT: &str = "{0CCE9217-69AE-11D9-BED3-505054503030}";
pub const IPSEC_MAIN_MODE: &str = "{0CCE9218-69AE-11D9-BED3-505054503030}";
pub const IPSEC_QUICK_MODE: &str = "{0CCE9219-69AE-11D9-BED3-505054503030}";
pub const IPSEC_EXTENDED_MODE: &str = "{0CCE921A-69AE-11D9-BED3-505054503030}";
pub const SPECIAL_LOGON: &str = "{0CCE921B-69AE-11D9-BED3-505054503030}";
pub const OTHER_LOGON_LOGOFF: &str = "{0CCE921C-69AE-11D9-BED3-505054503030}";
pub const FILE_SYSTEM: &str = "{0CCE921D-69AE-11D9-BED3-505054503030}";
pub const REGISTRY: &str = "{0CCE921E-69AE-11D9-BED3-505054503030}";
pub const KERNEL_OBJECT: &str = "{0CCE921F-69AE-11D9-BED3-505054503030}";
pub const SAM: &str = "{0CCE9220-69AE-11D9-BED3-505054503030}";
pub const CERTIFICATION_SERVICES: &str = "{0CCE9221-69AE-11D9-BED3-505054503030}";
pub const APPLICATION_GENERATED: &str = "{0CCE9222-69AE-11D9-BED3-505054503030}";
pub const HANDLE_MANIPULATION: &str = "{0CCE9223-69AE-11D9-BED3-505054503030}";
pub const FILE_SHARE: &str = "{0CCE9224-69AE-11D9-BED3-505054503030}";
pub const FILTERING_PLATFORM_PACKET_DROP: &str = "{0CCE9225-69AE-11D9-BED3-505054503030}";
pub const FILTERING_PLATFORM_CONNECTION: &str = "{0CCE9226-69AE-11D9-BED3-505054503030}";
pub const OTHER_OBJECT_ACCESS: &str = "{0CCE9227-69AE-11D9-BED3-505054503030}";
pub const SENSITIVE_PRIVILEGE_USE: &str = "{0CCE9228-69AE-11D9-BED3-505054503030}";
pub const NON_SENSITIVE_PRIVILEGE_USE: &str = "{0CCE9229-69AE-11D9-BED3-505054503030}";
pub const OTHER_PRIVILEGE_USE: &str = "{0CCE922A-69AE-11D9-BED3-505054503030}";
pub const PROCESS_CREATION: &str = "{0CCE922B-69AE-11D9-BED3-505054503030}";
pub const PROCESS_TERMINATION: &str = "{0CCE922C-69AE-11D9-BED3-505054503030}";
pub const DPAPI_ACTIVITY: &str = "{0CCE922D-69AE-11D9-BED3-505054503030}";
pub const RPC_EVENTS: &str = "{0CCE922E-69AE-11D9-BED3-505054503030}";
pub const AUDIT_POLICY_CHANGE: &str = "{0CCE922F-69AE-11D9-BED3-505054503030}";
pub const AUTHENTICATION_POLICY_CHANGE: &str = "{0CCE9230-69AE-11D9-BED3-505054503030}";
pub const AUTHORIZATION_POLICY_CHANGE: &str = "{0CCE9231-69AE-11D9-BED3-505054503030}";
pub const MPSSVC_RULE_LEVEL_POLICY_CHANGE: &str = "{0CCE9232-69AE-11D9-BED3-505054503030}";
pub const FILTERING_PLATFORM_POLICY_CHANGE: &str = "{0CCE9233-69AE-11D9-BED3-505054503030}";
pub const OTHER_POLICY_CHANGE: &str = "{0CCE9234-69AE-11D9-BED3-505054503030}";
pub const USER_ACCOUNT_MANAGEMENT: &str = "{0CCE9235-69AE-11D9-BED3-505054503030}";
pub const COMPUTER_ACCOUNT_MANAGEMENT: &str = "{0CCE9236-69AE-11D9-BED3-505054503030}";
pub const SECURITY_GROUP_MANAGEMENT: &str = "{0CCE9237-69AE-11D9-BED3-505054503030}";
pub const DISTRIBUTION_GROUP_MANAGEMENT: &str = "{0CCE9238-69AE-11D9-BED3-505054503030}";
pub const APPLICATION_GROUP_MANAGEMENT: &str = "{0CCE9239-69AE-11D9-BED3-505054503030}";
pub const OTHER_ACCOUNT_MANAGEMENT: &str = "{0CCE923A-69AE-11D9-BED3-505054503030}";
pub const DIRECTORY_SERVICE_ACCESS: &str = "{0CCE923B-69AE-11D9-BED3-505054503030}";
pub const DIRECTORY_SERVICE_CHANGES: &str = "{0CCE923C-69AE-11D9-BED3-505054503030}";
pub const DIRECTORY_SERVICE_REPLICATION: &str = "{0CCE923D-69AE-11D9-BED3-505054503030}";
pub const DETAILED_DIRECTORY_SERVICE_REPLICATION: &str = "{0CCE923E-69AE-11D9-BED3-505054503030}";
pub const CREDENTIAL_VALIDATION: &str = "{0CCE923F-69AE-11D9-BED3-505054503030}";
pub const KERBEROS_SERVICE_TICKET_OPERATIONS: &str = "{0CCE9240-69AE-11D9-BED3-505054503030}";
pub const OTHER_ACCOUNT_LOGON_EVENTS: &str = "{0CCE9241-69AE-11D9-BED3-505054503030}";
pub const KERBEROS_AUTHENTICATION_SERVICE: &str = "{0CCE9242-69AE-11D9-BED3-505054503030}";
pub const NETWORK_POLICY_SERVER: &str = "{0CCE9243-69AE-11D9-BED3-505054503030}";
pub const DETAILED_FILE_SHARE: &str = "{0CCE9244-69AE-11D9-BED3-505054503030}";
pub const REMOVABLE_STORAGE: &str = "{0CCE9245-69AE-11D9-BED3-505054503030}";
pub const CENTRAL_POLICY_STAGING: &str = "{0CCE9246-69AE-11D9-BED3-505054503030}";
pub const USER_DEVICE_CLAIMS: &str = "{0CCE9247-69AE-11D9-BED3-505054503030}";
pub const PLUG_AND_PLAY_EVENTS: &str = "{0CCE9248-69AE-11D9-BED3-505054503030}";
pub const GROUP_MEMBERSHIP: &str = "{0CCE9249-69AE-11D9-BED3-505054503030}";
pub const TOKEN_RIGHT_ADJUSTED_EVENTS: &str = "{0CCE924A-69AE-11D9-BED3-505054503030}";

/// The Account Management *category* (not a subcategory).
pub const CATEGORY_ACCOUNT_MANAGEMENT: &str = "{6997984E-797A-11D9-BED3-505054503030}";

const fn sub(
    guid: &'static str,
    name: &'static str,
    events: &'static [u32],
    meaning: &'static str,
) -> Subcategory {
    Subcategory {
        guid,
        name,
        events,
        meaning,
    }
}

/// All subcategories, sorted by GUID.
pub static SUBCATEGORIES: &[Subcategory] = &[
    sub(SECURITY_STATE_CHANGE, "Security State Change", &[4608, 4616, 4621], "System: startup, shutdown and system time changes."),
    sub(SECURITY_SYSTEM_EXTENSION, "Security System Extension", &[4610, 4611, 4614, 4622, 4697], "System: security packages, logon processes and service installation."),
    sub(SYSTEM_INTEGRITY, "System Integrity", &[], "System: integrity of the security subsystem (audit log loss, code integrity)."),
    sub(IPSEC_DRIVER, "IPsec Driver", &[], "System: IPsec driver activity."),
    sub(OTHER_SYSTEM_EVENTS, "Other System Events", &[], "System: Windows Firewall service and key-storage events."),
    sub(LOGON, "Logon", &[4624, 4625, 4648, 4675], "Logon/Logoff: logons to this computer (4624/4625) — the main source for ANONYMOUS LOGON and LmPackageName."),
    sub(LOGOFF, "Logoff", &[4634, 4647], "Logon/Logoff: end of logon sessions."),
    sub(ACCOUNT_LOCKOUT, "Account Lockout", &[4625], "Logon/Logoff: failed logons to a locked-out account."),
    sub(IPSEC_MAIN_MODE, "IPsec Main Mode", &[], "Logon/Logoff: IKE/AuthIP main mode negotiations."),
    sub(IPSEC_QUICK_MODE, "IPsec Quick Mode", &[], "Logon/Logoff: IKE/AuthIP quick mode negotiations."),
    sub(IPSEC_EXTENDED_MODE, "IPsec Extended Mode", &[], "Logon/Logoff: AuthIP extended mode negotiations."),
    sub(SPECIAL_LOGON, "Special Logon", &[4672, 4964], "Logon/Logoff: logons that received administrative privileges (4672)."),
    sub(OTHER_LOGON_LOGOFF, "Other Logon/Logoff Events", &[4649, 4778, 4779, 4800, 4801, 4802, 4803, 5378, 5632, 5633], "Logon/Logoff: RDP reconnects, workstation lock/unlock, replay detection."),
    sub(FILE_SYSTEM, "File System", &[4656, 4658, 4660, 4663, 4664, 4670, 4985, 5051], "Object Access: file and folder access controlled by SACLs."),
    sub(REGISTRY, "Registry", &[4656, 4657, 4658, 4660, 4663, 4670, 5039], "Object Access: registry access controlled by SACLs."),
    sub(KERNEL_OBJECT, "Kernel Object", &[4656, 4658, 4660, 4663], "Object Access: kernel objects such as mutexes and semaphores."),
    sub(SAM, "SAM", &[4661], "Object Access: access to SAM objects (local users and groups)."),
    sub(CERTIFICATION_SERVICES, "Certification Services", &[], "Object Access: Active Directory Certificate Services operations."),
    sub(APPLICATION_GENERATED, "Application Generated", &[4665, 4666, 4667, 4668], "Object Access: events of applications that use the Windows auditing API."),
    sub(HANDLE_MANIPULATION, "Handle Manipulation", &[4658, 4690], "Object Access: object handles opened and duplicated."),
    sub(FILE_SHARE, "File Share", &[5140, 5142, 5143, 5144, 5168], "Object Access: share connections (5140, once per session — IPC$ null sessions show here)."),
    sub(FILTERING_PLATFORM_PACKET_DROP, "Filtering Platform Packet Drop", &[5152, 5153], "Object Access: packets dropped by the Windows Filtering Platform."),
    sub(FILTERING_PLATFORM_CONNECTION, "Filtering Platform Connection", &[5031, 5150, 5151, 5154, 5155, 5156, 5157, 5158, 5159], "Object Access: connections allowed or blocked by the Windows Filtering Platform."),
    sub(OTHER_OBJECT_ACCESS, "Other Object Access Events", &[4671, 4691, 4698, 4699, 4700, 4701, 4702, 5148, 5149, 5888, 5889, 5890], "Object Access: scheduled tasks, COM+ catalog and other objects."),
    sub(SENSITIVE_PRIVILEGE_USE, "Sensitive Privilege Use", &[4673, 4674, 4985], "Privilege Use: use of sensitive privileges."),
    sub(NON_SENSITIVE_PRIVILEGE_USE, "Non Sensitive Privilege Use", &[4673, 4674, 4985], "Privilege Use: use of non-sensitive privileges."),
    sub(OTHER_PRIVILEGE_USE, "Other Privilege Use Events", &[], "Privilege Use: not used."),
    sub(PROCESS_CREATION, "Process Creation", &[4688, 4696], "Detailed Tracking: process creation."),
    sub(PROCESS_TERMINATION, "Process Termination", &[4689], "Detailed Tracking: process exit."),
    sub(DPAPI_ACTIVITY, "DPAPI Activity", &[4692, 4693, 4694, 4695], "Detailed Tracking: Data Protection API master-key operations."),
    sub(RPC_EVENTS, "RPC Events", &[5712], "Detailed Tracking: inbound RPC connections."),
    sub(AUDIT_POLICY_CHANGE, "Audit Policy Change", &[4715, 4719, 4817, 4902, 4904, 4905, 4906, 4907, 4908, 4912], "Policy Change: changes to the audit policy itself."),
    sub(AUTHENTICATION_POLICY_CHANGE, "Authentication Policy Change", &[4706, 4707, 4713, 4716, 4717, 4718, 4739, 4864, 4865, 4866, 4867], "Policy Change: trusts, Kerberos policy, user rights and domain policy."),
    sub(AUTHORIZATION_POLICY_CHANGE, "Authorization Policy Change", &[4703, 4704, 4705, 4911, 4913], "Policy Change: user rights assignments and resource attributes."),
    sub(MPSSVC_RULE_LEVEL_POLICY_CHANGE, "MPSSVC Rule-Level Policy Change", &[], "Policy Change: Windows Firewall rule changes."),
    sub(FILTERING_PLATFORM_POLICY_CHANGE, "Filtering Platform Policy Change", &[], "Policy Change: Windows Filtering Platform changes."),
    sub(OTHER_POLICY_CHANGE, "Other Policy Change Events", &[], "Policy Change: other policy changes (EFS, TPM, IPsec)."),
    sub(USER_ACCOUNT_MANAGEMENT, "User Account Management", &[4720, 4722, 4723, 4724, 4725, 4726, 4738, 4740, 4765, 4766, 4767, 4780, 4781, 4794, 4798, 5376, 5377], "Account Management: user accounts created, changed, reset or deleted."),
    sub(COMPUTER_ACCOUNT_MANAGEMENT, "Computer Account Management", &[4741, 4742, 4743], "Account Management: computer accounts created, changed (4742 — Zerologon password reset) or deleted (DCs)."),
    sub(SECURITY_GROUP_MANAGEMENT, "Security Group Management", &[4727, 4728, 4729, 4730, 4731, 4732, 4733, 4734, 4735, 4737, 4754, 4755, 4756, 4757, 4758, 4764, 4799], "Account Management: security groups and their members (for example Pre-Windows 2000 Compatible Access)."),
    sub(DISTRIBUTION_GROUP_MANAGEMENT, "Distribution Group Management", &[], "Account Management: distribution groups (DCs)."),
    sub(APPLICATION_GROUP_MANAGEMENT, "Application Group Management", &[], "Account Management: Authorization Manager application groups."),
    sub(OTHER_ACCOUNT_MANAGEMENT, "Other Account Management Events", &[4782, 4793], "Account Management: password hash access and password policy checks."),
    sub(DIRECTORY_SERVICE_ACCESS, "Directory Service Access", &[4661, 4662], "DS Access: access to AD objects controlled by SACLs (DCs)."),
    sub(DIRECTORY_SERVICE_CHANGES, "Directory Service Changes", &[5136, 5137, 5138, 5139, 5141], "DS Access: AD object changes with old and new values (DCs), for example dsHeuristics."),
    sub(DIRECTORY_SERVICE_REPLICATION, "Directory Service Replication", &[4932, 4933], "DS Access: start and end of AD replication."),
    sub(DETAILED_DIRECTORY_SERVICE_REPLICATION, "Detailed Directory Service Replication", &[], "DS Access: detailed AD replication events."),
    sub(CREDENTIAL_VALIDATION, "Credential Validation", &[4774, 4775, 4776, 4777], "Account Logon: NTLM credential validation by the account authority (4776 on DCs) — where legacy NTLM is seen domain-wide."),
    sub(KERBEROS_SERVICE_TICKET_OPERATIONS, "Kerberos Service Ticket Operations", &[4769, 4770, 4773], "Account Logon: Kerberos service tickets (DCs)."),
    sub(OTHER_ACCOUNT_LOGON_EVENTS, "Other Account Logon Events", &[], "Account Logon: reserved; no events are currently defined."),
    sub(KERBEROS_AUTHENTICATION_SERVICE, "Kerberos Authentication Service", &[4768, 4771, 4772], "Account Logon: Kerberos TGT requests and pre-authentication failures (DCs)."),
    sub(NETWORK_POLICY_SERVER, "Network Policy Server", &[], "Logon/Logoff: RADIUS (NPS) access requests."),
    sub(DETAILED_FILE_SHARE, "Detailed File Share", &[5145], "Object Access: every file or named-pipe access on a share (5145; pipe names such as samr, lsarpc on IPC$). Very high volume."),
    sub(REMOVABLE_STORAGE, "Removable Storage", &[4656, 4658, 4663], "Object Access: access to removable storage."),
    sub(CENTRAL_POLICY_STAGING, "Central Policy Staging", &[4818], "Object Access: staged central access policy results."),
    sub(USER_DEVICE_CLAIMS, "User / Device Claims", &[4626], "Logon/Logoff: user and device claims in the logon token."),
    sub(PLUG_AND_PLAY_EVENTS, "Plug and Play Events", &[6416, 6419, 6420, 6421, 6422, 6423, 6424], "Detailed Tracking: external devices connected."),
    sub(GROUP_MEMBERSHIP, "Group Membership", &[4627], "Logon/Logoff: group membership of the logon token."),
    sub(TOKEN_RIGHT_ADJUSTED_EVENTS, "Token Right Adjusted Events", &[4703], "Detailed Tracking: token privileges adjusted."),
];

/// Look a subcategory up by GUID: case-insensitive, braces optional, whitespace trimmed.
pub fn lookup(guid: &str) -> Option<&'static Subcategory> {
    let g = guid.trim();
    let g = g.strip_prefix('{').unwrap_or(g);
    let g = g.strip_suffix('}').unwrap_or(g);
    SUBCATEGORIES
        .iter()
        .find(|s| s.guid[1..s.guid.len() - 1].eq_ignore_ascii_case(g))
}

/// Look a subcategory up by English name, case-insensitive ("Credential Validation").
/// The CIS/GPO form with an "Audit " prefix ("Audit Credential Validation") is accepted too.
pub fn by_name(name: &str) -> Option<&'static Subcategory> {
    let n = name.trim();
    let find = |n: &str| {
        SUBCATEGORIES
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(n))
    };
    find(n).or_else(|| {
        n.get(..6)
            .filter(|p| p.eq_ignore_ascii_case("Audit "))
            .and_then(|_| find(n[6..].trim_start()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_sorted_unique_well_formed() {
        for pair in SUBCATEGORIES.windows(2) {
            assert!(
                pair[0].guid < pair[1].guid,
                "unsorted or duplicate at {}",
                pair[1].guid
            );
        }
        let mut names = HashSet::new();
        for s in SUBCATEGORIES {
            assert_eq!(s.guid.len(), 38, "{}", s.guid);
            assert!(
                s.guid.starts_with("{0CCE92") && s.guid.ends_with("-69AE-11D9-BED3-505054503030}"),
                "{}",
                s.guid
            );
            assert_eq!(s.guid, s.guid.to_ascii_uppercase());
            assert!(
                names.insert(s.name.to_ascii_lowercase()),
                "duplicate name {}",
                s.name
            );
            assert!(!s.meaning.is_empty());
            let ev: HashSet<_> = s.events.iter().collect();
            assert_eq!(ev.len(), s.events.len(), "duplicate event in {}", s.name);
        }
        assert_eq!(SUBCATEGORIES.len(), 59);
    }

    #[test]
    fn reference_guids() {
        assert_eq!(lookup(LOGON).unwrap().name, "Logon");
        assert_eq!(LOGON, "{0CCE9215-69AE-11D9-BED3-505054503030}");
        assert_eq!(lookup(SPECIAL_LOGON).unwrap().name, "Special Logon");
        assert_eq!(SPECIAL_LOGON, "{0CCE921B-69AE-11D9-BED3-505054503030}");
        assert_eq!(
            lookup("{0CCE9212-69AE-11D9-BED3-505054503030}")
                .unwrap()
                .name,
            "System Integrity"
        );
        assert_eq!(
            lookup(CREDENTIAL_VALIDATION).unwrap().events,
            &[4774, 4775, 4776, 4777]
        );
        assert!(lookup(FILE_SHARE).unwrap().events.contains(&5140));
        assert_eq!(lookup(DETAILED_FILE_SHARE).unwrap().events, &[5145]);
        assert!(lookup(COMPUTER_ACCOUNT_MANAGEMENT)
            .unwrap()
            .events
            .contains(&4742));
        assert!(lookup(CATEGORY_ACCOUNT_MANAGEMENT).is_none());
        for g in [
            LOGOFF,
            ACCOUNT_LOCKOUT,
            OTHER_LOGON_LOGOFF,
            KERBEROS_SERVICE_TICKET_OPERATIONS,
            OTHER_ACCOUNT_LOGON_EVENTS,
            KERBEROS_AUTHENTICATION_SERVICE,
            FILE_SYSTEM,
            OTHER_OBJECT_ACCESS,
            USER_ACCOUNT_MANAGEMENT,
            SECURITY_GROUP_MANAGEMENT,
        ] {
            assert!(lookup(g).is_some(), "{g}");
        }
    }

    #[test]
    fn guid_forms() {
        let want = Some("Credential Validation");
        assert_eq!(
            lookup("{0CCE923F-69AE-11D9-BED3-505054503030}").map(|s| s.name),
            want
        );
        assert_eq!(
            lookup("0CCE923F-69AE-11D9-BED3-505054503030").map(|s| s.name),
            want
        );
        assert_eq!(
            lookup("{0cce923f-69ae-11d9-bed3-505054503030}").map(|s| s.name),
            want
        );
        assert_eq!(
            lookup(" 0cce923f-69ae-11d9-bed3-505054503030 ").map(|s| s.name),
            want
        );
        assert!(lookup("{0CCE923F-69AE-11D9-BED3-50505450303}").is_none());
        assert!(lookup("").is_none());
        assert!(lookup("{}").is_none());
    }

    #[test]
    fn names() {
        assert_eq!(
            by_name("Credential Validation").unwrap().guid,
            CREDENTIAL_VALIDATION
        );
        assert_eq!(
            by_name("credential validation").unwrap().guid,
            CREDENTIAL_VALIDATION
        );
        assert_eq!(
            by_name("Audit Credential Validation").unwrap().guid,
            CREDENTIAL_VALIDATION
        );
        assert_eq!(
            by_name("Audit Policy Change").unwrap().guid,
            AUDIT_POLICY_CHANGE
        );
        assert_eq!(
            by_name("Other Logon/Logoff Events").unwrap().guid,
            OTHER_LOGON_LOGOFF
        );
        assert_eq!(
            by_name("Detailed File Share").unwrap().guid,
            DETAILED_FILE_SHARE
        );
        assert!(by_name("Gestion des comptes d'ordinateur").is_none());
        assert!(by_name("Audit").is_none());
    }
}
