//! The anonymous sessions (computer + logon id) of 5140/5145 share access: the shares and
//! pipes each one opened, and its events. The classification's rule 4 reads a logon's
//! session: one that opened reconnaissance pipes (samr, lsarpc...) is enumeration.
//!
//! An enumeration tool opens a new null session for every connection, so a flood of them has
//! as many sessions as anonymous logons: kept one map entry each, 393,472 sessions (a 1 GB log)
//! took the scan to 436 MB. So they are kept like a small log-structured store: the sessions
//! of the last [`OPEN_MAX`] keys in memory; then sealed into a run, sorted by key and packed
//! into blocks of [`BLOCK_SESSIONS`] on the anonymous logons' temporary file, with each
//! block's first and last key in memory. A session's events can be in several runs (a
//! long-lived session, or states merged): a lookup takes the union of all of them, so the
//! answer does not depend on when runs were sealed or how the events were split.

use super::spill::{Block, Spill};
use super::finding::{merge_map, FastMap, Refs};
use super::windows::{get_i64, get_str, get_u64, put_i64, put_str, put_u64};
use super::EventRef;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Sessions kept in memory before they are sealed into a run (about 5 MB of them).
const OPEN_MAX: usize = 16_384;

/// Sessions per packed block: a lookup reads one block of a run (about 10 KB).
const BLOCK_SESSIONS: usize = 256;

/// A session: its computer and logon id.
pub(crate) type SessionKey = (Arc<str>, u64);

/// What an anonymous session touched, from 5140/5145: the shares and pipes as sorted lists of
/// shared names (a B-tree set's first node is about 300 bytes, for the one or two names a
/// session opens), and its earliest events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AnonSession {
    pub shares: Vec<Arc<str>>,
    pub pipes: Vec<Arc<str>>,
    pub refs: Refs,
}

/// Add `name` to the sorted, distinct `list`.
fn add_name(list: &mut Vec<Arc<str>>, name: Arc<str>) {
    if let Err(at) = list.binary_search(&name) {
        list.insert(at, name);
    }
}

impl AnonSession {
    fn merge(&mut self, o: AnonSession, cap: usize) {
        o.shares
            .into_iter()
            .for_each(|x| add_name(&mut self.shares, x));
        o.pipes
            .into_iter()
            .for_each(|x| add_name(&mut self.pipes, x));
        self.refs.merge(o.refs, cap);
    }
}

/// The sessions: those in memory, and the sealed runs.
#[derive(Debug, Clone)]
pub(crate) struct Sessions {
    cap: usize,
    open: BTreeMap<SessionKey, AnonSession>,
    runs: Vec<Vec<RunBlock>>,
    /// Where this state writes its runs; made with the first one.
    spill: Option<Arc<Spill>>,
}

/// A packed block of a run ([`pack`]) and the keys it holds, from `first` to `last`.
#[derive(Debug, Clone)]
struct RunBlock {
    first: SessionKey,
    last: SessionKey,
    block: Block,
}

impl Sessions {
    /// Sessions keeping at most `cap` events each.
    pub fn new(cap: usize) -> Self {
        Sessions {
            cap,
            open: BTreeMap::new(),
            runs: Vec::new(),
            spill: None,
        }
    }

    /// A 5140/5145 of session `key` at `t`, naming `share` and `pipe`.
    pub fn add(
        &mut self,
        key: SessionKey,
        share: Option<Arc<str>>,
        pipe: Option<Arc<str>>,
        at: (i64, EventRef),
    ) {
        let s = self.open.entry(key).or_default();
        share.into_iter().for_each(|x| add_name(&mut s.shares, x));
        pipe.into_iter().for_each(|x| add_name(&mut s.pipes, x));
        s.refs.insert(at, self.cap);
        if self.open.len() > OPEN_MAX {
            self.seal();
        }
    }

    pub fn merge(&mut self, o: Sessions) {
        let cap = self.cap;
        self.runs.extend(o.runs);
        merge_map(&mut self.open, o.open, |a, b| a.merge(b, cap));
        if self.open.len() > OPEN_MAX {
            self.seal();
        }
    }

    /// The open sessions packed into a run, on disk if the temporary file can be written.
    fn seal(&mut self) {
        let spill = self.spill.get_or_insert_with(|| Arc::new(Spill::default()));
        let open = std::mem::take(&mut self.open);
        let rows: Vec<_> = open.into_iter().collect();
        let run = rows
            .chunks(BLOCK_SESSIONS)
            .map(|rows| RunBlock {
                first: rows[0].0.clone(),
                last: rows[rows.len() - 1].0.clone(),
                block: Block::store(spill, pack(rows)),
            })
            .collect();
        self.runs.push(run);
    }

    /// For the classification: sessions looked up by key.
    pub fn lookup(&self) -> SessionLookup<'_> {
        SessionLookup {
            sessions: self,
            read: RefCell::new(vec![None; self.runs.len()]),
        }
    }

    /// Every session, each the union of its parts (for comparing states).
    fn all(&self) -> BTreeMap<SessionKey, AnonSession> {
        let mut all = self.open.clone();
        let mut buf = Vec::new();
        for b in self.runs.iter().flatten() {
            rows(b.block.bytes(&mut buf), |k, s| {
                match all.get_mut(&k) {
                    Some(mine) => mine.merge(s, self.cap),
                    None => {
                        all.insert(k, s);
                    }
                }
                true
            });
        }
        all
    }
}

/// Equal when they hold the same sessions, whatever was sealed when.
impl PartialEq for Sessions {
    fn eq(&self, o: &Self) -> bool {
        self.cap == o.cap && self.all() == o.all()
    }
}

/// Sessions looked up one after the other: the last block read of each run is kept, decoded
/// (about 64 KB), since the logons that ask come in the order of their logon ids, mostly.
pub(crate) struct SessionLookup<'a> {
    sessions: &'a Sessions,
    /// Per run, the index and rows of the block last read.
    read: RefCell<Vec<Option<(usize, Vec<(SessionKey, AnonSession)>)>>>,
}

impl SessionLookup<'_> {
    /// The session `key`: the union of its parts in memory and in every run.
    pub fn get(&self, key: &SessionKey) -> Option<AnonSession> {
        let s = self.sessions;
        let mut found = s.open.get(key).cloned();
        let mut read = self.read.borrow_mut();
        let mut buf = Vec::new();
        for (run, last) in s.runs.iter().zip(read.iter_mut()) {
            let i = run.partition_point(|b| b.first <= *key);
            let Some(at) = i.checked_sub(1) else {
                continue;
            };
            if *key > run[at].last {
                continue;
            }
            if last.as_ref().is_none_or(|(i, _)| *i != at) {
                let mut rows_read = Vec::with_capacity(BLOCK_SESSIONS);
                rows(run[at].block.bytes(&mut buf), |k, s| {
                    rows_read.push((k, s));
                    true
                });
                *last = Some((at, rows_read));
            }
            let rows_read = &last.as_ref().expect("read above").1;
            if let Ok(j) = rows_read.binary_search_by(|(k, _)| k.cmp(key)) {
                let part = rows_read[j].1.clone();
                match &mut found {
                    Some(mine) => mine.merge(part, s.cap),
                    None => found = Some(part),
                }
            }
        }
        found
    }
}

/// `rows` (sorted by key) packed: the names they use once, then per row its computer's, its
/// logon id, its shares', its pipes' and its events (time, file's name, record id).
fn pack(rows: &[(SessionKey, AnonSession)]) -> Box<[u8]> {
    let mut names = Names::default();
    let mut body = Vec::new();
    put_u64(&mut body, rows.len() as u64);
    for ((computer, logon_id), s) in rows {
        names.put(computer, &mut body);
        put_u64(&mut body, *logon_id);
        for list in [&s.shares, &s.pipes] {
            put_u64(&mut body, list.len() as u64);
            list.iter().for_each(|n| names.put(n, &mut body));
        }
        put_u64(&mut body, s.refs.len() as u64);
        for (t, r) in s.refs.iter() {
            put_i64(&mut body, *t);
            names.put(&r.file, &mut body);
            put_u64(&mut body, r.record_id);
        }
    }
    let mut out = Vec::with_capacity(body.len() + 64);
    put_u64(&mut out, names.list.len() as u64);
    names.list.iter().for_each(|n| put_str(&mut out, n));
    out.extend_from_slice(&body);
    out.into_boxed_slice()
}

/// A block's names, each written once, by their index in the order first used.
#[derive(Default)]
struct Names<'a> {
    index: FastMap<&'a str, u64>,
    list: Vec<&'a str>,
}

impl<'a> Names<'a> {
    fn put(&mut self, n: &'a str, out: &mut Vec<u8>) {
        let next = self.list.len() as u64;
        let i = *self.index.entry(n).or_insert(next);
        if i == next {
            self.list.push(n);
        }
        put_u64(out, i);
    }
}

/// The rows of the packed block `bytes`, in order, to `f` until it returns `false`.
fn rows(bytes: &[u8], mut f: impl FnMut(SessionKey, AnonSession) -> bool) {
    let mut r = bytes;
    let n = get_u64(&mut r) as usize;
    let names: Vec<Arc<str>> = (0..n).map(|_| Arc::from(get_str(&mut r))).collect();
    let rows = get_u64(&mut r) as usize;
    for _ in 0..rows {
        let (k, s) = row(&mut r, &names);
        if !f(k, s) {
            return;
        }
    }
}

fn row(r: &mut &[u8], names: &[Arc<str>]) -> (SessionKey, AnonSession) {
    let name = |r: &mut &[u8]| Arc::clone(&names[get_u64(r) as usize]);
    let computer = name(r);
    let logon_id = get_u64(r);
    let mut s = AnonSession::default();
    for list in [&mut s.shares, &mut s.pipes] {
        let n = get_u64(r) as usize;
        list.extend((0..n).map(|_| name(r)));
    }
    let n = get_u64(r) as usize;
    for _ in 0..n {
        let t = get_i64(r);
        let file = name(r);
        let record_id = get_u64(r);
        // Already distinct, sorted and capped: inserted in order, none goes.
        s.refs.insert((t, EventRef { file, record_id }), usize::MAX);
    }
    ((computer, logon_id), s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: i64, record_id: u64) -> (i64, EventRef) {
        (
            t,
            EventRef {
                file: Arc::from("sec.evtx"),
                record_id,
            },
        )
    }

    /// Sessions as the flood writes them: each a 5140 and two 5145s; `keys` in this order.
    fn fill(s: &mut Sessions, keys: impl Iterator<Item = u64>) {
        let ipc: Arc<str> = Arc::from("IPC$");
        for lid in keys {
            let key: SessionKey = (Arc::from(if lid % 3 == 0 { "DC01" } else { "DC02" }), lid);
            let t = lid as i64;
            s.add(key.clone(), Some(ipc.clone()), None, at(t, lid * 3));
            s.add(
                key.clone(),
                Some(ipc.clone()),
                Some("samr".into()),
                at(t, lid * 3 + 1),
            );
            s.add(
                key,
                Some(ipc.clone()),
                Some("lsarpc".into()),
                at(t + 1, lid * 3 + 2),
            );
        }
    }

    #[test]
    fn sealed_sessions_read_back_whole_and_merged_across_runs() {
        let n = 3 * OPEN_MAX as u64 + 17;
        let mut s = Sessions::new(20);
        fill(&mut s, 0..n);
        assert_eq!(
            s.runs.len(),
            3,
            "a run sealed past each OPEN_MAX sessions, the rest open"
        );
        assert!(s.open.len() < 100);
        // A session's events on both sides of a seal: the union.
        s.add(
            (Arc::from("DC02"), 1),
            None,
            Some("srvsvc".into()),
            at(5, 1_000_000),
        );
        let look = s.lookup();
        let one = look.get(&(Arc::from("DC02"), 1)).unwrap();
        assert_eq!(
            one.pipes.iter().map(|p| &**p).collect::<Vec<_>>(),
            ["lsarpc", "samr", "srvsvc"]
        );
        assert_eq!(one.refs.len(), 4);
        for lid in [0, 3, 2, OPEN_MAX as u64, n - 1] {
            let host = if lid % 3 == 0 { "DC01" } else { "DC02" };
            let got = look.get(&(Arc::from(host), lid)).unwrap();
            assert_eq!(got.shares.len(), 1);
            assert_eq!(got.pipes.len(), 2, "{lid}");
            assert_eq!(got.refs.iter().next().unwrap().1.record_id, lid * 3);
        }
        // Another host's logon id, and one never seen.
        assert!(look.get(&(Arc::from("DC01"), 1)).is_none());
        assert!(look.get(&(Arc::from("DC01"), n + 3)).is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]
        /// However the sessions are split between states, sealed and merged, every lookup
        /// gives what one state that saw them all gives, and the states compare equal.
        #[test]
        fn lookups_do_not_depend_on_seals_or_splits(
            keys in proptest::collection::vec(0u64..40_000, 1..3),
            split in 0u64..40_000,
        ) {
            let total = 2 * OPEN_MAX as u64 + 100;
            let order = || (0..total).map(|i| (i * 7919) % total);
            let mut whole = Sessions::new(2);
            fill(&mut whole, order());
            let (mut a, mut b) = (Sessions::new(2), Sessions::new(2));
            fill(&mut a, order().filter(|k| *k < split));
            fill(&mut b, order().filter(|k| *k >= split));
            // Sessions whose events are in both states: the union, capped.
            for lid in (0..300).step_by(3) {
                let late = ((Arc::from("DC01"), lid), None, Some(Arc::from("srvsvc")), at(-1, 7));
                whole.add(late.0.clone(), late.1.clone(), late.2.clone(), late.3.clone());
                b.add(late.0, late.1, late.2, late.3);
            }
            a.merge(b);
            let (lw, la) = (whole.lookup(), a.lookup());
            for k in keys.iter().chain(&[0, 3, split, total - 1]) {
                for host in ["DC01", "DC02"] {
                    let key = (Arc::from(host), *k);
                    proptest::prop_assert_eq!(lw.get(&key), la.get(&key));
                }
            }
            proptest::prop_assert!(whole == a);
        }
    }
}
