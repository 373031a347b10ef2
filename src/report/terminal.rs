//! The terminal summary. Every string from the evidence goes through [`super::escape::terminal`].

use super::escape::terminal as esc;
use crate::analyze::Outcome;
use crate::scan::InputReport;
use std::io::Write;

pub fn render(
    out: &mut dyn Write,
    inputs: &[InputReport],
    outcome: &Outcome,
) -> std::io::Result<()> {
    let c = &outcome.counts;
    let records: u64 = inputs.iter().map(|i| i.records).sum();
    let bytes: u64 = inputs.iter().map(|i| i.bytes).sum();
    writeln!(
        out,
        "nullsight scan: {} file(s), {:.1} MB, {} records, {} events of interest",
        inputs.len(),
        bytes as f64 / 1e6,
        records,
        c.events
    )?;
    if let (Some(a), Some(b)) = (c.first_seen, c.last_seen) {
        writeln!(out, "time range: {a} .. {b}")?;
    }
    if !c.hosts.is_empty() {
        let hosts: Vec<String> = c
            .hosts
            .iter()
            .take(12)
            .map(|h| esc(h).into_owned())
            .collect();
        let more = if c.hosts.len() > 12 {
            format!(" (+{} more)", c.hosts.len() - 12)
        } else {
            String::new()
        };
        writeln!(out, "hosts ({}): {}{more}", c.hosts.len(), hosts.join(", "))?;
    }
    writeln!(out)?;
    if !c.by_family.is_empty() {
        writeln!(out, "{:<26} {:>10}", "EVENT FAMILY", "COUNT")?;
        for (fam, n) in &c.by_family {
            writeln!(out, "{:<26} {:>10}", fam.as_str(), n)?;
        }
        writeln!(out, "{:<26} {:>10}", "anonymous (S-1-5-7)", c.anonymous)?;
        writeln!(out)?;
    }
    let skipped = inputs.iter().filter(|i| i.skipped.is_some()).count();
    if skipped > 0 {
        writeln!(
            out,
            "skipped {skipped} file(s) found in folders that are not evidence (listed in --json)"
        )?;
    }
    let bad: Vec<&InputReport> = inputs.iter().filter(|i| !i.errors.is_empty()).collect();
    if !bad.is_empty() {
        writeln!(
            out,
            "INPUT PROBLEMS ({} file(s); everything readable was still used)",
            bad.len()
        )?;
        for i in bad {
            for e in i.errors.iter().take(5) {
                writeln!(out, "  {}: {}: {}", esc(&i.file), e.place, esc(&e.reason))?;
            }
            if i.errors.len() > 5 {
                writeln!(
                    out,
                    "  {}: ... and {} more (see --json)",
                    esc(&i.file),
                    i.errors.len() - 5
                )?;
            }
        }
    }
    Ok(())
}
