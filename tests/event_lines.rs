//! `--events` lines are written field by field (`report::event_line`), not by serde: on every
//! event of the corpus, of the samples that ship with the project and of a generated lab, the
//! line is byte for byte what `serde_json::to_writer` writes for the event.

mod common;
use common::*;
use nullsight::scan::{scan, NoProgress, ScanOptions};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// Events read from `paths`, and how many lines differed (each difference printed).
fn compare(paths: Vec<PathBuf>) -> (usize, usize) {
    let opts = ScanOptions { paths, threads: 0 };
    let (mut events, mut differ) = (0, 0);
    let mut line = Vec::new();
    scan(&opts, &NoProgress, |e| {
        events += 1;
        line.clear();
        nullsight::report::event_line::append(&mut line, &e);
        let serde = serde_json::to_vec(&e).unwrap();
        if line != serde {
            differ += 1;
            if differ <= 5 {
                eprintln!(
                    "{} record {}:\n  mine  {}\n  serde {}",
                    e.file,
                    e.record_id,
                    String::from_utf8_lossy(&line),
                    String::from_utf8_lossy(&serde)
                );
            }
        }
    });
    eprintln!("{events} events compared");
    (events, differ)
}

#[test]
fn lines_are_serde_json_on_the_corpus_and_the_samples() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut paths = vec![samples];
    paths.extend(corpus());
    let (events, differ) = compare(paths);
    assert_eq!(differ, 0, "{differ} of {events} lines differ");
    assert!(events > 20, "only {events} events read");
}

#[test]
fn lines_are_serde_json_on_a_generated_lab() {
    let dir = temp_dir("event_lines_lab");
    let out = nullsight(&[OsStr::new("lab"), dir.as_os_str(), OsStr::new("-q")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (events, differ) = compare(vec![dir]);
    assert_eq!(differ, 0, "{differ} of {events} lines differ");
    assert!(events > 1000, "only {events} events read");
}
