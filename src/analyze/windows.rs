//! The time windows of one aggregate in one file (a correlation path, a brute-force or spray
//! key). A long log has hundreds of windows per aggregate, most holding one or a few events,
//! and only the latest still receive events (a log is written in time order): those stay open,
//! and older ones are sealed into a string of variable-length integers, about ten bytes a
//! correlation window instead of 56 and an allocation. An event for a sealed window (a log out
//! of time order) opens that window again; the copies are merged when the windows are read, and
//! merging windows is exact (counts add up, the earliest references and the first names in
//! order are kept), so what is read is what keeping every window open would give. writer-1g's
//! 973,275 correlation windows took about 54 MB open, its 251,164 detection windows about 80.
//!
//! Sealed, they still grow with the time a log spans (writer-1g's took 17.6 MB, a log twice
//! as long twice that), so a state moves them to the analysis's temporary file ([`spill`])
//! once they pass [`IN_MEMORY`]: a block per aggregate, each block saying where the one
//! before it is, so that an aggregate keeps the place of its last block whatever the log's
//! length. Merged copies of a window in different blocks are merged when read, like the
//! others.

use super::finding::{FileSample, VecMap};
use super::spill::Spill;
use super::state::Names;
use std::sync::Arc;

/// What a window holds, and how it is sealed.
pub(crate) trait Window: Default + Clone + PartialEq {
    /// What a sealed window is written relative to (times, record ids), carried from one
    /// window to the next.
    type Base: Default + Clone + std::fmt::Debug;
    fn pack(&self, out: &mut Vec<u8>, base: &mut Self::Base);
    /// Read what `pack` wrote, names shared through `names`.
    fn unpack(r: &mut &[u8], base: &mut Self::Base, names: &mut Names) -> Self;
    /// Add `o`'s events, keeping at most `cap` references.
    fn merge(&mut self, o: Self, cap: usize);
}

impl Window for FileSample {
    type Base = (i64, u64);
    fn pack(&self, out: &mut Vec<u8>, base: &mut Self::Base) {
        FileSample::pack(self, out, base)
    }
    fn unpack(r: &mut &[u8], base: &mut Self::Base, _: &mut Names) -> Self {
        FileSample::unpack(r, base)
    }
    fn merge(&mut self, o: Self, cap: usize) {
        FileSample::merge(self, o, cap)
    }
}

/// Windows kept open per path: the current one and the one before (events near a boundary).
const OPEN: usize = 2;

/// The sealed windows a state keeps in memory, all aggregates together, before it moves them
/// to its temporary file ([`spill`]): a few MB, so that each move writes blocks of a few
/// hundred bytes at least and the finish reads few of them.
pub(crate) const IN_MEMORY: usize = 4 << 20;

/// An aggregate's sealed windows shorter than this stay in memory when the others move:
/// a block costs a read when the windows are read, and its place in memory.
pub(crate) const SMALLEST_BLOCK: usize = 128;

#[derive(Debug, Clone)]
pub(crate) struct Windows<V: Window = FileSample> {
    open: VecMap<i64, V>,
    sealed: Vec<u8>,
    /// What the differences in `sealed` are from: the last sealed window, and the window's
    /// own bases ([`Window::Base`]). Reset when `sealed` moves to the temporary file, so
    /// that each block reads on its own.
    base: (i64, V::Base),
    /// The last block this aggregate's sealed windows moved to, and the last blocks of
    /// other states' copies of it merged into this one.
    spilled: Vec<Chain>,
    /// The evidence cap, to merge copies of a window as the samples were made.
    cap: usize,
}

/// The last of a chain of blocks in a temporary file: each block begins with where the one
/// before it is ([`CHAIN_HEAD`] bytes; none: `u64::MAX`), then holds sealed windows written
/// from the default base.
#[derive(Debug, Clone)]
struct Chain {
    spill: Arc<Spill>,
    at: u64,
    len: u32,
}

const CHAIN_HEAD: usize = 12;

impl<V: Window> Default for Windows<V> {
    fn default() -> Self {
        Windows {
            open: VecMap::default(),
            sealed: Vec::new(),
            base: (0, V::Base::default()),
            spilled: Vec::new(),
            cap: usize::MAX,
        }
    }
}

impl Windows<FileSample> {
    /// Count an event at time `t` in window `b`.
    pub fn add(&mut self, b: i64, t: i64, record_id: u64, cap: usize) {
        self.window(b, cap).add(t, record_id, cap);
    }
}

impl<V: Window> Windows<V> {
    /// Add `o`'s windows: its blocks in the temporary file stay there, and are read with
    /// this one's; the ones it holds in memory are added here.
    pub fn merge(&mut self, mut o: Windows<V>, cap: usize, names: &mut Names) {
        self.spilled.append(&mut o.spilled);
        for (b, s) in o.read_memory(names) {
            self.window(b, cap).merge(s, cap);
        }
    }

    /// The chain this aggregate's windows moved to in `spill`, which a next move extends:
    /// the first of `spilled` (the others came with merges).
    fn own_chain(&self, spill: &Arc<Spill>) -> Option<&Chain> {
        self.spilled
            .first()
            .filter(|c| Arc::ptr_eq(&c.spill, spill))
    }

    /// The bytes of sealed windows held in memory.
    pub fn sealed_bytes(&self) -> usize {
        self.sealed.capacity()
    }

    /// Window `b`, open (made empty if new), for events kept at most `cap` references.
    pub fn window(&mut self, b: i64, cap: usize) -> &mut V {
        self.cap = cap;
        if self.open.get(&b).is_none() && self.open.len() >= OPEN {
            if let Some((first, s)) = self.open.pop_first() {
                // Grown by an eighth, not doubled: the sealed windows of all aggregates are
                // most of a long log's state, and doubling left a third of them empty.
                if self.sealed.capacity() - self.sealed.len() < 64 {
                    self.sealed.reserve_exact(64.max(self.sealed.len() / 8));
                }
                put_i64(&mut self.sealed, first.wrapping_sub(self.base.0));
                self.base.0 = first;
                s.pack(&mut self.sealed, &mut self.base.1);
            }
        }
        self.open.slot(&b, || b)
    }

    /// Every window, by window number, copies merged; names shared through `names`.
    pub fn read(&self, names: &mut Names) -> VecMap<i64, V> {
        let mut all: Vec<(i64, V)> = Vec::new();
        let mut buf = Vec::new();
        for chain in &self.spilled {
            let mut at = chain.at;
            let mut len = chain.len;
            loop {
                chain.spill.read(at, len as usize, &mut buf);
                let (head, windows) = buf.split_at(CHAIN_HEAD);
                unpack_all(windows, names, &mut all);
                at = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
                len = u32::from_le_bytes(head[8..].try_into().expect("4 bytes"));
                if at == u64::MAX {
                    break;
                }
            }
        }
        self.merged(all, names)
    }

    /// The windows held in memory (sealed and open), as [`Self::read`].
    fn read_memory(&self, names: &mut Names) -> VecMap<i64, V> {
        self.merged(Vec::new(), names)
    }

    /// `all` with the windows held in memory (sealed and open), by window number, copies
    /// merged.
    fn merged(&self, mut all: Vec<(i64, V)>, names: &mut Names) -> VecMap<i64, V> {
        unpack_all(&self.sealed, names, &mut all);
        all.extend(self.open.iter().map(|(&b, s)| (b, s.clone())));
        all.sort_by_key(|x| x.0);
        let mut out: Vec<(i64, V)> = Vec::with_capacity(all.len());
        for (b, s) in all {
            match out.last_mut() {
                Some((lb, ls)) if *lb == b => ls.merge(s, self.cap),
                _ => out.push((b, s)),
            }
        }
        VecMap::from_sorted(out)
    }
}

/// The windows of a string of sealed windows written from the default base, added to `all`.
fn unpack_all<V: Window>(mut r: &[u8], names: &mut Names, all: &mut Vec<(i64, V)>) {
    let mut base = (0i64, V::Base::default());
    while !r.is_empty() {
        base.0 = base.0.wrapping_add(get_i64(&mut r));
        all.push((base.0, V::unpack(&mut r, &mut base.1, names)));
    }
}

/// Move the sealed windows of `all` to `spill`, the aggregates' blocks together in a few
/// writes, and free their memory. Those under `smallest` bytes ([`SMALLEST_BLOCK`]) stay; if
/// the file cannot be written, all stay.
pub(crate) fn spill<'a, V: Window + 'a>(
    all: impl Iterator<Item = &'a mut Windows<V>>,
    spill: &Arc<Spill>,
    smallest: usize,
) {
    // Written a MiB or so at a time: the blocks are copied into one buffer first.
    const WRITE: usize = 1 << 20;
    let mut batch: Vec<&mut Windows<V>> = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let flush = |batch: &mut Vec<&mut Windows<V>>, buf: &mut Vec<u8>| {
        if batch.is_empty() {
            return;
        }
        if let Some(at) = spill.write(buf) {
            let mut pos = at;
            for w in batch.iter_mut() {
                let len = (CHAIN_HEAD + w.sealed.len()) as u32;
                let chain = Chain {
                    spill: Arc::clone(spill),
                    at: pos,
                    len,
                };
                pos += u64::from(len);
                if w.own_chain(spill).is_some() {
                    w.spilled[0] = chain;
                } else {
                    w.spilled.insert(0, chain);
                }
                w.sealed = Vec::new();
                w.base = (0, V::Base::default());
            }
        }
        batch.clear();
        buf.clear();
    };
    for w in all {
        if w.sealed.is_empty() || w.sealed.len() < smallest {
            continue;
        }
        // The block before this one: the last this state wrote for the aggregate.
        let (at, len) = w.own_chain(spill).map_or((u64::MAX, 0), |c| (c.at, c.len));
        buf.extend_from_slice(&at.to_le_bytes());
        buf.extend_from_slice(&len.to_le_bytes());
        buf.extend_from_slice(&w.sealed);
        batch.push(w);
        if buf.len() >= WRITE {
            flush(&mut batch, &mut buf);
        }
    }
    flush(&mut batch, &mut buf);
}

/// Equal when they read the same, whatever was sealed.
impl<V: Window> PartialEq for Windows<V> {
    fn eq(&self, o: &Self) -> bool {
        let mut names = Names::default();
        self.read(&mut names) == o.read(&mut names)
    }
}

/// A string: its length, then its bytes.
pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

pub(crate) fn get_str<'a>(r: &mut &'a [u8]) -> &'a str {
    let n = get_u64(r) as usize;
    let (s, rest) = r.split_at(n);
    *r = rest;
    std::str::from_utf8(s).expect("packed from a str")
}

/// LEB128.
pub(crate) fn put_u64(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Zigzag, then LEB128: small differences of either sign take a byte or two.
pub(crate) fn put_i64(out: &mut Vec<u8>, v: i64) {
    put_u64(out, ((v << 1) ^ (v >> 63)) as u64);
}

// The strings read here are written by this process: one that ends early is a bug.
pub(crate) fn get_u64(r: &mut &[u8]) -> u64 {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = r.split_first().expect("a packed integer read to its end");
        *r = rest;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            break;
        }
    }
    v
}

pub(crate) fn get_i64(r: &mut &[u8]) -> i64 {
    let z = get_u64(r);
    (z >> 1) as i64 ^ -((z & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    proptest::proptest! {
        #[test]
        fn integers_read_back(v in proptest::num::i64::ANY, u in proptest::num::u64::ANY) {
            let mut out = Vec::new();
            put_i64(&mut out, v);
            put_u64(&mut out, u);
            let mut r = &out[..];
            proptest::prop_assert_eq!(get_i64(&mut r), v);
            proptest::prop_assert_eq!(get_u64(&mut r), u);
            proptest::prop_assert!(r.is_empty());
        }

        // Whatever the order the events come in, however they are split between two
        // states, and whenever their sealed windows move to a temporary file (or fail to),
        // the windows read as those of one map where every window stays open.
        #[test]
        fn windows_read_as_if_all_stayed_open(
            events in proptest::collection::vec(
                (0i64..40, 0i64..300, proptest::num::u64::ANY, proptest::bool::ANY, 0u8..8),
                0..300,
            ),
            cap in 1usize..5,
            b_cannot_spill in proptest::bool::ANY,
            spill_after_merge in proptest::bool::ANY,
        ) {
            let mut want: VecMap<i64, FileSample> = VecMap::default();
            let (mut a, mut b) = (Windows::default(), Windows::default());
            let spill_a = Arc::new(Spill::default());
            let spill_b = Arc::new(if b_cannot_spill { Spill::failed() } else { Spill::default() });
            for &(w, dt, record_id, other, move_now) in &events {
                let t = w * 300 + dt - 1_700_000_000;
                want.slot(&w, || w).add(t, record_id, cap);
                let (st, spill_to) = if other { (&mut b, &spill_b) } else { (&mut a, &spill_a) };
                st.add(w, t, record_id, cap);
                if move_now == 0 {
                    spill(std::iter::once(st), spill_to, 1);
                }
            }
            a.merge(b, cap, &mut Names::default());
            if spill_after_merge {
                spill(std::iter::once(&mut a), &spill_a, 1);
            }
            proptest::prop_assert_eq!(a.read(&mut Names::default()), want);
        }
    }

    #[test]
    fn old_windows_are_sealed() {
        let mut w = Windows::default();
        for i in 0..1000i64 {
            w.add(i, i * 300 + 7, 1000 + i as u64, 20);
        }
        assert_eq!(w.open.len(), OPEN);
        // About six bytes a one-event window here.
        assert!(w.sealed.len() < 8 * 1000, "{}", w.sealed.len());
        let read = w.read(&mut Names::default());
        assert_eq!(read.len(), 1000);
        assert_eq!(read.get(&500).and_then(|s| s.first()), Some(500 * 300 + 7));
    }

    #[test]
    fn moved_windows_keep_one_place_per_state_however_often_they_move() {
        let spill_to = Arc::new(Spill::default());
        let mut w = Windows::default();
        for i in 0..10_000i64 {
            w.add(i, i * 300 + 7, 1000 + i as u64, 20);
            if i % 100 == 99 {
                spill(std::iter::once(&mut w), &spill_to, SMALLEST_BLOCK);
                assert!(w.sealed.is_empty());
            }
        }
        // One chain of 100 blocks, known by its last.
        assert_eq!(w.spilled.len(), 1);
        let read = w.read(&mut Names::default());
        assert_eq!(read.len(), 10_000);
        assert!(read
            .iter()
            .all(|(&b, s)| s.total == 1 && s.first() == Some(b * 300 + 7)));
        // Too little to be worth a block: stays.
        let mut small = Windows::default();
        for i in 0..5i64 {
            small.add(i, i * 300, 1, 20);
        }
        spill(std::iter::once(&mut small), &spill_to, SMALLEST_BLOCK);
        assert!(small.spilled.is_empty() && !small.sealed.is_empty());
    }
}
