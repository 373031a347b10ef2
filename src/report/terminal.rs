//! The terminal summary. Every string from the evidence goes through [`super::escape::terminal`].

use super::escape::terminal as esc;
use crate::analyze::Outcome;
use crate::scan::InputReport;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// Findings listed one by one; past it, a count per detection and the most severe.
const MAX_FINDINGS_LISTED: usize = 50;

pub fn render(
    out: &mut dyn Write,
    inputs: &[InputReport],
    outcome: &Outcome,
) -> std::io::Result<()> {
    let c = &outcome.counts;
    let records: u64 = inputs.iter().map(|i| i.records).sum();
    // Files skipped as not evidence (a README in a log folder) are counted apart.
    let read: Vec<&InputReport> = inputs.iter().filter(|i| i.skipped.is_none()).collect();
    let bytes: u64 = read.iter().map(|i| i.bytes).sum();
    writeln!(
        out,
        "nullsight scan: {} file(s), {:.1} MB, {} records, {} events of interest",
        read.len(),
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
    render_analysis(out, outcome)?;
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

/// The line after a list cut at `shown` rows of `total`.
fn more(out: &mut dyn Write, total: usize, shown: usize) -> std::io::Result<()> {
    if total > shown {
        writeln!(out, "  ... {} more (see --json or --csv)", total - shown)?;
    }
    Ok(())
}

fn cut(s: &str, n: usize) -> String {
    let e = esc(s);
    if e.chars().count() <= n {
        return e.into_owned();
    }
    let mut t: String = e.chars().take(n.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// Scenarios, findings, NTLM inventory and correlations.
fn render_analysis(out: &mut dyn Write, o: &Outcome) -> std::io::Result<()> {
    if !o.scenarios.is_empty() {
        let total: u64 = o.scenarios.values().sum();
        writeln!(
            out,
            "ANONYMOUS LOGONS BY SCENARIO ({total} distinct; {} records incl. duplicate files)",
            o.anonymous_logons.len()
        )?;
        for (s, n) in &o.scenarios {
            writeln!(out, "  {:<26} {:>8}", s, n)?;
        }
        writeln!(out)?;
    }
    for d in &o.duplicate_files {
        writeln!(
            out,
            "note: {} holds the same records as {}; counted once",
            esc(&d.file),
            esc(&d.same_records_as)
        )?;
    }
    if !o.duplicate_files.is_empty() {
        writeln!(out)?;
    }
    if o.findings.is_empty() {
        writeln!(out, "FINDINGS: none")?;
    } else {
        writeln!(out, "FINDINGS ({})", o.findings.len())?;
        // Thousands of hosts give thousands of findings: past a screenful, a count per
        // detection first, then the most severe, the rest left to --json and --csv.
        if o.findings.len() > MAX_FINDINGS_LISTED {
            let mut by_id: BTreeMap<&str, (&str, u64, BTreeSet<&str>, u64)> = BTreeMap::new();
            for f in &o.findings {
                let e = by_id
                    .entry(f.id)
                    .or_insert((f.severity.as_str(), 0, BTreeSet::new(), 0));
                e.1 += 1;
                e.2.extend(f.hosts.iter().map(|h| &**h));
                e.3 += f.count;
            }
            writeln!(
                out,
                "  {:<27} {:<9} {:>8} {:>7} {:>9}",
                "BY DETECTION", "SEVERITY", "FINDINGS", "HOSTS", "EVENTS"
            )?;
            for (id, (sev, n, hosts, events)) in &by_id {
                writeln!(
                    out,
                    "  {:<27} {:<9} {:>8} {:>7} {:>9}",
                    id,
                    sev,
                    n,
                    hosts.len(),
                    events
                )?;
            }
            writeln!(out, "  the {MAX_FINDINGS_LISTED} most severe:")?;
        }
        writeln!(
            out,
            "  {:<9} {:<27} {:<24} {:>7}  HOST / TITLE",
            "SEVERITY", "ID", "SCENARIO", "COUNT"
        )?;
        for f in o.findings.iter().take(MAX_FINDINGS_LISTED) {
            writeln!(
                out,
                "  {:<9} {:<27} {:<24} {:>7}  {} : {}",
                f.severity.as_str(),
                f.id,
                f.scenario.unwrap_or("-"),
                f.count,
                cut(&f.hosts.join(","), 32),
                cut(&f.title, 70)
            )?;
            if let Some(r) = f.reasons.first() {
                writeln!(out, "  {:<9} {}", "", cut(r, 110))?;
            }
            if let Some(e) = f.evidence.first() {
                writeln!(
                    out,
                    "  {:<9} evidence: {} record {} (+{} more)",
                    "",
                    cut(&e.file, 70),
                    e.record_id,
                    f.evidence_total.saturating_sub(1)
                )?;
            }
        }
        if o.findings.len() > MAX_FINDINGS_LISTED {
            writeln!(
                out,
                "  ... {} more findings (all of them in --json, and in findings.csv with --csv)",
                o.findings.len() - MAX_FINDINGS_LISTED
            )?;
        }
    }
    writeln!(out)?;
    let inv = &o.inventories;
    if !inv.ntlm_flows.is_empty() {
        let classes: Vec<String> = inv
            .totals
            .logons_by_class
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        writeln!(
            out,
            "NTLM FLOWS ({}; logons: {}; named-account logons with KeyLength != 128: {})",
            inv.ntlm_flows.len(),
            classes.join(", "),
            inv.totals.weak_key_logons
        )?;
        writeln!(
            out,
            "  {:<22} {:<22} {:<28} {:<13} {:>4} {:>7}",
            "SOURCE", "TARGET", "ACCOUNT", "CLASS", "KEY", "COUNT"
        )?;
        let mut flows: Vec<_> = inv.ntlm_flows.iter().collect();
        flows.sort_by_key(|f| std::cmp::Reverse(f.count));
        for f in flows.iter().take(25) {
            let src = match (&*f.source_workstation, &*f.source_ip) {
                ("", "") => "-".to_string(),
                (w, "") => w.to_string(),
                ("", i) => i.to_string(),
                (w, i) => format!("{w}/{i}"),
            };
            writeln!(
                out,
                "  {:<22} {:<22} {:<28} {:<13} {:>4} {:>7}",
                cut(&src, 22),
                cut(&f.target, 22),
                cut(&f.account, 28),
                f.class,
                f.key_length.map(|k| k.to_string()).unwrap_or("-".into()),
                f.count
            )?;
        }
        more(out, flows.len(), 25)?;
        writeln!(out)?;
    }
    if !inv.ntlm_audit.is_empty() {
        writeln!(
            out,
            "NTLM AUDIT EVENTS (8001-8004, 4001-4004): {} aggregates",
            inv.ntlm_audit.len()
        )?;
        writeln!(
            out,
            "  {:<6} {:<14} {:<20} {:<20} {:<20} {:<24} {:>6}",
            "EVENT", "ROLE", "CLIENT", "SERVER", "ACCOUNT", "PROCESS / IDENTITY", "COUNT"
        )?;
        for r in inv.ntlm_audit.iter().take(25) {
            let pi = [r.process.as_str(), r.identity.as_str()]
                .iter()
                .filter(|x| !x.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            writeln!(
                out,
                "  {:<6} {:<14} {:<20} {:<20} {:<20} {:<24} {:>6}",
                r.event_id,
                r.role,
                cut(&r.client, 20),
                cut(&r.server, 20),
                cut(&r.account, 20),
                cut(&pi, 24),
                r.count
            )?;
        }
        more(out, inv.ntlm_audit.len(), 25)?;
        writeln!(out)?;
    }
    if !o.correlations.is_empty() {
        writeln!(
            out,
            "CORRELATED NTLM AUTHENTICATIONS (client 8001 <-> server 4624/8003 <-> DC 4776/8004)"
        )?;
        for c in o.correlations.iter().take(20) {
            writeln!(
                out,
                "  {} -> {} as {}: client {} / server {} / DC {} event(s){}",
                cut(&c.client, 24),
                cut(&c.server, 24),
                cut(&c.account, 24),
                c.client_events,
                c.server_events,
                c.dc_events,
                if c.dcs.is_empty() {
                    String::new()
                } else {
                    format!(" (DC {})", cut(&c.dcs.join(","), 40))
                }
            )?;
        }
        more(out, o.correlations.len(), 20)?;
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::finding::{Finding, Severity};

    fn outcome(n: usize) -> Outcome {
        let mut o = Outcome::default();
        for i in 0..n {
            let (id, sev) = if i % 3 == 0 {
                ("brute-force", Severity::High)
            } else {
                ("anonymous-logon", Severity::Medium)
            };
            let mut f = Finding::new(id, sev, format!("finding {i}"));
            f.hosts = vec![format!("HOST{}", i % 7).into()];
            f.count = 2;
            o.findings.push(f);
        }
        o
    }

    fn render_text(o: &Outcome) -> String {
        let mut out = Vec::new();
        render(&mut out, &[], o).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_screenful_of_findings_is_listed_whole() {
        let t = render_text(&outcome(MAX_FINDINGS_LISTED));
        assert!(!t.contains("BY DETECTION"), "{t}");
        assert!(!t.contains("more findings"), "{t}");
        assert_eq!(t.matches(" : finding ").count(), MAX_FINDINGS_LISTED);
    }

    #[test]
    fn past_a_screenful_findings_are_counted_per_detection() {
        let t = render_text(&outcome(120));
        assert!(t.contains("FINDINGS (120)"), "{t}");
        let row = |id: &str| {
            t.lines()
                .find(|l| l.trim_start().starts_with(id) && !l.contains(':'))
                .map(|l| l.split_whitespace().collect::<Vec<_>>())
        };
        // 40 brute-force findings (every third), 80 anonymous-logon; 7 hosts; 2 events each.
        assert_eq!(row("brute-force").unwrap()[1..], ["high", "40", "7", "80"]);
        assert_eq!(
            row("anonymous-logon").unwrap()[1..],
            ["medium", "80", "7", "160"]
        );
        assert_eq!(t.matches(" : finding ").count(), MAX_FINDINGS_LISTED);
        assert!(t.contains("... 70 more findings"), "{t}");
    }
}
