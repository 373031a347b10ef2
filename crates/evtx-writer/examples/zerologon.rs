//! Writes a large System log of NETLOGON 5805 for benchmarks: a Zerologon tool run against
//! DC01 again and again. Each attempt sends zero credentials as the DC itself, and the DC
//! logs that its own account failed to authenticate its secure channel (status
//! 0xC0000022), 100 times a second.
//!
//! usage: cargo run --release -p evtx-writer --example zerologon -- OUT.evtx SIZE_MB

mod common;

use std::borrow::Cow;

use evtx_writer::{EventData, EventRecord, FileTime};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (out, mb) = common::out_and_size("zerologon.evtx")?;
    // As Windows logs it: a classic event, the account and the error as insertion strings,
    // the NTSTATUS in <Binary>.
    let mut rec = EventRecord {
        provider_name: "NETLOGON".into(),
        event_id: 5805,
        qualifiers: Some(0),
        level: 2,
        keywords: 0x0080_0000_0000_0000,
        channel: "System".into(),
        computer: "DC01.corp.example".into(),
        data: EventData::Positional {
            strings: vec![Cow::Borrowed("DC01"), Cow::Borrowed("%%5")],
            binary: Some(Cow::Owned(0xC000_0022u32.to_le_bytes().to_vec())),
        },
        ..EventRecord::default()
    };
    let t0 = FileTime::from_unix(1_700_000_000, 0).0;
    let n = common::write_until(&out, mb, 4096, |n, w| {
        rec.time = FileTime(t0 + n * 100_000);
        w.write(&rec).map(drop)
    })?;
    eprintln!("{n} records");
    Ok(())
}
