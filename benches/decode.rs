//! Decoder micro-benchmark: CPU time of the EVTX readers alone, one thread, on one file.
//!
//! usage: cargo bench --bench decode -- FILE.evtx
//!
//! Rows: the fast path making raw records (records decided from their EventID substitution,
//! wanted ones decoded from their substitutions; each is first tried as a lazy record, which
//! gives up when asked for the raw record), the fast path typing (`event::from_fields`: lazy
//! records where the template allows, what scan does), and full rendering (every wanted
//! record rendered to XML by `evtx` and parsed), which is what nullsight did before the fast
//! path. `TYPED_ONLY=1` runs the typing row alone, `FAST_ONLY=1` leaves out the rendering.

use nullsight::knowledge::events::is_candidate_id;
use nullsight::source::evtx::{read_with, Decoder};
use nullsight::source::{Map, RecordFilter};
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Candidates;
impl RecordFilter for Candidates {
    fn wants_event_id(&self, id: u32) -> bool {
        is_candidate_id(id)
    }
}
static CANDIDATES: Candidates = Candidates;

/// CPU seconds (user + system) of this process so far, from /proc (Linux): wall time is
/// meaningless on a shared machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn run<T: Send + 'static>(
    label: &str,
    decoder: Decoder,
    path: &str,
    map: Map<T>,
) {
    let mut best = f64::MAX;
    let mut n = 0u64;
    let mut records = 0;
    for _ in 0..3 {
        let (t, c) = (Instant::now(), cpu_seconds());
        n = 0;
        records = read_with(decoder, path.as_ref(), &CANDIDATES, 1, map, &mut |_| n += 1).unwrap();
        let _wall = t.elapsed().as_secs_f64();
        best = best.min(cpu_seconds() - c);
    }
    let mb = std::fs::metadata(path).unwrap().len() as f64 / 1e6;
    println!(
        "{label:<28} {best:>7.2} s CPU  {:>7.0} MB/s per core  {records} records, {n} kept, {:.2} µs per kept",
        mb / best,
        best * 1e6 / n.max(1) as f64
    );
}

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .expect("usage: cargo bench --bench decode -- FILE.evtx");
    if std::env::var_os("TYPED_ONLY").is_none() {
        run("fast: decode", Decoder::Fast, &path, |r| r.take_raw());
    }
    if std::env::var_os("DECODE_ONLY").is_some() {
        return;
    }
    run(
        "fast: decode + type",
        Decoder::Fast,
        &path,
        nullsight::event::from_fields,
    );
    if std::env::var_os("FAST_ONLY").is_some() {
        return;
    }
    run(
        "render: decode + type",
        Decoder::Render,
        &path,
        nullsight::event::from_fields,
    );
}
