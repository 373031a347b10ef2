//! The observed traffic, as a mergeable state: `observe` each typed event, `merge` states from
//! other files, threads or hosts. Memory grows with distinct flows, not with events.
//!
//! Only what a hardening change can block is kept: NTLM, anonymous and Guest network logons
//! (4624), anonymous share and pipe accesses (5140/5145), the NTLM/Operational audits (8001–8004)
//! and NTLM credential validations (4776). Every event also counts towards the *coverage* of its
//! host: which auditing was on there, so that "nothing seen" can be told from "not looked".

use crate::event::{Event, Kind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many evidence references a flow keeps.
pub const EVIDENCE_CAP: usize = 5;

/// What kind of traffic a flow is (and which event shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    /// 4624 network logon (NTLM, anonymous or Guest) on the receiving server.
    NetworkLogon,
    /// 5140/5145 by ANONYMOUS LOGON on the receiving server.
    AnonymousShare,
    /// 8001 (and 4001) on the sending client.
    NtlmOutgoing,
    /// 8002 (and 4002) on the receiving server.
    NtlmIncoming,
    /// 8003 (and 4003): NTLM to the domain controller itself.
    NtlmDomain,
    /// 8004 (and 4004): NTLM pass-through validated by the domain controller.
    NtlmPassthrough,
    /// 4776 on a domain controller (NTLM credential validation; no version).
    CredentialValidation,
}

/// Audit evidence a host produced: one per event family that matters to the models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// Security 4624/4625 (Audit Logon).
    Logon,
    /// Security 5140 (Audit File Share).
    FileShare,
    /// Security 5145 (Audit Detailed File Share).
    DetailedFileShare,
    /// Security 4776 (Audit Credential Validation).
    CredentialValidation,
    /// NTLM/Operational 8001/4001 (RestrictSendingNTLMTraffic = Audit all).
    NtlmOutgoing,
    /// NTLM/Operational 8002/4002 (AuditReceivingNTLMTraffic).
    NtlmIncoming,
    /// NTLM/Operational 8003/8004 (AuditNTLMInDomain, on DCs).
    NtlmInDomain,
}

impl Evidence {
    pub const ALL: [Evidence; 7] = [
        Evidence::Logon,
        Evidence::FileShare,
        Evidence::DetailedFileShare,
        Evidence::CredentialValidation,
        Evidence::NtlmOutgoing,
        Evidence::NtlmIncoming,
        Evidence::NtlmInDomain,
    ];

    /// The events that show it.
    pub fn events(self) -> &'static str {
        match self {
            Evidence::Logon => "Security 4624 (and 4625)",
            Evidence::FileShare => "Security 5140",
            Evidence::DetailedFileShare => "Security 5145",
            Evidence::CredentialValidation => "Security 4776",
            Evidence::NtlmOutgoing => "Microsoft-Windows-NTLM/Operational 8001",
            Evidence::NtlmIncoming => "Microsoft-Windows-NTLM/Operational 8002",
            Evidence::NtlmInDomain => "Microsoft-Windows-NTLM/Operational 8003/8004",
        }
    }

    /// The catalogued setting that turns this auditing on, and the value that does.
    pub fn setting(self) -> (&'static str, u64) {
        match self {
            Evidence::Logon => ("AuditLogon", 1),
            Evidence::FileShare => ("AuditFileShare", 1),
            Evidence::DetailedFileShare => ("AuditDetailedFileShare", 3),
            Evidence::CredentialValidation => ("AuditCredentialValidation", 3),
            Evidence::NtlmOutgoing => ("RestrictSendingNTLMTraffic", 1),
            Evidence::NtlmIncoming => ("AuditReceivingNTLMTraffic", 2),
            Evidence::NtlmInDomain => ("AuditNTLMInDomain", 7),
        }
    }

    /// What to enable, in words an administrator can follow.
    pub fn how(self) -> &'static str {
        match self {
            Evidence::Logon => "enable Advanced Audit Policy \"Logon/Logoff > Audit Logon\" = Success and Failure (auditpol /set /subcategory:{0CCE9215-69AE-11D9-BED3-505054503030} /success:enable /failure:enable) and collect the Security log",
            Evidence::FileShare => "enable \"Object Access > Audit File Share\" = Success and Failure (auditpol /set /subcategory:{0CCE9224-69AE-11D9-BED3-505054503030} /success:enable /failure:enable) and collect the Security log",
            Evidence::DetailedFileShare => "enable \"Object Access > Audit Detailed File Share\" = Success and Failure (auditpol /set /subcategory:{0CCE9244-69AE-11D9-BED3-505054503030} /success:enable /failure:enable; it is noisy on file servers) and collect the Security log",
            Evidence::CredentialValidation => "enable \"Account Logon > Audit Credential Validation\" = Success and Failure (auditpol /set /subcategory:{0CCE923F-69AE-11D9-BED3-505054503030} /success:enable /failure:enable) on the domain controllers and collect the Security log",
            Evidence::NtlmOutgoing => "set \"Network security: Restrict NTLM: Outgoing NTLM traffic to remote servers\" = Audit all (HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\MSV1_0\\RestrictSendingNTLMTraffic = 1) on the clients and collect Microsoft-Windows-NTLM/Operational",
            Evidence::NtlmIncoming => "set \"Network security: Restrict NTLM: Audit Incoming NTLM Traffic\" = Enable auditing for all accounts (HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\MSV1_0\\AuditReceivingNTLMTraffic = 2) on the servers and collect Microsoft-Windows-NTLM/Operational",
            Evidence::NtlmInDomain => "set \"Network security: Restrict NTLM: Audit NTLM authentication in this domain\" = Enable all (HKLM\\SYSTEM\\CurrentControlSet\\Services\\Netlogon\\Parameters\\AuditNTLMInDomain = 7) on the domain controllers and collect Microsoft-Windows-NTLM/Operational",
        }
    }
}

/// An event that shows a flow: the input file and the EventRecordID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EvidenceRef {
    pub file: Arc<str>,
    pub record_id: u64,
}

/// What identifies a flow. Host names are short NetBIOS-style names in upper case (the part of
/// `Computer` before the first dot), so that `FS01` and `fs01.corp.example` are one host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FlowKey {
    pub kind: FlowKind,
    /// The host that logged it.
    pub host: String,
    /// `DOMAIN\user` (or the bare user, or a SID), when the event names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_sid: Option<String>,
    /// The account's domain (upper case), to tell local from domain accounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_domain: Option<String>,
    /// The client: workstation name (upper case, short).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// 8001: the target server; 8004: the server whose secure channel forwarded the logon;
    /// 5140/5145: the share (`IPC$`, `DATA`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// 5145 on IPC$: the pipe (lower case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_package: Option<String>,
    /// `NTLM V1`, `NTLM V2`, `LM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lm_package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_luid: Option<u64>,
    /// 8001: the client process's own domain (ClientDomainName, upper case): `WORKGROUP` or
    /// the host's own name on a host that is not domain-joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logon_type: Option<u32>,
    pub anonymous: bool,
    /// The account is the built-in Guest (RID 501).
    pub guest: bool,
    /// The event is a block (4001–4004), not an audit: the traffic already fails.
    pub blocked: bool,
}

/// Counts and times of a flow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FlowStats {
    pub count: u64,
    pub first: Option<jiff::Timestamp>,
    pub last: Option<jiff::Timestamp>,
    /// Up to [`EVIDENCE_CAP`] references, the earliest records kept (by file and record id).
    pub evidence: Vec<EvidenceRef>,
}

impl FlowStats {
    fn add(&mut self, time: Option<jiff::Timestamp>, ev: EvidenceRef) {
        self.count += 1;
        if let Some(t) = time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        self.push_evidence(ev);
    }

    fn push_evidence(&mut self, ev: EvidenceRef) {
        if self.evidence.contains(&ev) {
            return;
        }
        self.evidence.push(ev);
        self.evidence.sort();
        self.evidence.truncate(EVIDENCE_CAP);
    }

    fn merge(&mut self, other: FlowStats) {
        self.count += other.count;
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for e in other.evidence {
            self.push_evidence(e);
        }
    }
}

/// The observed traffic and audit coverage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Traffic {
    pub flows: BTreeMap<FlowKey, FlowStats>,
    /// Per host: how many events of each evidence kind it logged (whatever they were about).
    pub seen: BTreeMap<String, BTreeMap<Evidence, u64>>,
    /// Hosts seen validating domain NTLM (8003/8004 or 4776 for a non-local account): DCs.
    pub validators: BTreeMap<String, u64>,
}

/// `fs01.corp.example` → `FS01`; empty and `-` → None.
pub fn short_host(name: &str) -> Option<String> {
    let n = name.trim().trim_start_matches('\\');
    let n = n.split('.').next().unwrap_or("").trim();
    if n.is_empty() || n == "-" {
        None
    } else {
        Some(n.to_uppercase())
    }
}

fn account(user: Option<&str>, domain: Option<&str>) -> Option<String> {
    match (domain, user) {
        (Some(d), Some(u)) => Some(format!("{d}\\{u}")),
        (None, Some(u)) => Some(u.to_string()),
        _ => None,
    }
}

fn is_ntlm(pkg: Option<&str>) -> bool {
    pkg.is_some_and(|p| p.trim().to_ascii_uppercase().starts_with("NTLM"))
}

impl Traffic {
    pub fn new() -> Self {
        Self::default()
    }

    fn saw(&mut self, host: &str, ev: Evidence) {
        *self
            .seen
            .entry(host.to_string())
            .or_default()
            .entry(ev)
            .or_default() += 1;
    }

    fn add(&mut self, key: FlowKey, e: &Event) {
        let ev = EvidenceRef {
            file: Arc::clone(&e.file),
            record_id: e.record_id,
        };
        self.flows.entry(key).or_default().add(e.time, ev);
    }

    /// Take one event into account.
    pub fn observe(&mut self, e: &Event) {
        let Some(host) = short_host(&e.computer) else {
            return;
        };
        let base = |kind| FlowKey {
            kind,
            host: host.clone(),
            account: None,
            account_sid: None,
            account_domain: None,
            source: None,
            source_ip: None,
            target: None,
            pipe: None,
            auth_package: None,
            lm_package: None,
            key_length: None,
            process: None,
            client_luid: None,
            client_domain: None,
            logon_type: None,
            anonymous: e.anonymous,
            guest: false,
            blocked: false,
        };
        match &e.kind {
            Kind::Logon(l) => {
                self.saw(&host, Evidence::Logon);
                let guest = l.target_sid.as_deref().is_some_and(is_guest_sid);
                let network = matches!(l.logon_type, None | Some(3));
                let ntlm = is_ntlm(l.auth_package.as_deref()) || l.lm_package.is_some();
                if !network || !(ntlm || e.anonymous || guest) {
                    return;
                }
                let mut k = base(FlowKind::NetworkLogon);
                k.account = account(l.target_user.as_deref(), l.target_domain.as_deref());
                k.account_sid = l.target_sid.as_deref().map(String::from);
                k.account_domain = l.target_domain.as_deref().map(|d| d.to_uppercase());
                k.source = l.network.workstation.as_deref().and_then(short_host);
                k.source_ip = l.network.ip.as_deref().map(String::from);
                k.auth_package = l.auth_package.as_deref().map(String::from);
                k.lm_package = l
                    .lm_package
                    .as_deref()
                    .map(|p| p.trim().to_ascii_uppercase());
                k.key_length = l.key_length;
                k.logon_type = l.logon_type;
                k.guest = guest;
                self.add(k, e);
            }
            Kind::LogonFailure(_) => self.saw(&host, Evidence::Logon),
            Kind::ShareAccess(s) => {
                let detailed = e.event_id == 5145;
                self.saw(
                    &host,
                    if detailed {
                        Evidence::DetailedFileShare
                    } else {
                        Evidence::FileShare
                    },
                );
                if !e.anonymous {
                    return;
                }
                let mut k = base(FlowKind::AnonymousShare);
                k.account = Some("NT AUTHORITY\\ANONYMOUS LOGON".into());
                k.account_sid = Some("S-1-5-7".into());
                k.source_ip = s.network.ip.as_deref().map(String::from);
                k.target = s.share_name();
                // File paths under ordinary shares are not kept: one flow per share.
                k.pipe = s.pipe().filter(|p| !p.is_empty());
                self.add(k, e);
            }
            Kind::NtlmOutgoing(n)
            | Kind::NtlmIncoming(n)
            | Kind::NtlmDomain(n)
            | Kind::NtlmPassthrough(n)
            | Kind::NtlmBlocked(n) => {
                use crate::event::NtlmStage;
                let (kind, ev, blocked) = match (&e.kind, n.stage) {
                    (Kind::NtlmOutgoing(_), _) => {
                        (FlowKind::NtlmOutgoing, Evidence::NtlmOutgoing, false)
                    }
                    (Kind::NtlmIncoming(_), _) => {
                        (FlowKind::NtlmIncoming, Evidence::NtlmIncoming, false)
                    }
                    (Kind::NtlmDomain(_), _) => {
                        (FlowKind::NtlmDomain, Evidence::NtlmInDomain, false)
                    }
                    (Kind::NtlmPassthrough(_), _) => {
                        (FlowKind::NtlmPassthrough, Evidence::NtlmInDomain, false)
                    }
                    (_, Some(NtlmStage::Outgoing)) => {
                        (FlowKind::NtlmOutgoing, Evidence::NtlmOutgoing, true)
                    }
                    (_, Some(NtlmStage::Incoming)) => {
                        (FlowKind::NtlmIncoming, Evidence::NtlmIncoming, true)
                    }
                    (_, Some(NtlmStage::Domain)) => {
                        (FlowKind::NtlmDomain, Evidence::NtlmInDomain, true)
                    }
                    _ => (FlowKind::NtlmPassthrough, Evidence::NtlmInDomain, true),
                };
                self.saw(&host, ev);
                if matches!(kind, FlowKind::NtlmDomain | FlowKind::NtlmPassthrough) {
                    *self.validators.entry(host.clone()).or_default() += 1;
                }
                let mut k = base(kind);
                k.blocked = blocked;
                match kind {
                    FlowKind::NtlmOutgoing => {
                        k.account = account(n.target_user.as_deref(), n.target_domain.as_deref());
                        k.account_domain = n.target_domain.as_deref().map(|d| d.to_uppercase());
                        k.target = n.target_name.as_deref().map(String::from);
                        k.source = Some(host.clone());
                        k.process = n.process_name.as_deref().map(String::from);
                        k.client_luid = n.client_luid.map(|l| l.0);
                        k.client_domain = n.client_domain.as_deref().map(|d| d.to_uppercase());
                    }
                    FlowKind::NtlmIncoming => {
                        k.account = account(n.client_user.as_deref(), n.client_domain.as_deref());
                        k.account_domain = n.client_domain.as_deref().map(|d| d.to_uppercase());
                        k.process = n.process_name.as_deref().map(String::from);
                        k.client_luid = n.client_luid.map(|l| l.0);
                    }
                    _ => {
                        k.account = account(n.target_user.as_deref(), n.target_domain.as_deref());
                        k.account_domain = n.target_domain.as_deref().map(|d| d.to_uppercase());
                        k.source = n.workstation.as_deref().and_then(short_host);
                        k.target = n.schannel_name.as_deref().and_then(short_host);
                        k.logon_type = n.logon_type;
                        k.process = n.process_name.as_deref().map(String::from);
                    }
                }
                k.anonymous = false;
                self.add(k, e);
            }
            Kind::CredentialValidation(c) => {
                self.saw(&host, Evidence::CredentialValidation);
                let mut k = base(FlowKind::CredentialValidation);
                k.account = c.target_user.as_deref().map(String::from);
                k.source = c.workstation.as_deref().and_then(short_host);
                k.auth_package = c.auth_package.as_deref().map(String::from);
                k.anonymous = false;
                // A 4776 for an account that is not local to the host, on a host that others
                // send their NTLM to, is a domain controller validating; decided when used.
                self.add(k, e);
            }
            _ => {}
        }
    }

    /// Merge another state into this one (the result does not depend on the order).
    pub fn merge(&mut self, other: Traffic) {
        for (k, v) in other.flows {
            match self.flows.get_mut(&k) {
                Some(s) => s.merge(v),
                None => {
                    self.flows.insert(k, v);
                }
            }
        }
        for (h, m) in other.seen {
            let mine = self.seen.entry(h).or_default();
            for (e, n) in m {
                *mine.entry(e).or_default() += n;
            }
        }
        for (h, n) in other.validators {
            *self.validators.entry(h).or_default() += n;
        }
    }

    /// Whether a host logged events of this kind.
    pub fn has(&self, host: &str, ev: Evidence) -> bool {
        self.seen
            .get(host)
            .and_then(|m| m.get(&ev))
            .is_some_and(|n| *n > 0)
    }

    /// Every host that logged something.
    pub fn hosts(&self) -> impl Iterator<Item = &String> {
        self.seen.keys()
    }
}

/// The built-in Guest account: a machine or domain SID ending in RID 501.
pub fn is_guest_sid(sid: &str) -> bool {
    sid.to_ascii_uppercase().starts_with("S-1-5-21-") && sid.ends_with("-501")
}
