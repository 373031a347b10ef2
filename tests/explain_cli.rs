//! `nullsight explain -`: one event on standard input, as XML (wevtutil, Get-WinEvent ToXml)
//! or as a JSON object (evtx_dump), explained like the same record read from its file.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn sample() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/security.evtx")
}

fn explain_stdin(input: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nullsight"))
        .args(["explain", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The field lines (name and value) of an explanation.
fn field_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && !l.contains(':'))
        .collect()
}

/// Record 78 of the real sample is the host's default ANONYMOUS LOGON session at boot.
#[test]
fn one_event_on_stdin_as_xml_or_json_is_explained_like_its_record() {
    let from_file = Command::new(env!("CARGO_BIN_EXE_nullsight"))
        .arg("explain")
        .arg(sample())
        .args(["--record", "78"])
        .output()
        .unwrap();
    assert!(from_file.status.success());
    let from_file = String::from_utf8_lossy(&from_file.stdout).into_owned();

    let mut parser = evtx::EvtxParser::from_path(sample()).unwrap();
    let xml = parser
        .records()
        .filter_map(Result::ok)
        .find(|r| r.event_record_id == 78)
        .unwrap()
        .data;
    let mut parser = evtx::EvtxParser::from_path(sample()).unwrap();
    let json = parser
        .records_json()
        .filter_map(Result::ok)
        .find(|r| r.event_record_id == 78)
        .unwrap()
        .data;

    for (form, input) in [("XML", xml), ("JSON", json)] {
        let (ok, text, err) = explain_stdin(&input);
        assert!(ok, "{form}: {err}");
        assert!(text.starts_with("Event 4624 "), "{form}: {text}");
        assert!(text.contains("record 78"), "{form}: {text}");
        assert!(
            text.contains("= NT AUTHORITY\\ANONYMOUS LOGON"),
            "{form}: {text}"
        );
        assert!(text.contains("= Network"), "{form}: {text}");
        assert!(text.contains("scenario default_session"), "{form}: {text}");
        // Every field the file's record shows, with its value, in the same order. (Values
        // the renderers format differently, such as ProcessId's hex width, are compared by
        // name only.)
        let names = |t: &str| -> Vec<String> {
            field_lines(t)
                .iter()
                .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
                .collect()
        };
        assert_eq!(names(&text), names(&from_file), "{form}");
        assert!(names(&text).len() >= 20, "{form}: {text}");
    }
}

#[test]
fn stdin_that_holds_no_event_is_an_error_saying_so() {
    let (ok, _, err) = explain_stdin("<Events></Events>");
    assert!(!ok);
    assert!(
        err.contains("no event in the XML on standard input"),
        "{err}"
    );
    let (ok, _, err) = explain_stdin("{not json");
    assert!(!ok);
    assert!(err.contains("nullsight: error:"), "{err}");
}

/// `nullsight … | head`: the reader going away early is not an error.
#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nullsight"))
        .arg("explain")
        .arg(sample())
        .args(["--record", "78"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
