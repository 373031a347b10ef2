//! Every input the fuzzers ever crashed or hung on is kept in `fuzz/regressions/<target>/`
//! and replayed here through the same entry points (`nullsight::harness`) on stable Rust.
//! The seeds the campaign starts from must also parse (a seed that yields nothing would make
//! the campaign blind).

use std::path::Path;

#[test]
fn saved_crashing_inputs_no_longer_crash() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for (name, drive) in nullsight::harness::TARGETS {
        let dir = root.join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            // Reaching the end without a panic, a hang or an abort is the assertion.
            let _ = drive(&data);
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} saved fuzzer inputs");
}

#[test]
fn seeds_parse() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-seeds");
    let _ = std::fs::remove_dir_all(&dir);
    let st = std::process::Command::new(env!("CARGO"))
        .args(["run", "-q", "--example", "fuzz_seeds", "--"])
        .arg(&dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(st.success());
    for (name, drive) in nullsight::harness::TARGETS {
        let seeds =
            std::fs::read_dir(dir.join(name)).unwrap_or_else(|_| panic!("no seeds for {name}"));
        for s in seeds {
            let p = s.unwrap().path();
            let got = drive(&std::fs::read(&p).unwrap());
            assert!(
                got > 0,
                "seed {} yields nothing through target {name}",
                p.display()
            );
        }
    }
}

/// The evtx target repairs CRCs so that mutated chunks reach the fast decoder (which takes only
/// chunks whose CRCs hold) instead of all going to the crate.
#[test]
fn repaired_crcs_let_damaged_chunks_reach_the_fast_decoder() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/security.evtx");
    let clean = std::fs::read(&sample).unwrap();
    let mut data = clean.clone();
    // A byte inside the first record of chunk 0 (after its 24-byte record header).
    data[4096 + 512 + 40] ^= 0x55;
    let intact = |bytes: &[u8]| -> Vec<bool> {
        let mut p = evtx::EvtxParser::from_buffer(bytes.to_vec()).unwrap();
        p.chunks().map(|c| c.unwrap().validate_checksum()).collect()
    };
    let before = intact(&data);
    assert!(!before[0] && before[1..].iter().all(|&ok| ok), "{before:?}");
    let after = intact(&nullsight::harness::repair_crcs(&data));
    assert!(after.iter().all(|&ok| ok), "{after:?}");
    assert_eq!(after.len(), before.len());
    // An intact file is left as it is.
    assert!(nullsight::harness::repair_crcs(&clean) == clean);
}
