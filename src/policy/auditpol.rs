//! `auditpol /backup` CSV, the GPO `audit.csv`, and `auditpol /get /category:* /r` output.
//!
//! Columns (reference D.4): `Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion
//! Setting,Exclusion Setting,Setting Value` (the `/r` form has no Setting Value). Setting Value is
//! 0 none, 1 success, 2 failure, 3 both. Subcategory names are localised: rows are keyed on the
//! GUID. Rows without a GUID (`Option:…`, global SACLs) are skipped.

use super::text;
use super::{Entry, Item, ParseProblem, Place};

#[derive(Debug, Clone, Default)]
pub struct AuditPolDocument {
    pub entries: Vec<Entry>,
    pub machine_name: Option<String>,
    pub problems: Vec<ParseProblem>,
}

/// Whether a first line looks like an auditpol CSV header.
pub fn looks_like(first_line: &str) -> bool {
    let l = first_line.to_ascii_lowercase();
    l.starts_with("machine name,policy target,")
        || (l.split(',').count() >= 6 && l.contains("guid"))
}

/// Normalise a GUID to upper case with braces, or `None` if it is not one.
pub fn normalize_guid(s: &str) -> Option<String> {
    let inner = s.trim().trim_start_matches('{').trim_end_matches('}');
    let parts: Vec<&str> = inner.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    if parts.len() != 5
        || parts
            .iter()
            .zip(lens)
            .any(|(p, n)| p.len() != n || !p.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return None;
    }
    Some(format!("{{{}}}", inner.to_ascii_uppercase()))
}

fn from_text(s: &str) -> Option<u32> {
    match s.trim().to_ascii_lowercase().as_str() {
        "no auditing" => Some(0),
        "success" => Some(1),
        "failure" => Some(2),
        "success and failure" => Some(3),
        _ => None,
    }
}

fn line_of(txt: &str, byte: u64) -> usize {
    // csv reports the position just after the previous record's terminator, which may sit
    // between the \r and the \n of a CRLF: step over line breaks first.
    let b = txt.as_bytes();
    let mut end = (byte as usize).min(b.len());
    while end < b.len() && (b[end] == b'\r' || b[end] == b'\n') {
        end += 1;
    }
    txt.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Parse an auditpol CSV. `Err` when there is no header line.
pub fn parse(bytes: &[u8]) -> Result<AuditPolDocument, ParseProblem> {
    let (txt, _) = text::decode(bytes);
    let txt = txt.trim_start_matches('\u{feff}');
    let mut doc = AuditPolDocument::default();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(txt.as_bytes());
    let mut header_seen = false;
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| line_of(txt, p.byte())).unwrap_or(0);
                doc.problems
                    .push(ParseProblem::new(Place::Row(line), format!("bad CSV: {e}")));
                continue;
            }
        };
        let row = rec.position().map(|p| line_of(txt, p.byte())).unwrap_or(0);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if !header_seen {
            let first = rec.iter().collect::<Vec<_>>().join(",");
            if !looks_like(&first) {
                return Err(ParseProblem::new(
                    Place::Row(row),
                    "expected the header \"Machine Name,Policy Target,Subcategory,Subcategory GUID,…\"",
                ));
            }
            header_seen = true;
            continue;
        }
        if rec.len() < 6 {
            doc.problems.push(ParseProblem::new(
                Place::Row(row),
                format!("expected 6 or 7 columns, found {}", rec.len()),
            ));
            continue;
        }
        let machine = rec[0].trim();
        if !machine.is_empty() && doc.machine_name.is_none() {
            doc.machine_name = Some(machine.to_string());
        }
        let guid_field = rec[3].trim();
        if guid_field.is_empty() {
            continue;
        }
        let Some(guid) = normalize_guid(guid_field) else {
            doc.problems.push(ParseProblem::new(
                Place::Row(row),
                format!("\"{guid_field}\" is not a subcategory GUID"),
            ));
            continue;
        };
        let setting = match rec.get(6).map(str::trim).filter(|s| !s.is_empty()) {
            Some(v) => match v.parse::<u32>() {
                Ok(n) if n <= 3 => Some(n),
                _ => None,
            },
            None => from_text(&rec[4]),
        };
        let Some(setting) = setting else {
            doc.problems.push(ParseProblem::new(
                Place::Row(row),
                format!(
                    "{}: cannot read the setting (Setting Value {:?}, Inclusion Setting {:?})",
                    rec[2].trim(),
                    rec.get(6).unwrap_or(""),
                    &rec[4]
                ),
            ));
            continue;
        };
        doc.entries.push(Entry {
            item: Item::AuditSubcategory {
                guid,
                name: rec[2].trim().to_string(),
                setting,
            },
            place: Place::Row(row),
        });
    }
    if !header_seen {
        return Err(ParseProblem::new(Place::File, "no header row"));
    }
    Ok(doc)
}
