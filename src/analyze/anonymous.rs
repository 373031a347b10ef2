//! Scenario classification of each ANONYMOUS LOGON (4624, TargetUserSid S-1-5-7).
//!
//! Every anonymous network logon looks the same on the target (reference, section E): NULL SID
//! subject, LogonType 3, NtLmSsp, NTLM, LmPackageName "NTLM V1" (a null session, **not** NTLMv1
//! use). What tells the causes apart is who the client is, what the session touched next, how
//! often, and what the client logged. The rules, first match wins:
//!
//! 1. **zerologon** — a Zerologon signature on the same host within `zerologon_window_secs`:
//!    a 4742 by ANONYMOUS LOGON on a computer account (`NAME$`) with PasswordLastSet set
//!    (high), or a Netlogon 5805 naming the DC's own account (medium).
//! 2. **local_loopback** — IpAddress is a loopback address (127.0.0.0/8, ::1): a local
//!    process authenticated to its own host with empty credentials (JuicyPotato-style). High.
//! 3. **source-side 8001** — when the client's NTLM/Operational log is scanned too: an 8001 on
//!    the client named by WorkstationName (or, without one, the only client with an anonymous
//!    8001 to this host), targeting this host, within `correlation_window_secs`. Its
//!    ClientLUID decides: 0x3e5 LOCAL SERVICE → **no_network_credentials**; 0x3e7 SYSTEM or
//!    0x3e4 NETWORK SERVICE on a host that is not domain-joined (ClientDomainName WORKGROUP or
//!    the host's own name, or a bare host name without domain) → **non_domain_joined**;
//!    0x3e7 on a domain-joined host → **localsystem_fallback**; any other session with no
//!    supplied account → **explicit_null_session**, unless an 18456 for ANONYMOUS LOGON from
//!    the same address follows on this host (rule 5's test): then the user's identity was lost
//!    on a double hop → **sql_server_anonymous**. High.
//! 4. **enumeration** — the session (same host and TargetLogonId) opened a reconnaissance pipe
//!    in 5145 (`recon_pipes`: samr, lsarpc, srvsvc, netlogon, wkssvc...) (high), or the logon
//!    is one of `anonymous_burst_threshold` anonymous logons from one source within
//!    `anonymous_burst_window_secs` (medium).
//! 5. **sql_server_anonymous** — an 18456 "Login failed for user 'NT AUTHORITY\ANONYMOUS
//!    LOGON'" on the same host within `sql_window_secs`, from the same client address when both
//!    name one. Medium.
//! 6. **default_session** — no client at all (WorkstationName and IpAddress empty). High when
//!    KeyLength is 0 and the host was starting (service logons of SYSTEM / LOCAL SERVICE /
//!    NETWORK SERVICE within `startup_window_secs`, or a TargetLogonId below 0x100000, which
//!    Windows hands out only shortly after boot), medium otherwise.
//! 7. **explicit_null_session** — the session opened `\\*\IPC$` (5140) and no reconnaissance
//!    pipe, as `net use \\host\IPC$ /user:"" ""` does. Medium: LOCAL SERVICE or a workgroup
//!    SYSTEM can look the same; the client's 8001 decides.
//! 8. **the client's configuration** — when [`HostView`] holds the client's configuration
//!    (matched by WorkstationName, see [`super::hosts`]) and it has no 8001 to decide:
//!    Windows before 7 / Server 2008 R2 (CurrentVersion below 6.1), or Lsa\UseMachineId = 0,
//!    makes its LocalSystem NTLM anonymous → **localsystem_fallback**, medium (the
//!    configuration says what LocalSystem does, not that LocalSystem made this connection).
//!    The reasons cite each setting's file and place, domain membership and
//!    allownullsessionfallback. A Windows 7+ client with UseMachineId = 1 or not set rules the
//!    fallback out, which the reasons of rule 9 then say.
//! 9. **unknown** — a remote client and nothing else: the reasons list what was seen (and what
//!    the client's configuration shows) and `to_decide` what would decide it (the client's
//!    8001; without it, the client's OS version and UseMachineId, which the event logs do not
//!    show).
//!
//! Limits: rules 1, 4 (burst) and 5 join on host and time only; rule 3 joins on host names
//! (short NetBIOS form) and time, so clock skew beyond the window or renamed hosts break it.

use super::finding::{Confidence, FastMap, Finding, Sample, Severity, Text};
use super::hosts::{ConfiguredHost, HostView, Lookup, SettingState};
use super::state::{AnonLogon, Names, State};
use super::{short_host, EventRef};
use crate::knowledge::{luids, scenarios as sc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;

/// The reasons of a verdict. Hundreds of thousands of logons can repeat the same few, so the
/// texts and whole lists are shared between verdicts (`Arc`); `push` and `extend` take any
/// string, and copy the list only if it is shared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Reasons(Arc<Vec<Arc<str>>>);

impl Reasons {
    pub fn push(&mut self, r: impl Into<Arc<str>>) {
        Arc::make_mut(&mut self.0).push(r.into());
    }

    /// Take out the reason that names this client ([`client_reason`]): where it was. The
    /// verdicts keep the place only and make the text again when read, so that the logons
    /// of a flood's clients share a few verdicts instead of one each (`super::verdicts`).
    pub(crate) fn take_client(&mut self, ws: Option<&str>, ip: Option<&str>) -> Option<u8> {
        let at = self.0.iter().position(|r| is_client_reason(r, ws, ip))?;
        let place = u8::try_from(at).ok()?;
        Arc::make_mut(&mut self.0).remove(at);
        Some(place)
    }

    /// These reasons with the client's put back where [`Self::take_client`] took it.
    pub(crate) fn with_client(&self, at: Option<u8>, ws: Option<&str>, ip: Option<&str>) -> Self {
        let Some(at) = at else {
            return self.clone();
        };
        let mut v = Vec::with_capacity(self.0.len() + 1);
        v.extend_from_slice(&self.0);
        v.insert(usize::from(at).min(v.len()), client_reason(ws, ip).into());
        Reasons(Arc::new(v))
    }

    /// Each reason's text shared with an equal one in `texts`, or added there.
    pub(crate) fn share_texts(&mut self, texts: &mut TextSet) {
        for t in Arc::make_mut(&mut self.0) {
            share_text(t, texts);
        }
    }
}

/// Texts kept once however many verdicts hold them (foldhash: SipHash of every logon's
/// reasons was a twentieth of a logon-heavy scan).
pub(crate) type TextSet = std::collections::HashSet<Arc<str>, foldhash::fast::RandomState>;

/// `t` made the copy in `texts` of its text, or added there.
pub(crate) fn share_text(t: &mut Arc<str>, texts: &mut TextSet) {
    match texts.get(t) {
        Some(s) => *t = Arc::clone(s),
        None => {
            texts.insert(Arc::clone(t));
        }
    }
}

/// The reason that names a logon's client.
pub(crate) fn client_reason(ws: Option<&str>, ip: Option<&str>) -> String {
    format!(
        "client WorkstationName {}, IpAddress {}",
        ws.unwrap_or("-"),
        ip.unwrap_or("-")
    )
}

/// Whether `r` is [`client_reason`]`(ws, ip)`, compared without making it.
fn is_client_reason(r: &str, ws: Option<&str>, ip: Option<&str>) -> bool {
    r.strip_prefix("client WorkstationName ")
        .and_then(|r| r.strip_prefix(ws.unwrap_or("-")))
        .and_then(|r| r.strip_prefix(", IpAddress "))
        == Some(ip.unwrap_or("-"))
}

impl<R: Into<Arc<str>>> Extend<R> for Reasons {
    fn extend<I: IntoIterator<Item = R>>(&mut self, it: I) {
        Arc::make_mut(&mut self.0).extend(it.into_iter().map(Into::into));
    }
}

impl<'a> IntoIterator for &'a Reasons {
    type Item = &'a Arc<str>;
    type IntoIter = std::slice::Iter<'a, Arc<str>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl std::ops::Deref for Reasons {
    type Target = [Arc<str>];
    fn deref(&self) -> &[Arc<str>] {
        &self.0
    }
}

/// One anonymous logon and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classified {
    #[serde(flatten)]
    pub event: EventRef,
    pub computer: Arc<str>,
    /// Seconds since the epoch; written as RFC 3339.
    #[serde(
        serialize_with = "super::finding::ser_rfc3339",
        skip_serializing_if = "Option::is_none"
    )]
    pub time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workstation: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<Arc<str>>,
    pub scenario: &'static str,
    pub confidence: Confidence,
    /// The field values that decided.
    pub reasons: Reasons,
    /// What evidence would decide (or confirm) the cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_decide: Option<Arc<str>>,
    /// Other events this verdict rests on (the client's 8001, the session's 5140/5145, the
    /// 4742, the startup service logon...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub linked: Vec<EventRef>,
    /// Findings besides `anonymous-logon` this logon is evidence for.
    #[serde(skip)]
    pub findings: Vec<&'static str>,
}

/// Anonymous logons with the same verdict on the same host from the same client: one row of
/// the `--json` summary. A flood of anonymous logons repeats a few verdicts, and a row per
/// logon made the summary grow with the events (450 MB of a 670 MB summary for 314,000
/// logons); each logon's scenario stays in `--events`, its whole verdict in `explain`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub computer: Arc<str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workstation: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<Arc<str>>,
    pub scenario: &'static str,
    pub confidence: Confidence,
    pub reasons: Reasons,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_decide: Option<Arc<str>>,
    /// Logons in the group.
    pub count: u64,
    #[serde(
        serialize_with = "super::finding::ser_rfc3339",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_seen: Option<i64>,
    #[serde(
        serialize_with = "super::finding::ser_rfc3339",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_seen: Option<i64>,
    /// The logons themselves: the earliest `evidence_cap` (by time, then file and record id).
    pub evidence: Vec<EventRef>,
    /// The events their verdicts rest on, distinct: the first `evidence_cap` (by file and
    /// record id).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub linked: Vec<EventRef>,
}

pub use super::verdicts::{AnonymousLogons, FileVerdicts};

const LOW_LUID: u64 = 0x10_0000;

const DECIDE_CLIENT: &str = "the client's Microsoft-Windows-NTLM/Operational log (8001, with \"Restrict NTLM: Outgoing NTLM traffic to remote servers\" = Audit all) names the process and its ClientLUID: 0x3e5 LOCAL SERVICE = no_network_credentials, 0x3e7 SYSTEM = localsystem_fallback (domain member) or non_domain_joined (workgroup), a user session with no supplied account = explicit_null_session; 5140/5145 on this host (Audit File Share / Detailed File Share) show what the session opened";

fn is_loopback(ip: &str) -> bool {
    ip.parse::<IpAddr>().is_ok_and(|a| a.is_loopback())
}

fn not_domain_joined(computer: &str, client_domain: Option<&str>) -> bool {
    let short = short_host(computer);
    match client_domain {
        Some(d) => {
            let d = d.trim().to_ascii_uppercase();
            d == "WORKGROUP"
                || d == "MSHOME"
                || d == short
                || (d.is_empty() && !computer.contains('.'))
        }
        None => !computer.contains('.'),
    }
}

fn describe(a: &AnonLogon) -> Vec<String> {
    let mut r = vec![];
    match (&a.workstation, &a.ip) {
        (None, None) => r.push("no client: WorkstationName and IpAddress are empty".into()),
        (w, i) => r.push(client_reason(w.as_deref(), i.as_deref())),
    }
    if let Some(t) = a.logon_type {
        let name = crate::knowledge::logon_types::lookup(t)
            .map(|c| c.name)
            .unwrap_or("?");
        r.push(format!("LogonType {t} ({name})"));
    }
    if let Some(k) = a.key_length {
        r.push(format!("KeyLength {k}"));
    }
    r
}

/// The anonymous logons that fall in a burst from one source: per host, their (time, logon
/// id), sorted.
#[derive(Debug, Default)]
pub(crate) struct Bursts(FastMap<Arc<str>, Vec<(i64, Option<u64>)>>);

impl Bursts {
    fn contains(&self, a: &AnonLogon) -> bool {
        self.0
            .get(&a.computer)
            .is_some_and(|v| v.binary_search(&(a.time, a.logon_id)).is_ok())
    }
}

fn bursts(st: &State, dups: &BTreeMap<Arc<str>, Arc<str>>, names: &mut Names) -> Bursts {
    let cfg = &st.cfg;
    let (window, threshold) = (
        cfg.anonymous_burst_window_secs,
        cfg.anonymous_burst_threshold,
    );
    let mut out = Bursts::default();
    if window <= 0 {
        // A window of no time holds no logon.
        return out;
    }
    // Each source's logons, as they come: a source's come in time order in a log read in
    // order, and its burst members are then found with only the logons of the last window
    // kept. A source whose do not is read again below, all its logons at once.
    let mut streams: FastMap<(Arc<str>, Arc<str>), BurstStream> = FastMap::default();
    st.anon.for_each(names, |r, a| {
        if dups.contains_key(&r.file) {
            return;
        }
        let Some(src) = a.ip.clone().or_else(|| a.workstation.clone()) else {
            return;
        };
        streams.entry((a.computer.clone(), src)).or_default().push(
            (a.time, a.logon_id),
            window,
            threshold,
        );
    });
    let mut unordered: FastMap<(Arc<str>, Arc<str>), Vec<(i64, Option<u64>)>> = FastMap::default();
    for (key, mut s) in streams {
        if s.ordered {
            s.finish(threshold);
            if !s.members.is_empty() {
                out.0.entry(key.0).or_default().append(&mut s.members);
            }
        } else {
            unordered.insert(key, Vec::new());
        }
    }
    if !unordered.is_empty() {
        st.anon.for_each(names, |r, a| {
            if dups.contains_key(&r.file) {
                return;
            }
            let Some(src) = a.ip.clone().or_else(|| a.workstation.clone()) else {
                return;
            };
            if let Some(v) = unordered.get_mut(&(a.computer.clone(), src)) {
                v.push((a.time, a.logon_id));
            }
        });
        for ((computer, _), mut v) in unordered {
            v.sort_unstable();
            v.dedup();
            let members = out.0.entry(computer).or_default();
            burst_members(&v, window, threshold, members);
        }
    }
    out.0.retain(|_, v| !v.is_empty());
    for v in out.0.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    out
}

/// The logons of `v` (one source's, sorted and distinct) that fall in a burst: `threshold`
/// or more within `window` seconds of the first of them, appended to `members`.
fn burst_members(
    v: &[(i64, Option<u64>)],
    window: i64,
    threshold: u64,
    members: &mut Vec<(i64, Option<u64>)>,
) {
    let mut k = 0;
    for j in 0..v.len() {
        if k < j {
            k = j;
        }
        while k < v.len() && v[k].0 - v[j].0 < window {
            k += 1;
        }
        if (k - j) as u64 >= threshold {
            members.extend_from_slice(&v[j..k]);
        }
    }
}

/// [`burst_members`] over one source's logons as they come, while they come in order: the
/// logons not yet decided (those of the last window), and the members found so far.
#[derive(Debug)]
struct BurstStream {
    /// Whether the logons came in order so far (sorted, equal ones together).
    ordered: bool,
    last: Option<(i64, Option<u64>)>,
    /// The logons whose window is still open, oldest first; the first is number `first`.
    open: std::collections::VecDeque<(i64, Option<u64>)>,
    first: u64,
    /// Logons so far (distinct).
    count: u64,
    /// The logons numbered below this are in a burst found so far.
    burst_end: u64,
    members: Vec<(i64, Option<u64>)>,
}

impl Default for BurstStream {
    fn default() -> Self {
        BurstStream {
            ordered: true,
            last: None,
            open: std::collections::VecDeque::new(),
            first: 0,
            count: 0,
            burst_end: 0,
            members: Vec::new(),
        }
    }
}

impl BurstStream {
    fn push(&mut self, x: (i64, Option<u64>), window: i64, threshold: u64) {
        if !self.ordered {
            return;
        }
        match self.last {
            Some(l) if x == l => return,
            Some(l) if x < l => {
                // Read again, whole, when all are known.
                self.ordered = false;
                self.open = Default::default();
                self.members = Vec::new();
                return;
            }
            _ => {}
        }
        self.last = Some(x);
        // The windows that `x` is past end before it: each one's logons are those from its
        // first to `x`, excluded.
        while let Some(&(t, _)) = self.open.front() {
            if x.0 - t < window {
                break;
            }
            self.close_first(self.count, threshold);
        }
        self.open.push_back(x);
        self.count += 1;
    }

    /// Close the window of the first open logon, which ends before logon number `end`.
    fn close_first(&mut self, end: u64, threshold: u64) {
        let j = self.first;
        if end - j >= threshold {
            self.burst_end = self.burst_end.max(end);
        }
        // Every window that could hold it is closed: the windows that start before it, and
        // its own.
        if let Some(l) = self.open.pop_front() {
            if j < self.burst_end {
                self.members.push(l);
            }
        }
        self.first += 1;
    }

    /// Close the windows still open: they end with the last logon.
    fn finish(&mut self, threshold: u64) {
        while !self.open.is_empty() {
            self.close_first(self.count, threshold);
        }
    }
}

/// Classify every anonymous logon in the state, in event order. The logons are read a block
/// at a time and each verdict kept as a row ([`super::verdicts`]): unpacked all at once, the
/// logons and their verdicts were a flood's peak.
pub(crate) fn classify_all(
    st: &State,
    dups: &BTreeMap<Arc<str>, Arc<str>>,
    hosts: &HostView,
    threads: usize,
) -> AnonymousLogons {
    let mut names = Names::default();
    let burst = bursts(st, dups, &mut names);
    let near = Near {
        outgoing: OutgoingNear::new(st.outgoing.groups()),
        sql: super::sql_anonymous::SqlNear::new(&st.sql_anon),
        zerologon: super::zerologon::ZlNear::new(&st.zerologon),
    };
    use super::verdicts::Preparer;
    let mut out = super::verdicts::Builder::new(st.cfg.evidence_cap, st.anon.kept());
    // Each thread looks sessions up through a lookup of its own (it keeps the last block of
    // sessions it read), and numbers its verdicts for the builder.
    st.anon.map_each(
        threads,
        |t| (st.sessions.lookup(), Preparer::new(t as u32 + 1)),
        |(sessions, prep), r, a| prep.prepare(classify(st, r, a, &burst, hosts, &near, sessions)),
        |p| out.push_prepared(p),
    );
    out.finish()
}

/// The events a logon's verdict looks for around its time (the client's 8001s by group,
/// SQL Server's 18456s in time order): each logon scanned them all, which was quadratic when
/// a flood of anonymous logons came with the clients' NTLM logs.
struct Near<'a> {
    outgoing: OutgoingNear<'a>,
    sql: super::sql_anonymous::SqlNear<'a>,
    zerologon: super::zerologon::ZlNear<'a>,
}

/// The 8001 groups ([`super::outgoing::OutgoingSeen`]), found by their client and by their
/// target (short host names), times sorted.
struct OutgoingNear<'a> {
    groups: &'a [super::outgoing::OutgoingGroup],
    by_client: BTreeMap<String, Vec<usize>>,
    by_target: BTreeMap<String, Vec<usize>>,
}

/// The client rule's 8001s around a logon: the distinct clients among them, and the nearest
/// in time (ties to the smallest reference) with what it says.
type Nearest<'a> = (
    BTreeSet<String>,
    Option<(EventRef, &'a super::outgoing::Outgoing)>,
);

impl<'a> OutgoingNear<'a> {
    fn new(groups: &'a [super::outgoing::OutgoingGroup]) -> Self {
        let (mut by_client, mut by_target) = (BTreeMap::new(), BTreeMap::new());
        for (i, g) in groups.iter().enumerate() {
            let client: &mut Vec<usize> = by_client.entry(short_host(&g.who.computer)).or_default();
            client.push(i);
            if let Some(t) = &g.who.target {
                let target: &mut Vec<usize> = by_target.entry(short_host(t)).or_default();
                target.push(i);
            }
        }
        OutgoingNear {
            groups,
            by_client,
            by_target,
        }
    }

    /// The 8001s at most `window` seconds from `t` that name no target or `host`, logged
    /// on client `ws`; without `ws`, those of any client that name `host`.
    fn around(&self, t: i64, window: i64, host: &str, ws: Option<&str>) -> Nearest<'a> {
        let candidates = match ws {
            Some(w) => self.by_client.get(w),
            None => self.by_target.get(host),
        };
        let mut clients = BTreeSet::new();
        let mut best: Option<(i64, &'a str, u64, &'a super::outgoing::OutgoingGroup)> = None;
        for &i in candidates.into_iter().flatten() {
            let g = &self.groups[i];
            // A logon's own client may name this host or no target at all.
            if ws.is_some()
                && g.who
                    .target
                    .as_deref()
                    .is_some_and(|x| short_host(x) != host)
            {
                continue;
            }
            // The group's nearest: the last before `t` and the first from it.
            let mut any = false;
            for (when, record_id) in g.times.around(t, window) {
                any = true;
                let key = ((when - t).abs(), &*g.file, record_id);
                if best.is_none_or(|(d, f, r, _)| key < (d, f, r)) {
                    best = Some((key.0, key.1, key.2, g));
                }
            }
            if any {
                clients.insert(short_host(&g.who.computer));
            }
        }
        let nearest = best.map(|(_, _, record_id, g)| {
            let r = EventRef {
                file: Arc::clone(&g.file),
                record_id,
            };
            (r, &g.who)
        });
        (clients, nearest)
    }
}

/// What a client's configuration says of an anonymous logon from it (rule 8).
enum ConfigVerdict {
    /// LocalSystem NTLM from this client is anonymous: localsystem_fallback.
    Fallback(Vec<String>),
    /// This client's LocalSystem presents the computer account: not the fallback.
    NotFallback(Vec<String>),
    /// The configuration does not show enough.
    Open(Vec<String>),
}

const FALLBACK_EFFECT: &str =
    "LocalSystem NTLM uses a null session (ANONYMOUS LOGON) instead of the computer account";

fn config_verdict(client: &str, h: &ConfiguredHost) -> ConfigVerdict {
    let os = h.os.as_ref();
    let pre7 = os.map(|o| o.before_windows7());
    let umi = &h.use_machine_id;
    let os_text =
        |o: &crate::policy::OsVersion| format!("{}: {}", o.source.source_text(), o.describe());
    let mut r = Vec::new();
    let fallback = match (pre7, umi) {
        (Some(true), _) => {
            let o = os.expect("pre7 is known");
            r.push(format!(
                "{client}'s configuration decides (no 8001 from it): {}: Windows before 7 / Server 2008 R2: {FALLBACK_EFFECT}",
                os_text(o)
            ));
            if let SettingState::Set { value, source } = umi {
                r.push(if *value == 0 {
                    format!("{source}: UseMachineId = 0: {FALLBACK_EFFECT}")
                } else {
                    format!("{source}: UseMachineId = {value}: Windows reads it from 7 / Server 2008 R2 on; this OS ignores it")
                });
            }
            true
        }
        (_, SettingState::Set { value: 0, source }) => {
            r.push(format!(
                "{client}'s configuration decides (no 8001 from it): {source}: UseMachineId = 0 (\"Allow Local System to use computer identity for NTLM\" disabled): {FALLBACK_EFFECT}"
            ));
            if let Some(o) = os {
                r.push(os_text(o));
            }
            true
        }
        (Some(false), SettingState::Set { value: 1, source }) => {
            r.push(format!(
                "{client}'s configuration rules the LocalSystem fallback out: {} and {source}: UseMachineId = 1: its LocalSystem services present the computer account {}$",
                os_text(os.expect("known")),
                short_host(client)
            ));
            false
        }
        (Some(false), SettingState::NotSet { source }) => {
            r.push(format!(
                "{client}'s configuration rules the LocalSystem fallback out: {} and UseMachineId not set (not in {source}): Windows 7 / Server 2008 R2 and later then use the computer identity, so its LocalSystem services present the computer account {}$",
                os_text(os.expect("known")),
                short_host(client)
            ));
            false
        }
        (Some(false), _) => {
            r.push(format!(
                "{client}'s configuration ({}) does not decide: {}, but UseMachineId is not in the files (the default is the computer identity; 0 would make LocalSystem anonymous)",
                h.files.join(", "),
                os_text(os.expect("known"))
            ));
            return ConfigVerdict::Open(r);
        }
        (None, SettingState::Set { value, source }) => {
            r.push(format!(
                "{client}'s configuration ({}) does not decide: {source}: UseMachineId = {value}, but the OS version is not in the files (Windows before 7 / 2008 R2 ignores UseMachineId and is anonymous; export HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion)",
                h.files.join(", ")
            ));
            return ConfigVerdict::Open(r);
        }
        (None, _) => {
            r.push(format!(
                "{client}'s configuration ({}) shows neither its OS version (HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion) nor UseMachineId (HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa)",
                h.files.join(", ")
            ));
            return ConfigVerdict::Open(r);
        }
    };
    match &h.domain_member {
        Some(m) => r.push(format!("{client} is a domain member: {m}")),
        None if fallback => r.push(format!(
            "{client}'s domain membership is not in its configuration: taken as a domain member (a workgroup host's SYSTEM would be non_domain_joined)"
        )),
        None => {}
    }
    if !fallback {
        return ConfigVerdict::NotFallback(r);
    }
    match &h.null_session_fallback {
        SettingState::Set { value: 0, source } => r.push(format!(
            "{source}: allownullsessionfallback = 0: null-session calls that ask for signing or sealing fail"
        )),
        SettingState::Set { value, source } => r.push(format!(
            "{source}: allownullsessionfallback = {value}: the null session signs and seals with a well-known key"
        )),
        SettingState::NotSet { source } if pre7 == Some(true) => r.push(format!(
            "allownullsessionfallback not set (not in {source}): enabled before Windows 7 / 2008 R2, so the null session signs and seals with a well-known key"
        )),
        _ => {}
    }
    ConfigVerdict::Fallback(r)
}

fn classify(
    st: &State,
    r: &EventRef,
    a: &AnonLogon,
    burst: &Bursts,
    hosts: &HostView,
    near: &Near<'_>,
    sessions: &super::sessions::SessionLookup<'_>,
) -> Classified {
    let cfg = &st.cfg;
    let mut out = Classified {
        event: r.clone(),
        computer: a.computer.clone(),
        time: Some(a.time).filter(|&t| t != 0),
        workstation: a.workstation.clone(),
        ip: a.ip.clone(),
        scenario: sc::UNKNOWN,
        confidence: Confidence::Low,
        reasons: Reasons::default(),
        to_decide: None,
        linked: vec![],
        findings: vec![],
    };
    let host = short_host(&a.computer);
    let seen = describe(a);

    // 1. Zerologon.
    let zl = near
        .zerologon
        .nearest(a.time, cfg.zerologon_window_secs, &host);
    if let Some((zr, z, when)) = zl {
        out.scenario = sc::ZEROLOGON;
        out.linked.push(zr);
        out.findings.push("zerologon");
        let dt = when - a.time;
        if z.event_id == 4742 {
            out.confidence = if z.password_last_set.is_some() {
                Confidence::High
            } else {
                Confidence::Medium
            };
            out.reasons.push(format!(
                "a 4742 by ANONYMOUS LOGON changed computer account {} on this host {} s {} (PasswordLastSet {})",
                z.target.as_deref().unwrap_or("-"),
                dt.abs(),
                if dt >= 0 { "later" } else { "earlier" },
                z.password_last_set.as_deref().unwrap_or("-")
            ));
        } else {
            out.confidence = Confidence::Medium;
            out.reasons.push(format!(
                "Netlogon 5805 on this host {} s {}: the DC's own account {} failed secure-channel authentication, as during Zerologon attempts",
                dt.abs(),
                if dt >= 0 { "later" } else { "earlier" },
                z.target.as_deref().unwrap_or("-")
            ));
        }
        out.reasons.extend(seen);
        return out;
    }

    // 2. Loopback.
    if let Some(ip) = a.ip.as_deref().filter(|ip| is_loopback(ip)) {
        out.scenario = sc::LOCAL_LOOPBACK;
        out.confidence = Confidence::High;
        out.reasons.push(format!("IpAddress {ip} is the host itself: a local process authenticated to its own host with empty credentials"));
        out.reasons.extend(seen);
        if let Some(p) = a.port {
            out.reasons.push(format!("source port {p}"));
        }
        return out;
    }

    // The 18456 of rule 5, looked up here because rule 3 uses it too: a double hop shows on
    // the middle tier as an 8001 from a user session with no supplied account, which alone
    // would read as an explicit null session.
    let sql = near
        .sql
        .nearest(a.time, cfg.sql_window_secs, &host, a.ip.as_deref());

    // 3. The client's 8001.
    let ws = a.workstation.as_deref().map(short_host);
    let (clients, nearest) =
        near.outgoing
            .around(a.time, cfg.correlation_window_secs, &host, ws.as_deref());
    if let (Some((or, o)), true) = (nearest, clients.len() == 1) {
        let luid_name = o.luid.and_then(luids::lookup).map(|c| c.name);
        let luid_txt = match (o.luid, luid_name) {
            (Some(l), Some(n)) => format!("ClientLUID {l:#x} ({n})"),
            (Some(l), None) => format!("ClientLUID {l:#x} (a user logon session)"),
            _ => "no ClientLUID".into(),
        };
        let via = format!(
            "source-side 8001 on {} ({}) {}: process {}, {}, supplied account {}",
            o.computer,
            or.file,
            or.record_id,
            o.process.as_deref().unwrap_or("-"),
            luid_txt,
            o.user.as_deref().unwrap_or("(none)")
        );
        out.linked.push(or.clone());
        out.confidence = if ws.is_some() {
            Confidence::High
        } else {
            Confidence::Medium
        };
        let identity = format!(
            "client identity {}\\{}",
            o.client_domain.as_deref().unwrap_or("-"),
            o.client_user.as_deref().unwrap_or("-")
        );
        match o.luid {
            Some(luids::LOCALSERVICE_LUID) => {
                out.scenario = sc::NO_NETWORK_CREDENTIALS;
                out.reasons.push(via);
                out.reasons.push("LOCAL SERVICE has no network credentials and presents ANONYMOUS LOGON to remote hosts");
            }
            Some(l @ (luids::SYSTEM_LUID | luids::NETWORKSERVICE_LUID)) => {
                if not_domain_joined(&o.computer, o.client_domain.as_deref()) {
                    out.scenario = sc::NON_DOMAIN_JOINED;
                    out.reasons.push(via);
                    out.reasons.push(format!(
                        "{identity}: {} is not domain-joined (workgroup or host-local domain), so its computer identity cannot authenticate to a domain host",
                        o.computer
                    ));
                } else if l == luids::SYSTEM_LUID {
                    out.scenario = sc::LOCALSYSTEM_FALLBACK;
                    out.reasons.push(via);
                    out.reasons.push(format!(
                        "{identity}: a domain member's SYSTEM fell back to NTLM and went anonymous instead of using the computer account (UseMachineId = 0, or Windows before 7 / 2008 R2)"
                    ));
                } else {
                    out.scenario = sc::UNKNOWN;
                    out.confidence = Confidence::Low;
                    out.reasons.push(via);
                    out.reasons.push(format!("{identity}: NETWORK SERVICE on a domain member normally presents the computer account; why it went anonymous is not in the evidence"));
                    out.to_decide = Some("the client's configuration (UseMachineId, domain membership) and why Kerberos was not used".into());
                }
            }
            _ if sql.is_some() => {
                let (sr, s) = sql.as_ref().expect("checked");
                out.scenario = sc::SQL_SERVER_ANONYMOUS;
                out.linked.push(sr.clone());
                out.findings.push("sql-anonymous-login-failure");
                let spn = o
                    .target
                    .as_deref()
                    .filter(|t| t.to_ascii_lowercase().starts_with("mssqlsvc/"));
                out.reasons.push(via);
                if let Some(t) = spn {
                    out.reasons.push(format!("the 8001 targets the SQL Server service ({t}) with no supplied account: the caller's identity did not make the hop"));
                }
                out.reasons.push(sql_reason(s, a));
            }
            _ => {
                out.scenario = sc::EXPLICIT_NULL_SESSION;
                out.reasons.push(via);
                out.reasons.push("a process in an ordinary logon session supplied no account: empty credentials on purpose (net use \\\\host\\IPC$ /user:\"\" \"\", or a program hard-coded for anonymous access)");
            }
        }
        out.reasons.extend(seen);
        return out;
    }

    // 4. Enumeration.
    let session = a
        .logon_id
        .and_then(|l| sessions.get(&(Arc::clone(&a.computer), l)));
    if let Some(s) = &session {
        out.linked.extend(s.refs.iter().map(|(_, r)| r.clone()));
        let recon: Vec<&Arc<str>> = s.pipes.iter().filter(|p| cfg.is_recon_pipe(p)).collect();
        if !recon.is_empty() {
            out.scenario = sc::ENUMERATION;
            out.confidence = Confidence::High;
            out.findings.push("null-session-enumeration");
            // The logon id is the logon's own (in its event): left out, a flood of null
            // sessions shares one reason, not one per logon.
            out.reasons.push(format!(
                "its session (the logon's TargetLogonId as 5145's SubjectLogonId) opened reconnaissance pipes over IPC$: {}",
                recon.iter().map(|s| &***s).collect::<Vec<_>>().join(", ")
            ));
            out.reasons.extend(seen);
            return out;
        }
    }
    if burst.contains(a) {
        out.scenario = sc::ENUMERATION;
        out.confidence = Confidence::Medium;
        out.findings.push("null-session-enumeration");
        out.reasons.push(format!(
            "one of at least {} anonymous logons from {} within {} s (a scripted burst)",
            cfg.anonymous_burst_threshold,
            a.ip.as_deref().or(a.workstation.as_deref()).unwrap_or("-"),
            cfg.anonymous_burst_window_secs
        ));
        out.reasons.extend(seen);
        out.to_decide = Some("5145 on this host (Detailed File Share auditing) would show which pipes the sessions opened".into());
        return out;
    }

    // 5. SQL Server.
    if let Some((sr, s)) = &sql {
        out.scenario = sc::SQL_SERVER_ANONYMOUS;
        out.confidence = Confidence::Medium;
        out.linked.push(sr.clone());
        out.findings.push("sql-anonymous-login-failure");
        out.reasons.push(sql_reason(s, a));
        out.reasons.extend(seen);
        return out;
    }

    // 6. Default session.
    if a.workstation.is_none() && a.ip.is_none() {
        out.scenario = sc::DEFAULT_SESSION;
        let key0 = a.key_length == Some(0);
        out.reasons
            .extend(seen.into_iter().filter(|r| !(key0 && r == "KeyLength 0")));
        if key0 {
            out.reasons
                .push("KeyLength 0: no NTLM session key, no remote client negotiated one");
        }
        let grain = super::state::STARTUP_GRAIN;
        let b = super::state::bucket(a.time, grain);
        let span = cfg.startup_window_secs / grain + 1;
        // One range of the host's buckets, in bucket order (a lookup per bucket made a key,
        // and its string, for each: 27,000 instructions a logon).
        let host = a.computer.to_string();
        let startup = st
            .startup
            .range((host.clone(), b - span)..=(host, b + span))
            .map(|(_, v)| v)
            .filter(|(t, _)| (t - a.time).abs() <= cfg.startup_window_secs)
            .min_by_key(|(t, r)| ((t - a.time).abs(), r.clone()));
        let mut boot = false;
        if let Some((t, sr)) = startup {
            boot = true;
            out.linked.push(sr.clone());
            out.reasons.push(format!(
                "the host was starting services: built-in service-account logons (SYSTEM / LOCAL SERVICE / NETWORK SERVICE, LogonType 5) {} s away",
                (t - a.time).abs()
            ));
        }
        if let Some(l) = a.logon_id {
            if l == luids::ANONYMOUS_LOGON_LUID {
                boot = true;
                out.reasons
                    .push("TargetLogonId 0x3e6 is the built-in ANONYMOUS_LOGON_LUID session");
            } else if l < LOW_LUID {
                boot = true;
                out.reasons.push(format!("TargetLogonId {l:#x} is low: logon sessions are numbered from boot, so this one was created early after startup"));
            }
        }
        out.confidence = if key0 && boot {
            Confidence::High
        } else {
            Confidence::Medium
        };
        if out.confidence != Confidence::High {
            out.to_decide = Some("a startup event (4608) or service logons just before it would confirm a system-created session".into());
        }
        return out;
    }

    // 7. IPC$ only.
    if let Some(s) = &session {
        if s.shares.iter().any(|x| &**x == "IPC$") {
            out.scenario = sc::EXPLICIT_NULL_SESSION;
            out.confidence = Confidence::Medium;
            out.reasons.push(
                "its session (the logon's TargetLogonId as 5140's SubjectLogonId) opened \\\\*\\IPC$ and no reconnaissance pipe, as net use \\\\host\\IPC$ /user:\"\" \"\" does".to_string(),
            );
            out.reasons.extend(seen);
            out.to_decide = Some(DECIDE_CLIENT.into());
            return out;
        }
    }

    // 8. The client's configuration, else unknown.
    let config = a
        .workstation
        .as_deref()
        .map(|c| (c, hosts.lookup(c)))
        .map(|(c, l)| match l {
            Lookup::One(h) => config_verdict(c, h),
            Lookup::Ambiguous(names) => ConfigVerdict::Open(vec![format!(
                "{c} matches the configuration of several hosts ({}): none is used",
                names.join(", ")
            )]),
            Lookup::None => ConfigVerdict::Open(vec![]),
        });
    if let Some(ConfigVerdict::Fallback(why)) = config {
        let client = a.workstation.as_deref().unwrap_or("-");
        out.scenario = sc::LOCALSYSTEM_FALLBACK;
        out.confidence = Confidence::Medium;
        out.reasons.extend(why);
        out.reasons.extend(seen);
        out.to_decide = Some(format!(
            "to confirm: the LocalSystem service or task on {client} that reaches {} at these times; on Windows 7 / 2008 R2 and later its 8001 (NTLM/Operational, outgoing NTLM auditing = Audit all) names it, with ClientLUID 0x3e7",
            a.computer
        ).into());
        return out;
    }
    out.reasons
        .push("a remote client logged on anonymously; nothing else in the evidence tells why");
    out.reasons.extend(seen);
    if session.is_none() {
        out.reasons
            .push("no 5140/5145 share access by this session in the evidence");
    }
    let config_known = matches!(config, Some(ConfigVerdict::NotFallback(_)));
    if let Some(ConfigVerdict::NotFallback(why) | ConfigVerdict::Open(why)) = config {
        out.reasons.extend(why);
    }
    out.to_decide = Some(match a.workstation.as_deref().or(a.ip.as_deref()) {
        Some(client) if config_known => format!("no 8001 from {client} in the evidence. {DECIDE_CLIENT}").into(),
        Some(client) => format!(
            "no 8001 from {client} in the evidence. {DECIDE_CLIENT}. Without that log (Windows Vista / Server 2008 and older have no NTLM/Operational channel), {client}'s configuration decides: Windows before 7 / Server 2008 R2, or Lsa\\UseMachineId = 0 (\"Allow Local System to use computer identity for NTLM\" disabled), makes its LocalSystem services present ANONYMOUS LOGON = localsystem_fallback (give its Lsa export and its Windows NT\\CurrentVersion export to `nullsight scan --config`)"
        ).into(),
        None => DECIDE_CLIENT.into(),
    });
    out
}

fn sql_reason(s: &super::sql_anonymous::SqlHit<'_>, a: &AnonLogon) -> String {
    format!(
        "SQL Server {} refused 'NT AUTHORITY\\ANONYMOUS LOGON' on this host {} s away (18456, client {}): the caller's Windows identity was lost on a double hop or to NTLM",
        s.key.instance,
        (s.time - a.time).abs(),
        s.key.ip.as_deref().unwrap_or("-")
    )
}

fn severity(scenario: &str) -> Severity {
    match scenario {
        sc::DEFAULT_SESSION => Severity::Info,
        sc::EXPLICIT_NULL_SESSION
        | sc::NO_NETWORK_CREDENTIALS
        | sc::NON_DOMAIN_JOINED
        | sc::SQL_SERVER_ANONYMOUS => Severity::Low,
        sc::LOCALSYSTEM_FALLBACK | sc::UNKNOWN => Severity::Medium,
        sc::ENUMERATION | sc::LOCAL_LOOPBACK => Severity::High,
        sc::ZEROLOGON => Severity::Critical,
        _ => Severity::Medium,
    }
}

fn remediation(scenario: &str) -> &'static str {
    match scenario {
        sc::DEFAULT_SESSION => "Nothing to fix: the session is created by Windows itself.",
        sc::EXPLICIT_NULL_SESSION => "Find the program or user on the client. On the server: \"Network access: Restrict anonymous access to Named Pipes and Shares\" (RestrictNullSessAccess = 1), empty NullSessionPipes / NullSessionShares, RestrictAnonymous = 1, RestrictAnonymousSAM = 1.",
        sc::NO_NETWORK_CREDENTIALS => "Run the service or task on the client as NETWORK SERVICE, a managed service account or a domain account instead of LOCAL SERVICE; nothing to change on the server.",
        sc::NON_DOMAIN_JOINED => "Join the client to the domain or give the task explicit credentials; do not open the server to anonymous access.",
        sc::LOCALSYSTEM_FALLBACK => "On the client: \"Network security: Allow Local System to use computer identity for NTLM\" (Lsa\\UseMachineId = 1), \"Allow LocalSystem NULL session fallback\" (MSV1_0\\allownullsessionfallback = 0); find why Kerberos was not used (SPN, name used).",
        sc::SQL_SERVER_ANONYMOUS => "Fix Kerberos for the SQL Server service: register the MSSQLSvc SPNs (setspn -S), remove duplicate SPNs, configure constrained delegation for the middle tier or linked server.",
        sc::ENUMERATION => "\"Network access: Do not allow anonymous enumeration of SAM accounts and shares\" (RestrictAnonymous = 1, RestrictAnonymousSAM = 1), \"Allow anonymous SID/Name translation\" disabled (LSAAnonymousNameLookup = 0), empty NullSessionPipes, RestrictNullSessAccess = 1, RestrictRemoteSAM; investigate the source.",
        sc::LOCAL_LOOPBACK => "Investigate the local process (potato-style privilege escalation); patch, and remove SeImpersonatePrivilege from service accounts that do not need it.",
        sc::ZEROLOGON => "Install the August 2020 (and February 2021 enforcement) Netlogon updates; FullSecureChannelProtection = 1; reset the DC account password twice; investigate the source.",
        _ => "Turn on NTLM auditing on the client (\"Restrict NTLM: Outgoing NTLM traffic to remote servers\" = Audit all) and File Share auditing on this host, then scan again.",
    }
}

/// `anonymous-logon` per (scenario, host), and `null-session-enumeration` per (host, source).
pub(crate) fn findings(
    st: &State,
    classified: &AnonymousLogons,
    dups: &BTreeMap<Arc<str>, Arc<str>>,
) -> Vec<Finding> {
    let cap = st.cfg.evidence_cap;
    struct Group {
        sample: Sample,
        sources: BTreeSet<Arc<str>>,
        /// reason → (order of first appearance, count)
        reasons: BTreeMap<Arc<str>, (usize, u64)>,
        conf: BTreeMap<Confidence, u64>,
        to_decide: BTreeSet<Arc<str>>,
    }
    let mut enum_groups: BTreeMap<(Arc<str>, Arc<str>), (Sample, BTreeSet<Arc<str>>)> =
        BTreeMap::new();
    // The logons that share a host, client and verdict share everything but their event and
    // time: each logon is added to its group's sample, and what the verdict says is counted
    // once per verdict, times its logons. The verdicts of a group are taken in the order of
    // their first logon, so its reasons come in the order they first appear, as logon by
    // logon.
    let whos = classified.who_count();
    // Per verdict (`who`): its logons, its group, and its enumeration group if any.
    let mut count = vec![0u64; whos];
    let mut group_of: Vec<Option<usize>> = vec![None; whos];
    let mut enum_of: Vec<Option<(Arc<str>, Arc<str>)>> = vec![None; whos];
    let mut places: BTreeMap<(&'static str, Arc<str>), usize> = BTreeMap::new();
    // Each group's sample and its verdicts in the order of their first logon.
    let mut samples: Vec<(Sample, Vec<usize>)> = Vec::new();
    for (event, time, w) in classified.logons() {
        if dups.contains_key(&event.file) {
            continue;
        }
        // A logon's time, 0 when it has none (as `Classified::time` is made).
        let t = time.unwrap_or(0);
        let g = match group_of[w] {
            Some(g) => g,
            None => {
                let who = classified.who(w);
                let n = samples.len();
                let g = *places
                    .entry((who.scenario, Arc::clone(who.computer)))
                    .or_insert(n);
                if g == n {
                    samples.push((Sample::default(), Vec::new()));
                }
                samples[g].1.push(w);
                if who.scenario == sc::ENUMERATION {
                    let src = who
                        .ip
                        .or(who.workstation)
                        .cloned()
                        .unwrap_or_else(|| Arc::from("(unknown)"));
                    let key = (Arc::clone(who.computer), src);
                    let e = enum_groups.entry(key.clone()).or_default();
                    for r in who.reasons {
                        if r.contains("pipes") || r.contains("burst") {
                            e.1.insert(r.clone());
                        }
                    }
                    enum_of[w] = Some(key);
                }
                group_of[w] = Some(g);
                g
            }
        };
        count[w] += 1;
        if let Some(e) = enum_of[w].as_ref().and_then(|key| enum_groups.get_mut(key)) {
            e.0.add(t, event.clone(), cap);
        }
        samples[g].0.add(t, event, cap);
    }
    let mut groups: BTreeMap<(&'static str, Arc<str>), Group> = BTreeMap::new();
    for (key, g) in places {
        let (sample, verdicts) = std::mem::take(&mut samples[g]);
        let mut group = Group {
            sample,
            sources: BTreeSet::new(),
            reasons: BTreeMap::new(),
            conf: BTreeMap::new(),
            to_decide: BTreeSet::new(),
        };
        for w in verdicts {
            let (who, n) = (classified.who(w), count[w]);
            group.sources.extend(who.workstation.cloned());
            group.sources.extend(who.ip.cloned());
            for r in who.reasons {
                let next = group.reasons.len();
                group.reasons.entry(r.clone()).or_insert((next, 0)).1 += n;
            }
            *group.conf.entry(who.confidence).or_default() += n;
            group.to_decide.extend(who.to_decide.cloned());
        }
        groups.insert(key, group);
    }
    let mut out = vec![];
    // Shared by the findings: one per host repeats its scenario's texts and, for clients
    // seen by many hosts, the same "to decide" advice.
    let account: Text = Text::from("NT AUTHORITY\\ANONYMOUS LOGON");
    let mut texts: BTreeMap<&'static str, (Text, Text)> = BTreeMap::new();
    let mut to_decide: FastMap<Arc<str>, Text> = FastMap::default();
    for ((scenario, host), g) in groups {
        let s = sc::lookup(scenario);
        let title = format!(
            "Anonymous logon: {}",
            s.map(|s| s.title).unwrap_or(scenario)
        );
        let mut f =
            Finding::new("anonymous-logon", severity(scenario), title).with_sample(&g.sample, cap);
        let (explanation, remedy) = texts.entry(scenario).or_insert_with(|| {
            (
                Text::from(format!(
                    "{} {}",
                    s.map(|s| s.explanation).unwrap_or(""),
                    "Null sessions report LmPackageName \"NTLM V1\"; they are not counted as NTLMv1 use."
                )),
                Text::from(remediation(scenario)),
            )
        });
        f.explanation = Text::clone(explanation);
        f.remediation = Text::clone(remedy);
        f.scenario = Some(scenario);
        f.confidence = g
            .conf
            .iter()
            .max_by_key(|(c, n)| (**n, **c))
            .map(|(c, _)| *c);
        f.hosts = vec![host];
        f.sources = g.sources.into_iter().collect();
        f.accounts = vec![Text::clone(&account)];
        let mut reasons: Vec<(Arc<str>, (usize, u64))> = g.reasons.into_iter().collect();
        reasons.sort_by_key(|(_, (i, _))| *i);
        let reasons = reasons.into_iter().map(|(r, (_, n))| (r, n));
        let total = g.sample.total;
        f.reasons = reasons
            .filter(|(r, _)| {
                !r.starts_with("source-side 8001") && !r.starts_with("client WorkstationName")
            })
            .take(8)
            .map(|(r, n)| {
                if n == total {
                    r
                } else {
                    Text::from(format!("{r} ({n} of {total})"))
                }
            })
            .collect();
        if !f.sources.is_empty() {
            f.reasons
                .push(Text::from(format!("clients: {}", f.sources.join(", "))));
        }
        for (c, n) in &g.conf {
            f.reasons
                .push(Text::from(format!("confidence {}: {n}", c.as_str())));
        }
        if let Some(d) = g.to_decide.into_iter().next() {
            let text = to_decide
                .entry(d)
                .or_insert_with_key(|d| Text::from(format!("to decide: {d}")));
            f.reasons.push(Text::clone(text));
        }
        out.push(f);
    }
    // null-session-enumeration: enumeration logons, and anonymous share access to recon pipes
    // even when the logon itself is not in the evidence.
    let mut shares: BTreeMap<(String, String), (Sample, BTreeSet<String>)> = BTreeMap::new();
    for ((file, host, src), (s, what)) in &st.anon_shares {
        if dups.contains_key(file) {
            continue;
        }
        let e = shares.entry((host.clone(), src.clone())).or_default();
        e.0.merge(s.clone(), cap);
        e.1.extend(what.iter().cloned());
    }
    for ((host, src), (s, what)) in shares {
        let recon: Vec<&String> = what
            .iter()
            .filter(|w| {
                w.strip_prefix("pipe ")
                    .is_some_and(|p| st.cfg.is_recon_pipe(p))
            })
            .collect();
        if recon.is_empty() {
            continue;
        }
        let e = enum_groups
            .entry((Arc::from(host), Arc::from(src)))
            .or_default();
        e.1.insert(Arc::from(format!(
            "ANONYMOUS LOGON opened {} in 5145",
            recon
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
        e.0.merge(s, cap);
    }
    for ((host, src), (s, why)) in enum_groups {
        let mut f = Finding::new(
            "null-session-enumeration",
            Severity::High,
            format!("Null-session enumeration of {host} from {src}"),
        )
        .with_sample(&s, cap);
        f.scenario = Some(sc::ENUMERATION);
        f.hosts = vec![host];
        f.sources = vec![src];
        f.accounts = vec![Text::clone(&account)];
        f.reasons = why.into_iter().take(8).collect();
        f.remediation = Text::from(remediation(sc::ENUMERATION));
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One source's burst members as [`bursts`] finds them: streamed while the logons come in
    /// order, else all at once.
    fn streamed(
        items: &[(i64, Option<u64>)],
        window: i64,
        threshold: u64,
    ) -> Option<Vec<(i64, Option<u64>)>> {
        let mut s = BurstStream::default();
        for &x in items {
            s.push(x, window, threshold);
        }
        if !s.ordered {
            return None;
        }
        s.finish(threshold);
        let mut m = s.members;
        m.sort_unstable();
        m.dedup();
        Some(m)
    }

    proptest::proptest! {
        // Streamed, a source's logons that come in order give the burst members that the
        // sorted list of all of them gives; out of order, the stream says so.
        #[test]
        fn burst_members_streamed_are_those_of_the_whole_list(
            steps in proptest::collection::vec((0i64..40, proptest::option::of(0u64..4)), 0..120),
            shuffle in proptest::collection::vec(0usize..120, 0..3),
            window in 1i64..90,
            threshold in 0u64..8,
        ) {
            // Times that grow (by 0 to 39 s), ids repeating, so equal logons come together.
            let mut t = 0;
            let mut items: Vec<(i64, Option<u64>)> = steps
                .iter()
                .map(|&(dt, id)| {
                    t += dt;
                    (t, id)
                })
                .collect();
            items.sort_unstable();
            for &i in &shuffle {
                if !items.is_empty() {
                    let j = i % items.len();
                    items.swap(0, j);
                }
            }
            let mut sorted = items.clone();
            sorted.sort_unstable();
            sorted.dedup();
            let mut want = Vec::new();
            burst_members(&sorted, window, threshold, &mut want);
            want.sort_unstable();
            want.dedup();
            match streamed(&items, window, threshold) {
                Some(got) => proptest::prop_assert_eq!(got, want),
                None => proptest::prop_assert!(items.windows(2).any(|w| w[1] < w[0])),
            }
        }
    }

    #[test]
    fn domain_membership() {
        assert!(not_domain_joined("WS1", Some("WORKGROUP")));
        assert!(not_domain_joined("WS1", Some("ws1")));
        assert!(!not_domain_joined("ws1.corp.local", Some("CORP")));
        assert!(not_domain_joined("WS1", None));
        assert!(is_loopback("127.0.0.1") && is_loopback("::1") && !is_loopback("10.0.0.1"));
    }

    fn verdict(record_id: u64, time: i64, ws: &str, scenario: &'static str) -> Classified {
        let file: Arc<str> = Arc::from("a.evtx");
        let mut reasons = Reasons::default();
        reasons.push(format!("client WorkstationName {ws}"));
        Classified {
            event: EventRef {
                file: Arc::clone(&file),
                record_id,
            },
            computer: Arc::from("DC01"),
            time: Some(time),
            workstation: Some(Arc::from(ws)),
            ip: None,
            scenario,
            confidence: Confidence::Low,
            reasons,
            to_decide: None,
            // Each logon rests on its own event, and all on record 1.
            linked: vec![
                EventRef {
                    file: Arc::clone(&file),
                    record_id: 1,
                },
                EventRef {
                    file,
                    record_id: 1000 + record_id,
                },
            ],
            findings: vec![],
        }
    }

    #[test]
    fn logons_group_by_host_client_and_verdict() {
        let logons = [
            verdict(10, 500, "WS1", "unknown"),
            verdict(11, 100, "WS1", "unknown"),
            verdict(12, 300, "WS2", "unknown"),
            verdict(13, 900, "WS1", "unknown"),
            verdict(14, 200, "WS1", "enumeration"),
        ];
        let store = |cap| {
            let mut all: AnonymousLogons = logons.iter().cloned().collect();
            all.evidence_cap = cap;
            all
        };
        let g = store(2).groups();
        // In the order of their first logon.
        let rows: Vec<_> = g
            .iter()
            .map(|g| (g.workstation.as_deref().unwrap(), g.scenario, g.count))
            .collect();
        assert_eq!(
            rows,
            [
                ("WS1", "unknown", 3),
                ("WS2", "unknown", 1),
                ("WS1", "enumeration", 1)
            ]
        );
        let ws1 = &g[0];
        assert_eq!((ws1.first_seen, ws1.last_seen), (Some(100), Some(900)));
        // The earliest two by time, then the linked events distinct and capped.
        let ids = |v: &[EventRef]| v.iter().map(|r| r.record_id).collect::<Vec<_>>();
        assert_eq!(ids(&ws1.evidence), [11, 10]);
        assert_eq!(ids(&ws1.linked), [1, 1010]);
        assert_eq!(ids(&store(10).groups()[0].linked), [1, 1010, 1011, 1013]);
        // Written grouped; read as the logons.
        let all = store(2);
        assert_eq!(all.len(), 5);
        let json = serde_json::to_value(&all).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 3);
        assert_eq!(json[0]["count"], 3);
        assert_eq!(json[0]["first_seen"], "1970-01-01T00:01:40Z");
        assert!(json[0].get("record_id").is_none());
    }
}
