//! Damaged copies of a real log: truncated at many offsets and bit-flipped. The scan must end,
//! report the damage, and keep every event of the chunks the damage did not touch, exactly as
//! a clean read of the same chunks gives them.

use nullsight::source::{self, AllRecords, InputKind, Item};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

static ALL: AllRecords = AllRecords;
const HEADER: usize = 4096;
const CHUNK: usize = 65536;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name),
    )
    .unwrap()
}

/// Typed events (as JSON, without `file`) by record id, and the number of problems reported.
/// Runs on a thread with a deadline, so a parser hang fails the test instead of stalling it.
fn read(bytes: Vec<u8>, name: &str) -> (BTreeMap<u64, serde_json::Value>, usize) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("damaged_evtx");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut events = BTreeMap::new();
        let mut problems = 0;
        let r = source::read_file(
            &path,
            InputKind::Evtx,
            &ALL,
            1,
            nullsight::event::from_fields,
            &mut |i| match i {
                Item::Record(e) => {
                    let mut v = serde_json::to_value(&e).unwrap();
                    v.as_object_mut().unwrap().remove("file");
                    events.insert(e.record_id, v);
                }
                Item::Error(_) => problems += 1,
                Item::Warning(_) => {}
            },
        );
        if r.is_err() {
            problems += 1;
        }
        let _ = tx.send((events, problems));
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("reading {name} did not finish in 60 s"))
}

/// Record id range of each chunk of a clean file (from the chunk headers).
fn chunk_ranges(bytes: &[u8]) -> Vec<(u64, u64)> {
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap());
    (0..(bytes.len() - HEADER) / CHUNK)
        .map(|c| HEADER + c * CHUNK)
        .filter(|o| &bytes[*o..*o + 8] == b"ElfChnk\0")
        .map(|o| (u64_at(o + 24), u64_at(o + 32)))
        .collect()
}

fn in_chunks(
    events: &BTreeMap<u64, serde_json::Value>,
    ranges: &[(u64, u64)],
) -> BTreeMap<u64, serde_json::Value> {
    events
        .iter()
        .filter(|(id, _)| ranges.iter().any(|(a, b)| (*a..=*b).contains(*id)))
        .map(|(k, v)| (*k, v.clone()))
        .collect()
}

#[test]
fn truncated_copies_keep_every_complete_chunk() {
    let clean = sample("post-Security.evtx");
    let (all, problems) = read(clean.clone(), "clean.evtx");
    assert_eq!(problems, 0);
    let ranges = chunk_ranges(&clean);
    assert!(ranges.len() >= 2, "the sample must span chunks");
    // Cut inside the header, on chunk boundaries, and at odd offsets inside chunks.
    let mut cuts: Vec<usize> = vec![0, 1, 100, 4095, 4096, 4097];
    for c in 0..=ranges.len() {
        let b = HEADER + c * CHUNK;
        cuts.extend([b.saturating_sub(1), b, b + 1, b + 512, b + 30_001]);
    }
    cuts.retain(|c| *c <= clean.len());
    cuts.sort();
    cuts.dedup();
    for cut in cuts {
        let (got, problems) = read(clean[..cut].to_vec(), &format!("cut-{cut}.evtx"));
        let complete = cut.saturating_sub(HEADER) / CHUNK;
        let want = in_chunks(&all, &ranges[..complete.min(ranges.len())]);
        for (id, v) in &want {
            assert_eq!(
                got.get(id),
                Some(v),
                "cut at {cut}: record {id} of a complete chunk lost or changed"
            );
        }
        // Whenever the cut cost records, it is reported.
        if want.len() < all.len() {
            assert!(
                problems > 0,
                "cut at {cut}: records lost and nothing reported"
            );
        }
    }
}

#[test]
fn bit_flipped_copies_keep_the_untouched_chunks() {
    let clean = sample("security.evtx");
    let (all, _) = read(clean.clone(), "clean-security.evtx");
    let ranges = chunk_ranges(&clean);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..24 {
        let mut bytes = clean.clone();
        // Damage one chunk (8 flipped bits in it); every other chunk must read as before.
        let chunk = (next() as usize) % ranges.len();
        for _ in 0..8 {
            let at = HEADER + chunk * CHUNK + (next() as usize) % CHUNK;
            bytes[at] ^= 1 << (next() % 8);
        }
        let (got, _) = read(bytes, &format!("flip-{round}.evtx"));
        let others: Vec<(u64, u64)> = ranges
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != chunk)
            .map(|(_, r)| *r)
            .collect();
        for (id, v) in in_chunks(&all, &others) {
            assert_eq!(got.get(&id), Some(&v), "round {round}, damage in chunk {chunk}: record {id} of an untouched chunk lost or changed");
        }
    }
}
