//! Writes a large Microsoft-Windows-NTLM/Operational log of outgoing NTLM (8001) for
//! benchmarks: one busy server whose LocalSystem services (ClientLUID 0x3e7) reach 200 other
//! servers with the computer account, 20 times a second.
//!
//! usage: cargo run --release -p evtx-writer --example ntlm_outgoing -- OUT.evtx SIZE_MB

mod common;

use std::borrow::Cow;
use std::fmt::Write as _;

use common::s;
use evtx_writer::{EventData, EventRecord, FileTime, Guid, Sid, Value};

const NTLM: Guid = Guid::from_fields(
    0xAC43300D,
    0x5FCC,
    0x4800,
    [0x8E, 0x99, 0x1B, 0xD3, 0xF8, 0x5F, 0x0E, 0x7D],
);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (out, mb) = common::out_and_size("ntlm.evtx")?;
    let mut rec = EventRecord {
        provider_name: "Microsoft-Windows-NTLM".into(),
        provider_guid: Some(NTLM),
        event_id: 8001,
        level: 4,
        task: 2,
        keywords: 0x8000_0000_0000_0000,
        process_id: 712,
        thread_id: 4000,
        channel: "Microsoft-Windows-NTLM/Operational".into(),
        computer: "APP01.corp.example".into(),
        user_id: Some("S-1-5-18".parse::<Sid>()?),
        data: EventData::Named(
            [
                ("TargetName", s("cifs/SRV000.corp.example")),
                ("UserName", s("APP01$")),
                ("DomainName", s("CORP")),
                ("CallerPID", Value::U32(4)),
                ("ProcessName", s("")),
                ("ClientLUID", Value::HexInt64(0x3e7)),
                ("ClientUserName", s("APP01$")),
                ("ClientDomainName", s("CORP")),
                ("MechanismOID", s("1.3.6.1.4.1.311.2.2.10")),
            ]
            .into_iter()
            .map(|(n, v)| (Cow::Borrowed(n), v))
            .collect(),
        ),
        ..EventRecord::default()
    };
    let t0 = FileTime::from_unix(1_700_000_000, 0).0;
    let n = common::write_until(&out, mb, 1024, |n, w| {
        rec.time = FileTime(t0 + n * 500_000);
        rec.thread_id = 4000 + (n % 64) as u32;
        if let EventData::Named(items) = &mut rec.data {
            if let Value::String(Cow::Owned(t)) = &mut items[0].1 {
                t.clear();
                let _ = write!(t, "cifs/SRV{:03}.corp.example", n % 200);
            }
        }
        w.write(&rec).map(drop)
    })?;
    eprintln!("{n} records");
    Ok(())
}
