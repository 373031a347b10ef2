//! Writes seed inputs for the fuzz targets into `DIR/<target>/`, made with nullsight's own
//! writers (so every seed is a valid file of its kind), plus, for EVTX, the first two chunks of
//! each real log in `samples/` (real Windows template layouts, which the writer only imitates).
//! Used by `scripts/fuzz.sh`.

use evtx_writer::{EventData, EventRecord, EvtxWriter, FileTime, Guid, Sid, Value};
use nullsight::policy::hive::build::{hive_bytes, Node};
use nullsight::policy::lsa::{self, build as lsa_build};
use nullsight::policy::{inf, pol, reg, Item, RegOp, RegValue};
use std::path::Path;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: fuzz_seeds DIR");
    let dir = Path::new(&dir);
    let put = |target: &str, name: &str, bytes: &[u8]| {
        let d = dir.join(target);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), bytes).unwrap();
    };

    // EVTX: a Security 4624 null session and a classic NETLOGON 5805, in two small files.
    let logon = EventRecord {
        provider_name: "Microsoft-Windows-Security-Auditing".into(),
        provider_guid: Some(
            "{54849625-5478-4994-A5BA-3E3B0328C30D}"
                .parse::<Guid>()
                .unwrap(),
        ),
        event_id: 4624,
        version: 2,
        task: 12544,
        keywords: 0x8020_0000_0000_0000,
        time: FileTime::from_unix(1_770_000_000, 0),
        channel: "Security".into(),
        computer: "SRV01.corp.example".into(),
        data: EventData::Named(vec![
            (
                "SubjectUserSid".into(),
                Value::Sid("S-1-0-0".parse::<Sid>().unwrap()),
            ),
            ("SubjectLogonId".into(), Value::HexInt64(0)),
            (
                "TargetUserSid".into(),
                Value::Sid("S-1-5-7".parse::<Sid>().unwrap()),
            ),
            (
                "TargetUserName".into(),
                Value::String("ANONYMOUS LOGON".into()),
            ),
            ("TargetLogonId".into(), Value::HexInt64(0x292b7)),
            ("LogonType".into(), Value::U32(3)),
            ("LogonProcessName".into(), Value::String("NtLmSsp ".into())),
            ("LmPackageName".into(), Value::String("NTLM V1".into())),
            ("KeyLength".into(), Value::U32(0)),
            ("IpAddress".into(), Value::String("10.0.0.15".into())),
        ]),
        ..EventRecord::default()
    };
    let netlogon = EventRecord {
        provider_name: "NETLOGON".into(),
        event_id: 5805,
        qualifiers: Some(0),
        level: 2,
        channel: "System".into(),
        computer: "DC01.corp.example".into(),
        data: EventData::Positional {
            strings: vec!["WKS042".into(), "%%5".into()],
            binary: Some(vec![0x22, 0, 0, 0xc0].into()),
        },
        ..EventRecord::default()
    };
    for (name, rec) in [("logon.evtx", &logon), ("netlogon.evtx", &netlogon)] {
        let mut w = EvtxWriter::new(std::io::Cursor::new(Vec::new())).unwrap();
        w.write(rec).unwrap();
        put("evtx", name, &w.finish().unwrap().into_inner());
    }
    // Two chunks: the campaign's inputs are capped at 4 KiB + 2 × 64 KiB (scripts/fuzz.sh).
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for name in ["security.evtx", "post-Security.evtx"] {
        if let Ok(bytes) = std::fs::read(samples.join(name)) {
            let head = &bytes[..bytes.len().min(4096 + 2 * 65536)];
            put("evtx", &format!("sample-{name}"), head);
        }
    }

    // XML and JSON Lines renderings of such events.
    let xml = r#"<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/><EventID>4624</EventID><Version>2</Version><TimeCreated SystemTime="2026-03-02T08:00:00.0000000Z"/><EventRecordID>7</EventRecordID><Channel>Security</Channel><Computer>SRV01</Computer><Security/></System><EventData><Data Name="TargetUserSid">S-1-5-7</Data><Data Name="LogonType">3</Data><Data Name="LogonProcessName">NtLmSsp </Data><Data Name="IpAddress">::ffff:10.0.0.15</Data><Data Name="ImpersonationLevel">%%1833</Data></EventData></Event><Event><System><Provider Name="MSSQLSERVER"/><EventID Qualifiers="49152">18456</EventID><Channel>Application</Channel></System><EventData><Data>NT AUTHORITY\ANONYMOUS LOGON</Data><Data> Reason: x</Data><Data> [CLIENT: 10.0.0.21]</Data><Binary>18480000</Binary></EventData></Event></Events>"#;
    put("xml", "events.xml", xml.as_bytes());
    let jsonl = concat!(
        r#"{"Event":{"System":{"Provider":{"#,
        r##""#attributes":{"Name":"Microsoft-Windows-NTLM"}},"EventID":8001,"Channel":"Microsoft-Windows-NTLM/Operational","EventRecordID":3},"EventData":{"TargetName":"cifs/srv01","UserName":"","ClientLUID":"0x3e7","CallerPID":4}}}"##,
        "\n",
        r#"{"@timestamp":"2026-03-02T08:00:00Z","winlog":{"channel":"Security","provider_name":"Microsoft-Windows-Security-Auditing","event_id":4625,"record_id":9,"event_data":{"Status":"0xc000006d","SubStatus":"0xc0000064","TargetUserName":"bob"}}}"#,
        "\n"
    );
    put("jsonl", "events.jsonl", jsonl.as_bytes());

    // Configuration: one file of each kind, through the project's writers.
    let lsa = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa";
    let items = vec![
        Item::Registry {
            key: lsa.into(),
            value: "RestrictAnonymous".into(),
            op: RegOp::Set(RegValue::Dword(1)),
        },
        Item::Registry {
            key: lsa.into(),
            value: "LmCompatibilityLevel".into(),
            op: RegOp::Set(RegValue::Dword(5)),
        },
        Item::Registry {
            key: "HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanManServer\\Parameters".into(),
            value: "NullSessionPipes".into(),
            op: RegOp::Set(RegValue::MultiSz(vec!["netlogon".into(), "samr".into()])),
        },
        Item::Registry {
            key: lsa.into(),
            value: "EveryoneIncludesAnonymous".into(),
            op: RegOp::DeleteValue,
        },
    ];
    let reg_bytes = reg::write(&items).unwrap();
    put("reg", "lsa.reg", &reg_bytes);
    put("config", "lsa.reg", &reg_bytes);
    let mut inf_items = items[..3].to_vec();
    inf_items.push(Item::SystemAccess {
        name: "LSAAnonymousNameLookup".into(),
        value: "0".into(),
    });
    inf_items.push(Item::Privilege {
        right: "SeNetworkLogonRight".into(),
        accounts: vec!["*S-1-5-32-544".into(), "*S-1-5-11".into()],
    });
    let inf_bytes = inf::write(&inf_items).unwrap();
    put("inf", "GptTmpl.inf", &inf_bytes);
    put("config", "GptTmpl.inf", &inf_bytes);
    let pol_bytes = pol::write(&items).unwrap();
    put("pol", "Registry.pol", &pol_bytes);
    put("config", "Registry.pol", &pol_bytes);
    let csv = "Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\nSRV01,System,Logon,{0CCE9215-69AE-11D9-BED3-505054503030},Success and Failure,,3\r\nSRV01,System,Credential Validation,{0CCE923F-69AE-11D9-BED3-505054503030},Failure,,2\r\n";
    put("auditpol", "audit.csv", csv.as_bytes());
    put("config", "audit.csv", csv.as_bytes());
    let mut root = Node::new("ROOT").child(Node::new("Select").dword("Current", 1));
    root.at("ControlSet001\\Control\\Lsa").values.push((
        "LmCompatibilityLevel".into(),
        4,
        5u32.to_le_bytes().to_vec(),
    ));
    let hive = hive_bytes(&root);
    put("hive", "SYSTEM", &hive);
    put("config", "SYSTEM", &hive);

    // A SECURITY hive: PolAdtEv in the Windows 10 1607+ layout and the LSA policy object's
    // security descriptor (deny, then allow, POLICY_LOOKUP_NAMES for ANONYMOUS LOGON).
    let layout = lsa::LAYOUTS
        .iter()
        .find(|l| l.counts == [5, 11, 14, 3, 6, 6, 6, 4, 4])
        .unwrap();
    let poladtev = lsa_build::poladtev(layout, |_, guid| {
        u16::from(guid.ends_with("5-69AE-11D9-BED3-505054503030}")) * 3
    });
    let aces = [
        lsa_build::ace(1, 0, lsa::POLICY_LOOKUP_NAMES, lsa::ANONYMOUS_LOGON),
        lsa_build::ace(0, 0, 0x000f_0fff, "S-1-5-32-544"),
        lsa_build::ace(0, 0, 0x0002_0801, lsa::EVERYONE),
        lsa_build::ace(0, 0, 0x801, lsa::ANONYMOUS_LOGON),
    ];
    let sd = lsa_build::security_descriptor("S-1-5-32-544", "S-1-5-18", Some(&aces));
    let security = hive_bytes(
        &Node::new("ROOT").child(Node::new("Cache")).child(
            Node::new("Policy")
                .child(Node::new("PolAdtEv").value("", 0, poladtev.clone()))
                .child(Node::new("SecDesc").value("", 0, sd.clone())),
        ),
    );
    put("hive", "SECURITY", &security);
    put("config", "SECURITY", &security);
    put("lsa", "PolAdtEv", &poladtev);
    put("lsa", "SecDesc", &sd);
}
