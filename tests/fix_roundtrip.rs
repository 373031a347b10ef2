//! The generated .reg, INF and Registry.pol read back with nullsight's own readers give exactly
//! the intended settings; the rollback files give back the original ones. The scripts are checked
//! structurally (no PowerShell here).

mod common;

use nullsight::baseline::Baseline;
use nullsight::cli::simulate::baseline_changes;
use nullsight::policy::host::HostOptions;
use nullsight::policy::settings::{self, Location, SettingValue};
use nullsight::policy::{self, Item, RegOp, RegValue};
use nullsight::remediate::{self, current_of, Current, HostFix, Target};
use nullsight::simulate::Scope;
use std::collections::BTreeMap;
use std::path::Path;

const LSA: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\Lsa";
const LMS: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\LanManServer\Parameters";

fn set(key: &str, value: &str, v: RegValue) -> Item {
    Item::Registry {
        key: key.into(),
        value: value.into(),
        op: RegOp::Set(v),
    }
}

/// SRV01: a .reg export of the Lsa and LanManServer keys (what is not in them is absent) and a
/// secedit export.
fn write_config(dir: &Path) {
    let host = dir.join("SRV01");
    std::fs::create_dir_all(&host).unwrap();
    let reg = policy::reg::write(&[
        set(LSA, "LmCompatibilityLevel", RegValue::Dword(2)),
        set(LSA, "RestrictAnonymous", RegValue::Dword(0)),
        set(LSA, "EveryoneIncludesAnonymous", RegValue::Dword(1)),
        set(
            LMS,
            "NullSessionPipes",
            RegValue::MultiSz(vec!["netlogon".into(), "samr".into(), "COMNAP".into()]),
        ),
        set(LMS, "RestrictNullSessAccess", RegValue::Dword(0)),
    ])
    .unwrap();
    std::fs::write(host.join("srv01.reg"), reg).unwrap();
    let inf = policy::inf::write(&[
        Item::SystemAccess {
            name: "LSAAnonymousNameLookup".into(),
            value: "1".into(),
        },
        Item::SystemAccess {
            name: "EnableGuestAccount".into(),
            value: "1".into(),
        },
        Item::Privilege {
            right: "SeNetworkLogonRight".into(),
            accounts: vec!["S-1-1-0".into(), "S-1-5-32-544".into(), "S-1-5-11".into()],
        },
    ])
    .unwrap();
    std::fs::write(host.join("secedit.inf"), inf).unwrap();
}

type State = BTreeMap<(String, String), RegValue>;

fn apply(state: &mut State, items: &[Item]) {
    for i in items {
        if let Item::Registry { key, value, op } = i {
            let k = (key.to_ascii_uppercase(), value.to_ascii_uppercase());
            match op {
                RegOp::Set(v) => {
                    state.insert(k, v.clone());
                }
                RegOp::DeleteValue => {
                    state.remove(&k);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

fn read_items(path: &Path) -> Vec<Item> {
    let src = policy::read(path).unwrap_or_else(|e| panic!("{e}"));
    assert!(src.problems.is_empty(), "{:?}", src.problems);
    src.entries
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
        .collect()
}

fn norm(items: &[Item]) -> Vec<Item> {
    items
        .iter()
        .map(|i| match i {
            Item::Registry { key, value, op } => Item::Registry {
                key: key.to_ascii_uppercase(),
                value: value.clone(),
                op: op.clone(),
            },
            Item::Privilege { right, accounts } => Item::Privilege {
                right: right.clone(),
                accounts: accounts
                    .iter()
                    .map(|a| settings::account_to_sid(a))
                    .collect(),
            },
            other => other.clone(),
        })
        .collect()
}

fn setup(name: &str) -> (std::path::PathBuf, Vec<HostFix>) {
    let dir = common::temp_dir(name);
    write_config(&dir.join("config"));
    let read = policy::read_hosts(
        &[dir.join("config/SRV01")],
        &HostOptions {
            host: None,
            role: Some(settings::Role::Member),
            default_role: None,
        },
    );
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    let hosts = read.hosts;
    assert_eq!(hosts.len(), 1);
    let b = Baseline::embedded("cis-member").unwrap();
    let (changes, _notes) = baseline_changes(&hosts, Some(&b), None).unwrap();
    let h = &hosts[0];
    let targets: Vec<Target> = changes
        .iter()
        .filter(|c| matches!(&c.scope, Scope::Hosts(l) if l == &vec!["SRV01".to_string()]))
        .map(|c| Target {
            setting: c.setting,
            value: c.value.clone(),
            current: current_of(h, c.setting),
        })
        .collect();
    (
        dir,
        vec![HostFix {
            name: h.name.clone(),
            role: Some(h.role),
            targets,
            notes: vec![],
        }],
    )
}

#[test]
fn reg_pol_and_inf_read_back_as_intended_and_roll_back_to_the_original() {
    let (dir, fixes) = setup("fix_roundtrip");
    let fix = &fixes[0];
    let out = dir.join("out");
    let written = remediate::write(&out, fix).unwrap();
    assert_eq!(written.len(), 9, "{written:?}");
    let files = remediate::build(fix).unwrap();
    let hd = out.join("SRV01");

    // What the fix must do: the baseline's failing values, from the catalogue.
    let lm = fix
        .targets
        .iter()
        .find(|t| t.setting.name == "LmCompatibilityLevel")
        .unwrap();
    assert_eq!(lm.value, Some(SettingValue::Number(5)));
    assert_eq!(lm.current, Current::Value(SettingValue::Number(2)));
    let pipes = fix
        .targets
        .iter()
        .find(|t| t.setting.name == "NullSessionPipes")
        .unwrap();
    assert_eq!(pipes.value, Some(SettingValue::List(vec![])));
    let sam = fix
        .targets
        .iter()
        .find(|t| t.setting.name == "RestrictRemoteSAM")
        .unwrap();
    assert_eq!(sam.current, Current::Absent);

    // Each file reads back as exactly the intended items.
    for (file, want) in [
        ("harden.reg", &files.harden_reg),
        ("rollback.reg", &files.rollback_reg),
        ("Registry.pol", &files.harden_reg),
        ("rollback.pol", &files.rollback_reg),
    ] {
        assert_eq!(norm(&read_items(&hd.join(file))), norm(want), "{file}");
    }
    for (file, want) in [
        ("harden.inf", &files.harden_inf),
        ("rollback.inf", &files.rollback_inf),
    ] {
        assert_eq!(norm(&read_items(&hd.join(file))), norm(want), "{file}");
    }

    // Semantics: original state → harden gives the targets → rollback gives the original.
    let mut original = State::new();
    for t in &fix.targets {
        if let (Location::Registry { key, value }, Current::Value(v)) =
            (t.setting.location, &t.current)
        {
            let rv = match v {
                SettingValue::Number(n) => RegValue::Dword(*n as u32),
                SettingValue::Text(s) => RegValue::Sz(s.clone()),
                SettingValue::List(l) => RegValue::MultiSz(l.clone()),
            };
            original.insert((key.to_ascii_uppercase(), value.to_ascii_uppercase()), rv);
        }
    }
    for (harden, rollback) in [
        ("harden.reg", "rollback.reg"),
        ("Registry.pol", "rollback.pol"),
    ] {
        let mut state = original.clone();
        apply(&mut state, &read_items(&hd.join(harden)));
        for t in &fix.targets {
            if let Location::Registry { key, value } = t.setting.location {
                let got = state.get(&(key.to_ascii_uppercase(), value.to_ascii_uppercase()));
                match (&t.value, got) {
                    (Some(SettingValue::Number(n)), Some(RegValue::Dword(d))) => {
                        assert_eq!(*n, *d as u64, "{}", t.setting.name)
                    }
                    (Some(SettingValue::List(l)), Some(RegValue::MultiSz(m))) => assert_eq!(l, m),
                    (Some(SettingValue::Text(s)), Some(RegValue::Sz(x))) => assert_eq!(s, x),
                    (None, None) => {}
                    (want, got) => panic!("{}: want {want:?}, got {got:?}", t.setting.name),
                }
            }
        }
        apply(&mut state, &read_items(&hd.join(rollback)));
        assert_eq!(state, original, "{rollback}");
    }

    // The rollback INF gives the secedit values back.
    let back = read_items(&hd.join("rollback.inf"));
    assert!(back.contains(&Item::SystemAccess {
        name: "LSAAnonymousNameLookup".into(),
        value: "1".into()
    }));
    assert!(back.contains(&Item::SystemAccess {
        name: "EnableGuestAccount".into(),
        value: "1".into()
    }));
    let harden = read_items(&hd.join("harden.inf"));
    assert!(harden.contains(&Item::SystemAccess {
        name: "LSAAnonymousNameLookup".into(),
        value: "0".into()
    }));

    // Audit the hardened configuration: every rule the fix covers now passes.
    let hosts = policy::read_hosts(
        &[
            dir.join("config/SRV01"),
            hd.join("harden.reg"),
            hd.join("harden.inf"),
        ],
        &HostOptions {
            host: Some("SRV01".into()),
            role: Some(settings::Role::Member),
            default_role: None,
        },
    )
    .hosts;
    let c = nullsight::baseline::evaluate(&hosts[0], &Baseline::embedded("cis-member").unwrap());
    for t in &fix.targets {
        for r in c.rows.iter().filter(|r| r.setting == t.setting.name) {
            assert!(
                !r.status.failed(),
                "{} still fails: {:?}",
                r.setting,
                r.actual
            );
        }
    }
}

#[test]
fn scripts_are_structurally_sound() {
    let (dir, fixes) = setup("fix_scripts");
    remediate::write(&dir.join("out"), &fixes[0]).unwrap();
    let hd = dir.join("out/SRV01");
    let h = std::fs::read_to_string(hd.join("harden.ps1")).unwrap();
    let r = std::fs::read_to_string(hd.join("rollback.ps1")).unwrap();
    for s in [&h, &r] {
        assert!(s.contains("[CmdletBinding(SupportsShouldProcess = $true)]"));
        assert!(s.contains("$Cmdlet.ShouldProcess("));
        assert!(
            s.contains("Test-Same $current $s.Data"),
            "idempotence check"
        );
        assert!(s.contains("Set-ItemProperty -LiteralPath"));
        assert!(s.is_ascii());
        // Every data value is a typed number, a single-quoted string, a string array or $null.
        for line in s
            .lines()
            .filter(|l| l.trim_start().starts_with("@{ Key = ") && !l.contains("$b."))
        {
            let data = line.split("Data = ").nth(1).unwrap();
            assert!(
                data.starts_with("[int64]")
                    || data.starts_with('\'')
                    || data.starts_with("[string[]]@(")
                    || data.starts_with("$null"),
                "{line}"
            );
            assert!(!line.contains('"'), "{line}");
        }
    }
    assert!(
        h.contains("if (-not (Test-Path -LiteralPath $Backup))"),
        "the first backup is kept"
    );
    assert!(h.contains("ConvertTo-Json"));
    assert!(h.contains("secedit.exe /export") && h.contains("harden.inf"));
    assert!(h.contains("'LmCompatibilityLevel'; Type = 'DWord'; Data = [int64]5"));
    assert!(h.contains("'LSAAnonymousNameLookup = 0'"));
    assert!(r.contains("ConvertFrom-Json") && r.contains("Remove = $true"));
    let readme = std::fs::read_to_string(hd.join("README.txt")).unwrap();
    assert!(
        readme.contains("-WhatIf")
            && readme.contains("rollback.reg")
            && readme.contains("secedit /configure")
    );
}

#[test]
fn unsafe_values_are_refused() {
    let s = settings::find("NullSessionPipes").unwrap();
    for bad in [
        "pipe'x", "pipe\"x", "pïpe", "a,b", "x`y", "$(calc)", "\u{2019}",
    ] {
        let fix = HostFix {
            name: "evil\"; calc".into(),
            role: None,
            targets: vec![Target {
                setting: s,
                value: Some(SettingValue::List(vec![])),
                current: Current::Value(SettingValue::List(vec![bad.into()])),
            }],
            notes: vec![],
        };
        assert!(remediate::build(&fix).is_err(), "{bad:?} accepted");
    }
    assert!(nullsight::simulate::parse_set(
        "RestrictRemoteSAM=O:BAG:BAD:(A;;RC;;;BA)'; calc",
        Scope::All
    )
    .is_err());
    assert_eq!(remediate::safe_name("..\\..\\evil host"), "______evil_host");
}

#[test]
fn fix_cli_per_role_without_config() {
    let dir = common::temp_dir("fix_cli");
    let out = dir.join("out");
    let o = common::nullsight(&[
        "fix".as_ref(),
        "--baseline".as_ref(),
        "cis-workstation".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let wd = out.join("workstation");
    for f in [
        "harden.reg",
        "rollback.reg",
        "Registry.pol",
        "rollback.pol",
        "harden.inf",
        "harden.ps1",
        "rollback.ps1",
        "README.txt",
    ] {
        assert!(wd.join(f).is_file(), "{f}");
    }
    // The rollback removes what it cannot know.
    assert!(read_items(&wd.join("rollback.reg"))
        .iter()
        .all(|i| matches!(
            i,
            Item::Registry {
                op: RegOp::DeleteValue,
                ..
            }
        )));
    let o = common::nullsight(&[
        "fix".as_ref(),
        "--set".as_ref(),
        "NullSessionPipes=a\"b".as_ref(),
        "--role".as_ref(),
        "member".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1));
}

/// One host whose files hold a value that cannot be written safely (its rollback would have
/// to carry it) gets no files and is named on stderr; the other hosts' files are written.
#[test]
fn fix_cli_an_unsafe_current_value_stops_only_its_host() {
    let dir = common::temp_dir("fix_cli_unsafe_host");
    let cfg = dir.join("config");
    std::fs::create_dir_all(&cfg).unwrap();
    let reg = |host: &str, pipes: &[&str]| {
        let mut units: Vec<u16> = Vec::new();
        for p in pipes {
            units.extend(p.encode_utf16());
            units.push(0);
        }
        units.push(0);
        let hex: Vec<String> = units
            .iter()
            .flat_map(|u| u.to_le_bytes())
            .map(|b| format!("{b:02x}"))
            .collect();
        let text = format!(
            "Windows Registry Editor Version 5.00\r\n\r\n\
             [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName]\r\n\
             \"ComputerName\"=\"{host}\"\r\n\r\n\
             [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters]\r\n\
             \"NullSessionPipes\"=hex(7):{}\r\n",
            hex.join(",")
        );
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        std::fs::write(cfg.join(format!("{host}.reg")), bytes).unwrap();
    };
    reg("GOODHOST", &["netlogon"]);
    reg("EVILHOST", &["pipe'x"]);
    let out = dir.join("out");
    let o = common::nullsight(&[
        "fix".as_ref(),
        "--config".as_ref(),
        cfg.as_os_str(),
        "--role".as_ref(),
        "member".as_ref(),
        "--set".as_ref(),
        "NullSessionPipes=".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("EVILHOST: no files written"), "{stderr}");
    assert!(
        out.join("GOODHOST").join("harden.reg").is_file(),
        "{stderr}"
    );
    assert!(!out.join("EVILHOST").exists());
}
