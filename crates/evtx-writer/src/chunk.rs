//! One 64 KiB chunk being filled: its string table, template table and records.
//!
//! The layout follows what Windows writes (checked byte for byte against real records in the
//! tests): every record is `[FragmentHeader] TemplateInstance(System template) EOF`, the System
//! template is defined inline by the first record of the chunk that uses it and referenced by
//! offset afterwards, element and attribute names are defined inline at first use and
//! referenced afterwards, and `EventData` is a nested BinXML value (substitution type 0x21)
//! holding a TemplateInstance of its own.

use crate::types::{push_utf16, Guid, Value};
use crate::{Error, EventData, EventRecord};

pub(crate) const CHUNK_SIZE: usize = 65536;
pub(crate) const CHUNK_HEADER_SIZE: usize = 512;

/// The names that appear in element and attribute tokens. They are all fixed, so the chunk's
/// string table is an array indexed by this enum (no hashing or allocation per record).
#[derive(Clone, Copy)]
enum Nm {
    Event,
    Xmlns,
    System,
    Provider,
    Name,
    Guid,
    EventId,
    Qualifiers,
    Version,
    Level,
    Task,
    Opcode,
    Keywords,
    TimeCreated,
    SystemTime,
    EventRecordId,
    Correlation,
    ActivityId,
    RelatedActivityId,
    Execution,
    ProcessId,
    ThreadId,
    Channel,
    Computer,
    Security,
    UserId,
    EventData,
    Data,
    Binary,
}

const NAMES: [&str; 29] = [
    "Event",
    "xmlns",
    "System",
    "Provider",
    "Name",
    "Guid",
    "EventID",
    "Qualifiers",
    "Version",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "TimeCreated",
    "SystemTime",
    "EventRecordID",
    "Correlation",
    "ActivityID",
    "RelatedActivityID",
    "Execution",
    "ProcessID",
    "ThreadID",
    "Channel",
    "Computer",
    "Security",
    "UserID",
    "EventData",
    "Data",
    "Binary",
];

const EVENT_NS: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// The template GUID Windows uses for the EventData of classic (`EventLog`-API) events:
/// `<EventData><Data>%1 (string array)</Data><Binary>%3</Binary></EventData>`. Taken from real
/// NETLOGON and MSSQLSERVER records, which share it.
const CLASSIC_DATA_GUID: Guid = Guid([
    0x77, 0xd8, 0x29, 0x43, 0xd5, 0xd8, 0x2d, 0x51, 0xec, 0x99, 0x20, 0x1a, 0x0f, 0xd9, 0x2f, 0xc7,
]);

/// The 16-bit name hash Windows stores in the string table (and buckets by, modulo 64).
pub(crate) fn name_hash(s: &str) -> u16 {
    let mut h: u32 = 0;
    for u in s.encode_utf16() {
        h = h.wrapping_mul(65599).wrapping_add(u32::from(u));
    }
    h as u16
}

// BinXML value types used by the System template.
const T_NULL: u8 = 0x00;
const T_STR: u8 = 0x01;
const T_U8: u8 = 0x04;
const T_U16: u8 = 0x06;
const T_U32: u8 = 0x08;
const T_U64: u8 = 0x0A;
const T_BIN: u8 = 0x0E;
const T_GUID: u8 = 0x0F;
const T_FILETIME: u8 = 0x11;
const T_SID: u8 = 0x13;
const T_HEX64: u8 = 0x15;
const T_BINXML: u8 = 0x21;
const T_STR_ARRAY: u8 = 0x81;

const NO_DEP: u16 = 0xFFFF;

/// A System template defined in this chunk. Manifest-layout templates differ only by computer
/// (provider and channel are substitutions); classic ones have provider and channel as text.
struct SysTpl {
    classic: bool,
    provider: String,
    channel: String,
    computer: String,
    guid: Guid,
    offset: u32,
}

/// A named-EventData template defined in this chunk: its Data names and declared types.
struct DataTpl {
    hash: u64,
    names: Vec<String>,
    types: Vec<u8>,
    guid: Guid,
    offset: u32,
}

/// Table changes made by the record being written, undone if it does not fit.
enum Undo {
    StrBucket(usize, u32),
    TplBucket(usize, u32),
    Name(usize),
    SysTpl,
    DataTpl,
    ClassicTpl,
}

/// Open element being written; its sizes are patched when it is closed.
struct Elem {
    size_pos: usize,
    attr_pos: Option<usize>,
}

pub(crate) struct Chunk {
    pub(crate) buf: Vec<u8>,
    str_buckets: [u32; 64],
    tpl_buckets: [u32; 32],
    name_off: [u32; NAMES.len()],
    sys_tpls: Vec<SysTpl>,
    data_tpls: Vec<DataTpl>,
    classic_data_tpl: u32,
    undo: Vec<Undo>,
    pub(crate) first_id: u64,
    pub(crate) last_id: u64,
    last_record_offset: u32,
    pub(crate) records: u64,
}

fn fnv64(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h = seed;
    for p in parts {
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        // Separator so that ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// A stable template GUID from the template's logical content, so the same template gets the
/// same GUID in every chunk and every file (Windows derives its template GUIDs from content
/// too; its exact function is not known, so these GUIDs differ from Windows' own).
fn content_guid(parts: &[&[u8]]) -> Guid {
    let a = fnv64(0xcbf2_9ce4_8422_2325, parts);
    let b = fnv64(0x6c62_272e_07bb_0142, parts);
    let mut g = [0u8; 16];
    g[..8].copy_from_slice(&a.to_le_bytes());
    g[8..].copy_from_slice(&b.to_le_bytes());
    Guid(g)
}

impl Chunk {
    pub(crate) fn new() -> Chunk {
        let mut buf = Vec::with_capacity(CHUNK_SIZE + 4096);
        buf.resize(CHUNK_HEADER_SIZE, 0);
        Chunk {
            buf,
            str_buckets: [0; 64],
            tpl_buckets: [0; 32],
            name_off: [0; NAMES.len()],
            sys_tpls: Vec::new(),
            data_tpls: Vec::new(),
            classic_data_tpl: 0,
            undo: Vec::new(),
            first_id: 0,
            last_id: 0,
            last_record_offset: 0,
            records: 0,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// Empties the chunk for reuse, keeping its allocations.
    pub(crate) fn reset(&mut self) {
        self.buf.clear();
        self.buf.resize(CHUNK_HEADER_SIZE, 0);
        self.str_buckets = [0; 64];
        self.tpl_buckets = [0; 32];
        self.name_off = [0; NAMES.len()];
        self.sys_tpls.clear();
        self.data_tpls.clear();
        self.classic_data_tpl = 0;
        self.undo.clear();
        self.first_id = 0;
        self.last_id = 0;
        self.last_record_offset = 0;
        self.records = 0;
    }

    /// Fills in the chunk header (tables, record range, CRC32s) and pads the chunk to 64 KiB.
    pub(crate) fn seal(&mut self) -> &[u8] {
        let free = self.buf.len();
        self.buf.resize(CHUNK_SIZE, 0);
        let b = &mut self.buf;
        b[..8].copy_from_slice(b"ElfChnk\0");
        // Record numbers equal record IDs in a log that has never wrapped.
        b[8..16].copy_from_slice(&self.first_id.to_le_bytes());
        b[16..24].copy_from_slice(&self.last_id.to_le_bytes());
        b[24..32].copy_from_slice(&self.first_id.to_le_bytes());
        b[32..40].copy_from_slice(&self.last_id.to_le_bytes());
        b[40..44].copy_from_slice(&128u32.to_le_bytes());
        b[44..48].copy_from_slice(&self.last_record_offset.to_le_bytes());
        b[48..52].copy_from_slice(&(free as u32).to_le_bytes());
        // Every chunk Windows writes has flag 0x1 set (all samples in the corpus do).
        b[120..124].copy_from_slice(&1u32.to_le_bytes());
        for (i, o) in self.str_buckets.iter().enumerate() {
            b[128 + 4 * i..132 + 4 * i].copy_from_slice(&o.to_le_bytes());
        }
        for (i, o) in self.tpl_buckets.iter().enumerate() {
            b[384 + 4 * i..388 + 4 * i].copy_from_slice(&o.to_le_bytes());
        }
        set_chunk_crcs(b);
        &self.buf
    }

    /// Appends a record. `Ok(false)` when it does not fit in what is left of the chunk; the
    /// chunk is then as it was before the call.
    pub(crate) fn write_record(&mut self, rec: &EventRecord<'_>, id: u64) -> Result<bool, Error> {
        let start = self.buf.len();
        self.undo.clear();
        match self.encode_record(rec, id) {
            Ok(()) if self.buf.len() <= CHUNK_SIZE => {
                if self.records == 0 {
                    self.first_id = id;
                }
                self.last_id = id;
                self.last_record_offset = start as u32;
                self.records += 1;
                Ok(true)
            }
            other => {
                self.rollback(start);
                other.map(|()| false)
            }
        }
    }

    fn rollback(&mut self, start: usize) {
        self.buf.truncate(start);
        while let Some(u) = self.undo.pop() {
            match u {
                Undo::StrBucket(i, old) => self.str_buckets[i] = old,
                Undo::TplBucket(i, old) => self.tpl_buckets[i] = old,
                Undo::Name(i) => self.name_off[i] = 0,
                Undo::SysTpl => {
                    self.sys_tpls.pop();
                }
                Undo::DataTpl => {
                    self.data_tpls.pop();
                }
                Undo::ClassicTpl => self.classic_data_tpl = 0,
            }
        }
    }

    fn encode_record(&mut self, rec: &EventRecord<'_>, id: u64) -> Result<(), Error> {
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0x2a, 0x2a, 0, 0]);
        self.buf.extend_from_slice(&0u32.to_le_bytes()); // size, patched below
        self.buf.extend_from_slice(&id.to_le_bytes());
        self.buf.extend_from_slice(&rec.time.0.to_le_bytes());
        self.buf.extend_from_slice(&[0x0f, 0x01, 0x01, 0x00]);
        let classic = rec.provider_guid.is_none();
        self.system_instance(rec, id, classic)?;
        self.buf.push(0x00); // EOF
                             // Windows pads records to a multiple of 8 bytes (every record in the corpus is).
        let unpadded = self.buf.len() - start + 4;
        self.buf.resize(self.buf.len() + (8 - unpadded % 8) % 8, 0);
        let size = (self.buf.len() - start + 4) as u32;
        self.buf.extend_from_slice(&size.to_le_bytes());
        self.buf[start + 4..start + 8].copy_from_slice(&size.to_le_bytes());
        // Whether it fits in the chunk is the caller's check.
        Ok(())
    }

    // ---- low-level BinXML writing -------------------------------------------------------

    #[inline]
    fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    #[inline]
    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    fn patch_u32(&mut self, pos: usize, v: u32) {
        self.buf[pos..pos + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// A name reference: the chunk offset of the name, followed by the name itself when this
    /// is its first use in the chunk (the reader then finds the name right after the offset).
    fn name(&mut self, nm: Nm) {
        let i = nm as usize;
        let off = self.name_off[i];
        if off != 0 {
            self.u32(off);
            return;
        }
        let pos = (self.buf.len() + 4) as u32;
        self.u32(pos);
        let s = NAMES[i];
        let hash = name_hash(s);
        let bucket = usize::from(hash) % 64;
        // New names go to the head of their bucket's chain, as in Windows' chunks.
        let old = self.str_buckets[bucket];
        self.u32(old);
        self.str_buckets[bucket] = pos;
        self.undo.push(Undo::StrBucket(bucket, old));
        self.name_off[i] = pos;
        self.undo.push(Undo::Name(i));
        self.u16(hash);
        self.u16(s.len() as u16);
        push_utf16(&mut self.buf, s);
        self.u16(0);
    }

    /// OpenStartElement with a dependency ID (template definitions always carry one).
    fn open(&mut self, nm: Nm, dep: u16, has_attrs: bool) -> Elem {
        self.buf.push(if has_attrs { 0x41 } else { 0x01 });
        self.u16(dep);
        let size_pos = self.buf.len();
        self.u32(0);
        self.name(nm);
        let attr_pos = has_attrs.then(|| {
            let p = self.buf.len();
            self.u32(0);
            p
        });
        Elem { size_pos, attr_pos }
    }

    fn attr(&mut self, nm: Nm, last: bool) {
        // 0x40 on an Attribute token means more attributes follow.
        self.buf.push(if last { 0x06 } else { 0x46 });
        self.name(nm);
    }

    fn end_attrs(&mut self, e: &Elem) {
        if let Some(p) = e.attr_pos {
            let n = (self.buf.len() - p - 4) as u32;
            self.patch_u32(p, n);
        }
    }

    fn close_start(&mut self, e: &Elem) {
        self.end_attrs(e);
        self.buf.push(0x02);
    }

    fn close_empty(&mut self, e: Elem) {
        self.end_attrs(&e);
        self.buf.push(0x03);
        self.end_size(e);
    }

    fn end(&mut self, e: Elem) {
        self.buf.push(0x04);
        self.end_size(e);
    }

    fn end_size(&mut self, e: Elem) {
        let n = (self.buf.len() - e.size_pos - 4) as u32;
        self.patch_u32(e.size_pos, n);
    }

    fn subst(&mut self, index: u16, ty: u8, optional: bool) {
        self.buf.push(if optional { 0x0e } else { 0x0d });
        self.u16(index);
        self.buf.push(ty);
    }

    /// A literal text Value token (always a UTF-16 string).
    fn text(&mut self, s: &str) -> Result<(), Error> {
        let units = s.encode_utf16().count();
        let units = u16::try_from(units).map_err(|_| Error::ValueTooLarge("literal text"))?;
        self.buf.push(0x05);
        self.buf.push(0x01);
        self.u16(units);
        push_utf16(&mut self.buf, s);
        Ok(())
    }

    /// `<Element>%n</Element>` with an optional substitution, as in the System template.
    fn simple(&mut self, nm: Nm, dep: u16, index: u16, ty: u8) {
        let e = self.open(nm, dep, false);
        self.close_start(&e);
        self.subst(index, ty, true);
        self.end(e);
    }

    /// The start of a TemplateInstance: the template's ID and definition offset, and the
    /// definition itself when `existing` is `None`. Returns the definition's offset.
    fn instance(
        &mut self,
        guid: Guid,
        existing: Option<u32>,
        body: impl FnOnce(&mut Self) -> Result<(), Error>,
    ) -> Result<u32, Error> {
        self.buf.push(0x0c);
        self.buf.push(0x01);
        let id = u32::from_le_bytes([guid.0[0], guid.0[1], guid.0[2], guid.0[3]]);
        self.u32(id);
        if let Some(off) = existing {
            self.u32(off);
            return Ok(off);
        }
        let def = (self.buf.len() + 4) as u32;
        self.u32(def);
        // Windows' function for the template bucket is not known (it is not the ID, the GUID
        // or a CRC of the definition); readers only follow the chains, so use the ID.
        let bucket = (id % 32) as usize;
        let old = self.tpl_buckets[bucket];
        self.u32(old);
        self.tpl_buckets[bucket] = def;
        self.undo.push(Undo::TplBucket(bucket, old));
        self.buf.extend_from_slice(&guid.0);
        let size_pos = self.buf.len();
        self.u32(0);
        body(self)?;
        let n = (self.buf.len() - size_pos - 4) as u32;
        self.patch_u32(size_pos, n);
        Ok(def)
    }

    /// Writes `count` zeroed value descriptors; returns where they start.
    fn descriptors(&mut self, count: usize) -> usize {
        self.u32(count as u32);
        let p = self.buf.len();
        self.buf.resize(p + 4 * count, 0);
        p
    }

    fn set_desc(&mut self, desc: usize, i: usize, value_start: usize, ty: u8) -> Result<(), Error> {
        let size = u16::try_from(self.buf.len() - value_start)
            .map_err(|_| Error::ValueTooLarge("substitution value over 65535 bytes"))?;
        let p = desc + 4 * i;
        self.buf[p..p + 2].copy_from_slice(&size.to_le_bytes());
        self.buf[p + 2] = ty;
        Ok(())
    }

    fn value(&mut self, desc: usize, i: usize, v: &Value<'_>) -> Result<(), Error> {
        let s = self.buf.len();
        v.encode_into(&mut self.buf);
        self.set_desc(desc, i, s, v.instance_type())
    }

    // ---- the System template ------------------------------------------------------------

    fn system_instance(
        &mut self,
        rec: &EventRecord<'_>,
        id: u64,
        classic: bool,
    ) -> Result<(), Error> {
        let provider: &str = &rec.provider_name;
        let channel: &str = &rec.channel;
        let computer: &str = &rec.computer;
        let found = self.sys_tpls.iter().find(|t| {
            t.classic == classic
                && t.computer == computer
                && (!classic || (t.provider == provider && t.channel == channel))
        });
        match found {
            Some(t) => {
                let (guid, off) = (t.guid, t.offset);
                self.instance(guid, Some(off), |_| Ok(()))?;
            }
            None => {
                let kind: &[u8] = if classic { b"classic" } else { b"manifest" };
                let guid = if classic {
                    content_guid(&[
                        b"System",
                        kind,
                        provider.as_bytes(),
                        channel.as_bytes(),
                        computer.as_bytes(),
                    ])
                } else {
                    content_guid(&[b"System", kind, computer.as_bytes()])
                };
                let offset = self.instance(guid, None, |c| {
                    if classic {
                        c.classic_system_body(provider, channel, computer)
                    } else {
                        c.manifest_system_body(computer)
                    }
                })?;
                self.sys_tpls.push(SysTpl {
                    classic,
                    provider: if classic {
                        provider.to_owned()
                    } else {
                        String::new()
                    },
                    channel: if classic {
                        channel.to_owned()
                    } else {
                        String::new()
                    },
                    computer: computer.to_owned(),
                    guid,
                    offset,
                });
                self.undo.push(Undo::SysTpl);
            }
        }

        // The substitution values, in Windows' slot order (see the crate docs).
        let n = if classic { 20 } else { 18 };
        let desc = self.descriptors(n);
        let null = Value::Null;
        let opt_guid = |g: Option<Guid>| g.map_or(Value::Null, Value::Guid);
        let fixed: [Value<'_>; 13] = [
            Value::U8(rec.level),
            Value::U8(rec.opcode),
            Value::U16(rec.task),
            Value::U16(rec.event_id),
            rec.qualifiers.map_or(Value::Null, Value::U16),
            Value::HexInt64(rec.keywords),
            Value::FileTime(rec.time),
            if classic {
                Value::Null
            } else {
                opt_guid(rec.activity_id)
            },
            Value::U32(rec.process_id),
            Value::U32(rec.thread_id),
            Value::U64(id),
            Value::U8(rec.version),
            rec.user_id.map_or(Value::Null, Value::Sid),
        ];
        for (i, v) in fixed.iter().enumerate() {
            self.value(desc, i, v)?;
        }
        if classic {
            for i in 13..19 {
                self.value(desc, i, &null)?;
            }
        } else {
            self.value(desc, 13, &opt_guid(rec.related_activity_id))?;
            let s = self.buf.len();
            push_utf16(&mut self.buf, provider);
            self.set_desc(desc, 14, s, T_STR)?;
            self.value(desc, 15, &opt_guid(rec.provider_guid))?;
            let s = self.buf.len();
            push_utf16(&mut self.buf, channel);
            self.set_desc(desc, 16, s, T_STR)?;
        }
        let s = self.buf.len();
        self.buf.extend_from_slice(&[0x0f, 0x01, 0x01, 0x00]);
        match &rec.data {
            EventData::Named(items) => self.named_data(items)?,
            EventData::Positional { strings, binary } => {
                self.classic_data(strings, binary.as_deref())?
            }
        }
        self.buf.push(0x00); // EOF of the nested fragment
        self.set_desc(desc, n - 1, s, T_BINXML)
    }

    fn event_open(&mut self, dep: u16) -> Result<Elem, Error> {
        self.buf.extend_from_slice(&[0x0f, 0x01, 0x01, 0x00]);
        let ev = self.open(Nm::Event, dep, true);
        self.attr(Nm::Xmlns, true);
        self.text(EVENT_NS)?;
        self.close_start(&ev);
        Ok(ev)
    }

    /// The System template of manifest-based providers (the Security-Auditing layout):
    /// provider name/GUID and channel are substitutions 14–16, the computer is literal text,
    /// EventData is substitution 17.
    fn manifest_system_body(&mut self, computer: &str) -> Result<(), Error> {
        let ev = self.event_open(17)?;
        let sys = self.open(Nm::System, NO_DEP, false);
        self.close_start(&sys);

        let p = self.open(Nm::Provider, NO_DEP, true);
        self.attr(Nm::Name, false);
        self.subst(14, T_STR, true);
        self.attr(Nm::Guid, true);
        self.subst(15, T_GUID, true);
        self.close_empty(p);

        let e = self.open(Nm::EventId, 3, true);
        self.attr(Nm::Qualifiers, true);
        self.subst(4, T_U16, true);
        self.close_start(&e);
        self.subst(3, T_U16, true);
        self.end(e);

        self.simple(Nm::Version, 11, 11, T_U8);
        self.simple(Nm::Level, 0, 0, T_U8);
        self.simple(Nm::Task, 2, 2, T_U16);
        self.simple(Nm::Opcode, 1, 1, T_U8);
        self.simple(Nm::Keywords, 5, 5, T_HEX64);

        let t = self.open(Nm::TimeCreated, NO_DEP, true);
        self.attr(Nm::SystemTime, true);
        self.subst(6, T_FILETIME, true);
        self.close_empty(t);

        self.simple(Nm::EventRecordId, 10, 10, T_U64);

        let c = self.open(Nm::Correlation, NO_DEP, true);
        self.attr(Nm::ActivityId, false);
        self.subst(7, T_GUID, true);
        self.attr(Nm::RelatedActivityId, true);
        self.subst(13, T_GUID, true);
        self.close_empty(c);

        let x = self.open(Nm::Execution, NO_DEP, true);
        self.attr(Nm::ProcessId, false);
        self.subst(8, T_U32, true);
        self.attr(Nm::ThreadId, true);
        self.subst(9, T_U32, true);
        self.close_empty(x);

        self.simple(Nm::Channel, 16, 16, T_STR);
        self.computer_and_security(computer)?;
        self.end(sys);
        self.subst(17, T_BINXML, true);
        self.end(ev);
        self.buf.push(0x00);
        Ok(())
    }

    /// The System template of classic providers (NETLOGON, MSSQLSERVER): provider name and
    /// channel are literal text, there is no Version, Opcode, Correlation or Execution, and
    /// EventData is substitution 19.
    fn classic_system_body(
        &mut self,
        provider: &str,
        channel: &str,
        computer: &str,
    ) -> Result<(), Error> {
        let ev = self.event_open(19)?;
        let sys = self.open(Nm::System, NO_DEP, false);
        self.close_start(&sys);

        let p = self.open(Nm::Provider, NO_DEP, true);
        self.attr(Nm::Name, true);
        self.text(provider)?;
        self.close_empty(p);

        let e = self.open(Nm::EventId, 3, true);
        self.attr(Nm::Qualifiers, true);
        self.subst(4, T_U16, true);
        self.close_start(&e);
        self.subst(3, T_U16, true);
        self.end(e);

        self.simple(Nm::Level, 0, 0, T_U8);
        self.simple(Nm::Task, 2, 2, T_U16);
        self.simple(Nm::Keywords, 5, 5, T_HEX64);

        let t = self.open(Nm::TimeCreated, NO_DEP, true);
        self.attr(Nm::SystemTime, true);
        self.subst(6, T_FILETIME, true);
        self.close_empty(t);

        self.simple(Nm::EventRecordId, 10, 10, T_U64);

        let ch = self.open(Nm::Channel, NO_DEP, false);
        self.close_start(&ch);
        self.text(channel)?;
        self.end(ch);

        self.computer_and_security(computer)?;
        self.end(sys);
        self.subst(19, T_BINXML, true);
        self.end(ev);
        self.buf.push(0x00);
        Ok(())
    }

    fn computer_and_security(&mut self, computer: &str) -> Result<(), Error> {
        let c = self.open(Nm::Computer, NO_DEP, false);
        self.close_start(&c);
        self.text(computer)?;
        self.end(c);

        let s = self.open(Nm::Security, NO_DEP, true);
        self.attr(Nm::UserId, true);
        self.subst(12, T_SID, true);
        self.close_empty(s);
        Ok(())
    }

    // ---- EventData ----------------------------------------------------------------------

    fn named_data(
        &mut self,
        items: &[(std::borrow::Cow<'_, str>, Value<'_>)],
    ) -> Result<(), Error> {
        if items.len() > usize::from(u16::MAX) {
            return Err(Error::ValueTooLarge("more than 65535 Data items"));
        }
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        for (name, v) in items {
            for &b in name
                .as_bytes()
                .iter()
                .chain(std::iter::once(&v.template_type()))
            {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x100_0000_01b3);
            }
        }
        let found = self.data_tpls.iter().find(|t| {
            t.hash == hash
                && t.names.len() == items.len()
                && t.names
                    .iter()
                    .zip(&t.types)
                    .zip(items)
                    .all(|((n, &ty), (name, v))| n == name && ty == v.template_type())
        });
        match found {
            Some(t) => {
                let (guid, off) = (t.guid, t.offset);
                self.instance(guid, Some(off), |_| Ok(()))?;
            }
            None => {
                let mut parts: Vec<&[u8]> = vec![b"EventData"];
                let types: Vec<u8> = items.iter().map(|(_, v)| v.template_type()).collect();
                for (name, _) in items {
                    parts.push(name.as_bytes());
                }
                parts.push(&types);
                let guid = content_guid(&parts);
                let offset = self.instance(guid, None, |c| {
                    c.buf.extend_from_slice(&[0x0f, 0x01, 0x01, 0x00]);
                    let ed = c.open(Nm::EventData, NO_DEP, false);
                    c.close_start(&ed);
                    for (i, (name, v)) in items.iter().enumerate() {
                        let d = c.open(Nm::Data, NO_DEP, true);
                        c.attr(Nm::Name, true);
                        c.text(name)?;
                        c.close_start(&d);
                        // Windows uses normal (not optional) substitutions for Data values.
                        c.subst(i as u16, v.template_type(), false);
                        c.end(d);
                    }
                    c.end(ed);
                    c.buf.push(0x00);
                    Ok(())
                })?;
                self.data_tpls.push(DataTpl {
                    hash,
                    names: items.iter().map(|(n, _)| n.to_string()).collect(),
                    types,
                    guid,
                    offset,
                });
                self.undo.push(Undo::DataTpl);
            }
        }
        let desc = self.descriptors(items.len());
        for (i, (_, v)) in items.iter().enumerate() {
            self.value(desc, i, v)?;
        }
        Ok(())
    }

    /// Classic EventData: `<Data>` repeated once per insertion string (a string-array value)
    /// and an optional `<Binary>`, with the binary's length in substitution 1, as Windows
    /// writes events reported through the classic EventLog API.
    fn classic_data(
        &mut self,
        strings: &[std::borrow::Cow<'_, str>],
        binary: Option<&[u8]>,
    ) -> Result<(), Error> {
        let existing = (self.classic_data_tpl != 0).then_some(self.classic_data_tpl);
        let offset = self.instance(CLASSIC_DATA_GUID, existing, |c| {
            c.buf.extend_from_slice(&[0x0f, 0x01, 0x01, 0x00]);
            let ed = c.open(Nm::EventData, NO_DEP, false);
            c.close_start(&ed);
            let d = c.open(Nm::Data, 0, false);
            c.close_start(&d);
            c.subst(0, T_STR_ARRAY, true);
            c.end(d);
            let b = c.open(Nm::Binary, 2, false);
            c.close_start(&b);
            c.subst(2, T_BIN, true);
            c.end(b);
            c.end(ed);
            c.buf.push(0x00);
            Ok(())
        })?;
        if existing.is_none() {
            self.classic_data_tpl = offset;
            self.undo.push(Undo::ClassicTpl);
        }
        let desc = self.descriptors(3);
        let s = self.buf.len();
        if strings.is_empty() {
            self.set_desc(desc, 0, s, T_NULL)?;
        } else {
            for st in strings {
                push_utf16(&mut self.buf, st);
                self.u16(0);
            }
            self.set_desc(desc, 0, s, T_STR_ARRAY)?;
        }
        let len = binary.map_or(0, <[u8]>::len);
        let len = u32::try_from(len).map_err(|_| Error::ValueTooLarge("binary"))?;
        let s = self.buf.len();
        self.u32(len);
        self.set_desc(desc, 1, s, T_U32)?;
        let s = self.buf.len();
        match binary {
            Some(b) => {
                self.buf.extend_from_slice(b);
                self.set_desc(desc, 2, s, T_BIN)
            }
            None => self.set_desc(desc, 2, s, T_NULL),
        }
    }
}

/// Sets the two CRC32s of a chunk (`chunk` starts at its header): the records', over the bytes
/// from the end of the 512-byte header to the free-space offset (clamped to the chunk), then
/// the header's, over bytes 0..120 and 128..512. For tools that rewrite or repair chunks
/// (benchmarks, fuzzing) as much as for the writer; a chunk shorter than its header is left
/// as it is.
pub fn set_chunk_crcs(chunk: &mut [u8]) {
    if chunk.len() < CHUNK_HEADER_SIZE {
        return;
    }
    let free = u32::from_le_bytes([chunk[48], chunk[49], chunk[50], chunk[51]]) as usize;
    let end = free.clamp(CHUNK_HEADER_SIZE, chunk.len());
    let records = crc32fast::hash(&chunk[CHUNK_HEADER_SIZE..end]);
    chunk[52..56].copy_from_slice(&records.to_le_bytes());
    let mut h = crc32fast::Hasher::new();
    h.update(&chunk[..120]);
    h.update(&chunk[128..CHUNK_HEADER_SIZE]);
    chunk[124..128].copy_from_slice(&h.finalize().to_le_bytes());
}

/// Sets the CRC32 of a file header (over its first 120 bytes); a shorter slice is left as it is.
pub fn set_file_header_crc(header: &mut [u8]) {
    if header.len() < 128 {
        return;
    }
    let crc = crc32fast::hash(&header[..120]);
    header[124..128].copy_from_slice(&crc.to_le_bytes());
}
