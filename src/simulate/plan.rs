//! The staged plan: the order in which to apply the changes so that nothing breaks, and what
//! has to be fixed first.
//!
//! 1. Turn on the auditing that is missing (and the audit-only changes of the set): it breaks
//!    nothing and turns "cannot tell" into an answer.
//! 2. Apply the changes that are safe now, in dependency order (UseMachineId and exception lists
//!    before the restrictions that rely on them).
//! 3. Fix what the remaining changes would break (grouped: "these clients still send NTLMv1"),
//!    then apply them.
//! 4. Re-run `simulate` once the new auditing has collected traffic, for the changes that could
//!    not be judged.
//!
//! Changes already in effect on every host they are for are in no stage: they are listed apart
//! ([`Plan::already`]), as done.

use super::model::{Impact, Verdict};
use serde::Serialize;
use std::collections::BTreeMap;

/// A group of things to fix before a stage.
#[derive(Debug, Clone, Serialize)]
pub struct FixFirst {
    pub what: &'static str,
    pub items: Vec<String>,
    /// The changes that need it.
    pub for_changes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub number: usize,
    pub title: String,
    /// Do these first (fixes, auditing to enable).
    pub before: Vec<FixFirst>,
    /// Then apply these changes (descriptions with their scope).
    pub apply: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub stages: Vec<Stage>,
    /// Changes already in effect (nothing to apply), with where: "X on SRV-FILE01 (0
    /// (Disabled); file: line)".
    pub already: Vec<String>,
}

/// Hosts (or items) and the changes that need them.
type HostsAndChanges = (Vec<String>, Vec<String>);

/// Dependency order inside a stage: what others rely on comes first.
fn priority(setting: &str) -> u8 {
    match setting {
        "UseMachineId" => 0,
        "ClientAllowedNTLMServers" | "DCAllowedNTLMServers" => 1,
        "AuditReceivingNTLMTraffic" | "AuditNTLMInDomain" => 2,
        "NullSessionPipes" | "NullSessionShares" => 3,
        "allownullsessionfallback" | "RestrictNullSessAccess" => 6,
        "LmCompatibilityLevel" | "NTLMMinClientSec" | "NTLMMinServerSec" => 7,
        "RestrictSendingNTLMTraffic" | "RestrictReceivingNTLMTraffic" | "RestrictNTLMInDomain" => 8,
        _ => 5,
    }
}

fn label(i: &Impact) -> String {
    format!("{} on {}", i.description, i.scope)
}

fn sorted(mut v: Vec<&Impact>) -> Vec<&Impact> {
    v.sort_by_key(|i| (priority(i.change.setting.name), i.change.setting.name));
    v
}

/// Order the impacts into stages. Empty stages are left out; stages are numbered from 1.
pub fn plan(impacts: &[Impact]) -> Plan {
    let mut stages = Vec::new();

    // 1. Auditing.
    let mut audit: BTreeMap<(String, &'static str), HostsAndChanges> = BTreeMap::new();
    for i in impacts {
        for m in &i.missing {
            let e = audit
                .entry((format!("{:?}", m.evidence), m.how))
                .or_default();
            e.0.extend(m.hosts.iter().cloned());
            e.1.push(label(i));
        }
    }
    let audit_only: Vec<&Impact> = sorted(impacts.iter().filter(|i| i.audit_only).collect());
    if !audit.is_empty() || !audit_only.is_empty() {
        let before = audit
            .into_iter()
            .map(|((_, how), (mut hosts, mut changes))| {
                hosts.sort();
                hosts.dedup();
                changes.dedup();
                FixFirst {
                    what: how,
                    items: hosts,
                    for_changes: changes,
                }
            })
            .collect();
        stages.push(Stage {
            number: 0,
            title: "Turn on the missing auditing (breaks nothing) and collect the logs".into(),
            before,
            apply: audit_only.iter().map(|i| label(i)).collect(),
        });
    }

    // 2. Safe now.
    let safe: Vec<&Impact> = sorted(
        impacts
            .iter()
            .filter(|i| i.verdict == Verdict::SafeNow && !i.audit_only)
            .collect(),
    );
    if !safe.is_empty() {
        stages.push(Stage {
            number: 0,
            title: "Apply now: nothing observed would break".into(),
            before: Vec::new(),
            apply: safe.iter().map(|i| label(i)).collect(),
        });
    }

    // 3. Fix first.
    let breaking: Vec<&Impact> = sorted(
        impacts
            .iter()
            .filter(|i| i.verdict == Verdict::Breaks)
            .collect(),
    );
    if !breaking.is_empty() {
        let mut groups: BTreeMap<&'static str, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for i in &breaking {
            for a in i.breaks() {
                if let Some(r) = &a.remedy {
                    let g = groups.entry(r.group()).or_default();
                    g.0.push(r.item());
                    g.1.push(label(i));
                }
            }
        }
        let before = groups
            .into_iter()
            .map(|(what, (mut items, mut changes))| {
                items.sort();
                items.dedup();
                changes.sort();
                changes.dedup();
                FixFirst {
                    what,
                    items,
                    for_changes: changes,
                }
            })
            .collect();
        stages.push(Stage {
            number: 0,
            title: "Fix what would break, re-run simulate to confirm, then apply".into(),
            before,
            apply: breaking.iter().map(|i| label(i)).collect(),
        });
    }

    // 4. Cannot tell yet.
    let unknown: Vec<&Impact> = sorted(
        impacts
            .iter()
            .filter(|i| i.verdict == Verdict::CannotTell)
            .collect(),
    );
    if !unknown.is_empty() {
        stages.push(Stage {
            number: 0,
            title: "Decide after the new auditing has collected traffic (or with a model nullsight lacks): re-run simulate".into(),
            before: Vec::new(),
            apply: unknown
                .iter()
                .map(|i| format!("{} ({})", label(i), i.summary))
                .collect(),
        });
    }
    for (n, s) in stages.iter_mut().enumerate() {
        s.number = n + 1;
    }
    let already = sorted(
        impacts
            .iter()
            .filter(|i| i.verdict == Verdict::AlreadyInEffect)
            .collect(),
    )
    .iter()
    .map(|i| label(i))
    .collect();
    Plan { stages, already }
}
