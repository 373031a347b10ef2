//! Writes Windows XML Event Log (EVTX) files laid out the way Windows lays them out.
//!
//! ```no_run
//! use evtx_writer::{EventData, EventRecord, EvtxWriter, FileTime, Guid, Value};
//!
//! let mut w = EvtxWriter::create("Security.evtx")?;
//! let rec = EventRecord {
//!     provider_name: "Microsoft-Windows-Security-Auditing".into(),
//!     provider_guid: Some("{54849625-5478-4994-A5BA-3E3B0328C30D}".parse()?),
//!     event_id: 4624,
//!     version: 2,
//!     task: 12544,
//!     keywords: 0x8020_0000_0000_0000,
//!     time: FileTime::from_unix(1_700_000_000, 0),
//!     channel: "Security".into(),
//!     computer: "DC01.corp.local".into(),
//!     data: EventData::Named(vec![
//!         ("TargetUserName".into(), "ANONYMOUS LOGON".into()),
//!         ("LogonType".into(), Value::U32(3)),
//!     ]),
//!     ..EventRecord::default()
//! };
//! w.write(&rec)?;
//! w.finish()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Layout
//!
//! * A 4096-byte file header (`ElfFile\0`, version 3.1 by default, CRC32 of its first 120
//!   bytes), then 64 KiB chunks, and nothing after the last chunk (like an exported log).
//! * Each chunk has its 512-byte header (record range, free-space offset, CRC32 of the records
//!   and of the header), the 64-bucket common-string table and the 32-bucket template table.
//!   Names are stored once per chunk; each template is defined inline by the first record in
//!   the chunk that uses it and referenced by offset afterwards. A record never straddles
//!   chunks: when it does not fit, the chunk is closed and the record starts a new one, where
//!   its names and templates are defined again.
//! * Each record is `** \0\0`, size, record ID, FILETIME, BinXML, padding to 8 bytes and the
//!   size again. The BinXML is a TemplateInstance of a System template whose substitution slots
//!   follow Windows' convention, which readers rely on (the `evtx` crate's
//!   `template_instances()[0].values[3]` is the EventID):
//!
//!   | slot | value | slot | value |
//!   |---|---|---|---|
//!   | 0 | Level (UInt8) | 10 | EventRecordID (UInt64) |
//!   | 1 | Opcode (UInt8) | 11 | Version (UInt8) |
//!   | 2 | Task (UInt16) | 12 | Security UserID (SID or Null) |
//!   | 3 | EventID (UInt16) | 13 | RelatedActivityID (GUID or Null) |
//!   | 4 | Qualifiers (UInt16 or Null) | 14 | Provider Name (String) |
//!   | 5 | Keywords (HexInt64) | 15 | Provider Guid (GUID) |
//!   | 6 | TimeCreated (FileTime) | 16 | Channel (String) |
//!   | 7 | ActivityID (GUID or Null) | 17 | EventData (BinXml) |
//!   | 8 | ProcessID (UInt32) | | |
//!   | 9 | ThreadID (UInt32) | | |
//!
//!   That is the layout of manifest-based providers (a provider GUID is given). Classic
//!   providers (no GUID: `NETLOGON`, `MSSQLSERVER`) get Windows' classic System template: 20
//!   slots, provider name and channel as literal text, no Version, Opcode, Correlation or
//!   Execution elements, slots 13–18 Null and EventData in slot 19. In both, the Computer is
//!   literal text in the template, as Windows writes it.
//! * EventData is a nested BinXML fragment with a TemplateInstance of its own: named
//!   `<Data Name="X">%n</Data>` items with typed values, or, for classic events, the insertion
//!   strings as one string-array value that renders as one `<Data>` per string, plus an
//!   optional `<Binary>`.

#![warn(missing_docs)]

mod chunk;
mod types;

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Seek, SeekFrom, Write};

pub use chunk::{set_chunk_crcs, set_file_header_crc};
pub use types::{FileTime, Guid, ParseError, Sid, Value};

use chunk::{Chunk, CHUNK_SIZE};

/// Size of the file header block.
const FILE_HEADER_SIZE: usize = 4096;

/// One event to write.
///
/// `Default` gives an empty manifest-less (classic) event with ID 0; set at least the provider,
/// event ID, time, channel and computer. Strings are `Cow` so callers can pass `&'static str`
/// without allocating.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventRecord<'a> {
    /// `<Provider Name>`.
    pub provider_name: Cow<'a, str>,
    /// `<Provider Guid>`. `Some` selects the manifest System layout, `None` the classic one
    /// (see the crate docs).
    pub provider_guid: Option<Guid>,
    /// `<EventID>`.
    pub event_id: u16,
    /// `<EventID Qualifiers>`; classic events have them (e.g. 0xC000 for MSSQL errors).
    pub qualifiers: Option<u16>,
    /// `<Version>` (manifest layout only).
    pub version: u8,
    /// `<Level>`.
    pub level: u8,
    /// `<Task>`.
    pub task: u16,
    /// `<Opcode>` (manifest layout only).
    pub opcode: u8,
    /// `<Keywords>`, rendered as hex.
    pub keywords: u64,
    /// `<TimeCreated SystemTime>`; also the record header's written time.
    pub time: FileTime,
    /// `<Execution ProcessID>` (manifest layout only).
    pub process_id: u32,
    /// `<Execution ThreadID>` (manifest layout only).
    pub thread_id: u32,
    /// `<Channel>`, e.g. `Security`, `System`, `Microsoft-Windows-NTLM/Operational`.
    pub channel: Cow<'a, str>,
    /// `<Computer>`.
    pub computer: Cow<'a, str>,
    /// `<Security UserID>`; `None` writes Null and the attribute is left out.
    pub user_id: Option<Sid>,
    /// `<Correlation ActivityID>` (manifest layout only).
    pub activity_id: Option<Guid>,
    /// `<Correlation RelatedActivityID>` (manifest layout only).
    pub related_activity_id: Option<Guid>,
    /// `<EventData>`.
    pub data: EventData<'a>,
}

/// The `<EventData>` of an event.
#[derive(Debug, Clone, PartialEq)]
pub enum EventData<'a> {
    /// Manifest events: `<Data Name="name">value</Data>` in this order. An empty list gives
    /// `<EventData></EventData>`.
    Named(Vec<(Cow<'a, str>, Value<'a>)>),
    /// Classic events: unnamed `<Data>` items (insertion strings %1, %2, … in order) and an
    /// optional `<Binary>` (rendered as hex).
    Positional {
        /// The insertion strings.
        strings: Vec<Cow<'a, str>>,
        /// Raw data, e.g. the MSSQL error record.
        binary: Option<Cow<'a, [u8]>>,
    },
}

impl Default for EventData<'_> {
    fn default() -> Self {
        EventData::Named(Vec::new())
    }
}

/// Errors from writing.
#[derive(Debug)]
pub enum Error {
    /// The underlying writer failed.
    Io(io::Error),
    /// The record does not fit in an empty chunk (about 64 KiB minus header and templates).
    RecordTooLarge {
        /// The record's event ID.
        event_id: u16,
    },
    /// A single value is larger than BinXML can describe.
    ValueTooLarge(&'static str),
    /// More chunks than the file header's 16-bit chunk count can hold (about 4 GiB).
    TooManyChunks,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::RecordTooLarge { event_id } => {
                write!(f, "event {event_id} does not fit in an empty 64 KiB chunk")
            }
            Error::ValueTooLarge(what) => write!(f, "value too large: {what}"),
            Error::TooManyChunks => f.write_str("more than 65535 chunks (the EVTX header limit)"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

/// File-level options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    /// ID of the first record (default 1). IDs then increase by one per record.
    pub first_record_id: u64,
    /// File format minor version: 1 (Vista and later, the default) or 2 (Windows 10 2004+).
    pub minor_version: u16,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            first_record_id: 1,
            minor_version: 1,
        }
    }
}

/// Writes an EVTX file record by record.
///
/// Chunks are built in memory and written out whole when full; [`EvtxWriter::finish`] writes
/// the last chunk and then seeks back to write the final file header. A writer dropped without
/// `finish` leaves a file with a zeroed header.
pub struct EvtxWriter<W: Write + Seek> {
    out: W,
    start: u64,
    chunk: Chunk,
    next_id: u64,
    chunks: u64,
    options: WriterOptions,
}

impl EvtxWriter<std::fs::File> {
    /// Creates (truncates) the file at `path` and writes to it with default options.
    pub fn create(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        EvtxWriter::new(std::fs::File::create(path)?)
    }
}

impl<W: Write + Seek> EvtxWriter<W> {
    /// A writer with default options. The file starts at `out`'s current position.
    pub fn new(out: W) -> Result<Self, Error> {
        EvtxWriter::with_options(out, WriterOptions::default())
    }

    /// A writer with the given options. Reserves the file header at `out`'s current position.
    pub fn with_options(mut out: W, options: WriterOptions) -> Result<Self, Error> {
        let start = out.stream_position()?;
        out.write_all(&[0u8; FILE_HEADER_SIZE])?;
        Ok(EvtxWriter {
            out,
            start,
            chunk: Chunk::new(),
            next_id: options.first_record_id,
            chunks: 0,
            options,
        })
    }

    /// Appends `rec` and returns the record ID it was given (its `EventRecordID`).
    ///
    /// On error nothing is written and the ID is not used.
    pub fn write(&mut self, rec: &EventRecord<'_>) -> Result<u64, Error> {
        let id = self.next_id;
        if !self.chunk.write_record(rec, id)? {
            if self.chunk.is_empty() {
                return Err(Error::RecordTooLarge {
                    event_id: rec.event_id,
                });
            }
            self.flush_chunk()?;
            if !self.chunk.write_record(rec, id)? {
                return Err(Error::RecordTooLarge {
                    event_id: rec.event_id,
                });
            }
        }
        self.next_id += 1;
        Ok(id)
    }

    /// The ID the next record will get.
    pub fn next_record_id(&self) -> u64 {
        self.next_id
    }

    fn flush_chunk(&mut self) -> Result<(), Error> {
        if self.chunks >= u64::from(u16::MAX) {
            return Err(Error::TooManyChunks);
        }
        let data = self.chunk.seal();
        debug_assert_eq!(data.len(), CHUNK_SIZE);
        self.out.write_all(data)?;
        self.chunk.reset();
        self.chunks += 1;
        Ok(())
    }

    /// Writes the last chunk and the final file header; returns the underlying writer,
    /// positioned at the end of the file.
    pub fn finish(mut self) -> Result<W, Error> {
        if !self.chunk.is_empty() {
            self.flush_chunk()?;
        }
        let mut h = [0u8; FILE_HEADER_SIZE];
        h[..8].copy_from_slice(b"ElfFile\0");
        // first chunk number (0), last chunk number, next record ID
        h[16..24].copy_from_slice(&self.chunks.saturating_sub(1).to_le_bytes());
        h[24..32].copy_from_slice(&self.next_id.to_le_bytes());
        h[32..36].copy_from_slice(&128u32.to_le_bytes());
        h[36..38].copy_from_slice(&self.options.minor_version.to_le_bytes());
        h[38..40].copy_from_slice(&3u16.to_le_bytes());
        h[40..42].copy_from_slice(&(FILE_HEADER_SIZE as u16).to_le_bytes());
        h[42..44].copy_from_slice(&(self.chunks as u16).to_le_bytes());
        // flags at 120 stay 0: a clean, closed log (as an exported one)
        set_file_header_crc(&mut h);
        let end = self.out.stream_position()?;
        self.out.seek(SeekFrom::Start(self.start))?;
        self.out.write_all(&h)?;
        self.out.seek(SeekFrom::Start(end))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes `records` to a new EVTX file in memory and returns its bytes.
pub fn to_bytes<'a>(
    records: impl IntoIterator<Item = &'a EventRecord<'a>>,
) -> Result<Vec<u8>, Error> {
    let mut w = EvtxWriter::new(io::Cursor::new(Vec::new()))?;
    for r in records {
        w.write(r)?;
    }
    Ok(w.finish()?.into_inner())
}
