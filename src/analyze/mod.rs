//! Analysis: typed events in, findings out.
//!
//! Analysis state is a monoid: [`Analysis::observe`] one event at a time, [`Analysis::merge`]
//! two states (from other files, hosts or threads), [`Analysis::finish`] into findings.
//! Memory grows with distinct flows (hosts, accounts, sources), never with the event count.

use crate::event::{Event, Family};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Counts over everything seen.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Counts {
    pub events: u64,
    pub anonymous: u64,
    pub by_family: BTreeMap<Family, u64>,
    pub by_event_id: BTreeMap<u32, u64>,
    /// Computers whose logs were read.
    pub hosts: BTreeSet<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<jiff::Timestamp>,
}

impl Counts {
    pub fn observe(&mut self, e: &Event) {
        self.events += 1;
        self.anonymous += u64::from(e.anonymous);
        *self.by_family.entry(e.family()).or_default() += 1;
        *self.by_event_id.entry(e.event_id).or_default() += 1;
        if !e.computer.is_empty() && !self.hosts.contains(&e.computer) {
            self.hosts.insert(e.computer.clone());
        }
        if let Some(t) = e.time {
            self.first_seen = Some(self.first_seen.map_or(t, |f| f.min(t)));
            self.last_seen = Some(self.last_seen.map_or(t, |l| l.max(t)));
        }
    }

    pub fn merge(&mut self, other: Counts) {
        self.events += other.events;
        self.anonymous += other.anonymous;
        for (k, v) in other.by_family {
            *self.by_family.entry(k).or_default() += v;
        }
        for (k, v) in other.by_event_id {
            *self.by_event_id.entry(k).or_default() += v;
        }
        self.hosts.extend(other.hosts);
        self.first_seen = match (self.first_seen, other.first_seen) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_seen = match (self.last_seen, other.last_seen) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// An event named as evidence: the file and its EventRecordID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EventRef {
    pub file: Arc<str>,
    pub record_id: u64,
}

impl EventRef {
    pub fn of(e: &Event) -> Self {
        EventRef {
            file: Arc::clone(&e.file),
            record_id: e.record_id,
        }
    }
}

/// What the analysis says about one event, for `--events` (`scenario`, `findings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Annotation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<&'static str>,
    pub findings: Vec<String>,
}

/// The whole analysis state.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub counts: Counts,
}

/// What the analysis concluded.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub counts: Counts,
    /// Per-event annotations, only for events that have one.
    #[serde(skip)]
    pub annotations: BTreeMap<EventRef, Annotation>,
}

impl Analysis {
    pub fn observe(&mut self, e: &Event) {
        self.counts.observe(e);
    }

    pub fn merge(&mut self, other: Analysis) {
        self.counts.merge(other.counts);
    }

    pub fn finish(self) -> Outcome {
        Outcome {
            counts: self.counts,
            annotations: BTreeMap::new(),
        }
    }
}
