use clap::Parser;

/// mimalloc: a scan allocates and frees a few dozen small strings per event on every core,
/// and glibc's allocator spends more time on that than the decoding does (BENCHMARKS.md).
/// Wrapped so that a failed allocation in a worker is reported to its supervisor (--max-memory).
#[global_allocator]
static GLOBAL: nullsight::isolate::ReportingAlloc<mimalloc::MiMalloc> =
    nullsight::isolate::ReportingAlloc(mimalloc::MiMalloc);

fn main() -> std::process::ExitCode {
    let cli = nullsight::cli::Cli::parse();
    match nullsight::cli::run(cli) {
        Ok(code) => code,
        // A reader that stopped early (`nullsight ... | head`) is not a failure of ours.
        Err(err) if is_broken_pipe(&err) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("nullsight: error: {err:#}");
            std::process::ExitCode::from(nullsight::cli::EXIT_FAILURE)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
