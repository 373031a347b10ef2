//! Writes a large Security log of a domain controller validating NTLM for benchmarks: 4776s
//! for 3,000 accounts from 20,000 workstations, 40 a second, and one event in twenty the DC's
//! own NTLM network logon of the pair validated just before (4624, the server side of a
//! correlation path). Each (workstation, account) pair comes back every 25 minutes, so the
//! correlation keeps a window for nearly every 4776: 60,000 paths over a day per GiB.
//!
//! usage: cargo run --release -p evtx-writer --example dc_validations -- OUT.evtx SIZE_MB

mod common;

use std::fmt::Write as _;

use common::{s, set, set_value, sid};
use evtx_writer::{FileTime, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (out, mb) = common::out_and_size("dc_validations.evtx")?;
    let mut validate = common::credential_validation();
    // A named NTLMv2 network logon on the DC itself (SYSVOL, NETLOGON shares).
    let mut logon = common::anonymous_logon("NTLM V2");
    set_value(
        &mut logon,
        4,
        sid("S-1-5-21-1004336348-1177238915-682003330-1105"),
    );
    set_value(&mut logon, 6, s("CORP"));
    set_value(&mut logon, 15, Value::U32(128));
    let t0 = FileTime::from_unix(1_700_000_000, 0).0;
    let n = common::write_until(&out, mb, 4096, |n, w| {
        // A logon is of the pair validated just before it.
        let logon_now = n % 20 == 19;
        let m = if logon_now { n - 1 } else { n };
        let user = m % 3000;
        let wks = (m / 3) % 20_000;
        let rec = if logon_now {
            let rec = &mut logon;
            set(rec, 5, |s| {
                let _ = write!(s, "user{user}");
            });
            set_value(rec, 7, Value::HexInt64(0x10_0000 + n));
            set(rec, 11, |s| {
                let _ = write!(s, "WKS{wks:05}");
            });
            set(rec, 18, |s| {
                let _ = write!(
                    s,
                    "10.{}.{}.{}",
                    1 + wks / 10_000,
                    (wks / 100) % 100,
                    wks % 100
                );
            });
            set(rec, 19, |s| {
                let _ = write!(s, "{}", 49152 + n % 16000);
            });
            rec
        } else {
            let rec = &mut validate;
            set(rec, 1, |s| {
                let _ = write!(s, "user{user}");
            });
            set(rec, 2, |s| {
                let _ = write!(s, "WKS{wks:05}");
            });
            rec
        };
        // 40 a second.
        rec.time = FileTime(t0 + n * 250_000);
        rec.thread_id = 4000 + (n % 64) as u32;
        w.write(rec).map(drop)
    })?;
    eprintln!("{n} records");
    Ok(())
}
