//! The supervisor: runs workers until one finishes normally (see the module docs above).

use super::shared::{now_ns, Region};
use super::{hex, human_bytes, Failed, Limits, Plan, Supervised, WORKER_ENV};
use crate::report::escape::terminal;
use std::io::IsTerminal;
use std::os::fd::AsRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitCode, ExitStatus};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// What became of one worker run.
struct Run {
    status: ExitStatus,
    pid: u32,
    /// Files begun and not ended, oldest first.
    in_progress: Vec<Vec<u8>>,
    timed_out: Option<Vec<u8>>,
    alloc_failed: bool,
}

/// The temporary file `EventsWriter::create` (src/report/events.rs) spills events to in
/// process `pid`, for `--events dest`: a killed worker leaves it behind. (Kept here rather
/// than shared, so as not to touch the writer; tests/limits.rs checks none is left.)
fn spill_path(dest: &str, pid: u32) -> std::path::PathBuf {
    let dir = if dest == "-" {
        std::env::temp_dir()
    } else {
        match std::path::Path::new(dest).parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        }
    };
    dir.join(format!(".nullsight-events-{pid}.tmp"))
}

/// The program to run as the worker: this very binary (`/proc/self/exe` stays valid even
/// if the file was replaced or deleted since).
fn worker_program() -> std::io::Result<std::path::PathBuf> {
    let proc_exe = std::path::Path::new("/proc/self/exe");
    if cfg!(target_os = "linux") && proc_exe.exists() {
        return Ok(proc_exe.to_path_buf());
    }
    std::env::current_exe()
}

/// The worker's address-space limit: `bytes`, or the hard limit if that is lower.
fn address_space_limit(bytes: u64) -> libc::rlimit {
    let mut cur = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into a local struct.
    unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut cur) };
    let want = libc::rlim_t::try_from(bytes).unwrap_or(libc::RLIM_INFINITY);
    let max = if cur.rlim_max == libc::RLIM_INFINITY {
        want
    } else {
        want.min(cur.rlim_max)
    };
    libc::rlimit {
        rlim_cur: max,
        rlim_max: max,
    }
}

/// Wait for `pid` to exit without reaping it (the caller reaps it, so it may still signal it).
fn wait_exit(pid: u32) {
    loop {
        // SAFETY: waitid writes into a local struct.
        let r = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}

fn run_worker(program: &std::path::Path, limits: &Limits, plan: &Plan) -> std::io::Result<Run> {
    let plan_text = serde_json::to_vec(plan).map_err(std::io::Error::other)?;
    let (region, file) = Region::create(&plan_text)?;
    let fd = file.as_raw_fd();
    let mut args = std::env::args_os();
    let mut cmd = Command::new(program);
    if let Some(arg0) = args.next() {
        cmd.arg0(arg0);
    }
    cmd.args(args).env(WORKER_ENV, fd.to_string());
    let rlimit = limits.max_memory.map(address_space_limit);
    // SAFETY: between fork and exec the closure only makes system calls (no allocation, no
    // lock): keep the shared memory across exec, cap the address space, die with the parent.
    unsafe {
        cmd.pre_exec(move || {
            if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            if let Some(r) = &rlimit {
                if libc::setrlimit(libc::RLIMIT_AS, r) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    drop(file);
    let pid = child.id();
    let (tx, rx) = mpsc::channel::<()>();
    let waiter = std::thread::spawn(move || {
        wait_exit(pid);
        let _ = tx.send(());
    });
    // The watchdog looks at the files in progress a few times per timeout (at most once a
    // second); without a timeout, nothing happens until the worker exits.
    let mut timed_out = None;
    if let Some(timeout) = limits.file_timeout {
        let tick = (timeout / 10).clamp(Duration::from_millis(50), Duration::from_secs(1));
        let timeout_ns = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
        while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(tick) {
            let now = now_ns();
            let late = |b: u64| now.saturating_sub(b) >= timeout_ns;
            if region.oldest_begin().is_none_or(|b| !late(b)) {
                continue;
            }
            if let Some((_, _, path)) = region.in_progress().into_iter().find(|p| late(p.0)) {
                timed_out = Some(path);
                let _ = child.kill();
                let _ = rx.recv();
                break;
            }
        }
    } else {
        let _ = rx.recv();
    }
    let status = child.wait()?;
    let _ = waiter.join();
    Ok(Run {
        status,
        pid,
        in_progress: region.in_progress().into_iter().map(|p| p.2).collect(),
        timed_out,
        alloc_failed: region.alloc_failed(),
    })
}

fn signal_name(sig: i32) -> String {
    let name = match sig {
        libc::SIGABRT => "SIGABRT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSYS => "SIGSYS",
        libc::SIGTRAP => "SIGTRAP",
        _ => return format!("signal {sig}"),
    };
    name.to_string()
}

/// How an abnormal run ended, as the start of a reason.
fn what_happened(run: &Run, limits: &Limits) -> String {
    if run.alloc_failed {
        return match limits.max_memory {
            Some(m) => format!("reading needed more than {} (--max-memory)", human_bytes(m)),
            None => "reading ran out of memory".into(),
        };
    }
    match run.status.signal() {
        Some(libc::SIGKILL) => {
            "reading was killed by SIGKILL (the system may have run out of memory)".into()
        }
        Some(s) => format!("reading crashed nullsight ({})", signal_name(s)),
        None => "reading crashed nullsight (an internal error, reported on stderr)".into(),
    }
}

fn clear_progress_line() {
    if std::io::stderr().is_terminal() {
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

/// Run the command in workers until one finishes normally (see the module docs).
/// `spills` are the `--events` destinations, whose spill files a killed worker leaves.
pub fn supervise(limits: &Limits, spills: &[String]) -> anyhow::Result<Supervised> {
    let program = match worker_program() {
        Ok(p) => p,
        Err(e) => {
            return Ok(Supervised::Unavailable(format!(
                "cannot find this program to run it as a worker: {e}"
            )))
        }
    };
    let mut plan = Plan::default();
    let mut started = false;
    loop {
        let run = match run_worker(&program, limits, &plan) {
            Ok(r) => r,
            Err(e) if !started => {
                return Ok(Supervised::Unavailable(format!(
                    "cannot start a worker process ({}): {e}",
                    program.display()
                )))
            }
            Err(e) => anyhow::bail!("cannot start a worker process again: {e}"),
        };
        started = true;
        match (run.status.code(), run.status.signal()) {
            // 127 is the dynamic loader's "error while loading shared libraries" (the worker
            // itself never exits so): under a small address-space limit the program cannot
            // even be mapped.
            (Some(127), _) if limits.max_memory.is_some() => {
                anyhow::bail!(
                    "the worker process could not be loaded within --max-memory {} (see the loader's message above): raise --max-memory (64 MiB is ample for small scans), or use --no-isolation",
                    human_bytes(limits.max_memory.unwrap_or(0))
                );
            }
            // Finished (even if the watchdog fired as it did): its outputs are complete.
            (Some(code), _) if code != 101 => {
                return Ok(Supervised::Done(ExitCode::from(code as u8)))
            }
            // Signals from outside (Ctrl-C, kill): not the file's doing.
            (_, Some(sig))
                if run.timed_out.is_none()
                    && [
                        libc::SIGINT,
                        libc::SIGTERM,
                        libc::SIGHUP,
                        libc::SIGQUIT,
                        libc::SIGPIPE,
                    ]
                    .contains(&sig) =>
            {
                return Ok(Supervised::Done(ExitCode::from(128 + sig as u8)))
            }
            _ => {}
        }
        for dest in spills {
            let _ = std::fs::remove_file(spill_path(dest, run.pid));
        }
        clear_progress_line();
        // Memory is the whole process's: a file is blamed for it only when it failed while
        // being read alone. A hang or a crash is the file's own doing.
        let memory = run.alloc_failed || run.status.signal() == Some(libc::SIGKILL);
        let alone = |p: &[u8]| plan.first.contains(&hex(p));
        let culprit = match (&run.timed_out, run.in_progress.as_slice()) {
            (Some(p), _) => Some((
                p.clone(),
                format!(
                    "reading stopped after {} s (--file-timeout)",
                    limits.file_timeout.unwrap_or_default().as_secs()
                ),
            )),
            (None, [one]) if !memory || alone(one) => {
                Some((one.clone(), what_happened(&run, limits)))
            }
            _ => None,
        };
        if let Some((path, why)) = culprit {
            let key = hex(&path);
            if plan.failed.iter().any(|f| f.path == key) {
                anyhow::bail!(
                    "{}: {why}, although it was to be skipped (the worker did not follow its plan)",
                    terminal(&String::from_utf8_lossy(&path))
                );
            }
            to_stderr!(
                "nullsight: {}: {why}: reading the other files again without it",
                terminal(&String::from_utf8_lossy(&path))
            );
            plan.failed.push(Failed {
                path: key,
                reason: format!("{why}: the file was skipped"),
            });
            continue;
        }
        let suspects: Vec<String> = run
            .in_progress
            .iter()
            .filter(|p| !alone(p))
            .map(|p| hex(p))
            .collect();
        if !suspects.is_empty() {
            to_stderr!(
                "nullsight: {} while {} file(s) were being read together: reading {} again alone, first",
                what_happened(&run, limits),
                run.in_progress.len(),
                if suspects.len() == 1 { "it" } else { "them" },
            );
            plan.first.extend(suspects);
            continue;
        }
        // Nothing to blame: the process failed outside the reading of any one file.
        if run.status.code() == Some(101) {
            if let Some(m) = limits.max_memory {
                to_stderr!(
                    "nullsight: the worker failed while no file was being read (see above); if it could not start a thread or allocate, its {} (--max-memory) is too small for its threads: raise it, lower --threads, or use --no-isolation",
                    human_bytes(m)
                );
            }
            return Ok(Supervised::Done(ExitCode::from(101)));
        }
        let how = what_happened(&run, limits);
        let hint = match limits.max_memory {
            _ if run.alloc_failed => " (the analysis of everything read needs more: raise --max-memory, or scan fewer files at a time)".to_string(),
            // A worker that cannot map its stacks or libraries under the limit dies this way
            // before it reads anything.
            Some(m) => format!(" (if its {} (--max-memory) is too small for it to start its threads, raise --max-memory, lower --threads, or use --no-isolation)", human_bytes(m)),
            None => String::new(),
        };
        anyhow::bail!(
            "{} while no file was being read{hint}",
            how.replacen("reading ", "the scan ", 1),
        );
    }
}
