//! `nullsight lab`: a small Windows domain's event logs, with every scenario of the seed
//! documents as a labelled episode (issue 3).
//!
//! The generator builds every event in memory (a few thousand), sorts each log by time, writes
//! it with the project's EVTX writer and records the record id each labelled event got. With
//! a size target, SRV-FILE01's Security.evtx is then grown with ordinary activity, generated
//! and written as a stream (no memory growth), the labelled events keeping their place in time.
//!
//! Everything comes from one SplitMix64 seeded by `--seed` and a fixed base time, so the same
//! seed gives byte-identical files.

mod background;
mod config;
pub mod domain;
pub(crate) mod records;
pub(crate) mod rng;
mod scenarios;
mod sidecar;

pub use sidecar::{Sidecar, SidecarEpisode, SidecarEvent};

use anyhow::Context;
use domain::Host;
use evtx_writer::{EventRecord, EvtxWriter, FileTime};
use rng::Rng;
use std::path::{Path, PathBuf};

/// 2026-03-02T08:00:00Z, when every host boots.
pub const BASE_UNIX: i64 = 1_772_438_400;
/// The lab covers 08:00–16:00.
pub const WINDOW_SECONDS: u64 = 8 * 3600;
const TICKS: u64 = 10_000_000;

/// The file whose size `--size` sets.
pub const BIG_HOST: usize = domain::SRV_FILE01;

/// What to generate.
#[derive(Debug, Clone)]
pub struct LabOptions {
    pub out_dir: PathBuf,
    pub seed: u64,
    /// Grow SRV-FILE01/Security.evtx with ordinary activity to at least this many bytes.
    pub size: Option<u64>,
}

/// The logs written for each host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Log {
    Security = 0,
    Ntlm = 1,
    System = 2,
    Application = 3,
}

impl Log {
    pub const ALL: [Log; 4] = [Log::Security, Log::Ntlm, Log::System, Log::Application];
    pub fn file_name(self) -> &'static str {
        match self {
            Log::Security => "Security.evtx",
            Log::Ntlm => "Microsoft-Windows-NTLM%4Operational.evtx",
            Log::System => "System.evtx",
            Log::Application => "Application.evtx",
        }
    }
    pub fn channel(self) -> &'static str {
        match self {
            Log::Security => "Security",
            Log::Ntlm => records::NTLM_CHANNEL,
            Log::System => "System",
            Log::Application => "Application",
        }
    }
}

/// What part a host plays in an episode, per event: the one that started the authentication
/// (`client`), the one that was accessed (`server`) or the domain controller validating or
/// recording it for the domain (`dc`: 4776, 8004, 4742, Netlogon).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Client,
    Server,
    Dc,
}

struct Pending {
    t: u64,
    seq: u64,
    rec: EventRecord<'static>,
    tag: Option<(usize, Role)>,
}

struct EpisodeDraft {
    scenario: &'static str,
    description: String,
    hosts: Vec<&'static str>,
}

/// The lab being built.
pub(crate) struct Lab {
    pub hosts: Vec<Host>,
    pub rng: Rng,
    files: Vec<Vec<Pending>>,
    seq: u64,
    episodes: Vec<EpisodeDraft>,
    next_luid: Vec<u64>,
}

impl Lab {
    fn new(seed: u64) -> Lab {
        let root = Rng::new(seed);
        let mut hrng = root.fork(1);
        let hosts = domain::hosts(&mut hrng);
        let next_luid = hosts
            .iter()
            .map(|_| 0x20000 + hrng.range(0, 0x3ffff))
            .collect();
        Lab {
            files: (0..hosts.len() * 4).map(|_| Vec::new()).collect(),
            hosts,
            rng: root.fork(2),
            seq: 0,
            episodes: Vec::new(),
            next_luid,
        }
    }

    /// The FILETIME `secs` (plus a random sub-second part) after the base time.
    pub fn at(&mut self, secs: u64) -> u64 {
        FileTime::from_unix(BASE_UNIX, 0).0 + secs * TICKS + self.rng.below(TICKS)
    }

    /// A fresh logon id on `host`.
    pub fn luid(&mut self, host: usize) -> u64 {
        let step = self.rng.range(0x10, 0x400);
        self.next_luid[host] += step;
        self.next_luid[host]
    }

    pub fn tid(&mut self) -> u32 {
        4 * self.rng.range(100, 2000) as u32
    }

    pub fn episode(&mut self, scenario: &'static str, description: impl Into<String>) -> usize {
        debug_assert!(crate::knowledge::scenarios::lookup(scenario).is_some());
        self.episodes.push(EpisodeDraft {
            scenario,
            description: description.into(),
            hosts: Vec::new(),
        });
        self.episodes.len() - 1
    }

    /// Queue `rec` in `host`'s `log` at time `t`, labelled `(episode, role)` if given.
    pub fn emit(
        &mut self,
        host: usize,
        log: Log,
        t: u64,
        mut rec: EventRecord<'static>,
        tag: Option<(usize, Role)>,
    ) {
        let h = &self.hosts[host];
        assert!(h.logs, "{} has no logs", h.name);
        assert!(
            log != Log::Ntlm || h.ntlm_operational,
            "{} has no NTLM log",
            h.name
        );
        rec.time = FileTime(t);
        if let Some((ep, _)) = tag {
            let hosts = &mut self.episodes[ep].hosts;
            if !hosts.contains(&h.name) {
                hosts.push(h.name);
            }
        }
        self.seq += 1;
        self.files[host * 4 + log as usize].push(Pending {
            t,
            seq: self.seq,
            rec,
            tag,
        });
    }
}

/// Relative path of a host's log, with forward slashes.
pub fn rel_path(host: &Host, log: Log) -> String {
    format!("{}/{}", host.name, log.file_name())
}

/// Generate the lab into `opts.out_dir`; returns the sidecar (also written as `lab.json`).
pub fn generate(opts: &LabOptions) -> anyhow::Result<Sidecar> {
    let mut lab = Lab::new(opts.seed);
    scenarios::all(&mut lab);
    background::all(&mut lab);

    std::fs::create_dir_all(&opts.out_dir)
        .with_context(|| format!("cannot create {}", opts.out_dir.display()))?;
    let mut events: Vec<Vec<SidecarEvent>> = lab.episodes.iter().map(|_| Vec::new()).collect();
    let mut files = Vec::new();
    let mut grown = None;
    let files_pending = std::mem::take(&mut lab.files);
    for (idx, mut pending) in files_pending.into_iter().enumerate() {
        let (host, log) = (idx / 4, Log::ALL[idx % 4]);
        let h = &lab.hosts[host];
        if !h.logs || (log == Log::Ntlm && !h.ntlm_operational) {
            continue;
        }
        let dir = opts.out_dir.join(h.name);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(log.file_name());
        let rel = rel_path(h, log);
        pending.sort_by_key(|p| (p.t, p.seq));
        let big = (host == BIG_HOST && log == Log::Security)
            .then_some(opts.size)
            .flatten();
        let queued = pending.len() as u64;
        let mut filler = big.map(|target| background::Filler::new(&lab, opts.seed, target, queued));
        let written = write_file(&path, pending, filler.as_mut(), |ep, role, rid, t, eid| {
            events[ep].push(SidecarEvent {
                file: rel.clone(),
                record_id: rid,
                event_id: eid,
                host: h.name.to_string(),
                role,
                time: sidecar::rfc3339(t),
            })
        })
        .with_context(|| format!("writing {}", path.display()))?;
        if let Some(f) = &filler {
            grown = Some(sidecar::Grown {
                file: rel.clone(),
                target_bytes: f.target,
                bytes: written.bytes,
                background_records_added: f.count,
            });
        }
        files.push(sidecar::FileInfo {
            file: rel,
            host: h.name.to_string(),
            channel: log.channel().to_string(),
            records: written.records,
            labelled: written.labelled,
            bytes: written.bytes,
        });
    }
    let config = config::write(&opts.out_dir, &lab.hosts)?;
    let episodes = lab
        .episodes
        .iter()
        .zip(events)
        .enumerate()
        .map(|(i, (e, mut evs))| {
            evs.sort_by(|a, b| {
                (&a.time, &a.file, a.record_id).cmp(&(&b.time, &b.file, b.record_id))
            });
            SidecarEpisode {
                id: format!("ep{:03}-{}", i + 1, e.scenario),
                scenario: e.scenario.to_string(),
                description: e.description.clone(),
                hosts: e.hosts.iter().map(|h| h.to_string()).collect(),
                events: evs,
            }
        })
        .collect();
    let side = Sidecar::new(opts.seed, &lab.hosts, files, grown, config, episodes);
    let json = serde_json::to_vec_pretty(&side)?;
    let p = opts.out_dir.join("lab.json");
    std::fs::write(&p, [json.as_slice(), b"\n"].concat())
        .with_context(|| format!("cannot write {}", p.display()))?;
    Ok(side)
}

struct Written {
    records: u64,
    labelled: u64,
    bytes: u64,
}

/// Write one log: its queued events in time order, interleaved with filler records when a
/// size target is set. `label` is told the record id of each labelled event.
fn write_file(
    path: &Path,
    pending: Vec<Pending>,
    mut filler: Option<&mut background::Filler>,
    mut label: impl FnMut(usize, Role, u64, u64, u64),
) -> anyhow::Result<Written> {
    let mut w = EvtxWriter::create(path)?;
    let mut records = 0u64;
    let mut labelled = 0u64;
    let mut put = |w: &mut EvtxWriter<std::fs::File>, p: Pending| -> anyhow::Result<()> {
        let rid = w.write(&p.rec)?;
        if let Some((ep, role)) = p.tag {
            label(ep, role, rid, p.t, u64::from(p.rec.event_id));
            labelled += 1;
        }
        Ok(())
    };
    let mut pending = pending.into_iter().peekable();
    if let Some(f) = filler.as_deref_mut() {
        // Merge by time until the file, plus what the queued events will add, reaches the
        // target; then top up after them if the estimate fell short. The file is measured
        // every 256 records (the writer writes whole 64 KiB chunks).
        let mut since_check = 256u32;
        loop {
            if since_check >= 256 {
                since_check = 0;
                let reserve = pending.len() as u64 * background::EST_RECORD_BYTES;
                if std::fs::metadata(path)?.len() + reserve >= f.target {
                    break;
                }
            }
            let rec = f.next_record();
            while pending.peek().is_some_and(|p| p.t <= rec.time.0) {
                put(&mut w, pending.next().expect("peeked"))?;
                records += 1;
            }
            w.write(rec)?;
            records += 1;
            since_check += 1;
        }
    }
    for p in pending {
        put(&mut w, p)?;
        records += 1;
    }
    if let Some(f) = filler {
        while std::fs::metadata(path)?.len() < f.target {
            for _ in 0..256 {
                w.write(f.next_record())?;
                records += 1;
            }
        }
    }
    w.finish()?;
    let bytes = std::fs::metadata(path)?.len();
    Ok(Written {
        records,
        labelled,
        bytes,
    })
}

/// Parse a size: a number with an optional unit. `KB`, `MB`, `GB` are decimal (10^3, 10^6,
/// 10^9 bytes); `KiB`, `MiB`, `GiB` binary (2^10, 2^20, 2^30); no unit or `B` means bytes.
/// Case-insensitive, `K`/`M`/`G` alone are decimal, a fraction is allowed (`1.5GB`).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (examples: 500MB, 1GB, 1GiB, 2000000)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use KB, MB, GB or KiB, MiB, GiB)"
            ))
        }
    };
    let bytes = n * mult;
    // The EVTX header counts chunks in 16 bits: 65,535 chunks of 64 KiB (about 4.29 GB).
    let max = 65_000.0 * 65_536.0;
    if !(bytes.is_finite() && bytes > 0.0 && bytes <= max) {
        return Err(format!(
            "{s:?}: the size must be above 0 and at most 4.2GB (the EVTX format limit)"
        ));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("500mb"), Ok(500_000_000));
        assert_eq!(parse_size("64 MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
        assert_eq!(parse_size("123456"), Ok(123456));
        assert_eq!(parse_size("10k"), Ok(10_000));
        assert!(parse_size("GB").is_err());
        assert!(parse_size("1TB").is_err());
        assert!(parse_size("5GB").is_err());
        assert!(parse_size("0").is_err());
    }
}
