//! `--csv DIR`: findings, anonymous logons and inventories as CSV files. Every cell goes through
//! [`super::escape::csv_cell`] (no formula injection); quoting is the `csv` crate's.

use super::escape::csv_cell;
use crate::analyze::finding::rfc3339;
use crate::analyze::{EventRef, Outcome};
use std::path::Path;

fn refs<R: std::borrow::Borrow<EventRef>>(v: impl IntoIterator<Item = R>) -> String {
    v.into_iter()
        .map(|r| format!("{}#{}", r.borrow().file, r.borrow().record_id))
        .collect::<Vec<_>>()
        .join(" ")
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

fn write(
    dir: &Path,
    name: &str,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> anyhow::Result<()> {
    let path = dir.join(name);
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(super::OUTPUT_BUFFER)
        .from_path(&path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    w.write_record(header)?;
    for row in rows {
        w.write_record(row.iter().map(|c| csv_cell(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

/// Write every CSV file into `dir` (which must exist).
pub fn write_all(dir: &Path, o: &Outcome) -> anyhow::Result<()> {
    write(
        dir,
        "findings.csv",
        &[
            "id",
            "severity",
            "title",
            "scenario",
            "confidence",
            "hosts",
            "sources",
            "accounts",
            "count",
            "first_seen",
            "last_seen",
            "reasons",
            "evidence",
            "evidence_total",
            "remediation",
        ],
        o.findings.iter().map(|f| {
            vec![
                f.id.to_string(),
                f.severity.as_str().to_string(),
                f.title.clone(),
                opt(&f.scenario),
                f.confidence
                    .map(|c| format!("{c:?}").to_lowercase())
                    .unwrap_or_default(),
                f.hosts.join(" "),
                f.sources.join(" "),
                f.accounts.join(" "),
                f.count.to_string(),
                opt(&f.first_seen),
                opt(&f.last_seen),
                f.reasons.join(" | "),
                refs(&f.evidence),
                f.evidence_total.to_string(),
                f.remediation.to_string(),
            ]
        }),
    )?;
    write(
        dir,
        "anonymous_logons.csv",
        &[
            "file",
            "record_id",
            "computer",
            "time",
            "workstation",
            "ip",
            "scenario",
            "confidence",
            "reasons",
            "to_decide",
            "linked",
        ],
        o.anonymous_logons.iter().map(|c| {
            vec![
                c.event.file.to_string(),
                c.event.record_id.to_string(),
                c.computer.to_string(),
                crate::analyze::finding::rfc3339(c.time).unwrap_or_default(),
                opt(&c.workstation),
                opt(&c.ip),
                c.scenario.to_string(),
                format!("{:?}", c.confidence).to_lowercase(),
                c.reasons.join(" | "),
                opt(&c.to_decide),
                refs(&c.linked),
            ]
        }),
    )?;
    let inv = &o.inventories;
    write(
        dir,
        "ntlm_flows.csv",
        &[
            "target",
            "source_workstation",
            "source_ip",
            "account",
            "package",
            "class",
            "key_length",
            "count",
            "first_seen",
            "last_seen",
            "evidence",
        ],
        inv.ntlm_flows.iter().map(|f| {
            vec![
                f.target.to_string(),
                f.source_workstation.to_string(),
                f.source_ip.to_string(),
                f.account.to_string(),
                f.package.to_string(),
                f.class.to_string(),
                opt(&f.key_length),
                f.count.to_string(),
                opt(&rfc3339(f.first_seen)),
                opt(&rfc3339(f.last_seen)),
                refs(f.evidence.iter()),
            ]
        }),
    )?;
    write(
        dir,
        "dc_validations.csv",
        &[
            "host",
            "workstation",
            "account",
            "status",
            "status_name",
            "count",
            "first_seen",
            "last_seen",
            "evidence",
        ],
        inv.dc_validations.iter().map(|v| {
            vec![
                v.host.clone(),
                v.workstation.clone(),
                v.account.clone(),
                v.status.clone(),
                opt(&v.status_name),
                v.count.to_string(),
                opt(&v.first_seen),
                opt(&v.last_seen),
                refs(v.evidence.iter()),
            ]
        }),
    )?;
    write(
        dir,
        "ntlm_audit.csv",
        &[
            "event_id",
            "role",
            "blocked",
            "host",
            "server",
            "client",
            "account",
            "process",
            "identity",
            "count",
            "first_seen",
            "last_seen",
            "evidence",
        ],
        inv.ntlm_audit.iter().map(|r| {
            vec![
                r.event_id.to_string(),
                r.role.to_string(),
                r.blocked.to_string(),
                r.host.clone(),
                r.server.clone(),
                r.client.clone(),
                r.account.clone(),
                r.process.clone(),
                r.identity.clone(),
                r.count.to_string(),
                opt(&r.first_seen),
                opt(&r.last_seen),
                refs(&r.evidence),
            ]
        }),
    )?;
    write(
        dir,
        "correlations.csv",
        &[
            "client",
            "server",
            "account",
            "dcs",
            "client_events",
            "server_events",
            "dc_events",
            "first_seen",
            "last_seen",
            "client_evidence",
            "server_evidence",
            "dc_evidence",
        ],
        o.correlations.iter().map(|c| {
            vec![
                c.client.clone(),
                c.server.clone(),
                c.account.clone(),
                c.dcs.join(" "),
                c.client_events.to_string(),
                c.server_events.to_string(),
                c.dc_events.to_string(),
                opt(&c.first_seen),
                opt(&c.last_seen),
                refs(&c.client_evidence),
                refs(&c.server_evidence),
                refs(&c.dc_evidence),
            ]
        }),
    )?;
    Ok(())
}
