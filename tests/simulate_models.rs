//! One test per model: on constructed events with a known set of NTLMv1 clients, null-session
//! users and LocalSystem fallbacks, each change lists exactly those flows, and "safe now" or
//! "cannot tell" for the others.

use nullsight::event::*;
use nullsight::policy::settings::{self, Role, SettingValue};
use nullsight::simulate::*;
use std::sync::Arc;

fn ev(computer: &str, id: u32, rec: u64, anonymous: bool, kind: Kind) -> Event {
    Event {
        file: Arc::from("lab.evtx"),
        record_id: rec,
        time: Some(jiff::Timestamp::from_second(1_700_000_000 + rec as i64).unwrap()),
        computer: computer.into(),
        provider: "test".into(),
        channel: "Security".into(),
        event_id: id,
        version: None,
        anonymous,
        kind,
    }
}

#[allow(clippy::too_many_arguments)]
fn logon(
    host: &str,
    rec: u64,
    user: &str,
    domain: &str,
    sid: &str,
    ws: &str,
    ip: &str,
    lm: &str,
    key: u32,
) -> Event {
    let anonymous = sid == "S-1-5-7";
    ev(
        host,
        4624,
        rec,
        anonymous,
        Kind::Logon(Logon {
            target_sid: Some(sid.into()),
            target_user: Some(user.into()),
            target_domain: Some(domain.into()),
            logon_type: Some(3),
            auth_package: Some("NTLM".into()),
            lm_package: Some(lm.into()),
            key_length: Some(key),
            network: Network {
                workstation: Some(ws.into()),
                ip: Some(ip.into()),
                port: None,
            },
            ..Default::default()
        }),
    )
}

fn share(host: &str, rec: u64, id: u32, ip: &str, share: &str, target: Option<&str>) -> Event {
    ev(
        host,
        id,
        rec,
        true,
        Kind::ShareAccess(ShareAccess {
            subject: Subject {
                sid: Some("S-1-5-7".into()),
                user: Some("ANONYMOUS LOGON".into()),
                domain: Some("NT AUTHORITY".into()),
                logon_id: None,
            },
            network: Network {
                workstation: None,
                ip: Some(ip.into()),
                port: None,
            },
            share: Some(format!("\\\\*\\{share}").into()),
            relative_target: target.map(Into::into),
            ..Default::default()
        }),
    )
}

fn outgoing(
    host: &str,
    rec: u64,
    target: &str,
    user: Option<&str>,
    luid: u64,
    process: &str,
) -> Event {
    let mut e = ev(
        host,
        8001,
        rec,
        false,
        Kind::NtlmOutgoing(NtlmAudit {
            target_name: Some(target.into()),
            target_user: user.map(Into::into),
            target_domain: user.map(|_| "CORP".into()),
            client_luid: Some(LogonId(luid)),
            process_name: Some(process.into()),
            ..Default::default()
        }),
    );
    e.channel = "Microsoft-Windows-NTLM/Operational".into();
    e
}

fn passthrough(dc: &str, rec: u64, server: &str, user: &str, ws: &str) -> Event {
    let mut e = ev(
        dc,
        8004,
        rec,
        false,
        Kind::NtlmPassthrough(NtlmAudit {
            schannel_name: Some(server.into()),
            target_user: Some(user.into()),
            target_domain: Some("CORP".into()),
            workstation: Some(ws.into()),
            schannel_type: Some(2),
            ..Default::default()
        }),
    );
    e.channel = "Microsoft-Windows-NTLM/Operational".into();
    e
}

const DOM: &str = "S-1-5-21-1-2-3-";

/// The lab: FS01 (member server) receives NTLMv1 from WS07 and WS09 (domain accounts) and from
/// PRN01 for a local account; NTLMv2 from WS01 with 128-bit keys; one 56-bit key from WS07.
/// Null sessions: OLDSRV (LocalSystem fallback, 8001 with LUID 0x3e7 and no user) opens
/// lsarpc and srvsvc on FS01; 10.0.0.66 (unknown) opens samr and reads share PUBLIC.
/// WS01 has NTLM outgoing auditing and talks NTLM to FS01 and to APP02.
/// DC01 logs 8004 for FS01 and APP02. Every anonymous logon also logs "NTLM V1".
fn lab() -> Traffic {
    let mut t = Traffic::new();
    let sid = |rid: u32| format!("{DOM}{rid}");
    let events = vec![
        logon(
            "fs01.corp.example",
            1,
            "alice",
            "CORP",
            &sid(1101),
            "WS07",
            "10.0.0.7",
            "NTLM V1",
            128,
        ),
        logon(
            "fs01.corp.example",
            2,
            "alice",
            "CORP",
            &sid(1101),
            "WS07",
            "10.0.0.7",
            "NTLM V1",
            128,
        ),
        logon(
            "fs01.corp.example",
            3,
            "bob",
            "CORP",
            &sid(1102),
            "WS09",
            "10.0.0.9",
            "NTLM V1",
            128,
        ),
        logon(
            "fs01.corp.example",
            4,
            "scan",
            "FS01",
            "S-1-5-21-9-9-9-1001",
            "PRN01",
            "10.0.0.50",
            "LM",
            128,
        ),
        logon(
            "fs01.corp.example",
            5,
            "carol",
            "CORP",
            &sid(1103),
            "WS01",
            "10.0.0.1",
            "NTLM V2",
            128,
        ),
        logon(
            "fs01.corp.example",
            6,
            "dave",
            "CORP",
            &sid(1104),
            "WS07",
            "10.0.0.7",
            "NTLM V2",
            56,
        ),
        logon(
            "fs01.corp.example",
            7,
            "ANONYMOUS LOGON",
            "NT AUTHORITY",
            "S-1-5-7",
            "OLDSRV",
            "10.0.0.20",
            "NTLM V1",
            0,
        ),
        logon(
            "fs01.corp.example",
            8,
            "ANONYMOUS LOGON",
            "NT AUTHORITY",
            "S-1-5-7",
            "",
            "10.0.0.66",
            "NTLM V1",
            0,
        ),
        logon(
            "oldsrv.corp.example",
            9,
            "eve",
            "CORP",
            &sid(1105),
            "WS01",
            "10.0.0.1",
            "NTLM V2",
            128,
        ),
        logon(
            "oldsrv.corp.example",
            91,
            "OLDSRV$",
            "CORP",
            &sid(2000),
            "OLDSRV",
            "10.0.0.20",
            "NTLM V2",
            128,
        ),
        share("fs01.corp.example", 10, 5140, "10.0.0.20", "IPC$", None),
        share(
            "fs01.corp.example",
            11,
            5145,
            "10.0.0.20",
            "IPC$",
            Some("lsarpc"),
        ),
        share(
            "fs01.corp.example",
            12,
            5145,
            "10.0.0.20",
            "IPC$",
            Some("srvsvc"),
        ),
        share(
            "fs01.corp.example",
            13,
            5145,
            "10.0.0.66",
            "IPC$",
            Some("samr"),
        ),
        share("fs01.corp.example", 14, 5140, "10.0.0.66", "PUBLIC", None),
        outgoing(
            "oldsrv.corp.example",
            20,
            "cifs/fs01.corp.example",
            None,
            0x3e7,
            "C:\\Windows\\System32\\svchost.exe",
        ),
        outgoing(
            "ws01.corp.example",
            21,
            "cifs/fs01.corp.example",
            Some("carol"),
            0x12345,
            "explorer.exe",
        ),
        outgoing(
            "ws01.corp.example",
            22,
            "http/app02.corp.example",
            Some("carol"),
            0x12345,
            "chrome.exe",
        ),
        passthrough("dc01.corp.example", 30, "FS01", "alice", "WS07"),
        passthrough("dc01.corp.example", 31, "APP02", "carol", "WS01"),
    ];
    for e in &events {
        t.observe(e);
    }
    // Every host of the lab has full auditing (the events that show it carry no flow).
    for h in ["FS01", "OLDSRV", "WS01", "DC01"] {
        for ev in Evidence::ALL {
            if ev != Evidence::NtlmInDomain || h == "DC01" {
                *t.seen.entry(h.into()).or_default().entry(ev).or_default() += 1;
            }
        }
    }
    t
}

fn change(s: &str, scope: Scope) -> Change {
    parse_set(s, scope).unwrap()
}

fn run(changes: &[Change]) -> Vec<Impact> {
    let t = lab();
    let ctx = Context::new(&t, &[], changes);
    evaluate_all(&ctx)
}

fn one(s: &str, scope: Scope) -> Impact {
    run(&[change(s, scope)]).remove(0)
}

/// (client, logged_on, account) of the breaking flows, sorted.
fn broken(i: &Impact) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = i
        .breaks()
        .map(|a| {
            (
                a.client
                    .clone()
                    .unwrap_or_else(|| a.client_ip.clone().unwrap_or_default()),
                a.logged_on.clone(),
                a.account.clone().unwrap_or_default(),
            )
        })
        .collect();
    v.sort();
    v
}

fn t3(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.into(), b.into(), c.into())
}

#[test]
fn lm_compat_5_at_the_dc_lists_the_ntlmv1_domain_clients_and_not_null_sessions() {
    let i = one("LmCompatibilityLevel=5", Scope::Role(Role::Dc));
    assert_eq!(i.verdict, Verdict::Breaks);
    assert_eq!(
        broken(&i),
        vec![
            t3("WS07", "FS01", "CORP\\alice"),
            t3("WS09", "FS01", "CORP\\bob")
        ]
    );
    let alice = i
        .breaks()
        .find(|a| a.account.as_deref() == Some("CORP\\alice"))
        .unwrap();
    assert_eq!(alice.count, 2);
    assert_eq!(alice.evidence.len(), 2);
    assert_eq!(alice.first.unwrap().as_second(), 1_700_000_001);
    assert_eq!(alice.last.unwrap().as_second(), 1_700_000_002);
    assert!(alice.enforced_at.contains("domain controllers"));
}

#[test]
fn lm_compat_on_the_server_refuses_its_local_lm_account() {
    let i = one("LmCompatibilityLevel=5", Scope::Hosts(vec!["FS01".into()]));
    assert_eq!(broken(&i), vec![t3("PRN01", "FS01", "FS01\\scan")]);
    // Level 4 refuses LM only: the same local LM logon, and nothing at the DC for NTLMv1.
    let i = one("LmCompatibilityLevel=4", Scope::All);
    assert_eq!(broken(&i), vec![t3("PRN01", "FS01", "FS01\\scan")]);
    let i = one("LmCompatibilityLevel=3", Scope::All);
    assert_eq!(i.verdict, Verdict::SafeNow);
}

#[test]
fn min_server_sec_lists_keys_below_128_only() {
    let i = one("NTLMMinServerSec=537395200", Scope::All);
    assert_eq!(broken(&i), vec![t3("WS07", "FS01", "CORP\\dave")]);
    let i = one(
        "NTLMMinClientSec=536870912",
        Scope::Hosts(vec!["WS07".into()]),
    );
    assert_eq!(broken(&i), vec![t3("WS07", "FS01", "CORP\\dave")]);
    let i = one(
        "NTLMMinClientSec=536870912",
        Scope::Hosts(vec!["WS09".into()]),
    );
    assert_eq!(i.verdict, Verdict::SafeNow, "{i:#?}");
}

#[test]
fn anonymous_pipe_settings_list_the_right_pipes() {
    let i = one("LSAAnonymousNameLookup=0", Scope::All);
    assert_eq!(
        broken(&i),
        vec![t3("OLDSRV", "FS01", "NT AUTHORITY\\ANONYMOUS LOGON")]
    );
    assert!(i.breaks().all(|a| a.what.contains("lsarpc")));
    let i = one("RestrictAnonymousSAM=1", Scope::All);
    assert_eq!(
        broken(&i),
        vec![t3("10.0.0.66", "FS01", "NT AUTHORITY\\ANONYMOUS LOGON")]
    );
    let i = one("RestrictAnonymous=1", Scope::All);
    let pipes: Vec<String> = i.breaks().map(|a| a.what.clone()).collect();
    assert_eq!(pipes.len(), 2, "{pipes:?}");
    assert!(pipes.iter().any(|p| p.contains("samr")) && pipes.iter().any(|p| p.contains("srvsvc")));
    // Level 2: every anonymous access, IPC$ included.
    assert_eq!(one("RestrictAnonymous=2", Scope::All).breaks().count(), 5);
}

#[test]
fn null_session_pipes_and_shares() {
    // FS01 is a member (no configuration, default RestrictNullSessAccess = 1): keeping only
    // lsarpc leaves srvsvc and samr refused.
    let i = one("NullSessionPipes=lsarpc", Scope::All);
    let mut what: Vec<String> = i.breaks().map(|a| a.what.clone()).collect();
    what.sort();
    assert_eq!(what.len(), 2, "{what:?}");
    assert!(what[0].contains("samr") && what[1].contains("srvsvc"));
    let i = one("NullSessionShares=", Scope::All);
    assert_eq!(i.breaks().count(), 1);
    assert!(i.breaks().next().unwrap().what.contains("PUBLIC"));
    let i = one("NullSessionShares=PUBLIC", Scope::All);
    assert_eq!(i.verdict, Verdict::SafeNow);
    // RestrictNullSessAccess = 1 with the member default (no pipes, no shares): all four.
    let i = one("RestrictNullSessAccess=1", Scope::All);
    assert_eq!(i.breaks().count(), 4);
    // With an allow-list in the same change set, only what it leaves out.
    let changes = vec![
        change("NullSessionPipes=lsarpc,srvsvc,samr", Scope::All),
        change("NullSessionShares=PUBLIC", Scope::All),
        change("RestrictNullSessAccess=1", Scope::All),
    ];
    let all = run(&changes);
    assert!(
        all.iter().all(|i| i.verdict == Verdict::SafeNow),
        "{all:#?}"
    );
}

#[test]
fn localsystem_fallback() {
    let i = one("allownullsessionfallback=0", Scope::All);
    assert_eq!(i.verdict, Verdict::Breaks);
    let clients: Vec<String> = i.breaks().map(|a| a.client.clone().unwrap()).collect();
    assert!(clients.iter().all(|c| c == "OLDSRV"), "{clients:?}");
    // The 8001 on OLDSRV and the anonymous 4624 it causes on FS01.
    assert_eq!(i.breaks().count(), 2);
    assert!(i.breaks().all(|a| a.remedy
        == Some(Remedy::UseMachineId {
            client: "OLDSRV".into()
        })));
    // UseMachineId = 1 in the same set fixes it; UseMachineId itself changes identity only.
    let all = run(&[
        change("UseMachineId=1", Scope::All),
        change("allownullsessionfallback=0", Scope::All),
    ]);
    assert_eq!(all[0].verdict, Verdict::SafeNow);
    assert_eq!(all[0].affected.len(), 2);
    assert_eq!(all[1].verdict, Verdict::SafeNow);
    // The null sessions from OLDSRV are attributed to the fallback in other models too.
    let i = one("LSAAnonymousNameLookup=0", Scope::All);
    assert_eq!(
        i.breaks().next().unwrap().remedy,
        Some(Remedy::UseMachineId {
            client: "OLDSRV".into()
        })
    );
}

#[test]
fn restrict_sending_uses_8001_and_the_exception_list() {
    let i = one(
        "RestrictSendingNTLMTraffic=2",
        Scope::Hosts(vec!["WS01".into()]),
    );
    assert_eq!(i.verdict, Verdict::Breaks);
    let mut servers: Vec<String> = i.breaks().map(|a| a.server.clone().unwrap()).collect();
    servers.sort();
    assert_eq!(
        servers,
        vec!["cifs/fs01.corp.example", "http/app02.corp.example"]
    );
    let all = run(&[
        change("ClientAllowedNTLMServers=*.corp.example", Scope::All),
        change(
            "RestrictSendingNTLMTraffic=2",
            Scope::Hosts(vec!["WS01".into()]),
        ),
    ]);
    assert_eq!(all[1].verdict, Verdict::SafeNow, "{:#?}", all[1]);
    // Audit all blocks nothing.
    assert_eq!(
        one("RestrictSendingNTLMTraffic=1", Scope::All).verdict,
        Verdict::SafeNow
    );
    // WS07 has no NTLM/Operational: cannot tell from 8001, but its NTLM seen on FS01 would break.
    let i = one(
        "RestrictSendingNTLMTraffic=2",
        Scope::Hosts(vec!["WS07".into()]),
    );
    assert_eq!(i.verdict, Verdict::Breaks);
    assert_eq!(i.missing[0].hosts, vec!["WS07"]);
    assert!(i.missing[0].how.contains("RestrictSendingNTLMTraffic = 1"));
}

#[test]
fn restrict_receiving_and_in_domain() {
    let i = one(
        "RestrictReceivingNTLMTraffic=1",
        Scope::Hosts(vec!["OLDSRV".into()]),
    );
    assert_eq!(
        broken(&i),
        vec![
            t3("OLDSRV", "OLDSRV", "CORP\\OLDSRV$"),
            t3("WS01", "OLDSRV", "CORP\\eve")
        ]
    );
    let i = one(
        "RestrictReceivingNTLMTraffic=2",
        Scope::Hosts(vec!["FS01".into()]),
    );
    assert_eq!(i.breaks().count(), 7);
    let i = one("RestrictNTLMInDomain=7", Scope::All);
    let mut servers: Vec<String> = i.breaks().map(|a| a.server.clone().unwrap()).collect();
    servers.sort();
    assert_eq!(servers, vec!["APP02", "FS01"]);
    let all = run(&[
        change("DCAllowedNTLMServers=APP02,FS01", Scope::Role(Role::Dc)),
        change("RestrictNTLMInDomain=7", Scope::Role(Role::Dc)),
    ]);
    assert_eq!(all[1].verdict, Verdict::SafeNow);
}

#[test]
fn guest_and_everyone() {
    let mut t = lab();
    t.observe(&logon(
        "fs01",
        40,
        "Guest",
        "FS01",
        "S-1-5-21-9-9-9-501",
        "KIOSK",
        "10.0.0.80",
        "NTLM V2",
        128,
    ));
    let changes = vec![
        change("EnableGuestAccount=0", Scope::All),
        change("EveryoneIncludesAnonymous=0", Scope::All),
    ];
    let ctx = Context::new(&t, &[], &changes);
    let r = evaluate_all(&ctx);
    assert_eq!(broken(&r[0]), vec![t3("KIOSK", "FS01", "FS01\\Guest")]);
    assert_eq!(r[1].breaks().count(), 1);
    assert!(r[1].breaks().next().unwrap().what.contains("PUBLIC"));
}

#[test]
fn cannot_tell_without_the_auditing() {
    // Only 4624 on FS01: nothing about pipes.
    let mut t = Traffic::new();
    t.observe(&logon(
        "fs01",
        1,
        "carol",
        "CORP",
        "S-1-5-21-1-2-3-1103",
        "WS01",
        "10.0.0.1",
        "NTLM V2",
        128,
    ));
    let changes = vec![
        change("RestrictAnonymousSAM=1", Scope::All),
        change("LmCompatibilityLevel=5", Scope::All),
        change("allownullsessionfallback=0", Scope::All),
        change("RestrictNTLMInDomain=7", Scope::All),
        change("NoLMHash=1", Scope::All),
        change("AuditReceivingNTLMTraffic=2", Scope::All),
    ];
    let ctx = Context::new(&t, &[], &changes);
    let r = evaluate_all(&ctx);
    assert_eq!(r[0].verdict, Verdict::CannotTell);
    assert_eq!(r[0].missing[0].evidence, Evidence::DetailedFileShare);
    assert!(r[0].missing[0].how.contains("Detailed File Share"));
    assert_eq!(r[1].verdict, Verdict::SafeNow);
    assert_eq!(r[2].verdict, Verdict::CannotTell);
    assert!(r[2].missing[0].how.contains("RestrictSendingNTLMTraffic"));
    assert_eq!(r[3].verdict, Verdict::CannotTell);
    assert_eq!(r[4].verdict, Verdict::CannotTell);
    assert!(r[4].summary.contains("no traffic model"));
    assert_eq!(r[5].verdict, Verdict::SafeNow);
    assert!(r[5].audit_only);
}

#[test]
fn the_plan_fixes_first_and_orders_dependencies() {
    let changes = vec![
        change("LmCompatibilityLevel=5", Scope::All),
        change("allownullsessionfallback=0", Scope::All),
        change("UseMachineId=1", Scope::All),
        change("AuditNTLMInDomain=7", Scope::Role(Role::Dc)),
        change("EnableGuestAccount=0", Scope::All),
    ];
    let t = lab();
    let ctx = Context::new(&t, &[], &changes);
    let r = evaluate_all(&ctx);
    let p = plan(&r);
    let titles: Vec<&str> = p.stages.iter().map(|s| s.title.as_str()).collect();
    assert!(titles[0].starts_with("Turn on"), "{titles:?}");
    assert!(titles[1].starts_with("Apply now"));
    // UseMachineId before allownullsessionfallback.
    let safe = &p.stages[1].apply;
    let um = safe
        .iter()
        .position(|s| s.starts_with("UseMachineId"))
        .unwrap();
    let nf = safe
        .iter()
        .position(|s| s.starts_with("allownullsessionfallback"))
        .unwrap();
    assert!(um < nf);
    let fix = p
        .stages
        .iter()
        .find(|s| s.title.starts_with("Fix"))
        .unwrap();
    assert_eq!(fix.apply.len(), 1);
    assert!(fix.apply[0].starts_with("LmCompatibilityLevel"));
    let v1 = fix
        .before
        .iter()
        .find(|f| f.what.contains("NTLMv1"))
        .unwrap();
    assert_eq!(v1.items, vec!["PRN01", "WS07", "WS09"]);
}

#[test]
fn merge_is_order_independent() {
    let full = lab();
    let mut a = Traffic::new();
    let mut b = Traffic::new();
    let events = [
        logon(
            "fs01",
            1,
            "alice",
            "CORP",
            "S-1-5-21-1-2-3-1101",
            "WS07",
            "10.0.0.7",
            "NTLM V1",
            128,
        ),
        logon(
            "fs01",
            2,
            "alice",
            "CORP",
            "S-1-5-21-1-2-3-1101",
            "WS07",
            "10.0.0.7",
            "NTLM V1",
            128,
        ),
        share("fs01", 3, 5145, "10.0.0.66", "IPC$", Some("samr")),
    ];
    let mut whole = Traffic::new();
    for (n, e) in events.iter().enumerate() {
        whole.observe(e);
        if n % 2 == 0 {
            a.observe(e)
        } else {
            b.observe(e)
        }
    }
    let mut ab = a.clone();
    ab.merge(b.clone());
    let mut ba = b;
    ba.merge(a);
    assert_eq!(ab, whole);
    assert_eq!(ba, whole);
    assert!(full.flows.len() > whole.flows.len());
}

#[test]
fn set_values_are_validated() {
    assert!(parse_set("NullSessionPipes=lsarpc,\"x", Scope::All).is_err());
    assert!(parse_set("NullSessionPipes=a'b", Scope::All).is_err());
    assert!(parse_set("LmCompatibilityLevel=five", Scope::All).is_err());
    assert!(parse_set("NoSuchSetting=1", Scope::All).is_err());
    assert!(parse_set("LmCompatibilityLevel=99999999999", Scope::All).is_err());
    let c = parse_set("NullSessionPipes=", Scope::All).unwrap();
    assert_eq!(c.value, Some(SettingValue::List(vec![])));
    assert!(parse_set("NullSessionPipes=-", Scope::All)
        .unwrap()
        .value
        .is_none());
    assert!(settings::find("LmCompatibilityLevel").is_some());
}

/// What counts as "already in effect": the same value; a higher one for ordered settings; a
/// superset of the bits for flags and audit settings; nothing else.
#[test]
fn at_least_as_strict_orders_only_ordered_settings() {
    let n = SettingValue::Number;
    let s = |name: &str| settings::find(name).unwrap();
    assert!(at_least_as_strict(s("LmCompatibilityLevel"), &n(5), &n(4)));
    assert!(!at_least_as_strict(s("LmCompatibilityLevel"), &n(3), &n(5)));
    assert!(at_least_as_strict(s("RestrictAnonymous"), &n(2), &n(1)));
    assert!(at_least_as_strict(
        s("NTLMMinServerSec"),
        &n(0x2008_0000),
        &n(0x2000_0000)
    ));
    assert!(!at_least_as_strict(
        s("NTLMMinServerSec"),
        &n(0x2000_0000),
        &n(0x2008_0000)
    ));
    assert!(at_least_as_strict(s("AuditLogon"), &n(3), &n(1)));
    assert!(!at_least_as_strict(s("AuditLogon"), &n(2), &n(1)));
    // Not ordered: 0 and 1 are different choices, and 3 / 5 of RestrictNTLMInDomain differ.
    assert!(!at_least_as_strict(
        s("EveryoneIncludesAnonymous"),
        &n(1),
        &n(0)
    ));
    assert!(!at_least_as_strict(s("RestrictNTLMInDomain"), &n(5), &n(3)));
    let list = |v: &[&str]| SettingValue::List(v.iter().map(|x| x.to_string()).collect());
    assert!(at_least_as_strict(
        s("NullSessionPipes"),
        &list(&["SAMR", "lsarpc"]),
        &list(&["lsarpc", "samr"])
    ));
    assert!(!at_least_as_strict(
        s("NullSessionPipes"),
        &list(&["lsarpc"]),
        &list(&[])
    ));
}

/// The terminal report names the busiest flows of a change and the first clients of a plan
/// step, and says how many more `--json` and `--csv` list.
#[test]
fn the_terminal_report_lists_the_busiest_flows_and_counts_the_rest() {
    use nullsight::cli::simulate::{render, TERMINAL_FLOWS, TERMINAL_ITEMS};
    let clients = TERMINAL_ITEMS + 10;
    let mut t = Traffic::new();
    let mut rec = 0;
    for c in 0..clients {
        // Client c logs on c + 1 times: the busiest is the last.
        for _ in 0..=c {
            rec += 1;
            let ws = format!("WS{c:03}");
            let ip = format!("10.0.1.{c}");
            let e = logon(
                "fs01",
                rec,
                "eve",
                "CORP",
                &format!("{DOM}1201"),
                &ws,
                &ip,
                "NTLM V1",
                128,
            );
            t.observe(&e);
        }
    }
    let changes = [change("LmCompatibilityLevel=5", Scope::All)];
    let ctx = Context::new(&t, &[], &changes);
    let impacts = evaluate_all(&ctx);
    assert_eq!(impacts[0].breaks().count(), clients);
    let mut out = Vec::new();
    render(&mut out, &impacts, &plan(&impacts), &t, &[]).unwrap();
    let out = String::from_utf8(out).unwrap();
    let listed: Vec<&str> = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix("account CORP\\eve from "))
        .map(|l| &l[..5])
        .collect();
    assert_eq!(listed.len(), TERMINAL_FLOWS, "{out}");
    let busiest: Vec<String> = (0..TERMINAL_FLOWS)
        .map(|i| format!("WS{:03}", clients - 1 - i))
        .collect();
    assert_eq!(listed, busiest);
    let rest = clients - TERMINAL_FLOWS;
    let rest_events: usize = (1..=rest).sum();
    assert!(
        out.contains(&format!(
            "... and {rest} more flow(s), {rest_events} event(s)"
        )),
        "{out}"
    );
    // The plan names the first clients to fix and counts the others.
    assert!(out.contains("WS000, WS001"), "{out}");
    assert!(
        out.contains(&format!(
            "... and {} more (--json FILE",
            clients - TERMINAL_ITEMS
        )),
        "{out}"
    );
    assert!(!out.contains(&format!("WS{:03}, ", clients - 1)), "{out}");
}
