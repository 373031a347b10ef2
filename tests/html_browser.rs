//! The HTML report in a real browser: headless Chromium (Debian's `chromium`), driven by
//! Playwright (`playwright-core` from npm, in tests/browser, using the system Chromium; it never
//! downloads a browser). Loads each report over file://, asserts no console error, no network
//! request, no dialog or injected script, and that the counts shown equal the JSON summary's;
//! sorts and filters a table; takes screenshots.
//!
//! Skipped, saying why, when node, chromium or tests/browser/node_modules is missing. To run:
//!   apt-get install -y chromium
//!   (cd tests/browser && npm ci)
//! Screenshots go to $NULLSIGHT_SCREENSHOTS (default: the target tmp folder).

mod common;
mod html_common;

use common::{corpus, have, nullsight, temp_dir};
use serde_json::{json, Value};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

fn browser_ready() -> bool {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !have("node", &["--version"], "browser tests") {
        return false;
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        eprintln!("SKIPPED: browser tests: {chromium} is missing (apt-get install -y chromium)");
        return false;
    }
    if !root.join("node_modules/playwright-core").is_dir() {
        eprintln!(
            "SKIPPED: browser tests: playwright-core is not installed (cd tests/browser && npm ci)"
        );
        return false;
    }
    true
}

fn shots() -> PathBuf {
    let d = std::env::var_os("NULLSIGHT_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Make the report and the summary of `inputs`, then check the report in Chromium.
fn check(name: &str, inputs: &[&Path], expect_ok_exit: bool) -> Value {
    let d = temp_dir(&format!("browser-{name}"));
    let html = d.join("report.html");
    let json = d.join("summary.json");
    let mut args: Vec<&OsStr> = vec![OsStr::new("scan"), OsStr::new("-q")];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.extend([
        OsStr::new("--json"),
        json.as_os_str(),
        OsStr::new("--html"),
        html.as_os_str(),
    ]);
    let o = nullsight(&args);
    if expect_ok_exit {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    } else {
        assert!(matches!(o.status.code(), Some(0 | 3)), "{o:?}");
    }
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let expected = json!({
        "counts": {
            "events": summary["counts"]["events"],
            "anonymous": summary["counts"]["anonymous"],
            "hosts": summary["counts"]["hosts"].as_array().map_or(0, Vec::len),
            "files": summary["totals"]["files"],
            "files_with_errors": summary["totals"]["files_with_errors"],
        },
        "timeline": summary["counts"]["events"].as_u64() > Some(0),
        "graph": true,
    });
    let exp = d.join("expected.json");
    std::fs::write(&exp, expected.to_string()).unwrap();
    let shot = shots().join(format!("nullsight-{name}.png"));
    let o = Command::new("node")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser"))
        .arg("check.mjs")
        .arg(&html)
        .arg(&exp)
        .arg(&shot)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{name}: the browser check failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!("{name}: screenshots {}", shot.display());
    serde_json::from_str(&stdout).expect("check.mjs prints JSON")
}

#[test]
fn sample_report_loads_cleanly_and_shows_the_summary_counts() {
    if !browser_ready() {
        return;
    }
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/security.evtx");
    let r = check("sample", &[&sample], true);
    assert_eq!(r["state"]["counts"]["anonymous"], "39");
    assert!(r["state"]["graphNodes"].as_u64() > Some(0));
    assert!(r["state"]["timelineBars"].as_u64() > Some(0));
    assert_eq!(r["interaction"]["sortedDesc"], true);
}

#[test]
fn hostile_report_runs_nothing_injected() {
    if !browser_ready() {
        return;
    }
    let d = temp_dir("browser-hostile-input");
    let input = html_common::write_hostile_input(&d);
    let r = check("hostile", &[&input], true);
    // check.mjs already failed on any alert/confirm/prompt call, __pwned flag, console error
    // (a CSP violation is one), dialog or injected element; this is what it saw.
    assert_eq!(r["state"]["calls"], json!([]));
    assert_eq!(r["state"]["pwned"], Value::Null);
    assert_eq!(r["state"]["injected"], 0);
    assert_eq!(r["consoleErrors"], json!([]));
    assert_eq!(
        r["state"]["counts"]["anonymous"],
        html_common::HOSTILE.len().to_string()
    );
}

#[test]
fn corpus_report_loads_cleanly() {
    if !browser_ready() {
        return;
    }
    let Some(dir) = corpus() else { return };
    // Corrupted and truncated files are part of the corpus: exit 3 is expected.
    let r = check("corpus", &[&dir], false);
    assert!(r["openMs"].as_u64().unwrap() < 10_000, "{r}");
}
