//! The 8001s that may be the client side of an anonymous logon (no supplied account, or a
//! well-known service session as the client process), kept for the classification's client
//! rule ([`super::anonymous`]), which takes the nearest one in time.
//!
//! A server's LocalSystem services log millions of 8001s with a few hundred distinct contents
//! (the targets they reach): kept one entry per event (about 300 bytes in a B-tree), a 1 GB
//! NTLM/Operational log took the scan to 665 MB. So the 8001s are grouped by file and by all
//! they say but their time, and each group keeps its (time, record id) pairs in a few bytes
//! each. Per time only the smallest record id is kept: the rule takes the nearest 8001, ties
//! to the smallest reference, so no other 8001 of the group can be chosen at that time.

use super::finding::FastMap;
use super::state::Names;
use super::windows::{get_i64, put_i64};
use std::hash::BuildHasher;
use std::sync::Arc;

/// What an 8001 says, all but its time. Names are shared ([`super::state::Names`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Outgoing {
    pub computer: Arc<str>,
    pub target: Option<Arc<str>>,
    pub user: Option<Arc<str>>,
    pub luid: Option<u64>,
    pub client_user: Option<Arc<str>>,
    pub client_domain: Option<Arc<str>>,
    pub process: Option<Arc<str>>,
}

/// What an 8001 says, as logged: its group is found from these without making its names
/// (a million 8001s of a few hundred groups made and dropped seven shared names each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct OutgoingFields<'a> {
    pub computer: &'a str,
    pub target: Option<&'a str>,
    pub user: Option<&'a str>,
    pub luid: Option<u64>,
    pub client_user: Option<&'a str>,
    pub client_domain: Option<&'a str>,
    pub process: Option<&'a str>,
}

impl OutgoingFields<'_> {
    fn make(&self, names: &mut Names) -> Outgoing {
        let computer = names.get(self.computer);
        let mut opt = |x: Option<&str>| x.map(|x| names.get(x));
        Outgoing {
            computer,
            target: opt(self.target),
            user: opt(self.user),
            luid: self.luid,
            client_user: opt(self.client_user),
            client_domain: opt(self.client_domain),
            process: opt(self.process),
        }
    }
}

impl Outgoing {
    fn fields(&self) -> OutgoingFields<'_> {
        OutgoingFields {
            computer: &self.computer,
            target: self.target.as_deref(),
            user: self.user.as_deref(),
            luid: self.luid,
            client_user: self.client_user.as_deref(),
            client_domain: self.client_domain.as_deref(),
            process: self.process.as_deref(),
        }
    }
}

/// The groups of 8001s, in the order they came.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutgoingSeen {
    /// The groups by the hash of their file and fields (a fixed seed: states made apart
    /// hash alike); those whose hashes collide, one after the other.
    index: FastMap<u64, smallvec::SmallVec<[u32; 1]>>,
    groups: Vec<OutgoingGroup>,
}

fn key_hash(file: &str, f: &OutgoingFields<'_>) -> u64 {
    foldhash::fast::FixedState::with_seed(0x8001).hash_one((file, f))
}

/// The 8001s of one file that say the same, at their times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutgoingGroup {
    pub file: Arc<str>,
    pub who: Outgoing,
    pub times: Times,
}

impl OutgoingSeen {
    /// The group of `file` whose 8001s say `f`, if there is one; the hash of the two.
    fn find(&self, file: &str, f: &OutgoingFields<'_>) -> (Option<usize>, u64) {
        let h = key_hash(file, f);
        let found = self.index.get(&h).and_then(|same| {
            same.iter()
                .map(|&i| i as usize)
                .find(|&i| &*self.groups[i].file == file && self.groups[i].who.fields() == *f)
        });
        (found, h)
    }

    fn push(&mut self, h: u64, g: OutgoingGroup) -> usize {
        let i = self.groups.len();
        self.groups.push(g);
        self.index.entry(h).or_default().push(i as u32);
        i
    }

    /// An 8001 of `file` at time `t`; its names made (in `names`) only for a new group.
    pub fn add(
        &mut self,
        file: &Arc<str>,
        f: OutgoingFields<'_>,
        t: i64,
        record_id: u64,
        names: &mut Names,
    ) {
        let i = match self.find(file, &f) {
            (Some(i), _) => i,
            (None, h) => {
                let g = OutgoingGroup {
                    file: Arc::clone(file),
                    who: f.make(names),
                    times: Times::default(),
                };
                self.push(h, g)
            }
        };
        self.groups[i].times.push(t, record_id);
    }

    pub fn merge(&mut self, o: OutgoingSeen) {
        for g in o.groups {
            match self.find(&g.file, &g.who.fields()) {
                (Some(i), _) => self.groups[i].times.extend(&g.times),
                (None, h) => {
                    self.push(h, g);
                }
            }
        }
    }

    /// Put every group's times in order ([`Times::settle`]); before [`Times::nearest`].
    pub fn settle(&mut self) {
        self.groups.iter_mut().for_each(|g| g.times.settle());
    }

    /// The groups, in the order they came.
    pub fn groups(&self) -> &[OutgoingGroup] {
        &self.groups
    }
}

impl PartialEq for OutgoingSeen {
    /// The same groups at the same times, whatever the order they came in.
    fn eq(&self, other: &Self) -> bool {
        fn settled(x: &OutgoingSeen) -> Vec<(&Arc<str>, &Outgoing, Vec<(i64, u64)>)> {
            let mut v: Vec<_> = x
                .groups
                .iter()
                .map(|g| {
                    let mut t = g.times.clone();
                    t.settle();
                    (&g.file, &g.who, t.pairs())
                })
                .collect();
            v.sort();
            v
        }
        settled(self) == settled(other)
    }
}

/// Pairs between two marks of [`Times`]: a lookup decodes at most this many.
const MARK_EVERY: usize = 64;

/// (time, record id) pairs, each the zigzag LEB128 differences from the pair before (two to
/// four bytes for a log's 8001s). Once settled, in time order with one pair per time, and
/// marked every [`MARK_EVERY`] pairs so that a time is found without decoding them all.
#[derive(Debug, Clone, PartialEq, Eq)]
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

    fn extend(&mut self, o: &Times) {
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

    #[test]
    fn groups_merge_as_one_state_would() {
        let who = |target| OutgoingFields {
            computer: "WKS001",
            target: Some(target),
            user: None,
            luid: Some(0x3e7),
            client_user: None,
            client_domain: None,
            process: None,
        };
        let f: Arc<str> = Arc::from("a.evtx");
        let mut names = Names::default();
        let mut one = OutgoingSeen::default();
        let (mut x, mut y) = (OutgoingSeen::default(), OutgoingSeen::default());
        for i in 0..300u64 {
            let w = who(if i % 3 == 0 { "cifs/SRV1" } else { "cifs/SRV2" });
            one.add(&f, w, (i / 2) as i64, i, &mut names);
            // Each state its own names, as reading threads have.
            let mut own = Names::default();
            if i % 5 == 0 { &mut x } else { &mut y }.add(&f, w, (i / 2) as i64, i, &mut own);
        }
        x.merge(y);
        assert_eq!(one, x);
        one.settle();
        assert_eq!(one.groups().len(), 2);
        let srv1 = &one.groups()[0].times;
        assert_eq!(srv1.nearest(7), (Some((6, 12)), Some((7, 15))));
    }
}
