//! HostConfig + Baseline → compliance rows.

use super::{Baseline, CheckedRule, Expected, Op, AUDIT_COVERAGE};
use crate::policy::host::same_value;
use crate::policy::settings::{Kind, Role, Setting, SettingValue};
use crate::policy::{Effective, HostConfig, ResolvedSetting};
use serde::Serialize;
use std::collections::BTreeMap;

/// The verdict of one rule on one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Set, and as expected.
    Pass,
    /// Set, and not as expected.
    Fail,
    /// Not set; the Windows default for the role is as expected.
    DefaultPass,
    /// Not set; the Windows default for the role is not as expected.
    DefaultFail,
    /// No input shows it, or its default is not known.
    Unknown,
    /// Not in the baseline; shown for information.
    Info,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::DefaultPass => "default-pass",
            Status::DefaultFail => "default-fail",
            Status::Unknown => "unknown",
            Status::Info => "info",
        }
    }
    pub fn failed(self) -> bool {
        matches!(self, Status::Fail | Status::DefaultFail)
    }
}

/// One line of the compliance table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub setting: String,
    pub display: String,
    pub group: String,
    pub expected: String,
    pub actual: String,
    /// File and place, or "Windows default (role)".
    pub source: String,
    pub status: Status,
    pub why: String,
    pub events: Vec<String>,
    pub cis: BTreeMap<String, String>,
    pub conflicts: Vec<String>,
    pub notes: Vec<String>,
}

/// Can "nothing seen in the logs" be trusted on this host?
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// `Some(true)`: every coverage rule passes; `Some(false)`: one fails; `None`: unknown.
    pub trusted: Option<bool>,
    pub missing: Vec<String>,
    pub unknown: Vec<String>,
}

/// The compliance of one host with one baseline.
#[derive(Debug, Clone, Serialize)]
pub struct Compliance {
    pub host: String,
    pub role: Role,
    pub role_origin: String,
    pub baseline: String,
    pub baseline_origin: String,
    pub rows: Vec<Row>,
    /// Catalogued settings found in the inputs that the baseline does not check.
    pub other: Vec<Row>,
    pub coverage: Coverage,
    pub sources: Vec<String>,
}

impl Compliance {
    pub fn failures(&self) -> usize {
        self.rows.iter().filter(|r| r.status.failed()).count()
    }
}

fn describe_expected(rule: &CheckedRule) -> String {
    let s = rule.setting;
    let list = |l: &[String]| {
        if s.kind == Kind::SidList {
            s.describe(&SettingValue::List(l.to_vec()))
        } else {
            l.join(", ")
        }
    };
    match (&rule.op, &rule.expected) {
        (Op::Eq, Expected::Number(n)) => s.describe(&SettingValue::Number(*n)),
        (Op::Ne, Expected::Number(n)) => format!("not {}", s.describe(&SettingValue::Number(*n))),
        (Op::Ge, Expected::Number(n)) => format!(">= {}", s.describe(&SettingValue::Number(*n))),
        (Op::Le, Expected::Number(n)) => format!("<= {}", s.describe(&SettingValue::Number(*n))),
        (Op::HasBits, Expected::Number(n)) => {
            format!("includes {}", s.describe(&SettingValue::Number(*n)))
        }
        (Op::OneOf, Expected::Numbers(v)) => format!(
            "one of {}",
            v.iter()
                .map(|n| s.describe(&SettingValue::Number(*n)))
                .collect::<Vec<_>>()
                .join(" / ")
        ),
        (Op::Eq, Expected::Text(t)) => format!("\"{t}\""),
        (Op::Ne, Expected::Text(t)) => format!("not \"{t}\""),
        (Op::Eq | Op::SetEq, Expected::List(l)) => format!("exactly {}", list(l)),
        (Op::Ne, Expected::List(l)) => format!("not exactly {}", list(l)),
        (Op::SubsetOf, Expected::List(l)) => format!("only from {}", list(l)),
        (Op::Includes, Expected::List(l)) => format!("includes {}", list(l)),
        (Op::Excludes, Expected::List(l)) => format!("none of {}", list(l)),
        (Op::Empty, _) => "empty".into(),
        (Op::Absent, _) => "not configured".into(),
        (op, e) => format!("{op:?} {e:?}"),
    }
}

fn upper(l: &[String]) -> Vec<String> {
    l.iter().map(|s| s.to_ascii_uppercase()).collect()
}

/// Whether a value satisfies a rule. `None` when they cannot be compared.
pub fn check(op: Op, expected: &Expected, value: Option<&SettingValue>) -> Option<bool> {
    use SettingValue as V;
    if op == Op::Absent || op == Op::Empty {
        return Some(match value {
            None => true,
            Some(V::List(l)) => l.is_empty(),
            Some(V::Text(t)) => t.is_empty(),
            Some(V::Number(_)) => false,
        });
    }
    let value = value?;
    Some(match (op, expected, value) {
        (Op::Eq, Expected::Number(e), V::Number(v)) => v == e,
        (Op::Ne, Expected::Number(e), V::Number(v)) => v != e,
        (Op::Ge, Expected::Number(e), V::Number(v)) => v >= e,
        (Op::Le, Expected::Number(e), V::Number(v)) => v <= e,
        (Op::HasBits, Expected::Number(e), V::Number(v)) => v & e == *e,
        (Op::OneOf, Expected::Numbers(e), V::Number(v)) => e.contains(v),
        (Op::Eq, Expected::Text(e), V::Text(v)) => e.eq_ignore_ascii_case(v),
        (Op::Ne, Expected::Text(e), V::Text(v)) => !e.eq_ignore_ascii_case(v),
        (Op::Eq | Op::SetEq, Expected::List(e), v @ V::List(_)) => {
            same_value(&V::List(e.clone()), v)
        }
        (Op::Ne, Expected::List(e), v @ V::List(_)) => !same_value(&V::List(e.clone()), v),
        (Op::SubsetOf, Expected::List(e), V::List(v)) => {
            let e = upper(e);
            upper(v).iter().all(|x| e.contains(x))
        }
        (Op::Includes, Expected::List(e), V::List(v)) => {
            let v = upper(v);
            upper(e).iter().all(|x| v.contains(x))
        }
        (Op::Excludes, Expected::List(e), V::List(v)) => {
            let v = upper(v);
            !upper(e).iter().any(|x| v.contains(x))
        }
        _ => return None,
    })
}

fn actual_and_source(r: &ResolvedSetting, host: &HostConfig) -> (String, String) {
    let role = host.role;
    let s: &Setting = r.setting;
    // A default that depends on the Windows version names the version it was taken for.
    let role = match host.facts.os_version() {
        Some(v) if s.default_depends_on_os() => format!("{role} on {}", v.family()),
        _ => role.to_string(),
    };
    match &r.effective {
        Effective::Set { value, observation } => (
            s.describe(value),
            r.observations[*observation].source_text(),
        ),
        Effective::Default {
            default,
            deleted_by,
        } => {
            let actual = match default {
                Some(d) => format!("not set: default {}", s.describe(d)),
                None => "not set: default unknown".into(),
            };
            let source = match deleted_by {
                Some(i) => format!(
                    "deleted by {}; Windows default for {role}",
                    r.observations[*i].source_text()
                ),
                None => format!("Windows default for {role}"),
            };
            (actual, source)
        }
        Effective::Unknown { default } => (
            match default {
                Some(d) => format!(
                    "not in the inputs (Windows default for {role}: {})",
                    s.describe(d)
                ),
                None => "not in the inputs".into(),
            },
            "-".into(),
        ),
    }
}

fn row_for(host: &HostConfig, r: &ResolvedSetting, rule: Option<&CheckedRule>) -> Row {
    let (actual, source) = actual_and_source(r, host);
    let status = match rule {
        None => Status::Info,
        Some(rule) => match &r.effective {
            Effective::Set { value, .. } => match check(rule.op, &rule.expected, Some(value)) {
                Some(true) => Status::Pass,
                Some(false) => Status::Fail,
                None => Status::Unknown,
            },
            Effective::Default { default, .. } => {
                let v = default.as_ref();
                if v.is_none() && !matches!(rule.op, Op::Absent | Op::Empty) {
                    Status::Unknown
                } else {
                    match check(rule.op, &rule.expected, v) {
                        Some(true) => Status::DefaultPass,
                        Some(false) => Status::DefaultFail,
                        None => Status::Unknown,
                    }
                }
            }
            Effective::Unknown { .. } => Status::Unknown,
        },
    };
    let mut notes: Vec<String> = r
        .observations
        .iter()
        .filter_map(|o| {
            o.problem
                .as_ref()
                .map(|p| format!("{}: {p}", o.source_text()))
        })
        .collect();
    if matches!(
        r.effective,
        Effective::Default { .. } | Effective::Unknown { .. }
    ) && !r.setting.default_note.is_empty()
    {
        notes.push(format!("default: {}", r.setting.default_note));
        if let Some(basis) = r.setting.default_basis(host.facts.os_version().as_ref()) {
            notes.push(format!("default used: {basis}"));
        }
    }
    if let Some(n) = rule.and_then(|r| r.cis_note.clone()) {
        notes.push(n);
    }
    if !r.setting.applies_to(host.role) {
        notes.push(format!(
            "this setting is meant for {:?} hosts",
            r.setting.roles
        ));
    }
    Row {
        setting: r.setting.name.to_string(),
        display: r.setting.display.to_string(),
        group: rule
            .map(|x| x.group.clone())
            .unwrap_or_else(|| format!("{:?}", r.setting.area).to_lowercase()),
        expected: rule.map(describe_expected).unwrap_or_default(),
        actual,
        source,
        status,
        why: rule
            .map(|x| x.rationale.clone())
            .unwrap_or_else(|| r.setting.note.to_string()),
        events: rule.map(|x| x.events.clone()).unwrap_or_default(),
        cis: rule.map(|x| x.cis.clone()).unwrap_or_default(),
        conflicts: r.conflicts.iter().map(|c| c.message.clone()).collect(),
        notes,
    }
}

/// Evaluate a host against a baseline.
pub fn evaluate(host: &HostConfig, baseline: &Baseline) -> Compliance {
    let mut rows = Vec::new();
    for rule in &baseline.rules {
        let Some(r) = host.setting(rule.setting.name) else {
            continue;
        };
        rows.push(row_for(host, r, Some(rule)));
    }
    let other = host
        .settings
        .iter()
        .filter(|r| {
            !baseline
                .rules
                .iter()
                .any(|x| x.setting.name == r.setting.name)
        })
        .filter(|r| !r.observations.is_empty())
        .map(|r| row_for(host, r, None))
        .collect();
    let cov: Vec<&Row> = rows.iter().filter(|r| r.group == AUDIT_COVERAGE).collect();
    let missing: Vec<String> = cov
        .iter()
        .filter(|r| r.status.failed())
        .map(|r| r.setting.clone())
        .collect();
    let unknown: Vec<String> = cov
        .iter()
        .filter(|r| r.status == Status::Unknown)
        .map(|r| r.setting.clone())
        .collect();
    let trusted = if cov.is_empty() {
        None
    } else if !missing.is_empty() {
        Some(false)
    } else if !unknown.is_empty() {
        None
    } else {
        Some(true)
    };
    Compliance {
        host: host.name.clone(),
        role: host.role,
        role_origin: host.role_origin.clone(),
        baseline: baseline.name.clone(),
        baseline_origin: baseline.origin.clone(),
        rows,
        other,
        coverage: Coverage {
            trusted,
            missing,
            unknown,
        },
        sources: host
            .sources
            .iter()
            .map(|s| {
                let scope = match s.scope {
                    crate::policy::Scope::Gpo => "GPO",
                    crate::policy::Scope::Local => "local",
                };
                format!("{} ({}, {scope})", s.path.display(), s.format)
            })
            .collect(),
    }
}
