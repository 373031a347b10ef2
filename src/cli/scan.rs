//! `nullsight scan`: read evidence, type the events, analyse, report.
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or folders to read (folders recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: ScanArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("scan is being built")
}
