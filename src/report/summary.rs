//! `--json FILE`: the scan summary (inputs with every error, counts, findings, inventories).

use crate::analyze::hosts::ConfiguredHost;
use crate::analyze::Outcome;
use crate::policy::ConfigError;
use crate::scan::InputReport;
use serde::Serialize;
use std::collections::BTreeMap;

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

    /// What the HTML report reads of the summary, as JSON: all of it but `anonymous_logons`,
    /// which the report does not show. On the 40-host lab that list was 14 of the summary's
    /// 24 MB, and as a `serde_json::Value` most of the 115 MB the report took to make.
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
            correlations: &o.correlations,
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

/// [`Summary`] without `anonymous_logons` ([`Summary::for_report`]); a test keeps its fields
/// those of the summary.
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
    correlations: &'a [crate::analyze::correlate::Correlation],
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

    /// The report's view is the summary without `anonymous_logons`, key for key and value for
    /// value, on a scan of a real log (the analysis fills every part).
    #[test]
    fn the_report_view_is_the_summary_without_the_anonymous_logons() {
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
            let removed = whole.as_object_mut().unwrap().remove("anonymous_logons");
            assert!(removed.is_some());
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
                evidence: vec![],
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
