//! Renderers: terminal, JSON summary, JSON Lines events, CSV, HTML. They read analysis results
//! and never feed anything back.

pub mod csv;
pub mod escape;
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

/// Open `-` (standard output) or a file for writing, with a message that says what to do.
pub fn open_output(dest: &str) -> anyhow::Result<Box<dyn Write>> {
    if dest == "-" {
        return Ok(Box::new(std::io::BufWriter::with_capacity(
            OUTPUT_BUFFER,
            std::io::stdout().lock(),
        )));
    }
    let cannot = |e| anyhow::anyhow!("cannot write {dest}: {e} (check the folder exists and is writable, or use - for standard output)");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(dest)
        .map_err(cannot)?;
    // Truncated only when there is something to drop: the commands create their outputs
    // empty before a long run, to fail early, and truncating an empty file again made ext4
    // (auto_da_alloc) write the whole output out when it was closed, the process waiting on
    // it: a second on security-1g's 453 MB events file.
    if f.metadata().map_err(cannot)?.len() > 0 {
        f.set_len(0).map_err(cannot)?;
    }
    Ok(Box::new(std::io::BufWriter::with_capacity(OUTPUT_BUFFER, f)))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    #[test]
    fn an_output_replaces_what_the_file_held() {
        let dir = std::env::temp_dir().join(format!("nullsight-open-output-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.json");
        let dest = path.to_str().unwrap();
        std::fs::write(&path, "a much longer earlier output\n").unwrap();
        let mut out = super::open_output(dest).unwrap();
        out.write_all(b"new\n").unwrap();
        out.flush().unwrap();
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        // Created when missing; an empty file (made early by the commands) is written as is.
        std::fs::remove_file(&path).unwrap();
        for _ in 0..2 {
            let mut out = super::open_output(dest).unwrap();
            out.write_all(b"x").unwrap();
            out.flush().unwrap();
            drop(out);
            assert_eq!(std::fs::read_to_string(&path).unwrap(), "x");
            std::fs::File::create(&path).unwrap();
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
