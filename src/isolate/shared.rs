//! The memory a supervisor shares with its worker: a header, one slot per file in progress,
//! and the plan. The worker writes a file's slot when it begins and clears it when it ends:
//! plain memory writes, no system call and nothing for the supervisor to wake up for. The
//! supervisor reads the slots when its watchdog ticks and after the worker died.
//!
//! Layout: [`Header`] | `SLOTS` × [`Slot`] | `SLOTS` × `PATH_CAP` path bytes | plan (JSON).
//! The path area is only touched for the slots in use.

use std::io::{Error, Result};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};

const MAGIC: u64 = u64::from_le_bytes(*b"nullsig1");
/// Files in progress at once (a worker thread each); more threads wait for a free slot.
pub const SLOTS: usize = 1024;
/// Bytes of a path kept in a slot; longer paths are known by this prefix.
pub const PATH_CAP: usize = 4096;
/// The `begin` of a slot whose file's reading unwound: in progress, never late.
const UNWOUND: u64 = u64::MAX;

#[repr(C)]
struct Header {
    magic: u64,
    slots: u64,
    plan_len: u64,
    /// Set when an allocation failed in the worker.
    alloc_failed: AtomicU64,
    _pad: [u64; 4],
}

#[repr(C)]
pub struct Slot {
    /// 0: free; 1: taken by a reading thread.
    owner: AtomicU64,
    /// CLOCK_MONOTONIC nanoseconds when the file began (never 0); 0: no file in progress.
    begin: AtomicU64,
    /// The file's number in `collect_inputs` order.
    index: AtomicU64,
    /// Bytes of the path stored (at most `PATH_CAP`).
    path_len: AtomicU64,
}

const HEADER: usize = std::mem::size_of::<Header>();
const SLOTS_AT: usize = HEADER;
const PATHS_AT: usize = SLOTS_AT + SLOTS * std::mem::size_of::<Slot>();
const PLAN_AT: usize = PATHS_AT + SLOTS * PATH_CAP;

/// Nanoseconds of CLOCK_MONOTONIC, the same clock in every process of the machine.
pub fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into a local struct.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
        .max(1)
}

/// A shared mapping of the region.
pub struct Region {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the region is only accessed through atomics, or by one thread per slot for its path
// bytes (read by the supervisor under the `begin` check).
unsafe impl Send for Region {}
unsafe impl Sync for Region {}

/// An anonymous file to share (memfd on Linux, else an unlinked temporary file), close-on-exec.
fn anonymous_file() -> Result<OwnedFd> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: memfd_create with a constant C string.
        let fd = unsafe { libc::memfd_create(c"nullsight".as_ptr(), libc::MFD_CLOEXEC) };
        if fd >= 0 {
            // SAFETY: a fresh fd owned by no one else.
            return Ok(unsafe { OwnedFd::from_raw_fd(fd) });
        }
    }
    let path = std::env::temp_dir().join(format!(
        ".nullsight-shared-{}-{}",
        std::process::id(),
        now_ns()
    ));
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    let _ = std::fs::remove_file(&path);
    Ok(f.into())
}

impl Region {
    fn map(fd: &OwnedFd, len: usize) -> Result<Region> {
        // SAFETY: mapping a file we hold open, of at least `len` bytes.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(Error::last_os_error());
        }
        Ok(Region {
            ptr: ptr.cast(),
            len,
        })
    }

    /// A new region holding `plan`, and its file (close-on-exec) for the worker.
    pub fn create(plan: &[u8]) -> Result<(Region, OwnedFd)> {
        let fd = anonymous_file()?;
        let len = PLAN_AT + plan.len();
        std::fs::File::from(fd.try_clone()?).set_len(len as u64)?;
        let r = Region::map(&fd, len)?;
        // SAFETY: the mapping is `len` bytes, fresh and zeroed, and not shared with anyone yet.
        unsafe {
            let h = r.ptr.cast::<Header>();
            (*h).magic = MAGIC;
            (*h).slots = SLOTS as u64;
            (*h).plan_len = plan.len() as u64;
            std::ptr::copy_nonoverlapping(plan.as_ptr(), r.ptr.add(PLAN_AT), plan.len());
        }
        Ok((r, fd))
    }

    /// Map the region a supervisor handed over as `fd` (which is then closed).
    pub fn open(fd: OwnedFd) -> Result<Region> {
        let len = std::fs::File::from(fd.try_clone()?).metadata()?.len() as usize;
        let bad = || Error::other("not a nullsight supervisor's shared memory");
        if len < PLAN_AT {
            return Err(bad());
        }
        let r = Region::map(&fd, len)?;
        let h = r.header();
        if h.magic != MAGIC || h.slots != SLOTS as u64 || PLAN_AT as u64 + h.plan_len > len as u64 {
            return Err(bad());
        }
        Ok(r)
    }

    fn header(&self) -> &Header {
        // SAFETY: the mapping starts with a Header, and is as long as checked at creation.
        unsafe { &*self.ptr.cast::<Header>() }
    }

    pub fn plan(&self) -> &[u8] {
        let n = self.header().plan_len as usize;
        // SAFETY: checked in `open`/`create`: the plan lies inside the mapping, and nobody
        // writes it after creation.
        unsafe { std::slice::from_raw_parts(self.ptr.add(PLAN_AT), n) }
    }

    pub fn set_alloc_failed(&self) {
        self.header().alloc_failed.store(1, Ordering::Relaxed);
    }

    pub fn alloc_failed(&self) -> bool {
        self.header().alloc_failed.load(Ordering::Relaxed) != 0
    }

    fn slot(&self, i: usize) -> &Slot {
        assert!(i < SLOTS);
        // SAFETY: slot `i` lies inside the mapping.
        unsafe { &*self.ptr.add(SLOTS_AT).cast::<Slot>().add(i) }
    }

    fn path_ptr(&self, i: usize) -> *mut u8 {
        assert!(i < SLOTS);
        // SAFETY: path area `i` lies inside the mapping.
        unsafe { self.ptr.add(PATHS_AT + i * PATH_CAP) }
    }

    /// Worker: take a free slot (waiting if every one is in use) for file `index` at `path`.
    pub fn begin(&self, hint: usize, index: usize, path: &[u8]) -> usize {
        let mut i = hint % SLOTS;
        let mut tried = 0;
        loop {
            let s = self.slot(i);
            if s.owner
                .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                let n = path.len().min(PATH_CAP);
                // SAFETY: the slot is ours: nobody else writes its path area.
                unsafe { std::ptr::copy_nonoverlapping(path.as_ptr(), self.path_ptr(i), n) };
                s.index.store(index as u64, Ordering::Relaxed);
                s.path_len.store(n as u64, Ordering::Relaxed);
                s.begin.store(now_ns(), Ordering::Release);
                return i;
            }
            i = (i + 1) % SLOTS;
            tried += 1;
            if tried % SLOTS == 0 {
                std::thread::yield_now();
            }
        }
    }

    /// Worker: the reading of the file in slot `i` unwound (a panic). The file stays in
    /// progress, for the supervisor to blame when the worker dies, but no longer ages: when
    /// another file then hangs, the watchdog blames that one, not the file that crashed
    /// before it (`tests/limits.rs` failed so, now and then, on a loaded machine).
    pub fn unwound(&self, i: usize) {
        self.slot(i).begin.store(UNWOUND, Ordering::Release);
    }

    /// Worker: the file in slot `i` ended.
    pub fn end(&self, i: usize) {
        let s = self.slot(i);
        s.begin.store(0, Ordering::Release);
        s.owner.store(0, Ordering::Release);
    }

    /// Supervisor: the files in progress, as (began at, number, path), oldest first. Exact once
    /// the worker is dead; while it runs, a slot that changes as it is read is left out.
    pub fn in_progress(&self) -> Vec<(u64, usize, Vec<u8>)> {
        let mut out = Vec::new();
        for i in 0..SLOTS {
            let s = self.slot(i);
            let b1 = s.begin.load(Ordering::Acquire);
            if b1 == 0 {
                continue;
            }
            let index = s.index.load(Ordering::Relaxed) as usize;
            let n = (s.path_len.load(Ordering::Relaxed) as usize).min(PATH_CAP);
            let mut path = vec![0u8; n];
            let src = self.path_ptr(i);
            for (k, b) in path.iter_mut().enumerate() {
                // SAFETY: inside the mapping; volatile, as the worker may be writing it (a
                // torn read is detected by `begin` changing).
                *b = unsafe { std::ptr::read_volatile(src.add(k)) };
            }
            std::sync::atomic::fence(Ordering::Acquire);
            if s.begin.load(Ordering::Relaxed) == b1 {
                out.push((b1, index, path));
            }
        }
        out.sort();
        out
    }

    /// Supervisor: the oldest time a file in progress began (a cheap look, for the watchdog).
    pub fn oldest_begin(&self) -> Option<u64> {
        (0..SLOTS)
            .map(|i| self.slot(i).begin.load(Ordering::Acquire))
            .filter(|&b| b != 0)
            .min()
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly what `map` mapped.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_round_trip_between_two_mappings() {
        let (sup, fd) = Region::create(b"{\"plan\":1}").unwrap();
        let worker = Region::open(fd).unwrap();
        assert_eq!(worker.plan(), b"{\"plan\":1}");
        assert!(sup.in_progress().is_empty());
        let a = worker.begin(0, 7, b"logs/a.evtx");
        let b = worker.begin(0, 9, &vec![b'x'; PATH_CAP + 10]);
        assert_ne!(a, b);
        let seen = sup.in_progress();
        assert_eq!(seen.len(), 2);
        assert_eq!((seen[0].1, seen[0].2.as_slice()), (7, &b"logs/a.evtx"[..]));
        assert_eq!(seen[1].2.len(), PATH_CAP);
        assert!(sup.oldest_begin().unwrap() <= now_ns());
        worker.end(a);
        assert_eq!(sup.in_progress().len(), 1);
        worker.end(b);
        assert!(sup.oldest_begin().is_none());
        assert!(!sup.alloc_failed());
        worker.set_alloc_failed();
        assert!(sup.alloc_failed());
    }

    #[test]
    fn an_unwound_file_stays_in_progress_but_never_ages() {
        let (sup, fd) = Region::create(b"{}").unwrap();
        let worker = Region::open(fd).unwrap();
        let crashed = worker.begin(0, 1, b"a-crash.evtx");
        let hung = worker.begin(0, 2, b"b-hang.evtx");
        let hung_at = sup.in_progress()[1].0;
        worker.unwound(crashed);
        let seen = sup.in_progress();
        assert_eq!(seen.len(), 2);
        // The hanging file is the oldest now: the one the watchdog finds late.
        assert_eq!(seen[0].2, b"b-hang.evtx");
        assert_eq!(sup.oldest_begin(), Some(hung_at));
        worker.end(hung);
        assert_eq!(sup.in_progress().len(), 1);
        assert_eq!(sup.oldest_begin(), Some(UNWOUND));
    }
}
