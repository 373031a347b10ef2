//! (time, record id) pairs packed a few bytes each, for the events kept only to be found by
//! their time: the nearest one to a moment, ties to the smallest record id (the 8001s of
//! [`super::outgoing`], the anonymous 18456s of [`super::sql_anonymous`]). Millions of them
//! come with a few hundred distinct contents; kept one entry per event (a few hundred bytes
//! each), a 1 GB log of them took the scan past 600 MB.

use super::windows::{get_i64, put_i64};

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
