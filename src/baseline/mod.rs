//! Baselines as data: `baselines/*.toml` (embedded in the binary) or the user's own file.
//!
//! A baseline has a name, a title, an optional role and `[[rule]]`s. A rule names a catalogued
//! setting ([`crate::policy::settings`]), an operator and an expected value, the CIS ids per
//! benchmark version, a rationale and the events that reveal the traffic the setting affects.
//! Rules in the `audit-coverage` group decide whether "nothing seen in the logs" can be trusted.

pub mod evaluate;

pub use evaluate::{evaluate, Compliance, Coverage, Row, Status};

use crate::policy::settings::{self, Kind, Role, Setting};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The group of rules that checks audit coverage.
pub const AUDIT_COVERAGE: &str = "audit-coverage";

/// The embedded baselines: (name, TOML text).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("cis-dc", include_str!("../../baselines/cis-dc.toml")),
    (
        "cis-member",
        include_str!("../../baselines/cis-member.toml"),
    ),
    (
        "cis-workstation",
        include_str!("../../baselines/cis-workstation.toml"),
    ),
];

/// The embedded baseline for a role.
pub fn default_for(role: Role) -> &'static str {
    match role {
        Role::Dc => "cis-dc",
        Role::Member => "cis-member",
        Role::Workstation => "cis-workstation",
    }
}

/// How a rule compares the effective value with `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Equal (numbers; text case-insensitively; lists as sets).
    #[default]
    Eq,
    Ne,
    /// Number greater than or equal.
    Ge,
    /// Number less than or equal.
    Le,
    /// Number is one of the listed numbers.
    OneOf,
    /// Every bit of `value` is set.
    HasBits,
    /// The list holds exactly these items (any order, case-insensitive).
    SetEq,
    /// Every item of the list is among these.
    SubsetOf,
    /// The list holds at least these items.
    Includes,
    /// The list holds none of these items.
    Excludes,
    /// The list (or text) is empty or unset.
    Empty,
    /// The value is not set at all (or empty).
    Absent,
}

/// One rule as written in the TOML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub setting: String,
    #[serde(default)]
    pub op: Op,
    pub value: Option<toml::Value>,
    #[serde(default)]
    pub group: Option<String>,
    pub rationale: String,
    #[serde(default)]
    pub events: Vec<String>,
    /// Benchmark (with version) → item id.
    #[serde(default)]
    pub cis: BTreeMap<String, String>,
    #[serde(default)]
    pub cis_note: Option<String>,
}

/// A baseline file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "rule", default)]
    pub rules: Vec<Rule>,
}

/// An expected value, checked against the setting's kind when the baseline is loaded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum Expected {
    None,
    Number(u64),
    Numbers(Vec<u64>),
    Text(String),
    List(Vec<String>),
}

/// A validated rule.
#[derive(Debug, Clone)]
pub struct CheckedRule {
    pub setting: &'static Setting,
    pub op: Op,
    pub expected: Expected,
    pub group: String,
    pub rationale: String,
    pub events: Vec<String>,
    pub cis: BTreeMap<String, String>,
    pub cis_note: Option<String>,
}

/// A loaded, validated baseline.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub name: String,
    pub title: String,
    pub role: Option<Role>,
    pub description: String,
    /// Where it came from: `embedded` or the file path.
    pub origin: String,
    pub rules: Vec<CheckedRule>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{}: cannot read: {source}", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Toml { origin: String, message: String },
    #[error("{origin}: rule {index} ({setting}): {message}")]
    Rule {
        origin: String,
        index: usize,
        setting: String,
        message: String,
    },
    #[error("unknown baseline \"{0}\": use cis-dc, cis-member, cis-workstation or a path to a .toml file")]
    Unknown(String),
}

impl Baseline {
    /// Parse and validate TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Baseline, BaselineError> {
        let file: BaselineFile = toml::from_str(text).map_err(|e| BaselineError::Toml {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let mut rules = Vec::new();
        for (i, r) in file.rules.into_iter().enumerate() {
            let err = |message: String| BaselineError::Rule {
                origin: origin.to_string(),
                index: i + 1,
                setting: r.setting.clone(),
                message,
            };
            let setting = settings::find(&r.setting)
                .ok_or_else(|| err("not a setting nullsight knows (see the catalogue)".into()))?;
            let expected = expected_for(setting.kind, r.op, r.value.as_ref()).map_err(err)?;
            rules.push(CheckedRule {
                setting,
                op: r.op,
                expected,
                group: r
                    .group
                    .unwrap_or_else(|| format!("{:?}", setting.area).to_lowercase()),
                rationale: r.rationale,
                events: r.events,
                cis: r.cis,
                cis_note: r.cis_note,
            });
        }
        Ok(Baseline {
            name: file.name,
            title: file.title,
            role: file.role,
            description: file.description,
            origin: origin.to_string(),
            rules,
        })
    }

    /// An embedded baseline by name.
    pub fn embedded(name: &str) -> Result<Baseline, BaselineError> {
        let (n, text) = EMBEDDED
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .ok_or_else(|| BaselineError::Unknown(name.to_string()))?;
        Baseline::from_toml(text, &format!("embedded baseline {n}"))
    }

    /// A baseline file.
    pub fn from_file(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Baseline::from_toml(&text, &path.display().to_string())
    }

    /// `NAME` of an embedded baseline, else a path to a file.
    pub fn load(name_or_path: &str) -> Result<Baseline, BaselineError> {
        if EMBEDDED
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name_or_path))
        {
            return Baseline::embedded(name_or_path);
        }
        let p = Path::new(name_or_path);
        if p.exists() {
            return Baseline::from_file(p);
        }
        Err(BaselineError::Unknown(name_or_path.to_string()))
    }
}

fn expected_for(kind: Kind, op: Op, value: Option<&toml::Value>) -> Result<Expected, String> {
    use toml::Value as V;
    let number = |v: &V| -> Result<u64, String> {
        match v {
            V::Integer(i) if *i >= 0 => Ok(*i as u64),
            _ => Err(format!("expected a non-negative integer, found {v}")),
        }
    };
    let list_kind = matches!(kind, Kind::List | Kind::SidList);
    let number_kind = matches!(kind, Kind::Number | Kind::Flags | Kind::Audit);
    match op {
        Op::Empty | Op::Absent => match value {
            None => Ok(Expected::None),
            Some(_) => Err(format!("{op:?} takes no value")),
        },
        Op::Ge | Op::Le | Op::HasBits if number_kind => Ok(Expected::Number(number(
            value.ok_or("a number value is required")?,
        )?)),
        Op::OneOf if number_kind => match value {
            Some(V::Array(a)) => Ok(Expected::Numbers(
                a.iter().map(number).collect::<Result<_, _>>()?,
            )),
            _ => Err("one_of needs an array of numbers".into()),
        },
        Op::Eq | Op::Ne if number_kind => Ok(Expected::Number(number(
            value.ok_or("a value is required")?,
        )?)),
        Op::Eq | Op::Ne if kind == Kind::Text => match value {
            Some(V::String(s)) => Ok(Expected::Text(s.clone())),
            _ => Err("a string value is required".into()),
        },
        Op::Eq | Op::Ne | Op::SetEq | Op::SubsetOf | Op::Includes | Op::Excludes if list_kind => {
            match value {
                Some(V::Array(a)) => Ok(Expected::List(
                    a.iter()
                        .map(|x| match x {
                            V::String(s) if kind == Kind::SidList => {
                                Ok(settings::account_to_sid(s))
                            }
                            V::String(s) => Ok(s.clone()),
                            other => Err(format!("list items must be strings, found {other}")),
                        })
                        .collect::<Result<_, String>>()?,
                )),
                _ => Err("an array of strings is required".into()),
            }
        }
        _ => Err(format!(
            "operator {op:?} does not apply to a {kind:?} setting"
        )),
    }
}
