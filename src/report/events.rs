//! `--events FILE.jsonl`: one JSON object per event of interest (DESIGN.md's output contract).
//!
//! `scenario` and `findings` are only known once every input has been analysed, and events
//! are far too many to hold in memory, so events are spilled to a temporary file as they come
//! and annotated on a final streaming pass.

use crate::analyze::{Annotation, EventRef};
use crate::event::Event;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

pub struct EventsWriter {
    dest: String,
    spill_path: PathBuf,
    spill: BufWriter<File>,
    files: Vec<Arc<str>>,
    file_index: HashMap<Arc<str>, usize>,
    line: Vec<u8>,
    pub written: u64,
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
        if dest != "-" {
            File::create(dest).map_err(|e| anyhow::anyhow!("cannot write {dest}: {e}"))?;
        }
        Ok(EventsWriter {
            dest: dest.to_string(),
            spill_path,
            spill: BufWriter::with_capacity(1 << 20, spill),
            files: Vec::new(),
            file_index: HashMap::new(),
            line: Vec::with_capacity(1024),
            written: 0,
        })
    }

    pub fn write(&mut self, e: &Event) -> anyhow::Result<()> {
        let idx = match self.file_index.get(&e.file) {
            Some(i) => *i,
            None => {
                self.files.push(Arc::clone(&e.file));
                self.file_index
                    .insert(Arc::clone(&e.file), self.files.len() - 1);
                self.files.len() - 1
            }
        };
        self.line.clear();
        // serde_json escapes control characters and writes valid UTF-8 whatever the log held.
        serde_json::to_writer(&mut self.line, e)?;
        writeln!(
            self.spill,
            "{idx}\t{}\t{}",
            e.record_id,
            std::str::from_utf8(&self.line)?
        )?;
        self.written += 1;
        Ok(())
    }

    /// Write the final file: each event with its `scenario` (when the analysis gave one) and
    /// `findings` (ids, possibly empty).
    pub fn finish(mut self, annotations: &BTreeMap<EventRef, Annotation>) -> anyhow::Result<()> {
        self.spill.flush()?;
        let spill = File::open(&self.spill_path)?;
        let mut out = super::open_output(&self.dest)?;
        let empty = Annotation::default();
        let mut key = EventRef {
            file: Arc::from(""),
            record_id: 0,
        };
        for line in BufReader::with_capacity(1 << 20, spill).lines() {
            let line = line?;
            let mut parts = line.splitn(3, '\t');
            let (Some(idx), Some(rid), Some(json)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            key.file = Arc::clone(&self.files[idx.parse::<usize>()?]);
            key.record_id = rid.parse()?;
            let ann = annotations.get(&key).unwrap_or(&empty);
            let body = json.strip_suffix('}').unwrap_or(json);
            out.write_all(body.as_bytes())?;
            if let Some(s) = ann.scenario {
                write!(out, ",\"scenario\":{}", serde_json::to_string(s)?)?;
            }
            writeln!(
                out,
                ",\"findings\":{}}}",
                serde_json::to_string(&ann.findings)?
            )?;
        }
        out.flush()?;
        Ok(())
    }
}

impl Drop for EventsWriter {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.spill_path);
    }
}
