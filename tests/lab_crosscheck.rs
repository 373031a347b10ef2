//! The lab's EVTX files, every log of every host, read the same in three independent readers:
//! the `evtx` crate (what nullsight reads with), libyal's `evtxexport` (Debian
//! `libevtx-utils`) and the PyPI `python-evtx` package. `crates/evtx-writer/tests/xcheck.py`
//! turns what each reader renders into the same normalised JSON (System values and EventData
//! items as text), so records compare exactly. Each reader skips, saying so, when missing.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const XCHECK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/crates/evtx-writer/tests/xcheck.py"
);

fn xcheck(reader: &str, path: &Path) -> Vec<Value> {
    let out = Command::new("python3")
        .arg(XCHECK)
        .arg(reader)
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{reader} failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            assert!(
                !l.starts_with("STDERR"),
                "{reader} reported errors on {}: {l}",
                path.display()
            );
            serde_json::from_str(l).unwrap()
        })
        .collect()
}

fn evtx_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            evtx_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "evtx") {
            out.push(p);
        }
    }
}

/// What python-evtx renders its own way from the same bytes: booleans as Python writes them
/// (`True`), and a classic event's NULL `<Binary>` (and an empty string array's lone `<Data>`)
/// as empty elements, where the evtx crate and libevtx leave them out as MS-EVEN6's
/// DependencyId says. Applied to both sides of that comparison: an empty binary and a NULL one
/// then compare equal, and nothing else changes.
fn python_evtx_quirks(mut v: Value) -> Value {
    if v["binary"] == "" {
        v["binary"] = Value::Null;
        if v["data"] == serde_json::json!([[null, ""]]) {
            v["data"] = serde_json::json!([]);
        }
    }
    if let Some(items) = v["data"].as_array_mut() {
        for item in items {
            if let Some(s) = item[1].as_str() {
                let fixed = match s {
                    "True" => "true",
                    "False" => "false",
                    _ => continue,
                };
                item[1] = Value::from(fixed);
            }
        }
    }
    v
}

/// Which independent readers this machine has (each missing one says so, once).
struct Readers {
    libevtx: bool,
    python_evtx: bool,
}

impl Readers {
    fn find() -> Option<Readers> {
        if !have(
            "python3",
            &["--version"],
            "the cross-check with independent readers",
        ) {
            return None;
        }
        Some(Readers {
            libevtx: have("evtxexport", &["-V"], "the cross-check with libevtx"),
            python_evtx: have(
                "python3",
                &["-c", "import Evtx.Evtx"],
                "the cross-check with python-evtx",
            ),
        })
    }

    /// The records of `f` as the `evtx` crate renders them, after checking that libevtx and
    /// python-evtx read exactly the same; and how many records they compared.
    fn agree(&self, f: &Path, scratch: &Path) -> (Vec<Value>, usize) {
        let mut parser = evtx::EvtxParser::from_path(f).unwrap();
        let mut xml = String::new();
        for r in parser.records() {
            let r = r.unwrap_or_else(|e| panic!("evtx crate on {}: {e}", f.display()));
            xml.push_str(&r.data);
            xml.push('\n');
        }
        let rendered = scratch.join("crate.xml");
        std::fs::write(&rendered, xml).unwrap();
        let reference = xcheck("xml", &rendered);
        assert!(!reference.is_empty(), "{} has no records", f.display());
        let mut compared = 0;
        for (reader, present) in [("libevtx", self.libevtx), ("python-evtx", self.python_evtx)] {
            if !present {
                continue;
            }
            let mut got = xcheck(reader, f);
            let mut want = reference.clone();
            if reader == "python-evtx" {
                got = got.into_iter().map(python_evtx_quirks).collect();
                want = want.into_iter().map(python_evtx_quirks).collect();
            }
            assert_eq!(
                got.len(),
                want.len(),
                "{reader} read {} records of {}, the evtx crate {}",
                got.len(),
                f.display(),
                want.len()
            );
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(
                    g,
                    w,
                    "{reader} and the evtx crate differ on {} record {}",
                    f.display(),
                    w["id"]
                );
            }
            compared += got.len();
        }
        (reference, compared)
    }
}

#[test]
fn every_lab_log_reads_the_same_in_three_independent_readers() {
    let Some(readers) = Readers::find() else {
        return;
    };
    let dir = temp_dir(&format!("lab-crosscheck-{}", std::process::id()));
    let lab = dir.join("lab");
    let out = nullsight(&[
        "lab".as_ref(),
        lab.as_os_str(),
        "--seed".as_ref(),
        "5".as_ref(),
        "--quiet".as_ref(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files = Vec::new();
    evtx_files(&lab, &mut files);
    assert!(files.len() >= 30, "{} EVTX files", files.len());

    let mut ids = BTreeSet::new();
    let mut logon_versions = BTreeSet::new();
    let (mut records, mut compared) = (0usize, 0usize);
    for f in &files {
        let (reference, n) = readers.agree(f, &dir);
        records += reference.len();
        compared += n;
        for r in &reference {
            ids.insert(r["event_id"].as_u64().unwrap());
            if r["event_id"] == 4624 {
                logon_versions.insert(r["version"].as_u64().unwrap());
            }
        }
    }
    eprintln!(
        "{} files, {records} records, {compared} compared with other readers",
        files.len()
    );
    // Every event the lab is made of went through the comparison. (Blocked NTLM, 4001–4004,
    // has a test of its own below: no lab host is configured to deny NTLM.)
    for id in [
        4624, 4625, 4634, 4648, 4672, 4742, 4776, 5140, 5145, 8001, 8002, 8003, 8004, 5805, 5827,
        5828, 5829, 5830, 5831, 18456,
    ] {
        assert!(ids.contains(&id), "the lab has no event {id}: {ids:?}");
    }
    assert!(
        logon_versions.is_superset(&BTreeSet::from([0, 1, 2, 3])),
        "4624 versions in the lab: {logon_versions:?}"
    );
}

/// Blocked NTLM as Windows logs it once "Restrict NTLM" denies: 4001–4003 from
/// Microsoft-Windows-NTLM with the 8001–8003 layouts, 4004 from Security-Netlogon with the
/// 8004 layout, all in the NTLM/Operational channel (reference A.10). Written by
/// `evtx-writer`, read alike by the three readers, and typed by `nullsight scan` as
/// `ntlm_blocked` with the stage and fields.
#[test]
fn blocked_ntlm_events_read_the_same_and_scan_as_ntlm_blocked() {
    use evtx_writer::{EventData, EventRecord, EvtxWriter, FileTime, Guid, Value as V};
    let Some(readers) = Readers::find() else {
        return;
    };
    let dir = temp_dir(&format!("blocked-ntlm-{}", std::process::id()));
    let ntlm: Guid = "{AC43300D-5FCC-4800-8E99-1BD3F85F0320}".parse().unwrap();
    let netlogon: Guid = "{E5BA83F6-07D0-46B1-8BC7-7E669A1D31DC}".parse().unwrap();
    let s = |v: &str| V::String(v.to_string().into());
    let rec = |id: u16, guid: Guid, provider: &str, host: &str, data: Vec<(&str, V<'static>)>| {
        EventRecord {
            provider_name: provider.to_string().into(),
            provider_guid: Some(guid),
            event_id: id,
            level: 4,
            task: if id == 4004 { 0 } else { 2 },
            keywords: 0x8000_0000_0000_0000,
            time: FileTime::from_unix(1_772_438_400 + i64::from(id), 0),
            channel: "Microsoft-Windows-NTLM/Operational".into(),
            computer: host.to_string().into(),
            user_id: Some("S-1-5-18".parse().unwrap()),
            data: EventData::Named(
                data.into_iter()
                    .map(|(n, v)| (n.to_string().into(), v))
                    .collect(),
            ),
            ..EventRecord::default()
        }
    };
    let oid = "1.3.6.1.4.1.311.2.2.10";
    let records = [
        rec(
            4001,
            ntlm,
            "Microsoft-Windows-NTLM",
            "WKS002.corp.example",
            vec![
                ("TargetName", s("cifs/SRV-APP01")),
                ("UserName", s("alice")),
                ("DomainName", s("CORP")),
                ("CallerPID", V::U32(4)),
                ("ProcessName", s("")),
                ("ClientLUID", V::HexInt64(0x3e7)),
                ("ClientUserName", s("WKS002$")),
                ("ClientDomainName", s("CORP")),
                ("MechanismOID", s(oid)),
            ],
        ),
        rec(
            4002,
            ntlm,
            "Microsoft-Windows-NTLM",
            "SRV-APP01.corp.example",
            vec![
                ("CallerPID", V::U32(4)),
                ("ProcessName", s("")),
                ("ClientLUID", V::HexInt64(0x3e7)),
                ("ClientUserName", s("SRV-APP01$")),
                ("ClientDomainName", s("CORP")),
                ("MechanismOID", s(oid)),
            ],
        ),
        rec(
            4003,
            ntlm,
            "Microsoft-Windows-NTLM",
            "SRV-APP01.corp.example",
            vec![
                ("UserName", s("alice")),
                ("DomainName", s("CORP")),
                ("Workstation", s("WKS002")),
                ("CallerPID", V::U32(4)),
                ("ProcessName", s("")),
                ("LogonType", V::U32(3)),
                ("InProc", V::Bool(false)),
                ("MechanismOID", s(oid)),
            ],
        ),
        rec(
            4004,
            netlogon,
            "Microsoft-Windows-Security-Netlogon",
            "DC01.corp.example",
            vec![
                ("SChannelName", s("SRV-APP01")),
                ("UserName", s("alice")),
                ("DomainName", s("CORP")),
                ("WorkstationName", s("WKS002")),
                ("SChannelType", V::U32(2)),
            ],
        ),
    ];
    let file = dir.join("Microsoft-Windows-NTLM%4Operational.evtx");
    let mut w = EvtxWriter::new(std::fs::File::create(&file).unwrap()).unwrap();
    for r in &records {
        w.write(r).unwrap();
    }
    w.finish().unwrap();

    let (reference, _) = readers.agree(&file, &dir);
    let ids: Vec<u64> = reference
        .iter()
        .map(|r| r["event_id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [4001, 4002, 4003, 4004]);

    let events = dir.join("e.jsonl");
    let out = nullsight(&[
        "scan".as_ref(),
        "--quiet".as_ref(),
        "--events".as_ref(),
        events.as_os_str(),
        file.as_os_str(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = read_jsonl(&events);
    assert_eq!(got.len(), 4);
    for (e, stage) in got
        .iter()
        .zip(["outgoing", "incoming", "domain", "passthrough"])
    {
        assert_eq!(e["family"], "ntlm_blocked", "{e}");
        assert_eq!(e["stage"], stage, "{e}");
        assert_eq!(e["channel"], "Microsoft-Windows-NTLM/Operational");
    }
    assert_eq!(got[0]["target_name"], "cifs/SRV-APP01");
    assert_eq!(got[0]["target_user"], "alice");
    assert_eq!(got[0]["client_luid"], "0x3e7");
    assert_eq!(got[2]["workstation"], "WKS002");
    assert_eq!(got[3]["provider"], "Microsoft-Windows-Security-Netlogon");
    assert_eq!(got[3]["workstation"], "WKS002");
}
