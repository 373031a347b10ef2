//! The detection catalogue (stable ids) and the detections computed over windows and signatures.
//!
//! Windowed detections count in windows of W seconds aligned on the Unix epoch, per key; two
//! adjacent windows are also counted together, so a burst that crosses a boundary is not
//! missed (a burst is found when it fits in W, and may be found when it spans up to 2W).

use super::finding::{Finding, Sample, Severity, Text, VecMap};
use super::state::{Names, State, WinAgg, WinKind};
use super::windows::Windows;
use crate::knowledge::{ntstatus, scenarios as sc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One detection: its stable id, default severity, what triggers it and what to change.
#[derive(Debug, Clone, Copy)]
pub struct Detection {
    pub id: &'static str,
    pub severity: Severity,
    pub trigger: &'static str,
    pub explanation: &'static str,
    pub remediation: &'static str,
}

pub static DETECTIONS: &[Detection] = &[
    Detection { id: "anonymous-logon", severity: Severity::Info,
        trigger: "every 4624 with TargetUserSid S-1-5-7, one finding per (scenario, host); severity by scenario: default_session info; explicit_null_session, no_network_credentials, non_domain_joined, sql_server_anonymous low; localsystem_fallback, unknown medium; enumeration, local_loopback high; zerologon critical",
        explanation: "An ANONYMOUS LOGON (null session) reached this host.",
        remediation: "Depends on the scenario (see the finding)." },
    Detection { id: "null-session-enumeration", severity: Severity::High,
        trigger: "an anonymous session opened a reconnaissance pipe (5145 RelativeTargetName in recon_pipes: samr, lsarpc, srvsvc, netlogon, wkssvc, lsass, efsrpc, spoolss, winreg, browser), or >= anonymous_burst_threshold (5) anonymous logons from one source within anonymous_burst_window_secs (60)",
        explanation: "Anonymous RPC over IPC$ lists accounts, groups, shares and SIDs (enum4linux, rpcclient -N, nmap smb-enum-*, impacket lookupsid).",
        remediation: "RestrictAnonymous = 1, RestrictAnonymousSAM = 1, LSAAnonymousNameLookup = 0, empty NullSessionPipes, RestrictNullSessAccess = 1, RestrictRemoteSAM." },
    Detection { id: "ntlmv1-logon", severity: Severity::High,
        trigger: "a 4624 with LmPackageName \"NTLM V1\" for a named account (null sessions, S-1-5-7, are excluded: they always report NTLM V1)",
        explanation: "NTLMv1 responses can be cracked or relayed; this client breaks when the validating host sets LmCompatibilityLevel = 5.",
        remediation: "Client: \"Network security: LAN Manager authentication level\" = Send NTLMv2 response only (LmCompatibilityLevel >= 3); then DCs and servers to 5 (refuse LM & NTLM)." },
    Detection { id: "lm-logon", severity: Severity::Critical,
        trigger: "a 4624 with LmPackageName \"LM\"",
        explanation: "LAN Manager authentication: the password hash is trivially cracked.",
        remediation: "LmCompatibilityLevel >= 4 on the validating hosts, NoLMHash = 1, upgrade the client." },
    Detection { id: "weak-ntlm-session-key", severity: Severity::Medium,
        trigger: "an NTLM 4624 for a named account with KeyLength other than 128",
        explanation: "NTLM session security with a short key (56/40 bits or none); Microsoft recommends alerting on NTLM KeyLength != 128.",
        remediation: "\"Network security: Minimum session security for NTLM SSP based clients/servers\" = Require NTLMv2 session security, Require 128-bit encryption (NTLMMinClientSec / NTLMMinServerSec = 537395200)." },
    Detection { id: "brute-force", severity: Severity::High,
        trigger: ">= brute_force_threshold (20) failed logons (4625, failed 4776, 18456) for one account from one source on one host within brute_force_window_secs (300)",
        explanation: "Many passwords tried against one account.",
        remediation: "Block the source, enforce an account lockout policy, check the account for compromise." },
    Detection { id: "password-spray", severity: Severity::High,
        trigger: ">= password_spray_accounts (10) distinct existing accounts failing from one source on one host (4625, 4776, 18456; failures for non-existent accounts, STATUS_NO_SUCH_USER, count as user-enumeration instead), or used with explicit credentials (4648) by one account on one host, within password_spray_window_secs (3600)",
        explanation: "Few passwords tried against many accounts, staying under the lockout threshold.",
        remediation: "Block the source, reset the passwords of accounts that logged on successfully from it, enforce MFA / smart lockout." },
    Detection { id: "user-enumeration", severity: Severity::Medium,
        trigger: ">= user_enumeration_accounts (10) distinct non-existent accounts (STATUS_NO_SUCH_USER 0xc0000064) from one source within user_enumeration_window_secs (600)",
        explanation: "Account names guessed to find which exist.",
        remediation: "Block the source; RestrictAnonymous / RestrictAnonymousSAM stop anonymous listing of accounts." },
    Detection { id: "account-lockout", severity: Severity::Medium,
        trigger: "any 4625 or 4776 with STATUS_ACCOUNT_LOCKED_OUT (0xc0000234)",
        explanation: "Logons refused because the account is locked out: a guessing attack or a stale password in a service or mapped drive.",
        remediation: "Find the source of the failed attempts before unlocking the account." },
    Detection { id: "zerologon", severity: Severity::Critical,
        trigger: "a 4742 by ANONYMOUS LOGON (SubjectUserSid S-1-5-7) on a computer account NAME$ with PasswordLastSet set; or a Netlogon 5805 naming the DC's own computer account",
        explanation: "CVE-2020-1472: an unauthenticated attacker set the DC's machine account password through Netlogon and can take over the domain.",
        remediation: "Install the Netlogon updates (Aug 2020, enforcement Feb 2021), FullSecureChannelProtection = 1, reset the DC account password, investigate the source." },
    Detection { id: "vulnerable-netlogon-channel", severity: Severity::Medium,
        trigger: "Netlogon 5827/5828 (vulnerable secure channel denied) or 5829/5830/5831 (allowed)",
        explanation: "A machine or trust uses vulnerable Netlogon secure RPC (the Zerologon weakness); allowed connections leave the DC exposed, denied ones are either exploit attempts or legacy devices that will break.",
        remediation: "Update or replace the device; keep \"Domain controller: Allow vulnerable Netlogon secure channel connections\" (VulnerableChannelAllowList) empty." },
    Detection { id: "sql-anonymous-login-failure", severity: Severity::Low,
        trigger: "an 18456 \"Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'\"",
        explanation: "SQL Server received no Windows identity: a Kerberos double hop without delegation, or NTLM because of a missing or duplicate SPN.",
        remediation: "Register the MSSQLSvc SPNs, remove duplicates, configure constrained delegation for the middle tier / linked server." },
    Detection { id: "ntlm-blocked", severity: Severity::Medium,
        trigger: "NTLM/Operational 4001-4004: NTLM refused by a Restrict NTLM policy",
        explanation: "Something still needs NTLM where policy now denies it: it is failing.",
        remediation: "Add an exception (ClientAllowedNTLMServers / DCAllowedNTLMServers) or fix Kerberos for that client and target." },
];

pub fn lookup(id: &str) -> Option<&'static Detection> {
    DETECTIONS.iter().find(|d| d.id == id)
}

/// The catalogue as text, for `--help` and `nullsight detections`.
pub fn catalogue() -> String {
    let mut s = String::new();
    for d in DETECTIONS {
        s.push_str(&format!(
            "  {} [{}]\n      {}\n      Trigger: {}\n",
            d.id,
            d.severity.as_str(),
            d.explanation,
            d.trigger
        ));
    }
    s
}

fn status_text(code: u32) -> String {
    match ntstatus::lookup(code) {
        Some(c) => format!("{code:#010x} {} ({})", c.name, c.meaning),
        None => format!("{code:#010x}"),
    }
}

/// Buckets of one key, in order.
/// A key's windows, its files merged (the events named with their file).
type Buckets = VecMap<i64, WinAgg<Sample>>;

/// One attack shows several times: through a server, as the server's 4625 and the domain
/// controller's 4776 for the same attempts; on one host, as a finding by address (4625) and one
/// by workstation name (4776). Each finding names the others that share a source name (IP
/// address or workstation name) and overlap in time (within `slack` seconds), so that the
/// operator sees one attack, not unrelated ones. `attacks[i]` describes `out[i]`.
fn link_attacks(out: &mut [Finding], attacks: &[(String, BTreeSet<String>, i64, i64)], slack: i64) {
    // By source name, so that each finding meets only those that share a name with it.
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (_, names, _, _)) in attacks.iter().enumerate() {
        for n in names {
            by_name.entry(n).or_default().push(i);
        }
    }
    let mut reasons: Vec<Vec<String>> = vec![vec![]; attacks.len()];
    for (i, (_, names, first, last)) in attacks.iter().enumerate() {
        let mut others: BTreeSet<usize> = BTreeSet::new();
        for n in names {
            others.extend(by_name[n.as_str()].iter().copied());
        }
        let mut linked = 0usize;
        for j in others {
            let (h2, _, f2, l2) = &attacks[j];
            let overlap = first.saturating_sub(slack) <= *l2 && *f2 <= last.saturating_add(slack);
            if j == i || !overlap {
                continue;
            }
            linked += 1;
            // A handful is enough to see one attack on several hosts; the rest are counted.
            if linked > MAX_LINKED_ATTACKS {
                continue;
            }
            let other = &out[j];
            reasons[i].push(format!(
                "the same source on {h2}: {} ({} events, {} .. {}, first evidence {}#{})",
                other.title,
                other.count,
                other.first_seen.as_deref().unwrap_or("?"),
                other.last_seen.as_deref().unwrap_or("?"),
                other.evidence.first().map_or("?", |r| &*r.file),
                other.evidence.first().map_or(0, |r| r.record_id),
            ));
        }
        if linked > MAX_LINKED_ATTACKS {
            reasons[i].push(format!(
                "the same source in {} more findings",
                linked - MAX_LINKED_ATTACKS
            ));
        }
    }
    for (f, r) in out.iter_mut().zip(reasons) {
        f.reasons.extend(r.into_iter().map(Text::from));
    }
}

/// Other findings named in one attack finding's reasons, at most.
const MAX_LINKED_ATTACKS: usize = 5;

/// The windows of one key that qualify, merged, or None.
fn qualifying(
    buckets: &Buckets,
    cap: usize,
    ok: impl Fn(&WinAgg<Sample>) -> bool,
) -> Option<WinAgg<Sample>> {
    let mut hit: BTreeSet<i64> = BTreeSet::new();
    for (b, agg) in buckets.iter() {
        if ok(agg) {
            hit.insert(*b);
        }
        if let Some(next) = buckets.get(&(b + 1)) {
            let mut pair = agg.clone();
            pair.merge_pub(next.clone(), cap);
            if ok(&pair) {
                hit.insert(*b);
                hit.insert(b + 1);
            }
        }
    }
    let mut out: Option<WinAgg<Sample>> = None;
    for b in hit {
        let Some(a) = buckets.get(&b).cloned() else {
            continue;
        };
        match &mut out {
            Some(o) => o.merge_pub(a, cap),
            None => out = Some(a),
        }
    }
    out
}

pub(crate) fn findings(st: &State, dups: &BTreeMap<Arc<str>, Arc<str>>) -> Vec<Finding> {
    let cfg = &st.cfg;
    let cap = cfg.evidence_cap;
    let mut out = vec![];
    // Per attack finding: its host, the names its source goes by, and its time span, to link
    // the findings that one attack leaves on several hosts (below).
    let mut attacks: Vec<(String, BTreeSet<String>, i64, i64)> = vec![];
    // Fold files away (duplicates dropped), group buckets by key: the windows are read (the
    // sealed ones unpacked) one key at a time, never all at once.
    type GroupKey = (WinKind, Arc<str>, Arc<str>, Arc<str>);
    let mut groups: BTreeMap<GroupKey, Vec<(&Arc<str>, &Windows<WinAgg>)>> = BTreeMap::new();
    for (k, windows) in &st.windows {
        if !dups.contains_key(&k.file) {
            groups
                .entry((k.kind, k.host.clone(), k.source.clone(), k.account.clone()))
                .or_default()
                .push((&k.file, windows));
        }
    }
    let mut names = Names::default();
    for ((kind, host, source, acct), parts) in &groups {
        let mut merged = Buckets::default();
        for (file, windows) in parts {
            let part: Vec<(i64, WinAgg<Sample>)> = windows
                .read(&mut names)
                .into_iter()
                .map(|(b, w)| (b, w.with_file(file)))
                .collect();
            merged.merge(VecMap::from_sorted(part), |a, b| a.merge_pub(b, cap));
        }
        let buckets = &merged;
        let (id, hit) = match kind {
            WinKind::BruteForce => (
                "brute-force",
                qualifying(buckets, cap, |a| {
                    a.sample.total >= cfg.brute_force_threshold
                }),
            ),
            WinKind::Spray | WinKind::ExplicitSpray => (
                "password-spray",
                qualifying(buckets, cap, |a| {
                    a.accounts.len() as u64 >= cfg.password_spray_accounts
                }),
            ),
            WinKind::UserEnum => (
                "user-enumeration",
                qualifying(buckets, cap, |a| {
                    a.accounts.len() as u64 >= cfg.user_enumeration_accounts
                }),
            ),
        };
        let Some(a) = hit else { continue };
        let det = lookup(id).expect("catalogued");
        let title = match kind {
            WinKind::BruteForce => format!("Brute force against {acct} on {host} from {source}"),
            WinKind::Spray => format!(
                "Password spray on {host} from {source}: {} accounts",
                a.accounts.len()
            ),
            WinKind::ExplicitSpray => format!(
                "Password spray with explicit credentials by {source} on {host}: {} accounts",
                a.accounts.len()
            ),
            WinKind::UserEnum => format!(
                "User enumeration on {host} from {source}: {} unknown accounts",
                a.accounts.len()
            ),
        };
        let mut f = Finding::new(id, det.severity, title).with_sample(&a.sample, cap);
        f.scenario = Some(match kind {
            WinKind::BruteForce => sc::BRUTE_FORCE,
            WinKind::UserEnum => sc::USER_ENUMERATION,
            _ => sc::PASSWORD_SPRAY,
        });
        f.hosts = vec![host.to_string().into()];
        f.sources = vec![source.to_string().into()];
        let mut accts: Vec<(&Arc<str>, &u64)> = a.accounts.iter().collect();
        accts.sort_by(|x, y| y.1.cmp(x.1).then_with(|| x.0.cmp(y.0)));
        f.accounts = accts
            .iter()
            .take(50)
            .map(|(k, _)| Text::from(k.to_string()))
            .collect();
        match kind {
            WinKind::ExplicitSpray => {
                f.reasons.push(format!(
                    "{} explicit-credential logons (4648) by {source} with {} distinct target accounts within {} s windows (threshold {})",
                    a.sample.total,
                    a.accounts.len(),
                    cfg.password_spray_window_secs,
                    cfg.password_spray_accounts
                ).into());
                if !a.extra.is_empty() {
                    f.reasons.push(
                        format!(
                            "target servers / processes: {}",
                            a.extra
                                .iter()
                                .take(10)
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                        .into(),
                    );
                }
            }
            _ => {
                let (w, thr) = match kind {
                    WinKind::BruteForce => (cfg.brute_force_window_secs, cfg.brute_force_threshold),
                    WinKind::Spray => (cfg.password_spray_window_secs, cfg.password_spray_accounts),
                    _ => (
                        cfg.user_enumeration_window_secs,
                        cfg.user_enumeration_accounts,
                    ),
                };
                f.reasons.push(format!(
                    "{} failed logons, {} distinct account(s), from {source} within {w} s windows (threshold {thr})",
                    a.sample.total,
                    a.accounts.len()
                ).into());
                for (code, n) in a.statuses.iter() {
                    f.reasons
                        .push(format!("{} x{n}", status_text(*code)).into());
                }
                if a.extra.len() > 1 {
                    f.reasons.push(format!(
                        "{} different workstation names sent by the client{} (random names are typical of attack tools)",
                        a.extra.len(),
                        if a.extra.len() >= 50 { " or more" } else { "" }
                    ).into());
                }
            }
        }
        // The client's own name for itself travels in 4625's WorkstationName (kept in
        // `extra`) and is the source of the DC's 4776: both name the same machine.
        // A spray with explicit credentials (4648) runs on the host that logged it: the host
        // is the source the servers and the DC see.
        let mut names: BTreeSet<String> = match kind {
            WinKind::ExplicitSpray => BTreeSet::from([super::short_host(host)]),
            _ => std::iter::once(source)
                .chain(&a.extra)
                .map(|n| super::short_host(n))
                .collect(),
        };
        names.retain(|n| !n.starts_with('(') && n != "-");
        attacks.push((
            host.to_string(),
            names,
            a.sample.first.unwrap_or(i64::MIN),
            a.sample.last.unwrap_or(i64::MAX),
        ));
        out.push(f);
    }
    link_attacks(&mut out, &attacks, cfg.correlation_window_secs);

    // Account lockouts.
    let mut locks: BTreeMap<(String, String), Sample> = BTreeMap::new();
    for ((file, host, acct), s) in &st.lockouts {
        if !dups.contains_key(file) {
            locks
                .entry((host.clone(), acct.clone()))
                .or_default()
                .merge(s.clone(), cap);
        }
    }
    for ((host, acct), s) in locks {
        let mut f = Finding::new(
            "account-lockout",
            Severity::Medium,
            format!("Account {acct} locked out on {host}"),
        )
        .with_sample(&s, cap);
        f.hosts = vec![host.into()];
        f.accounts = vec![acct.into()];
        f.reasons.push(
            format!(
                "{} x{}",
                status_text(ntstatus::STATUS_ACCOUNT_LOCKED_OUT),
                s.total
            )
            .into(),
        );
        out.push(f);
    }

    // Zerologon: the first events by record named one by one.
    let zl = st.zerologon.by_host(dups, cap);
    let zl = zl.into_iter().map(|(host, (s, first, strong))| {
        let reasons: Vec<String> = first
            .into_iter()
            .map(|(r, z)| {
                if z.event_id == 4742 {
                    let machine = z.target.as_deref().is_some_and(|t| t.ends_with('$'));
                    format!(
                        "4742 record {}: SubjectUserSid S-1-5-7 (ANONYMOUS LOGON) changed {}{}, PasswordLastSet {}",
                        r.record_id,
                        z.target.as_deref().unwrap_or("-"),
                        if machine { " (a computer account)" } else { "" },
                        z.password_last_set.as_deref().unwrap_or("- (not changed)")
                    )
                } else {
                    format!(
                        "5805 record {}: the DC's own account {} failed to authenticate its secure channel (Zerologon sends zero credentials as the DC)",
                        r.record_id,
                        z.target.as_deref().unwrap_or("-")
                    )
                }
            })
            .collect();
        (host, (s, reasons, strong))
    });
    for (host, (s, mut reasons, strong)) in zl {
        // Anonymous logons on the DC around the attack: the attacker's address.
        let mut sources = BTreeSet::new();
        let mut near = 0u64;
        st.anon.for_each(&mut super::state::Names::default(), |r, a| {
            let close = s.first.zip(s.last).is_some_and(|(f, l)| {
                a.time >= f - cfg.zerologon_window_secs && a.time <= l + cfg.zerologon_window_secs
            });
            if !dups.contains_key(&r.file) && super::same_short_host(&a.computer, &host) && close {
                near += 1;
                sources.extend(a.workstation.clone());
                sources.extend(a.ip.clone());
            }
        });
        // Ten reasons at most, and the logons near the DC (the attacker's address) always
        // among them: on a flood the events named one by one give way to a count.
        let near_reason = (near > 0).then(|| {
            format!(
                "{near} ANONYMOUS LOGON network logon(s) on the DC within {} s, from {}",
                cfg.zerologon_window_secs,
                sources.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        });
        let room = 10 - usize::from(near_reason.is_some());
        let named = reasons.len() as u64;
        if s.total > named || reasons.len() > room {
            reasons.truncate(room - 1);
            let rest = s.total - reasons.len() as u64;
            reasons.push(format!(
                "and {rest} more of these events (each in --events with this finding)"
            ));
        }
        reasons.extend(near_reason);
        let sev = if strong {
            Severity::Critical
        } else {
            Severity::High
        };
        let mut f = Finding::new(
            "zerologon",
            sev,
            format!("Zerologon (CVE-2020-1472) against {host}"),
        )
        .with_sample(&s, cap);
        f.scenario = Some(sc::ZEROLOGON);
        f.confidence = Some(if strong {
            super::Confidence::High
        } else {
            super::Confidence::Medium
        });
        f.hosts = vec![host];
        f.sources = sources
            .into_iter()
            .map(|s: Arc<str>| s.to_string())
            .map(Text::from)
            .collect();
        f.accounts = vec!["NT AUTHORITY\\ANONYMOUS LOGON".into()];
        f.reasons = reasons.into_iter().map(Text::from).collect();
        out.push(f);
    }

    // Vulnerable Netlogon channels.
    let mut nl: BTreeMap<(String, u32, String), Sample> = BTreeMap::new();
    for ((file, host, id, acct), s) in &st.netlogon {
        if !dups.contains_key(file) {
            nl.entry((host.clone(), *id, acct.clone()))
                .or_default()
                .merge(s.clone(), cap);
        }
    }
    for ((host, id, acct), s) in nl {
        let allowed = id >= 5829;
        let mut f = Finding::new(
            "vulnerable-netlogon-channel",
            if allowed {
                Severity::High
            } else {
                Severity::Medium
            },
            format!(
                "Vulnerable Netlogon secure channel {} for {acct} on {host}",
                if allowed { "allowed" } else { "denied" }
            ),
        )
        .with_sample(&s, cap);
        f.scenario = Some(sc::ZEROLOGON);
        f.hosts = vec![host.into()];
        f.accounts = vec![acct.into()];
        f.reasons.push(
            format!(
                "Netlogon {id} x{}: {}",
                s.total,
                crate::knowledge::events::by_id(id)
                    .map(|e| e.title)
                    .unwrap_or("")
            )
            .into(),
        );
        out.push(f);
    }

    // SQL Server ANONYMOUS LOGON.
    let sql = st.sql_anon.by_instance(dups, cap);
    for ((host, instance), (s, ips, reasons)) in sql {
        let mut f = Finding::new(
            "sql-anonymous-login-failure",
            Severity::Low,
            format!("SQL Server {instance} on {host} refused NT AUTHORITY\\ANONYMOUS LOGON"),
        )
        .with_sample(&s, cap);
        f.scenario = Some(sc::SQL_SERVER_ANONYMOUS);
        f.hosts = vec![host];
        f.sources = ips.iter().map(|s| Text::from(&**s)).collect();
        f.accounts = vec!["NT AUTHORITY\\ANONYMOUS LOGON".into()];
        f.reasons.push(
            format!(
                "18456 x{} \"Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'\"",
                s.total
            )
            .into(),
        );
        if !ips.is_empty() {
            f.reasons.push(
                format!(
                    "clients (the middle tier whose delegation failed): {}",
                    ips.iter().map(|s| &**s).collect::<Vec<_>>().join(", ")
                )
                .into(),
            );
        }
        for r in reasons.into_iter().take(3) {
            f.reasons.push(format!("reason: {r}").into());
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab() {
        let mut ids: Vec<_> = DETECTIONS.iter().map(|d| d.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), DETECTIONS.len());
        for id in ids {
            assert!(id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()));
        }
    }

    #[test]
    fn attacks_link_by_shared_source_name_and_time_and_stay_short() {
        let attack = |host: &str, names: &[&str], first: i64, last: i64| {
            (
                host.to_string(),
                names.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>(),
                first,
                last,
            )
        };
        let mut attacks = vec![
            attack("SRV1", &["10.0.0.66", "KALI"], 100, 200),
            attack("DC01", &["KALI"], 150, 250),
            // Same source, but hours later: another attack.
            attack("SRV2", &["KALI"], 90_000, 90_100),
            // The same host, by another name of the source (its 4776s): linked too.
            attack("SRV1", &["KALI"], 100, 200),
        ];
        // Eight more hosts hit by KALI at once: the first finding names five, counts the rest.
        for k in 0..8 {
            attacks.push(attack(&format!("WS{k}"), &["KALI"], 100, 200));
        }
        let mut out: Vec<Finding> = attacks
            .iter()
            .map(|(h, _, _, _)| {
                Finding::new("password-spray", Severity::High, format!("spray on {h}"))
            })
            .collect();
        link_attacks(&mut out, &attacks, 120);
        let same = |f: &Finding| {
            f.reasons
                .iter()
                .filter(|r| r.starts_with("the same source on "))
                .count()
        };
        assert_eq!(same(&out[0]), MAX_LINKED_ATTACKS);
        assert_eq!(
            &*out[0].reasons[out[0].reasons.len() - 1],
            "the same source in 5 more findings"
        );
        assert!(out[0].reasons[0].starts_with("the same source on DC01: spray on DC01"));
        assert!(out[0].reasons[1].starts_with("the same source on SRV1: spray on SRV1"));
        assert!(!out[0].reasons.iter().any(|r| r.contains("SRV2")));
        // The late attack links nothing.
        assert!(out[2].reasons.is_empty(), "{:?}", out[2].reasons);
    }
}
