//! Scan orchestration: find the inputs, read them in parallel, hand typed events to the caller.
//!
//! Files are read by worker threads (OS threads, not rayon workers: the `evtx` crate's
//! rendering pipeline, used for files the fast path does not read, blocks its caller while
//! the rayon pool parses, and a caller parked on a rayon worker could starve the pool). A
//! large EVTX file is also split across cores by chunk (`source::evtx`). With
//! [`scan_observed`], each worker also analyses the events it reads into a state of its own,
//! and the states are merged at the end.

use crate::event::{self, Event};
use crate::source::{self, InputError, InputKind, Item, Place, RecordFilter};
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

/// Events per message from a reader to the consumer.
const EVENT_BATCH: usize = 256;

/// Files larger than this are parsed with all cores inside the file.
const PARALLEL_FILE_BYTES: u64 = 8 << 20;

/// One input file and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    /// The path as given (or as found under a folder that was given).
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<InputKind>,
    pub bytes: u64,
    /// Records read (all event ids).
    pub records: u64,
    /// Events of interest typed from them.
    pub events: u64,
    pub errors: Vec<InputError>,
    /// Why the file was not read: it was found in a folder and is not evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Damage that did not cost any record (CRC mismatches, dirty header).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<InputError>,
}

/// Options for [`scan`].
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
}

/// Progress callbacks (bytes done), called from worker threads.
pub trait Progress: Sync {
    fn start(&self, _total_bytes: u64) {}
    fn advance(&self, _bytes: u64) {}
    fn finish(&self) {}
}

/// No progress display.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Per-file supervision of a scan, process-wide (see [`crate::isolate`]): told when the
/// reading of each file begins and ends, and may refuse a file. Files are numbered in the
/// order [`collect_inputs`] yields them. Calls come from worker threads.
pub trait FileWatch: Sync {
    /// Files to read before the others (the watch may make them wait for one another).
    fn first(&self, _path: &Path) -> bool {
        false
    }
    /// About to read file `index`: `Err(reason)` skips it, reported as an input error.
    fn begin(&self, _index: usize, _path: &Path) -> Result<(), String> {
        Ok(())
    }
    /// The reading of file `index` is over: `completed` is false when it unwound (panic).
    fn end(&self, _index: usize, _path: &Path, _completed: bool) {}
}

struct NoWatch;
impl FileWatch for NoWatch {}

static WATCH: std::sync::OnceLock<&'static dyn FileWatch> = std::sync::OnceLock::new();

/// Install the process's file watch (once; later calls return false). The worker process of
/// an isolated scan does this before scanning; library users normally never do.
pub fn set_file_watch(watch: &'static dyn FileWatch) -> bool {
    WATCH.set(watch).is_ok()
}

fn file_watch() -> &'static dyn FileWatch {
    WATCH.get().copied().unwrap_or(&NoWatch)
}

/// Calls [`FileWatch::end`] however the reading of a file ends.
struct Ended<'a>(&'static dyn FileWatch, usize, &'a Path);
impl Drop for Ended<'_> {
    fn drop(&mut self) {
        self.0.end(self.1, self.2, !std::thread::panicking());
    }
}

/// The records the scan types: the candidate event ids of the knowledge table.
pub(crate) struct CandidateIds;
impl RecordFilter for CandidateIds {
    fn wants_event_id(&self, id: u32) -> bool {
        crate::knowledge::events::is_candidate_id(id)
    }
}
pub(crate) static CANDIDATES: CandidateIds = CandidateIds;

/// Expand the given paths into files (folders recursively, in name order). Problems (missing
/// paths, unreadable folders, symlink loops) become reports with errors.
/// Each file comes with whether it was named on the command line (rather than found in a folder).
pub fn collect_inputs(paths: &[PathBuf]) -> (Vec<(PathBuf, bool)>, Vec<InputReport>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut seen_dirs = HashSet::new();
    for p in paths {
        let before = files.len();
        walk(p, &mut files, &mut problems, &mut seen_dirs);
        let named = files.len() == before + 1 && files[before].0 == *p;
        files[before..].iter_mut().for_each(|f| f.1 = named);
    }
    (files, problems)
}

/// Extensions that say the user meant the file as evidence: such a file that cannot be read
/// is an error even when it was found in a folder.
fn looks_like_evidence(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    // Only .evtx: .xml and .json folders also hold configuration and sidecars, and event
    // exports among them are recognised by content anyway.
    ext == "evtx"
}

fn problem(path: &Path, reason: String) -> InputReport {
    InputReport {
        file: path.display().to_string(),
        kind: None,
        bytes: 0,
        records: 0,
        events: 0,
        errors: vec![InputError::new(Place::File, reason)],
        skipped: None,
        warnings: vec![],
    }
}

fn walk(
    path: &Path,
    files: &mut Vec<(PathBuf, bool)>,
    problems: &mut Vec<InputReport>,
    seen: &mut HashSet<PathBuf>,
) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            let reason = if std::fs::symlink_metadata(path).is_ok() {
                format!("broken or looping symbolic link: {e}")
            } else {
                format!("cannot read: {e}")
            };
            problems.push(problem(path, reason));
            return;
        }
    };
    if meta.is_file() {
        files.push((path.to_path_buf(), false));
        return;
    }
    if !meta.is_dir() {
        problems.push(problem(
            path,
            "not a regular file or folder, skipped".into(),
        ));
        return;
    }
    // A folder reached twice (through a link) is a loop or a duplicate: read it once.
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !seen.insert(canonical) {
        problems.push(problem(
            path,
            "folder already scanned (symbolic link loop or duplicate), skipped".into(),
        ));
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(rd) => rd,
        Err(e) => {
            problems.push(problem(path, format!("cannot list folder: {e}")));
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        walk(&child, files, problems, seen);
    }
}

/// Events of one file in record order, as a worker hands them over (one channel message per
/// event would cost a wake-up each).
pub struct Batch {
    /// The file the events are of.
    pub file: Arc<str>,
    /// How many events the batch holds.
    pub len: usize,
    /// The events, unless the [`Observer`] said they are not wanted (then empty). Boxed: an
    /// event is some 750 bytes, and on its way from the decoder to the batch it was moved six
    /// times (memmove took 8 % of a 4624-heavy scan).
    pub events: Vec<Box<Event>>,
    /// With [`scan_observed`]'s `lines`: the batch's `--events` lines, packed for the events
    /// writer's spill ([`crate::report::events::Lines::pack`]) by the threads that read them
    /// (a block per EVTX chunk, one after the other; each reading thread compressing its own,
    /// rather than a thread of its own woken for every batch); or why they could not be.
    /// Empty without `lines`.
    pub packed_lines: std::io::Result<Vec<u8>>,
}

/// Message from a worker to the consumer.
enum Msg {
    Events(Batch),
    Done(usize, InputReport),
}

/// What the threads that read the files do with each event before handing it over: with
/// [`scan_observed`], each reading thread keeps a state of its own, observes there every event
/// it reads, and the states come back at the end to be merged (analysis state is a monoid,
/// DESIGN.md). On a logon-heavy log one consumer thread observing every event was the
/// bottleneck: the readers waited for it with a core idle.
pub struct Observer<'a, S> {
    /// A new, empty state (one per reading thread).
    pub new: &'a (dyn Fn() -> S + Sync),
    /// Observe one event (its `file` set).
    pub observe: fn(&mut S, &Event),
    /// Fold a reading thread's state into another (analysis state is a monoid: the result does
    /// not depend on how the events were shared out).
    pub merge: fn(&mut S, S),
    /// Whether the batches carry the events too. When they do not, each event is freed on
    /// the thread that observed it: the consumer had spent most of its time freeing events
    /// others had made.
    pub keep_events: bool,
}

/// Read every input, calling `on_event` (on the calling thread) for each typed event and
/// returning a report per input, in input order. Bad input never stops the scan.
pub fn scan(
    opts: &ScanOptions,
    progress: &dyn Progress,
    mut on_event: impl FnMut(Event),
) -> Vec<InputReport> {
    let observer = Observer {
        new: &|| (),
        observe: |_, _| {},
        merge: |_, _| {},
        keep_events: true,
    };
    let on_batch = |b: Batch| b.events.into_iter().for_each(|e| on_event(*e));
    scan_observed(opts, progress, false, &observer, on_batch).0
}

/// Read every input, handing over whole batches of events (see [`Batch`]), each event also
/// observed by `observer` on the thread that read it; with `lines`, each batch also carries
/// its events' `--events` lines, packed. Returns the reports, in input order, and the reading
/// threads' states merged into one.
pub fn scan_observed<S: Send>(
    opts: &ScanOptions,
    progress: &dyn Progress,
    lines: bool,
    observer: &Observer<'_, S>,
    mut on_batch: impl FnMut(Batch),
) -> (Vec<InputReport>, S) {
    let (files, mut problems) = collect_inputs(&opts.paths);
    let sizes: Vec<u64> = files
        .iter()
        .map(|(f, _)| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .collect();
    progress.start(sizes.iter().sum());
    let cores = if opts.threads == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        opts.threads
    };
    let workers = cores.min(files.len()).max(1);
    let watch = file_watch();
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| !watch.first(&files[i].0));
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::sync_channel::<Msg>(64);
    let mut reports: Vec<Option<InputReport>> = vec![None; files.len()];
    let files = Arc::new(files);
    let only_file = files.len() == 1;
    let states = std::thread::scope(|s| {
        let mut handles = Vec::with_capacity(workers);
        for _ in 0..workers {
            let tx = tx.clone();
            let files = Arc::clone(&files);
            let next = &next;
            let sizes = &sizes;
            let order = &order;
            handles.push(s.spawn(move || {
                let mut state = (observer.new)();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= order.len() {
                        break;
                    }
                    let i = order[k];
                    // One big file gets every core; many files get one core each.
                    let threads = if only_file || sizes[i] >= PARALLEL_FILE_BYTES {
                        cores
                    } else {
                        1
                    };
                    let (path, named) = &files[i];
                    let report = match watch.begin(i, path) {
                        Err(reason) => InputReport {
                            bytes: sizes[i],
                            ..problem(path, reason)
                        },
                        Ok(()) => {
                            let _end = Ended(watch, i, path);
                            let meant = *named || looks_like_evidence(path);
                            let observe = |e: &Event| (observer.observe)(&mut state, e);
                            let keep = observer.keep_events;
                            read_one(path, meant, threads, lines, observe, keep, &tx)
                        }
                    };
                    progress.advance(sizes[i]);
                    if tx.send(Msg::Done(i, report)).is_err() {
                        break;
                    }
                }
                state
            }));
        }
        drop(tx);
        for msg in rx {
            match msg {
                Msg::Events(batch) => on_batch(batch),
                Msg::Done(i, r) => reports[i] = Some(r),
            }
        }
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect::<Vec<S>>()
    });
    progress.finish();
    let mut states = states.into_iter();
    let mut state = states.next().unwrap_or_else(observer.new);
    states.for_each(|s| (observer.merge)(&mut state, s));
    let mut out: Vec<InputReport> = reports.into_iter().flatten().collect();
    out.append(&mut problems);
    (out, state)
}

/// `meant_as_evidence`: a file that is not evidence is an error (else it is skipped).
fn read_one(
    path: &Path,
    meant_as_evidence: bool,
    threads: usize,
    with_lines: bool,
    mut observe: impl FnMut(&Event) + Send,
    keep_events: bool,
    tx: &mpsc::SyncSender<Msg>,
) -> InputReport {
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut report = InputReport {
        file: file.to_string(),
        kind: None,
        bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        records: 0,
        events: 0,
        errors: vec![],
        skipped: None,
        warnings: vec![],
    };
    let kind = match source::detect(path) {
        Ok(Ok(kind)) => kind,
        Ok(Err(not)) => {
            let why = match not {
                source::detect::NotEvidence::Empty => "empty file".to_string(),
                source::detect::NotEvidence::Unrecognised(why) => why,
            };
            if meant_as_evidence {
                report.errors.push(InputError::new(Place::File, why));
            } else {
                report.skipped = Some(why);
            }
            return report;
        }
        Err(e) => {
            report
                .errors
                .push(InputError::new(Place::File, format!("cannot read: {e}")));
            return report;
        }
    };
    report.kind = Some(kind);
    let errors = Mutex::new(Vec::new());
    let mut warnings = Vec::new();
    let mut events = 0u64;
    let new_batch = || Batch {
        file: Arc::clone(&file),
        len: 0,
        events: Vec::with_capacity(if keep_events { EVENT_BATCH } else { 0 }),
        packed_lines: Ok(Vec::new()),
    };
    let mut batch = new_batch();
    // The batch's lines, packed when it is sent: one buffer, kept.
    let mut lines = crate::report::events::Lines::default();
    let send = |batch: &mut Batch, lines: &mut crate::report::events::Lines| {
        let mut full = std::mem::replace(batch, new_batch());
        if with_lines && !lines.is_empty() {
            add_packed(&mut full.packed_lines, lines.pack());
        }
        let _ = tx.send(Msg::Events(full));
    };
    // Typing runs where records are decoded: on the chunk workers for a large EVTX file; so
    // do the lines of each chunk's events, packed a chunk at a time.
    let write_lines = |values: Vec<Typed>| -> Vec<Typed> {
        let mut lines = crate::report::events::Lines::with_capacity(values.len());
        let mut out = Vec::with_capacity(values.len() + 1);
        out.push(Typed::Lines(Ok(Vec::new())));
        for v in values {
            match v {
                Typed::Event(e) => {
                    lines.push(&e);
                    out.push(Typed::Written(e));
                }
                other => out.push(other),
            }
        }
        out[0] = Typed::Lines(lines.pack());
        out
    };
    let on_chunk: Option<source::OnChunk<'_, Typed>> = with_lines.then_some(&write_lines);
    let result = source::read_file_with(
        path,
        kind,
        &CANDIDATES,
        threads,
        typed,
        on_chunk,
        &mut |item| match item {
            Item::Record(Typed::Lines(packed)) => {
                // A chunk's lines, and its events next: a batch ends between chunks.
                if batch.len >= EVENT_BATCH {
                    send(&mut batch, &mut lines);
                }
                add_packed(&mut batch.packed_lines, packed);
            }
            Item::Record(typed) => {
                // An event not of a chunk (XML, JSON Lines) has its line made here, and its
                // batch ends after it when full; one of a chunk ends none.
                let (mut e, written) = match typed {
                    Typed::Event(e) => (e, false),
                    Typed::Written(e) => (e, true),
                    Typed::Lines(_) => unreachable!("matched above"),
                };
                if with_lines && !written {
                    lines.push(&e);
                }
                e.file = Arc::clone(&file);
                observe(&e);
                events += 1;
                batch.len += 1;
                if keep_events {
                    batch.events.push(e);
                }
                if batch.len >= EVENT_BATCH && !written {
                    send(&mut batch, &mut lines);
                }
            }
            Item::Error(err) => errors.lock().unwrap().push(err),
            Item::Warning(w) => warnings.push(w),
        },
    );
    report.warnings = warnings;
    if batch.len > 0 {
        send(&mut batch, &mut lines);
    }
    report.events = events;
    report.errors.extend(errors.into_inner().unwrap());
    match result {
        Ok(records) => report.records = records,
        Err(e) => report.errors.insert(0, e),
    }
    report
}

/// What the readers hand over for a file.
enum Typed {
    /// An event, as the reader made it.
    Event(Box<Event>),
    /// The `--events` lines of the events of one EVTX chunk, made and packed
    /// ([`crate::report::events::Lines::pack`]) on the thread that decoded them (made where
    /// a file's events are taken in order, they made one thread the busiest): they come
    /// before those events, [`Typed::Written`].
    Lines(std::io::Result<Vec<u8>>),
    /// An event whose line is in the [`Typed::Lines`] before it.
    Written(Box<Event>),
}

/// `packed` after the packed lines of `to` (the spill reads them back one after the other),
/// or the first error.
fn add_packed(to: &mut std::io::Result<Vec<u8>>, packed: std::io::Result<Vec<u8>>) {
    match (to.as_mut(), packed) {
        (Ok(to), Ok(p)) if to.is_empty() => *to = p,
        (Ok(to), Ok(p)) => to.extend_from_slice(&p),
        (Ok(_), Err(e)) => *to = Err(e),
        (Err(_), _) => {}
    }
}

fn typed(r: &mut dyn source::Fields) -> Option<Typed> {
    event::from_fields(r).map(|e| Typed::Event(Box::new(e)))
}
