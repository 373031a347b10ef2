//! The options of every command that reads logs: per-file limits, enforced by reading in a
//! worker process (see [`crate::isolate`]).

use crate::isolate::{self, Limits, Supervised};
use clap::Args;
use std::process::ExitCode;
use std::time::Duration;

/// Default of --max-memory.
pub const DEFAULT_MAX_MEMORY: &str = "4GiB";
/// Default of --file-timeout, in seconds.
pub const DEFAULT_FILE_TIMEOUT: u64 = 600;

/// The LIMITS section of the help of every command that reads logs (a macro, for `concat!`).
#[macro_export]
#[doc(hidden)]
macro_rules! limits_help {
    () => {
        "\
LIMITS: the logs are read in a worker process (this program, run again) that nullsight
watches. A file whose reading takes longer than --file-timeout (default 600 s) or needs more
than --max-memory (default 4 GiB of address space for the whole worker), or that crashes the
reader, is reported (file, whole file, reason) and skipped, and the other files are read again
without it: the results are those of the other files, and the exit status is 3. When several
files were being read at the moment of a failure, they are read again one at a time to tell
which. --no-isolation reads in this process, without these limits.
Sizes: an EVTX record lives inside one 64 KiB chunk; EVTX files of any size are read chunk by
chunk; a JSON Lines line longer than 16 MiB is reported and skipped; one XML event, or a file
holding a JSON array (read whole), is bounded by --max-memory only. The number of files is not
limited: each costs one report (a few hundred bytes) in memory."
    };
}

#[derive(Debug, Clone, Args)]
pub struct IsolationArgs {
    /// Address space of the process that reads the logs, e.g. 512M, 4G (0 = no limit). A file
    /// whose reading needs more is reported and skipped; the scan goes on.
    #[arg(long, value_name = "SIZE", default_value = DEFAULT_MAX_MEMORY, value_parser = isolate::parse_size)]
    pub max_memory: u64,

    /// Longest time, in seconds, that reading one file may take (0 = no limit). A file that
    /// takes longer is reported and skipped; the scan goes on.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_FILE_TIMEOUT)]
    pub file_timeout: u64,

    /// Read in this process, without --max-memory and --file-timeout (for debugging).
    #[arg(long, conflicts_with_all = ["max_memory", "file_timeout"])]
    pub no_isolation: bool,
}

impl IsolationArgs {
    pub fn limits(&self) -> Limits {
        Limits {
            max_memory: (self.max_memory > 0).then_some(self.max_memory),
            file_timeout: (self.file_timeout > 0).then(|| Duration::from_secs(self.file_timeout)),
        }
    }
}

/// Before a command reads logs: in a worker, install the supervisor's plan and go on
/// (`None`); else, unless --no-isolation, supervise workers that run the command and return
/// their exit status. `spills`: the command's --events destination, if any.
pub fn enter(args: &IsolationArgs, spills: &[String]) -> anyhow::Result<Option<ExitCode>> {
    if isolate::is_worker() {
        // A worker's panic is reported by its supervisor: its message is enough. The default
        // hook, with RUST_BACKTRACE set, symbolises a backtrace, which allocates; a worker
        // that panicked for want of memory (a thread it could not start under --max-memory)
        // then failed to allocate inside the hook and waited forever on the hook's own lock.
        std::panic::set_hook(Box::new(|info| to_stderr!("{info}")));
        isolate::start_worker()?;
        return Ok(None);
    }
    if args.no_isolation {
        return Ok(None);
    }
    match isolate::supervise(&args.limits(), spills)? {
        Supervised::Done(code) => Ok(Some(code)),
        Supervised::Unavailable(why) => {
            to_stderr!("nullsight: warning: {why}; reading in this process, without --max-memory and --file-timeout");
            Ok(None)
        }
    }
}
