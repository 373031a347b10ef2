//! Readers and writers of the configuration formats, on files built byte by byte from the format
//! descriptions (reference section D).

use nullsight::policy::hive::build::{hive_bytes, Node};
use nullsight::policy::{
    self, inf, pol, reg, Format, Item, Place, PolicyError, RegOp, RegValue, Scope,
};
use std::path::Path;

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

fn reg_items(src: &policy::ConfigSource) -> Vec<(String, String, RegOp)> {
    src.entries
        .iter()
        .filter_map(|e| match &e.item {
            Item::Registry { key, value, op } if *op != RegOp::CreateKey => {
                Some((key.clone(), value.clone(), op.clone()))
            }
            _ => None,
        })
        .collect()
}

fn find<'a>(src: &'a policy::ConfigSource, name: &str) -> &'a policy::Entry {
    src.entries
        .iter()
        .find(|e| matches!(&e.item, Item::Registry { value, .. } if value == name))
        .unwrap_or_else(|| panic!("{name} not found in {:?}", src.entries))
}

const LSA: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\Lsa";
const LMS: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\LanManServer\Parameters";
const INF_LSA: &str = r"HKLM\System\CurrentControlSet\Control\Lsa";
const INF_LMS: &str = r"HKLM\System\CurrentControlSet\Services\LanManServer\Parameters";

#[test]
fn reg_v5_utf16_with_wrapped_multi_sz() {
    // "LSARPC","NETLOGON","SAMR","BROWSER" as UTF-16LE multi-sz, wrapped the way regedit does.
    let mut multi = Vec::new();
    for s in ["LSARPC", "NETLOGON", "SAMR", "BROWSER"] {
        multi.extend(wz(s));
    }
    multi.extend([0, 0]);
    let hex: Vec<String> = multi.iter().map(|b| format!("{b:02x}")).collect();
    let first = hex[..20].join(",");
    let second = hex[20..45].join(",");
    let third = hex[45..].join(",");
    let text = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n\
         [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa]\r\n\
         \"RestrictAnonymous\"=dword:00000001\r\n\
         \"RestrictRemoteSAM\"=\"O:BAG:BAD:(A;;RC;;;BA)\"\r\n\
         \"Quoted\"=\"say \\\"hi\\\" C:\\\\temp\"\r\n\
         @=\"default\"\r\n\
         \"Path\"=hex(2):25,00,53,00,59,00,53,00,25,00,00,00\r\n\
         \"Big\"=hex(b):01,00,00,00,00,00,00,00\r\n\
         \"Bin\"=hex:de,ad\r\n\
         \"Gone\"=-\r\n\
         ; a comment\r\n\
         \r\n\
         [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\LanManServer\\Parameters]\r\n\
         \"NullSessionPipes\"=hex(7):{first},\\\r\n  {second},\\\r\n  {third}\r\n\
         \r\n\
         [-HKEY_LOCAL_MACHINE\\SOFTWARE\\Old]\r\n"
    );
    let bytes = utf16_bom(&text);
    let src = policy::read_bytes(Path::new("host1/lsa.reg"), &bytes).unwrap();
    assert_eq!(src.format, Format::Reg);
    assert_eq!(src.scope, Scope::Local);
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    let items = reg_items(&src);
    assert_eq!(
        items[0],
        (
            LSA.into(),
            "RestrictAnonymous".into(),
            RegOp::Set(RegValue::Dword(1))
        )
    );
    assert_eq!(
        items[1].2,
        RegOp::Set(RegValue::Sz("O:BAG:BAD:(A;;RC;;;BA)".into()))
    );
    assert_eq!(
        items[2].2,
        RegOp::Set(RegValue::Sz("say \"hi\" C:\\temp".into()))
    );
    assert_eq!(items[3].1, "");
    assert_eq!(items[4].2, RegOp::Set(RegValue::ExpandSz("%SYS%".into())));
    assert_eq!(items[5].2, RegOp::Set(RegValue::Qword(1)));
    assert_eq!(items[6].2, RegOp::Set(RegValue::Binary(vec![0xde, 0xad])));
    assert_eq!(items[7].2, RegOp::DeleteValue);
    assert_eq!(
        items[8],
        (
            LMS.into(),
            "NullSessionPipes".into(),
            RegOp::Set(RegValue::MultiSz(vec![
                "LSARPC".into(),
                "NETLOGON".into(),
                "SAMR".into(),
                "BROWSER".into()
            ]))
        )
    );
    assert_eq!(
        items[9],
        (r"HKLM\SOFTWARE\Old".into(), String::new(), RegOp::DeleteKey)
    );
    // provenance: line numbers (line 1 is the header)
    assert_eq!(find(&src, "RestrictAnonymous").place, Place::Line(4));
    assert_eq!(find(&src, "NullSessionPipes").place, Place::Line(15));
    assert!(src.coverage.covers_key(LSA));
    assert!(!src
        .coverage
        .covers_key(r"HKLM\SYSTEM\CurrentControlSet\Control\Lsa\MSV1_0"));
}

#[test]
fn regedit4_ansi() {
    let text = "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa]\r\n\
                \"LmCompatibilityLevel\"=dword:00000005\r\n\
                \"Pipes\"=hex(7):61,00,62,00,00\r\n\
                \"Caf\u{e9}\"=\"\u{e9}t\u{e9}\"\r\n";
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let src = policy::read_bytes(Path::new("x.reg"), &bytes).unwrap();
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    let items = reg_items(&src);
    assert_eq!(items[0].2, RegOp::Set(RegValue::Dword(5)));
    assert_eq!(
        items[1].2,
        RegOp::Set(RegValue::MultiSz(vec!["a".into(), "b".into()]))
    );
    assert_eq!(items[2].1, "Café");
    assert_eq!(items[2].2, RegOp::Set(RegValue::Sz("été".into())));
}

#[test]
fn reg_bad_lines_are_reported_and_the_rest_is_read() {
    let text = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa]\r\n\
                \"A\"=dword:xyz\r\n\
                garbage line\r\n\
                \"B\"=dword:00000002\r\n\
                \"C\"=hex(7):61,00,\\\r\n";
    let src = policy::read_bytes(Path::new("bad.reg"), &utf16_bom(text)).unwrap();
    let msgs: Vec<String> = src.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert!(
        msgs[0].starts_with("bad.reg: line 4: bad dword"),
        "{msgs:?}"
    );
    assert!(msgs[1].starts_with("bad.reg: line 5: expected"), "{msgs:?}");
    assert!(
        msgs[2].contains("line 7") && msgs[2].contains("truncated"),
        "{msgs:?}"
    );
    assert_eq!(reg_items(&src).len(), 1);
}

const INF: &str = "[Unicode]\r\nUnicode=yes\r\n\
[System Access]\r\nMinimumPasswordAge = 1\r\nNewGuestName = \"Guest\"\r\nLSAAnonymousNameLookup = 0\r\nEnableGuestAccount = 1\r\n\
[Event Audit]\r\nAuditLogonEvents = 3\r\n\
[Registry Values]\r\n\
MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\RestrictAnonymousSAM=4,1\r\n\
MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\MSV1_0\\NTLMMinClientSec=4,537395200\r\n\
MACHINE\\System\\CurrentControlSet\\Services\\LanManServer\\Parameters\\NullSessionPipes=7,LSARPC,NETLOGON,SAMR\r\n\
MACHINE\\System\\CurrentControlSet\\Services\\LanManServer\\Parameters\\NullSessionShares=7,\r\n\
MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\RestrictRemoteSAM=1,\"O:BAG:BAD:(A;;RC;;;BA)\"\r\n\
MACHINE\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Setup\\RecoveryConsole\\SecurityLevel=4,0\r\n\
[Privilege Rights]\r\n\
SeNetworkLogonRight = *S-1-1-0,*S-1-5-32-544,*S-1-5-32-545,*S-1-5-32-551\r\n\
sedenynetworklogonright = Guests,*S-1-5-113\r\n\
SeRemoteInteractiveLogonRight =\r\n\
[Registry Keys]\r\n\"MACHINE\\SOFTWARE\\x\",0,\"D:PAR\"\r\n\
[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n";

#[test]
fn secedit_inf_all_sections() {
    let src = policy::read_bytes(Path::new("secedit.inf"), &utf16_bom(INF)).unwrap();
    assert_eq!(src.format, Format::Inf);
    assert_eq!(src.scope, Scope::Local);
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    assert!(src.coverage.system_access && src.coverage.privilege_rights);
    let items: Vec<&Item> = src.entries.iter().map(|e| &e.item).collect();
    assert!(items.contains(&&Item::SystemAccess {
        name: "LSAAnonymousNameLookup".into(),
        value: "0".into()
    }));
    assert!(items.contains(&&Item::SystemAccess {
        name: "NewGuestName".into(),
        value: "Guest".into()
    }));
    assert!(items.contains(&&Item::EventAudit {
        name: "AuditLogonEvents".into(),
        value: 3
    }));
    assert!(items.contains(&&Item::Registry {
        key: INF_LSA.into(),
        value: "RestrictAnonymousSAM".into(),
        op: RegOp::Set(RegValue::Dword(1))
    }));
    assert!(items.contains(&&Item::Registry {
        key: INF_LMS.into(),
        value: "NullSessionPipes".into(),
        op: RegOp::Set(RegValue::MultiSz(vec![
            "LSARPC".into(),
            "NETLOGON".into(),
            "SAMR".into()
        ]))
    }));
    assert!(items.contains(&&Item::Registry {
        key: INF_LMS.into(),
        value: "NullSessionShares".into(),
        op: RegOp::Set(RegValue::MultiSz(vec![]))
    }));
    assert!(items.contains(&&Item::Registry {
        key: INF_LSA.into(),
        value: "RestrictRemoteSAM".into(),
        op: RegOp::Set(RegValue::Sz("O:BAG:BAD:(A;;RC;;;BA)".into()))
    }));
    assert!(items.contains(&&Item::Privilege {
        right: "sedenynetworklogonright".into(),
        accounts: vec!["S-1-5-32-546".into(), "S-1-5-113".into()]
    }));
    assert!(items.contains(&&Item::Privilege {
        right: "SeRemoteInteractiveLogonRight".into(),
        accounts: vec![]
    }));
    let lsa = src
        .entries
        .iter()
        .find(|e| matches!(&e.item, Item::SystemAccess { name, .. } if name == "LSAAnonymousNameLookup"))
        .unwrap();
    assert_eq!(lsa.place, Place::Line(6));

    // The same bytes under a GPO path are Group Policy.
    let gpo = policy::read_bytes(
        Path::new("gpo/{31B2F340-016D-11D2-945F-00C04FB984F9}/Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf"),
        &utf16_bom(INF),
    )
    .unwrap();
    assert_eq!(gpo.scope, Scope::Gpo);
    assert!(!gpo.coverage.privilege_rights);
}

#[test]
fn inf_bad_line_names_file_and_line() {
    let text = "[Unicode]\r\nUnicode=yes\r\n[System Access]\r\nLSAAnonymousNameLookup 0\r\nEnableGuestAccount = 0\r\n\
                [Registry Values]\r\nMACHINE\\System\\X\\Y=4,abc\r\n";
    let src = policy::read_bytes(Path::new("GptTmpl.inf"), &utf16_bom(text)).unwrap();
    let msgs: Vec<String> = src.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(msgs[0], "GptTmpl.inf: line 4: expected \"Key = value\"");
    assert!(msgs[1].starts_with("GptTmpl.inf: line 7:"), "{msgs:?}");
    assert_eq!(src.entries.len(), 1);
}

fn pol_record(key: &str, value: &str, ty: u32, data: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend([0x5b, 0x00]);
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

fn pol_bytes() -> Vec<u8> {
    let mut b = vec![0x50, 0x52, 0x65, 0x67, 0x01, 0x00, 0x00, 0x00];
    let k = r"System\CurrentControlSet\Control\Lsa\MSV1_0";
    b.extend(pol_record(k, "**delvals.", 1, &wz(" ")));
    b.extend(pol_record(
        k,
        "RestrictSendingNTLMTraffic",
        4,
        &1u32.to_le_bytes(),
    ));
    b.extend(pol_record(
        r"System\CurrentControlSet\Control\Lsa",
        "**del.LmCompatibilityLevel",
        1,
        &wz(" "),
    ));
    b.extend(pol_record(
        r"System\CurrentControlSet\Services\LanManServer\Parameters",
        "**DeleteValues",
        1,
        &wz("SMB1;NullSessionShares"),
    ));
    b.extend(pol_record(
        r"Software\Policies\X",
        "List",
        7,
        &[wz("a"), wz("b"), vec![0, 0]].concat(),
    ));
    b
}

#[test]
fn registry_pol_with_del_and_delvals() {
    let bytes = pol_bytes();
    let src = policy::read_bytes(Path::new("Machine/Registry.pol"), &bytes).unwrap();
    assert_eq!(src.format, Format::RegistryPol);
    assert_eq!(src.scope, Scope::Gpo);
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    let items = reg_items(&src);
    let msv = r"HKLM\System\CurrentControlSet\Control\Lsa\MSV1_0";
    assert_eq!(
        items[0],
        (msv.into(), String::new(), RegOp::DeleteAllValues)
    );
    assert_eq!(
        items[1],
        (
            msv.into(),
            "RestrictSendingNTLMTraffic".into(),
            RegOp::Set(RegValue::Dword(1))
        )
    );
    assert_eq!(items[2].1, "LmCompatibilityLevel");
    assert_eq!(items[2].2, RegOp::DeleteValue);
    assert_eq!(items[3].1, "SMB1");
    assert_eq!(items[4].1, "NullSessionShares");
    assert_eq!(
        items[5].2,
        RegOp::Set(RegValue::MultiSz(vec!["a".into(), "b".into()]))
    );
    assert_eq!(
        src.entries[1].place,
        Place::Offset(
            8 + pol_record(
                r"System\CurrentControlSet\Control\Lsa\MSV1_0",
                "**delvals.",
                1,
                &wz(" ")
            )
            .len() as u64
        )
    );
}

#[test]
fn registry_pol_truncated_keeps_earlier_records() {
    let bytes = pol_bytes();
    let cut = &bytes[..bytes.len() - 7];
    let src = policy::read_bytes(Path::new("Registry.pol"), cut).unwrap();
    assert_eq!(src.problems.len(), 1);
    let msg = src.problems[0].to_string();
    assert!(msg.starts_with("Registry.pol: byte offset"), "{msg}");
    assert!(msg.contains("truncated"), "{msg}");
    assert_eq!(reg_items(&src).len(), 5);
    // header only / short header
    let err = policy::read_bytes(Path::new("Registry.pol"), b"PReg\x01\x00").unwrap_err();
    assert!(
        err.to_string()
            .contains("shorter than the 8-byte PReg header"),
        "{err}"
    );
    let err = policy::read_bytes(Path::new("Registry.pol"), b"PReg\x02\x00\x00\x00").unwrap_err();
    assert!(err.to_string().contains("version 2"), "{err}");
}

pub fn system_hive() -> Vec<u8> {
    let multi: Vec<u8> = [wz("netlogon"), wz("samr"), wz("lsarpc"), vec![0, 0]].concat();
    let mut root = Node::new("CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}");
    root.at("Select")
        .values
        .push(("Current".into(), 4, 2u32.to_le_bytes().to_vec()));
    root.at(r"ControlSet001\Control\Lsa").values.push((
        "RestrictAnonymous".into(),
        4,
        0u32.to_le_bytes().to_vec(),
    ));
    {
        let lsa = root.at(r"ControlSet002\Control\Lsa");
        lsa.values
            .push(("RestrictAnonymous".into(), 4, 1u32.to_le_bytes().to_vec()));
        lsa.values.push((
            "LmCompatibilityLevel".into(),
            4,
            1u32.to_le_bytes().to_vec(),
        ));
        lsa.values
            .push(("RestrictRemoteSAM".into(), 1, wz("O:BAG:BAD:(A;;RC;;;BA)")));
    }
    root.at(r"ControlSet002\Control\ComputerName\ComputerName")
        .values
        .push(("ComputerName".into(), 1, wz("DC01")));
    root.at(r"ControlSet002\Control\ProductOptions")
        .values
        .push(("ProductType".into(), 1, wz("LanmanNT")));
    root.at(r"ControlSet002\Services\LanmanServer\Parameters")
        .values
        .push(("NullSessionPipes".into(), 7, multi));
    hive_bytes(&root)
}

#[test]
fn hive_resolves_current_control_set() {
    let bytes = system_hive();
    assert_eq!(&bytes[..4], b"regf");
    let src = policy::read_bytes(Path::new("SYSTEM"), &bytes).unwrap();
    assert_eq!(src.format, Format::Hive);
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    assert_eq!(src.computer_name.as_deref(), Some("DC01"));
    assert_eq!(src.product_type.as_deref(), Some("LanmanNT"));
    let e = find(&src, "RestrictAnonymous");
    assert_eq!(
        e.item,
        Item::Registry {
            key: LSA.into(),
            value: "RestrictAnonymous".into(),
            op: RegOp::Set(RegValue::Dword(1))
        }
    );
    match &e.place {
        Place::HiveKey { path, .. } => {
            assert_eq!(path, r"ControlSet002\Control\Lsa\RestrictAnonymous")
        }
        p => panic!("{p:?}"),
    }
    let pipes = find(&src, "NullSessionPipes");
    assert_eq!(
        pipes.item,
        Item::Registry {
            key: r"HKLM\SYSTEM\CurrentControlSet\Services\LanManServer\Parameters".into(),
            value: "NullSessionPipes".into(),
            op: RegOp::Set(RegValue::MultiSz(vec![
                "netlogon".into(),
                "samr".into(),
                "lsarpc".into()
            ]))
        }
    );
    assert!(src
        .coverage
        .covers_key(r"HKLM\SYSTEM\CurrentControlSet\Control\Lsa\MSV1_0"));
}

#[test]
fn hive_truncated_and_corrupt() {
    let bytes = system_hive();
    let err = policy::read_bytes(Path::new("SYSTEM"), &bytes[..4100]).unwrap_err();
    assert!(matches!(err, PolicyError::Truncated { .. }), "{err}");
    assert!(
        err.to_string().starts_with("SYSTEM: byte offset 4100"),
        "{err}"
    );
    // Cut the hive bin in the middle: the reader reports, never panics.
    for cut in [4200, 4400, 4700, bytes.len() - 600] {
        let mut b = bytes[..cut].to_vec();
        b.resize(cut, 0);
        match policy::read_bytes(Path::new("SYSTEM"), &b) {
            Ok(src) => assert!(!src.problems.is_empty() || src.entries.len() < 7),
            Err(e) => assert!(e.to_string().starts_with("SYSTEM: "), "{e}"),
        }
    }
    // A root offset pointing nowhere.
    let mut b = bytes.clone();
    b[36..40].copy_from_slice(&0x00ff_0000u32.to_le_bytes());
    let err = policy::read_bytes(Path::new("SYSTEM"), &b).unwrap_err();
    assert!(err.to_string().contains("past the end"), "{err}");
}

const AUDITPOL: &str = "Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\n\
WS01,System,Logon,{0CCE9215-69AE-11D9-BED3-505054503030},Success and Failure,,3\r\n\
WS01,System,Credential Validation,{0cce923f-69ae-11d9-bed3-505054503030},Success,,1\r\n\
WS01,System,File Share,{0CCE9224-69AE-11D9-BED3-505054503030},No Auditing,,0\r\n\
,System,Option:CrashOnAuditFail,,Disabled,,0\r\n";

#[test]
fn auditpol_csv() {
    let src = policy::read_bytes(Path::new("audit.csv"), AUDITPOL.as_bytes()).unwrap();
    assert_eq!(src.format, Format::AuditPol);
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    assert_eq!(src.computer_name.as_deref(), Some("WS01"));
    assert_eq!(src.entries.len(), 3);
    assert_eq!(
        src.entries[1].item,
        Item::AuditSubcategory {
            guid: "{0CCE923F-69AE-11D9-BED3-505054503030}".into(),
            name: "Credential Validation".into(),
            setting: 1
        }
    );
    assert_eq!(src.entries[1].place, Place::Row(3));
    let bad = format!("{AUDITPOL}WS01,System,Logoff,not-a-guid,Success,,1\r\nWS01,System,Logoff,{{0CCE9216-69AE-11D9-BED3-505054503030}},Sometimes,,9\r\n");
    let src = policy::read_bytes(Path::new("audit.csv"), bad.as_bytes()).unwrap();
    let msgs: Vec<String> = src.problems.iter().map(|p| p.to_string()).collect();
    assert!(msgs[0].starts_with("audit.csv: row 6:"), "{msgs:?}");
    assert!(msgs[1].starts_with("audit.csv: row 7:"), "{msgs:?}");
}

#[test]
fn empty_and_garbage_files() {
    for bytes in [&b""[..], b"\xff\xfe", b"   \r\n"] {
        let err = policy::read_bytes(Path::new("e.reg"), bytes).unwrap_err();
        assert_eq!(err.to_string(), "e.reg: empty file");
    }
    let err = policy::read_bytes(Path::new("junk.bin"), b"\x7fELF\x02\x01\x01garbage").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("junk.bin: not a recognised configuration file"),
        "{err}"
    );
    let err = policy::read_bytes(
        Path::new("a.reg"),
        &utf16_bom("Windows Registry Editor Version 4.00\r\n"),
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("a.reg: not a recognised"),
        "{err}"
    );
    let err = policy::read_bytes(Path::new("a.txt"), b"hello world\n").unwrap_err();
    assert!(matches!(err, PolicyError::UnknownFormat { .. }));
}

#[test]
fn writers_round_trip() {
    let items = vec![
        Item::Registry {
            key: LSA.into(),
            value: "RestrictAnonymous".into(),
            op: RegOp::Set(RegValue::Dword(1)),
        },
        Item::Registry {
            key: LSA.into(),
            value: "Quote\"d\\name".into(),
            op: RegOp::Set(RegValue::Sz("C:\\x \"y\" ;[z]".into())),
        },
        Item::Registry {
            key: LSA.into(),
            value: "Multi".into(),
            op: RegOp::Set(RegValue::MultiSz(
                (0..20).map(|i| format!("pipe-name-{i}")).collect(),
            )),
        },
        Item::Registry {
            key: LSA.into(),
            value: "Lines".into(),
            op: RegOp::Set(RegValue::Sz("a\r\nb".into())),
        },
        Item::Registry {
            key: LSA.into(),
            value: "Q".into(),
            op: RegOp::Set(RegValue::Qword(u64::MAX)),
        },
        Item::Registry {
            key: LSA.into(),
            value: "Old".into(),
            op: RegOp::DeleteValue,
        },
        Item::Registry {
            key: LMS.into(),
            value: String::new(),
            op: RegOp::Set(RegValue::ExpandSz("%x%".into())),
        },
        Item::Registry {
            key: r"HKLM\SOFTWARE\Gone".into(),
            value: String::new(),
            op: RegOp::DeleteKey,
        },
    ];
    let bytes = reg::write(&items).unwrap();
    assert_eq!(&bytes[..2], &[0xff, 0xfe]);
    let back = policy::read_bytes(Path::new("fix.reg"), &bytes).unwrap();
    assert!(back.problems.is_empty(), "{:?}", back.problems);
    let got: Vec<Item> = back
        .entries
        .into_iter()
        .map(|e| e.item)
        .filter(|i| {
            !matches!(
                i,
                Item::Registry {
                    op: RegOp::CreateKey,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(got, items);

    // Registry.pol
    let pitems = vec![
        Item::Registry {
            key: LSA.into(),
            value: "RestrictAnonymous".into(),
            op: RegOp::Set(RegValue::Dword(1)),
        },
        Item::Registry {
            key: LSA.into(),
            value: "Weird ;]name".into(),
            op: RegOp::Set(RegValue::Sz("v;]".into())),
        },
        Item::Registry {
            key: LSA.into(),
            value: "LmCompatibilityLevel".into(),
            op: RegOp::DeleteValue,
        },
        Item::Registry {
            key: LMS.into(),
            value: String::new(),
            op: RegOp::DeleteAllValues,
        },
        Item::Registry {
            key: LMS.into(),
            value: "NullSessionPipes".into(),
            op: RegOp::Set(RegValue::MultiSz(vec![])),
        },
    ];
    let bytes = pol::write(&pitems).unwrap();
    let back = policy::read_bytes(Path::new("Registry.pol"), &bytes).unwrap();
    assert_eq!(
        back.entries.into_iter().map(|e| e.item).collect::<Vec<_>>(),
        pitems
    );
    assert!(pol::write(&[Item::Registry {
        key: LSA.into(),
        value: "a\u{0}b".into(),
        op: RegOp::DeleteValue
    }])
    .is_err());
    assert!(pol::write(&[
        Item::Registry {
            key: LSA.into(),
            value: "a".into(),
            op: RegOp::DeleteValue
        },
        Item::Registry {
            key: r"HKCU\x".into(),
            value: "a".into(),
            op: RegOp::DeleteValue
        }
    ])
    .is_err());

    // INF
    let iitems = vec![
        Item::SystemAccess {
            name: "LSAAnonymousNameLookup".into(),
            value: "0".into(),
        },
        Item::SystemAccess {
            name: "NewGuestName".into(),
            value: "Gu\"est".into(),
        },
        Item::EventAudit {
            name: "AuditLogonEvents".into(),
            value: 3,
        },
        Item::Registry {
            key: LSA.into(),
            value: "RestrictAnonymousSAM".into(),
            op: RegOp::Set(RegValue::Dword(1)),
        },
        Item::Registry {
            key: LSA.into(),
            value: "RestrictRemoteSAM".into(),
            op: RegOp::Set(RegValue::Sz("O:BAG:BAD:(A;;RC;;;BA)".into())),
        },
        Item::Registry {
            key: LMS.into(),
            value: "NullSessionPipes".into(),
            op: RegOp::Set(RegValue::MultiSz(vec!["LSARPC".into(), "SAMR".into()])),
        },
        Item::Registry {
            key: LMS.into(),
            value: "NullSessionShares".into(),
            op: RegOp::Set(RegValue::MultiSz(vec![])),
        },
        Item::Privilege {
            right: "SeDenyNetworkLogonRight".into(),
            accounts: vec!["S-1-5-32-546".into(), "LocalUser".into()],
        },
    ];
    let bytes = inf::write(&iitems).unwrap();
    assert_eq!(&bytes[..2], &[0xff, 0xfe]);
    let back = policy::read_bytes(Path::new("fix.inf"), &bytes).unwrap();
    assert!(back.problems.is_empty(), "{:?}", back.problems);
    assert_eq!(
        back.entries.into_iter().map(|e| e.item).collect::<Vec<_>>(),
        iitems
    );
    assert!(inf::write(&[Item::SystemAccess {
        name: "X".into(),
        value: "a\nb".into()
    }])
    .is_err());
    assert!(inf::write(&[Item::Registry {
        key: LMS.into(),
        value: "NullSessionPipes".into(),
        op: RegOp::Set(RegValue::MultiSz(vec!["a,b".into()]))
    }])
    .is_err());
    assert!(inf::write(&[Item::Registry {
        key: LSA.into(),
        value: "x".into(),
        op: RegOp::DeleteValue
    }])
    .is_err());
}

#[test]
fn every_prefix_and_bit_flip_reads_without_panicking() {
    let samples: Vec<(&str, Vec<u8>)> = vec![
        ("SYSTEM", system_hive()),
        (
            "SECURITY",
            security_hive(
                Some(poladtev_2016(&[(W16_LOGON, 3)])),
                Some(policy_sd(Some(&policy_dacl(true)))),
            ),
        ),
        ("Registry.pol", pol_bytes()),
        ("secedit.inf", utf16_bom(INF)),
        ("audit.csv", AUDITPOL.as_bytes().to_vec()),
    ];
    for (name, bytes) in samples {
        let step = (bytes.len() / 400).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let _ = policy::read_bytes(Path::new(name), &bytes[..cut]);
        }
        for i in (0..bytes.len()).step_by(step) {
            let mut b = bytes.clone();
            b[i] ^= 0xff;
            if let Err(e) = policy::read_bytes(Path::new(name), &b) {
                assert!(e.to_string().starts_with(name), "{e}");
            }
        }
    }
}

// ---- SECURITY hive: Policy\PolAdtEv and Policy\SecDesc, built byte by byte ----

/// RegRipper auditpol.pl `processWin2016` (150 bytes, 0x84 at byte 8): the u16 offsets of the
/// subcategories nullsight checks.
const W16_LOGON: usize = 0x16;
const W16_SPECIAL_LOGON: usize = 0x1e;
const W16_FILE_SHARE: usize = 0x3c;
const W16_DETAILED_FILE_SHARE: usize = 0x42;
const W16_COMPUTER_ACCOUNT_MGMT: usize = 0x68;
const W16_CREDENTIAL_VALIDATION: usize = 0x7a;
const W16_KERBEROS_AUTH: usize = 0x80;

/// A PolAdtEv value laid out as the sources describe it: 12-byte header (u32 category count at
/// 4 and u32 counts offset at 8: dissect.target, DLEAPP), u16 settings from 12, one spare u16,
/// then the u16 counts per category at the offset. `len` and `counts_at` as RegRipper gives them.
pub fn poladtev(
    len: usize,
    counts_at: usize,
    counts: &[u16],
    settings: &[(usize, u16)],
) -> Vec<u8> {
    let mut v = vec![0u8; len];
    v[0..2].copy_from_slice(&0x100u16.to_le_bytes());
    v[4..8].copy_from_slice(&(counts.len() as u32).to_le_bytes());
    v[8..12].copy_from_slice(&(counts_at as u32).to_le_bytes());
    for (at, s) in settings {
        v[*at..*at + 2].copy_from_slice(&s.to_le_bytes());
    }
    for (i, c) in counts.iter().enumerate() {
        v[counts_at + 2 * i..counts_at + 2 * i + 2].copy_from_slice(&c.to_le_bytes());
    }
    v
}

pub fn poladtev_2016(settings: &[(usize, u16)]) -> Vec<u8> {
    poladtev(150, 0x84, &[5, 11, 14, 3, 6, 6, 6, 4, 4], settings)
}

const SID_ANONYMOUS: [u8; 12] = [1, 1, 0, 0, 0, 0, 0, 5, 7, 0, 0, 0];
const SID_EVERYONE: [u8; 12] = [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
const SID_ADMINS: [u8; 16] = [1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0];
const SID_SYSTEM: [u8; 12] = [1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0];

/// An ACE ([MS-DTYP] 2.4.4.2): type, flags, size, mask, SID.
fn ace(ty: u8, flags: u8, mask: u32, sid: &[u8]) -> Vec<u8> {
    let mut v = vec![ty, flags];
    v.extend(((8 + sid.len()) as u16).to_le_bytes());
    v.extend(mask.to_le_bytes());
    v.extend(sid);
    v
}

/// A self-relative security descriptor ([MS-DTYP] 2.4.6): header at 0, owner at 0x14 (BA),
/// group at 0x24 (SY), DACL at 0x30 with `aces` (`None`: SE_DACL_PRESENT not set).
pub fn policy_sd(aces: Option<&[Vec<u8>]>) -> Vec<u8> {
    let mut v = vec![1u8, 0];
    let control: u16 = 0x8000 | if aces.is_some() { 0x0004 } else { 0 };
    v.extend(control.to_le_bytes());
    v.extend(0x14u32.to_le_bytes());
    v.extend(0x24u32.to_le_bytes());
    v.extend(0u32.to_le_bytes());
    v.extend(if aces.is_some() { 0x30u32 } else { 0 }.to_le_bytes());
    v.extend(SID_ADMINS);
    v.extend(SID_SYSTEM);
    assert_eq!(v.len(), 0x30);
    if let Some(aces) = aces {
        let size = 8 + aces.iter().map(Vec::len).sum::<usize>();
        v.extend([2u8, 0]);
        v.extend((size as u16).to_le_bytes());
        v.extend((aces.len() as u16).to_le_bytes());
        v.extend([0u8, 0]);
        for a in aces {
            v.extend(a);
        }
    }
    v
}

/// The LSA policy DACL as ReactOS lsasrv `LsapCreatePolicySd` builds it: deny POLICY_LOOKUP_NAMES
/// to ANONYMOUS LOGON first, then Administrators, Everyone (POLICY_EXECUTE), ANONYMOUS LOGON
/// (POLICY_LOOKUP_NAMES | POLICY_VIEW_LOCAL_INFORMATION).
pub fn policy_dacl(with_deny: bool) -> Vec<Vec<u8>> {
    let mut aces = Vec::new();
    if with_deny {
        aces.push(ace(1, 0, 0x800, &SID_ANONYMOUS));
    }
    aces.push(ace(0, 0, 0x000f_0fff, &SID_ADMINS));
    aces.push(ace(0, 0, 0x0002_0801, &SID_EVERYONE));
    aces.push(ace(0, 0, 0x0000_0801, &SID_ANONYMOUS));
    aces
}

pub fn security_hive(poladtev: Option<Vec<u8>>, secdesc: Option<Vec<u8>>) -> Vec<u8> {
    let mut policy = Node::new("Policy");
    if let Some(d) = poladtev {
        policy = policy.child(Node::new("PolAdtEv").value("", 0, d));
    }
    if let Some(d) = secdesc {
        policy = policy.child(Node::new("SecDesc").value("", 0, d));
    }
    policy = policy.child(Node::new("PolRevision").value("", 0, vec![0, 0, 1, 0]));
    let root = Node::new("ROOT")
        .child(Node::new("Cache"))
        .child(policy)
        .child(Node::new("RXACT"))
        .child(Node::new("SAM"));
    hive_bytes(&root)
}

fn audit_entry<'a>(src: &'a policy::ConfigSource, guid4: &str) -> Option<&'a policy::Entry> {
    src.entries
        .iter()
        .find(|e| matches!(&e.item, Item::AuditSubcategory { guid, .. } if guid[5..9] == *guid4))
}

fn data_at(place: &Place) -> (String, u64) {
    match place {
        Place::HiveData { path, byte, .. } => (path.clone(), *byte),
        p => panic!("not a hive data place: {p:?}"),
    }
}

#[test]
fn security_hive_gives_audit_policy_and_anonymous_lookup() {
    let pol = poladtev_2016(&[
        (W16_LOGON, 3),
        (W16_SPECIAL_LOGON, 1),
        (W16_FILE_SHARE, 1),
        (W16_DETAILED_FILE_SHARE, 0),
        (W16_COMPUTER_ACCOUNT_MGMT, 1),
        (W16_CREDENTIAL_VALIDATION, 2),
        (W16_KERBEROS_AUTH, 3),
    ]);
    let bytes = security_hive(Some(pol), Some(policy_sd(Some(&policy_dacl(true)))));
    let src = policy::read_bytes(Path::new("SECURITY"), &bytes).unwrap();
    assert_eq!(src.format, Format::Hive);
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    // every one of the 59 subcategories, keyed on its GUID
    let subs = src
        .entries
        .iter()
        .filter(|e| matches!(e.item, Item::AuditSubcategory { .. }))
        .count();
    assert_eq!(subs, 59);
    for (guid4, name, setting, at) in [
        ("9215", "Logon", 3, W16_LOGON),
        ("921B", "Special Logon", 1, W16_SPECIAL_LOGON),
        ("9224", "File Share", 1, W16_FILE_SHARE),
        ("9244", "Detailed File Share", 0, W16_DETAILED_FILE_SHARE),
        (
            "9236",
            "Computer Account Management",
            1,
            W16_COMPUTER_ACCOUNT_MGMT,
        ),
        (
            "923F",
            "Credential Validation",
            2,
            W16_CREDENTIAL_VALIDATION,
        ),
        (
            "9242",
            "Kerberos Authentication Service",
            3,
            W16_KERBEROS_AUTH,
        ),
    ] {
        let e = audit_entry(&src, guid4).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(
            e.item,
            Item::AuditSubcategory {
                guid: format!("{{0CCE{guid4}-69AE-11D9-BED3-505054503030}}"),
                name: name.into(),
                setting
            }
        );
        assert_eq!(
            data_at(&e.place),
            (r"Policy\PolAdtEv\(default)".to_string(), at as u64),
            "{name}"
        );
    }
    // IPsec Quick Mode sits after Special Logon (not where auditpol prints it)
    assert!(matches!(
        &audit_entry(&src, "9219").unwrap().item,
        Item::AuditSubcategory { setting: 0, .. }
    ));
    // LSAAnonymousNameLookup: the deny ACE (first, at 0x38) decides
    let lsa = src
        .entries
        .iter()
        .find(|e| matches!(&e.item, Item::SystemAccess { name, .. } if name == "LSAAnonymousNameLookup"))
        .unwrap();
    assert_eq!(
        lsa.item,
        Item::SystemAccess {
            name: "LSAAnonymousNameLookup".into(),
            value: "0".into()
        }
    );
    assert_eq!(
        data_at(&lsa.place),
        (r"Policy\SecDesc\(default)".into(), 0x38)
    );
    let text = lsa.place.to_string();
    assert!(
        text.starts_with(r"key Policy\SecDesc\(default) (cell at 0x")
            && text.ends_with("value data byte 56 (0x38)"),
        "{text}"
    );
    let notes = src.notes.join("\n");
    assert!(notes.contains("Windows 10 1607+"), "{notes}");
    assert!(
        notes.contains("RegRipper auditpol.pl processWin2016"),
        "{notes}"
    );
    assert!(notes.contains("is a deny ACE"), "{notes}");
    assert!(notes.contains("user rights (Policy\\Accounts)"), "{notes}");

    // without the deny ACE, the allow ACE for ANONYMOUS LOGON decides
    let bytes = security_hive(None, Some(policy_sd(Some(&policy_dacl(false)))));
    let src = policy::read_bytes(Path::new("SECURITY"), &bytes).unwrap();
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    let lsa = &src.entries[0];
    assert_eq!(
        lsa.item,
        Item::SystemAccess {
            name: "LSAAnonymousNameLookup".into(),
            value: "1".into()
        }
    );
    // ACL header 8 + Administrators ACE 24 + Everyone ACE 20
    assert_eq!(data_at(&lsa.place).1, 0x30 + 8 + 24 + 20);
    assert!(
        src.notes.iter().any(|n| n.contains("no Policy\\PolAdtEv")),
        "{:?}",
        src.notes
    );
}

#[test]
fn security_hive_older_layouts() {
    // Windows 7 / 2008 R2, 138 bytes (RegRipper processWin7; Volatility AuditPolData7):
    // Logon 0x16, File Share 0x38, Detailed File Share 0x3e, Credential Validation 0x6e.
    let pol = poladtev(
        138,
        0x78,
        &[5, 9, 12, 3, 4, 6, 6, 4, 4],
        &[(0x16, 3), (0x1e, 1), (0x38, 1), (0x3e, 3), (0x6e, 3)],
    );
    let src = policy::read_bytes(Path::new("SECURITY"), &security_hive(Some(pol), None)).unwrap();
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    let setting = |g: &str| match &audit_entry(&src, g).map(|e| &e.item) {
        Some(Item::AuditSubcategory { setting, .. }) => Some(*setting),
        _ => None,
    };
    assert_eq!(setting("9215"), Some(3));
    assert_eq!(setting("9224"), Some(1));
    assert_eq!(setting("9244"), Some(3));
    assert_eq!(setting("923F"), Some(3));
    // the sources disagree on Logon/Logoff positions 5-7: not decoded, and said so
    assert_eq!(setting("921B"), None);
    assert_eq!(setting("9219"), None);
    let notes = src.notes.join("\n");
    assert!(
        notes.contains("public sources disagree")
            && notes.contains("Special Logon, IPsec Quick Mode, IPsec Extended Mode"),
        "{notes}"
    );
    // Windows 8.1 / 2012 R2, 146 bytes: Detailed File Share 0x40, Credential Validation 0x76.
    let pol = poladtev(
        146,
        0x80,
        &[5, 10, 14, 3, 5, 6, 6, 4, 4],
        &[(0x40, 1), (0x76, 2)],
    );
    let src = policy::read_bytes(Path::new("SECURITY"), &security_hive(Some(pol), None)).unwrap();
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    assert!(matches!(
        &audit_entry(&src, "9244").unwrap().item,
        Item::AuditSubcategory { setting: 1, .. }
    ));
    assert_eq!(data_at(&audit_entry(&src, "923F").unwrap().place).1, 0x76);
}

#[test]
fn security_hive_bad_poladtev_is_reported_with_its_place() {
    let sd = || Some(policy_sd(Some(&policy_dacl(true))));
    let has_lsa = |src: &policy::ConfigSource| {
        src.entries
            .iter()
            .any(|e| matches!(&e.item, Item::SystemAccess { name, .. } if name == "LSAAnonymousNameLookup"))
    };
    // truncated: 140 of 150 bytes
    let pol = poladtev_2016(&[(W16_LOGON, 3)]);
    let src = policy::read_bytes(
        Path::new("SECURITY"),
        &security_hive(Some(pol[..140].to_vec()), sd()),
    )
    .unwrap();
    assert_eq!(src.problems.len(), 1, "{:?}", src.problems);
    let msg = src.problems[0].to_string();
    assert!(
        matches!(src.problems[0], PolicyError::Truncated { .. }),
        "{msg}"
    );
    assert!(
        msg.starts_with(r"SECURITY: key Policy\PolAdtEv\(default) (cell at 0x")
            && msg.contains("value data byte 140 (0x8c): truncated: PolAdtEv: 140 bytes, but the header puts 9 category counts at bytes 132-149"),
        "{msg}"
    );
    assert!(!src
        .entries
        .iter()
        .any(|e| matches!(e.item, Item::AuditSubcategory { .. })));
    assert!(has_lsa(&src), "the SecDesc is still read");
    // wrong size: the 2016 layout with two bytes more
    let mut long = pol.clone();
    long.extend([0, 0]);
    let src = policy::read_bytes(Path::new("SECURITY"), &security_hive(Some(long), sd())).unwrap();
    let msg = src.problems[0].to_string();
    assert!(
        matches!(src.problems[0], PolicyError::Malformed { .. }),
        "{msg}"
    );
    assert!(
        msg.contains("152 bytes with the counts at byte 132, but the Windows 10 1607+"),
        "{msg}"
    );
    assert!(msg.contains("is 150 bytes"), "{msg}");
    assert!(has_lsa(&src));
    // a value out of range: that subcategory is a problem, the rest is read
    let src = policy::read_bytes(
        Path::new("SECURITY"),
        &security_hive(
            Some(poladtev_2016(&[(W16_LOGON, 7), (W16_FILE_SHARE, 1)])),
            sd(),
        ),
    )
    .unwrap();
    assert_eq!(src.problems.len(), 1);
    let msg = src.problems[0].to_string();
    assert!(
        msg.contains("value data byte 22 (0x16): PolAdtEv: Logon is 7"),
        "{msg}"
    );
    assert!(audit_entry(&src, "9215").is_none());
    assert!(audit_entry(&src, "9224").is_some());
    // well formed but unknown counts (a future Windows with 61 subcategories): a note, no guess
    let pol = poladtev(154, 0x88, &[5, 13, 14, 3, 6, 6, 6, 4, 4], &[(W16_LOGON, 3)]);
    let src = policy::read_bytes(Path::new("SECURITY"), &security_hive(Some(pol), sd())).unwrap();
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    assert!(!src
        .entries
        .iter()
        .any(|e| matches!(e.item, Item::AuditSubcategory { .. })));
    let note = src
        .notes
        .iter()
        .find(|n| n.contains("unrecognised"))
        .unwrap();
    assert!(
        note.starts_with(r"key Policy\PolAdtEv\(default) (cell at 0x")
            && note.contains("unrecognised PolAdtEv layout (154 bytes, 9 categories with 5/13/14/3/6/6/6/4/4 subcategories)"),
        "{note}"
    );
    // an XP-style value (ReactOS writes AuditingMode, count, events): header says nothing sane
    let src = policy::read_bytes(
        Path::new("SECURITY"),
        &security_hive(
            Some(vec![0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0]),
            None,
        ),
    )
    .unwrap();
    assert_eq!(src.problems.len(), 1, "{:?}", src.problems);
}

#[test]
fn security_descriptor_and_malformed_acls() {
    use nullsight::policy::lsa::{anonymous_lookup, parse_security_descriptor};
    let reason = |bytes: &[u8]| parse_security_descriptor(bytes).unwrap_err();
    let good = policy_sd(Some(&policy_dacl(true)));
    assert!(parse_security_descriptor(&good).is_ok());
    // ACE count larger than the ACL holds
    let mut b = good.clone();
    b[0x30 + 4] = 9;
    let e = reason(&b);
    assert!(
        e.message.contains("counts 9 ACEs but ACE 5 starts past"),
        "{e:?}"
    );
    // an ACE of size 0 (would loop forever if trusted)
    let mut b = good.clone();
    b[0x38 + 2] = 0;
    b[0x38 + 3] = 0;
    let e = reason(&b);
    assert_eq!(e.at, 0x38);
    assert!(e.message.contains("ACE 1 has size 0"), "{e:?}");
    // an ACE larger than its ACL
    let mut b = good.clone();
    b[0x38 + 2] = 0xff;
    assert!(reason(&b).message.contains("runs past the end of its ACL"));
    // AclSize past the end of the data
    let mut b = good.clone();
    b[0x30 + 2..0x30 + 4].copy_from_slice(&0x4000u16.to_le_bytes());
    let e = reason(&b);
    assert!(
        e.truncated && e.message.contains("ACL size 16384 runs past"),
        "{e:?}"
    );
    // AclSize smaller than the header
    let mut b = good.clone();
    b[0x30 + 2] = 4;
    b[0x30 + 3] = 0;
    assert!(reason(&b)
        .message
        .contains("smaller than its 8-byte header"));
    // a SID claiming 200 sub-authorities inside an ACE
    let mut b = good.clone();
    b[0x38 + 9] = 200;
    assert!(reason(&b)
        .message
        .contains("ACE 1: SID with 200 sub-authorities"));
    // a DACL offset outside the data, a truncated header, an absolute descriptor
    let mut b = good.clone();
    b[16..20].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    assert!(reason(&b).message.contains("DACL offset"));
    assert!(reason(&good[..10]).truncated);
    let mut b = good.clone();
    b[3] = 0;
    assert!(reason(&b).message.contains("SE_SELF_RELATIVE"));
    // the descriptor cut anywhere never panics
    for cut in 0..good.len() {
        let _ = parse_security_descriptor(&good[..cut]);
    }
    // no DACL: every caller gets every right
    let sd = parse_security_descriptor(&policy_sd(None)).unwrap();
    assert!(anonymous_lookup(&sd).unwrap().granted);
    // an inherit-only deny ACE does not count
    let aces = vec![
        ace(1, 0x08, 0x800, &SID_ANONYMOUS),
        ace(0, 0, 0x800, &SID_ANONYMOUS),
    ];
    let sd = parse_security_descriptor(&policy_sd(Some(&aces))).unwrap();
    assert!(anonymous_lookup(&sd).unwrap().granted);
    // no ACE for ANONYMOUS LOGON: not granted
    let aces = vec![ace(0, 0, 0x000f_0fff, &SID_ADMINS)];
    let sd = parse_security_descriptor(&policy_sd(Some(&aces))).unwrap();
    assert!(!anonymous_lookup(&sd).unwrap().granted);
    // a callback (conditional) allow ACE for ANONYMOUS LOGON: not decided
    let aces = vec![ace(9, 0, 0x800, &SID_ANONYMOUS)];
    let sd = parse_security_descriptor(&policy_sd(Some(&aces))).unwrap();
    assert!(anonymous_lookup(&sd).is_err());
}

#[test]
fn security_hive_bad_secdesc_is_a_problem_and_the_audit_policy_stays() {
    let mut sd = policy_sd(Some(&policy_dacl(true)));
    sd[0x30 + 4] = 40; // 40 ACEs claimed, 4 present
    let bytes = security_hive(Some(poladtev_2016(&[(W16_LOGON, 3)])), Some(sd));
    let src = policy::read_bytes(Path::new("SECURITY"), &bytes).unwrap();
    assert_eq!(src.problems.len(), 1);
    let msg = src.problems[0].to_string();
    assert!(
        msg.starts_with(r"SECURITY: key Policy\SecDesc\(default) (cell at 0x")
            && msg.contains("DACL: the ACL counts 40 ACEs"),
        "{msg}"
    );
    assert!(audit_entry(&src, "9215").is_some());
}
