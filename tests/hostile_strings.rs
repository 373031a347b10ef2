//! Log fields are written by whoever connects: a WorkstationName is whatever the client sends.
//! A fixture full of hostile strings goes through every output format and must come out safe:
//! no escape sequence reaches the terminal, JSON stays valid UTF-8 JSON, nothing executes.

mod common;
use common::*;
use evtx_writer::{EventData, EventRecord, EvtxWriter, FileTime, Guid, Sid, Value};
use std::ffi::OsStr;

const ESC_WS: &str = "WS\x1b[2J\x1b]0;pwned\x07";
const SCRIPT_WS: &str = "<script>alert(1)</script>";
const FORMULA_USER: &str = "=HYPERLINK(\"http://x\",\"y\")";
const BIDI_DOMAIN: &str = "CORP\u{202E}gpj.exe";
/// Replaced in the file's bytes by a lone UTF-16 surrogate (not representable in a Rust string).
const SURROGATE_MARK: &str = "QQSURRQQ";

fn hostile_evtx(path: &std::path::Path) {
    let sa = "{54849625-5478-4994-A5BA-3E3B0328C30D}"
        .parse::<Guid>()
        .unwrap();
    let logon = |rid: u64, ws: &str, user: &str, domain: &str, computer: &str| EventRecord {
        provider_name: "Microsoft-Windows-Security-Auditing".into(),
        provider_guid: Some(sa),
        event_id: 4624,
        version: 2,
        task: 12544,
        keywords: 0x8020_0000_0000_0000,
        time: FileTime::from_unix(1_770_000_000 + rid as i64, 0),
        channel: "Security".into(),
        computer: computer.to_string().into(),
        data: EventData::Named(vec![
            (
                "SubjectUserSid".into(),
                Value::Sid("S-1-0-0".parse::<Sid>().unwrap()),
            ),
            (
                "TargetUserSid".into(),
                Value::Sid("S-1-5-7".parse::<Sid>().unwrap()),
            ),
            (
                "TargetUserName".into(),
                Value::String(user.to_string().into()),
            ),
            (
                "TargetDomainName".into(),
                Value::String(domain.to_string().into()),
            ),
            ("TargetLogonId".into(), Value::HexInt64(0x1000 + rid)),
            ("LogonType".into(), Value::U32(3)),
            ("LogonProcessName".into(), Value::String("NtLmSsp ".into())),
            (
                "AuthenticationPackageName".into(),
                Value::String("NTLM".into()),
            ),
            (
                "WorkstationName".into(),
                Value::String(ws.to_string().into()),
            ),
            ("LmPackageName".into(), Value::String("NTLM V1".into())),
            ("KeyLength".into(), Value::U32(0)),
            ("IpAddress".into(), Value::String("10.0.0.66".into())),
            ("IpPort".into(), Value::String("49152".into())),
        ]),
        ..EventRecord::default()
    };
    let mut w = EvtxWriter::create(path).unwrap();
    w.write(&logon(
        1,
        ESC_WS,
        "ANONYMOUS LOGON",
        "NT AUTHORITY",
        "SRV\x1b[31m01",
    ))
    .unwrap();
    w.write(&logon(
        2,
        SCRIPT_WS,
        FORMULA_USER,
        BIDI_DOMAIN,
        "<img src=x onerror=alert(2)>",
    ))
    .unwrap();
    w.write(&logon(3, SURROGATE_MARK, "@SUM(1+1)", "-2+3", "SRV01"))
        .unwrap();
    w.finish().unwrap();
    // A lone high surrogate where the marker was: invalid UTF-16, as a hostile client can send.
    let mut bytes = std::fs::read(path).unwrap();
    let mark: Vec<u8> = SURROGATE_MARK
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let at = bytes
        .windows(mark.len())
        .position(|w| w == mark.as_slice())
        .expect("marker in file");
    bytes[at..at + 2].copy_from_slice(&0xD800u16.to_le_bytes());
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn hostile_strings_come_out_safe() {
    let dir = temp_dir("hostile_strings");
    let evtx = dir.join("hostile.evtx");
    hostile_evtx(&evtx);
    let (events, summary) = (dir.join("e.jsonl"), dir.join("s.json"));
    let out = nullsight(&[
        OsStr::new("scan"),
        evtx.as_os_str(),
        OsStr::new("--events"),
        events.as_os_str(),
        OsStr::new("--json"),
        summary.as_os_str(),
    ]);
    // The patched record breaks the chunk CRC: a warning, not an error.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Terminal: no ESC, BEL or bidi override reaches it; they are shown escaped.
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8(stream.clone()).expect("terminal output is UTF-8");
        assert!(
            !text.contains('\x1b') && !text.contains('\x07') && !text.contains('\u{202E}'),
            "{text}"
        );
    }
    // The evtx crate renders XML-invalid characters (ESC, BEL, lone surrogates) as `_`.
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(
        terminal.contains("SRV_[31m01") || terminal.contains("SRV\\u{1b}[31m01"),
        "{terminal}"
    );

    // JSON Lines and JSON: valid UTF-8 JSON whatever the log held; values kept, escaped.
    let text = std::fs::read(&events).unwrap();
    let text = String::from_utf8(text).expect("events are UTF-8");
    assert!(!text.contains('\x1b'), "raw ESC in JSON Lines");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let ws0 = lines[0]["workstation"].as_str().unwrap();
    assert!(ws0 == ESC_WS || ws0 == "WS_[2J_]0;pwned_", "{ws0}");
    assert_eq!(lines[1]["workstation"], SCRIPT_WS);
    assert_eq!(lines[1]["target_user"], FORMULA_USER);
    // The lone surrogate became a replacement character instead of producing invalid output.
    let ws2 = lines[2]["workstation"].as_str().unwrap();
    assert!(ws2.starts_with('\u{FFFD}') || ws2.starts_with('_'), "{ws2}");
    let s: serde_json::Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert!(s["counts"]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h == "<img src=x onerror=alert(2)>"));
}

/// JSON input carries raw control characters (`\u001b`), so this is where the terminal
/// escaping is really exercised.
#[test]
fn raw_control_characters_from_json_are_escaped_on_the_terminal() {
    let dir = temp_dir("hostile_json");
    let f = dir.join("hostile.jsonl");
    let doc = serde_json::json!({"Event": {"System": {
        "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
        "EventID": 4624, "EventRecordID": 1, "Channel": "Security", "Computer": "SRV\u{1b}[31m01\u{202E}",
        "TimeCreated": {"#attributes": {"SystemTime": "2026-03-02T08:00:00Z"}}},
        "EventData": {"TargetUserSid": "S-1-5-7", "LogonType": 3, "WorkstationName": ESC_WS, "IpAddress": "10.0.0.66"}}});
    std::fs::write(&f, format!("{doc}\n")).unwrap();
    let events = dir.join("e.jsonl");
    let out = nullsight(&[
        OsStr::new("scan"),
        f.as_os_str(),
        OsStr::new("--events"),
        events.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let terminal = String::from_utf8(out.stdout).unwrap();
    assert!(
        !terminal.contains('\x1b') && !terminal.contains('\u{202E}'),
        "{terminal}"
    );
    assert!(terminal.contains("SRV\\u{1b}[31m01\\u{202e}"), "{terminal}");
    let line: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&events).unwrap().trim()).unwrap();
    assert_eq!(
        line["workstation"], ESC_WS,
        "JSON keeps the value, escaped by the JSON encoder"
    );
    assert!(!std::fs::read_to_string(&events).unwrap().contains('\x1b'));
}

/// `scan --csv`: every file it writes, with hostile values in every column they can reach;
/// no cell a spreadsheet would run as a formula is left as it came.
#[test]
fn csv_outputs_neutralise_formulas() {
    let dir = temp_dir("hostile_csv");
    let f = dir.join("hostile.jsonl");
    let formulas = [
        "=1+2",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1)",
        "\tTAB",
        "\rCR",
    ];
    let mut lines = String::new();
    for (i, v) in formulas.iter().enumerate() {
        let doc = serde_json::json!({"Event": {"System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
            "EventID": 4624, "EventRecordID": i + 1, "Channel": "Security", "Computer": v,
            "TimeCreated": {"#attributes": {"SystemTime": format!("2026-03-02T08:00:0{i}Z")}}},
            "EventData": {"TargetUserSid": "S-1-5-7", "TargetUserName": v, "TargetDomainName": v,
                "LogonType": 3, "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM",
                "WorkstationName": v, "IpAddress": v, "LmPackageName": "NTLM V1", "KeyLength": 0}}});
        lines.push_str(&format!("{doc}\n"));
        let doc = serde_json::json!({"Event": {"System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
            "EventID": 4624, "EventRecordID": 100 + i, "Channel": "Security", "Computer": v,
            "TimeCreated": {"#attributes": {"SystemTime": format!("2026-03-02T08:01:0{i}Z")}}},
            "EventData": {"TargetUserSid": "S-1-5-21-1-2-3-1104", "TargetUserName": v, "TargetDomainName": v,
                "LogonType": 3, "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM",
                "WorkstationName": v, "IpAddress": v, "LmPackageName": "NTLM V1", "KeyLength": 56}}});
        lines.push_str(&format!("{doc}\n"));
    }
    std::fs::write(&f, lines).unwrap();
    let csv_dir = dir.join("csv");
    let out = nullsight(&[
        OsStr::new("scan"),
        OsStr::new("--quiet"),
        OsStr::new("--csv"),
        csv_dir.as_os_str(),
        f.as_os_str(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut hostile_cells = 0;
    for entry in std::fs::read_dir(&csv_dir).unwrap() {
        let path = entry.unwrap().path();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(&path)
            .unwrap();
        for row in r.records() {
            for cell in row.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{}: {cell:?}",
                    path.display()
                );
                if formulas.iter().any(|v| cell.contains(v.trim_start())) {
                    hostile_cells += 1;
                }
            }
        }
    }
    // The values did reach the CSV files (as text), through several columns.
    assert!(hostile_cells >= 20, "{hostile_cells} hostile cells");
    let anon = std::fs::read_to_string(csv_dir.join("anonymous_logons.csv")).unwrap();
    assert!(anon.contains("'=1+2"), "{anon}");
    let flows = std::fs::read_to_string(csv_dir.join("ntlm_flows.csv")).unwrap();
    assert!(flows.contains("'@SUM(1)"), "{flows}");
}
