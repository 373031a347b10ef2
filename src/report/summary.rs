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
}

/// The configuration read for the analysis: each host as the analysis sees it, the files that
/// could not be read (fully or in part) and notes (files skipped in folders, dirty hives).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ConfigSummary<'a> {
    pub hosts: &'a [ConfiguredHost],
    pub errors: &'a [ConfigError],
    pub notes: &'a [String],
}
