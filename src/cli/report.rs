//! `nullsight report`: one self-contained HTML file from event logs, configuration, and (when
//! they exist) a simulation and a fix plan.

use crate::analyze::{Analysis, HostView};
use crate::baseline::{self, Baseline};
use crate::policy::host::HostOptions;
use crate::policy::settings::Role;
use crate::policy::ConfigRead;
use crate::report::html::{self, aggregate::Aggregator, ReportInput};
use crate::report::{self, summary::Summary};
use crate::scan::{self, NoProgress, ScanOptions};
use clap::Args;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const LONG_ABOUT: &str = "\
Write one self-contained HTML report (scripts and styles inlined, no network request, opens
offline in any browser).

It shows: the verdict (findings by severity); an overview (hosts, time range, counts); each
finding with its explanation and evidence (file + record id); a timeline of anonymous and NTLM
logons (drawn with uPlot); a graph of who authenticates to what (a Sankey diagram laid out by
d3-sankey: anonymous flows red, NTLMv1/LM orange); the NTLM inventory; the compliance table when
--config is given (which also decides, as for `scan --config`, anonymous logons whose client
logged no 8001); the simulation and the staged fix plan
when their JSON is given; every input with its read errors. Tables sort (click a header) and
filter (type in the box above them).

The timeline and graph are aggregated while scanning (bounded time buckets and at most 5000
distinct source/account/target edges), so the report of millions of events stays small.

Every string from logs and configuration is escaped; the page's Content-Security-Policy allows
no network access and no script but its own and the vendored libraries' (by hash). The
libraries (uPlot, d3-sankey, d3-array: about 72 KB) are inlined with their licences; see
assets/vendor/VENDORED.md in the source.

EXAMPLES:
  nullsight report --logs C:\\evidence\\dc01 --logs ws042.evtx -o report.html
  nullsight report --logs logs/ --config gpo-backup/ --config dc01-system.reg -o report.html
  nullsight report --summary scan.json -o report.html     (from a saved `scan --json`)
";

#[derive(Debug, Args)]
#[command(
    about = "Write a self-contained HTML report (overview, findings, timeline, graph, compliance)",
    long_about = LONG_ABOUT,
    after_long_help = crate::limits_help!()
)]
pub struct ReportArgs {
    /// Event logs: files or folders (read recursively), as for `scan`.
    #[arg(long = "logs", value_name = "PATH", num_args = 1.., required_unless_present_any = ["summary", "config"])]
    pub logs: Vec<PathBuf>,

    /// Configuration files or folders, as for `audit`: adds the compliance table, and the
    /// analysis of --logs uses it as `scan --config` does.
    #[arg(long = "config", value_name = "PATH", num_args = 1..)]
    pub config: Vec<PathBuf>,

    /// Baseline for --config: cis-dc, cis-member, cis-workstation or a TOML file
    /// (default: the built-in one for each host's role).
    #[arg(long, value_name = "NAME|FILE")]
    pub baseline: Option<String>,

    /// Role of the configured host(s), for --config.
    #[arg(long, value_enum)]
    pub role: Option<Role>,

    /// Treat every --config input as one host with this name.
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,

    /// Render a saved `nullsight scan --json` summary instead of scanning --logs (no timeline
    /// or graph: those are computed while scanning).
    #[arg(long, value_name = "FILE.json", conflicts_with = "logs")]
    pub summary: Option<PathBuf>,

    /// JSON of a simulation of hardening changes, to include.
    #[arg(long, value_name = "FILE.json")]
    pub simulation: Option<PathBuf>,

    /// JSON of a staged fix plan, to include.
    #[arg(long, value_name = "FILE.json")]
    pub plan: Option<PathBuf>,

    /// Where to write the report (- for standard output).
    #[arg(long, short = 'o', value_name = "FILE.html")]
    pub output: String,

    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    #[command(flatten)]
    pub isolation: super::isolation::IsolationArgs,
}

fn read_json(p: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(p)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
    serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", p.display()))
}

/// Evaluate configuration read by [`crate::policy::read_hosts`], as `audit --json` does:
/// `{hosts, errors, notes}`; also whether any input had errors.
pub fn compliance(read: &ConfigRead, baseline_name: Option<&str>) -> anyhow::Result<(Value, bool)> {
    let fixed = baseline_name.map(Baseline::load).transpose()?;
    let mut results = Vec::new();
    for h in &read.hosts {
        let b = match &fixed {
            Some(b) => b.clone(),
            None => Baseline::embedded(baseline::default_for(h.role))?,
        };
        results.push(baseline::evaluate(h, &b));
    }
    let errs: Vec<Value> = read
        .errors
        .iter()
        .map(|e| serde_json::json!({"file": e.file, "message": e.message}))
        .collect();
    Ok((
        serde_json::json!({"hosts": results, "errors": errs, "notes": read.notes}),
        !read.errors.is_empty(),
    ))
}

/// Write an HTML report to `dest` (`-` for standard output).
pub fn write_report(dest: &str, input: &ReportInput) -> anyhow::Result<()> {
    let page = html::render(input);
    let mut out = report::open_output(dest)?;
    out.write_all(page.as_bytes())?;
    out.flush()?;
    Ok(())
}

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    // Refuse early rather than after a long scan.
    if args.output != "-" {
        std::fs::File::create(&args.output)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.output))?;
    }
    let mut input_errors = false;
    let configs = crate::policy::read_hosts(
        &args.config,
        &HostOptions {
            host: args.host.clone(),
            role: args.role,
            default_role: None,
        },
    );
    let (summary, aggregate) = if let Some(p) = &args.summary {
        (Some(read_json(p)?), None)
    } else if !args.logs.is_empty() {
        let mut analysis = Analysis::default();
        let mut agg = Aggregator::default();
        let inputs = scan::scan(
            &ScanOptions {
                paths: args.logs.clone(),
                threads: args.threads,
            },
            &NoProgress,
            |e| {
                analysis.observe(&e);
                agg.observe(&e);
            },
        );
        let outcome = analysis.finish_with(&HostView::from_configs(&configs.hosts));
        for i in &inputs {
            for e in &i.errors {
                eprintln!(
                    "nullsight: {}: {}: {}",
                    report::escape::terminal(&i.file),
                    e.place,
                    report::escape::terminal(&e.reason)
                );
            }
        }
        input_errors |= inputs.iter().any(|i| !i.errors.is_empty());
        (
            Some(serde_json::to_value(Summary::new(&inputs, &outcome))?),
            Some(agg.finish()),
        )
    } else {
        (None, None)
    };
    let compliance = if args.config.is_empty() {
        None
    } else {
        let (c, errs) = compliance(&configs, args.baseline.as_deref())?;
        input_errors |= errs;
        Some(c)
    };
    let simulation = args.simulation.as_deref().map(read_json).transpose()?;
    let plan = args.plan.as_deref().map(read_json).transpose()?;
    write_report(
        &args.output,
        &ReportInput {
            summary: summary.as_ref(),
            aggregate: aggregate.as_ref(),
            compliance: compliance.as_ref(),
            simulation: simulation.as_ref(),
            plan: plan.as_ref(),
            generated: Some(jiff::Timestamp::now()),
        },
    )?;
    Ok(ExitCode::from(if input_errors {
        super::EXIT_INPUT_ERRORS
    } else {
        super::EXIT_OK
    }))
}
