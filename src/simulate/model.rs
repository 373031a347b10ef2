//! One rule per setting: which observed flows a proposed value blocks, where it is enforced and
//! which audit evidence it needs to be conclusive.
//!
//! Verdicts: **safe now** (the evidence that would show the affected traffic is there, and shows
//! none), **breaks N flows** (listed, with what to fix first), **cannot tell** (the auditing
//! that would show the traffic is off on some hosts of the change: which to enable, and how),
//! **already in effect** (every host of the change is known to run with the value, or a
//! stricter one, already: the traffic was logged under it, so the change breaks nothing).
//!
//! A host whose configuration shows the change already in effect ([`super::Context::in_effect`])
//! is left out of every model: its flows happened under that value and are not counted, and
//! its auditing is not needed to judge the change.

use super::observe::{Evidence, EvidenceRef, FlowKey, FlowKind, FlowStats};
use super::{Change, Context};
use crate::policy::settings::{Area, SettingValue};
use serde::Serialize;

/// LOCAL SYSTEM and LOCAL SERVICE logon sessions.
const SYSTEM_LUID: u64 = 0x3e7;
const LOCAL_SERVICE_LUID: u64 = 0x3e5;
/// NTLMMinClientSec / NTLMMinServerSec: require 128-bit encryption.
const REQUIRE_128: u64 = 0x2000_0000;
/// NTLMMinClientSec / NTLMMinServerSec: require NTLMv2 session security.
const REQUIRE_V2_SESSION: u64 = 0x0008_0000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    SafeNow,
    Breaks,
    CannotTell,
    /// Every host of the change already runs with the value (or a stricter one): nothing to
    /// apply, nothing breaks. JSON `"already-in-effect"`.
    AlreadyInEffect,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::SafeNow => "safe now",
            Verdict::Breaks => "breaks",
            Verdict::CannotTell => "cannot tell",
            Verdict::AlreadyInEffect => "already in effect",
        }
    }
}

/// A host on which a change is already in effect, with what its configuration says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InEffect {
    pub host: String,
    /// The current value, described (`1 (Enabled)`, `not set`).
    pub current: String,
    /// Where it was read (`file: line`), or the Windows default it is and why that is known.
    pub source: String,
    /// The current value is stricter than the proposed one (an ordered or flag setting):
    /// applying the change would lower it, so the plan leaves it out.
    pub stricter: bool,
}

/// What must be done first so that a change breaks nothing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Remedy {
    /// The client sends LM or NTLMv1: LmCompatibilityLevel >= 3 on it (or replace the device).
    MoveToNtlmV2 { client: String },
    /// The client negotiates NTLM session keys below 128 bits.
    StrongerSessionKey { client: String },
    /// LocalSystem on the client falls back to anonymous NTLM: UseMachineId = 1 on it.
    UseMachineId { client: String },
    /// A service running as LOCAL SERVICE on the client touches the network anonymously.
    MoveOffLocalService {
        client: String,
        process: Option<String>,
    },
    /// Something on the client uses null sessions: find it (scheduled task, legacy device,
    /// enumeration tool) and give it credentials, or stop it.
    FindAnonymousUser { client: String },
    /// The client uses the Guest account.
    StopUsingGuest { client: String },
    /// The client must keep NTLM to this server: add the server to ClientAllowedNTLMServers, or
    /// move the application to Kerberos (SPN, name used).
    ClientException { client: String, server: String },
    /// The DC must keep passing NTLM through for this server: add it to DCAllowedNTLMServers, or
    /// move its clients to Kerberos.
    DomainException { server: String },
    /// NTLM from this client must move to Kerberos (or the server be excepted).
    MoveToKerberos { client: String, server: String },
}

impl Remedy {
    /// The group heading in the plan ("these clients still send NTLMv1").
    pub fn group(&self) -> &'static str {
        match self {
            Remedy::MoveToNtlmV2 { .. } => "clients that still send LM or NTLMv1: move them to NTLMv2 (LmCompatibilityLevel >= 3 on each) or replace them",
            Remedy::StrongerSessionKey { .. } => "clients that negotiate NTLM session keys below 128 bits: update or reconfigure them",
            Remedy::UseMachineId { .. } => "hosts whose LocalSystem falls back to anonymous NTLM: set UseMachineId = 1 on each (and find why Kerberos failed)",
            Remedy::MoveOffLocalService { .. } => "services running as LOCAL SERVICE that reach the network anonymously: move them to NETWORK SERVICE or a service account",
            Remedy::FindAnonymousUser { .. } => "clients that use null sessions for another reason: find the program (legacy device, script, enumeration tool) and give it credentials or stop it",
            Remedy::StopUsingGuest { .. } => "clients that log on as Guest: give their users real accounts",
            Remedy::ClientException { .. } => "outgoing NTLM that must go on: add the server to ClientAllowedNTLMServers on the client, or move the application to Kerberos",
            Remedy::DomainException { .. } => "servers whose NTLM the DC passes through: add them to DCAllowedNTLMServers, or move their clients to Kerberos",
            Remedy::MoveToKerberos { .. } => "NTLM that would be refused: move it to Kerberos (SPNs, names) or keep an exception",
        }
    }

    /// The item in its group.
    pub fn item(&self) -> String {
        match self {
            Remedy::MoveToNtlmV2 { client }
            | Remedy::StrongerSessionKey { client }
            | Remedy::UseMachineId { client }
            | Remedy::FindAnonymousUser { client }
            | Remedy::StopUsingGuest { client } => client.clone(),
            Remedy::MoveOffLocalService { client, process } => match process {
                Some(p) => format!("{client} ({p})"),
                None => client.clone(),
            },
            Remedy::ClientException { client, server }
            | Remedy::MoveToKerberos { client, server } => format!("{client} -> {server}"),
            Remedy::DomainException { server } => server.clone(),
        }
    }
}

/// One observed flow that a change affects.
#[derive(Debug, Clone, Serialize)]
pub struct Affected {
    /// What happens to it ("refused: NTLM V1 logon").
    pub what: String,
    /// false: the flow goes on, changed (LocalSystem authenticates as the computer instead of
    /// anonymously).
    pub breaks: bool,
    pub account: Option<String>,
    /// The client host (workstation name, or the host known to use the address).
    pub client: Option<String>,
    pub client_ip: Option<String>,
    /// The host that logged it.
    pub logged_on: String,
    /// The server the client talked to (8001 target, 8004 secure-channel server).
    pub server: Option<String>,
    /// Where the change refuses it.
    pub enforced_at: String,
    pub count: u64,
    pub first: Option<jiff::Timestamp>,
    pub last: Option<jiff::Timestamp>,
    pub evidence: Vec<EvidenceRef>,
    pub kind: FlowKind,
    pub remedy: Option<Remedy>,
}

/// Auditing that is missing for a conclusive answer.
#[derive(Debug, Clone, Serialize)]
pub struct Missing {
    pub evidence: Evidence,
    pub events: &'static str,
    pub hosts: Vec<String>,
    pub how: &'static str,
}

/// The predicted impact of one change.
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    pub change: Change,
    pub description: String,
    pub scope: String,
    pub verdict: Verdict,
    pub summary: String,
    pub affected: Vec<Affected>,
    pub missing: Vec<Missing>,
    pub notes: Vec<String>,
    /// The change only turns auditing on.
    pub audit_only: bool,
    /// Hosts of the change on which it is already in effect (all of them for the verdict
    /// "already in effect"; some for the others, whose flows there are not counted).
    pub in_effect: Vec<InEffect>,
}

impl Impact {
    /// Flows that would break.
    pub fn breaks(&self) -> impl Iterator<Item = &Affected> {
        self.affected.iter().filter(|a| a.breaks)
    }
}

struct Eval<'c, 'a> {
    ctx: &'c Context<'a>,
    change: &'c Change,
    affected: Vec<Affected>,
    missing: Vec<Missing>,
    notes: Vec<String>,
    no_hosts: Option<String>,
    audit_only: bool,
    loosens: bool,
    not_modelled: Option<String>,
    in_effect: Vec<InEffect>,
}

impl<'c, 'a> Eval<'c, 'a> {
    /// Whether the change does something on this host: it is for the host, and not already in
    /// effect there.
    fn applies(&self, host: &str) -> bool {
        self.ctx.applies(&self.change.scope, host) && !self.already(host)
    }

    fn already(&self, host: &str) -> bool {
        self.in_effect
            .iter()
            .any(|i| i.host.eq_ignore_ascii_case(host))
    }

    /// The hosts of the change's scope on which it is not already in effect.
    fn scope_hosts(&self) -> Vec<String> {
        self.ctx
            .scope_hosts(&self.change.scope)
            .into_iter()
            .filter(|h| !self.already(h))
            .collect()
    }

    fn flows(&self, kind: FlowKind) -> impl Iterator<Item = (&'c FlowKey, &'c FlowStats)> + 'c {
        let traffic: &'a super::Traffic = self.ctx.traffic;
        traffic
            .flows
            .iter()
            .filter(move |(k, _)| k.kind == kind && !k.blocked)
    }

    #[allow(clippy::too_many_arguments)]
    fn hit(
        &mut self,
        k: &FlowKey,
        s: &FlowStats,
        what: String,
        breaks: bool,
        enforced_at: String,
        server: Option<String>,
        remedy: Option<Remedy>,
    ) {
        self.affected.push(Affected {
            what,
            breaks,
            account: k.account.clone(),
            client: self.ctx.client_of(k),
            client_ip: k.source_ip.clone(),
            logged_on: k.host.clone(),
            server,
            enforced_at,
            count: s.count,
            first: s.first,
            last: s.last,
            evidence: s.evidence.clone(),
            kind: k.kind,
            remedy,
        });
    }

    /// Record which of `hosts` lack every evidence in `options`; returns the covered ones.
    fn need(&mut self, hosts: &[String], options: &[Evidence]) -> Vec<String> {
        let mut covered = Vec::new();
        let mut uncovered = Vec::new();
        for h in hosts {
            if options.iter().any(|e| self.ctx.covered(h, *e)) {
                covered.push(h.clone());
            } else {
                uncovered.push(h.clone());
            }
        }
        if hosts.is_empty() && self.no_hosts.is_none() {
            self.no_hosts = Some("no host the change is for appears in the logs".into());
        }
        if !uncovered.is_empty() {
            let ev = options[0];
            match self.missing.iter_mut().find(|m| m.evidence == ev) {
                Some(m) => {
                    m.hosts.extend(uncovered);
                    m.hosts.sort();
                    m.hosts.dedup();
                }
                None => self.missing.push(Missing {
                    evidence: ev,
                    events: ev.events(),
                    hosts: uncovered,
                    how: ev.how(),
                }),
            }
        }
        covered
    }

    fn client_name(&self, k: &FlowKey) -> String {
        match (self.ctx.client_of(k), &k.source_ip) {
            (Some(c), _) => c,
            (None, Some(ip)) => format!("unknown client at {ip}"),
            (None, None) => "unknown client".into(),
        }
    }

    /// Why a client uses anonymous sessions, from its own NTLM/Operational 8001 events.
    fn anonymous_remedy(&self, k: &FlowKey) -> Remedy {
        let client = self.client_name(k);
        if let Some(c) = self.ctx.client_of(k) {
            let out: Vec<&FlowKey> = self
                .flows(FlowKind::NtlmOutgoing)
                .map(|(k, _)| k)
                .filter(|o| o.host == c)
                .collect();
            if out.iter().any(|o| is_fallback(o)) {
                return Remedy::UseMachineId { client };
            }
            if let Some(o) = out
                .iter()
                .find(|o| o.client_luid == Some(LOCAL_SERVICE_LUID))
            {
                return Remedy::MoveOffLocalService {
                    client,
                    process: o.process.clone(),
                };
            }
        }
        Remedy::FindAnonymousUser { client }
    }

    fn is_local_account(k: &FlowKey) -> bool {
        k.account_domain.as_deref() == Some(k.host.as_str())
    }

    fn is_nt_authority(k: &FlowKey) -> bool {
        k.account_domain
            .as_deref()
            .is_some_and(|d| d == "NT AUTHORITY" || d == "NT-AUTORITÄT" || d == "AUTORITE NT")
            || k.account_sid
                .as_deref()
                .is_some_and(|s| s.starts_with("S-1-5-") && !s.starts_with("S-1-5-21-"))
    }
}

fn list_of(v: &Option<SettingValue>) -> Vec<String> {
    match v {
        Some(SettingValue::List(l)) => l.iter().map(|s| s.to_ascii_lowercase()).collect(),
        Some(SettingValue::Text(t)) if !t.is_empty() => vec![t.to_ascii_lowercase()],
        _ => Vec::new(),
    }
}

/// `cifs/fs01.corp.example:445` → `fs01.corp.example`; an exception `*.corp.example` or `fs01`
/// matches it (case-insensitive; a leading `*` matches any prefix).
pub fn server_matches(exception: &str, target: &str) -> bool {
    let t = target.rsplit('/').next().unwrap_or(target);
    let t = t.split(':').next().unwrap_or(t).trim().to_ascii_lowercase();
    let e = exception.trim().to_ascii_lowercase();
    if e.is_empty() {
        return false;
    }
    if let Some(suffix) = e.strip_prefix('*') {
        return t.ends_with(suffix);
    }
    t == e || t.split('.').next() == Some(e.as_str()) || e.split('.').next() == Some(t.as_str())
}

fn lm_v1(k: &FlowKey) -> Option<&'static str> {
    match k.lm_package.as_deref() {
        Some("LM") => Some("LM"),
        Some(p) if p.replace(' ', "") == "NTLMV1" => Some("NTLM V1"),
        _ => None,
    }
}

/// Evaluate every change.
pub fn evaluate_all(ctx: &Context) -> Vec<Impact> {
    ctx.changes.iter().map(|c| evaluate(ctx, c)).collect()
}

/// Evaluate one change of the context's set.
pub fn evaluate(ctx: &Context, change: &Change) -> Impact {
    let mut e = Eval {
        ctx,
        change,
        affected: Vec::new(),
        missing: Vec::new(),
        notes: Vec::new(),
        no_hosts: None,
        audit_only: false,
        loosens: false,
        not_modelled: None,
        in_effect: Vec::new(),
    };
    let hosts = ctx.scope_hosts(&change.scope);
    e.in_effect = hosts
        .iter()
        .filter_map(|h| ctx.in_effect(change, h))
        .collect();
    let n = change.number();
    let name = change.setting.name;
    if !hosts.is_empty() && e.in_effect.len() == hosts.len() {
        // Nothing to model: every host already runs with it.
    } else if change.setting.area == Area::Audit {
        e.audit_only = true;
    } else {
        match name {
            "LmCompatibilityLevel" => lm_compat(&mut e, n),
            "NTLMMinServerSec" => min_server_sec(&mut e, n),
            "NTLMMinClientSec" => min_client_sec(&mut e, n),
            "RestrictSendingNTLMTraffic" => restrict_sending(&mut e, n),
            "ClientAllowedNTLMServers" | "DCAllowedNTLMServers" => {
                e.notes.push("an exception list only allows more NTLM; its effect shows under the restriction it qualifies".into());
                e.loosens = true;
            }
            "RestrictReceivingNTLMTraffic" => restrict_receiving(&mut e, n),
            "RestrictNTLMInDomain" => restrict_in_domain(&mut e, n),
            "AuditReceivingNTLMTraffic" | "AuditNTLMInDomain" => e.audit_only = true,
            "UseMachineId" => use_machine_id(&mut e, n),
            "allownullsessionfallback" => null_session_fallback(&mut e, n),
            "RestrictAnonymousSAM" => {
                if n.unwrap_or(0) >= 1 {
                    anonymous_pipes(&mut e, &["samr"], "anonymous SAM account enumeration over \\pipe\\samr refused");
                } else {
                    e.loosens = true;
                }
            }
            "RestrictAnonymous" => match n.unwrap_or(0) {
                0 => e.loosens = true,
                1 => anonymous_pipes(&mut e, &["samr", "srvsvc"], "anonymous enumeration of accounts (\\pipe\\samr) and shares (\\pipe\\srvsvc) refused"),
                _ => all_anonymous(&mut e),
            },
            "LSAAnonymousNameLookup" => {
                if n == Some(0) {
                    anonymous_pipes(&mut e, &["lsarpc"], "anonymous SID/name translation over \\pipe\\lsarpc refused");
                } else {
                    e.loosens = true;
                }
            }
            "NullSessionPipes" | "NullSessionShares" | "RestrictNullSessAccess" => null_session_lists(&mut e),
            "EveryoneIncludesAnonymous" => {
                if n == Some(0) {
                    everyone_includes_anonymous(&mut e);
                } else {
                    e.loosens = true;
                }
            }
            "EnableGuestAccount" => {
                if n == Some(0) {
                    guest(&mut e);
                } else {
                    e.loosens = true;
                }
            }
            _ => {
                e.not_modelled = Some(format!(
                    "nullsight has no traffic model for {name}: the logs it reads do not show the traffic this setting changes"
                ))
            }
        }
    }
    finish(e)
}

fn finish(e: Eval) -> Impact {
    let breaks = e.affected.iter().filter(|a| a.breaks).count();
    let changed = e.affected.len() - breaks;
    let mut notes = e.notes;
    let all_in_effect =
        !e.in_effect.is_empty() && e.in_effect.len() == e.ctx.scope_hosts(&e.change.scope).len();
    let in_effect_on = || {
        e.in_effect
            .iter()
            .map(|i| {
                format!(
                    "{} ({}{}; {})",
                    i.host,
                    i.current,
                    if i.stricter { ", stricter" } else { "" },
                    i.source
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (verdict, summary) = if all_in_effect {
        (
            Verdict::AlreadyInEffect,
            format!(
                "already in effect on {}: the traffic was logged under it, nothing to apply",
                in_effect_on()
            ),
        )
    } else if e.audit_only {
        (
            Verdict::SafeNow,
            "audit only: logs traffic, blocks nothing".to_string(),
        )
    } else if e.loosens {
        (
            Verdict::SafeNow,
            "allows more than before: blocks nothing".to_string(),
        )
    } else if let Some(why) = e.not_modelled {
        (Verdict::CannotTell, why)
    } else if breaks > 0 {
        let mut s = format!("breaks {breaks} flow{}", if breaks == 1 { "" } else { "s" });
        if !e.missing.is_empty() {
            s.push_str(" (and maybe more: some hosts lack the auditing that would show them)");
        }
        (Verdict::Breaks, s)
    } else if let Some(why) = e.no_hosts {
        (Verdict::CannotTell, why)
    } else if !e.missing.is_empty() {
        let mut hosts: Vec<String> = e.missing.iter().flat_map(|m| m.hosts.clone()).collect();
        hosts.sort();
        hosts.dedup();
        (
            Verdict::CannotTell,
            format!(
                "the auditing that would show the affected traffic is off or not collected on {}",
                hosts.join(", ")
            ),
        )
    } else {
        (
            Verdict::SafeNow,
            "none of the traffic it would block was seen, and the auditing that would show it is on".to_string(),
        )
    };
    if !all_in_effect && !e.in_effect.is_empty() {
        notes.push(format!(
            "already in effect on {}: their flows are not counted",
            in_effect_on()
        ));
    }
    if changed > 0 {
        notes.push(format!(
            "{changed} flow{} go on with a different identity (listed, not counted as breaks)",
            if changed == 1 { "" } else { "s" }
        ));
    }
    let mut affected = e.affected;
    affected.sort_by(|a, b| {
        (a.client.as_deref(), &a.logged_on, a.account.as_deref()).cmp(&(
            b.client.as_deref(),
            &b.logged_on,
            b.account.as_deref(),
        ))
    });
    Impact {
        description: e.change.describe(),
        scope: e.change.scope.to_string(),
        change: e.change.clone(),
        verdict,
        summary,
        affected,
        missing: e.missing,
        notes,
        audit_only: e.audit_only,
        in_effect: e.in_effect,
    }
}

// ---- NTLM ----

fn lm_compat(e: &mut Eval, n: Option<u64>) {
    let level = n.unwrap_or(3);
    if level < 4 {
        e.loosens = true;
        e.notes.push("levels 0-3 only decide what a host sends; refusing LM (4) and NTLMv1 (5) is what breaks clients".into());
        return;
    }
    let scope = &e.change.scope;
    // Domain accounts are refused at the DCs: not when every known DC of the change refuses
    // them already.
    let known_dcs: Vec<String> = e
        .ctx
        .known_hosts()
        .into_iter()
        .filter(|h| e.ctx.role(h) == Some(crate::policy::settings::Role::Dc))
        .filter(|h| e.ctx.applies(scope, h))
        .collect();
    let dcs = e.ctx.applies_to_dcs(scope)
        && (known_dcs.is_empty() || known_dcs.iter().any(|h| !e.already(h)));
    let hosts = e.scope_hosts();
    // Domain accounts are validated by the DC: every server's 4624 shows them. Local accounts
    // are validated by the server itself.
    let needed: Vec<String> = if dcs {
        e.ctx.known_hosts()
    } else {
        hosts.clone()
    };
    e.need(&needed, &[Evidence::Logon]);
    let flows: Vec<_> = e.flows(FlowKind::NetworkLogon).collect();
    for (k, s) in flows {
        if k.anonymous {
            continue; // null sessions log "NTLM V1" and are not refused by this setting
        }
        let Some(pkg) = lm_v1(k) else { continue };
        if pkg == "NTLM V1" && level < 5 {
            continue;
        }
        let local = Eval::is_local_account(k);
        let enforced_at = if local {
            if !e.applies(&k.host) {
                continue;
            }
            format!("{} (local account, validated there)", k.host)
        } else {
            if !dcs {
                continue;
            }
            "the domain controllers (domain account)".to_string()
        };
        let remedy = Remedy::MoveToNtlmV2 {
            client: e.client_name(k),
        };
        e.hit(
            k,
            s,
            format!("refused: {pkg} logon"),
            true,
            enforced_at,
            Some(k.host.clone()),
            Some(remedy),
        );
    }
    if dcs {
        e.notes.push("domain accounts are checked where they are validated: the domain controller (4776/8004 there do not show the NTLM version; the servers' 4624 LmPackageName does)".into());
    }
}

fn key_below_128(k: &FlowKey) -> bool {
    !k.anonymous
        && k.auth_package
            .as_deref()
            .is_some_and(|p| p.to_ascii_uppercase().starts_with("NTLM"))
        && k.key_length.is_some_and(|l| l < 128)
}

fn min_server_sec(e: &mut Eval, n: Option<u64>) {
    let flags = n.unwrap_or(0);
    if flags & REQUIRE_128 == 0 {
        if flags & REQUIRE_V2_SESSION == 0 {
            e.loosens = true;
        } else {
            e.not_modelled = Some("\"Require NTLMv2 session security\" alone cannot be judged from 4624 (NTLMv1 logons may negotiate NTLM2 session security); watch NTLM/Operational 4011 after enabling".into());
        }
        return;
    }
    let hosts = e.scope_hosts();
    e.need(&hosts, &[Evidence::Logon]);
    let flows: Vec<_> = e.flows(FlowKind::NetworkLogon).collect();
    for (k, s) in flows {
        if !key_below_128(k) || !e.applies(&k.host) {
            continue;
        }
        let remedy = Remedy::StrongerSessionKey {
            client: e.client_name(k),
        };
        e.hit(
            k,
            s,
            format!(
                "refused: NTLM session key of {} bits",
                k.key_length.unwrap_or(0)
            ),
            true,
            k.host.clone(),
            Some(k.host.clone()),
            Some(remedy),
        );
    }
    e.notes.push("anonymous (null) sessions have no session key and are not counted (UNVERIFIED whether the minimum applies to them)".into());
    if flags & REQUIRE_V2_SESSION != 0 {
        e.notes.push("the \"Require NTLMv2 session security\" bit is not judged: 4624 does not show it; NTLM/Operational 4011 shows refusals once set".into());
    }
}

fn min_client_sec(e: &mut Eval, n: Option<u64>) {
    let flags = n.unwrap_or(0);
    if flags & REQUIRE_128 == 0 {
        if flags & REQUIRE_V2_SESSION == 0 {
            e.loosens = true;
        } else {
            e.not_modelled = Some("\"Require NTLMv2 session security\" alone cannot be judged from 4624; watch NTLM/Operational 4010 after enabling".into());
        }
        return;
    }
    // Enforced on the client; shown by the servers' 4624.
    let servers = e.ctx.known_hosts();
    e.need(&servers, &[Evidence::Logon]);
    let flows: Vec<_> = e.flows(FlowKind::NetworkLogon).collect();
    for (k, s) in flows {
        if !key_below_128(k) {
            continue;
        }
        let Some(client) = e.ctx.client_of(k) else {
            if e.change.scope == super::Scope::All {
                let remedy = Remedy::StrongerSessionKey {
                    client: e.client_name(k),
                };
                e.hit(
                    k,
                    s,
                    format!(
                        "refused by the client: NTLM session key of {} bits",
                        k.key_length.unwrap_or(0)
                    ),
                    true,
                    e.client_name(k),
                    Some(k.host.clone()),
                    Some(remedy),
                );
            }
            continue;
        };
        if !e.applies(&client) {
            continue;
        }
        let remedy = Remedy::StrongerSessionKey {
            client: client.clone(),
        };
        e.hit(
            k,
            s,
            format!(
                "refused by the client: NTLM session key of {} bits",
                k.key_length.unwrap_or(0)
            ),
            true,
            client,
            Some(k.host.clone()),
            Some(remedy),
        );
    }
}

fn restrict_sending(e: &mut Eval, n: Option<u64>) {
    match n.unwrap_or(0) {
        0 => {
            e.loosens = true;
            return;
        }
        1 => {
            e.audit_only = true;
            return;
        }
        _ => {}
    }
    let clients = e.scope_hosts();
    let covered = e.need(&clients, &[Evidence::NtlmOutgoing]);
    let out: Vec<_> = e.flows(FlowKind::NtlmOutgoing).collect();
    for (k, s) in out {
        if !e.applies(&k.host) {
            continue;
        }
        let target = k
            .target
            .clone()
            .unwrap_or_else(|| "(no target name)".into());
        let (exceptions, _) = e.ctx.after("ClientAllowedNTLMServers", &k.host);
        if list_of(&exceptions)
            .iter()
            .any(|x| server_matches(x, &target))
        {
            continue;
        }
        let remedy = Remedy::ClientException {
            client: k.host.clone(),
            server: target.clone(),
        };
        e.hit(
            k,
            s,
            "refused: outgoing NTLM".into(),
            true,
            k.host.clone(),
            Some(target),
            Some(remedy),
        );
    }
    // Clients without 8001: their NTLM as the servers logged it (4624).
    let logons: Vec<_> = e.flows(FlowKind::NetworkLogon).collect();
    for (k, s) in logons {
        let Some(client) = e.ctx.client_of(k) else {
            continue;
        };
        if covered.contains(&client) || !e.applies(&client) {
            continue;
        }
        let (exceptions, _) = e.ctx.after("ClientAllowedNTLMServers", &client);
        if list_of(&exceptions)
            .iter()
            .any(|x| server_matches(x, &k.host))
        {
            continue;
        }
        let remedy = Remedy::ClientException {
            client: client.clone(),
            server: k.host.clone(),
        };
        e.hit(
            k,
            s,
            "refused by the client: outgoing NTLM (seen on the server)".into(),
            true,
            client,
            Some(k.host.clone()),
            Some(remedy),
        );
    }
    e.notes.push(
        "servers listed in ClientAllowedNTLMServers (after this change set) are excepted".into(),
    );
}

fn restrict_receiving(e: &mut Eval, n: Option<u64>) {
    let level = n.unwrap_or(0);
    if level == 0 {
        e.loosens = true;
        return;
    }
    let hosts = e.scope_hosts();
    e.need(&hosts, &[Evidence::Logon, Evidence::NtlmIncoming]);
    let logons: Vec<_> = e.flows(FlowKind::NetworkLogon).collect();
    let mut from_4624 = std::collections::BTreeSet::new();
    for (k, s) in logons {
        if !e.applies(&k.host)
            || !k
                .auth_package
                .as_deref()
                .is_some_and(|p| p.to_ascii_uppercase().starts_with("NTLM"))
        {
            continue;
        }
        from_4624.insert(k.host.clone());
        let domain_account =
            !k.anonymous && !Eval::is_local_account(k) && !Eval::is_nt_authority(k);
        if level == 1 && !domain_account {
            continue;
        }
        let remedy = if k.anonymous {
            e.anonymous_remedy(k)
        } else {
            Remedy::MoveToKerberos {
                client: e.client_name(k),
                server: k.host.clone(),
            }
        };
        e.hit(
            k,
            s,
            format!(
                "refused: incoming NTLM{}",
                if k.anonymous { " (anonymous)" } else { "" }
            ),
            true,
            k.host.clone(),
            Some(k.host.clone()),
            Some(remedy),
        );
    }
    let incoming: Vec<_> = e.flows(FlowKind::NtlmIncoming).collect();
    for (k, s) in incoming {
        if from_4624.contains(&k.host)
            || e.ctx.traffic.has(&k.host, Evidence::Logon)
            || !e.applies(&k.host)
        {
            continue;
        }
        let domain_account = !Eval::is_local_account(k) && !Eval::is_nt_authority(k);
        if level == 1 && !domain_account {
            continue;
        }
        let remedy = Remedy::MoveToKerberos {
            client: "clients of this server".into(),
            server: k.host.clone(),
        };
        e.hit(
            k,
            s,
            "refused: incoming NTLM (8002)".into(),
            true,
            k.host.clone(),
            Some(k.host.clone()),
            Some(remedy),
        );
    }
    if level >= 2 {
        e.notes.push(
            "\"Deny all accounts\" is counted as refusing anonymous NTLM too (UNVERIFIED)".into(),
        );
    }
}

fn restrict_in_domain(e: &mut Eval, n: Option<u64>) {
    let level = n.unwrap_or(0);
    if level == 0 {
        e.loosens = true;
        return;
    }
    let dcs: Vec<String> = e
        .scope_hosts()
        .into_iter()
        .filter(|h| e.ctx.role(h) == Some(crate::policy::settings::Role::Dc))
        .collect();
    if dcs.is_empty() {
        e.no_hosts = Some("no domain controller the change is for appears in the logs or configuration (a host is known as a DC from its configuration or from 8003/8004 events)".into());
        e.missing.push(Missing {
            evidence: Evidence::NtlmInDomain,
            events: Evidence::NtlmInDomain.events(),
            hosts: vec!["the domain controllers".into()],
            how: Evidence::NtlmInDomain.how(),
        });
        return;
    }
    let covered = e.need(&dcs, &[Evidence::NtlmInDomain]);
    let pass: Vec<_> = e.flows(FlowKind::NtlmPassthrough).collect();
    for (k, s) in pass {
        if !dcs.contains(&k.host) {
            continue;
        }
        let server = k
            .target
            .clone()
            .unwrap_or_else(|| "(unknown server)".into());
        let (exceptions, _) = e.ctx.after("DCAllowedNTLMServers", &k.host);
        if list_of(&exceptions)
            .iter()
            .any(|x| server_matches(x, &server))
        {
            continue;
        }
        e.hit(
            k,
            s,
            "refused by the DC: NTLM pass-through".into(),
            true,
            k.host.clone(),
            Some(server.clone()),
            Some(Remedy::DomainException { server }),
        );
    }
    if level == 3 || level == 7 {
        let direct: Vec<_> = e.flows(FlowKind::NtlmDomain).collect();
        for (k, s) in direct {
            if !dcs.contains(&k.host) || k.logon_type == Some(2) {
                continue;
            }
            e.hit(
                k,
                s,
                "refused by the DC: NTLM to the DC itself".into(),
                true,
                k.host.clone(),
                Some(k.host.clone()),
                Some(Remedy::MoveToKerberos {
                    client: e.client_name(k),
                    server: k.host.clone(),
                }),
            );
        }
    }
    // DCs without 8003/8004: every 4776 is an NTLM validation the DC would refuse.
    let validations: Vec<_> = e.flows(FlowKind::CredentialValidation).collect();
    for (k, s) in validations {
        if !dcs.contains(&k.host) || covered.contains(&k.host) {
            continue;
        }
        e.hit(k, s, "refused by the DC: NTLM validation (4776; the server and exceptions cannot be told without 8004)".into(), true, k.host.clone(), None, Some(Remedy::MoveToKerberos { client: e.client_name(k), server: "(server not shown by 4776)".into() }));
    }
    if level == 1 || level == 5 {
        e.notes.push("8003 (NTLM to the DC itself) is not counted for levels 1 and 5, which deny NTLM to domain servers".into());
    }
}

// ---- LocalSystem fallback ----

/// An 8001 of LocalSystem with no supplied account on a domain member: the fallback that
/// UseMachineId and allownullsessionfallback govern. A host that is not domain-joined
/// (ClientDomainName WORKGROUP, MSHOME or its own name) has no computer account the servers
/// know, so neither setting changes its anonymous sessions (scenario non_domain_joined).
fn is_fallback(k: &FlowKey) -> bool {
    k.client_luid == Some(SYSTEM_LUID) && k.account.is_none() && !not_domain_joined(k)
}

fn not_domain_joined(k: &FlowKey) -> bool {
    let short = k.host.split('.').next().unwrap_or(&k.host).to_uppercase();
    k.client_domain
        .as_deref()
        .is_some_and(|d| d == "WORKGROUP" || d == "MSHOME" || d == short)
}

fn fallback_flows<'c>(e: &Eval<'c, '_>) -> Vec<(&'c FlowKey, &'c FlowStats)> {
    e.flows(FlowKind::NtlmOutgoing)
        .filter(|(k, _)| is_fallback(k))
        .collect()
}

/// Anonymous logons on servers from a client that falls back.
fn anonymous_from<'c>(e: &Eval<'c, '_>, client: &str) -> Vec<(&'c FlowKey, &'c FlowStats)> {
    e.flows(FlowKind::NetworkLogon)
        .filter(|(k, _)| k.anonymous && e.ctx.client_of(k).as_deref() == Some(client))
        .collect()
}

fn use_machine_id(e: &mut Eval, n: Option<u64>) {
    if n != Some(1) {
        e.not_modelled = Some("UseMachineId = 0 makes LocalSystem authenticate anonymously: it creates null sessions rather than blocking traffic".into());
        return;
    }
    let clients = e.scope_hosts();
    e.need(&clients, &[Evidence::NtlmOutgoing]);
    let fb = fallback_flows(e);
    let mut fallers = std::collections::BTreeSet::new();
    for (k, s) in fb {
        if !e.applies(&k.host) {
            continue;
        }
        fallers.insert(k.host.clone());
        e.hit(
            k,
            s,
            format!(
                "changed: LocalSystem authenticates as {}$ instead of anonymously",
                k.host
            ),
            false,
            k.host.clone(),
            k.target.clone(),
            None,
        );
    }
    for c in fallers {
        for (k, s) in anonymous_from(e, &c) {
            e.hit(k, s, format!("changed: the anonymous logon becomes {c}$ (works if the server grants the computer account access)"), false, c.clone(), Some(k.host.clone()), None);
        }
    }
}

fn null_session_fallback(e: &mut Eval, n: Option<u64>) {
    if n != Some(0) {
        e.loosens = true;
        return;
    }
    let clients = e.scope_hosts();
    e.need(&clients, &[Evidence::NtlmOutgoing]);
    let fb = fallback_flows(e);
    let mut fallers = std::collections::BTreeSet::new();
    for (k, s) in fb {
        if !e.applies(&k.host) {
            continue;
        }
        if e.ctx.changed_to("UseMachineId", &k.host, 1) {
            continue; // fixed by UseMachineId = 1 in the same change set (applied first)
        }
        fallers.insert(k.host.clone());
        e.hit(
            k,
            s,
            "refused: LocalSystem NULL session fallback (signing/sealing with the well-known key)"
                .into(),
            true,
            k.host.clone(),
            k.target.clone(),
            Some(Remedy::UseMachineId {
                client: k.host.clone(),
            }),
        );
    }
    for c in fallers {
        for (k, s) in anonymous_from(e, &c) {
            e.hit(
                k,
                s,
                "refused: anonymous logon of the LocalSystem fallback (seen on the server)".into(),
                true,
                c.clone(),
                Some(k.host.clone()),
                Some(Remedy::UseMachineId { client: c.clone() }),
            );
        }
    }
    e.notes.push("only fallback sessions that ask for signing or sealing fail; the logs do not say which do, so all are listed".into());
}

// ---- anonymous access ----

fn anonymous_pipes(e: &mut Eval, pipes: &[&str], what: &str) {
    let hosts = e.scope_hosts();
    e.need(&hosts, &[Evidence::DetailedFileShare]);
    let flows: Vec<_> = e.flows(FlowKind::AnonymousShare).collect();
    for (k, s) in flows {
        if !e.applies(&k.host) {
            continue;
        }
        let Some(p) = k.pipe.as_deref() else { continue };
        if !pipes.contains(&p) {
            continue;
        }
        let remedy = e.anonymous_remedy(k);
        e.hit(
            k,
            s,
            format!("{what} (anonymous open of \\pipe\\{p})"),
            true,
            k.host.clone(),
            Some(k.host.clone()),
            Some(remedy),
        );
    }
}

fn all_anonymous(e: &mut Eval) {
    let hosts = e.scope_hosts();
    e.need(&hosts, &[Evidence::FileShare]);
    e.need(&hosts, &[Evidence::DetailedFileShare]);
    let flows: Vec<_> = e.flows(FlowKind::AnonymousShare).collect();
    for (k, s) in flows {
        if !e.applies(&k.host) {
            continue;
        }
        let remedy = e.anonymous_remedy(k);
        e.hit(
            k,
            s,
            format!(
                "refused: anonymous access to {} without an explicit anonymous permission",
                describe_share(k)
            ),
            true,
            k.host.clone(),
            Some(k.host.clone()),
            Some(remedy),
        );
    }
    e.notes.push("RestrictAnonymous = 2 refuses anonymous access that is not explicitly granted to ANONYMOUS LOGON; explicit grants are not in the logs".into());
}

fn describe_share(k: &FlowKey) -> String {
    match (&k.target, &k.pipe) {
        (_, Some(p)) => format!("\\pipe\\{p}"),
        (Some(s), None) => format!("share {s}"),
        _ => "a share".into(),
    }
}

fn null_session_lists(e: &mut Eval) {
    let name = e.change.setting.name;
    if name == "RestrictNullSessAccess" && e.change.number() != Some(1) {
        e.loosens = true;
        return;
    }
    let hosts = e.scope_hosts();
    let check_pipes = name != "NullSessionShares";
    let check_shares = name != "NullSessionPipes";
    if check_pipes {
        e.need(&hosts, &[Evidence::DetailedFileShare]);
    }
    if check_shares {
        e.need(&hosts, &[Evidence::FileShare, Evidence::DetailedFileShare]);
    }
    let mut assumed = std::collections::BTreeSet::new();
    let flows: Vec<_> = e.flows(FlowKind::AnonymousShare).collect();
    for (k, s) in flows {
        if !e.applies(&k.host) {
            continue;
        }
        let (restrict, known) = e.ctx.after("RestrictNullSessAccess", &k.host);
        if !known {
            assumed.insert(format!("RestrictNullSessAccess on {}", k.host));
        }
        if restrict != Some(SettingValue::Number(1)) {
            continue;
        }
        let share = k.target.clone().unwrap_or_default();
        let blocked = if let Some(p) = &k.pipe {
            if !check_pipes {
                continue;
            }
            let (allowed, known) = e.ctx.after("NullSessionPipes", &k.host);
            if !known {
                assumed.insert(format!("NullSessionPipes on {}", k.host));
            }
            (!list_of(&allowed).contains(p)).then(|| {
                format!("refused: anonymous open of \\pipe\\{p} (not in NullSessionPipes)")
            })
        } else if share == "IPC$" || share.is_empty() {
            None
        } else {
            if !check_shares {
                continue;
            }
            let (allowed, known) = e.ctx.after("NullSessionShares", &k.host);
            if !known {
                assumed.insert(format!("NullSessionShares on {}", k.host));
            }
            (!list_of(&allowed).contains(&share.to_ascii_lowercase())).then(|| {
                format!("refused: anonymous access to share {share} (not in NullSessionShares)")
            })
        };
        if let Some(what) = blocked {
            let remedy = e.anonymous_remedy(k);
            e.hit(
                k,
                s,
                what,
                true,
                k.host.clone(),
                Some(k.host.clone()),
                Some(remedy),
            );
        }
    }
    if !assumed.is_empty() {
        e.notes.push(format!(
            "not in the configuration, assumed to be the Windows default for the host's role: {}",
            assumed.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
}

fn everyone_includes_anonymous(e: &mut Eval) {
    let hosts = e.scope_hosts();
    e.need(&hosts, &[Evidence::FileShare, Evidence::DetailedFileShare]);
    let flows: Vec<_> = e.flows(FlowKind::AnonymousShare).collect();
    for (k, s) in flows {
        if !e.applies(&k.host) || k.pipe.is_some() {
            continue;
        }
        let share = k.target.clone().unwrap_or_default();
        if share == "IPC$" || share.is_empty() {
            continue;
        }
        let remedy = e.anonymous_remedy(k);
        e.hit(k, s, format!("refused unless ANONYMOUS LOGON is granted explicitly: anonymous access to share {share} (Everyone no longer includes it)"), true, k.host.clone(), Some(k.host.clone()), Some(remedy));
    }
    e.notes.push("the share and file ACLs are not in the logs: listed accesses fail only where ANONYMOUS LOGON had no explicit grant".into());
}

fn guest(e: &mut Eval) {
    let hosts = e.scope_hosts();
    e.need(&hosts, &[Evidence::Logon]);
    let flows: Vec<_> = e.flows(FlowKind::NetworkLogon).collect();
    for (k, s) in flows {
        if !k.guest || !e.applies(&k.host) {
            continue;
        }
        let remedy = Remedy::StopUsingGuest {
            client: e.client_name(k),
        };
        e.hit(
            k,
            s,
            "refused: network logon as the Guest account".into(),
            true,
            k.host.clone(),
            Some(k.host.clone()),
            Some(remedy),
        );
    }
}
