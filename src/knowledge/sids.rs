//! Well-known security identifiers. Reference B.5.
//!
//! Since Windows XP / Server 2003 ANONYMOUS LOGON (S-1-5-7) is **not** a member of Everyone
//! (S-1-1-0) unless `EveryoneIncludesAnonymous` = 1.
//!
//! Collectors that resolve SIDs (Splunk `renderXml`, for example) write names instead of
//! SIDs into `<Data>`; [`sid_for_name`] maps those back.

pub const NULL_SID: &str = "S-1-0-0";
pub const EVERYONE: &str = "S-1-1-0";
pub const LOCAL: &str = "S-1-2-0";
pub const CREATOR_OWNER: &str = "S-1-3-0";
pub const NETWORK: &str = "S-1-5-2";
pub const INTERACTIVE: &str = "S-1-5-4";
pub const SERVICE: &str = "S-1-5-6";
pub const ANONYMOUS: &str = "S-1-5-7";
pub const ENTERPRISE_DOMAIN_CONTROLLERS: &str = "S-1-5-9";
pub const AUTHENTICATED_USERS: &str = "S-1-5-11";
pub const SYSTEM: &str = "S-1-5-18";
pub const LOCAL_SERVICE: &str = "S-1-5-19";
pub const NETWORK_SERVICE: &str = "S-1-5-20";
pub const BUILTIN_ADMINISTRATORS: &str = "S-1-5-32-544";
pub const BUILTIN_USERS: &str = "S-1-5-32-545";
pub const BUILTIN_GUESTS: &str = "S-1-5-32-546";
pub const BACKUP_OPERATORS: &str = "S-1-5-32-551";
pub const PRE_WINDOWS_2000_COMPATIBLE_ACCESS: &str = "S-1-5-32-554";
pub const NTLM_AUTHENTICATION: &str = "S-1-5-64-10";

/// Domain-relative RIDs (`S-1-5-21-<domain>-<RID>`).
pub const RID_ADMINISTRATOR: u32 = 500;
pub const RID_GUEST: u32 = 501;
pub const RID_KRBTGT: u32 = 502;
pub const RID_DOMAIN_ADMINS: u32 = 512;
pub const RID_DOMAIN_USERS: u32 = 513;
pub const RID_DOMAIN_GUESTS: u32 = 514;
pub const RID_DOMAIN_COMPUTERS: u32 = 515;
pub const RID_DOMAIN_CONTROLLERS: u32 = 516;

/// A well-known SID with its account name (as Windows resolves it) and a one-line meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SidInfo {
    pub sid: &'static str,
    pub name: &'static str,
    pub meaning: &'static str,
}

const fn info(sid: &'static str, name: &'static str, meaning: &'static str) -> SidInfo {
    SidInfo { sid, name, meaning }
}

/// Fixed well-known SIDs.
pub static WELL_KNOWN: &[SidInfo] = &[
    info(NULL_SID, "NULL SID", "Nobody: the SubjectUserSid of network logons, where no local subject requested the logon."),
    info(EVERYONE, "Everyone", "Everyone; does not include ANONYMOUS LOGON since Windows XP / 2003 unless EveryoneIncludesAnonymous = 1."),
    info(LOCAL, "LOCAL", "Users who log on to terminals physically connected to the system."),
    info("S-1-2-1", "CONSOLE LOGON", "Users who log on at the physical console."),
    info(CREATOR_OWNER, "CREATOR OWNER", "Placeholder in inheritable ACEs, replaced by the creator of the object."),
    info("S-1-3-1", "CREATOR GROUP", "Placeholder in inheritable ACEs, replaced by the creator's primary group."),
    info("S-1-5-1", "NT AUTHORITY\\DIALUP", "Users who logged on through a dial-up connection."),
    info(NETWORK, "NT AUTHORITY\\NETWORK", "Added to the token of every network logon (logon type 3)."),
    info("S-1-5-3", "NT AUTHORITY\\BATCH", "Added to the token of batch logons (scheduled tasks)."),
    info(INTERACTIVE, "NT AUTHORITY\\INTERACTIVE", "Added to the token of interactive logons."),
    info(SERVICE, "NT AUTHORITY\\SERVICE", "Added to the token of service logons."),
    info(ANONYMOUS, "NT AUTHORITY\\ANONYMOUS LOGON", "A client connected without credentials (null session)."),
    info(ENTERPRISE_DOMAIN_CONTROLLERS, "NT AUTHORITY\\ENTERPRISE DOMAIN CONTROLLERS", "All domain controllers of the forest."),
    info("S-1-5-10", "NT AUTHORITY\\SELF", "Placeholder for the object itself in ACEs on user and computer objects."),
    info(AUTHENTICATED_USERS, "NT AUTHORITY\\Authenticated Users", "Every logon that presented credentials (excludes ANONYMOUS LOGON and Guest)."),
    info("S-1-5-12", "NT AUTHORITY\\RESTRICTED", "Restricted code (restricted tokens)."),
    info("S-1-5-13", "NT AUTHORITY\\TERMINAL SERVER USER", "Users logged on to a Terminal Server in application-compatibility mode."),
    info("S-1-5-14", "NT AUTHORITY\\REMOTE INTERACTIVE LOGON", "Added to the token of Remote Desktop logons."),
    info("S-1-5-15", "NT AUTHORITY\\This Organization", "Users from the same organization (forest), for selective authentication."),
    info("S-1-5-17", "NT AUTHORITY\\IUSR", "The built-in IIS anonymous-user account."),
    info(SYSTEM, "NT AUTHORITY\\SYSTEM", "LocalSystem: the operating system itself; uses the computer account on the network."),
    info(LOCAL_SERVICE, "NT AUTHORITY\\LOCAL SERVICE", "Low-privilege service account; presents anonymous credentials on the network."),
    info(NETWORK_SERVICE, "NT AUTHORITY\\NETWORK SERVICE", "Service account that uses the computer account on the network."),
    info(BUILTIN_ADMINISTRATORS, "BUILTIN\\Administrators", "Local Administrators group."),
    info(BUILTIN_USERS, "BUILTIN\\Users", "Local Users group."),
    info(BUILTIN_GUESTS, "BUILTIN\\Guests", "Local Guests group."),
    info("S-1-5-32-547", "BUILTIN\\Power Users", "Legacy Power Users group."),
    info("S-1-5-32-548", "BUILTIN\\Account Operators", "Account Operators (DCs): can manage most users and groups."),
    info("S-1-5-32-549", "BUILTIN\\Server Operators", "Server Operators (DCs): can administer domain controllers."),
    info("S-1-5-32-550", "BUILTIN\\Print Operators", "Print Operators (DCs): can manage printers and load drivers."),
    info(BACKUP_OPERATORS, "BUILTIN\\Backup Operators", "Backup Operators: can back up and restore all files."),
    info("S-1-5-32-552", "BUILTIN\\Replicator", "File replication group."),
    info(PRE_WINDOWS_2000_COMPATIBLE_ACCESS, "BUILTIN\\Pre-Windows 2000 Compatible Access", "Read access to users and groups; containing ANONYMOUS LOGON or Everyone allows anonymous AD/SAM enumeration."),
    info("S-1-5-32-555", "BUILTIN\\Remote Desktop Users", "Members may log on through Remote Desktop."),
    info("S-1-5-32-556", "BUILTIN\\Network Configuration Operators", "Members may change network settings."),
    info("S-1-5-32-558", "BUILTIN\\Performance Monitor Users", "Members may read performance counters."),
    info("S-1-5-32-559", "BUILTIN\\Performance Log Users", "Members may schedule performance logging."),
    info("S-1-5-32-560", "BUILTIN\\Windows Authorization Access Group", "Members may read tokenGroupsGlobalAndUniversal on user objects."),
    info("S-1-5-32-561", "BUILTIN\\Terminal Server License Servers", "Remote Desktop license servers."),
    info("S-1-5-32-562", "BUILTIN\\Distributed COM Users", "Members may launch and use DCOM objects."),
    info("S-1-5-32-568", "BUILTIN\\IIS_IUSRS", "IIS application-pool identities."),
    info("S-1-5-32-569", "BUILTIN\\Cryptographic Operators", "Members may perform cryptographic operations."),
    info("S-1-5-32-573", "BUILTIN\\Event Log Readers", "Members may read event logs."),
    info("S-1-5-32-574", "BUILTIN\\Certificate Service DCOM Access", "Members may connect to certification authorities."),
    info("S-1-5-32-578", "BUILTIN\\Hyper-V Administrators", "Full access to Hyper-V."),
    info("S-1-5-32-580", "BUILTIN\\Remote Management Users", "Members may use WinRM / WMI remotely."),
    info(NTLM_AUTHENTICATION, "NT AUTHORITY\\NTLM Authentication", "Added to the token when the logon was authenticated with NTLM."),
    info("S-1-5-64-14", "NT AUTHORITY\\SChannel Authentication", "Added to the token when the logon was authenticated with SChannel (TLS client certificate)."),
    info("S-1-5-64-21", "NT AUTHORITY\\Digest Authentication", "Added to the token when the logon was authenticated with Digest."),
    info("S-1-5-80-0", "NT SERVICE\\ALL SERVICES", "All service SIDs."),
    info("S-1-5-113", "NT AUTHORITY\\Local account", "Any local (non-domain) account; used to deny network logon to local accounts."),
    info("S-1-5-114", "NT AUTHORITY\\Local account and member of Administrators group", "Local accounts that are local administrators."),
    info("S-1-5-1000", "NT AUTHORITY\\Other Organization", "Users from another organization (selective authentication)."),
    info("S-1-16-0", "Mandatory Label\\Untrusted Mandatory Level", "Untrusted integrity level (anonymous tokens)."),
    info("S-1-16-4096", "Mandatory Label\\Low Mandatory Level", "Low integrity level."),
    info("S-1-16-8192", "Mandatory Label\\Medium Mandatory Level", "Medium integrity level (standard users)."),
    info("S-1-16-12288", "Mandatory Label\\High Mandatory Level", "High integrity level (elevated administrators)."),
    info("S-1-16-16384", "Mandatory Label\\System Mandatory Level", "System integrity level (services, SYSTEM)."),
];

/// Domain-relative accounts and groups by RID, sorted by RID.
pub static DOMAIN_RIDS: &[(u32, SidInfo)] = &[
    (
        RID_ADMINISTRATOR,
        info(
            "S-1-5-21-<domain>-500",
            "Administrator",
            "The built-in Administrator account of the domain or computer.",
        ),
    ),
    (
        RID_GUEST,
        info(
            "S-1-5-21-<domain>-501",
            "Guest",
            "The built-in Guest account (DOMAIN_USER_RID_GUEST); should be disabled.",
        ),
    ),
    (
        RID_KRBTGT,
        info(
            "S-1-5-21-<domain>-502",
            "krbtgt",
            "The Kerberos KDC service account whose key signs every TGT.",
        ),
    ),
    (
        503,
        info(
            "S-1-5-21-<domain>-503",
            "DefaultAccount",
            "The built-in DefaultAccount (system-managed, disabled).",
        ),
    ),
    (
        504,
        info(
            "S-1-5-21-<domain>-504",
            "WDAGUtilityAccount",
            "Account used by Windows Defender Application Guard.",
        ),
    ),
    (
        RID_DOMAIN_ADMINS,
        info(
            "S-1-5-21-<domain>-512",
            "Domain Admins",
            "Administrators of the domain.",
        ),
    ),
    (
        RID_DOMAIN_USERS,
        info(
            "S-1-5-21-<domain>-513",
            "Domain Users",
            "All user accounts of the domain.",
        ),
    ),
    (
        RID_DOMAIN_GUESTS,
        info(
            "S-1-5-21-<domain>-514",
            "Domain Guests",
            "Guest accounts of the domain.",
        ),
    ),
    (
        RID_DOMAIN_COMPUTERS,
        info(
            "S-1-5-21-<domain>-515",
            "Domain Computers",
            "All workstations and member servers joined to the domain.",
        ),
    ),
    (
        RID_DOMAIN_CONTROLLERS,
        info(
            "S-1-5-21-<domain>-516",
            "Domain Controllers",
            "All domain controllers of the domain.",
        ),
    ),
    (
        517,
        info(
            "S-1-5-21-<domain>-517",
            "Cert Publishers",
            "Enterprise CAs allowed to publish certificates.",
        ),
    ),
    (
        518,
        info(
            "S-1-5-21-<domain>-518",
            "Schema Admins",
            "Administrators of the AD schema (forest root domain).",
        ),
    ),
    (
        519,
        info(
            "S-1-5-21-<domain>-519",
            "Enterprise Admins",
            "Administrators of the whole forest (forest root domain).",
        ),
    ),
    (
        520,
        info(
            "S-1-5-21-<domain>-520",
            "Group Policy Creator Owners",
            "Members may create Group Policy objects.",
        ),
    ),
    (
        521,
        info(
            "S-1-5-21-<domain>-521",
            "Read-only Domain Controllers",
            "All read-only domain controllers of the domain.",
        ),
    ),
    (
        522,
        info(
            "S-1-5-21-<domain>-522",
            "Cloneable Domain Controllers",
            "Domain controllers that may be cloned.",
        ),
    ),
    (
        525,
        info(
            "S-1-5-21-<domain>-525",
            "Protected Users",
            "Members cannot use NTLM, DES/RC4 Kerberos or delegation.",
        ),
    ),
    (
        526,
        info(
            "S-1-5-21-<domain>-526",
            "Key Admins",
            "Members may manage key credentials of domain objects.",
        ),
    ),
    (
        527,
        info(
            "S-1-5-21-<domain>-527",
            "Enterprise Key Admins",
            "Members may manage key credentials across the forest.",
        ),
    ),
    (
        553,
        info(
            "S-1-5-21-<domain>-553",
            "RAS and IAS Servers",
            "Remote access servers allowed to read remote-access properties of users.",
        ),
    ),
    (
        571,
        info(
            "S-1-5-21-<domain>-571",
            "Allowed RODC Password Replication Group",
            "Accounts whose passwords may be cached on RODCs.",
        ),
    ),
    (
        572,
        info(
            "S-1-5-21-<domain>-572",
            "Denied RODC Password Replication Group",
            "Accounts whose passwords must never be cached on RODCs.",
        ),
    ),
];

/// Names that collectors or people use besides the names in [`WELL_KNOWN`].
static ALIASES: &[(&str, &str)] = &[
    ("Nobody", NULL_SID),
    ("ANONYMOUS", ANONYMOUS),
    ("LocalSystem", SYSTEM),
    ("Local System", SYSTEM),
    ("LocalService", LOCAL_SERVICE),
    ("NetworkService", NETWORK_SERVICE),
];

/// SDDL two-letter aliases of well-known SIDs (as in 5145 AccessReason `D:(A;;FA;;;WD)`).
static SDDL_ALIASES: &[(&str, &str)] = &[
    ("AN", ANONYMOUS),
    ("AO", "S-1-5-32-548"),
    ("AU", AUTHENTICATED_USERS),
    ("BA", BUILTIN_ADMINISTRATORS),
    ("BG", BUILTIN_GUESTS),
    ("BO", BACKUP_OPERATORS),
    ("BU", BUILTIN_USERS),
    ("CG", "S-1-3-1"),
    ("CO", CREATOR_OWNER),
    ("ED", ENTERPRISE_DOMAIN_CONTROLLERS),
    ("IU", INTERACTIVE),
    ("LS", LOCAL_SERVICE),
    ("NS", NETWORK_SERVICE),
    ("NU", NETWORK),
    ("PO", "S-1-5-32-550"),
    ("PS", "S-1-5-10"),
    ("RC", "S-1-5-12"),
    ("RD", "S-1-5-32-555"),
    ("RU", PRE_WINDOWS_2000_COMPATIBLE_ACCESS),
    ("SO", "S-1-5-32-549"),
    ("SU", SERVICE),
    ("SY", SYSTEM),
    ("WD", EVERYONE),
];

/// `true` if `s` is a syntactically valid SID string: `S-1-<authority>-<sub>[-<sub>…]` with
/// 1 to 15 decimal 32-bit sub-authorities; the authority is decimal below 2^48 or `0x` and
/// up to 12 hex digits. Leading/trailing whitespace is not accepted.
pub fn is_valid_sid(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("S-").or_else(|| s.strip_prefix("s-")) else {
        return false;
    };
    let mut parts = rest.split('-');
    if parts.next() != Some("1") {
        return false;
    }
    let Some(auth) = parts.next() else {
        return false;
    };
    let auth_ok = if let Some(hex) = auth.strip_prefix("0x").or_else(|| auth.strip_prefix("0X")) {
        !hex.is_empty() && hex.len() <= 12 && hex.bytes().all(|b| b.is_ascii_hexdigit())
    } else {
        is_decimal(auth) && auth.parse::<u64>().is_ok_and(|v| v < (1 << 48))
    };
    if !auth_ok {
        return false;
    }
    let mut count = 0;
    for sub in parts {
        if !is_decimal(sub) || sub.parse::<u32>().is_err() {
            return false;
        }
        count += 1;
    }
    (1..=15).contains(&count)
}

fn is_decimal(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The RID (last sub-authority) of a domain or machine account SID `S-1-5-21-a-b-c-RID`.
pub fn rid(sid: &str) -> Option<u32> {
    let sid = sid.trim();
    if !is_valid_sid(sid) {
        return None;
    }
    let subs: Vec<&str> = sid.split('-').skip(3).collect();
    if subs.len() == 5 && subs[0] == "21" && sid[2..].starts_with("1-5-") {
        subs[4].parse().ok()
    } else {
        None
    }
}

/// Well-known SID information: exact well-known SIDs, and for `S-1-5-21-a-b-c-RID` the
/// well-known RIDs (500 Administrator, 501 Guest, 502 krbtgt, 512 Domain Admins, …). The
/// `sid` field of a RID entry is the pattern `S-1-5-21-<domain>-RID`.
pub fn lookup(sid: &str) -> Option<&'static SidInfo> {
    let sid = sid.trim();
    if let Some(i) = WELL_KNOWN.iter().find(|i| i.sid.eq_ignore_ascii_case(sid)) {
        return Some(i);
    }
    let r = rid(sid)?;
    DOMAIN_RIDS
        .binary_search_by_key(&r, |(rid, _)| *rid)
        .ok()
        .map(|i| &DOMAIN_RIDS[i].1)
}

/// Split `DOMAIN\name` into (`Some(DOMAIN)`, `name`); a plain name gives (`None`, `name`).
fn split_name(s: &str) -> (Option<&str>, &str) {
    match s.rfind('\\') {
        Some(i) => (Some(s[..i].trim()), s[i + 1..].trim()),
        None => (None, s.trim()),
    }
}

/// The SID of a well-known account name as SID-resolving collectors write it:
/// `NULL SID`, `ANONYMOUS LOGON`, `NT AUTHORITY\ANONYMOUS LOGON`, `SYSTEM`,
/// `NT AUTHORITY\SYSTEM`, `LOCAL SERVICE`, `NETWORK SERVICE`, `Everyone`,
/// `BUILTIN\Administrators`, … Case-insensitive. A domain prefix must be the right one
/// (`CONTOSO\SYSTEM` gives `None`). Domain-relative names such as `Administrator` have no
/// fixed SID and give `None`.
pub fn sid_for_name(name: &str) -> Option<&'static str> {
    let (domain, account) = split_name(name.trim());
    if account.is_empty() {
        return None;
    }
    let domain_matches = |entry_domain: Option<&str>| match (domain, entry_domain) {
        (None, _) => true,
        (Some(d), Some(e)) => d.eq_ignore_ascii_case(e),
        (Some(d), None) => d.is_empty(),
    };
    for info in WELL_KNOWN {
        let (entry_domain, entry_account) = split_name(info.name);
        if entry_account.eq_ignore_ascii_case(account) && domain_matches(entry_domain) {
            return Some(info.sid);
        }
    }
    let nt_authority = domain.is_none_or(|d| d.eq_ignore_ascii_case("NT AUTHORITY"));
    ALIASES
        .iter()
        .find(|(alias, _)| nt_authority && alias.eq_ignore_ascii_case(account))
        .map(|(_, sid)| *sid)
}

/// The SID behind an SDDL two-letter alias (`WD` → `S-1-1-0`, `AN` → `S-1-5-7`).
pub fn sid_for_sddl_alias(alias: &str) -> Option<&'static str> {
    let alias = alias.trim();
    SDDL_ALIASES
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(alias))
        .map(|(_, sid)| *sid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tables_unique_and_valid() {
        let mut sids = HashSet::new();
        let mut accounts = HashSet::new();
        for i in WELL_KNOWN {
            assert!(is_valid_sid(i.sid), "invalid {}", i.sid);
            assert!(sids.insert(i.sid), "duplicate SID {}", i.sid);
            let acc = split_name(i.name).1.to_ascii_lowercase();
            assert!(accounts.insert(acc), "duplicate account name {}", i.name);
            assert!(!i.meaning.is_empty());
        }
        for pair in DOMAIN_RIDS.windows(2) {
            assert!(
                pair[0].0 < pair[1].0,
                "RID table unsorted or duplicate at {}",
                pair[1].0
            );
        }
        for (rid, i) in DOMAIN_RIDS {
            assert!(i.sid.ends_with(&format!("-{rid}")));
        }
        let mut aliases = HashSet::new();
        for (a, sid) in SDDL_ALIASES {
            assert!(aliases.insert(*a), "duplicate SDDL alias {a}");
            assert!(lookup(sid).is_some(), "SDDL alias {a} -> unknown {sid}");
        }
        for (_, sid) in ALIASES {
            assert!(lookup(sid).is_some());
        }
    }

    #[test]
    fn consts() {
        assert_eq!(NULL_SID, "S-1-0-0");
        assert_eq!(EVERYONE, "S-1-1-0");
        assert_eq!(ANONYMOUS, "S-1-5-7");
        assert_eq!(SYSTEM, "S-1-5-18");
        assert_eq!(LOCAL_SERVICE, "S-1-5-19");
        assert_eq!(NETWORK_SERVICE, "S-1-5-20");
    }

    #[test]
    fn well_known_lookup() {
        assert_eq!(
            lookup("S-1-5-7").unwrap().name,
            "NT AUTHORITY\\ANONYMOUS LOGON"
        );
        assert_eq!(lookup("S-1-0-0").unwrap().name, "NULL SID");
        assert_eq!(lookup(" s-1-5-18 ").unwrap().name, "NT AUTHORITY\\SYSTEM");
        assert_eq!(
            lookup("S-1-5-19").unwrap().name,
            "NT AUTHORITY\\LOCAL SERVICE"
        );
        assert_eq!(
            lookup("S-1-5-20").unwrap().name,
            "NT AUTHORITY\\NETWORK SERVICE"
        );
        assert_eq!(
            lookup("S-1-5-32-554").unwrap().name,
            "BUILTIN\\Pre-Windows 2000 Compatible Access"
        );
        assert_eq!(
            lookup("S-1-5-9").unwrap().name,
            "NT AUTHORITY\\ENTERPRISE DOMAIN CONTROLLERS"
        );
        assert!(lookup("S-1-5-32-999").is_none());
        assert!(lookup("garbage").is_none());
    }

    #[test]
    fn rid_lookup() {
        let d = "S-1-5-21-3623811015-3361044348-30300820";
        assert_eq!(lookup(&format!("{d}-500")).unwrap().name, "Administrator");
        assert_eq!(lookup(&format!("{d}-501")).unwrap().name, "Guest");
        assert_eq!(lookup(&format!("{d}-502")).unwrap().name, "krbtgt");
        assert_eq!(lookup(&format!("{d}-512")).unwrap().name, "Domain Admins");
        assert_eq!(lookup(&format!("{d}-513")).unwrap().name, "Domain Users");
        assert_eq!(lookup(&format!("{d}-514")).unwrap().name, "Domain Guests");
        assert_eq!(
            lookup(&format!("{d}-515")).unwrap().name,
            "Domain Computers"
        );
        assert_eq!(
            lookup(&format!("{d}-516")).unwrap().name,
            "Domain Controllers"
        );
        assert_eq!(lookup(&format!("{d}-525")).unwrap().name, "Protected Users");
        assert_eq!(
            lookup(&format!("{d}-501")).unwrap().sid,
            "S-1-5-21-<domain>-501"
        );
        assert!(lookup(&format!("{d}-1104")).is_none());
        // The domain SID itself, or a malformed one, is not a RID.
        assert!(lookup(d).is_none());
        assert!(lookup("S-1-5-21-1-500").is_none());
        assert!(lookup("S-1-5-22-1-2-3-500").is_none());
        assert_eq!(rid(&format!("{d}-1104")), Some(1104));
        assert_eq!(rid("S-1-5-18"), None);
    }

    #[test]
    fn names_to_sids() {
        assert_eq!(sid_for_name("NULL SID"), Some(NULL_SID));
        assert_eq!(sid_for_name("ANONYMOUS LOGON"), Some(ANONYMOUS));
        assert_eq!(
            sid_for_name("NT AUTHORITY\\ANONYMOUS LOGON"),
            Some(ANONYMOUS)
        );
        assert_eq!(
            sid_for_name("nt authority\\anonymous logon"),
            Some(ANONYMOUS)
        );
        assert_eq!(sid_for_name("  Anonymous Logon "), Some(ANONYMOUS));
        assert_eq!(sid_for_name("SYSTEM"), Some(SYSTEM));
        assert_eq!(sid_for_name("NT AUTHORITY\\SYSTEM"), Some(SYSTEM));
        assert_eq!(sid_for_name("LocalSystem"), Some(SYSTEM));
        assert_eq!(sid_for_name("LOCAL SERVICE"), Some(LOCAL_SERVICE));
        assert_eq!(
            sid_for_name("NT AUTHORITY\\LOCAL SERVICE"),
            Some(LOCAL_SERVICE)
        );
        assert_eq!(sid_for_name("NETWORK SERVICE"), Some(NETWORK_SERVICE));
        assert_eq!(
            sid_for_name("NT AUTHORITY\\NetworkService"),
            Some(NETWORK_SERVICE)
        );
        assert_eq!(sid_for_name("Everyone"), Some(EVERYONE));
        assert_eq!(sid_for_name("\\Everyone"), Some(EVERYONE));
        assert_eq!(
            sid_for_name("BUILTIN\\Administrators"),
            Some(BUILTIN_ADMINISTRATORS)
        );
        assert_eq!(sid_for_name("Nobody"), Some(NULL_SID));
        assert_eq!(sid_for_name("CONTOSO\\SYSTEM"), None);
        assert_eq!(sid_for_name("Administrator"), None);
        assert_eq!(sid_for_name("-"), None);
        assert_eq!(sid_for_name(""), None);
    }

    #[test]
    fn sddl_aliases() {
        assert_eq!(sid_for_sddl_alias("WD"), Some(EVERYONE));
        assert_eq!(sid_for_sddl_alias("an"), Some(ANONYMOUS));
        assert_eq!(
            sid_for_sddl_alias("RU"),
            Some(PRE_WINDOWS_2000_COMPATIBLE_ACCESS)
        );
        assert_eq!(sid_for_sddl_alias("XX"), None);
    }

    #[test]
    fn validity() {
        for ok in [
            "S-1-0-0",
            "S-1-5-7",
            "S-1-5-21-1-2-3-500",
            "s-1-5-18",
            "S-1-0x000000000005-18",
            "S-1-16-12288",
        ] {
            assert!(is_valid_sid(ok), "{ok}");
        }
        for bad in [
            "",
            "S-1",
            "S-1-5",
            "S-2-5-18",
            "S-1--18",
            "S-1-5-",
            "S-1-5-x",
            "X-1-5-18",
            "S-1-5-18 ",
            "S-1-5-4294967296",
            "S-1-281474976710656-1",
            "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16",
            "S-1-5--1",
            "S-1-5-+1",
            "NT AUTHORITY\\SYSTEM",
        ] {
            assert!(!is_valid_sid(bad), "{bad}");
        }
        assert!(is_valid_sid("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15"));
    }
}
