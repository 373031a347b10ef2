//! A temporary file that parts of the analysis state move to when they grow with the events
//! rather than with what is distinct in them: the anonymous logons and their verdicts, the
//! sessions of a null-session flood, the sealed time windows of a long log. Each is written
//! once, in blocks, and read back when the analysis finishes.

use std::sync::Arc;

/// A full block: in memory, or at an offset of a temporary file with its length.
#[derive(Debug, Clone)]
pub(crate) enum Block {
    Memory(Box<[u8]>),
    Disk(Arc<Spill>, u64, usize),
}

impl Block {
    /// `bytes` written to `spill`, or kept in memory if it cannot be written.
    pub(crate) fn store(spill: &Arc<Spill>, bytes: Box<[u8]>) -> Block {
        match spill.write(&bytes) {
            Some(at) => Block::Disk(Arc::clone(spill), at, bytes.len()),
            None => Block::Memory(bytes),
        }
    }

    /// The block's bytes, read into `buf` when on disk.
    pub(crate) fn bytes<'a>(&'a self, buf: &'a mut Vec<u8>) -> &'a [u8] {
        match self {
            Block::Memory(b) => b,
            Block::Disk(spill, at, len) => {
                spill.read(*at, *len, buf);
                buf
            }
        }
    }
}

/// A temporary file (in the system's temporary folder, deleted when closed) that blocks are
/// appended to. If the file cannot be made or written, blocks stay in memory.
#[derive(Debug, Default)]
pub(crate) struct Spill(std::sync::Mutex<SpillFile>);

#[derive(Debug, Default)]
enum SpillFile {
    #[default]
    NotYet,
    /// The file and its length.
    Open(std::fs::File, u64),
    /// It could not be made, or a write failed (a full disk): the blocks written before are
    /// still read back, the next ones stay in memory.
    Failed(Option<std::fs::File>),
}

impl Spill {
    /// A spill whose file could not be made: every block stays in memory (for tests).
    #[cfg(test)]
    pub(crate) fn failed() -> Spill {
        Spill(std::sync::Mutex::new(SpillFile::Failed(None)))
    }

    /// Append `block`; where it went, or `None` if it stays in memory.
    pub(crate) fn write(&self, block: &[u8]) -> Option<u64> {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(*f, SpillFile::NotYet) {
            *f = match tempfile::tempfile() {
                Ok(file) => SpillFile::Open(file, 0),
                Err(e) => {
                    warn_kept_in_memory(&e);
                    SpillFile::Failed(None)
                }
            };
        }
        let SpillFile::Open(file, len) = &mut *f else {
            return None;
        };
        let at = *len;
        match file
            .seek(SeekFrom::Start(at))
            .and_then(|_| file.write_all(block))
        {
            Ok(()) => {
                *len += block.len() as u64;
                Some(at)
            }
            Err(e) => {
                warn_kept_in_memory(&e);
                let SpillFile::Open(file, _) = std::mem::take(&mut *f) else {
                    unreachable!("open above")
                };
                *f = SpillFile::Failed(Some(file));
                None
            }
        }
    }

    /// `len` bytes from `at`, into `buf`.
    pub(crate) fn read(&self, at: u64, len: usize, buf: &mut Vec<u8>) {
        buf.resize(len, 0);
        let f = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (SpillFile::Open(file, _) | SpillFile::Failed(Some(file))) = &*f else {
            unreachable!("a block was written to the file")
        };
        // The file is this process's own: one that cannot be read back is gone from under
        // it, and the analysis cannot go on without what it holds.
        crate::source::evtx::read_at(file, at, buf).unwrap_or_else(|e| {
            panic!("cannot read back the analysis's temporary file (anonymous logons, verdicts, sessions or time windows): {e}")
        });
    }
}

/// Say once, on standard error, that the temporary file failed: the scan goes on with what
/// would have gone there in memory, which a flood of anonymous logons or a long log can
/// exhaust.
fn warn_kept_in_memory(e: &std::io::Error) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        to_stderr!(
            "nullsight: warning: cannot write a temporary file in {}: {e}; what the analysis would have written there (anonymous logons, time windows) is kept in memory instead (set TMPDIR to a writable folder with room)",
            std::env::temp_dir().display()
        );
    }
}
