//! The HTML report in a real browser: headless Chromium (Debian's `chromium`), driven by
//! Playwright (`playwright-core` from npm, in tests/browser, using the system Chromium; it never
//! downloads a browser). Loads each report over file://, asserts no console error, no network
//! request, no dialog or injected script, and that the counts shown equal the JSON summary's;
//! that the timeline (uPlot, three canvases) and the graph (d3-sankey layout, SVG) are drawn,
//! with the anonymous bars and bands present; sorts and filters a table; points at a bar for
//! its tooltip; takes screenshots.
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

/// Make the report and the summary of `inputs`, then check the report in Chromium. `hostile`:
/// strings that must show, as text, in the graph's node names.
fn check(name: &str, inputs: &[&Path], expect_ok_exit: bool, hostile: &[&str]) -> Value {
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
        "scripts": html_common::expected_scripts(),
        "hostile": hostile,
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
    let r = check("sample", &[&sample], true, &[]);
    let s = &r["state"];
    assert_eq!(s["counts"]["anonymous"], "39");
    // The timeline: three canvases (families, anonymous, NTLMv1), bars drawn in each that has
    // events, red pixels in the anonymous strip.
    assert_eq!(s["timelineCanvases"].as_array().map(Vec::len), Some(3), "{s}");
    assert!(s["timelineBars"].as_u64() > Some(0), "{s}");
    assert!(s["timelineAnonymousBars"].as_u64() > Some(0), "{s}");
    assert!(s["anonymousRedPixels"].as_u64() > Some(0), "{s}");
    assert_eq!(s["timelineAnonymousTotal"], 39);
    // The graph: what d3-sankey laid out is what is drawn, anonymous bands included.
    assert!(s["graphNodes"].as_u64() > Some(2), "{s}");
    assert!(s["graphLinks"].as_u64() > Some(1), "{s}");
    assert!(s["graphAnonymousLinks"].as_u64() > Some(0), "{s}");
    assert_eq!(s["graphLayout"]["nodes"], s["graphNodes"]);
    assert_eq!(s["graphLayout"]["links"], s["graphLinks"]);
    assert!(s["graphLabels"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == "NT AUTHORITY\\ANONYMOUS LOGON"), "{s}");
    assert_eq!(r["interaction"]["sortedDesc"], true);
    assert!(r["interaction"]["highlighted"].as_u64() > Some(0));
    assert!(r["interaction"]["timelineTip"]
        .as_str()
        .is_some_and(|t| t.contains(" + ")));
    assert_eq!(r["requests"], json!([]));
}

#[test]
fn hostile_report_runs_nothing_injected() {
    if !browser_ready() {
        return;
    }
    let d = temp_dir("browser-hostile-input");
    let input = html_common::write_hostile_input(&d);
    let r = check("hostile", &[&input], true, html_common::HOSTILE);
    // check.mjs already failed on any alert/confirm/prompt call, __pwned flag, console error
    // (a CSP violation is one), dialog or injected element; this is what it saw.
    assert_eq!(r["state"]["calls"], json!([]));
    assert_eq!(r["state"]["pwned"], Value::Null);
    assert_eq!(r["state"]["injected"], 0);
    assert_eq!(r["consoleErrors"], json!([]));
    assert_eq!(r["requests"], json!([]));
    assert_eq!(
        r["state"]["counts"]["anonymous"],
        html_common::HOSTILE.len().to_string()
    );
    // Both pictures drew, and the graph's labels are the hostile strings as text: a source
    // "WS" + s, an account "DOM" + s + "\" + s and a target "SRV-" + s for each (check.mjs
    // failed on any that was missing, and on any element inside a label or a title).
    let names: Vec<&str> = r["state"]["graphNames"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for h in html_common::HOSTILE {
        // (the reader trims the user name: "\u{2028}alert(5)…" loses its first character there)
        let account = format!("DOM{h}\\{}", h.trim());
        for name in [format!("WS{h}"), account, format!("SRV-{h}")] {
            assert!(names.contains(&name.as_str()), "{name:?} not in {names:?}");
        }
    }
    assert_eq!(r["state"]["graphElementsInLabels"], 0);
    assert!(r["state"]["timelineAnonymousBars"].as_u64() > Some(0));
    assert_eq!(r["interaction"]["tipElements"], 0);
}

#[test]
fn corpus_report_loads_cleanly() {
    if !browser_ready() {
        return;
    }
    let Some(dir) = corpus() else { return };
    // Corrupted and truncated files are part of the corpus: exit 3 is expected.
    let r = check("corpus", &[&dir], false, &[]);
    assert!(r["openMs"].as_u64().unwrap() < 10_000, "{r}");
}
