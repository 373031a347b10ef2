//! End-to-end benchmark of `nullsight scan` against `evtx_dump -o jsonl` (issue 7).
//!
//! usage: cargo bench --bench scan [-- [--runs N] [--dir DIR] [--only NAME]]
//! (or scripts/bench.sh). Needs `/usr/bin/time` (apt-get install time) and `evtx_dump` on
//! PATH (`cargo install evtx --version 0.15.1`, the version nullsight depends on).
//!
//! Builds its inputs in DIR (default: $TMPDIR/nullsight-bench; kept between runs):
//! * `security-1g.evtx`: 1 GiB made by repeating the chunks of a real Security log
//!   (corpus `evtxrs__security.evtx`, 4624-heavy), record numbers, IDs and CRCs rewritten so
//!   that the file is a valid log of unique records;
//! * `system-1g.evtx`: 1 GiB the same way from a real System log (`evtxrs__system.evtx`),
//!   where the events nullsight reads are rare;
//! * `writer-1g.evtx`: 1 GiB written by `evtx-writer` (`examples/big.rs` mix: 80 % 4624);
//! * `writer-2g.evtx`: the same, 2 GiB: twice the events over twice the time, for the peak
//!   (what the scan keeps must not grow with a log's length; timed, but without the rows of
//!   context, whose outputs would take 7 GB);
//! * `anon-1g.evtx`: the same mix with every 4624 an ANONYMOUS LOGON (a flood of null
//!   sessions on a DC: the input where the most is kept per event);
//! * `ntlm-1g.evtx`: 1 GiB of 8001s written by `evtx-writer` (`examples/ntlm_outgoing.rs`:
//!   one server's LocalSystem services reaching 200 servers, 20 a second): the outgoing NTLM
//!   a client's log holds, each 8001 kept for the anonymous logons' client rule;
//! * `sql-1g.evtx`: 1 GiB of SQL Server 18456s for ANONYMOUS LOGON written by `evtx-writer`
//!   (`examples/sql_anonymous.rs`: a double hop without delegation from 50 web servers, 20 a
//!   second), each kept for the anonymous logons' SQL Server rule;
//! * `sessions-1g.evtx`: 1 GiB of null-session enumeration written by `evtx-writer`
//!   (`examples/null_sessions.rs`: scanners at 500 addresses opening a new anonymous session
//!   20 times a second, each a 4624, a 5140, two 5145s and a 4634): a session per logon;
//! * `zerologon-1g.evtx`: 1 GiB of NETLOGON 5805 naming the DC itself written by `evtx-writer`
//!   (`examples/zerologon.rs`: a Zerologon tool run against DC01 again and again, 100 a
//!   second), each a Zerologon signature;
//! * `dc-1g.evtx`: 1 GiB of a domain controller's NTLM validations written by `evtx-writer`
//!   (`examples/dc_validations.rs`: 4776s for 60,000 workstation-account pairs, 40 a
//!   second, and the DC's own NTLM logons of one pair in twenty): what a DC's log holds,
//!   a correlation path per pair;
//! * `small/`: 10,000 small logs written by `evtx-writer`;
//! * `lab/`: a multi-host lab written by `evtx-writer` (40 hosts, Security + NTLM/Operational
//!   + System each).
//!
//! Each command runs `--runs` times (default 3) under `/usr/bin/time -v`, the commands of an
//! input taking turns (evtx_dump, nullsight, ..., then again); the table has medians of wall
//! time and peak RSS, input MB/s, and the ratio evtx_dump / nullsight: the median of the
//! ratios of the runs of the same turn, seconds apart (the machine's speed moves by the
//! minute). The page cache is warm (inputs are read once before timing). evtx_dump writes to
//! /dev/null, nullsight writes its `--events` JSON Lines and `--json` summary to files: the
//! comparison favours evtx_dump. For single files a row also times evtx_dump writing its
//! output to a file, as context; the ratios against the targets stay those against evtx_dump
//! to /dev/null.

use evtx_writer::{EventData, EventRecord, EvtxWriter, FileTime, Guid, Sid, Value};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::Command;

const GIB: u64 = 1 << 30;
const FILE_HEADER: usize = 4096;
const CHUNK: usize = 65536;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let runs: usize = opt("--runs").and_then(|r| r.parse().ok()).unwrap_or(3);
    let only = opt("--only");
    let dir = opt("--dir")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("nullsight-bench"));
    std::fs::create_dir_all(&dir).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpus/evtx");
    let nullsight = root.join("target/release/nullsight");
    assert!(
        nullsight.is_file(),
        "build first: cargo build --release ({} missing)",
        nullsight.display()
    );

    let security = dir.join("security-1g.evtx");
    repeat_chunks(&corpus.join("evtxrs__security.evtx"), &security, GIB);
    let system = dir.join("system-1g.evtx");
    repeat_chunks(&corpus.join("evtxrs__system.evtx"), &system, GIB);
    let writer = dir.join("writer-1g.evtx");
    writer_big(&writer, GIB, 4);
    let long = dir.join("writer-2g.evtx");
    writer_big(&long, 2 * GIB, 4);
    let flood = dir.join("anon-1g.evtx");
    writer_big(&flood, GIB, 1);
    let ntlm = dir.join("ntlm-1g.evtx");
    writer_example(&ntlm, GIB, "ntlm_outgoing", &[]);
    let sql = dir.join("sql-1g.evtx");
    writer_example(&sql, GIB, "sql_anonymous", &[]);
    let sessions = dir.join("sessions-1g.evtx");
    writer_example(&sessions, GIB, "null_sessions", &[]);
    let zerologon = dir.join("zerologon-1g.evtx");
    writer_example(&zerologon, GIB, "zerologon", &[]);
    let dc = dir.join("dc-1g.evtx");
    writer_example(&dc, GIB, "dc_validations", &[]);
    let small = dir.join("small");
    small_files(&small, 10_000);
    let lab = dir.join("lab");
    lab_hosts(&lab, 40);

    println!("\n{}\n", machine());
    println!("| input | size | tool | wall (median of {runs}) | MB/s | peak RSS | CPU | evtx_dump / nullsight |");
    println!("|---|---|---|---|---|---|---|---|");
    // (name, input, a single file, with the rows of context: events to /dev/null, no events,
    // evtx_dump to a file, the events file copied)
    let cases: [(&str, &Path, bool, bool); 12] = [
        (
            "security-1g (real Security chunks, 4624-heavy)",
            &security,
            true,
            true,
        ),
        (
            "system-1g (real System chunks, relevant events rare)",
            &system,
            true,
            true,
        ),
        ("writer-1g (evtx-writer, 80 % 4624)", &writer, true, true),
        (
            "writer-2g (evtx-writer, 80 % 4624, twice as long)",
            &long,
            true,
            false,
        ),
        (
            "anon-1g (evtx-writer, 80 % 4624, all ANONYMOUS LOGON)",
            &flood,
            true,
            true,
        ),
        (
            "ntlm-1g (evtx-writer, 8001 from LocalSystem to 200 servers)",
            &ntlm,
            true,
            true,
        ),
        (
            "sql-1g (evtx-writer, 18456 for ANONYMOUS LOGON from 50 clients)",
            &sql,
            true,
            true,
        ),
        (
            "sessions-1g (evtx-writer, null-session enumeration, a session per logon)",
            &sessions,
            true,
            true,
        ),
        (
            "zerologon-1g (evtx-writer, 5805 naming the DC itself, 100 a second)",
            &zerologon,
            true,
            true,
        ),
        (
            "dc-1g (evtx-writer, 4776 for 60,000 workstation-account pairs)",
            &dc,
            true,
            true,
        ),
        ("10,000 small files (evtx-writer)", &small, false, false),
        (
            "multi-host lab, 40 hosts × 3 logs (evtx-writer)",
            &lab,
            false,
            false,
        ),
    ];
    for (name, input, single, context) in cases {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let bytes = du(input);
        warm(input);
        let out = dir.join("out");
        std::fs::create_dir_all(&out).unwrap();
        let events = out.join("events.jsonl");
        // `nullsight scan ARGS --json SUMMARY INPUT`, its standard output to /dev/null.
        let ns_with = |args: &str| {
            let cmd = format!(
                "{} scan {args} --json {} {} > /dev/null",
                nullsight.display(),
                out.join("summary.json").display(),
                input.display()
            );
            // Many files: nullsight under a low open-files limit, to show none is kept open.
            if single {
                cmd
            } else {
                format!("ulimit -n 64 && {cmd}")
            }
        };
        let ns_cmd = ns_with(&format!("--events {}", events.display()));
        // Every output, the HTML report too: for its peak (the report is made at the end,
        // from what the analysis keeps), not a target's time.
        let ns_html_cmd = ns_with(&format!(
            "--events {} --html {}",
            events.display(),
            out.join("report.html").display()
        ));
        let dump_cmd = if single {
            format!("evtx_dump -o jsonl {} > /dev/null", input.display())
        } else {
            format!(
                "find {} -name '*.evtx' -print0 | xargs -0 -P 2 -n 1 evtx_dump -o jsonl > /dev/null",
                input.display()
            )
        };
        // For context only (the targets are against `dump`): evtx_dump with its output written
        // to a file, as nullsight's are.
        let dump_copy = out.join("evtx_dump.jsonl");
        let dump_file_cmd = format!(
            "evtx_dump -o jsonl {} > {}",
            input.display(),
            dump_copy.display()
        );
        // The events to /dev/null, where evtx_dump's output goes: the same cost of output.
        let ns_null_cmd = ns_with("--events -");
        // No events output: the full analysis and the summary, which the events lines and
        // their final pass come on top of (where the 2× target stands without them).
        let ns_plain_cmd = ns_with("");
        // What writing the events file alone costs here: a copy of the one nullsight wrote,
        // the same bytes into a new file (the page cache's copy and the file system's
        // bookkeeping). evtx_dump writes to /dev/null, so this is the part of nullsight's
        // time that has no counterpart in evtx_dump's. After the runs that write the file.
        let events_copy = out.join("events-copy.jsonl");
        let cat_cmd = format!("cat {} > {}", events.display(), events_copy.display());
        let mut cmds = vec![dump_cmd.as_str(), ns_cmd.as_str(), ns_html_cmd.as_str()];
        if context {
            cmds.extend([
                ns_null_cmd.as_str(),
                ns_plain_cmd.as_str(),
                cat_cmd.as_str(),
                dump_file_cmd.as_str(),
            ]);
        }
        let samples = measure_in_turns(&cmds, runs);
        let _ = std::fs::remove_file(&dump_copy);
        let _ = std::fs::remove_file(&events_copy);
        let [dump, ns, ns_html, rest @ ..] = samples.as_slice() else {
            unreachable!("three commands or more")
        };
        let (ns_null, ns_plain, write_floor, dump_file) = match rest {
            [null, plain, cat, file] => (
                Some(null),
                Some(plain),
                Some((
                    std::fs::metadata(&events).map(|m| m.len()).unwrap_or(0),
                    cat,
                )),
                Some(file),
            ),
            _ => (None, None, None, None),
        };
        let mb = bytes as f64 / 1e6;
        let row = |tool: &str, runs: &[Run], ratio: &str| {
            let m = medians(runs);
            println!(
                "| {name} | {:.0} MB | {tool} | {:.2} s | {:.0} | {:.0} MB | {:.0} % | {ratio} |",
                mb,
                m.wall,
                mb / m.wall,
                m.rss_kb / 1024.0,
                m.cpu
            )
        };
        row("`evtx_dump -o jsonl`", dump, "");
        if let Some(m) = dump_file {
            row(
                "`evtx_dump -o jsonl > FILE` (its output to a file; context, not the target)",
                m,
                &format!("({:.2}× against the row below)", ratio(m, ns)),
            );
        }
        row(
            "`nullsight scan --events --json`",
            ns,
            &format!("**{:.2}×**", ratio(dump, ns)),
        );
        if let Some(m) = ns_null {
            row(
                "`nullsight scan --events - --json` (events to /dev/null)",
                m,
                &format!("**{:.2}×**", ratio(dump, m)),
            );
        }
        if let Some(m) = ns_plain {
            row(
                "`nullsight scan --json` (no `--events`: the analysis and the summary)",
                m,
                &format!("{:.2}×", ratio(dump, m)),
            );
        }
        row(
            "`nullsight scan --events --json --html` (every output; for the peak)",
            ns_html,
            &format!("{:.2}×", ratio(dump, ns_html)),
        );
        // (Left out where the events are a few lines: a copy of nothing says nothing.)
        if let Some((len, m)) = write_floor.as_ref().filter(|(len, _)| *len >= 1 << 20) {
            row(
                &format!(
                    "`cat events.jsonl > FILE` (writing the {:.0} MB events file alone)",
                    *len as f64 / 1e6
                ),
                m,
                &format!("{:.2}×", ratio(dump, m)),
            );
        }
    }
    println!("\ncommands: nullsight = `nullsight scan --events OUT.jsonl --json SUMMARY.json INPUT > /dev/null` (for folders under `ulimit -n 64`); for single files also `nullsight scan --events - --json SUMMARY.json INPUT > /dev/null`, the events going where evtx_dump's output goes, and `nullsight scan --json SUMMARY.json INPUT`, without the events; `--html REPORT.html` added for every output's peak; and `cat events.jsonl > FILE`, writing the events file alone; evtx_dump = `evtx_dump -o jsonl INPUT > /dev/null` (for folders: `find | xargs -P 2 -n 1 evtx_dump -o jsonl`), and for single files, for context, `evtx_dump -o jsonl INPUT > FILE`; the ratios against the targets are those against `> /dev/null`; each ratio is the median, over the turns, of the two commands' ratio in the same turn.");
}

/// One timed run of a command, or the medians of a command's runs ([`medians`]).
struct Run {
    wall: f64,
    rss_kb: f64,
    cpu: f64,
}

/// The medians of a command's runs, each column on its own.
fn medians(runs: &[Run]) -> Run {
    Run {
        wall: median(runs.iter().map(|r| r.wall).collect()),
        rss_kb: median(runs.iter().map(|r| r.rss_kb).collect()),
        cpu: median(runs.iter().map(|r| r.cpu).collect()),
    }
}

/// `reference` against `x`: the median, over the turns, of the ratio of their wall times in
/// the same turn. On this shared machine the speed of both moves from minute to minute
/// (BENCHMARKS.md); a ratio of two runs a second apart moves less.
fn ratio(reference: &[Run], x: &[Run]) -> f64 {
    median(
        reference
            .iter()
            .zip(x)
            .map(|(r, x)| r.wall / x.wall)
            .collect(),
    )
}

/// `runs` runs of each of `cmds` (sh) under `/usr/bin/time -v`, the commands taking turns
/// (one run of each, in order, then again): each command's runs, in turn order.
fn measure_in_turns(cmds: &[&str], runs: usize) -> Vec<Vec<Run>> {
    let mut out: Vec<Vec<Run>> = cmds.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs {
        for (cmd, runs) in cmds.iter().zip(&mut out) {
            runs.push(run_once(cmd));
        }
    }
    out
}

/// One run of `cmd` (sh) under `/usr/bin/time -v`.
fn run_once(cmd: &str) -> Run {
    // The previous run's output written back first: dirty pages left behind make the
    // kernel throttle the next run's writes, and a run's time then depends on the one
    // before it.
    let _ = Command::new("sync").status();
    let out = Command::new("/usr/bin/time")
        .args(["-v", "sh", "-c", cmd])
        .output()
        .expect("/usr/bin/time (apt-get install time)");
    let err = String::from_utf8_lossy(&out.stderr);
    let field = |key: &str| {
        err.lines()
            .find_map(|l| l.trim().strip_prefix(key).map(|v| v.trim().to_string()))
            .unwrap_or_else(|| panic!("no {key} from time -v for {cmd}:\n{err}"))
    };
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):");
    let wall = wall
        .split(':')
        .fold(0.0, |acc, p| acc * 60.0 + p.parse::<f64>().unwrap());
    let code = field("Exit status:");
    assert!(
        code == "0" || code == "3",
        "{cmd} exited with {code}:\n{err}"
    );
    Run {
        wall,
        rss_kb: field("Maximum resident set size (kbytes):")
            .parse::<f64>()
            .unwrap(),
        cpu: field("Percent of CPU this job got:")
            .trim_end_matches('%')
            .parse::<f64>()
            .unwrap_or(0.0),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn machine() -> String {
    let sh = |c: &str| {
        Command::new("sh")
            .args(["-c", c])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    format!(
        "machine: {} × {}, {} RAM, Linux {}; {}; evtx_dump {}",
        sh("nproc"),
        sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
        sh("free -h | awk '/Mem:/{print $2}'"),
        sh("uname -r"),
        sh("rustc --version"),
        sh("evtx_dump --version")
    )
}

fn du(p: &Path) -> u64 {
    if p.is_file() {
        return p.metadata().unwrap().len();
    }
    std::fs::read_dir(p)
        .unwrap()
        .map(|e| du(&e.unwrap().path()))
        .sum()
}

/// Read everything once so that the page cache is warm.
fn warm(p: &Path) {
    let _ = Command::new("sh")
        .args([
            "-c",
            &format!("find {} -type f -exec cat {{}} + > /dev/null", p.display()),
        ])
        .status();
}

/// A `size`-byte log made of the chunks of `src` over and over, with record numbers and IDs
/// (record headers, EventRecordID substitutions, chunk headers) made unique and increasing,
/// and every CRC recomputed.
fn repeat_chunks(src: &Path, out: &Path, size: u64) {
    let n_chunks = (size as usize - FILE_HEADER) / CHUNK;
    if out
        .metadata()
        .is_ok_and(|m| m.len() == (FILE_HEADER + n_chunks * CHUNK) as u64)
    {
        return;
    }
    eprintln!("building {} from {}", out.display(), src.display());
    let data = std::fs::read(src).unwrap();
    let chunks: Vec<&[u8]> = data[FILE_HEADER..]
        .chunks_exact(CHUNK)
        .filter(|c| &c[..8] == b"ElfChnk\0" && c[..].iter().any(|&b| b != 0))
        .collect();
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).unwrap());
    use std::io::Write;
    let mut header = data[..FILE_HEADER].to_vec();
    // Placeholder: chunk count, last chunk and next record id are fixed at the end.
    file.write_all(&header).unwrap();
    let mut next_id = 1u64;
    let mut body = Vec::with_capacity(n_chunks);
    for i in 0..n_chunks {
        let mut c = chunks[i % chunks.len()].to_vec();
        let free = u32::from_le_bytes(c[48..52].try_into().unwrap()) as usize;
        let mut off = 512;
        let first = next_id;
        let mut last_offset = 512;
        while off + 24 <= free && &c[off..off + 4] == b"\x2a\x2a\0\0" {
            let len = u32::from_le_bytes(c[off + 4..off + 8].try_into().unwrap()) as usize;
            if len < 28 || off + len > free {
                break;
            }
            c[off + 8..off + 16].copy_from_slice(&next_id.to_le_bytes());
            set_record_id_substitution(&mut c, off + 24, next_id);
            last_offset = off;
            next_id += 1;
            off += len;
        }
        let last = next_id - 1;
        c[8..16].copy_from_slice(&first.to_le_bytes());
        c[16..24].copy_from_slice(&last.to_le_bytes());
        c[24..32].copy_from_slice(&first.to_le_bytes());
        c[32..40].copy_from_slice(&last.to_le_bytes());
        c[44..48].copy_from_slice(&(last_offset as u32).to_le_bytes());
        evtx_writer::set_chunk_crcs(&mut c);
        body.push(c);
        if body.len() == 256 || i + 1 == n_chunks {
            for c in body.drain(..) {
                file.write_all(&c).unwrap();
            }
        }
    }
    file.flush().unwrap();
    drop(file);
    header[16..24].copy_from_slice(&(n_chunks as u64 - 1).to_le_bytes()); // last chunk number
    header[24..32].copy_from_slice(&next_id.to_le_bytes()); // next record id
    header[42..44].copy_from_slice(&(n_chunks.min(65535) as u16).to_le_bytes());
    header[120..124].copy_from_slice(&0u32.to_le_bytes()); // clean, not full
    evtx_writer::set_file_header_crc(&mut header);
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::OpenOptions::new().write(true).open(out).unwrap();
    f.seek(SeekFrom::Start(0)).unwrap();
    f.write_all(&header).unwrap();
}

/// Set substitution 10 (EventRecordID, UInt64) of the record whose BinXML starts at `at`.
fn set_record_id_substitution(c: &mut [u8], at: usize, id: u64) {
    if c[at..at + 5] != [0x0f, 1, 1, 0, 0x0c] {
        return;
    }
    let p = at + 4;
    let def = u32::from_le_bytes(c[p + 6..p + 10].try_into().unwrap()) as usize;
    let mut q = p + 10;
    if q == def {
        q += 24 + u32::from_le_bytes(c[q + 20..q + 24].try_into().unwrap()) as usize;
    }
    let n = u32::from_le_bytes(c[q..q + 4].try_into().unwrap()) as usize;
    if n <= 10 {
        return;
    }
    let desc = q + 4;
    let mut v = desc + 4 * n;
    for i in 0..10 {
        v += u16::from_le_bytes(c[desc + 4 * i..desc + 4 * i + 2].try_into().unwrap()) as usize;
    }
    let (size, ty) = (
        u16::from_le_bytes(c[desc + 40..desc + 42].try_into().unwrap()),
        c[desc + 42],
    );
    if size == 8 && ty == 0x0a {
        c[v..v + 8].copy_from_slice(&id.to_le_bytes());
    }
}

/// `anon_every`: one 4624 in that many is anonymous (`examples/big.rs`'s third argument).
fn writer_big(out: &Path, size: u64, anon_every: u64) {
    writer_example(out, size, "big", &[&anon_every.to_string()]);
}

/// `out`, `size` bytes written by evtx-writer's example `name` (arguments: OUT SIZE_MB, then
/// `more`), unless it is there already.
fn writer_example(out: &Path, size: u64, name: &str, more: &[&str]) {
    if out.metadata().is_ok_and(|m| m.len() >= size) {
        return;
    }
    eprintln!(
        "building {} with evtx-writer's examples/{name}",
        out.display()
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ok = Command::new("cargo")
        .args(["build", "--release", "-p", "evtx-writer", "--example", name])
        .current_dir(root)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let ok = Command::new(root.join("target/release/examples").join(name))
        .arg(out)
        .arg((size >> 20).to_string())
        .args(more)
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

const AUDITING: &str = "{54849625-5478-4994-A5BA-3E3B0328C30D}";
const NTLM: &str = "{AC43300D-5FCC-4800-8E99-1BD3F85F0320}";

fn s(v: impl Into<String>) -> Value<'static> {
    Value::String(Cow::Owned(v.into()))
}

fn sid(v: &str) -> Value<'static> {
    Value::Sid(v.parse::<Sid>().unwrap())
}

fn logon(host: &str, n: u64, anonymous: bool) -> EventRecord<'static> {
    let client = format!("10.1.{}.{}", n % 7, 10 + n % 40);
    let (usid, user, domain, pkg, lm) = if anonymous {
        (
            "S-1-5-7",
            "ANONYMOUS LOGON",
            "NT AUTHORITY",
            "NTLM",
            "NTLM V1",
        )
    } else {
        ("S-1-5-21-1-2-3-1104", "alice", "CORP", "Kerberos", "-")
    };
    EventRecord {
        provider_name: "Microsoft-Windows-Security-Auditing".into(),
        provider_guid: Some(AUDITING.parse::<Guid>().unwrap()),
        event_id: 4624,
        version: 2,
        task: 12544,
        keywords: 0x8020_0000_0000_0000,
        time: FileTime::from_unix(1_700_000_000 + n as i64 * 7, 0),
        process_id: 636,
        thread_id: 4108,
        channel: "Security".into(),
        computer: host.to_string().into(),
        data: EventData::Named(
            [
                ("SubjectUserSid", sid("S-1-0-0")),
                ("SubjectUserName", s("-")),
                ("SubjectDomainName", s("-")),
                ("SubjectLogonId", Value::HexInt64(0)),
                ("TargetUserSid", sid(usid)),
                ("TargetUserName", s(user)),
                ("TargetDomainName", s(domain)),
                ("TargetLogonId", Value::HexInt64(0x10000 + n)),
                ("LogonType", Value::U32(3)),
                ("LogonProcessName", s("NtLmSsp ")),
                ("AuthenticationPackageName", s(pkg)),
                ("WorkstationName", s(format!("WKS{}", n % 40))),
                ("LogonGuid", Value::Guid(Guid::default())),
                ("TransmittedServices", s("-")),
                ("LmPackageName", s(lm)),
                ("KeyLength", Value::U32(0)),
                ("ProcessId", Value::SizeT(0)),
                ("ProcessName", s("-")),
                ("IpAddress", s(client)),
                ("IpPort", s("49152")),
                ("ImpersonationLevel", s("%%1833")),
                ("RestrictedAdminMode", s("-")),
                ("TargetOutboundUserName", s("-")),
                ("TargetOutboundDomainName", s("-")),
                ("VirtualAccount", s("%%1843")),
                ("TargetLinkedLogonId", Value::HexInt64(0)),
                ("ElevatedToken", s("%%1843")),
            ]
            .into_iter()
            .map(|(k, v)| (Cow::Borrowed(k), v))
            .collect(),
        ),
        ..EventRecord::default()
    }
}

fn other(host: &str, n: u64, event_id: u16) -> EventRecord<'static> {
    EventRecord {
        provider_name: "Microsoft-Windows-Security-Auditing".into(),
        provider_guid: Some(AUDITING.parse::<Guid>().unwrap()),
        event_id,
        task: 12545,
        time: FileTime::from_unix(1_700_000_000 + n as i64 * 7, 0),
        channel: "Security".into(),
        computer: host.to_string().into(),
        data: EventData::Named(vec![
            ("TargetUserSid".into(), sid("S-1-5-21-1-2-3-1104")),
            ("TargetLogonId".into(), Value::HexInt64(0x10000 + n)),
        ]),
        ..EventRecord::default()
    }
}

fn ntlm(host: &str, n: u64) -> EventRecord<'static> {
    EventRecord {
        provider_name: "Microsoft-Windows-NTLM".into(),
        provider_guid: Some(NTLM.parse::<Guid>().unwrap()),
        event_id: 8004,
        time: FileTime::from_unix(1_700_000_000 + n as i64 * 11, 0),
        channel: "Microsoft-Windows-NTLM/Operational".into(),
        computer: host.to_string().into(),
        data: EventData::Named(vec![
            ("SChannelName".into(), s(format!("WKS{}", n % 40))),
            ("UserName".into(), s("alice")),
            ("DomainName".into(), s("CORP")),
            ("WorkstationName".into(), s(format!("WKS{}", n % 40))),
            ("SChannelType".into(), Value::U32(2)),
        ]),
        ..EventRecord::default()
    }
}

fn netlogon(host: &str, n: u64) -> EventRecord<'static> {
    EventRecord {
        provider_name: "NETLOGON".into(),
        event_id: if n.is_multiple_of(2) { 5805 } else { 7036 },
        qualifiers: Some(0),
        level: 2,
        keywords: 0x0080_0000_0000_0000,
        time: FileTime::from_unix(1_700_000_000 + n as i64 * 13, 0),
        channel: "System".into(),
        computer: host.to_string().into(),
        data: EventData::Positional {
            strings: vec![format!("WKS{}", n % 40).into(), "%%5".into()],
            binary: Some(vec![0x22, 0x00, 0x00, 0xc0].into()),
        },
        ..EventRecord::default()
    }
}

fn write_log(path: &Path, records: impl Iterator<Item = EventRecord<'static>>) {
    let mut w = EvtxWriter::create(path).unwrap();
    for r in records {
        w.write(&r).unwrap();
    }
    w.finish().unwrap();
}

fn small_files(dir: &Path, count: u64) {
    if dir.is_dir() && std::fs::read_dir(dir).unwrap().count() as u64 == count {
        return;
    }
    eprintln!("building {count} small files in {}", dir.display());
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..count {
        let host = format!("WKS{i:05}.corp.example");
        write_log(
            &dir.join(format!("{i:05}-Security.evtx")),
            (0..60).map(|n| match n % 6 {
                0 | 1 => logon(&host, i * 100 + n, n % 4 == 0),
                2 => other(&host, n, 4634),
                3 => other(&host, n, 4672),
                4 => other(&host, n, 4688),
                _ => other(&host, n, 4625),
            }),
        );
    }
}

fn lab_hosts(dir: &Path, hosts: u64) {
    if dir.is_dir() && std::fs::read_dir(dir).unwrap().count() as u64 == hosts {
        return;
    }
    eprintln!("building a {hosts}-host lab in {}", dir.display());
    let _ = std::fs::remove_dir_all(dir);
    for h in 0..hosts {
        let host = if h < 2 {
            format!("DC{h:02}.corp.example")
        } else {
            format!("SRV{h:03}.corp.example")
        };
        let d = dir.join(&host);
        std::fs::create_dir_all(&d).unwrap();
        write_log(
            &d.join("Security.evtx"),
            (0..20_000).map(|n| match n % 5 {
                0 | 1 => logon(&host, n, n % 3 == 0),
                2 => other(&host, n, 4634),
                3 => other(&host, n, 5140),
                _ => other(&host, n, 4688),
            }),
        );
        write_log(
            &d.join("Microsoft-Windows-NTLM%4Operational.evtx"),
            (0..5_000).map(|n| ntlm(&host, n)),
        );
        write_log(
            &d.join("System.evtx"),
            (0..5_000).map(|n| netlogon(&host, n)),
        );
    }
}
