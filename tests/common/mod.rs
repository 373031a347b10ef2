//! Shared test helpers: where the corpus is, how to run the binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `../shared/corpus/evtx`, or None (with the reason printed) when a fresh clone lacks it.
pub fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/evtx");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: the real-EVTX corpus is not at {} (it ships beside the repository, not in it)", dir.display());
        None
    }
}

pub fn corpus_file(name: &str) -> Option<PathBuf> {
    let p = corpus()?.join(name);
    assert!(
        p.is_file(),
        "corpus file {name} missing from {}",
        p.display()
    );
    Some(p)
}

pub fn nullsight(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nullsight"))
        .args(args)
        .output()
        .expect("run nullsight")
}

/// A fresh temporary folder under the target directory, removed and recreated.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Whether an external program runs; prints why a test is skipped when it does not.
pub fn have(program: &str, args: &[&str], why: &str) -> bool {
    match Command::new(program).args(args).output() {
        Ok(o) if o.status.success() => true,
        _ => {
            eprintln!("SKIPPED: {why}: `{program}` is not available (.ci/run installs it)");
            false
        }
    }
}

pub fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("invalid JSON line {l}: {e}")))
        .collect()
}
