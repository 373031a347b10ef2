//! What the benchmark examples share: Security records and the values they hold.
// Each example uses a part of it.
#![allow(dead_code)]

use std::borrow::Cow;

use evtx_writer::{EventData, EventRecord, Guid, Sid, Value};

/// Microsoft-Windows-Security-Auditing.
pub const AUDITING: Guid = Guid::from_fields(
    0x54849625,
    0x5478,
    0x4994,
    [0xA5, 0xBA, 0x3E, 0x3B, 0x03, 0x28, 0xC3, 0x0D],
);

pub fn s(v: &str) -> Value<'static> {
    Value::String(Cow::Owned(v.to_string()))
}

pub fn sid(v: &str) -> Value<'static> {
    Value::Sid(v.parse::<Sid>().unwrap())
}

/// A Security record of DC01 (LSASS, process 636) holding `data`.
pub fn security(
    event_id: u16,
    version: u8,
    task: u16,
    keywords: u64,
    data: Vec<(&'static str, Value<'static>)>,
) -> EventRecord<'static> {
    EventRecord {
        provider_name: "Microsoft-Windows-Security-Auditing".into(),
        provider_guid: Some(AUDITING),
        event_id,
        version,
        task,
        keywords,
        process_id: 636,
        thread_id: 4108,
        channel: "Security".into(),
        computer: "DC01.corp.example".into(),
        data: EventData::Named(
            data.into_iter()
                .map(|(n, v)| (Cow::Borrowed(n), v))
                .collect(),
        ),
        ..EventRecord::default()
    }
}

/// A 4624 (version 2) of ANONYMOUS LOGON over NTLM, from no workstation and no address:
/// the fields the examples rewrite record after record are there to be rewritten.
pub fn anonymous_logon(lm_package: &str) -> EventRecord<'static> {
    security(
        4624,
        2,
        12544,
        0x8020_0000_0000_0000,
        vec![
            ("SubjectUserSid", sid("S-1-0-0")),
            ("SubjectUserName", s("-")),
            ("SubjectDomainName", s("-")),
            ("SubjectLogonId", Value::HexInt64(0)),
            ("TargetUserSid", sid("S-1-5-7")),
            ("TargetUserName", s("ANONYMOUS LOGON")),
            ("TargetDomainName", s("NT AUTHORITY")),
            ("TargetLogonId", Value::HexInt64(0)),
            ("LogonType", Value::U32(3)),
            ("LogonProcessName", s("NtLmSsp ")),
            ("AuthenticationPackageName", s("NTLM")),
            ("WorkstationName", s("")),
            ("LogonGuid", Value::Guid(Guid::default())),
            ("TransmittedServices", s("-")),
            ("LmPackageName", s(lm_package)),
            ("KeyLength", Value::U32(0)),
            ("ProcessId", Value::SizeT(0)),
            ("ProcessName", s("-")),
            ("IpAddress", s("")),
            ("IpPort", s("")),
            ("ImpersonationLevel", s("%%1833")),
            ("RestrictedAdminMode", s("-")),
            ("TargetOutboundUserName", s("-")),
            ("TargetOutboundDomainName", s("-")),
            ("VirtualAccount", s("%%1843")),
            ("TargetLinkedLogonId", Value::HexInt64(0)),
            ("ElevatedToken", s("%%1843")),
        ],
    )
}
