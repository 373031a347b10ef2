//! Writes a large, 4624-heavy Security.evtx for benchmarks.
//!
//! usage: cargo run --release -p evtx-writer --example big -- OUT.evtx SIZE_MB [ANON_EVERY]
//!
//! The mix is 80 % 4624 (one in ANON_EVERY of them ANONYMOUS LOGON over NTLM, by default one
//! in four; 1 makes every 4624 anonymous, a flood of null sessions), 8 % 4625, 6 % 4634,
//! 4 % 4672 and 2 % 4776. Records are built once per kind and only their varying fields are
//! rewritten in place, so that the figure measures the writer, not the generator.

mod common;

use std::fmt::Write as _;
use std::time::Instant;

use common::{s, set, set_value, sid};
use evtx_writer::{EventRecord, EvtxWriter, FileTime, Value};

fn base(
    event_id: u16,
    task: u16,
    keywords: u64,
    data: Vec<(&'static str, Value<'static>)>,
) -> EventRecord<'static> {
    common::security(event_id, 0, task, keywords, data)
}

fn kinds() -> Vec<EventRecord<'static>> {
    let logon = common::anonymous_logon("NTLM V1");
    let failed = base(
        4625,
        12544,
        0x8010_0000_0000_0000,
        vec![
            ("SubjectUserSid", sid("S-1-0-0")),
            ("SubjectUserName", s("-")),
            ("SubjectDomainName", s("-")),
            ("SubjectLogonId", Value::HexInt64(0)),
            ("TargetUserSid", sid("S-1-0-0")),
            ("TargetUserName", s("")),
            ("TargetDomainName", s("CORP")),
            ("Status", Value::HexInt32(0xc000006d)),
            ("FailureReason", s("%%2313")),
            ("SubStatus", Value::HexInt32(0xc000006a)),
            ("LogonType", Value::U32(3)),
            ("LogonProcessName", s("NtLmSsp ")),
            ("AuthenticationPackageName", s("NTLM")),
            ("WorkstationName", s("")),
            ("TransmittedServices", s("-")),
            ("LmPackageName", s("-")),
            ("KeyLength", Value::U32(0)),
            ("ProcessId", Value::SizeT(0)),
            ("ProcessName", s("-")),
            ("IpAddress", s("")),
            ("IpPort", s("")),
        ],
    );
    let logoff = base(
        4634,
        12545,
        0x8020_0000_0000_0000,
        vec![
            ("TargetUserSid", sid("S-1-5-7")),
            ("TargetUserName", s("ANONYMOUS LOGON")),
            ("TargetDomainName", s("NT AUTHORITY")),
            ("TargetLogonId", Value::HexInt64(0)),
            ("LogonType", Value::U32(3)),
        ],
    );
    let special = base(4672, 12548, 0x8020_0000_0000_0000, vec![
        ("SubjectUserSid", sid("S-1-5-18")), ("SubjectUserName", s("SYSTEM")),
        ("SubjectDomainName", s("NT AUTHORITY")), ("SubjectLogonId", Value::HexInt64(0x3e7)),
        ("PrivilegeList", s("SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege\r\n\t\t\tSeSecurityPrivilege")),
    ]);
    let validate = common::credential_validation();
    vec![logon, failed, logoff, special, validate]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = args.get(1).map(String::as_str).unwrap_or("big.evtx");
    let mb: u64 = args.get(2).map(|a| a.parse()).transpose()?.unwrap_or(64);
    let target = mb * 1024 * 1024;
    let anon_every: u64 = args
        .get(3)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(4)
        .max(1);

    let start = Instant::now();
    let file = std::fs::File::create(out)?;
    let mut w = EvtxWriter::new(file)?;
    let mut kinds = kinds();
    let t0 = FileTime::from_unix(1_700_000_000, 0).0;
    let mut n: u64 = 0;
    let mut chunks_bytes = 0u64;
    while chunks_bytes < target {
        let k = match n % 50 {
            0..=39 => 0,
            40..=43 => 1,
            44..=46 => 2,
            47..=48 => 3,
            _ => 4,
        };
        let rec = &mut kinds[k];
        rec.time = FileTime(t0 + n * 1_234_567);
        rec.thread_id = 4000 + (n % 64) as u32;
        match k {
            0 => {
                let anon = n.is_multiple_of(anon_every);
                set(rec, 5, |s| {
                    s.push_str(if anon {
                        "ANONYMOUS LOGON"
                    } else {
                        "svc_backup"
                    })
                });
                set_value(
                    rec,
                    4,
                    if anon {
                        sid("S-1-5-7")
                    } else {
                        sid("S-1-5-21-1004336348-1177238915-682003330-1105")
                    },
                );
                set_value(rec, 7, Value::HexInt64(0x1_0000 + n));
                set(rec, 11, |s| {
                    let _ = write!(s, "WKS{:04}", n % 5000);
                });
                set(rec, 18, |s| {
                    let _ = write!(s, "10.1.{}.{}", (n / 250) % 250, n % 250);
                });
                set(rec, 19, |s| {
                    let _ = write!(s, "{}", 49152 + n % 16000);
                });
            }
            1 => {
                set(rec, 5, |s| {
                    let _ = write!(s, "user{}", n % 300);
                });
                set(rec, 13, |s| {
                    let _ = write!(s, "WKS{:04}", n % 5000);
                });
                set(rec, 19, |s| {
                    let _ = write!(s, "10.2.{}.{}", (n / 250) % 250, n % 250);
                });
                set(rec, 20, |s| {
                    let _ = write!(s, "{}", 49152 + n % 16000);
                });
            }
            2 => set_value(rec, 3, Value::HexInt64(0x1_0000 + n)),
            3 => set_value(rec, 3, Value::HexInt64(0x3e7 + n)),
            _ => {
                set(rec, 1, |s| {
                    let _ = write!(s, "user{}", n % 300);
                });
                set(rec, 2, |s| {
                    let _ = write!(s, "WKS{:04}", n % 5000);
                });
            }
        }
        w.write(rec)?;
        n += 1;
        if n.is_multiple_of(1024) {
            // Cheap size estimate: IDs written so far times a running average would do, but
            // the chunk count is exact; the writer does not expose it, so use the file length.
            chunks_bytes = std::fs::metadata(out)?.len();
        }
    }
    w.finish()?;
    let secs = start.elapsed().as_secs_f64();
    let size = std::fs::metadata(out)?.len();
    println!(
        "wrote {out}: {n} records, {size} bytes ({:.1} MiB) in {secs:.2} s ({:.0} MiB/s, {:.0} records/s)",
        size as f64 / 1048576.0,
        size as f64 / 1048576.0 / secs,
        n as f64 / secs
    );
    Ok(())
}
