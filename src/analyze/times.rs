//! (time, record id) pairs packed a few bytes each, for the events kept only to be found by
//! their time: the nearest one to a moment, ties to the smallest record id (the 8001s of
//! [`super::outgoing`], the anonymous 18456s of [`super::sql_anonymous`]). Millions of them
//! come with a few hundred distinct contents; kept one entry per event (a few hundred bytes
//! each), a 1 GB log of them took the scan past 600 MB.

use super::finding::{capped_insert, FileSample};
use super::windows::{get_i64, put_i64};
use super::EventRef;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Pairs between two marks of [`Times`]: a lookup decodes at most this many.
const MARK_EVERY: usize = 64;

/// (time, record id) pairs, each the zigzag LEB128 differences from the pair before (two to
/// four bytes for a log's 8001s). Once settled, in time order with one pair per time, and
/// marked every [`MARK_EVERY`] pairs so that a time is found without decoding them all.
#[derive(Debug, Clone)]
pub(crate) struct Times {
    bytes: Vec<u8>,
    last: (i64, u64),
    len: usize,
    /// Pairs came in increasing time, one per time.
    settled: bool,
    /// Every [`MARK_EVERY`]th pair, and where the pair after it starts in `bytes`. Made by
    /// [`Times::settle`].
    marks: Vec<((i64, u64), usize)>,
}

impl Default for Times {
    fn default() -> Self {
        Times {
            bytes: Vec::new(),
            last: (0, 0),
            len: 0,
            settled: true,
            marks: Vec::new(),
        }
    }
}

impl PartialEq for Times {
    /// The same pairs once settled, whatever the order they came in: states read apart and
    /// merged equal the state that read it all.
    fn eq(&self, other: &Self) -> bool {
        let settled = |x: &Times| {
            let mut x = x.clone();
            x.settle();
            x.pairs()
        };
        settled(self) == settled(other)
    }
}

impl Eq for Times {}

impl Times {
    pub fn push(&mut self, t: i64, record_id: u64) {
        if self.len > 0 && t == self.last.0 {
            // A log's 8001s of one second come together: the first is the smallest.
            if record_id >= self.last.1 {
                return;
            }
            self.settled = false;
        } else if self.len > 0 && t < self.last.0 {
            self.settled = false;
        }
        put_i64(&mut self.bytes, t.wrapping_sub(self.last.0));
        put_i64(&mut self.bytes, record_id.wrapping_sub(self.last.1) as i64);
        self.last = (t, record_id);
        self.len += 1;
        self.marks.clear();
    }

    pub fn extend(&mut self, o: &Times) {
        for (t, r) in o.pairs() {
            self.push(t, r);
        }
    }

    /// Every pair, in the order kept.
    pub fn pairs(&self) -> Vec<(i64, u64)> {
        let mut r = &self.bytes[..];
        let mut at = (0, 0);
        (0..self.len)
            .map(|_| {
                at = next_pair(&mut r, at);
                at
            })
            .collect()
    }

    /// In time order, one pair per time (its smallest record id), and marked.
    pub fn settle(&mut self) {
        if !self.settled {
            let mut pairs = self.pairs();
            pairs.sort_unstable();
            pairs.dedup_by_key(|x| x.0);
            *self = Times::default();
            pairs.into_iter().for_each(|(t, r)| self.push(t, r));
        }
        self.marks.clear();
        let mut r = &self.bytes[..];
        let mut at = (0, 0);
        for i in 0..self.len {
            at = next_pair(&mut r, at);
            if i % MARK_EVERY == 0 {
                self.marks.push((at, self.bytes.len() - r.len()));
            }
        }
        self.bytes.shrink_to_fit();
    }

    /// Of the last pair before `t` and the first at or after it, those at most `window`
    /// seconds from `t`: the candidates of a "nearest event" rule. Settled only.
    pub fn around(&self, t: i64, window: i64) -> impl Iterator<Item = (i64, u64)> {
        let (lo, hi) = (t.saturating_sub(window), t.saturating_add(window));
        let (before, from) = self.nearest(t);
        [before, from]
            .into_iter()
            .flatten()
            .filter(move |x| (lo..=hi).contains(&x.0))
    }

    /// The last pair before `t` and the first at or after it. Settled only (else `None`s).
    pub fn nearest(&self, t: i64) -> (Option<(i64, u64)>, Option<(i64, u64)>) {
        // The last mark before `t`: the pairs from it on hold both answers.
        let k = self.marks.partition_point(|(p, _)| p.0 < t);
        let Some(&(first, from)) = k.checked_sub(1).and_then(|k| self.marks.get(k)) else {
            return (None, self.marks.first().map(|m| m.0));
        };
        let left = self.len - (k - 1) * MARK_EVERY - 1;
        let mut r = &self.bytes[from..];
        let mut before = first;
        let mut at = first;
        for _ in 0..left.min(MARK_EVERY) {
            at = next_pair(&mut r, at);
            if at.0 >= t {
                return (Some(before), Some(at));
            }
            before = at;
        }
        (Some(before), None)
    }
}

/// What a [`TimedGroups`] key tells: the file and host of its events, and how many of their
/// smallest record ids a group keeps (for a finding that names its first events by record).
pub(crate) trait GroupKey: Ord {
    const FIRST_IDS: usize;
    fn file(&self) -> &Arc<str>;
    fn host(&self) -> &str;
}

/// The events of one key: the evidence sample, every distinct time with its smallest record
/// id, and the key's [`GroupKey::FIRST_IDS`] smallest record ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TimedGroup {
    pub sample: FileSample,
    pub times: Times,
    pub first_ids: Vec<u64>,
}

/// Events grouped by all they say but their time (the 18456s of
/// [`super::sql_anonymous`], the Zerologon signatures of [`super::zerologon`]): a flood of
/// millions costs its distinct contents and a few bytes per distinct second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TimedGroups<K: GroupKey>(BTreeMap<K, TimedGroup>);

impl<K: GroupKey> Default for TimedGroups<K> {
    fn default() -> Self {
        TimedGroups(BTreeMap::new())
    }
}

impl<K: GroupKey> TimedGroups<K> {
    pub fn add(&mut self, key: K, t: i64, record_id: u64, cap: usize) {
        let g = self.0.entry(key).or_insert_with(|| TimedGroup {
            sample: FileSample::default(),
            times: Times::default(),
            first_ids: Vec::new(),
        });
        g.sample.add(t, record_id, cap);
        g.times.push(t, record_id);
        capped_insert(&mut g.first_ids, record_id, K::FIRST_IDS, Ord::cmp);
    }

    pub fn merge(&mut self, o: Self, cap: usize) {
        super::finding::merge_map(&mut self.0, o.0, |a, b| {
            a.sample.merge(b.sample, cap);
            a.times.extend(&b.times);
            for id in b.first_ids {
                capped_insert(&mut a.first_ids, id, K::FIRST_IDS, Ord::cmp);
            }
        });
    }

    /// Put every group's times in order; before [`NearByHost::nearest`].
    pub fn settle(&mut self) {
        self.0.values_mut().for_each(|g| g.times.settle());
    }

    /// The groups in key order, skipping the files in `skip` (copies of others).
    pub fn iter_except<'a: 'b, 'b>(
        &'a self,
        skip: &'b BTreeMap<Arc<str>, Arc<str>>,
    ) -> impl Iterator<Item = (&'a K, &'a TimedGroup)> + 'b {
        self.0.iter().filter(|(k, _)| !skip.contains_key(k.file()))
    }
}

/// Settled groups ([`TimedGroups::settle`]) by the short name of their host, for a rule that
/// links a logon to the nearest event on its host.
pub(crate) struct NearByHost<'a, K> {
    groups: Vec<(&'a K, &'a TimedGroup)>,
    by_host: BTreeMap<String, Vec<usize>>,
}

impl<'a, K: GroupKey> NearByHost<'a, K> {
    pub fn new(seen: &'a TimedGroups<K>) -> Self {
        let groups: Vec<_> = seen.0.iter().collect();
        let by_host = super::by_short_host(groups.iter().map(|(k, _)| k.host()));
        NearByHost { groups, by_host }
    }

    /// The event on `host` at most `window` seconds from `t` of the groups `rank` takes
    /// (`None`: not this group), first by its rank, then nearest, then the smallest
    /// reference; its key and time.
    pub fn nearest<R: Ord + Clone>(
        &self,
        t: i64,
        window: i64,
        host: &str,
        rank: impl Fn(&K) -> Option<R>,
    ) -> Option<(EventRef, &'a K, i64)> {
        let mut best: Option<((R, i64, &'a str, u64), &'a K, i64)> = None;
        for &i in self.by_host.get(host).into_iter().flatten() {
            let (k, g) = self.groups[i];
            let Some(r) = rank(k) else { continue };
            for (when, record_id) in g.times.around(t, window) {
                let key = (r.clone(), (when - t).abs(), &**k.file(), record_id);
                if best.as_ref().is_none_or(|(b, _, _)| key < *b) {
                    best = Some((key, k, when));
                }
            }
        }
        best.map(|((_, _, _, record_id), k, when)| {
            let r = EventRef {
                file: Arc::clone(k.file()),
                record_id,
            };
            (r, k, when)
        })
    }
}

/// The pair after `at`, read from `r` (as [`Times::push`] wrote it).
fn next_pair(r: &mut &[u8], at: (i64, u64)) -> (i64, u64) {
    let t = at.0.wrapping_add(get_i64(r));
    (t, at.1.wrapping_add(get_i64(r) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settled(pairs: &[(i64, u64)]) -> Times {
        let mut t = Times::default();
        pairs.iter().for_each(|&(a, b)| t.push(a, b));
        t.settle();
        t
    }

    #[test]
    fn one_pair_per_time_its_smallest_record() {
        let t = settled(&[(10, 5), (10, 7), (12, 9), (10, 3), (11, 1), (12, 2)]);
        assert_eq!(t.pairs(), [(10, 3), (11, 1), (12, 2)]);
    }

    #[test]
    fn extreme_times_and_record_ids_read_back() {
        // Hostile logs: times and record ids anywhere in their range.
        let pairs = [
            (i64::MAX, u64::MAX),
            (i64::MIN, 0),
            (0, u64::MAX),
            (-1, 1),
            (i64::MIN + 1, u64::MAX - 1),
        ];
        let t = settled(&pairs);
        let mut want = pairs.to_vec();
        want.sort_unstable();
        assert_eq!(t.pairs(), want);
        assert_eq!(t.nearest(0), (Some((-1, 1)), Some((0, u64::MAX))));
        assert_eq!(t.nearest(i64::MIN), (None, Some((i64::MIN, 0))));
        assert_eq!(
            t.nearest(i64::MAX),
            (Some((0, u64::MAX)), Some((i64::MAX, u64::MAX)))
        );
    }

    proptest::proptest! {
        /// The nearest pairs are those a search of every pair finds, whatever the order the
        /// pairs came in, across marks, and with the pairs split into merged groups.
        #[test]
        fn nearest_is_what_a_search_of_every_pair_finds(
            pairs in proptest::collection::vec((-500i64..500, 0u64..100_000), 0..400),
            split in 0usize..400,
            at in -600i64..600,
        ) {
            let mut whole = Times::default();
            pairs.iter().for_each(|&(a, b)| whole.push(a, b));
            let split = split.min(pairs.len());
            let mut a = Times::default();
            let mut b = Times::default();
            pairs[..split].iter().for_each(|&(x, y)| a.push(x, y));
            pairs[split..].iter().for_each(|&(x, y)| b.push(x, y));
            a.extend(&b);
            let mut sorted = pairs.clone();
            sorted.sort_unstable();
            sorted.dedup_by_key(|x| x.0);
            let want_before = sorted.iter().rev().find(|x| x.0 < at).copied();
            let want_from = sorted.iter().find(|x| x.0 >= at).copied();
            for mut t in [whole, a] {
                t.settle();
                proptest::prop_assert_eq!(t.pairs(), sorted.clone());
                proptest::prop_assert_eq!(t.nearest(at), (want_before, want_from));
            }
        }
    }
}
