//! Every anonymous logon's verdict as the outcome keeps it: a row of numbers per logon (record
//! id, time, file, and the index of its host, client and verdict in a table of distinct ones).
//! A flood of anonymous logons repeats a few hosts, clients and verdicts: writer-1g's 313,960
//! verdicts took about 56 MB as [`Classified`] values and take 7.5 MB as 24-byte rows. A
//! [`Classified`] is made again when one is read.
//!
//! Past [`RUN_ROWS`] the rows go to the anonymous logons' temporary file, in blocks, and only
//! what is per distinct host, client and verdict stays in memory: a flood of millions of
//! anonymous logons costs disk, not memory. The reason that names a logon's client is kept
//! as a place in its verdict's reasons, and made again from the logon's [`Who`] when read.
//! A logon's linked events (its session's share access, the 8001 or 18456 nearest to it) are
//! its own: they are packed beside the rows ([`LinkedLists`]), not in the verdict, which a
//! flood of null sessions then shares (each logon's own made 393,472 distinct verdicts,
//! 170 MB).

use super::spill::{Block, Spill};
use super::anonymous::{share_text, Classified, Group, Reasons, TextSet};
use super::finding::{capped_insert, Confidence, Distinct, FastMap};
use super::windows::{get_u64, put_u64};
use super::EventRef;
use serde::Serialize;
use std::sync::Arc;

/// Every anonymous logon's verdict, in event order (file, record id). Serialised as its
/// [`Group`]s, made only then.
#[derive(Debug, Clone, Default)]
pub struct AnonymousLogons {
    names: Vec<Arc<str>>,
    verdicts: Vec<Verdict>,
    whos: Vec<Who>,
    rows: Rows,
    /// Each row's linked events.
    linked: LinkedLists,
    /// Each file's rows: a range of `rows`, which are in event order.
    files: FastMap<Arc<str>, (usize, usize)>,
    /// Each name's rank in string order (the rows' order is the files' by name).
    rank: Vec<u32>,
    /// The evidence cap of the groups.
    pub evidence_cap: usize,
}

/// What is not the logon's own: shared by every logon with the same verdict.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Verdict {
    scenario: &'static str,
    confidence: Confidence,
    /// Without the reason that names the client (the logon's [`Who`] has it), which goes
    /// back at `client_at`: a flood's clients then share a few verdicts (anon-1g's 100,000
    /// clients had a verdict each, 35 MB).
    reasons: Reasons,
    client_at: Option<u8>,
    to_decide: Option<Arc<str>>,
    findings: Vec<&'static str>,
}

/// One logon: 32 bytes. What it shares with the logons of its host and client that have the
/// same verdict is a [`Who`].
#[derive(Debug, Clone, Copy)]
struct Row {
    record_id: u64,
    /// `NO_TIME` for none.
    time: i64,
    file: u32,
    who: u32,
    /// Where its linked events are in [`LinkedLists`] (`NO_LINKED`: none).
    linked: u64,
}

/// The host, the client and the verdict of logons, as indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Who {
    computer: u32,
    /// `NONE` for none.
    workstation: u32,
    ip: u32,
    verdict: u32,
}

const NONE: u32 = u32::MAX;
const NO_TIME: i64 = i64::MIN;

/// Rows kept in memory while verdicts come in; past this many, they go to the anonymous
/// logons' temporary file a sorted run at a time (3 MB), and the finish merges the runs
/// there: the rows are the one part of the verdicts that grows with the logons (24 bytes
/// each, 240 MB for ten million).
const RUN_ROWS: usize = 1 << 17;
/// Rows per block of the temporary file (96 KB): a lookup reads one.
const BLOCK_ROWS: usize = 4096;
const ROW_BYTES: usize = 32;

impl Row {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.record_id.to_le_bytes());
        out.extend_from_slice(&self.time.to_le_bytes());
        out.extend_from_slice(&self.file.to_le_bytes());
        out.extend_from_slice(&self.who.to_le_bytes());
        out.extend_from_slice(&self.linked.to_le_bytes());
    }

    fn get(b: &[u8]) -> Row {
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or([0; 4]));
        Row {
            record_id: u64_at(0),
            time: u64_at(8) as i64,
            file: u32_at(16),
            who: u32_at(20),
            linked: u64_at(24),
        }
    }
}

/// A block of rows in the temporary file (or in memory if it could not be written).
#[derive(Debug, Clone)]
struct RowBlock {
    data: Block,
    /// Its first row's number.
    start: usize,
    /// Its first row's (file rank, record id).
    first: (u32, u64),
}

/// The rows in event order: in memory, or in blocks.
#[derive(Debug, Clone, Default)]
struct Rows {
    memory: Vec<Row>,
    blocks: Vec<RowBlock>,
    len: usize,
}

fn write_block(spill: &Arc<Spill>, rows: &[Row]) -> Block {
    let mut bytes = Vec::with_capacity(rows.len() * ROW_BYTES);
    rows.iter().for_each(|r| r.put(&mut bytes));
    Block::store(spill, bytes.into_boxed_slice())
}

fn read_block(b: &Block, buf: &mut Vec<u8>, out: &mut Vec<Row>) {
    out.clear();
    out.extend(b.bytes(buf).chunks_exact(ROW_BYTES).map(Row::get));
}

impl Rows {
    fn len(&self) -> usize {
        self.len
    }

    /// The block that holds row `i`.
    fn block_of(&self, i: usize) -> usize {
        self.blocks
            .partition_point(|b| b.start <= i)
            .saturating_sub(1)
    }

    fn get(&self, i: usize) -> Option<Row> {
        if self.blocks.is_empty() {
            return self.memory.get(i).copied();
        }
        if i >= self.len {
            return None;
        }
        let b = &self.blocks[self.block_of(i)];
        let mut rows = Vec::new();
        read_block(&b.data, &mut Vec::new(), &mut rows);
        rows.get(i - b.start).copied()
    }

    fn iter(&self) -> RowIter<'_> {
        RowIter {
            rows: self,
            next: 0,
            block: Vec::new(),
            block_start: 0,
            buf: Vec::new(),
        }
    }
}

/// No linked events.
const NO_LINKED: u64 = u64::MAX;
/// Bytes of a block of [`LinkedLists`].
const LINKED_BLOCK: usize = 16 * 1024;
/// Blocks of [`LinkedLists`] a [`LinkedReader`] keeps.
const LINKED_SLOTS: usize = 8;

/// The logons' linked events, each logon's list packed (its length, then per event its file's
/// number among the names and its record id) and appended to blocks: in memory until a block
/// is full, then in the anonymous logons' temporary file. A list is found by its block and
/// its place in it (`block << 32 | place`).
#[derive(Debug, Clone, Default)]
struct LinkedLists {
    blocks: Vec<Block>,
    /// The block being filled, after `blocks`.
    open: Vec<u8>,
}

impl LinkedLists {
    /// Append a packed list; where it is.
    fn push(&mut self, spill: &Arc<Spill>, list: &[u8]) -> u64 {
        if !self.open.is_empty() && self.open.len() + list.len() > LINKED_BLOCK {
            let full = std::mem::take(&mut self.open).into_boxed_slice();
            self.blocks.push(Block::store(spill, full));
        }
        let at = (self.blocks.len() as u64) << 32 | self.open.len() as u64;
        self.open.extend_from_slice(list);
        at
    }
}

/// Reads [`LinkedLists`], keeping the last blocks read (rows read in event order find their
/// lists in about the order they were written).
struct LinkedReader<'a> {
    all: &'a AnonymousLogons,
    slots: Vec<Option<(usize, Vec<u8>)>>,
    buf: Vec<u8>,
}

impl LinkedReader<'_> {
    fn get(&mut self, at: u64) -> Vec<EventRef> {
        if at == NO_LINKED {
            return Vec::new();
        }
        let lists = &self.all.linked;
        let (block, place) = ((at >> 32) as usize, (at & 0xffff_ffff) as usize);
        let bytes: &[u8] = if block == lists.blocks.len() {
            &lists.open
        } else {
            let slot = &mut self.slots[block % LINKED_SLOTS];
            if slot.as_ref().is_none_or(|(b, _)| *b != block) {
                let bytes = lists.blocks[block].bytes(&mut self.buf).to_vec();
                *slot = Some((block, bytes));
            }
            &slot.as_ref().expect("read above").1
        };
        let mut r = &bytes[place..];
        let n = get_u64(&mut r) as usize;
        (0..n)
            .map(|_| {
                let file = Arc::clone(&self.all.names[get_u64(&mut r) as usize]);
                EventRef {
                    file,
                    record_id: get_u64(&mut r),
                }
            })
            .collect()
    }
}

/// [`Rows`] in order, a block read at a time.
struct RowIter<'a> {
    rows: &'a Rows,
    next: usize,
    block: Vec<Row>,
    block_start: usize,
    buf: Vec<u8>,
}

impl Iterator for RowIter<'_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        let i = self.next;
        if self.rows.blocks.is_empty() {
            self.next += 1;
            return self.rows.memory.get(i).copied();
        }
        if i >= self.rows.len {
            return None;
        }
        if i < self.block_start || i >= self.block_start + self.block.len() {
            let b = &self.rows.blocks[self.rows.block_of(i)];
            read_block(&b.data, &mut self.buf, &mut self.block);
            self.block_start = b.start;
        }
        self.next += 1;
        self.block.get(i - self.block_start).copied()
    }
}

/// A block of a sorted run, with what the finish needs to know of it without reading it
/// back: its first and last rows and how many there are.
#[derive(Debug)]
struct RunBlock {
    data: Block,
    first: Row,
    last: Row,
    len: usize,
}

/// A sorted run of rows read back a block at a time, for the merge.
struct Run<'a> {
    blocks: std::slice::Iter<'a, RunBlock>,
    rows: std::vec::IntoIter<Row>,
    buf: Vec<u8>,
}

impl Iterator for Run<'_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        loop {
            if let Some(r) = self.rows.next() {
                return Some(r);
            }
            let b = self.blocks.next()?;
            let mut rows = Vec::new();
            read_block(&b.data, &mut self.buf, &mut rows);
            self.rows = rows.into_iter();
        }
    }
}

/// What logons share ([`AnonymousLogons::who`]): their host, client and verdict.
pub(crate) struct Shared<'a> {
    pub computer: &'a Arc<str>,
    pub workstation: Option<&'a Arc<str>>,
    pub ip: Option<&'a Arc<str>>,
    pub scenario: &'static str,
    pub confidence: Confidence,
    /// Without the reason naming the client.
    pub reasons: &'a Reasons,
    pub to_decide: Option<&'a Arc<str>>,
}

/// Collects verdicts in any order; [`Builder::finish`] puts them in event order.
#[derive(Debug, Default)]
pub struct Builder {
    out: AnonymousLogons,
    names: Distinct,
    verdicts: Distinct,
    whos: Distinct,
    /// The texts of the verdicts, each kept once.
    texts: TextSet,
    /// Rows not yet in a run.
    rows: Vec<Row>,
    /// Sorted runs of rows written to `spill`, a block at a time.
    runs: Vec<Vec<RunBlock>>,
    spill: Option<Arc<Spill>>,
    run_rows: usize,
    block_rows: usize,
    /// Names interned lately, by their address ([`Builder::name`]).
    recent: Vec<Option<(Arc<str>, u32)>>,
    /// Where a logon's linked events are packed.
    list: Vec<u8>,
    /// The verdicts of [`Self::push`], numbered as other threads' [`Preparer`]s number theirs.
    own: Preparer,
    /// Per preparer ([`Prepared::source`]), the number here of each verdict it numbered.
    maps: Vec<Vec<u32>>,
}

/// A logon's verdict made ready on the thread that classified it ([`Preparer::prepare`]),
/// for [`Builder::push_prepared`]: what the logon shares with others (its verdict) comes as
/// a number, the verdict itself only with the first logon of it. The verdict's reasons are
/// then hashed and compared on the classifying threads, not on the one thread that builds:
/// on a flood of anonymous logons that was a third of the classification (BENCHMARKS.md).
#[derive(Debug)]
pub struct Prepared {
    event: EventRef,
    time: Option<i64>,
    computer: Arc<str>,
    workstation: Option<Arc<str>>,
    ip: Option<Arc<str>>,
    linked: Vec<EventRef>,
    source: u32,
    /// The verdict's number in its preparer, and the verdict if this is its first logon.
    verdict: (u32, Option<Verdict>),
}

/// Numbers the verdicts of one classifying thread ([`Prepared`]).
#[derive(Debug, Default)]
pub struct Preparer {
    source: u32,
    verdicts: Vec<Verdict>,
    index: Distinct,
}

impl Preparer {
    /// A preparer whose verdicts a [`Builder`] tells apart from other preparers' by
    /// `source` (0 is the builder's own).
    pub fn new(source: u32) -> Self {
        Preparer {
            source,
            ..Preparer::default()
        }
    }

    pub fn prepare(&mut self, c: Classified) -> Prepared {
        let mut reasons = c.reasons;
        let client_at = reasons.take_client(c.workstation.as_deref(), c.ip.as_deref());
        let v = Verdict {
            scenario: c.scenario,
            confidence: c.confidence,
            reasons,
            client_at,
            to_decide: c.to_decide,
            findings: c.findings,
        };
        let known = self.verdicts.len();
        let local = self.index.intern_with(&mut self.verdicts, v, |_| {});
        let new = (local as usize == known).then(|| self.verdicts[known].clone());
        Prepared {
            event: c.event,
            time: c.time,
            computer: c.computer,
            workstation: c.workstation,
            ip: c.ip,
            linked: c.linked,
            source: self.source,
            verdict: (local, new),
        }
    }
}

/// Slots of [`Builder::recent`].
const RECENT: usize = 64;

impl Builder {
    /// For about `logons` verdicts (the rows are sized once: doubling a few hundred thousand
    /// held both copies a moment, and left up to half of them empty).
    pub fn new(evidence_cap: usize, logons: usize) -> Self {
        Self::with_sizes(evidence_cap, logons, RUN_ROWS, BLOCK_ROWS)
    }

    /// [`Self::new`] with the rows kept in memory up to `run_rows` and written in blocks of
    /// `block_rows` past that (tests use small ones).
    fn with_sizes(evidence_cap: usize, logons: usize, run_rows: usize, block_rows: usize) -> Self {
        Builder {
            out: AnonymousLogons {
                evidence_cap,
                ..AnonymousLogons::default()
            },
            rows: Vec::with_capacity(logons.min(run_rows.max(1))),
            run_rows: run_rows.max(1),
            block_rows: block_rows.max(1),
            recent: vec![None; RECENT],
            ..Builder::default()
        }
    }

    /// The rows not yet in a run, sorted by file name and record id (the file's rank is not
    /// known yet: more names may come), written as a run.
    fn write_run(&mut self) {
        let names = &self.out.names;
        self.rows.sort_by(|a, b| {
            names[a.file as usize]
                .cmp(&names[b.file as usize])
                .then(a.record_id.cmp(&b.record_id))
        });
        let spill = self.spill.get_or_insert_with(Default::default);
        let run = self
            .rows
            .chunks(self.block_rows)
            .map(|c| RunBlock {
                data: write_block(spill, c),
                first: c[0],
                last: c[c.len() - 1],
                len: c.len(),
            })
            .collect();
        self.runs.push(run);
        self.rows.clear();
    }

    /// `s`'s number among the names. The logons of a flood share a few `Arc`s (their file,
    /// their host, a client's name): one seen lately is found by its address, without hashing
    /// its text again. The slot holds a clone, so the address cannot be reused meanwhile.
    fn name(&mut self, s: &Arc<str>) -> u32 {
        let slot = (Arc::as_ptr(s) as *const u8 as usize >> 4) % RECENT;
        if let Some(Some((a, i))) = self.recent.get(slot) {
            if Arc::ptr_eq(a, s) {
                return *i;
            }
        }
        let i = self.names.intern(&mut self.out.names, Arc::clone(s));
        if let Some(r) = self.recent.get_mut(slot) {
            *r = Some((Arc::clone(s), i));
        }
        i
    }

    fn opt(&mut self, s: &Option<Arc<str>>) -> u32 {
        s.as_ref().map_or(NONE, |s| self.name(s))
    }

    pub fn push(&mut self, c: Classified) {
        let p = self.own.prepare(c);
        self.push_prepared(p);
    }

    /// A verdict made by a [`Preparer`]: each preparer's must come in the order it made
    /// them (a verdict is given whole only with the first logon it numbers).
    pub fn push_prepared(&mut self, p: Prepared) {
        let Prepared {
            event,
            time,
            computer,
            workstation,
            ip,
            linked: linked_events,
            source,
            verdict: (local, new),
        } = p;
        let source = source as usize;
        if self.maps.len() <= source {
            self.maps.resize_with(source + 1, Vec::new);
        }
        let verdict = match new {
            Some(v) => {
                let texts = &mut self.texts;
                let global = self.verdicts.intern_with(&mut self.out.verdicts, v, |v| {
                    v.reasons.share_texts(texts);
                    if let Some(t) = &mut v.to_decide {
                        share_text(t, texts);
                    }
                });
                debug_assert_eq!(local as usize, self.maps[source].len());
                self.maps[source].push(global);
                global
            }
            None => self.maps[source][local as usize],
        };
        let linked = if linked_events.is_empty() {
            NO_LINKED
        } else {
            let mut list = std::mem::take(&mut self.list);
            list.clear();
            put_u64(&mut list, linked_events.len() as u64);
            for e in &linked_events {
                put_u64(&mut list, u64::from(self.name(&e.file)));
                put_u64(&mut list, e.record_id);
            }
            let spill = self.spill.get_or_insert_with(Default::default);
            let at = self.out.linked.push(spill, &list);
            self.list = list;
            at
        };
        let who = Who {
            computer: self.name(&computer),
            workstation: self.opt(&workstation),
            ip: self.opt(&ip),
            verdict,
        };
        let who = self.whos.intern(&mut self.out.whos, who);
        let row = Row {
            record_id: event.record_id,
            time: time.unwrap_or(NO_TIME),
            file: self.name(&event.file),
            who,
            linked,
        };
        self.rows.push(row);
        if self.rows.len() >= self.run_rows {
            self.write_run();
        }
    }

    /// In event order; equal events keep the order they were pushed in.
    pub fn finish(mut self) -> AnonymousLogons {
        // A name's rank in string order: rows are sorted by file name, then record id.
        let names = &self.out.names;
        let mut by_name: Vec<u32> = (0..names.len() as u32).collect();
        by_name.sort_unstable_by(|&a, &b| names[a as usize].cmp(&names[b as usize]));
        let mut rank = vec![0u32; by_name.len()];
        for (r, &i) in by_name.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        let key = |r: &Row| (rank[r.file as usize], r.record_id);
        if self.runs.is_empty() {
            // Mostly in order already (a file's logons come in record order): a stable
            // sort's buffer only when they are not.
            let mut rows = std::mem::take(&mut self.rows);
            if !rows.is_sorted_by_key(key) {
                rows.sort_by_key(key);
            }
            rows.shrink_to_fit();
            self.out.rows = Rows {
                len: rows.len(),
                memory: rows,
                blocks: Vec::new(),
            };
        } else {
            if !self.rows.is_empty() {
                self.write_run();
            }
            self.out.rows = self.merge(&key);
        }
        let mut out = self.out;
        out.rank = rank;
        let mut start = 0;
        let mut files = FastMap::default();
        let len = out.rows.len();
        let mut last: Option<Row> = None;
        for (i, r) in out.rows.iter().enumerate() {
            if let Some(l) = last.filter(|l| l.file != r.file) {
                files.insert(Arc::clone(&out.names[l.file as usize]), (start, i));
                start = i;
            }
            last = Some(r);
        }
        if let Some(l) = last {
            files.insert(Arc::clone(&out.names[l.file as usize]), (start, len));
        }
        out.files = files;
        out
    }

    /// The runs as one sequence of blocks in event order: the runs' own blocks when each run
    /// starts at or after the end of the one before (a log read in order), else merged into
    /// new blocks (equal rows in run order, as a stable sort keeps them).
    fn merge(&self, key: &impl Fn(&Row) -> (u32, u64)) -> Rows {
        let mut out = Rows::default();
        let push_block = |data: Block, first: &Row, len: usize, out: &mut Rows| {
            out.blocks.push(RowBlock {
                data,
                start: out.len,
                first: key(first),
            });
            out.len += len;
        };
        let bounds = |r: &Vec<RunBlock>| Some((r.first()?.first, r.last()?.last));
        let in_order = self
            .runs
            .iter()
            .filter_map(bounds)
            .collect::<Vec<_>>()
            .windows(2)
            .all(|w| key(&w[0].1) <= key(&w[1].0));
        if in_order {
            for b in self.runs.iter().flatten() {
                push_block(b.data.clone(), &b.first, b.len, &mut out);
            }
            return out;
        }
        let spill = self.spill.clone().unwrap_or_default();
        let mut runs: Vec<Run> = self
            .runs
            .iter()
            .map(|r| Run {
                blocks: r.iter(),
                rows: Vec::new().into_iter(),
                buf: Vec::new(),
            })
            .collect();
        // Each run's next row, and a heap of (its key, the run): equal keys come out in run
        // order, as a stable sort keeps them.
        let mut next: Vec<Option<Row>> = runs.iter_mut().map(Iterator::next).collect();
        let mut heads: std::collections::BinaryHeap<_> = next
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some(std::cmp::Reverse((key(r.as_ref()?), i))))
            .collect();
        let mut block: Vec<Row> = Vec::with_capacity(self.block_rows);
        while let Some(std::cmp::Reverse((_, i))) = heads.pop() {
            let Some(row) = next[i].take() else { continue };
            block.push(row);
            if block.len() == self.block_rows {
                push_block(
                    write_block(&spill, &block),
                    &block[0],
                    block.len(),
                    &mut out,
                );
                block.clear();
            }
            next[i] = runs[i].next();
            if let Some(r) = &next[i] {
                heads.push(std::cmp::Reverse((key(r), i)));
            }
        }
        if let Some(first) = block.first() {
            push_block(write_block(&spill, &block), first, block.len(), &mut out);
        }
        out
    }
}

/// The verdicts of one file's anonymous logons, by record id ([`AnonymousLogons::of_file`]).
/// Where the rows are in blocks, the last block read is kept: the final pass over the events
/// looks a file's logons up in about the order they are stored.
#[derive(Debug)]
pub struct FileVerdicts<'a> {
    all: &'a AnonymousLogons,
    file_rank: u32,
    start: usize,
    end: usize,
    block: std::cell::RefCell<(usize, Vec<Row>)>,
}

impl FileVerdicts<'_> {
    fn row(&self, record_id: u64) -> Option<Row> {
        let rows = &self.all.rows;
        if rows.blocks.is_empty() {
            let mine = &rows.memory[self.start..self.end];
            let at = mine
                .binary_search_by_key(&record_id, |r| r.record_id)
                .ok()?;
            return Some(mine[at]);
        }
        let want = (self.file_rank, record_id);
        let b = rows
            .blocks
            .partition_point(|b| b.first <= want)
            .checked_sub(1)?;
        let mut cache = self.block.borrow_mut();
        if cache.0 != b || cache.1.is_empty() {
            read_block(&rows.blocks[b].data, &mut Vec::new(), &mut cache.1);
            cache.0 = b;
        }
        let rank = &self.all.rank;
        let at = cache
            .1
            .binary_search_by_key(&want, |r| (rank[r.file as usize], r.record_id))
            .ok()?;
        Some(cache.1[at])
    }

    /// The verdict of the logon with this record id, as a number for
    /// [`AnonymousLogons::verdict_annotation`].
    pub fn get(&self, record_id: u64) -> Option<u32> {
        Some(self.all.whos[self.row(record_id)?.who as usize].verdict)
    }
}

impl AnonymousLogons {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The verdicts of the anonymous logons of `file`: the final pass over the events reads
    /// each one's scenario there (an annotation per logon beside the rows took about 20
    /// bytes a logon more).
    pub fn of_file(&self, file: &str) -> Option<FileVerdicts<'_>> {
        let &(start, end) = self.files.get(file)?;
        let first = self.rows.get(start)?;
        Some(FileVerdicts {
            all: self,
            file_rank: self.rank[first.file as usize],
            start,
            end,
            block: Default::default(),
        })
    }

    /// A verdict's scenario and the findings besides `anonymous-logon` its logons are
    /// evidence for.
    pub fn verdict_annotation(&self, verdict: u32) -> (&'static str, &[&'static str]) {
        let v = &self.verdicts[verdict as usize];
        (v.scenario, &v.findings)
    }

    pub fn is_empty(&self) -> bool {
        self.rows.len() == 0
    }

    /// How many distinct verdicts there are (numbers below it are [`FileVerdicts::get`]'s).
    pub fn verdict_count(&self) -> usize {
        self.verdicts.len()
    }

    /// A verdict's reasons with its logon's client named where it was.
    fn reasons(&self, v: &Verdict, w: Who) -> Reasons {
        let name = |i: u32| (i != NONE).then(|| &*self.names[i as usize]);
        v.reasons
            .with_client(v.client_at, name(w.workstation), name(w.ip))
    }

    fn opt(&self, i: u32) -> Option<Arc<str>> {
        (i != NONE).then(|| Arc::clone(&self.names[i as usize]))
    }

    fn linked_reader(&self) -> LinkedReader<'_> {
        LinkedReader {
            all: self,
            slots: vec![None; LINKED_SLOTS],
            buf: Vec::new(),
        }
    }

    fn make(&self, r: &Row, linked: &mut LinkedReader) -> Classified {
        let w = self.whos[r.who as usize];
        let v = &self.verdicts[w.verdict as usize];
        Classified {
            event: self.event(r),
            computer: Arc::clone(&self.names[w.computer as usize]),
            time: (r.time != NO_TIME).then_some(r.time),
            workstation: self.opt(w.workstation),
            ip: self.opt(w.ip),
            scenario: v.scenario,
            confidence: v.confidence,
            reasons: self.reasons(v, w),
            to_decide: v.to_decide.clone(),
            linked: linked.get(r.linked),
            findings: v.findings.clone(),
        }
    }

    /// The `i`th logon in event order.
    pub fn get(&self, i: usize) -> Option<Classified> {
        let mut linked = self.linked_reader();
        self.rows.get(i).map(|r| self.make(&r, &mut linked))
    }

    /// Every logon's verdict, in event order.
    pub fn iter(&self) -> impl Iterator<Item = Classified> + '_ {
        let mut linked = self.linked_reader();
        self.rows.iter().map(move |r| self.make(&r, &mut linked))
    }

    /// Each logon in event order: its event, its time and the number of its host, client
    /// and verdict ([`Self::who`]). For the findings, which count the logons of each verdict:
    /// making every logon's [`Classified`] and comparing its reasons' texts took anon-1g's
    /// finish half a second.
    pub(crate) fn logons(&self) -> impl Iterator<Item = (EventRef, Option<i64>, usize)> + '_ {
        self.rows.iter().map(|r| {
            (
                self.event(&r),
                (r.time != NO_TIME).then_some(r.time),
                r.who as usize,
            )
        })
    }

    /// How many distinct hosts, clients and verdicts [`Self::logons`] numbers.
    pub(crate) fn who_count(&self) -> usize {
        self.whos.len()
    }

    /// What the logons numbered `w` by [`Self::logons`] share; their reasons without the one
    /// naming the client (the findings leave it out).
    pub(crate) fn who(&self, w: usize) -> Shared<'_> {
        let who = self.whos[w];
        let v = &self.verdicts[who.verdict as usize];
        let name = |i: u32| (i != NONE).then(|| &self.names[i as usize]);
        Shared {
            computer: &self.names[who.computer as usize],
            workstation: name(who.workstation),
            ip: name(who.ip),
            scenario: v.scenario,
            confidence: v.confidence,
            reasons: &v.reasons,
            to_decide: v.to_decide.as_ref(),
        }
    }

    /// The verdict of event `e`.
    pub fn find(&self, e: &EventRef) -> Option<Classified> {
        let row = self.of_file(&e.file)?.row(e.record_id)?;
        Some(self.make(&row, &mut self.linked_reader()))
    }

    /// The logons grouped by host, client and verdict (scenario, confidence, reasons, to
    /// decide); groups in the order of their first logon.
    pub fn groups(&self) -> Vec<Group> {
        self.groups_iter().collect()
    }

    /// The groups in order, made a batch at a time: each batch's evidence is found by a
    /// pass over the rows, so that only a batch's is held (anon-1g's 100,000 groups held
    /// 1.26 million references at once, 30 MB).
    fn groups_iter(&self) -> GroupsIter<'_> {
        self.groups_in_batches(GROUP_BATCH)
    }

    /// [`Self::groups`] one at a time (what this type's `Serialize` writes), holding a
    /// batch's evidence only.
    pub fn each_group(&self) -> impl Iterator<Item = Group> + '_ {
        self.groups_iter()
    }

    fn groups_in_batches(&self, batch_size: usize) -> GroupsIter<'_> {
        let (index, heads) = self.group_heads();
        GroupsIter {
            all: self,
            index,
            heads,
            batch_size: batch_size.max(1),
            next: 0,
            batch_start: 0,
            batch: Vec::new(),
        }
    }

    /// A row's group key: its host, client and class (verdicts that differ only in their
    /// linked events or findings are one group's; a group's client is in its key, so its
    /// verdicts' reasons, whose client's is taken out, and that reason's place make its
    /// reasons).
    fn class_of(&self) -> Vec<u32> {
        type Class<'a> = (
            &'a str,
            Confidence,
            &'a [Arc<str>],
            Option<u8>,
            Option<&'a str>,
        );
        let mut classes: FastMap<Class, u32> = FastMap::default();
        let mut class_of: Vec<u32> = Vec::with_capacity(self.verdicts.len());
        for v in &self.verdicts {
            let n = classes.len() as u32;
            let k = (
                v.scenario,
                v.confidence,
                &v.reasons[..],
                v.client_at,
                v.to_decide.as_deref(),
            );
            class_of.push(*classes.entry(k).or_insert(n));
        }
        class_of
    }

    /// Each group's count, span and linked events, in the order of their first logon; and
    /// each who's group (groups by key: host, client, class).
    fn group_heads(&self) -> (GroupIndex, Vec<GroupHead>) {
        let cap = self.evidence_cap;
        let class_of = self.class_of();
        let mut linked = self.linked_reader();
        let mut groups: FastMap<(u32, u32, u32, u32), u32> = FastMap::default();
        let mut index = GroupIndex {
            of_who: vec![NO_GROUP; self.whos.len()],
        };
        let mut heads: Vec<GroupHead> = Vec::new();
        for r in self.rows.iter() {
            let Some(of_who) = index.of_who.get_mut(r.who as usize) else {
                continue;
            };
            if *of_who == NO_GROUP {
                let w = self.whos[r.who as usize];
                let n = heads.len() as u32;
                let key = (
                    w.computer,
                    w.workstation,
                    w.ip,
                    class_of[w.verdict as usize],
                );
                *of_who = *groups.entry(key).or_insert(n);
                if *of_who == n {
                    heads.push(GroupHead {
                        who: r.who,
                        count: 0,
                        first_seen: None,
                        last_seen: None,
                        linked: Vec::new(),
                    });
                }
            }
            let g = &mut heads[*of_who as usize];
            g.count += 1;
            if r.time != NO_TIME {
                g.first_seen = Some(g.first_seen.map_or(r.time, |f| f.min(r.time)));
                g.last_seen = Some(g.last_seen.map_or(r.time, |l| l.max(r.time)));
            }
            for e in linked.get(r.linked) {
                capped_insert(&mut g.linked, e, cap, Ord::cmp);
            }
        }
        (index, heads)
    }

    /// The evidence of groups `first..first + n`: the earliest logons of each, in time
    /// order (none last), then event order (files by name).
    fn group_evidence(&self, index: &GroupIndex, first: u32, n: usize) -> Vec<Vec<Evidence>> {
        let cap = self.evidence_cap;
        let rank = &self.rank;
        let key = |e: &Evidence| (e.time, rank[e.file as usize], e.record_id);
        let mut out: Vec<Vec<Evidence>> = vec![Vec::new(); n];
        let end = first as usize + n;
        for r in self.rows.iter() {
            let Some(&g) = index.of_who.get(r.who as usize) else {
                continue;
            };
            if g < first || g as usize >= end {
                continue;
            }
            let e = Evidence {
                time: if r.time == NO_TIME { i64::MAX } else { r.time },
                record_id: r.record_id,
                file: r.file,
            };
            capped_insert(&mut out[(g - first) as usize], e, cap, |a, b| {
                key(a).cmp(&key(b))
            });
        }
        out
    }

    fn event(&self, r: &Row) -> EventRef {
        EventRef {
            file: Arc::clone(&self.names[r.file as usize]),
            record_id: r.record_id,
        }
    }

    fn group(&self, g: &GroupHead, evidence: &[Evidence]) -> Group {
        let w = self.whos[g.who as usize];
        let v = &self.verdicts[w.verdict as usize];
        Group {
            computer: Arc::clone(&self.names[w.computer as usize]),
            workstation: self.opt(w.workstation),
            ip: self.opt(w.ip),
            scenario: v.scenario,
            confidence: v.confidence,
            reasons: self.reasons(v, w),
            to_decide: v.to_decide.clone(),
            count: g.count,
            first_seen: g.first_seen,
            last_seen: g.last_seen,
            evidence: evidence
                .iter()
                .map(|e| EventRef {
                    file: Arc::clone(&self.names[e.file as usize]),
                    record_id: e.record_id,
                })
                .collect(),
            linked: g.linked.clone(),
        }
    }
}

/// What a batch of groups is made from: the group of each [`Who`] (its host, client and
/// verdict's class make its group's key), found once for all the passes over the rows
/// instead of hashed for every row in each (on anon-1g, 13 passes of 1.26 M rows).
struct GroupIndex {
    of_who: Vec<u32>,
}

/// [`GroupIndex::of_who`] of a who no row names.
const NO_GROUP: u32 = u32::MAX;

/// One group of [`AnonymousLogons::group_heads`]: its first logon's names and verdict (a
/// [`Who`]), its count and span, its earliest linked events.
struct GroupHead {
    who: u32,
    count: u64,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
    linked: Vec<EventRef>,
}

/// Groups in a batch.
const GROUP_BATCH: usize = 8192;

/// [`AnonymousLogons::groups_iter`].
struct GroupsIter<'a> {
    all: &'a AnonymousLogons,
    index: GroupIndex,
    heads: Vec<GroupHead>,
    batch_size: usize,
    next: usize,
    batch_start: usize,
    batch: Vec<Vec<Evidence>>,
}

impl Iterator for GroupsIter<'_> {
    type Item = Group;

    fn next(&mut self) -> Option<Group> {
        let i = self.next;
        let head = self.heads.get(i)?;
        if i >= self.batch_start + self.batch.len() {
            let n = self.batch_size.min(self.heads.len() - i);
            // The batch before is freed first: one batch's evidence is held at a time.
            self.batch = Vec::new();
            self.batch = self.all.group_evidence(&self.index, i as u32, n);
            self.batch_start = i;
        }
        self.next += 1;
        Some(self.all.group(head, &self.batch[i - self.batch_start]))
    }
}

/// A logon of a group's evidence: its time (`i64::MAX` for none, so that those come last),
/// record id and file. Not a row number: the rows may be in the temporary file, where
/// reading one costs a block.
#[derive(Debug, Clone, Copy)]
struct Evidence {
    time: i64,
    record_id: u64,
    file: u32,
}

impl FromIterator<Classified> for AnonymousLogons {
    /// In event order whatever the order given; the groups' evidence cap is the default.
    fn from_iter<I: IntoIterator<Item = Classified>>(it: I) -> Self {
        let it = it.into_iter();
        let mut b = Builder::new(super::Config::default().evidence_cap, it.size_hint().0);
        it.for_each(|c| b.push(c));
        b.finish()
    }
}

/// Equal when they hold the same verdicts in the same order.
impl PartialEq for AnonymousLogons {
    fn eq(&self, o: &Self) -> bool {
        self.evidence_cap == o.evidence_cap && self.len() == o.len() && self.iter().eq(o.iter())
    }
}

impl Serialize for AnonymousLogons {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.groups_iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name is numbered by its text, whether it comes as the `Arc` seen last, as another
    /// `Arc` of the same text, or after others have taken its slot of the recent names.
    #[test]
    fn names_are_numbered_by_text_not_by_address() {
        let mut b = Builder::new(3, 0);
        let srv = Arc::<str>::from("SRV");
        let first = b.name(&srv);
        assert_eq!(b.name(&srv), first);
        assert_eq!(b.name(&Arc::from("SRV")), first);
        let others: Vec<Arc<str>> = (0..4 * RECENT)
            .map(|i| Arc::from(format!("C{i}")))
            .collect();
        let numbers: Vec<u32> = others.iter().map(|o| b.name(o)).collect();
        assert_eq!(b.name(&srv), first);
        assert_eq!(b.name(&Arc::from("SRV")), first);
        for (o, n) in others.iter().zip(&numbers) {
            assert_eq!(b.name(&Arc::from(&**o)), *n);
            assert_eq!(b.name(o), *n);
        }
        let distinct: std::collections::BTreeSet<u32> = numbers.iter().copied().collect();
        assert_eq!(distinct.len(), others.len());
        assert!(!distinct.contains(&first));
    }

    fn verdict(file: &str, record_id: u64, time: Option<i64>, ws: Option<&str>) -> Classified {
        let mut reasons = Reasons::default();
        reasons.push("client WorkstationName X");
        Classified {
            event: EventRef {
                file: Arc::from(file),
                record_id,
            },
            computer: Arc::from("SRV"),
            time,
            workstation: ws.map(Arc::from),
            ip: None,
            scenario: "unknown",
            confidence: Confidence::Low,
            reasons,
            to_decide: Some(Arc::from("the client's 8001")),
            linked: vec![],
            findings: vec![],
        }
    }

    proptest::proptest! {
        // Every verdict reads back as it was pushed, in event order (a stable sort).
        #[test]
        // A reason that names the logon's client, anywhere in the list, comes back where it
        // was (the verdicts keep its place only); another client's stays as it is.
        fn verdicts_read_back_in_event_order(
            items in proptest::collection::vec(
                (0u8..3, 0u64..50, proptest::option::of(-5i64..5), proptest::option::of(0u8..3),
                 0u8..4, proptest::collection::vec(0u64..5, 0..3),
                 (proptest::option::of(0u8..3), 0u8..3, 0usize..3)),
                0..100,
            ),
        ) {
            let all: Vec<Classified> = items
                .iter()
                .map(|(f, rec, t, ws, s, linked, (ip, client, at))| {
                    let mut c = verdict(
                        ["b.evtx", "a.evtx", "Z.evtx"][*f as usize],
                        *rec,
                        *t,
                        ws.map(|w| ["PC1", "", "PC2, IpAddress 10.0.0.1"][w as usize]),
                    );
                    c.ip = ip.map(|i| Arc::from(["10.0.0.1", "", "-"][i as usize]));
                    let mut reasons = Reasons::default();
                    reasons.extend(["LogonType 3 (Network)", "KeyLength 0"]);
                    let named = match client {
                        0 => None,
                        1 => Some(super::super::anonymous::client_reason(
                            c.workstation.as_deref(),
                            c.ip.as_deref(),
                        )),
                        _ => Some(super::super::anonymous::client_reason(Some("OTHER"), None)),
                    };
                    let mut list: Vec<Arc<str>> = reasons.iter().cloned().collect();
                    if let Some(n) = named {
                        list.insert(*at, Arc::from(n));
                    }
                    let mut reasons = Reasons::default();
                    reasons.extend(list);
                    c.reasons = reasons;
                    c.scenario = ["unknown", "enumeration", "default_session", "zerologon"][*s as usize];
                    c.linked = linked
                        .iter()
                        .map(|&r| EventRef { file: Arc::from("c.evtx"), record_id: r })
                        .collect();
                    if *s == 3 {
                        c.findings.push("zerologon");
                    }
                    c
                })
                .collect();
            let store: AnonymousLogons = all.iter().cloned().collect();
            let mut want = all.clone();
            want.sort_by(|a, b| a.event.cmp(&b.event));
            let got: Vec<Classified> = store.iter().collect();
            proptest::prop_assert_eq!(&got, &want);
            proptest::prop_assert_eq!(store.len(), want.len());
            for (i, c) in want.iter().enumerate() {
                proptest::prop_assert_eq!(store.get(i), Some(c.clone()));
            }
            // Prepared on three threads' preparers (taking turns, a few logons each), the
            // verdicts are the same, and so are the groups.
            let mut b = Builder::new(20, 0);
            let mut preparers: Vec<Preparer> = (1..=3).map(Preparer::new).collect();
            for (i, c) in all.iter().cloned().enumerate() {
                b.push_prepared(preparers[(i / 3) % 3].prepare(c));
            }
            let prepared = b.finish();
            proptest::prop_assert_eq!(prepared.iter().collect::<Vec<_>>(), got.clone());
            proptest::prop_assert_eq!(prepared.groups(), store.groups());
            proptest::prop_assert_eq!(prepared.verdict_count(), store.verdict_count());
            // Built with the rows in runs of a few and blocks of fewer (in the temporary file,
            // merged), every way of reading them gives what the rows in memory give.
            for (run_rows, block_rows) in [(1, 1), (3, 2), (7, 3), (64, 5)] {
                let mut b = Builder::with_sizes(20, 0, run_rows, block_rows);
                all.iter().cloned().for_each(|c| b.push(c));
                let spilled = b.finish();
                proptest::prop_assert_eq!(spilled.len(), store.len());
                proptest::prop_assert_eq!(spilled.iter().collect::<Vec<_>>(), got.clone());
                proptest::prop_assert_eq!(spilled.groups(), store.groups());
                // Groups made a batch of a few at a time are those made at once.
                let batched: Vec<Group> = spilled.groups_in_batches(block_rows).collect();
                proptest::prop_assert_eq!(batched, store.groups());
                for (i, c) in want.iter().enumerate() {
                    proptest::prop_assert_eq!(spilled.get(i), Some(c.clone()));
                }
                for c in &all {
                    // Any copy of a repeated record, as in memory.
                    let found = spilled.find(&c.event).map(|f| f.event);
                    proptest::prop_assert_eq!(found, Some(c.event.clone()));
                    let v = spilled.of_file(&c.event.file).and_then(|v| v.get(c.event.record_id));
                    proptest::prop_assert!(v.is_some());
                }
                let absent = EventRef {
                    file: Arc::from("a.evtx"),
                    record_id: 999,
                };
                proptest::prop_assert!(spilled.find(&absent).is_none());
                proptest::prop_assert!(spilled.of_file("none.evtx").is_none());
            }
            // A group's reasons are its logons'.
            for g in store.groups() {
                proptest::prop_assert!(all.iter().any(|c| c.workstation == g.workstation
                    && c.ip == g.ip
                    && c.scenario == g.scenario
                    && c.reasons == g.reasons));
            }
        }
    }

    /// A flood of null sessions: each logon links its own session's events. They read back
    /// as each logon's, from blocks of the linked lists in the temporary file, while the
    /// logons share one verdict; a group links the earliest of all its logons' events.
    #[test]
    fn each_logon_keeps_its_own_linked_events_and_they_share_a_verdict() {
        let n = 20_000u64;
        let all: Vec<Classified> = (0..n)
            .map(|i| {
                let mut c = verdict("sec.evtx", 10 * i, Some(i as i64), Some("KALI"));
                c.scenario = "enumeration";
                c.linked = (1..=3)
                    .map(|j| EventRef {
                        file: Arc::from(if j == 3 { "other.evtx" } else { "sec.evtx" }),
                        record_id: 10 * i + j,
                    })
                    .collect();
                c
            })
            .collect();
        // Pushed out of order: the rows are sorted, each keeps its own list.
        let store: AnonymousLogons = all.iter().rev().cloned().collect();
        assert!(
            store.linked.blocks.len() > 10,
            "{}",
            store.linked.blocks.len()
        );
        assert_eq!(store.verdict_count(), 1);
        assert_eq!(store.iter().collect::<Vec<_>>(), all);
        let mid = &all[12_345];
        assert_eq!(store.find(&mid.event).unwrap().linked, mid.linked);
        assert_eq!(store.get(7).unwrap().linked, all[7].linked);
        let g = store.groups();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].count, n);
        let mut want: Vec<EventRef> = all.iter().flat_map(|c| c.linked.clone()).collect();
        want.sort();
        want.truncate(store.evidence_cap);
        assert_eq!(g[0].linked, want);
    }

    #[test]
    fn a_row_is_four_words() {
        assert_eq!(std::mem::size_of::<Row>(), 32);
    }

    #[test]
    fn groups_join_equal_verdicts_of_one_client_and_keep_first_logon_order() {
        let mut other = verdict("a.evtx", 5, Some(10), Some("PC2"));
        other.linked.push(EventRef {
            file: Arc::from("c.evtx"),
            record_id: 3,
        });
        let store: AnonymousLogons = [
            verdict("a.evtx", 9, Some(30), Some("PC1")),
            verdict("a.evtx", 2, None, Some("PC1")),
            other,
            verdict("a.evtx", 7, Some(20), Some("PC1")),
        ]
        .into_iter()
        .collect();
        let g = store.groups();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].workstation.as_deref(), Some("PC1"));
        assert_eq!(g[0].count, 3);
        assert_eq!((g[0].first_seen, g[0].last_seen), (Some(20), Some(30)));
        // By time, no time last.
        let ids: Vec<u64> = g[0].evidence.iter().map(|e| e.record_id).collect();
        assert_eq!(ids, [7, 9, 2]);
        assert_eq!(g[1].linked.len(), 1);
        assert!(store
            .find(&EventRef {
                file: Arc::from("a.evtx"),
                record_id: 7
            })
            .is_some());
        assert!(store
            .find(&EventRef {
                file: Arc::from("a.evtx"),
                record_id: 8
            })
            .is_none());
    }
}
