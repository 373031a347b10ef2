//! The anonymous logons the analysis keeps one by one (the classification needs each one's time,
//! logon id and client), packed while reading: blocks of logons are encoded with their names
//! and LZ4-compressed, and read back a block at a time when the analysis finishes. A flood of
//! anonymous logons repeats a few hosts, clients and processes, and its record ids and times
//! grow by small steps: writer-1g's 313,960 logons take about 54 MB as structs (more while
//! the vector doubles) and 13 MB packed; unpacked all at once, they and their verdicts were
//! the finish's peak.

use super::finding::FastMap;
use super::spill::{Block, Spill};
use super::state::Names;
use super::windows::{get_i64, get_str, get_u64, put_i64, put_str, put_u64};
use super::EventRef;
use std::sync::Arc;

/// A compact anonymous 4624.
#[derive(Debug, Clone, PartialEq, Eq)]
/// Its names are shared ([`Names`]): a flood of anonymous logons repeats a few hosts,
/// clients and processes.
pub(crate) struct AnonLogon {
    pub computer: Arc<str>,
    pub time: i64,
    pub logon_id: Option<u64>,
    pub logon_type: Option<u32>,
    pub workstation: Option<Arc<str>>,
    pub ip: Option<Arc<str>>,
    pub port: Option<u16>,
    pub lm_package: Option<Arc<str>>,
    pub key_length: Option<u32>,
    pub process_name: Option<Arc<str>>,
}

/// Logons per packed block: large enough for LZ4 to find the repeats, small enough that the
/// open block stays below a megabyte.
const BLOCK: usize = 4096;

/// The anonymous logons, appended as they come and read back in arrival order, a block at a
/// time; of a record id seen twice in a file, the last is kept, as a map would
/// ([`AnonLogons::dedup`]). They are never all unpacked at once: the classification reads
/// them as it goes and keeps its verdicts compact (`super::verdicts`).
#[derive(Debug, Clone, Default)]
pub(crate) struct AnonLogons {
    /// Logons not packed yet, in arrival order.
    open: Vec<(EventRef, AnonLogon)>,
    /// Full blocks, in arrival order (see [`pack`]).
    packed: Vec<Block>,
    /// How many logons each of `packed` holds (blocks sealed early at a merge hold fewer
    /// than [`BLOCK`]).
    counts: Vec<usize>,
    /// Where this state writes its full blocks; made with the first one.
    spill: Option<Arc<Spill>>,
    /// After [`AnonLogons::dedup`]: one bit per logon in arrival order, set when a later copy
    /// of its record replaces it.
    replaced: Option<Vec<u64>>,
    /// After [`AnonLogons::dedup`]: the logons not replaced.
    kept: usize,
    /// Logons inserted, copies included.
    total: usize,
    /// Per file, the first and last record ids in arrival order and whether they came in
    /// increasing order: a file whose did holds no record twice, and [`AnonLogons::dedup`]
    /// needs nothing of its logons (a 24-byte key each, 30 MB for a flood of 1.26 million).
    order: FastMap<Arc<str>, IdOrder>,
}

#[derive(Debug, Clone, Copy)]
struct IdOrder {
    first: u64,
    last: u64,
    increasing: bool,
}

impl AnonLogons {
    pub fn insert(&mut self, r: EventRef, a: AnonLogon) {
        self.replaced = None;
        self.total += 1;
        let id = r.record_id;
        match self.order.get_mut(&r.file) {
            Some(o) => {
                o.increasing &= id > o.last;
                o.last = id;
            }
            None => {
                let o = IdOrder {
                    first: id,
                    last: id,
                    increasing: true,
                };
                self.order.insert(Arc::clone(&r.file), o);
            }
        }
        self.push_open(r, a);
    }

    /// Append a logon its file's order already counts.
    fn push_open(&mut self, r: EventRef, a: AnonLogon) {
        self.open.push((r, a));
        if self.open.len() >= BLOCK {
            self.seal();
        }
    }

    /// Pack the open logons into a block, on disk if the temporary file can be written.
    fn seal(&mut self) {
        let block = pack(&self.open);
        self.counts.push(self.open.len());
        self.open.clear();
        let spill = self.spill.get_or_insert_with(|| Arc::new(Spill::default()));
        self.packed.push(Block::store(spill, block));
    }

    pub fn extend(&mut self, o: AnonLogons) {
        self.replaced = None;
        // Arrival order is kept (it decides which of a repeated record stays): this state's
        // open logons are packed before the other's blocks, which come before its open ones.
        if !self.open.is_empty() {
            self.seal();
        }
        self.packed.extend(o.packed);
        self.counts.extend(o.counts);
        // The other's logons, packed and open, all come after this state's.
        self.total += o.total;
        for (file, theirs) in o.order {
            match self.order.get_mut(&file) {
                Some(mine) => {
                    mine.increasing &= theirs.increasing && mine.last < theirs.first;
                    mine.last = theirs.last;
                }
                None => {
                    self.order.insert(file, theirs);
                }
            }
        }
        for (r, a) in o.open {
            self.push_open(r, a);
        }
    }

    /// Every logon, copies of a record included, in arrival order: a block at a time.
    fn blocks(&self, names: &mut Names, mut f: impl FnMut(&[(EventRef, AnonLogon)])) {
        let mut v = Vec::with_capacity(BLOCK.min(self.packed.len() * BLOCK));
        let mut buf = Vec::new();
        for block in &self.packed {
            v.clear();
            unpack(block.bytes(&mut buf), names, &mut v);
            f(&v);
        }
        f(&self.open);
    }

    /// Find the copies of a record that a later one replaces. Needed before [`Self::for_each`].
    pub fn dedup(&mut self) {
        if self.replaced.is_some() {
            return;
        }
        let mut replaced = vec![0u64; self.total.div_ceil(64)];
        let mut kept = self.total;
        // Only a file whose record ids did not come in increasing order can hold one twice:
        // the logons are read back (and a key kept for each) only for such files.
        let unordered: FastMap<&str, ()> = self
            .order
            .iter()
            .filter(|(_, o)| !o.increasing)
            .map(|(f, _)| (&**f, ()))
            .collect();
        if !unordered.is_empty() {
            // Files as numbers: equal names are one pointer in `names` (the open logons' are
            // the state's, not yet shared with the unpacked ones).
            let mut names = Names::default();
            let mut files = Names::default();
            let mut keys: Vec<(usize, u64, usize)> = Vec::new();
            let mut seq = 0usize;
            self.blocks(&mut names, |v| {
                for (r, _) in v {
                    if unordered.contains_key(&*r.file) {
                        let file = Arc::as_ptr(&files.get(&r.file)) as *const u8 as usize;
                        keys.push((file, r.record_id, seq));
                    }
                    seq += 1;
                }
            });
            keys.sort_unstable();
            for w in keys.windows(2) {
                if (w[0].0, w[0].1) == (w[1].0, w[1].1) {
                    let seq = w[0].2;
                    replaced[seq / 64] |= 1 << (seq % 64);
                    kept -= 1;
                }
            }
        }
        self.kept = kept;
        self.replaced = Some(replaced);
    }

    /// How many logons [`Self::for_each`] gives (after [`Self::dedup`]).
    pub fn kept(&self) -> usize {
        self.kept
    }

    /// Whether the logon `seq`th in arrival order is replaced by a later copy of its record
    /// (after [`Self::dedup`]).
    fn is_replaced(&self, seq: usize) -> bool {
        self.replaced
            .as_deref()
            .is_some_and(|b| b[seq / 64] & (1 << (seq % 64)) != 0)
    }

    /// Each logon, the last copy of each record only, in arrival order (after
    /// [`Self::dedup`]). Names are shared through `names`.
    pub fn for_each(&self, names: &mut Names, mut f: impl FnMut(&EventRef, &AnonLogon)) {
        debug_assert!(
            self.replaced.is_some() || (self.open.is_empty() && self.packed.is_empty()),
            "AnonLogons read before dedup"
        );
        let mut seq = 0usize;
        self.blocks(names, |v| {
            for (r, a) in v {
                if !self.is_replaced(seq) {
                    f(r, a);
                }
                seq += 1;
            }
        });
    }

    /// What [`Self::for_each`] gives, made on `threads` threads (0: one per core): each thread
    /// takes the next block, unpacks it and calls `work` on its logons with a state of its
    /// own (`init` of the thread's number, from 0); `take` gets the results on this thread, in
    /// arrival order (and those of one thread in the order it made them). On a flood of
    /// anonymous logons, classifying them one after the other took anon-1g's finish 3 s on
    /// one core while the other had nothing to do (BENCHMARKS.md).
    pub fn map_each<W, R: Send>(
        &self,
        threads: usize,
        init: impl Fn(usize) -> W + Sync,
        work: impl Fn(&mut W, &EventRef, &AnonLogon) -> R + Sync,
        mut take: impl FnMut(R),
    ) {
        let units = self.packed.len() + 1;
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
        .min(units);
        if threads <= 1 {
            let mut w = init(0);
            self.for_each(&mut Names::default(), |r, a| take(work(&mut w, r, a)));
            return;
        }
        debug_assert!(self.replaced.is_some(), "AnonLogons read before dedup");
        // Where each unit's logons start in arrival order (the replaced bits count them so).
        let starts: Vec<usize> = std::iter::once(0)
            .chain(self.counts.iter().scan(0, |at, n| {
                *at += n;
                Some(*at)
            }))
            .collect();
        // Unit `u`: packed block `u`, or the open logons after the last one.
        let make = |u: usize, names: &mut Names, w: &mut W, buf: &mut Vec<u8>| -> Vec<R> {
            let mut unpacked = Vec::new();
            let logons = match self.packed.get(u) {
                Some(b) => {
                    unpack(b.bytes(buf), names, &mut unpacked);
                    &unpacked[..]
                }
                None => &self.open[..],
            };
            logons
                .iter()
                .enumerate()
                .filter(|(i, _)| !self.is_replaced(starts[u] + i))
                .map(|(_, (r, a))| work(w, r, a))
                .collect()
        };
        let next = std::sync::atomic::AtomicUsize::new(0);
        let window = Window::default();
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::channel::<(usize, Vec<R>)>();
            for t in 0..threads {
                let (tx, next, window, make, init) = (tx.clone(), &next, &window, &make, &init);
                s.spawn(move || {
                    let _stop = StopOnPanic(window);
                    let (mut names, mut w, mut buf) = (Names::default(), init(t), Vec::new());
                    loop {
                        let u = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if u >= units || !window.wait_for_room(u) {
                            return;
                        }
                        if tx.send((u, make(u, &mut names, &mut w, &mut buf))).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(tx);
            // `take` panicking stops the threads too, or the scope would wait on them.
            let _stop = StopOnPanic(&window);
            // Units made out of order wait here for the ones before them.
            let mut ready = std::collections::BTreeMap::new();
            let mut done = 0;
            for (u, results) in rx.iter() {
                ready.insert(u, results);
                while let Some(results) = ready.remove(&done) {
                    results.into_iter().for_each(&mut take);
                    done += 1;
                    window.taken(done);
                }
            }
        });
    }

    /// Every logon in event order, the last copy of each record: for tests and equality.
    pub fn to_sorted_vec(&self) -> Vec<(EventRef, AnonLogon)> {
        let mut a = self.clone();
        a.dedup();
        let mut v = Vec::new();
        a.for_each(&mut Names::default(), |r, l| v.push((r.clone(), l.clone())));
        v.sort_by(|x, y| x.0.cmp(&y.0));
        v
    }
}

/// Blocks [`AnonLogons::map_each`]'s threads may make ahead of the one taken next: the
/// results of a block are a few thousand verdicts, about a megabyte.
const AHEAD: usize = 8;

/// How far [`AnonLogons::map_each`] has taken the results, for its threads to wait on.
#[derive(Default)]
struct Window {
    /// Units taken, and whether the pass stopped (a thread panicked).
    state: std::sync::Mutex<(usize, bool)>,
    moved: std::sync::Condvar,
}

impl Window {
    /// Wait until unit `u` is at most [`AHEAD`] past the ones taken; `false` if the pass
    /// stopped.
    fn wait_for_room(&self, u: usize) -> bool {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while !st.1 && u >= st.0 + AHEAD {
            st = self.moved.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        !st.1
    }

    fn taken(&self, units: usize) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0 = units;
        self.moved.notify_all();
    }

    fn stop(&self) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
        self.moved.notify_all();
    }
}

/// A thread of [`AnonLogons::map_each`] that panics stops the others: the unit it took never
/// comes (or, the taking thread's, no unit is taken any more), and they would wait for room
/// for ever (the panic is then the scope's).
struct StopOnPanic<'a>(&'a Window);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
}

/// Equal when they hold the same logons, whatever the order they came in.
impl PartialEq for AnonLogons {
    fn eq(&self, o: &Self) -> bool {
        self.to_sorted_vec() == o.to_sorted_vec()
    }
}

// Which optional fields a packed logon has.
const HAS_LOGON_ID: u8 = 1;
const HAS_LOGON_TYPE: u8 = 2;
const HAS_WORKSTATION: u8 = 4;
const HAS_IP: u8 = 8;
const HAS_PORT: u8 = 16;
const HAS_LM: u8 = 32;
const HAS_KEY_LENGTH: u8 = 64;
const HAS_PROCESS: u8 = 128;

/// A block: its distinct names (the files too), then each logon: which options it has, then
/// its fields as variable-length integers ([`super::windows`]), names as indices into that
/// list, absent options left out; LZ4-compressed.
fn pack(logons: &[(EventRef, AnonLogon)]) -> Box<[u8]> {
    let mut ids: FastMap<&str, u64> = FastMap::default();
    let mut table: Vec<u8> = Vec::new();
    let mut body: Vec<u8> = Vec::with_capacity(logons.len() * 24);
    fn name<'a>(
        ids: &mut FastMap<&'a str, u64>,
        table: &mut Vec<u8>,
        body: &mut Vec<u8>,
        s: &'a str,
    ) {
        let n = ids.len() as u64;
        let i = *ids.entry(s).or_insert_with(|| {
            put_str(table, s);
            n
        });
        put_u64(body, i);
    }
    for (r, a) in logons {
        let flags = [
            (a.logon_id.is_some(), HAS_LOGON_ID),
            (a.logon_type.is_some(), HAS_LOGON_TYPE),
            (a.workstation.is_some(), HAS_WORKSTATION),
            (a.ip.is_some(), HAS_IP),
            (a.port.is_some(), HAS_PORT),
            (a.lm_package.is_some(), HAS_LM),
            (a.key_length.is_some(), HAS_KEY_LENGTH),
            (a.process_name.is_some(), HAS_PROCESS),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0u8, |f, (_, bit)| f | bit);
        body.push(flags);
        name(&mut ids, &mut table, &mut body, &r.file);
        put_u64(&mut body, r.record_id);
        name(&mut ids, &mut table, &mut body, &a.computer);
        put_i64(&mut body, a.time);
        let numbers = [
            a.logon_id,
            a.logon_type.map(u64::from),
            a.port.map(u64::from),
            a.key_length.map(u64::from),
        ];
        let names = [&a.workstation, &a.ip, &a.lm_package, &a.process_name];
        for x in numbers.into_iter().flatten() {
            put_u64(&mut body, x);
        }
        for s in names.into_iter().flatten() {
            name(&mut ids, &mut table, &mut body, s);
        }
    }
    let mut raw = Vec::with_capacity(16 + table.len() + body.len());
    put_u64(&mut raw, ids.len() as u64);
    put_u64(&mut raw, logons.len() as u64);
    raw.extend_from_slice(&table);
    raw.extend_from_slice(&body);
    lz4_flex::block::compress_prepend_size(&raw).into_boxed_slice()
}

/// Append the logons of a block [`pack`] made to `out`, in their order.
fn unpack(block: &[u8], names: &mut Names, out: &mut Vec<(EventRef, AnonLogon)>) {
    // Blocks are made and read by this process only: a block that does not read back is a
    // bug, not bad input.
    let raw = lz4_flex::block::decompress_size_prepended(block).expect("a block packed here");
    let mut r = &raw[..];
    let (n_names, n_logons) = (get_u64(&mut r) as usize, get_u64(&mut r) as usize);
    let table: Vec<Arc<str>> = (0..n_names).map(|_| names.get(get_str(&mut r))).collect();
    let name = |r: &mut &[u8]| Arc::clone(&table[get_u64(r) as usize]);
    for _ in 0..n_logons {
        let (&flags, rest) = r.split_first().expect("a block read to its end");
        r = rest;
        let has = |bit| flags & bit != 0;
        let event = EventRef {
            file: name(&mut r),
            record_id: get_u64(&mut r),
        };
        let computer = name(&mut r);
        let time = get_i64(&mut r);
        // In the order `pack` wrote them: the numbers, then the names.
        let logon_id = has(HAS_LOGON_ID).then(|| get_u64(&mut r));
        let logon_type = has(HAS_LOGON_TYPE).then(|| get_u64(&mut r) as u32);
        let port = has(HAS_PORT).then(|| get_u64(&mut r) as u16);
        let key_length = has(HAS_KEY_LENGTH).then(|| get_u64(&mut r) as u32);
        let workstation = has(HAS_WORKSTATION).then(|| name(&mut r));
        let ip = has(HAS_IP).then(|| name(&mut r));
        let lm_package = has(HAS_LM).then(|| name(&mut r));
        let process_name = has(HAS_PROCESS).then(|| name(&mut r));
        out.push((
            event,
            AnonLogon {
                computer,
                time,
                logon_id,
                logon_type,
                workstation,
                ip,
                port,
                lm_package,
                key_length,
                process_name,
            },
        ));
    }
    debug_assert!(r.is_empty(), "a block read to its end");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logon(time: i64) -> AnonLogon {
        AnonLogon {
            computer: Arc::from("SRV"),
            time,
            logon_id: None,
            logon_type: Some(3),
            workstation: None,
            ip: None,
            port: None,
            lm_package: None,
            key_length: None,
            process_name: None,
        }
    }

    fn ev(file: &str, record_id: u64) -> EventRef {
        EventRef {
            file: Arc::from(file),
            record_id,
        }
    }

    fn sorted(a: AnonLogons) -> Vec<(EventRef, AnonLogon)> {
        a.to_sorted_vec()
    }

    /// Insert `items` (file, record id) in order, those from `split` on into a second state
    /// merged after the first, `extra` logons of another file first: read back, the logons
    /// are in arrival order with only the last copy of each record, across packed blocks as
    /// within the open one (what a stable sort keeping the last of equal events keeps).
    fn check_last_copies(
        items: &[(u8, u64)],
        extra: usize,
        split: usize,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let split = split.min(items.len());
        let mut a = AnonLogons::default();
        // Logons at record ids above the others' before them: `extra` fill packed blocks.
        for i in 0..extra {
            a.insert(ev("z", 1000 + i as u64), logon(-1));
        }
        let mut b = AnonLogons::default();
        for (i, &(f, r)) in items.iter().enumerate() {
            let to = if i < split { &mut a } else { &mut b };
            to.insert(ev(["a", "b", "c"][f as usize], r), logon(i as i64));
        }
        a.extend(b);
        a.dedup();
        let mut read = Vec::new();
        a.for_each(&mut Names::default(), |r, l| {
            read.push((r.clone(), l.clone()))
        });
        proptest::prop_assert_eq!(a.kept(), read.len());
        // On threads: the same logons in the same order, each thread's in the order it made
        // them.
        for threads in [1, 2, 3] {
            let mut mapped = Vec::new();
            let mut made = vec![0usize; threads];
            a.map_each(
                threads,
                |t| (t, 0usize),
                |(t, n), r, l| {
                    *n += 1;
                    (*t, *n, r.clone(), l.clone())
                },
                |(t, n, r, l)| {
                    assert!(made[t] < n, "thread {t}'s results out of order");
                    made[t] = n;
                    mapped.push((r, l));
                },
            );
            proptest::prop_assert_eq!(&mapped, &read, "{} threads", threads);
        }
        // Arrival order: the times (arrival numbers) grow.
        let times: Vec<i64> = read
            .iter()
            .map(|(_, l)| l.time)
            .filter(|&t| t >= 0)
            .collect();
        proptest::prop_assert!(times.windows(2).all(|w| w[0] < w[1]));
        read.sort_by(|x, y| x.0.cmp(&y.0));
        let mut want: Vec<((u8, u64), i64)> = Vec::new();
        let mut keyed: Vec<((u8, u64), i64)> = items
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as i64))
            .collect();
        keyed.sort_by_key(|x| x.0);
        for x in keyed {
            match want.last_mut() {
                Some(l) if l.0 == x.0 => *l = x,
                _ => want.push(x),
            }
        }
        let got: Vec<((u8, u64), i64)> = read
            .iter()
            .filter(|(r, _)| &*r.file != "z")
            .map(|(r, l)| (((r.file.as_bytes()[0] - b'a'), r.record_id), l.time))
            .collect();
        proptest::prop_assert_eq!(got, want);
        proptest::prop_assert_eq!(read.iter().filter(|(r, _)| &*r.file == "z").count(), extra);
        Ok(())
    }

    proptest::proptest! {
        // Read back, the logons are in arrival order with only the last copy of each record,
        // across packed blocks as within the open one: what a stable sort keeping the last of
        // equal events keeps.
        #[test]
        fn anonymous_logons_keep_the_last_copy_of_a_record_in_arrival_order(
            items in proptest::collection::vec((0u8..3, 0u64..20), 0..200),
            extra in 0usize..(2 * BLOCK),
            split in 0usize..200,
        ) {
            check_last_copies(&items, extra, split)?;
        }

        // The same where each state's record ids grow file by file (a log read in order),
        // the second state's starting anywhere: files whose ids kept growing across the
        // merge are not read back for duplicates, the others are.
        #[test]
        fn anonymous_logons_in_record_order_keep_the_last_copy_across_merged_states(
            steps in proptest::collection::vec((0u8..3, 1u64..4), 0..200),
            restart in proptest::collection::vec(0u64..300, 3),
            extra in 0usize..(2 * BLOCK),
            split in 0usize..200,
        ) {
            let mut next = [0u64; 3];
            let mut items = Vec::new();
            for (i, &(f, step)) in steps.iter().enumerate() {
                if i == split.min(steps.len()) {
                    next = [restart[0], restart[1], restart[2]];
                }
                next[f as usize] += step;
                items.push((f, next[f as usize]));
            }
            check_last_copies(&items, extra, split)?;
        }
        // Every field comes back from a packed block as it went in.
        #[test]
        fn packed_logons_read_back_as_they_were(
            items in proptest::collection::vec(
                (
                    (0u8..3, proptest::num::u64::ANY, proptest::num::i64::ANY),
                    proptest::option::of(proptest::num::u64::ANY),
                    proptest::option::of(proptest::num::u32::ANY),
                    proptest::option::of("[A-Z0-9-]{0,12}"),
                    proptest::option::of("[0-9.:a-f]{0,20}"),
                    proptest::option::of(proptest::num::u16::ANY),
                    proptest::option::of(proptest::sample::select(vec!["NTLM V1", "NTLM V2", "-"])),
                    proptest::option::of(proptest::num::u32::ANY),
                    proptest::option::of("\\PC{0,30}"),
                ),
                0..50,
            ),
        ) {
            let logons: Vec<(EventRef, AnonLogon)> = items
                .into_iter()
                .map(|((f, rec, time), id, ty, ws, ip, port, lm, key, process)| {
                    (
                        ev(["a.evtx", "b.evtx", "ü.evtx"][f as usize], rec),
                        AnonLogon {
                            computer: Arc::from(["DC01", "SRV", ""][f as usize]),
                            time,
                            logon_id: id,
                            logon_type: ty,
                            workstation: ws.map(Arc::from),
                            ip: ip.map(Arc::from),
                            port,
                            lm_package: lm.map(Arc::from),
                            key_length: key,
                            process_name: process.map(Arc::from),
                        },
                    )
                })
                .collect();
            let mut back = Vec::new();
            unpack(&pack(&logons), &mut Names::default(), &mut back);
            proptest::prop_assert_eq!(back, logons);
        }
    }

    #[test]
    fn anonymous_logons_read_in_event_order_keep_the_last_of_a_repeated_record() {
        let mut a = AnonLogons::default();
        a.insert(ev("b.evtx", 2), logon(1));
        a.insert(ev("a.evtx", 9), logon(2));
        a.insert(ev("b.evtx", 2), logon(3));
        let mut b = AnonLogons::default();
        b.insert(ev("a.evtx", 1), logon(4));
        b.insert(ev("b.evtx", 2), logon(5));
        a.extend(b);
        let got: Vec<(String, u64, i64)> = a
            .to_sorted_vec()
            .iter()
            .map(|(r, l)| (r.file.to_string(), r.record_id, l.time))
            .collect();
        assert_eq!(
            got,
            [
                ("a.evtx".into(), 1, 4),
                ("a.evtx".into(), 9, 2),
                ("b.evtx".into(), 2, 5)
            ]
        );
        // Equality does not depend on arrival order.
        let mut c = AnonLogons::default();
        c.insert(ev("b.evtx", 2), logon(5));
        c.insert(ev("a.evtx", 9), logon(2));
        c.insert(ev("a.evtx", 1), logon(4));
        assert_eq!(a, c);
    }

    #[test]
    fn a_thread_that_panics_ends_the_parallel_read_instead_of_hanging_it() {
        let mut a = AnonLogons::default();
        for i in 0..(20 * BLOCK as u64) {
            a.insert(ev("a.evtx", i), logon(i as i64));
        }
        a.dedup();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            a.map_each(
                2,
                |_| (),
                |_, r, _| assert!(r.record_id != 3 * BLOCK as u64 + 7, "a bug"),
                |_| {},
            )
        }));
        assert!(panicked.is_err());
        // Nor when what takes the results panics, the threads waiting for room (the first
        // results taken slowly, so that they are as far ahead as they may be).
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            a.map_each(
                2,
                |_| (),
                |_, r, _| r.record_id,
                |id| {
                    if id == 0 {
                        std::thread::sleep(std::time::Duration::from_millis(200));
                    }
                    assert!(id != BLOCK as u64 + 7, "a bug");
                },
            )
        }));
        assert!(panicked.is_err());
    }

    #[test]
    fn full_blocks_go_to_the_temporary_file_or_stay_in_memory_if_it_fails() {
        let fill = |a: &mut AnonLogons| {
            for i in 0..(2 * BLOCK as u64 + 5) {
                a.insert(ev("a.evtx", i), logon(i as i64));
            }
        };
        let mut on_disk = AnonLogons::default();
        fill(&mut on_disk);
        assert_eq!(on_disk.packed.len(), 2);
        assert!(on_disk
            .packed
            .iter()
            .all(|b| matches!(b, Block::Disk(_, _, _))));
        // A file that cannot be made (or written): the blocks stay in memory.
        let mut in_memory = AnonLogons {
            spill: Some(Arc::new(Spill::failed())),
            ..AnonLogons::default()
        };
        fill(&mut in_memory);
        assert!(in_memory
            .packed
            .iter()
            .all(|b| matches!(b, Block::Memory(_))));
        // Both read back the same, and merge: the other state's blocks stay in its file.
        let want = sorted(on_disk.clone());
        assert_eq!(want.len(), 2 * BLOCK + 5);
        assert_eq!(sorted(in_memory.clone()), want);
        let mut merged = AnonLogons::default();
        merged.extend(on_disk);
        merged.extend(in_memory);
        let all = sorted(merged);
        assert_eq!(all.len(), 2 * BLOCK + 5);
        assert_eq!(all, want);
    }

    #[test]
    fn merged_packed_blocks_keep_arrival_order_for_repeated_records() {
        // The same record in a packed block of one state and the open logons of another: the
        // later arrival (the merged state's) wins, as in one state.
        let mut a = AnonLogons::default();
        for i in 0..BLOCK as u64 {
            a.insert(ev("a.evtx", i), logon(1));
        }
        let mut b = AnonLogons::default();
        for i in 0..(BLOCK as u64 + 10) {
            b.insert(ev("a.evtx", i), logon(2));
        }
        a.extend(b);
        let all = sorted(a);
        assert_eq!(all.len(), BLOCK + 10);
        assert!(all.iter().all(|(_, l)| l.time == 2));
        // A name is one allocation again after unpacking, whatever block it was in.
        let mut c = AnonLogons::default();
        for i in 0..2 * BLOCK as u64 {
            c.insert(ev("a.evtx", i), logon(1));
        }
        let all = sorted(c);
        assert!(Arc::ptr_eq(&all[0].1.computer, &all[BLOCK].1.computer));
        assert!(Arc::ptr_eq(&all[0].0.file, &all[BLOCK].0.file));
    }
}
