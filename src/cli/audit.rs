//! `nullsight audit`: read configuration files, resolve each host's settings, check them against
//! a baseline and print a compliance table (or JSON / CSV).
use crate::baseline::{self, Baseline, Compliance, Row, Status};
use crate::policy::host::HostOptions;
use crate::policy::settings::Role;
use crate::policy::{self, sanitize};
use clap::Args;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const LONG_ABOUT: &str = "\
Check how Windows hosts are configured against anonymous (null-session) access and legacy NTLM.

INPUTS (files or folders, read recursively; the format is recognised by content, not by name):
  .reg exports        regedit / reg export, \"Windows Registry Editor Version 5.00\" (UTF-16LE)
                      or REGEDIT4
  security templates  secedit /export /cfg x.inf, or a GPO's GptTmpl.inf: [System Access]
                      (LSAAnonymousNameLookup, EnableGuestAccount), [Registry Values],
                      [Privilege Rights]
  Registry.pol        a GPO's Machine\\Registry.pol, with its **del. / **delvals. deletions
  offline hives       SYSTEM (CurrentControlSet is resolved through Select\\Current), SOFTWARE,
                      and SECURITY: its audit policy (Policy\\PolAdtEv, Vista to Windows 11
                      layouts) and anonymous SID/name translation (Policy\\SecDesc); a layout
                      no public source describes is named in a note, never guessed; user
                      rights (Policy\\Accounts) are not decoded
  auditpol CSV        auditpol /backup /file:x.csv, or a GPO's audit.csv

  A GptTmpl.inf, a Registry.pol, and any file inside a folder named Machine (the layout of a GPO
  backup or of SYSTEM\\...\\Policies\\{GUID}) is Group Policy: its values win over the local ones,
  and every disagreement is reported as a conflict.

HOSTS:
  Files are grouped by host: --host NAME puts everything in one host; otherwise the computer name
  found inside a file (SYSTEM hive or .reg ComputerName, auditpol Machine Name) is used, and files
  without one join the single computer named in the same folder argument, or are named after that
  folder.

ROLES:
  dc, member, workstation. Taken from --role, else from ProductType (LanmanNT, ServerNT, WinNT)
  in a SYSTEM hive or .reg export, else member is assumed (and said). Windows defaults, applicable
  settings and the default baseline depend on the role.

BASELINES:
  cis-dc, cis-member, cis-workstation are built in (CIS-derived; ids stored per benchmark
  version). --baseline FILE reads your own TOML with the same shape (name, title, role,
  [[rule]] setting/op/value/group/rationale/events/cis). Rules in the group \"audit-coverage\"
  say whether \"nothing seen in the logs\" can be trusted (Logon, Credential Validation, File
  Share, Detailed File Share, Computer Account Management and NTLM auditing).

STATUS:
  pass / fail           the value is set and matches / does not match
  default-pass / -fail  not set: the Windows default for the role matches / does not match.
                        UseMachineId and allownullsessionfallback default by Windows version
                        (ProductName/CurrentVersion in the inputs): Vista / 2008 and older 0 and
                        1 (LocalSystem anonymous, fallback allowed), 7 / 2008 R2 and later 1 and
                        0; version unknown: the 7+ default, and the note says so
  unknown               no input shows the setting, or its default is not known
  info                  found in the inputs but not checked by the baseline

EXIT STATUS:
  0  every input was read (whatever the compliance)
  1  nothing could run: no readable input, a bad baseline, bad arguments
  3  results were written, but some input could not be read (fully or in part); stderr names
     each file, place and reason";

#[derive(Debug, Args)]
#[command(about = "Audit configuration files (.reg, secedit/GptTmpl INF, Registry.pol, hives, auditpol CSV) against a baseline", long_about = LONG_ABOUT)]
pub struct AuditArgs {
    /// Configuration files or folders (read recursively).
    #[arg(required = true, value_name = "CONFIG")]
    pub paths: Vec<PathBuf>,
    /// Role of the host(s): decides Windows defaults and the default baseline.
    #[arg(long, value_enum)]
    pub role: Option<Role>,
    /// Baseline: cis-dc, cis-member, cis-workstation, or a path to a TOML file.
    /// Default: the built-in one for each host's role.
    #[arg(long, value_name = "NAME|FILE")]
    pub baseline: Option<String>,
    /// Treat every input as one host with this name.
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// Write JSON to FILE (`-` or no value: standard output, instead of the table).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    pub json: Option<PathBuf>,
    /// Write CSV to FILE (`-` or no value: standard output, instead of the table).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    pub csv: Option<PathBuf>,
}

/// An input that could not be read, for the report.
pub use crate::policy::ConfigError as InputError;

#[derive(Debug, Serialize)]
struct Report<'a> {
    hosts: &'a [Compliance],
    errors: &'a [InputError],
    notes: &'a [String],
}

pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let fixed_baseline = match &args.baseline {
        Some(b) => Some(Baseline::load(b)?),
        None => None,
    };
    let opts = HostOptions {
        host: args.host.clone(),
        role: args.role,
        default_role: None,
    };
    let read = policy::read_hosts(&args.paths, &opts);
    let (hosts, all_errors, notes) = (read.hosts, read.errors, read.notes);
    for e in &all_errors {
        to_stderr!("nullsight: {}", e.message);
    }
    for n in &notes {
        to_stderr!("nullsight: note: {}", sanitize(n));
    }
    if hosts.is_empty() {
        anyhow::bail!("no configuration could be read from the inputs");
    }
    let mut results = Vec::new();
    for h in &hosts {
        let b = match &fixed_baseline {
            Some(b) => b.clone(),
            None => Baseline::embedded(baseline::default_for(h.role))?,
        };
        results.push(baseline::evaluate(h, &b));
    }
    let mut table_to_stdout = true;
    if let Some(path) = &args.json {
        let report = Report {
            hosts: &results,
            errors: &all_errors,
            notes: &notes,
        };
        let text = serde_json::to_string_pretty(&report)? + "\n";
        table_to_stdout &= super::write_out(path, text.as_bytes())?;
    }
    if let Some(path) = &args.csv {
        let text = to_csv(&results)?;
        table_to_stdout &= super::write_out(path, &text)?;
    }
    if table_to_stdout {
        let mut out = std::io::stdout().lock();
        out.write_all(render_table(&results, &all_errors).as_bytes())?;
    }
    Ok(ExitCode::from(if all_errors.is_empty() {
        super::EXIT_OK
    } else {
        super::EXIT_INPUT_ERRORS
    }))
}

/// A CSV cell that a spreadsheet will not run as a formula.
pub fn csv_cell(s: &str) -> String {
    let s = sanitize(s);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

fn to_csv(results: &[Compliance]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "host",
        "role",
        "baseline",
        "setting",
        "group",
        "expected",
        "actual",
        "source",
        "status",
        "why",
        "events",
        "cis",
        "conflicts",
        "notes",
    ])?;
    for c in results {
        for r in c.rows.iter().chain(&c.other) {
            let cis: Vec<String> = r.cis.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let cells = [
                c.host.clone(),
                c.role.to_string(),
                c.baseline.clone(),
                r.setting.clone(),
                r.group.clone(),
                r.expected.clone(),
                r.actual.clone(),
                r.source.clone(),
                r.status.as_str().to_string(),
                r.why.clone(),
                r.events.join("; "),
                cis.join("; "),
                r.conflicts.join("; "),
                r.notes.join("; "),
            ];
            w.write_record(cells.iter().map(|c| csv_cell(c)))?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn clip(s: &str, n: usize) -> String {
    let s = sanitize(s);
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    } else {
        s
    }
}

/// Keep the end of a long source (the file name and place matter more than the folders).
fn clip_left(s: &str, n: usize) -> String {
    let s = sanitize(s);
    let count = s.chars().count();
    if count > n {
        format!("…{}", s.chars().skip(count - (n - 1)).collect::<String>())
    } else {
        s
    }
}

fn table(rows: &[&Row], out: &mut String) {
    let headers = [
        "STATUS",
        "SETTING",
        "EXPECTED",
        "ACTUAL",
        "SOURCE",
        "WHY IT MATTERS",
    ];
    let limits = [12, 32, 44, 100, 160];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.status.as_str().to_string(),
                clip(&r.setting, limits[1]),
                clip(&r.expected, limits[2]),
                clip(&r.actual, limits[3]),
                clip_left(&r.source, limits[4]),
                sanitize(&r.why),
            ]
        })
        .collect();
    let mut widths = [0usize; 5];
    for (i, w) in widths.iter_mut().enumerate() {
        *w = cells
            .iter()
            .map(|c| c[i].chars().count())
            .chain([headers[i].len()])
            .max()
            .unwrap_or(0);
    }
    let mut line = |c: &[String]| {
        let mut l = String::new();
        for i in 0..5 {
            l.push_str(&c[i]);
            l.push_str(&" ".repeat(widths[i] - c[i].chars().count() + 2));
        }
        l.push_str(&c[5]);
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&headers.map(String::from));
    for c in &cells {
        line(c);
    }
}

/// The terminal report.
pub fn render_table(results: &[Compliance], errors: &[InputError]) -> String {
    let mut out = String::new();
    for c in results {
        out.push_str(&format!(
            "== Host {}: role {} ({}), baseline {} ({})\n",
            sanitize(&c.host),
            c.role,
            sanitize(&c.role_origin),
            sanitize(&c.baseline),
            sanitize(&c.baseline_origin)
        ));
        out.push_str("Inputs:\n");
        for s in &c.sources {
            out.push_str(&format!("  {}\n", sanitize(s)));
        }
        out.push('\n');
        let main: Vec<&Row> = c
            .rows
            .iter()
            .filter(|r| r.group != baseline::AUDIT_COVERAGE)
            .collect();
        table(&main, &mut out);
        let cov: Vec<&Row> = c
            .rows
            .iter()
            .filter(|r| r.group == baseline::AUDIT_COVERAGE)
            .collect();
        if !cov.is_empty() {
            out.push_str("\nAudit coverage:\n");
            table(&cov, &mut out);
            let verdict = match c.coverage.trusted {
                Some(true) => "yes".to_string(),
                Some(false) => format!("NO, not audited: {}", c.coverage.missing.join(", ")),
                None => format!(
                    "unknown, not shown by the inputs: {}",
                    c.coverage.unknown.join(", ")
                ),
            };
            out.push_str(&format!(
                "\"Nothing seen in the logs\" can be trusted: {verdict}\n"
            ));
        }
        if !c.other.is_empty() {
            out.push_str("\nOther settings found (not in the baseline):\n");
            let other: Vec<&Row> = c.other.iter().collect();
            table(&other, &mut out);
        }
        let conflicts: Vec<(&str, &String)> = c
            .rows
            .iter()
            .chain(&c.other)
            .flat_map(|r| r.conflicts.iter().map(move |x| (r.setting.as_str(), x)))
            .collect();
        if !conflicts.is_empty() {
            out.push_str("\nConflicts:\n");
            let mut seen = Vec::new();
            for (s, m) in conflicts {
                if !seen.contains(&(s, m)) {
                    out.push_str(&format!("  {s}: {}\n", sanitize(m)));
                    seen.push((s, m));
                }
            }
        }
        let notes: Vec<(&str, &String)> = c
            .rows
            .iter()
            .flat_map(|r| r.notes.iter().map(move |x| (r.setting.as_str(), x)))
            .collect();
        if !notes.is_empty() {
            out.push_str("\nNotes:\n");
            for (s, n) in notes {
                out.push_str(&format!("  {s}: {}\n", sanitize(n)));
            }
        }
        let count = |st: Status| c.rows.iter().filter(|r| r.status == st).count();
        out.push_str(&format!(
            "\nSummary: {} pass, {} fail, {} default-pass, {} default-fail, {} unknown\n\n",
            count(Status::Pass),
            count(Status::Fail),
            count(Status::DefaultPass),
            count(Status::DefaultFail),
            count(Status::Unknown)
        ));
    }
    if !errors.is_empty() {
        out.push_str("Input errors (the other inputs were audited):\n");
        for e in errors {
            out.push_str(&format!("  {}\n", e.message));
        }
    }
    out
}
