//! `--json FILE`: the scan summary (inputs with every error, counts, findings, inventories).

use super::fast_json::push_str;
use crate::analyze::anonymous::Group;
use crate::analyze::hosts::ConfiguredHost;
use crate::analyze::Outcome;
use crate::policy::ConfigError;
use crate::scan::InputReport;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

#[derive(Debug, Serialize)]
pub struct Totals {
    pub files: usize,
    pub files_with_errors: usize,
    pub bytes: u64,
    pub records: u64,
    pub events: u64,
    pub errors: usize,
}

#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    pub tool: &'static str,
    pub version: &'static str,
    pub totals: Totals,
    pub inputs: &'a [InputReport],
    /// `scan --config`: the configuration the analysis used, and what could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigSummary<'a>>,
    #[serde(flatten)]
    pub outcome: &'a Outcome,
}

impl<'a> Summary<'a> {
    pub fn new(inputs: &'a [InputReport], outcome: &'a Outcome) -> Self {
        Summary {
            tool: "nullsight",
            version: env!("CARGO_PKG_VERSION"),
            totals: Totals {
                files: inputs.len(),
                files_with_errors: inputs.iter().filter(|i| !i.errors.is_empty()).count(),
                bytes: inputs.iter().map(|i| i.bytes).sum(),
                records: inputs.iter().map(|i| i.records).sum(),
                events: inputs.iter().map(|i| i.events).sum(),
                errors: inputs.iter().map(|i| i.errors.len()).sum(),
            },
            inputs,
            config: None,
            outcome,
        }
    }

    /// Add the configuration read with `--config`.
    pub fn with_config(mut self, config: Option<ConfigSummary<'a>>) -> Self {
        self.config = config;
        self
    }

    /// What the HTML report reads of the summary, as JSON: all of it but `anonymous_logons`
    /// and `correlations`, which the report does not show. On the 40-host lab the anonymous
    /// logons were 14 of the summary's 24 MB, and as a `serde_json::Value` most of the 115 MB
    /// the report took to make; on dc-1g's 3,000 correlations (each with up to three lists
    /// of evidence) the correlations took 36 MB as a value.
    pub fn for_report(&self) -> serde_json::Result<serde_json::Value> {
        let o = self.outcome;
        // The findings the report shows as cards, the most severe and then the largest first
        // (its order), and aside, when there are more, how many of each severity.
        let mut shown: Vec<&crate::analyze::Finding> = o.findings.iter().collect();
        let mut findings_in_full = BTreeMap::new();
        if shown.len() > super::html::MAX_FINDINGS {
            shown.sort_by_key(|f| (std::cmp::Reverse(f.severity), std::cmp::Reverse(f.count)));
            shown.truncate(super::html::MAX_FINDINGS);
            for f in &o.findings {
                *findings_in_full
                    .entry(f.severity.as_str())
                    .or_insert(0usize) += 1;
            }
        }
        serde_json::to_value(ReportView {
            tool: self.tool,
            version: self.version,
            totals: &self.totals,
            inputs: self.inputs,
            config: self.config,
            counts: &o.counts,
            analysis_config: &o.analysis_config,
            duplicate_files: &o.duplicate_files,
            scenarios: &o.scenarios,
            findings: shown,
            findings_in_full,
            inventories: ReportInventories::of(&o.inventories),
        })
    }
}

/// The key under which [`Summary::for_report`]'s inventories say how many rows each list had,
/// where it had more than the report shows.
pub const ROWS_IN_FULL: &str = "rows_in_full";
/// The key under which [`Summary::for_report`] says how many findings of each severity there
/// were, when there were more than the report shows.
pub const FINDINGS_IN_FULL: &str = "findings_in_full";

/// The inventories as the HTML report shows them: the first rows of each list, as many as its
/// tables show. On a flood of 100,000 anonymous clients the lists were 117 MB of JSON, made
/// into a `serde_json::Value` of several times that to show 2,000 rows.
#[derive(Serialize)]
struct ReportInventories<'a> {
    totals: &'a crate::analyze::inventory::InventoryTotals,
    ntlm_flows: &'a [crate::analyze::inventory::NtlmFlow],
    dc_validations: &'a [crate::analyze::inventory::DcValidation],
    ntlm_audit: &'a [crate::analyze::inventory::NtlmAuditRow],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    rows_in_full: BTreeMap<&'static str, usize>,
}

impl<'a> ReportInventories<'a> {
    fn of(inv: &'a crate::analyze::inventory::Inventories) -> Self {
        let mut rows_in_full = BTreeMap::new();
        let mut first = |key: &'static str, len: usize| {
            if len > super::html::MAX_ROWS {
                rows_in_full.insert(key, len);
            }
            len.min(super::html::MAX_ROWS)
        };
        let flows = first("ntlm_flows", inv.ntlm_flows.len());
        let validations = first("dc_validations", inv.dc_validations.len());
        let audit = first("ntlm_audit", inv.ntlm_audit.len());
        ReportInventories {
            totals: &inv.totals,
            ntlm_flows: &inv.ntlm_flows[..flows],
            dc_validations: &inv.dc_validations[..validations],
            ntlm_audit: &inv.ntlm_audit[..audit],
            rows_in_full,
        }
    }
}

/// [`Summary`] without `anonymous_logons` and `correlations` ([`Summary::for_report`]); a
/// test keeps its fields those of the summary.
#[derive(Serialize)]
struct ReportView<'a> {
    tool: &'static str,
    version: &'static str,
    totals: &'a Totals,
    inputs: &'a [InputReport],
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<ConfigSummary<'a>>,
    counts: &'a crate::analyze::Counts,
    analysis_config: &'a crate::analyze::Config,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    duplicate_files: &'a [crate::analyze::DuplicateFile],
    scenarios: &'a BTreeMap<&'static str, u64>,
    findings: Vec<&'a crate::analyze::Finding>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    findings_in_full: BTreeMap<&'static str, usize>,
    inventories: ReportInventories<'a>,
}

/// `--json`: the summary as `serde_json::to_writer_pretty` writes it, byte for byte (the tests
/// compare the two), with the anonymous-logon groups written here. On a flood of anonymous
/// clients they are nearly all of the summary (anon-1g: 100,000 groups, 478 MB), and serde's
/// pretty writer, escaping a byte at a time behind `#[serde(flatten)]`'s map, took 1.5 s of a
/// 9 s scan on one core at the end. Every other value is still written by serde, through
/// [`Pretty`] at its depth.
pub fn write_pretty<W: Write + ?Sized>(w: &mut W, summary: &Summary<'_>) -> std::io::Result<()> {
    let Summary {
        tool,
        version,
        totals,
        inputs,
        config,
        outcome,
    } = summary;
    // Taken apart without `..`: a field added to the outcome does not build until it is
    // written here too.
    let Outcome {
        counts,
        analysis_config,
        duplicate_files,
        scenarios,
        findings,
        anonymous_logons,
        inventories,
        correlations,
        annotations: _,
    } = outcome;
    let mut top = TopLevel { w, first: true };
    top.entry("tool", tool)?;
    top.entry("version", version)?;
    top.entry("totals", totals)?;
    top.entry("inputs", inputs)?;
    if let Some(config) = config {
        top.entry("config", config)?;
    }
    top.entry("counts", counts)?;
    top.entry("analysis_config", analysis_config)?;
    if !duplicate_files.is_empty() {
        top.entry("duplicate_files", duplicate_files)?;
    }
    top.entry("scenarios", scenarios)?;
    top.entry("findings", findings)?;
    top.key("anonymous_logons")?;
    write_groups(top.w, anonymous_logons.each_group())?;
    top.entry("inventories", inventories)?;
    top.entry("correlations", correlations)?;
    top.w.write_all(b"\n}")
}

/// The summary's object, a key at a time.
struct TopLevel<'a, W: Write + ?Sized> {
    w: &'a mut W,
    first: bool,
}

impl<W: Write + ?Sized> TopLevel<'_, W> {
    fn key(&mut self, key: &str) -> std::io::Result<()> {
        let start: &[u8] = if self.first { b"{\n  " } else { b",\n  " };
        self.first = false;
        self.w.write_all(start)?;
        let mut k = Vec::with_capacity(key.len() + 4);
        push_str(&mut k, key);
        k.extend_from_slice(b": ");
        self.w.write_all(&k)
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> std::io::Result<()> {
        self.key(key)?;
        let mut ser = serde_json::Serializer::with_formatter(&mut *self.w, Pretty::at(1));
        value.serialize(&mut ser).map_err(std::io::Error::other)
    }
}

/// `serde_json::ser::PrettyFormatter` (two spaces an indent) starting `depth` levels in: what
/// it writes of a value at that depth of the whole summary. serde_json's cannot start
/// deeper than the top.
struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    fn at(depth: usize) -> Pretty {
        Pretty {
            depth,
            has_value: false,
        }
    }

    fn indent<W: Write + ?Sized>(&self, w: &mut W) -> std::io::Result<()> {
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn begin<W: Write + ?Sized>(&mut self, w: &mut W, open: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(open)
    }

    fn end<W: Write + ?Sized>(&mut self, w: &mut W, close: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(close)
    }

    fn item<W: Write + ?Sized>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.begin(w, b"[")
    }
    fn end_array<W: Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.end(w, b"]")
    }
    fn begin_array_value<W: Write + ?Sized>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: Write + ?Sized>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.begin(w, b"{")
    }
    fn end_object<W: Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.end(w, b"}")
    }
    fn begin_object_key<W: Write + ?Sized>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: Write + ?Sized>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// The groups' array at depth 1, its groups at depth 2: a buffer of them at a time.
fn write_groups<W: Write + ?Sized>(
    w: &mut W,
    groups: impl Iterator<Item = Group>,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 17);
    buf.push(b'[');
    let mut any = false;
    for g in groups {
        buf.extend_from_slice(if any { b",\n    " } else { b"\n    " });
        any = true;
        append_group(&mut buf, &g);
        if buf.len() >= 1 << 16 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    if any {
        buf.extend_from_slice(b"\n  ");
    }
    buf.push(b']');
    w.write_all(&buf)
}

/// `,\n` (none before the first), the indent of depth `depth`, `"key": `.
fn key(out: &mut Vec<u8>, first: &mut bool, depth: usize, key: &str) {
    if !std::mem::take(first) {
        out.push(b',');
    }
    out.push(b'\n');
    indent(out, depth);
    push_str(out, key);
    out.extend_from_slice(b": ");
}

fn indent(out: &mut Vec<u8>, depth: usize) {
    for _ in 0..depth {
        out.extend_from_slice(b"  ");
    }
}

/// A group at depth 2, as its `Serialize` derive writes it.
fn append_group(out: &mut Vec<u8>, g: &Group) {
    let Group {
        computer,
        workstation,
        ip,
        scenario,
        confidence,
        reasons,
        to_decide,
        count,
        first_seen,
        last_seen,
        evidence,
        linked,
    } = g;
    const D: usize = 3;
    let first = &mut true;
    out.push(b'{');
    key(out, first, D, "computer");
    push_str(out, computer);
    if let Some(ws) = workstation {
        key(out, first, D, "workstation");
        push_str(out, ws);
    }
    if let Some(ip) = ip {
        key(out, first, D, "ip");
        push_str(out, ip);
    }
    key(out, first, D, "scenario");
    push_str(out, scenario);
    key(out, first, D, "confidence");
    push_str(out, confidence.as_str());
    key(out, first, D, "reasons");
    list(out, D, reasons.iter(), |out, r| push_str(out, r));
    if let Some(t) = to_decide {
        key(out, first, D, "to_decide");
        push_str(out, t);
    }
    key(out, first, D, "count");
    out.extend_from_slice(itoa::Buffer::new().format(*count).as_bytes());
    for (name, t) in [("first_seen", first_seen), ("last_seen", last_seen)] {
        if t.is_some() {
            key(out, first, D, name);
            match crate::analyze::finding::rfc3339(*t) {
                Some(text) => push_str(out, &text),
                None => out.extend_from_slice(b"null"),
            }
        }
    }
    key(out, first, D, "evidence");
    list(out, D, evidence.iter(), event_ref);
    if !linked.is_empty() {
        key(out, first, D, "linked");
        list(out, D, linked.iter(), event_ref);
    }
    out.push(b'\n');
    indent(out, D - 1);
    out.push(b'}');
}

/// An array whose items are at depth `depth + 1`, each written by `item`.
fn list<T>(
    out: &mut Vec<u8>,
    depth: usize,
    items: impl ExactSizeIterator<Item = T>,
    item: impl Fn(&mut Vec<u8>, T),
) {
    if items.len() == 0 {
        out.extend_from_slice(b"[]");
        return;
    }
    out.push(b'[');
    for (i, t) in items.enumerate() {
        out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        indent(out, depth + 1);
        item(out, t);
    }
    out.push(b'\n');
    indent(out, depth);
    out.push(b']');
}

/// An evidence reference at depth 4.
fn event_ref(out: &mut Vec<u8>, r: &crate::analyze::EventRef) {
    out.extend_from_slice(b"{\n          \"file\": ");
    push_str(out, &r.file);
    out.extend_from_slice(b",\n          \"record_id\": ");
    out.extend_from_slice(itoa::Buffer::new().format(r.record_id).as_bytes());
    out.extend_from_slice(b"\n        }");
}

/// The configuration read for the analysis: each host as the analysis sees it, the files that
/// could not be read (fully or in part) and notes (files skipped in folders, dirty hives).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ConfigSummary<'a> {
    pub hosts: &'a [ConfiguredHost],
    pub errors: &'a [ConfigError],
    pub notes: &'a [String],
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The summary as `write_pretty` writes it and as serde_json's pretty writer does.
    fn both(summary: &Summary<'_>) -> (String, String) {
        let mut ours = Vec::new();
        write_pretty(&mut ours, summary).unwrap();
        let theirs = serde_json::to_vec_pretty(summary).unwrap();
        (
            String::from_utf8(ours).unwrap(),
            String::from_utf8(theirs).unwrap(),
        )
    }

    /// On a real scan, its configuration and a duplicate file included, the summary is
    /// serde_json's byte for byte.
    #[test]
    fn the_summary_is_written_as_serde_json_writes_it() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        // A copy of a sample: a duplicate file.
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join("copy.evtx");
        std::fs::copy(dir.join("security.evtx"), &copy).unwrap();
        let opts = crate::scan::ScanOptions {
            paths: vec![dir, copy],
            threads: 1,
        };
        let mut analysis = crate::analyze::Analysis::new(crate::analyze::Config::default());
        let inputs = crate::scan::scan(&opts, &crate::scan::NoProgress, |e| analysis.observe(&e));
        let outcome = analysis.finish();
        assert!(!outcome.anonymous_logons.is_empty());
        assert!(!outcome.duplicate_files.is_empty());
        let notes = vec!["a note".to_string()];
        let config = ConfigSummary {
            hosts: &[],
            errors: &[],
            notes: &notes,
        };
        for config in [None, Some(config)] {
            let (ours, theirs) = both(&Summary::new(&inputs, &outcome).with_config(config));
            assert_eq!(ours, theirs);
        }
        // Nothing read at all: empty lists and maps.
        let empty = Outcome::default();
        let (ours, theirs) = both(&Summary::new(&[], &empty));
        assert_eq!(ours, theirs);
    }

    fn text() -> impl proptest::strategy::Strategy<Value = String> {
        // Quotes, backslashes, controls, non-ASCII: what a log's strings may hold.
        proptest::string::string_regex("[a-z\"\\\\\u{0}-\u{1f}\u{7f}é\u{2028}\u{1F600} ]{0,12}")
            .unwrap()
    }

    proptest::proptest! {
        /// Groups with every optional field set or not, hostile strings and times out of
        /// range, written as serde_json writes them at their depth in the summary.
        #[test]
        fn groups_are_written_as_serde_json_writes_them(
            groups in proptest::collection::vec(
                (
                    (text(), proptest::option::of(text()), proptest::option::of(text())),
                    (0usize..3, 0usize..3, proptest::collection::vec(text(), 0..3)),
                    (proptest::option::of(text()), proptest::num::u64::ANY),
                    (
                        proptest::option::of(proptest::num::i64::ANY),
                        proptest::option::of(-10_000_000_000i64..10_000_000_000),
                    ),
                    proptest::collection::vec((text(), proptest::num::u64::ANY), 0..3),
                    proptest::collection::vec((text(), 0u64..9), 0..2),
                ),
                0..4,
            ),
        ) {
            use crate::analyze::{finding::Confidence, EventRef};
            let refs = |v: &[(String, u64)]| -> Vec<EventRef> {
                v.iter()
                    .map(|(f, r)| EventRef { file: f.as_str().into(), record_id: *r })
                    .collect()
            };
            let groups: Vec<Group> = groups
                .iter()
                .map(|((computer, ws, ip), (s, c, reasons), (to_decide, count), (first, last), ev, linked)| {
                    let mut r = crate::analyze::anonymous::Reasons::default();
                    r.extend(reasons.iter().map(String::as_str));
                    Group {
                        computer: computer.as_str().into(),
                        workstation: ws.as_deref().map(Into::into),
                        ip: ip.as_deref().map(Into::into),
                        scenario: ["unknown", "explicit_null_session", "a \"b\""][*s],
                        confidence: [Confidence::Low, Confidence::Medium, Confidence::High][*c],
                        reasons: r,
                        to_decide: to_decide.as_deref().map(Into::into),
                        count: *count,
                        first_seen: *first,
                        last_seen: *last,
                        evidence: refs(ev),
                        linked: refs(linked),
                    }
                })
                .collect();
            let mut ours = b"{\n  \"anonymous_logons\": ".to_vec();
            write_groups(&mut ours, groups.iter().cloned()).unwrap();
            ours.extend_from_slice(b"\n}");
            let theirs = serde_json::to_vec_pretty(&serde_json::json!({ "anonymous_logons": groups }))
                .unwrap();
            proptest::prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
        }
    }

    /// The report's view is the summary without `anonymous_logons`, key for key and value for
    /// value, on a scan of a real log (the analysis fills every part).
    #[test]
    fn the_report_view_is_the_summary_without_the_anonymous_logons_and_correlations() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let opts = crate::scan::ScanOptions {
            paths: vec![dir],
            threads: 1,
        };
        let mut analysis = crate::analyze::Analysis::new(crate::analyze::Config::default());
        let inputs = crate::scan::scan(&opts, &crate::scan::NoProgress, |e| analysis.observe(&e));
        let outcome = analysis.finish();
        assert!(
            !outcome.anonymous_logons.is_empty(),
            "the samples hold anonymous logons"
        );
        let notes = vec!["a note".to_string()];
        let config = ConfigSummary {
            hosts: &[],
            errors: &[],
            notes: &notes,
        };
        for config in [None, Some(config)] {
            let summary = Summary::new(&inputs, &outcome).with_config(config);
            let mut whole = serde_json::to_value(&summary).unwrap();
            for shown_elsewhere in ["anonymous_logons", "correlations"] {
                let removed = whole.as_object_mut().unwrap().remove(shown_elsewhere);
                assert!(removed.is_some(), "{shown_elsewhere}");
            }
            assert_eq!(summary.for_report().unwrap(), whole);
        }
    }

    /// A list longer than the report's tables is cut to what they show, and the report says
    /// how many rows there were (not the count as an entry of its own).
    #[test]
    fn the_report_view_holds_the_rows_shown_and_how_many_there_were() {
        use crate::analyze::inventory::DcValidation;
        use crate::report::html::{render, ReportInput, MAX_ROWS};
        let mut outcome = Outcome::default();
        let n = MAX_ROWS + 500;
        outcome.inventories.dc_validations = (0..n)
            .map(|i| DcValidation {
                host: "DC01".into(),
                workstation: format!("WS{i}"),
                account: "bob".into(),
                status: "0x0".into(),
                status_name: None,
                count: 1,
                first_seen: None,
                last_seen: None,
                evidence: Default::default(),
            })
            .collect();
        let v = Summary::new(&[], &outcome).for_report().unwrap();
        let inv = &v["inventories"];
        assert_eq!(inv["dc_validations"].as_array().unwrap().len(), MAX_ROWS);
        assert_eq!(inv["dc_validations"][MAX_ROWS - 1]["workstation"], "WS1999");
        assert_eq!(
            inv[ROWS_IN_FULL],
            serde_json::json!({ "dc_validations": n })
        );
        let html = render(&ReportInput {
            summary: Some(&v),
            ..Default::default()
        });
        assert!(
            html.contains("Showing the first 2\u{202F}000 of 2\u{202F}500 rows."),
            "{html}"
        );
        assert!(!html.contains(ROWS_IN_FULL));
        // Within the cap, no count aside: the view is the summary's.
        outcome.inventories.dc_validations.truncate(MAX_ROWS);
        let v = Summary::new(&[], &outcome).for_report().unwrap();
        assert!(v["inventories"].get(ROWS_IN_FULL).is_none());
    }

    /// More findings than the report shows as cards: the most severe, then the largest, are
    /// kept; the verdict still counts every one, and the page says how many there were.
    #[test]
    fn the_report_view_holds_the_most_severe_findings_and_counts_them_all() {
        use crate::analyze::{Finding, Severity};
        use crate::report::html::{render, ReportInput, MAX_FINDINGS};
        let mut outcome = Outcome::default();
        let n = MAX_FINDINGS + 100;
        outcome.findings = (0..n)
            .map(|i| {
                // A few high ones at the end, the rest medium and low, counts rising.
                let severity = match i {
                    i if i >= n - 3 => Severity::High,
                    i if i % 2 == 0 => Severity::Medium,
                    _ => Severity::Low,
                };
                let mut f = Finding::new("anonymous-logon", severity, format!("finding {i}"));
                f.count = i as u64;
                f
            })
            .collect();
        let v = Summary::new(&[], &outcome).for_report().unwrap();
        let shown = v["findings"].as_array().unwrap();
        assert_eq!(shown.len(), MAX_FINDINGS);
        let titles: Vec<&str> = shown[..4]
            .iter()
            .map(|f| f["title"].as_str().unwrap())
            .collect();
        let last = |k: usize| format!("finding {}", n - 1 - k);
        assert_eq!(titles[..3], [last(0), last(1), last(2)]);
        // Then the largest medium one.
        assert_eq!(titles[3], format!("finding {}", (n - 4) / 2 * 2));
        let mediums = (0..n - 3).filter(|i| i % 2 == 0).count();
        assert_eq!(
            v[FINDINGS_IN_FULL],
            serde_json::json!({"high": 3, "medium": mediums, "low": n - 3 - mediums})
        );
        let html = render(&ReportInput {
            summary: Some(&v),
            ..Default::default()
        });
        assert!(html.contains(&format!("data-severity=\"medium\"><b>{mediums}</b>")));
        assert!(
            html.contains("Showing the 500 most severe of 600 findings"),
            "{html}"
        );
        assert_eq!(html.matches("<article class=\"card").count(), MAX_FINDINGS);
    }
}
