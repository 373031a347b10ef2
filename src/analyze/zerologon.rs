//! The Zerologon signatures: a 4742 changed by ANONYMOUS LOGON, and a Netlogon 5805 naming
//! the DC's own account. The detection `zerologon` and the classification's rule 1 (an
//! anonymous logon on that DC within `zerologon_window_secs`) read them.
//!
//! An attempt logs hundreds of 5805s, and a tool run again and again, or a log flooded on
//! purpose, millions: kept one entry each, each logon's rule 1 walked them all. So they are
//! grouped by file and by all they say but their time, and each group keeps its evidence
//! sample, its (time, record id) pairs packed, and its smallest record ids (the finding names
//! the first events by record).

use super::finding::{capped_insert, FileSample, Sample};
use super::state::Names;
use super::times::Times;
use super::EventRef;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Events a Zerologon finding names one by one, in record order.
pub(crate) const NAMED: usize = 10;

/// What a Zerologon signature says, all but its time. Names are shared ([`Names`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ZlKey {
    pub file: Arc<str>,
    pub computer: Arc<str>,
    /// 4742 or 5805.
    pub event_id: u32,
    /// The account changed (4742) or the DC's own account (5805).
    pub target: Option<Arc<str>>,
    /// 4742's PasswordLastSet.
    pub password_last_set: Option<Arc<str>>,
    pub ip: Option<Arc<str>>,
}

/// The events of one key: the evidence sample, every distinct time with its smallest record
/// id, and the [`NAMED`] smallest record ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ZlGroup {
    pub sample: FileSample,
    pub times: Times,
    pub first_ids: Vec<u64>,
}

/// The Zerologon signatures, grouped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ZlSeen(BTreeMap<ZlKey, ZlGroup>);

/// What [`ZlSeen::add`] is told of an event.
pub(crate) struct ZlFields<'a> {
    pub computer: &'a str,
    pub event_id: u32,
    pub target: Option<&'a str>,
    pub password_last_set: Option<&'a str>,
    pub ip: Option<&'a str>,
}

impl ZlSeen {
    pub fn add(
        &mut self,
        file: &Arc<str>,
        f: ZlFields<'_>,
        t: i64,
        record_id: u64,
        cap: usize,
        names: &mut Names,
    ) {
        let mut name = |x: &str| names.get(x);
        let key = ZlKey {
            file: Arc::clone(file),
            computer: name(f.computer),
            event_id: f.event_id,
            target: f.target.map(&mut name),
            password_last_set: f.password_last_set.map(&mut name),
            ip: f.ip.map(&mut name),
        };
        let g = self.0.entry(key).or_insert_with(|| ZlGroup {
            sample: FileSample::default(),
            times: Times::default(),
            first_ids: Vec::new(),
        });
        g.sample.add(t, record_id, cap);
        g.times.push(t, record_id);
        capped_insert(&mut g.first_ids, record_id, NAMED, Ord::cmp);
    }

    pub fn merge(&mut self, o: ZlSeen, cap: usize) {
        super::finding::merge_map(&mut self.0, o.0, |a, b| {
            a.sample.merge(b.sample, cap);
            a.times.extend(&b.times);
            for id in b.first_ids {
                capped_insert(&mut a.first_ids, id, NAMED, Ord::cmp);
            }
        });
    }

    /// Put every group's times in order; before [`ZlNear::nearest`].
    pub fn settle(&mut self) {
        self.0.values_mut().for_each(|g| g.times.settle());
    }

    /// Per host, skipping the files in `skip`: the evidence of every event, the [`NAMED`]
    /// first events by record with what they say, and whether a 4742 reset a computer
    /// account's password (the strong signature).
    pub fn by_host(
        &self,
        skip: &BTreeMap<Arc<str>, Arc<str>>,
        cap: usize,
    ) -> BTreeMap<Arc<str>, Host<'_>> {
        let mut out: BTreeMap<Arc<str>, Host<'_>> = BTreeMap::new();
        for (k, g) in &self.0 {
            if skip.contains_key(&k.file) {
                continue;
            }
            let e = out.entry(Arc::clone(&k.computer)).or_default();
            g.sample.merge_into(&mut e.0, &k.file, cap);
            let machine = k.target.as_deref().is_some_and(|t| t.ends_with('$'));
            e.2 |= k.event_id == 4742 && machine && k.password_last_set.is_some();
            for &record_id in &g.first_ids {
                let r = EventRef {
                    file: Arc::clone(&k.file),
                    record_id,
                };
                capped_insert(&mut e.1, (r, k), NAMED, |a, b| a.0.cmp(&b.0));
            }
        }
        out
    }
}

/// A host's signatures ([`ZlSeen::by_host`]).
pub(crate) type Host<'a> = (Sample, Vec<(EventRef, &'a ZlKey)>, bool);

/// The groups by short host name, for the classification.
pub(crate) struct ZlNear<'a> {
    groups: Vec<(&'a ZlKey, &'a ZlGroup)>,
    by_host: BTreeMap<String, Vec<usize>>,
}

impl<'a> ZlNear<'a> {
    /// Of settled groups ([`ZlSeen::settle`]).
    pub fn new(seen: &'a ZlSeen) -> Self {
        let groups: Vec<_> = seen.0.iter().collect();
        let by_host = super::by_short_host(groups.iter().map(|(k, _)| &*k.computer));
        ZlNear { groups, by_host }
    }

    /// The signature on `host` at most `window` seconds from `t` that a logon is linked to:
    /// a 4742 before a 5805, then the nearest, then the smallest reference. Its time too.
    pub fn nearest(&self, t: i64, window: i64, host: &str) -> Option<(EventRef, &'a ZlKey, i64)> {
        let mut best: Option<((bool, i64, &'a str, u64), &'a ZlKey, i64)> = None;
        for &i in self.by_host.get(host).into_iter().flatten() {
            let (k, g) = self.groups[i];
            for (when, record_id) in g.times.around(t, window) {
                let rank = (k.event_id != 4742, (when - t).abs(), &*k.file, record_id);
                if best.as_ref().is_none_or(|(b, _, _)| rank < *b) {
                    best = Some((rank, k, when));
                }
            }
        }
        best.map(|((_, _, _, record_id), k, when)| {
            let r = EventRef {
                file: Arc::clone(&k.file),
                record_id,
            };
            (r, k, when)
        })
    }
}
