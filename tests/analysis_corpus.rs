//! End to end over the real corpus (../shared/corpus/evtx). Skipped, saying so, when absent.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/evtx");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: corpus not found at {} (a fresh clone does not have it; CI does)",
            p.display()
        );
        None
    }
}

/// Scan `inputs`, returning (summary, events).
fn scan(inputs: &[PathBuf], extra: &[&str]) -> (Value, Vec<Value>) {
    let dir = std::env::temp_dir().join(format!(
        "nullsight-analysis-test-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("s.json");
    let events = dir.join("e.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_nullsight"))
        .arg("scan")
        .args(inputs)
        .arg("--json")
        .arg(&json)
        .arg("--events")
        .arg(&events)
        .arg("--quiet")
        .args(extra)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0) | Some(3)),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let evs = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    (summary, evs)
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn findings<'a>(s: &'a Value, id: &str) -> Vec<&'a Value> {
    s["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == id)
        .collect()
}

#[test]
fn every_anonymous_logon_has_a_scenario_and_reasons() {
    let Some(c) = corpus() else { return };
    let (s, evs) = scan(&[c], &[]);
    let anon: Vec<&Value> = evs
        .iter()
        .filter(|e| e["event_id"] == 4624 && e["anonymous"] == true)
        .collect();
    assert_eq!(anon.len(), 87);
    for e in &anon {
        assert!(e["scenario"].is_string(), "no scenario: {e}");
        assert!(
            e["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "anonymous-logon"),
            "{e}"
        );
    }
    // Grouped by host, client and verdict: 87 logons in fewer rows.
    let groups = s["anonymous_logons"].as_array().unwrap();
    let count = |g: &Value| g["count"].as_u64().unwrap();
    assert_eq!(groups.iter().map(count).sum::<u64>(), 87);
    assert!(groups.len() < 87, "{}", groups.len());
    for g in groups {
        assert!(!g["reasons"].as_array().unwrap().is_empty(), "{g}");
        assert!(g["confidence"].is_string());
        let evidence = g["evidence"].as_array().unwrap();
        assert_eq!(evidence.len() as u64, count(g).min(20), "{g}");
    }
    // Distinct records: the damaged copy of security.evtx is counted once.
    let sc = &s["scenarios"];
    assert_eq!(sc["default_session"], 42, "{sc}");
    assert_eq!(sc["local_loopback"], 1);
    assert_eq!(sc["zerologon"], 2);
    assert_eq!(sc["unknown"], 3);
    assert_eq!(s["duplicate_files"].as_array().unwrap().len(), 1);
    // Null sessions are not NTLMv1 use.
    assert!(findings(&s, "ntlmv1-logon").is_empty());
    assert_eq!(
        s["inventories"]["totals"]["logons_by_class"]["null_session"],
        48
    );
}

#[test]
fn juicypotato_is_local_loopback() {
    let Some(c) = corpus() else { return };
    let (s, _) = scan(
        &[c.join("eas__4624 LT3 AnonymousLogon Localhost - JuicyPotato.evtx")],
        &[],
    );
    assert_eq!(s["anonymous_logons"][0]["scenario"], "local_loopback");
    assert_eq!(findings(&s, "anonymous-logon")[0]["severity"], "high");
}

#[test]
fn zerologon_file_raises_zerologon_with_its_4742() {
    let Some(c) = corpus() else { return };
    let (s, evs) = scan(
        &[c.join(
            "eas__Zerologon_VoidSec_CVE-2020-1472_4626_LT3_Anonym_follwedby_4742_DC_Anony_DC.evtx",
        )],
        &[],
    );
    let z = findings(&s, "zerologon");
    assert_eq!(z.len(), 1);
    assert_eq!(z[0]["severity"], "critical");
    let rec4742 = evs.iter().find(|e| e["event_id"] == 4742).unwrap()["record_id"].clone();
    assert!(z[0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["record_id"] == rec4742));
    assert!(z[0]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x == "172.16.66.37"));
    for a in s["anonymous_logons"].as_array().unwrap() {
        assert_eq!(a["scenario"], "zerologon");
    }
    let e4742 = evs.iter().find(|e| e["event_id"] == 4742).unwrap();
    assert!(e4742["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "zerologon"));
}

#[test]
fn smb_password_guessing_raises_brute_force_with_decoded_codes() {
    let Some(c) = corpus() else { return };
    let (s, _) = scan(
        &[c.join("deepblue__smb-password-guessing-security.evtx")],
        &[],
    );
    let b = findings(&s, "brute-force");
    assert!(!b.is_empty());
    let reasons = b[0]["reasons"].to_string();
    assert!(reasons.contains("STATUS_WRONG_PASSWORD"), "{reasons}");
    assert!(b[0]["sources"][0] == "192.168.198.149");
    assert!(b[0]["count"].as_u64().unwrap() >= 3000);
    // A higher threshold than the attack makes it disappear.
    let (s2, _) = scan(
        &[c.join("deepblue__smb-password-guessing-security.evtx")],
        &["--brute-force-threshold", "100000"],
    );
    assert!(findings(&s2, "brute-force").is_empty());
}

#[test]
fn password_spray_file_raises_password_spray() {
    let Some(c) = corpus() else { return };
    let (s, _) = scan(&[c.join("deepblue__password-spray.evtx")], &[]);
    let p = findings(&s, "password-spray");
    assert_eq!(p.len(), 1, "{}", s["findings"]);
    assert_eq!(p[0]["count"], 294);
    assert!(p[0]["accounts"].as_array().unwrap().len() >= 10);
}

#[test]
fn noise_only_files_raise_nothing() {
    let Some(c) = corpus() else { return };
    for f in [
        "eas__WinDefender_Events_1117_1116_AtomicRedTeam.evtx",
        "eas__CA_DCSync_4662.evtx",
        "deepblue__new-user-security.evtx",
        "deepblue__many-events-application.evtx",
        "evtxrs__system.evtx",
    ] {
        let (s, _) = scan(&[c.join(f)], &[]);
        assert!(
            s["findings"].as_array().unwrap().is_empty(),
            "{f}: {}",
            s["findings"]
        );
    }
}

#[test]
fn csv_and_explain_work_on_the_corpus() {
    let Some(c) = corpus() else { return };
    let dir = std::env::temp_dir().join(format!("nullsight-csv-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_nullsight"))
        .args(["scan", "--quiet", "--csv"])
        .arg(&dir)
        .arg(c.join("evtxrs__post-Security.evtx"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let anon = std::fs::read_to_string(dir.join("anonymous_logons.csv")).unwrap();
    assert_eq!(anon.lines().count(), 3);
    assert!(anon.contains("default_session"));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_nullsight"))
        .args(["explain"])
        .arg(c.join("evtxrs__security.evtx"))
        .args(["--record", "78"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("KeyLength"));
    assert!(text.contains("scenario default_session"), "{text}");
}

#[test]
fn corpus_files_analysed_one_at_a_time_and_merged_equal_all_together() {
    use nullsight::analyze::Analysis;
    use nullsight::scan::{scan as read, NoProgress, ScanOptions};
    let Some(c) = corpus() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&c)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut whole = Analysis::default();
    let mut events = vec![];
    read(
        &ScanOptions {
            paths: files.clone(),
            threads: 2,
        },
        &NoProgress,
        |e| events.push(e),
    );
    // Arrival order across files is not deterministic: sort for the reference state.
    events.sort_by(|a, b| (&a.file, a.record_id).cmp(&(&b.file, b.record_id)));
    for e in &events {
        whole.observe(e);
    }
    let mut merged = Analysis::default();
    for f in files.iter().rev() {
        let mut one = Analysis::default();
        read(
            &ScanOptions {
                paths: vec![f.clone()],
                threads: 1,
            },
            &NoProgress,
            |e| one.observe(&e),
        );
        merged.merge(one);
    }
    let (a, b) = (whole.finish(), merged.finish());
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert_eq!(a.annotations, b.annotations);
    assert!(a.anonymous_logons == b.anonymous_logons);
}
