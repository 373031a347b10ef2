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

/// A successful 4776 of DC01, its account and workstation empty (examples set them).
pub fn credential_validation() -> EventRecord<'static> {
    security(
        4776,
        0,
        14336,
        0x8020_0000_0000_0000,
        vec![
            ("PackageName", s("MICROSOFT_AUTHENTICATION_PACKAGE_V1_0")),
            ("TargetUserName", s("")),
            ("Workstation", s("")),
            ("Status", Value::HexInt32(0)),
        ],
    )
}

/// The output path and size in MiB from the command line (`OUT.evtx SIZE_MB`), with defaults.
pub fn out_and_size(default_out: &str) -> Result<(String, u64), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| default_out.to_string());
    let mb: u64 = args.get(2).map(|a| a.parse()).transpose()?.unwrap_or(64);
    Ok((out, mb))
}

/// Writes to `out` what `step(n, writer)` writes for n = 0, 1, 2... until the file holds `mb`
/// MiB (its size looked at every `every` steps): the number of steps.
pub fn write_until(
    out: &str,
    mb: u64,
    every: u64,
    mut step: impl FnMut(
        u64,
        &mut evtx_writer::EvtxWriter<std::fs::File>,
    ) -> Result<(), evtx_writer::Error>,
) -> Result<u64, Box<dyn std::error::Error>> {
    let target = mb * 1024 * 1024;
    let mut w = evtx_writer::EvtxWriter::new(std::fs::File::create(out)?)?;
    let mut n: u64 = 0;
    let mut written = 0u64;
    while written < target {
        step(n, &mut w)?;
        n += 1;
        if n.is_multiple_of(every) {
            written = std::fs::metadata(out)?.len();
        }
    }
    w.finish()?;
    Ok(n)
}

/// Rewrites a string value in place (no allocation once the buffer is large enough).
pub fn set(rec: &mut EventRecord<'_>, idx: usize, f: impl FnOnce(&mut String)) {
    if let EventData::Named(items) = &mut rec.data {
        if let Value::String(Cow::Owned(st)) = &mut items[idx].1 {
            st.clear();
            f(st);
        }
    }
}

/// Replaces the value at `idx`.
pub fn set_value(rec: &mut EventRecord<'_>, idx: usize, v: Value<'static>) {
    if let EventData::Named(items) = &mut rec.data {
        items[idx].1 = v;
    }
}
