//! The mergeable state behind [`super::Analysis`]: what `observe` keeps and `merge` combines.

use super::finding::{merge_fast_map, merge_map, FastMap, FileSample, Sample, VecMap, VecSet};
use super::windows::{get_str, get_u64, put_str, put_u64, Window, Windows};
use super::{
    anonymous, correlate, detections, inventory, Config, Counts, DuplicateFile, EventRef, Outcome,
};
use crate::event::{Event, Kind, LogonId};
use crate::knowledge::sids;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::BuildHasher;
use std::sync::Arc;

pub(crate) use super::anon_logons::{AnonLogon, AnonLogons};
use super::outgoing::{OutgoingFields, OutgoingSeen};
use super::sessions::Sessions;
use super::sql_anonymous::SqlSeen;
use super::zerologon::{ZlFields, ZlSeen};

/// Per-file fingerprint: how many events and an order-independent digest of their identity
/// (computer, record id, event id, time). Two files with the same fingerprint hold the same
/// records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FileStats {
    pub events: u64,
    pub digest: u64,
}

/// One copy of each name the state keeps per event. A cache, not part of the state's value:
/// two states are equal whatever their caches hold, and a merged state keeps the other's
/// names as they are (they are equal strings, only not shared).
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    set: std::collections::HashSet<Arc<str>, foldhash::fast::RandomState>,
    /// A name as logged → its short upper-case host form ([`super::short_host`]), and → its
    /// lower-case user name without domain ([`Names::user`]): the correlation needs both for
    /// nearly every event, and making them (an address parse, an allocation each) took much
    /// of the analysis thread on logon-heavy logs. Bounded by the distinct names.
    short: FastMap<Box<str>, Arc<str>>,
    users: FastMap<Box<str>, Option<Arc<str>>>,
}

impl Names {
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(n) = self.set.get(s) {
            return Arc::clone(n);
        }
        let n: Arc<str> = Arc::from(s);
        self.set.insert(Arc::clone(&n));
        n
    }

    pub fn opt(&mut self, s: &Option<crate::event::Text>) -> Option<Arc<str>> {
        s.as_deref().map(|s| self.get(s))
    }

    /// `short_host(name)`, shared.
    pub fn short(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.short.get(name) {
            return Arc::clone(n);
        }
        let n = self.get(&super::short_host(name));
        self.short.insert(name.into(), Arc::clone(&n));
        n
    }

    /// The user name of `DOMAIN\\user` or `user@domain`, lower case, shared; `None` if empty.
    pub fn user(&mut self, u: &str) -> Option<Arc<str>> {
        if let Some(n) = self.users.get(u) {
            return n.clone();
        }
        let name = u.rsplit('\\').next().unwrap_or(u);
        let name = name.split('@').next().unwrap_or(name);
        let n = (!name.is_empty()).then(|| self.get(&name.to_lowercase()));
        self.users.insert(u.into(), n.clone());
        n
    }
}

impl PartialEq for Names {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Which windowed detection a bucket feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum WinKind {
    BruteForce,
    Spray,
    UserEnum,
    ExplicitSpray,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct WinKey {
    pub kind: WinKind,
    pub file: Arc<str>,
    pub host: Arc<str>,
    pub source: Arc<str>,
    /// The account for brute force; empty for the others.
    pub account: Arc<str>,
}

/// One window of a brute-force, spray or enumeration key. In the state its sample is the
/// key's file's ([`FileSample`]); the detections give it the file when they merge the files
/// of one host, source and account ([`WinAgg::with_file`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WinAgg<S = FileSample> {
    pub sample: S,
    pub accounts: VecMap<Arc<str>, u64>,
    pub statuses: VecMap<u32, u64>,
    /// Other names seen (workstation names sent by the client, target servers, processes):
    /// the first EXTRA_CAP in name order.
    pub extra: VecSet<Arc<str>>,
}

const EXTRA_CAP: usize = 50;

/// Anonymous share access from one source: a sample and what was opened (`share X`, `pipe y`).
pub(crate) type ShareAgg = (Sample, BTreeSet<String>);

/// Resolution (seconds) at which startup service logons are remembered.
pub(crate) const STARTUP_GRAIN: i64 = 5;

impl<S> WinAgg<S> {
    fn merge_with(&mut self, o: WinAgg<S>, sample: impl FnOnce(&mut S, S)) {
        sample(&mut self.sample, o.sample);
        self.accounts.merge(o.accounts, |a, b| *a += b);
        self.statuses.merge(o.statuses, |a, b| *a += b);
        self.extra.merge(o.extra, EXTRA_CAP);
    }
}

impl WinAgg<Sample> {
    pub(crate) fn merge_pub(&mut self, o: WinAgg<Sample>, cap: usize) {
        self.merge_with(o, |a, b| a.merge(b, cap))
    }
}

impl WinAgg<FileSample> {
    /// As the events of `file`.
    pub(crate) fn with_file(self, file: &Arc<str>) -> WinAgg<Sample> {
        WinAgg {
            sample: self.sample.to_sample(file),
            accounts: self.accounts,
            statuses: self.statuses,
            extra: self.extra,
        }
    }
}

/// Sealed as the sample, then each list: names as strings, counts as variable-length integers.
impl Window for WinAgg<FileSample> {
    type Base = (i64, u64);

    fn pack(&self, out: &mut Vec<u8>, base: &mut Self::Base) {
        self.sample.pack(out, base);
        put_u64(out, self.accounts.len() as u64);
        for (name, n) in self.accounts.iter() {
            put_str(out, name);
            put_u64(out, *n);
        }
        put_u64(out, self.statuses.len() as u64);
        for (code, n) in self.statuses.iter() {
            put_u64(out, u64::from(*code));
            put_u64(out, *n);
        }
        put_u64(out, self.extra.len() as u64);
        for name in self.extra.iter() {
            put_str(out, name);
        }
    }

    fn unpack(r: &mut &[u8], base: &mut Self::Base, names: &mut Names) -> Self {
        let sample = FileSample::unpack(r, base);
        let n = get_u64(r) as usize;
        let accounts = (0..n)
            .map(|_| (names.get(get_str(r)), get_u64(r)))
            .collect();
        let n = get_u64(r) as usize;
        let statuses = (0..n).map(|_| (get_u64(r) as u32, get_u64(r))).collect();
        let n = get_u64(r) as usize;
        let extra = (0..n).map(|_| names.get(get_str(r))).collect();
        WinAgg {
            sample,
            accounts: VecMap::from_sorted(accounts),
            statuses: VecMap::from_sorted(statuses),
            extra: VecSet::from_sorted(extra),
        }
    }

    fn merge(&mut self, o: Self, cap: usize) {
        self.merge_with(o, |a, b| a.merge(b, cap))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct State {
    pub cfg: Arc<Config>,
    pub files: BTreeMap<Arc<str>, FileStats>,
    pub anon: AnonLogons,
    pub names: Names,
    /// (computer, 5-second bucket) → the earliest service logon of a built-in account in it.
    pub startup: BTreeMap<(String, i64), (i64, EventRef)>,
    /// (computer, logon id) of anonymous 5140/5145.
    pub sessions: Sessions,
    /// Anonymous share access aggregated per (file, host, source): null-session enumeration
    /// is visible even when the 4624 is not in the evidence.
    pub anon_shares: BTreeMap<(Arc<str>, String, String), ShareAgg>,
    /// Zerologon signatures, grouped.
    pub zerologon: ZlSeen,
    /// Netlogon 5827–5831 per (file, DC, event id, account).
    pub netlogon: BTreeMap<(Arc<str>, String, u32, String), Sample>,
    pub outgoing: OutgoingSeen,
    /// SQL Server's anonymous 18456s, grouped.
    pub sql_anon: SqlSeen,
    /// Per key, its aggregates by time window (one key for all its windows: a B-tree entry
    /// per window repeated the key).
    pub windows: FastMap<WinKey, Windows<WinAgg>>,
    /// Account lockouts per (file, host, account).
    pub lockouts: BTreeMap<(Arc<str>, String, String), Sample>,
    pub inv: inventory::State,
    pub corr: correlate::State,
}

impl Default for State {
    fn default() -> Self {
        State::new(Config::default())
    }
}

/// Seconds → bucket number for a window.
pub(crate) fn bucket(t: i64, window: i64) -> i64 {
    t.div_euclid(window.max(1))
}

/// `DOMAIN\user`, or `user`.
pub(crate) fn account(domain: Option<&str>, user: Option<&str>) -> Option<String> {
    let u = user?;
    Some(match domain {
        Some(d) if !d.is_empty() => format!("{d}\\{u}"),
        _ => u.to_string(),
    })
}

impl State {
    pub fn new(cfg: Config) -> Self {
        let cap = cfg.evidence_cap;
        State {
            cfg: Arc::new(cfg),
            files: BTreeMap::new(),
            anon: AnonLogons::default(),
            names: Names::default(),
            startup: BTreeMap::new(),
            sessions: Sessions::new(cap),
            anon_shares: BTreeMap::new(),
            zerologon: ZlSeen::default(),
            netlogon: BTreeMap::new(),
            outgoing: OutgoingSeen::default(),
            sql_anon: SqlSeen::default(),
            windows: FastMap::default(),
            lockouts: BTreeMap::new(),
            inv: inventory::State::default(),
            corr: correlate::State::default(),
        }
    }

    fn cap(&self) -> usize {
        self.cfg.evidence_cap
    }

    #[allow(clippy::too_many_arguments)]
    fn window(
        &mut self,
        kind: WinKind,
        e: &Event,
        t: i64,
        host: &str,
        source: &str,
        acct: &str,
        status: Option<u32>,
        extra: Option<&str>,
    ) {
        let w = match kind {
            WinKind::BruteForce => self.cfg.brute_force_window_secs,
            WinKind::Spray | WinKind::ExplicitSpray => self.cfg.password_spray_window_secs,
            WinKind::UserEnum => self.cfg.user_enumeration_window_secs,
        };
        let cap = self.cap();
        let key = WinKey {
            kind,
            file: Arc::clone(&e.file),
            host: self.names.get(host),
            source: self.names.get(source),
            account: self.names.get(if kind == WinKind::BruteForce {
                acct
            } else {
                ""
            }),
        };
        let b = bucket(t, w);
        let names = &mut self.names;
        let agg = self.windows.entry(key).or_default().window(b, cap);
        agg.sample.add(t, e.record_id, cap);
        *agg.accounts.slot(acct, || names.get(acct)) += 1;
        if let Some(s) = status {
            *agg.statuses.slot(&s, || s) += 1;
        }
        if let Some(x) = extra {
            agg.extra.insert_capped(x, || names.get(x), EXTRA_CAP);
        }
    }

    /// A failed authentication (4625, failed 4776, 18456): feeds brute force, spray, user
    /// enumeration and lockout.
    #[allow(clippy::too_many_arguments)]
    fn failure(
        &mut self,
        e: &Event,
        t: i64,
        host: &str,
        source: &str,
        acct: &str,
        status: Option<u32>,
        extra: Option<&str>,
    ) {
        self.window(WinKind::BruteForce, e, t, host, source, acct, status, extra);
        // A name that does not exist (STATUS_NO_SUCH_USER) is a guess at accounts, not a
        // password tried on one: it counts for user enumeration, never for a spray.
        if status == Some(0xC000_0064) {
            self.window(WinKind::UserEnum, e, t, host, source, acct, status, extra);
        } else {
            self.window(WinKind::Spray, e, t, host, source, acct, status, extra);
        }
        if status == Some(0xC000_0234) {
            let cap = self.cap();
            self.lockouts
                .entry((Arc::clone(&e.file), host.to_string(), acct.to_string()))
                .or_default()
                .add(t, EventRef::of(e), cap);
        }
    }

    pub fn observe(&mut self, e: &Event) {
        let t = e.epoch_seconds();
        let r = EventRef::of(e);
        let cap = self.cap();
        // File fingerprint. A fixed seed: the digests of states built apart must add up to
        // the same sums.
        let h = foldhash::fast::FixedState::with_seed(0).hash_one((
            &e.computer,
            e.record_id,
            e.event_id,
            e.time.map(|t| t.as_nanosecond()),
        ));
        let fs = self.files.entry(Arc::clone(&e.file)).or_default();
        fs.events += 1;
        fs.digest = fs.digest.wrapping_add(h);

        self.inv.observe(e, t, cap, &mut self.names);
        self.corr.observe(e, t, &self.cfg, &mut self.names);

        match &e.kind {
            Kind::Logon(l) => {
                if e.anonymous {
                    self.anon.insert(
                        r,
                        AnonLogon {
                            computer: self.names.get(&e.computer),
                            time: t,
                            logon_id: l.target_logon_id.map(|x| x.0),
                            logon_type: l.logon_type,
                            workstation: self.names.opt(&l.network.workstation),
                            ip: self.names.opt(&l.network.ip),
                            port: l.network.port,
                            lm_package: self.names.opt(&l.lm_package),
                            key_length: l.key_length,
                            process_name: self.names.opt(&l.process_name),
                        },
                    );
                } else if matches!(l.logon_type, Some(5) | Some(0))
                    && matches!(
                        l.target_sid.as_deref(),
                        Some(sids::SYSTEM | sids::LOCAL_SERVICE | sids::NETWORK_SERVICE)
                    )
                {
                    let key = (e.computer.to_string(), bucket(t, STARTUP_GRAIN));
                    let v = (t, r);
                    match self.startup.get(&key) {
                        Some(old) if *old <= v => {}
                        _ => {
                            self.startup.insert(key, v);
                        }
                    }
                }
            }
            Kind::LogonFailure(f) if !e.anonymous => {
                let source = f
                    .network
                    .ip
                    .clone()
                    .or_else(|| f.network.workstation.clone())
                    .unwrap_or_else(|| "(local)".into());
                let acct = account(f.target_domain.as_deref(), f.target_user.as_deref())
                    .unwrap_or_else(|| "(none)".into());
                let status = f.reason_status().map(|s| s.0);
                let ws = f.network.workstation.clone();
                self.failure(e, t, &e.computer, &source, &acct, status, ws.as_deref());
            }
            Kind::CredentialValidation(c) => {
                if let Some(s) = c.status.filter(|s| s.0 != 0) {
                    if !e.anonymous {
                        let source = c.workstation.clone().unwrap_or_else(|| "(unknown)".into());
                        let acct = c.target_user.clone().unwrap_or_else(|| "(none)".into());
                        self.failure(e, t, &e.computer, &source, &acct, Some(s.0), None);
                    }
                }
            }
            Kind::SqlLoginFailure(s) => {
                if e.anonymous {
                    self.sql_anon.add(
                        &e.file,
                        &e.computer,
                        &s.instance,
                        s.ip.as_deref(),
                        s.reason.as_deref(),
                        t,
                        e.record_id,
                        cap,
                        &mut self.names,
                    );
                } else {
                    let source = s.ip.clone().unwrap_or_else(|| "(unknown)".into());
                    let acct = s.target_user.clone().unwrap_or_else(|| "(none)".into());
                    self.failure(e, t, &e.computer, &source, &acct, None, Some(&s.instance));
                }
            }
            Kind::ExplicitCredentials(x) => {
                let subject = account(x.subject.domain.as_deref(), x.subject.user.as_deref())
                    .unwrap_or_else(|| "(unknown)".into());
                let acct = account(x.target_domain.as_deref(), x.target_user.as_deref())
                    .unwrap_or_else(|| "(none)".into());
                let extra = x.target_server.clone().or_else(|| x.process_name.clone());
                self.window(
                    WinKind::ExplicitSpray,
                    e,
                    t,
                    &e.computer,
                    &subject,
                    &acct,
                    None,
                    extra.as_deref(),
                );
            }
            Kind::ShareAccess(s) if e.anonymous => {
                let share = s.share_name();
                let pipe = s.pipe();
                if let Some(lid) = s.subject.logon_id {
                    let names = &mut self.names;
                    self.sessions.add(
                        (names.get(&e.computer), lid.0),
                        share.as_deref().map(|x| names.get(x)),
                        pipe.as_deref().map(|x| names.get(x)),
                        (t, r.clone()),
                    );
                }
                let source = s.network.ip.as_deref().unwrap_or("(unknown)").to_string();
                let entry = self
                    .anon_shares
                    .entry((Arc::clone(&e.file), e.computer.to_string(), source))
                    .or_default();
                entry.0.add(t, r, cap);
                entry.1.extend(share.map(|s| format!("share {s}")));
                entry.1.extend(pipe.map(|p| format!("pipe {p}")));
            }
            Kind::ComputerAccountChange(c) if e.anonymous => {
                let f = ZlFields {
                    computer: &e.computer,
                    event_id: e.event_id,
                    target: c.target_user.as_deref(),
                    password_last_set: c.password_last_set.as_deref(),
                    ip: None,
                };
                let names = &mut self.names;
                self.zerologon.add(&e.file, f, t, e.record_id, cap, names);
            }
            Kind::Netlogon(n) => {
                if e.event_id == 5805 {
                    // Zerologon impersonates the DC's own computer account against itself.
                    let own = n
                        .account
                        .as_deref()
                        .is_some_and(|a| super::same_short_host(a, &e.computer));
                    if own {
                        let f = ZlFields {
                            computer: &e.computer,
                            event_id: 5805,
                            target: n.account.as_deref(),
                            password_last_set: None,
                            ip: n.ip.as_deref(),
                        };
                        let names = &mut self.names;
                        self.zerologon.add(&e.file, f, t, e.record_id, cap, names);
                    }
                } else if (5827..=5831).contains(&e.event_id) {
                    let acct = n
                        .account
                        .clone()
                        .or_else(|| n.trust_name.clone())
                        .unwrap_or_default();
                    self.netlogon
                        .entry((Arc::clone(&e.file), e.computer.to_string(), e.event_id, acct.to_string()))
                        .or_default()
                        .add(t, r, cap);
                }
            }
            Kind::NtlmOutgoing(n) => {
                let well_known = n
                    .client_luid
                    .is_some_and(|LogonId(l)| (0x3e4..=0x3e7).contains(&l));
                if e.anonymous || well_known {
                    let o = OutgoingFields {
                        computer: &e.computer,
                        target: n.target_name.as_deref(),
                        user: n.target_user.as_deref(),
                        luid: n.client_luid.map(|l| l.0),
                        client_user: n.client_user.as_deref(),
                        client_domain: n.client_domain.as_deref(),
                        process: n.process_name.as_deref(),
                    };
                    self.outgoing.add(&e.file, o, t, e.record_id, &mut self.names);
                }
            }
            _ => {}
        }
    }

    pub fn merge(&mut self, o: State) {
        let cap = self.cap();
        merge_map(&mut self.files, o.files, |a, b| {
            a.events += b.events;
            a.digest = a.digest.wrapping_add(b.digest);
        });
        self.anon.extend(o.anon);
        merge_map(&mut self.startup, o.startup, |a, b| {
            if b < *a {
                *a = b;
            }
        });
        self.sessions.merge(o.sessions);
        merge_map(&mut self.anon_shares, o.anon_shares, |a, b| {
            a.0.merge(b.0, cap);
            a.1.extend(b.1);
        });
        self.zerologon.merge(o.zerologon, cap);
        merge_map(&mut self.netlogon, o.netlogon, |a, b| a.merge(b, cap));
        self.outgoing.merge(o.outgoing);
        self.sql_anon.merge(o.sql_anon, cap);
        let names = &mut self.names;
        merge_fast_map(&mut self.windows, o.windows, |a, b| a.merge(b, cap, names));
        merge_map(&mut self.lockouts, o.lockouts, |a, b| a.merge(b, cap));
        self.inv.merge(o.inv, cap);
        self.corr.merge(o.corr, cap);
    }

    /// Files whose records are exactly those of an earlier-named file.
    pub fn duplicates(&self) -> BTreeMap<Arc<str>, Arc<str>> {
        let mut first: BTreeMap<(u64, u64), Arc<str>> = BTreeMap::new();
        let mut dups = BTreeMap::new();
        for (f, s) in &self.files {
            if s.events == 0 {
                continue;
            }
            match first.get(&(s.events, s.digest)) {
                Some(orig) => {
                    dups.insert(Arc::clone(f), Arc::clone(orig));
                }
                None => {
                    first.insert((s.events, s.digest), Arc::clone(f));
                }
            }
        }
        dups
    }
}

pub(crate) fn finish(
    counts: Counts,
    mut st: State,
    hosts: &super::hosts::HostView,
    threads: usize,
) -> Outcome {
    let dups = st.duplicates();
    let cfg = (*st.cfg).clone();
    let mut findings = Vec::new();
    let mut annotations = super::annotations::Annotations::default();
    // Each part of the state is freed once used: the peak is then not the whole state plus
    // every output. The correlation windows, the larger part on a long log, go first, then
    // the detection windows; the NTLM flows are made into their rows and freed before the
    // anonymous logons are classified (read back from their file, see `AnonLogons`), so that
    // neither the flows nor the detection windows are held beside the verdicts.
    let correlations = correlate::finish(&st.corr, &dups, &cfg);
    drop(std::mem::take(&mut st.corr));
    // Which copies of a repeated record the later ones replace.
    st.anon.dedup();
    st.outgoing.settle();
    st.sql_anon.settle();
    st.zerologon.settle();
    let detected = detections::findings(&st, &dups);
    drop(std::mem::take(&mut st.windows));
    drop(std::mem::take(&mut st.lockouts));
    let inventories = inventory::finish(&st.inv, &dups, &cfg);
    drop(std::mem::take(&mut st.inv));
    let classified = anonymous::classify_all(&st, &dups, hosts, threads);
    let mut scenarios: BTreeMap<&'static str, u64> = BTreeMap::new();
    for (event, _, w) in classified.logons() {
        if !dups.contains_key(&event.file) {
            *scenarios.entry(classified.who(w).scenario).or_default() += 1;
        }
    }
    findings.extend(anonymous::findings(&st, &classified, &dups));
    findings.extend(detected);
    // The rest of the state is no longer needed. Freeing a large one (millions of small
    // allocations) took about a second on a logon-heavy log: it is freed on a thread of its
    // own meanwhile.
    if st.files.values().map(|f| f.events).sum::<u64>() > 100_000 {
        let _ = std::thread::Builder::new()
            .name("free-state".into())
            .spawn(move || drop(st));
    } else {
        drop(st);
    }
    findings.extend(inventory::findings(&inventories, &cfg));
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.id.cmp(b.id))
            .then_with(|| a.hosts.cmp(&b.hosts))
            .then_with(|| a.title.cmp(&b.title))
    });
    // Every anonymous logon is evidence of its anonymous-logon finding, even past the cap:
    // that part of its annotation is its verdict's, read from `classified` when the events
    // are written (`Outcome::annotation`). (The findings of an annotation are put in order at
    // the end: the order of the updates does not matter.)
    for f in &findings {
        for r in &f.evidence {
            annotations.update(r, |a| {
                if !a.findings.contains(&f.id) {
                    a.findings.push(f.id);
                }
            });
        }
    }
    annotations.sort_findings();
    let duplicate_files = dups
        .into_iter()
        .map(|(file, same_records_as)| DuplicateFile {
            file,
            same_records_as,
        })
        .collect();
    Outcome {
        counts,
        analysis_config: cfg,
        duplicate_files,
        scenarios,
        findings,
        anonymous_logons: classified,
        inventories,
        correlations,
        annotations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        // A key's sealed detection windows read as the windows would have been had they all
        // stayed open, whatever the names and counts.
        #[test]
        fn sealed_detection_windows_read_as_if_all_stayed_open(
            events in proptest::collection::vec(
                (0i64..30, 0i64..300, 0u64..1000, 0usize..60, 0usize..60, 0u32..3),
                0..300,
            ),
        ) {
            let cap = 3;
            let names: Vec<Arc<str>> = (0..60).map(|i| Arc::from(format!("CORP\\user{i}"))).collect();
            let add = |a: &mut WinAgg, t: i64, r: u64, acct: usize, extra: usize, status: u32| {
                a.sample.add(t, r, cap);
                *a.accounts.slot(&names[acct], || Arc::clone(&names[acct])) += 1;
                *a.statuses.slot(&status, || status) += 1;
                a.extra.insert_capped(&names[extra], || Arc::clone(&names[extra]), EXTRA_CAP);
            };
            let mut want: VecMap<i64, WinAgg> = VecMap::default();
            let mut w: Windows<WinAgg> = Windows::default();
            for &(b, dt, r, acct, extra, status) in &events {
                let t = b * 300 + dt;
                add(want.slot(&b, || b), t, r, acct, extra, status);
                add(w.window(b, cap), t, r, acct, extra, status);
            }
            proptest::prop_assert_eq!(w.read(&mut Names::default()), want);
        }
    }
}
