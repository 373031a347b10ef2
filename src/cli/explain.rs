//! `nullsight explain`: one event, field by field — what each field means and what it says
//! here — and, for an anonymous logon, the scenario verdict with its reasons.

use crate::analyze::{Analysis, EventRef};
use crate::knowledge::{
    events, insertion, logon_types, luids, mechanisms, ntstatus, scenarios, secure_channel, sids,
};
use crate::report::escape::terminal as esc;
use crate::source::{self, AllRecords, Item, RawRecord};
use clap::Args;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Args)]
#[command(
    about = "Explain one event field by field, and the scenario of an anonymous logon",
    long_about = "Explain one event field by field: each field's name, value, decoded meaning (logon type,
NTSTATUS, %% codes, LUIDs, SIDs, secure-channel types, mechanism OIDs) and what the field says;
then, for an anonymous logon, its scenario with the reasons and the confidence.

FILE is an EVTX, XML or JSON Lines file (the whole file is analysed, so that the verdict sees
the events around the record), or - to read one event from standard input (XML, or an
evtx_dump / Winlogbeat JSON object).

Examples:
  nullsight explain Security.evtx --record 78
  wevtutil qe Security /q:\"*[System[EventRecordID=78]]\" /f:xml | nullsight explain -"
)]
pub struct ExplainArgs {
    /// The file holding the event, or - for standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The EventRecordID to explain (default: the first event of the input).
    #[arg(long, short, value_name = "N")]
    pub record: Option<u64>,
}

static ALL: AllRecords = AllRecords;

/// What a value means, from the knowledge tables.
pub fn decode(event_id: u32, name: &str, value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() || v == "-" {
        return Some("(empty)".into());
    }
    let lname = name.to_ascii_lowercase();
    if v.contains("%%") {
        let d = insertion::decode(v);
        if d != v {
            return Some(d.into_owned());
        }
    }
    if lname.ends_with("sid") {
        let s = crate::event::fields::sid(Some(v))?;
        return sids::lookup(&s).map(|i| format!("{} — {}", i.name, i.meaning));
    }
    if lname.ends_with("logonid") || lname == "clientluid" {
        let l = luids::parse(v)?;
        return Some(match luids::lookup(l) {
            Some(c) => format!("{} — {}", c.name, c.meaning),
            None if l == 0 => "0x0: no session".into(),
            None => format!("logon session {l:#x} (decimal {l})"),
        });
    }
    if lname == "logontype" {
        let t: u32 = v.parse().ok()?;
        return logon_types::lookup(t).map(|c| format!("{} — {}", c.name, c.meaning));
    }
    if lname == "status" || lname == "substatus" {
        let c = ntstatus::parse(v)?;
        return ntstatus::lookup(c).map(|c| format!("{} — {}", c.name, c.meaning));
    }
    if lname == "schanneltype" {
        let t: u32 = v.parse().ok()?;
        return secure_channel::lookup(t).map(|c| format!("{} — {}", c.name, c.meaning));
    }
    if lname == "mechanismoid" {
        return mechanisms::lookup(v).map(|o| format!("{} — {}", o.name, o.meaning));
    }
    if lname == "lmpackagename" {
        return mechanisms::lm_package(v).map(|p| p.meaning.to_string());
    }
    if lname == "keylength" {
        return Some(match v {
            "128" => "128 bits: the expected NTLM session key".into(),
            "0" => "no session key (Kerberos, or no NTLM session security)".into(),
            other => format!("{other} bits: weak NTLM session security"),
        });
    }
    if lname == "ipaddress" {
        if let Ok(a) = v.parse::<std::net::IpAddr>() {
            if a.is_loopback() {
                return Some("loopback: the host itself".into());
            }
        }
    }
    let _ = event_id;
    None
}

fn read_stdin() -> anyhow::Result<Vec<RawRecord>> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let t = text.trim_start_matches('\u{feff}').trim();
    let mut out = vec![];
    if t.starts_with('<') {
        let mut err = None;
        source::xml::parse_events(t.as_bytes(), &mut |r| match r {
            Ok(r) => out.push(r),
            Err(e) => err = Some(e),
        });
        if out.is_empty() {
            anyhow::bail!(
                "no event in the XML on standard input{}",
                err.map(|e| format!(": {e}")).unwrap_or_default()
            );
        }
    } else {
        let values: Vec<serde_json::Value> = match serde_json::from_str::<serde_json::Value>(t) {
            Ok(v) => vec![v],
            Err(_) => t
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(serde_json::from_str)
                .collect::<Result<_, _>>()?,
        };
        for v in values {
            out.push(
                source::jsonl::record_from_json(&v)
                    .map_err(|e| anyhow::anyhow!("standard input: {e}"))?,
            );
        }
    }
    Ok(out)
}

pub fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let name: Arc<str> = Arc::from(args.file.display().to_string());
    let mut analysis = Analysis::default();
    let mut chosen: Option<RawRecord> = None;
    let mut problems = vec![];
    let consider = |raw: RawRecord, analysis: &mut Analysis, chosen: &mut Option<RawRecord>| {
        if let Some(mut e) = crate::event::from_raw(raw.clone()) {
            e.file = Arc::clone(&name);
            analysis.observe(&e);
        }
        let wanted = match args.record {
            Some(n) => raw.record_id == n,
            None => chosen.is_none(),
        };
        if wanted && chosen.is_none() {
            *chosen = Some(raw);
        }
    };
    if args.file.as_os_str() == "-" {
        for raw in read_stdin()? {
            consider(raw, &mut analysis, &mut chosen);
        }
    } else {
        let kind = match source::detect(&args.file) {
            Ok(Ok(k)) => k,
            Ok(Err(why)) => anyhow::bail!("{}: not event evidence ({why:?})", args.file.display()),
            Err(e) => anyhow::bail!("cannot read {}: {e}", args.file.display()),
        };
        let mut sink = |item: Item<RawRecord>| match item {
            Item::Record(raw) => consider(raw, &mut analysis, &mut chosen),
            Item::Error(e) => problems.push(e),
            Item::Warning(_) => {}
        };
        source::read_file(&args.file, kind, &ALL, 1, |r| r.take_raw(), &mut sink)
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    }
    let Some(raw) = chosen else {
        anyhow::bail!(
            "{}: no event{} (see nullsight scan --events for the record ids)",
            args.file.display(),
            args.record
                .map(|n| format!(" with EventRecordID {n}"))
                .unwrap_or_default()
        );
    };
    let outcome = analysis.finish();
    let mut out = std::io::stdout().lock();
    let info = events::identify(
        &raw.provider,
        raw.provider_guid.as_deref(),
        &raw.channel,
        raw.event_id,
    );
    writeln!(
        out,
        "Event {}{} — {}",
        raw.event_id,
        raw.version
            .map(|v| format!(" (version {v})"))
            .unwrap_or_default(),
        info.map(|i| i.title)
            .unwrap_or("not an event nullsight analyses")
    )?;
    writeln!(out, "  file:     {}  record {}", esc(&name), raw.record_id)?;
    if let Some(t) = raw.time {
        writeln!(out, "  time:     {t}")?;
    }
    writeln!(out, "  computer: {}", esc(&raw.computer))?;
    writeln!(
        out,
        "  provider: {}   channel: {}",
        esc(&raw.provider),
        esc(&raw.channel)
    )?;
    if let Some(i) = info {
        writeln!(out, "  {}", i.explanation)?;
    }
    writeln!(out)?;
    for (n, d) in raw.data.iter().enumerate() {
        let fname = d
            .name
            .as_deref()
            .map_or_else(|| format!("%{}", n + 1), str::to_string);
        writeln!(out, "  {:<26} {}", esc(&fname), esc(d.value.trim_end()))?;
        if let Some(m) = decode(raw.event_id, &fname, &d.value) {
            writeln!(out, "  {:<26}   = {}", "", esc(&m))?;
        }
        if let Some(f) = events::field(raw.event_id, &fname) {
            writeln!(out, "  {:<26}   {}", "", f.explanation)?;
        }
    }
    writeln!(out)?;
    let key = EventRef {
        file: Arc::clone(&name),
        record_id: raw.record_id,
    };
    if let Some(c) = outcome.anonymous_logons.find(&key) {
        let title = scenarios::lookup(c.scenario)
            .map(|s| s.title)
            .unwrap_or(c.scenario);
        writeln!(
            out,
            "VERDICT: ANONYMOUS LOGON, scenario {} — {} (confidence {:?})",
            c.scenario, title, c.confidence
        )?;
        if let Some(s) = scenarios::lookup(c.scenario) {
            writeln!(out, "  {}", s.explanation)?;
        }
        writeln!(out, "  because:")?;
        for r in &c.reasons {
            writeln!(out, "    - {}", esc(r))?;
        }
        if let Some(d) = &c.to_decide {
            writeln!(out, "  what would decide it: {}", esc(d))?;
        }
        for l in &c.linked {
            writeln!(out, "  linked: {} record {}", esc(&l.file), l.record_id)?;
        }
    }
    if let Some(a) = outcome.annotation(&key) {
        if !a.findings.is_empty() {
            writeln!(
                out,
                "FINDINGS this event is evidence for: {}",
                a.findings.join(", ")
            )?;
            for f in outcome
                .findings
                .iter()
                .filter(|f| a.findings.contains(&f.id) && f.evidence.contains(&key))
            {
                writeln!(
                    out,
                    "  [{}] {} — {}",
                    f.severity.as_str(),
                    f.id,
                    esc(&f.title)
                )?;
            }
        }
    }
    for p in problems.iter().take(5) {
        to_stderr!("nullsight: {}: {}", esc(&name), esc(&p.to_string()));
    }
    Ok(ExitCode::from(super::EXIT_OK))
}
