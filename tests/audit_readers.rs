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
