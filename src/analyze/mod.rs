//! Analysis: typed events in, findings out.
//!
//! Analysis state is a monoid: [`Analysis::observe`] one event at a time, [`Analysis::merge`]
//! two states (from other files, hosts or threads), [`Analysis::finish`] into findings.
//! Memory grows with distinct flows (hosts, accounts, sources, time windows), never with the
//! event count — with deliberate exceptions: every ANONYMOUS LOGON 4624 is kept as a compact
//! record, because each one is classified and annotated on its own (past a few thousand, packed in a temporary file, with each one's
//! linked events); the anonymous share-access sessions, one per logon in a null-session
//! flood, likewise ([`sessions`]); and the 8001s a logon's client may have logged, SQL
//! Server's anonymous 18456s and the Zerologon signatures keep their times (a few bytes per
//! distinct second and content, [`outgoing`], [`sql_anonymous`], [`zerologon`], [`times`]).
//!
//! Every aggregate is keyed by the file it came from, so that [`Analysis::finish`] can count a
//! file that holds exactly the same records as another (a copy, a repaired or damaged
//! duplicate) once, while still annotating the events of both.
//!
//! * [`anonymous`]: the scenario of each anonymous logon, with reasons and confidence;
//! * [`hosts`]: the hosts' configuration (OS version, UseMachineId...), an input of
//!   [`Analysis::finish_with`], not state;
//! * [`inventory`]: NTLM flows, DC validations and NTLM/Operational 8001–8004 aggregates;
//! * [`correlate`]: one NTLM authentication seen on client, server and DC;
//! * [`detections`]: the detection catalogue and the windowed detections.

// Aggregation keys are tuples by design (ordered, mergeable maps).
#![allow(clippy::type_complexity)]

mod anon_logons;
pub mod annotations;
pub mod anonymous;
pub mod config;
pub mod correlate;
pub mod detections;
pub mod finding;
pub mod hosts;
pub mod inventory;
mod outgoing;
mod sessions;
mod spill;
mod sql_anonymous;
mod times;
mod windows;
mod zerologon;
mod state;
mod verdicts;

pub use config::Config;
pub use finding::{Confidence, Finding, Severity};
pub use hosts::HostView;
pub use verdicts::FileVerdicts;

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
        if !e.computer.is_empty() && !self.hosts.contains(e.computer.as_str()) {
            self.hosts.insert(e.computer.to_string());
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Annotation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<&'static str>,
    /// Detection ids (one per event of a flood of anonymous logons: no copy each).
    pub findings: Vec<&'static str>,
}

/// The whole analysis state. Build one with [`Analysis::new`] (or `default()` for the
/// documented defaults); states merged together must share the same [`Config`].
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub counts: Counts,
    pub(crate) st: state::State,
}

/// A file whose events are exactly those of another file: counted once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateFile {
    pub file: Arc<str>,
    pub same_records_as: Arc<str>,
}

/// What the analysis concluded.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Outcome {
    pub counts: Counts,
    /// The settings the analysis ran with.
    pub analysis_config: Config,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub duplicate_files: Vec<DuplicateFile>,
    /// Every anonymous logon (4624 with TargetUserSid S-1-5-7), distinct records only, with
    /// its scenario: how many per scenario.
    pub scenarios: BTreeMap<&'static str, u64>,
    pub findings: Vec<Finding>,
    /// One entry per anonymous logon record (copies in duplicate files included), in event
    /// order; written grouped by host, client and verdict ([`anonymous::Group`]).
    pub anonymous_logons: anonymous::AnonymousLogons,
    pub inventories: inventory::Inventories,
    pub correlations: Vec<correlate::Correlation>,
    /// The findings each event is evidence for, only for events that are; an anonymous
    /// logon's scenario is its verdict's, in `anonymous_logons`. [`Outcome::annotation`]
    /// gives an event's whole annotation.
    #[serde(skip)]
    pub annotations: annotations::Annotations,
}

impl Outcome {
    /// What `--events` writes of event `r`: its scenario if it is an anonymous logon, and the
    /// findings it is evidence for.
    pub fn annotation(&self, r: &EventRef) -> Option<Annotation> {
        let anon = self
            .anonymous_logons
            .of_file(&r.file)
            .and_then(|f| f.get(r.record_id))
            .map(|v| self.anonymous_logons.verdict_annotation(v));
        annotations::combine(anon, self.annotations.get(r))
    }
}

impl Analysis {
    pub fn new(config: Config) -> Self {
        Analysis {
            counts: Counts::default(),
            st: state::State::new(config),
        }
    }

    pub fn config(&self) -> &Config {
        &self.st.cfg
    }

    pub fn observe(&mut self, e: &Event) {
        self.counts.observe(e);
        self.st.observe(e);
    }

    pub fn merge(&mut self, other: Analysis) {
        self.counts.merge(other.counts);
        self.st.merge(other.st);
    }

    /// Findings from the events alone.
    pub fn finish(self) -> Outcome {
        self.finish_with(&HostView::default())
    }

    /// Findings from the events, and from the hosts' configuration where the events leave the
    /// cause open (an anonymous logon from a client whose own NTLM log is missing).
    pub fn finish_with(self, hosts: &HostView) -> Outcome {
        self.finish_on(hosts, 0)
    }

    /// [`Self::finish_with`], classifying the anonymous logons on `threads` threads (0: one
    /// per core).
    pub fn finish_on(self, hosts: &HostView, threads: usize) -> Outcome {
        state::finish(self.counts, self.st, hosts, threads)
    }
}

/// The short (NetBIOS-like) form of a host name, upper-case: `01566s-win16-ir.threebeesco.com`
/// → `01566S-WIN16-IR`; `cifs/srv.corp.local:445` → `SRV`; `\\PC01` → `PC01`.
/// The places of `hosts` by their short names: the groups a rule looks up by host.
pub(crate) fn by_short_host<'a>(
    hosts: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, Vec<usize>> {
    let mut by: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, h) in hosts.enumerate() {
        by.entry(short_host(h)).or_default().push(i);
    }
    by
}

pub fn short_host(name: &str) -> String {
    match short_host_part(name) {
        (n, true) => n.to_string(),
        (n, false) => n.to_ascii_uppercase(),
    }
}

/// What [`short_host`] makes its name of, borrowed, and whether it is an IP address (kept
/// whole, not upper-cased).
fn short_host_part(name: &str) -> (&str, bool) {
    let n = name.trim().trim_start_matches('\\');
    let n = n.rsplit('/').next().unwrap_or(n);
    let n = n.split(':').next().unwrap_or(n);
    // An IP address is kept whole.
    if n.parse::<std::net::IpAddr>().is_ok() {
        return (n, true);
    }
    (
        n.split('.').next().unwrap_or(n).trim_end_matches('$'),
        false,
    )
}

/// `short_host(a) == short_host(b)` without making either: a check made for every 5805 of a
/// flood. (An address, the part before any `:`, is IPv4: digits and dots, which no case
/// changes.)
pub fn same_short_host(a: &str, b: &str) -> bool {
    short_host_part(a)
        .0
        .eq_ignore_ascii_case(short_host_part(b).0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        assert_eq!(
            short_host("01566s-win16-ir.threebeesco.com"),
            "01566S-WIN16-IR"
        );
        assert_eq!(short_host("cifs/srv.corp.local:445"), "SRV");
        assert_eq!(short_host("\\\\PC01"), "PC01");
        assert_eq!(short_host("10.0.0.15"), "10.0.0.15");
        assert_eq!(short_host("DC01$"), "DC01");
    }

    proptest::proptest! {
        /// The check without allocation answers as comparing the two names made.
        #[test]
        fn same_short_host_is_comparing_short_hosts(
            a in "[aAdDcC01.:/$\\\\ é]{0,12}",
            b in "[aAdDcC01.:/$\\\\ é]{0,12}",
        ) {
            proptest::prop_assert_eq!(same_short_host(&a, &b), short_host(&a) == short_host(&b));
            let upper = a.to_ascii_uppercase();
            proptest::prop_assert_eq!(same_short_host(&a, &upper), short_host(&a) == short_host(&upper));
        }
    }
}
