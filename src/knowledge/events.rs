//! Which events nullsight types, who writes them and what they say.
//!
//! Selection is by provider (and channel where a provider writes to several) as well as event
//! id: other providers reuse 4625 (Microsoft-Windows-EventSystem) and 8001
//! (Microsoft-Windows-GroupPolicy), and 8004 comes from Security-Netlogon in the NTLM channel.

pub const SECURITY_AUDITING: &str = "Microsoft-Windows-Security-Auditing";
pub const SECURITY_AUDITING_GUID: &str = "{54849625-5478-4994-A5BA-3E3B0328C30D}";
pub const NTLM: &str = "Microsoft-Windows-NTLM";
pub const NTLM_GUID: &str = "{AC43300D-5FCC-4800-8E99-1BD3F85F0320}";
pub const SECURITY_NETLOGON: &str = "Microsoft-Windows-Security-Netlogon";
pub const SECURITY_NETLOGON_GUID: &str = "{E5BA83F6-07D0-46B1-8BC7-7E669A1D31DC}";
pub const NETLOGON: &str = "NETLOGON";
pub const NTLM_CHANNEL: &str = "Microsoft-Windows-NTLM/Operational";

/// Provider names and GUIDs (braced, upper-case) of the events read, each as written. A
/// record's System names one of each: the EVTX decoder shares these instead of copying them
/// into every record (most are longer than a [`crate::event::Text`] holds inline).
pub const SYSTEM_NAMES: &[&str] = &[
    SECURITY_AUDITING,
    SECURITY_AUDITING_GUID,
    NTLM,
    NTLM_GUID,
    SECURITY_NETLOGON,
    SECURITY_NETLOGON_GUID,
    NETLOGON,
    NTLM_CHANNEL,
];

/// `s` from [`SYSTEM_NAMES`], when it is one of them exactly.
pub fn system_name(s: &str) -> Option<&'static str> {
    SYSTEM_NAMES.iter().copied().find(|n| *n == s)
}

/// The event families of the output contract (`family` in `--events`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Logon,
    LogonFailure,
    ExplicitCredentials,
    SpecialPrivileges,
    CredentialValidation,
    NtlmOutgoing,
    NtlmIncoming,
    NtlmDomain,
    NtlmPassthrough,
    NtlmBlocked,
    ShareAccess,
    ComputerAccountChange,
    Netlogon,
    SqlLoginFailure,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Logon => "logon",
            Family::LogonFailure => "logon_failure",
            Family::ExplicitCredentials => "explicit_credentials",
            Family::SpecialPrivileges => "special_privileges",
            Family::CredentialValidation => "credential_validation",
            Family::NtlmOutgoing => "ntlm_outgoing",
            Family::NtlmIncoming => "ntlm_incoming",
            Family::NtlmDomain => "ntlm_domain",
            Family::NtlmPassthrough => "ntlm_passthrough",
            Family::NtlmBlocked => "ntlm_blocked",
            Family::ShareAccess => "share_access",
            Family::ComputerAccountChange => "computer_account_change",
            Family::Netlogon => "netlogon",
            Family::SqlLoginFailure => "sql_login_failure",
        }
    }

    pub const ALL: [Family; 14] = [
        Family::Logon,
        Family::LogonFailure,
        Family::ExplicitCredentials,
        Family::SpecialPrivileges,
        Family::CredentialValidation,
        Family::NtlmOutgoing,
        Family::NtlmIncoming,
        Family::NtlmDomain,
        Family::NtlmPassthrough,
        Family::NtlmBlocked,
        Family::ShareAccess,
        Family::ComputerAccountChange,
        Family::Netlogon,
        Family::SqlLoginFailure,
    ];
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who may write an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// A manifest provider, by name (case-insensitive) or GUID.
    Provider {
        name: &'static str,
        guid: &'static str,
    },
    /// A classic event source with this exact name.
    Classic(&'static str),
    /// SQL Server: `MSSQLSERVER` or `MSSQL$<instance>`.
    SqlServer,
}

/// One event nullsight understands.
#[derive(Debug, Clone, Copy)]
pub struct EventInfo {
    pub event_id: u32,
    pub writer: Writer,
    /// The channel it is written to; checked when the record says which channel it is in.
    pub channel: &'static str,
    pub family: Family,
    pub title: &'static str,
    /// Where it is logged and what it tells about anonymous and NTLM authentication.
    pub explanation: &'static str,
}

const SA: Writer = Writer::Provider {
    name: SECURITY_AUDITING,
    guid: SECURITY_AUDITING_GUID,
};
const NT: Writer = Writer::Provider {
    name: NTLM,
    guid: NTLM_GUID,
};
const SN: Writer = Writer::Provider {
    name: SECURITY_NETLOGON,
    guid: SECURITY_NETLOGON_GUID,
};

pub static EVENTS: &[EventInfo] = &[
    EventInfo { event_id: 4624, writer: SA, channel: "Security", family: Family::Logon, title: "An account was successfully logged on",
        explanation: "Logged on the host that was logged on to. For network logons it names the account, the client (WorkstationName, IpAddress) and, for NTLM, the protocol version (LmPackageName) and session key length. ANONYMOUS LOGON appears as TargetUserSid S-1-5-7." },
    EventInfo { event_id: 4625, writer: SA, channel: "Security", family: Family::LogonFailure, title: "An account failed to log on",
        explanation: "Logged on the host that refused the logon, with the NTSTATUS reason in Status/SubStatus. Bursts reveal brute force, password spraying and user enumeration." },
    EventInfo { event_id: 4648, writer: SA, channel: "Security", family: Family::ExplicitCredentials, title: "A logon was attempted using explicit credentials",
        explanation: "Logged on the source host when a process uses credentials other than its own (runas, net use /user, scripts). Many target accounts from one process reveal password spraying." },
    EventInfo { event_id: 4672, writer: SA, channel: "Security", family: Family::SpecialPrivileges, title: "Special privileges assigned to new logon",
        explanation: "Follows a 4624 with the same logon id when the account holds administrative privileges." },
    EventInfo { event_id: 4742, writer: SA, channel: "Security", family: Family::ComputerAccountChange, title: "A computer account was changed",
        explanation: "Logged on domain controllers. Changed by ANONYMOUS LOGON with PasswordLastSet set is the Zerologon (CVE-2020-1472) signature." },
    EventInfo { event_id: 4776, writer: SA, channel: "Security", family: Family::CredentialValidation, title: "The computer attempted to validate the credentials for an account",
        explanation: "Logged by the authority for the account (the DC for domain accounts, the host for local ones) for each NTLM validation. Workstation is the client; the target server is not recorded; the NTLM version is not shown." },
    EventInfo { event_id: 5140, writer: SA, channel: "Security", family: Family::ShareAccess, title: "A network share object was accessed",
        explanation: "First access to a share in a session. A null session shows SubjectUserSid S-1-5-7 and ShareName \\\\*\\IPC$." },
    EventInfo { event_id: 5145, writer: SA, channel: "Security", family: Family::ShareAccess, title: "A network share object was checked to see whether client can be granted desired access",
        explanation: "Each access check on a share; for IPC$ the RelativeTargetName is the named pipe (samr, lsarpc, srvsvc, netlogon...), which shows what an anonymous session enumerated." },
    EventInfo { event_id: 8001, writer: NT, channel: NTLM_CHANNEL, family: Family::NtlmOutgoing, title: "NTLM client blocked audit: outgoing NTLM authentication",
        explanation: "Logged on the client when \"Restrict NTLM: Outgoing NTLM traffic to remote servers\" is set to audit: the target, the supplied account and the local process (with its logon session LUID) that used NTLM." },
    EventInfo { event_id: 8002, writer: NT, channel: NTLM_CHANNEL, family: Family::NtlmIncoming, title: "NTLM server blocked audit: incoming NTLM traffic that would be blocked",
        explanation: "Logged on the server with \"Audit Incoming NTLM Traffic\" on, for every NTLM authentication it receives; it names the local process that handled it, not the client." },
    EventInfo { event_id: 8003, writer: NT, channel: NTLM_CHANNEL, family: Family::NtlmDomain, title: "NTLM server blocked in the domain audit",
        explanation: "Logged on a domain-joined server for successful NTLM authentication with a domain account: the user, domain and client workstation." },
    EventInfo { event_id: 8004, writer: SN, channel: NTLM_CHANNEL, family: Family::NtlmPassthrough, title: "Domain Controller blocked audit: NTLM authentication to this domain controller",
        explanation: "Logged on the domain controller for each NTLM pass-through validation it would block under \"Restrict NTLM: NTLM authentication in this domain\": the server whose secure channel forwarded it (SChannelName), the account and the client workstation." },
    EventInfo { event_id: 4001, writer: NT, channel: NTLM_CHANNEL, family: Family::NtlmBlocked, title: "NTLM client blocked: outgoing NTLM authentication denied",
        explanation: "The client refused to send NTLM because outgoing NTLM traffic is denied." },
    EventInfo { event_id: 4002, writer: NT, channel: NTLM_CHANNEL, family: Family::NtlmBlocked, title: "NTLM server blocked: incoming NTLM traffic denied",
        explanation: "The server refused an incoming NTLM authentication." },
    EventInfo { event_id: 4003, writer: NT, channel: NTLM_CHANNEL, family: Family::NtlmBlocked, title: "NTLM server blocked in the domain",
        explanation: "A domain server refused NTLM authentication with a domain account." },
    EventInfo { event_id: 4004, writer: SN, channel: NTLM_CHANNEL, family: Family::NtlmBlocked, title: "Domain Controller blocked: NTLM authentication to this domain controller",
        explanation: "The domain controller refused an NTLM pass-through authentication." },
    EventInfo { event_id: 5805, writer: Writer::Classic(NETLOGON), channel: "System", family: Family::Netlogon, title: "The session setup from a computer failed to authenticate",
        explanation: "Netlogon refused a secure-channel setup. Bursts of 5805 against a DC are a Zerologon attempt signature." },
    EventInfo { event_id: 5827, writer: Writer::Classic(NETLOGON), channel: "System", family: Family::Netlogon, title: "Netlogon denied a vulnerable secure channel connection from a machine account",
        explanation: "Enforcement of the Zerologon fix stopped a machine account using vulnerable Netlogon secure RPC." },
    EventInfo { event_id: 5828, writer: Writer::Classic(NETLOGON), channel: "System", family: Family::Netlogon, title: "Netlogon denied a vulnerable secure channel connection using a trust account",
        explanation: "Enforcement of the Zerologon fix stopped a trust account using vulnerable Netlogon secure RPC." },
    EventInfo { event_id: 5829, writer: Writer::Classic(NETLOGON), channel: "System", family: Family::Netlogon, title: "Netlogon allowed a vulnerable secure channel connection",
        explanation: "A machine account used vulnerable Netlogon secure RPC; it is allowed now and will be denied in enforcement mode." },
    EventInfo { event_id: 5830, writer: Writer::Classic(NETLOGON), channel: "System", family: Family::Netlogon, title: "Netlogon allowed a vulnerable connection: machine account in the allow list",
        explanation: "Allowed only because \"Domain controller: Allow vulnerable Netlogon secure channel connections\" lists the account." },
    EventInfo { event_id: 5831, writer: Writer::Classic(NETLOGON), channel: "System", family: Family::Netlogon, title: "Netlogon allowed a vulnerable connection: trust account in the allow list",
        explanation: "Allowed only because \"Domain controller: Allow vulnerable Netlogon secure channel connections\" lists the trust." },
    EventInfo { event_id: 18456, writer: Writer::SqlServer, channel: "Application", family: Family::SqlLoginFailure, title: "SQL Server: Login failed for user",
        explanation: "SQL Server refused a login. For 'NT AUTHORITY\\ANONYMOUS LOGON' the Windows identity was lost on the way: a double hop without delegation or NTLM because of a missing or duplicate SPN." },
];

/// Event ids worth a closer look, decided before anything else is decoded.
pub fn is_candidate_id(event_id: u32) -> bool {
    matches!(event_id, 4624 | 4625 | 4648 | 4672 | 4742 | 4776 | 5140 | 5145 | 8001..=8004 | 4001..=4004 | 5805 | 5827..=5831 | 18456)
}

fn writer_matches(w: Writer, provider: &str, guid: Option<&str>) -> bool {
    match w {
        Writer::Provider { name, guid: g } => {
            provider.eq_ignore_ascii_case(name)
                || (provider.is_empty() && guid.is_some_and(|x| x.eq_ignore_ascii_case(g)))
        }
        Writer::Classic(name) => provider.eq_ignore_ascii_case(name),
        Writer::SqlServer => {
            provider.eq_ignore_ascii_case("MSSQLSERVER")
                || provider
                    .get(..6)
                    .is_some_and(|p| p.eq_ignore_ascii_case("MSSQL$"))
        }
    }
}

/// The event this record is, if nullsight understands it. `channel` is checked when present.
pub fn identify(
    provider: &str,
    guid: Option<&str>,
    channel: &str,
    event_id: u32,
) -> Option<&'static EventInfo> {
    EVENTS.iter().find(|e| {
        e.event_id == event_id
            && writer_matches(e.writer, provider, guid)
            && (channel.is_empty()
                || channel.eq_ignore_ascii_case(e.channel)
                || channel.eq_ignore_ascii_case("ForwardedEvents"))
    })
}

/// Look an event up by provider-independent id, for `explain` and the reports.
pub fn by_id(event_id: u32) -> Option<&'static EventInfo> {
    EVENTS.iter().find(|e| e.event_id == event_id)
}

/// What one field of an event says, for `nullsight explain`. `event_ids` empty = any event
/// that has a field of this name. Wording follows the seed material for 4624, 4776, 8002,
/// 8003 and 8004.
#[derive(Debug, Clone, Copy)]
pub struct FieldInfo {
    pub event_ids: &'static [u32],
    pub name: &'static str,
    pub explanation: &'static str,
}

const SUBJECT: &[u32] = &[4624, 4625, 4648, 4672, 4742, 5140, 5145];

pub static FIELDS: &[FieldInfo] = &[
    FieldInfo { event_ids: SUBJECT, name: "SubjectUserSid", explanation: "The account that requested the logon or caused the event on this host; NULL SID (S-1-0-0) for network logons, S-1-5-7 for a null session's share access." },
    FieldInfo { event_ids: SUBJECT, name: "SubjectUserName", explanation: "Name of the subject account (\"-\" for network logons)." },
    FieldInfo { event_ids: SUBJECT, name: "SubjectDomainName", explanation: "Domain of the subject account." },
    FieldInfo { event_ids: SUBJECT, name: "SubjectLogonId", explanation: "Logon session of the subject; for 5140/5145 it is the TargetLogonId of the 4624 that opened the session." },
    FieldInfo { event_ids: &[4624, 4625], name: "TargetUserSid", explanation: "The account that was logged on: S-1-5-7 is NT AUTHORITY\\ANONYMOUS LOGON (a null session)." },
    FieldInfo { event_ids: &[], name: "TargetUserName", explanation: "The account the event is about (logged on, validated, changed or supplied)." },
    FieldInfo { event_ids: &[], name: "TargetDomainName", explanation: "Domain (or computer, for local accounts) of that account." },
    FieldInfo { event_ids: &[4624], name: "TargetLogonId", explanation: "The new logon session's id; 5140/5145/4672 of the same session carry it as SubjectLogonId. Session ids are numbered from boot: a small value means shortly after startup." },
    FieldInfo { event_ids: &[4624], name: "TargetLinkedLogonId", explanation: "The other half of a split (elevated / filtered) token, 0x0 when none." },
    FieldInfo { event_ids: &[4624, 4625, 8003], name: "LogonType", explanation: "How the logon happened: 3 = network (SMB, RPC, null sessions), 2 interactive, 5 service, 10 RDP..." },
    FieldInfo { event_ids: &[4624, 4625], name: "LogonProcessName", explanation: "The trusted logon process: NtLmSsp for NTLM network logons, Kerberos, Advapi, User32... (written with trailing padding)." },
    FieldInfo { event_ids: &[4624, 4625], name: "AuthenticationPackageName", explanation: "The package that authenticated: NTLM, Kerberos or Negotiate. Anonymous logon is supported only by NTLM." },
    FieldInfo { event_ids: &[4624, 4625], name: "WorkstationName", explanation: "The client's name as the client sent it (NTLM only, so always present for anonymous logons from a remote host; attacker-controlled)." },
    FieldInfo { event_ids: &[4624, 4625, 4648, 5140, 5145], name: "IpAddress", explanation: "The client's address; - for local logons, 127.0.0.1 / ::1 for the host itself." },
    FieldInfo { event_ids: &[4624, 4625, 4648, 5140, 5145], name: "IpPort", explanation: "The client's source port (0 or - when not network)." },
    FieldInfo { event_ids: &[4624, 4648], name: "LogonGuid", explanation: "Kerberos logon GUID, all zeros for NTLM; correlates with 4769 on the DC." },
    FieldInfo { event_ids: &[4624, 4625], name: "TransmittedServices", explanation: "Services in a Kerberos S4U delegation chain; - otherwise." },
    FieldInfo { event_ids: &[4624, 4625], name: "LmPackageName", explanation: "The NTLM version (NTLM only): NTLM V1, NTLM V2 or LM. Null sessions always report NTLM V1: that is not NTLMv1 use." },
    FieldInfo { event_ids: &[4624, 4625], name: "KeyLength", explanation: "NTLM session key length in bits: 128 expected; 0 for Kerberos and when no session security was negotiated (the default anonymous session); anything else is weak." },
    FieldInfo { event_ids: &[4624, 4625, 4648], name: "ProcessId", explanation: "The local process that requested the logon (0x0 for network logons)." },
    FieldInfo { event_ids: &[4624, 4625, 4648], name: "ProcessName", explanation: "Path of that process (- for network logons)." },
    FieldInfo { event_ids: &[4624], name: "ImpersonationLevel", explanation: "How far the new token can be used: Identification, Impersonation (local) or Delegation (also remote)." },
    FieldInfo { event_ids: &[4624], name: "RestrictedAdminMode", explanation: "RDP Restricted Admin (only for LogonType 10)." },
    FieldInfo { event_ids: &[4624], name: "RemoteCredentialGuard", explanation: "Remote Credential Guard used for this RDP logon (version 3 events)." },
    FieldInfo { event_ids: &[4624], name: "TargetOutboundUserName", explanation: "Outbound account for NewCredentials (LogonType 9, runas /netonly)." },
    FieldInfo { event_ids: &[4624], name: "TargetOutboundDomainName", explanation: "Outbound domain for NewCredentials (LogonType 9)." },
    FieldInfo { event_ids: &[4624], name: "VirtualAccount", explanation: "Whether the account is a virtual account (service accounts NT SERVICE\\...)." },
    FieldInfo { event_ids: &[4624], name: "ElevatedToken", explanation: "Whether the session has a full administrative token." },
    FieldInfo { event_ids: &[4625], name: "Status", explanation: "Why the logon failed (NTSTATUS); the precise reason is usually in SubStatus." },
    FieldInfo { event_ids: &[4625], name: "SubStatus", explanation: "The precise NTSTATUS reason: 0xc000006a wrong password, 0xc0000064 no such user, 0xc0000234 locked out..." },
    FieldInfo { event_ids: &[4625], name: "FailureReason", explanation: "The failure reason as text (a %% insertion code)." },
    FieldInfo { event_ids: &[4648], name: "TargetServerName", explanation: "The server the explicit credentials were used for (localhost for local use)." },
    FieldInfo { event_ids: &[4648], name: "TargetInfo", explanation: "The target's service or SPN." },
    FieldInfo { event_ids: &[4648], name: "TargetLogonGuid", explanation: "Kerberos logon GUID on the target." },
    FieldInfo { event_ids: &[4672, 4742], name: "PrivilegeList", explanation: "Privileges assigned to the new logon (4672) or used (4742)." },
    FieldInfo { event_ids: &[4742], name: "TargetSid", explanation: "SID of the computer account that was changed." },
    FieldInfo { event_ids: &[4742], name: "SamAccountName", explanation: "New sAMAccountName, - when unchanged (a change to a name without $ is the noPac trick)." },
    FieldInfo { event_ids: &[4742], name: "PasswordLastSet", explanation: "Set when the password changed; changed by ANONYMOUS LOGON on a DC account = Zerologon." },
    FieldInfo { event_ids: &[4742], name: "ServicePrincipalNames", explanation: "New SPNs, - when unchanged." },
    FieldInfo { event_ids: &[4742], name: "DnsHostName", explanation: "New DNS host name, - when unchanged." },
    FieldInfo { event_ids: &[4742], name: "OldUacValue", explanation: "userAccountControl before the change." },
    FieldInfo { event_ids: &[4742], name: "NewUacValue", explanation: "userAccountControl after the change." },
    FieldInfo { event_ids: &[4742], name: "UserAccountControl", explanation: "The flags that changed (%% codes)." },
    FieldInfo { event_ids: &[4742], name: "ComputerAccountChange", explanation: "Always - (reserved)." },
    FieldInfo { event_ids: &[4776], name: "PackageName", explanation: "The authentication package that handled NTLM validation; the only default is MICROSOFT_AUTHENTICATION_PACKAGE_V1_0." },
    FieldInfo { event_ids: &[4776], name: "Workstation", explanation: "The host from which the credential validation request was received (the client); the destination server is not recorded." },
    FieldInfo { event_ids: &[4776], name: "Status", explanation: "The error code: 0x0 for success, otherwise why validation failed (0xc000006a bad password, 0xc0000064 no such user, 0xc000006d also an LM-level mismatch)." },
    FieldInfo { event_ids: &[5140, 5145], name: "ObjectType", explanation: "Always File." },
    FieldInfo { event_ids: &[5140, 5145], name: "ShareName", explanation: "The share accessed: \\\\*\\IPC$ for named pipes (null sessions), \\\\*\\C$ for the admin share..." },
    FieldInfo { event_ids: &[5140, 5145], name: "ShareLocalPath", explanation: "The folder behind the share; empty for IPC$." },
    FieldInfo { event_ids: &[5145], name: "RelativeTargetName", explanation: "The file, or for IPC$ the named pipe: samr, lsarpc, srvsvc, netlogon... reveal enumeration." },
    FieldInfo { event_ids: &[5140, 5145], name: "AccessMask", explanation: "The access requested, as a mask." },
    FieldInfo { event_ids: &[5140, 5145], name: "AccessList", explanation: "The access requested, as %% codes." },
    FieldInfo { event_ids: &[5145], name: "AccessReason", explanation: "Why each access was granted or denied (%% codes and the ACE)." },
    FieldInfo { event_ids: &[8001, 4001], name: "TargetName", explanation: "The server the client authenticated to with NTLM." },
    FieldInfo { event_ids: &[8001, 4001, 8003, 4003, 8004, 4004], name: "UserName", explanation: "The account for which the authentication attempt was performed (supplied by the client); (NULL) for anonymous." },
    FieldInfo { event_ids: &[8001, 4001], name: "DomainName", explanation: "The domain of the supplied account." },
    FieldInfo { event_ids: &[8003, 4003], name: "DomainName", explanation: "The domain (or the address of the host) to which the account in UserName belongs." },
    FieldInfo { event_ids: &[8004, 4004], name: "DomainName", explanation: "The domain of the account." },
    FieldInfo { event_ids: &[8003, 4003], name: "Workstation", explanation: "The host name from which the authentication request was received." },
    FieldInfo { event_ids: &[8001, 4001], name: "CallerPID", explanation: "The local process on the client that used NTLM (decimal)." },
    FieldInfo { event_ids: &[8002, 4002, 8003, 4003], name: "CallerPID", explanation: "The process on the destination host that handled the authentication request, in decimal; not the process on the source host (4 = System)." },
    FieldInfo { event_ids: &[8001, 4001], name: "ProcessName", explanation: "Name of the client process that used NTLM." },
    FieldInfo { event_ids: &[8002, 4002, 8003, 4003], name: "ProcessName", explanation: "The process on the destination host that handled the request; not the source host's process; empty for System (PID 4)." },
    FieldInfo { event_ids: &[8001, 4001], name: "ClientLUID", explanation: "Logon session of the client process: 0x3e7 SYSTEM, 0x3e5 LOCAL SERVICE, 0x3e4 NETWORK SERVICE, other values a user's session. It tells which anonymous-logon scenario this is." },
    FieldInfo { event_ids: &[8002, 4002], name: "ClientLUID", explanation: "Logon session of the account in the user identity field; LOCAL SYSTEM (0x3e7) or LOCAL SERVICE (0x3e5) may hide behind the computer account name." },
    FieldInfo { event_ids: &[8001, 4001, 8002, 4002], name: "ClientUserName", explanation: "The account under which the calling process runs (the computer account name for SYSTEM)." },
    FieldInfo { event_ids: &[8001, 4001, 8002, 4002], name: "ClientDomainName", explanation: "The domain, or the workgroup name if the host is not domain-joined, of that account." },
    FieldInfo { event_ids: &[], name: "MechanismOID", explanation: "The SSPI mechanism: 1.3.6.1.4.1.311.2.2.10 is NTLM (MS-NLMP). Not always populated." },
    FieldInfo { event_ids: &[8003, 4003], name: "InProc", explanation: "Whether the request was handled in the LSA process." },
    FieldInfo { event_ids: &[8004, 4004], name: "SChannelName", explanation: "The server whose secure channel forwarded the request (the resource server the client authenticated to)." },
    FieldInfo { event_ids: &[8004, 4004], name: "WorkstationName", explanation: "The client that started the authentication." },
    FieldInfo { event_ids: &[8004, 4004], name: "SChannelType", explanation: "The secure channel type: 2 workstation or member server, 6 a DC, 3/4 a trust." },
];

/// The explanation of field `name` in event `event_id`, if the table has one.
pub fn field(event_id: u32, name: &str) -> Option<&'static FieldInfo> {
    FIELDS
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(name) && f.event_ids.contains(&event_id))
        .or_else(|| {
            FIELDS
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name) && f.event_ids.is_empty())
        })
        .or_else(|| FIELDS.iter().find(|f| f.name.eq_ignore_ascii_case(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traps_are_not_identified() {
        assert!(identify("Microsoft-Windows-EventSystem", None, "Application", 4625).is_none());
        assert!(identify(
            "Microsoft-Windows-GroupPolicy",
            None,
            "Microsoft-Windows-GroupPolicy/Operational",
            8001
        )
        .is_none());
        assert_eq!(
            identify(
                "Microsoft-Windows-Security-Netlogon",
                None,
                NTLM_CHANNEL,
                8004
            )
            .unwrap()
            .family,
            Family::NtlmPassthrough
        );
        assert!(identify(NTLM, None, NTLM_CHANNEL, 8004).is_none());
        assert_eq!(
            identify("MSSQL$RADAR", None, "Application", 18456)
                .unwrap()
                .family,
            Family::SqlLoginFailure
        );
        assert_eq!(
            identify(
                "",
                Some("{54849625-5478-4994-a5ba-3e3b0328c30d}"),
                "Security",
                4624
            )
            .unwrap()
            .family,
            Family::Logon
        );
    }

    #[test]
    fn every_event_is_a_candidate() {
        for e in EVENTS {
            assert!(is_candidate_id(e.event_id), "{}", e.event_id);
        }
    }
}
