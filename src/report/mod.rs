//! Renderers: terminal, JSON summary, JSON Lines events, CSV, HTML. They read analysis results
//! and never feed anything back.

pub mod csv;
pub mod escape;
pub mod events;
pub mod html;
pub mod summary;
pub mod terminal;

use std::io::Write;

/// Open `-` (standard output) or a file for writing, with a message that says what to do.
pub fn open_output(dest: &str) -> anyhow::Result<Box<dyn Write>> {
    if dest == "-" {
        return Ok(Box::new(std::io::BufWriter::new(std::io::stdout().lock())));
    }
    let f = std::fs::File::create(dest)
        .map_err(|e| anyhow::anyhow!("cannot write {dest}: {e} (check the folder exists and is writable, or use - for standard output)"))?;
    Ok(Box::new(std::io::BufWriter::new(f)))
}
