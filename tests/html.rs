//! The HTML report: escaping of every attacker-controlled string, offline, the counts it shows,
//! sections that are not available yet, and the CLI (`report`, `scan --html`).

mod common;
mod html_common;

use base64::Engine as _;
use common::{nullsight, temp_dir};
use html_common::{markup_problems, unsafe_markup, write_hostile_input, HOSTILE};
use nullsight::event::{Event, Kind, Logon, Network};
use nullsight::report::html::{aggregate::Aggregator, render, ReportInput};
use serde_json::{json, Value};
use sha2::Digest as _;
use std::ffi::OsStr;
use std::path::Path;
use std::sync::Arc;

fn run(args: &[&str]) -> std::process::Output {
    let a: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    nullsight(&a)
}

/// The text shown in the element marked `data-count="key"`, digits only.
fn shown_count(html: &str, key: &str) -> Option<u64> {
    let at = html.find(&format!("data-count=\"{key}\">"))?;
    let rest = &html[at..];
    let rest = &rest[rest.find('>')? + 1..];
    let text = &rest[..rest.find('<')?];
    text.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

fn hostile_event(i: usize, h: &str) -> Event {
    Event {
        file: Arc::from(format!("{h}.evtx")),
        record_id: i as u64,
        time: Some(jiff::Timestamp::from_second(1_700_000_000 + i as i64 * 3600).unwrap()),
        computer: format!("SRV{h}").into(),
        provider: "Microsoft-Windows-Security-Auditing".into(),
        channel: "Security".into(),
        event_id: 4624,
        version: Some(2),
        anonymous: i.is_multiple_of(2),
        kind: Kind::Logon(Logon {
            target_user: Some(h.into()),
            target_domain: Some(h.into()),
            logon_type: Some(3),
            auth_package: Some("NTLM".into()),
            lm_package: Some(if i.is_multiple_of(3) {
                "NTLM V1".into()
            } else {
                h.into()
            }),
            network: Network {
                workstation: Some(format!("WS{h}").into()),
                ip: None,
                port: None,
            },
            ..Default::default()
        }),
    }
}

fn hostile_value(h: &str) -> Value {
    json!({
        "id": h, "severity": h, "title": h, "explanation": h, "scenario": h,
        "hosts": [h], "count": 3, "first_seen": h, "last_seen": h,
        "evidence": [{"file": h, "record_id": h}], "reasons": [h, h],
        h: h,
    })
}

#[test]
fn hostile_strings_everywhere_are_escaped() {
    let mut agg = Aggregator::default();
    for (i, h) in HOSTILE.iter().enumerate() {
        agg.observe(&hostile_event(i, h));
    }
    let agg = agg.finish();
    let findings: Vec<Value> = HOSTILE.iter().map(|h| hostile_value(h)).collect();
    let summary = json!({
        "tool": "nullsight", "version": HOSTILE[1],
        "totals": {"files": 1, "files_with_errors": 1, "bytes": 1, "records": 1, "events": 8, "errors": 1},
        "inputs": HOSTILE.iter().map(|h| json!({
            "file": h, "kind": h, "bytes": 1, "records": 1, "events": 1,
            "errors": [{"place": {"kind": h, (*h): h}, "reason": h}],
            "warnings": [{"place": h, "reason": h}], "skipped": h,
        })).collect::<Vec<_>>(),
        "counts": {
            "events": 8, "anonymous": 4,
            "by_family": HOSTILE.iter().map(|h| (h.to_string(), json!(1))).collect::<serde_json::Map<_, _>>(),
            "by_event_id": {"4624": 8},
            "hosts": HOSTILE, "first_seen": HOSTILE[0], "last_seen": HOSTILE[2],
        },
        "findings": findings,
        "inventories": {"ntlm_flows": HOSTILE.iter().map(|h| hostile_value(h)).collect::<Vec<_>>(), HOSTILE[3]: HOSTILE[4]},
    });
    let compliance = json!({
        "hosts": HOSTILE.iter().map(|h| json!({
            "host": h, "role": h, "baseline": h, "coverage": {"trusted": false},
            "rows": [{"setting": h, "display": h, "group": h, "expected": h, "actual": h,
                      "source": h, "status": h, "why": h}],
        })).collect::<Vec<_>>(),
        "errors": HOSTILE.iter().map(|h| json!({"file": h, "message": h})).collect::<Vec<_>>(),
    });
    let simulation = json!(HOSTILE.iter().map(|h| hostile_value(h)).collect::<Vec<_>>());
    let plan = json!({"stages": HOSTILE.iter().map(|h| hostile_value(h)).collect::<Vec<_>>(), "note": HOSTILE[0]});
    let html = render(&ReportInput {
        summary: Some(&summary),
        aggregate: Some(&agg),
        compliance: Some(&compliance),
        simulation: Some(&simulation),
        simulation_unavailable: None,
        plan: Some(&plan),
        generated: None,
    });
    let problems = unsafe_markup(&html);
    assert!(problems.is_empty(), "{problems:#?}");
    // The escaped forms are there (the strings are shown, not dropped).
    assert!(html.contains("&lt;script&gt;window.__pwned=&#39;script&#39;;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=&quot;"));
    assert!(html.contains("&amp;lt;script&amp;gt;alert(8)"));
    // ... and in the embedded JSON, as \u escapes.
    assert!(html.contains("\\u003cscript\\u003ewindow.__pwned"));
    assert!(html.contains("\\u2028alert(5)\\u2029"));
    // A severity word that is not a known one gets no class of its own.
    assert!(!html.contains("class=\"card &lt;"));
}

/// The bodies of every `<tag>…</tag>` in `html` (for `script`, not the JSON data).
fn bodies(html: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    html.match_indices(&open)
        .map(|(i, _)| {
            let start = i + open.len();
            html[start..start + html[start..].find(&close).unwrap()].to_string()
        })
        .collect()
}

fn sha256_b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(s.as_bytes()))
}

/// The sources of one CSP directive, e.g. `script-src`.
fn csp_directive(html: &str, name: &str) -> Vec<String> {
    let at = html.find("Content-Security-Policy\" content=\"").unwrap();
    let rest = &html[at..];
    let csp = &rest[rest.find("content=\"").unwrap() + 9..];
    let csp = &csp[..csp.find('"').unwrap()];
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix(name))
        .unwrap_or_else(|| panic!("no {name} in {csp}"))
        .split_whitespace()
        .map(String::from)
        .collect()
}

#[test]
fn the_content_security_policy_matches_the_inline_code() {
    let html = render(&ReportInput::default());
    let hashes = |texts: Vec<String>| {
        let mut h: Vec<String> = texts
            .iter()
            .map(|t| format!("'sha256-{}'", sha256_b64(t)))
            .collect();
        h.sort();
        h
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    // Every script and style element, and nothing else, is allowed by its hash: no
    // 'unsafe-inline', no 'unsafe-eval' (the vendored libraries need neither).
    let scripts = bodies(&html, "script");
    assert_eq!(scripts.len(), html_common::expected_scripts() - 1);
    assert_eq!(sorted(csp_directive(&html, "script-src")), hashes(scripts));
    let styles = bodies(&html, "style");
    assert_eq!(styles.len(), 2);
    assert_eq!(sorted(csp_directive(&html, "style-src")), hashes(styles));
    assert_eq!(csp_directive(&html, "default-src"), ["'none'"]);
    assert!(!html.contains("unsafe-"));
    assert!(
        markup_problems(&html).is_empty(),
        "{:#?}",
        markup_problems(&html)
    );
}

/// `| \`assets/vendor/…\` | bytes | \`sha256\` |` rows of assets/vendor/VENDORED.md.
fn vendored_md_rows(md: &str) -> Vec<(String, u64, String)> {
    md.lines()
        .filter(|l| l.starts_with("| `assets/vendor/"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(|c| c.trim().trim_matches('`')).collect();
            (
                cells[1].to_string(),
                cells[2].parse().unwrap_or_else(|_| panic!("bytes in {l}")),
                cells[3].to_string(),
            )
        })
        .collect()
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn vendored_files_match_vendored_md_and_are_inlined() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let md = std::fs::read_to_string(root.join("assets/vendor/VENDORED.md")).unwrap();
    let rows = vendored_md_rows(&md);
    assert!(rows.len() >= 4, "{rows:?}");
    // Every committed file is listed, and every listed file has its recorded size and sha256.
    let mut files = Vec::new();
    files_under(&root.join("assets/vendor"), &mut files);
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "assets/vendor/VENDORED.md" {
            continue;
        }
        assert!(
            rows.iter().any(|(p, _, _)| *p == rel),
            "{rel} is not in VENDORED.md"
        );
    }
    for (path, bytes, sha) in &rows {
        let data = std::fs::read(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(data.len() as u64, *bytes, "{path}: size");
        let hex: String = sha2::Sha256::digest(&data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(&hex, sha, "{path}: sha256 differs from VENDORED.md");
    }
    // The report inlines each vendored script and style sheet as it is on disk, in the order
    // of VENDORED (d3-array before d3-sankey), before the page's own code.
    let html = render(&ReportInput::default());
    let scripts = bodies(&html, "script");
    let styles = bodies(&html, "style");
    let mut last_script = 0;
    for v in nullsight::report::html::VENDORED {
        assert!(
            md.contains(&format!("`{}@{}`", v.package, v.version)),
            "VENDORED.md does not name {}@{}",
            v.package,
            v.version
        );
        assert!(
            ["MIT", "ISC", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0"].contains(&v.licence),
            "{}: licence {} is not in the permissive list",
            v.package,
            v.licence
        );
        assert!(
            md.contains(&format!("licence {}", v.licence)),
            "{}",
            v.package
        );
        for (path, text) in v.files {
            assert!(
                rows.iter().any(|(p, _, _)| p == path),
                "{path} not in VENDORED.md"
            );
            let disk = std::fs::read_to_string(root.join(path)).unwrap();
            assert_eq!(*text, disk, "{path}: the build inlines another text");
            let lower = disk.to_ascii_lowercase();
            for bad in ["</script", "</style", "<!--"] {
                assert!(
                    !lower.contains(bad),
                    "{path} holds {bad}: it cannot be inlined as is"
                );
            }
            if path.ends_with(".js") {
                let at = scripts.iter().position(|s| *s == disk);
                let at = at.unwrap_or_else(|| panic!("{path} is not inlined"));
                assert!(at >= last_script, "{path} runs before the library it needs");
                last_script = at;
            } else {
                assert!(styles.contains(&disk), "{path} is not inlined");
            }
        }
        // Its licence is reproduced in the footer.
        let first = v
            .licence_text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap();
        assert!(
            html.contains(first.trim()),
            "{}: no licence in the report",
            v.package
        );
    }
    // The page's own code comes last.
    assert_eq!(scripts.last().unwrap(), include_str!("../assets/report.js"));
    assert!(html.contains("Third-party code in this file: d3-array 2.12.1 (BSD-3-Clause)"));
}

#[test]
fn missing_sections_say_not_available() {
    let summary = json!({"counts": {"events": 0, "anonymous": 0, "hosts": []}});
    let html = render(&ReportInput {
        summary: Some(&summary),
        ..Default::default()
    });
    for what in [
        "Findings are not available",
        "Timeline not available",
        "Graph not available",
        "NTLM flow inventory is not available",
        "Compliance",
        "give the hosts&#39; configuration with --config",
        "the staged fix plan comes with the simulation",
    ] {
        assert!(html.contains(what), "missing {what:?}");
    }
    assert!(
        unsafe_markup(&html).is_empty(),
        "{:#?}",
        unsafe_markup(&html)
    );
    // Nothing at all still renders.
    let empty = render(&ReportInput::default());
    assert!(empty.contains("No scan summary"));
}

#[test]
fn findings_are_cards_most_severe_first_with_evidence() {
    let summary = json!({
        "counts": {"events": 10, "anonymous": 3, "hosts": ["DC01"]},
        "findings": [
            {"id": "NS-LOW", "severity": "low", "title": "low one", "explanation": "e", "count": 1,
             "evidence": [{"file": "a.evtx", "record_id": 1}]},
            {"id": "NS-CRIT", "severity": "critical", "title": "critical one", "explanation": "why it matters",
             "scenario": "null session to IPC$", "hosts": ["DC01"], "count": 9,
             "first_seen": "2024-05-01T10:00:00Z", "last_seen": "2024-05-02T11:00:00Z",
             "evidence": (0..60).map(|i| json!({"file": "dc01.evtx", "record_id": i})).collect::<Vec<_>>()},
            {"id": "NS-HIGH", "severity": "high", "title": "high one", "explanation": "e", "count": 4},
        ],
    });
    let html = render(&ReportInput {
        summary: Some(&summary),
        ..Default::default()
    });
    let c = html.find("NS-CRIT").unwrap();
    let h = html.find("NS-HIGH").unwrap();
    let l = html.find("NS-LOW").unwrap();
    assert!(c < h && h < l, "not ordered by severity");
    assert!(html.contains("data-severity=\"critical\"><b>1</b> critical"));
    assert!(html.contains("<b>0</b> medium"));
    assert!(html.contains("<code>dc01.evtx</code> record <b>49</b>"));
    assert!(
        !html.contains("record <b>50</b>"),
        "evidence list is capped"
    );
    assert!(html.contains("and 10 more"));
    assert!(html.contains("2024-05-01 10:00:00Z → 2024-05-02 11:00:00Z"));
}

#[test]
fn report_of_the_sample_shows_the_summary_counts() {
    let d = temp_dir("html-sample");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/security.evtx");
    let out = d.join("r.html");
    let json = d.join("s.json");
    let scan_html = d.join("scan.html");
    let o = run(&[
        "report",
        "--logs",
        sample.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&[
        "scan",
        sample.to_str().unwrap(),
        "-q",
        "--json",
        json.to_str().unwrap(),
        "--html",
        scan_html.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for file in [&out, &scan_html] {
        let html = std::fs::read_to_string(file).unwrap();
        assert!(
            unsafe_markup(&html).is_empty(),
            "{:#?}",
            unsafe_markup(&html)
        );
        assert_eq!(shown_count(&html, "anonymous"), Some(39));
        assert_eq!(
            shown_count(&html, "anonymous"),
            summary["counts"]["anonymous"].as_u64()
        );
        assert_eq!(
            shown_count(&html, "events"),
            summary["counts"]["events"].as_u64()
        );
        assert_eq!(
            shown_count(&html, "hosts"),
            Some(summary["counts"]["hosts"].as_array().unwrap().len() as u64)
        );
        assert_eq!(shown_count(&html, "files"), Some(1));
        assert!(html.contains("id=\"timeline-chart\""));
        assert!(html.contains("id=\"graph-chart\""));
        // The 39 anonymous network logons are edges, although they name no source.
        assert!(html.contains("(source not logged)"));
        assert!(
            html.len() < 200_000,
            "report of a 2 MB input is {} bytes",
            html.len()
        );
    }
    // From the saved summary: same counts, no timeline (it is computed while scanning).
    let from_json = d.join("j.html");
    let html = report_of_summary(&json, &from_json);
    assert_eq!(shown_count(&html, "anonymous"), Some(39));
    assert!(html.contains("Timeline not available"));
}

#[test]
fn report_of_a_hostile_evidence_file_is_inert() {
    let d = temp_dir("html-hostile");
    let input = write_hostile_input(&d);
    let out = d.join("r.html");
    let o = run(&[
        "report",
        "--logs",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&out).unwrap();
    let problems = unsafe_markup(&html);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(shown_count(&html, "events"), Some(3 * HOSTILE.len() as u64));
    assert_eq!(shown_count(&html, "anonymous"), Some(HOSTILE.len() as u64));
    assert_eq!(shown_count(&html, "ntlmv1"), Some(2 * HOSTILE.len() as u64));
    assert!(html.contains("WS&lt;script&gt;window.__pwned"));
    assert!(html.contains("hostile&lt;img src=x onerror=alert(9)&gt;&#39;&quot;.xml"));
}

#[test]
fn report_with_config_has_the_compliance_table() {
    let d = temp_dir("html-config");
    let cfg = d.join("ws-folder");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("ws.reg"),
        "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa]\r\n\
         \"EveryoneIncludesAnonymous\"=dword:00000001\r\n\"RestrictAnonymous\"=dword:00000000\r\n",
    )
    .unwrap();
    let out = d.join("r.html");
    let o = run(&[
        "report",
        "--config",
        cfg.to_str().unwrap(),
        "--role",
        "workstation",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("id=\"compliance-table\""));
    assert!(html.contains("EveryoneIncludesAnonymous"));
    assert!(html.contains("<span class=\"st fail\">fail</span>"));
    assert!(html.contains("No scan summary"));
    assert!(
        unsafe_markup(&html).is_empty(),
        "{:#?}",
        unsafe_markup(&html)
    );
}

/// The page's embedded data (`<script type="application/json" id="ns-data">`), parsed.
fn embedded_data(html: &str) -> Value {
    let open = "<script type=\"application/json\" id=\"ns-data\">";
    let at = html.find(open).expect("no embedded data") + open.len();
    let body = &html[at..at + html[at..].find("</script>").unwrap()];
    serde_json::from_str(body).expect("the embedded data is JSON")
}

/// A generated lab (seed 1): its folder, the hosts' folders (logs) and their `config` folders.
fn lab(name: &str) -> (std::path::PathBuf, Vec<String>, Vec<String>) {
    let dir = temp_dir(name).join("lab");
    let o = run(&["lab", dir.to_str().unwrap(), "--seed", "1", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut hosts: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("config").is_dir())
        .collect();
    hosts.sort();
    let logs = hosts.iter().map(|p| p.display().to_string()).collect();
    let configs = hosts
        .iter()
        .map(|p| p.join("config").display().to_string())
        .collect();
    (dir, logs, configs)
}

#[test]
fn report_with_logs_and_config_embeds_the_simulation_simulate_computes() {
    let (dir, logs, configs) = lab("html-lab-sim");
    let out = dir.join("r.html");
    let sim = dir.join("sim.json");
    let mut args = vec!["report", "--logs"];
    args.extend(logs.iter().map(String::as_str));
    args.push("--config");
    args.extend(configs.iter().map(String::as_str));
    args.extend(["-o", out.to_str().unwrap()]);
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut sargs = vec!["simulate", "--logs"];
    sargs.extend(logs.iter().map(String::as_str));
    sargs.push("--config");
    sargs.extend(configs.iter().map(String::as_str));
    sargs.extend(["--json", sim.to_str().unwrap()]);
    let o = run(&sargs);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(&sim).unwrap()).unwrap();

    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        unsafe_markup(&html).is_empty(),
        "{:#?}",
        unsafe_markup(&html)
    );
    let data = embedded_data(&html);
    // The same simulation as `simulate --logs … --config …` (changes, plan, hosts, notes).
    assert_eq!(data["simulation"], expected);
    assert_eq!(data["plan"], expected["plan"]);
    let changes = data["simulation"]["changes"].as_array().unwrap();
    let lm = changes
        .iter()
        .find(|c| c["change"]["setting"] == "LmCompatibilityLevel" && c["verdict"] == "breaks")
        .expect("LmCompatibilityLevel breaks");
    assert!(lm["affected"].as_array().unwrap().iter().any(|a| {
        a["client"] == "WKS003" && a["account"] == "CORP\\carol" && a["breaks"] == true
    }));
    assert!(changes.iter().any(|c| c["verdict"] == "safe-now"));
    assert!(data["plan"]["stages"].as_array().unwrap().len() >= 2);
    // The page has the places the script fills, and no "not available" there.
    assert!(html.contains("id=\"simulation-view\""));
    assert!(html.contains("id=\"plan-view\""));
    assert!(!html.contains("the simulation needs"));
}

#[test]
fn without_logs_or_config_the_simulation_says_what_is_missing() {
    let d = temp_dir("html-sim-missing");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/security.evtx");
    let cfg = d.join("cfg");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("ws.reg"),
        "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa]\r\n\
         \"RestrictAnonymous\"=dword:00000000\r\n",
    )
    .unwrap();
    let out = d.join("r.html");
    let o = run(&[
        "report",
        "--logs",
        sample.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html
        .contains("Not available: the simulation needs the hosts&#39; configuration (--config)."));
    assert_eq!(embedded_data(&html)["simulation"], Value::Null);
    let o = run(&[
        "report",
        "--config",
        cfg.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("Not available: the simulation needs the hosts&#39; logs (--logs)."));
    assert!(!html.contains("a nullsight that simulates"));
}

#[test]
fn simulation_and_plan_json_are_embedded_when_given() {
    let d = temp_dir("html-sim");
    let sim = d.join("sim.json");
    let plan = d.join("plan.json");
    std::fs::write(
        &sim,
        r#"[{"setting":"RestrictAnonymous","change":"0 → 1","would_break":3,"flows":"10.0.0.5 → DC01"}]"#,
    )
    .unwrap();
    std::fs::write(
        &plan,
        r#"{"stages":[{"stage":1,"action":"audit NTLM","rollback":"delete value"}],"note":"staged"}"#,
    )
    .unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/post-Security.evtx");
    let out = d.join("r.html");
    let o = run(&[
        "report",
        "--logs",
        sample.to_str().unwrap(),
        "--simulation",
        sim.to_str().unwrap(),
        "--plan",
        plan.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.code() == Some(0) || o.status.code() == Some(3));
    let html = std::fs::read_to_string(&out).unwrap();
    let data = embedded_data(&html);
    // Any JSON is taken as it is (the page shows an unknown shape generically).
    assert_eq!(data["simulation"][0]["would_break"], 3);
    assert_eq!(data["simulation"][0]["flows"], "10.0.0.5 → DC01");
    assert_eq!(data["plan"]["stages"][0]["rollback"], "delete value");
    assert_eq!(data["plan"]["note"], "staged");
}

#[test]
fn a_saved_simulation_overrides_the_computed_one() {
    let (dir, logs, configs) = lab("html-lab-override");
    let sim = dir.join("saved.json");
    std::fs::write(
        &sim,
        r#"{"changes":[],"plan":{"stages":[]},"notes":["saved one"]}"#,
    )
    .unwrap();
    let out = dir.join("r.html");
    let mut args = vec!["report", "--logs"];
    args.extend(logs.iter().map(String::as_str));
    args.push("--config");
    args.extend(configs.iter().map(String::as_str));
    args.extend([
        "--simulation",
        sim.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let data = embedded_data(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(data["simulation"]["notes"], json!(["saved one"]));
    assert_eq!(data["plan"], json!({"stages": []}));
}

#[test]
fn unwritable_output_fails_before_scanning() {
    let o = run(&[
        "report",
        "--logs",
        "samples",
        "-o",
        "/nonexistent-dir/r.html",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot write"));
}

/// What the report draws is observed on every reading thread and merged: one thread or two,
/// `scan --html` or `report --logs`, the same timeline and edges.
#[test]
fn the_drawing_is_the_same_whatever_the_threads() {
    let (dir, logs, _) = lab("html-lab-threads");
    let mut drawn = Vec::new();
    for (cmd, threads) in [
        ("scan", "1"),
        ("scan", "2"),
        ("report", "1"),
        ("report", "2"),
    ] {
        let out = dir.join(format!("{cmd}-{threads}.html"));
        let mut args = vec![cmd, "--threads", threads];
        match cmd {
            "scan" => {
                args.extend(logs.iter().map(String::as_str));
                args.extend(["--quiet", "--html", out.to_str().unwrap()]);
            }
            _ => {
                args.push("--logs");
                args.extend(logs.iter().map(String::as_str));
                args.extend(["-o", out.to_str().unwrap()]);
            }
        }
        let o = run(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let data = embedded_data(&std::fs::read_to_string(&out).unwrap());
        assert!(!data["aggregate"]["edges"].as_array().unwrap().is_empty());
        drawn.push(data["aggregate"].clone());
    }
    for d in &drawn[1..] {
        assert!(d == &drawn[0]);
    }
}

/// A saved summary is read as the report shows it: its inventory lists cut to the rows a table
/// shows, with the count of all, whatever else it holds; JSON that is not a summary still
/// makes a report.
#[test]
fn a_saved_summary_is_read_as_the_report_shows_it() {
    let d = temp_dir("html-saved-summary");
    let flows: Vec<Value> = (0..2500)
        .map(|i| json!({"target": "SRV01", "account": format!("CORP\\u{i}"), "count": i}))
        .collect();
    let summary = json!({
        "tool": "nullsight",
        "anonymous_logons": {"groups": [{"client": "<b>never shown</b>"}]},
        "inventories": {"totals": {"weak_key_logons": 1}, "ntlm_flows": flows, "ntlm_audit": []},
    });
    let path = d.join("s.json");
    std::fs::write(&path, serde_json::to_vec(&summary).unwrap()).unwrap();
    let out = d.join("r.html");
    let html = report_of_summary(&path, &out);
    assert!(
        html.contains("Showing the first 2\u{202F}000 of 2\u{202F}500 rows."),
        "{html}"
    );
    assert!(html.contains("CORP\\u1999") && !html.contains("CORP\\u2000<"));
    assert!(!html.contains("rows_in_full") && !html.contains("never shown"));
    for odd in ["[1, 2]", "\"text\"", "{\"inventories\": 3}"] {
        std::fs::write(&path, odd).unwrap();
        report_of_summary(&path, &out);
    }
}

/// `nullsight report --summary SUMMARY -o OUT`, which must succeed: the page.
fn report_of_summary(summary: &Path, out: &Path) -> String {
    let o = run(&[
        "report",
        "--summary",
        summary.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "{}: {}",
        summary.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}
