//! Baselines: the embedded files load, operators behave, evaluation gives the statuses.

use nullsight::baseline::{self, evaluate::check, Baseline, Expected, Op, Status};
use nullsight::policy::host::{build_hosts, resolve_host, HostOptions, SourceInput};
use nullsight::policy::settings::{Role, SettingValue, CATALOGUE};
use nullsight::policy::{self, Effective};
use std::path::Path;

#[test]
fn embedded_baselines_load_and_fit_their_role() {
    for (name, _) in baseline::EMBEDDED {
        let b = Baseline::embedded(name).unwrap();
        assert!(!b.rules.is_empty());
        let role = b.role.expect("embedded baselines name their role");
        for r in &b.rules {
            assert!(
                r.setting.applies_to(role),
                "{name}: {} is not meant for {role}",
                r.setting.name
            );
            assert!(!r.rationale.is_empty());
        }
        assert!(
            b.rules.iter().any(|r| r.group == baseline::AUDIT_COVERAGE),
            "{name}"
        );
        for cov in [
            "AuditLogon",
            "AuditCredentialValidation",
            "AuditFileShare",
            "AuditDetailedFileShare",
        ] {
            assert!(
                b.rules.iter().any(|r| r.setting.name == cov),
                "{name} lacks {cov}"
            );
        }
    }
    assert!(Baseline::embedded("cis-dc")
        .unwrap()
        .rules
        .iter()
        .any(|r| r.setting.name == "AuditComputerAccountManagement"));
    assert!(Baseline::load("no-such-baseline").is_err());
}

#[test]
fn catalogue_is_consistent() {
    let mut names: Vec<&str> = CATALOGUE.iter().map(|s| s.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CATALOGUE.len(), "duplicate canonical names");
    for s in CATALOGUE {
        for role in [Role::Dc, Role::Member, Role::Workstation] {
            let d = match role {
                Role::Dc => s.defaults.dc,
                Role::Member => s.defaults.member,
                Role::Workstation => s.defaults.workstation,
            };
            if d.is_some() {
                assert!(
                    s.default_for(role).is_some(),
                    "{}: default {d:?} does not parse",
                    s.name
                );
            }
        }
    }
    // The IE 1A00 value is described as client hardening, never as anonymous access enabled.
    let ie = nullsight::policy::settings::find("IELockdownRestrictedZoneLogon").unwrap();
    let text = ie.describe(&SettingValue::Number(196608));
    assert!(
        text.contains("client hardening") && text.contains("not anonymous access"),
        "{text}"
    );
    // RestrictSendingNTLMTraffic labels are Allow / Audit / Deny all (not the incoming labels).
    let r = nullsight::policy::settings::find("RestrictSendingNTLMTraffic").unwrap();
    assert_eq!(r.describe(&SettingValue::Number(1)), "1 (Audit all)");
    let f = nullsight::policy::settings::find("NTLMMinClientSec").unwrap();
    assert_eq!(
        f.describe(&SettingValue::Number(537395200)),
        "537395200 (Require NTLMv2 session security + Require 128-bit encryption)"
    );
}

#[test]
fn operators() {
    let n = |v| Some(SettingValue::Number(v));
    let l = |v: &[&str]| SettingValue::List(v.iter().map(|s| s.to_string()).collect());
    let el = |v: &[&str]| Expected::List(v.iter().map(|s| s.to_string()).collect());
    assert_eq!(
        check(Op::Eq, &Expected::Number(5), n(5).as_ref()),
        Some(true)
    );
    assert_eq!(
        check(Op::Ge, &Expected::Number(1), n(0).as_ref()),
        Some(false)
    );
    assert_eq!(
        check(
            Op::HasBits,
            &Expected::Number(537395200),
            n(536870912).as_ref()
        ),
        Some(false)
    );
    assert_eq!(
        check(
            Op::HasBits,
            &Expected::Number(537395200),
            n(537395200 | 0x20).as_ref()
        ),
        Some(true)
    );
    assert_eq!(
        check(Op::OneOf, &Expected::Numbers(vec![1, 2]), n(2).as_ref()),
        Some(true)
    );
    assert_eq!(
        check(Op::SubsetOf, &el(&["LSARPC", "SAMR"]), Some(&l(&["samr"]))),
        Some(true)
    );
    assert_eq!(
        check(Op::SubsetOf, &el(&["LSARPC"]), Some(&l(&["samr"]))),
        Some(false)
    );
    assert_eq!(
        check(
            Op::Includes,
            &el(&["S-1-5-32-546"]),
            Some(&l(&["s-1-5-32-546", "S-1-5-113"]))
        ),
        Some(true)
    );
    assert_eq!(
        check(Op::Excludes, &el(&["S-1-1-0"]), Some(&l(&["S-1-1-0"]))),
        Some(false)
    );
    assert_eq!(check(Op::Empty, &Expected::None, Some(&l(&[]))), Some(true));
    assert_eq!(check(Op::Absent, &Expected::None, None), Some(true));
    assert_eq!(check(Op::Eq, &Expected::Number(1), Some(&l(&["x"]))), None);
}

fn utf16_bom(s: &str) -> Vec<u8> {
    let mut v = vec![0xff, 0xfe];
    v.extend(s.encode_utf16().flat_map(|u| u.to_le_bytes()));
    v
}

#[test]
fn evaluation_statuses_and_precedence() {
    let local = policy::read_bytes(
        Path::new("host/secedit.inf"),
        &utf16_bom(
            "[Unicode]\r\nUnicode=yes\r\n[System Access]\r\nLSAAnonymousNameLookup = 1\r\n[Privilege Rights]\r\n\
             SeNetworkLogonRight = *S-1-5-32-544,*S-1-5-11\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\n",
        ),
    )
    .unwrap();
    let gpo = policy::read_bytes(
        Path::new("host/Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf"),
        &utf16_bom("[Unicode]\r\nUnicode=yes\r\n[System Access]\r\nLSAAnonymousNameLookup = 0\r\nEnableGuestAccount = 1\r\n"),
    )
    .unwrap();
    let host = resolve_host("H".into(), vec![local, gpo], Some(Role::Member));
    let lsa = host.setting("LSAAnonymousNameLookup").unwrap();
    assert!(matches!(
        &lsa.effective,
        Effective::Set {
            value: SettingValue::Number(0),
            ..
        }
    ));
    assert_eq!(lsa.conflicts.len(), 1);
    // absent from a complete local export: nobody holds the right
    let deny = host.setting("SeDenyNetworkLogonRight").unwrap();
    assert!(
        matches!(&deny.effective, Effective::Set { value: SettingValue::List(l), .. } if l.is_empty())
    );
    let b = Baseline::embedded("cis-member").unwrap();
    let c = baseline::evaluate(&host, &b);
    let st = |name: &str| {
        c.rows
            .iter()
            .find(|r| r.setting == name)
            .map(|r| r.status)
            .unwrap()
    };
    assert_eq!(st("LSAAnonymousNameLookup"), Status::Pass);
    assert_eq!(st("EnableGuestAccount"), Status::Fail);
    assert_eq!(st("SeNetworkLogonRight"), Status::Pass);
    assert_eq!(st("SeDenyNetworkLogonRight"), Status::Fail);
    assert_eq!(st("RestrictAnonymousSAM"), Status::Unknown);
    assert_eq!(c.coverage.trusted, None);

    // Host grouping: a file without a computer name joins the one named in its group.
    let hive = nullsight::policy::hive::build::hive_bytes(
        &nullsight::policy::hive::build::Node::new("R")
            .child(nullsight::policy::hive::build::Node::new("Select").dword("Current", 1))
            .child(
                nullsight::policy::hive::build::Node::new("ControlSet001").child(
                    nullsight::policy::hive::build::Node::new("Control").child(
                        nullsight::policy::hive::build::Node::new("ComputerName").child(
                            nullsight::policy::hive::build::Node::new("ComputerName").value(
                                "ComputerName",
                                1,
                                "SRV9\0"
                                    .encode_utf16()
                                    .flat_map(|u| u.to_le_bytes())
                                    .collect(),
                            ),
                        ),
                    ),
                ),
            ),
    );
    let a = policy::read_bytes(Path::new("g/SYSTEM"), &hive).unwrap();
    let b2 = policy::read_bytes(
        Path::new("g/x.inf"),
        &utf16_bom("[System Access]\r\nEnableGuestAccount = 0\r\n"),
    )
    .unwrap();
    let c2 = policy::read_bytes(
        Path::new("other/y.inf"),
        &utf16_bom("[System Access]\r\nEnableGuestAccount = 0\r\n"),
    )
    .unwrap();
    let hosts = build_hosts(
        vec![
            SourceInput {
                source: a,
                group: "g".into(),
            },
            SourceInput {
                source: b2,
                group: "g".into(),
            },
            SourceInput {
                source: c2,
                group: "other".into(),
            },
        ],
        &HostOptions::default(),
    );
    let names: Vec<(&str, usize)> = hosts
        .iter()
        .map(|h| (h.name.as_str(), h.sources.len()))
        .collect();
    assert_eq!(names, vec![("SRV9", 2), ("other", 1)]);
    assert_eq!(
        hosts[1].role_origin,
        "assumed: no --role and no ProductType in the inputs"
    );
}
