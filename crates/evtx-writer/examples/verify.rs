//! Reads an EVTX file back with the `evtx` crate (0.15.1), all cores, checksums validated.
//!
//! usage: cargo run --release -p evtx-writer --example verify -- FILE.evtx [xml|json|ids]
//!
//! Prints the record count, errors, the EventID histogram (from `template_instances()`) and
//! the time taken. Exits non-zero on any error or on a header whose CRC32 fails.

use std::collections::BTreeMap;
use std::time::Instant;

use evtx::binxml::value_variant::BinXmlValue;
use evtx::{EvtxParser, ParserSettings};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .ok_or("usage: verify FILE.evtx [xml|json|ids]")?;
    let mode = args.get(2).map(String::as_str).unwrap_or("xml");
    let settings = ParserSettings::default()
        .num_threads(0)
        .validate_checksums(true)
        .indent(false);
    let start = Instant::now();
    let mut parser = EvtxParser::from_path(path)?.with_configuration(settings);
    let header_ok = parser.header().validate_checksum();
    let chunks = parser.header().chunk_count;
    let (mut records, mut errors, mut bytes) = (0u64, 0u64, 0u64);
    let mut eids: BTreeMap<u16, u64> = BTreeMap::new();
    let mut last_id = 0;
    let mut in_order = true;
    match mode {
        "ids" => {
            for r in parser.serialized_records(|r| {
                let r = r?;
                let t = r.template_instances()?;
                let eid = match t.first().and_then(|t| t.values.get(3)) {
                    Some(BinXmlValue::UInt16Type(n)) => *n,
                    _ => u16::MAX,
                };
                Ok((r.event_record_id, eid))
            }) {
                match r {
                    Ok((id, eid)) => {
                        records += 1;
                        in_order &= id == last_id + 1 || last_id == 0;
                        last_id = id;
                        *eids.entry(eid).or_default() += 1;
                    }
                    Err(e) => {
                        errors += 1;
                        eprintln!("error: {e}");
                    }
                }
            }
        }
        "json" => {
            for r in parser.records_json() {
                match r {
                    Ok(r) => {
                        records += 1;
                        in_order &= r.event_record_id == last_id + 1 || last_id == 0;
                        last_id = r.event_record_id;
                        bytes += r.data.len() as u64;
                    }
                    Err(e) => {
                        errors += 1;
                        eprintln!("error: {e}");
                    }
                }
            }
        }
        _ => {
            for r in parser.records() {
                match r {
                    Ok(r) => {
                        records += 1;
                        in_order &= r.event_record_id == last_id + 1 || last_id == 0;
                        last_id = r.event_record_id;
                        bytes += r.data.len() as u64;
                    }
                    Err(e) => {
                        errors += 1;
                        eprintln!("error: {e}");
                    }
                }
            }
        }
    }
    println!(
        "{path}: {chunks} chunks, {records} records ({mode}), {errors} errors, header CRC {}, ids in order: {in_order}, rendered {bytes} bytes, {:.2} s",
        if header_ok { "ok" } else { "BAD" },
        start.elapsed().as_secs_f64()
    );
    if !eids.is_empty() {
        println!("EventIDs: {eids:?}");
    }
    if errors > 0 || !header_ok || !in_order {
        std::process::exit(1);
    }
    Ok(())
}
