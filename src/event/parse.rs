//! Raw record → typed event. Security and NTLM events are read by field name (4624 has four
//! schema versions and v3 inserts a field in the middle); classic Netlogon and SQL Server
//! events have unnamed `<Data>` and are read by position.

use super::fields::{boolean, code, decoded_owned, ip, sid_owned, text, text_owned};
use super::*;
use crate::knowledge::events::{identify, Family};
use crate::knowledge::{logon_types, luids, secure_channel, sids, win32};
use crate::source::{Fields, RawRecord};

/// Type a raw record, if it is an event nullsight understands. `file` is left empty: the
/// caller sets it (records are typed on worker threads that do not know the path).
pub fn from_raw(mut raw: RawRecord) -> Option<Event> {
    from_fields(&mut raw)
}

/// [`from_raw`] of a record as a reader hands it ([`crate::source::Map`]): a raw record, or a
/// lazy one read from its EVTX substitutions.
pub fn from_fields(r: &mut dyn Fields) -> Option<Event> {
    let h = r.head();
    let info = identify(
        &h.provider,
        h.provider_guid.as_deref(),
        &h.channel,
        h.event_id,
    )?;
    let kind = match info.family {
        Family::Logon => Kind::Logon(logon(r)),
        Family::LogonFailure => Kind::LogonFailure(logon_failure(r)),
        Family::ExplicitCredentials => Kind::ExplicitCredentials(explicit(r)),
        Family::SpecialPrivileges => Kind::SpecialPrivileges(SpecialPrivileges {
            subject: subject(r),
            privileges: r.list("PrivilegeList"),
        }),
        Family::CredentialValidation => {
            let status = code(r.number("Status")).map(Status);
            Kind::CredentialValidation(CredentialValidation {
                auth_package: text_owned(r.take_item("PackageName")),
                target_user: text_owned(r.take_item("TargetUserName")),
                workstation: text_owned(r.take_item("Workstation")),
                status,
                status_name: status.and_then(Status::name),
            })
        }
        Family::NtlmOutgoing => Kind::NtlmOutgoing(ntlm(r, None)),
        Family::NtlmIncoming => Kind::NtlmIncoming(ntlm(r, None)),
        Family::NtlmDomain => Kind::NtlmDomain(ntlm(r, None)),
        Family::NtlmPassthrough => Kind::NtlmPassthrough(ntlm(r, None)),
        Family::NtlmBlocked => {
            let stage = match r.head().event_id {
                4001 => NtlmStage::Outgoing,
                4002 => NtlmStage::Incoming,
                4003 => NtlmStage::Domain,
                _ => NtlmStage::Passthrough,
            };
            Kind::NtlmBlocked(ntlm(r, Some(stage)))
        }
        Family::ShareAccess => Kind::ShareAccess(share(r)),
        Family::ComputerAccountChange => Kind::ComputerAccountChange(computer_change(r)),
        // Read by position.
        Family::Netlogon => Kind::Netlogon(netlogon(r)),
        Family::SqlLoginFailure => Kind::SqlLoginFailure(sql(r)),
    };
    let anonymous = is_anonymous(&kind);
    let h = r.head();
    Some(Event {
        file: no_file(),
        record_id: h.record_id,
        time: h.time,
        computer: std::mem::take(&mut h.computer),
        provider: std::mem::take(&mut h.provider),
        channel: std::mem::take(&mut h.channel),
        event_id: h.event_id,
        version: h.version,
        anonymous,
        kind,
    })
}

/// The empty file name of a new event, one per thread: an `Arc::from("")` per event would
/// be an allocation each.
fn no_file() -> Arc<str> {
    thread_local! {
        static EMPTY: Arc<str> = Arc::from("");
    }
    EMPTY.with(Arc::clone)
}

/// [`from_raw`] with the file set, for callers that know it.
pub fn type_record(raw: RawRecord, file: &Arc<str>) -> Option<Event> {
    let mut e = from_raw(raw)?;
    e.file = Arc::clone(file);
    Some(e)
}

const ANONYMOUS_NAME: &str = "ANONYMOUS LOGON";

fn is_anonymous(kind: &Kind) -> bool {
    let anon_sid = |s: &Option<Text>| s.as_deref() == Some(sids::ANONYMOUS);
    // NTLM events carry names, not SIDs. Where the event names a supplied account
    // (8001, 8003, 8004 and their blocked twins), an empty one is a null session.
    let anon_ntlm = |n: &NtlmAudit| match n.target_user.as_deref() {
        Some(u) => u.eq_ignore_ascii_case(ANONYMOUS_NAME),
        None => n.stage != Some(NtlmStage::Incoming),
    };
    match kind {
        Kind::Logon(l) => anon_sid(&l.target_sid),
        Kind::LogonFailure(l) => anon_sid(&l.target_sid),
        Kind::ExplicitCredentials(e) => anon_sid(&e.subject.sid),
        Kind::SpecialPrivileges(p) => anon_sid(&p.subject.sid),
        Kind::ShareAccess(s) => anon_sid(&s.subject.sid),
        Kind::ComputerAccountChange(c) => anon_sid(&c.subject.sid),
        // 4776 names the account only: ANONYMOUS LOGON is the English well-known name.
        Kind::CredentialValidation(c) => c
            .target_user
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(ANONYMOUS_NAME)),
        Kind::NtlmOutgoing(n) | Kind::NtlmDomain(n) | Kind::NtlmPassthrough(n) => anon_ntlm(n),
        Kind::NtlmBlocked(n) => anon_ntlm(n),
        Kind::NtlmIncoming(_) => false,
        Kind::Netlogon(_) => false,
        Kind::SqlLoginFailure(s) => s.target_user.as_deref().is_some_and(|u| {
            u.eq_ignore_ascii_case("NT AUTHORITY\\ANONYMOUS LOGON")
                || u.eq_ignore_ascii_case(ANONYMOUS_NAME)
        }),
    }
}

fn subject(r: &mut dyn Fields) -> Subject {
    Subject {
        sid: sid_owned(r.take_item("SubjectUserSid")),
        user: text_owned(r.take_item("SubjectUserName")),
        domain: text_owned(r.take_item("SubjectDomainName")),
        logon_id: r.number("SubjectLogonId").map(LogonId),
    }
}

fn network(r: &mut dyn Fields) -> Network {
    Network {
        workstation: text_owned(r.take_item("WorkstationName")),
        ip: r.ip("IpAddress"),
        port: r.port("IpPort"),
    }
}

fn logon(r: &mut dyn Fields) -> Logon {
    let logon_type = r.number("LogonType").map(|n| n as u32);
    Logon {
        subject: subject(r),
        target_sid: sid_owned(r.take_item("TargetUserSid")),
        target_user: text_owned(r.take_item("TargetUserName")),
        target_domain: text_owned(r.take_item("TargetDomainName")),
        target_logon_id: r.number("TargetLogonId").map(LogonId),
        target_linked_logon_id: r
            .number("TargetLinkedLogonId")
            .map(LogonId)
            .filter(|l| l.0 != 0),
        logon_type,
        logon_type_name: logon_type.and_then(logon_types::lookup).map(|c| c.name),
        logon_process: text_owned(r.take_item("LogonProcessName")),
        auth_package: text_owned(r.take_item("AuthenticationPackageName")),
        lm_package: text_owned(r.take_item("LmPackageName")),
        key_length: r.number("KeyLength").map(|n| n as u32),
        network: network(r),
        process_id: r.number("ProcessId"),
        process_name: text_owned(r.take_item("ProcessName")),
        logon_guid: r.guid("LogonGuid"),
        transmitted_services: text_owned(r.take_item("TransmittedServices")),
        impersonation_level: decoded_owned(r.take_item("ImpersonationLevel")),
        restricted_admin_mode: decoded_owned(r.take_item("RestrictedAdminMode")),
        remote_credential_guard: decoded_owned(r.take_item("RemoteCredentialGuard")),
        virtual_account: decoded_owned(r.take_item("VirtualAccount")),
        elevated_token: decoded_owned(r.take_item("ElevatedToken")),
        target_outbound_user: text_owned(r.take_item("TargetOutboundUserName")),
        target_outbound_domain: text_owned(r.take_item("TargetOutboundDomainName")),
    }
}

fn logon_failure(r: &mut dyn Fields) -> LogonFailure {
    let logon_type = r.number("LogonType").map(|n| n as u32);
    let status = code(r.number("Status")).map(Status);
    let sub_status = code(r.number("SubStatus")).map(Status);
    LogonFailure {
        subject: subject(r),
        target_sid: sid_owned(r.take_item("TargetUserSid")),
        target_user: text_owned(r.take_item("TargetUserName")),
        target_domain: text_owned(r.take_item("TargetDomainName")),
        status,
        status_name: status.and_then(Status::name),
        sub_status,
        sub_status_name: sub_status.and_then(Status::name),
        failure_reason: decoded_owned(r.take_item("FailureReason")),
        logon_type,
        logon_type_name: logon_type.and_then(logon_types::lookup).map(|c| c.name),
        logon_process: text_owned(r.take_item("LogonProcessName")),
        auth_package: text_owned(r.take_item("AuthenticationPackageName")),
        lm_package: text_owned(r.take_item("LmPackageName")),
        key_length: r.number("KeyLength").map(|n| n as u32),
        network: network(r),
        process_id: r.number("ProcessId"),
        process_name: text_owned(r.take_item("ProcessName")),
        transmitted_services: text_owned(r.take_item("TransmittedServices")),
    }
}

fn explicit(r: &mut dyn Fields) -> ExplicitCredentials {
    ExplicitCredentials {
        subject: subject(r),
        target_user: text_owned(r.take_item("TargetUserName")),
        target_domain: text_owned(r.take_item("TargetDomainName")),
        target_server: text_owned(r.take_item("TargetServerName")),
        target_info: text_owned(r.take_item("TargetInfo")),
        process_id: r.number("ProcessId"),
        process_name: text_owned(r.take_item("ProcessName")),
        network: Network {
            workstation: None,
            ip: r.ip("IpAddress"),
            port: r.port("IpPort"),
        },
        logon_guid: r.guid("LogonGuid"),
        target_logon_guid: r.guid("TargetLogonGuid"),
    }
}

fn ntlm(r: &mut dyn Fields, stage: Option<NtlmStage>) -> NtlmAudit {
    let client_luid = r.number("ClientLUID").map(LogonId);
    let schannel_type = r.number("SChannelType").map(|n| n as u32);
    let is_passthrough = matches!(r.head().event_id, 8004 | 4004);
    NtlmAudit {
        stage,
        target_name: text_owned(r.take_item("TargetName")),
        target_user: text_owned(r.take_item("UserName")),
        target_domain: text_owned(r.take_item("DomainName")),
        workstation: text_owned(r.take_item("Workstation"))
            .or_else(|| text_owned(r.take_item("WorkstationName"))),
        process_id: r.number("CallerPID"),
        process_name: text_owned(r.take_item("ProcessName")),
        client_luid,
        client_luid_name: client_luid.and_then(|l| luids::lookup(l.0)).map(|c| c.name),
        client_user: text_owned(r.take_item("ClientUserName")),
        client_domain: text_owned(r.take_item("ClientDomainName")),
        logon_type: r.number("LogonType").map(|n| n as u32),
        in_proc: boolean(r.item("InProc")),
        mechanism_oid: text_owned(r.take_item("MechanismOID")),
        schannel_name: text_owned(r.take_item("SChannelName")).filter(|_| is_passthrough),
        schannel_type,
        schannel_type_name: schannel_type
            .and_then(secure_channel::lookup)
            .map(|c| c.name),
    }
}

fn share(r: &mut dyn Fields) -> ShareAccess {
    ShareAccess {
        subject: subject(r),
        object_type: text_owned(r.take_item("ObjectType")),
        network: Network {
            workstation: None,
            ip: r.ip("IpAddress"),
            port: r.port("IpPort"),
        },
        share: text_owned(r.take_item("ShareName")),
        share_local_path: text_owned(r.take_item("ShareLocalPath")),
        relative_target: text_owned(r.take_item("RelativeTargetName")),
        access_mask: code(r.number("AccessMask")),
        access_list: r.list("AccessList"),
        access_reason: decoded_owned(r.take_item("AccessReason")),
    }
}

fn computer_change(r: &mut dyn Fields) -> ComputerAccountChange {
    ComputerAccountChange {
        subject: subject(r),
        target_sid: sid_owned(r.take_item("TargetSid")),
        target_user: text_owned(r.take_item("TargetUserName")),
        target_domain: text_owned(r.take_item("TargetDomainName")),
        sam_account_name: text_owned(r.take_item("SamAccountName")),
        password_last_set: decoded_owned(r.take_item("PasswordLastSet")),
        old_uac: code(r.number("OldUacValue")),
        new_uac: code(r.number("NewUacValue")),
        uac_changes: r.list("UserAccountControl"),
        dns_host_name: text_owned(r.take_item("DnsHostName")),
        service_principal_names: text_owned(r.take_item("ServicePrincipalNames")),
        privileges: r.list("PrivilegeList"),
    }
}

/// Little-endian u32 at `index` (in u32 units) of a hex `<Binary>` string.
fn binary_u32(hex: Option<&str>, index: usize) -> Option<u32> {
    let hex = hex?;
    let start = index * 8;
    let word = hex.get(start..start + 8)?;
    let bytes = u32::from_str_radix(word, 16).ok()?.to_be_bytes();
    Some(u32::from_le_bytes(bytes))
}

fn netlogon(r: &mut dyn Fields) -> Netlogon {
    let event_id = r.head().event_id;
    let mut p = |i| text(r.positional(i));
    match event_id {
        5805 => {
            let account = p(0);
            let error = r.positional(1).map(|e| {
                let e = e.trim();
                match crate::knowledge::insertion::parse_token(e).and_then(win32::lookup) {
                    Some(c) => Text::from(c.meaning),
                    None => Text::from(e),
                }
            });
            let status = binary_u32(r.binary(), 0).map(Status);
            Netlogon {
                account,
                error,
                status,
                status_name: status.and_then(Status::name),
                outcome: Some("denied"),
                ..Default::default()
            }
        }
        id @ (5828 | 5831) => Netlogon {
            account_type: p(0),
            trust_name: p(1),
            trust_target: p(2),
            ip: ip(r.positional(3)),
            outcome: Some(if id == 5828 { "denied" } else { "allowed" }),
            ..Default::default()
        },
        id => Netlogon {
            account: p(0),
            domain: p(1),
            account_type: p(2),
            os: p(3),
            os_build: p(4),
            os_service_pack: p(5),
            outcome: Some(if id == 5827 { "denied" } else { "allowed" }),
            ..Default::default()
        },
    }
}

fn sql(r: &mut dyn Fields) -> SqlLoginFailure {
    let target_user = text(r.positional(0));
    let reason = r
        .positional(1)
        .map(|s| Text::from(s.trim().trim_start_matches("Reason:").trim()))
        .filter(|s| !s.is_empty());
    let client = r.positional(2).and_then(|s| {
        let s = s.trim();
        let inner = s.strip_prefix("[CLIENT:")?.strip_suffix(']')?;
        ip(Some(inner.trim()))
    });
    // The binary data is the error number (18456), the severity, then the server and the
    // database as counted UTF-16 strings. The state is not in the event (only in ERRORLOG).
    let (server, database) = sql_binary(r.binary()).unwrap_or_default();
    SqlLoginFailure {
        instance: r.head().provider.clone(),
        target_user,
        reason,
        ip: client,
        server,
        database,
    }
}

/// Server and database names from an 18456 `<Binary>` (hex).
fn sql_binary(hex: Option<&str>) -> Option<(Option<Text>, Option<Text>)> {
    let hex = hex?;
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if u32_at(0)? != 18456 {
        return None;
    }
    let mut off = 8;
    let mut names = [None, None];
    for name in names.iter_mut() {
        let chars = u32_at(off)? as usize;
        off += 4;
        let end = off.checked_add(chars.checked_mul(2)?)?;
        let units: Vec<u16> = bytes
            .get(off..end)?
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let s = Text::from(String::from_utf16_lossy(&units).trim_end_matches('\0'));
        *name = Some(s).filter(|s| !s.is_empty());
        off = end;
    }
    let [server, database] = names;
    Some((server, database))
}
