//! `nullsight scan`: read evidence, type the events, analyse, report.

use crate::analyze::{Analysis, Config, HostView};
use crate::policy::host::HostOptions;
use crate::report::html::aggregate::Aggregator;
use crate::report::summary::{ConfigSummary, Summary};
use crate::report::{self, events::EventsWriter};
use crate::scan::{self, Progress, ScanOptions};
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    about = "Read event logs and explain every anonymous and legacy NTLM logon in them",
    long_about = concat!("Read event logs and explain every anonymous and legacy NTLM logon in them.

INPUTS are files or folders (read recursively, symbolic links to folders are read once).
The reader is chosen by content, not by name:
  * EVTX files (Security, Microsoft-Windows-NTLM/Operational, System, Application...),
    including dirty, truncated and partly corrupted ones: every readable chunk is used;
  * XML exports: one <Event>, an <Events> list, or <Event> elements one after another
    (wevtutil qe /f:xml, Get-WinEvent ... | % { $_.ToXml() }, Event Viewer \"Save as XML\");
  * JSON Lines: `evtx_dump -o jsonl` output and Winlogbeat / Elastic Common Schema documents.

Only the events nullsight understands are typed (4624 4625 4648 4672 4742 4776 5140 5145 from
Security-Auditing; NTLM/Operational 8001-8004 and 4001-4004; NETLOGON 5805 5827-5831; SQL Server
18456), selected by provider and channel as well as id: look-alikes from other providers
(EventSystem 4625, GroupPolicy 8001) are ignored.

OUTPUT: a summary on standard output (unless --quiet); --events writes one JSON object per
event of interest (keys: file, record_id, time, computer, provider, channel, event_id, family,
anonymous, the normalised fields, scenario, findings), file by file in the order of the
inputs, each file's events in the order they are stored, the same bytes from run to run;
--json writes the summary with every input and every error, the findings, inventories and
correlations, and the anonymous logons grouped by host, client and verdict (a row each with
count, first_seen, last_seen and the earliest --evidence-cap logons as evidence; one row per logon
is in --csv's anonymous_logons.csv, each logon's verdict in `nullsight explain`); --html writes
a self-contained HTML report (timeline, graph, findings).
Use - for standard output.

A file that cannot be read (or only in part) is reported with its place (chunk, byte offset,
record or line) and reason, on stderr and in the summary; the scan goes on with the rest.

ANALYSIS: every ANONYMOUS LOGON gets a scenario (default_session, explicit_null_session,
no_network_credentials, non_domain_joined, localsystem_fallback, sql_server_anonymous,
enumeration, zerologon, local_loopback, unknown) with the field values that decided and a
confidence; NTLM logons are inventoried per flow (null sessions apart from real NTLMv1);
client 8001, server 4624/8003 and DC 4776/8004 are correlated when scanned together. The
detections, their triggers and default thresholds are listed below (also: nullsight
detections). Thresholds and windows: the options below, or --analysis-config FILE.toml with
the same names in snake_case (brute_force_threshold = 50, ...; also evidence_cap, recon_pipes).

CONFIGURATION: --config PATH (repeatable; files or folders, read as by `nullsight audit`:
.reg exports, secedit/GptTmpl INF, Registry.pol, SYSTEM and SOFTWARE hives, auditpol CSV)
gives the analysis each host's OS version (HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion:
CurrentVersion, CurrentMajorVersionNumber, CurrentBuild, ProductName), Lsa\\UseMachineId,
MSV1_0\\allownullsessionfallback and domain membership (ProductType, Tcpip\\Parameters Domain).
It is used where the events leave the cause open: an anonymous logon from a client that logged
no 8001 (Windows Vista / Server 2008 and older have no NTLM/Operational log) is
localsystem_fallback (medium confidence) when the client runs Windows before 7 / Server 2008
R2 or has UseMachineId = 0, and the reasons cite the file and place of each value; a Windows 7+
client with UseMachineId = 1 or unset rules the fallback out, and the reasons say so. Hosts are
matched to the logon's WorkstationName case-insensitively, an FQDN to the DNS name, otherwise
by NetBIOS name (first label, 15 characters). A configuration file that cannot be read is
reported (file, place, reason; stderr and the config section of --json) and the scan goes on.
Example: nullsight scan lab/*/ --config lab

--csv DIR writes findings.csv, anonymous_logons.csv, ntlm_flows.csv, dc_validations.csv,
ntlm_audit.csv and correlations.csv (cells that a spreadsheet would run as a formula are
prefixed with ').

", crate::limits_help!()),
    after_long_help = crate::cli::detections_help()
)]
pub struct ScanArgs {
    /// Files or folders to read (folders recursively).
    #[arg(required = true, value_name = "INPUTS")]
    pub paths: Vec<PathBuf>,

    /// Write every event of interest as JSON Lines to FILE (- for standard output).
    #[arg(long, value_name = "FILE")]
    pub events: Option<String>,

    /// Write the summary as JSON to FILE (- for standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,

    /// Write a self-contained HTML report to FILE (see `nullsight report --help`).
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<String>,

    /// No terminal summary and no progress bar; problems still go to stderr.
    #[arg(long, short)]
    pub quiet: bool,

    /// Write the findings and inventories as CSV files into DIR (created if missing).
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,

    /// The hosts' configuration, as for `nullsight audit` (.reg exports, INF, Registry.pol,
    /// hives, auditpol CSV; a file or a folder, repeatable): decides anonymous logons whose
    /// client left no NTLM log (see CONFIGURATION above).
    #[arg(long = "config", value_name = "PATH")]
    pub config: Vec<PathBuf>,

    /// Analysis thresholds and windows from a TOML file (keys as the options below, snake_case).
    #[arg(long, value_name = "FILE")]
    pub analysis_config: Option<PathBuf>,

    /// brute-force: failed logons for one account from one source [default: 20].
    #[arg(long, value_name = "N")]
    pub brute_force_threshold: Option<u64>,
    /// brute-force window in seconds [default: 300].
    #[arg(long, value_name = "SECS")]
    pub brute_force_window: Option<i64>,
    /// password-spray: distinct accounts from one source [default: 10].
    #[arg(long, value_name = "N")]
    pub password_spray_accounts: Option<u64>,
    /// password-spray window in seconds [default: 3600].
    #[arg(long, value_name = "SECS")]
    pub password_spray_window: Option<i64>,
    /// user-enumeration: distinct unknown accounts from one source [default: 10].
    #[arg(long, value_name = "N")]
    pub user_enumeration_accounts: Option<u64>,
    /// Anonymous logons from one source that make a burst (enumeration) [default: 5].
    #[arg(long, value_name = "N")]
    pub anonymous_burst_threshold: Option<u64>,
    /// Anonymous burst window in seconds [default: 60].
    #[arg(long, value_name = "SECS")]
    pub anonymous_burst_window: Option<i64>,
    /// Cross-host correlation window in seconds [default: 120].
    #[arg(long, value_name = "SECS")]
    pub correlation_window: Option<i64>,
    /// Evidence records kept per finding [default: 20].
    #[arg(long, value_name = "N")]
    pub evidence_cap: Option<usize>,

    /// Threads reading the logs (0: one per core). N files are read at once; the chunks of
    /// large EVTX files (8 MiB or more) are also decoded by up to N - 1 helper threads, shared
    /// between them. The anonymous logons are classified on N threads too once everything is
    /// read, and the final pass of --events makes its lines on N threads.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    #[command(flatten)]
    pub isolation: super::isolation::IsolationArgs,
}

struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// The analysis settings: defaults, then the TOML file, then the options.
pub fn analysis_config(args: &ScanArgs) -> anyhow::Result<Config> {
    let mut c = match &args.analysis_config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
            Config::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
        }
        None => Config::default(),
    };
    if let Some(v) = args.brute_force_threshold {
        c.brute_force_threshold = v;
    }
    if let Some(v) = args.brute_force_window {
        c.brute_force_window_secs = v;
    }
    if let Some(v) = args.password_spray_accounts {
        c.password_spray_accounts = v;
    }
    if let Some(v) = args.password_spray_window {
        c.password_spray_window_secs = v;
    }
    if let Some(v) = args.user_enumeration_accounts {
        c.user_enumeration_accounts = v;
    }
    if let Some(v) = args.anonymous_burst_threshold {
        c.anonymous_burst_threshold = v;
    }
    if let Some(v) = args.anonymous_burst_window {
        c.anonymous_burst_window_secs = v;
    }
    if let Some(v) = args.correlation_window {
        c.correlation_window_secs = v;
    }
    if let Some(v) = args.evidence_cap {
        c.evidence_cap = v;
    }
    c.validate()
        .map_err(|e| anyhow::anyhow!("analysis settings: {e}"))?;
    Ok(c)
}

/// What a reading thread keeps: the analysis, and what the HTML report draws (with --html).
type ScanState = (Analysis, Option<Aggregator>);

fn observe_scan((analysis, agg): &mut ScanState, e: &crate::event::Event) {
    analysis.observe(e);
    if let Some(agg) = agg {
        agg.observe(e);
    }
}

fn merge_scan((analysis, agg): &mut ScanState, (a, g): ScanState) {
    analysis.merge(a);
    if let (Some(agg), Some(g)) = (agg, g) {
        agg.merge(g);
    }
}

pub fn run(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let config = analysis_config(&args)?;
    let configs = crate::policy::read_hosts(&args.config, &HostOptions::default());
    for e in &configs.errors {
        to_stderr!("nullsight: {}", report::escape::terminal(&e.message));
    }
    if !args.config.is_empty() && configs.hosts.is_empty() {
        to_stderr!(
            "nullsight: no configuration could be read from --config; the scan goes on without it"
        );
    }
    let hosts = HostView::from_configs(&configs.hosts);
    let config_summary = (!args.config.is_empty()).then_some(ConfigSummary {
        hosts: &hosts.hosts,
        errors: &configs.errors,
        notes: &configs.notes,
    });
    if let Some(dir) = &args.csv {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    }
    let stdout_taken = [&args.events, &args.json, &args.html]
        .iter()
        .any(|o| o.as_deref() == Some("-"));
    let mut events_out = args
        .events
        .as_deref()
        .map(EventsWriter::create)
        .transpose()?;
    // Refuse early rather than after the scan; what the files held is dropped meanwhile.
    let mut json_emptied = args
        .json
        .as_deref()
        .map(report::prepare_output)
        .transpose()?;
    let html_emptied = args
        .html
        .as_deref()
        .map(report::prepare_output)
        .transpose()?;
    let html = args.html.is_some();
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let bar = Bar(if show_progress {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    });
    let mut write_error: Option<anyhow::Error> = None;
    let opts = ScanOptions {
        paths: args.paths.clone(),
        threads: args.threads,
    };
    // The analysis (and the HTML report's aggregate) runs on the threads that read the files,
    // a state each, merged at the end: no event is carried to this thread.
    let new_state = || {
        (
            Analysis::new(config.clone()),
            html.then(Aggregator::default),
        )
    };
    let observer = scan::Observer {
        new: &new_state,
        observe: observe_scan,
        merge: merge_scan,
        keep_events: false,
    };
    let lines = events_out.is_some();
    let (inputs, (analysis, aggregator)) =
        scan::scan_observed(&opts, &bar, lines, &observer, |batch| {
            if let (Some(w), None) = (events_out.as_mut(), write_error.as_ref()) {
                if let Err(err) = w.write_lines(&batch.file, batch.packed_lines, batch.len as u64) {
                    write_error = Some(err);
                }
            }
        });
    if let Some(err) = write_error {
        return Err(err.context("writing --events"));
    }
    let outcome = analysis.finish_on(&hosts, args.threads);
    for i in &inputs {
        for e in &i.errors {
            to_stderr!(
                "nullsight: {}: {}: {}",
                report::escape::terminal(&i.file),
                e.place,
                report::escape::terminal(&e.reason)
            );
        }
    }
    // The events file (a pass over every event) is written beside the summary and the CSV
    // files: on a logon-heavy log each takes seconds, and they only read the outcome. Both
    // to standard output: one after the other.
    let write_events = |w: EventsWriter| {
        w.finish(
            &outcome,
            inputs.iter().map(|i| i.file.as_str()),
            args.threads,
        )
    };
    let both_stdout = args.events.as_deref() == Some("-") && args.json.as_deref() == Some("-");
    if both_stdout {
        events_out.take().map(write_events).transpose()?;
    }
    let (events_written, others_written) = std::thread::scope(|s| {
        let events = events_out.take().map(|w| s.spawn(move || write_events(w)));
        let others = (|| -> anyhow::Result<()> {
            if let Some(dest) = &args.json {
                if let Some(e) = json_emptied.take() {
                    e.wait()?;
                }
                let mut out = report::open_output(dest)?;
                report::summary::write_pretty(
                    &mut out,
                    &Summary::new(&inputs, &outcome).with_config(config_summary),
                )?;
                writeln!(out)?;
                out.flush()?;
            }
            if let Some(dir) = &args.csv {
                report::csv::write_all(dir, &outcome)?;
            }
            Ok(())
        })();
        let events = events.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error writing --events")))
        });
        (events, others)
    });
    events_written.transpose()?;
    others_written?;
    if let Some(e) = html_emptied {
        e.wait()?;
    }
    // The terminal summary is made first, so that the analysis can be freed before the HTML
    // report is made: the report reads only the summary's JSON, and on a flood of anonymous
    // clients the analysis was a third of the memory then.
    let mut terminal = Vec::new();
    if !args.quiet && !stdout_taken {
        report::terminal::render(&mut terminal, &inputs, &outcome)?;
    }
    if let (Some(dest), Some(agg)) = (&args.html, aggregator) {
        let summary = Summary::new(&inputs, &outcome)
            .with_config(config_summary)
            .for_report()?;
        drop(outcome);
        let agg = agg.finish();
        super::report::write_report(
            dest,
            &report::html::ReportInput {
                summary: Some(&summary),
                aggregate: Some(&agg),
                generated: Some(jiff::Timestamp::now()),
                ..Default::default()
            },
        )?;
    }
    std::io::stdout().lock().write_all(&terminal)?;
    let any_errors = inputs.iter().any(|i| !i.errors.is_empty()) || !configs.errors.is_empty();
    Ok(ExitCode::from(if any_errors {
        super::EXIT_INPUT_ERRORS
    } else {
        super::EXIT_OK
    }))
}
