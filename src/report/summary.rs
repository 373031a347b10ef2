//! `--json FILE`: the scan summary (inputs with every error, counts, findings, inventories).

use crate::analyze::hosts::ConfiguredHost;
use crate::analyze::Outcome;
use crate::policy::ConfigError;
use crate::scan::InputReport;
use serde::Serialize;

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
            findings: &o.findings,
            inventories: &o.inventories,
            correlations: &o.correlations,
        })
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
    scenarios: &'a std::collections::BTreeMap<&'static str, u64>,
    findings: &'a [crate::analyze::Finding],
    inventories: &'a crate::analyze::inventory::Inventories,
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
}
