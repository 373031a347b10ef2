//! Writes a large Application log of SQL Server 18456 "Login failed for user 'NT
//! AUTHORITY\ANONYMOUS LOGON'" for benchmarks: a double hop without delegation, where the web
//! farm's 50 servers open SQL01 for every request and each second hop arrives anonymous, 20
//! times a second.
//!
//! usage: cargo run --release -p evtx-writer --example sql_anonymous -- OUT.evtx SIZE_MB

mod common;

use std::borrow::Cow;
use std::fmt::Write as _;

use evtx_writer::{EventData, EventRecord, FileTime};

/// The 18456 error record in `<Binary>`: the error number, the severity, then the server and
/// the database as counted UTF-16 strings with their NUL (as SQL Server writes it).
fn error_record(server: &str, database: &str) -> Vec<u8> {
    let mut bin = Vec::new();
    bin.extend_from_slice(&18456u32.to_le_bytes());
    bin.extend_from_slice(&14u32.to_le_bytes());
    for name in [server, database] {
        let units: Vec<u16> = name.encode_utf16().chain(std::iter::once(0)).collect();
        bin.extend_from_slice(&(units.len() as u32).to_le_bytes());
        for u in units {
            bin.extend_from_slice(&u.to_le_bytes());
        }
    }
    bin
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (out, mb) = common::out_and_size("sql.evtx")?;
    let mut rec = EventRecord {
        provider_name: "MSSQLSERVER".into(),
        event_id: 18456,
        qualifiers: Some(0xC000),
        level: 0,
        task: 4,
        keywords: 0x0090_0000_0000_0000,
        channel: "Application".into(),
        computer: "SQL01.corp.example".into(),
        data: EventData::Positional {
            strings: vec![
                Cow::Borrowed("NT AUTHORITY\\ANONYMOUS LOGON"),
                Cow::Borrowed(
                    " Reason: Token-based server access validation failed with an infrastructure error. Check for previous errors.",
                ),
                Cow::Owned(String::new()),
            ],
            binary: Some(Cow::Owned(error_record("SQL01", "master"))),
        },
        ..EventRecord::default()
    };
    let t0 = FileTime::from_unix(1_700_000_000, 0).0;
    let n = common::write_until(&out, mb, 1024, |n, w| {
        rec.time = FileTime(t0 + n * 500_000);
        if let EventData::Positional { strings, .. } = &mut rec.data {
            let ip = strings[2].to_mut();
            ip.clear();
            let _ = write!(ip, " [CLIENT: 10.0.1.{}]", 10 + n % 50);
        }
        w.write(&rec).map(drop)
    })?;
    eprintln!("{n} records");
    Ok(())
}
