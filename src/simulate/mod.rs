//! Predict what a hardening change would break, from the traffic the hosts logged.
//!
//! `observe` keeps a mergeable [`Traffic`] state (flows with counts, first/last seen and
//! evidence, and the audit coverage of every host). `model` has one rule per setting: which
//! observed flows a proposed value blocks, where it is enforced (the validating DC, the receiving
//! server, the sending client) and which audit evidence it needs to be conclusive. `plan` orders
//! the changes so that nothing breaks.
//!
//! Every string in a flow comes from a log and is attacker-controlled: renderers escape it.

pub mod model;
pub mod observe;
pub mod plan;

pub use model::{evaluate, evaluate_all, Affected, Impact, InEffect, Remedy, Verdict};
pub use observe::{short_host, Evidence, EvidenceRef, FlowKey, FlowKind, FlowStats, Traffic};
pub use plan::{plan, Plan, Stage};

use crate::policy::settings::{self, Kind, Role, Setting, SettingValue};
use crate::policy::{Effective, HostConfig};
use serde::Serialize;
use std::collections::BTreeMap;

/// Which hosts a change is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "scope", content = "of", rename_all = "snake_case")]
pub enum Scope {
    /// Every host.
    All,
    /// Every host of a role.
    Role(Role),
    /// These hosts (short names, upper case).
    Hosts(Vec<String>),
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::All => f.write_str("all hosts"),
            Scope::Role(r) => write!(f, "every {r}"),
            Scope::Hosts(h) => f.write_str(&h.join(", ")),
        }
    }
}

/// A proposed change: a catalogued setting, its new value (`None`: remove it, back to "not
/// configured") and the hosts it is for.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    #[serde(serialize_with = "ser_setting")]
    pub setting: &'static Setting,
    pub value: Option<SettingValue>,
    pub scope: Scope,
}

fn ser_setting<S: serde::Serializer>(s: &&'static Setting, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.name)
}

impl PartialEq for Change {
    fn eq(&self, other: &Self) -> bool {
        self.setting.name == other.setting.name
            && self.value == other.value
            && self.scope == other.scope
    }
}

impl Change {
    /// `LmCompatibilityLevel = 5 (Send NTLMv2 response only. Refuse LM & NTLM)`.
    pub fn describe(&self) -> String {
        match &self.value {
            Some(v) => format!("{} = {}", self.setting.name, self.setting.describe(v)),
            None => format!("{} removed (not configured)", self.setting.name),
        }
    }

    /// The new value as a number, when it is one.
    pub fn number(&self) -> Option<u64> {
        match &self.value {
            Some(SettingValue::Number(n)) => Some(*n),
            _ => None,
        }
    }
}

/// Why a `--set` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("--set {0:?}: expected SETTING=VALUE")]
    Syntax(String),
    #[error("--set: unknown setting {0:?} (see `nullsight audit --help` for the catalogue)")]
    Unknown(String),
    #[error("--set {setting}: {value:?} is not a valid value: {why}")]
    Value {
        setting: String,
        value: String,
        why: String,
    },
}

/// Parse `SETTING=VALUE` (`VALUE` empty: an empty list or text; `-`: remove the value).
/// Values are validated against the setting's kind: numbers must be numbers, and text and list
/// items may only hold printable ASCII without quotes (they end up in generated scripts).
pub fn parse_set(s: &str, scope: Scope) -> Result<Change, ChangeError> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| ChangeError::Syntax(s.to_string()))?;
    let setting =
        settings::find(name.trim()).ok_or_else(|| ChangeError::Unknown(name.to_string()))?;
    let value = value.trim();
    let bad = |why: &str| ChangeError::Value {
        setting: setting.name.to_string(),
        value: value.to_string(),
        why: why.to_string(),
    };
    if value == "-" {
        return Ok(Change {
            setting,
            value: None,
            scope,
        });
    }
    let v = SettingValue::parse(setting.kind, value).ok_or_else(|| bad("not a number"))?;
    validate_value(setting, &v).map_err(|w| bad(&w))?;
    Ok(Change {
        setting,
        value: Some(v),
        scope,
    })
}

/// Check that a value can be written safely everywhere nullsight writes values (scripts, .reg,
/// INF, Registry.pol).
pub fn validate_value(setting: &Setting, v: &SettingValue) -> Result<(), String> {
    let safe = |t: &str| {
        t.chars().all(|c| c.is_ascii_graphic() || c == ' ')
            && !t.contains(['"', '\'', '`', ',', ';', '$'])
    };
    match (setting.kind, v) {
        (Kind::Number | Kind::Flags | Kind::Audit, SettingValue::Number(n)) => {
            if *n > u32::MAX as u64 {
                return Err(format!("{n} does not fit in a REG_DWORD"));
            }
            if setting.kind == Kind::Audit && *n > 3 {
                return Err("an audit setting is 0, 1, 2 or 3".into());
            }
            Ok(())
        }
        (Kind::Text, SettingValue::Text(t)) => {
            let ok = t.chars().all(|c| c.is_ascii_graphic() || c == ' ')
                && !t.contains(['"', '\'', '`', '$']);
            if ok {
                Ok(())
            } else {
                Err("only printable ASCII without quotes, backticks or $".into())
            }
        }
        (Kind::List | Kind::SidList, SettingValue::List(l)) => {
            for item in l {
                if item.is_empty() || !safe(item) {
                    return Err(format!(
                        "list item {item:?}: only printable ASCII without quotes, commas, semicolons, backticks or $"
                    ));
                }
            }
            Ok(())
        }
        _ => Err(format!(
            "a {:?} setting cannot take this value",
            setting.kind
        )),
    }
}

/// What the configuration says about one host.
#[derive(Debug, Clone, Default)]
pub struct HostInfo {
    pub role: Option<Role>,
    /// The effective value of every catalogued setting that is known (set, or proven unset and
    /// so the Windows default).
    pub values: BTreeMap<&'static str, SettingValue>,
    /// Settings proven unset (absent) on the host.
    pub absent: Vec<&'static str>,
    /// The current value of every setting whose value is known for certain, with where it was
    /// read: what [`Context::in_effect`] compares a change with. Like `values`, a proven-unset
    /// setting counts with its Windows default, except where that default depends on a Windows
    /// version the configuration does not show (UseMachineId, allownullsessionfallback).
    pub current: BTreeMap<&'static str, (Option<SettingValue>, String)>,
}

impl HostInfo {
    pub fn from_config(h: &HostConfig) -> HostInfo {
        let mut info = HostInfo {
            role: Some(h.role),
            ..Default::default()
        };
        let os = h.facts.os_version();
        for r in &h.settings {
            match &r.effective {
                Effective::Set { value, observation } => {
                    info.values.insert(r.setting.name, value.clone());
                    info.current.insert(
                        r.setting.name,
                        (
                            Some(value.clone()),
                            r.observations[*observation].source_text(),
                        ),
                    );
                }
                Effective::Default {
                    default,
                    deleted_by,
                } => {
                    info.absent.push(r.setting.name);
                    if let Some(d) = default {
                        info.values.insert(r.setting.name, d.clone());
                    }
                    if r.setting.default_depends_on_os() && os.is_none() {
                        continue; // the default would be a guess: Vista / 2008 differ
                    }
                    let why = match deleted_by {
                        Some(i) => format!("deleted by {}", r.observations[*i].source_text()),
                        None => format!(
                            "not in {}, which hold its key",
                            h.covering(r.setting.name)
                                .iter()
                                .map(|p| p.display().to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    let basis = r
                        .setting
                        .default_basis(os.as_ref())
                        .unwrap_or_else(|| format!("the Windows default for {}", h.role));
                    info.current.insert(
                        r.setting.name,
                        (default.clone(), format!("not set ({why}): {basis}")),
                    );
                }
                // "Not in the inputs" says nothing about the host: unknown.
                Effective::Unknown { .. } => {}
            }
        }
        info
    }

    /// Whether the configuration shows that this auditing is on (`Some(false)`: shown off).
    pub fn audits(&self, ev: Evidence) -> Option<bool> {
        let (name, need) = ev.setting();
        let v = match self.values.get(name) {
            Some(SettingValue::Number(n)) => *n,
            _ => return None,
        };
        let s = settings::find(name)?;
        Some(if s.kind == Kind::Audit {
            v & 1 == 1 || (need & 2 == 2 && v & 2 == 2 && ev == Evidence::DetailedFileShare)
        } else {
            v >= 1
        })
    }
}

/// Settings whose values are ordered from least to most strict: a higher current value already
/// does everything a lower proposed one would (LmCompatibilityLevel 5 refuses what 4 refuses;
/// RestrictAnonymous 2 what 1 does; RestrictSendingNTLMTraffic 0 allow, 1 audit, 2 deny;
/// RestrictReceivingNTLMTraffic 2 denies all accounts, 1 domain accounts; and
/// AuditReceivingNTLMTraffic 2 audits all accounts, 1 domain accounts).
const ORDERED: &[&str] = &[
    "LmCompatibilityLevel",
    "RestrictAnonymous",
    "RestrictSendingNTLMTraffic",
    "RestrictReceivingNTLMTraffic",
    "AuditReceivingNTLMTraffic",
];

/// Whether a host running with `current` already has the effect of `proposed`: the same value
/// (lists as sets), or for the ordered settings above a higher value, or for bit flags
/// (NTLMMinClientSec / NTLMMinServerSec requirements, audit Success/Failure) every bit of the
/// proposal. Any other difference is a change, even one that looks weaker: settings such as
/// RestrictNTLMInDomain (1/3/5/7) or the exception lists are not ordered that simply.
pub fn at_least_as_strict(setting: &Setting, current: &SettingValue, proposed: &SettingValue) -> bool {
    if crate::policy::host::same_value(current, proposed) {
        return true;
    }
    match (current, proposed) {
        (SettingValue::Number(c), SettingValue::Number(p)) => {
            if ORDERED.contains(&setting.name) {
                c >= p
            } else if setting.kind == Kind::Audit
                || matches!(setting.name, "NTLMMinClientSec" | "NTLMMinServerSec")
            {
                c & p == *p
            } else {
                false
            }
        }
        _ => false,
    }
}

/// Everything a model needs: the traffic, what the configuration says about each host, and the
/// whole set of proposed changes (a model reads related settings "after" the change set, such as
/// the exception lists for RestrictSendingNTLMTraffic).
#[derive(Debug)]
pub struct Context<'a> {
    pub traffic: &'a Traffic,
    pub hosts: BTreeMap<String, HostInfo>,
    pub changes: &'a [Change],
    /// Client IP address → host name, learned from logons that carry both.
    pub ip_hosts: BTreeMap<String, String>,
}

impl<'a> Context<'a> {
    pub fn new(traffic: &'a Traffic, configs: &[HostConfig], changes: &'a [Change]) -> Self {
        let mut hosts = BTreeMap::new();
        for c in configs {
            if let Some(n) = short_host(&c.name) {
                hosts.insert(n, HostInfo::from_config(c));
            }
        }
        let mut ip_hosts = BTreeMap::new();
        for k in traffic.flows.keys() {
            if let (Some(ip), Some(src)) = (&k.source_ip, &k.source) {
                if !k.anonymous {
                    ip_hosts.entry(ip.clone()).or_insert_with(|| src.clone());
                }
            }
        }
        Context {
            traffic,
            hosts,
            changes,
            ip_hosts,
        }
    }

    /// The role of a host: from its configuration, else DC when it validated domain NTLM.
    pub fn role(&self, host: &str) -> Option<Role> {
        if let Some(r) = self.hosts.get(host).and_then(|h| h.role) {
            return Some(r);
        }
        if self.traffic.validators.contains_key(host) {
            return Some(Role::Dc);
        }
        None
    }

    /// Every host known from the logs or the configuration.
    pub fn known_hosts(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .traffic
            .hosts()
            .cloned()
            .chain(self.hosts.keys().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Whether a change is for this host. A host whose role is unknown counts as a member or
    /// workstation (listing too much is safer than missing a break), never as a DC: DCs are
    /// known from their configuration or from the 8003/8004 events they log.
    pub fn applies(&self, scope: &Scope, host: &str) -> bool {
        match scope {
            Scope::All => true,
            Scope::Role(Role::Dc) => self.role(host) == Some(Role::Dc),
            Scope::Role(r) => self.role(host).is_none_or(|x| x == *r),
            Scope::Hosts(list) => list.iter().any(|h| h.eq_ignore_ascii_case(host)),
        }
    }

    /// The hosts of a scope: known hosts it applies to, and hosts it names.
    pub fn scope_hosts(&self, scope: &Scope) -> Vec<String> {
        let mut v: Vec<String> = self
            .known_hosts()
            .into_iter()
            .filter(|h| self.applies(scope, h))
            .collect();
        if let Scope::Hosts(list) = scope {
            v.extend(list.iter().cloned());
        }
        v.sort();
        v.dedup();
        v
    }

    /// Whether a change reaches the domain controllers.
    pub fn applies_to_dcs(&self, scope: &Scope) -> bool {
        match scope {
            Scope::All | Scope::Role(Role::Dc) => true,
            Scope::Role(_) => false,
            Scope::Hosts(list) => list.iter().any(|h| self.role(h) == Some(Role::Dc)),
        }
    }

    /// The value a setting will have on a host once the change set is applied: a change in the
    /// set for that host, else the configured value, else the Windows default for its role.
    /// The flag says whether it is known (`false`: assumed from a default).
    pub fn after(&self, name: &str, host: &str) -> (Option<SettingValue>, bool) {
        // A change already in effect leaves the host's value as it is (the plan skips it).
        if let Some(c) = self.changes.iter().rev().find(|c| {
            c.setting.name.eq_ignore_ascii_case(name)
                && self.applies(&c.scope, host)
                && self.in_effect(c, host).is_none()
        }) {
            let v = c
                .value
                .clone()
                .or_else(|| self.role(host).and_then(|r| c.setting.default_for(r)));
            return (v, true);
        }
        let Some(s) = settings::find(name) else {
            return (None, false);
        };
        if let Some(v) = self.hosts.get(host).and_then(|h| h.values.get(s.name)) {
            return (Some(v.clone()), true);
        }
        (
            s.default_for(self.role(host).unwrap_or(Role::Member)),
            false,
        )
    }

    /// Whether a change is already in effect on a host, from the host's configuration: its
    /// current value (set, or proven unset and so the Windows default) is at least as strict as
    /// the proposal ([`at_least_as_strict`]), or the change removes a value the host does not
    /// have. `None` when it is not, or when the configuration does not show the current value
    /// (no configuration for the host, or the setting not in its files): then the models judge
    /// the change from the traffic as before.
    pub fn in_effect(&self, change: &Change, host: &str) -> Option<InEffect> {
        if !self.applies(&change.scope, host) {
            return None;
        }
        let info = self.hosts.get(host)?;
        let (current, source) = info.current.get(change.setting.name)?;
        let (current, stricter) = match (&change.value, current) {
            (None, _) => {
                if !info.absent.contains(&change.setting.name) {
                    return None;
                }
                ("not set".to_string(), false)
            }
            (Some(p), Some(c)) if at_least_as_strict(change.setting, c, p) => (
                change.setting.describe(c),
                !crate::policy::host::same_value(c, p),
            ),
            _ => return None,
        };
        Some(InEffect {
            host: host.to_string(),
            current,
            source: source.clone(),
            stricter,
        })
    }

    /// Whether the change set changes a setting on a host to exactly this number.
    pub fn changed_to(&self, name: &str, host: &str, n: u64) -> bool {
        self.changes.iter().any(|c| {
            c.setting.name.eq_ignore_ascii_case(name)
                && self.applies(&c.scope, host)
                && c.number() == Some(n)
        })
    }

    /// Whether a host's logs (or configuration) show this kind of traffic would have been seen.
    pub fn covered(&self, host: &str, ev: Evidence) -> bool {
        if self.traffic.has(host, ev) {
            return true;
        }
        // The configuration says the auditing is on, and the host's logs were collected.
        self.traffic.seen.contains_key(host)
            && self.hosts.get(host).and_then(|h| h.audits(ev)) == Some(true)
    }

    /// The host behind a flow's client: its workstation name, else the host known to use its IP.
    pub fn client_of(&self, k: &FlowKey) -> Option<String> {
        k.source.clone().or_else(|| {
            k.source_ip
                .as_ref()
                .and_then(|ip| self.ip_hosts.get(ip).cloned())
        })
    }
}
