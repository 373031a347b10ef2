//! The fast EVTX record decoder: the EventID and, for the records that matter, the System values
//! and EventData items, read straight from a record's BinXML template substitutions, without
//! rendering XML and parsing it again.
//!
//! A record written by Windows is a `TemplateInstance`: a template definition (stored once per
//! chunk and referenced by offset) and an array of typed substitution values. The EventID is
//! substitution 3 of the System template, so deciding whether a record matters costs reading
//! its value descriptors. For a record that matters, the template definitions (the outer one,
//! and the nested one of the EventData fragment) are parsed once per chunk and cached; the
//! record's [`RawRecord`] is then assembled from the template's element tree and the values,
//! formatted exactly as `evtx`'s XML renderer writes them and [`super::xml`] reads them back.
//!
//! Where the template's shape allows ([`Plan`], [`DataPlan`]), a wanted record is not made
//! into a [`RawRecord`] at all: typing reads it as a [`LazyRecord`], which makes each EventData
//! value's text only when asked, from the substitutions, and hands integers over as numbers.
//!
//! The decoder only takes the shapes it knows to be rendered identically. Anything else
//! (records without a template instance, unknown tokens, arrays, NULL values whose element the
//! renderer might drop, UserData...) answers `None`, and the caller renders that record with
//! the `evtx` crate instead. `tests/fast_path.rs` checks, record by record, on the corpus and on
//! files written by `evtx-writer`, that both paths give the same records.

use super::{DataItem, RawRecord, Text};
use std::collections::HashMap;
use std::rc::Rc;

/// The most substitutions the `evtx` crate accepts in one template instance.
const MAX_SUBSTITUTIONS: u32 = 4096;

#[inline]
fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

#[inline]
pub(crate) fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

#[inline]
pub(crate) fn u64_at(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(d.get(at..at + 8)?.try_into().ok()?))
}

/// Whether the `evtx` crate knows this substitution value type (it rejects the others).
fn known_type(t: u8) -> bool {
    matches!(t, 0x00..=0x15 | 0x20 | 0x21 | 0x23 | 0x81..=0x95)
}

/// One substitution value: its type and where its bytes are in the chunk.
#[derive(Clone, Copy, Debug)]
struct Val {
    ty: u8,
    at: u32,
    len: u16,
}

impl Val {
    /// The value's bytes in the chunk `d`.
    fn bytes(self, d: &[u8]) -> Option<&[u8]> {
        let at = self.at as usize;
        d.get(at..at + usize::from(self.len))
    }
}

/// A parsed `TemplateInstance`.
struct Instance {
    def_offset: u32,
    values: Vec<Val>,
    /// Where the instance ends.
    end: usize,
}

/// The value descriptors of the template instance whose token is at `p`: where the values
/// start, how many there are, where the descriptors are.
#[inline]
fn instance_header(d: &[u8], p: usize) -> Option<(u32, usize, u32)> {
    if *d.get(p)? != 0x0c {
        return None;
    }
    let def_offset = u32_at(d, p + 6)?;
    let mut q = p + 10;
    if q == def_offset as usize {
        let size = u32_at(d, q + 20)? as usize;
        q = q.checked_add(24 + size)?;
    }
    let n = u32_at(d, q)?;
    if n > MAX_SUBSTITUTIONS {
        return None;
    }
    Some((def_offset, q + 4, n))
}

/// The EventID of the record whose BinXML is `d[start..end]`: substitution 3 of its (outer)
/// template instance, when that is a UInt16, as Windows writes it. `None`: not that shape.
#[inline]
pub fn peek_event_id(d: &[u8], start: usize, end: usize) -> Option<u16> {
    let p = match d.get(start..end)? {
        [0x0f, _, _, _, 0x0c, ..] => start + 4,
        [0x0c, ..] => start,
        _ => return None,
    };
    let (_, desc, n) = instance_header(d, p)?;
    if n < 4 {
        return None;
    }
    let mut at = desc + 4 * n as usize;
    for i in 0..3 {
        at += usize::from(u16_at(d, desc + 4 * i)?);
    }
    let (size, ty) = (u16_at(d, desc + 12)?, *d.get(desc + 14)?);
    if ty != 0x06 || size != 2 || at + 2 > end {
        return None;
    }
    u16_at(d, at)
}

/// `values`: a vector to reuse (its contents are dropped).
fn instance(d: &[u8], p: usize, end: usize, mut values: Vec<Val>) -> Option<Instance> {
    let (def_offset, desc, n) = instance_header(d, p)?;
    let n = n as usize;
    let mut at = desc.checked_add(4 * n)?;
    if at > end {
        return None;
    }
    // The descriptors (length, type, padding), checked before any is taken: the values are
    // then made in one pass that knows their number (a push each, with its capacity check,
    // took a fifth of this function).
    let descs = d.get(desc..desc + 4 * n)?;
    if !descs.chunks_exact(4).all(|c| known_type(c[2])) {
        return None;
    }
    values.clear();
    values.extend(descs.chunks_exact(4).map(|c| {
        let len = u16::from_le_bytes([c[0], c[1]]);
        let v = Val {
            ty: c[2],
            at: at as u32,
            len,
        };
        at += usize::from(len);
        v
    }));
    if at > end {
        return None;
    }
    Some(Instance {
        def_offset,
        values,
        end: at,
    })
}

/// A node of a template definition.
#[derive(Debug)]
enum Node {
    Elem(Elem),
    Text(std::sync::Arc<str>),
    Sub { index: u16 },
}

#[derive(Debug)]
struct Elem {
    name: Box<str>,
    /// What `<System>` reads the element as, from its name once per template: comparing
    /// names record after record cost a few hundred instructions a record.
    system: SystemName,
    dependency: Option<u16>,
    attrs: Vec<(Box<str>, Vec<Node>)>,
    children: Vec<Node>,
}

/// A parsed template definition: its top-level nodes, and how its records are typed lazily
/// when its shape allows.
#[derive(Debug)]
struct Template {
    nodes: Vec<Node>,
    /// As an event's template.
    plan: Option<Plan>,
    /// The items of its `<EventData>`: inline in an event's template, or the root of the
    /// template of a nested instance (where Windows writes them).
    data: Option<DataPlan>,
}

/// Where an event's template keeps what typing reads, for [`LazyRecord`]: one `<Event>`
/// holding (among other elements, which are not read) one `<System>` and at most one
/// `<EventData>` or one substitution (a nested template instance holding the EventData);
/// neither element left out by a dependency, no `<UserData>`.
#[derive(Debug)]
struct Plan {
    /// `<System>`'s place among `<Event>`'s children.
    system: usize,
    /// `<EventData>`'s place, when inline.
    data: Option<usize>,
    /// The substitution holding the nested instance.
    nested: Option<u16>,
}

impl Plan {
    fn of(nodes: &[Node]) -> Option<Plan> {
        let [Node::Elem(event)] = nodes else {
            return None;
        };
        if &*event.name != "Event" {
            return None;
        }
        let (mut system, mut data, mut nested) = (None, None, None);
        for (i, child) in event.children.iter().enumerate() {
            match child {
                Node::Elem(e) => match &*e.name {
                    "System" | "EventData" if e.dependency.is_some() => return None,
                    "System" if system.is_none() => system = Some(i),
                    "EventData" if data.is_none() => data = Some(i),
                    "System" | "EventData" | "UserData" => return None,
                    _ => {}
                },
                Node::Text(_) => {}
                Node::Sub { index } if nested.is_none() => nested = Some(*index),
                Node::Sub { .. } => return None,
            }
        }
        if data.is_some() && nested.is_some() {
            return None;
        }
        Some(Plan {
            system: system?,
            data,
            nested,
        })
    }
}

/// The items of an `<EventData>` that [`ChunkDecoder::decode`] reads item by item, each
/// value the text of its content whatever the values: every child an element other than
/// `<Binary>`, with no dependency and no element inside it, its `Name` literal text or
/// absent; and not one lone unnamed item (which may hold `<string>`s that the XML reader
/// splits).
#[derive(Debug)]
struct DataPlan {
    /// Each item's name (`None`: unnamed, never found by name).
    items: Vec<Option<std::sync::Arc<str>>>,
    /// Each item's place among the `<EventData>` children.
    at: Vec<usize>,
    /// The item index (`u16::MAX`: none) of each name typing asked for, by the address and
    /// length of its `&'static str`: names are compared ignoring case once per template, not
    /// once per record.
    found: std::cell::RefCell<Vec<(usize, usize, u16)>>,
    /// Where in `found` the next name asked for is looked for first.
    next: std::cell::Cell<usize>,
}

/// Items a plan holds at most (a record's taken items are bits of a `u128`).
const PLAN_MAX_ITEMS: usize = 128;

impl Template {
    /// The template's `<EventData>`: the root of a nested template, or inline in an event's.
    fn data_elem(&self) -> Option<&Elem> {
        match self.nodes.as_slice() {
            [Node::Elem(e)] if &*e.name == "EventData" => Some(e),
            [Node::Elem(event)] => match event.children.get(self.plan.as_ref()?.data?)? {
                Node::Elem(e) => Some(e),
                _ => None,
            },
            _ => None,
        }
    }
}

impl DataPlan {
    fn of(e: &Elem) -> Option<DataPlan> {
        let (mut items, mut at) = (Vec::new(), Vec::new());
        for (place, child) in e.children.iter().enumerate() {
            match child {
                Node::Elem(c) => {
                    if &*c.name == "Binary"
                        || c.dependency.is_some()
                        || c.children.iter().any(|n| matches!(n, Node::Elem(_)))
                    {
                        return None;
                    }
                    let name = match c.attrs.iter().find(|(n, _)| &**n == "Name") {
                        None => None,
                        Some((_, v)) => match v.as_slice() {
                            [Node::Text(t)] => (!t.is_empty()).then(|| t.clone()),
                            [] => None,
                            _ => return None,
                        },
                    };
                    items.push(name);
                    at.push(place);
                }
                Node::Text(_) => {}
                Node::Sub { .. } => return None,
            }
        }
        if matches!(items.as_slice(), [None]) || items.len() > PLAN_MAX_ITEMS {
            return None;
        }
        Some(DataPlan {
            items,
            at,
            found: Default::default(),
            next: Default::default(),
        })
    }

    /// The index of the first item named `name` (ignoring ASCII case).
    fn find(&self, name: &'static str) -> Option<usize> {
        let key = (name.as_ptr() as usize, name.len());
        let mut found = self.found.borrow_mut();
        // Typing asks for the same names in the same order record after record: the answer
        // is usually the entry after the last one given.
        let next = self.next.get();
        let hit = match found.get(next) {
            Some(&(p, l, i)) if (p, l) == key => Some((next, i)),
            _ => found
                .iter()
                .position(|(p, l, _)| (*p, *l) == key)
                .map(|at| (at, found[at].2)),
        };
        if let Some((at, i)) = hit {
            self.next.set(at + 1);
            return (i != u16::MAX).then_some(usize::from(i));
        }
        let i = self
            .items
            .iter()
            .position(|n| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)));
        // Typing asks a fixed set of names, so the list stays short.
        if found.len() < 256 {
            found.push((key.0, key.1, i.map_or(u16::MAX, |i| i as u16)));
            self.next.set(found.len());
        }
        i
    }
}

/// The name at `off` in the chunk's string table: link (4), hash (2), count (2), UTF-16.
fn name_at(d: &[u8], off: u32) -> Option<Box<str>> {
    let off = off as usize;
    let n = usize::from(u16_at(d, off + 6)?);
    let bytes = d.get(off + 8..off + 8 + 2 * n)?;
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
        .map(String::into_boxed_str)
}

/// The name reference whose offset field is at `pos`: the name's offset, whether the name is
/// defined right there, and where the next token is (past that definition if so).
fn name_ref(d: &[u8], pos: usize) -> Option<(usize, bool, usize)> {
    let off = u32_at(d, pos)? as usize;
    let mut next = pos + 4;
    let inline = off == next;
    if inline {
        next += 10 + 2 * usize::from(u16_at(d, next + 6)?);
    }
    Some((off, inline, next))
}

/// The count and UTF-16 text of the name at `off`, as [`name_at`] reads them.
fn name_text(d: &[u8], off: usize) -> Option<&[u8]> {
    let n = usize::from(u16_at(d, off + 6)?);
    d.get(off + 6..off + 8 + 2 * n)
}

/// A parser over a template definition's token stream.
struct Parser<'a> {
    d: &'a [u8],
    pos: usize,
    end: usize,
    /// What it read, for [`TemplateCache`]: where the literal run now being read began, and
    /// the runs and names so far.
    lit_start: usize,
    read: Vec<Read>,
}

/// A part of what parsing a template read: a run of bytes taken as they are, or a name
/// reference (a chunk offset, then the name's count and UTF-16 text where it points, and
/// whether the name is defined right there, which decides where the next token is).
#[derive(Debug, Clone)]
enum Read {
    Bytes(Box<[u8]>),
    Name { text: Box<[u8]>, inline: bool },
}

impl Parser<'_> {
    fn byte(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.d[self.pos])
    }

    /// A name reference; a name defined right there is skipped.
    fn name(&mut self) -> Option<Box<str>> {
        let bytes = self.d.get(self.lit_start..self.pos)?;
        self.read.push(Read::Bytes(bytes.into()));
        let (off, inline, next) = name_ref(self.d, self.pos)?;
        self.pos = next;
        self.lit_start = next;
        let name = name_at(self.d, off as u32)?;
        let text = name_text(self.d, off)?;
        self.read.push(Read::Name {
            text: text.into(),
            inline,
        });
        Some(name)
    }

    /// Nodes up to an EndElement (`in_element`) or the end of the fragment.
    fn nodes(&mut self, in_element: bool) -> Option<Vec<Node>> {
        let mut out = Vec::new();
        loop {
            let Some(tok) = self.byte() else {
                return (!in_element).then_some(out);
            };
            match tok {
                0x00 if !in_element => return Some(out),
                0x04 if in_element => {
                    self.pos += 1;
                    return Some(out);
                }
                0x01 | 0x41 => out.push(Node::Elem(self.element(tok)?)),
                0x05 | 0x45 | 0x0d | 0x0e => out.push(self.value()?),
                _ => return None,
            }
        }
    }

    /// A Value (UTF-16 text only) or a substitution.
    fn value(&mut self) -> Option<Node> {
        let tok = self.byte()?;
        if tok == 0x0d || tok == 0x0e {
            let index = u16_at(self.d, self.pos + 1)?;
            self.pos += 4;
            // Optional or not, a NULL or empty value renders as nothing in text.
            return Some(Node::Sub { index });
        }
        if *self.d.get(self.pos + 1)? != 0x01 {
            return None;
        }
        let n = usize::from(u16_at(self.d, self.pos + 2)?);
        let bytes = self.d.get(self.pos + 4..self.pos + 4 + 2 * n)?;
        self.pos += 4 + 2 * n;
        let mut s = String::new();
        push_utf16(&mut s, bytes, false);
        Some(Node::Text(s.into()))
    }

    fn element(&mut self, tok: u8) -> Option<Elem> {
        let dep = u16_at(self.d, self.pos + 1)?;
        self.pos += 7; // token, dependency, data size
        let name = self.name()?;
        if tok & 0x40 != 0 {
            self.pos += 4;
        }
        let mut attrs = Vec::new();
        while let Some(0x06 | 0x46) = self.byte() {
            self.pos += 1;
            let an = self.name()?;
            let mut val = Vec::new();
            while let Some(0x05 | 0x45 | 0x0d | 0x0e) = self.byte() {
                val.push(self.value()?);
            }
            attrs.push((an, val));
        }
        let children = match self.byte()? {
            0x02 => {
                self.pos += 1;
                self.nodes(true)?
            }
            0x03 => {
                self.pos += 1;
                Vec::new()
            }
            _ => return None,
        };
        Some(Elem {
            system: SystemName::of(&name),
            name,
            dependency: (dep != 0xffff).then_some(dep),
            attrs,
            children,
        })
    }
}

/// Parse the template definition at `def_offset`; with it, what the parse read (from the
/// definition's size field on), for [`TemplateCache`].
fn parse_template(d: &[u8], def_offset: u32) -> Option<(Template, Vec<Read>)> {
    let start = def_offset as usize + 24;
    let size = u32_at(d, def_offset as usize + 20)? as usize;
    let end = start.checked_add(size)?;
    if end > d.len() || d.get(start..start + 4)? != [0x0f, 0x01, 0x01, 0x00] {
        return None;
    }
    let mut p = Parser {
        d,
        pos: start + 4,
        end,
        lit_start: def_offset as usize + 20,
        read: Vec::new(),
    };
    let nodes = p.nodes(false)?;
    let mut t = Template {
        plan: Plan::of(&nodes),
        nodes,
        data: None,
    };
    t.data = t.data_elem().and_then(DataPlan::of);
    // The last run, with the byte the parser may have looked at where it stopped.
    let last = d.get(p.lit_start..(p.pos + 1).min(d.len()))?;
    p.read.push(Read::Bytes(last.into()));
    Some((t, p.read))
}

/// Whether the template definition at `def_offset` of `d` reads as `read` says: the same
/// bytes where the parse took bytes, the same names where it followed a reference, defined
/// in the same places (so every token is as far from the start and the end as it was). The
/// parse reads nothing else, so it would give the same template.
fn reads_as(d: &[u8], def_offset: u32, read: &[Read]) -> bool {
    let mut pos = def_offset as usize + 20;
    for r in read {
        match r {
            Read::Bytes(b) => {
                if d.get(pos..pos + b.len()) != Some(&b[..]) {
                    return false;
                }
                pos += b.len();
            }
            Read::Name { text, inline } => match name_ref(d, pos) {
                Some((off, i, next)) if i == *inline && name_text(d, off) == Some(&text[..]) => {
                    pos = next
                }
                _ => return false,
            },
        }
    }
    true
}

/// Templates parsed in earlier chunks, on this thread. Every chunk defines the templates its
/// records use, and parsing them (allocating every element, name and text) was 7.5 % of the
/// instructions of a 4624-heavy log. A definition is looked up by its GUID and size and taken
/// only when it reads exactly as the cached one did ([`reads_as`]): names are chunk offsets,
/// so the same template has other bytes in another chunk, and a GUID alone proves nothing in
/// a hostile log.
#[derive(Default)]
struct TemplateCache {
    entries: HashMap<([u8; 16], u32), Vec<Cached>>,
    count: usize,
}

/// A cached template, with what its parse read.
type Cached = (Rc<Template>, Rc<[Read]>);

/// Templates kept at most (a log with more distinct templates starts the cache again).
const TEMPLATE_CACHE_MAX: usize = 512;

thread_local! {
    static TEMPLATES: std::cell::RefCell<TemplateCache> = std::cell::RefCell::default();
}

/// The template at `def_offset`, from this thread's cache or parsed (and cached).
fn cached_template(d: &[u8], def_offset: u32) -> Option<Rc<Template>> {
    let at = def_offset as usize;
    let guid: [u8; 16] = d.get(at + 4..at + 20)?.try_into().ok()?;
    let key = (guid, u32_at(d, at + 20)?);
    let found = TEMPLATES.with_borrow(|c| {
        c.entries.get(&key).and_then(|list| {
            list.iter()
                .find(|(_, read)| reads_as(d, def_offset, read))
                .map(|(t, _)| Rc::clone(t))
        })
    });
    if found.is_some() {
        return found;
    }
    let (t, read) = parse_template(d, def_offset)?;
    let t = Rc::new(t);
    TEMPLATES.with_borrow_mut(|c| {
        if c.count >= TEMPLATE_CACHE_MAX {
            *c = TemplateCache::default();
        }
        c.count += 1;
        c.entries
            .entry(key)
            .or_default()
            .push((Rc::clone(&t), read.into()));
    });
    Some(t)
}

/// Append UTF-16LE text as the XML renderer writes it and the XML reader reads it back: C0
/// controls other than tab, LF and CR, lone surrogates, U+FFFE and U+FFFF become `_`;
/// `until_nul` stops at the first NUL (substitution strings do).
fn push_utf16(s: &mut String, bytes: &[u8], until_nul: bool) {
    let bytes = &bytes[..bytes.len() & !1];
    // Printable ASCII with tab, LF and CR (4672's PrivilegeList separates its names with
    // "\r\n\t\t\t"), nearly everything in a log, is copied as is; a substitution string's
    // terminating NUL usually ends that run, and then the whole text.
    let run = ascii_run(bytes);
    let i = 2 * run;
    let ascii = bytes[..i].iter().step_by(2).copied();
    if s.is_empty() {
        // Bytes, checked once, rather than a char at a time.
        let mut v = std::mem::take(s).into_bytes();
        v.extend(ascii);
        // Every byte is below 0x80: valid UTF-8, the default is never taken.
        *s = String::from_utf8(v).unwrap_or_default();
    } else {
        s.reserve(run);
        s.extend(ascii.map(char::from));
    }
    if i == bytes.len() || (until_nul && bytes[i] == 0 && bytes[i + 1] == 0) {
        return;
    }
    push_units(s, &bytes[i..], until_nul);
}

/// How many UTF-16LE units at the start of `bytes` are printable ASCII, tab, LF or CR: four
/// at a time while all four are printable (a log's values are mostly that), then one at a
/// time.
fn ascii_run(bytes: &[u8]) -> usize {
    // Per 16-bit unit: its high byte and its low byte's top bit are zero below 0x80, and with
    // its own top bit set, that bit survives taking 0x20 away only from a unit of 0x20 or
    // more (no borrow crosses into the next unit).
    const NOT_ASCII: u64 = 0xff80_ff80_ff80_ff80;
    const TOP: u64 = 0x8000_8000_8000_8000;
    const SPACE: u64 = 0x0020_0020_0020_0020;
    let printable = |w: u64| w & NOT_ASCII == 0 && (w | TOP).wrapping_sub(SPACE) & TOP == TOP;
    let words = bytes
        .chunks_exact(8)
        .take_while(|&w| printable(u64::from_le_bytes(w.try_into().unwrap_or([0xff; 8]))))
        .count();
    4 * words
        + bytes[8 * words..]
            .chunks_exact(2)
            .take_while(|u| u[1] == 0 && matches!(u[0], 0x20..0x80 | b'\t' | b'\n' | b'\r'))
            .count()
}

/// [`push_utf16`] a unit at a time, as it reads what follows its run of printable ASCII.
fn push_units(s: &mut String, bytes: &[u8], until_nul: bool) {
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    let units = units.take_while(|&u| !until_nul || u != 0);
    for c in char::decode_utf16(units) {
        match c {
            Ok(c @ ('\t' | '\n' | '\r')) => s.push(c),
            Ok(c) if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => s.push('_'),
            Ok(c) => s.push(c),
            Err(_) => s.push('_'),
        }
    }
}

/// Decimal digits of `v`, without `fmt`.
fn push_u64(s: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        s.push(b as char);
    }
}

fn push_i64(s: &mut String, v: i64) {
    if v < 0 {
        s.push('-');
    }
    push_u64(s, v.unsigned_abs());
}

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn push_hex_lower(s: &mut String, v: u64) {
    s.push_str(Hex::of(v).as_str());
}

/// `{:#x}` of a number (`0x3e7`), made without `fmt`: the decoder writes HexInt values so, and
/// events their logon ids and status codes (`fmt` through serde_json's escaping writer took a
/// few hundred instructions each).
pub(crate) struct Hex {
    buf: [u8; 18],
    start: usize,
}

impl Hex {
    pub(crate) fn of(mut v: u64) -> Hex {
        let mut buf = [0u8; 18];
        let mut start = buf.len();
        loop {
            start -= 1;
            buf[start] = HEX_LOWER[(v & 0xf) as usize];
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        start -= 2;
        buf[start..start + 2].copy_from_slice(b"0x");
        Hex { buf, start }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Infallible: ASCII digits.
        std::str::from_utf8(self.as_bytes()).unwrap_or("0x0")
    }

    /// The ASCII text, unchecked (`--events` writes one for every logon id and status: the
    /// check cost some 50 instructions each).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

const TICKS_PER_SEC: u64 = 10_000_000;
/// 100 ns ticks from 1601-01-01 to 1970-01-01.
const UNIX_EPOCH_TICKS: u64 = 116_444_736_000_000_000;
/// 10000-01-01, past which the renderer writes years modulo 10,000.
const YEAR_10000_TICKS: u64 = 2_650_467_744_000_000_000;

/// A FILETIME as a timestamp, when it renders as an ordinary date.
fn filetime(ft: u64) -> Option<jiff::Timestamp> {
    if ft >= YEAR_10000_TICKS {
        return None;
    }
    let secs = ft / TICKS_PER_SEC;
    let nanos = (ft % TICKS_PER_SEC) * 100;
    let secs = secs as i64 - (UNIX_EPOCH_TICKS / TICKS_PER_SEC) as i64;
    jiff::Timestamp::new(secs, nanos as i32).ok()
}

/// Append a value's text as the XML renderer writes it. `None`: a value this decoder does
/// not format (the record is rendered instead).
fn push_value(s: &mut String, d: &[u8], v: Val) -> Option<()> {
    use std::fmt::Write;
    let b = v.bytes(d)?;
    let n = b.len();
    match (v.ty, n) {
        (0x00, _) => {}
        (0x01, _) if n % 2 == 0 => push_utf16(s, b, true),
        (0x03, 1) => push_i64(s, i64::from(b[0] as i8)),
        (0x04, 1) => push_u64(s, u64::from(b[0])),
        (0x05, 2) => push_i64(s, i64::from(i16::from_le_bytes([b[0], b[1]]))),
        (0x06, 2) => push_u64(s, u64::from(u16::from_le_bytes([b[0], b[1]]))),
        (0x07, 4) => push_i64(s, i64::from(i32::from_le_bytes(b.try_into().ok()?))),
        (0x08, 4) => push_u64(s, u64::from(u32::from_le_bytes(b.try_into().ok()?))),
        (0x09, 8) => push_i64(s, i64::from_le_bytes(b.try_into().ok()?)),
        (0x0a, 8) => push_u64(s, u64::from_le_bytes(b.try_into().ok()?)),
        (0x0d, 4) => match i32::from_le_bytes(b.try_into().ok()?) {
            0 => s.push_str("false"),
            1 => s.push_str("true"),
            _ => return None,
        },
        (0x0e, _) => {
            for x in b {
                s.push(HEX_UPPER[usize::from(x >> 4)] as char);
                s.push(HEX_UPPER[usize::from(x & 0xf)] as char);
            }
        }
        (0x0f, 16) => {
            s.push_str(std::str::from_utf8(&guid_chars(b.try_into().ok()?, HEX_LOWER)).ok()?)
        }
        (0x10 | 0x14, 4) => push_hex_lower(s, u64::from(u32::from_le_bytes(b.try_into().ok()?))),
        (0x10 | 0x15, 8) => push_hex_lower(s, u64::from_le_bytes(b.try_into().ok()?)),
        (0x11, 8) => {
            let ft = u64::from_le_bytes(b.try_into().ok()?);
            let t = filetime(ft)?;
            let dt = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
            write!(
                s,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                ft % TICKS_PER_SEC
            )
            .ok()?;
        }
        (0x13, _) if n >= 8 && n == 8 + 4 * usize::from(b[1]) => {
            let authority = u64::from_be_bytes([0, 0, b[2], b[3], b[4], b[5], b[6], b[7]]);
            s.push_str("S-");
            push_u64(s, u64::from(b[0]));
            s.push('-');
            push_u64(s, authority);
            for c in b[8..].chunks_exact(4) {
                s.push('-');
                push_u64(s, u64::from(u32::from_le_bytes(c.try_into().ok()?)));
            }
        }
        (0x21, 0) => {}
        _ => return None,
    }
    Some(())
}

/// Bytes [`LazyRecord::short_ascii`] reads at most: an IPv6 address with an IPv4 tail.
const SHORT: usize = 46;

/// A short printable-ASCII text ([`LazyRecord::short_ascii`]): its bytes and length.
struct Short([u8; SHORT], usize);

impl Short {
    fn as_str(&self) -> &str {
        // Printable ASCII: the default is never taken.
        std::str::from_utf8(&self.0[..self.1]).unwrap_or_default()
    }
}

/// A GUID value as the renderer writes it, braced, its digits from `digits` (lower or upper
/// case): the first three fields little-endian, the last eight bytes in order.
fn guid_chars(b: &[u8; 16], digits: &[u8; 16]) -> [u8; 38] {
    const ORDER: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    let mut g = [0u8; 38];
    g[0] = b'{';
    let mut at = 1;
    for (i, &idx) in ORDER.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            g[at] = b'-';
            at += 1;
        }
        g[at] = digits[usize::from(b[idx] >> 4)];
        g[at + 1] = digits[usize::from(b[idx] & 0xf)];
        at += 2;
    }
    g[37] = b'}';
    g
}

/// What [`crate::event::fields::guid`] makes of a GUID value's text ([`push_value`]): braced,
/// upper case, none when all zero.
fn guid_text(b: &[u8; 16]) -> Option<Text> {
    if b.iter().all(|&x| x == 0) {
        return None;
    }
    // ASCII: the default is never taken.
    Some(Text::from(
        std::str::from_utf8(&guid_chars(b, HEX_UPPER)).unwrap_or_default(),
    ))
}

/// Whether [`push_value`] formats `v` (answers `Some`), without formatting it.
fn formats(d: &[u8], v: Val) -> bool {
    let Some(b) = v.bytes(d) else {
        return false;
    };
    let n = b.len();
    match (v.ty, n) {
        (0x00, _) | (0x0e, _) | (0x21, 0) => true,
        (0x01, _) => n % 2 == 0,
        (0x03 | 0x04, 1) | (0x05 | 0x06, 2) | (0x07 | 0x08, 4) | (0x09 | 0x0a, 8) => true,
        (0x0d, 4) => matches!(i32::from_le_bytes([b[0], b[1], b[2], b[3]]), 0 | 1),
        (0x0f, 16) | (0x10 | 0x14, 4) | (0x10 | 0x15, 8) => true,
        (0x11, 8) => filetime(u64::from_le_bytes(b.try_into().unwrap_or_default())).is_some(),
        (0x13, _) => n >= 8 && n == 8 + 4 * usize::from(b[1]),
        _ => false,
    }
}

/// The number an unsigned or hex integer value holds: what [`crate::event::fields::number`]
/// reads from its text. `None`: another type (read through its text).
fn unsigned(d: &[u8], v: Val) -> Option<u64> {
    let b = v.bytes(d)?;
    Some(match (v.ty, b.len()) {
        (0x04, 1) => u64::from(b[0]),
        (0x06, 2) => u64::from(u16::from_le_bytes([b[0], b[1]])),
        (0x08 | 0x10 | 0x14, 4) => u64::from(u32::from_le_bytes(b.try_into().ok()?)),
        (0x0a | 0x10 | 0x15, 8) => u64::from_le_bytes(b.try_into().ok()?),
        _ => return None,
    })
}

/// Values of one template instance, for evaluating its template.
struct Ctx<'a> {
    d: &'a [u8],
    values: &'a [Val],
}

impl<'a> Ctx<'a> {
    /// A value and its bytes.
    fn raw(&self, index: u16) -> Option<(Val, &'a [u8])> {
        let v = self.val(index)?;
        Some((v, v.bytes(self.d)?))
    }
}

impl Ctx<'_> {
    fn val(&self, index: u16) -> Option<Val> {
        self.values.get(usize::from(index)).copied()
    }

    /// Whether a template element is left out of the instance: its DependencyId names a NULL
    /// value (MS-EVEN6 2.2.12; the `evtx` crate does the same).
    fn left_out(&self, e: &Elem) -> bool {
        e.dependency
            .and_then(|dep| self.val(dep))
            .is_some_and(|v| v.ty == 0x00)
    }

    /// The text of `nodes` (an attribute value or an element's content, no elements in it).
    /// NULL values and substitutions past the values render as nothing.
    fn text(&self, nodes: &[Node]) -> Option<String> {
        // One literal: a copy. One value: room for it (UTF-16 text is at most as long).
        match nodes {
            [Node::Text(t)] => return Some(t.to_string()),
            [Node::Sub { index }] => {
                let Some(v) = self.val(*index) else {
                    return Some(String::new());
                };
                let mut s = String::with_capacity(match v.ty {
                    0x01 => usize::from(v.len) / 2,
                    _ => 40,
                });
                push_value(&mut s, self.d, v)?;
                return Some(s);
            }
            _ => {}
        }
        let mut s = String::new();
        self.text_into(nodes, &mut s)?;
        Some(s)
    }

    /// [`Self::text`], appended to `s` (a buffer the caller reuses).
    fn text_into(&self, nodes: &[Node], s: &mut String) -> Option<()> {
        for n in nodes {
            match n {
                Node::Text(t) => s.push_str(t),
                Node::Sub { index, .. } => {
                    if let Some(v) = self.val(*index) {
                        push_value(s, self.d, v)?;
                    }
                }
                Node::Elem(_) => return None,
            }
        }
        Some(())
    }

    /// [`Self::attr`] for a `<Data Name="...">`: the template's literal name is shared by
    /// every record of the template instead of copied into each.
    fn name_attr(&self, e: &Elem) -> Option<Option<std::sync::Arc<str>>> {
        match e.attrs.iter().find(|(n, _)| &**n == "Name") {
            Some((_, v)) => match v.as_slice() {
                [Node::Text(t)] => Some((!t.is_empty()).then(|| t.clone())),
                _ => Some(
                    Some(self.text(v)?)
                        .filter(|s| !s.is_empty())
                        .map(Into::into),
                ),
            },
            None => Some(None),
        }
    }

    /// An attribute's value, made in `s` (cleared first): whether the attribute is there and
    /// not empty (the renderer leaves out an attribute whose value is empty). `None`: not
    /// decodable.
    fn attr_into(&self, e: &Elem, name: &str, s: &mut String) -> Option<bool> {
        s.clear();
        match e.attrs.iter().find(|(n, _)| &**n == name) {
            Some((_, v)) => {
                self.text_into(v, s)?;
                Some(!s.is_empty())
            }
            None => Some(false),
        }
    }
}

/// The lists (4672's PrivilegeList, 5145's AccessList...) last made on this thread, by the
/// bytes of the string they were made from. A log's 4672s list the same privileges record
/// after record, and splitting and matching a dozen names took 5,500 instructions each time
/// (on a 4624-heavy log, 13 % of the typing). A few are kept: SYSTEM's, an administrator's...
#[derive(Default)]
struct ListMemo {
    kept: Vec<(Vec<u8>, Vec<Text>)>,
    /// The entry replaced next once all are taken.
    next: usize,
}

/// Lists a [`ListMemo`] keeps.
const LISTS_KEPT: usize = 4;

impl ListMemo {
    fn get(&self, raw: &[u8]) -> Option<Vec<Text>> {
        self.kept
            .iter()
            .find(|(k, _)| k.as_slice() == raw)
            .map(|(_, l)| l.clone())
    }

    fn keep(&mut self, raw: &[u8], list: &[Text]) {
        let entry = (raw.to_vec(), list.to_vec());
        if self.kept.len() < LISTS_KEPT {
            self.kept.push(entry);
        } else {
            self.kept[self.next] = entry;
            self.next = (self.next + 1) % LISTS_KEPT;
        }
    }
}

thread_local! {
    static LISTS: std::cell::RefCell<ListMemo> = std::cell::RefCell::default();
}

/// The text of the string and SID values last taken on this thread, by their type and bytes,
/// in a table of [`TEXT_SLOTS`] places indexed by their hash. A log names the same accounts,
/// domains, SIDs, processes and packages record after record: making a value's text again took
/// some 500 instructions (a SID's numbers written out, UTF-16 made into UTF-8), finding it
/// here a hash and a comparison of its bytes. Numbers, GUIDs and times, which rarely repeat,
/// are made each time.
struct TextMemo {
    slots: Vec<(u8, Vec<u8>, Text)>,
}

/// Places in a [`TextMemo`]; values longer than [`TEXT_MEMO_MAX`] bytes are not kept.
const TEXT_SLOTS: usize = 512;
const TEXT_MEMO_MAX: u16 = 256;

impl Default for TextMemo {
    fn default() -> Self {
        TextMemo {
            slots: vec![(0, Vec::new(), Text::default()); TEXT_SLOTS],
        }
    }
}

impl TextMemo {
    /// Whether a value of this type and length is kept.
    fn takes(v: &Val) -> bool {
        matches!(v.ty, 0x01 | 0x13) && v.len <= TEXT_MEMO_MAX
    }

    fn slot(ty: u8, raw: &[u8]) -> usize {
        use std::hash::BuildHasher;
        let h = foldhash::fast::FixedState::with_seed(u64::from(ty)).hash_one(raw);
        (h as usize) % TEXT_SLOTS
    }

    fn get(&self, slot: usize, ty: u8, raw: &[u8]) -> Option<Text> {
        let (t, k, text) = &self.slots[slot];
        // Type 0 is never kept: an empty place never matches.
        (*t == ty && k.as_slice() == raw).then(|| text.clone())
    }

    fn keep(&mut self, slot: usize, ty: u8, raw: &[u8], text: &Text) {
        let (t, k, kept) = &mut self.slots[slot];
        *t = ty;
        k.clear();
        k.extend_from_slice(raw);
        kept.clone_from(text);
    }
}

thread_local! {
    static TEXTS: std::cell::RefCell<TextMemo> = std::cell::RefCell::default();
}

/// Records typed lazily ([`ChunkDecoder::decode_typed`]) over the process, for tests and
/// benchmarks: counted once per chunk ([`ChunkDecoder::count_typed`]), not for the chunks the
/// reader then leaves to the crate.
pub static LAZY_TYPED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A record whose EventData values are made into text only when typing asks for them, from
/// its template instance (see [`super::Fields`] and [`Plan`]).
pub struct LazyRecord<'a> {
    head: RawRecord,
    ctx: Ctx<'a>,
    /// `None`: no EventData.
    plan: Option<&'a DataPlan>,
    /// The `<EventData>` children.
    data: &'a [Node],
    /// The `<EventData>`, read whole ([`LazyRecord::whole`]) for the questions by position
    /// and for every question when its template has no [`DataPlan`] (classic events: a string
    /// array and `<Binary>`).
    elem: Option<&'a Elem>,
    /// Its items as [`ChunkDecoder::decode`] reads them, once asked for.
    whole: Option<RawRecord>,
    /// Items taken (bit i: item i), which read as empty afterwards.
    taken: u128,
    scratch: String,
    gave_up: bool,
}

impl<'a> LazyRecord<'a> {
    /// The first item named `name`: its index, and its content (`None` once taken: it reads
    /// as empty then).
    fn find(&self, name: &'static str) -> Option<(usize, Option<&'a [Node]>)> {
        let plan = self.plan?;
        let i = plan.find(name)?;
        if self.taken & (1 << i) != 0 {
            return Some((i, None));
        }
        match self.data.get(plan.at[i])? {
            Node::Elem(e) => Some((i, Some(&e.children))),
            _ => None,
        }
    }

    /// The EventData items read whole, as [`ChunkDecoder::decode`] reads them (`None`, given
    /// up: what `decode` leaves to the XML reader).
    fn whole(&mut self) -> Option<&mut RawRecord> {
        if self.whole.is_none() {
            let mut rec = RawRecord::default();
            if let Some(e) = self.elem {
                if event_data(e, &self.ctx, &mut rec).is_none() || lone_strings(&rec) {
                    self.gave_up = true;
                    return None;
                }
            }
            self.whole = Some(rec);
        }
        self.whole.as_mut()
    }

    /// The items read whole, for a question by name when there is an EventData but no
    /// [`DataPlan`] to place the name (asked only once [`Self::find`] has not placed it, so
    /// that the records of a plan pay nothing for it).
    fn unplanned(&mut self) -> Option<&mut RawRecord> {
        if self.plan.is_some() || self.elem.is_none() {
            return None;
        }
        self.whole()
    }

    /// The text of the named item when it is one string value of printable ASCII other than
    /// a space, at most [`SHORT`] bytes: the text [`Self::item`] makes of it, read on the
    /// stack (a 4624's IpAddress and IpPort, `-` or a number, cost some 400 instructions
    /// each through the scratch buffer). `None`: anything else, asked through `item`.
    fn short_ascii(&self, name: &'static str) -> Option<Short> {
        let (_, Some([Node::Sub { index }])) = self.find(name)? else {
            return None;
        };
        let (v, b) = self.ctx.raw(*index)?;
        // An odd length is not a string `item` reads: it gives up there.
        if v.ty != 0x01 || b.len() % 2 != 0 {
            return None;
        }
        let mut out = [0u8; SHORT];
        let mut n = 0;
        for u in b.chunks_exact(2) {
            let u = u16::from_le_bytes([u[0], u[1]]);
            // A string value ends at its first NUL.
            if u == 0 {
                break;
            }
            if !(0x21..0x7f).contains(&u) || n == SHORT {
                return None;
            }
            out[n] = u as u8;
            n += 1;
        }
        Some(Short(out, n))
    }

    /// The text of `content`, in the scratch buffer.
    fn scratch_text(&mut self, content: &[Node]) -> &str {
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        if self.ctx.text_into(content, &mut s).is_none() {
            self.gave_up = true;
        }
        self.scratch = s;
        &self.scratch
    }
}

impl super::Fields for LazyRecord<'_> {
    fn head(&mut self) -> &mut RawRecord {
        &mut self.head
    }

    fn item(&mut self, name: &'static str) -> Option<&str> {
        let Some(found) = self.find(name) else {
            return self.unplanned()?.get(name);
        };
        match found {
            (_, Some(content)) => Some(self.scratch_text(content)),
            (_, None) => Some(""),
        }
    }

    fn take_item(&mut self, name: &'static str) -> Option<Text> {
        let Some((i, content)) = self.find(name) else {
            return self.unplanned()?.take(name);
        };
        let Some(content) = content else {
            return Some(Text::default());
        };
        self.taken |= 1 << i;
        // A string or a SID: as last made from the same bytes (see [`TextMemo`]).
        let raw = match content {
            [Node::Sub { index }] => self.ctx.raw(*index).filter(|(v, _)| TextMemo::takes(v)),
            _ => None,
        };
        let Some((Val { ty, .. }, raw)) = raw else {
            // Made in the scratch buffer and copied: a short value then lives inline.
            return Some(Text::from(self.scratch_text(content)));
        };
        let slot = TextMemo::slot(ty, raw);
        if let Some(hit) = TEXTS.with_borrow(|m| m.get(slot, ty, raw)) {
            return Some(hit);
        }
        let text = Text::from(self.scratch_text(content));
        if !self.gave_up {
            TEXTS.with_borrow_mut(|m| m.keep(slot, ty, raw, &text));
        }
        Some(text)
    }

    fn number(&mut self, name: &'static str) -> Option<u64> {
        let Some(found) = self.find(name) else {
            return crate::event::fields::number(self.unplanned()?.get(name));
        };
        let content = match found {
            (_, Some(content)) => content,
            (_, None) => return crate::event::fields::number(Some("")),
        };
        if let [Node::Sub { index }] = content {
            if let Some(n) = self.ctx.val(*index).and_then(|v| unsigned(self.ctx.d, v)) {
                return Some(n);
            }
        }
        crate::event::fields::number(Some(self.scratch_text(content)))
    }

    fn list(&mut self, name: &'static str) -> Vec<Text> {
        use crate::event::fields::list;
        let Some((_, Some(content))) = self.find(name) else {
            // Missing (or without a plan: see `item`), or taken (empty).
            return list(self.item(name));
        };
        // A string value: its list as last made from the same bytes (see [`ListMemo`]).
        let raw = match content {
            [Node::Sub { index }] => self.ctx.raw(*index).filter(|(v, _)| v.ty == 0x01),
            _ => None,
        };
        let Some((_, raw)) = raw else {
            return list(Some(self.scratch_text(content)));
        };
        if let Some(hit) = LISTS.with_borrow(|m| m.get(raw)) {
            return hit;
        }
        let made = list(Some(self.scratch_text(content)));
        LISTS.with_borrow_mut(|m| m.keep(raw, &made));
        made
    }

    /// A GUID value read from its 16 bytes: its text was written out and parsed back,
    /// some 800 instructions for each 4624's `LogonGuid`.
    fn guid(&mut self, name: &'static str) -> Option<Text> {
        if let Some((_, Some([Node::Sub { index }]))) = self.find(name) {
            if let Some((Val { ty: 0x0f, .. }, b)) = self.ctx.raw(*index) {
                if let Ok(b) = <&[u8; 16]>::try_from(b) {
                    return guid_text(b);
                }
            }
        }
        crate::event::fields::guid(self.item(name))
    }

    fn ip(&mut self, name: &'static str) -> Option<Text> {
        match self.short_ascii(name) {
            Some(short) => crate::event::fields::ip(Some(short.as_str())),
            None => crate::event::fields::ip(self.item(name)),
        }
    }

    fn port(&mut self, name: &'static str) -> Option<u16> {
        match self.short_ascii(name) {
            Some(short) => crate::event::fields::port(Some(short.as_str())),
            None => crate::event::fields::port(self.item(name)),
        }
    }

    fn positional(&mut self, index: usize) -> Option<&str> {
        self.whole()?.positional(index)
    }

    fn binary(&mut self) -> Option<&str> {
        self.whole()?.binary.as_deref()
    }

    fn take_raw(&mut self) -> Option<RawRecord> {
        self.gave_up = true;
        None
    }

    fn give_up(&self) -> bool {
        self.gave_up
    }
}

/// Templates a chunk's decoder keeps in a list (see [`ChunkDecoder::templates`]).
const TEMPLATES_LISTED: usize = 16;

/// Decodes the records of one chunk, caching the chunk's template definitions.
pub struct ChunkDecoder<'a> {
    d: &'a [u8],
    /// By definition offset, the chunk's first [`TEMPLATES_LISTED`] templates: a chunk's
    /// records use a handful, found faster one after the other than by hashing the offset.
    templates: Vec<(u32, Option<Rc<Template>>)>,
    /// The others (a chunk can define thousands: a list would make it quadratic).
    more_templates: HashMap<u32, Option<Rc<Template>>>,
    /// Value vectors of finished instances, for the next ones (one allocation less each).
    spare: Vec<Vec<Val>>,
    /// Where the text of a typed record's values is made (see [`system`]).
    scratch: String,
    /// `<System>` elements as last read (see [`SystemMemo`]).
    memo: SystemMemo,
    /// Records typed lazily, added to [`LAZY_TYPED`] once per chunk ([`Self::count_typed`]):
    /// an increment per record of a counter both threads write kept its cache line moving
    /// between the cores (3 % of a 4624-heavy scan's samples).
    lazy_typed: u64,
}

impl<'a> ChunkDecoder<'a> {
    pub fn new(chunk_data: &'a [u8]) -> Self {
        ChunkDecoder {
            d: chunk_data,
            templates: Vec::new(),
            more_templates: HashMap::new(),
            spare: Vec::new(),
            scratch: String::new(),
            memo: SystemMemo::default(),
            lazy_typed: 0,
        }
    }

    /// Add the records this decoder typed lazily to [`LAZY_TYPED`].
    pub fn count_typed(&mut self) {
        let n = std::mem::take(&mut self.lazy_typed);
        LAZY_TYPED.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }

    fn template(&mut self, def_offset: u32) -> Option<Rc<Template>> {
        if let Some((_, t)) = self.templates.iter().find(|(at, _)| *at == def_offset) {
            return t.clone();
        }
        let d = self.d;
        if self.templates.len() < TEMPLATES_LISTED {
            let t = cached_template(d, def_offset);
            self.templates.push((def_offset, t.clone()));
            return t;
        }
        self.more_templates
            .entry(def_offset)
            .or_insert_with(|| cached_template(d, def_offset))
            .clone()
    }

    /// The template instance at `p` (a fragment header may come first) and its template.
    fn instance_at(&mut self, p: usize, end: usize) -> Option<(Instance, Rc<Template>)> {
        let p = match self.d.get(p..end)? {
            [0x0f, _, _, _, 0x0c, ..] => p + 4,
            [0x0c, ..] => p,
            _ => return None,
        };
        let inst = instance(self.d, p, end, self.spare.pop().unwrap_or_default())?;
        // A stream holds the one instance, then ends (or has an EOF token).
        if !matches!(self.d.get(inst.end..end)?, [] | [0x00, ..]) {
            return None;
        }
        let t = self.template(inst.def_offset)?;
        Some((inst, t))
    }

    /// The raw record of the record whose BinXML is `d[start..start + len]`, or `None` when
    /// it must be rendered instead. `record_id` and `time` are the record header's, used like
    /// [`super::evtx::render`] does when the XML has none.
    pub fn decode(
        &mut self,
        start: usize,
        len: usize,
        record_id: u64,
        time: jiff::Timestamp,
    ) -> Option<RawRecord> {
        let end = start.checked_add(len)?;
        let (inst, t) = self.instance_at(start, end)?;
        let mut rec = RawRecord::default();
        let [Node::Elem(event)] = t.nodes.as_slice() else {
            return None;
        };
        if &*event.name != "Event" {
            return None;
        }
        let ctx = Ctx {
            d: self.d,
            values: &inst.values,
        };
        for child in &event.children {
            self.event_child(child, &ctx, &mut rec, false)?;
        }
        if lone_strings(&rec) {
            return None;
        }
        if rec.record_id == 0 {
            rec.record_id = record_id;
        }
        if rec.time.is_none() {
            rec.time = jiff::Timestamp::from_microsecond(time.as_microsecond()).ok();
        }
        Some(rec)
    }

    /// The record whose BinXML is `d[start..start + len]` typed by `map` as a
    /// [`LazyRecord`], when its template has a [`Plan`] and `filter` wants its EventID: the
    /// inner `None` when `map` leaves it out or the filter does not want it. The outer `None`:
    /// the record must be decoded by [`Self::decode`] instead (its template has no plan, an
    /// item holds an array or a value not formatted, or `map` gave up).
    pub fn decode_typed<T>(
        &mut self,
        start: usize,
        len: usize,
        record_id: u64,
        time: jiff::Timestamp,
        filter: &dyn super::RecordFilter,
        map: super::Map<T>,
    ) -> Option<Option<T>> {
        let end = start.checked_add(len)?;
        let (inst, t) = self.instance_at(start, end)?;
        // The EventData: inline, in a nested instance, or none (a NULL substitution, or one
        // that is not a template instance: `decode` reads nothing from it either).
        let sub = t
            .plan
            .as_ref()
            .and_then(|p| p.nested)
            .and_then(|i| inst.values.get(usize::from(i)).copied());
        let nested = match sub {
            Some(v) if v.ty == 0x21 && v.len > 0 => {
                let (at, end) = (v.at as usize, v.at as usize + usize::from(v.len));
                match self.instance_at(at, end) {
                    Some(n) => Some(n),
                    None => {
                        self.spare.push(inst.values);
                        return None;
                    }
                }
            }
            _ => None,
        };
        let out = typed(
            self.d,
            &inst,
            &t,
            nested.as_ref(),
            record_id,
            time,
            filter,
            map,
            &mut self.scratch,
            &mut self.memo,
            &mut self.lazy_typed,
        );
        self.spare.push(inst.values);
        self.spare.extend(nested.map(|(n, _)| n.values));
        out
    }

    /// A node under `<Event>`; `root`: the root of a nested template (always rendered).
    fn event_child(
        &mut self,
        node: &Node,
        ctx: &Ctx<'_>,
        rec: &mut RawRecord,
        root: bool,
    ) -> Option<()> {
        match node {
            Node::Elem(e) => {
                if !root && ctx.left_out(e) {
                    return Some(());
                }
                match &*e.name {
                    "System" => system(e, ctx, rec, &mut String::new(), &mut SystemMemo::default()),
                    "EventData" => event_data(e, ctx, rec),
                    "UserData" => None,
                    _ => Some(()),
                }
            }
            Node::Text(_) => Some(()),
            Node::Sub { index, .. } => {
                let Some(v) = ctx.val(*index) else {
                    return Some(());
                };
                match (v.ty, v.len) {
                    (0x00, _) | (0x21, 0) => Some(()),
                    (0x21, len) => {
                        let (start, end) = (v.at as usize, v.at as usize + usize::from(len));
                        let (inst, t) = self.instance_at(start, end)?;
                        let nested = Ctx {
                            d: self.d,
                            values: &inst.values,
                        };
                        for n in &t.nodes {
                            self.event_child(n, &nested, rec, true)?;
                        }
                        Some(())
                    }
                    // Text directly in <Event> is not read.
                    _ => Some(()),
                }
            }
        }
    }
}

/// [`ChunkDecoder::decode_typed`] of the instance `inst` of `t`, its EventData in `nested`
/// when in a nested instance.
#[allow(clippy::too_many_arguments)]
fn typed<T>(
    d: &[u8],
    inst: &Instance,
    t: &Template,
    nested: Option<&(Instance, Rc<Template>)>,
    record_id: u64,
    time: jiff::Timestamp,
    filter: &dyn super::RecordFilter,
    map: super::Map<T>,
    scratch: &mut String,
    memo: &mut SystemMemo,
    lazy_typed: &mut u64,
) -> Option<Option<T>> {
    let plan = t.plan.as_ref()?;
    let [Node::Elem(event)] = t.nodes.as_slice() else {
        return None;
    };
    let ctx = Ctx {
        d,
        values: &inst.values,
    };
    // The EventData's template and values: the nested instance's, or this one's when inline.
    let (data_t, data_values): (&Template, &[Val]) = match nested {
        Some((inst, t)) => (t, &inst.values),
        None => (t, &inst.values),
    };
    // Without a plan for its items, the EventData is read whole when asked.
    let (data_plan, data_elem) = if nested.is_some() || plan.data.is_some() {
        (data_t.data.as_ref(), Some(data_t.data_elem()?))
    } else {
        (None, None)
    };
    // Without a plan (no EventData) the values are never read.
    let data_ctx = Ctx {
        d,
        values: data_values,
    };
    // What `decode` refuses or reads otherwise: arrays (a string array is an item per
    // string), values it does not format.
    if let (Some(dp), Some(e)) = (data_plan, data_elem) {
        for &at in &dp.at {
            let Node::Elem(item) = &e.children[at] else {
                return None;
            };
            for n in &item.children {
                if let Node::Sub { index } = n {
                    if let Some(v) = data_ctx.val(*index) {
                        if v.ty & 0x80 != 0 || !formats(d, v) {
                            return None;
                        }
                    }
                }
            }
        }
    }
    let Node::Elem(system_elem) = &event.children[plan.system] else {
        return None;
    };
    let mut head = RawRecord::default();
    system(system_elem, &ctx, &mut head, scratch, memo)?;
    if head.record_id == 0 {
        head.record_id = record_id;
    }
    if head.time.is_none() {
        head.time = jiff::Timestamp::from_microsecond(time.as_microsecond()).ok();
    }
    if !filter.wants_event_id(head.event_id) {
        return Some(None);
    }
    let mut rec = LazyRecord {
        head,
        ctx: data_ctx,
        plan: data_plan,
        data: data_elem.map_or(&[], |e| &e.children),
        elem: data_elem,
        whole: None,
        taken: 0,
        scratch: std::mem::take(scratch),
        gave_up: false,
    };
    let out = map(&mut rec);
    *scratch = std::mem::take(&mut rec.scratch);
    if super::Fields::give_up(&rec) {
        return None;
    }
    *lazy_typed += 1;
    Some(out)
}

/// The `<System>` elements [`system`] reads, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SystemName {
    Provider,
    EventId,
    Version,
    TimeCreated,
    EventRecordId,
    Channel,
    Computer,
    Security,
    Other,
}

impl SystemName {
    fn of(name: &str) -> SystemName {
        match name {
            "Provider" => SystemName::Provider,
            "EventID" => SystemName::EventId,
            "Version" => SystemName::Version,
            "TimeCreated" => SystemName::TimeCreated,
            "EventRecordID" => SystemName::EventRecordId,
            "Channel" => SystemName::Channel,
            "Computer" => SystemName::Computer,
            "Security" => SystemName::Security,
            _ => SystemName::Other,
        }
    }
}

/// One element's reading, kept with what it was read from.
struct Memo<T> {
    key: Vec<u8>,
    value: Option<T>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo {
            key: Vec::new(),
            value: None,
        }
    }
}

impl<T> Memo<T> {
    fn hit(&self, probe: &[u8]) -> Option<&T> {
        self.value.as_ref().filter(|_| self.key == probe)
    }

    fn keep(&mut self, probe: &[u8], value: T) {
        self.key.clear();
        self.key.extend_from_slice(probe);
        self.value = Some(value);
    }
}

/// What the `<System>` elements that hold text (the provider's name and GUID, the channel,
/// the computer, the user) last read as, by the element and the bytes of the values it takes:
/// the records of a log name a handful of each, and making their text again took some 1,500
/// instructions a record. An element is told apart by its address, which stays its own while
/// the chunk's decoder, that holds the memo, holds the templates.
#[derive(Default)]
struct SystemMemo {
    probe: Vec<u8>,
    /// The provider it names (`None`: leaves it as it was) and its GUID.
    provider: Memo<(Option<Text>, Option<Text>)>,
    channel: Memo<Text>,
    computer: Memo<Text>,
    user: Memo<Option<Text>>,
}

impl SystemMemo {
    /// The key of `c` with these values into `self.probe`; `false` if a value is out of the
    /// chunk (not remembered then: reading it fails).
    fn probe(&mut self, c: &Elem, ctx: &Ctx<'_>) -> bool {
        let p = &mut self.probe;
        p.clear();
        p.extend_from_slice(&(std::ptr::from_ref(c) as usize).to_le_bytes());
        for n in c.attrs.iter().flat_map(|(_, v)| v).chain(&c.children) {
            let Node::Sub { index } = n else { continue };
            match ctx.val(*index) {
                // Types are at most 0xa1: 0xff marks a value past the instance's.
                None => p.push(0xff),
                Some(v) => {
                    let Some(b) = v.bytes(ctx.d) else {
                        return false;
                    };
                    p.push(v.ty);
                    p.extend_from_slice(&v.len.to_le_bytes());
                    p.extend_from_slice(b);
                }
            }
        }
        true
    }
}

/// `<System>`: what `xml::parse_events` reads from it. `scratch` is a buffer the caller
/// reuses: text is made in it and copied only where it is kept (a `Text` holds a short one
/// inline, and the known provider names and GUIDs are shared), so that a record's System
/// costs no allocation on a Security log; `memo`, what the elements holding text last read as.
fn system(
    e: &Elem,
    ctx: &Ctx<'_>,
    rec: &mut RawRecord,
    scratch: &mut String,
    memo: &mut SystemMemo,
) -> Option<()> {
    let shared = |s: &str| {
        crate::knowledge::events::system_name(s).map_or_else(|| Text::from(s), Text::const_new)
    };
    for child in &e.children {
        let Node::Elem(c) = child else { continue };
        if ctx.left_out(c) {
            continue;
        }
        if c.children.iter().any(|n| matches!(n, Node::Elem(_))) {
            return None;
        }
        let name = c.system;
        let remembered = matches!(
            name,
            SystemName::Provider
                | SystemName::Channel
                | SystemName::Computer
                | SystemName::Security
        ) && memo.probe(c, ctx);
        if remembered {
            let probe = &memo.probe;
            let hit = match name {
                SystemName::Provider => memo.provider.hit(probe).map(|(named, guid)| {
                    if let Some(p) = named {
                        rec.provider = p.clone();
                    }
                    rec.provider_guid = guid.clone();
                }),
                SystemName::Channel => memo.channel.hit(probe).map(|t| rec.channel = t.clone()),
                SystemName::Computer => memo.computer.hit(probe).map(|t| rec.computer = t.clone()),
                _ => memo.user.hit(probe).map(|t| rec.user_sid = t.clone()),
            };
            if hit.is_some() {
                continue;
            }
        }
        match name {
            SystemName::Provider => {
                // Both read, as `attr` would: a value that cannot be read in either gives up.
                let named = ctx.attr_into(c, "Name", scratch)?;
                let mut provider = named.then(|| shared(scratch));
                if ctx.attr_into(c, "EventSourceName", scratch)? && !named {
                    provider = Some(shared(scratch));
                }
                let guid = ctx
                    .attr_into(c, "Guid", scratch)?
                    .then(|| super::xml::normalise_guid_text(scratch));
                if let Some(p) = &provider {
                    rec.provider = p.clone();
                }
                rec.provider_guid = guid.clone();
                if remembered {
                    memo.provider.keep(&memo.probe, (provider, guid));
                }
            }
            SystemName::EventId => {
                rec.qualifiers = if ctx.attr_into(c, "Qualifiers", scratch)? {
                    scratch.trim().parse().ok()
                } else {
                    None
                }
            }
            SystemName::TimeCreated => {
                rec.time = match c.attrs.iter().find(|(n, _)| &**n == "SystemTime") {
                    Some((_, v)) => match v.as_slice() {
                        [Node::Sub { index, .. }]
                            if ctx.val(*index).is_some_and(|v| v.ty == 0x11 && v.len == 8) =>
                        {
                            let v = ctx.val(*index)?;
                            Some(filetime(u64_at(ctx.d, v.at as usize)?)?)
                        }
                        _ => ctx
                            .attr_into(c, "SystemTime", scratch)?
                            .then(|| super::xml::parse_time(scratch))
                            .flatten(),
                    },
                    None => None,
                }
            }
            SystemName::Security => {
                rec.user_sid = ctx
                    .attr_into(c, "UserID", scratch)?
                    .then(|| Text::from(scratch.as_str()));
                if remembered {
                    memo.user.keep(&memo.probe, rec.user_sid.clone());
                }
            }
            _ => {}
        }
        if matches!(
            name,
            SystemName::EventId | SystemName::Version | SystemName::EventRecordId
        ) {
            // A decimal integer value, read without writing its digits to parse them back.
            if let [Node::Sub { index }] = c.children.as_slice() {
                let decimal = ctx
                    .val(*index)
                    .filter(|v| matches!(v.ty, 0x04 | 0x06 | 0x08 | 0x0a));
                if let Some(n) = decimal.and_then(|v| unsigned(ctx.d, v)) {
                    match name {
                        SystemName::EventId => rec.event_id = u32::try_from(n).unwrap_or(0),
                        SystemName::Version => rec.version = u32::try_from(n).ok(),
                        _ => rec.record_id = n,
                    }
                    continue;
                }
            }
        }
        if matches!(
            name,
            SystemName::EventId
                | SystemName::Version
                | SystemName::EventRecordId
                | SystemName::Channel
                | SystemName::Computer
        ) {
            scratch.clear();
            ctx.text_into(&c.children, scratch)?;
            let text = scratch.trim();
            match name {
                SystemName::EventId => rec.event_id = text.parse().unwrap_or(0),
                SystemName::Version => rec.version = text.parse().ok(),
                SystemName::EventRecordId => rec.record_id = text.parse().unwrap_or(0),
                SystemName::Channel => {
                    rec.channel = shared(text);
                    if remembered {
                        memo.channel.keep(&memo.probe, rec.channel.clone());
                    }
                }
                _ => {
                    rec.computer = Text::from(text);
                    if remembered {
                        memo.computer.keep(&memo.probe, rec.computer.clone());
                    }
                }
            }
        }
    }
    Some(())
}

/// Whether `rec`'s EventData is one unnamed item holding `<string>`s, which
/// `xml::parse_events` splits: left to it.
fn lone_strings(rec: &RawRecord) -> bool {
    matches!(
        rec.data.as_slice(),
        [DataItem { name: None, value }] if value.trim().starts_with("<string>")
    )
}

/// `<EventData>`: `<Data Name="X">value</Data>` items in order, and `<Binary>`.
fn event_data(e: &Elem, ctx: &Ctx<'_>, rec: &mut RawRecord) -> Option<()> {
    rec.data.reserve(e.children.len());
    for child in &e.children {
        match child {
            Node::Elem(c) => {
                if ctx.left_out(c) {
                    continue;
                }
                // A string array repeats its element, once per string (classic events'
                // insertion strings). Other arrays, and arrays among other content, are left
                // to the renderer.
                if let [Node::Sub { index }] = c.children.as_slice() {
                    if let Some(v) = ctx.val(*index).filter(|v| v.ty == 0x81) {
                        if &*c.name == "Binary" {
                            return None;
                        }
                        let name = ctx.name_attr(c)?;
                        for value in string_array(ctx.d, v)? {
                            rec.data.push(DataItem {
                                name: name.clone(),
                                value,
                            });
                        }
                        continue;
                    }
                }
                for n in &c.children {
                    if let Node::Sub { index, .. } = n {
                        if ctx.val(*index).is_some_and(|v| v.ty & 0x80 != 0) {
                            return None;
                        }
                    }
                }
                let value = ctx.text(&c.children)?;
                if &*c.name == "Binary" {
                    // `<Binary/>` and `<Binary></Binary>` read differently: leave it to XML.
                    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    rec.binary = Some(value.to_ascii_uppercase());
                    continue;
                }
                let name = ctx.name_attr(c)?;
                rec.data.push(DataItem { name, value });
            }
            Node::Text(_) => {}
            // A substitution could hold elements.
            Node::Sub { index, .. } => {
                if ctx
                    .val(*index)
                    .is_some_and(|v| !matches!(v.ty, 0x00..=0x15))
                {
                    return None;
                }
            }
        }
    }
    Some(())
}

/// The strings of a UTF-16 string array value (each NUL-terminated); an empty array renders as
/// one empty element. `None`: a last string without its NUL (the crate reads on past it).
fn string_array(d: &[u8], v: Val) -> Option<Vec<String>> {
    let b = v.bytes(d)?;
    if b.is_empty() {
        return Some(vec![String::new()]);
    }
    if b.len() % 2 != 0 || b[b.len() - 2..] != [0, 0] {
        return None;
    }
    let mut out = Vec::new();
    let mut start = 0;
    for (i, unit) in b.chunks_exact(2).enumerate() {
        if unit == [0, 0] {
            let mut s = String::new();
            push_utf16(&mut s, &b[start..2 * i], false);
            out.push(s);
            start = 2 * i + 2;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Classic events (insertion strings as a string array, the error data in `<Binary>`)
    /// are typed lazily, by position, not left to [`ChunkDecoder::decode`]: a NETLOGON 5805
    /// and an 18456 as SQL Server writes it.
    #[test]
    fn classic_events_are_typed_lazily_by_position() {
        use crate::lab::{domain, records, rng::Rng};
        use evtx_writer::EvtxWriter;
        // The lab's own: its demo plays Zerologon and the SQL Server double hop with them.
        let hosts = domain::hosts(&mut Rng::new(1));
        let sql = &hosts[domain::SQL01];
        let written = [
            records::netlogon_5805(&hosts[domain::DC01], "DC01", 0xC000_0022),
            records::sql_login_failed(
                sql,
                "NT AUTHORITY\\ANONYMOUS LOGON",
                "Token-based server access validation failed.",
                "10.0.1.10",
                "master",
            ),
        ];
        let mut w = EvtxWriter::new(std::io::Cursor::new(Vec::new())).unwrap();
        for r in &written {
            w.write(r).unwrap();
        }
        let file = w.finish().unwrap().into_inner();
        let chunk = &file[4096..4096 + 65536];
        let mut decoder = ChunkDecoder::new(chunk);
        let mut typed = Vec::new();
        let mut at = 512;
        for _ in &written {
            assert_eq!(u32_at(chunk, at), Some(0x2a2a), "a record at {at}");
            let size = u32_at(chunk, at + 4).unwrap() as usize;
            let id = u64_at(chunk, at + 8).unwrap();
            let t = jiff::Timestamp::UNIX_EPOCH;
            let e = decoder
                .decode_typed(at + 24, size - 28, id, t, &super::super::AllRecords, |r| {
                    crate::event::from_fields(r)
                })
                .expect("typed lazily, not left to decode")
                .expect("typed");
            typed.push(e);
            at += size;
        }
        assert_eq!(decoder.lazy_typed, 2);
        let crate::event::Kind::Netlogon(n) = &typed[0].kind else {
            panic!("{:?}", typed[0].kind)
        };
        assert_eq!(n.account.as_deref(), Some("DC01"));
        assert_eq!(n.status_name, Some("STATUS_ACCESS_DENIED"));
        let crate::event::Kind::SqlLoginFailure(q) = &typed[1].kind else {
            panic!("{:?}", typed[1].kind)
        };
        assert_eq!(
            q.target_user.as_deref(),
            Some("NT AUTHORITY\\ANONYMOUS LOGON")
        );
        assert_eq!(q.ip.as_deref(), Some("10.0.1.10"));
        assert_eq!(q.server.as_deref(), Some(sql.name));
        assert_eq!(q.database.as_deref(), Some("master"));
        assert!(typed[1].anonymous);
    }

    /// Units mostly printable ASCII, with what ends or interrupts a run: tab, LF, CR, other
    /// controls, NUL, DEL, Latin-1, surrogates, U+FFFE/U+FFFF and units with a high byte.
    fn unit() -> impl Strategy<Value = u16> {
        prop_oneof![
            8 => 0x20u16..0x7f,
            1 => prop::sample::select(vec![
                0u16, 9, 10, 13, 1, 0x1f, 0x7f, 0x80, 0xe9, 0x100, 0x2020, 0xd800, 0xdc00,
                0xd83d, 0xde00, 0xfffe, 0xffff, 0x4100,
            ]),
        ]
    }

    proptest! {
        #[test]
        fn utf16_ascii_runs_read_as_one_unit_at_a_time(
            units in prop::collection::vec(unit(), 0..200),
            odd in any::<bool>(),
            until_nul in any::<bool>(),
            prefix in "[a-z]{0,3}",
        ) {
            let mut bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
            if odd {
                bytes.push(0x41);
            }
            let (mut fast, mut slow) = (prefix.clone(), prefix);
            push_utf16(&mut fast, &bytes, until_nul);
            // The whole text a unit at a time: what the run of printable ASCII copied as is
            // must read as.
            push_units(&mut slow, &bytes, until_nul);
            prop_assert_eq!(fast, slow);
        }
    }

    proptest! {
        /// A GUID read from its bytes is what typing made of its text.
        #[test]
        fn guids_read_from_their_bytes_as_from_their_text(
            b in prop_oneof![Just([0u8; 16]), any::<[u8; 16]>()],
        ) {
            let mut text = String::new();
            push_value(&mut text, &b, Val { ty: 0x0f, at: 0, len: 16 }).unwrap();
            prop_assert_eq!(guid_text(&b), crate::event::fields::guid(Some(&text)));
        }
    }

    #[test]
    fn memos_answer_only_for_the_same_type_and_bytes() {
        let mut m = TextMemo::default();
        let sid = b"\x01\x01\0\0\0\0\0\x05\x12\0\0\0".as_slice();
        let name = b"S\0Y\0".as_slice();
        let slot = TextMemo::slot(0x13, sid);
        assert_eq!(m.get(slot, 0x13, sid), None, "an empty place");
        m.keep(slot, 0x13, sid, &Text::from("S-1-5-18"));
        assert_eq!(m.get(slot, 0x13, sid).as_deref(), Some("S-1-5-18"));
        // The same place asked for other bytes, or the same bytes of another type.
        assert_eq!(m.get(slot, 0x13, name), None);
        assert_eq!(m.get(slot, 0x01, sid), None);
        // Replaced by what comes next to the place.
        m.keep(slot, 0x01, name, &Text::from("SY"));
        assert_eq!(m.get(slot, 0x13, sid), None);
        assert_eq!(m.get(slot, 0x01, name).as_deref(), Some("SY"));

        let mut l = ListMemo::default();
        for i in 0..=LISTS_KEPT as u8 {
            l.keep(&[i], &[Text::from(format!("p{i}"))]);
        }
        // The first was replaced by the last; the others are there.
        assert_eq!(l.get(&[0]), None);
        assert_eq!(l.get(&[1]), Some(vec![Text::from("p1")]));
        let last = Text::from(format!("p{LISTS_KEPT}"));
        assert_eq!(l.get(&[LISTS_KEPT as u8]), Some(vec![last]));
    }

    /// A chunk whose template at offset 100 is one empty element named by a reference to the
    /// name `name` (four UTF-16 units) at offset 1000.
    fn chunk(name: &str) -> Vec<u8> {
        let mut d = vec![0u8; 2048];
        d[104..120].copy_from_slice(&[0xab; 16]); // GUID
        let data: Vec<u8> = [
            &[0x0f, 0x01, 0x01, 0x00][..],       // fragment header
            &[0x01, 0xff, 0xff, 0, 0, 0, 0][..], // element, no dependency
            &1000u32.to_le_bytes()[..],          // its name, elsewhere in the chunk
            &[0x03, 0x00][..],                   // empty element, end of fragment
        ]
        .concat();
        d[120..124].copy_from_slice(&(data.len() as u32).to_le_bytes());
        d[124..124 + data.len()].copy_from_slice(&data);
        let units: Vec<u16> = name.encode_utf16().collect();
        d[1006..1008].copy_from_slice(&(units.len() as u16).to_le_bytes());
        for (i, u) in units.iter().enumerate() {
            d[1008 + 2 * i..1010 + 2 * i].copy_from_slice(&u.to_le_bytes());
        }
        d
    }

    fn shown(t: &Template) -> String {
        format!("{t:?}")
    }

    #[test]
    fn formats_answers_as_push_value_does() {
        // Every type and length up to 40 bytes, over a few fillings (zeros, ones, a FILETIME
        // past the year 9999, a SID revision/count byte pair, random bytes).
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut fillings: Vec<Vec<u8>> = vec![vec![0; 64], vec![1; 64], vec![0xff; 64]];
        for _ in 0..8 {
            fillings.push(
                (0..64)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        seed as u8
                    })
                    .collect(),
            );
        }
        let mut sid = vec![0u8; 64];
        sid[0] = 1;
        sid[1] = 3;
        fillings.push(sid);
        let mut checked = 0;
        for d in &fillings {
            for ty in 0..=255u8 {
                for len in 0..=40u16 {
                    let v = Val { ty, at: 0, len };
                    let mut s = String::new();
                    assert_eq!(
                        formats(d, v),
                        push_value(&mut s, d, v).is_some(),
                        "type {ty:#x} length {len} over {:?}",
                        &d[..8]
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 100_000);
    }

    #[test]
    fn a_chunk_finds_its_templates_past_the_ones_it_lists() {
        let d = chunk("Abcd");
        let mut decoder = ChunkDecoder::new(&d);
        // Offsets where no template is defined fill the list (each kept as `None`).
        for off in 0..TEMPLATES_LISTED as u32 + 3 {
            assert!(decoder.template(2000 + off).is_none());
        }
        let t = decoder.template(100).unwrap();
        assert!(shown(&t).contains("Abcd"));
        assert!(decoder.more_templates.contains_key(&100));
        assert!(Rc::ptr_eq(&t, &decoder.template(100).unwrap()));
        assert!(decoder.template(2000).is_none());
        assert_eq!(decoder.templates.len(), TEMPLATES_LISTED);
    }

    #[test]
    fn a_cached_template_is_taken_only_where_it_reads_the_same() {
        let a = chunk("Abcd");
        let first = cached_template(&a, 100).unwrap();
        assert!(shown(&first).contains("Abcd"));
        // The same template in another chunk: the cached one.
        let again = cached_template(&chunk("Abcd"), 100).unwrap();
        assert!(Rc::ptr_eq(&first, &again));
        // The same bytes and GUID, the reference pointing at another name: parsed anew.
        let other = cached_template(&chunk("Wxyz"), 100).unwrap();
        assert!(!Rc::ptr_eq(&first, &other));
        assert_eq!(
            shown(&other),
            shown(&parse_template(&chunk("Wxyz"), 100).unwrap().0)
        );
        assert!(shown(&other).contains("Wxyz"));
        // A changed byte of the definition: parsed anew (here it does not parse at all).
        let mut broken = chunk("Abcd");
        broken[128] = 0x7f;
        assert!(cached_template(&broken, 100).is_none());
    }
}
