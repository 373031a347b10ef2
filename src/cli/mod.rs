//! Command-line interface: clap definitions, one file per subcommand.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub mod audit;
pub mod explain;
pub mod fix;
pub mod isolation;
pub mod lab;
pub mod report;
pub mod scan;
pub mod simulate;

/// Exit status: everything was read and nothing failed.
pub const EXIT_OK: u8 = 0;
/// Exit status: the command could not run (bad arguments, unwritable output...).
pub const EXIT_FAILURE: u8 = 1;
/// Exit status: the command ran and wrote all its results, but some input could not be read
/// (fully or in part). The summary and stderr name each file, place and reason.
pub const EXIT_INPUT_ERRORS: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "nullsight",
    version,
    about = "Find, explain and remove ANONYMOUS LOGON and legacy NTLM exposure on Windows networks",
    long_about = None,
    after_help = "EXIT STATUS:\n  0  success\n  1  the command could not run (bad arguments, unwritable output)\n  3  results were written, but some input could not be read (see the summary and stderr)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Command {
    Scan(scan::ScanArgs),
    Audit(audit::AuditArgs),
    Explain(explain::ExplainArgs),
    /// List the detections: stable id, default severity, what triggers them, default thresholds.
    Detections,
    Simulate(simulate::SimulateArgs),
    Fix(fix::FixArgs),
    Lab(lab::LabArgs),
    Report(report::ReportArgs),
}

/// Write to a file or to standard output (`-`); returns true when it went to a file.
pub(crate) fn write_out(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<bool> {
    write_with(path, |w| Ok(w.write_all(bytes)?))
}

/// [`write_out`] of what `write` writes, as it writes it: a large output (a simulation of
/// 100,000 flows writes 190 MB of JSON) is not held in memory first.
pub(crate) fn write_with(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()>,
) -> anyhow::Result<bool> {
    use std::io::Write;
    if path.as_os_str() == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        write(&mut out)?;
        out.flush()?;
        return Ok(false);
    }
    let cannot =
        |e: &dyn std::fmt::Display| anyhow::anyhow!("{}: cannot write: {e}", path.display());
    let file = std::fs::File::create(path).map_err(|e| cannot(&e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
    write(&mut out).map_err(|e| cannot(&e))?;
    out.flush().map_err(|e| cannot(&e))?;
    Ok(true)
}

/// The detection catalogue, for `scan --help` and `nullsight detections`.
pub fn detections_help() -> String {
    format!(
        "DETECTIONS (id [default severity]):\n{}",
        crate::analyze::detections::catalogue()
    )
}

impl Command {
    /// The limits of a command that reads logs, with its --events destination (whose spill
    /// file a killed worker leaves behind).
    fn reads_logs(&self) -> Option<(&isolation::IsolationArgs, Vec<String>)> {
        match self {
            Command::Scan(a) => Some((&a.isolation, a.events.iter().cloned().collect())),
            Command::Report(a) if a.summary.is_none() && !a.logs.is_empty() => {
                Some((&a.isolation, vec![]))
            }
            Command::Simulate(a) => Some((&a.isolation, vec![])),
            _ => None,
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some((limits, spills)) = cli.command.reads_logs() {
        if let Some(code) = isolation::enter(limits, &spills)? {
            return Ok(code);
        }
    }
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Detections => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            write!(out, "{}", detections_help())?;
            writeln!(out, "\nDefaults can be changed with nullsight scan options or --analysis-config FILE.toml:")?;
            let defaults = toml::to_string(&crate::analyze::Config::default()).unwrap_or_default();
            for line in defaults.lines() {
                writeln!(out, "  {line}")?;
            }
            Ok(ExitCode::from(EXIT_OK))
        }
        Command::Simulate(args) => simulate::run(args),
        Command::Fix(args) => fix::run(args),
        Command::Lab(args) => lab::run(args),
        Command::Report(args) => report::run(args),
    }
}
