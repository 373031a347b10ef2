//! The correctness oracle of the fast EVTX path: on every corpus file and on files written by
//! `evtx-writer`, decoding records from their template substitutions gives exactly what
//! rendering every record to XML and parsing it gives: the same raw records (System values and
//! EventData items) in the same order, the same errors, the same number of records read, and
//! the same typed events. Nothing is excluded.

mod common;
use common::*;
use evtx_writer::{EventData, EventRecord, EvtxWriter, FileTime, Guid, Sid, Value};
use nullsight::knowledge::events::is_candidate_id;
use nullsight::source::evtx::{read_with, Decoder, CRATE_RENDERED, FAST_DECODED};
use std::sync::atomic::Ordering::Relaxed;
use nullsight::source::fast::LAZY_TYPED;
use nullsight::source::{AllRecords, Item, Map, RecordFilter};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

static ALL: AllRecords = AllRecords;

struct Candidates;
impl RecordFilter for Candidates {
    fn wants_event_id(&self, id: u32) -> bool {
        is_candidate_id(id)
    }
}
static CANDIDATES: Candidates = Candidates;

#[derive(Debug, PartialEq)]
struct Read<T> {
    records: u64,
    items: Vec<Result<T, String>>,
}

fn read<T: Send + 'static>(
    decoder: Decoder,
    path: &Path,
    filter: &'static dyn RecordFilter,
    threads: usize,
    map: Map<T>,
) -> Read<T> {
    let mut items = Vec::new();
    let records = read_with(decoder, path, filter, threads, map, &mut |item| {
        items.push(match item {
            Item::Record(t) => Ok(t),
            Item::Error(e) => Err(e.to_string()),
            Item::Warning(w) => Err(format!("warning: {w}")),
        })
    })
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Read { records, items }
}

/// Every record of `path` (and every typed event) through both decoders, compared record by
/// record; with one thread and with two (the fast path's own chunk pipeline).
fn check(path: &Path) -> (u64, usize) {
    let name = path.display();
    let full = read(Decoder::Render, path, &ALL, 1, |r| r.take_raw());
    for threads in [1, 2] {
        let fast = read(Decoder::Fast, path, &ALL, threads, |r| r.take_raw());
        assert_eq!(fast.records, full.records, "{name}: records read");
        assert_eq!(fast.items.len(), full.items.len(), "{name}: items");
        for (i, (f, r)) in fast.items.iter().zip(&full.items).enumerate() {
            assert_eq!(f, r, "{name}: item {i} (threads {threads})");
        }
        let fast = read(Decoder::Fast, path, &CANDIDATES, threads, nullsight::event::from_fields);
        let full = read(Decoder::Render, path, &CANDIDATES, 1, nullsight::event::from_fields);
        assert_eq!(fast, full, "{name}: typed events (threads {threads})");
    }
    let errors = full.items.iter().filter(|i| i.is_err()).count();
    (full.records, errors)
}

#[test]
fn fast_path_equals_rendering_on_the_corpus() {
    let Some(dir) = corpus() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "evtx"))
        .collect();
    files.sort();
    assert!(files.len() >= 50, "corpus has {} files", files.len());
    let (mut records, mut errors) = (0, 0);
    for f in &files {
        let (r, e) = check(f);
        records += r;
        errors += e;
    }
    let fast = FAST_DECODED.load(Relaxed);
    let rendered = CRATE_RENDERED.load(Relaxed);
    let lazy = LAZY_TYPED.load(Relaxed);
    eprintln!(
        "{} corpus files, {records} records, {errors} errors: fast path = rendering \
         (over all tests: {fast} records decoded from substitutions, {lazy} of them typed \
         lazily, {rendered} rendered by the crate)",
        files.len()
    );
    assert!(fast > 10 * rendered, "the fast path decodes most records");
    assert!(lazy > 1000, "typing reads most records lazily: {lazy}");
}

fn sid(s: &str) -> Value<'static> {
    Value::Sid(s.parse::<Sid>().unwrap())
}

fn s(v: &str) -> Value<'static> {
    Value::String(Cow::Owned(v.to_string()))
}

fn manifest(event_id: u16, n: u32, data: Vec<(&'static str, Value<'static>)>) -> EventRecord<'static> {
    EventRecord {
        provider_name: "Microsoft-Windows-Security-Auditing".into(),
        provider_guid: Some("{54849625-5478-4994-A5BA-3E3B0328C30D}".parse::<Guid>().unwrap()),
        event_id,
        version: 2,
        task: 12544,
        keywords: 0x8020_0000_0000_0000,
        time: FileTime::from_unix(1_700_000_000 + i64::from(n), 123_456_700),
        process_id: 636,
        thread_id: 4108,
        channel: "Security".into(),
        computer: format!("HOST{}.corp.example", n % 3).into(),
        user_id: n.is_multiple_of(2).then(|| "S-1-5-18".parse().unwrap()),
        data: EventData::Named(data.into_iter().map(|(k, v)| (Cow::Borrowed(k), v)).collect()),
        ..EventRecord::default()
    }
}

/// Records of every value type, odd strings (controls, markup, non-BMP, lone surrogate
/// neighbours), NULLs, classic events with strings and binary, over several chunks.
/// An 18456's `<Binary>`: the error number, the severity, the server and the database as
/// counted UTF-16 strings.
fn sql_error_record(n: u32) -> Vec<u8> {
    let mut bin = [18456u32, 14].map(u32::to_le_bytes).concat();
    for name in [format!("SQL{}", n % 3), "master".to_string()] {
        let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
        bin.extend_from_slice(&(units.len() as u32).to_le_bytes());
        for u in units {
            bin.extend_from_slice(&u.to_le_bytes());
        }
    }
    bin
}

fn writer_records() -> Vec<EventRecord<'static>> {
    let mut out = Vec::new();
    for n in 0..3000u32 {
        let mut rec = match n % 7 {
            0 => manifest(
                4624,
                n,
                vec![
                    ("SubjectUserSid", sid("S-1-0-0")),
                    ("SubjectLogonId", Value::HexInt64(0)),
                    ("TargetUserSid", sid("S-1-5-7")),
                    ("TargetUserName", s("ANONYMOUS LOGON")),
                    ("TargetDomainName", s("NT AUTHORITY")),
                    ("TargetLogonId", Value::HexInt64(0x1234_5678 + u64::from(n))),
                    ("LogonType", Value::U32(3)),
                    ("LogonProcessName", s("NtLmSsp ")),
                    ("AuthenticationPackageName", s("NTLM")),
                    ("WorkstationName", s(&format!("WKS{n}"))),
                    ("LogonGuid", Value::Guid(Guid::default())),
                    ("LmPackageName", s("NTLM V1")),
                    ("KeyLength", Value::U32(128)),
                    ("ProcessId", Value::SizeT(0x44c)),
                    ("IpAddress", s(&format!("10.0.{}.{}", n % 250, n % 7))),
                    ("IpPort", s("49152")),
                    ("ImpersonationLevel", s("%%1833")),
                    ("ElevatedToken", s("%%1843")),
                ],
            ),
            1 => manifest(
                4625,
                n,
                vec![
                    ("Null", Value::Null),
                    ("Empty", s("")),
                    ("Markup", s("<a href=\"x\">&amp; 'q'</a> ]]>")),
                    ("Controls", s("a\u{1}b\tc\nd\re\u{1f}f")),
                    ("Unicode", s("é€😀\u{fffe}\u{ffff}z")),
                    ("Spaces", s("  padded  ")),
                    ("I8", Value::I8(-5)),
                    ("U8", Value::U8(255)),
                    ("I16", Value::I16(-300)),
                    ("U16", Value::U16(65535)),
                    ("I32", Value::I32(i32::MIN)),
                    ("U32", Value::U32(u32::MAX)),
                    ("I64", Value::I64(i64::MIN)),
                    ("U64", Value::U64(u64::MAX)),
                    ("BoolT", Value::Bool(true)),
                    ("BoolF", Value::Bool(false)),
                    ("Bin", Value::Binary(Cow::Borrowed(&[0, 1, 0xab, 0xff]))),
                    ("EmptyBin", Value::Binary(Cow::Borrowed(&[]))),
                    ("Guid", Value::Guid("{AC43300D-5FCC-4800-8E99-1BD3F85F0320}".parse().unwrap())),
                    ("SizeT", Value::SizeT(u64::MAX)),
                    ("FileTime", Value::FileTime(FileTime::from_unix(1_234_567_890, 987_654_300))),
                    ("Epoch", Value::FileTime(FileTime(0))),
                    ("Sid", sid("S-1-5-21-1004336348-1177238915-682003330-512")),
                    ("Hex32", Value::HexInt32(0xc000006d)),
                    ("Hex64", Value::HexInt64(0x3e7)),
                ],
            ),
            2 => EventRecord {
                provider_name: "NETLOGON".into(),
                event_id: 5805,
                qualifiers: Some(0),
                level: 2,
                keywords: 0x0080_0000_0000_0000,
                time: FileTime::from_unix(1_600_000_000 + i64::from(n), 0),
                channel: "System".into(),
                computer: "DC01.corp.example".into(),
                data: EventData::Positional {
                    strings: vec![format!("WKS{n}").into(), "%%5".into()],
                    binary: Some(vec![0x22, 0x00, 0x00, 0xc0].into()),
                },
                ..EventRecord::default()
            },
            3 => EventRecord {
                provider_name: "MSSQLSERVER".into(),
                event_id: 18456,
                qualifiers: Some(0xc000),
                time: FileTime::from_unix(1_600_000_000 + i64::from(n), 0),
                channel: "Application".into(),
                computer: "SQL01".into(),
                // Half of them as SQL Server writes them: three strings, the error record.
                data: if n % 14 == 3 {
                    EventData::Positional {
                        strings: vec![],
                        binary: None,
                    }
                } else {
                    EventData::Positional {
                        strings: vec![
                            "NT AUTHORITY\\ANONYMOUS LOGON".into(),
                            " Reason: Token-based server access validation failed.".into(),
                            format!(" [CLIENT: 10.0.1.{}]", n % 250).into(),
                        ],
                        binary: Some(sql_error_record(n).into()),
                    }
                },
                ..EventRecord::default()
            },
            4 => manifest(4634, n, vec![("TargetUserSid", sid("S-1-5-7"))]),
            5 => manifest(5145, n, vec![]),
            // As the NTLM log writes it, so that it is typed.
            _ => EventRecord {
                provider_name: "Microsoft-Windows-NTLM".into(),
                provider_guid: Some("{AC43300D-5FCC-4800-8E99-1BD3F85F0320}".parse().unwrap()),
                channel: "Microsoft-Windows-NTLM/Operational".into(),
                ..manifest(
                    8004,
                    n,
                    vec![
                        ("SChannelName", s("DC01")),
                        ("UserName", s(&"x".repeat((n % 50) as usize * 40))),
                        ("DomainName", s("CORP")),
                    ],
                )
            },
        };
        if n % 14 == 7 {
            rec.channel = "ForwardedEvents".into();
        }
        out.push(rec);
    }
    // Records of one template one after the other, every other one forwarded: what
    // `<System>` last read as must not hide the change of channel.
    for n in 3000..3040u32 {
        let mut rec = out[0].clone();
        rec.time = FileTime::from_unix(1_700_000_000 + i64::from(n), 0);
        if n % 2 == 1 {
            rec.channel = "ForwardedEvents".into();
        }
        out.push(rec);
    }
    out
}

#[test]
fn fast_path_equals_rendering_on_written_files() {
    let dir = temp_dir("fast_path");
    let path = dir.join("mixed.evtx");
    let mut w = EvtxWriter::create(&path).unwrap();
    for r in writer_records() {
        w.write(&r).unwrap();
    }
    w.finish().unwrap();
    let (records, errors) = check(&path);
    assert_eq!((records, errors), (3040, 0));
}

/// Typing a real Security log shares the provider's name and GUID and the privilege names
/// (the knowledge tables' constants) instead of copying them into every event: the text that
/// is copied is what differs from event to event.
#[test]
fn typing_shares_the_names_every_event_repeats() {
    let Some(src) = corpus_file("evtxrs__security.evtx") else {
        return;
    };
    let typed = read(Decoder::Fast, &src, &CANDIDATES, 2, nullsight::event::from_fields);
    let events: Vec<_> = typed.items.into_iter().filter_map(Result::ok).collect();
    assert!(events.len() > 1000, "{} events", events.len());
    let mut privileges = 0;
    for e in &events {
        assert_eq!(e.provider, nullsight::knowledge::events::SECURITY_AUDITING);
        assert!(!e.provider.is_heap_allocated(), "record {}", e.record_id);
        if let nullsight::event::Kind::SpecialPrivileges(p) = &e.kind {
            for name in &p.privileges {
                assert!(!name.is_heap_allocated(), "{name} in record {}", e.record_id);
                privileges += 1;
            }
        }
    }
    assert!(privileges > 100, "{privileges} privileges listed");
}

#[test]
fn damaged_chunks_are_read_like_the_crate_reads_them() {
    let Some(src) = corpus_file("evtxrs__security.evtx") else {
        return;
    };
    let dir = temp_dir("fast_path_damaged");
    let mut bytes = std::fs::read(src).unwrap();
    // A flipped byte in a record of the second chunk (CRC no longer matches), a chunk whose
    // free-space offset is past its end, a chunk of zeroes.
    let chunk = |n: usize| 4096 + n * 65536;
    bytes[chunk(1) + 512 + 200] ^= 0x55;
    bytes[chunk(2) + 48..chunk(2) + 52].copy_from_slice(&70000u32.to_le_bytes());
    bytes[chunk(3)..chunk(4)].fill(0);
    let path = dir.join("damaged.evtx");
    std::fs::write(&path, &bytes).unwrap();
    check(&path);
}
