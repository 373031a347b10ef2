//! EVTX files, through the `evtx` crate.
//!
//! Records are decided on from the EventID in the record's template substitutions (slot 3 of
//! the System template, where Windows puts it) before anything is rendered; only wanted
//! records are rendered to XML and typed, on the rayon pool, chunk by chunk.

use super::{InputError, Item, Place, RawRecord, RecordFilter};
use evtx::binxml::value_variant::BinXmlValue;
use evtx::err::EvtxError;
use evtx::{EvtxParser, EvtxRecord, ParserSettings};
use std::path::Path;

const FILE_HEADER_SIZE: u64 = 4096;
const CHUNK_SIZE: u64 = 65536;

/// The EventID of a record without rendering it, when the record is a template instance
/// (records written by Windows are; some exported logs are not).
pub fn event_id_from_substitutions(rec: &EvtxRecord<'_>) -> Option<u32> {
    let instances = rec.template_instances().ok()?;
    match instances.first()?.values.get(3)? {
        BinXmlValue::UInt16Type(id) => Some(u32::from(*id)),
        _ => None,
    }
}

/// Render one record to a raw record (the full, slow path: every field).
pub fn render(rec: EvtxRecord<'_>) -> Result<RawRecord, EvtxError> {
    let record_id = rec.event_record_id;
    let xml = rec.into_xml()?;
    let mut raw =
        super::xml::parse_one(&xml.data).map_err(|reason| EvtxError::FailedToParseRecord {
            record_id,
            source: Box::new(EvtxError::CalculationError(format!(
                "rendered XML does not parse: {reason}"
            ))),
        })?;
    if raw.record_id == 0 {
        raw.record_id = record_id;
    }
    if raw.time.is_none() {
        raw.time = jiff::Timestamp::from_microsecond(xml.timestamp.as_microsecond()).ok();
    }
    Ok(raw)
}

/// Parser settings nullsight uses: no pretty-printing, checksums not enforced (dirty and
/// damaged files are normal evidence), `threads` workers (0 = all cores).
pub fn settings(threads: usize) -> ParserSettings {
    ParserSettings::new()
        .num_threads(threads)
        .indent(false)
        .validate_checksums(false)
}

/// Read an EVTX file. See [`super::read_file`].
pub fn read<T: Send + 'static>(
    path: &Path,
    filter: &'static dyn RecordFilter,
    threads: usize,
    map: fn(RawRecord) -> Option<T>,
    sink: &mut dyn FnMut(Item<T>),
) -> Result<u64, InputError> {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if len < FILE_HEADER_SIZE {
        return Err(InputError::new(
            Place::File,
            format!("file truncated: {len} bytes, shorter than the {FILE_HEADER_SIZE}-byte EVTX file header; nothing could be read"),
        ));
    }
    if let Some(e) = truncation_error(path) {
        sink(Item::Error(e));
    }
    let parser =
        EvtxParser::from_path(path).map_err(|e| InputError::new(Place::File, describe(&e)))?;
    let mut parser = parser.with_configuration(settings(threads));
    let mut seen = 0u64;
    let results = parser.serialized_records(move |rec| {
        let rec = rec?;
        if let Some(id) = event_id_from_substitutions(&rec) {
            if !filter.wants_event_id(id) {
                return Ok(Outcome::Skipped);
            }
        }
        let raw = render(rec)?;
        if !filter.wants_event_id(raw.event_id) {
            return Ok(Outcome::Skipped);
        }
        Ok(match map(raw) {
            Some(t) => Outcome::Kept(t),
            None => Outcome::Skipped,
        })
    });
    for result in results {
        match result {
            Ok(Outcome::Kept(t)) => {
                seen += 1;
                sink(Item::Record(t));
            }
            Ok(Outcome::Skipped) => seen += 1,
            Err(e) => sink(Item::Error(input_error(&e))),
        }
    }
    Ok(seen)
}

enum Outcome<T> {
    Kept(T),
    Skipped,
}

/// Where an `evtx` error is, and its whole cause chain as the reason.
pub fn input_error(e: &EvtxError) -> InputError {
    let place = match e {
        EvtxError::FailedToParseChunk { chunk_id, .. } => Place::Chunk {
            chunk: *chunk_id,
            offset: FILE_HEADER_SIZE + chunk_id * CHUNK_SIZE,
        },
        EvtxError::FailedToParseRecord { record_id, .. } => Place::Record {
            record_id: *record_id,
        },
        EvtxError::FailedToReadRecordAt {
            chunk: Some(c),
            offset,
            ..
        } => Place::Offset {
            offset: FILE_HEADER_SIZE + c * CHUNK_SIZE + offset,
        },
        _ => Place::File,
    };
    InputError::new(place, describe(e))
}

fn describe(e: &EvtxError) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(cause) = src {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
        src = cause.source();
    }
    s
}

/// Damage that does not stop records from being read: a file or chunk header whose CRC32 does
/// not match, or a dirty header (the log was not closed cleanly, so the header may be stale).
/// Reads the 4 KiB header and 512 bytes per chunk, not the records.
pub fn integrity_warnings(path: &Path) -> Vec<InputError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut out = Vec::new();
    let Ok(mut f) = std::fs::File::open(path) else {
        return out;
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut header = [0u8; 128];
    if f.read_exact(&mut header).is_err() || &header[..8] != b"ElfFile\0" {
        return out;
    }
    let stored = u32::from_le_bytes(header[124..128].try_into().unwrap());
    let computed = crc32fast::hash(&header[..120]);
    if stored != computed {
        out.push(InputError::new(
            Place::Offset { offset: 124 },
            format!("file header CRC32 mismatch (stored {stored:#010x}, computed {computed:#010x}); records were read from the chunks"),
        ));
    }
    let flags = u32::from_le_bytes(header[120..124].try_into().unwrap());
    if flags & 1 != 0 {
        out.push(InputError::new(
            Place::Offset { offset: 120 },
            "dirty file (not closed cleanly): header counts may be stale; every chunk was read",
        ));
    }
    let mut chunk = [0u8; 512];
    let mut bad = 0usize;
    let mut n = 0u64;
    while FILE_HEADER_SIZE + (n + 1) * CHUNK_SIZE <= len {
        let offset = FILE_HEADER_SIZE + n * CHUNK_SIZE;
        if f.seek(SeekFrom::Start(offset)).is_err() || f.read_exact(&mut chunk).is_err() {
            break;
        }
        // Empty and damaged-magic chunks are the record reader's to report.
        if &chunk[..8] == b"ElfChnk\0" {
            let stored = u32::from_le_bytes(chunk[124..128].try_into().unwrap());
            let mut h = crc32fast::Hasher::new();
            h.update(&chunk[..120]);
            h.update(&chunk[128..512]);
            let computed = h.finalize();
            if stored != computed {
                bad += 1;
                if bad <= 20 {
                    out.push(InputError::new(
                        Place::Chunk { chunk: n, offset },
                        format!("chunk header CRC32 mismatch (stored {stored:#010x}, computed {computed:#010x}); its records were still read"),
                    ));
                }
            }
        }
        n += 1;
    }
    if bad > 20 {
        out.push(InputError::new(
            Place::File,
            format!("{} more chunk headers with a CRC32 mismatch", bad - 20),
        ));
    }
    out
}

/// A file that ends inside a chunk lost that chunk's records: the parser cannot read a partial
/// chunk. Returns the error to report, if any.
pub fn truncation_error(path: &Path) -> Option<InputError> {
    use std::io::Read;
    let len = std::fs::metadata(path).ok()?.len();
    if len < FILE_HEADER_SIZE {
        return None; // the reader reports a short header itself
    }
    let tail = (len - FILE_HEADER_SIZE) % CHUNK_SIZE;
    let complete = (len - FILE_HEADER_SIZE) / CHUNK_SIZE;
    if tail != 0 {
        return Some(InputError::new(
            Place::Chunk { chunk: complete, offset: FILE_HEADER_SIZE + complete * CHUNK_SIZE },
            format!(
                "file truncated: it ends {tail} bytes into this chunk (a chunk is {CHUNK_SIZE} bytes); \
                 the records of this partial chunk could not be read, all earlier chunks were"
            ),
        ));
    }
    // Cut on a chunk boundary: only the header's chunk count (at offset 42) tells.
    let mut header = [0u8; 44];
    std::fs::File::open(path)
        .ok()?
        .read_exact(&mut header)
        .ok()?;
    let listed = u64::from(u16::from_le_bytes([header[42], header[43]]));
    (&header[..8] == b"ElfFile\0" && listed > complete).then(|| {
        InputError::new(
            Place::Offset { offset: len },
            format!("file truncated: the header lists {listed} chunks, the file holds {complete}; the missing chunks' records could not be read"),
        )
    })
}
