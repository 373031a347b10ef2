//! Event builders: each Windows event the lab writes, with the field names, order, types and
//! System values of the reference (A.* and D.5: SIDs as SID, logon ids HexInt64, LogonType and
//! KeyLength UInt32, LogonGuid GUID, ProcessId SizeT, status codes HexInt32, the rest strings).

use super::domain::Host;
use evtx_writer::{EventData, EventRecord, Guid, Sid, Value};
use std::borrow::Cow;

pub const AUDITING: Guid = Guid::from_fields(
    0x54849625,
    0x5478,
    0x4994,
    [0xA5, 0xBA, 0x3E, 0x3B, 0x03, 0x28, 0xC3, 0x0D],
);
pub const NTLM: Guid = Guid::from_fields(
    0xAC43300D,
    0x5FCC,
    0x4800,
    [0x8E, 0x99, 0x1B, 0xD3, 0xF8, 0x5F, 0x03, 0x20],
);
pub const SECURITY_NETLOGON: Guid = Guid::from_fields(
    0xE5BA83F6,
    0x07D0,
    0x46B1,
    [0x8B, 0xC7, 0x7E, 0x66, 0x9A, 0x1D, 0x31, 0xDC],
);

pub const NULL_SID: &str = "S-1-0-0";
pub const ANONYMOUS_SID: &str = "S-1-5-7";
pub const SYSTEM_SID: &str = "S-1-5-18";
pub const NTLM_OID: &str = "1.3.6.1.4.1.311.2.2.10";
pub const NTLM_CHANNEL: &str = "Microsoft-Windows-NTLM/Operational";

const SUCCESS: u64 = 0x8020_0000_0000_0000;
const FAILURE: u64 = 0x8010_0000_0000_0000;

pub fn s(v: impl Into<String>) -> Value<'static> {
    Value::String(Cow::Owned(v.into()))
}
pub fn sid(v: &str) -> Value<'static> {
    Value::Sid(v.parse::<Sid>().expect("valid SID"))
}

fn named(items: Vec<(&'static str, Value<'static>)>) -> EventData<'static> {
    EventData::Named(
        items
            .into_iter()
            .map(|(n, v)| (Cow::Borrowed(n), v))
            .collect(),
    )
}

/// A Security-Auditing event.
pub fn security(
    h: &Host,
    event_id: u16,
    version: u8,
    task: u16,
    success: bool,
    thread_id: u32,
    data: Vec<(&'static str, Value<'static>)>,
) -> EventRecord<'static> {
    EventRecord {
        provider_name: "Microsoft-Windows-Security-Auditing".into(),
        provider_guid: Some(AUDITING),
        event_id,
        version,
        task,
        keywords: if success { SUCCESS } else { FAILURE },
        process_id: h.lsass_pid,
        thread_id,
        channel: "Security".into(),
        computer: h.computer().into(),
        data: named(data),
        ..EventRecord::default()
    }
}

/// An account as the Subject/Target blocks write it.
#[derive(Debug, Clone)]
pub struct Account {
    pub sid: String,
    pub user: String,
    pub domain: String,
    pub logon_id: u64,
}

impl Account {
    pub fn null() -> Account {
        Account {
            sid: NULL_SID.into(),
            user: "-".into(),
            domain: "-".into(),
            logon_id: 0,
        }
    }
    pub fn anonymous(logon_id: u64) -> Account {
        Account {
            sid: ANONYMOUS_SID.into(),
            user: "ANONYMOUS LOGON".into(),
            domain: "NT AUTHORITY".into(),
            logon_id,
        }
    }
    pub fn system(h: &Host) -> Account {
        Account {
            sid: SYSTEM_SID.into(),
            user: h.account(),
            domain: h.domain().into(),
            logon_id: 0x3e7,
        }
    }
    pub fn local_system() -> Account {
        Account {
            sid: SYSTEM_SID.into(),
            user: "SYSTEM".into(),
            domain: "NT AUTHORITY".into(),
            logon_id: 0x3e7,
        }
    }
    pub fn domain_user(u: &super::domain::User, logon_id: u64) -> Account {
        Account {
            sid: u.sid(),
            user: u.name.into(),
            domain: super::domain::DOMAIN.into(),
            logon_id,
        }
    }
}

/// 4624's values.
#[derive(Debug, Clone)]
pub struct Logon {
    pub subject: Account,
    pub target: Account,
    pub logon_type: u32,
    pub logon_process: &'static str,
    pub auth_package: &'static str,
    pub workstation: String,
    pub logon_guid: Guid,
    pub lm_package: &'static str,
    pub key_length: u32,
    pub process_id: u64,
    pub process_name: String,
    pub ip: String,
    pub port: String,
    pub impersonation: &'static str,
    pub elevated: bool,
    pub linked_logon_id: u64,
}

impl Logon {
    /// A network (type 3) null session as every scenario of section E starts: NULL SID subject,
    /// ANONYMOUS LOGON target, NtLmSsp, NTLM, "NTLM V1", key length 0.
    pub fn anonymous(logon_id: u64, workstation: &str, ip: &str, port: u16) -> Logon {
        Logon {
            subject: Account::null(),
            target: Account::anonymous(logon_id),
            logon_type: 3,
            logon_process: "NtLmSsp ",
            auth_package: "NTLM",
            workstation: workstation.into(),
            logon_guid: Guid::default(),
            lm_package: "NTLM V1",
            key_length: 0,
            process_id: 0,
            process_name: "-".into(),
            ip: ip.into(),
            port: port.to_string(),
            impersonation: "%%1833",
            elevated: false,
            linked_logon_id: 0,
        }
    }

    /// A network logon of a named account over NTLM.
    pub fn ntlm(
        target: Account,
        lm: &'static str,
        key: u32,
        workstation: &str,
        ip: &str,
        port: u16,
    ) -> Logon {
        Logon {
            target,
            lm_package: lm,
            key_length: key,
            ..Logon::anonymous(0, workstation, ip, port)
        }
    }

    /// A network logon of a named account over Kerberos (no workstation name, key length 0).
    pub fn kerberos(target: Account, guid: Guid, ip: &str, port: u16) -> Logon {
        Logon {
            target,
            logon_process: "Kerberos",
            auth_package: "Kerberos",
            workstation: "-".into(),
            logon_guid: guid,
            lm_package: "-",
            key_length: 0,
            ..Logon::anonymous(0, "-", ip, port)
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "%%1842"
    } else {
        "%%1843"
    }
}

/// 4624 in the schema `version` (0–3, reference A.1).
pub fn logon(h: &Host, version: u8, thread_id: u32, l: &Logon) -> EventRecord<'static> {
    let mut d = vec![
        ("SubjectUserSid", sid(&l.subject.sid)),
        ("SubjectUserName", s(&l.subject.user)),
        ("SubjectDomainName", s(&l.subject.domain)),
        ("SubjectLogonId", Value::HexInt64(l.subject.logon_id)),
        ("TargetUserSid", sid(&l.target.sid)),
        ("TargetUserName", s(&l.target.user)),
        ("TargetDomainName", s(&l.target.domain)),
        ("TargetLogonId", Value::HexInt64(l.target.logon_id)),
        ("LogonType", Value::U32(l.logon_type)),
        ("LogonProcessName", s(l.logon_process)),
        ("AuthenticationPackageName", s(l.auth_package)),
        ("WorkstationName", s(&l.workstation)),
        ("LogonGuid", Value::Guid(l.logon_guid)),
        ("TransmittedServices", s("-")),
        ("LmPackageName", s(l.lm_package)),
        ("KeyLength", Value::U32(l.key_length)),
        ("ProcessId", Value::SizeT(l.process_id)),
        ("ProcessName", s(&l.process_name)),
        ("IpAddress", s(&l.ip)),
        ("IpPort", s(&l.port)),
    ];
    if version >= 1 {
        d.push(("ImpersonationLevel", s(l.impersonation)));
    }
    if version >= 2 {
        d.push(("RestrictedAdminMode", s("-")));
        if version >= 3 {
            d.push(("RemoteCredentialGuard", s("-")));
        }
        d.push(("TargetOutboundUserName", s("-")));
        d.push(("TargetOutboundDomainName", s("-")));
        d.push(("VirtualAccount", s(yes_no(false))));
        d.push(("TargetLinkedLogonId", Value::HexInt64(l.linked_logon_id)));
        d.push(("ElevatedToken", s(yes_no(l.elevated))));
    }
    security(h, 4624, version, 12544, true, thread_id, d)
}

/// 4625's values (v0, 21 fields).
#[derive(Debug, Clone)]
pub struct Failure {
    pub target_sid: &'static str,
    pub user: String,
    pub domain: String,
    pub status: u32,
    pub sub_status: u32,
    pub workstation: String,
    pub ip: String,
    pub port: u16,
}

pub fn logon_failure(h: &Host, thread_id: u32, f: &Failure) -> EventRecord<'static> {
    let reason = match f.status {
        0xC000_006D | 0xC000_006E if f.sub_status == 0xC000_0072 => "%%2310",
        0xC000_006D => "%%2313",
        _ => "%%2304",
    };
    security(
        h,
        4625,
        0,
        12544,
        false,
        thread_id,
        vec![
            ("SubjectUserSid", sid(NULL_SID)),
            ("SubjectUserName", s("-")),
            ("SubjectDomainName", s("-")),
            ("SubjectLogonId", Value::HexInt64(0)),
            ("TargetUserSid", sid(f.target_sid)),
            ("TargetUserName", s(&f.user)),
            ("TargetDomainName", s(&f.domain)),
            ("Status", Value::HexInt32(f.status)),
            ("FailureReason", s(reason)),
            ("SubStatus", Value::HexInt32(f.sub_status)),
            ("LogonType", Value::U32(3)),
            ("LogonProcessName", s("NtLmSsp ")),
            ("AuthenticationPackageName", s("NTLM")),
            ("WorkstationName", s(&f.workstation)),
            ("TransmittedServices", s("-")),
            ("LmPackageName", s("-")),
            ("KeyLength", Value::U32(0)),
            ("ProcessId", Value::SizeT(0)),
            ("ProcessName", s("-")),
            ("IpAddress", s(&f.ip)),
            ("IpPort", s(f.port.to_string())),
        ],
    )
}

/// 4634 An account was logged off.
pub fn logoff(h: &Host, thread_id: u32, target: &Account, logon_type: u32) -> EventRecord<'static> {
    security(
        h,
        4634,
        0,
        12545,
        true,
        thread_id,
        vec![
            ("TargetUserSid", sid(&target.sid)),
            ("TargetUserName", s(&target.user)),
            ("TargetDomainName", s(&target.domain)),
            ("TargetLogonId", Value::HexInt64(target.logon_id)),
            ("LogonType", Value::U32(logon_type)),
        ],
    )
}

pub const ADMIN_PRIVILEGES: &str = "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege";
pub const SYSTEM_PRIVILEGES: &str = "SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege\r\n\t\t\tSeSecurityPrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeAuditPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege";

/// 4672 Special privileges assigned to new logon.
pub fn special(
    h: &Host,
    thread_id: u32,
    subject: &Account,
    privileges: &'static str,
) -> EventRecord<'static> {
    security(
        h,
        4672,
        0,
        12548,
        true,
        thread_id,
        vec![
            ("SubjectUserSid", sid(&subject.sid)),
            ("SubjectUserName", s(&subject.user)),
            ("SubjectDomainName", s(&subject.domain)),
            ("SubjectLogonId", Value::HexInt64(subject.logon_id)),
            ("PrivilegeList", s(privileges)),
        ],
    )
}

/// 4648 A logon was attempted using explicit credentials (v0 with TargetLogonGuid).
#[allow(clippy::too_many_arguments)]
pub fn explicit(
    h: &Host,
    thread_id: u32,
    subject: &Account,
    user: &str,
    domain: &str,
    server: &str,
    process_id: u64,
    process_name: &str,
    ip: &str,
    port: &str,
) -> EventRecord<'static> {
    security(
        h,
        4648,
        0,
        12544,
        true,
        thread_id,
        vec![
            ("SubjectUserSid", sid(&subject.sid)),
            ("SubjectUserName", s(&subject.user)),
            ("SubjectDomainName", s(&subject.domain)),
            ("SubjectLogonId", Value::HexInt64(subject.logon_id)),
            ("LogonGuid", Value::Guid(Guid::default())),
            ("TargetUserName", s(user)),
            ("TargetDomainName", s(domain)),
            ("TargetLogonGuid", Value::Guid(Guid::default())),
            ("TargetServerName", s(server)),
            ("TargetInfo", s(server)),
            ("ProcessId", Value::SizeT(process_id)),
            ("ProcessName", s(process_name)),
            ("IpAddress", s(ip)),
            ("IpPort", s(port)),
        ],
    )
}

/// 4776 The computer attempted to validate the credentials for an account.
pub fn validation(
    h: &Host,
    thread_id: u32,
    user: &str,
    workstation: &str,
    status: u32,
) -> EventRecord<'static> {
    security(
        h,
        4776,
        0,
        14336,
        status == 0,
        thread_id,
        vec![
            ("PackageName", s("MICROSOFT_AUTHENTICATION_PACKAGE_V1_0")),
            ("TargetUserName", s(user)),
            ("Workstation", s(workstation)),
            ("Status", Value::HexInt32(status)),
        ],
    )
}

/// Where a share lives on disk (empty for IPC$).
pub fn share_path(share: &str) -> String {
    match share {
        "IPC$" => String::new(),
        "C$" => r"\??\C:\".into(),
        other => format!(r"\??\D:\Shares\{other}"),
    }
}

/// 5140 A network share object was accessed (v1).
pub fn share_access(
    h: &Host,
    thread_id: u32,
    subject: &Account,
    ip: &str,
    port: u16,
    share: &str,
) -> EventRecord<'static> {
    let mut r = security(
        h,
        5140,
        1,
        12808,
        true,
        thread_id,
        vec![
            ("SubjectUserSid", sid(&subject.sid)),
            ("SubjectUserName", s(&subject.user)),
            ("SubjectDomainName", s(&subject.domain)),
            ("SubjectLogonId", Value::HexInt64(subject.logon_id)),
            ("ObjectType", s("File")),
            ("IpAddress", s(ip)),
            ("IpPort", s(port.to_string())),
            ("ShareName", s(format!(r"\\*\{share}"))),
            ("ShareLocalPath", s(share_path(share))),
            ("AccessMask", Value::HexInt32(0x1)),
            ("AccessList", s("%%4416\r\n\t\t\t\t")),
        ],
    );
    r.process_id = 4;
    r
}

/// 5145 A network share object was checked (v0): a named pipe on IPC$, or a file.
#[allow(clippy::too_many_arguments)]
pub fn share_check(
    h: &Host,
    thread_id: u32,
    subject: &Account,
    ip: &str,
    port: u16,
    share: &str,
    target: &str,
) -> EventRecord<'static> {
    let mut r = security(
        h,
        5145,
        0,
        12811,
        true,
        thread_id,
        vec![
            ("SubjectUserSid", sid(&subject.sid)),
            ("SubjectUserName", s(&subject.user)),
            ("SubjectDomainName", s(&subject.domain)),
            ("SubjectLogonId", Value::HexInt64(subject.logon_id)),
            ("ObjectType", s("File")),
            ("IpAddress", s(ip)),
            ("IpPort", s(port.to_string())),
            ("ShareName", s(format!(r"\\*\{share}"))),
            ("ShareLocalPath", s(share_path(share))),
            ("RelativeTargetName", s(target)),
            ("AccessMask", Value::HexInt32(0x12019f)),
            ("AccessList", s("%%1538\r\n\t\t\t\t%%1541\r\n\t\t\t\t%%4416\r\n\t\t\t\t%%4417\r\n\t\t\t\t%%4418\r\n\t\t\t\t%%4419\r\n\t\t\t\t%%4420\r\n\t\t\t\t%%4423\r\n\t\t\t\t%%4424\r\n\t\t\t\t")),
            ("AccessReason", s("-")),
        ],
    );
    r.process_id = 4;
    r
}

/// 4742 A computer account was changed (v0), as Zerologon's password reset writes it.
pub fn computer_changed(
    h: &Host,
    thread_id: u32,
    subject: &Account,
    target: &Host,
    password_last_set: &str,
) -> EventRecord<'static> {
    let dash = || s("-");
    security(
        h,
        4742,
        0,
        13825,
        true,
        thread_id,
        vec![
            ("ComputerAccountChange", dash()),
            ("TargetUserName", s(target.account())),
            ("TargetDomainName", s(super::domain::DOMAIN)),
            ("TargetSid", sid(&target.sid())),
            ("SubjectUserSid", sid(&subject.sid)),
            ("SubjectUserName", s(&subject.user)),
            ("SubjectDomainName", s(&subject.domain)),
            ("SubjectLogonId", Value::HexInt64(subject.logon_id)),
            ("PrivilegeList", dash()),
            ("SamAccountName", dash()),
            ("DisplayName", dash()),
            ("UserPrincipalName", dash()),
            ("HomeDirectory", dash()),
            ("HomePath", dash()),
            ("ScriptPath", dash()),
            ("ProfilePath", dash()),
            ("UserWorkstations", dash()),
            ("PasswordLastSet", s(password_last_set)),
            ("AccountExpires", dash()),
            ("PrimaryGroupId", dash()),
            ("AllowedToDelegateTo", dash()),
            ("OldUacValue", dash()),
            ("NewUacValue", dash()),
            ("UserAccountControl", dash()),
            ("UserParameters", dash()),
            ("SidHistory", dash()),
            ("LogonHours", dash()),
            ("DnsHostName", dash()),
            ("ServicePrincipalNames", dash()),
        ],
    )
}

/// 4608 Windows is starting up (no data).
pub fn startup(h: &Host, thread_id: u32) -> EventRecord<'static> {
    security(h, 4608, 0, 12288, true, thread_id, vec![])
}

fn ntlm_event(
    h: &Host,
    event_id: u16,
    provider: &'static str,
    guid: Guid,
    thread_id: u32,
    data: Vec<(&'static str, Value<'static>)>,
) -> EventRecord<'static> {
    EventRecord {
        provider_name: provider.into(),
        provider_guid: Some(guid),
        event_id,
        level: 4,
        task: 2,
        keywords: 0x8000_0000_0000_0000,
        process_id: h.lsass_pid,
        thread_id,
        channel: NTLM_CHANNEL.into(),
        computer: h.computer().into(),
        user_id: Some(SYSTEM_SID.parse().expect("SID")),
        data: named(data),
        ..EventRecord::default()
    }
}

/// The process and session that asked for (8001) or served (8002) NTLM.
#[derive(Debug, Clone)]
pub struct Caller {
    pub pid: u32,
    pub process: String,
    pub luid: u64,
    pub user: String,
    pub domain: String,
}

impl Caller {
    /// The SMB server (System, PID 4, no process name) serving as the computer account.
    pub fn smb_server(h: &Host) -> Caller {
        Caller {
            pid: 4,
            process: String::new(),
            luid: 0x3e7,
            user: h.account(),
            domain: h.domain().into(),
        }
    }
}

/// 8001 NTLM client blocked audit: outgoing NTLM authentication. `user`/`domain` are the
/// supplied credentials: `(NULL)`/`NULL` for a null session.
pub fn ntlm_outgoing(
    h: &Host,
    thread_id: u32,
    target: &str,
    user: &str,
    domain: &str,
    c: &Caller,
    oid: &str,
) -> EventRecord<'static> {
    ntlm_event(
        h,
        8001,
        "Microsoft-Windows-NTLM",
        NTLM,
        thread_id,
        vec![
            ("TargetName", s(target)),
            ("UserName", s(user)),
            ("DomainName", s(domain)),
            ("CallerPID", Value::U32(c.pid)),
            ("ProcessName", s(&c.process)),
            ("ClientLUID", Value::HexInt64(c.luid)),
            ("ClientUserName", s(&c.user)),
            ("ClientDomainName", s(&c.domain)),
            ("MechanismOID", s(oid)),
        ],
    )
}

/// 8002 NTLM server blocked audit: incoming NTLM traffic.
pub fn ntlm_incoming(h: &Host, thread_id: u32, c: &Caller, oid: &str) -> EventRecord<'static> {
    ntlm_event(
        h,
        8002,
        "Microsoft-Windows-NTLM",
        NTLM,
        thread_id,
        vec![
            ("CallerPID", Value::U32(c.pid)),
            ("ProcessName", s(&c.process)),
            ("ClientLUID", Value::HexInt64(c.luid)),
            ("ClientUserName", s(&c.user)),
            ("ClientDomainName", s(&c.domain)),
            ("MechanismOID", s(oid)),
        ],
    )
}

/// 8003 NTLM server blocked in the domain audit.
#[allow(clippy::too_many_arguments)]
pub fn ntlm_domain(
    h: &Host,
    thread_id: u32,
    user: &str,
    domain: &str,
    workstation: &str,
    c: &Caller,
    oid: &str,
) -> EventRecord<'static> {
    ntlm_event(
        h,
        8003,
        "Microsoft-Windows-NTLM",
        NTLM,
        thread_id,
        vec![
            ("UserName", s(user)),
            ("DomainName", s(domain)),
            ("Workstation", s(workstation)),
            ("CallerPID", Value::U32(c.pid)),
            ("ProcessName", s(&c.process)),
            ("LogonType", Value::U32(3)),
            ("InProc", Value::Bool(c.pid != 4)),
            ("MechanismOID", s(oid)),
        ],
    )
}

/// 8004 Domain Controller blocked audit (Security-Netlogon, in the NTLM channel).
pub fn ntlm_passthrough(
    dc: &Host,
    thread_id: u32,
    schannel: &str,
    user: &str,
    domain: &str,
    workstation: &str,
    schannel_type: u32,
) -> EventRecord<'static> {
    let mut r = ntlm_event(
        dc,
        8004,
        "Microsoft-Windows-Security-Netlogon",
        SECURITY_NETLOGON,
        thread_id,
        vec![
            ("SChannelName", s(schannel)),
            ("UserName", s(user)),
            ("DomainName", s(domain)),
            ("WorkstationName", s(workstation)),
            ("SChannelType", Value::U32(schannel_type)),
        ],
    );
    r.task = 0;
    r
}

/// A classic (message-file) event: provider and channel literal, positional inserts.
#[allow(clippy::too_many_arguments)]
pub fn classic(
    h: &Host,
    provider: &'static str,
    channel: &'static str,
    event_id: u16,
    qualifiers: u16,
    level: u8,
    task: u16,
    keywords: u64,
    strings: Vec<String>,
    binary: Option<Vec<u8>>,
) -> EventRecord<'static> {
    EventRecord {
        provider_name: provider.into(),
        event_id,
        qualifiers: Some(qualifiers),
        level,
        task,
        keywords,
        channel: channel.into(),
        computer: h.computer().into(),
        data: EventData::Positional {
            strings: strings.into_iter().map(Cow::Owned).collect(),
            binary: binary.map(Cow::Owned),
        },
        ..EventRecord::default()
    }
}

const CLASSIC: u64 = 0x0080_0000_0000_0000;

/// NETLOGON 5805: the session setup from a computer failed to authenticate (Binary: NTSTATUS LE).
pub fn netlogon_5805(dc: &Host, computer: &str, status: u32) -> EventRecord<'static> {
    classic(
        dc,
        "NETLOGON",
        "System",
        5805,
        0,
        2,
        0,
        CLASSIC,
        vec![computer.into(), "%%5".into()],
        Some(status.to_le_bytes().to_vec()),
    )
}

/// NETLOGON 5829: a vulnerable Netlogon secure channel connection was allowed (deployment phase).
pub fn netlogon_5829(
    dc: &Host,
    account: &str,
    domain: &str,
    account_type: &str,
    os: &str,
    build: &str,
    sp: &str,
) -> EventRecord<'static> {
    classic(
        dc,
        "NETLOGON",
        "System",
        5829,
        0,
        3,
        0,
        CLASSIC,
        vec![
            account.into(),
            domain.into(),
            account_type.into(),
            os.into(),
            build.into(),
            sp.into(),
        ],
        None,
    )
}

/// NETLOGON 5827 (denied) and 5830 (allowed by "Domain controller: Allow vulnerable Netlogon
/// secure channel connections"): the same six inserts as 5829, for a machine account.
pub fn netlogon_machine(
    dc: &Host,
    event_id: u16,
    account: &str,
    domain: &str,
    os: &str,
    build: &str,
) -> EventRecord<'static> {
    let mut r = netlogon_5829(dc, account, domain, "Workstation", os, build, "");
    r.event_id = event_id;
    // 5827 is an error (a connection was refused); 5829 and 5830 are warnings.
    r.level = if event_id == 5827 { 2 } else { 3 };
    r
}

/// NETLOGON 5828 (denied) and 5831 (allowed by the allow-list), for a trust account: account
/// type, trust name, trust target, client IP address.
pub fn netlogon_trust(
    dc: &Host,
    event_id: u16,
    trust: &str,
    target: &str,
    client_ip: &str,
) -> EventRecord<'static> {
    classic(
        dc,
        "NETLOGON",
        "System",
        event_id,
        0,
        if event_id == 5828 { 2 } else { 3 },
        0,
        CLASSIC,
        vec![
            "TrustedDomain".into(),
            trust.into(),
            target.into(),
            client_ip.into(),
        ],
        None,
    )
}

/// MSSQLSERVER 18456 Login failed. The binary is the error number, the severity and the
/// server and database names as counted UTF-16 strings (with their NUL).
pub fn sql_login_failed(
    h: &Host,
    login: &str,
    reason: &str,
    client_ip: &str,
    database: &str,
) -> EventRecord<'static> {
    let mut bin = Vec::new();
    bin.extend_from_slice(&18456u32.to_le_bytes());
    bin.extend_from_slice(&14u32.to_le_bytes());
    for name in [h.name, database] {
        let units: Vec<u16> = name.encode_utf16().chain(std::iter::once(0)).collect();
        bin.extend_from_slice(&(units.len() as u32).to_le_bytes());
        for u in units {
            bin.extend_from_slice(&u.to_le_bytes());
        }
    }
    classic(
        h,
        "MSSQLSERVER",
        "Application",
        18456,
        0xC000,
        0,
        4,
        0x0090_0000_0000_0000,
        vec![
            login.into(),
            format!(" Reason: {reason}"),
            format!(" [CLIENT: {client_ip}]"),
        ],
        Some(bin),
    )
}

/// System boot: EventLog 6009 (OS version) and 6005 (event log service started).
pub fn boot_records(h: &Host) -> Vec<EventRecord<'static>> {
    let build =
        h.os.rsplit_once('(')
            .and_then(|(_, b)| b.split(')').next())
            .unwrap_or("")
            .to_string();
    let version = if build.starts_with('6') {
        "6.00."
    } else {
        "10.00."
    };
    vec![
        classic(
            h,
            "EventLog",
            "System",
            6009,
            0x8000,
            4,
            0,
            CLASSIC,
            vec![
                version.into(),
                build,
                String::new(),
                "Multiprocessor Free".into(),
                "0".into(),
            ],
            None,
        ),
        classic(
            h,
            "EventLog",
            "System",
            6005,
            0x8000,
            4,
            0,
            CLASSIC,
            vec![],
            None,
        ),
    ]
}

/// EventLog 6006: the event log service was stopped (clean shutdown).
pub fn shutdown_record(h: &Host) -> EventRecord<'static> {
    classic(
        h,
        "EventLog",
        "System",
        6006,
        0x8000,
        4,
        0,
        CLASSIC,
        vec![],
        None,
    )
}

/// Ordinary Application noise: Windows Security Center (workstations) or VSS idle stop.
pub fn application_noise(h: &Host, workstation: bool) -> EventRecord<'static> {
    if workstation {
        classic(
            h,
            "SecurityCenter",
            "Application",
            15,
            0,
            4,
            0,
            CLASSIC,
            vec![
                "Windows Defender".into(),
                "SECURITY_PRODUCT_STATE_ON".into(),
            ],
            None,
        )
    } else {
        classic(
            h,
            "VSS",
            "Application",
            8224,
            0,
            4,
            0,
            CLASSIC,
            vec![],
            None,
        )
    }
}
