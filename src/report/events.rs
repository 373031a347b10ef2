//! `--events FILE.jsonl`: one JSON object per event of interest (DESIGN.md's output contract).
//!
//! `scenario` and `findings` are only known once every input has been analysed, and events
//! are far too many to hold in memory, so events are spilled to a temporary file as they come
//! and annotated on a final streaming pass. Files are read in parallel and their events
//! arrive interleaved; the final pass writes them file by file, in input order, so that two
//! runs over the same inputs write the same file.
//!
//! The spill is LZ4-compressed, a block per EVTX chunk (or per batch of events of other
//! inputs): the lines of one event type differ in a few values, so a chunk's lines shrink 10
//! to 15 times, and compressing them costs far less than the kernel's copy of the raw lines
//! into the page cache and back (on a 4624-heavy 1 GB log, a 450 MB spill took its writer
//! thread 0.8 CPU-seconds; BENCHMARKS.md). The threads that decode the chunks make and
//! compress their lines ([`Lines::pack`]) before handing them over; the spill only writes
//! the blocks.

use crate::analyze::annotations::combine;
use crate::analyze::finding::FastMap;
use crate::analyze::{Annotation, FileVerdicts, Outcome};
use crate::source::fast::{u32_at, u64_at};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};

/// Where one batch is in the spill ([`Lines::pack`]): its offset and its length.
type Block = (u64, u32);

pub struct EventsWriter {
    dest: String,
    /// The destination, being emptied while the scan runs.
    emptied: Option<super::Emptied>,
    spill_path: PathBuf,
    /// `None` once closed.
    spill: Option<BufWriter<File>>,
    /// Where each batch went, in the order they came.
    blocks: Vec<Block>,
    /// The spill's length so far.
    spilled: u64,
    files: Vec<Arc<str>>,
    file_index: HashMap<Arc<str>, usize>,
    /// Per file, its batches (indexes into `blocks`), in arrival order.
    batches: Vec<Vec<u32>>,
    pub written: u64,
}

/// How the line of an event without annotation ends: no `scenario`, no `findings`.
const PLAIN_TAIL: &[u8] = b",\"findings\":[]}\n";

/// A batch of `--events` lines, made on the thread that typed the events (an EVTX chunk's), or
/// where the events of a file are taken in order (other inputs):
/// the inside of each event's JSON object after its `file` key, one after the other, with
/// each one's record id and where it ends kept beside them. The final pass writes each line
/// as the file's head ([`head`]), that inside, and the event's tail (its annotation, or
/// [`PLAIN_TAIL`]), without looking for where lines end or parsing record ids out of them.
#[derive(Debug, Default)]
pub struct Lines {
    text: Vec<u8>,
    ids: Vec<u64>,
    ends: Vec<u32>,
    /// Whether each line's event is an anonymous logon (only those have a verdict).
    anonymous: Vec<u8>,
}

/// The start of the lines of `file`'s events: `{"file":"…",` (`{` without a file).
fn head(file: &str) -> Vec<u8> {
    let mut head = b"{".to_vec();
    super::event_line::append_file(&mut head, file);
    head
}

impl Lines {
    /// Add the line of `e`, whose `file` is not set yet (the final pass writes it).
    pub fn push(&mut self, e: &crate::event::Event) {
        debug_assert!(e.file.is_empty());
        super::event_line::append_inside(&mut self.text, e);
        self.ids.push(e.record_id);
        self.ends.push(self.text.len() as u32);
        self.anonymous.push(u8::from(e.anonymous));
    }

    /// Room for the lines of `events` events, most of which are under 1 KiB: a chunk's lines
    /// grown from nothing were copied as often again.
    pub fn with_capacity(events: usize) -> Lines {
        Lines {
            text: Vec::with_capacity(events * 1024),
            ids: Vec::with_capacity(events),
            ends: Vec::with_capacity(events),
            anonymous: Vec::with_capacity(events),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The batch as the spill holds it, and the batch emptied: the length of the text, the
    /// number of lines and the length of the text's LZ4 block (4 bytes each, little-endian),
    /// the block, then the record ids (8 bytes each), the line ends (4 bytes each) and
    /// whether each event is anonymous (a byte each), uncompressed (compressing them cost
    /// more than their room in the spill).
    pub fn pack(&mut self) -> std::io::Result<Vec<u8>> {
        thread_local! {
            /// Room for a block as large as LZ4 can make it, kept from batch to batch.
            static ROOM: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let too_big = || std::io::Error::other("a batch of events over 4 GiB cannot be spilled");
        let count = u32::try_from(self.ids.len()).map_err(|_| too_big())?;
        let text_len = u32::try_from(self.text.len()).map_err(|_| too_big())?;
        let result = ROOM.with_borrow_mut(|room| {
            // Grown when too small, never cleared: zeroing the room for every batch again
            // wrote as many bytes as the spill's lines.
            let most = lz4_flex::block::get_maximum_output_size(self.text.len());
            if room.len() < most {
                room.resize(most, 0);
            }
            let n =
                lz4_flex::block::compress_into(&self.text, room).map_err(std::io::Error::other)?;
            let mut packed = Vec::with_capacity(12 + n + 13 * self.ids.len());
            packed.extend_from_slice(&text_len.to_le_bytes());
            packed.extend_from_slice(&count.to_le_bytes());
            packed.extend_from_slice(&(n as u32).to_le_bytes());
            packed.extend_from_slice(&room[..n]);
            self.ids
                .iter()
                .for_each(|id| packed.extend_from_slice(&id.to_le_bytes()));
            self.ends
                .iter()
                .for_each(|e| packed.extend_from_slice(&e.to_le_bytes()));
            packed.extend_from_slice(&self.anonymous);
            Ok(packed)
        });
        self.text.clear();
        self.ids.clear();
        self.anonymous.clear();
        self.ends.clear();
        result
    }
}

/// A batch of the spill ([`Lines::pack`]) taken apart: the length of its text, its text's
/// LZ4 block, and each line's record id and end.
struct Packed<'a> {
    text_len: usize,
    block: &'a [u8],
    ids: &'a [u8],
    ends: &'a [u8],
    anonymous: &'a [u8],
}

impl<'a> Packed<'a> {
    /// `None` if `packed` is not a batch as [`Lines::pack`] makes them.
    #[cfg(test)]
    fn of(packed: &'a [u8]) -> Option<Self> {
        match Self::first(packed)? {
            (batch, []) => Some(batch),
            _ => None,
        }
    }

    /// The batch `packed` starts with, and the bytes after it (the spill holds batches one
    /// after the other); `None` if it does not start with a batch as [`Lines::pack`] makes
    /// them.
    fn first(packed: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let u32_at = |at: usize| u32_at(packed, at).map(|n| n as usize);
        let (text_len, count, block_len) = (u32_at(0)?, u32_at(4)?, u32_at(8)?);
        let rest = packed.get(12..)?;
        let (block, rest) = rest.split_at_checked(block_len)?;
        let (ids, rest) = rest.split_at_checked(count.checked_mul(8)?)?;
        let (ends, rest) = rest.split_at_checked(count.checked_mul(4)?)?;
        let (anonymous, rest) = rest.split_at_checked(count)?;
        let batch = Packed {
            text_len,
            block,
            ids,
            ends,
            anonymous,
        };
        Some((batch, rest))
    }

    fn count(&self) -> usize {
        self.ids.len() / 8
    }

    fn id(&self, i: usize) -> Option<u64> {
        u64_at(self.ids, i.checked_mul(8)?)
    }

    fn anonymous(&self, i: usize) -> Option<bool> {
        Some(*self.anonymous.get(i)? != 0)
    }

    fn end(&self, i: usize) -> Option<usize> {
        u32_at(self.ends, i.checked_mul(4)?).map(|n| n as usize)
    }
}

impl EventsWriter {
    /// `dest` is a path or `-` for standard output. The spill file sits beside the destination.
    pub fn create(dest: &str) -> anyhow::Result<Self> {
        let dir = if dest == "-" {
            std::env::temp_dir()
        } else {
            let p = PathBuf::from(dest);
            match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            }
        };
        let spill_path = dir.join(format!(".nullsight-events-{}.tmp", std::process::id()));
        let spill = File::create(&spill_path).map_err(|e| {
            anyhow::anyhow!("cannot create a temporary file in {}: {e} (the --events destination folder must be writable)", dir.display())
        })?;
        // Fail now, not after a long scan, if the destination cannot be written.
        let emptied = super::prepare_output(dest)?;
        Ok(EventsWriter {
            dest: dest.to_string(),
            emptied: Some(emptied),
            spill_path,
            spill: Some(BufWriter::with_capacity(super::OUTPUT_BUFFER, spill)),
            blocks: Vec::new(),
            spilled: 0,
            files: Vec::new(),
            file_index: HashMap::new(),
            batches: Vec::new(),
            written: 0,
        })
    }

    fn index_of(&mut self, file: &Arc<str>) -> usize {
        match self.file_index.get(file) {
            Some(i) => *i,
            None => {
                self.files.push(Arc::clone(file));
                self.batches.push(Vec::new());
                self.file_index
                    .insert(Arc::clone(file), self.files.len() - 1);
                self.files.len() - 1
            }
        }
    }

    /// Close the spill: where each batch is.
    fn spill_written(&mut self) -> anyhow::Result<Vec<Block>> {
        if let Some(spill) = self.spill.take() {
            if let Err(e) = spill.into_inner() {
                return Err(self.cannot_spill(e.into_error()));
            }
        }
        Ok(std::mem::take(&mut self.blocks))
    }

    fn cannot_spill(&self, e: std::io::Error) -> anyhow::Error {
        anyhow::anyhow!(
            "cannot write the temporary file {}: {e} (check there is room on its disk, or choose another --events destination)",
            self.spill_path.display()
        )
    }

    /// Spill a batch of `events` lines, all of `file`: one or more packed by [`Lines::pack`],
    /// one after the other (or the error of one, reported as the spill's).
    pub fn write_lines(
        &mut self,
        file: &Arc<str>,
        packed: std::io::Result<Vec<u8>>,
        events: u64,
    ) -> anyhow::Result<()> {
        let packed = packed.map_err(|e| self.cannot_spill(e))?;
        let idx = self.index_of(file);
        let len = u32::try_from(packed.len())
            .map_err(|_| anyhow::anyhow!("a batch of events over 4 GiB cannot be spilled"))?;
        let Some(spill) = self.spill.as_mut() else {
            anyhow::bail!("internal error: events spilled after the spill was closed");
        };
        if let Err(e) = spill.write_all(&packed) {
            return Err(self.cannot_spill(e));
        }
        self.batches[idx].push(self.blocks.len() as u32);
        self.blocks.push((self.spilled, len));
        self.spilled += u64::from(len);
        self.written += events;
        Ok(())
    }

    /// Write the final file: each event with its `scenario` (when the analysis gave one) and
    /// `findings` (ids, possibly empty); the files in the order of `input_order` (the inputs
    /// as given, as the scan reports them), any other after them in the order they came.
    ///
    /// `threads` (0: one per core) make the lines, each a batch of the spill at a time, and
    /// this thread writes them in order. With one thread making them, the final pass of
    /// security-1g had that thread busy throughout, decompressing and copying, while this one
    /// waited on it between writes.
    pub fn finish<'a>(
        mut self,
        outcome: &Outcome,
        input_order: impl IntoIterator<Item = &'a str>,
        threads: usize,
    ) -> anyhow::Result<()> {
        let blocks = self.spill_written()?;
        if let Some(e) = self.emptied.take() {
            e.wait()?;
        }
        let mut out = super::open_output(&self.dest)?;
        let mut order: Vec<usize> = Vec::with_capacity(self.files.len());
        let mut placed = vec![false; self.files.len()];
        for name in input_order {
            if let Some(&i) = self.file_index.get(name) {
                if !std::mem::replace(&mut placed[i], true) {
                    order.push(i);
                }
            }
        }
        order.extend((0..self.files.len()).filter(|&i| !placed[i]));
        // What is written, in order: each batch of the spill, with the file it is of.
        let units: Vec<(usize, Block)> = order
            .iter()
            .flat_map(|&idx| self.batches[idx].iter().map(move |&b| (idx, b)))
            .map(|(idx, b)| Some((idx, *blocks.get(b as usize)?)))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "internal error: a batch of --events lines is missing from the spill"
                )
            })?;
        let cannot_write = |e: std::io::Error| {
            anyhow::anyhow!(
                "cannot write {}: {e} (check there is room on its disk, or choose another --events destination)",
                self.dest
            )
        };
        let makers = match threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
        .min(units.len())
        .max(1);
        // The tail of each distinct annotation, made once for every line maker: each line of
        // an annotated file then costs one hash lookup, a line of the others nothing.
        let tails: Vec<Vec<u8>> = outcome
            .annotations
            .distinct()
            .iter()
            .map(tail_of)
            .collect::<anyhow::Result<_>>()?;
        let pass = FinalPass::new(&self, outcome, &tails, &units);
        std::thread::scope(|s| {
            let (tx, rx) = mpsc::channel::<(usize, anyhow::Result<Vec<u8>>)>();
            let mut handles = Vec::with_capacity(makers);
            for _ in 0..makers {
                let tx = tx.clone();
                let pass = &pass;
                let spawned = std::thread::Builder::new()
                    .name("events-lines".into())
                    .spawn_scoped(s, move || pass.make(&tx));
                // A thread that cannot start (threads or memory short): the makers that did
                // start make every batch; none at all is the error.
                match spawned {
                    Ok(h) => handles.push(h),
                    Err(e) if handles.is_empty() => return Err(e.into()),
                    Err(_) => break,
                }
            }
            drop(tx);
            // Batches made out of order wait here for the ones before them: at most `WINDOW`.
            let mut ready: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
            let mut result: anyhow::Result<()> = Ok(());
            let mut next = 0;
            for (u, made) in rx.iter() {
                match made {
                    Ok(bytes) => ready.insert(u, bytes),
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                };
                while let Some(bytes) = ready.remove(&next) {
                    // A batch of large events can be MiBs: written 256 KiB at most at a
                    // time, as writes of a MiB took the kernel two to three times the system
                    // time of writes of 32-256 KiB (security-1g's 453 MB, ext4, Linux 6.18).
                    let written = bytes
                        .chunks(2 * super::OUTPUT_BUFFER)
                        .try_for_each(|piece| out.write_all(piece));
                    if let Err(e) = written {
                        result = Err(cannot_write(e));
                        break;
                    }
                    next += 1;
                    pass.written(next, bytes);
                }
                if result.is_err() {
                    break;
                }
            }
            // The makers still running learn that nothing more is written, and stop.
            pass.stop();
            drop(rx);
            for h in handles {
                h.join()
                    .map_err(|_| anyhow::anyhow!("internal error making --events lines"))??;
            }
            result?;
            if next != units.len() {
                anyhow::bail!(
                    "internal error: --events lines made for {next} of {} batches",
                    units.len()
                );
            }
            out.flush().map_err(cannot_write)
        })
    }
}

/// How far ahead of the writes the final pass's line makers may be, in batches: enough to
/// keep every maker busy while the writer waits for the next batch, few enough to keep
/// memory small (a batch's lines are a few hundred KiB).
const WINDOW: usize = 16;

/// The final pass of [`EventsWriter::finish`]: what its line makers share.
struct FinalPass<'a> {
    writer: &'a EventsWriter,
    outcome: &'a Outcome,
    /// The tail of each of `outcome`'s distinct annotations.
    tails: &'a [Vec<u8>],
    /// The batches in the order they are written, each with its file.
    units: &'a [(usize, Block)],
    /// The next batch to make.
    next: AtomicUsize,
    window: Mutex<Window>,
    /// Signalled when a batch is written, or the pass stops.
    moved: Condvar,
}

struct Window {
    /// How many batches are written.
    written: usize,
    /// The writer stopped: no more batches are needed.
    stop: bool,
    /// Buffers written, for the makers to fill again.
    buffers: Vec<Vec<u8>>,
}

impl<'a> FinalPass<'a> {
    fn new(
        writer: &'a EventsWriter,
        outcome: &'a Outcome,
        tails: &'a [Vec<u8>],
        units: &'a [(usize, Block)],
    ) -> Self {
        FinalPass {
            writer,
            outcome,
            tails,
            units,
            next: AtomicUsize::new(0),
            window: Mutex::new(Window {
                written: 0,
                stop: false,
                buffers: Vec::new(),
            }),
            moved: Condvar::new(),
        }
    }

    /// `written` batches are written; `bytes` (the last one's) can be filled again.
    fn written(&self, written: usize, mut bytes: Vec<u8>) {
        bytes.clear();
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        w.written = written;
        w.buffers.push(bytes);
        self.moved.notify_all();
    }

    fn stop(&self) {
        self.window.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        self.moved.notify_all();
    }

    /// A line maker: make batches, the next not yet taken each time, and send them with
    /// their number, until none is left or the writer stops. A batch is taken before
    /// waiting for room in the window, so the batch the writer waits for is always being
    /// made.
    fn make(&self, made: &mpsc::Sender<(usize, anyhow::Result<Vec<u8>>)>) -> anyhow::Result<()> {
        let _guard = StopOnPanic(self);
        let mut maker = Maker::new(self.writer, self.outcome, self.tails)?;
        loop {
            let u = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(&(idx, block)) = self.units.get(u) else {
                return Ok(());
            };
            let mut bytes = {
                let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
                while !w.stop && u >= w.written + WINDOW {
                    w = self.moved.wait(w).unwrap_or_else(|p| p.into_inner());
                }
                if w.stop {
                    return Ok(());
                }
                w.buffers.pop().unwrap_or_default()
            };
            let result = maker.batch(idx, block, &mut bytes).map(|()| bytes);
            let failed = result.is_err();
            if made.send((u, result)).is_err() || failed {
                return Ok(());
            }
        }
    }
}

/// A line maker that panics stops the pass: the batch it took never comes, and the other
/// makers would wait for room in the window for ever.
struct StopOnPanic<'p, 'a>(&'p FinalPass<'a>);

impl Drop for StopOnPanic<'_, '_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
}

/// What one line maker of the final pass keeps: its own handle on the spill, and the tails
/// of anonymous logons it made.
struct Maker<'a> {
    writer: &'a EventsWriter,
    outcome: &'a Outcome,
    spill: File,
    /// The tail of each distinct annotation ([`FinalPass::tails`]).
    tails: &'a [Vec<u8>],
    /// An anonymous logon's tail is its verdict's scenario and findings, with the findings
    /// it is evidence for, made once per pair. Verdicts that annotate alike are one class: a
    /// flood has a verdict per client (100,000 on anon-1g) and a handful of classes.
    class_of: Vec<u32>,
    classes: HashMap<(&'static str, &'a [&'static str]), u32>,
    anon_tails: HashMap<(u32, u32), Vec<u8>>,
    /// The file of the last batch.
    file: Option<BatchFile<'a>>,
    packed: Vec<u8>,
    text: Vec<u8>,
}

/// What the lines of one file's batches need of it, looked up once per file.
struct BatchFile<'a> {
    idx: usize,
    /// `{"file":"…",`
    head: Vec<u8>,
    verdicts: Option<FileVerdicts<'a>>,
    /// Its events' annotations: record id → index into [`FinalPass::tails`] (`None` when
    /// none is annotated).
    tails: Option<&'a FastMap<u64, u32>>,
}

/// How the line of an event with annotation `ann` ends.
fn tail_of(ann: &Annotation) -> anyhow::Result<Vec<u8>> {
    let mut tail = Vec::with_capacity(64);
    if let Some(s) = ann.scenario {
        tail.extend_from_slice(b",\"scenario\":");
        serde_json::to_writer(&mut tail, s)?;
    }
    tail.extend_from_slice(b",\"findings\":");
    serde_json::to_writer(&mut tail, &ann.findings)?;
    tail.extend_from_slice(b"}\n");
    Ok(tail)
}

impl<'a> Maker<'a> {
    fn new(
        writer: &'a EventsWriter,
        outcome: &'a Outcome,
        tails: &'a [Vec<u8>],
    ) -> anyhow::Result<Self> {
        let spill = File::open(&writer.spill_path).map_err(|e| {
            anyhow::anyhow!("cannot open the events spill {} again: {e} (something removed it while the scan ran: run the scan again)", writer.spill_path.display())
        })?;
        Ok(Maker {
            writer,
            outcome,
            spill,
            tails,
            class_of: vec![u32::MAX; outcome.anonymous_logons.verdict_count()],
            classes: HashMap::new(),
            anon_tails: HashMap::new(),
            file: None,
            packed: Vec::new(),
            text: Vec::new(),
        })
    }

    /// The lines of the spill's batch `block`, of file `idx`, added to `out`.
    fn batch(&mut self, idx: usize, (off, len): Block, out: &mut Vec<u8>) -> anyhow::Result<()> {
        let spill_path = self.writer.spill_path.display();
        let bad = || {
            anyhow::anyhow!(
                "the events spill {spill_path} is damaged in the block at byte {off}: it was changed while the scan ran, or this is a bug; run the scan again"
            )
        };
        let unreadable = |e: std::io::Error| {
            anyhow::anyhow!(
                "cannot read the events spill {spill_path} at byte {off}: {e} (run the scan again)"
            )
        };
        let annotations = &self.outcome.annotations;
        let verdicts = &self.outcome.anonymous_logons;
        if self.file.as_ref().is_none_or(|f| f.idx != idx) {
            let file = &self.writer.files[idx];
            self.file = Some(BatchFile {
                idx,
                head: head(file),
                verdicts: verdicts.of_file(file),
                tails: annotations.of_file(file).filter(|t| !t.is_empty()),
            });
        }
        let Some(BatchFile {
            head,
            verdicts: file_verdicts,
            tails: file_tails,
            ..
        }) = &self.file
        else {
            unreachable!("set above")
        };
        let file_tails = *file_tails;
        self.packed.resize(len as usize, 0);
        self.spill.seek(SeekFrom::Start(off)).map_err(unreadable)?;
        self.spill
            .read_exact(&mut self.packed)
            .map_err(unreadable)?;
        let mut rest = &self.packed[..];
        while !rest.is_empty() {
            let (lines, after) = Packed::first(rest).ok_or_else(bad)?;
            rest = after;
            let text = &mut self.text;
            text.resize(lines.text_len, 0);
            match lz4_flex::block::decompress_into(lines.block, text) {
                Ok(n) if n == text.len() => {}
                _ => return Err(bad()),
            }
            let mut from = 0;
            for i in 0..lines.count() {
                let end = lines.end(i).ok_or_else(bad)?;
                let inside = text.get(from..end).ok_or_else(bad)?;
                from = end;
                let (tail, verdict) = match (file_tails, file_verdicts) {
                    (None, None) => (None, None),
                    (t, v) => {
                        let rid = lines.id(i).ok_or_else(bad)?;
                        (
                            t.and_then(|t| t.get(&rid).copied()),
                            // Verdicts are only of anonymous logons: the others are not
                            // looked up (a search among the file's verdicts).
                            v.as_ref()
                                .filter(|_| lines.anonymous(i) == Some(true))
                                .and_then(|v| v.get(rid)),
                        )
                    }
                };
                let tail: &[u8] = match (verdict, tail) {
                    (None, None) => PLAIN_TAIL,
                    (None, Some(i)) => &self.tails[i as usize],
                    (Some(v), i) => {
                        let class = match self.class_of.get(v as usize) {
                            Some(&c) if c != u32::MAX => c,
                            _ => {
                                let n = self.classes.len() as u32;
                                let ann = verdicts.verdict_annotation(v);
                                let c = *self.classes.entry(ann).or_insert(n);
                                if let Some(slot) = self.class_of.get_mut(v as usize) {
                                    *slot = c;
                                }
                                c
                            }
                        };
                        match self.anon_tails.entry((class, i.unwrap_or(u32::MAX))) {
                            Entry::Occupied(t) => &t.into_mut()[..],
                            Entry::Vacant(slot) => {
                                let other = i.map(|i| &annotations.distinct()[i as usize]);
                                let anon = verdicts.verdict_annotation(v);
                                let ann = combine(Some(anon), other).unwrap_or_default();
                                &slot.insert(tail_of(&ann)?)[..]
                            }
                        }
                    }
                };
                out.extend_from_slice(head);
                out.extend_from_slice(inside);
                out.extend_from_slice(tail);
            }
            if from != text.len() {
                return Err(bad());
            }
        }
        Ok(())
    }
}

impl Drop for EventsWriter {
    fn drop(&mut self) {
        // Closed first: a file still open cannot be removed everywhere.
        drop(self.spill.take());
        let _ = std::fs::remove_file(&self.spill_path);
    }
}

#[cfg(test)]
mod tests {
    use super::{head, EventsWriter, Lines, Outcome, Packed, PLAIN_TAIL};
    use crate::event::{Event, Kind, SpecialPrivileges, Subject};
    use std::io::{Seek, SeekFrom, Write};
    use std::sync::Arc;

    fn event(record_id: u64, user: &str) -> Event {
        Event {
            file: Arc::from(""),
            record_id,
            time: None,
            computer: "SRV01".into(),
            provider: "Microsoft-Windows-Security-Auditing".into(),
            channel: "Security".into(),
            event_id: 4672,
            version: None,
            anonymous: false,
            kind: Kind::SpecialPrivileges(SpecialPrivileges {
                subject: Subject {
                    user: Some(user.into()),
                    ..Subject::default()
                },
                privileges: vec!["SeTcbPrivilege".into()],
            }),
        }
    }

    /// What the final pass reads back from a packed batch: each line's inside, record id and
    /// end; with the file's head and a tail, the line serde_json writes.
    #[test]
    fn a_packed_batch_reads_back_whole() {
        let mut anonymous = event(u64::MAX, "");
        anonymous.anonymous = true;
        let events = [event(7, "a\\\"b"), anonymous];
        let mut lines = Lines::default();
        events.iter().for_each(|e| lines.push(e));
        let packed = lines.pack().unwrap();
        assert!(lines.text.is_empty() && lines.ids.is_empty() && lines.ends.is_empty());
        assert!(lines.anonymous.is_empty());
        let got = Packed::of(&packed).unwrap();
        assert_eq!(got.count(), 2);
        let text = lz4_flex::block::decompress(got.block, got.text_len).unwrap();
        let mut from = 0;
        for (i, e) in events.iter().enumerate() {
            assert_eq!(got.id(i), Some(e.record_id));
            assert_eq!(got.anonymous(i), Some(e.anonymous));
            let end = got.end(i).unwrap();
            let file = "C:\\logs\\Security.evtx";
            let mut line = head(file);
            line.extend_from_slice(&text[from..end]);
            line.extend_from_slice(PLAIN_TAIL);
            from = end;
            let mut with_file = e.clone();
            with_file.file = Arc::from(file);
            let mut want = serde_json::to_value(&with_file).unwrap();
            want["findings"] = serde_json::json!([]);
            let line: serde_json::Value = serde_json::from_slice(&line).unwrap();
            assert_eq!(line, want);
        }
        assert_eq!(from, text.len());
        assert_eq!(
            (got.id(2), got.end(2), got.anonymous(2)),
            (None, None, None)
        );
        // Anything shorter, or longer, is not a batch.
        for cut in 0..packed.len() {
            assert!(Packed::of(&packed[..cut]).is_none(), "{cut} bytes");
        }
        let mut longer = packed.clone();
        longer.push(0);
        assert!(Packed::of(&longer).is_none());
    }

    /// A spill damaged under the scan (truncated, overwritten) is an error naming the spill
    /// and the place, never lines made of garbage.
    #[test]
    fn a_damaged_spill_is_an_error_naming_it_and_the_place() {
        let dir = std::env::temp_dir().join(format!("nullsight-spill-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dest = dir.join("events.jsonl");
        let file: Arc<str> = Arc::from("a.evtx");
        let batch = |ids: std::ops::Range<u64>| {
            let mut lines = Lines::default();
            ids.for_each(|i| lines.push(&event(i, "u")));
            lines.pack()
        };
        for damage in ["overwrite", "truncate"] {
            let mut w = EventsWriter::create(dest.to_str().unwrap()).unwrap();
            w.write_lines(&file, batch(0..50), 50).unwrap();
            w.write_lines(&file, batch(50..100), 50).unwrap();
            let second = w.blocks[1].0;
            let spill = w.spill_path.clone();
            w.spill.as_mut().unwrap().flush().unwrap();
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&spill)
                .unwrap();
            match damage {
                "overwrite" => {
                    f.seek(SeekFrom::Start(second)).unwrap();
                    f.write_all(&[0xff; 16]).unwrap();
                }
                _ => f.set_len(second + 3).unwrap(),
            }
            let err = w
                .finish(&Outcome::default(), ["a.evtx"], 2)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(&spill.display().to_string()),
                "{damage}: {err}"
            );
            assert!(
                err.contains(&format!("at byte {second}")),
                "{damage}: {err}"
            );
            let _ = std::fs::remove_file(&spill);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Line makers on several threads write what one does, byte for byte: each file's
    /// batches in the order they came, the files in input order, with far more batches than
    /// the makers may be ahead of the writes.
    #[test]
    fn several_line_makers_write_what_one_does() {
        let dir =
            std::env::temp_dir().join(format!("nullsight-makers-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let files: [Arc<str>; 3] = [
            Arc::from("a.evtx"),
            Arc::from("b.evtx"),
            Arc::from("c.evtx"),
        ];
        let write = |threads: usize| {
            let dest = dir.join(format!("events-{threads}.jsonl"));
            let mut w = EventsWriter::create(dest.to_str().unwrap()).unwrap();
            // Batches of the three files interleaved, as parallel readers hand them over.
            for b in 0..3 * (super::WINDOW as u64 * 4) {
                let mut lines = Lines::default();
                let ids = b * 10..b * 10 + 1 + b % 7;
                ids.clone()
                    .for_each(|i| lines.push(&event(i, &format!("u{i}"))));
                w.write_lines(&files[(b % 3) as usize], lines.pack(), ids.count() as u64)
                    .unwrap();
            }
            w.finish(&Outcome::default(), ["c.evtx", "a.evtx"], threads)
                .unwrap();
            std::fs::read_to_string(&dest).unwrap()
        };
        let one = write(1);
        for threads in [2, 3, 8] {
            assert!(one == write(threads), "{threads} threads");
        }
        // The inputs' order first (c, a), then b; each file's records in order.
        let mut seen: Vec<(String, u64)> = Vec::new();
        for line in one.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            seen.push((
                v["file"].as_str().unwrap().into(),
                v["record_id"].as_u64().unwrap(),
            ));
        }
        let mut want = seen.clone();
        let rank = |f: &str| ["c.evtx", "a.evtx", "b.evtx"].iter().position(|x| *x == f);
        want.sort_by_key(|(f, id)| (rank(f), *id));
        assert_eq!(seen, want);
        assert_eq!(
            seen.len(),
            (0..3 * (super::WINDOW as u64 * 4))
                .map(|b| 1 + b % 7)
                .sum::<u64>() as usize
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A line maker that panics wakes the makers waiting for room in the window, and they
    /// stop, rather than wait for a batch that never comes.
    #[test]
    fn a_maker_that_panics_stops_the_others() {
        use super::{FinalPass, StopOnPanic};
        let dir = std::env::temp_dir().join(format!("nullsight-panic-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let w = EventsWriter::create(dir.join("e.jsonl").to_str().unwrap()).unwrap();
        let outcome = Outcome::default();
        let pass = FinalPass::new(&w, &outcome, &[], &[]);
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            // A maker waiting for room, as one holding a batch far ahead does.
            s.spawn(|| {
                let mut window = pass.window.lock().unwrap();
                while !window.stop {
                    window = pass.moved.wait(window).unwrap();
                }
                done_tx.send(()).unwrap();
            });
            let panicked = s
                .spawn(|| {
                    let _guard = StopOnPanic(&pass);
                    panic!("a maker fails");
                })
                .join();
            assert!(panicked.is_err());
            let woke = done_rx.recv_timeout(std::time::Duration::from_secs(60));
            // Stopped here too, so that a failure ends the test rather than hang it.
            pass.stop();
            assert!(woke.is_ok(), "the waiting maker was not stopped");
        });
        drop(w);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn heads_escape_the_file_and_are_an_open_brace_without_one() {
        assert_eq!(
            head("C:\\logs\\a \"b\".evtx"),
            br#"{"file":"C:\\logs\\a \"b\".evtx","#
        );
        assert_eq!(head(""), b"{");
    }
}
