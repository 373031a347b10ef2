//! The mergeable state behind [`super::Analysis`]: what `observe` keeps and `merge` combines.

use super::finding::{merge_fast_map, merge_map, FastMap, FileSample, Sample, VecMap, VecSet};
use super::spill::Spill;
use super::windows::{self, get_str, get_u64, put_str, put_u64, Window, Windows};
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
    /// Where the sealed time windows go when they pass [`windows::IN_MEMORY`].
    pub windows_spill: WindowsSpill,
}

/// The temporary file of a state's sealed windows, made when first needed, and how many
/// events ago their size was last looked at. Not part of the state's value (windows read the
/// same wherever they are).
#[derive(Debug, Clone, Default)]
pub(crate) struct WindowsSpill {
    spill: Option<Arc<Spill>>,
    events: u32,
}

impl PartialEq for WindowsSpill {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Events between two looks at the size of the sealed windows: 65,536 events seal about 0.6
/// MB on writer-1g, where nearly every event seals a window. A look goes through every
/// aggregate, so with more than four times as many aggregates the looks are that far apart
/// (a spray of a million names would otherwise go through them all every 65,536 events).
const WINDOWS_LOOK_EVERY: u32 = 1 << 16;

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
            windows_spill: WindowsSpill::default(),
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

    /// The bytes of sealed windows held in memory, detection and correlation windows together.
    fn sealed_window_bytes(&self) -> usize {
        self.windows
            .values()
            .map(Windows::sealed_bytes)
            .sum::<usize>()
            + self
                .corr
                .points
                .values()
                .map(|w| w.sealed_bytes())
                .sum::<usize>()
    }

    /// Move the sealed windows to the temporary file if they take more than
    /// [`windows::IN_MEMORY`] (the windows of a long log grow with its time span).
    fn bound_windows(&mut self) {
        if self.sealed_window_bytes() > windows::IN_MEMORY {
            self.spill_windows();
        }
    }

    /// Move the sealed windows to the temporary file, whatever their size.
    fn spill_windows(&mut self) {
        let spill = self
            .windows_spill
            .spill
            .get_or_insert_with(|| Arc::new(Spill::default()));
        windows::spill(self.windows.values_mut(), spill, windows::SMALLEST_BLOCK);
        windows::spill(
            self.corr.points.values_mut().map(|w| &mut **w),
            spill,
            windows::SMALLEST_BLOCK,
        );
    }

    pub fn observe(&mut self, e: &Event) {
        self.windows_spill.events += 1;
        if self.windows_spill.events >= WINDOWS_LOOK_EVERY
            && self.windows_spill.events as usize
                >= (self.windows.len() + self.corr.points.len()) / 4
        {
            self.windows_spill.events = 0;
            self.bound_windows();
        }
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
                        .entry((
                            Arc::clone(&e.file),
                            e.computer.to_string(),
                            e.event_id,
                            acct.to_string(),
                        ))
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
                    self.outgoing
                        .add(&e.file, o, t, e.record_id, &mut self.names);
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

    fn at(s: i64) -> Option<jiff::Timestamp> {
        Some(jiff::Timestamp::from_second(1_600_000_000 + s).unwrap())
    }

    fn ev(rid: u64, t: i64, computer: &str, event_id: u32, kind: Kind) -> Event {
        Event {
            file: Arc::from(if rid.is_multiple_of(2) {
                "even.evtx"
            } else {
                "odd.evtx"
            }),
            record_id: rid,
            time: at(t),
            computer: computer.into(),
            provider: "test".into(),
            channel: "test".into(),
            event_id,
            version: Some(2),
            anonymous: false,
            kind,
        }
    }

    /// A long log's worth of failures (brute force, spray) and NTLM logons with their domain
    /// controller's validations (correlation paths): a few days, thousands of windows.
    fn long_log() -> Vec<Event> {
        use crate::event::{CredentialValidation, Logon, LogonFailure, Network, Status};
        (0..6000u64)
            .map(|i| {
                let t = (i as i64) * 61 + (i as i64 % 7) * 13;
                let user = format!("user{}", (i / 4) % 11);
                let ws = format!("WS{}", (i / 4) % 5);
                match i % 4 {
                    0 | 1 => ev(
                        i,
                        t,
                        "SRV01",
                        4625,
                        Kind::LogonFailure(LogonFailure {
                            target_user: Some(user.into()),
                            target_domain: Some("CORP".into()),
                            status: Some(Status(0xC000_006D)),
                            sub_status: Some(Status(if i % 8 == 0 {
                                0xC000_0064
                            } else {
                                0xC000_006A
                            })),
                            logon_type: Some(3),
                            network: Network {
                                ip: Some(format!("10.9.9.{}", i % 3).into()),
                                workstation: Some(ws.into()),
                                port: None,
                            },
                            ..Default::default()
                        }),
                    ),
                    2 => ev(
                        i,
                        t,
                        "SRV01",
                        4624,
                        Kind::Logon(Logon {
                            target_sid: Some("S-1-5-21-1-2-3-1104".into()),
                            target_user: Some(user.into()),
                            target_domain: Some("CORP".into()),
                            logon_type: Some(3),
                            auth_package: Some("NTLM".into()),
                            lm_package: Some("NTLM V2".into()),
                            network: Network {
                                workstation: Some(ws.into()),
                                ip: Some("10.0.0.20".into()),
                                port: Some(1),
                            },
                            ..Default::default()
                        }),
                    ),
                    _ => ev(
                        i,
                        t,
                        "DC01",
                        4776,
                        Kind::CredentialValidation(CredentialValidation {
                            auth_package: Some("MICROSOFT_AUTHENTICATION_PACKAGE_V1_0".into()),
                            target_user: Some(user.into()),
                            workstation: Some(ws.into()),
                            status: Some(Status(0)),
                            ..Default::default()
                        }),
                    ),
                }
            })
            // A burst in the middle: a brute force on one account from one address.
            .chain((0..40u64).map(|k| {
                ev(
                    10_000 + k,
                    180_000 + k as i64,
                    "SRV01",
                    4625,
                    Kind::LogonFailure(LogonFailure {
                        target_user: Some("admin".into()),
                        status: Some(Status(0xC000_006D)),
                        sub_status: Some(Status(0xC000_006A)),
                        logon_type: Some(3),
                        network: Network {
                            ip: Some("10.6.6.6".into()),
                            ..Default::default()
                        },
                        ..Default::default()
                    }),
                )
            }))
            .collect()
    }

    fn finished(st: State) -> Outcome {
        finish(
            Counts::default(),
            st,
            &super::super::hosts::HostView::default(),
            1,
        )
    }

    /// Sealed windows moved to the temporary file, in any state and at any time, merged
    /// either way round, read as if they had stayed in memory; and the state keeps little.
    #[test]
    fn windows_moved_to_the_temporary_file_read_as_if_kept_in_memory() {
        let events = long_log();
        let mut whole = State::default();
        for e in &events {
            whole.observe(e);
        }
        let held = State::sealed_window_bytes;
        assert!(
            held(&whole) > 20_000,
            "the windows to move: {}",
            held(&whole)
        );
        let want = finished(whole.clone());
        assert!(want.findings.iter().any(|f| f.id == "brute-force"));
        assert!(!want.correlations.is_empty());
        for (every, other_first) in [(100, false), (1000, true), (2500, false)] {
            let (mut a, mut b) = (State::default(), State::default());
            for (i, e) in events.iter().enumerate() {
                let st = if i % 3 == 0 { &mut b } else { &mut a };
                st.observe(e);
                if i % every == every - 1 {
                    st.spill_windows();
                }
            }
            assert!(a.windows_spill.spill.is_some() && b.windows_spill.spill.is_some());
            assert!(
                held(&a) < held(&whole) / 4,
                "{} of {}",
                held(&a),
                held(&whole)
            );
            let merged = if other_first {
                b.merge(a);
                b
            } else {
                a.merge(b);
                a
            };
            assert_eq!(merged, whole, "moved every {every}");
            let mut moved_again = merged.clone();
            moved_again.spill_windows();
            assert_eq!(finished(merged), want, "moved every {every}");
            assert_eq!(
                finished(moved_again),
                want,
                "moved every {every}, then after the merge"
            );
        }
    }

    proptest::proptest! {
        // A key's sealed detection windows read as the windows would have been had they all
        // stayed open, whatever the names and counts, and wherever they moved.
        #[test]
        fn sealed_detection_windows_read_as_if_all_stayed_open(
            events in proptest::collection::vec(
                (0i64..30, 0i64..300, 0u64..1000, 0usize..60, 0usize..60, 0u32..3, 0u8..6),
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
            let spill = Arc::new(Spill::default());
            for &(b, dt, r, acct, extra, status, move_now) in &events {
                let t = b * 300 + dt;
                add(want.slot(&b, || b), t, r, acct, extra, status);
                add(w.window(b, cap), t, r, acct, extra, status);
                if move_now == 0 {
                    windows::spill(std::iter::once(&mut w), &spill, 1);
                }
            }
            proptest::prop_assert_eq!(w.read(&mut Names::default()), want);
        }
    }
}
