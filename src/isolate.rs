//! Per-file time and memory limits: the logs are read in a child process that can be killed.
//!
//! A damaged file can make a parser loop for ever or allocate without bound (the `evtx`
//! crate's tracker has both). No in-process guard holds against that: a thread cannot be
//! stopped, and a failed allocation aborts the process. So a command that reads logs runs as a
//! thin **supervisor** that re-executes its own program as a **worker** with the same
//! arguments and:
//!
//! * the worker's address space capped (`RLIMIT_AS`) at `--max-memory`;
//! * a socket on which the worker says when it begins and ends each file (numbered in
//!   [`crate::scan::collect_inputs`] order) and when an allocation failed;
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
//! What it guarantees: the scan ends, and every file that was read to the end by some run is
//! in the results exactly as without the limits. What it does not: the memory limit is on the
//! whole worker (address space, not resident memory), attributed to the file in progress; each
//! failure costs a new run over every file.

use crate::scan::{self, FileWatch};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The environment variable that makes a process a worker: the number of its socket's fd.
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

/// The worker's socket, for [`note_allocation_failure`] (-1: not a worker).
static WORKER_FD: AtomicI32 = AtomicI32::new(-1);

/// Whether this process was started as a worker by a supervisor.
pub fn is_worker() -> bool {
    std::env::var_os(WORKER_ENV).is_some()
}

/// Tell the supervisor (if any) that an allocation failed: the abort that follows is then
/// reported as the file needing more memory. Allocates nothing; called by
/// [`ReportingAlloc`].
pub fn note_allocation_failure(size: usize) {
    let fd = WORKER_FD.load(Ordering::Relaxed);
    if fd < 0 {
        return;
    }
    let mut buf = [0u8; 32];
    buf[0] = b'm';
    buf[1] = b' ';
    let mut digits = [0u8; 20];
    let (mut n, mut k) = (size, digits.len());
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let len = digits.len() - k;
    buf[2..2 + len].copy_from_slice(&digits[k..]);
    buf[2 + len] = b'\n';
    #[cfg(unix)]
    // SAFETY: writing an initialised buffer to a file descriptor; a bad fd only fails.
    unsafe {
        libc::write(fd, buf.as_ptr().cast(), 3 + len);
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

struct Worker {
    out: Mutex<std::fs::File>,
    failed: HashMap<Vec<u8>, String>,
    first: HashSet<Vec<u8>>,
    gate: Gate,
    faults: Vec<(Fault, std::ffi::OsString)>,
}

impl Worker {
    fn send(&self, line: &str) {
        use std::io::Write;
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // The supervisor gone, there is no one left to tell (and it kills us on Linux).
        let _ = out.write_all(line.as_bytes());
    }

    fn inject(&self, path: &Path) {
        let Some(name) = path.file_name() else { return };
        for (fault, n) in &self.faults {
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
}

impl FileWatch for Worker {
    fn first(&self, path: &Path) -> bool {
        self.first.contains(path_bytes(path))
    }

    fn begin(&self, index: usize, path: &Path) -> Result<(), String> {
        if let Some(reason) = self.failed.get(path_bytes(path)) {
            return Err(reason.clone());
        }
        self.gate.enter(self.first(path));
        self.send(&format!("b {index} {}\n", hex(path_bytes(path))));
        if !self.faults.is_empty() {
            self.inject(path);
        }
        Ok(())
    }

    fn end(&self, index: usize, path: &Path, completed: bool) {
        // A file whose reading unwound stays "in progress": the supervisor blames it.
        if completed {
            self.send(&format!("e {index}\n"));
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
/// that reports progress and skips the failed files. Does nothing in other processes.
pub fn start_worker() -> anyhow::Result<()> {
    let Some(value) = std::env::var_os(WORKER_ENV) else {
        return Ok(());
    };
    #[cfg(unix)]
    {
        use std::io::Read;
        use std::os::fd::FromRawFd;
        let bad = || {
            anyhow::anyhow!("{WORKER_ENV} is set to {value:?}, which is not the socket of a nullsight supervisor (unset it)")
        };
        let fd: i32 = value
            .to_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        // SAFETY: fstat only reads the fd's status into a local buffer.
        let is_socket = unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            libc::fstat(fd, &mut st) == 0 && (st.st_mode & libc::S_IFMT) == libc::S_IFSOCK
        };
        if fd < 3 || !is_socket {
            return Err(bad());
        }
        // SAFETY: the fd is an open socket handed to this process for its sole use; nothing
        // else in the process owns it. Close it on exec: it is not for our own children.
        let mut sock = unsafe {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            std::fs::File::from_raw_fd(fd)
        };
        let mut text = Vec::new();
        sock.read_to_end(&mut text)
            .map_err(|e| anyhow::anyhow!("reading the supervisor's plan: {e}"))?;
        let plan: Plan = serde_json::from_slice(&text)
            .map_err(|e| anyhow::anyhow!("the supervisor's plan is not valid: {e}"))?;
        let worker = Worker {
            out: Mutex::new(sock),
            failed: plan
                .failed
                .into_iter()
                .filter_map(|f| Some((unhex(&f.path)?, f.reason)))
                .collect(),
            first: plan.first.iter().filter_map(|p| unhex(p)).collect(),
            gate: Gate::default(),
            faults: faults_from_env(),
        };
        WORKER_FD.store(fd, Ordering::Relaxed);
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
mod supervisor {
    use super::{hex, human_bytes, unhex, Failed, Limits, Plan, Supervised, WORKER_ENV};
    use crate::report::escape::terminal;
    use std::io::{BufRead, BufReader, IsTerminal, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::process::{Command, ExitCode, ExitStatus};
    use std::sync::mpsc::{self, RecvTimeoutError};
    use std::time::Instant;

    enum Msg {
        Begin(usize, Vec<u8>),
        End(usize),
        AllocFailed,
    }

    fn parse(line: &[u8]) -> Option<Msg> {
        let line = std::str::from_utf8(line).ok()?.trim_end();
        let mut parts = line.splitn(3, ' ');
        match (parts.next()?, parts.next(), parts.next()) {
            ("b", Some(i), Some(p)) => Some(Msg::Begin(i.parse().ok()?, unhex(p)?)),
            ("e", Some(i), None) => Some(Msg::End(i.parse().ok()?)),
            ("m", _, None) => Some(Msg::AllocFailed),
            _ => None,
        }
    }

    /// What became of one worker run.
    struct Run {
        status: ExitStatus,
        pid: u32,
        /// Files begun and not ended, in the order they began.
        in_progress: Vec<Vec<u8>>,
        timed_out: Option<Vec<u8>>,
        alloc_failed: bool,
    }

    /// The program to run as the worker: this very binary (`/proc/self/exe` stays valid even
    /// if the file was replaced or deleted since).
    fn worker_program() -> std::io::Result<std::path::PathBuf> {
        let proc_exe = std::path::Path::new("/proc/self/exe");
        if cfg!(target_os = "linux") && proc_exe.exists() {
            return Ok(proc_exe.to_path_buf());
        }
        std::env::current_exe()
    }

    fn run_worker(program: &std::path::Path, limits: &Limits, plan: &Plan) -> std::io::Result<Run> {
        let (ours, theirs) = UnixStream::pair()?;
        let fd = theirs.as_raw_fd();
        let mut args = std::env::args_os();
        let mut cmd = Command::new(program);
        if let Some(arg0) = args.next() {
            cmd.arg0(arg0);
        }
        cmd.args(args).env(WORKER_ENV, fd.to_string());
        let rlimit = limits.max_memory.map(|bytes| {
            // SAFETY: getrlimit writes into a local struct.
            let mut cur = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut cur) };
            let want = libc::rlim_t::try_from(bytes).unwrap_or(libc::RLIM_INFINITY);
            let max = if cur.rlim_max == libc::RLIM_INFINITY {
                want
            } else {
                want.min(cur.rlim_max)
            };
            libc::rlimit {
                rlim_cur: max,
                rlim_max: max,
            }
        });
        // SAFETY: between fork and exec the closure only makes system calls (no allocation,
        // no lock): keep the socket across exec, cap the address space, die with the parent.
        unsafe {
            cmd.pre_exec(move || {
                if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                if let Some(r) = &rlimit {
                    if libc::setrlimit(libc::RLIMIT_AS, r) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                #[cfg(target_os = "linux")]
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd.spawn()?;
        drop(theirs);
        let plan_text = serde_json::to_vec(plan).map_err(std::io::Error::other)?;
        let reader = ours.try_clone()?;
        let (tx, rx) = mpsc::channel();
        let listener = std::thread::spawn(move || {
            let mut r = BufReader::new(reader);
            let mut line = Vec::new();
            loop {
                line.clear();
                match r.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if let Some(m) = parse(&line) {
                            if tx.send(m).is_err() {
                                break;
                            }
                        }
                    }
                }
            }
        });
        // A worker that dies before reading its plan is seen below, by its status.
        let mut w = &ours;
        let _ = w.write_all(&plan_text);
        let _ = ours.shutdown(std::net::Shutdown::Write);

        let mut in_progress: Vec<(usize, Vec<u8>, Instant)> = Vec::new();
        let mut timed_out = None;
        let mut alloc_failed = false;
        loop {
            let deadline = match (limits.file_timeout, &timed_out) {
                (Some(t), None) => in_progress.iter().map(|p| p.2 + t).min(),
                _ => None,
            };
            let msg = match deadline {
                Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match msg {
                Ok(Msg::Begin(i, p)) => in_progress.push((i, p, Instant::now())),
                Ok(Msg::End(i)) => in_progress.retain(|p| p.0 != i),
                Ok(Msg::AllocFailed) => alloc_failed = true,
                Err(RecvTimeoutError::Timeout) => {
                    let t = limits.file_timeout.unwrap_or_default();
                    let now = Instant::now();
                    if let Some(p) = in_progress.iter().find(|p| p.2 + t <= now) {
                        timed_out = Some(p.1.clone());
                        let _ = child.kill();
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        let status = child.wait()?;
        let _ = listener.join();
        Ok(Run {
            status,
            pid: child.id(),
            in_progress: in_progress.into_iter().map(|p| p.1).collect(),
            timed_out,
            alloc_failed,
        })
    }

    fn signal_name(sig: i32) -> String {
        let name = match sig {
            libc::SIGABRT => "SIGABRT",
            libc::SIGSEGV => "SIGSEGV",
            libc::SIGBUS => "SIGBUS",
            libc::SIGILL => "SIGILL",
            libc::SIGFPE => "SIGFPE",
            libc::SIGKILL => "SIGKILL",
            libc::SIGSYS => "SIGSYS",
            libc::SIGTRAP => "SIGTRAP",
            _ => return format!("signal {sig}"),
        };
        name.to_string()
    }

    /// How an abnormal run ended, as the start of a reason.
    fn what_happened(run: &Run, limits: &Limits) -> String {
        if run.alloc_failed {
            return match limits.max_memory {
                Some(m) => format!("reading needed more than {} (--max-memory)", human_bytes(m)),
                None => "reading ran out of memory".into(),
            };
        }
        match run.status.signal() {
            Some(libc::SIGKILL) => {
                "reading was killed by SIGKILL (the system may have run out of memory)".into()
            }
            Some(s) => format!("reading crashed nullsight ({})", signal_name(s)),
            None => "reading crashed nullsight (an internal error, reported on stderr)".into(),
        }
    }

    fn clear_progress_line() {
        if std::io::stderr().is_terminal() {
            eprint!("\r\x1b[2K");
        }
    }

    /// Run the command in workers until one finishes normally (see the module docs).
    /// `spills` are the `--events` destinations, whose spill files a killed worker leaves.
    pub fn supervise(limits: &Limits, spills: &[String]) -> anyhow::Result<Supervised> {
        let program = match worker_program() {
            Ok(p) => p,
            Err(e) => {
                return Ok(Supervised::Unavailable(format!(
                    "cannot find this program to run it as a worker: {e}"
                )))
            }
        };
        let mut plan = Plan::default();
        let mut started = false;
        loop {
            let run = match run_worker(&program, limits, &plan) {
                Ok(r) => r,
                Err(e) if !started => {
                    return Ok(Supervised::Unavailable(format!(
                        "cannot start a worker process ({}): {e}",
                        program.display()
                    )))
                }
                Err(e) => anyhow::bail!("cannot start a worker process again: {e}"),
            };
            started = true;
            match (run.status.code(), run.status.signal()) {
                // Finished (even if the watchdog fired as it did): its outputs are complete.
                (Some(code), _) if code != 101 => {
                    return Ok(Supervised::Done(ExitCode::from(code as u8)))
                }
                // Signals from outside (Ctrl-C, kill): not the file's doing.
                (_, Some(sig))
                    if run.timed_out.is_none()
                        && [
                            libc::SIGINT,
                            libc::SIGTERM,
                            libc::SIGHUP,
                            libc::SIGQUIT,
                            libc::SIGPIPE,
                        ]
                        .contains(&sig) =>
                {
                    return Ok(Supervised::Done(ExitCode::from(128 + sig as u8)))
                }
                _ => {}
            }
            for dest in spills {
                let _ = std::fs::remove_file(crate::report::events::spill_path(dest, run.pid));
            }
            clear_progress_line();
            // Memory is the whole process's: a file is blamed for it only when it failed while
            // being read alone. A hang or a crash is the file's own doing.
            let memory = run.alloc_failed || run.status.signal() == Some(libc::SIGKILL);
            let alone = |p: &[u8]| plan.first.contains(&hex(p));
            let culprit = match (&run.timed_out, run.in_progress.as_slice()) {
                (Some(p), _) => Some((
                    p.clone(),
                    format!(
                        "reading stopped after {} s (--file-timeout)",
                        limits.file_timeout.unwrap_or_default().as_secs()
                    ),
                )),
                (None, [one]) if !memory || alone(one) => {
                    Some((one.clone(), what_happened(&run, limits)))
                }
                _ => None,
            };
            if let Some((path, why)) = culprit {
                let key = hex(&path);
                if plan.failed.iter().any(|f| f.path == key) {
                    anyhow::bail!(
                        "{}: {why}, although it was to be skipped (the worker did not follow its plan)",
                        terminal(&String::from_utf8_lossy(&path))
                    );
                }
                eprintln!(
                    "nullsight: {}: {why}: reading the other files again without it",
                    terminal(&String::from_utf8_lossy(&path))
                );
                plan.failed.push(Failed {
                    path: key,
                    reason: format!("{why}: the file was skipped"),
                });
                continue;
            }
            let suspects: Vec<String> = run
                .in_progress
                .iter()
                .filter(|p| !alone(p))
                .map(|p| hex(p))
                .collect();
            if !suspects.is_empty() {
                eprintln!(
                    "nullsight: {} while {} file(s) were being read together: reading {} again alone, first",
                    what_happened(&run, limits),
                    run.in_progress.len(),
                    if suspects.len() == 1 { "it" } else { "them" },
                );
                plan.first.extend(suspects);
                continue;
            }
            // Nothing to blame: the process failed outside the reading of any one file.
            if run.status.code() == Some(101) {
                if let Some(m) = limits.max_memory {
                    eprintln!(
                        "nullsight: the worker failed while no file was being read (see above); if it could not start a thread or allocate, its {} (--max-memory) is too small for its threads: raise it, lower --threads, or use --no-isolation",
                        human_bytes(m)
                    );
                }
                return Ok(Supervised::Done(ExitCode::from(101)));
            }
            let how = what_happened(&run, limits);
            anyhow::bail!(
                "{} while no file was being read{}",
                how.replacen("reading ", "the scan ", 1),
                if run.alloc_failed {
                    " (the analysis of everything read needs more: raise --max-memory, or scan fewer files at a time)"
                } else {
                    ""
                }
            );
        }
    }
}

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
