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
use crate::simulate::Traffic;
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
logged no 8001); with --logs and --config, the simulation of each host's failing baseline rules
on the logged traffic and the staged fix plan, computed as `nullsight simulate --logs …
--config …` does (per change: setting, new value, hosts, verdict, and the flows it would break:
account, source, target, count, first and last seen); every input with its read errors.
Tables sort (click a header) and filter (type in the box above them). --simulation FILE (a saved
`simulate --json`) and --plan FILE replace the computed simulation and plan.

The timeline and graph are aggregated while scanning (at most 240 time buckets; at most 5,000
distinct source/account/target edges listed, anonymous ones first, then NTLMv1, the busiest of
each, chosen the same way every run), so the report of millions of events stays small. Tables
show their first 2,000 rows and the findings their 500 most severe; the counts say how many
there were, and `scan --json` has every one.

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

    /// A saved `nullsight simulate --json`, shown instead of the simulation computed from
    /// --logs and --config.
    #[arg(long, value_name = "FILE.json")]
    pub simulation: Option<PathBuf>,

    /// JSON of a staged fix plan, shown instead of the simulation's plan.
    #[arg(long, value_name = "FILE.json")]
    pub plan: Option<PathBuf>,

    /// Where to write the report (- for standard output).
    #[arg(long, short = 'o', value_name = "FILE.html")]
    pub output: String,

    /// Threads reading the logs (0: one per core). N files are read at once; the chunks of
    /// large EVTX files (8 MiB or more) are also decoded by up to N - 1 helper threads, shared
    /// between them. The anonymous logons are classified on N threads too once everything is
    /// read.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    #[command(flatten)]
    pub isolation: super::isolation::IsolationArgs,
}

/// A saved `scan --json` summary, read as the report shows it, from the file as it goes: without
/// `anonymous_logons` (an entry per anonymous logon, which the report does not show) and with
/// each inventory list cut to the rows a table shows, its length aside (as
/// [`Summary::for_report`] writes them). The summary of a flood is hundreds of MB, and as a
/// `serde_json::Value` several times that. Anything else JSON is read whole, as before.
fn read_summary(p: &Path) -> anyhow::Result<Value> {
    let read = || -> anyhow::Result<Value> {
        let file = std::fs::File::open(p)?;
        let mut de =
            serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, file));
        let v = serde::de::DeserializeSeed::deserialize(summary_read::Summary, &mut de)?;
        de.end()?;
        Ok(v)
    };
    read().or_else(|_| read_json(p))
}

/// The readers of [`read_summary`].
mod summary_read {
    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde::Deserialize;
    use serde_json::{Map, Value};
    use std::fmt;

    /// The whole summary: an object.
    pub struct Summary;

    impl<'de> DeserializeSeed<'de> for Summary {
        type Value = Value;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for Summary {
        type Value = Value;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a `nullsight scan --json` summary (an object)")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some(k) = m.next_key::<String>()? {
                match k.as_str() {
                    "anonymous_logons" => {
                        m.next_value::<IgnoredAny>()?;
                    }
                    "inventories" => {
                        let v = m.next_value_seed(Inventories)?;
                        out.insert(k, v);
                    }
                    _ => {
                        let v = m.next_value::<Value>()?;
                        out.insert(k, v);
                    }
                }
            }
            Ok(Value::Object(out))
        }
    }

    /// The inventories: each list cut to the rows a table shows, its length aside.
    struct Inventories;

    impl<'de> DeserializeSeed<'de> for Inventories {
        type Value = Value;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for Inventories {
        type Value = Value;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("the inventories (an object)")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            let mut rows = Map::new();
            while let Some(k) = m.next_key::<String>()? {
                let (v, total) = m.next_value_seed(Cut)?;
                if total > crate::report::html::MAX_ROWS {
                    rows.insert(k.clone(), Value::from(total));
                }
                out.insert(k, v);
            }
            if !rows.is_empty() {
                out.insert(
                    crate::report::summary::ROWS_IN_FULL.to_string(),
                    Value::Object(rows),
                );
            }
            Ok(Value::Object(out))
        }
    }

    /// Any value; an array cut to its first rows, with its length (0: not an array).
    struct Cut;

    impl<'de> DeserializeSeed<'de> for Cut {
        type Value = (Value, usize);
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Cut {
        type Value = (Value, usize);
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
            let mut kept = Vec::new();
            let mut total = 0;
            while total < crate::report::html::MAX_ROWS {
                match s.next_element::<Value>()? {
                    Some(v) => kept.push(v),
                    None => return Ok((Value::Array(kept), total)),
                }
                total += 1;
            }
            while s.next_element::<IgnoredAny>()?.is_some() {
                total += 1;
            }
            Ok((Value::Array(kept), total))
        }
        fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
            Ok((
                Value::deserialize(de::value::MapAccessDeserializer::new(m))?,
                0,
            ))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok((Value::from(v), 0))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok((Value::from(v), 0))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok((Value::from(v), 0))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok((Value::from(v), 0))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok((Value::from(v), 0))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok((Value::Null, 0))
        }
    }
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

/// What a reading thread keeps of the `--logs` for the report: the analysis, the flows when
/// the simulation is computed here, and what the report draws.
type LogsState = (Analysis, Option<Traffic>, Aggregator);

fn observe_logs((analysis, flows, agg): &mut LogsState, e: &crate::event::Event) {
    analysis.observe(e);
    if let Some(t) = flows {
        t.observe(e);
    }
    agg.observe(e);
}

fn merge_logs((analysis, flows, agg): &mut LogsState, (a, f, g): LogsState) {
    analysis.merge(a);
    if let (Some(t), Some(f)) = (flows, f) {
        t.merge(f);
    }
    agg.merge(g);
}

/// The simulation of `simulate --logs … --config …` (each host's failing baseline rules, or
/// --baseline's), as `simulate --json` writes it.
fn simulate_flows(
    traffic: &Traffic,
    hosts: &[crate::policy::HostConfig],
    args: &ReportArgs,
    errors: &[String],
) -> anyhow::Result<Value> {
    let fixed = args.baseline.as_deref().map(Baseline::load).transpose()?;
    let (changes, notes) =
        super::simulate::changes_to_simulate(hosts, fixed.as_ref(), args.role, Vec::new())?;
    let (impacts, plan) = super::simulate::simulate_changes(traffic, hosts, &changes);
    Ok(serde_json::to_value(super::simulate::Report::new(
        &impacts, &plan, traffic, errors, &notes,
    ))?)
}

/// Why the report has no simulation: what is missing.
fn why_no_simulation(args: &ReportArgs, configs: &ConfigRead) -> String {
    let need_logs = if args.summary.is_some() {
        "the logs themselves (--logs): a saved summary (--summary) has no flows to simulate on"
    } else {
        "the hosts' logs (--logs)"
    };
    let what = match (args.logs.is_empty(), args.config.is_empty()) {
        (false, true) => "the hosts' configuration (--config)".to_string(),
        (true, true) => format!("{need_logs} and configuration (--config)"),
        (true, false) => need_logs.to_string(),
        (false, false) if configs.hosts.is_empty() => {
            "configuration that can be read: none of --config could be".to_string()
        }
        (false, false) => "the hosts' logs and configuration".to_string(),
    };
    format!("Not available: the simulation needs {what}. --simulation FILE shows a saved `nullsight simulate --json`.")
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
    // As `simulate --logs … --config …` does by default, unless a saved one is given.
    let simulate_here = args.simulation.is_none()
        && args.summary.is_none()
        && !args.logs.is_empty()
        && !configs.hosts.is_empty();
    let mut computed: Option<Value> = None;
    let (summary, aggregate) = if let Some(p) = &args.summary {
        (Some(read_summary(p)?), None)
    } else if !args.logs.is_empty() {
        // The analysis, the report's aggregate and, when the simulation will be computed,
        // the flows are observed on the threads that read the events, a state each, merged at
        // the end (as `scan` does): no event is carried to this thread.
        let new_state = || -> LogsState {
            (
                Analysis::default(),
                simulate_here.then(Traffic::new),
                Aggregator::default(),
            )
        };
        let observer = scan::Observer {
            new: &new_state,
            observe: observe_logs,
            merge: merge_logs,
            keep_events: false,
        };
        let opts = ScanOptions {
            paths: args.logs.clone(),
            threads: args.threads,
        };
        let (inputs, (analysis, flows, agg)) =
            scan::scan_observed(&opts, &NoProgress, false, &observer, |_| {});
        let outcome = analysis.finish_on(&HostView::from_configs(&configs.hosts), args.threads);
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
        input_errors |= inputs.iter().any(|i| !i.errors.is_empty());
        if let Some(t) = &flows {
            // Unreadable inputs are listed as `simulate --json` lists them.
            let mut errors: Vec<String> =
                configs.errors.iter().map(|e| e.message.clone()).collect();
            for i in &inputs {
                for e in &i.errors {
                    errors.push(crate::policy::sanitize(&format!("{}: {e}", i.file)));
                }
            }
            computed = Some(simulate_flows(t, &configs.hosts, &args, &errors)?);
        }
        (
            Some(Summary::new(&inputs, &outcome).for_report()?),
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
    let simulation = match args.simulation.as_deref().map(read_json).transpose()? {
        Some(v) => Some(v),
        None => computed,
    };
    let plan = args.plan.as_deref().map(read_json).transpose()?;
    let unavailable = simulation
        .is_none()
        .then(|| why_no_simulation(&args, &configs));
    write_report(
        &args.output,
        &ReportInput {
            summary: summary.as_ref(),
            aggregate: aggregate.as_ref(),
            compliance: compliance.as_ref(),
            simulation: simulation.as_ref(),
            simulation_unavailable: unavailable.as_deref(),
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
