//! Shared fixtures: events shaped like the real ones (field names, types and System values from
//! the reference notes and real corpus records).
#![allow(dead_code)]

use std::borrow::Cow;

use evtx::{EvtxParser, ParserSettings};
use evtx_writer::{EventData, EventRecord, FileTime, Guid, Sid, Value};

pub const SECURITY_AUDITING: Guid = Guid::from_fields(
    0x54849625,
    0x5478,
    0x4994,
    [0xA5, 0xBA, 0x3E, 0x3B, 0x03, 0x28, 0xC3, 0x0D],
);

pub fn sid(s: &str) -> Sid {
    s.parse().unwrap()
}

/// A 4624 v2 like the real ones, with `i` varying the values.
pub fn logon_4624(i: u64) -> EventRecord<'static> {
    let data: Vec<(Cow<'static, str>, Value<'static>)> = vec![
        ("SubjectUserSid".into(), Value::Sid(sid("S-1-0-0"))),
        ("SubjectUserName".into(), "-".into()),
        ("SubjectDomainName".into(), "-".into()),
        ("SubjectLogonId".into(), Value::HexInt64(0)),
        ("TargetUserSid".into(), Value::Sid(sid("S-1-5-7"))),
        ("TargetUserName".into(), "ANONYMOUS LOGON".into()),
        ("TargetDomainName".into(), "NT AUTHORITY".into()),
        ("TargetLogonId".into(), Value::HexInt64(0x8a38de + i)),
        ("LogonType".into(), Value::U32(3)),
        ("LogonProcessName".into(), "NtLmSsp ".into()),
        ("AuthenticationPackageName".into(), "NTLM".into()),
        (
            "WorkstationName".into(),
            format!("WKS{:05}", i % 1000).into(),
        ),
        ("LogonGuid".into(), Value::Guid(Guid::default())),
        ("TransmittedServices".into(), "-".into()),
        ("LmPackageName".into(), "NTLM V1".into()),
        ("KeyLength".into(), Value::U32(128)),
        ("ProcessId".into(), Value::SizeT(0)),
        ("ProcessName".into(), "-".into()),
        (
            "IpAddress".into(),
            format!("10.0.{}.{}", (i / 250) % 250, i % 250).into(),
        ),
        ("IpPort".into(), format!("{}", 49152 + i % 16000).into()),
        ("ImpersonationLevel".into(), "%%1833".into()),
        ("RestrictedAdminMode".into(), "-".into()),
        ("TargetOutboundUserName".into(), "-".into()),
        ("TargetOutboundDomainName".into(), "-".into()),
        ("VirtualAccount".into(), "%%1843".into()),
        ("TargetLinkedLogonId".into(), Value::HexInt64(0)),
        ("ElevatedToken".into(), "%%1843".into()),
    ];
    EventRecord {
        provider_name: "Microsoft-Windows-Security-Auditing".into(),
        provider_guid: Some(SECURITY_AUDITING),
        event_id: 4624,
        version: 2,
        level: 0,
        task: 12544,
        opcode: 0,
        keywords: 0x8020_0000_0000_0000,
        time: FileTime::from_unix(1_700_000_000 + i as i64, 1234500),
        process_id: 680,
        thread_id: 768 + (i % 7) as u32,
        channel: "Security".into(),
        computer: "DC01.corp.example".into(),
        data: EventData::Named(data),
        ..EventRecord::default()
    }
}

/// NETLOGON 5805 (classic): two insertion strings and a 4-byte NTSTATUS binary.
pub fn netlogon_5805(i: u64) -> EventRecord<'static> {
    EventRecord {
        provider_name: "NETLOGON".into(),
        event_id: 5805,
        qualifiers: Some(0),
        level: 2,
        keywords: 0x0080_0000_0000_0000,
        time: FileTime::from_unix(1_600_000_000 + i as i64, 0),
        channel: "System".into(),
        computer: "DC01.corp.example".into(),
        data: EventData::Positional {
            strings: vec![format!("WKS{i:05}").into(), "%%5".into()],
            binary: Some(vec![0x22, 0x00, 0x00, 0xc0].into()),
        },
        ..EventRecord::default()
    }
}

/// MSSQLSERVER 18456 (classic, Application).
pub fn mssql_18456(i: u64) -> EventRecord<'static> {
    EventRecord {
        provider_name: "MSSQLSERVER".into(),
        event_id: 18456,
        qualifiers: Some(0xC000),
        level: 0,
        task: 4,
        keywords: 0x0090_0000_0000_0000,
        time: FileTime::from_unix(1_600_000_000 + i as i64, 0),
        channel: "Application".into(),
        computer: "SQL01".into(),
        data: EventData::Positional {
            strings: vec![
                "sa".into(),
                " Reason: Password did not match that for the login provided.".into(),
                format!(" [CLIENT: 10.0.0.{}]", i % 250).into(),
            ],
            binary: Some(vec![0x18, 0x48, 0, 0, 0x0e, 0, 0, 0, 0x0c, 0, 0, 0].into()),
        },
        ..EventRecord::default()
    }
}

pub fn settings() -> ParserSettings {
    ParserSettings::default()
        .indent(false)
        .validate_checksums(true)
}

/// All records rendered as XML, failing on any error.
pub fn read_xml(bytes: &[u8]) -> Vec<(u64, String)> {
    let mut p = EvtxParser::from_buffer(bytes.to_vec())
        .unwrap()
        .with_configuration(settings());
    p.records()
        .map(|r| {
            let r = r.expect("record reads without error");
            (r.event_record_id, r.data)
        })
        .collect()
}

/// All records rendered as JSON values, failing on any error.
pub fn read_json(bytes: &[u8]) -> Vec<serde_json::Value> {
    let mut p = EvtxParser::from_buffer(bytes.to_vec())
        .unwrap()
        .with_configuration(settings());
    p.records_json_value()
        .map(|r| r.expect("record reads without error").data)
        .collect()
}

pub fn write_all(records: &[EventRecord<'_>]) -> Vec<u8> {
    let mut w = evtx_writer::EvtxWriter::new(std::io::Cursor::new(Vec::new())).unwrap();
    for r in records {
        w.write(r).unwrap();
    }
    w.finish().unwrap().into_inner()
}
