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
    browse(name, &d, &html, &summary, hostile, false)
}

/// Check the report `html` in Chromium against the `scan --json` summary of the same input.
/// `simulation`: the report must show a simulation.
fn browse(
    name: &str,
    d: &Path,
    html: &Path,
    summary: &Value,
    hostile: &[&str],
    simulation: bool,
) -> Value {
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
        "simulation": simulation,
    });
    let exp = d.join("expected.json");
    std::fs::write(&exp, expected.to_string()).unwrap();
    let shot = shots().join(format!("nullsight-{name}.png"));
    let o = Command::new("node")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser"))
        .arg("check.mjs")
        .arg(html)
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
    assert_eq!(
        s["timelineCanvases"].as_array().map(Vec::len),
        Some(3),
        "{s}"
    );
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
    assert!(
        s["graphLabels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "NT AUTHORITY\\ANONYMOUS LOGON"),
        "{s}"
    );
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

/// `report --logs HOST/… --config HOST/config…` on a generated lab: the overview counts are
/// `scan --json`'s for the same input, the compliance table has rows, and the simulation shows
/// the lab's NTLMv1 client (WKS003, carol) under a breaking LmCompatibilityLevel and at least
/// one change that is safe now, as text in tables; the plan is an ordered list of stages.
#[test]
fn lab_report_shows_compliance_simulation_and_plan() {
    if !browser_ready() {
        return;
    }
    let d = temp_dir("browser-lab");
    let lab = d.join("lab");
    let o = nullsight(&[
        OsStr::new("lab"),
        lab.as_os_str(),
        OsStr::new("--seed"),
        OsStr::new("1"),
        OsStr::new("-q"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut hosts: Vec<PathBuf> = std::fs::read_dir(&lab)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("config").is_dir())
        .collect();
    hosts.sort();
    let configs: Vec<PathBuf> = hosts.iter().map(|h| h.join("config")).collect();
    let html = d.join("report.html");
    let json = d.join("summary.json");
    let mut report: Vec<&OsStr> = vec![OsStr::new("report"), OsStr::new("--logs")];
    report.extend(hosts.iter().map(|p| p.as_os_str()));
    report.push(OsStr::new("--config"));
    report.extend(configs.iter().map(|p| p.as_os_str()));
    report.extend([OsStr::new("-o"), html.as_os_str()]);
    let o = nullsight(&report);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut scan: Vec<&OsStr> = vec![OsStr::new("scan"), OsStr::new("-q")];
    scan.extend(hosts.iter().map(|p| p.as_os_str()));
    for c in &configs {
        scan.extend([OsStr::new("--config"), c.as_os_str()]);
    }
    scan.extend([OsStr::new("--json"), json.as_os_str()]);
    let o = nullsight(&scan);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(
        summary["counts"]["events"].as_u64() > Some(1000),
        "{summary}"
    );

    // check.mjs failed on any console error, and on a count that differs from the summary's.
    let r = browse("lab", &d, &html, &summary, &[], true);
    assert_eq!(r["consoleErrors"], json!([]));
    let s = &r["state"];
    assert_eq!(
        s["counts"]["events"].as_str(),
        Some(summary["counts"]["events"].to_string().as_str())
    );
    assert!(s["complianceRows"].as_u64() > Some(10), "{s}");

    let changes = s["simChanges"].as_array().unwrap();
    let lm = changes
        .iter()
        .find(|c| c["setting"] == "LmCompatibilityLevel" && c["verdict"] == "breaks")
        .unwrap_or_else(|| panic!("no breaking LmCompatibilityLevel in {changes:#?}"));
    assert!(
        lm["verdictText"].as_str().unwrap().starts_with("breaks "),
        "{lm}"
    );
    assert!(lm["value"].as_str().unwrap().starts_with('5'), "{lm}");
    let carol = lm["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["from"] == "WKS003")
        .unwrap_or_else(|| panic!("WKS003 not listed under {lm:#}"));
    assert_eq!(carol["account"], "CORP\\carol");
    assert_eq!(carol["ip"], "10.0.1.103");
    assert!(
        carol["what"].as_str().unwrap().contains("NTLM V1"),
        "{carol}"
    );
    assert!(carol["count"].as_str().unwrap().parse::<u64>().unwrap() > 0);
    assert!(
        carol["first"].as_str().unwrap().starts_with("20"),
        "{carol}"
    );
    assert!(
        carol["to"].as_str().is_some_and(|t| !t.is_empty()),
        "{carol}"
    );
    let safe = changes
        .iter()
        .find(|c| c["verdict"] == "safe-now")
        .unwrap_or_else(|| panic!("no safe-now change in {changes:#?}"));
    assert_eq!(safe["verdictText"], "safe now");
    // Every verdict shown has a label (a kind the page does not know is shown by its name).
    assert!(changes
        .iter()
        .all(|c| c["verdictText"].as_str().is_some_and(|t| !t.is_empty())));

    let stages = s["planStages"].as_array().unwrap();
    assert!(stages.len() >= 2, "{stages:#?}");
    assert!(
        stages.iter().any(|st| st["first"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i == "WKS003")),
        "{stages:#?}"
    );
    assert_eq!(
        s["simulationLayout"]["changes"].as_u64(),
        Some(changes.len() as u64)
    );
    // The tables fit the section: nothing overflows it sideways.
    assert_eq!(s["simOverflow"], 0, "{s}");
}

/// A saved simulation full of hostile strings (in every field the page shows) runs nothing and
/// shows every string as text.
#[test]
fn hostile_simulation_runs_nothing_injected() {
    if !browser_ready() {
        return;
    }
    let d = temp_dir("browser-hostile-sim");
    let input = html_common::write_hostile_input(&d);
    let flows: Vec<Value> = html_common::HOSTILE
        .iter()
        .map(|h| {
            json!({"what": h, "breaks": true, "account": h, "client": h, "client_ip": h,
                   "logged_on": h, "server": h, "enforced_at": h, "count": 1, "first": h,
                   "last": h, "evidence": [{"file": h, "record_id": h}],
                   "remedy": {"action": h, "client": h}})
        })
        .collect();
    let changes: Vec<Value> = html_common::HOSTILE
        .iter()
        .map(|h| {
            json!({"change": {"setting": h, "value": h, "scope": {"scope": h, "of": [h]}},
                   "description": h, "scope": h, "verdict": h, "summary": h,
                   "affected": flows, "missing": [{"events": h, "hosts": [h], "how": h}],
                   "notes": [h]})
        })
        .collect();
    let sim = json!({
        "changes": changes,
        "plan": {"stages": html_common::HOSTILE.iter().map(|h| json!({"number": 1, "title": h,
            "before": [{"what": h, "items": [h], "for_changes": [h]}], "apply": [h]})).collect::<Vec<_>>()},
        "hosts": [{"host": html_common::HOSTILE[0], "events": {html_common::HOSTILE[1]: 1}}],
        "notes": html_common::HOSTILE, "errors": html_common::HOSTILE,
    });
    let sim_file = d.join("sim.json");
    std::fs::write(&sim_file, sim.to_string()).unwrap();
    let html = d.join("report.html");
    let json = d.join("summary.json");
    let o = nullsight(&[
        OsStr::new("report"),
        OsStr::new("--logs"),
        input.as_os_str(),
        OsStr::new("--simulation"),
        sim_file.as_os_str(),
        OsStr::new("-o"),
        html.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = nullsight(&[
        OsStr::new("scan"),
        OsStr::new("-q"),
        input.as_os_str(),
        OsStr::new("--json"),
        json.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let r = browse(
        "hostile-sim",
        &d,
        &html,
        &summary,
        html_common::HOSTILE,
        true,
    );
    assert_eq!(r["state"]["calls"], json!([]));
    assert_eq!(r["state"]["pwned"], Value::Null);
    assert_eq!(r["state"]["injected"], 0);
    let changes = r["state"]["simChanges"].as_array().unwrap();
    assert_eq!(changes.len(), html_common::HOSTILE.len());
    for (c, h) in changes.iter().zip(html_common::HOSTILE) {
        // an unknown verdict kind is shown by its name (dashes and underscores as spaces)
        assert_eq!(c["setting"], *h);
        assert_eq!(c["verdictText"], h.replace(['-', '_'], " "));
        assert_eq!(c["verdict"], *h);
        assert_eq!(
            c["flows"].as_array().unwrap().len(),
            html_common::HOSTILE.len()
        );
        assert_eq!(c["flows"][0]["account"], html_common::HOSTILE[0]);
    }
    let stages = r["state"]["planStages"].as_array().unwrap();
    assert_eq!(stages.len(), html_common::HOSTILE.len());
    for (st, h) in stages.iter().zip(html_common::HOSTILE) {
        assert_eq!(st["title"], *h);
        assert_eq!(st["first"], json!([h]));
        assert_eq!(st["apply"], json!([h]));
    }
}
