//! Cross-checks with two independent readers: libyal's `evtxexport` (Debian `libevtx-utils`)
//! and the PyPI `python-evtx` package. Each test skips, with the reason printed, when its reader
//! is not installed. `tests/xcheck.py` normalises what the reader sees (hex width, GUID case,
//! time format, python-evtx's base64 and `<string>` renderings) so values compare exactly.

mod common;

use std::process::Command;

use common::*;
use evtx_writer::{EventData, EventRecord, FileTime, Value};
use serde_json::{json, Value as J};

fn norm_value(v: &Value<'_>) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.to_string(),
        Value::I8(n) => n.to_string(),
        Value::U8(n) => n.to_string(),
        Value::I16(n) => n.to_string(),
        Value::U16(n) => n.to_string(),
        Value::I32(n) => n.to_string(),
        Value::U32(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::U64(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Binary(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
        Value::Guid(g) => g.to_string().to_lowercase(),
        Value::SizeT(n) | Value::HexInt64(n) => format!("0x{n:x}"),
        Value::HexInt32(n) => format!("0x{n:x}"),
        Value::FileTime(t) => date_time(*t),
        Value::Sid(s) => s.to_string(),
    }
}

fn date_time(t: FileTime) -> String {
    let (secs, _) = t.to_unix();
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{secs}"), "+%Y-%m-%dT%H:%M:%S"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn expected(rec: &EventRecord<'_>, id: u64) -> J {
    let classic = rec.provider_guid.is_none();
    let (data, binary) = match &rec.data {
        EventData::Named(items) => (
            items
                .iter()
                .map(|(n, v)| json!([n, norm_value(v)]))
                .collect::<Vec<_>>(),
            J::Null,
        ),
        EventData::Positional { strings, binary } => (
            strings.iter().map(|s| json!([null, s])).collect(),
            binary
                .as_ref()
                .map_or(J::Null, |b| json!(norm_value(&Value::Binary(b.clone())))),
        ),
    };
    json!({
        "id": id,
        "event_id": rec.event_id,
        "qualifiers": rec.qualifiers.map(|q| q.to_string()),
        "provider": rec.provider_name,
        "guid": rec.provider_guid.map(|g| g.to_string().to_lowercase()),
        "level": rec.level,
        "task": rec.task,
        "keywords": format!("0x{:x}", rec.keywords),
        "time": date_time(rec.time),
        "channel": rec.channel,
        "computer": rec.computer,
        "user": rec.user_id.map(|s| s.to_string()),
        "data": data,
        "binary": binary,
        "version": if classic { None } else { Some(rec.version) },
        "opcode": if classic { None } else { Some(rec.opcode) },
        "pid": if classic { None } else { Some(rec.process_id) },
        "tid": if classic { None } else { Some(rec.thread_id) },
        "activity": if classic { None } else { rec.activity_id.map(|g| g.to_string().to_lowercase()) },
    })
}

/// `libevtx` 20181227 (the Debian package) renders two things wrongly that `evtx` and
/// python-evtx read correctly from the same bytes: characters outside the BMP (U+1F389 comes out
/// as U+1EF8A) and negative Int32/Int64 values (-7 comes out as -2147483641). Its records use
/// values clear of those; the other readers get the full set.
fn records(libevtx_bugs: bool) -> Vec<EventRecord<'static>> {
    let mut recs = Vec::new();
    for i in 0..1500u64 {
        let mut r = match i % 4 {
            0 | 1 => logon_4624(i),
            2 => netlogon_5805(i),
            _ => mssql_18456(i),
        };
        if i % 9 == 0 {
            r.user_id = Some(sid("S-1-5-18"));
            r.activity_id = Some("{6C67E3EE-58ED-0002-0DE4-676CED58D801}".parse().unwrap());
        }
        recs.push(r);
    }
    let mut t = logon_4624(99);
    t.event_id = 9999;
    t.data = EventData::Named(vec![
        ("Empty".into(), "".into()),
        (
            "Unicode".into(),
            if libevtx_bugs {
                "Grüße, 世界 <&>\"'"
            } else {
                "Grüße, 世界 🎉 <&>\"'"
            }
            .into(),
        ),
        ("U8".into(), Value::U8(255)),
        ("U16".into(), Value::U16(65535)),
        ("I32".into(), Value::I32(if libevtx_bugs { 7 } else { -7 })),
        ("U32".into(), Value::U32(u32::MAX)),
        ("I64".into(), Value::I64(if libevtx_bugs { 9 } else { -9 })),
        ("U64".into(), Value::U64(u64::MAX)),
        (
            "Guid".into(),
            Value::Guid("{AC43300D-5FCC-4800-8E99-1BD3F85F0320}".parse().unwrap()),
        ),
        ("SizeT".into(), Value::SizeT(0x44c)),
        (
            "Time".into(),
            Value::FileTime(FileTime::from_unix(1_234_567_890, 0)),
        ),
        (
            "Sid".into(),
            Value::Sid(sid("S-1-5-21-1004336348-1177238915-682003330-512")),
        ),
        ("Hex32".into(), Value::HexInt32(0xc000006d)),
        ("Hex64".into(), Value::HexInt64(0x3e7)),
    ]);
    recs.push(t);
    recs
}

fn run(reader: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/xcheck.py");
    let recs = records(reader == "libevtx");
    let path = std::env::temp_dir().join(format!(
        "evtx-writer-xcheck-{reader}-{}.evtx",
        std::process::id()
    ));
    std::fs::write(&path, write_all(&recs)).unwrap();
    let out = Command::new("python3")
        .arg(script)
        .arg(reader)
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    let out = out.expect("python3 runs");
    assert!(
        out.status.success(),
        "{reader} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let got: Vec<J> = stdout
        .lines()
        .map(|l| {
            assert!(!l.starts_with("STDERR"), "{reader} reported errors: {l}");
            serde_json::from_str(l).unwrap()
        })
        .collect();
    assert_eq!(
        got.len(),
        recs.len(),
        "{reader} read {} of {} records",
        got.len(),
        recs.len()
    );
    for (i, (rec, g)) in recs.iter().zip(&got).enumerate() {
        assert_eq!(
            *g,
            expected(rec, i as u64 + 1),
            "{reader}, record {}",
            i + 1
        );
    }
    assert!(
        write_all(&recs).len() > 4096 + 10 * 65536,
        "the file spans many chunks"
    );
}

fn have(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn libevtx_evtxexport_reads_same_values() {
    if !have("evtxexport", &["-V"]) || !have("python3", &["--version"]) {
        eprintln!(
            "SKIPPED: evtxexport or python3 not found (apt-get install -y libevtx-utils python3)"
        );
        return;
    }
    run("libevtx");
}

#[test]
fn python_evtx_reads_same_values() {
    if !have("python3", &["-c", "import Evtx.Evtx"]) {
        eprintln!("SKIPPED: python-evtx not importable (pip install python-evtx)");
        return;
    }
    run("python-evtx");
}
