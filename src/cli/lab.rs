//! `nullsight lab`: write a small Windows domain's event logs with labelled scenarios.

use crate::lab::{self, LabOptions};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
#[command(
    about = "Write a small Windows domain's event logs (EVTX) with every scenario as a labelled episode",
    long_about = "Write a small Windows domain's event logs (EVTX), with every cause of ANONYMOUS LOGON and
legacy NTLM that nullsight tells apart played out as a labelled episode, seen from every host
involved, among ordinary activity. For tests, demonstrations and benchmarks. The same --seed
gives byte-identical files.

THE DOMAIN: CORP (corp.example), one working day from 2026-03-02 08:00 to 16:00 UTC.
  DC01          10.0.0.10   domain controller, Server 2019 (patched for Zerologon at 13:00)
  SRV-FILE01    10.0.0.20   file server, Server 2022
  SRV-APP01     10.0.0.21   IIS middle tier, Server 2012 R2 (writes 4624 version 1)
  SQL01         10.0.0.30   SQL Server 2019 (MSSQLSERVER), Server 2019
  SRV-LEGACY08  10.0.0.40   Server 2008 (4624 version 0, no NTLM/Operational log)
  WKS001-WKS005 10.0.1.101-105  workstations (WKS005 is Windows 11 24H2: 4624 version 3)
  KIOSK-07      10.0.2.50   not domain joined (WORKGROUP)
  KALI 10.0.0.66 (attacker), MFP-2F 10.0.3.20 (printer), NAS01 10.0.0.50 (Samba): no logs

THE SCENARIOS (ids of the `scenario` output key): default_session, explicit_null_session,
no_network_credentials (LOCAL SERVICE), non_domain_joined, localsystem_fallback (Server 2008
and UseMachineId = 0), sql_server_anonymous (double hop), enumeration (enum4linux, impacket),
zerologon (5805 burst, 4742 by ANONYMOUS LOGON, 5829), local_loopback, ntlmv1_client,
lm_client, weak_session_key (56 and 40 bits), password_spray (4625 and 4648 forms),
brute_force, user_enumeration. Background: Kerberos and NTLMv2 logons, logoffs, 4672, 4776
and 8004, service logons, boot events.

LAYOUT:
  OUT_DIR/<HOST>/Security.evtx
  OUT_DIR/<HOST>/Microsoft-Windows-NTLM%4Operational.evtx   (not for SRV-LEGACY08)
  OUT_DIR/<HOST>/System.evtx
  OUT_DIR/<HOST>/Application.evtx
  OUT_DIR/<HOST>/config/Lsa.reg     regedit 5 export of the settings behind the scenarios, with
                                    the host's name, ProductType, OS version and DNS suffix
  OUT_DIR/<HOST>/config/audit.csv   auditpol /backup of the audit policy (nullsight audit reads both)
  OUT_DIR/lab.json                  the sidecar
Existing files of the same names are overwritten; nothing else in OUT_DIR is touched.
Scan the hosts' folders (nullsight scan OUT_DIR/*/): lab.json is not evidence. With
--config OUT_DIR the scan also reads the exports: SRV-LEGACY08 (no NTLM/Operational log) is then
classified localsystem_fallback from its OS version instead of unknown.

THE SIDECAR (lab.json, format 1): seed, base_time, window_seconds, domain {netbios, dns, sid,
domain_controller}, hosts [{name, fqdn, role, ip, os, domain_joined, logon_event_version,
ntlm_operational, logs, notes}], files [{file, host, channel, records, labelled, bytes}],
grown (with --size), config [{file, host, format, shows}], and
  episodes: [{id, scenario, description, hosts,
              events: [{file, record_id, event_id, host, role, time}]}]
file is relative to OUT_DIR with forward slashes; role is client (the host that started the
authentication), server (the host accessed) or dc (the domain controller validating or
recording it: 4776, 8004, 4742, Netlogon). Records not in an episode are background.

--size: grows SRV-FILE01/Security.evtx with ordinary activity (Kerberos and NTLMv2 logons,
logoffs, 4672, 5140; nothing anonymous or legacy) until the file is at least SIZE, spread over
the same day, the episodes keeping their records and their place in time. KB, MB, GB are
decimal (1GB = 1,000,000,000 bytes); KiB, MiB, GiB binary; no unit means bytes. At most 4.2GB
(the EVTX header's chunk count)."
)]
pub struct LabArgs {
    /// Folder to write the lab into (created if missing).
    #[arg(value_name = "OUT_DIR")]
    pub out_dir: PathBuf,

    /// Seed of the generator: the same seed gives byte-identical files.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,

    /// Grow SRV-FILE01/Security.evtx to at least SIZE (e.g. 500MB, 1GB, 1GiB).
    #[arg(long, value_name = "SIZE", value_parser = lab::parse_size)]
    pub size: Option<u64>,

    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: LabArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let side = lab::generate(&LabOptions {
        out_dir: args.out_dir.clone(),
        seed: args.seed,
        size: args.size,
    })?;
    if !args.quiet {
        let records: u64 = side.files.iter().map(|f| f.records).sum();
        let labelled: usize = side.episodes.iter().map(|e| e.events.len()).sum();
        println!(
            "wrote {} files ({} records, {} in {} episodes) and lab.json to {} in {:.2} s",
            side.files.len(),
            records,
            labelled,
            side.episodes.len(),
            args.out_dir.display(),
            start.elapsed().as_secs_f64()
        );
        if let Some(g) = &side.grown {
            println!(
                "{}: {} bytes ({} background records added)",
                g.file, g.bytes, g.background_records_added
            );
        }
    }
    Ok(ExitCode::from(super::EXIT_OK))
}
