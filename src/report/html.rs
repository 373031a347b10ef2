//! `report -o FILE.html` and `scan --html FILE`: one self-contained HTML file that opens offline.
//!
//! The report is rendered from the **JSON summary** (the stable output contract, as a
//! [`serde_json::Value`], so that keys added later — findings, inventories — show up without a
//! change here and missing keys render as "not available"), plus the [`aggregate::Aggregate`]
//! computed while scanning (timeline buckets and authentication edges: bounded, so a report over
//! millions of events stays small), plus optional compliance, simulation and fix-plan values.
//!
//! Safety: every string from logs or configuration goes through [`escape::html`] (text and
//! attributes) or [`escape::json_in_script`] (the embedded data). The page's own script reads the
//! data with `JSON.parse` and writes it with `textContent` / `setAttribute` only. A
//! Content-Security-Policy allows no network access at all and only the page's own script and
//! style (by hash), so even a renderer bug could not run injected script or fetch anything.

pub mod aggregate;

use super::escape;
use aggregate::Aggregate;
use base64::Engine as _;
use serde_json::Value;
use sha2::Digest as _;
use std::fmt::Write as _;

const CSS: &str = include_str!("../../assets/report.css");
const JS: &str = include_str!("../../assets/report.js");

/// A library from the npm registry, committed under `assets/vendor/` and inlined into every
/// report (`assets/vendor/VENDORED.md` records its version, licence and checksums; the tests
/// check both against the files).
#[derive(Debug, Clone, Copy)]
pub struct Vendored {
    /// The npm package.
    pub package: &'static str,
    pub version: &'static str,
    /// SPDX identifier.
    pub licence: &'static str,
    /// The files inlined, as (path under the repository, text): `.js` in a `<script>`, `.css`
    /// in a `<style>`, in this order.
    pub files: &'static [(&'static str, &'static str)],
    /// The package's LICENSE, reproduced in the report's footer (BSD-3-Clause and MIT ask for
    /// it in copies of the code).
    pub licence_text: &'static str,
}

macro_rules! vendored_file {
    ($path:literal) => {
        ($path, include_str!(concat!("../../", $path)))
    };
}

/// The vendored libraries, in the order their scripts run: d3-array before d3-sankey (which
/// reads `d3.min`, `d3.max`, `d3.sum`), then uPlot; the page's own script comes last.
pub const VENDORED: &[Vendored] = &[
    Vendored {
        package: "d3-array",
        version: "2.12.1",
        licence: "BSD-3-Clause",
        files: &[vendored_file!("assets/vendor/d3-array/d3-array.min.js")],
        licence_text: include_str!("../../assets/vendor/d3-array/LICENSE"),
    },
    Vendored {
        package: "d3-sankey",
        version: "0.12.3",
        licence: "BSD-3-Clause",
        files: &[vendored_file!("assets/vendor/d3-sankey/d3-sankey.min.js")],
        licence_text: include_str!("../../assets/vendor/d3-sankey/LICENSE"),
    },
    Vendored {
        package: "uplot",
        version: "1.6.32",
        licence: "MIT",
        files: &[
            vendored_file!("assets/vendor/uplot/uPlot.iife.min.js"),
            vendored_file!("assets/vendor/uplot/uPlot.min.css"),
        ],
        licence_text: include_str!("../../assets/vendor/uplot/LICENSE"),
    },
];

/// The scripts of the page, in order: the vendored ones, then the page's own.
fn scripts() -> impl Iterator<Item = &'static str> {
    VENDORED
        .iter()
        .flat_map(|v| v.files.iter())
        .filter(|(p, _)| p.ends_with(".js"))
        .map(|(_, t)| *t)
        .chain(std::iter::once(JS))
}

/// The style sheets of the page, in order: the vendored ones, then the page's own (last, so
/// that it can adjust theirs).
fn styles() -> impl Iterator<Item = &'static str> {
    VENDORED
        .iter()
        .flat_map(|v| v.files.iter())
        .filter(|(p, _)| p.ends_with(".css"))
        .map(|(_, t)| *t)
        .chain(std::iter::once(CSS))
}

/// At most this many rows per table (the counts say how many there were).
pub(crate) const MAX_ROWS: usize = 2000;
/// At most this many findings shown as cards, the most severe first (the verdict counts all).
pub(crate) const MAX_FINDINGS: usize = 500;
/// At most this many evidence references listed per finding.
const MAX_EVIDENCE: usize = 50;

/// Everything a report can show. Only `summary` is required.
#[derive(Debug, Default)]
pub struct ReportInput<'a> {
    /// `nullsight scan --json` output.
    pub summary: Option<&'a Value>,
    /// Timeline and edges, computed while scanning (absent when rendering a saved summary).
    pub aggregate: Option<&'a Aggregate>,
    /// `nullsight audit --json` output (`{hosts, errors, notes}`) or a list of host compliances.
    pub compliance: Option<&'a Value>,
    /// The simulation of hardening changes on the observed traffic (`nullsight simulate --json`:
    /// `{changes, plan, hosts, errors, notes}`; any other JSON is shown as it is).
    pub simulation: Option<&'a Value>,
    /// Without a simulation: why not (what is missing), shown in its place.
    pub simulation_unavailable: Option<&'a str>,
    /// The staged fix plan (default: the simulation's `plan`).
    pub plan: Option<&'a Value>,
    /// When the report was made (shown in the header).
    pub generated: Option<jiff::Timestamp>,
}

fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    escape::html(s)
}

fn sha256_b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(s.as_bytes()))
}

/// `'sha256-…' 'sha256-…'`: the CSP sources that allow exactly these inline texts.
fn csp_hashes(texts: impl Iterator<Item = &'static str>) -> String {
    texts
        .map(|t| format!("'sha256-{}'", sha256_b64(t)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A value as text: strings as they are, numbers, lists joined, objects as compact JSON.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(", "),
        Value::Object(_) => v.to_string(),
    }
}

/// An input error's place (`{"kind": "chunk", "chunk": 3, "offset": 69632}`) as words:
/// `chunk 3, offset 69632`.
fn place_text(v: &Value) -> String {
    let Some(o) = v.as_object() else {
        return text(v);
    };
    let kind = o.get("kind").and_then(Value::as_str).unwrap_or("");
    let rest: Vec<String> = o
        .iter()
        .filter(|(k, _)| k.as_str() != "kind")
        .map(|(k, x)| format!("{} {}", k.replace('_', " "), text(x)))
        .collect();
    if rest.is_empty() {
        if kind == "file" {
            "whole file".to_string()
        } else {
            kind.to_string()
        }
    } else {
        rest.join(", ")
    }
}

fn get<'v>(v: Option<&'v Value>, path: &[&str]) -> Option<&'v Value> {
    let mut cur = v?;
    for k in path {
        cur = cur.get(k)?;
    }
    (!cur.is_null()).then_some(cur)
}

fn get_str<'v>(v: Option<&'v Value>, path: &[&str]) -> Option<&'v str> {
    get(v, path)?.as_str()
}

fn get_u64(v: Option<&Value>, path: &[&str]) -> Option<u64> {
    get(v, path)?.as_u64()
}

/// `2019-03-19T23:34:25.123Z` → `2019-03-19 23:34:25Z`.
fn short_time(s: &str) -> String {
    match s.parse::<jiff::Timestamp>() {
        Ok(t) => t.strftime("%Y-%m-%d %H:%M:%SZ").to_string(),
        Err(_) => s.to_string(),
    }
}

fn num(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202F}');
        }
        out.push(c);
    }
    out
}

const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

fn severity_rank(s: &str) -> usize {
    let s = s.to_ascii_lowercase();
    SEVERITIES
        .iter()
        .position(|x| *x == s)
        .unwrap_or(SEVERITIES.len())
}

/// A CSS class for a severity or status word (only known words; everything else is `unknown`).
fn class_of(word: &str) -> &'static str {
    match word.to_ascii_lowercase().as_str() {
        "critical" => "critical",
        "high" => "high",
        "medium" => "medium",
        "low" => "low",
        "info" => "info",
        "pass" => "pass",
        "fail" => "fail",
        "default-pass" => "default-pass",
        "default-fail" => "default-fail",
        _ => "unknown",
    }
}

struct Page {
    out: String,
}

impl Page {
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn not_available(&mut self, what: &str) {
        let _ = write!(self.out, "<p class=\"na\">{}</p>", esc(what));
    }

    fn section_start(&mut self, id: &str, title: &str) {
        let _ = write!(self.out, "<section id=\"{id}\"><h2>{}</h2>", esc(title));
    }

    /// A sortable, filterable table. `cells` are already-escaped HTML; a cell may carry a sort
    /// key (`Some(number)`) for numeric or time columns.
    fn table(
        &mut self,
        id: &str,
        headers: &[&str],
        rows: &[Vec<(String, Option<f64>)>],
        total: usize,
    ) {
        let _ = write!(
            self.out,
            "<div class=\"tablewrap\"><div class=\"tabletools\"><input type=\"search\" class=\"filter\" data-table=\"{id}\" placeholder=\"Filter rows…\" aria-label=\"Filter rows\"><span class=\"rowcount\" id=\"{id}-count\">{} rows</span></div><table class=\"data\" id=\"{id}\"><thead><tr>",
            num(rows.len() as u64)
        );
        for h in headers {
            let _ = write!(self.out, "<th>{}</th>", esc(h));
        }
        self.push("</tr></thead><tbody>");
        for r in rows {
            self.push("<tr>");
            for (html, key) in r {
                match key {
                    Some(k) => {
                        let _ = write!(self.out, "<td data-v=\"{k}\">{html}</td>");
                    }
                    None => {
                        let _ = write!(self.out, "<td>{html}</td>");
                    }
                }
            }
            self.push("</tr>");
        }
        self.push("</tbody></table>");
        if total > rows.len() {
            let _ = write!(
                self.out,
                "<p class=\"note\">Showing the first {} of {} rows.</p>",
                num(rows.len() as u64),
                num(total as u64)
            );
        }
        self.push("</div>");
    }

    /// Any JSON value as readable HTML: a list of objects becomes a table, an object whose
    /// values are lists of objects becomes one table per key, anything else a definition list.
    /// `total`: the rows an array had before it was cut, when more than it holds; `totals`,
    /// the same for an object's arrays, by key.
    fn generic(
        &mut self,
        id: &str,
        v: &Value,
        total: Option<usize>,
        totals: Option<&serde_json::Map<String, Value>>,
    ) {
        match v {
            Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => {
                let mut cols: Vec<String> = Vec::new();
                for it in items.iter().take(MAX_ROWS) {
                    if let Some(o) = it.as_object() {
                        for k in o.keys() {
                            if !cols.contains(k) {
                                cols.push(k.clone());
                            }
                        }
                    }
                }
                let rows: Vec<Vec<(String, Option<f64>)>> = items
                    .iter()
                    .take(MAX_ROWS)
                    .map(|it| {
                        cols.iter()
                            .map(|c| match it.get(c) {
                                Some(Value::Number(n)) => {
                                    (esc(&n.to_string()).into_owned(), n.as_f64())
                                }
                                Some(x) => (esc(&text(x)).into_owned(), None),
                                None => (String::new(), None),
                            })
                            .collect()
                    })
                    .collect();
                let headers: Vec<&str> = cols.iter().map(String::as_str).collect();
                let total = total.unwrap_or(0).max(items.len());
                self.table(id, &headers, &rows, total);
            }
            Value::Object(o) if !o.is_empty() => {
                // The row counts are shown with their tables, not as an entry.
                let o: Vec<(&String, &Value)> = o
                    .iter()
                    .filter(|(k, _)| totals.is_none() || *k != super::summary::ROWS_IN_FULL)
                    .collect();
                for (i, &(k, x)) in o.iter().enumerate() {
                    if matches!(x, Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_object))
                    {
                        let _ = write!(self.out, "<h3>{}</h3>", esc(k));
                        let total = totals
                            .and_then(|t| t.get(k))
                            .and_then(Value::as_u64)
                            .map(|n| n as usize);
                        self.generic(&format!("{id}-{i}"), x, total, None);
                    }
                }
                let scalars: Vec<_> = o
                    .iter()
                    .copied()
                    .filter(|(_, x)| !matches!(x, Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_object)))
                    .collect();
                if !scalars.is_empty() {
                    self.push("<dl class=\"kv\">");
                    for (k, x) in scalars {
                        let _ = write!(self.out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&text(x)));
                    }
                    self.push("</dl>");
                }
            }
            Value::Array(a) if a.is_empty() => self.not_available("Empty."),
            other => {
                let _ = write!(self.out, "<p>{}</p>", esc(&text(other)));
            }
        }
    }
}

/// Render the report as one HTML document.
pub fn render(input: &ReportInput) -> String {
    let s = input.summary;
    let mut p = Page {
        out: String::with_capacity(64 * 1024),
    };
    let script_hashes = csp_hashes(scripts());
    let style_hashes = csp_hashes(styles());
    let style_elements: String = styles().map(|t| format!("<style>{t}</style>")).collect();
    let first = get_str(s, &["counts", "first_seen"]).map(short_time);
    let last = get_str(s, &["counts", "last_seen"]).map(short_time);
    let hosts: Vec<String> = get(s, &["counts", "hosts"])
        .and_then(Value::as_array)
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default();
    let findings: Option<Vec<&Value>> = get(s, &["findings"]).and_then(Value::as_array).map(|a| {
        let mut f: Vec<&Value> = a.iter().collect();
        f.sort_by_key(|x| {
            (
                severity_rank(get_str(Some(x), &["severity"]).unwrap_or("")),
                std::cmp::Reverse(get_u64(Some(x), &["count"]).unwrap_or(0)),
            )
        });
        f
    });

    // Head.
    let _ = write!(
        p.out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src {script_hashes}; style-src {style_hashes}; img-src data:; base-uri 'none'; form-action 'none'\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>nullsight report{}</title>{style_elements}</head><body>",
        match (&first, &last) {
            (Some(a), Some(b)) => format!(" — {} to {}", esc(a), esc(b)),
            _ => String::new(),
        }
    );

    // Header with the verdict.
    p.push("<header class=\"top\"><div class=\"brand\"><h1>nullsight report</h1><p class=\"sub\">Anonymous logon and legacy NTLM exposure");
    if let (Some(a), Some(b)) = (&first, &last) {
        let _ = write!(p.out, " · events from {} to {}", esc(a), esc(b));
    }
    if let Some(g) = input.generated {
        let _ = write!(p.out, " · generated {}", g.strftime("%Y-%m-%d %H:%M:%SZ"));
    }
    if let Some(v) = get_str(s, &["version"]) {
        let _ = write!(p.out, " · nullsight {}", esc(v));
    }
    p.push("</p></div><div class=\"verdict\" id=\"verdict\">");
    // A report made by nullsight holds the findings it shows and, aside, how many of each
    // severity there were when there were more; a saved summary, every finding.
    let in_full = get(s, &[super::summary::FINDINGS_IN_FULL]).and_then(Value::as_object);
    match &findings {
        Some(f) => {
            for sev in SEVERITIES {
                let n = match in_full {
                    Some(m) => m.get(sev).and_then(Value::as_u64).unwrap_or(0) as usize,
                    None => f
                        .iter()
                        .filter(|x| {
                            get_str(Some(x), &["severity"])
                                .is_some_and(|y| y.eq_ignore_ascii_case(sev))
                        })
                        .count(),
                };
                let _ = write!(
                    p.out,
                    "<a class=\"chip {sev}{}\" href=\"#findings\" data-severity=\"{sev}\"><b>{n}</b> {sev}</a>",
                    if n == 0 { " zero" } else { "" }
                );
            }
        }
        None => {
            p.push("<span class=\"chip unknown\">findings not available in this summary</span>")
        }
    }
    p.push("</div></header>");

    p.push("<nav><a href=\"#overview\">Overview</a><a href=\"#findings\">Findings</a><a href=\"#timeline\">Timeline</a><a href=\"#graph\">Who authenticates to what</a><a href=\"#inventories\">NTLM inventory</a><a href=\"#compliance\">Compliance</a><a href=\"#simulation\">Simulation &amp; fix plan</a><a href=\"#inputs\">Inputs</a></nav><main>");

    overview(&mut p, input, &hosts, &first, &last);
    let all_findings = in_full.map(|m| m.values().filter_map(Value::as_u64).sum::<u64>());
    findings_section(&mut p, findings.as_deref(), all_findings);
    timeline_section(&mut p, input.aggregate);
    graph_section(&mut p, input.aggregate);
    inventories_section(&mut p, get(s, &["inventories"]));
    compliance_section(&mut p, input.compliance);
    let plan = input.plan.or_else(|| get(input.simulation, &["plan"]));
    simulation_section(&mut p, input, plan);
    counts_section(&mut p, s);
    inputs_section(&mut p, s);

    p.push("</main><footer><p>Made by nullsight. Everything is in this file: it makes no network request. Strings from logs and configuration are shown as text, never interpreted.</p>");
    third_party(&mut p);
    p.push("</footer>");

    // Data for the charts (aggregated: its size does not grow with the event count).
    let data = serde_json::json!({
        "aggregate": input.aggregate,
        "anonymous": get_u64(s, &["counts", "anonymous"]),
        "events": get_u64(s, &["counts", "events"]),
        // Drawn as tables by the page's script (text only, as the charts' labels).
        "simulation": input.simulation,
        "plan": plan,
    });
    let _ = write!(
        p.out,
        "<script type=\"application/json\" id=\"ns-data\">{}</script>",
        escape::json_in_script(&data.to_string())
    );
    for js in scripts() {
        let _ = write!(p.out, "<script>{js}</script>");
    }
    p.push("</body></html>");
    p.out.push('\n');
    p.out
}

/// The vendored libraries with their licences, folded.
fn third_party(p: &mut Page) {
    p.push("<details class=\"licences\"><summary>Third-party code in this file: ");
    let names: Vec<String> = VENDORED
        .iter()
        .map(|v| format!("{} {} ({})", v.package, v.version, v.licence))
        .collect();
    p.push(&esc(&names.join(", ")));
    p.push("</summary>");
    for v in VENDORED {
        let _ = write!(
            p.out,
            "<h3>{} {}</h3><pre>{}</pre>",
            esc(v.package),
            esc(v.version),
            esc(v.licence_text)
        );
    }
    p.push("</details>");
}

fn figure(p: &mut Page, key: &str, value: &str, label: &str, class: &str) {
    let _ = write!(
        p.out,
        "<div class=\"figure {class}\"><div class=\"v\" data-count=\"{key}\">{}</div><div class=\"l\">{}</div></div>",
        esc(value),
        esc(label)
    );
}

fn overview(
    p: &mut Page,
    input: &ReportInput,
    hosts: &[String],
    first: &Option<String>,
    last: &Option<String>,
) {
    let s = input.summary;
    p.section_start("overview", "Overview");
    if s.is_none() {
        p.not_available("No scan summary: give --logs (or --summary) to see events.");
    }
    p.push("<div class=\"figures\">");
    let events = get_u64(s, &["counts", "events"]);
    let anon = get_u64(s, &["counts", "anonymous"]);
    figure(
        p,
        "events",
        &events.map(num).unwrap_or("–".into()),
        "events of interest",
        "",
    );
    figure(
        p,
        "anonymous",
        &anon.map(num).unwrap_or("–".into()),
        "anonymous (S-1-5-7) events",
        if anon.unwrap_or(0) > 0 { "bad" } else { "good" },
    );
    if let Some(a) = input.aggregate {
        let v1: u64 = a
            .edges
            .iter()
            .filter(|e| e.key.ntlmv1)
            .map(|e| e.stat.count)
            .sum::<u64>()
            + a.other_edges.ntlmv1;
        figure(
            p,
            "ntlmv1",
            &num(v1),
            "NTLMv1 / LM logons by named accounts",
            if v1 > 0 { "warn" } else { "good" },
        );
    }
    figure(p, "hosts", &num(hosts.len() as u64), "hosts logging", "");
    let files = get_u64(s, &["totals", "files"]);
    let bad = get_u64(s, &["totals", "files_with_errors"]).unwrap_or(0);
    figure(
        p,
        "files",
        &files.map(num).unwrap_or("–".into()),
        "files read",
        "",
    );
    figure(
        p,
        "files_with_errors",
        &num(bad),
        "files with read errors",
        if bad > 0 { "warn" } else { "good" },
    );
    p.push("</div>");
    p.push("<dl class=\"kv\">");
    let _ = write!(
        p.out,
        "<dt>Time range</dt><dd>{}</dd>",
        match (first, last) {
            (Some(a), Some(b)) => format!("{} → {} (UTC)", esc(a), esc(b)),
            _ => "not available".to_string(),
        }
    );
    let _ = write!(
        p.out,
        "<dt>Hosts</dt><dd>{}</dd>",
        if hosts.is_empty() {
            "none seen".to_string()
        } else {
            hosts
                .iter()
                .map(|h| format!("<code>{}</code>", esc(h)))
                .collect::<Vec<_>>()
                .join(" ")
        }
    );
    if let (Some(r), Some(b)) = (
        get_u64(s, &["totals", "records"]),
        get_u64(s, &["totals", "bytes"]),
    ) {
        let _ = write!(
            p.out,
            "<dt>Read</dt><dd>{} records in {} bytes</dd>",
            num(r),
            num(b)
        );
    }
    p.push("</dl></section>");
}

/// `all`: how many findings there were, when more than `findings`.
fn findings_section(p: &mut Page, findings: Option<&[&Value]>, all: Option<u64>) {
    p.section_start("findings", "Findings");
    let Some(findings) = findings else {
        p.not_available("Findings are not available in this summary (this version of the analysis reports counts only). The counts, timeline and graph below are complete.");
        p.push("</section>");
        return;
    };
    if findings.is_empty() {
        p.push("<p class=\"good-note\">No findings: nothing anonymous or legacy was recognised in these logs. Check the compliance section's audit coverage before trusting a silence.</p></section>");
        return;
    }
    p.push("<div class=\"tabletools\"><input type=\"search\" class=\"cardfilter\" placeholder=\"Filter findings…\" aria-label=\"Filter findings\"></div>");
    let shown = findings.len().min(MAX_FINDINGS);
    let all = all.unwrap_or(0).max(findings.len() as u64);
    if all > shown as u64 {
        let _ = write!(
            p.out,
            "<p class=\"note\">Showing the {} most severe of {} findings: the scan's --json summary lists every one.</p>",
            num(shown as u64),
            num(all)
        );
    }
    p.push("<div class=\"cards\">");
    for f in findings.iter().take(MAX_FINDINGS) {
        let f = Some(*f);
        let sev = get_str(f, &["severity"]).unwrap_or("unknown");
        let _ = write!(
            p.out,
            "<article class=\"card {}\"><header><span class=\"sev {}\">{}</span><code class=\"fid\">{}</code><h3>{}</h3></header>",
            class_of(sev),
            class_of(sev),
            esc(sev),
            esc(get(f, &["id"]).map(text).as_deref().unwrap_or("")),
            esc(get_str(f, &["title"]).unwrap_or("(untitled finding)"))
        );
        if let Some(x) = get(f, &["explanation"]) {
            let _ = write!(p.out, "<p class=\"expl\">{}</p>", esc(&text(x)));
        }
        p.push("<dl class=\"kv small\">");
        if let Some(x) = get(f, &["scenario"]) {
            let _ = write!(p.out, "<dt>Likely scenario</dt><dd>{}</dd>", esc(&text(x)));
        }
        if let Some(n) = get_u64(f, &["count"]) {
            let _ = write!(p.out, "<dt>Events</dt><dd>{}</dd>", num(n));
        }
        if let Some(h) = get(f, &["hosts"]) {
            let _ = write!(p.out, "<dt>Hosts</dt><dd>{}</dd>", esc(&text(h)));
        }
        if let (Some(a), Some(b)) = (get_str(f, &["first_seen"]), get_str(f, &["last_seen"])) {
            let _ = write!(
                p.out,
                "<dt>Seen</dt><dd>{} → {}</dd>",
                esc(&short_time(a)),
                esc(&short_time(b))
            );
        }
        for key in [
            "reasons",
            "why",
            "setting",
            "settings",
            "remediation",
            "fix",
        ] {
            if let Some(x) = get(f, &[key]) {
                let label = match key {
                    "reasons" => "Reasons",
                    "why" => "Why",
                    "setting" => "Setting",
                    "settings" => "Settings",
                    "remediation" => "Remediation",
                    _ => "Fix",
                };
                let _ = write!(p.out, "<dt>{label}</dt><dd>");
                match x {
                    Value::Array(a) if a.len() > 1 => {
                        p.push("<ul>");
                        for i in a {
                            let _ = write!(p.out, "<li>{}</li>", esc(&text(i)));
                        }
                        p.push("</ul>");
                    }
                    _ => p.push(&esc(&text(x))),
                }
                p.push("</dd>");
            }
        }
        p.push("</dl>");
        if let Some(ev) = get(f, &["evidence"]).and_then(Value::as_array) {
            let _ = write!(
                p.out,
                "<details class=\"evidence\"{}><summary>Evidence: {} event{}</summary><ul>",
                if ev.len() <= 5 { " open" } else { "" },
                num(ev.len() as u64),
                if ev.len() == 1 { "" } else { "s" }
            );
            for e in ev.iter().take(MAX_EVIDENCE) {
                let _ = write!(
                    p.out,
                    "<li><code>{}</code> record <b>{}</b></li>",
                    esc(get_str(Some(e), &["file"]).unwrap_or("?")),
                    esc(&get(Some(e), &["record_id"]).map(text).unwrap_or_default())
                );
            }
            if ev.len() > MAX_EVIDENCE {
                let _ = write!(
                    p.out,
                    "<li class=\"note\">… and {} more (all are in <code>--events</code> output, tagged with this finding's id)</li>",
                    num((ev.len() - MAX_EVIDENCE) as u64)
                );
            }
            p.push("</ul></details>");
        }
        p.push("</article>");
    }
    p.push("</div></section>");
}

fn timeline_section(p: &mut Page, agg: Option<&Aggregate>) {
    p.section_start("timeline", "Timeline of anonymous and NTLM logons");
    match agg {
        Some(a) if !a.buckets.is_empty() => {
            let _ = write!(
                p.out,
                "<p class=\"note\">Events of interest over time (UTC), stacked by family. Below, on their own scales: anonymous (S-1-5-7) events in red, NTLMv1/LM logons by named accounts in orange. Point at a bar for its numbers.{}</p>",
                if a.untimed > 0 {
                    format!(" {} events without a time are not drawn.", num(a.untimed))
                } else {
                    String::new()
                }
            );
            p.push("<div class=\"chart\" id=\"timeline-chart\"><noscript>The timeline needs JavaScript.</noscript></div><div class=\"legend\" id=\"timeline-legend\"></div>");
        }
        Some(_) => p.not_available("No event had a time: nothing to draw."),
        None => p.not_available("Timeline not available: it is computed while scanning (nullsight report --logs, or scan --html)."),
    }
    p.push("</section>");
}

fn graph_section(p: &mut Page, agg: Option<&Aggregate>) {
    p.section_start("graph", "Who authenticates to what");
    let Some(a) = agg else {
        p.not_available("Graph not available: it is computed while scanning (nullsight report --logs, or scan --html).");
        p.push("</section>");
        return;
    };
    if a.edges.is_empty() {
        p.not_available("No network authentication with a known source was seen.");
        p.push("</section>");
        return;
    }
    p.push("<p class=\"note\">Source (workstation or IP) → account → target host, from network logons, failures, credential validations and NTLM audit events. <span class=\"key anon\">anonymous</span> <span class=\"key v1\">NTLMv1/LM</span> <span class=\"key other\">other (NTLMv2, Kerberos…)</span>. A band's width grows with the logarithm of its event count (so that one anonymous logon beside a million others still shows); a node's red and orange parts are its anonymous and NTLMv1/LM share; the numbers are the event counts. Each column shows 24 names, those with anonymous or NTLMv1/LM events first, then the busiest; the rest are grouped as “others”. Point at a node to follow its paths, at a band for its counts and packages.</p>");
    p.push("<div class=\"chart\" id=\"graph-chart\"><noscript>The graph needs JavaScript; the table below has every edge.</noscript></div>");
    let rows: Vec<Vec<(String, Option<f64>)>> = a
        .edges
        .iter()
        .take(MAX_ROWS)
        .map(|e| {
            let flag = if e.key.anonymous {
                "<span class=\"key anon\">anonymous</span>"
            } else if e.key.ntlmv1 {
                "<span class=\"key v1\">NTLMv1</span>"
            } else {
                ""
            };
            let t = |x: Option<jiff::Timestamp>| {
                x.map(|t| {
                    (
                        t.strftime("%Y-%m-%d %H:%M:%SZ").to_string(),
                        Some(t.as_second() as f64),
                    )
                })
                .unwrap_or((String::new(), None))
            };
            vec![
                (esc(&e.key.source).into_owned(), None),
                (esc(&e.key.account).into_owned(), None),
                (esc(&e.key.target).into_owned(), None),
                (esc(&e.key.package).into_owned(), None),
                (flag.to_string(), None),
                (num(e.stat.count), Some(e.stat.count as f64)),
                (num(e.stat.failures), Some(e.stat.failures as f64)),
                t(e.stat.first),
                t(e.stat.last),
            ]
        })
        .collect();
    p.table(
        "edges",
        &[
            "source", "account", "target", "package", "flag", "events", "failures", "first", "last",
        ],
        &rows,
        a.edges.len(),
    );
    if a.other_edges.count > 0 {
        let _ = write!(
            p.out,
            "<p class=\"note\">{} more events on edges not listed ({} anonymous, {} NTLMv1) are counted here. At most {} distinct edges are listed: anonymous ones first, then NTLMv1 ones, the busiest of each. Past {} distinct edges, which ones are kept while scanning is decided by the same classes and then by a fixed hash of the edge, not by its count, so that every run keeps the same ones.</p>",
            num(a.other_edges.count),
            num(a.other_edges.anonymous),
            num(a.other_edges.ntlmv1),
            num(aggregate::MAX_EDGES as u64),
            num(aggregate::KEPT_EDGES as u64)
        );
    }
    p.push("</section>");
}

fn inventories_section(p: &mut Page, inv: Option<&Value>) {
    p.section_start("inventories", "NTLM inventory");
    match inv {
        // A report made by nullsight holds the first rows of each list and, aside, how many
        // each had ([`super::summary::ROWS_IN_FULL`]); a saved summary, every row.
        Some(v) => {
            let totals = v
                .get(super::summary::ROWS_IN_FULL)
                .and_then(Value::as_object);
            p.generic("inv", v, None, totals)
        }
        None => p.not_available("The NTLM flow inventory is not available in this summary; the edge table above lists the observed flows."),
    }
    p.push("</section>");
}

fn compliance_section(p: &mut Page, c: Option<&Value>) {
    p.section_start("compliance", "Compliance");
    let Some(c) = c else {
        p.not_available("Not available: give the hosts' configuration with --config (registry exports, security templates, Registry.pol, hives, auditpol CSV).");
        p.push("</section>");
        return;
    };
    let hosts: Vec<&Value> = match c {
        Value::Array(a) => a.iter().collect(),
        other => get(Some(other), &["hosts"])
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
    };
    if hosts.is_empty() {
        p.not_available("No host configuration could be evaluated.");
    }
    let mut rows = Vec::new();
    let mut total = 0;
    p.push("<div class=\"figures\">");
    for h in &hosts {
        let h = Some(*h);
        let host = get(h, &["host"]).map(text).unwrap_or_default();
        let rs = get(h, &["rows"]).and_then(Value::as_array);
        let fails = rs
            .map(|r| {
                r.iter()
                    .filter(|x| {
                        matches!(get_str(Some(x), &["status"]), Some("fail" | "default-fail"))
                    })
                    .count()
            })
            .unwrap_or(0);
        let trusted = match get(h, &["coverage", "trusted"]).and_then(Value::as_bool) {
            Some(true) => "audit coverage complete",
            Some(false) => "audit coverage incomplete: silence in the logs proves nothing",
            None => "audit coverage unknown",
        };
        let _ = write!(
            p.out,
            "<div class=\"figure {}\"><div class=\"v\">{}</div><div class=\"l\"><b>{}</b> ({} / {}) failing settings; {}</div></div>",
            if fails > 0 { "bad" } else { "good" },
            fails,
            esc(&host),
            esc(&get(h, &["role"]).map(text).unwrap_or_default()),
            esc(&get(h, &["baseline"]).map(text).unwrap_or_default()),
            esc(trusted)
        );
        for r in rs.into_iter().flatten() {
            total += 1;
            if rows.len() >= MAX_ROWS {
                continue;
            }
            let r = Some(r);
            let st = get_str(r, &["status"]).unwrap_or("unknown");
            let rank = match st {
                "fail" => 0.0,
                "default-fail" => 1.0,
                "unknown" => 2.0,
                "default-pass" => 3.0,
                "pass" => 4.0,
                _ => 5.0,
            };
            let cell = |k: &str| {
                (
                    esc(&get(r, &[k]).map(text).unwrap_or_default()).into_owned(),
                    None,
                )
            };
            rows.push(vec![
                (esc(&host).into_owned(), None),
                (
                    format!("<span class=\"st {}\">{}</span>", class_of(st), esc(st)),
                    Some(rank),
                ),
                (
                    format!(
                        "{}<br><code>{}</code>",
                        esc(get_str(r, &["display"]).unwrap_or("")),
                        esc(get_str(r, &["setting"]).unwrap_or(""))
                    ),
                    None,
                ),
                cell("group"),
                cell("expected"),
                cell("actual"),
                cell("source"),
                cell("why"),
            ]);
        }
    }
    p.push("</div>");
    // Failures first (the status cell carries its rank), then by host and setting.
    rows.sort_by(|a, b| {
        a[1].1
            .partial_cmp(&b[1].1)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if !rows.is_empty() {
        p.table(
            "compliance-table",
            &[
                "host",
                "status",
                "setting",
                "group",
                "expected",
                "actual",
                "source",
                "why it matters",
            ],
            &rows,
            total,
        );
    }
    if let Some(errs) = get(Some(c), &["errors"])
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    {
        p.push("<h3>Configuration inputs that could not be read</h3><ul class=\"errors\">");
        for e in errs {
            let _ = write!(
                p.out,
                "<li>{}</li>",
                esc(&get(Some(e), &["message"])
                    .map(text)
                    .unwrap_or_else(|| text(e)))
            );
        }
        p.push("</ul>");
    }
    p.push("</section>");
}

fn simulation_section(p: &mut Page, input: &ReportInput, plan: Option<&Value>) {
    p.section_start("simulation", "Simulation and staged fix plan");
    p.push("<h3>What each hardening change would break</h3>");
    match input.simulation {
        Some(_) => p.push("<p class=\"note\">Each change is checked against the traffic the hosts logged: <span class=\"vk safe-now\">safe now</span> nothing it would refuse was seen, and the auditing that would show it is on; <span class=\"vk breaks\">breaks</span> the flows listed would be refused (fix them first: the plan below says how); <span class=\"vk cannot-tell\">cannot tell</span> the auditing that would show the traffic is off, or nullsight has no model of the setting; <span class=\"vk already-in-effect\">already in effect</span> the hosts run with that value (or a stricter one) already: the traffic was logged under it.</p><div id=\"simulation-view\"><noscript>The simulation is drawn by the page's script: open the report with JavaScript on, or run nullsight simulate for the same in a terminal.</noscript></div>"),
        None => p.not_available(input.simulation_unavailable.unwrap_or(
            "Not available: the simulation is computed from the hosts' logs and configuration (nullsight report --logs … --config …); --simulation FILE shows a saved `nullsight simulate --json`.",
        )),
    }
    p.push("<h3>Staged fix plan</h3>");
    match plan {
        Some(_) => p.push("<div id=\"plan-view\"><noscript>The plan is drawn by the page's script.</noscript></div>"),
        None => p.not_available("Not available: the staged fix plan comes with the simulation (--plan FILE takes its JSON)."),
    }
    p.push("</section>");
}

fn counts_section(p: &mut Page, s: Option<&Value>) {
    p.section_start("counts", "Events by family and id");
    p.push("<div class=\"two\">");
    for (key, id, head) in [
        ("by_family", "by-family", "family"),
        ("by_event_id", "by-event-id", "event id"),
    ] {
        p.push("<div>");
        match get(s, &["counts", key]).and_then(Value::as_object) {
            Some(m) if !m.is_empty() => {
                let rows: Vec<_> = m
                    .iter()
                    .map(|(k, v)| {
                        let n = v.as_u64().unwrap_or(0);
                        vec![
                            (esc(k).into_owned(), k.parse::<f64>().ok()),
                            (num(n), Some(n as f64)),
                        ]
                    })
                    .collect();
                let total = rows.len();
                p.table(id, &[head, "events"], &rows, total);
            }
            _ => p.not_available("No events of interest."),
        }
        p.push("</div>");
    }
    p.push("</div></section>");
}

fn inputs_section(p: &mut Page, s: Option<&Value>) {
    p.section_start("inputs", "Inputs");
    let Some(inputs) = get(s, &["inputs"]).and_then(Value::as_array) else {
        p.not_available("No inputs listed.");
        p.push("</section>");
        return;
    };
    // Files with errors first, then warnings, then skipped, then the clean ones.
    let rank = |i: &Value| {
        let has = |k: &str| {
            get(Some(i), &[k])
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        };
        if has("errors") {
            0
        } else if has("warnings") {
            1
        } else if get(Some(i), &["skipped"]).is_some() {
            2
        } else {
            3
        }
    };
    let mut sorted: Vec<&Value> = inputs.iter().collect();
    sorted.sort_by_key(|i| rank(i));
    let count = |r: usize| sorted.iter().filter(|i| rank(i) == r).count();
    let _ = write!(
        p.out,
        "<p>{} files: <b>{}</b> with read errors, {} with warnings (damage that cost no record), {} skipped (not evidence), {} read cleanly.</p>",
        num(inputs.len() as u64),
        num(count(0) as u64),
        num(count(1) as u64),
        num(count(2) as u64),
        num(count(3) as u64)
    );
    let rows: Vec<_> = sorted
        .into_iter()
        .take(MAX_ROWS)
        .map(|i| {
            let i = Some(i);
            let n = |k: &str| {
                let v = get_u64(i, &[k]).unwrap_or(0);
                (num(v), Some(v as f64))
            };
            let list = |k: &str| -> (String, Option<f64>) {
                let items = get(i, &[k]).and_then(Value::as_array);
                let len = items.map_or(0, Vec::len);
                let html = items
                    .map(|a| {
                        a.iter()
                            .take(20)
                            .map(|e| {
                                format!(
                                    "<div>{}: {}</div>",
                                    esc(&get(Some(e), &["place"])
                                        .map(place_text)
                                        .unwrap_or_default()),
                                    esc(&get(Some(e), &["reason"])
                                        .map(text)
                                        .unwrap_or_else(|| text(e)))
                                )
                            })
                            .collect::<String>()
                            + &if len > 20 {
                                format!("<div>… {} more</div>", len - 20)
                            } else {
                                String::new()
                            }
                    })
                    .unwrap_or_default();
                (html, Some(len as f64))
            };
            let skipped = get(i, &["skipped"]).map(text);
            let (status, rank) = if skipped.is_some() {
                ("<span class=\"st unknown\">skipped</span>".to_string(), 2.0)
            } else if get(i, &["errors"])
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
            {
                ("<span class=\"st fail\">errors</span>".to_string(), 0.0)
            } else if get(i, &["warnings"])
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
            {
                (
                    "<span class=\"st default-fail\">warnings</span>".to_string(),
                    1.0,
                )
            } else {
                ("<span class=\"st pass\">read</span>".to_string(), 3.0)
            };
            let mut errors = list("errors");
            let warnings = list("warnings");
            if let Some(sk) = skipped {
                errors
                    .0
                    .push_str(&format!("<div>skipped: {}</div>", esc(&sk)));
            }
            vec![
                (
                    format!("<code>{}</code>", esc(get_str(i, &["file"]).unwrap_or("?"))),
                    None,
                ),
                (
                    esc(&get(i, &["kind"]).map(text).unwrap_or_default()).into_owned(),
                    None,
                ),
                (status, Some(rank)),
                n("bytes"),
                n("records"),
                n("events"),
                errors,
                warnings,
            ]
        })
        .collect();
    p.table(
        "inputs-table",
        &[
            "file", "kind", "status", "bytes", "records", "events", "errors", "warnings",
        ],
        &rows,
        inputs.len(),
    );
    p.push("</section>");
}
