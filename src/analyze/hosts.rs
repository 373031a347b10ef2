//! The hosts' configuration as the analysis reads it: a read-only view, by host name, of what
//! decides how a host authenticates when its own logs are missing (OS version, UseMachineId,
//! allownullsessionfallback, domain membership), each with the file and place it was read from.
//!
//! The view is an input of [`super::Analysis::finish_with`], not analysis state: states are
//! merged without it, and the same events with the same view give the same findings.
//!
//! Names: a host is known by its configured name (the ComputerName in its files, or the folder
//! they came from) and its DNS name (Tcpip\Parameters Hostname + Domain). A name from a log
//! (WorkstationName, Computer) matches case-insensitively: an FQDN matches the DNS name (or a
//! configured FQDN) first; otherwise the NetBIOS forms are compared (the first label, upper
//! case, at most 15 characters, as Windows derives a NetBIOS name), and an FQDN whose domain
//! differs from a host's DNS suffix does not match it. An IP address matches nothing.

use super::short_host;
use crate::policy::host::{Effective, HostConfig, Role};
use crate::policy::OsVersion;
use serde::Serialize;

/// A setting as the view sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SettingState {
    /// Set to `value` (`source`: `file: place`).
    Set { value: u64, source: String },
    /// Not set: absent from (or deleted by) `source`, which holds everything where it lives.
    /// Windows then uses its default for the OS version.
    NotSet { source: String },
    /// No file of this host shows it.
    Unknown,
}

impl SettingState {
    pub fn value(&self) -> Option<u64> {
        match self {
            SettingState::Set { value, .. } => Some(*value),
            _ => None,
        }
    }
}

/// What the configuration shows of one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfiguredHost {
    /// The host's name in the configuration (ComputerName, else the folder's name).
    pub name: String,
    /// `Hostname.Domain` from Tcpip\Parameters, when exported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<OsVersion>,
    /// Lsa\UseMachineId: 1 LocalSystem NTLM uses the computer identity, 0 it is anonymous.
    pub use_machine_id: SettingState,
    /// Lsa\MSV1_0\allownullsessionfallback.
    pub null_session_fallback: SettingState,
    /// How the configuration shows the host to be a domain member, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_member: Option<String>,
    /// The files read for this host.
    pub files: Vec<String>,
}

/// Every configured host, in name order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HostView {
    pub hosts: Vec<ConfiguredHost>,
}

/// The result of looking a name up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    None,
    One(&'a ConfiguredHost),
    /// Several configured hosts answer to the name (their names): none is used.
    Ambiguous(Vec<&'a str>),
}

/// The NetBIOS form of a host name: first label, upper case, at most 15 characters.
pub fn netbios(name: &str) -> String {
    short_host(name).chars().take(15).collect()
}

fn setting_state(h: &HostConfig, name: &str) -> SettingState {
    let Some(r) = h.setting(name) else {
        return SettingState::Unknown;
    };
    match &r.effective {
        Effective::Set { value, observation } => match value {
            crate::policy::settings::SettingValue::Number(n) => SettingState::Set {
                value: *n,
                source: r.observations[*observation].source_text(),
            },
            _ => SettingState::Unknown,
        },
        Effective::Default {
            deleted_by: Some(i),
            ..
        } => SettingState::NotSet {
            source: format!("deleted by {}", r.observations[*i].source_text()),
        },
        Effective::Default {
            deleted_by: None, ..
        } => SettingState::NotSet {
            source: h
                .covering(name)
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        },
        Effective::Unknown { .. } => SettingState::Unknown,
    }
}

impl ConfiguredHost {
    /// The view of one host's resolved configuration.
    pub fn from_config(h: &HostConfig) -> Self {
        let dns_name = h.facts.dns_name();
        let domain_member = if h.role == Role::Dc && h.role_origin.starts_with("ProductType") {
            Some(format!("a domain controller ({})", h.role_origin))
        } else {
            h.facts
                .dns_domain
                .as_ref()
                .filter(|d| !d.value.trim().is_empty())
                .map(|d| {
                    format!(
                        "primary DNS suffix {} ({}), which joining a domain sets",
                        d.value.trim(),
                        d.source_text()
                    )
                })
        };
        ConfiguredHost {
            name: h.name.clone(),
            dns_name,
            os: h.facts.os_version(),
            use_machine_id: setting_state(h, "UseMachineId"),
            null_session_fallback: setting_state(h, "allownullsessionfallback"),
            domain_member,
            files: h
                .sources
                .iter()
                .map(|s| s.path.display().to_string())
                .collect(),
        }
    }

    fn answers_to_fqdn(&self, fqdn: &str) -> bool {
        self.dns_name
            .as_deref()
            .is_some_and(|d| d.eq_ignore_ascii_case(fqdn))
            || self.name.eq_ignore_ascii_case(fqdn)
    }

    fn answers_to_netbios(&self, nb: &str) -> bool {
        netbios(&self.name) == nb || self.dns_name.as_deref().is_some_and(|d| netbios(d) == nb)
    }

    /// The DNS suffix this host is known to have, if any.
    fn suffix(&self) -> Option<&str> {
        [self.dns_name.as_deref(), Some(self.name.as_str())]
            .into_iter()
            .flatten()
            .find_map(|n| n.split_once('.').map(|(_, d)| d))
    }
}

impl HostView {
    /// The view of hosts read by [`crate::policy::read_hosts`].
    pub fn from_configs(hosts: &[HostConfig]) -> Self {
        let mut hosts: Vec<ConfiguredHost> =
            hosts.iter().map(ConfiguredHost::from_config).collect();
        hosts.sort_by(|a, b| {
            a.name
                .to_ascii_uppercase()
                .cmp(&b.name.to_ascii_uppercase())
                .then_with(|| a.name.cmp(&b.name))
        });
        HostView { hosts }
    }

    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// The configured host a name from a log refers to (see the module notes).
    pub fn lookup(&self, name: &str) -> Lookup<'_> {
        let n = name.trim().trim_start_matches('\\').trim_end_matches('$');
        if n.is_empty() || n.parse::<std::net::IpAddr>().is_ok() {
            return Lookup::None;
        }
        let domain = n.split_once('.').map(|(_, d)| d).filter(|d| !d.is_empty());
        let pick = |matches: Vec<usize>| match matches.as_slice() {
            [] => Lookup::None,
            [i] => Lookup::One(&self.hosts[*i]),
            many => Lookup::Ambiguous(many.iter().map(|&i| self.hosts[i].name.as_str()).collect()),
        };
        if domain.is_some() {
            let exact: Vec<usize> = (0..self.hosts.len())
                .filter(|&i| self.hosts[i].answers_to_fqdn(n))
                .collect();
            if !exact.is_empty() {
                return pick(exact);
            }
        }
        let nb = netbios(n);
        let found: Vec<usize> = (0..self.hosts.len())
            .filter(|&i| self.hosts[i].answers_to_netbios(&nb))
            .filter(|&i| match (domain, self.hosts[i].suffix()) {
                (Some(d), Some(s)) => d.eq_ignore_ascii_case(s),
                _ => true,
            })
            .collect();
        pick(found)
    }
}
