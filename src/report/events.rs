//! `--events FILE.jsonl`: one JSON object per event of interest (DESIGN.md's output contract).
//!
//! `scenario` and `findings` are only known once every input has been analysed, and events
//! are far too many to hold in memory, so events are spilled to a temporary file as they come
//! and annotated on a final streaming pass. Files are read in parallel and their events
//! arrive interleaved; the final pass writes them file by file, in input order, so that two
//! runs over the same inputs write the same file.
//!
//! The spill is LZ4-compressed, a block per batch: the lines of one event type differ in a
//! few values, so a batch shrinks 15 to 20 times, and compressing it costs far less than the
//! kernel's copy of the raw lines into the page cache and back (on a 4624-heavy 1 GB log, a
//! 450 MB spill took its writer thread 0.8 CPU-seconds; BENCHMARKS.md). The threads that read
//! the files compress their batches ([`pack`]) before handing them over; the spill only
//! writes the blocks.

use crate::analyze::annotations::combine;
use crate::analyze::{Annotation, Outcome};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::{mpsc, Arc};

/// Where one batch is in the spill: its offset and its compressed length (4 bytes of raw
/// length, little-endian, then the LZ4 block).
type Block = (u64, u32);

pub struct EventsWriter {
    dest: String,
    /// The destination, being emptied while the scan runs.
    emptied: Option<super::Emptied>,
    spill_path: PathBuf,
    /// `None` once closed.
    spill: Option<BufWriter<File>>,
    /// Where each batch went, in the order they came.
    blocks: Vec<Block>,
    /// The spill's length so far.
    spilled: u64,
    files: Vec<Arc<str>>,
    file_index: HashMap<Arc<str>, usize>,
    /// Per file, its batches (indexes into `blocks`), in arrival order.
    batches: Vec<Vec<u32>>,
    pub written: u64,
}

// The spill's lines, one per event, are made by [`crate::scan::push_json_line`]:
// `RECORD_ID<TAB>` and the event's JSON after its `file` key; which file a batch is of,
// `batches`.

/// A batch of lines as the spill holds it: their length (4 bytes, little-endian), then their
/// LZ4 block. Made on the threads that read the files (see [`crate::scan::Pack`]).
pub fn pack(lines: &[u8]) -> std::io::Result<Vec<u8>> {
    thread_local! {
        /// Room for a block as large as LZ4 can make it, kept from batch to batch.
        static ROOM: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let raw = u32::try_from(lines.len())
        .map_err(|_| std::io::Error::other("a batch of events over 4 GiB cannot be spilled"))?;
    ROOM.with_borrow_mut(|room| {
        // Grown when too small, never cleared: zeroing the room for every batch again wrote
        // as many bytes as the spill's lines.
        let most = lz4_flex::block::get_maximum_output_size(lines.len());
        if room.len() < most {
            room.resize(most, 0);
        }
        let n = lz4_flex::block::compress_into(lines, room).map_err(std::io::Error::other)?;
        let mut packed = Vec::with_capacity(4 + n);
        packed.extend_from_slice(&raw.to_le_bytes());
        packed.extend_from_slice(&room[..n]);
        Ok(packed)
    })
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
        let emptied = super::prepare_output(dest)?;
        Ok(EventsWriter {
            dest: dest.to_string(),
            emptied: Some(emptied),
            spill_path,
            spill: Some(BufWriter::with_capacity(super::OUTPUT_BUFFER, spill)),
            blocks: Vec::new(),
            spilled: 0,
            files: Vec::new(),
            file_index: HashMap::new(),
            batches: Vec::new(),
            written: 0,
        })
    }

    fn index_of(&mut self, file: &Arc<str>) -> usize {
        match self.file_index.get(file) {
            Some(i) => *i,
            None => {
                self.files.push(Arc::clone(file));
                self.batches.push(Vec::new());
                self.file_index
                    .insert(Arc::clone(file), self.files.len() - 1);
                self.files.len() - 1
            }
        }
    }

    /// Close the spill: where each batch is.
    fn spill_written(&mut self) -> anyhow::Result<Vec<Block>> {
        if let Some(spill) = self.spill.take() {
            if let Err(e) = spill.into_inner() {
                return Err(self.cannot_spill(e.into_error()));
            }
        }
        Ok(std::mem::take(&mut self.blocks))
    }

    fn cannot_spill(&self, e: std::io::Error) -> anyhow::Error {
        anyhow::anyhow!(
            "cannot write the temporary file {}: {e} (check there is room on its disk, or choose another --events destination)",
            self.spill_path.display()
        )
    }

    /// Spill a batch of `events` lines of [`crate::scan::push_json_line`], all of `file`, as
    /// [`pack`] made it (or its error, reported as the spill's).
    pub fn write_lines(
        &mut self,
        file: &Arc<str>,
        packed: std::io::Result<Vec<u8>>,
        events: u64,
    ) -> anyhow::Result<()> {
        let packed = packed.map_err(|e| self.cannot_spill(e))?;
        let idx = self.index_of(file);
        let len = u32::try_from(packed.len())
            .map_err(|_| anyhow::anyhow!("a batch of events over 4 GiB cannot be spilled"))?;
        let Some(spill) = self.spill.as_mut() else {
            anyhow::bail!("internal error: events spilled after the spill was closed");
        };
        if let Err(e) = spill.write_all(&packed) {
            return Err(self.cannot_spill(e));
        }
        self.batches[idx].push(self.blocks.len() as u32);
        self.blocks.push((self.spilled, len));
        self.spilled += u64::from(len);
        self.written += events;
        Ok(())
    }

    /// Write the final file: each event with its `scenario` (when the analysis gave one) and
    /// `findings` (ids, possibly empty); the files in the order of `input_order` (the inputs
    /// as given, as the scan reports them), any other after them in the order they came.
    ///
    /// Two threads: one reads the spill back and makes the lines, this one writes them. The
    /// kernel's copy of a large events file into the page cache took as long as making it
    /// (0.15-0.2 s each on security-1g's 453 MB), one after the other.
    pub fn finish<'a>(
        mut self,
        outcome: &Outcome,
        input_order: impl IntoIterator<Item = &'a str>,
    ) -> anyhow::Result<()> {
        let blocks = self.spill_written()?;
        if let Some(e) = self.emptied.take() {
            e.wait()?;
        }
        let mut out = super::open_output(&self.dest)?;
        let mut order: Vec<usize> = Vec::with_capacity(self.files.len());
        let mut placed = vec![false; self.files.len()];
        for name in input_order {
            if let Some(&i) = self.file_index.get(name) {
                if !std::mem::replace(&mut placed[i], true) {
                    order.push(i);
                }
            }
        }
        order.extend((0..self.files.len()).filter(|&i| !placed[i]));
        let this = &self;
        let cannot_write = |e: std::io::Error| {
            anyhow::anyhow!(
                "cannot write {}: {e} (check there is room on its disk, or choose another --events destination)",
                self.dest
            )
        };
        std::thread::scope(|s| {
            // Full buffers one way, emptied ones back: a few hundred KiB in all.
            let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(4);
            let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
            let lines = std::thread::Builder::new()
                .name("events-lines".into())
                .spawn_scoped(s, move || {
                    this.make_lines(outcome, &blocks, &order, full_tx, empty_rx)
                })?;
            let mut written = Ok(());
            for buf in full_rx.iter() {
                written = out.write_all(&buf);
                if written.is_err() {
                    break;
                }
                let _ = empty_tx.send(buf);
            }
            // Dropped: a line maker still sending learns that nothing more is written.
            drop(full_rx);
            let made = lines
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error making --events lines")));
            written.map_err(cannot_write)?;
            made?;
            out.flush().map_err(cannot_write)
        })
    }

    /// The lines of [`Self::finish`], the files in `order`, sent through `full` in buffers of
    /// about 128 KiB (taken back through `empty`).
    fn make_lines(
        &self,
        outcome: &Outcome,
        blocks: &[Block],
        order: &[usize],
        full: mpsc::SyncSender<Vec<u8>>,
        empty: mpsc::Receiver<Vec<u8>>,
    ) -> anyhow::Result<()> {
        const BUF: usize = super::OUTPUT_BUFFER;
        let annotations = &outcome.annotations;
        let mut spill = File::open(&self.spill_path)?;
        // 128 KiB a write, not more: writing security-1g's 453 MB events file a MiB at a time
        // took the kernel 1.6-1.8 s of system time against 0.5-0.9 s at 32-256 KiB (ext4,
        // Linux 6.18), as `dd bs=1M` against `bs=64K` does.
        // Room for the line that takes a buffer past BUF.
        let new_buf = || Vec::with_capacity(BUF + (64 << 10));
        let mut out: Vec<u8> = new_buf();
        // The tail of each distinct annotation, made once; each line of an annotated file
        // then costs one hash lookup, a line of the others nothing.
        let tail_of = |ann: &Annotation| -> anyhow::Result<Vec<u8>> {
            let mut tail = Vec::with_capacity(64);
            if let Some(s) = ann.scenario {
                tail.extend_from_slice(b",\"scenario\":");
                serde_json::to_writer(&mut tail, s)?;
            }
            tail.extend_from_slice(b",\"findings\":");
            serde_json::to_writer(&mut tail, &ann.findings)?;
            tail.extend_from_slice(b"}\n");
            Ok(tail)
        };
        let mut tails: Vec<Vec<u8>> = Vec::with_capacity(annotations.distinct().len());
        for ann in annotations.distinct() {
            tails.push(tail_of(ann)?);
        }
        // An anonymous logon's tail: its verdict's scenario and findings, with the findings
        // it is evidence for, made once per pair. Verdicts that annotate alike are one class:
        // a flood has a verdict per client (100,000 on anon-1g) and a handful of classes.
        let verdicts = &outcome.anonymous_logons;
        let mut class_of: Vec<u32> = vec![u32::MAX; verdicts.verdict_count()];
        let mut classes: HashMap<(&'static str, &[&'static str]), u32> = HashMap::new();
        let mut anon_tails: HashMap<(u32, u32), Vec<u8>> = HashMap::new();
        let bad = || anyhow::anyhow!("internal error: the events spill file is malformed");
        // The writer stopped (its error is the one to report): stop too.
        let stopped = || anyhow::anyhow!("the events file is no longer written");
        let (mut packed, mut lines) = (Vec::new(), Vec::new());
        let mut head = Vec::new();
        for &idx in order {
            let file = &self.files[idx];
            head.clear();
            head.extend_from_slice(b"{\"file\":");
            serde_json::to_writer(&mut head, &**file)?;
            let file_tails = annotations.of_file(file).filter(|t| !t.is_empty());
            let file_verdicts = outcome.anonymous_logons.of_file(file);
            for &batch in &self.batches[idx] {
                let &(off, len) = blocks.get(batch as usize).ok_or_else(bad)?;
                spill.seek(SeekFrom::Start(off))?;
                packed.resize(len as usize, 0);
                spill.read_exact(&mut packed)?;
                let (raw_len, block) = packed.split_first_chunk::<4>().ok_or_else(bad)?;
                lines.resize(u32::from_le_bytes(*raw_len) as usize, 0);
                match lz4_flex::block::decompress_into(block, &mut lines) {
                    Ok(n) if n == lines.len() => {}
                    _ => return Err(bad()),
                }
                // memchr, not a byte-at-a-time split: this loop runs over every byte of the
                // events output. A batch is whole lines.
                let mut at = 0;
                for nl in memchr::memchr_iter(b'\n', &lines) {
                    let line = &lines[at..nl];
                    at = nl + 1;
                    if line.is_empty() {
                        continue;
                    }
                    let tab = memchr::memchr(b'\t', line).ok_or_else(bad)?;
                    let json = line[tab + 1..].strip_suffix(b"}").ok_or_else(bad)?;
                    out.extend_from_slice(&head);
                    out.extend_from_slice(json);
                    let (tail, verdict) = match (file_tails, &file_verdicts) {
                        (None, None) => (None, None),
                        (t, v) => {
                            let rid = record_id(&line[..tab]).ok_or_else(bad)?;
                            (
                                t.and_then(|t| t.get(&rid).copied()),
                                v.as_ref().and_then(|v| v.get(rid)),
                            )
                        }
                    };
                    let tail: &[u8] = match (verdict, tail) {
                        (None, None) => b",\"findings\":[]}\n",
                        (None, Some(i)) => &tails[i as usize],
                        (Some(v), i) => {
                            let class = match class_of.get(v as usize) {
                                Some(&c) if c != u32::MAX => c,
                                _ => {
                                    let n = classes.len() as u32;
                                    let ann = verdicts.verdict_annotation(v);
                                    let c = *classes.entry(ann).or_insert(n);
                                    if let Some(slot) = class_of.get_mut(v as usize) {
                                        *slot = c;
                                    }
                                    c
                                }
                            };
                            match anon_tails.entry((class, i.unwrap_or(u32::MAX))) {
                                Entry::Occupied(t) => &t.into_mut()[..],
                                Entry::Vacant(slot) => {
                                    let other = i.map(|i| &annotations.distinct()[i as usize]);
                                    let anon = verdicts.verdict_annotation(v);
                                    let ann = combine(Some(anon), other).unwrap_or_default();
                                    &slot.insert(tail_of(&ann)?)[..]
                                }
                            }
                        }
                    };
                    out.extend_from_slice(tail);
                    if out.len() >= BUF {
                        let mut next = empty.try_recv().unwrap_or_else(|_| new_buf());
                        next.clear();
                        full.send(std::mem::replace(&mut out, next))
                            .map_err(|_| stopped())?;
                    }
                }
                if at != lines.len() {
                    return Err(bad());
                }
            }
        }
        if !out.is_empty() {
            full.send(out).map_err(|_| stopped())?;
        }
        Ok(())
    }
}

/// The record id at the start of a spilled line (decimal digits).
fn record_id(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        d.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
            .flatten()
    })
}

impl Drop for EventsWriter {
    fn drop(&mut self) {
        // Closed first: a file still open cannot be removed everywhere.
        drop(self.spill.take());
        let _ = std::fs::remove_file(&self.spill_path);
    }
}

#[cfg(test)]
mod tests {
    use super::record_id;

    #[test]
    fn record_ids_of_spilled_lines() {
        assert_eq!(record_id(b"0"), Some(0));
        assert_eq!(record_id(b"1234567"), Some(1_234_567));
        assert_eq!(record_id(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(record_id(b"18446744073709551616"), None);
        for bad in [
            &b""[..],
            b"12a",
            b"-1",
            b"+1",
            b" 1",
            b"123456789012345678901",
        ] {
            assert_eq!(record_id(bad), None, "{:?}", std::str::from_utf8(bad));
        }
    }
}
