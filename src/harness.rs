//! Entry points for fuzzing: each drives one parser nullsight owns the way the tool does, on
//! bytes. The cargo-fuzz targets in `fuzz/` and the regression test over saved crashing inputs
//! (`tests/fuzz_regressions.rs`) call these, so both exercise the same code.
//!
//! Each returns how many items it got out, so the optimiser cannot drop the work.

use crate::event;
use crate::source;
use std::path::Path;

/// XML export → raw records → typed events.
pub fn xml(data: &[u8]) -> usize {
    let mut n = 0;
    source::xml::parse_events(data, &mut |r| {
        if let Ok(raw) = r {
            n += usize::from(event::from_raw(raw).is_some()) + 1;
        }
    });
    n
}

/// JSON Lines (evtx_dump or Winlogbeat shape) → raw records → typed events.
pub fn jsonl(data: &[u8]) -> usize {
    let mut n = 0;
    for line in data.split(|b| *b == b'\n') {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) {
            if let Ok(raw) = source::jsonl::record_from_json(&v) {
                n += usize::from(event::from_raw(raw).is_some()) + 1;
            }
        }
    }
    n
}

/// An EVTX file as `nullsight scan` reads it (the chunk pipeline, the fast decoder, the crate
/// for what the decoder leaves, typing), twice: as given, and with its file and chunk CRCs
/// repaired. Random bytes almost never carry valid CRCs, and a chunk whose CRCs fail goes to
/// the `evtx` crate: without the repaired copy, the fuzzer would never reach the fast decoder.
pub fn evtx(data: &[u8]) -> usize {
    let mut n = evtx_as_scanned(data);
    let repaired = repair_crcs(data);
    if repaired != data {
        n += evtx_as_scanned(&repaired);
    }
    n
}

/// The scan reads EVTX from a path (it seeks chunk by chunk), so the bytes go to a file first.
fn evtx_as_scanned(data: &[u8]) -> usize {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let path = std::env::temp_dir().join(format!(
        "nullsight-harness-{}-{}.evtx",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    if std::fs::write(&path, data).is_err() {
        return 0;
    }
    let mut n = 0;
    let result = source::evtx::read(
        &path,
        &crate::scan::CANDIDATES,
        1,
        event::from_fields,
        &mut |item| {
            n += match item {
                source::Item::Record(_) => 2,
                source::Item::Error(_) | source::Item::Warning(_) => 1,
            }
        },
    );
    let _ = std::fs::remove_file(&path);
    n + usize::from(result.is_ok())
}

/// `data` with the CRC32s of the file header and of every chunk (header and records) set to
/// what its bytes hold, as an intact file has them.
pub fn repair_crcs(data: &[u8]) -> Vec<u8> {
    const FILE_HEADER: usize = 4096;
    const CHUNK: usize = 65536;
    let mut d = data.to_vec();
    if d.starts_with(b"ElfFile\0") {
        evtx_writer::set_file_header_crc(&mut d);
    }
    let mut at = FILE_HEADER;
    while at + 512 <= d.len() {
        let end = (at + CHUNK).min(d.len());
        if d[at..].starts_with(b"ElfChnk\0") {
            evtx_writer::set_chunk_crcs(&mut d[at..end]);
        }
        at += CHUNK;
    }
    d
}

/// Any configuration file (`.reg`, secedit INF, Registry.pol, hive, auditpol CSV) through
/// content detection, the way `nullsight audit` reads it.
pub fn config(data: &[u8]) -> usize {
    match crate::policy::read_bytes(Path::new("fuzz-input"), data) {
        Ok(src) => src.entries.len() + src.problems.len() + 1,
        Err(_) => 0,
    }
}

/// `.reg` exports (REGEDIT4 and version 5).
pub fn reg(data: &[u8]) -> usize {
    crate::policy::reg::parse(data).map_or(0, |_| 1)
}

/// secedit INF / GptTmpl.inf.
pub fn inf(data: &[u8]) -> usize {
    crate::policy::inf::parse(data).map_or(0, |_| 1)
}

/// Registry.pol (PReg).
pub fn pol(data: &[u8]) -> usize {
    crate::policy::pol::parse(data, "HKLM").map_or(0, |_| 1)
}

/// auditpol /backup CSV.
pub fn auditpol(data: &[u8]) -> usize {
    crate::policy::auditpol::parse(data).map_or(0, |_| 1)
}

/// The offline hive reader alone (it follows offsets, so it gets its own target). A SECURITY
/// hive reaches the PolAdtEv and SecDesc decoders through it.
pub fn hive(data: &[u8]) -> usize {
    match crate::policy::hive::read_settings(data) {
        Ok(doc) => 1 + doc.entries.len(),
        Err(_) => 0,
    }
}

/// The SECURITY hive's binary LSA structures on their own: the same bytes as a PolAdtEv value
/// and as the LSA policy object's security descriptor (ACL and ACE walking, the anonymous
/// lookup decision). Counts what decoded.
pub fn lsa(data: &[u8]) -> usize {
    use crate::policy::lsa;
    let mut n = 0;
    if let Ok(p) = lsa::decode_poladtev(data) {
        n += 1 + p.settings.len();
    }
    if let Ok(sd) = lsa::parse_security_descriptor(data) {
        n += 1 + usize::from(lsa::anonymous_lookup(&sd).is_ok_and(|d| d.granted));
    }
    n
}

/// A fuzz entry point: bytes in, a count of what came out.
pub type Target = fn(&[u8]) -> usize;

/// The named targets, for the regression test and the campaign script.
pub const TARGETS: &[(&str, Target)] = &[
    ("xml", xml),
    ("jsonl", jsonl),
    ("evtx", evtx),
    ("config", config),
    ("reg", reg),
    ("inf", inf),
    ("pol", pol),
    ("auditpol", auditpol),
    ("hive", hive),
    ("lsa", lsa),
];
