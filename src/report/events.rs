//! `--events FILE.jsonl`: one JSON object per event of interest (DESIGN.md's output contract).
//!
//! `scenario` and `findings` are only known once every input has been analysed, and events
//! are far too many to hold in memory, so events are spilled to a temporary file as they come
//! and annotated on a final streaming pass.

use crate::analyze::annotations::Annotations;
use std::collections::HashMap;
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
    /// The file of the spill's last lines.
    current: Option<usize>,
    pub written: u64,
}

// The spill: `@FILE_INDEX<LF>` when the file changes, then one line per event, made by
// [`crate::scan::push_json_line`]: `RECORD_ID<TAB>` and the event's JSON after its `file` key.

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
            current: None,
            written: 0,
        })
    }

    fn switch_to(&mut self, file: &Arc<str>) -> std::io::Result<()> {
        let idx = match self.file_index.get(file) {
            Some(i) => *i,
            None => {
                self.files.push(Arc::clone(file));
                self.file_index
                    .insert(Arc::clone(file), self.files.len() - 1);
                self.files.len() - 1
            }
        };
        if self.current != Some(idx) {
            writeln!(self.spill, "@{idx}")?;
            self.current = Some(idx);
        }
        Ok(())
    }

    /// Spill a batch serialised by the scan's workers: `lines` holds `events` lines of
    /// [`crate::scan::push_json_line`], all of `file`.
    pub fn write_lines(
        &mut self,
        file: &Arc<str>,
        lines: &[u8],
        events: u64,
    ) -> anyhow::Result<()> {
        self.switch_to(file)?;
        self.spill.write_all(lines)?;
        self.written += events;
        Ok(())
    }

    /// Write the final file: each event with its `scenario` (when the analysis gave one) and
    /// `findings` (ids, possibly empty).
    pub fn finish(mut self, annotations: &Annotations) -> anyhow::Result<()> {
        self.spill.flush()?;
        let spill = File::open(&self.spill_path)?;
        // A large buffer in front of the destination's: one write per MiB, not per line.
        let mut out = BufWriter::with_capacity(1 << 20, super::open_output(&self.dest)?);
        // The tail of each distinct annotation, made once; each line of an annotated file
        // then costs one hash lookup, a line of the others nothing.
        let mut tails: Vec<Vec<u8>> = Vec::with_capacity(annotations.distinct().len());
        for ann in annotations.distinct() {
            let mut tail = Vec::with_capacity(64);
            if let Some(s) = ann.scenario {
                tail.extend_from_slice(b",\"scenario\":");
                serde_json::to_writer(&mut tail, s)?;
            }
            tail.extend_from_slice(b",\"findings\":");
            serde_json::to_writer(&mut tail, &ann.findings)?;
            tail.extend_from_slice(b"}\n");
            tails.push(tail);
        }
        let bad = || anyhow::anyhow!("internal error: the events spill file is malformed");
        let mut reader = BufReader::with_capacity(1 << 20, spill);
        let mut line = Vec::with_capacity(4096);
        let mut file_tails: Option<&HashMap<u64, u32>> = None;
        let mut head = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            if let Some(idx) = body.strip_prefix(b"@") {
                let idx: usize = std::str::from_utf8(idx)?.parse()?;
                let file = self.files.get(idx).ok_or_else(bad)?;
                head.clear();
                head.extend_from_slice(b"{\"file\":");
                serde_json::to_writer(&mut head, &**file)?;
                file_tails = annotations.of_file(file).filter(|t| !t.is_empty());
                continue;
            }
            let tab = body.iter().position(|&b| b == b'\t').ok_or_else(bad)?;
            let json = &body[tab + 1..];
            let json = json.strip_suffix(b"}").ok_or_else(bad)?;
            out.write_all(&head)?;
            out.write_all(json)?;
            let tail = match file_tails {
                Some(t) => t.get(&std::str::from_utf8(&body[..tab])?.parse::<u64>()?),
                None => None,
            };
            out.write_all(tail.map_or(&b",\"findings\":[]}\n"[..], |&i| &tails[i as usize]))?;
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
