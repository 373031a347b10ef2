//! Issue 6: on lab evidence with a known set of NTLMv1 / LM clients, null-session users and
//! LocalSystem fallbacks, `simulate` lists exactly those flows under the right changes, and
//! "safe now" for a change the lab's traffic does not touch.
//!
//! "Exactly" is checked through the labels: every evidence record of every listed flow belongs
//! to an episode of the expected scenarios (lab.json), and every such episode that the
//! setting governs has a flow listed.

mod common;
use common::*;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

type Key = (String, u64);

struct Lab {
    dir: PathBuf,
    /// Labelled event → (episode id, scenario).
    label: HashMap<Key, (String, String)>,
    episodes: Vec<Value>,
}

fn lab() -> &'static Lab {
    static LAB: OnceLock<Lab> = OnceLock::new();
    LAB.get_or_init(|| {
        let dir = temp_dir("lab_simulate").join("lab");
        let out = nullsight(&[OsStr::new("lab"), dir.as_os_str(), OsStr::new("-q")]);
        assert!(
            out.status.success(),
            "lab: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sidecar: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("lab.json")).unwrap()).unwrap();
        let episodes = sidecar["episodes"].as_array().unwrap().clone();
        let mut label = HashMap::new();
        for ep in &episodes {
            for e in ep["events"].as_array().unwrap() {
                label.insert(
                    (
                        e["file"].as_str().unwrap().to_string(),
                        e["record_id"].as_u64().unwrap(),
                    ),
                    (
                        ep["id"].as_str().unwrap().to_string(),
                        ep["scenario"].as_str().unwrap().to_string(),
                    ),
                );
            }
        }
        Lab {
            dir,
            label,
            episodes,
        }
    })
}

/// `simulate --logs LAB --config LAB EXTRA... --json -`, which must succeed.
fn simulate_json(extra: &[&str]) -> Value {
    simulate_json_with(true, extra)
}

/// The same, with or without the lab's configuration (without it no current value is known).
fn simulate_json_with(config: bool, extra: &[&str]) -> Value {
    let lab = lab();
    let mut args = vec![OsStr::new("simulate"), OsStr::new("--logs"), lab.dir.as_os_str()];
    if config {
        args.extend([OsStr::new("--config"), lab.dir.as_os_str()]);
    }
    args.extend(extra.iter().map(OsStr::new));
    args.extend([OsStr::new("--json"), OsStr::new("-")]);
    let out = nullsight(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "simulate {extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `simulate --logs LAB --config LAB --set SET --json`: the one change's result.
fn simulate(set: &str) -> Value {
    only_change(&simulate_json(&["--set", set]), set)
}

/// `simulate --logs LAB --set SET --json`, without the configuration.
fn simulate_without_config(set: &str) -> Value {
    only_change(&simulate_json_with(false, &["--set", set]), set)
}

fn only_change(v: &Value, set: &str) -> Value {
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "one change for --set {set}");
    changes[0].clone()
}

fn affected(c: &Value) -> &Vec<Value> {
    c["affected"].as_array().unwrap()
}

fn evidence(flow: &Value) -> Vec<Key> {
    let dir = &lab().dir;
    flow["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let f = Path::new(r["file"].as_str().unwrap());
            (
                f.strip_prefix(dir)
                    .unwrap_or(f)
                    .to_string_lossy()
                    .replace('\\', "/"),
                r["record_id"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Every evidence record of every listed flow is labelled with one of `scenarios`; returns
/// the episodes they come from.
fn only_from(c: &Value, scenarios: &[&str]) -> BTreeSet<String> {
    let mut eps = BTreeSet::new();
    for f in affected(c) {
        let ev = evidence(f);
        assert!(
            !ev.is_empty(),
            "{}: flow without evidence: {f}",
            c["description"]
        );
        for k in ev {
            let (ep, sc) = lab().label.get(&k).unwrap_or_else(|| {
                panic!(
                    "{}: {k:?} is background traffic, not a labelled episode: {f}",
                    c["description"]
                )
            });
            assert!(
                scenarios.contains(&sc.as_str()),
                "{}: lists {k:?} of {ep} ({sc}), expected only {scenarios:?}: {f}",
                c["description"]
            );
            eps.insert(ep.clone());
        }
    }
    eps
}

fn episode_ids(scenario: &str, pred: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    lab()
        .episodes
        .iter()
        .filter(|e| e["scenario"] == scenario && pred(e))
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

fn has_event(ep: &Value, event_id: u64, role: &str) -> bool {
    ep["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["event_id"] == event_id && e["role"] == role)
}

fn clients(c: &Value, breaks: bool) -> BTreeSet<String> {
    affected(c)
        .iter()
        .filter(|f| f["breaks"] == breaks)
        .map(|f| f["client"].as_str().unwrap_or("-").to_string())
        .collect()
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn lm_compatibility_level_5_breaks_exactly_the_ntlmv1_and_lm_clients() {
    let c = simulate("LmCompatibilityLevel=5");
    assert_eq!(c["verdict"], "breaks", "{c}");
    assert!(affected(&c).iter().all(|f| f["breaks"] == true));
    let eps = only_from(&c, &["ntlmv1_client", "lm_client"]);
    let want: BTreeSet<String> = episode_ids("ntlmv1_client", |_| true)
        .into_iter()
        .chain(episode_ids("lm_client", |_| true))
        .collect();
    assert_eq!(eps, want, "{c}");
    assert_eq!(clients(&c, true), set(&["MFP-2F", "WKS003"]));
    let accounts: BTreeSet<&str> = affected(&c)
        .iter()
        .map(|f| f["account"].as_str().unwrap())
        .collect();
    assert_eq!(accounts, BTreeSet::from(["CORP\\carol", "CORP\\svc_scan"]));
    // Null sessions log "NTLM V1" too and must not be counted.
    assert!(!accounts.iter().any(|a| a.contains("ANONYMOUS")));
}

/// The localsystem_fallback episodes whose client logs its 8001 (WKS004, UseMachineId = 0).
/// SRV-LEGACY08 (Windows Server 2008) has no NTLM/Operational log: simulate cannot see its
/// fallback from the client side, and says so (cannot tell, naming SRV-LEGACY08) rather than
/// guessing; the server-side 4624s it causes are not attributed to the fallback without the
/// client's 8001 (its configuration would decide; simulate does not use the OS version).
fn fallback_with_client_log() -> BTreeSet<String> {
    episode_ids("localsystem_fallback", |e| has_event(e, 8001, "client"))
}

fn assert_names_unaudited_legacy(c: &Value) {
    let missing: BTreeSet<&str> = c["missing"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["evidence"] == "ntlm_outgoing")
        .flat_map(|m| m["hosts"].as_array().unwrap())
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(missing.contains("SRV-LEGACY08"), "{c}");
}

#[test]
fn use_machine_id_changes_exactly_the_localsystem_fallback_clients() {
    let c = simulate("UseMachineId=1");
    // Not a break: the flows go on as the computer account.
    assert!(affected(&c).iter().all(|f| f["breaks"] == false), "{c}");
    assert_eq!(
        only_from(&c, &["localsystem_fallback"]),
        fallback_with_client_log()
    );
    assert_eq!(clients(&c, false), set(&["WKS004"]));
    // Not KIOSK-07: a workgroup host (non_domain_joined) has no computer identity to use.
    assert_eq!(c["verdict"], "cannot-tell");
    assert_names_unaudited_legacy(&c);
}

/// Without configuration nothing is known of the hosts' values: WKS004's fallback flows break.
/// With it, WKS004 (Windows 10, the value unset: 0 by default) already runs with the change, so
/// its flows were logged under it and are not counted; SRV-LEGACY08 (Server 2008: 1 by default)
/// is the host the change is for, and it logs no 8001.
#[test]
fn null_session_fallback_off_breaks_exactly_the_localsystem_fallback_clients() {
    let c = simulate("allownullsessionfallback=0");
    assert_eq!(c["verdict"], "cannot-tell", "{c}");
    assert!(affected(&c).is_empty(), "{c}");
    let in_effect: BTreeSet<&str> = c["in_effect"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["host"].as_str().unwrap())
        .collect();
    assert!(in_effect.contains("WKS004"), "{c}");
    assert!(!in_effect.contains("SRV-LEGACY08"), "{c}");
    assert_names_unaudited_legacy(&c);

    let c = simulate_without_config("allownullsessionfallback=0");
    assert_eq!(c["verdict"], "breaks", "{c}");
    assert!(c["in_effect"].as_array().unwrap().is_empty(), "{c}");
    assert!(affected(&c).iter().all(|f| f["breaks"] == true));
    assert_eq!(
        only_from(&c, &["localsystem_fallback"]),
        fallback_with_client_log()
    );
    assert_eq!(clients(&c, true), set(&["WKS004"]));
    for f in affected(&c) {
        assert_eq!(f["remedy"]["action"], "use_machine_id", "{f}");
    }
    assert_names_unaudited_legacy(&c);
}

#[test]
fn null_session_settings_list_the_enumeration_accesses() {
    let enumeration = episode_ids("enumeration", |_| true);
    assert_eq!(enumeration.len(), 2);
    for s in [
        "RestrictAnonymous=1",
        "RestrictAnonymousSAM=1",
        "LSAAnonymousNameLookup=0",
        "NullSessionPipes=",
    ] {
        // Every lab host already has RestrictAnonymousSAM = 1 (see the already-in-effect
        // test): without the configuration the change is judged from the traffic alone.
        let c = if s == "RestrictAnonymousSAM=1" {
            simulate_without_config(s)
        } else {
            simulate(s)
        };
        assert_eq!(c["verdict"], "breaks", "{s}: {c}");
        assert!(affected(&c).iter().all(|f| f["breaks"] == true));
        assert!(affected(&c)
            .iter()
            .all(|f| f["account"] == "NT AUTHORITY\\ANONYMOUS LOGON"));
        // Both enum4linux (DC01) and impacket (SRV-FILE01) opened samr and lsarpc.
        assert_eq!(only_from(&c, &["enumeration"]), enumeration, "{s}");
        let ips: BTreeSet<&str> = affected(&c)
            .iter()
            .map(|f| f["client_ip"].as_str().unwrap_or("-"))
            .collect();
        assert_eq!(ips, BTreeSet::from(["10.0.0.66"]), "{s}: only KALI");
    }
}

#[test]
fn restrict_null_session_access_lists_the_anonymous_share_and_pipe_users() {
    let c = simulate("RestrictNullSessAccess=1");
    assert_eq!(c["verdict"], "breaks", "{c}");
    let eps = only_from(
        &c,
        &[
            "enumeration",
            "localsystem_fallback",
            "no_network_credentials",
            "non_domain_joined",
        ],
    );
    // Every episode whose anonymous session opened a share other than IPC$ or a pipe that
    // is not a default null-session pipe is listed; the explicit IPC$-only null session
    // (ep017) is not: IPC$ itself stays open to anonymous.
    for sc in [
        "localsystem_fallback",
        "no_network_credentials",
        "non_domain_joined",
        "enumeration",
    ] {
        for ep in episode_ids(sc, |_| true) {
            assert!(eps.contains(&ep), "{ep} ({sc}) not listed: {c}");
        }
    }
}

#[test]
fn a_change_the_lab_does_not_touch_is_safe_now() {
    let c = simulate("EnableGuestAccount=0");
    assert_eq!(c["verdict"], "safe-now", "{c}");
    assert!(affected(&c).is_empty(), "{c}");
}

/// `--role` names the role of hosts whose files do not carry one: it must not turn the lab's
/// domain controller (ProductType LanmanNT in its export) into a member server, or the
/// LmCompatibilityLevel change, enforced at the DC for domain accounts, would look safe.
#[test]
fn role_flag_does_not_override_a_configured_domain_controller() {
    let v = simulate_json(&["--role", "member"]);
    let lm = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["change"]["setting"] == "LmCompatibilityLevel")
        .unwrap_or_else(|| panic!("no LmCompatibilityLevel change: {v}"));
    assert_eq!(lm["verdict"], "breaks", "{lm}");
    assert_eq!(clients(lm, true), set(&["MFP-2F", "WKS003"]));
}

/// `nullsight ARGS... --json -`, which must succeed.
fn run_json(args: &[&OsStr]) -> Value {
    let out = nullsight(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Issue 5: UseMachineId and allownullsessionfallback default by Windows version. The lab's
/// SRV-LEGACY08 (Server 2008, CurrentVersion 6.0, neither value set) runs LocalSystem
/// anonymously with the fallback allowed; its Windows 10+ neighbours have the 7+ defaults.
#[test]
fn audit_defaults_use_machine_id_and_fallback_by_windows_version() {
    let lab = lab();
    let v = run_json(&[
        OsStr::new("audit"),
        lab.dir.as_os_str(),
        OsStr::new("--json"),
        OsStr::new("-"),
    ]);
    let row = |host: &str, setting: &str| -> Value {
        let h = v["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["host"] == host)
            .unwrap_or_else(|| panic!("no host {host}"));
        h["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["setting"] == setting)
            .unwrap_or_else(|| panic!("{host}: no {setting} row"))
            .clone()
    };
    let legacy = row("SRV-LEGACY08", "UseMachineId");
    assert_eq!(legacy["status"], "default-fail", "{legacy}");
    assert_eq!(legacy["actual"], "not set: default 0 (Disabled)", "{legacy}");
    let notes = legacy["notes"].to_string();
    assert!(
        notes.contains("Windows before 7") && notes.contains("CurrentVersion 6.0"),
        "{legacy}"
    );
    let fallback = row("SRV-LEGACY08", "allownullsessionfallback");
    assert_eq!(fallback["status"], "default-fail", "{fallback}");
    assert_eq!(fallback["actual"], "not set: default 1 (Enabled)");
    for host in ["SRV-FILE01", "WKS001", "DC01"] {
        assert_eq!(row(host, "UseMachineId")["status"], "default-pass", "{host}");
        assert_eq!(
            row(host, "allownullsessionfallback")["status"],
            "default-pass",
            "{host}"
        );
    }
}

/// ... and so `fix` writes UseMachineId = 1 (and the fallback off) for SRV-LEGACY08, not for a
/// Windows 10 host that leaves both unset.
#[test]
fn fix_sets_use_machine_id_on_the_server_2008() {
    let lab = lab();
    let out_dir = temp_dir("lab_simulate_fix").join("fixes");
    let out = nullsight(&[
        OsStr::new("fix"),
        OsStr::new("--config"),
        lab.dir.as_os_str(),
        OsStr::new("--out"),
        out_dir.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "fix: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reg = |host: &str| -> String {
        let bytes = std::fs::read(out_dir.join(host).join("harden.reg")).unwrap();
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    };
    let legacy = reg("SRV-LEGACY08");
    assert!(
        legacy.contains("\"UseMachineId\"=dword:00000001"),
        "{legacy}"
    );
    assert!(
        legacy.contains("\"allownullsessionfallback\"=dword:00000000"),
        "{legacy}"
    );
    let wks = reg("WKS001");
    assert!(!wks.contains("UseMachineId"), "{wks}");
    assert!(!wks.contains("allownullsessionfallback"), "{wks}");
}

fn in_effect_hosts(c: &Value) -> Vec<(String, bool)> {
    c["in_effect"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["host"].as_str().unwrap().to_string(), i["stricter"] == true))
        .collect()
}

/// Issue 6: a change a host already runs with breaks nothing there, whatever the traffic
/// shows: the traffic was logged under that very value. SRV-FILE01's Lsa.reg has
/// EveryoneIncludesAnonymous = 0 and RestrictAnonymousSAM = 1, yet anonymous share and samr
/// accesses were logged on it (what would be "breaks" without the configuration).
#[test]
fn a_change_already_in_effect_breaks_nothing_and_is_left_out_of_the_plan() {
    for set in ["EveryoneIncludesAnonymous=0", "RestrictAnonymousSAM=1"] {
        let v = simulate_json(&["--set", set, "--host", "SRV-FILE01"]);
        let c = only_change(&v, set);
        assert_eq!(c["verdict"], "already-in-effect", "{set}: {c}");
        assert!(affected(&c).is_empty(), "{set}: {c}");
        assert_eq!(in_effect_hosts(&c), vec![("SRV-FILE01".to_string(), false)]);
        let source = c["in_effect"][0]["source"].as_str().unwrap();
        assert!(source.contains("SRV-FILE01") && source.contains("Lsa.reg: line"), "{c}");
        assert!(v["plan"]["stages"].as_array().unwrap().is_empty(), "{v}");
        assert_eq!(v["plan"]["already"].as_array().unwrap().len(), 1, "{v}");

        // Unknown current value: judged from the traffic, as before.
        let v = simulate_json_with(false, &["--set", set, "--host", "SRV-FILE01"]);
        let c = only_change(&v, set);
        assert_eq!(c["verdict"], "breaks", "{set} without --config: {c}");
        assert!(c["in_effect"].as_array().unwrap().is_empty());
    }
    // The same on every lab host.
    let c = simulate("RestrictAnonymousSAM=1");
    assert_eq!(c["verdict"], "already-in-effect", "{c}");
    assert_eq!(in_effect_hosts(&c).len(), 11, "{c}");
}

/// Ordered settings: SRV-FILE01's LmCompatibilityLevel 3 and NTLMMinServerSec 0x20080000
/// already do what LmCompatibilityLevel 2 and NTLMMinServerSec 0x20000000 would; level 5 is
/// a real change.
#[test]
fn a_stricter_current_value_counts_as_in_effect() {
    for set in ["LmCompatibilityLevel=2", "NTLMMinServerSec=536870912"] {
        let v = simulate_json(&["--set", set, "--host", "SRV-FILE01"]);
        let c = only_change(&v, set);
        assert_eq!(c["verdict"], "already-in-effect", "{set}: {c}");
        assert_eq!(in_effect_hosts(&c), vec![("SRV-FILE01".to_string(), true)]);
    }
    let v = simulate_json(&["--set", "LmCompatibilityLevel=5", "--host", "SRV-FILE01"]);
    let c = only_change(&v, "LmCompatibilityLevel=5");
    assert_ne!(c["verdict"], "already-in-effect", "{c}");
    assert!(in_effect_hosts(&c).is_empty(), "{c}");
}

/// A Windows default counts as the current value when the host's files hold the key and lack
/// the value, for the host's Windows version: UseMachineId = 1 is in effect on WKS001
/// (Windows 10, unset) and not on SRV-LEGACY08 (Server 2008, unset: 0).
#[test]
fn defaults_count_for_the_hosts_windows_version() {
    let v = simulate_json(&["--set", "UseMachineId=1", "--host", "WKS001"]);
    let c = only_change(&v, "UseMachineId=1");
    assert_eq!(c["verdict"], "already-in-effect", "{c}");
    let source = c["in_effect"][0]["source"].as_str().unwrap();
    assert!(source.starts_with("not set (not in "), "{source}");
    assert!(source.contains("Windows 7 / Server 2008 R2 and later"), "{source}");

    let v = simulate_json(&["--set", "UseMachineId=1", "--host", "SRV-LEGACY08"]);
    let c = only_change(&v, "UseMachineId=1");
    assert_eq!(c["verdict"], "cannot-tell", "{c}");
    assert!(in_effect_hosts(&c).is_empty(), "{c}");
}
