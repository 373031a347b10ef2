//! EVTX files, through the `evtx` crate.
//!
//! Records are decided on from the EventID in the record's template substitutions (slot 3 of
//! the System template, where Windows puts it) before anything is rendered; only wanted
//! records are decoded (from their substitutions, `fast.rs`, or rendered to XML by the crate)
//! and typed, chunk by chunk, on as many threads as the caller gives.

use super::{InputError, Item, Place, RawRecord, RecordFilter};
use evtx::binxml::value_variant::BinXmlValue;
use evtx::err::ChunkError;
use evtx::err::EvtxError;
use evtx::{
    ChunkFlags, EvtxChunkData, EvtxChunkHeader, EvtxParser, EvtxRecord, EvtxRecordHeader,
    ParserSettings,
};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::fast;

type EvtxResult<T> = Result<T, EvtxError>;

const EVTX_CHUNK_HEADER_SIZE: usize = 512;

const FILE_HEADER_SIZE: u64 = 4096;
const CHUNK_SIZE: u64 = 65536;

/// The EventID of a record without rendering it, when the record is a template instance
/// (records written by Windows are; some exported logs are not).
pub fn event_id_from_substitutions(rec: &EvtxRecord<'_>) -> Option<u32> {
    let instances = rec.template_instances().ok()?;
    match instances.first()?.values.get(3)? {
        BinXmlValue::UInt16Type(id) => Some(u32::from(*id)),
        _ => None,
    }
}

/// Render one record to a raw record (the full, slow path: every field).
pub fn render(rec: EvtxRecord<'_>) -> Result<RawRecord, EvtxError> {
    let record_id = rec.event_record_id;
    let xml = rec.into_xml()?;
    let mut raw =
        super::xml::parse_one(&xml.data).map_err(|reason| EvtxError::FailedToParseRecord {
            record_id,
            source: Box::new(EvtxError::CalculationError(format!(
                "rendered XML does not parse: {reason}"
            ))),
        })?;
    if raw.record_id == 0 {
        raw.record_id = record_id;
    }
    if raw.time.is_none() {
        raw.time = jiff::Timestamp::from_microsecond(xml.timestamp.as_microsecond()).ok();
    }
    Ok(raw)
}

/// Parser settings nullsight uses: no pretty-printing, checksums not enforced (dirty and
/// damaged files are normal evidence), `threads` workers (0 = all cores).
pub fn settings(threads: usize) -> ParserSettings {
    ParserSettings::new()
        .num_threads(threads)
        .indent(false)
        .validate_checksums(false)
}

/// How records are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    /// Values read from the BinXML substitutions ([`super::fast`]); records of other shapes
    /// and damaged chunks are rendered. The default.
    Fast,
    /// Every wanted record rendered to XML and parsed (the reference the fast path is tested
    /// against).
    Render,
}

/// Read an EVTX file. See [`super::read_file`].
pub fn read<T: Send + 'static>(
    path: &Path,
    filter: &'static dyn RecordFilter,
    threads: usize,
    map: super::Map<T>,
    sink: &mut (dyn FnMut(Item<T>) + Send),
) -> Result<u64, InputError> {
    read_with(Decoder::Fast, path, filter, threads, map, sink)
}

/// [`read`] with a choice of decoder.
pub fn read_with<T: Send + 'static>(
    decoder: Decoder,
    path: &Path,
    filter: &'static dyn RecordFilter,
    threads: usize,
    map: super::Map<T>,
    sink: &mut (dyn FnMut(Item<T>) + Send),
) -> Result<u64, InputError> {
    read_hooked(decoder, path, filter, threads, map, None, sink)
}

/// [`read_with`], with `on_chunk` run on each chunk's values on the thread that decoded the
/// chunk (see [`super::read_file_with`]; the fast decoder only).
pub(super) fn read_hooked<T: Send + 'static>(
    decoder: Decoder,
    path: &Path,
    filter: &'static dyn RecordFilter,
    threads: usize,
    map: super::Map<T>,
    on_chunk: Option<super::OnChunk<'_, T>>,
    sink: &mut (dyn FnMut(Item<T>) + Send),
) -> Result<u64, InputError> {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if len < FILE_HEADER_SIZE {
        return Err(InputError::new(
            Place::File,
            format!("file truncated: {len} bytes, shorter than the {FILE_HEADER_SIZE}-byte EVTX file header; nothing could be read"),
        ));
    }
    if let Some(e) = truncation_error(path) {
        sink(Item::Error(e));
    }
    // Where the crate reads the file (or cannot), the warnings come from a pass of their own;
    // the fast path's reader finds them in its pass over the chunk headers.
    let integrity = |sink: &mut dyn FnMut(Item<T>)| {
        integrity_warnings(path)
            .into_iter()
            .for_each(|w| sink(Item::Warning(w)))
    };
    let parser = match EvtxParser::from_path(path) {
        Ok(p) => p,
        Err(e) => {
            integrity(sink);
            return Err(InputError::new(Place::File, describe(&e)));
        }
    };
    let mut seen = 0u64;
    let mut take = |out: ChunkOut<T>, sink: &mut dyn FnMut(Item<T>)| {
        seen += out.seen;
        for item in out.items {
            match item {
                Ok(t) => sink(Item::Record(t)),
                Err(e) => sink(Item::Error(input_error(&e))),
            }
        }
    };
    match decoder {
        Decoder::Render => {
            integrity(sink);
            let mut parser = parser.with_configuration(settings(threads));
            let results = parser.serialized_records(move |rec| {
                let rec = rec?;
                Ok(match render_wanted(rec, filter)? {
                    Some(mut raw) => map(&mut raw).map_or(Outcome::Skipped, Outcome::Kept),
                    None => Outcome::Skipped,
                })
            });
            for result in results {
                let out = match result {
                    Ok(Outcome::Kept(t)) => ChunkOut {
                        seen: 1,
                        items: vec![Ok(t)],
                    },
                    Ok(Outcome::Skipped) => ChunkOut {
                        seen: 1,
                        items: vec![],
                    },
                    Err(e) => ChunkOut {
                        seen: 0,
                        items: vec![Err(e)],
                    },
                };
                take(out, sink);
            }
        }
        Decoder::Fast => {
            let header_block = u64::from(parser.header().header_block_size);
            drop(parser);
            let config = Arc::new(settings(1));
            let (chunks, warnings) = Chunks::open(path, header_block)
                .map_err(|e| InputError::new(Place::File, format!("cannot read: {e}")))?;
            warnings.into_iter().for_each(|w| sink(Item::Warning(w)));
            let order = chunks.order();
            let work = |n: u64, buf: &mut Vec<u8>| match chunks.read(n, std::mem::take(buf)) {
                Ok(Some(mut chunk)) => {
                    let out = fast_chunk(&mut chunk, &config, filter, map);
                    *buf = chunk.data;
                    Some(match on_chunk {
                        Some(f) => out.worked(f),
                        None => out,
                    })
                }
                // An all-zero chunk (never written) is skipped, as the crate skips it.
                Ok(None) => None,
                Err(e) => Some(ChunkOut {
                    seen: 0,
                    items: vec![Err(e)],
                }),
            };
            chunks_in_order(&order, threads, &work, &mut |out| take(out, sink));
        }
    }
    Ok(seen)
}

/// Render `rec` when its EventID (from the substitutions, else from the rendering) is wanted.
fn render_wanted(
    rec: EvtxRecord<'_>,
    filter: &dyn RecordFilter,
) -> Result<Option<RawRecord>, EvtxError> {
    if let Some(id) = event_id_from_substitutions(&rec) {
        if !filter.wants_event_id(id) {
            return Ok(None);
        }
    }
    let raw = render(rec)?;
    Ok(filter.wants_event_id(raw.event_id).then_some(raw))
}

/// Records the fast path decoded from their substitutions, and records it had the `evtx`
/// crate render (wanted records it does not decode, and every wanted record of the chunks it
/// leaves to the crate), over the process. For tests and benchmarks.
pub static FAST_DECODED: AtomicU64 = AtomicU64::new(0);
pub static CRATE_RENDERED: AtomicU64 = AtomicU64::new(0);

/// What one chunk gave: records read, and the wanted ones (or errors) in record order.
struct ChunkOut<T> {
    seen: u64,
    items: Vec<Result<T, EvtxError>>,
}

impl<T> ChunkOut<T> {
    /// The values given to `f`, and what it returned in their place, before the errors (which
    /// the reader only lists). A chunk without values is not given to `f`: in a System log
    /// most have none.
    fn worked(self, f: super::OnChunk<'_, T>) -> Self {
        if !self.items.iter().any(|i| i.is_ok()) {
            return self;
        }
        let mut values = Vec::with_capacity(self.items.len());
        let mut errors = Vec::new();
        for item in self.items {
            match item {
                Ok(v) => values.push(v),
                Err(e) => errors.push(Err(e)),
            }
        }
        let mut items: Vec<Result<T, EvtxError>> = f(values).into_iter().map(Ok).collect();
        items.append(&mut errors);
        ChunkOut {
            seen: self.seen,
            items,
        }
    }
}

/// Run `work` on the chunks `order` names, on `threads` threads (this one among them), and
/// hand what each gave to `take` in that order, one call at a time, on whichever of the
/// threads is free. Each thread reads its own chunks into its own buffer. (A reader thread
/// handing chunks to a thread pool and waiting for each result slept and woke some 27,000
/// times on a 1 GB log; a tenth of the CPU time went to the scheduler.) A thread takes the
/// next result when it made it, else claims a chunk, and takes another's result only when
/// it has no chunk to claim: what a chunk's values hold is then used and freed by the thread
/// that made them, in its cache. (With one thread taking every result, half of them came
/// from the other core's cache, and what the other had allocated was freed there: taking
/// them where they were made, a 4624-heavy scan used up to 7 % less CPU, BENCHMARKS.md.)
/// Threads stop claiming chunks while `4 * threads` results wait to be taken, which bounds
/// the memory.
fn chunks_in_order<O: Send>(
    order: &[u64],
    threads: usize,
    work: &(dyn Fn(u64, &mut Vec<u8>) -> Option<O> + Sync),
    take: &mut (dyn FnMut(O) + Send),
) {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    let helpers = if order.len() <= 1 {
        Helpers(0)
    } else {
        Helpers::reserve(threads - 1)
    };
    if helpers.0 == 0 {
        let mut buf = Vec::new();
        for (k, &n) in order.iter().enumerate() {
            if let Some(o) = work(n, &mut buf) {
                take(o);
            }
            release_now_and_then(k);
        }
        return;
    }
    let threads = helpers.0 + 1;
    let window = 4 * threads;
    let shared = std::sync::Mutex::new(InOrder {
        next: 0,
        taken: 0,
        done: std::collections::BTreeMap::new(),
        taking: false,
        stop: false,
        panic: None,
        waiting: 0,
    });
    let changed = std::sync::Condvar::new();
    // Used by one thread at a time: the one that set `taking`.
    let take = std::sync::Mutex::new(take);
    let run = |me: usize| {
        let mut buf = Vec::new();
        let mut s = relock(&shared);
        loop {
            if s.stop || s.taken == order.len() {
                break;
            }
            let next_by = match s.done.get(&s.taken) {
                Some(&(by, _)) if !s.taking => Some(by),
                _ => None,
            };
            if next_by == Some(me) {
                s = take_from(s, Some(me), &shared, &changed, &take);
                continue;
            }
            if let Some(k) = s.claim(order.len(), window) {
                drop(s);
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    work(order[k], &mut buf)
                }));
                release_now_and_then(k);
                s = relock(&shared);
                match out {
                    Ok(o) => {
                        s.done.insert(k, (me, o));
                    }
                    Err(p) => {
                        s.panic.get_or_insert(p);
                        s.stop = true;
                    }
                }
                if s.waiting > 0 {
                    changed.notify_all();
                }
                continue;
            }
            if next_by.is_some() {
                // Nothing to claim: the next result is taken here rather than waited for.
                s = take_from(s, None, &shared, &changed, &take);
                continue;
            }
            s.waiting += 1;
            s = changed.wait(s).unwrap_or_else(|e| e.into_inner());
            s.waiting -= 1;
        }
        // Whatever stopped this thread stops the others, a waiting one included.
        s.stop = true;
        changed.notify_all();
    };
    std::thread::scope(|scope| {
        for me in 1..threads {
            let run = &run;
            scope.spawn(move || run(me));
        }
        run(0);
    });
    let panic = shared.into_inner().unwrap_or_else(|e| e.into_inner()).panic;
    if let Some(panic) = panic {
        std::panic::resume_unwind(panic);
    }
}

/// After every 256th chunk of a file (16 MiB), on the thread that read it: the allocator gives
/// back what it holds and does not use ([`crate::isolate::release_memory`]). Between two
/// threads that free each other's blocks, mimalloc kept free pages past its purge delay, and
/// in about one run in eight writer-1g's peak was 15-20 MiB above its usual 75-78 MiB (up to
/// 98); with this, 74-76 MiB in ten of ten, no slower on security-1g or the 5805 flood
/// (BENCHMARKS.md).
fn release_now_and_then(k: usize) {
    if k % 256 == 255 {
        crate::isolate::release_memory();
    }
}

fn relock<O>(shared: &std::sync::Mutex<InOrder<O>>) -> std::sync::MutexGuard<'_, InOrder<O>> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// For a thread of [`chunks_in_order`] holding `s`: take the next result (done, and no other
/// thread taking), then the ones after it while they are thread `only`'s (any thread's when
/// `None`), calling `take` without the lock.
fn take_from<'a, O>(
    mut s: std::sync::MutexGuard<'a, InOrder<O>>,
    only: Option<usize>,
    shared: &'a std::sync::Mutex<InOrder<O>>,
    changed: &std::sync::Condvar,
    take: &std::sync::Mutex<&mut (dyn FnMut(O) + Send)>,
) -> std::sync::MutexGuard<'a, InOrder<O>> {
    s.taking = true;
    let mut first = true;
    loop {
        let at = s.taken;
        let Some(&(by, _)) = s.done.get(&at) else {
            break;
        };
        if !first && only.is_some_and(|me| by != me) {
            break;
        }
        first = false;
        let Some((_, o)) = s.done.remove(&at) else {
            break;
        };
        s.taken += 1;
        drop(s);
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if let Some(o) = o {
                (take.lock().unwrap_or_else(|e| e.into_inner()))(o);
            }
        }));
        s = relock(shared);
        if let Err(p) = out {
            s.panic.get_or_insert(p);
            s.stop = true;
            break;
        }
    }
    s.taking = false;
    if s.waiting > 0 {
        changed.notify_all();
    }
    s
}

/// Helper threads of [`chunks_in_order`] running in the process, and how many it may have:
/// `threads - 1` whatever the number of files read at once. (Each scan worker reading a large
/// file would otherwise start its own, a worker and its helpers per core each: with `--threads
/// 64`, 64 workers and 4,032 helpers.)
static HELPERS: AtomicU64 = AtomicU64::new(0);

/// Helper threads reserved from [`HELPERS`], given back when dropped.
struct Helpers(usize);

impl Helpers {
    /// Up to `max` helpers, as many as the process has room for (maybe none).
    fn reserve(max: usize) -> Helpers {
        let room = max as u64;
        let mut running = HELPERS.load(Ordering::Relaxed);
        loop {
            let k = room.saturating_sub(running);
            if k == 0 {
                return Helpers(0);
            }
            match HELPERS.compare_exchange_weak(
                running,
                running + k,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Helpers(k as usize),
                Err(now) => running = now,
            }
        }
    }
}

impl Drop for Helpers {
    fn drop(&mut self) {
        HELPERS.fetch_sub(self.0 as u64, Ordering::AcqRel);
    }
}

/// What the threads of [`chunks_in_order`] share.
struct InOrder<O> {
    /// The next index of `order` to claim.
    next: usize,
    /// Results taken so far (the index of the next one to take).
    taken: usize,
    /// Finished results not yet taken, by index, with the thread that made each (`None`: the
    /// chunk gave nothing).
    done: std::collections::BTreeMap<usize, (usize, Option<O>)>,
    /// Whether a thread is taking results.
    taking: bool,
    stop: bool,
    panic: Option<Box<dyn std::any::Any + Send>>,
    /// Threads waiting for a result to be made or taken.
    waiting: usize,
}

impl<O> InOrder<O> {
    /// The next of `len` indexes to work on, while fewer than `window` results wait.
    fn claim(&mut self, len: usize, window: usize) -> Option<usize> {
        (self.next < len && self.next < self.taken + window).then(|| {
            self.next += 1;
            self.next - 1
        })
    }
}

/// The chunks of a file in record order, read exactly as `EvtxParser::chunks` reads them
/// (from the chunk holding the oldest records to the end, then from the start; empty chunks
/// skipped; a chunk that cannot be read whole is an error unless it is past the chunk count),
/// but into buffers the caller recycles instead of a new 64 KiB allocation per chunk.
struct Chunks {
    file: std::fs::File,
    /// Chunks the file's size has room for.
    count: u64,
    oldest: u64,
}

impl Chunks {
    /// The file's chunks, and [`integrity_warnings`] from the same pass over their headers
    /// (one read of each header instead of two: on a 1 GB log the passes are 16,000 reads
    /// each, before any chunk can be decoded).
    fn open(path: &Path, header_block: u64) -> std::io::Result<(Self, Vec<InputError>)> {
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        let pass = header_pass(&file, len, header_block);
        let chunks = Chunks {
            file,
            count: pass.count,
            oldest: pass.oldest,
        };
        Ok((chunks, pass.warnings))
    }

    /// Read chunk `n` into `buf`: `Ok(None)` for an all-zero chunk.
    fn read(&self, n: u64, mut buf: Vec<u8>) -> EvtxResult<Option<EvtxChunkData>> {
        let chunk_err = |e| EvtxError::FailedToParseChunk {
            chunk_id: n,
            source: Box::new(e),
        };
        // Out of memory here aborts through the allocation-error path, which the worker
        // reports as --max-memory. A buffer back from a worker is already a chunk long: its
        // old bytes are overwritten, not zeroed first.
        buf.resize(CHUNK_SIZE as usize, 0);
        read_at(&self.file, FILE_HEADER_SIZE + n * CHUNK_SIZE, &mut buf)
            .map_err(|_| chunk_err(ChunkError::IncompleteChunk))?;
        if buf.iter().all(|&b| b == 0) {
            return Ok(None);
        }
        let header = EvtxChunkHeader::from_bytes(&buf)
            .map_err(|e| chunk_err(ChunkError::FailedToParseChunkHeader(e)))?;
        Ok(Some(EvtxChunkData {
            header,
            data: buf,
            number: Some(n),
        }))
    }

    /// The chunks in record order, as `EvtxParser::chunks` reads them: from the chunk
    /// holding the oldest records to the last whole chunk, then from the first up to it.
    /// (The crate reads on past the last whole chunk until a read fails, then wraps: the
    /// same chunks while the file does not grow.)
    fn order(&self) -> Vec<u64> {
        (self.oldest..self.count).chain(0..self.oldest).collect()
    }
}

/// `buf.len()` bytes of `file` from `offset`: one system call a chunk where the platform has
/// positioned reads (a seek and a growing `read_to_end` made six).
pub(crate) fn read_at(file: &std::fs::File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(buf, offset)
    }
    #[cfg(not(unix))]
    {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = file;
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buf)
    }
}

/// Whether the fast path may read this chunk: its header and records are exactly as written
/// (both CRC32s match). Anything else is read by the `evtx` crate, damage handling included.
fn chunk_is_intact(chunk: &EvtxChunkData) -> bool {
    !chunk.header.flags.contains(ChunkFlags::NO_CRC32)
        && chunk.data.len() == CHUNK_SIZE as usize
        && chunk.validate_checksum()
}

const RECORD_HEADER_SIZE: usize = 24;

/// One chunk, fast: walk the record headers as the `evtx` crate does, decide each record from
/// its EventID substitution, decode the wanted ones from their substitutions. Records the
/// decoder does not take are rendered by the crate; a chunk that is damaged or walks
/// differently is read entirely by the crate.
fn fast_chunk<T>(
    chunk: &mut EvtxChunkData,
    config: &Arc<ParserSettings>,
    filter: &'static dyn RecordFilter,
    map: super::Map<T>,
) -> ChunkOut<T> {
    if !chunk_is_intact(chunk) {
        return crate_chunk(chunk, config, filter, map);
    }
    enum Slot<T> {
        Kept(T),
        Render(u64),
    }
    let d = &chunk.data[..];
    let header = &chunk.header;
    let live_end = (header.free_space_offset as usize).min(d.len());
    let mut decoder = fast::ChunkDecoder::new(d);
    let mut slots: Vec<Slot<T>> = Vec::new();
    let mut offset = EVTX_CHUNK_HEADER_SIZE;
    let mut seen = 0u64;
    let mut pending = 0usize;
    let mut decoded = 0u64;
    while offset < live_end {
        let Ok(rh) = EvtxRecordHeader::from_bytes_at(d, offset) else {
            return crate_chunk(chunk, config, filter, map);
        };
        let size = rh.data_size as usize;
        let start = offset + RECORD_HEADER_SIZE;
        if size < RECORD_HEADER_SIZE + 4 || start + size - RECORD_HEADER_SIZE - 4 > d.len() {
            return crate_chunk(chunk, config, filter, map);
        }
        let len = size - RECORD_HEADER_SIZE - 4;
        seen += 1;
        match fast::peek_event_id(d, start, start + len) {
            Some(id) if !filter.wants_event_id(u32::from(id)) => {}
            Some(_) => match decoder.decode_typed(
                start,
                len,
                rh.event_record_id,
                rh.timestamp,
                filter,
                map,
            ) {
                Some(kept) => {
                    decoded += 1;
                    slots.extend(kept.map(Slot::Kept));
                }
                None => match decoder.decode(start, len, rh.event_record_id, rh.timestamp) {
                    Some(mut raw) => {
                        decoded += 1;
                        if filter.wants_event_id(raw.event_id) {
                            if let Some(t) = map(&mut raw) {
                                slots.push(Slot::Kept(t));
                            }
                        }
                    }
                    None => {
                        slots.push(Slot::Render(start as u64));
                        pending += 1;
                    }
                },
            },
            None => {
                slots.push(Slot::Render(start as u64));
                pending += 1;
            }
        }
        if rh.event_record_id == header.last_event_record_id {
            break;
        }
        offset += size;
    }
    FAST_DECODED.fetch_add(decoded, Ordering::Relaxed);
    decoder.count_typed();
    CRATE_RENDERED.fetch_add(pending as u64, Ordering::Relaxed);
    if pending == 0 {
        let items = slots
            .into_iter()
            .map(|s| match s {
                Slot::Kept(t) => Ok(t),
                Slot::Render(_) => unreachable!(),
            })
            .collect();
        return ChunkOut { seen, items };
    }
    // Render the records the decoder left, with the crate; if the crate reads this chunk
    // differently (an error, another number of records), its reading is the one used.
    let number = chunk.number;
    let mut rendered = std::collections::HashMap::with_capacity(pending);
    {
        let Ok(mut parsed) = chunk.parse(Arc::clone(config)) else {
            return crate_chunk(chunk, config, filter, map);
        };
        let mut count = 0u64;
        for rec in parsed.iter() {
            let Ok(rec) = rec else {
                drop(parsed);
                return crate_chunk(chunk, config, filter, map);
            };
            count += 1;
            let at = rec.binxml_offset;
            if slots
                .iter()
                .any(|s| matches!(s, Slot::Render(o) if *o == at))
            {
                let out = render_wanted(rec, filter).map(|r| r.and_then(|mut r| map(&mut r)));
                rendered.insert(at, out);
            }
        }
        if count != seen || rendered.len() != pending {
            drop(parsed);
            return crate_chunk(chunk, config, filter, map);
        }
    }
    let _ = number;
    let mut items = Vec::with_capacity(slots.len());
    for s in slots {
        match s {
            Slot::Kept(t) => items.push(Ok(t)),
            Slot::Render(at) => match rendered.remove(&at) {
                Some(Ok(Some(t))) => items.push(Ok(t)),
                Some(Ok(None)) | None => {}
                Some(Err(e)) => items.push(Err(e)),
            },
        }
    }
    // A record that fails to render is an error, not a record read (as in the crate path).
    let failed = items.iter().filter(|i| i.is_err()).count() as u64;
    ChunkOut {
        seen: seen - failed,
        items,
    }
}

/// One chunk, read by the `evtx` crate: every record's content built, the wanted ones
/// rendered (what [`Decoder::Render`] does, chunk by chunk).
fn crate_chunk<T>(
    chunk: &mut EvtxChunkData,
    config: &Arc<ParserSettings>,
    filter: &'static dyn RecordFilter,
    map: super::Map<T>,
) -> ChunkOut<T> {
    let number = chunk.number.unwrap_or(0);
    let mut parsed = match chunk.parse(Arc::clone(config)) {
        Ok(p) => p,
        Err(e) => {
            return ChunkOut {
                seen: 0,
                items: vec![Err(EvtxError::FailedToParseChunk {
                    chunk_id: number,
                    source: Box::new(e),
                })],
            }
        }
    };
    let mut out = ChunkOut {
        seen: 0,
        items: Vec::new(),
    };
    for rec in parsed.iter() {
        match rec.and_then(|rec| render_wanted(rec, filter)) {
            Ok(raw) => {
                out.seen += 1;
                CRATE_RENDERED.fetch_add(u64::from(raw.is_some()), Ordering::Relaxed);
                if let Some(t) = raw.and_then(|mut r| map(&mut r)) {
                    out.items.push(Ok(t));
                }
            }
            Err(e) => out.items.push(Err(e)),
        }
    }
    out
}

enum Outcome<T> {
    Kept(T),
    Skipped,
}

/// Where an `evtx` error is, and its whole cause chain as the reason.
pub fn input_error(e: &EvtxError) -> InputError {
    let place = match e {
        EvtxError::FailedToParseChunk { chunk_id, .. } => Place::Chunk {
            chunk: *chunk_id,
            offset: FILE_HEADER_SIZE + chunk_id * CHUNK_SIZE,
        },
        EvtxError::FailedToParseRecord { record_id, .. } => Place::Record {
            record_id: *record_id,
        },
        EvtxError::FailedToReadRecordAt {
            chunk: Some(c),
            offset,
            ..
        } => Place::Offset {
            offset: FILE_HEADER_SIZE + c * CHUNK_SIZE + offset,
        },
        _ => Place::File,
    };
    InputError::new(place, describe(e))
}

fn describe(e: &EvtxError) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(cause) = src {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
        src = cause.source();
    }
    s
}

/// Damage that does not stop records from being read: a file or chunk header whose CRC32 does
/// not match, or a dirty header (the log was not closed cleanly, so the header may be stale).
/// Reads the 4 KiB header and 512 bytes per chunk, not the records.
pub fn integrity_warnings(path: &Path) -> Vec<InputError> {
    let Ok(f) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    header_pass(&f, len, FILE_HEADER_SIZE).warnings
}

/// What one pass over a file's headers finds.
struct HeaderPass {
    /// Chunks the file's size has room for after a header of `header_block` bytes.
    count: u64,
    /// The chunk holding the oldest records, as `EvtxParser::oldest_chunk` finds it: the
    /// lowest first record ID of a sane header (0 when none is).
    oldest: u64,
    /// [`integrity_warnings`].
    warnings: Vec<InputError>,
}

/// Read the file header and each chunk header once, for [`HeaderPass`]. `header_block` is the
/// file header's size as the parser read it (nearly always 4096); the warnings are about the
/// chunks after 4096 bytes either way.
fn header_pass(file: &std::fs::File, len: u64, header_block: u64) -> HeaderPass {
    let count = len.saturating_sub(header_block) / CHUNK_SIZE;
    let checked = len.saturating_sub(FILE_HEADER_SIZE) / CHUNK_SIZE;
    let mut warnings = file_header_warnings(file);
    let mut crc = ChunkCrcs::default();
    let mut oldest = (u64::MAX, 0);
    let mut header = [0u8; EVTX_CHUNK_HEADER_SIZE];
    for n in 0..count.max(checked) {
        let offset = FILE_HEADER_SIZE + n * CHUNK_SIZE;
        if read_at(file, offset, &mut header).is_err() {
            break;
        }
        if n < checked {
            crc.check(n, offset, &header);
        }
        if n >= count {
            continue;
        }
        if let Ok(h) = EvtxChunkHeader::from_bytes(&header) {
            if h.first_event_record_id <= h.last_event_record_id
                && h.first_event_record_id < oldest.0
            {
                oldest = (h.first_event_record_id, n);
            }
        }
    }
    warnings.extend(crc.finish());
    HeaderPass {
        count,
        oldest: oldest.1,
        warnings,
    }
}

/// The file header's part of [`integrity_warnings`]: nothing when it is not an EVTX header.
fn file_header_warnings(f: &std::fs::File) -> Vec<InputError> {
    let mut out = Vec::new();
    let mut header = [0u8; 128];
    if read_at(f, 0, &mut header).is_err() || &header[..8] != b"ElfFile\0" {
        return out;
    }
    let stored = u32::from_le_bytes(header[124..128].try_into().unwrap());
    let computed = crc32fast::hash(&header[..120]);
    if stored != computed {
        out.push(InputError::new(
            Place::Offset { offset: 124 },
            format!("file header CRC32 mismatch (stored {stored:#010x}, computed {computed:#010x}); records were read from the chunks"),
        ));
    }
    let flags = u32::from_le_bytes(header[120..124].try_into().unwrap());
    if flags & 1 != 0 {
        out.push(InputError::new(
            Place::Offset { offset: 120 },
            "dirty file (not closed cleanly): header counts may be stale; every chunk was read",
        ));
    }
    out
}

/// The chunk headers' part of [`integrity_warnings`], a header at a time.
#[derive(Default)]
struct ChunkCrcs {
    bad: usize,
    out: Vec<InputError>,
}

impl ChunkCrcs {
    fn check(&mut self, n: u64, offset: u64, chunk: &[u8; EVTX_CHUNK_HEADER_SIZE]) {
        // Empty and damaged-magic chunks are the record reader's to report.
        if &chunk[..8] != b"ElfChnk\0" {
            return;
        }
        let stored = u32::from_le_bytes(chunk[124..128].try_into().unwrap());
        let mut h = crc32fast::Hasher::new();
        h.update(&chunk[..120]);
        h.update(&chunk[128..512]);
        let computed = h.finalize();
        if stored != computed {
            self.bad += 1;
            if self.bad <= 20 {
                self.out.push(InputError::new(
                    Place::Chunk { chunk: n, offset },
                    format!("chunk header CRC32 mismatch (stored {stored:#010x}, computed {computed:#010x}); its records were still read"),
                ));
            }
        }
    }

    fn finish(mut self) -> Vec<InputError> {
        if self.bad > 20 {
            self.out.push(InputError::new(
                Place::File,
                format!("{} more chunk headers with a CRC32 mismatch", self.bad - 20),
            ));
        }
        self.out
    }
}

/// A file that ends inside a chunk lost that chunk's records: the parser cannot read a partial
/// chunk. Returns the error to report, if any.
pub fn truncation_error(path: &Path) -> Option<InputError> {
    use std::io::Read;
    let len = std::fs::metadata(path).ok()?.len();
    if len < FILE_HEADER_SIZE {
        return None; // the reader reports a short header itself
    }
    let tail = (len - FILE_HEADER_SIZE) % CHUNK_SIZE;
    let complete = (len - FILE_HEADER_SIZE) / CHUNK_SIZE;
    if tail != 0 {
        return Some(InputError::new(
            Place::Chunk { chunk: complete, offset: FILE_HEADER_SIZE + complete * CHUNK_SIZE },
            format!(
                "file truncated: it ends {tail} bytes into this chunk (a chunk is {CHUNK_SIZE} bytes); \
                 the records of this partial chunk could not be read, all earlier chunks were"
            ),
        ));
    }
    // Cut on a chunk boundary: only the header's chunk count (at offset 42) tells.
    let mut header = [0u8; 44];
    std::fs::File::open(path)
        .ok()?
        .read_exact(&mut header)
        .ok()?;
    let listed = u64::from(u16::from_le_bytes([header[42], header[43]]));
    (&header[..8] == b"ElfFile\0" && listed > complete).then(|| {
        InputError::new(
            Place::Offset { offset: len },
            format!("file truncated: the header lists {listed} chunks, the file holds {complete}; the missing chunks' records could not be read"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::chunks_in_order;

    /// Work whose time varies a lot from chunk to chunk, so that results finish out of order.
    fn slow(n: u64) {
        let spins = (n * 7919 % 13) * 20_000;
        let mut x = n;
        for _ in 0..spins {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }

    #[test]
    fn results_are_taken_in_order_and_empty_chunks_skipped() {
        let order: Vec<u64> = (37..300).chain(0..37).collect();
        for threads in [1, 2, 3, 8] {
            let mut got = Vec::new();
            let work = |n: u64, buf: &mut Vec<u8>| {
                slow(n);
                buf.push(1);
                (!n.is_multiple_of(5)).then_some(n)
            };
            chunks_in_order(&order, threads, &work, &mut |n| got.push(n));
            let want: Vec<u64> = order
                .iter()
                .copied()
                .filter(|n| !n.is_multiple_of(5))
                .collect();
            assert_eq!(got, want, "{threads} threads");
        }
    }

    #[test]
    fn a_panic_in_any_thread_reaches_the_caller() {
        let order: Vec<u64> = (0..200).collect();
        for bad in [0, 1, 150, 199] {
            let work = |n: u64, _: &mut Vec<u8>| {
                slow(n);
                assert_ne!(n, bad, "chunk {n} is bad");
                Some(n)
            };
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut taken = 0u64;
                chunks_in_order(&order, 4, &work, &mut |_| taken += 1);
            }));
            let msg = r.expect_err("the panic comes through");
            let msg = msg
                .downcast_ref::<String>()
                .map(String::as_str)
                .unwrap_or_default();
            assert!(msg.contains(&format!("chunk {bad} is bad")), "{msg}");
        }
        // In the taking, while the other threads wait for room.
        let work = |n: u64, _: &mut Vec<u8>| Some(n);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            chunks_in_order(&order, 4, &work, &mut |n| assert_ne!(n, 3, "taking {n}"));
        }));
        assert!(r.is_err());
    }
}
