//! The catalogue of settings nullsight understands: canonical name, Group Policy name, where
//! Windows stores it, its type, the Windows default per role and what each value means.
//!
//! This table is shared data: the audit reads it, and the later "simulate" and "fix" stages use
//! it to know what a change does and where to write it. Sources: the project reference
//! (`windows-anonymous-ntlm.md`, tables C.1–C.4 and D.4). Defaults marked UNVERIFIED there carry
//! a `default_note`; defaults nobody could confirm are `None` (the audit then says "unknown").

use serde::Serialize;
use std::fmt;

/// The role of a Windows host; defaults and baselines depend on it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Domain controller.
    Dc,
    /// Member server (or stand-alone server).
    Member,
    /// Workstation (client edition).
    Workstation,
}

impl Role {
    /// From `HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions\ProductType`.
    pub fn from_product_type(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "lanmannt" => Some(Role::Dc),
            "servernt" => Some(Role::Member),
            "winnt" => Some(Role::Workstation),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Dc => "dc",
            Role::Member => "member",
            Role::Workstation => "workstation",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where Windows keeps a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A registry value (key in abbreviated form, `HKLM\…`).
    Registry {
        key: &'static str,
        value: &'static str,
    },
    /// secedit `[System Access]` (LSA policy, not the registry).
    SystemAccess(&'static str),
    /// secedit `[Privilege Rights]` user right.
    PrivilegeRight(&'static str),
    /// Advanced audit policy subcategory (auditpol), by GUID.
    AuditSubcategory {
        guid: &'static str,
        name: &'static str,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Registry { key, value } => write!(f, "{key}\\{value}"),
            Location::SystemAccess(n) => write!(f, "secedit [System Access] {n}"),
            Location::PrivilegeRight(n) => write!(f, "secedit [Privilege Rights] {n}"),
            Location::AuditSubcategory { guid, name } => write!(f, "audit policy {name} {guid}"),
        }
    }
}

/// The shape of a setting's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A number (REG_DWORD, or a number in [System Access]).
    Number,
    /// Bit flags (REG_DWORD), described flag by flag.
    Flags,
    /// A string (REG_SZ; SDDL…).
    Text,
    /// A list of names (REG_MULTI_SZ), compared case-insensitively.
    List,
    /// A list of accounts (SIDs without `*`, or names that could not be translated).
    SidList,
    /// An audit setting: 0 none, 1 success, 2 failure, 3 both.
    Audit,
}

/// The area a setting belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Anonymous,
    Ntlm,
    Smb,
    SecureChannel,
    Ldap,
    Browser,
    Audit,
}

/// Windows defaults per role, in the text form of [`Kind`] (`"1"`, `"netlogon,samr,lsarpc"`,
/// `"S-1-1-0,S-1-5-32-544"`). `None`: nobody could confirm it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    pub dc: Option<&'static str>,
    pub member: Option<&'static str>,
    pub workstation: Option<&'static str>,
}

const fn all(v: &'static str) -> Defaults {
    Defaults {
        dc: Some(v),
        member: Some(v),
        workstation: Some(v),
    }
}
const NONE: Defaults = Defaults {
    dc: None,
    member: None,
    workstation: None,
};

/// One catalogued setting.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Canonical name, used in baselines and output (`RestrictAnonymousSAM`).
    pub name: &'static str,
    /// Group Policy display name.
    pub display: &'static str,
    pub area: Area,
    pub location: Location,
    pub kind: Kind,
    /// Roles the setting means something on (`AuditNTLMInDomain` is for DCs).
    pub roles: &'static [Role],
    pub defaults: Defaults,
    /// Caveats about the default (UNVERIFIED, contradicting sources…).
    pub default_note: &'static str,
    /// What values mean: (value in text form, meaning).
    pub meanings: &'static [(&'static str, &'static str)],
    /// Anything a reader must know (traps, what the value is NOT).
    pub note: &'static str,
}

const ALL_ROLES: &[Role] = &[Role::Dc, Role::Member, Role::Workstation];
const DC: &[Role] = &[Role::Dc];

const LSA: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\Lsa";
const MSV: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\Lsa\MSV1_0";
const LMS: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\LanManServer\Parameters";
const LMW: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\LanmanWorkstation\Parameters";
const NETLOGON: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\Netlogon\Parameters";
const NTDS: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\NTDS\Parameters";

const ENABLED_DISABLED: &[(&str, &str)] = &[("0", "Disabled"), ("1", "Enabled")];
const AUDIT_MEANINGS: &[(&str, &str)] = &[
    ("0", "No Auditing"),
    ("1", "Success"),
    ("2", "Failure"),
    ("3", "Success and Failure"),
];
const IE_1A00: &[(&str, &str)] = &[
    ("0", "automatic logon with current user name and password (sends NTLM/Negotiate credentials silently)"),
    ("65536", "prompt for user name and password"),
    ("131072", "automatic logon only in the Intranet zone"),
    ("196608", "anonymous logon: sends no credentials; client hardening, not anonymous access to this host"),
];
const IE_NOTE: &str = "URL action 1A00 \"Logon\" is a client setting for HTTP authentication. 196608 means the browser answers challenges anonymously: a hardening value that keeps NTLM hashes from web servers. It has nothing to do with NT AUTHORITY\\ANONYMOUS LOGON on this host. The risky value is 0 in the Internet and Restricted zones.";

macro_rules! audit {
    ($name:literal, $display:literal, $guid:literal, $roles:expr, $note:literal) => {
        Setting {
            name: $name,
            display: $display,
            area: Area::Audit,
            location: Location::AuditSubcategory { guid: $guid, name: $display },
            kind: Kind::Audit,
            roles: $roles,
            defaults: NONE,
            default_note: "the built-in audit policy differs between Windows versions and roles; nullsight does not assume it",
            meanings: AUDIT_MEANINGS,
            note: $note,
        }
    };
}

macro_rules! reg {
    ($name:literal, $display:literal, $area:expr, $key:expr, $kind:expr, $roles:expr, $defaults:expr, $dnote:literal, $meanings:expr, $note:literal) => {
        Setting {
            name: $name,
            display: $display,
            area: $area,
            location: Location::Registry {
                key: $key,
                value: $name,
            },
            kind: $kind,
            roles: $roles,
            defaults: $defaults,
            default_note: $dnote,
            meanings: $meanings,
            note: $note,
        }
    };
}

/// Every setting nullsight knows.
pub static CATALOGUE: &[Setting] = &[
    // ---- C.1 anonymous access ----
    reg!("RestrictAnonymousSAM", "Network access: Do not allow anonymous enumeration of SAM accounts", Area::Anonymous, LSA, Kind::Number, ALL_ROLES, all("1"), "UNVERIFIED on domain controllers", ENABLED_DISABLED,
        "Stops anonymous SAMR account enumeration (4624 S-1-5-7 then 5145 samr)."),
    reg!("RestrictAnonymous", "Network access: Do not allow anonymous enumeration of SAM accounts and shares", Area::Anonymous, LSA, Kind::Number, ALL_ROLES, all("0"), "", &[("0", "None: rely on default permissions"), ("1", "No enumeration of SAM accounts and shares"), ("2", "No access without explicit anonymous permissions (Windows 2000 legacy)")],
        "Null-session share and account enumeration (srvsvc NetShareEnum, samr)."),
    reg!("EveryoneIncludesAnonymous", "Network access: Let Everyone permissions apply to anonymous users", Area::Anonymous, LSA, Kind::Number, ALL_ROLES, all("0"), "", ENABLED_DISABLED,
        "When 1, ANONYMOUS LOGON gets every right granted to Everyone (S-1-1-0)."),
    Setting {
        name: "LSAAnonymousNameLookup",
        display: "Network access: Allow anonymous SID/Name translation",
        area: Area::Anonymous,
        location: Location::SystemAccess("LSAAnonymousNameLookup"),
        kind: Kind::Number,
        roles: ALL_ROLES,
        defaults: Defaults { dc: None, member: Some("0"), workstation: Some("0") },
        default_note: "on domain controllers Microsoft's own page says both Enabled and Disabled (2008+); read the real value from a secedit export",
        meanings: ENABLED_DISABLED,
        note: "Stored in the LSA policy (secedit [System Access]), not in a plain registry value. The registry value Lsa\\TurnOffAnonymousBlock is used with opposite meanings by public scripts; nullsight reports it but decides from LSAAnonymousNameLookup.",
    },
    reg!("TurnOffAnonymousBlock", "(no GP setting) Lsa\\TurnOffAnonymousBlock", Area::Anonymous, LSA, Kind::Number, ALL_ROLES, NONE, "semantics UNVERIFIED", &[],
        "Public scripts set it with opposite meanings; reported for information only. The authoritative store for anonymous SID/name translation is LSAAnonymousNameLookup."),
    reg!("NullSessionPipes", "Network access: Named Pipes that can be accessed anonymously", Area::Anonymous, LMS, Kind::List, ALL_ROLES,
        Defaults { dc: Some("netlogon,samr,lsarpc"), member: Some(""), workstation: Some("") }, "member and workstation: \"not defined\" (no pipes)", &[],
        "Only the listed pipes accept null sessions (when RestrictNullSessAccess = 1). 5145 by S-1-5-7 shows the pipes really used."),
    reg!("NullSessionShares", "Network access: Shares that can be accessed anonymously", Area::Anonymous, LMS, Kind::List, ALL_ROLES, all(""), "", &[],
        "Shares reachable by null sessions; 5140 by S-1-5-7 for a share other than IPC$."),
    reg!("RestrictNullSessAccess", "Network access: Restrict anonymous access to Named Pipes and Shares", Area::Anonymous, LMS, Kind::Number, ALL_ROLES, all("1"), "UNVERIFIED", ENABLED_DISABLED,
        "The switch that makes NullSessionPipes / NullSessionShares effective."),
    reg!("RestrictRemoteSAM", "Network access: Restrict clients allowed to make remote calls to SAM", Area::Anonymous, LSA, Kind::Text, ALL_ROLES,
        Defaults { dc: Some(""), member: Some("O:SYG:SYD:(A;;RC;;;BA)"), workstation: Some("O:SYG:SYD:(A;;RC;;;BA)") },
        "Windows 10 1607 / Server 2016 and later: non-DCs use the built-in descriptor when the value is absent; DCs allow everyone; earlier systems do not check", &[],
        "Remote SAMR enumeration by non-administrators (System log 16962 at boot names the descriptor in use). Does not cover LSAT on \\pipe\\lsarpc."),
    reg!("ForceGuest", "Network access: Sharing and security model for local accounts", Area::Anonymous, LSA, Kind::Number, ALL_ROLES, all("0"), "UNVERIFIED for workgroup editions", &[("0", "Classic: local users authenticate as themselves"), ("1", "Guest only: local users authenticate as Guest")],
        "With 1, every network logon maps to Guest (4624 TargetUserSid …-501)."),
    Setting {
        name: "EnableGuestAccount",
        display: "Accounts: Guest account status",
        area: Area::Anonymous,
        location: Location::SystemAccess("EnableGuestAccount"),
        kind: Kind::Number,
        roles: ALL_ROLES,
        defaults: all("0"),
        default_note: "",
        meanings: ENABLED_DISABLED,
        note: "Guest logons (4624 TargetUserSid RID 501) and insecure guest SMB access.",
    },
    Setting {
        name: "SeNetworkLogonRight",
        display: "Access this computer from the network",
        area: Area::Anonymous,
        location: Location::PrivilegeRight("SeNetworkLogonRight"),
        kind: Kind::SidList,
        roles: ALL_ROLES,
        defaults: Defaults {
            dc: Some("S-1-1-0,S-1-5-11,S-1-5-32-544,S-1-5-32-554,S-1-5-9"),
            member: Some("S-1-1-0,S-1-5-32-544,S-1-5-32-545,S-1-5-32-551"),
            workstation: Some("S-1-1-0,S-1-5-32-544,S-1-5-32-545,S-1-5-32-551"),
        },
        default_note: "DC default UNVERIFIED; member and workstation from an export sample",
        meanings: &[],
        note: "Failures show as 4625 SubStatus 0xC000015B. Removing Everyone alone does not stop null sessions unless EveryoneIncludesAnonymous = 1 (UNVERIFIED).",
    },
    Setting {
        name: "SeDenyNetworkLogonRight",
        display: "Deny access to this computer from the network",
        area: Area::Anonymous,
        location: Location::PrivilegeRight("SeDenyNetworkLogonRight"),
        kind: Kind::SidList,
        roles: ALL_ROLES,
        defaults: NONE,
        default_note: "commonly Guest on members (UNVERIFIED)",
        meanings: &[],
        note: "Denied logons show as 4625 SubStatus 0xC000015B, FailureReason %%2308.",
    },
    // ---- C.2 NTLM ----
    reg!("LmCompatibilityLevel", "Network security: LAN Manager authentication level", Area::Ntlm, LSA, Kind::Number, ALL_ROLES, all("3"), "effective default on 2008 R2 and later; the value is usually absent",
        &[("0", "Send LM & NTLM responses"), ("1", "Send LM & NTLM, use NTLMv2 session security if negotiated"), ("2", "Send NTLM response only"), ("3", "Send NTLMv2 response only"), ("4", "Send NTLMv2 response only. Refuse LM"), ("5", "Send NTLMv2 response only. Refuse LM & NTLM")],
        "0-3 decide what this host sends; 4-5 what the authenticating machine (the DC for domain accounts) accepts. Before enforcing, watch 4624 with LmPackageName NTLM V1 or LM (not counting S-1-5-7 null sessions)."),
    reg!("NoLMHash", "Network security: Do not store LAN Manager hash value on next password change", Area::Ntlm, LSA, Kind::Number, ALL_ROLES, all("1"), "since Vista (UNVERIFIED)", ENABLED_DISABLED,
        "No LM hash is stored."),
    reg!("NTLMMinClientSec", "Network security: Minimum session security for NTLM SSP based (including secure RPC) clients", Area::Ntlm, MSV, Kind::Flags, ALL_ROLES, all("536870912"), "",
        &[("524288", "Require NTLMv2 session security"), ("536870912", "Require 128-bit encryption"), ("16", "Require message integrity (UNVERIFIED)"), ("32", "Require message confidentiality (UNVERIFIED)")],
        "Connections below the minimum are logged as NTLM/Operational 4010 (client)."),
    reg!("NTLMMinServerSec", "Network security: Minimum session security for NTLM SSP based (including secure RPC) servers", Area::Ntlm, MSV, Kind::Flags, ALL_ROLES, all("536870912"), "",
        &[("524288", "Require NTLMv2 session security"), ("536870912", "Require 128-bit encryption"), ("16", "Require message integrity (UNVERIFIED)"), ("32", "Require message confidentiality (UNVERIFIED)")],
        "Connections below the minimum are logged as NTLM/Operational 4011 (server); watch 4624 NTLM with KeyLength other than 128."),
    reg!("UseMachineId", "Network security: Allow Local System to use computer identity for NTLM", Area::Ntlm, LSA, Kind::Number, ALL_ROLES, all("1"), "not defined; Windows 7 / 2008 R2 and later then use the computer identity (as if 1); Vista / 2008 authenticate anonymously",
        ENABLED_DISABLED,
        "With 0, LocalSystem NTLM authenticates anonymously and shows on the target as 4624 S-1-5-7 from this host."),
    reg!("allownullsessionfallback", "Network security: Allow LocalSystem NULL session fallback", Area::Ntlm, MSV, Kind::Number, ALL_ROLES, all("0"), "not defined = disabled on Windows 7 / 2008 R2 and later, enabled before", ENABLED_DISABLED,
        "When 0, null-session signing/sealing with the well-known key fails."),
    reg!("RestrictSendingNTLMTraffic", "Network security: Restrict NTLM: Outgoing NTLM traffic to remote servers", Area::Ntlm, MSV, Kind::Number, ALL_ROLES, all("0"), "not defined = Allow all",
        &[("0", "Allow all"), ("1", "Audit all"), ("2", "Deny all")],
        "Audit: NTLM/Operational 8001 on the client; deny: 4001. (Some editors mislabel 1/2 with the incoming-traffic names: it is Audit all / Deny all.)"),
    reg!("ClientAllowedNTLMServers", "Network security: Restrict NTLM: Add remote server exceptions for NTLM authentication", Area::Ntlm, MSV, Kind::List, ALL_ROLES, all(""), "", &[],
        "Servers this client may still use NTLM with when outgoing NTLM is denied (path UNVERIFIED)."),
    reg!("RestrictReceivingNTLMTraffic", "Network security: Restrict NTLM: Incoming NTLM traffic", Area::Ntlm, MSV, Kind::Number, ALL_ROLES, all("0"), "not defined = Allow all",
        &[("0", "Allow all"), ("1", "Deny all domain accounts"), ("2", "Deny all accounts")],
        "Deny produces NTLM/Operational 4002 on the server; audit first with AuditReceivingNTLMTraffic."),
    reg!("AuditReceivingNTLMTraffic", "Network security: Restrict NTLM: Audit Incoming NTLM Traffic", Area::Ntlm, MSV, Kind::Number, ALL_ROLES, all("0"), "not defined = disabled",
        &[("0", "Disable"), ("1", "Enable auditing for domain accounts"), ("2", "Enable auditing for all accounts")],
        "Produces NTLM/Operational 8002 on the server."),
    reg!("AuditNTLMInDomain", "Network security: Restrict NTLM: Audit NTLM authentication in this domain", Area::Ntlm, NETLOGON, Kind::Number, DC, all("0"), "not defined = disabled",
        &[("0", "Disable"), ("1", "Enable for domain accounts to domain servers"), ("3", "Enable for domain accounts"), ("5", "Enable for domain servers"), ("7", "Enable all")],
        "Produces 8004 (pass-through) and 8003 on the DC. Stored under Netlogon\\Parameters, not Lsa\\MSV1_0."),
    reg!("RestrictNTLMInDomain", "Network security: Restrict NTLM: NTLM authentication in this domain", Area::Ntlm, NETLOGON, Kind::Number, DC, all("0"), "not defined = disabled; path UNVERIFIED",
        &[("0", "Disable"), ("1", "Deny for domain accounts to domain servers"), ("3", "Deny for domain accounts"), ("5", "Deny for domain servers"), ("7", "Deny all")],
        "Produces 4004 (and 4003); clients get an \"NTLM blocked\" error."),
    reg!("DCAllowedNTLMServers", "Network security: Restrict NTLM: Add server exceptions in this domain", Area::Ntlm, NETLOGON, Kind::List, DC, all(""), "path UNVERIFIED", &[],
        "Servers still allowed to use NTLM when domain NTLM is denied."),
    // ---- C.3 SMB, secure channel, LDAP ----
    Setting {
        name: "SMB1Server",
        display: "Configure SMB v1 server (MS Security Guide)",
        area: Area::Smb,
        location: Location::Registry { key: LMS, value: "SMB1" },
        kind: Kind::Number,
        roles: ALL_ROLES,
        defaults: NONE,
        default_note: "depends on the Windows version and on whether the SMB1 feature is installed",
        meanings: &[("0", "Disabled"), ("1", "Enabled")],
        note: "SMBv1 has no pre-authentication integrity; null sessions and relays are easier over it.",
    },
    Setting {
        name: "SMB1ClientDriver",
        display: "Configure SMB v1 client driver (MS Security Guide)",
        area: Area::Smb,
        location: Location::Registry { key: r"HKLM\SYSTEM\CurrentControlSet\Services\mrxsmb10", value: "Start" },
        kind: Kind::Number,
        roles: ALL_ROLES,
        defaults: NONE,
        default_note: "depends on the Windows version and on whether the SMB1 feature is installed",
        meanings: &[("2", "Automatic start"), ("3", "Manual start"), ("4", "Disabled")],
        note: "The key is Services\\mrxsmb10 (a public script writes mrxsmb1, which is wrong).",
    },
    Setting {
        name: "SMBClientRequireSigning",
        display: "Microsoft network client: Digitally sign communications (always)",
        area: Area::Smb,
        location: Location::Registry { key: LMW, value: "RequireSecuritySignature" },
        kind: Kind::Number,
        roles: ALL_ROLES,
        defaults: NONE,
        default_note: "newer builds (Windows 11 24H2, Server 2025) require signing; older ones do not (UNVERIFIED)",
        meanings: ENABLED_DISABLED,
        note: "Signing defeats SMB relay of NTLM.",
    },
    Setting {
        name: "SMBServerRequireSigning",
        display: "Microsoft network server: Digitally sign communications (always)",
        area: Area::Smb,
        location: Location::Registry { key: LMS, value: "RequireSecuritySignature" },
        kind: Kind::Number,
        roles: ALL_ROLES,
        defaults: NONE,
        default_note: "domain controllers have long required it; other roles depend on the build (UNVERIFIED)",
        meanings: ENABLED_DISABLED,
        note: "Signing defeats SMB relay of NTLM to this server.",
    },
    reg!("SmbServerNameHardeningLevel", "Microsoft network server: Server SPN target name validation level", Area::Smb, LMS, Kind::Number, ALL_ROLES, all("0"), "UNVERIFIED",
        &[("0", "Off"), ("1", "Accept if provided by client"), ("2", "Required from client")],
        "Limits NTLM relay to this server."),
    reg!("RequireSignOrSeal", "Domain member: Digitally encrypt or sign secure channel data (always)", Area::SecureChannel, NETLOGON, Kind::Number, ALL_ROLES, all("1"), "UNVERIFIED", ENABLED_DISABLED, "Netlogon secure channel protection."),
    reg!("SealSecureChannel", "Domain member: Digitally encrypt secure channel data (when possible)", Area::SecureChannel, NETLOGON, Kind::Number, ALL_ROLES, all("1"), "UNVERIFIED", ENABLED_DISABLED, "Netlogon secure channel protection."),
    reg!("SignSecureChannel", "Domain member: Digitally sign secure channel data (when possible)", Area::SecureChannel, NETLOGON, Kind::Number, ALL_ROLES, all("1"), "UNVERIFIED", ENABLED_DISABLED, "Netlogon secure channel protection."),
    reg!("RequireStrongKey", "Domain member: Require strong (Windows 2000 or later) session key", Area::SecureChannel, NETLOGON, Kind::Number, ALL_ROLES, all("1"), "UNVERIFIED", ENABLED_DISABLED, "Netlogon secure channel protection."),
    reg!("FullSecureChannelProtection", "(Zerologon enforcement) Netlogon\\Parameters\\FullSecureChannelProtection", Area::SecureChannel, NETLOGON, Kind::Number, DC, all("1"), "since the February 9, 2021 update DCs enforce whatever this value says",
        &[("0", "Compatibility mode (UNVERIFIED)"), ("1", "Enforcement mode")],
        "Vulnerable Netlogon connections: 5829 (allowed, would be denied), 5827/5828 (denied), 5830/5831 (allowed by the allow-list)."),
    reg!("VulnerableChannelAllowList", "Domain controller: Allow vulnerable Netlogon secure channel connections", Area::SecureChannel, NETLOGON, Kind::Text, DC, all(""), "not configured", &[],
        "SDDL of accounts still allowed to use vulnerable Netlogon secure channels (5830/5831)."),
    reg!("LDAPServerIntegrity", "Domain controller: LDAP server signing requirements", Area::Ldap, NTDS, Kind::Number, DC, NONE, "",
        &[("0", "None"), ("1", "None (signing negotiated)"), ("2", "Require signing")], "Unsigned LDAP binds can be relayed."),
    reg!("LdapEnforceChannelBinding", "Domain controller: LDAP server channel binding token requirements", Area::Ldap, NTDS, Kind::Number, DC, NONE, "",
        &[("0", "Never"), ("1", "When supported"), ("2", "Always")], "Channel binding stops NTLM relay to LDAPS."),
    // ---- C.4 Internet Explorer URL action 1A00 (client hardening) ----
    Setting { name: "IEInternetZoneLogon", display: "Internet Zone: Logon options (policy)", area: Area::Browser,
        location: Location::Registry { key: r"HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings\Zones\3", value: "1A00" },
        kind: Kind::Number, roles: ALL_ROLES, defaults: NONE, default_note: "", meanings: IE_1A00, note: IE_NOTE },
    Setting { name: "IERestrictedZoneLogon", display: "Restricted Sites Zone: Logon options (policy)", area: Area::Browser,
        location: Location::Registry { key: r"HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings\Zones\4", value: "1A00" },
        kind: Kind::Number, roles: ALL_ROLES, defaults: NONE, default_note: "", meanings: IE_1A00, note: IE_NOTE },
    Setting { name: "IELockdownRestrictedZoneLogon", display: "Locked-Down Restricted Sites Zone: Logon options (policy)", area: Area::Browser,
        location: Location::Registry { key: r"HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings\Lockdown_Zones\4", value: "1A00" },
        kind: Kind::Number, roles: ALL_ROLES, defaults: NONE, default_note: "", meanings: IE_1A00, note: IE_NOTE },
    // ---- D.4 audit policy (coverage) ----
    audit!("AuditLogon", "Logon", "{0CCE9215-69AE-11D9-BED3-505054503030}", ALL_ROLES, "4624/4625: every ANONYMOUS LOGON and NTLM logon."),
    audit!("AuditSpecialLogon", "Special Logon", "{0CCE921B-69AE-11D9-BED3-505054503030}", ALL_ROLES, "4672: administrative logons."),
    audit!("AuditCredentialValidation", "Credential Validation", "{0CCE923F-69AE-11D9-BED3-505054503030}", ALL_ROLES, "4776: NTLM credential validation (on the DC for domain accounts)."),
    audit!("AuditFileShare", "File Share", "{0CCE9224-69AE-11D9-BED3-505054503030}", ALL_ROLES, "5140: share access, including IPC$ by null sessions."),
    audit!("AuditDetailedFileShare", "Detailed File Share", "{0CCE9244-69AE-11D9-BED3-505054503030}", ALL_ROLES, "5145: named pipes (samr, lsarpc, srvsvc) opened by null sessions."),
    audit!("AuditComputerAccountManagement", "Computer Account Management", "{0CCE9236-69AE-11D9-BED3-505054503030}", DC, "4742: computer account changes (Zerologon password resets)."),
    audit!("AuditKerberosAuthenticationService", "Kerberos Authentication Service", "{0CCE9242-69AE-11D9-BED3-505054503030}", DC, "4768/4771: Kerberos, to tell NTLM fallbacks from Kerberos failures."),
];

/// Look a setting up by canonical name (case-insensitive).
pub fn find(name: &str) -> Option<&'static Setting> {
    CATALOGUE.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// A setting's value in a format-independent form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SettingValue {
    Number(u64),
    Text(String),
    List(Vec<String>),
}

impl SettingValue {
    /// Parse the text form used in defaults and baselines for a kind.
    pub fn parse(kind: Kind, s: &str) -> Option<SettingValue> {
        match kind {
            Kind::Number | Kind::Flags | Kind::Audit => {
                s.trim().parse().ok().map(SettingValue::Number)
            }
            Kind::Text => Some(SettingValue::Text(s.to_string())),
            Kind::List => Some(SettingValue::List(split_list(s))),
            Kind::SidList => Some(SettingValue::List(
                split_list(s).iter().map(|a| account_to_sid(a)).collect(),
            )),
        }
    }

    /// The plain text form (`1`, `a, b`, `O:BA…`).
    pub fn plain(&self) -> String {
        match self {
            SettingValue::Number(n) => n.to_string(),
            SettingValue::Text(t) => t.clone(),
            SettingValue::List(l) if l.is_empty() => "(empty)".into(),
            SettingValue::List(l) => l.join(", "),
        }
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

impl Setting {
    /// The Windows default for a role, parsed.
    pub fn default_for(&self, role: Role) -> Option<SettingValue> {
        let d = match role {
            Role::Dc => self.defaults.dc,
            Role::Member => self.defaults.member,
            Role::Workstation => self.defaults.workstation,
        }?;
        SettingValue::parse(self.kind, d)
    }

    /// The Windows default for a role on a Windows version (`None`: the version is unknown).
    ///
    /// UseMachineId and allownullsessionfallback changed default with Windows 7 / Server 2008
    /// R2 (NT 6.1): "not defined" means computer identity on and NULL session fallback off
    /// there, while Vista / Server 2008 and older authenticate LocalSystem anonymously and
    /// allow the fallback (reference `windows-anonymous-ntlm.md`, table C.2 rows UseMachineId
    /// and allownullsessionfallback, and scenario E.5). Unknown version: the catalogue
    /// default, which is the Windows 7+ one ([`Setting::default_basis`] says so).
    pub fn default_on(&self, role: Role, os: Option<&super::OsVersion>) -> Option<SettingValue> {
        match (self.name, os) {
            ("UseMachineId", Some(v)) if v.before_windows7() => Some(SettingValue::Number(0)),
            ("allownullsessionfallback", Some(v)) if v.before_windows7() => {
                Some(SettingValue::Number(1))
            }
            _ => self.default_for(role),
        }
    }

    /// Whether the Windows default of this setting depends on the Windows version.
    pub fn default_depends_on_os(&self) -> bool {
        matches!(self.name, "UseMachineId" | "allownullsessionfallback")
    }

    /// Which default [`Setting::default_on`] assumed, for settings whose default depends on
    /// the Windows version (`None` for the others): the version and where it was read, or that
    /// the version is unknown and the Windows 7 / 2008 R2 and later default was used.
    pub fn default_basis(&self, os: Option<&super::OsVersion>) -> Option<String> {
        if !self.default_depends_on_os() {
            return None;
        }
        Some(match os {
            Some(v) => format!(
                "default for {} ({}: {}, {})",
                if v.before_windows7() {
                    "Windows before 7 / Server 2008 R2"
                } else {
                    "Windows 7 / Server 2008 R2 and later"
                },
                v.family(),
                v.describe(),
                v.source.source_text()
            ),
            None => "Windows version not in the inputs: the Windows 7 / Server 2008 R2 and later default is assumed (Vista / 2008 and older differ)".to_string(),
        })
    }

    pub fn applies_to(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// A human description of a value: `3 (Send NTLMv2 response only)`,
    /// `S-1-5-32-544 (Administrators)`, flags spelled out.
    pub fn describe(&self, v: &SettingValue) -> String {
        match (self.kind, v) {
            (Kind::Flags, SettingValue::Number(n)) => {
                let mut parts = Vec::new();
                let mut rest = *n;
                for (bit, meaning) in self.meanings {
                    if let Ok(b) = bit.parse::<u64>() {
                        if b != 0 && n & b == b {
                            parts.push(*meaning);
                            rest &= !b;
                        }
                    }
                }
                if rest != 0 {
                    parts.push("other bits");
                }
                if parts.is_empty() {
                    format!("{n} (no requirement)")
                } else {
                    format!("{n} ({})", parts.join(" + "))
                }
            }
            (_, SettingValue::Number(n)) => {
                match self.meanings.iter().find(|(k, _)| *k == n.to_string()) {
                    Some((_, m)) => format!("{n} ({m})"),
                    None => n.to_string(),
                }
            }
            (Kind::SidList, SettingValue::List(l)) if !l.is_empty() => l
                .iter()
                .map(|s| match sid_name(s) {
                    Some(name) => format!("{s} ({name})"),
                    None => s.clone(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            (Kind::Text, SettingValue::Text(t)) if t.is_empty() => "\"\" (empty)".into(),
            (Kind::Text, SettingValue::Text(t)) => format!("\"{t}\""),
            (_, other) => other.plain(),
        }
    }
}

const WELL_KNOWN: &[(&str, &str)] = &[
    ("S-1-1-0", "Everyone"),
    ("S-1-5-7", "ANONYMOUS LOGON"),
    ("S-1-5-2", "NETWORK"),
    ("S-1-5-6", "SERVICE"),
    ("S-1-5-9", "ENTERPRISE DOMAIN CONTROLLERS"),
    ("S-1-5-11", "Authenticated Users"),
    ("S-1-5-18", "SYSTEM"),
    ("S-1-5-19", "LOCAL SERVICE"),
    ("S-1-5-20", "NETWORK SERVICE"),
    ("S-1-5-113", "Local account"),
    (
        "S-1-5-114",
        "Local account and member of Administrators group",
    ),
    ("S-1-5-32-544", "Administrators"),
    ("S-1-5-32-545", "Users"),
    ("S-1-5-32-546", "Guests"),
    ("S-1-5-32-551", "Backup Operators"),
    ("S-1-5-32-554", "Pre-Windows 2000 Compatible Access"),
    ("S-1-5-32-555", "Remote Desktop Users"),
];

/// The English name of a well-known SID.
pub fn sid_name(sid: &str) -> Option<&'static str> {
    WELL_KNOWN
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(sid))
        .map(|(_, n)| *n)
}

/// An account as written in `[Privilege Rights]` to the form nullsight compares: `*S-1-5-32-544`
/// → `S-1-5-32-544`; well-known English names (`Guests`, `Everyone`…) → their SID; anything else
/// (a local `Guest` account, a localised name) is kept as written.
pub fn account_to_sid(account: &str) -> String {
    let a = account.trim().trim_start_matches('*').trim();
    if a.len() > 4 && a.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("S-1-")) {
        return a.to_ascii_uppercase();
    }
    WELL_KNOWN
        .iter()
        .find(|(_, n)| {
            n.eq_ignore_ascii_case(a)
                || a.rsplit('\\')
                    .next()
                    .is_some_and(|x| n.eq_ignore_ascii_case(x))
        })
        .map(|(s, _)| s.to_string())
        .unwrap_or_else(|| a.to_string())
}
