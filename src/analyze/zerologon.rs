//! The Zerologon signatures: a 4742 changed by ANONYMOUS LOGON, and a Netlogon 5805 naming
//! the DC's own account. The detection `zerologon` and the classification's rule 1 (an
//! anonymous logon on that DC within `zerologon_window_secs`) read them.
//!
//! An attempt logs hundreds of 5805s, and a tool run again and again, or a log flooded on
//! purpose, millions: kept one entry each, each logon's rule 1 walked them all. So they are
//! grouped by file and by all they say but their time, and each group keeps its evidence
//! sample, its (time, record id) pairs packed, and its smallest record ids (the finding names
//! the first events by record).

use super::finding::{capped_insert, Sample};
use super::state::Names;
use super::times::{GroupKey, NearByHost, TimedGroups};
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

impl GroupKey for ZlKey {
    const FIRST_IDS: usize = NAMED;
    fn file(&self) -> &Arc<str> {
        &self.file
    }
    fn host(&self) -> &str {
        &self.computer
    }
}

/// The Zerologon signatures, grouped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ZlSeen(TimedGroups<ZlKey>);

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
        self.0.add(key, t, record_id, cap);
    }

    pub fn merge(&mut self, o: ZlSeen, cap: usize) {
        self.0.merge(o.0, cap);
    }

    /// Before [`ZlNear::nearest`].
    pub fn settle(&mut self) {
        self.0.settle();
    }

    /// Per host, skipping the files in `skip`: the evidence of every event, the [`NAMED`]
    /// first events (the 4742s, then the 5805s, each by record) with what they say, and
    /// whether a 4742 reset a computer account's password (the strong signature).
    pub fn by_host(
        &self,
        skip: &BTreeMap<Arc<str>, Arc<str>>,
        cap: usize,
    ) -> BTreeMap<Arc<str>, Host<'_>> {
        let mut out: BTreeMap<Arc<str>, Host<'_>> = BTreeMap::new();
        for (k, g) in self.0.iter_except(skip) {
            let e = out.entry(Arc::clone(&k.computer)).or_default();
            g.sample.merge_into(&mut e.0, &k.file, cap);
            let machine = k.target.as_deref().is_some_and(|t| t.ends_with('$'));
            e.2 |= k.event_id == 4742 && machine && k.password_last_set.is_some();
            for &record_id in &g.first_ids {
                let r = EventRef {
                    file: Arc::clone(&k.file),
                    record_id,
                };
                // The 4742s (the DC's password reset: what makes it critical) before the
                // 5805s, each kind by record.
                capped_insert(&mut e.1, (r, k), NAMED, |a, b| {
                    (a.1.event_id != 4742)
                        .cmp(&(b.1.event_id != 4742))
                        .then_with(|| a.0.cmp(&b.0))
                });
            }
        }
        out
    }
}

/// A host's signatures ([`ZlSeen::by_host`]).
pub(crate) type Host<'a> = (Sample, Vec<(EventRef, &'a ZlKey)>, bool);

/// The groups by host, for the classification.
pub(crate) struct ZlNear<'a>(NearByHost<'a, ZlKey>);

impl<'a> ZlNear<'a> {
    /// Of settled groups ([`ZlSeen::settle`]).
    pub fn new(seen: &'a ZlSeen) -> Self {
        ZlNear(NearByHost::new(&seen.0))
    }

    /// The signature on `host` at most `window` seconds from `t` that a logon is linked to:
    /// a 4742 before a 5805, then the nearest, then the smallest reference. Its time too.
    pub fn nearest(&self, t: i64, window: i64, host: &str) -> Option<(EventRef, &'a ZlKey, i64)> {
        self.0
            .nearest(t, window, host, |k: &ZlKey| Some(k.event_id != 4742))
    }
}
