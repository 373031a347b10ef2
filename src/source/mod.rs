//! Inputs → raw records.
//!
//! Every reader (EVTX, XML export, JSON Lines) produces the same [`RawRecord`]: the System
//! values plus the EventData items in document order, as text. Typing happens once, in
//! [`crate::event`], so the three readers cannot disagree about what a field means.

pub mod detect;
pub mod evtx;
pub mod fast;
pub mod jsonl;
pub mod xml;

pub use crate::event::Text;
use std::fmt;
use std::path::Path;

pub use detect::{detect, InputKind};

/// One EventData (or UserData) item: `<Data Name="X">value</Data>` or an unnamed `<Data>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataItem {
    /// Shared: the EVTX decoder hands every record of a template the same name.
    pub name: Option<std::sync::Arc<str>>,
    pub value: String,
}

/// An event record as read from any input, before typing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRecord {
    pub record_id: u64,
    /// `TimeCreated/@SystemTime`.
    pub time: Option<jiff::Timestamp>,
    pub event_id: u32,
    pub qualifiers: Option<u32>,
    pub version: Option<u32>,
    pub provider: Text,
    pub provider_guid: Option<Text>,
    pub channel: Text,
    pub computer: Text,
    /// `Security/@UserID`.
    pub user_sid: Option<Text>,
    /// EventData (or UserData) items in document order.
    pub data: Vec<DataItem>,
    /// `<Binary>` as upper-case hex, when present.
    pub binary: Option<String>,
}

impl RawRecord {
    /// The value of the named EventData item (first occurrence).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.data
            .iter()
            .find(|d| {
                d.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .map(|d| d.value.as_str())
    }

    /// The value of the named item (first occurrence), moved out, leaving it empty: typing
    /// reads each field once, and moving saves a copy of every string.
    pub fn take(&mut self, name: &str) -> Option<Text> {
        self.data
            .iter_mut()
            .find(|d| {
                d.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .map(|d| Text::from(std::mem::take(&mut d.value)))
    }

    /// The value of the n-th EventData item, for classic events whose `<Data>` carry no names.
    pub fn positional(&self, index: usize) -> Option<&str> {
        self.data.get(index).map(|d| d.value.as_str())
    }
}

/// A record as typing reads it: the System values, and the EventData items asked for by name
/// or position. A [`RawRecord`] has every value as text already; the fast EVTX decoder hands a
/// [`fast::LazyRecord`] that makes a value's text only when it is asked for, from the record's
/// substitutions (most of a 4624's twenty values are read, but none is copied twice, no
/// number is written out to be parsed again, and the names are matched once per template).
///
/// Both answer every question exactly alike: `tests/fast_path.rs` types every record of the
/// corpus both ways. A lazy record that cannot answer one (a value it does not format, an
/// EventData the XML reader reads otherwise) says so with [`Fields::give_up`], and its reader
/// types the record again from a raw record.
pub trait Fields {
    /// The System values; its `data` and `binary` are not filled by a lazy record.
    fn head(&mut self) -> &mut RawRecord;
    /// The text of the named item (first occurrence, the name compared ignoring ASCII case).
    /// After [`Fields::take_item`] of the same item, an empty text.
    fn item(&mut self, name: &'static str) -> Option<&str>;
    /// The named item's text, moved out (the item is left empty).
    fn take_item(&mut self, name: &'static str) -> Option<Text>;
    /// The named item as [`crate::event::fields::number`] reads its text.
    fn number(&mut self, name: &'static str) -> Option<u64> {
        crate::event::fields::number(self.item(name))
    }
    /// The named item as [`crate::event::fields::list`] reads its text.
    fn list(&mut self, name: &'static str) -> Vec<Text> {
        crate::event::fields::list(self.item(name))
    }
    /// The text of the n-th EventData item, for classic events whose `<Data>` carry no names
    /// (a string array is an item per string).
    fn positional(&mut self, index: usize) -> Option<&str>;
    /// The named item as [`crate::event::fields::guid`] reads its text.
    fn guid(&mut self, name: &'static str) -> Option<Text> {
        crate::event::fields::guid(self.item(name))
    }
    /// The named item as [`crate::event::fields::ip`] reads its text.
    fn ip(&mut self, name: &'static str) -> Option<Text> {
        crate::event::fields::ip(self.item(name))
    }
    /// The named item as [`crate::event::fields::port`] reads its text.
    fn port(&mut self, name: &'static str) -> Option<u16> {
        crate::event::fields::port(self.item(name))
    }
    /// `<Binary>` as upper-case hex, when present.
    fn binary(&mut self) -> Option<&str>;
    /// The whole raw record, taken out; `None` from a record that has none (the reader then
    /// makes one and asks again).
    fn take_raw(&mut self) -> Option<RawRecord>;
    /// Whether this record could not answer a question, so that what was made from it must
    /// be made again from a raw record.
    fn give_up(&self) -> bool {
        false
    }
}

impl Fields for RawRecord {
    fn head(&mut self) -> &mut RawRecord {
        self
    }
    fn item(&mut self, name: &'static str) -> Option<&str> {
        self.get(name)
    }
    fn take_item(&mut self, name: &'static str) -> Option<Text> {
        self.take(name)
    }
    fn positional(&mut self, index: usize) -> Option<&str> {
        RawRecord::positional(self, index)
    }
    fn binary(&mut self) -> Option<&str> {
        self.binary.as_deref()
    }
    fn take_raw(&mut self) -> Option<RawRecord> {
        Some(std::mem::take(self))
    }
}

/// What a reader does with each record it reads (typing, usually): `None` leaves the record out.
pub type Map<T> = fn(&mut dyn Fields) -> Option<T>;

/// Work on the values of one EVTX chunk, done on the thread that decoded it: given the chunk's
/// values in record order (never none), it returns what the sink gets in their place (see
/// [`read_file_with`]). Work done there is spread over the threads that decode a large file,
/// and what a value holds is made and freed on one thread.
pub type OnChunk<'a, T> = &'a (dyn Fn(Vec<T>) -> Vec<T> + Sync);

/// Where in an input a problem is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Place {
    /// The whole file.
    File,
    /// A byte offset into the file.
    Offset { offset: u64 },
    /// An EVTX chunk (0-based chunk number) and its byte offset.
    Chunk { chunk: u64, offset: u64 },
    /// An EVTX record, by EventRecordID.
    Record { record_id: u64 },
    /// A 1-based line number (XML, JSON Lines).
    Line { line: u64 },
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::File => write!(f, "whole file"),
            Place::Offset { offset } => write!(f, "byte offset {offset:#x}"),
            Place::Chunk { chunk, offset } => write!(f, "chunk {chunk} (byte offset {offset:#x})"),
            Place::Record { record_id } => write!(f, "record {record_id}"),
            Place::Line { line } => write!(f, "line {line}"),
        }
    }
}

/// A problem reading part of an input. The rest of the input is still read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InputError {
    pub place: Place,
    pub reason: String,
}

impl InputError {
    pub fn new(place: Place, reason: impl Into<String>) -> Self {
        InputError {
            place,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.reason)
    }
}

/// What a reader hands to its consumer: a record, or a problem with part of the input.
#[derive(Debug)]
pub enum Item<T> {
    Record(T),
    Error(InputError),
    /// Damage that cost no record (an EVTX header whose CRC32 does not match, a log not
    /// closed cleanly): the records were read all the same.
    Warning(InputError),
}

/// Chooses which records to type. Readers that can see the EventID cheaply (EVTX) use it to
/// skip everything else before rendering.
pub trait RecordFilter: Sync + Send {
    fn wants_event_id(&self, event_id: u32) -> bool;
}

/// Accepts everything.
pub struct AllRecords;
impl RecordFilter for AllRecords {
    fn wants_event_id(&self, _: u32) -> bool {
        true
    }
}

/// Read one input of a known kind, handing each raw record (or error) to `sink`.
///
/// `sink` gets the items in input order, one call at a time. For EVTX, records are decoded on
/// up to `threads` threads (0: one per core) and `map` (which turns a record into the
/// caller's type) runs there, so the expensive part is parallel; `sink` then runs on
/// whichever of those threads is free, mostly the one that decoded the chunk (hence `Send`).
/// Returns the number of records seen in the input.
pub fn read_file<T: Send + 'static>(
    path: &Path,
    kind: InputKind,
    filter: &'static dyn RecordFilter,
    threads: usize,
    map: Map<T>,
    sink: &mut (dyn FnMut(Item<T>) + Send),
) -> Result<u64, InputError> {
    read_file_with(path, kind, filter, threads, map, None, sink)
}

/// [`read_file`], with `on_chunk` run on the values of each EVTX chunk on the thread that
/// decoded it, before they reach `sink` (in chunk order, as ever). Values that are not of an
/// EVTX chunk (XML, JSON Lines) reach `sink` as `map` made them: `sink` must take both.
pub fn read_file_with<T: Send + 'static>(
    path: &Path,
    kind: InputKind,
    filter: &'static dyn RecordFilter,
    threads: usize,
    map: Map<T>,
    on_chunk: Option<OnChunk<'_, T>>,
    sink: &mut (dyn FnMut(Item<T>) + Send),
) -> Result<u64, InputError> {
    match kind {
        InputKind::Evtx => evtx::read_hooked(
            evtx::Decoder::Fast,
            path,
            filter,
            threads,
            map,
            on_chunk,
            sink,
        ),
        InputKind::Xml => xml::read(path, filter, map, sink),
        InputKind::JsonLines => jsonl::read(path, filter, map, sink),
    }
}
