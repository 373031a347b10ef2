//! `--json FILE`: the scan summary (inputs with every error, counts, findings, inventories).

use crate::analyze::Outcome;
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
            outcome,
        }
    }
}
