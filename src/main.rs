use clap::Parser;

/// mimalloc: a scan allocates and frees a few dozen small strings per event on every core,
/// and glibc's allocator spends more time on that than the decoding does (BENCHMARKS.md).
/// Wrapped so that a failed allocation in a worker is reported to its supervisor (--max-memory).
#[global_allocator]
static GLOBAL: nullsight::isolate::ReportingAlloc<mimalloc::MiMalloc> =
    nullsight::isolate::ReportingAlloc(mimalloc::MiMalloc);

/// mimalloc v3's option numbers (`mi_option_e` in its mimalloc.h; libmimalloc-sys names only
/// some of them).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const MI_OPTION_ARENA_PURGE_MULT: libmimalloc_sys::mi_option_t = 24;
const MI_OPTION_PAGE_RECLAIM_ON_FREE: libmimalloc_sys::mi_option_t = 35;
const MI_OPTION_ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

fn main() -> std::process::ExitCode {
    // Give freed memory back to the system after a millisecond, and commit arena memory as
    // it is used: a scan frees on one thread what another allocated, and with mimalloc's
    // defaults (10 ms) the resident size stayed 1.5 to 2 times what was allocated
    // (BENCHMARKS.md). Not at once (0): on a flood of small events the same pages were given
    // back and faulted in again thousands of times a second, and a 1 GiB log of 5805s spent
    // 3 of its 6 seconds in the kernel (0.8 with 1 ms, the peaks within a few MB). No
    // transparent huge pages: memory is then given back in 2 MiB pieces only, and a 1 GB scan
    // stayed 20-40 MB above what it had allocated (16 instead of 43 MB on a 4624-heavy log, no
    // slower). Arenas purge after the same millisecond, not ten times it (mimalloc's default
    // multiplier): on writer-1g the scan's peak went above 93 MiB in 8 of 26 runs (up to 99
    // MiB, once 108), and in 3 of 18 with it (up to 96 MiB), no slower there, on security-1g
    // or on the 5805 flood. A thread that frees a block of a page another thread gave up
    // takes the page (mimalloc's default: only a page that was its own): the analysis runs
    // on whichever thread takes a chunk's events, and pages freed on one thread and given up
    // by the other piled up. With it writer-1g's peak went above 90 MiB in 7 of 56 runs (at
    // most 98), against 7 of 26 without (at most 106), and the scan was no slower there nor
    // on other inputs. An explicit MIMALLOC_* environment setting still wins.
    for (option, var, value) in [
        (MI_OPTION_PURGE_DELAY, "MIMALLOC_PURGE_DELAY", 1),
        (MI_OPTION_ARENA_PURGE_MULT, "MIMALLOC_ARENA_PURGE_MULT", 1),
        (
            MI_OPTION_ARENA_EAGER_COMMIT,
            "MIMALLOC_ARENA_EAGER_COMMIT",
            0,
        ),
        (MI_OPTION_ALLOW_THP, "MIMALLOC_ALLOW_THP", 0),
        (
            MI_OPTION_PAGE_RECLAIM_ON_FREE,
            "MIMALLOC_PAGE_RECLAIM_ON_FREE",
            1,
        ),
    ] {
        if std::env::var_os(var).is_none() {
            // SAFETY: called before any other thread exists (options are not thread safe).
            unsafe { libmimalloc_sys::mi_option_set(option, value) };
        }
    }
    // mimalloc decides on huge pages when it starts, before `main`, so the option set above
    // only stops later advice: the process's memory is taken out of them here, as mimalloc
    // does itself when the option is in the environment.
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: prctl with these arguments only sets a flag of this process.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
    // What a long reading calls now and then to give back the pages mimalloc holds free
    // (`source::evtx`): a forced collection, which purges them at once.
    // SAFETY: mi_collect may be called from any thread at any time.
    nullsight::isolate::set_memory_release(|| unsafe { libmimalloc_sys::mi_collect(true) });
    let cli = nullsight::cli::Cli::parse();
    match nullsight::cli::run(cli) {
        Ok(code) => code,
        // A reader that stopped early (`nullsight ... | head`) is not a failure of ours.
        Err(err) if is_broken_pipe(&err) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // Not `eprintln!`, which panics when stderr is closed.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "nullsight: error: {err:#}");
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
