//! `nullsight scan` over the real EVTX corpus (../shared/corpus): the figures issue 2 names.

mod common;
use common::*;
use serde_json::Value;
use std::ffi::OsStr;

#[test]
fn corpus_events_and_errors() {
    let Some(corpus) = corpus() else { return };
    let dir = temp_dir("corpus_events_and_errors");
    let (e, s) = (dir.join("e.jsonl"), dir.join("s.json"));
    let out = nullsight(&[
        OsStr::new("scan"),
        corpus.as_os_str(),
        OsStr::new("--events"),
        e.as_os_str(),
        OsStr::new("--json"),
        s.as_os_str(),
        OsStr::new("-q"),
    ]);
    // Some corpus files are corrupt: results are written and the exit status says so.
    assert_eq!(
        out.status.code(),
        Some(3),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = read_jsonl(&e);

    let is = |v: &Value, k: &str, want: &str| v.get(k).and_then(Value::as_str) == Some(want);
    let sa = |v: &Value| is(v, "provider", "Microsoft-Windows-Security-Auditing");
    let id = |v: &Value| v["event_id"].as_u64().unwrap();

    // Exactly the 87 Security-Auditing 4624 with TargetUserSid S-1-5-7, all marked anonymous,
    // and no other 4624 marked anonymous.
    let anon_4624: Vec<&Value> = events
        .iter()
        .filter(|v| id(v) == 4624 && sa(v) && is(v, "target_sid", "S-1-5-7"))
        .collect();
    assert_eq!(anon_4624.len(), 87);
    assert!(anon_4624
        .iter()
        .all(|v| v["anonymous"] == true && v["family"] == "logon"));
    assert_eq!(
        events
            .iter()
            .filter(|v| id(v) == 4624 && v["anonymous"] == true)
            .count(),
        87
    );
    // Null sessions: the logon process is trimmed ("NtLmSsp " in the log).
    assert!(anon_4624.iter().all(|v| is(v, "logon_process", "NtLmSsp")));

    // All 3,563 Security-Auditing 4625 and none of the 38 EventSystem look-alikes.
    let f4625: Vec<&Value> = events.iter().filter(|v| id(v) == 4625).collect();
    assert_eq!(f4625.len(), 3563);
    assert!(f4625
        .iter()
        .all(|v| sa(v) && v["family"] == "logon_failure" && v["status"].is_string()));
    assert!(!events
        .iter()
        .any(|v| is(v, "provider", "Microsoft-Windows-EventSystem")));
    assert!(!events
        .iter()
        .any(|v| is(v, "provider", "Microsoft-Windows-GroupPolicy")));

    // The one 4742 by ANONYMOUS LOGON (Zerologon).
    let zl: Vec<&Value> = events
        .iter()
        .filter(|v| id(v) == 4742 && is(v, "subject_sid", "S-1-5-7"))
        .collect();
    assert_eq!(zl.len(), 1);
    assert_eq!(zl[0]["anonymous"], true);
    assert!(zl[0]["password_last_set"].is_string());

    // 4776 failures with decoded status.
    let bad_4776: Vec<&Value> = events
        .iter()
        .filter(|v| id(v) == 4776 && !is(v, "status", "0x0"))
        .collect();
    assert!(!bad_4776.is_empty());
    for v in &bad_4776 {
        assert!(
            v["status_name"]
                .as_str()
                .is_some_and(|n| n.starts_with("STATUS_")),
            "{v}"
        );
    }
    assert!(bad_4776
        .iter()
        .any(|v| is(v, "status", "0xc000006a") && is(v, "status_name", "STATUS_WRONG_PASSWORD")));

    // Every line has the contract's keys.
    for v in &events {
        for k in [
            "file",
            "record_id",
            "time",
            "computer",
            "provider",
            "channel",
            "event_id",
            "family",
            "anonymous",
            "findings",
        ] {
            assert!(v.get(k).is_some(), "{k} missing in {v}");
        }
    }

    // The corrupt files appear in the summary with their reasons and places.
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&s).unwrap()).unwrap();
    let inputs = summary["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 52);
    let problems = |name: &str| -> Vec<String> {
        let i = inputs
            .iter()
            .find(|i| i["file"].as_str().unwrap().ends_with(name))
            .unwrap();
        let mut v: Vec<String> = i["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["reason"].as_str().unwrap().to_string())
            .collect();
        v.extend(
            i["warnings"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| e["reason"].as_str().unwrap().to_string()),
        );
        v
    };
    assert!(problems("evtxrs__sample_with_a_bad_chunk_magic.evtx")
        .iter()
        .any(|r| r.contains("chunk header magic")));
    assert!(problems("evtxrs__sample-with-zero-data-size-event.evtx")
        .iter()
        .any(|r| r.contains("data size")));
    assert!(!problems(
        "evtxrs__2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx"
    )
    .is_empty());
    assert!(problems("evtxrs__Application_no_crc32.evtx")
        .iter()
        .any(|r| r.contains("file header CRC32 mismatch")));
    assert!(problems("evtxrs__security_bad_string_cache.evtx")
        .iter()
        .any(|r| r.contains("chunk header CRC32 mismatch")));
    // A damaged copy still yields its records: the same 39 null sessions as the clean file.
    let from = |name: &str| {
        anon_4624
            .iter()
            .filter(|v| v["file"].as_str().unwrap().ends_with(name))
            .count()
    };
    assert_eq!(from("evtxrs__security_bad_string_cache.evtx"), 39);
    assert_eq!(from("evtxrs__security.evtx"), 39);
    assert!(summary["totals"]["errors"].as_u64().unwrap() >= 6);
}

#[test]
fn classic_events_are_read_by_position() {
    let Some(f) =
        corpus_file("eas__Zerologon_CVE-2020-1472_DFIR_System_NetLogon_Error_EventID_5805.evtx")
    else {
        return;
    };
    let out = nullsight(&[
        OsStr::new("scan"),
        f.as_os_str(),
        OsStr::new("--events"),
        OsStr::new("-"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(v["family"], "netlogon");
    // The System values too: typing reads these events from the whole raw record.
    assert_eq!(v["event_id"], 5805);
    assert_eq!(v["provider"], "NETLOGON");
    assert_eq!(v["channel"], "System");
    assert!(v["record_id"].as_u64().unwrap() > 0 && v["time"].is_string());
    assert_eq!(v["account"], "01566S-WIN16-IR");
    assert_eq!(v["error"], "Access is denied.");
    assert_eq!(v["status"], "0xc0000022");

    let Some(f) = corpus_file("eas__MSSQL_multiple_failed_logon_EventID_18456.evtx") else {
        return;
    };
    let out = nullsight(&[
        OsStr::new("scan"),
        f.as_os_str(),
        OsStr::new("--events"),
        OsStr::new("-"),
    ]);
    let lines: Vec<Value> = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 10);
    assert_eq!(lines[0]["target_user"], "sa");
    assert_eq!(lines[0]["ip"], "10.0.2.17");
    assert_eq!(lines[0]["database"], "master");
    assert!(lines.iter().all(|l| l["anonymous"] == false));
}
