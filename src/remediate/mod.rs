//! Write the fix and its way back: per host (or role) a `.reg` file, a PowerShell script, a
//! security template (INF) for the settings that live in secedit, a Registry.pol for a GPO, and
//! the rollback of each, with a README.
//!
//! Every value written comes from the settings catalogue (keys, value names, types) and from
//! validated typed values ([`crate::simulate::validate_value`]): numbers, and list or text items
//! of printable ASCII without quotes. Nothing is copied from a log or from a raw config string;
//! a value that cannot be written safely is refused with an error.

pub mod ps1;

use crate::baseline::{CheckedRule, Expected, Op};
use crate::policy::settings::{Kind, Location, Role, Setting, SettingValue};
use crate::policy::{self, Effective, HostConfig, Item, RegOp, RegValue};
use crate::simulate::validate_value;
use std::path::{Path, PathBuf};

/// What a host had before the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Current {
    /// Set to this value.
    Value(SettingValue),
    /// Proven absent (the configuration holds everything in its area).
    Absent,
    /// No configuration shows it.
    Unknown,
}

/// One setting to change on a host.
#[derive(Debug, Clone)]
pub struct Target {
    pub setting: &'static Setting,
    /// `None`: remove the value (back to "not configured").
    pub value: Option<SettingValue>,
    pub current: Current,
}

/// The changes for one host or role.
#[derive(Debug, Clone)]
pub struct HostFix {
    /// The folder name under `--out` (a host or role name, made safe).
    pub name: String,
    pub role: Option<Role>,
    pub targets: Vec<Target>,
    /// Things the README must say (values that could not be derived, unknown originals).
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error("{setting}: {why}")]
    Value { setting: String, why: String },
    #[error("{0}")]
    Write(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The current value of a setting on a configured host.
pub fn current_of(host: &HostConfig, setting: &Setting) -> Current {
    match host.setting(setting.name).map(|r| &r.effective) {
        Some(Effective::Set { value, .. }) => Current::Value(value.clone()),
        Some(Effective::Default { .. }) => Current::Absent,
        _ => Current::Unknown,
    }
}

fn eq_ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The value that makes a failing rule pass, given the effective value now (`None`: unknown).
/// `Ok(None)`: remove the value. An error when the rule does not say which value to use
/// (`ne`), or the value is not safe to write.
pub fn target_for(
    rule: &CheckedRule,
    now: Option<&SettingValue>,
) -> Result<Option<SettingValue>, FixError> {
    let s = rule.setting;
    let bad = |why: &str| FixError::Value {
        setting: s.name.to_string(),
        why: why.to_string(),
    };
    let now_list: Vec<String> = match now {
        Some(SettingValue::List(l)) => l.clone(),
        _ => Vec::new(),
    };
    let v = match (rule.op, &rule.expected) {
        (Op::Eq | Op::Ge | Op::Le, Expected::Number(n)) => SettingValue::Number(*n),
        (Op::OneOf, Expected::Numbers(v)) if !v.is_empty() => SettingValue::Number(v[0]),
        (Op::HasBits, Expected::Number(n)) => {
            let cur = match now {
                Some(SettingValue::Number(c)) => *c,
                _ => 0,
            };
            SettingValue::Number(cur | n)
        }
        (Op::Eq, Expected::Text(t)) => SettingValue::Text(t.clone()),
        (Op::Eq | Op::SetEq, Expected::List(l)) => SettingValue::List(l.clone()),
        (Op::SubsetOf, Expected::List(l)) => {
            let kept: Vec<String> = now_list
                .iter()
                .filter(|x| l.iter().any(|y| eq_ci(x, y)))
                .cloned()
                .collect();
            if kept.is_empty() && s.kind == Kind::SidList {
                // An empty user right would lock everyone out: use the allowed list.
                SettingValue::List(l.clone())
            } else {
                SettingValue::List(kept)
            }
        }
        (Op::Includes, Expected::List(l)) => {
            let mut v = now_list.clone();
            for x in l {
                if !v.iter().any(|y| eq_ci(x, y)) {
                    v.push(x.clone());
                }
            }
            SettingValue::List(v)
        }
        (Op::Excludes, Expected::List(l)) => SettingValue::List(
            now_list
                .iter()
                .filter(|x| !l.iter().any(|y| eq_ci(x, y)))
                .cloned()
                .collect(),
        ),
        (Op::Empty, _) => match s.kind {
            Kind::Text => SettingValue::Text(String::new()),
            Kind::List | Kind::SidList => SettingValue::List(Vec::new()),
            _ => return Err(bad("\"empty\" has no meaning for a number")),
        },
        (Op::Absent, _) => return Ok(None),
        (op, e) => {
            return Err(bad(&format!(
                "the rule ({op:?} {e:?}) does not say which value to set"
            )))
        }
    };
    validate_value(s, &v).map_err(|w| bad(&w))?;
    Ok(Some(v))
}

fn reg_value(s: &Setting, v: &SettingValue) -> Result<RegValue, FixError> {
    match (s.kind, v) {
        (Kind::Number | Kind::Flags, SettingValue::Number(n)) => u32::try_from(*n)
            .map(RegValue::Dword)
            .map_err(|_| FixError::Value {
                setting: s.name.into(),
                why: format!("{n} does not fit in a REG_DWORD"),
            }),
        (Kind::Text, SettingValue::Text(t)) => Ok(RegValue::Sz(t.clone())),
        (Kind::List, SettingValue::List(l)) => Ok(RegValue::MultiSz(l.clone())),
        _ => Err(FixError::Value {
            setting: s.name.into(),
            why: format!("a {:?} value cannot be stored in the registry", s.kind),
        }),
    }
}

/// secedit text for a number or account list.
fn secedit_item(s: &Setting, v: &SettingValue) -> Result<Item, FixError> {
    match (s.location, v) {
        (Location::SystemAccess(name), SettingValue::Number(n)) => Ok(Item::SystemAccess {
            name: name.into(),
            value: n.to_string(),
        }),
        (Location::PrivilegeRight(right), SettingValue::List(l)) => Ok(Item::Privilege {
            right: right.into(),
            accounts: l.clone(),
        }),
        _ => Err(FixError::Value {
            setting: s.name.into(),
            why: "not a secedit value".into(),
        }),
    }
}

/// The items of each generated file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Files {
    pub harden_reg: Vec<Item>,
    pub rollback_reg: Vec<Item>,
    pub harden_inf: Vec<Item>,
    pub rollback_inf: Vec<Item>,
    /// Audit subcategories (guid, name, setting 0-3), applied with auditpol by the script.
    pub audit: Vec<(&'static str, &'static str, u64)>,
    pub notes: Vec<String>,
}

/// Build the items of every file from validated targets.
pub fn build(fix: &HostFix) -> Result<Files, FixError> {
    let mut f = Files {
        notes: fix.notes.clone(),
        ..Files::default()
    };
    for t in &fix.targets {
        let s = t.setting;
        if let Some(v) = &t.value {
            validate_value(s, v).map_err(|why| FixError::Value {
                setting: s.name.into(),
                why,
            })?;
        }
        if let Current::Value(v) = &t.current {
            validate_value(s, v).map_err(|why| FixError::Value {
                setting: s.name.into(),
                why: format!("the current value cannot be written back safely: {why}"),
            })?;
        }
        match s.location {
            Location::Registry { key, value } => {
                let op = match &t.value {
                    Some(v) => RegOp::Set(reg_value(s, v)?),
                    None => RegOp::DeleteValue,
                };
                f.harden_reg.push(Item::Registry {
                    key: key.into(),
                    value: value.into(),
                    op,
                });
                let back = match &t.current {
                    Current::Value(v) => RegOp::Set(reg_value(s, v)?),
                    Current::Absent => RegOp::DeleteValue,
                    Current::Unknown => {
                        f.notes.push(format!("{}: the value before the change is not known (no configuration showed it); the rollback files remove it, which gives the Windows default back; harden.ps1 saves the real value in backup.json and rollback.ps1 restores that", s.name));
                        RegOp::DeleteValue
                    }
                };
                f.rollback_reg.push(Item::Registry {
                    key: key.into(),
                    value: value.into(),
                    op: back,
                });
            }
            Location::SystemAccess(_) | Location::PrivilegeRight(_) => {
                let v = t.value.as_ref().ok_or_else(|| FixError::Value {
                    setting: s.name.into(),
                    why: "a secedit setting cannot be removed, only set".into(),
                })?;
                f.harden_inf.push(secedit_item(s, v)?);
                let back = match &t.current {
                    Current::Value(v) => Some(v.clone()),
                    _ => fix.role.and_then(|r| s.default_for(r)),
                };
                match back {
                    Some(b) => {
                        if !matches!(t.current, Current::Value(_)) {
                            f.notes.push(format!("{}: the value before the change is not known; rollback.inf uses the Windows default for the role ({})", s.name, s.describe(&b)));
                        }
                        f.rollback_inf.push(secedit_item(s, &b)?)
                    }
                    None => f.notes.push(format!("{}: the value before the change and the Windows default are not known: rollback.inf leaves it out; rollback.ps1 restores the secedit export saved by harden.ps1", s.name)),
                }
            }
            Location::AuditSubcategory { guid, name } => {
                let Some(SettingValue::Number(n)) = t.value else {
                    return Err(FixError::Value {
                        setting: s.name.into(),
                        why: "an audit setting needs a value 0-3".into(),
                    });
                };
                f.audit.push((guid, name, n));
            }
        }
    }
    Ok(f)
}

/// A folder name made of letters, digits, `-`, `_` and `.` (anything else becomes `_`).
pub fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.chars().all(|c| c == '_') {
        "host".into()
    } else {
        s
    }
}

fn write_file(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    out: &mut Vec<PathBuf>,
) -> Result<(), FixError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|source| FixError::Io {
        path: path.clone(),
        source,
    })?;
    out.push(path);
    Ok(())
}

fn werr(what: &str) -> impl Fn(policy::WriteError) -> FixError + '_ {
    move |e| FixError::Write(format!("{what}: {e}"))
}

/// Write every file for one host or role under `out/<name>/`; returns the paths written.
pub fn write(out: &Path, fix: &HostFix) -> Result<Vec<PathBuf>, FixError> {
    let files = build(fix)?;
    let dir = out.join(safe_name(&fix.name));
    std::fs::create_dir_all(&dir).map_err(|source| FixError::Io {
        path: dir.clone(),
        source,
    })?;
    let mut written = Vec::new();
    if !files.harden_reg.is_empty() {
        write_file(
            &dir,
            "harden.reg",
            &policy::reg::write(&files.harden_reg).map_err(werr("harden.reg"))?,
            &mut written,
        )?;
        write_file(
            &dir,
            "rollback.reg",
            &policy::reg::write(&files.rollback_reg).map_err(werr("rollback.reg"))?,
            &mut written,
        )?;
        write_file(
            &dir,
            "Registry.pol",
            &policy::pol::write(&files.harden_reg).map_err(werr("Registry.pol"))?,
            &mut written,
        )?;
        write_file(
            &dir,
            "rollback.pol",
            &policy::pol::write(&files.rollback_reg).map_err(werr("rollback.pol"))?,
            &mut written,
        )?;
    }
    if !files.harden_inf.is_empty() {
        write_file(
            &dir,
            "harden.inf",
            &policy::inf::write(&files.harden_inf).map_err(werr("harden.inf"))?,
            &mut written,
        )?;
        if !files.rollback_inf.is_empty() {
            write_file(
                &dir,
                "rollback.inf",
                &policy::inf::write(&files.rollback_inf).map_err(werr("rollback.inf"))?,
                &mut written,
            )?;
        }
    }
    let name = safe_name(&fix.name);
    write_file(
        &dir,
        "harden.ps1",
        ps1::harden(&name, &files)?.as_bytes(),
        &mut written,
    )?;
    write_file(
        &dir,
        "rollback.ps1",
        ps1::rollback(&name, &files)?.as_bytes(),
        &mut written,
    )?;
    write_file(
        &dir,
        "README.txt",
        readme(&name, fix, &files).as_bytes(),
        &mut written,
    )?;
    Ok(written)
}

fn readme(name: &str, fix: &HostFix, f: &Files) -> String {
    let mut r = format!("nullsight fix for {name}\r\n\r\nChanges:\r\n");
    for t in &fix.targets {
        let now = match &t.current {
            Current::Value(v) => t.setting.describe(v),
            Current::Absent => "not set".into(),
            Current::Unknown => "not known".into(),
        };
        let new = match &t.value {
            Some(v) => t.setting.describe(v),
            None => "removed (not configured)".into(),
        };
        r.push_str(&format!(
            "  {} ({}): {now} -> {new}\r\n    where: {}\r\n",
            t.setting.name, t.setting.display, t.setting.location
        ));
    }
    r.push_str("\r\nApply ONE of these (they do the same):\r\n");
    r.push_str("  harden.ps1    From an elevated PowerShell: .\\harden.ps1 -WhatIf (shows what would change), then .\\harden.ps1 [-Verbose].\r\n                It saves the current values to backup.json (and backup-secedit.inf, backup-auditpol.csv) on its\r\n                first run, skips values already set, and can be run again safely.\r\n");
    if !f.harden_reg.is_empty() {
        r.push_str("  harden.reg    reg import harden.reg (registry values only).\r\n  Registry.pol  Copy into a GPO's Machine folder (or import with LGPO.exe /m Registry.pol) for the registry values.\r\n");
    }
    if !f.harden_inf.is_empty() {
        r.push_str("  harden.inf    secedit /configure /db %TEMP%\\nullsight.sdb /cfg harden.inf /areas SECURITYPOLICY USER_RIGHTS\r\n                (or import into a GPO: Security Settings > Import Policy). The .reg and .pol files do not hold these.\r\n");
    }
    if !f.audit.is_empty() {
        r.push_str("  auditing      Only harden.ps1 sets the audit subcategories (auditpol); in a GPO use Advanced Audit Policy Configuration.\r\n");
    }
    r.push_str("\r\nRoll back with the file of the same kind:\r\n  rollback.ps1  restores backup.json / backup-secedit.inf / backup-auditpol.csv saved by harden.ps1 (supports -WhatIf).\r\n");
    if !f.rollback_reg.is_empty() {
        r.push_str("  rollback.reg  reg import rollback.reg: the values as the configuration showed them; values that were absent are deleted.\r\n  rollback.pol  replaces Registry.pol in the GPO: sets the earlier values back and deletes (**del.) the ones that were absent.\r\n                Registry values under Lsa and LanManServer stay after a GPO is unlinked: use rollback.pol or rollback.reg, not unlinking.\r\n");
    }
    if !f.rollback_inf.is_empty() {
        r.push_str("  rollback.inf  secedit /configure /db %TEMP%\\nullsight.sdb /cfg rollback.inf /areas SECURITYPOLICY USER_RIGHTS\r\n");
    }
    if !f.notes.is_empty() {
        r.push_str("\r\nNotes:\r\n");
        for n in &f.notes {
            r.push_str(&format!("  {n}\r\n"));
        }
    }
    r.push_str("\r\nRun `nullsight simulate` first: it lists the traffic each change would break and the order to apply them in.\r\n");
    r
}
