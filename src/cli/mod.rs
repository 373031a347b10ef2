//! Command-line interface: clap definitions, one file per subcommand.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub mod audit;
pub mod report;
pub mod scan;

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
pub enum Command {
    Scan(scan::ScanArgs),
    Audit(audit::AuditArgs),
    Report(report::ReportArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Report(args) => report::run(args),
    }
}
