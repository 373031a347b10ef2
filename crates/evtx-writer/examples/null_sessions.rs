//! Writes a large Security log of null-session enumeration for benchmarks: scanners at 500
//! addresses open a new anonymous session on a DC again and again, each one a 4624 for
//! ANONYMOUS LOGON, a 5140 for IPC$, 5145s for the samr and lsarpc pipes and a 4634, 20
//! sessions a second. Every session has its own logon id.
//!
//! usage: cargo run --release -p evtx-writer --example null_sessions -- OUT.evtx SIZE_MB

mod common;

use std::borrow::Cow;
use std::fmt::Write as _;

use common::{s, sid};
use evtx_writer::{EventData, EventRecord, FileTime, Value};

/// A Security record of DC01's System process (process 4, where share access is logged).
fn record(
    event_id: u16,
    version: u8,
    task: u16,
    data: Vec<(&'static str, Value<'static>)>,
) -> EventRecord<'static> {
    let mut r = common::security(event_id, version, task, 0x8020_0000_0000_0000, data);
    r.process_id = 4;
    r
}

fn anonymous_subject() -> Vec<(&'static str, Value<'static>)> {
    vec![
        ("SubjectUserSid", sid("S-1-5-7")),
        ("SubjectUserName", s("ANONYMOUS LOGON")),
        ("SubjectDomainName", s("NT AUTHORITY")),
        ("SubjectLogonId", Value::HexInt64(0)),
    ]
}

fn share(event_id: u16, pipe: Option<&str>) -> EventRecord<'static> {
    let mut data = anonymous_subject();
    data.extend([
        ("ObjectType", s("File")),
        ("IpAddress", s("")),
        ("IpPort", s("")),
        ("ShareName", s(r"\\*\IPC$")),
        ("ShareLocalPath", s("")),
    ]);
    if let Some(p) = pipe {
        data.push(("RelativeTargetName", s(p)));
    }
    data.extend([
        ("AccessMask", Value::HexInt32(0x1)),
        ("AccessList", s("%%4416\r\n\t\t\t\t")),
    ]);
    if pipe.is_some() {
        data.push(("AccessReason", s("-")));
    }
    record(
        event_id,
        u8::from(pipe.is_none()),
        if pipe.is_some() { 12811 } else { 12808 },
        data,
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (out, mb) = common::out_and_size("sessions.evtx")?;
    let mut logon = common::anonymous_logon("-");
    logon.process_id = 4;
    let logoff = record(
        4634,
        0,
        12545,
        vec![
            ("TargetUserSid", sid("S-1-5-7")),
            ("TargetUserName", s("ANONYMOUS LOGON")),
            ("TargetDomainName", s("NT AUTHORITY")),
            ("TargetLogonId", Value::HexInt64(0)),
            ("LogonType", Value::U32(3)),
        ],
    );
    let mut session = [
        logon,
        share(5140, None),
        share(5145, Some("samr")),
        share(5145, Some("lsarpc")),
        logoff,
    ];
    let t0 = FileTime::from_unix(1_700_000_000, 0).0;
    let mut ip = String::new();
    let mut port = String::new();
    let n = common::write_until(&out, mb, 256, |n, w| {
        let logon_id = 0x1_0000_0000 + n * 0x100;
        ip.clear();
        let _ = write!(ip, "10.66.{}.{}", n / 250 % 2, 10 + n % 250);
        port.clear();
        let _ = write!(port, "{}", 49152 + n % 16000);
        for (i, rec) in session.iter_mut().enumerate() {
            rec.time = FileTime(t0 + n * 500_000 + i as u64 * 10_000);
            let EventData::Named(items) = &mut rec.data else {
                continue;
            };
            for (name, v) in items.iter_mut() {
                match (&**name, v) {
                    ("TargetLogonId", Value::HexInt64(x)) if i != 1 => *x = logon_id,
                    ("SubjectLogonId", Value::HexInt64(x)) if i != 0 => *x = logon_id,
                    ("IpAddress", Value::String(x)) => *x = Cow::Owned(ip.clone()),
                    ("IpPort", Value::String(x)) => *x = Cow::Owned(port.clone()),
                    _ => {}
                }
            }
            w.write(rec)?;
        }
        Ok(())
    })?;
    eprintln!("{n} sessions");
    Ok(())
}
