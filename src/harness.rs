//! Entry points for fuzzing: each drives one parser nullsight owns the way the tool does, on
//! bytes. The cargo-fuzz targets in `fuzz/` and the regression test over saved crashing inputs
//! (`tests/fuzz_regressions.rs`) call these, so both exercise the same code.
//!
//! Each returns how many items it got out, so the optimiser cannot drop the work.

use crate::event;
use crate::source::{self, RawRecord};
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

/// An EVTX file as `nullsight scan` reads it: EventID prefilter, render, parse, type.
pub fn evtx(data: &[u8]) -> usize {
    let Ok(parser) = evtx::EvtxParser::from_buffer(data.to_vec()) else {
        return 0;
    };
    let mut parser = parser.with_configuration(source::evtx::settings(1));
    let mut n = 0;
    for r in parser.serialized_records(|rec| {
        let rec = rec?;
        if let Some(id) = source::evtx::event_id_from_substitutions(&rec) {
            if !crate::knowledge::events::is_candidate_id(id) {
                return Ok(None);
            }
        }
        let raw: RawRecord = source::evtx::render(rec)?;
        Ok(event::from_raw(raw))
    }) {
        n += match r {
            Ok(Some(_)) => 2,
            Ok(None) => 1,
            Err(_) => 0,
        };
    }
    n
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
