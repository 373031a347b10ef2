//! Findings and the capped evidence samples every aggregate keeps.

use super::EventRef;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// How sure a classification is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// Records named as evidence: the earliest `cap` (by time, then file and record id, so the
/// choice does not depend on the order events arrive in or how states were split), with the
/// total count and the time span of all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sample {
    pub total: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub refs: BTreeSet<(i64, EventRef)>,
}

impl Sample {
    pub fn one(t: i64, r: EventRef) -> Self {
        let mut s = Sample::default();
        s.add(t, r, usize::MAX);
        s
    }

    pub fn add(&mut self, t: i64, r: EventRef, cap: usize) {
        self.total += 1;
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        self.refs.insert((t, r));
        while self.refs.len() > cap {
            self.refs.pop_last();
        }
    }

    pub fn merge(&mut self, o: Sample, cap: usize) {
        self.total += o.total;
        self.first = match (self.first, o.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, o.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.refs.extend(o.refs);
        while self.refs.len() > cap {
            self.refs.pop_last();
        }
    }

    pub fn refs(&self) -> Vec<EventRef> {
        self.refs.iter().map(|(_, r)| r.clone()).collect()
    }
}

/// Merge two maps of mergeable values.
pub(crate) fn merge_map<K: Ord, V>(
    into: &mut BTreeMap<K, V>,
    from: BTreeMap<K, V>,
    mut f: impl FnMut(&mut V, V),
) {
    for (k, v) in from {
        match into.entry(k) {
            std::collections::btree_map::Entry::Occupied(mut e) => f(e.get_mut(), v),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(v);
            }
        }
    }
}

/// Seconds since the epoch as RFC 3339.
pub fn rfc3339(t: Option<i64>) -> Option<String> {
    t.and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map(|t| t.to_string())
}

/// One finding: what was seen, why it matters, the evidence, and what to change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable kebab-case detection id (see [`super::detections::DETECTIONS`]).
    pub id: &'static str,
    pub severity: Severity,
    pub title: String,
    pub explanation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// Hosts that logged the evidence (the targets).
    pub hosts: Vec<String>,
    /// Where it came from: client workstation names and addresses.
    pub sources: Vec<String>,
    pub accounts: Vec<String>,
    /// Distinct events behind the finding (a record present in two copies of a log counts once).
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// The field values that decided.
    pub reasons: Vec<String>,
    /// The earliest evidence records (file + record id); `evidence_total` counts them all.
    pub evidence: Vec<EventRef>,
    pub evidence_total: u64,
    /// The settings that would change this (names as in Group Policy / the registry).
    pub remediation: String,
}

impl Finding {
    pub(crate) fn new(id: &'static str, severity: Severity, title: impl Into<String>) -> Self {
        let d = super::detections::lookup(id);
        Finding {
            id,
            severity,
            title: title.into(),
            explanation: d.map(|d| d.explanation.to_string()).unwrap_or_default(),
            scenario: None,
            confidence: None,
            hosts: vec![],
            sources: vec![],
            accounts: vec![],
            count: 0,
            first_seen: None,
            last_seen: None,
            reasons: vec![],
            evidence: vec![],
            evidence_total: 0,
            remediation: d.map(|d| d.remediation.to_string()).unwrap_or_default(),
        }
    }

    pub(crate) fn with_sample(mut self, s: &Sample, cap: usize) -> Self {
        self.count = s.total;
        self.evidence_total = s.total;
        self.evidence = s.refs().into_iter().take(cap).collect();
        self.first_seen = rfc3339(s.first);
        self.last_seen = rfc3339(s.last);
        self
    }
}
