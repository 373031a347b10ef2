//! Findings and the capped evidence samples every aggregate keeps.

use super::EventRef;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

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

impl Confidence {
    /// As it is serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Records named as evidence: the earliest `cap` (by time, then file and record id, so the
/// choice does not depend on the order events arrive in or how states were split), with the
/// total count and the time span of all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sample {
    pub total: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub refs: Refs,
}

/// Make room for one more element in a vector that usually stays small: capacity 1, 2, 4...
/// up to `limit` (`Vec` starts at 4, which for a million one-reference samples is 96 MB of
/// empty slots).
fn room_for_one<T>(v: &mut Vec<T>, limit: usize) {
    if v.len() == v.capacity() {
        let more = v.len().min(limit.saturating_sub(v.len())).max(1);
        v.reserve_exact(more);
    }
}

/// The earliest distinct `(time, event)` pairs, at most a cap of them, sorted. A sorted
/// vector rather than a `BTreeSet`: most aggregates hold one or a few references, and a
/// B-tree's smallest node holds eleven (about 400 bytes for one reference).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refs(Vec<(i64, EventRef)>);

/// Insert `x` in `v`, kept sorted and distinct by `cmp` and at most `cap` long (the `cap`
/// smallest: when full, the largest goes, so the vector never grows past the cap); whether
/// it went in. The evidence of every aggregate is kept this way.
pub(crate) fn capped_insert<T>(
    v: &mut Vec<T>,
    x: T,
    cap: usize,
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> bool {
    if cap == 0 || (v.len() >= cap && v.last().is_some_and(|l| cmp(&x, l).is_ge())) {
        return false;
    }
    match v.binary_search_by(|y| cmp(y, &x)) {
        Ok(_) => false,
        Err(at) => {
            if v.len() >= cap {
                v.truncate(cap - 1);
            }
            room_for_one(v, cap);
            v.insert(at.min(v.len()), x);
            true
        }
    }
}

/// An index of the distinct values of a table (the interned tables of verdicts, names and
/// annotations), numbered by first occurrence. The table stores each value once: a map from
/// value to number would keep a second copy as its key, which for the anonymous logons'
/// verdicts (a reason list, linked events and findings each, one per client in a flood) was
/// a fifth of the classification's memory. The map goes from a value's hash to the first
/// value with that hash; values whose hashes collide are chained.
#[derive(Debug, Clone, Default)]
pub(crate) struct Distinct {
    hasher: foldhash::fast::RandomState,
    first: FastMap<u64, u32>,
    next: FastMap<u32, u32>,
}

impl Distinct {
    /// `x`'s number in `table`, appended if new.
    pub fn intern<T: std::hash::Hash + Eq>(&mut self, table: &mut Vec<T>, x: T) -> u32 {
        self.intern_with(table, x, |_| {})
    }

    /// [`Self::intern`], with `new` run on `x` before it is appended (it must not change
    /// what `x` equals or hashes as).
    pub fn intern_with<T: std::hash::Hash + Eq>(
        &mut self,
        table: &mut Vec<T>,
        mut x: T,
        new: impl FnOnce(&mut T),
    ) -> u32 {
        use std::hash::BuildHasher;
        let h = self.hasher.hash_one(&x);
        let mut at = self.first.get(&h).copied();
        let mut last = None;
        while let Some(i) = at {
            if table[i as usize] == x {
                return i;
            }
            last = Some(i);
            at = self.next.get(&i).copied();
        }
        let i = u32::try_from(table.len()).expect("fewer than 2^32 distinct values");
        new(&mut x);
        table.push(x);
        match last {
            None => self.first.insert(h, i),
            Some(l) => self.next.insert(l, i),
        };
        i
    }
}

impl Refs {
    /// Insert `item` (if not already there) and keep the `cap` smallest.
    pub fn insert(&mut self, item: (i64, EventRef), cap: usize) {
        capped_insert(&mut self.0, item, cap, Ord::cmp);
    }

    pub fn merge(&mut self, o: Refs, cap: usize) {
        if self.0.is_empty() {
            self.0 = o.0;
            self.0.truncate(cap);
            return;
        }
        for item in o.0 {
            self.insert(item, cap);
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, (i64, EventRef)> {
        self.0.iter()
    }
}

/// Events named as evidence, in their order, in a few bytes each: the distinct files once,
/// then per event its file's index and its record id's difference from the previous one, as
/// variable-length integers. For the inventory's rows, which a log can have a hundred
/// thousand of with up to `evidence_cap` events each (24 bytes each as [`EventRef`]s).
/// Serialised as a list of [`EventRef`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventList {
    files: Box<[Arc<str>]>,
    n: u32,
    bytes: Box<[u8]>,
}

impl EventList {
    pub fn len(&self) -> usize {
        self.n as usize
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = EventRef> + '_ {
        use super::windows::{get_i64, get_u64};
        let mut r = &self.bytes[..];
        let mut prev = 0u64;
        (0..self.n).map(move |_| {
            let file = Arc::clone(&self.files[get_u64(&mut r) as usize]);
            prev = prev.wrapping_add(get_i64(&mut r) as u64);
            EventRef {
                file,
                record_id: prev,
            }
        })
    }
}

impl FromIterator<EventRef> for EventList {
    fn from_iter<I: IntoIterator<Item = EventRef>>(it: I) -> Self {
        use super::windows::{put_i64, put_u64};
        let mut files: Vec<Arc<str>> = Vec::new();
        let mut bytes = Vec::new();
        let (mut n, mut prev) = (0u32, 0u64);
        for e in it {
            // Lists name one file or a few: a linear search.
            let i = match files.iter().position(|f| *f == e.file) {
                Some(i) => i,
                None => {
                    files.push(e.file);
                    files.len() - 1
                }
            };
            put_u64(&mut bytes, i as u64);
            put_i64(&mut bytes, e.record_id.wrapping_sub(prev) as i64);
            prev = e.record_id;
            n += 1;
        }
        EventList {
            files: files.into_boxed_slice(),
            n,
            bytes: bytes.into_boxed_slice(),
        }
    }
}

impl Serialize for EventList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
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
        self.refs.insert((t, r), cap);
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
        self.refs.merge(o.refs, cap);
    }

    pub fn refs(&self) -> Vec<EventRef> {
        self.refs.iter().map(|(_, r)| r.clone()).collect()
    }

    /// The references, compact.
    pub fn event_list(&self) -> EventList {
        self.refs.iter().map(|(_, r)| r.clone()).collect()
    }
}

/// A [`Sample`] of the events of one file, for the state's per-file aggregates (keyed by
/// file): the file is the key's, so a reference is `(time, record id)`, 16 bytes instead of
/// 32, with no reference count to touch per event, and the first one is kept inline. The
/// correlation windows of a long log (about one per path and 5 minutes, most holding one
/// event) and the NTLM flows hold millions of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSample {
    pub total: u64,
    /// `i64::MAX` / `i64::MIN` while empty.
    first: i64,
    last: i64,
    /// The earliest distinct `(time, record id)`, at most a cap of them, sorted.
    refs: RefList,
}

/// Sorted distinct `(time, record id)` pairs: one inline, more as variable-length integers
/// (the first pair, then each one's difference from the one before: a few bytes a pair
/// instead of 16). writer-1g's 100,000 NTLM flows hold 1.26 million such pairs, 20 MB as
/// 16-byte pairs and about 5 MB packed. Pairs mostly come in order, past the last one:
/// appended, or once the cap is reached dropped, without reading the others. 24 bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum RefList {
    #[default]
    Empty,
    One((i64, u64)),
    /// Two or more: `MANY_HEAD` bytes (the last pair's time and record id, little-endian,
    /// then the count), then the pairs.
    Many(Box<[u8]>),
}

/// The head of [`RefList::Many`]'s bytes: the last pair and the count.
const MANY_HEAD: usize = 20;

fn many_head(b: &[u8]) -> ((i64, u64), u32) {
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
    let n = u32::from_le_bytes(b[16..20].try_into().expect("4 bytes"));
    ((word(0) as i64, word(8)), n)
}

fn set_many_head(b: &mut [u8], last: (i64, u64), n: u32) {
    b[0..8].copy_from_slice(&last.0.to_le_bytes());
    b[8..16].copy_from_slice(&last.1.to_le_bytes());
    b[16..20].copy_from_slice(&n.to_le_bytes());
}

impl RefList {
    fn len(&self) -> usize {
        match self {
            RefList::Empty => 0,
            RefList::One(_) => 1,
            RefList::Many(b) => many_head(b).1 as usize,
        }
    }

    fn last(&self) -> Option<(i64, u64)> {
        match self {
            RefList::Empty => None,
            RefList::One(x) => Some(*x),
            RefList::Many(b) => Some(many_head(b).0),
        }
    }

    /// `x` after `prev` (`None` for the first pair).
    fn put(out: &mut Vec<u8>, prev: Option<(i64, u64)>, x: (i64, u64)) {
        use super::windows::{put_i64, put_u64};
        match prev {
            None => {
                put_i64(out, x.0);
                put_u64(out, x.1);
            }
            // Times never decrease in a sorted list; record ids can.
            Some(p) => {
                put_u64(out, x.0.wrapping_sub(p.0) as u64);
                put_i64(out, x.1.wrapping_sub(p.1) as i64);
            }
        }
    }

    fn iter(&self) -> RefIter<'_> {
        match self {
            RefList::Empty => RefIter::Inline(None),
            RefList::One(x) => RefIter::Inline(Some(*x)),
            RefList::Many(b) => RefIter::Packed {
                left: many_head(b).1,
                prev: None,
                bytes: &b[MANY_HEAD..],
            },
        }
    }

    /// From pairs sorted and distinct.
    fn from_sorted(v: &[(i64, u64)]) -> RefList {
        match v {
            [] => RefList::Empty,
            [x] => RefList::One(*x),
            _ => {
                let mut out = vec![0u8; MANY_HEAD];
                out.reserve_exact(v.len() * 4 + 8);
                let mut prev = None;
                for &x in v {
                    RefList::put(&mut out, prev, x);
                    prev = Some(x);
                }
                let n = u32::try_from(v.len()).expect("a capped list");
                set_many_head(&mut out, *v.last().expect("two or more"), n);
                RefList::Many(out.into_boxed_slice())
            }
        }
    }

    // As [`Refs::insert`]: within one file, `(time, record id)` orders as `(time, event)`.
    fn insert(&mut self, item: (i64, u64), cap: usize) {
        if cap == 0 {
            return;
        }
        let len = self.len();
        let last = self.last();
        if len >= cap && last.is_some_and(|l| item >= l) {
            return;
        }
        // Past the last one, with room: appended.
        if last.is_none_or(|l| item > l) {
            match self {
                RefList::Empty => *self = RefList::One(item),
                RefList::One(x) => *self = RefList::from_sorted(&[*x, item]),
                RefList::Many(bytes) => {
                    let (last, n) = many_head(bytes);
                    let mut tail = Vec::with_capacity(20);
                    RefList::put(&mut tail, Some(last), item);
                    let mut v = std::mem::take(bytes).into_vec();
                    v.reserve_exact(tail.len());
                    v.extend_from_slice(&tail);
                    set_many_head(&mut v, item, n + 1);
                    *bytes = v.into_boxed_slice();
                }
            }
            return;
        }
        // Out of order (rare: a log out of time order, copies of a window merged).
        let mut v: Vec<(i64, u64)> = self.iter().collect();
        if capped_insert(&mut v, item, cap, Ord::cmp) {
            *self = RefList::from_sorted(&v);
        }
    }
}

enum RefIter<'a> {
    Inline(Option<(i64, u64)>),
    Packed {
        left: u32,
        prev: Option<(i64, u64)>,
        bytes: &'a [u8],
    },
}

impl Iterator for RefIter<'_> {
    type Item = (i64, u64);
    fn next(&mut self) -> Option<(i64, u64)> {
        use super::windows::{get_i64, get_u64};
        match self {
            RefIter::Inline(x) => x.take(),
            RefIter::Packed { left, prev, bytes } => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                let x = match *prev {
                    None => (get_i64(bytes), get_u64(bytes)),
                    Some(p) => (
                        p.0.wrapping_add(get_u64(bytes) as i64),
                        p.1.wrapping_add(get_i64(bytes) as u64),
                    ),
                };
                *prev = Some(x);
                Some(x)
            }
        }
    }
}

impl Default for FileSample {
    fn default() -> Self {
        FileSample {
            total: 0,
            first: i64::MAX,
            last: i64::MIN,
            refs: RefList::Empty,
        }
    }
}

impl FileSample {
    pub fn add(&mut self, t: i64, record_id: u64, cap: usize) {
        self.total += 1;
        self.first = self.first.min(t);
        self.last = self.last.max(t);
        self.insert((t, record_id), cap);
    }

    fn insert(&mut self, item: (i64, u64), cap: usize) {
        self.refs.insert(item, cap);
    }

    pub fn merge(&mut self, o: FileSample, cap: usize) {
        self.total += o.total;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        for item in o.refs.iter() {
            self.insert(item, cap);
        }
    }

    pub fn first(&self) -> Option<i64> {
        (self.total > 0).then_some(self.first)
    }

    pub fn last(&self) -> Option<i64> {
        (self.total > 0).then_some(self.last)
    }

    /// The references, as events of `file`.
    pub fn refs(&self, file: &Arc<str>) -> Vec<EventRef> {
        self.refs
            .iter()
            .map(|(_, record_id)| EventRef {
                file: Arc::clone(file),
                record_id,
            })
            .collect()
    }

    /// Merge into `into` as the events of `file`.
    pub fn merge_into(&self, into: &mut Sample, file: &Arc<str>, cap: usize) {
        into.total += self.total;
        if let (Some(f), Some(l)) = (self.first(), self.last()) {
            into.first = Some(into.first.map_or(f, |x| x.min(f)));
            into.last = Some(into.last.map_or(l, |x| x.max(l)));
        }
        for (t, record_id) in self.refs.iter() {
            into.refs.insert(
                (
                    t,
                    EventRef {
                        file: Arc::clone(file),
                        record_id,
                    },
                ),
                cap,
            );
        }
    }

    /// As a [`Sample`] of the events of `file`.
    pub fn to_sample(&self, file: &Arc<str>) -> Sample {
        let mut s = Sample::default();
        self.merge_into(&mut s, file, usize::MAX);
        s
    }

    /// Append to `out` in a few bytes: times and record ids as differences from the previous
    /// sample's (`base`, updated), in variable-length integers ([`super::windows`]).
    pub(crate) fn pack(&self, out: &mut Vec<u8>, base: &mut (i64, u64)) {
        use super::windows::{put_i64, put_u64};
        put_u64(out, self.total);
        if self.total == 0 {
            return;
        }
        put_i64(out, self.first.wrapping_sub(base.0));
        base.0 = self.first;
        put_u64(out, self.last.wrapping_sub(self.first) as u64);
        put_u64(out, self.refs.len() as u64);
        for (t, record_id) in self.refs.iter() {
            put_i64(out, t.wrapping_sub(self.first));
            put_i64(out, record_id.wrapping_sub(base.1) as i64);
            base.1 = record_id;
        }
    }

    /// Read what [`FileSample::pack`] wrote, with the same `base`.
    pub(crate) fn unpack(r: &mut &[u8], base: &mut (i64, u64)) -> FileSample {
        use super::windows::{get_i64, get_u64};
        let mut s = FileSample {
            total: get_u64(r),
            ..FileSample::default()
        };
        if s.total == 0 {
            return s;
        }
        s.first = base.0.wrapping_add(get_i64(r));
        base.0 = s.first;
        s.last = s.first.wrapping_add(get_u64(r) as i64);
        let n = get_u64(r) as usize;
        let mut refs: smallvec::SmallVec<[(i64, u64); 32]> = smallvec::SmallVec::new();
        for _ in 0..n {
            let t = s.first.wrapping_add(get_i64(r));
            let record_id = base.1.wrapping_add(get_i64(r) as u64);
            base.1 = record_id;
            refs.push((t, record_id));
        }
        s.refs = RefList::from_sorted(&refs);
        s
    }
}

/// A hash map for the analysis state's large per-key maps, which are looked up once or more
/// per event and only put in order when the analysis finishes: a B-tree lookup compared keys
/// of several strings (the file path first, equal every time) a few dozen times per event.
/// foldhash with a per-process seed, as the keys are strings from the logs.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// [`merge_map`] for a [`FastMap`].
pub(crate) fn merge_fast_map<K: std::hash::Hash + Eq, V>(
    into: &mut FastMap<K, V>,
    from: FastMap<K, V>,
    mut f: impl FnMut(&mut V, V),
) {
    for (k, v) in from {
        match into.entry(k) {
            std::collections::hash_map::Entry::Occupied(mut e) => f(e.get_mut(), v),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(v);
            }
        }
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

/// Serialise seconds since the epoch as RFC 3339 (`serialize_with`).
pub(crate) fn ser_rfc3339<S: serde::Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match rfc3339(*t) {
        Some(text) => s.serialize_str(&text),
        None => s.serialize_none(),
    }
}

/// A finding's text: shared, because findings made one per host repeat the same sentences
/// and names (10,000 hosts' findings held about 3 KB each when every one had its own copy).
pub type Text = Arc<str>;

/// One finding: what was seen, why it matters, the evidence, and what to change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable kebab-case detection id (see [`super::detections::DETECTIONS`]).
    pub id: &'static str,
    pub severity: Severity,
    pub title: String,
    pub explanation: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// Hosts that logged the evidence (the targets).
    pub hosts: Vec<Text>,
    /// Where it came from: client workstation names and addresses.
    pub sources: Vec<Text>,
    pub accounts: Vec<Text>,
    /// Distinct events behind the finding (a record present in two copies of a log counts once).
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// The field values that decided.
    pub reasons: Vec<Text>,
    /// The earliest evidence records (file + record id); `evidence_total` counts them all.
    pub evidence: Vec<EventRef>,
    pub evidence_total: u64,
    /// The settings that would change this (names as in Group Policy / the registry).
    pub remediation: Text,
}

impl Finding {
    pub(crate) fn new(id: &'static str, severity: Severity, title: impl Into<String>) -> Self {
        let d = super::detections::lookup(id);
        Finding {
            id,
            severity,
            title: title.into(),
            explanation: Text::from(d.map(|d| d.explanation).unwrap_or_default()),
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
            remediation: Text::from(d.map(|d| d.remediation).unwrap_or_default()),
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

/// A small map kept as a sorted vector: the aggregates hold a few keys each, and an empty
/// `BTreeMap` that gets one entry allocates a node for eleven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap(Vec::new())
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// The value of `k`, inserted with `V::default()` (the key made by `make`) if absent.
    pub fn slot<Q>(&mut self, k: &Q, make: impl FnOnce() -> K) -> &mut V
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
        V: Default,
    {
        let at = match self.0.binary_search_by(|(x, _)| x.borrow().cmp(k)) {
            Ok(at) => at,
            Err(at) => {
                room_for_one(&mut self.0, usize::MAX);
                self.0.insert(at, (make(), V::default()));
                at
            }
        };
        &mut self.0[at].1
    }

    /// Merge `o` in, combining the values of keys in both with `f`.
    pub fn merge(&mut self, o: VecMap<K, V>, mut f: impl FnMut(&mut V, V))
    where
        V: Default,
    {
        for (k, v) in o.0 {
            match self.0.binary_search_by(|(x, _)| x.cmp(&k)) {
                Ok(at) => f(&mut self.0[at].1, v),
                Err(at) => {
                    room_for_one(&mut self.0, usize::MAX);
                    self.0.insert(at, (k, v))
                }
            }
        }
    }

    pub fn get<Q>(&self, k: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let at = self.0.binary_search_by(|(x, _)| x.borrow().cmp(k)).ok()?;
        Some(&self.0[at].1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// From entries sorted by key, each key once.
    pub fn from_sorted(v: Vec<(K, V)>) -> Self {
        debug_assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
        VecMap(v)
    }

    /// Remove and return the entry of the smallest key.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        (!self.0.is_empty()).then(|| self.0.remove(0))
    }

    /// In key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A small set kept as a sorted vector, holding at most the `cap` smallest values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecSet<T>(Vec<T>);

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        VecSet(Vec::new())
    }
}

impl<T: Ord> VecSet<T> {
    /// From values sorted, each once.
    pub fn from_sorted(v: Vec<T>) -> Self {
        debug_assert!(v.windows(2).all(|w| w[0] < w[1]));
        VecSet(v)
    }

    pub fn insert_capped<Q>(&mut self, v: &Q, make: impl FnOnce() -> T, cap: usize)
    where
        T: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        if let Err(at) = self.0.binary_search_by(|x| x.borrow().cmp(v)) {
            if at < cap {
                self.0.truncate(cap - 1);
                room_for_one(&mut self.0, cap);
                self.0.insert(at, make());
            }
        }
    }

    pub fn merge(&mut self, o: VecSet<T>, cap: usize) {
        for v in o.0 {
            if let Err(at) = self.0.binary_search(&v) {
                if at < cap {
                    self.0.truncate(cap - 1);
                    room_for_one(&mut self.0, cap);
                    self.0.insert(at, v);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
}

impl<'a, T> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod small_collection_tests {
    use super::*;
    use std::sync::Arc;

    fn r(id: u64) -> EventRef {
        EventRef {
            file: Arc::from("f.evtx"),
            record_id: id,
        }
    }

    #[test]
    fn refs_keep_the_earliest_distinct_whatever_the_order() {
        let items: Vec<(i64, EventRef)> = (0..30).map(|i| ((i * 7) % 13, r(i as u64))).collect();
        let mut a = Refs::default();
        for it in &items {
            a.insert(it.clone(), 5);
            a.insert(it.clone(), 5);
        }
        let mut b = Refs::default();
        let mut c = Refs::default();
        for (i, it) in items.iter().rev().enumerate() {
            if i % 2 == 0 {
                b.insert(it.clone(), 5)
            } else {
                c.insert(it.clone(), 5)
            }
        }
        b.merge(c, 5);
        let mut want = items.clone();
        want.sort();
        want.truncate(5);
        assert_eq!(a.iter().cloned().collect::<Vec<_>>(), want);
        assert_eq!(a, b);
        // Full at the cap, it replaces its largest instead of growing.
        assert_eq!(a.0.capacity(), 5, "grown to the cap and no further");
        let mut one = Refs::default();
        one.insert((1, r(1)), 20);
        assert_eq!(one.0.capacity(), 1, "one reference takes one slot");
        let mut none = Refs::default();
        none.insert((1, r(1)), 0);
        assert!(none.is_empty(), "a cap of 0 keeps nothing");
    }

    #[test]
    fn vecmap_counts_and_merges_like_a_btreemap() {
        let words = ["b", "a", "c", "a", "b", "a"];
        let mut m: VecMap<String, u64> = VecMap::default();
        for w in &words[..3] {
            *m.slot(*w, || w.to_string()) += 1;
        }
        let mut n: VecMap<String, u64> = VecMap::default();
        for w in &words[3..] {
            *n.slot(*w, || w.to_string()) += 1;
        }
        m.merge(n, |a, b| *a += b);
        let got: Vec<(String, u64)> = m.iter().map(|(k, v)| (k.clone(), *v)).collect();
        assert_eq!(got, [("a".into(), 3), ("b".into(), 2), ("c".into(), 1)]);
        let mut s: VecSet<String> = VecSet::default();
        for w in ["d", "b", "a", "c", "b"] {
            s.insert_capped(w, || w.to_string(), 3);
        }
        let mut t: VecSet<String> = VecSet::default();
        t.insert_capped("0", || "0".into(), 3);
        s.merge(t, 3);
        assert_eq!(
            s.iter().map(String::as_str).collect::<Vec<_>>(),
            ["0", "a", "b"]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every value hashes the same: each one after the first is found through the chain.
    #[derive(Debug, PartialEq, Eq)]
    struct Colliding(u32);

    impl std::hash::Hash for Colliding {
        fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
    }

    proptest! {
        // A value's number is that of its first occurrence, whatever the hashes; the table
        // holds each value once, in the order they first came.
        #[test]
        fn distinct_values_are_numbered_by_first_occurrence(
            values in proptest::collection::vec(0u32..40, 0..200),
            collide in any::<bool>(),
        ) {
            let mut firsts: Vec<u32> = Vec::new();
            let want: Vec<u32> = values
                .iter()
                .map(|v| match firsts.iter().position(|f| f == v) {
                    Some(i) => i as u32,
                    None => {
                        firsts.push(*v);
                        firsts.len() as u32 - 1
                    }
                })
                .collect();
            let mut index = Distinct::default();
            if collide {
                let mut table = Vec::new();
                let got: Vec<u32> =
                    values.iter().map(|&v| index.intern(&mut table, Colliding(v))).collect();
                prop_assert_eq!(got, want);
                prop_assert_eq!(table.iter().map(|c| c.0).collect::<Vec<_>>(), firsts);
            } else {
                let mut table = Vec::new();
                let got: Vec<u32> = values.iter().map(|&v| index.intern(&mut table, v)).collect();
                prop_assert_eq!(got, want);
                prop_assert_eq!(table, firsts);
            }
        }
    }

    #[test]
    fn a_ref_list_is_three_words() {
        // Every NTLM flow and open window holds one: BENCHMARKS.md's figures assume it.
        assert_eq!(std::mem::size_of::<RefList>(), 24);
    }

    proptest! {
        // An event list reads back as the events it was made from, in their order, and
        // serialises as they do.
        #[test]
        fn event_list_reads_back(
            items in prop::collection::vec((0usize..3, prop::num::u64::ANY), 0..40),
        ) {
            let files: [Arc<str>; 3] = [Arc::from("a.evtx"), Arc::from("b.evtx"), Arc::from("")];
            let events: Vec<EventRef> = items
                .iter()
                .map(|&(f, r)| EventRef { file: Arc::clone(&files[f]), record_id: r })
                .collect();
            let list: EventList = events.iter().cloned().collect();
            prop_assert_eq!(list.len(), events.len());
            prop_assert_eq!(list.iter().collect::<Vec<_>>(), events.clone());
            prop_assert_eq!(
                serde_json::to_string(&list).unwrap(),
                serde_json::to_string(&events).unwrap()
            );
        }

        // A packed list holds what a sorted vector of the `cap` smallest distinct pairs
        // holds, whatever the order and however large the numbers; packed and read back
        // (sealing) it is the same list.
        #[test]
        fn ref_list_keeps_the_smallest_pairs(
            items in prop::collection::vec(
                prop_oneof![
                    (-3i64..3, 0u64..6),
                    (prop::num::i64::ANY, prop::num::u64::ANY),
                ],
                0..60,
            ),
            cap in 0usize..25,
        ) {
            let mut list = RefList::default();
            let mut sample = FileSample::default();
            for &(t, r) in &items {
                list.insert((t, r), cap);
                sample.add(t, r, cap);
            }
            let mut want = items.clone();
            want.sort_unstable();
            want.dedup();
            want.truncate(cap);
            let got: Vec<(i64, u64)> = list.iter().collect();
            prop_assert_eq!(&got, &want);
            prop_assert_eq!(list.len(), want.len());
            prop_assert_eq!(&list, &RefList::from_sorted(&want));
            let mut out = Vec::new();
            sample.pack(&mut out, &mut (7, 9));
            let back = FileSample::unpack(&mut &out[..], &mut (7, 9));
            prop_assert_eq!(back, sample);
        }

        // A per-file sample is a Sample of that file's events: the same total, span and
        // earliest references, however the events are split and merged.
        #[test]
        fn file_sample_is_the_sample_of_its_file(
            events in prop::collection::vec((-50i64..50, 0u64..40), 0..60),
            split in 0usize..60,
            cap in 0usize..6,
        ) {
            let file: Arc<str> = Arc::from("a.evtx");
            let mut whole = Sample::default();
            for &(t, r) in &events {
                whole.add(t, EventRef { file: Arc::clone(&file), record_id: r }, cap);
            }
            let (x, y) = events.split_at(split.min(events.len()));
            let mut a = FileSample::default();
            let mut b = FileSample::default();
            x.iter().for_each(|&(t, r)| a.add(t, r, cap));
            y.iter().for_each(|&(t, r)| b.add(t, r, cap));
            a.merge(b, cap);
            let got = a.to_sample(&file);
            prop_assert!(got.refs.len() <= cap);
            prop_assert_eq!(&got, &whole);
            prop_assert_eq!(a.refs(&file), whole.refs());
            // Merged into a sample of another file, as the correlations and flows do.
            let other: Arc<str> = Arc::from("b.evtx");
            let mut into = Sample::one(0, EventRef { file: Arc::clone(&other), record_id: 7 });
            let mut want = into.clone();
            a.merge_into(&mut into, &file, cap.max(1));
            want.merge(whole.clone(), cap.max(1));
            prop_assert_eq!(into, want);
        }
    }
}
