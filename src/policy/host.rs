//! From read files to hosts: grouping, and the effective value of every catalogued setting with
//! its provenance, the Windows default when unset, and the conflicts between sources.
//!
//! Precedence: a Group Policy value wins over the local one (a .reg export, a hive, a secedit
//! export); among several GPO files the later input wins, and the disagreement is reported
//! because the link order of GPOs cannot be known from their files. Among local files the later
//! input wins, also with a conflict.

pub use super::settings::Role;
use super::settings::{Kind, Location, Setting, SettingValue, CATALOGUE};
use super::{ConfigSource, HostFacts, Item, Place, RegOp, Scope};
use serde::Serialize;
use std::path::PathBuf;

/// One source's say on one setting.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    /// `None`: the source deletes the value (`**del.`, `**delvals.`, `"x"=-`, a deleted key).
    pub value: Option<SettingValue>,
    pub file: PathBuf,
    pub place: Place,
    pub scope: Scope,
    /// Set when the stored value has the wrong type or cannot be read; it is then ignored.
    pub problem: Option<String>,
}

impl Observation {
    /// `path: place` for reports.
    pub fn source_text(&self) -> String {
        let scope = match self.scope {
            Scope::Gpo => "GPO ",
            Scope::Local => "",
        };
        format!("{scope}{}: {}", self.file.display(), self.place)
    }
}

/// The value a host really runs with.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Effective {
    /// Set by a source: `observation` indexes [`ResolvedSetting::observations`].
    Set {
        value: SettingValue,
        observation: usize,
    },
    /// Not set (absent from a source that holds everything in its area, or deleted): Windows
    /// uses its default for the role, when known.
    Default {
        default: Option<SettingValue>,
        deleted_by: Option<usize>,
    },
    /// No input shows this setting at all.
    Unknown { default: Option<SettingValue> },
}

/// Two sources disagreeing.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub winner: usize,
    pub loser: usize,
    pub message: String,
}

/// One catalogued setting on one host.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedSetting {
    #[serde(serialize_with = "ser_setting")]
    pub setting: &'static Setting,
    pub observations: Vec<Observation>,
    pub effective: Effective,
    pub conflicts: Vec<Conflict>,
}

fn ser_setting<S: serde::Serializer>(s: &&'static Setting, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.name)
}

impl ResolvedSetting {
    /// The effective value, whether set or default.
    pub fn value(&self) -> Option<&SettingValue> {
        match &self.effective {
            Effective::Set { value, .. } => Some(value),
            Effective::Default { default, .. } | Effective::Unknown { default } => default.as_ref(),
        }
    }
}

/// The configuration of one host.
#[derive(Debug)]
pub struct HostConfig {
    pub name: String,
    pub role: Role,
    /// How the role was decided (`--role`, ProductType in a file, or assumed).
    pub role_origin: String,
    pub sources: Vec<ConfigSource>,
    /// In catalogue order.
    pub settings: Vec<ResolvedSetting>,
    /// What the host is (OS version, DNS name), from all its files, later files winning.
    pub facts: HostFacts,
}

impl HostConfig {
    pub fn setting(&self, name: &str) -> Option<&ResolvedSetting> {
        self.settings
            .iter()
            .find(|r| r.setting.name.eq_ignore_ascii_case(name))
    }

    /// The files that hold everything where a setting lives (so that its absence from them
    /// means it is not set).
    pub fn covering(&self, name: &str) -> Vec<&std::path::Path> {
        self.setting(name)
            .map(|r| {
                self.sources
                    .iter()
                    .filter(|s| covers(r.setting, s))
                    .map(|s| s.path.as_path())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A file read, with the name of the folder or argument it came from (used when the file names
/// no computer).
#[derive(Debug)]
pub struct SourceInput {
    pub source: ConfigSource,
    /// Inputs with the same group came from the same command-line argument (or folder).
    pub group: String,
}

/// Host grouping options.
#[derive(Debug, Clone, Default)]
pub struct HostOptions {
    /// Put every input in one host with this name.
    pub host: Option<String>,
    /// Use this role for every host.
    pub role: Option<Role>,
    /// The role of hosts whose inputs carry no ProductType (when `role` is not given).
    pub default_role: Option<Role>,
}

/// Group sources by host and resolve every catalogued setting.
///
/// Host name rule: `--host` when given; else the computer name found inside the file (SYSTEM
/// hive or .reg ComputerName, auditpol Machine Name); else, when the other files of the same
/// group agree on one computer name, that one; else the group's name (the folder given on the
/// command line, or the parent folder of a file given directly).
pub fn build_hosts(inputs: Vec<SourceInput>, opts: &HostOptions) -> Vec<HostConfig> {
    let mut hosts: Vec<(String, Vec<ConfigSource>)> = Vec::new();
    let mut names_in_group: Vec<(String, Vec<String>)> = Vec::new();
    for i in &inputs {
        if let Some(n) = &i.source.computer_name {
            match names_in_group.iter_mut().find(|(g, _)| *g == i.group) {
                Some((_, names)) => {
                    if !names.iter().any(|x| x.eq_ignore_ascii_case(n)) {
                        names.push(n.clone())
                    }
                }
                None => names_in_group.push((i.group.clone(), vec![n.clone()])),
            }
        }
    }
    for i in inputs {
        let name = if let Some(h) = &opts.host {
            h.clone()
        } else if let Some(n) = &i.source.computer_name {
            n.clone()
        } else {
            match names_in_group.iter().find(|(g, _)| *g == i.group) {
                Some((_, names)) if names.len() == 1 => names[0].clone(),
                _ => i.group.clone(),
            }
        };
        match hosts
            .iter_mut()
            .find(|(h, _)| h.eq_ignore_ascii_case(&name))
        {
            Some((_, v)) => v.push(i.source),
            None => hosts.push((name, vec![i.source])),
        }
    }
    hosts
        .into_iter()
        .map(|(name, sources)| {
            let mut h = resolve_host(name, sources, opts.role);
            if let (None, Some(r)) = (opts.role, opts.default_role) {
                if h.role_origin.starts_with("assumed") && h.role != r {
                    h = resolve_host(h.name, h.sources, Some(r));
                    h.role_origin = "--role (the inputs carry no ProductType)".to_string();
                }
            }
            h
        })
        .collect()
}

/// Resolve one host's settings from its sources (in input order).
pub fn resolve_host(name: String, sources: Vec<ConfigSource>, role: Option<Role>) -> HostConfig {
    let (role, role_origin) = match role {
        Some(r) => (r, "--role".to_string()),
        None => match sources.iter().find_map(|s| {
            s.product_type
                .as_deref()
                .and_then(|p| Role::from_product_type(p).map(|r| (r, p, &s.path)))
        }) {
            Some((r, p, path)) => (r, format!("ProductType {p} in {}", path.display())),
            None => (
                Role::Member,
                "assumed: no --role and no ProductType in the inputs".to_string(),
            ),
        },
    };
    let mut facts = HostFacts::default();
    for s in &sources {
        facts.merge_later(&s.facts);
    }
    // Some defaults depend on the Windows version (UseMachineId, allownullsessionfallback).
    let os = facts.os_version();
    let settings = CATALOGUE
        .iter()
        .map(|s| resolve_setting(s, &sources, role, os.as_ref()))
        .collect();
    HostConfig {
        name,
        role,
        role_origin,
        sources,
        settings,
        facts,
    }
}

fn key_matches(setting_key: &str, key: &str) -> bool {
    setting_key.eq_ignore_ascii_case(key)
}

fn observe(setting: &'static Setting, src: &ConfigSource) -> Option<Observation> {
    let mut last: Option<Observation> = None;
    let obs = |value: Option<SettingValue>, place: &Place, problem: Option<String>| Observation {
        value,
        file: src.path.clone(),
        place: place.clone(),
        scope: src.scope,
        problem,
    };
    for e in &src.entries {
        match (&setting.location, &e.item) {
            (Location::Registry { key: sk, value: sv }, Item::Registry { key, value, op }) => {
                let this_key = key_matches(sk, key);
                match op {
                    RegOp::Set(v) if this_key && value.eq_ignore_ascii_case(sv) => {
                        last = Some(match convert_reg(setting.kind, v) {
                            Ok(val) => obs(Some(val), &e.place, None),
                            Err(p) => obs(None, &e.place, Some(p)),
                        });
                    }
                    RegOp::DeleteValue if this_key && value.eq_ignore_ascii_case(sv) => {
                        last = Some(obs(None, &e.place, None))
                    }
                    RegOp::DeleteAllValues if this_key => last = Some(obs(None, &e.place, None)),
                    RegOp::DeleteKey
                        if this_key
                            || sk
                                .to_ascii_uppercase()
                                .starts_with(&format!("{}\\", key.to_ascii_uppercase())) =>
                    {
                        last = Some(obs(None, &e.place, None))
                    }
                    _ => {}
                }
            }
            (Location::SystemAccess(n), Item::SystemAccess { name, value })
                if n.eq_ignore_ascii_case(name) =>
            {
                last = Some(match value.trim().parse::<u64>() {
                    Ok(v) => obs(Some(SettingValue::Number(v)), &e.place, None),
                    Err(_) => obs(None, &e.place, Some(format!("\"{value}\" is not a number"))),
                });
            }
            (Location::PrivilegeRight(r), Item::Privilege { right, accounts })
                if r.eq_ignore_ascii_case(right) =>
            {
                last = Some(obs(
                    Some(SettingValue::List(accounts.clone())),
                    &e.place,
                    None,
                ));
            }
            (
                Location::AuditSubcategory { guid, .. },
                Item::AuditSubcategory {
                    guid: g,
                    setting: v,
                    ..
                },
            ) if guid.eq_ignore_ascii_case(g) => {
                last = Some(obs(Some(SettingValue::Number(*v as u64)), &e.place, None));
            }
            _ => {}
        }
    }
    if last.is_none() {
        // A complete local source that lacks the item still says something.
        match setting.location {
            Location::PrivilegeRight(_) if src.coverage.privilege_rights => {
                last = Some(obs(
                    Some(SettingValue::List(Vec::new())),
                    &Place::File,
                    None,
                ));
            }
            Location::AuditSubcategory { .. } if src.coverage.audit_subcategories => {
                last = Some(obs(Some(SettingValue::Number(0)), &Place::File, None));
            }
            _ => {}
        }
    }
    last
}

fn covers(setting: &Setting, src: &ConfigSource) -> bool {
    match setting.location {
        Location::Registry { key, .. } => src.coverage.covers_key(key),
        Location::SystemAccess(_) => src.coverage.system_access,
        Location::PrivilegeRight(_) => src.coverage.privilege_rights,
        Location::AuditSubcategory { .. } => src.coverage.audit_subcategories,
    }
}

fn convert_reg(kind: Kind, v: &super::RegValue) -> Result<SettingValue, String> {
    use super::RegValue as R;
    let ty = v.type_number();
    match (kind, v) {
        (Kind::Number | Kind::Flags | Kind::Audit, R::Dword(n) | R::DwordBe(n)) => {
            Ok(SettingValue::Number(*n as u64))
        }
        (Kind::Number | Kind::Flags | Kind::Audit, R::Qword(n)) => Ok(SettingValue::Number(*n)),
        (Kind::Number | Kind::Flags | Kind::Audit, R::Sz(s)) => s
            .trim()
            .parse()
            .map(SettingValue::Number)
            .map_err(|_| format!("REG_SZ \"{s}\" where a REG_DWORD is expected")),
        (Kind::Text, R::Sz(s) | R::ExpandSz(s)) => Ok(SettingValue::Text(s.clone())),
        (Kind::List | Kind::SidList, R::MultiSz(l)) => Ok(SettingValue::List(
            l.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        )),
        (Kind::List | Kind::SidList, R::Sz(s)) if s.trim().is_empty() => {
            Ok(SettingValue::List(Vec::new()))
        }
        _ => Err(format!(
            "type {ty} ({}) is not what Windows reads for this setting; ignored",
            v.display()
        )),
    }
}

/// Whether two values are the same setting (lists as case-insensitive sets, text case-insensitive).
pub fn same_value(a: &SettingValue, b: &SettingValue) -> bool {
    match (a, b) {
        (SettingValue::Number(x), SettingValue::Number(y)) => x == y,
        (SettingValue::Text(x), SettingValue::Text(y)) => x.eq_ignore_ascii_case(y),
        (SettingValue::List(x), SettingValue::List(y)) => {
            let norm = |l: &Vec<String>| {
                let mut v: Vec<String> = l.iter().map(|s| s.to_ascii_uppercase()).collect();
                v.sort();
                v.dedup();
                v
            };
            norm(x) == norm(y)
        }
        _ => false,
    }
}

fn show(setting: &Setting, v: &Option<SettingValue>) -> String {
    match v {
        Some(v) => setting.describe(v),
        None => "a deletion of the value (Windows default)".into(),
    }
}

fn resolve_setting(
    setting: &'static Setting,
    sources: &[ConfigSource],
    role: Role,
    os: Option<&super::OsVersion>,
) -> ResolvedSetting {
    let observations: Vec<Observation> =
        sources.iter().filter_map(|s| observe(setting, s)).collect();
    let default = setting.default_on(role, os);
    let winner = observations
        .iter()
        .enumerate()
        .filter(|(_, o)| o.problem.is_none())
        .max_by_key(|(i, o)| (o.scope, *i))
        .map(|(i, _)| i);
    let effective = match winner {
        Some(i) => match &observations[i].value {
            Some(v) => Effective::Set {
                value: v.clone(),
                observation: i,
            },
            None => Effective::Default {
                default: default.clone(),
                deleted_by: Some(i),
            },
        },
        None if sources.iter().any(|s| covers(setting, s)) => Effective::Default {
            default,
            deleted_by: None,
        },
        None => Effective::Unknown { default },
    };
    let mut conflicts = Vec::new();
    if let Some(w) = winner {
        let wo = &observations[w];
        for (i, o) in observations.iter().enumerate() {
            if i == w || o.problem.is_some() || o.file == wo.file {
                continue;
            }
            let differs = match (&wo.value, &o.value) {
                (Some(a), Some(b)) => !same_value(a, b),
                (None, None) => false,
                _ => true,
            };
            if !differs {
                continue;
            }
            let why = match (wo.scope, o.scope) {
                (Scope::Gpo, Scope::Local) => "Group Policy wins over the local value",
                (Scope::Gpo, Scope::Gpo) => "two GPOs disagree; the later input is used, but the real winner depends on the GPO link order",
                _ => "two local sources disagree; the later input is used",
            };
            conflicts.push(Conflict {
                winner: w,
                loser: i,
                message: format!(
                    "{} has {} but {} has {}: {why}",
                    wo.source_text(),
                    show(setting, &wo.value),
                    o.source_text(),
                    show(setting, &o.value)
                ),
            });
        }
    }
    ResolvedSetting {
        setting,
        observations,
        effective,
        conflicts,
    }
}
