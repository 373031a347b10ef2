//! End-to-end: `nullsight audit` on folders of configuration files in the formats Windows writes
//! (built byte by byte here), one folder per role.

use nullsight::policy::hive::build::{hive_bytes, Node};
use std::path::{Path, PathBuf};
use std::process::Command;

fn utf16_bom(s: &str) -> Vec<u8> {
    let mut v = vec![0xff, 0xfe];
    v.extend(s.encode_utf16().flat_map(|u| u.to_le_bytes()));
    v
}

fn wz(s: &str) -> Vec<u8> {
    let mut v: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    v.extend([0, 0]);
    v
}

fn multi(items: &[&str]) -> Vec<u8> {
    let mut v: Vec<u8> = items.iter().flat_map(|s| wz(s)).collect();
    v.extend([0, 0]);
    v
}

fn pol_record(key: &str, value: &str, ty: u32, data: &[u8]) -> Vec<u8> {
    let mut v = vec![0x5b, 0x00];
    v.extend(wz(key));
    v.extend([0x3b, 0x00]);
    v.extend(wz(value));
    v.extend([0x3b, 0x00]);
    v.extend(ty.to_le_bytes());
    v.extend([0x3b, 0x00]);
    v.extend((data.len() as u32).to_le_bytes());
    v.extend([0x3b, 0x00]);
    v.extend(data);
    v.extend([0x5d, 0x00]);
    v
}

fn pol(records: &[Vec<u8>]) -> Vec<u8> {
    let mut b = b"PReg\x01\x00\x00\x00".to_vec();
    for r in records {
        b.extend(r);
    }
    b
}

/// A fresh folder per call: tests run in parallel and several build the same fixture.
fn tmpdir(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("nullsight-audit-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn put(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

const AUDIT_HEADER: &str = "Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\n";

fn auditpol(machine: &str, rows: &[(&str, &str, u32)]) -> Vec<u8> {
    let mut s = AUDIT_HEADER.to_string();
    for (name, guid, v) in rows {
        let text = ["No Auditing", "Success", "Failure", "Success and Failure"][*v as usize];
        s.push_str(&format!(
            "{machine},System,{name},{{{guid}-69AE-11D9-BED3-505054503030}},{text},,{v}\r\n"
        ));
    }
    s.into_bytes()
}

const GPO: &str = "Policies/{31B2F340-016D-11D2-945F-00C04FB984F9}/Machine";

/// A domain controller: SYSTEM hive, secedit export, auditpol backup, and a GPO that overrides two
/// local values.
fn dc_fixture() -> PathBuf {
    let d = tmpdir("dc").join("dc-folder");
    let mut root = Node::new("ROOT");
    root.at("Select")
        .values
        .push(("Current".into(), 4, 1u32.to_le_bytes().to_vec()));
    let cs = r"ControlSet001";
    root.at(&format!(r"{cs}\Control\ComputerName\ComputerName"))
        .values
        .push(("ComputerName".into(), 1, wz("DC01")));
    root.at(&format!(r"{cs}\Control\ProductOptions"))
        .values
        .push(("ProductType".into(), 1, wz("LanmanNT")));
    *root.at(&format!(r"{cs}\Control\Lsa")) = Node::new("Lsa")
        .dword("LmCompatibilityLevel", 5)
        .dword("NoLMHash", 1)
        .dword("EveryoneIncludesAnonymous", 0)
        .dword("UseMachineId", 1)
        .child(
            Node::new("MSV1_0")
                .dword("NTLMMinClientSec", 537395200)
                .dword("NTLMMinServerSec", 536870912)
                .dword("RestrictSendingNTLMTraffic", 1)
                .dword("AuditReceivingNTLMTraffic", 2)
                .dword("allownullsessionfallback", 0),
        );
    *root.at(&format!(r"{cs}\Services\LanmanServer\Parameters")) = Node::new("Parameters")
        .value(
            "NullSessionPipes",
            7,
            multi(&["netlogon", "samr", "lsarpc"]),
        )
        .dword("RestrictNullSessAccess", 1)
        .dword("RequireSecuritySignature", 1)
        .dword("SMB1", 0);
    *root.at(&format!(r"{cs}\Services\Netlogon\Parameters")) = Node::new("Parameters")
        .dword("AuditNTLMInDomain", 7)
        .dword("RequireSignOrSeal", 1)
        .dword("SealSecureChannel", 1)
        .dword("SignSecureChannel", 1)
        .dword("RequireStrongKey", 1);
    put(&d, "hives/SYSTEM", &hive_bytes(&root));
    put(
        &d,
        "secedit.inf",
        &utf16_bom(
            "[Unicode]\r\nUnicode=yes\r\n[System Access]\r\nLSAAnonymousNameLookup = 1\r\nEnableGuestAccount = 0\r\n\
             [Privilege Rights]\r\nSeNetworkLogonRight = *S-1-1-0,*S-1-5-11,*S-1-5-32-544,*S-1-5-32-554,*S-1-5-9\r\n\
             SeDenyNetworkLogonRight = *S-1-5-32-546\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n",
        ),
    );
    put(
        &d,
        "auditpol.csv",
        &auditpol(
            "DC01",
            &[
                ("Logon", "0CCE9215", 3),
                ("Credential Validation", "0CCE923F", 3),
                ("File Share", "0CCE9224", 3),
                ("Detailed File Share", "0CCE9244", 0),
                ("Computer Account Management", "0CCE9236", 1),
            ],
        ),
    );
    put(
        &d,
        &format!("{GPO}/Microsoft/Windows NT/SecEdit/GptTmpl.inf"),
        &utf16_bom("[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n[System Access]\r\nLSAAnonymousNameLookup = 0\r\n"),
    );
    put(
        &d,
        &format!("{GPO}/Registry.pol"),
        &pol(&[pol_record(
            r"System\CurrentControlSet\Control\Lsa",
            "LmCompatibilityLevel",
            4,
            &3u32.to_le_bytes(),
        )]),
    );
    put(&d, "README.txt", b"collected on 2026-01-01\n");
    d
}

/// A member server: a version 5 .reg export and a GPO Registry.pol using **delvals. and **del.
fn member_fixture() -> PathBuf {
    let d = tmpdir("member").join("srv01");
    let pipes: Vec<String> = multi(&["BROWSER"])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let reg = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n\
         [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa]\r\n\
         \"RestrictAnonymousSAM\"=dword:00000001\r\n\
         \"RestrictAnonymous\"=dword:00000000\r\n\
         \"LmCompatibilityLevel\"=dword:00000005\r\n\
         \"RestrictRemoteSAM\"=\"O:BAG:BAD:(A;;RC;;;BA)\"\r\n\r\n\
         [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\MSV1_0]\r\n\
         \"RestrictSendingNTLMTraffic\"=dword:00000000\r\n\
         \"allownullsessionfallback\"=dword:00000000\r\n\r\n\
         [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\LanManServer\\Parameters]\r\n\
         \"NullSessionPipes\"=hex(7):{}\r\n\r\n",
        pipes.join(",")
    );
    put(&d, "export/lsa.reg", &utf16_bom(&reg));
    put(
        &d,
        "gpo/Machine/Registry.pol",
        &pol(&[
            pol_record(
                r"System\CurrentControlSet\Control\Lsa\MSV1_0",
                "**delvals.",
                1,
                &wz(" "),
            ),
            pol_record(
                r"System\CurrentControlSet\Control\Lsa\MSV1_0",
                "RestrictSendingNTLMTraffic",
                4,
                &2u32.to_le_bytes(),
            ),
            pol_record(
                r"System\CurrentControlSet\Control\Lsa",
                "**del.LmCompatibilityLevel",
                1,
                &wz(" "),
            ),
        ]),
    );
    d
}

/// A workstation: a REGEDIT4 export (with the IE 1A00 client-hardening value and hostile
/// strings) and an auditpol backup naming the computer.
fn workstation_fixture() -> PathBuf {
    let d = tmpdir("ws").join("ws-folder");
    let reg = "REGEDIT4\r\n\r\n\
               [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa]\r\n\
               \"EveryoneIncludesAnonymous\"=dword:00000001\r\n\
               \"RestrictRemoteSAM\"=\"\x1b[31mred\x07\"\r\n\r\n\
               [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\LanManServer\\Parameters]\r\n\
               \"NullSessionPipes\"=hex(7):3d,63,6d,64,7c,63,61,6c,63,00,00\r\n\r\n\
               [HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Lockdown_Zones\\4]\r\n\
               \"1A00\"=dword:00030000\r\n";
    put(&d, "ws.reg", reg.as_bytes());
    put(
        &d,
        "audit.csv",
        &auditpol(
            "WS01",
            &[
                ("Logon", "0CCE9215", 3),
                ("Credential Validation", "0CCE923F", 3),
                ("File Share", "0CCE9224", 1),
                ("Detailed File Share", "0CCE9244", 1),
            ],
        ),
    );
    d
}

fn nullsight(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nullsight"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The table line for a setting in a section of the report.
fn row<'a>(out: &'a str, section_start: &str, setting: &str) -> &'a str {
    let from = out
        .find(section_start)
        .unwrap_or_else(|| panic!("no {section_start:?} in\n{out}"));
    out[from..]
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(setting))
        .unwrap_or_else(|| panic!("no row for {setting} in\n{out}"))
}

fn status<'a>(out: &'a str, setting: &str) -> &'a str {
    row(out, "STATUS", setting)
        .split_whitespace()
        .next()
        .unwrap()
}

#[test]
fn dc_folder() {
    let d = dc_fixture();
    let (code, out, err) = nullsight(&["audit", d.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("== Host DC01: role dc (ProductType LanmanNT in"),
        "{out}"
    );
    assert!(out.contains("baseline cis-dc"), "{out}");
    assert!(err.contains("README.txt: skipped"), "{err}");
    // GPO GptTmpl.inf wins over the local secedit export, and the conflict is reported.
    assert_eq!(status(&out, "LSAAnonymousNameLookup"), "pass");
    assert!(
        row(&out, "STATUS", "LSAAnonymousNameLookup").contains("GptTmpl.inf: line 7"),
        "{out}"
    );
    assert!(out.contains("LSAAnonymousNameLookup: GPO "), "{out}");
    assert!(
        out.contains("Group Policy wins over the local value"),
        "{out}"
    );
    // GPO Registry.pol LmCompatibilityLevel 3 beats the hive's 5.
    assert_eq!(status(&out, "LmCompatibilityLevel"), "fail");
    assert!(row(&out, "STATUS", "LmCompatibilityLevel").contains("3 (Send NTLMv2 response only)"));
    assert_eq!(status(&out, "SeNetworkLogonRight"), "fail");
    assert_eq!(status(&out, "SeDenyNetworkLogonRight"), "pass");
    assert_eq!(status(&out, "NTLMMinClientSec"), "pass");
    assert_eq!(status(&out, "NTLMMinServerSec"), "fail");
    assert_eq!(status(&out, "NullSessionPipes"), "pass");
    assert_eq!(status(&out, "NullSessionShares"), "default-pass");
    assert_eq!(status(&out, "AuditNTLMInDomain"), "pass");
    assert_eq!(status(&out, "VulnerableChannelAllowList"), "default-pass");
    assert_eq!(status(&out, "LDAPServerIntegrity"), "unknown");
    assert!(row(&out, "STATUS", "NullSessionPipes")
        .contains(r"ControlSet001\Services\LanmanServer\Parameters\NullSessionPipes"));
    // audit coverage
    assert_eq!(
        row(&out, "Audit coverage:", "AuditDetailedFileShare")
            .split_whitespace()
            .next(),
        Some("fail")
    );
    assert_eq!(
        row(&out, "Audit coverage:", "AuditComputerAccountManagement")
            .split_whitespace()
            .next(),
        Some("pass")
    );
    assert!(
        out.contains(
            "\"Nothing seen in the logs\" can be trusted: NO, not audited: AuditDetailedFileShare"
        ),
        "{out}"
    );
    // The same folder with a member baseline file given explicitly.
    let (code, out, _) = nullsight(&[
        "audit",
        d.to_str().unwrap(),
        "--baseline",
        "cis-member",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["hosts"][0]["baseline"], "cis-member");
    assert_eq!(v["hosts"][0]["role"], "dc");
    let rows = v["hosts"][0]["rows"].as_array().unwrap();
    let r = rows
        .iter()
        .find(|r| r["setting"] == "RestrictAnonymous")
        .unwrap();
    assert_eq!(r["status"], "default-fail");
}

#[test]
fn member_folder() {
    let d = member_fixture();
    let (code, out, err) = nullsight(&["audit", d.to_str().unwrap(), "--role", "member"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("== Host srv01: role member (--role), baseline cis-member"),
        "{out}"
    );
    assert_eq!(status(&out, "RestrictAnonymousSAM"), "pass");
    assert_eq!(status(&out, "RestrictAnonymous"), "fail");
    assert_eq!(status(&out, "RestrictRemoteSAM"), "pass");
    assert_eq!(status(&out, "NullSessionPipes"), "pass");
    assert_eq!(status(&out, "NullSessionShares"), "default-pass");
    // **del.LmCompatibilityLevel in the GPO removes the local 5: Windows default 3 applies.
    assert_eq!(status(&out, "LmCompatibilityLevel"), "default-fail");
    assert!(
        row(&out, "STATUS", "LmCompatibilityLevel").contains("deleted by GPO"),
        "{out}"
    );
    // **delvals. then a new value: the GPO's 2 wins over the local 0.
    assert_eq!(status(&out, "RestrictSendingNTLMTraffic"), "pass");
    // **delvals. removed allownullsessionfallback: default 0 passes.
    assert_eq!(status(&out, "allownullsessionfallback"), "default-pass");
    assert_eq!(status(&out, "UseMachineId"), "default-pass");
    // no secedit export, no auditpol: unknown
    assert_eq!(status(&out, "LSAAnonymousNameLookup"), "unknown");
    // the GPO's **delvals. also removed AuditReceivingNTLMTraffic: NTLM auditing is off.
    assert!(
        out.contains("can be trusted: NO, not audited: AuditReceivingNTLMTraffic"),
        "{out}"
    );

    let (code, csv, _) = nullsight(&[
        "audit",
        d.to_str().unwrap(),
        "--role",
        "member",
        "--csv",
        "-",
    ]);
    assert_eq!(code, 0);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[3], "setting");
    let recs: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let r = recs.iter().find(|r| &r[3] == "RestrictAnonymous").unwrap();
    assert_eq!(&r[8], "fail");
    assert_eq!(&r[0], "srv01");
}

#[test]
fn workstation_folder_hostile_strings_and_ie_value() {
    let d = workstation_fixture();
    let (code, out, err) = nullsight(&["audit", d.to_str().unwrap(), "--role", "workstation"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("== Host WS01: role workstation"), "{out}");
    assert_eq!(status(&out, "EveryoneIncludesAnonymous"), "fail");
    assert_eq!(status(&out, "NullSessionPipes"), "fail");
    assert_eq!(status(&out, "RestrictRemoteSAM"), "fail");
    assert!(
        !out.contains('\x1b') && !out.contains('\x07'),
        "control characters reached the terminal"
    );
    // IE 1A00 = 196608: shown as client hardening, never as anonymous access.
    let ie = row(
        &out,
        "Other settings found",
        "IELockdownRestrictedZoneLogon",
    );
    assert!(ie.starts_with("info"), "{ie}");
    assert!(ie.contains("client hardening"), "{ie}");
    // auditpol shows every subcategory audited, but no input shows the NTLM audit values.
    assert!(
        out.contains("can be trusted: unknown, not shown by the inputs: AuditReceivingNTLMTraffic, RestrictSendingNTLMTraffic"),
        "{out}"
    );
    // CSV formula neutralisation
    let (_, csv, _) = nullsight(&[
        "audit",
        d.to_str().unwrap(),
        "--role",
        "workstation",
        "--csv",
    ]);
    let line = csv
        .lines()
        .find(|l| l.contains(",NullSessionPipes,"))
        .unwrap();
    assert!(line.contains(",'=cmd|calc,"), "{line}");
    assert!(!csv.contains('\x1b'));
}

#[test]
fn bad_inputs_are_reported_and_the_rest_is_audited() {
    let ws = workstation_fixture();
    let bad = tmpdir("bad").join("broken");
    put(&bad, "empty.reg", b"");
    put(
        &bad,
        "Machine/Registry.pol",
        &pol(&[pol_record("Software\\X", "A", 4, &1u32.to_le_bytes())])[..30],
    );
    let mut hive = hive_bytes(&Node::new("ROOT").child(Node::new("Select").dword("Current", 1)));
    hive.truncate(4096 + 40);
    put(&bad, "SYSTEM", &hive);
    put(
        &bad,
        "GptTmpl.inf",
        &utf16_bom("[System Access]\r\nLSAAnonymousNameLookup 1\r\n"),
    );
    put(&bad, "junk.reg", b"MZ\x90\x00garbage");
    let (code, out, err) = nullsight(&[
        "audit",
        ws.to_str().unwrap(),
        bad.to_str().unwrap(),
        "--role",
        "workstation",
    ]);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(out.contains("== Host WS01"), "{out}");
    assert!(err.contains("empty.reg: empty file"), "{err}");
    assert!(
        err.contains("Registry.pol: byte offset") && err.contains("truncated"),
        "{err}"
    );
    assert!(err.contains("SYSTEM: byte offset"), "{err}");
    assert!(
        err.contains("GptTmpl.inf: line 2: expected \"Key = value\""),
        "{err}"
    );
    assert!(
        err.contains("junk.reg: not a recognised configuration file"),
        "{err}"
    );
    assert!(
        out.contains("Input errors (the other inputs were audited):"),
        "{out}"
    );

    // Nothing readable at all: status 1.
    let (code, _, err) = nullsight(&["audit", bad.join("empty.reg").to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no configuration could be read"), "{err}");
}

#[test]
fn user_baseline_file() {
    let ws = workstation_fixture();
    let dir = tmpdir("baseline");
    let good = dir.join("mine.toml");
    std::fs::write(
        &good,
        "name = \"mine\"\ntitle = \"My rules\"\n[[rule]]\nsetting = \"EveryoneIncludesAnonymous\"\nvalue = 1\n\
         rationale = \"testing\"\ncis = { \"Mine v1\" = \"1.1\" }\n",
    )
    .unwrap();
    let (code, out, err) = nullsight(&[
        "audit",
        ws.to_str().unwrap(),
        "--baseline",
        good.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(status(&out, "EveryoneIncludesAnonymous"), "pass");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"x\"\ntitle = \"y\"\n[[rule]]\nsetting = \"NoSuchThing\"\nrationale = \"r\"\n",
    )
    .unwrap();
    let (code, _, err) = nullsight(&[
        "audit",
        ws.to_str().unwrap(),
        "--baseline",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("rule 1 (NoSuchThing)"), "{err}");
}

#[test]
fn help_is_a_manual() {
    let (code, out, _) = nullsight(&["audit", "--help"]);
    assert_eq!(code, 0);
    for s in [
        "INPUTS",
        "ROLES",
        "BASELINES",
        "EXIT STATUS",
        "cis-dc",
        "Registry.pol",
        "auditpol",
    ] {
        assert!(out.contains(s), "{s} missing from --help");
    }
}

/// PolAdtEv in the layout RegRipper auditpol.pl `processWin2016` reads (150 bytes; the counts
/// offset 0x84 at byte 8, the category count at 4 as dissect.target reads them; the nine
/// per-category counts at 0x84), with settings at the offsets RegRipper gives.
fn poladtev_2016(settings: &[(usize, u16)]) -> Vec<u8> {
    let mut v = vec![0u8; 150];
    v[0..2].copy_from_slice(&0x100u16.to_le_bytes());
    v[4..8].copy_from_slice(&9u32.to_le_bytes());
    v[8..12].copy_from_slice(&0x84u32.to_le_bytes());
    for (at, s) in settings {
        v[*at..*at + 2].copy_from_slice(&s.to_le_bytes());
    }
    for (i, c) in [5u16, 11, 14, 3, 6, 6, 6, 4, 4].iter().enumerate() {
        v[0x84 + 2 * i..0x86 + 2 * i].copy_from_slice(&c.to_le_bytes());
    }
    v
}

/// The LSA policy object's self-relative security descriptor ([MS-DTYP] 2.4.6): owner BA at
/// 0x14, group SY at 0x24, DACL at 0x30 shaped like ReactOS `LsapCreatePolicySd` (deny
/// POLICY_LOOKUP_NAMES to ANONYMOUS LOGON first when `deny`).
fn policy_sd(deny: bool) -> Vec<u8> {
    let anon = [1u8, 1, 0, 0, 0, 0, 0, 5, 7, 0, 0, 0];
    let admins = [1u8, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0];
    let ace = |ty: u8, mask: u32, sid: &[u8]| {
        let mut v = vec![ty, 0];
        v.extend(((8 + sid.len()) as u16).to_le_bytes());
        v.extend(mask.to_le_bytes());
        v.extend(sid);
        v
    };
    let mut aces = Vec::new();
    if deny {
        aces.push(ace(1, 0x800, &anon));
    }
    aces.push(ace(0, 0x000f_0fff, &admins));
    aces.push(ace(0, 0x801, &anon));
    let mut v = vec![1u8, 0, 0x04, 0x80];
    for off in [0x14u32, 0x24, 0, 0x30] {
        v.extend(off.to_le_bytes());
    }
    v.extend(admins);
    v.extend([1u8, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]);
    let size = 8 + aces.iter().map(Vec::len).sum::<usize>();
    v.extend([2u8, 0]);
    v.extend((size as u16).to_le_bytes());
    v.extend((aces.len() as u16).to_le_bytes());
    v.extend([0u8, 0]);
    v.extend(aces.concat());
    v
}

fn security_hive(poladtev: Vec<u8>, secdesc: Vec<u8>) -> Vec<u8> {
    let root = Node::new("ROOT")
        .child(Node::new("Cache"))
        .child(
            Node::new("Policy")
                .child(Node::new("PolAdtEv").value("", 0, poladtev))
                .child(Node::new("SecDesc").value("", 0, secdesc)),
        )
        .child(Node::new("RXACT"))
        .child(Node::new("SAM"));
    hive_bytes(&root)
}

/// A member server given as its two offline hives, SYSTEM and SECURITY, and nothing else.
fn hives_only_fixture(poladtev: Vec<u8>) -> PathBuf {
    let d = tmpdir("hives").join("srv02");
    let mut root = Node::new("ROOT");
    root.at("Select")
        .values
        .push(("Current".into(), 4, 1u32.to_le_bytes().to_vec()));
    root.at(r"ControlSet001\Control\ComputerName\ComputerName")
        .values
        .push(("ComputerName".into(), 1, wz("SRV02")));
    root.at(r"ControlSet001\Control\ProductOptions")
        .values
        .push(("ProductType".into(), 1, wz("ServerNT")));
    root.at(r"ControlSet001\Control\Lsa").values.push((
        "RestrictAnonymous".into(),
        4,
        1u32.to_le_bytes().to_vec(),
    ));
    put(&d, "config/SYSTEM", &hive_bytes(&root));
    put(
        &d,
        "config/SECURITY",
        &security_hive(poladtev, policy_sd(true)),
    );
    d
}

#[test]
fn system_and_security_hives_give_audit_coverage() {
    // RegRipper processWin2016 offsets: Logon 0x16, File Share 0x3c, Detailed File Share 0x42,
    // Computer Account Management 0x68, Credential Validation 0x7a.
    let d = hives_only_fixture(poladtev_2016(&[
        (0x16, 3),
        (0x3c, 1),
        (0x42, 0),
        (0x68, 1),
        (0x7a, 2),
    ]));
    let (code, out, err) = nullsight(&["audit", d.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("== Host SRV02: role member (ProductType ServerNT in"),
        "{out}"
    );
    let cov = |s: &str| {
        row(&out, "Audit coverage:", s)
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(cov("AuditLogon"), "pass");
    assert_eq!(cov("AuditFileShare"), "pass");
    // Credential Validation is Failure only (2): has_bits 3 fails
    assert_eq!(cov("AuditCredentialValidation"), "fail");
    assert_eq!(cov("AuditDetailedFileShare"), "fail");
    let logon = row(&out, "Audit coverage:", "AuditLogon");
    assert!(
        logon.contains(r"SECURITY: key Policy\PolAdtEv\(default) (cell at 0x")
            && logon.contains("value data byte 22 (0x16)"),
        "{logon}"
    );
    assert!(
        out.contains("not audited: AuditCredentialValidation, AuditDetailedFileShare"),
        "{out}"
    );
    // Anonymous SID/name translation from Policy\SecDesc: the deny ACE at 0x38 decides.
    assert_eq!(status(&out, "LSAAnonymousNameLookup"), "pass");
    assert!(
        row(&out, "STATUS", "LSAAnonymousNameLookup")
            .contains(r"SECURITY: key Policy\SecDesc\(default)"),
        "{out}"
    );
    assert!(
        err.contains("note: ")
            && err.contains(
                "audit policy read from Policy\\PolAdtEv\\(default) (150 bytes, 59 subcategories"
            ),
        "{err}"
    );
    // JSON: the subcategory's observation carries the place.
    let (code, json, _) = nullsight(&["audit", d.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = v["hosts"][0]["rows"].as_array().unwrap();
    let r = rows.iter().find(|r| r["setting"] == "AuditLogon").unwrap();
    assert_eq!(r["status"], "pass");
}

#[test]
fn a_damaged_poladtev_is_reported_and_the_rest_is_audited() {
    let good = hives_only_fixture(poladtev_2016(&[(0x16, 3)]));
    let bad = hives_only_fixture(poladtev_2016(&[(0x16, 3)])[..140].to_vec());
    let (code, out, err) = nullsight(&[
        "audit",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(
        err.contains(r"SECURITY: key Policy\PolAdtEv\(default) (cell at 0x")
            && err.contains("value data byte 140 (0x8c): truncated: PolAdtEv: 140 bytes"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // both folders name SRV02: one host, audited from the good PolAdtEv; the bad one is an error
    let host = &v["hosts"][0];
    let r = host["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["setting"] == "AuditLogon")
        .unwrap();
    assert_eq!(r["status"], "pass");
    assert!(
        v["errors"].to_string().contains("PolAdtEv: 140 bytes"),
        "{}",
        v["errors"]
    );
    // A layout no source describes: a note naming file and place, no guessed values.
    let odd = tmpdir("odd").join("srv03");
    let mut pol = vec![0u8; 154];
    pol[4..8].copy_from_slice(&9u32.to_le_bytes());
    pol[8..12].copy_from_slice(&0x88u32.to_le_bytes());
    for (i, c) in [5u16, 13, 14, 3, 6, 6, 6, 4, 4].iter().enumerate() {
        pol[0x88 + 2 * i..0x8a + 2 * i].copy_from_slice(&c.to_le_bytes());
    }
    put(&odd, "SECURITY", &security_hive(pol, policy_sd(false)));
    let (code, out, err) = nullsight(&["audit", odd.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("SECURITY: key Policy\\PolAdtEv\\(default) (cell at 0x")
            && err.contains("unrecognised PolAdtEv layout (154 bytes"),
        "{err}"
    );
    assert_eq!(
        row(&out, "Audit coverage:", "AuditLogon")
            .split_whitespace()
            .next(),
        Some("unknown")
    );
    // without the deny ACE, anonymous translation is on: fail
    assert_eq!(status(&out, "LSAAnonymousNameLookup"), "fail");
}
