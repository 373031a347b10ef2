//! Bad input is normal input: a folder of broken, empty, foreign and looping entries beside a
//! good file. The scan finishes, names each problem with its place, and keeps every event the
//! readable parts hold.

mod common;
use common::*;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;

fn sample(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

#[test]
fn broken_inputs_are_reported_and_the_rest_is_read() {
    let dir = temp_dir("broken_inputs");
    let ev = dir.join("evidence");
    std::fs::create_dir(&ev).unwrap();
    let good = std::fs::read(sample("post-Security.evtx")).unwrap();
    let big = std::fs::read(sample("security.evtx")).unwrap();
    std::fs::write(ev.join("good.evtx"), &good).unwrap();
    std::fs::write(ev.join("truncated.evtx"), &big[..100_000]).unwrap();
    std::fs::write(ev.join("header-only.evtx"), &big[..2000]).unwrap();
    std::fs::write(ev.join("empty.evtx"), b"").unwrap();
    std::fs::write(
        ev.join("garbage.evtx"),
        (0..5000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(ev.join("notes.txt"), "not evidence\n").unwrap();
    std::fs::write(
        ev.join("bad.jsonl"),
        "{\"Event\":{\"System\":{\"EventID\":4624}}}\nnot json\n",
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&ev, ev.join("loop")).unwrap();

    let summary = dir.join("s.json");
    let out = nullsight(&[
        OsStr::new("scan"),
        ev.as_os_str(),
        OsStr::new("--json"),
        summary.as_os_str(),
        OsStr::new("-q"),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let input = |name: &str| {
        s["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["file"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not in summary"))
            .clone()
    };
    let reasons = |name: &str| -> String {
        input(name)["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{} {}", e["place"], e["reason"]))
            .collect()
    };

    assert!(
        reasons("truncated.evtx").contains("file truncated"),
        "{}",
        reasons("truncated.evtx")
    );
    assert!(reasons("truncated.evtx").contains("\"chunk\":1"));
    assert!(reasons("header-only.evtx").contains("shorter than the 4096-byte"));
    assert!(reasons("empty.evtx").contains("empty file"));
    assert!(reasons("garbage.evtx").contains("not EVTX, XML or JSON"));
    assert!(
        reasons("bad.jsonl").contains("\"line\":2"),
        "{}",
        reasons("bad.jsonl")
    );
    #[cfg(unix)]
    assert!(reasons("loop").contains("symbolic link loop"));
    // Not evidence and found in a folder: skipped, not an error.
    assert!(input("notes.txt")["errors"].as_array().unwrap().is_empty());
    assert!(input("notes.txt")["skipped"].is_string());
    // Each problem is also on stderr, with the file name.
    assert!(stderr.contains("truncated.evtx") && stderr.contains("garbage.evtx"));

    // The good file is read whole, and the truncated copy yields its complete first chunk.
    assert_eq!(input("good.evtx")["records"], 126);
    assert!(input("good.evtx")["errors"].as_array().unwrap().is_empty());
    assert!(input("truncated.evtx")["events"].as_u64().unwrap() > 0);
}

/// `nullsight scan … 2>&1 | head`: once the reader is gone, the problems written to stderr are
/// lost, and the scan still writes its outputs and exits with its own code (a write to the
/// closed stderr made it panic: exit code 101).
#[test]
fn a_closed_stderr_loses_the_messages_not_the_run() {
    let dir = temp_dir("closed_stderr");
    let ev = dir.join("evidence");
    std::fs::create_dir(&ev).unwrap();
    std::fs::write(
        ev.join("good.evtx"),
        std::fs::read(sample("post-Security.evtx")).unwrap(),
    )
    .unwrap();
    for i in 0..20 {
        std::fs::write(ev.join(format!("empty-{i}.evtx")), b"").unwrap();
    }
    let summary = dir.join("s.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nullsight"))
        .args([OsStr::new("scan"), ev.as_os_str(), OsStr::new("--json")])
        .arg(&summary)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the scan has written anything to it.
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3), "{status}");
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["totals"]["files_with_errors"], 20);
}

#[test]
fn a_named_file_that_is_not_evidence_is_an_error() {
    let dir = temp_dir("named_not_evidence");
    let f = dir.join("notes.txt");
    std::fs::write(&f, "hello").unwrap();
    let out = nullsight(&[OsStr::new("scan"), f.as_os_str(), OsStr::new("-q")]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("notes.txt: whole file: not EVTX, XML or JSON"));
    let out = nullsight(&[
        OsStr::new("scan"),
        dir.join("missing.evtx").as_os_str(),
        OsStr::new("-q"),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn unwritable_output_fails_before_scanning() {
    let out = nullsight(&[
        OsStr::new("scan"),
        sample("post-Security.evtx").as_os_str(),
        OsStr::new("--json"),
        OsStr::new("/nonexistent-dir/s.json"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write /nonexistent-dir/s.json"));
}

#[test]
fn samples_scan_cleanly() {
    let out = nullsight(&[
        OsStr::new("scan"),
        sample("security.evtx").as_os_str(),
        OsStr::new("--events"),
        OsStr::new("-"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let anon: Vec<&Value> = lines.iter().filter(|v| v["anonymous"] == true).collect();
    assert_eq!(anon.len(), 39);
    assert!(anon.iter().all(|v| v["lm_package"] == "NTLM V1"
        && v["logon_type"] == 3
        && v["logon_type_name"] == "Network"));
}

/// `--events -` and `--json -` together: the events, then the summary, one after the other
/// (the two are written at the same time only when they go to different places).
#[test]
fn events_and_summary_both_to_standard_output_come_one_after_the_other() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let out = nullsight(&[
        OsStr::new("scan"),
        samples.as_os_str(),
        OsStr::new("--events"),
        OsStr::new("-"),
        OsStr::new("--json"),
        OsStr::new("-"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // The pretty-printed summary starts with a line holding only `{`.
    let at = text.find("\n{\n").expect("a summary after the events") + 1;
    let events: Vec<Value> = text[..at]
        .lines()
        .map(|l| serde_json::from_str(l).expect("an event line"))
        .collect();
    let summary: Value = serde_json::from_str(&text[at..]).expect("the summary");
    assert!(!events.is_empty());
    assert!(events
        .iter()
        .all(|e| e["file"].is_string() && e["findings"].is_array()));
    assert_eq!(
        summary["totals"]["events"].as_u64(),
        Some(events.len() as u64)
    );
}
