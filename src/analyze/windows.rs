//! The time windows of one aggregate in one file (a correlation path, a brute-force or spray
//! key). A long log has hundreds of windows per aggregate, most holding one or a few events,
//! and only the latest still receive events (a log is written in time order): those stay open,
//! and older ones are sealed into a string of variable-length integers, about ten bytes a
//! correlation window instead of 56 and an allocation. An event for a sealed window (a log out
//! of time order) opens that window again; the copies are merged when the windows are read, and
//! merging windows is exact (counts add up, the earliest references and the first names in
//! order are kept), so what is read is what keeping every window open would give. writer-1g's
//! 973,275 correlation windows took about 54 MB open, its 251,164 detection windows about 80.

use super::finding::{FileSample, VecMap};
use super::state::Names;

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

#[derive(Debug, Clone)]
pub(crate) struct Windows<V: Window = FileSample> {
    open: VecMap<i64, V>,
    sealed: Vec<u8>,
    /// What the differences in `sealed` are from: the last sealed window, and the window's
    /// own bases ([`Window::Base`]).
    base: (i64, V::Base),
    /// The evidence cap, to merge copies of a window as the samples were made.
    cap: usize,
}

impl<V: Window> Default for Windows<V> {
    fn default() -> Self {
        Windows {
            open: VecMap::default(),
            sealed: Vec::new(),
            base: (0, V::Base::default()),
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
    pub fn merge(&mut self, o: Windows<V>, cap: usize, names: &mut Names) {
        for (b, s) in o.read(names) {
            self.window(b, cap).merge(s, cap);
        }
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
        let mut r = &self.sealed[..];
        let mut base = (0i64, V::Base::default());
        while !r.is_empty() {
            base.0 = base.0.wrapping_add(get_i64(&mut r));
            all.push((base.0, V::unpack(&mut r, &mut base.1, names)));
        }
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

        // Whatever the order the events come in, and however they are split between two
        // states, the windows read as those of one map where every window stays open.
        #[test]
        fn windows_read_as_if_all_stayed_open(
            events in proptest::collection::vec(
                (0i64..40, 0i64..300, proptest::num::u64::ANY, proptest::bool::ANY),
                0..300,
            ),
            cap in 1usize..5,
        ) {
            let mut want: VecMap<i64, FileSample> = VecMap::default();
            let (mut a, mut b) = (Windows::default(), Windows::default());
            for &(w, dt, record_id, other) in &events {
                let t = w * 300 + dt - 1_700_000_000;
                want.slot(&w, || w).add(t, record_id, cap);
                if other { &mut b } else { &mut a }.add(w, t, record_id, cap);
            }
            a.merge(b, cap, &mut Names::default());
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
}
