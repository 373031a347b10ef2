//! The three readers give the same typed events: the EVTX reader on a real file, the XML
//! reader on the file's XML rendering by an independent parser (python-evtx), and the JSON
//! Lines reader on `evtx_dump -o jsonl` output and on Winlogbeat-shaped documents.

mod common;
use common::*;
use nullsight::source::{self, AllRecords, InputKind, Item};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

static ALL: AllRecords = AllRecords;

/// Typed events of one input, as JSON, without `file`, times in microseconds (python-evtx
/// renders microseconds, Windows stores 100 ns), sorted by record id.
fn typed(path: &Path, kind: InputKind) -> (Vec<Value>, usize) {
    let mut events = Vec::new();
    let mut errors = 0;
    source::read_file(
        path,
        kind,
        &ALL,
        1,
        nullsight::event::from_fields,
        &mut |item| match item {
            Item::Record(e) => {
                let mut v = serde_json::to_value(&e).unwrap();
                v.as_object_mut().unwrap().remove("file");
                if let Some(t) = v["time"].as_str() {
                    let ts: jiff::Timestamp = t.parse().unwrap();
                    v["time"] = Value::from(ts.as_microsecond());
                }
                events.push(v);
            }
            Item::Error(_) => errors += 1,
            Item::Warning(_) => {}
        },
    )
    .unwrap();
    events.sort_by_key(|v| v["record_id"].as_u64());
    (events, errors)
}

fn assert_same(a: &[Value], b: &[Value], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: different event counts");
    for (x, y) in a.iter().zip(b) {
        // python-evtx converts FILETIME (~1.3e17) through a double: allow a few microseconds.
        let (tx, ty) = (
            x["time"].as_i64().unwrap_or(0),
            y["time"].as_i64().unwrap_or(0),
        );
        assert!(
            (tx - ty).abs() <= 5,
            "{what}: record {} time {tx} vs {ty}",
            x["record_id"]
        );
        let (mut x, mut y) = (x.clone(), y.clone());
        x["time"] = Value::Null;
        y["time"] = Value::Null;
        assert_eq!(x, y, "{what}: record {} differs", x["record_id"]);
    }
}

/// Files small enough for python-evtx (about 60 KB/s) that hold every family in the corpus.
fn small_relevant_files(corpus: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name.starts_with("eas__")
                || name == "evtxrs__post-Security.evtx"
                || name == "evtxrs__Security_short_selected.evtx"
                || name == "deepblue__password-spray.evtx")
                && std::fs::metadata(p).unwrap().len() <= 1_200_000
        })
        .collect();
    v.sort();
    v
}

#[test]
fn xml_from_python_evtx_matches_evtx_reader() {
    let Some(corpus) = corpus() else { return };
    if !have(
        "python3",
        &["-c", "import Evtx.Evtx"],
        "XML cross-check with an independent parser",
    ) {
        return;
    }
    let dir = temp_dir("xml_from_python_evtx");
    let files = small_relevant_files(&corpus);
    assert!(files.len() >= 30);
    let script = r#"
import sys
import Evtx.Evtx as evtx
with evtx.Evtx(sys.argv[1]) as log, open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write('<?xml version="1.0" encoding="utf-8"?>\n<Events>\n')
    for r in log.records():
        out.write(r.xml())
    out.write('</Events>\n')
"#;
    // Two at a time: python-evtx is the slow part.
    let rendered: Vec<std::path::PathBuf> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(files.len().div_ceil(2))
            .map(|part| {
                let dir = &dir;
                s.spawn(move || {
                    part.iter()
                        .map(|f| {
                            let out = dir.join(f.file_name().unwrap()).with_extension("xml");
                            let st = Command::new("python3")
                                .arg("-c")
                                .arg(script)
                                .arg(f)
                                .arg(&out)
                                .status()
                                .unwrap();
                            assert!(st.success(), "python-evtx failed on {}", f.display());
                            out
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut compared = 0;
    for (f, x) in files.iter().zip(&rendered) {
        let (from_evtx, e1) = typed(f, InputKind::Evtx);
        let (from_xml, e2) = typed(x, InputKind::Xml);
        assert_eq!((e1, e2), (0, 0), "{}", f.display());
        assert_same(&from_evtx, &from_xml, &f.display().to_string());
        compared += from_evtx.len();
    }
    assert!(compared > 500, "only {compared} events compared");
}

#[test]
fn jsonl_from_evtx_dump_and_winlogbeat_match_evtx_reader() {
    let Some(corpus) = corpus() else { return };
    if !have("evtx_dump", &["--version"], "JSON Lines cross-check") {
        return;
    }
    let dir = temp_dir("jsonl_from_evtx_dump");
    let mut compared = 0;
    let mut names: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for f in names {
        let out = Command::new("evtx_dump")
            .args(["-o", "jsonl", "--no-confirm-overwrite"])
            .arg(&f)
            .output()
            .unwrap();
        let jsonl = dir.join(f.file_name().unwrap()).with_extension("jsonl");
        std::fs::write(&jsonl, &out.stdout).unwrap();
        let (from_evtx, _) = typed(&f, InputKind::Evtx);
        let (from_jsonl, _) = typed(&jsonl, InputKind::JsonLines);
        assert_same(&from_evtx, &from_jsonl, &f.display().to_string());
        compared += from_evtx.len();

        // The same events as Winlogbeat documents (winlog.event_data holds the named fields).
        if from_evtx.is_empty() {
            continue;
        }
        let beats = dir
            .join(f.file_name().unwrap())
            .with_extension("beats.jsonl");
        let mut text = String::new();
        for line in String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with('{'))
        {
            let v: Value = serde_json::from_str(line).unwrap();
            text.push_str(&serde_json::to_string(&to_winlogbeat(&v)).unwrap());
            text.push('\n');
        }
        std::fs::write(&beats, text).unwrap();
        let (from_beats, e) = typed(&beats, InputKind::JsonLines);
        assert_eq!(e, 0);
        assert_same(
            &from_evtx,
            &from_beats,
            &format!("{} as Winlogbeat", f.display()),
        );
    }
    assert!(compared > 7000, "only {compared} events compared");
}

/// What Winlogbeat writes for an event (the fields nullsight reads).
fn to_winlogbeat(v: &Value) -> Value {
    let e = &v["Event"];
    let s = &e["System"];
    let scalar = |x: &Value| {
        if x.is_object() {
            x["#text"].clone()
        } else {
            x.clone()
        }
    };
    let mut event_data = serde_json::Map::new();
    if let Some(d) = e["EventData"].as_object() {
        for (k, val) in d {
            if k == "Data" {
                let items = scalar(val);
                for (i, item) in items
                    .as_array()
                    .cloned()
                    .unwrap_or_else(|| vec![items.clone()])
                    .into_iter()
                    .enumerate()
                {
                    event_data.insert(format!("param{}", i + 1), item);
                }
            } else if !k.starts_with('#') {
                event_data.insert(k.clone(), val.clone());
            }
        }
    }
    serde_json::json!({
        "@timestamp": s["TimeCreated"]["#attributes"]["SystemTime"],
        "event": {"code": scalar(&s["EventID"]).to_string()},
        "winlog": {
            "channel": s["Channel"],
            "computer_name": s["Computer"],
            "provider_name": s["Provider"]["#attributes"]["Name"],
            "provider_guid": s["Provider"]["#attributes"]["Guid"],
            "event_id": scalar(&s["EventID"]),
            "record_id": s["EventRecordID"],
            "version": s["Version"],
            "event_data": event_data,
        }
    })
}
