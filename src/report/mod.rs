//! Renderers: terminal, JSON summary, JSON Lines events, CSV, HTML. They read analysis results
//! and never feed anything back.

pub mod csv;
pub mod escape;
pub mod event_line;
pub mod events;
pub mod fast_json;
pub mod html;
pub mod summary;
pub mod terminal;

use std::io::Write;

/// The buffer of an output file: what one write to the kernel takes. `BufWriter`'s default, 8
/// KiB, writes at offsets that are not page-aligned, and the kernel zeroes the part of a new
/// page-cache folio that a write does not cover before it copies: 512 MB written 8,191 bytes
/// at a time took 0.34-0.38 s of system time here, 131,071 at a time 0.15 s. The zeroing
/// (`__pi_memset`) had taken as many samples as the copy itself in the thread writing
/// anon-1g's 478 MB summary.
pub const OUTPUT_BUFFER: usize = 128 << 10;

/// An output that [`prepare_output`] is emptying; [`Emptied::wait`] before writing it.
pub struct Emptied {
    dest: String,
    emptying: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Emptied {
    /// Wait until what the file held is gone.
    pub fn wait(self) -> anyhow::Result<()> {
        let Some(h) = self.emptying else {
            return Ok(());
        };
        h.join()
            .unwrap_or_else(|_| Err(std::io::Error::other("internal error")))
            .map_err(|e| cannot_write(&self.dest, e))
    }
}

/// Before a long run: check that `dest` can be written (creating it if missing), so that the
/// run does not fail at its end, and drop what it held on a thread of its own. Emptying a
/// 453 MB file took 0.09 s here (the file system freeing its blocks), and the run waited on
/// it before reading anything. `-` (standard output) needs nothing. The file is emptied once:
/// [`open_output`] then finds it empty and leaves it (see there why that matters).
pub fn prepare_output(dest: &str) -> anyhow::Result<Emptied> {
    let mut emptied = Emptied {
        dest: dest.to_string(),
        emptying: None,
    };
    if dest == "-" {
        return Ok(emptied);
    }
    let (f, held) = open_as_is(dest)?;
    if held {
        let emptying = std::thread::Builder::new()
            .name("empty-output".into())
            .spawn(move || f.set_len(0))
            .map_err(|e| cannot_write(dest, e))?;
        emptied.emptying = Some(emptying);
    }
    Ok(emptied)
}

fn cannot_write(dest: &str, e: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!("cannot write {dest}: {e} (check the folder exists and is writable, or use - for standard output)")
}

/// `dest` opened for writing, created when missing but not emptied; and whether it holds
/// anything.
fn open_as_is(dest: &str) -> anyhow::Result<(std::fs::File, bool)> {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(dest)
        .map_err(|e| cannot_write(dest, e))?;
    let len = f.metadata().map_err(|e| cannot_write(dest, e))?.len();
    Ok((f, len > 0))
}

/// Open `-` (standard output) or a file for writing, with a message that says what to do.
///
/// The buffer is outside the box: serde_json writes a pretty summary a few bytes at a time (a
/// key, a colon, each level of an indent), and through a boxed buffer each piece was a call
/// (a fifth of anon-1g's 478 MB summary); into this one each is a copy, and only full buffers
/// go through the box.
pub fn open_output(dest: &str) -> anyhow::Result<std::io::BufWriter<Box<dyn Write>>> {
    let inner: Box<dyn Write> = if dest == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        let (f, held) = open_as_is(dest)?;
        // Truncated only when there is something to drop: the commands create their outputs
        // empty before a long run, to fail early, and truncating an empty file again made
        // ext4 (auto_da_alloc) write the whole output out when it was closed, the process
        // waiting on it: a second on security-1g's 453 MB events file.
        if held {
            f.set_len(0).map_err(|e| cannot_write(dest, e))?;
        }
        Box::new(f)
    };
    Ok(std::io::BufWriter::with_capacity(OUTPUT_BUFFER, inner))
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::PathBuf;

    /// A new folder in the system's temporary one, and the path `out` in it.
    fn scratch(name: &str) -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("nullsight-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out");
        (dir, path)
    }

    /// Write `bytes` to `dest` through `open_output`, and read the file back.
    fn write_and_read(dest: &str, bytes: &[u8]) -> String {
        let mut out = super::open_output(dest).unwrap();
        out.write_all(bytes).unwrap();
        out.flush().unwrap();
        drop(out);
        std::fs::read_to_string(dest).unwrap()
    }

    #[test]
    fn an_output_replaces_what_the_file_held() {
        let (dir, path) = scratch("open-output");
        let dest = path.to_str().unwrap();
        std::fs::write(&path, "a much longer earlier output\n").unwrap();
        assert_eq!(write_and_read(dest, b"new\n"), "new\n");
        // Created when missing; an empty file (made early by the commands) is written as is.
        std::fs::remove_file(&path).unwrap();
        for _ in 0..2 {
            assert_eq!(write_and_read(dest, b"x"), "x");
            std::fs::File::create(&path).unwrap();
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// `prepare_output` creates a missing output, empties one that held something (on its
    /// thread, done when `wait` returns) and refuses one that cannot be written, naming it.
    #[test]
    fn a_prepared_output_is_empty_once_waited_for() {
        let (dir, path) = scratch("prepare-output");
        let dest = path.to_str().unwrap();
        std::fs::write(&path, "x".repeat(1 << 20)).unwrap();
        super::prepare_output(dest).unwrap().wait().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        assert_eq!(write_and_read(dest, b"new\n"), "new\n");
        std::fs::remove_file(&path).unwrap();
        super::prepare_output(dest).unwrap().wait().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        let missing = dir.join("no such folder").join("out.jsonl");
        let err = super::prepare_output(missing.to_str().unwrap())
            .err()
            .expect("a file in a missing folder cannot be written")
            .to_string();
        assert!(
            err.contains("cannot write") && err.contains("no such folder"),
            "{err}"
        );
        assert!(super::prepare_output("-").unwrap().wait().is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
