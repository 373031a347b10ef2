//! Per-file time and memory limits: the logs are read in a child process that can be killed.
//!
//! A damaged file can make a parser loop for ever or allocate without bound (the `evtx`
//! crate's tracker has both). No in-process guard holds against that: a thread cannot be
//! stopped, and a failed allocation aborts the process. So a command that reads logs runs as a
//! thin **supervisor** that re-executes its own program as a **worker** with the same
//! arguments and:
//!
//! * the worker's address space capped (`RLIMIT_AS`) at `--max-memory`;
//! * memory shared with the worker ([`shared`]), where it marks each file in progress
//!   (numbered in [`crate::scan::collect_inputs`] order) and a failed allocation: no system
//!   call per file, nothing for the supervisor to wake up for;
//! * a watchdog: a file in progress longer than `--file-timeout` gets the worker killed.
//!
//! When the worker dies abnormally (killed by the watchdog, a signal, an abort after a failed
//! allocation, a panic), the culprit is the file that timed out, else the only file in
//! progress. When several were in progress, they are read again one at a time, before the
//! others, so that the next failure names one. The worker is then run again with the culprit
//! in its *plan* as a failed input with its reason: the final run reports it (file, whole file,
//! reason) with every other error, and writes every output. A killed worker's outputs are
//! rewritten by the final run, and its spill file (`--events`) is removed.
//!
//! What it guarantees: the scan ends, and the results are those of the files not skipped,
//! exactly as without the limits. What it does not: the memory limit is on the whole worker
//! (address space, not resident memory), attributed to the file in progress (a file is blamed
//! for memory only when it failed while read alone); each failure costs a new run over every
//! file.

#[cfg(unix)]
mod shared;

use crate::scan::{self, FileWatch};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The environment variable that makes a process a worker: the fd of its shared memory.
pub const WORKER_ENV: &str = "NULLSIGHT_WORKER";

/// Fault injection, debug builds only (tests): `hang:NAME`, `alloc:NAME`, `panic:NAME`,
/// comma-separated; NAME is a file name, and the worker misbehaves when it begins that file.
pub const FAULT_ENV: &str = "NULLSIGHT_FAULT";

/// Per-file limits of a supervised run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Address space of the worker, in bytes.
    pub max_memory: Option<u64>,
    /// Longest reading of one file.
    pub file_timeout: Option<Duration>,
}

/// What the supervisor tells a worker: files not to read (and why), files to read alone first.
/// Paths are the bytes of the path as found, hex-encoded (paths need not be UTF-8).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Plan {
    failed: Vec<Failed>,
    first: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Failed {
    path: String,
    reason: String,
}

fn path_bytes(p: &Path) -> &[u8] {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        p.as_os_str().as_bytes()
    }
    #[cfg(not(unix))]
    {
        p.as_os_str().as_encoded_bytes()
    }
}

fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &c in b {
        s.push(D[usize::from(c >> 4)] as char);
        s.push(D[usize::from(c & 15)] as char);
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let v = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks(2)
        .map(|p| Some(v(p[0])? << 4 | v(p[1])?))
        .collect()
}

/// `4 GiB`, `512 MiB`, or bytes.
pub fn human_bytes(n: u64) -> String {
    for (unit, name) in [
        (1u64 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ] {
        if n >= unit && n.is_multiple_of(unit) {
            return format!("{} {name}", n / unit);
        }
    }
    format!("{n} bytes")
}

/// Parse a size: bytes, or a number with a binary unit (`512M`, `512MiB`, `4G`, `4GB`...).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (examples: 512M, 4G, 0)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("{s:?}: unknown unit (use K, M, G or T)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{s:?} is too large"))
}

// ---------------------------------------------------------------------------------------
// The worker side.

/// The worker's shared memory, for [`note_allocation_failure`] (null: not a worker).
#[cfg(unix)]
static REGION: std::sync::atomic::AtomicPtr<shared::Region> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

/// Whether this process was started as a worker by a supervisor.
pub fn is_worker() -> bool {
    std::env::var_os(WORKER_ENV).is_some()
}

/// Tell the supervisor (if any) that an allocation failed: the abort that follows is then
/// reported as the file needing more memory. Allocates nothing, calls nothing; called by
/// [`ReportingAlloc`].
#[inline]
pub fn note_allocation_failure(_size: usize) {
    #[cfg(unix)]
    {
        let r = REGION.load(Ordering::Relaxed);
        if !r.is_null() {
            // SAFETY: set once to a leaked Region that lives as long as the process.
            unsafe { (*r).set_alloc_failed() };
        }
    }
}

/// How the binary's allocator gives back what it holds and does not use ([`release_memory`]);
/// set once by `main` (none in the library's tests, where it does nothing).
static RELEASE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Set what [`release_memory`] does. Only the first call counts.
pub fn set_memory_release(release: fn()) {
    let _ = RELEASE.set(release);
}

/// Have the allocator give back the memory it holds but does not use, if the binary said how.
/// A long reading calls it now and then (see `source::evtx`).
pub fn release_memory() {
    if let Some(release) = RELEASE.get() {
        release();
    }
}

/// A global allocator that reports failed allocations to the supervisor before returning
/// null (after which Rust aborts). The binary wraps its allocator in it.
pub struct ReportingAlloc<A>(pub A);

// SAFETY: every call is forwarded unchanged to the wrapped allocator.
unsafe impl<A: std::alloc::GlobalAlloc> std::alloc::GlobalAlloc for ReportingAlloc<A> {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = self.0.alloc(layout);
        if p.is_null() {
            note_allocation_failure(layout.size());
        }
        p
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = self.0.alloc_zeroed(layout);
        if p.is_null() {
            note_allocation_failure(layout.size());
        }
        p
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        self.0.dealloc(ptr, layout)
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let p = self.0.realloc(ptr, layout, new_size);
        if p.is_null() {
            note_allocation_failure(new_size);
        }
        p
    }
}

/// Lets files marked "alone" be read with no other file in progress; the others together.
#[derive(Default)]
struct Gate {
    /// (files in progress together, a file in progress alone, files waiting to go alone)
    state: Mutex<(usize, bool, usize)>,
    cv: Condvar,
}

impl Gate {
    fn enter(&self, alone: bool) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if alone {
            s.2 += 1;
            while s.0 > 0 || s.1 {
                s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
            }
            s.2 -= 1;
            s.1 = true;
        } else {
            while s.1 || s.2 > 0 {
                s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
            }
            s.0 += 1;
        }
    }

    fn leave(&self, alone: bool) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if alone {
            s.1 = false;
        } else {
            s.0 -= 1;
        }
        self.cv.notify_all();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Hang,
    Alloc,
    Panic,
}

#[cfg(unix)]
struct Worker {
    region: &'static shared::Region,
    failed: HashMap<Vec<u8>, String>,
    first: HashSet<Vec<u8>>,
    gate: Gate,
    faults: Vec<(Fault, std::ffi::OsString)>,
}

#[cfg(unix)]
thread_local! {
    /// The slot of the file this thread is reading.
    static SLOT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How a path is known to the supervisor: its bytes, at most [`shared::PATH_CAP`] of them.
#[cfg(unix)]
fn key(path: &Path) -> &[u8] {
    let b = path_bytes(path);
    &b[..b.len().min(shared::PATH_CAP)]
}

fn inject(faults: &[(Fault, std::ffi::OsString)], path: &Path) {
    let Some(name) = path.file_name() else { return };
    for (fault, n) in faults {
        if n != name {
            continue;
        }
        match fault {
            Fault::Hang => loop {
                std::thread::sleep(Duration::from_secs(1));
            },
            Fault::Alloc => {
                let mut hog: Vec<Vec<u8>> = Vec::new();
                loop {
                    hog.push(vec![1u8; 16 << 20]);
                    std::hint::black_box(&hog);
                }
            }
            Fault::Panic => panic!("fault injected ({FAULT_ENV}) reading {}", path.display()),
        }
    }
}

#[cfg(unix)]
impl FileWatch for Worker {
    fn first(&self, path: &Path) -> bool {
        self.first.contains(key(path))
    }

    fn begin(&self, index: usize, path: &Path) -> Result<(), String> {
        if let Some(reason) = self.failed.get(key(path)) {
            return Err(reason.clone());
        }
        self.gate.enter(self.first(path));
        let slot = self.region.begin(index, index, key(path));
        SLOT.with(|s| s.set(slot));
        if !self.faults.is_empty() {
            // An injected panic ends the file as a panic while reading it would.
            let injected = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                inject(&self.faults, path)
            }));
            if let Err(panic) = injected {
                self.end(index, path, false);
                std::panic::resume_unwind(panic);
            }
        }
        Ok(())
    }

    fn end(&self, _index: usize, path: &Path, completed: bool) {
        // A file whose reading unwound stays in progress: the supervisor blames it.
        let slot = SLOT.with(|s| s.get());
        if completed {
            self.region.end(slot);
        } else {
            self.region.unwound(slot);
        }
        self.gate.leave(self.first(path));
    }
}

fn faults_from_env() -> Vec<(Fault, std::ffi::OsString)> {
    if !cfg!(debug_assertions) {
        return Vec::new();
    }
    let Ok(spec) = std::env::var(FAULT_ENV) else {
        return Vec::new();
    };
    spec.split(',')
        .filter_map(|item| {
            let (kind, name) = item.split_once(':')?;
            let fault = match kind {
                "hang" => Fault::Hang,
                "alloc" => Fault::Alloc,
                "panic" => Fault::Panic,
                _ => return None,
            };
            Some((fault, name.into()))
        })
        .collect()
}

/// In a worker (see [`is_worker`]): read the supervisor's plan and install the file watch
/// that marks the files in progress and skips the failed ones. Does nothing in other processes.
pub fn start_worker() -> anyhow::Result<()> {
    let Some(value) = std::env::var_os(WORKER_ENV) else {
        return Ok(());
    };
    #[cfg(unix)]
    {
        use std::os::fd::{FromRawFd, OwnedFd};
        let bad = |why: String| {
            anyhow::anyhow!("{WORKER_ENV} is set to {value:?}, which is not from a nullsight supervisor ({why}): unset it")
        };
        let fd: i32 = value
            .to_str()
            .and_then(|s| s.parse().ok())
            .filter(|&fd| fd > 2)
            .ok_or_else(|| bad("not a file descriptor".into()))?;
        // SAFETY: fcntl on a number only queries it; an fd that is not open fails with EBADF.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
            return Err(bad("no such file descriptor".into()));
        }
        // SAFETY: the fd is open, and was handed to this process for this use alone.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let region = shared::Region::open(fd).map_err(|e| {
            if e.kind() == std::io::ErrorKind::OutOfMemory {
                // The supervisor's limit applies from the worker's first instruction.
                anyhow::anyhow!("the worker process cannot even start within --max-memory ({e}): raise --max-memory (64 MiB is ample for small scans), or use --no-isolation")
            } else {
                bad(e.to_string())
            }
        })?;
        let plan: Plan = serde_json::from_slice(region.plan())
            .map_err(|e| anyhow::anyhow!("the supervisor's plan is not valid: {e}"))?;
        let region: &'static shared::Region = Box::leak(Box::new(region));
        let worker = Worker {
            region,
            failed: plan
                .failed
                .into_iter()
                .filter_map(|f| Some((unhex(&f.path)?, f.reason)))
                .collect(),
            first: plan.first.iter().filter_map(|p| unhex(p)).collect(),
            gate: Gate::default(),
            faults: faults_from_env(),
        };
        REGION.store(
            region as *const shared::Region as *mut shared::Region,
            Ordering::Relaxed,
        );
        scan::set_file_watch(Box::leak(Box::new(worker)));
        Ok(())
    }
    #[cfg(not(unix))]
    {
        anyhow::bail!("{WORKER_ENV} is set ({value:?}) but workers exist only on Unix systems")
    }
}

// ---------------------------------------------------------------------------------------
// The supervisor side.

/// The outcome of [`supervise`].
#[derive(Debug)]
pub enum Supervised {
    /// The final worker's exit status (or the supervisor's, when the worker could not be
    /// blamed on a file).
    Done(std::process::ExitCode),
    /// No worker could be started (why): the caller reads in its own process.
    Unavailable(String),
}

#[cfg(not(unix))]
pub fn supervise(_limits: &Limits, _spills: &[String]) -> anyhow::Result<Supervised> {
    Ok(Supervised::Unavailable(
        "per-file limits need a Unix system".into(),
    ))
}

#[cfg(unix)]
pub use supervisor::supervise;

#[cfg(unix)]
mod supervisor;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("4GB"), Ok(4 << 30));
        assert_eq!(parse_size("1t"), Ok(1 << 40));
        assert!(parse_size("4X").is_err());
        assert!(parse_size("G").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert_eq!(human_bytes(4 << 30), "4 GiB");
        assert_eq!(human_bytes(512 << 20), "512 MiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
    }

    #[test]
    fn paths_travel_as_hex() {
        let p = b"dir/\xff odd\nname.evtx";
        assert_eq!(unhex(&hex(p)).as_deref(), Some(&p[..]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }

    #[test]
    fn the_gate_reads_alone_files_alone() {
        use std::sync::atomic::AtomicUsize;
        let gate = Gate::default();
        let (now, worst) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let alone_overlap = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for k in 0..8 {
                let (gate, now, worst, alone_overlap) = (&gate, &now, &worst, &alone_overlap);
                s.spawn(move || {
                    for _ in 0..50 {
                        let alone = k % 3 == 0;
                        gate.enter(alone);
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        worst.fetch_max(n, Ordering::SeqCst);
                        if alone && n != 1 {
                            alone_overlap.fetch_add(1, Ordering::SeqCst);
                        }
                        std::thread::yield_now();
                        now.fetch_sub(1, Ordering::SeqCst);
                        gate.leave(alone);
                    }
                });
            }
        });
        assert_eq!(alone_overlap.load(Ordering::SeqCst), 0);
        assert!(worst.load(Ordering::SeqCst) >= 1);
    }
}
