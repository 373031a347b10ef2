//! NTLM inventory, mergeable across files and hosts:
//!
//! * `ntlm_flows`: 4624 NTLM logons per (target host, source workstation, source address,
//!   account, package, key length). Anonymous null sessions are a class of their own
//!   (`null_session`): they report "NTLM V1" but are not NTLMv1 use.
//! * `dc_validations`: 4776 per (validating host, client workstation, account, status).
//! * `ntlm_audit`: NTLM/Operational 8001–8004 and 4001–4004 per (event, host, server, client,
//!   account, process, client identity).

use super::finding::{
    merge_fast_map, merge_map, rfc3339, ser_rfc3339, EventList, FastMap, FileSample, Finding, Refs,
    Sample, Severity, Text,
};
use super::state::{account, Names};
use super::{Config, EventRef};
use crate::event::{Event, Kind};
use crate::knowledge::scenarios as sc;
use serde::Serialize;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A flow's key: its file and names as numbers in the state's [`FlowNames`], 36 bytes
/// instead of six shared strings' 112. writer-1g's 100,000 flows took 21 MB with strings,
/// the largest part of the scan's peak, and take 11.5 MB with numbers (and 2.5 MB for the
/// numbers' index). Hashing numbers is also cheaper than hashing the strings' bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FlowKey {
    pub file: NameId,
    pub target: NameId,
    pub workstation: NameId,
    pub ip: NameId,
    pub account: NameId,
    pub package: NameId,
    pub key_length: Option<u32>,
    pub null_session: bool,
}

/// A name's number in one state's [`FlowNames`].
pub(crate) type NameId = u32;

/// The names of one state's flows, numbered in the order they came. The strings are the
/// analysis's shared ones ([`Names`]), not copies.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlowNames {
    ids: FastMap<Arc<str>, NameId>,
    names: Vec<Arc<str>>,
    /// The last file's number: a file's events come together, and its path is long.
    file: Option<(Arc<str>, NameId)>,
}

impl FlowNames {
    /// The number of `file` (an event's, shared by all the file's events).
    fn file(&mut self, file: &Arc<str>, names: &mut Names) -> NameId {
        match &self.file {
            Some((f, id)) if Arc::ptr_eq(f, file) => *id,
            _ => {
                let id = self.id(file, names);
                self.file = Some((Arc::clone(file), id));
                id
            }
        }
    }

    /// `s`'s number, made (and the string shared through `names`) when new.
    fn id(&mut self, s: &str, names: &mut Names) -> NameId {
        match self.ids.get(s) {
            Some(&id) => id,
            None => self.add(names.get(s)),
        }
    }

    /// `s`'s number, with `s` itself kept when new (names from another state).
    fn adopt(&mut self, s: &Arc<str>) -> NameId {
        match self.ids.get(&**s) {
            Some(&id) => id,
            None => self.add(Arc::clone(s)),
        }
    }

    fn add(&mut self, s: Arc<str>) -> NameId {
        // Four billion distinct names would take hundreds of gigabytes first.
        let id = NameId::try_from(self.names.len()).expect("fewer than 2^32 names");
        self.names.push(Arc::clone(&s));
        self.ids.insert(s, id);
        id
    }

    pub fn name(&self, id: NameId) -> &Arc<str> {
        &self.names[id as usize]
    }

    /// Each number's place in the order of the names: keys then sort as numbers. (Sorting a
    /// hundred thousand flows by their strings compared each key's names again and again.)
    fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<NameId> = (0..self.names.len() as NameId).collect();
        order.sort_unstable_by(|&a, &b| self.name(a).cmp(self.name(b)));
        let mut rank = vec![0; order.len()];
        for (r, &id) in (0..).zip(&order) {
            rank[id as usize] = r;
        }
        rank
    }
}

type FlowRank = ([u32; 5], Option<u32>, bool, u32);

/// A flow's key in the order flows are listed (target, workstation, address, account,
/// package, key length, class), then its file, from the names' [`FlowNames::ranks`].
fn flow_rank(rank: &[u32], k: &FlowKey) -> FlowRank {
    let r = |id: NameId| rank[id as usize];
    (
        [
            r(k.target),
            r(k.workstation),
            r(k.ip),
            r(k.account),
            r(k.package),
        ],
        k.key_length,
        k.null_session,
        r(k.file),
    )
}

/// [`flow_rank`] as strings (comparing two states, whose numbers differ).
fn flow_order<'a>(n: &'a FlowNames, k: &FlowKey) -> impl Ord + 'a {
    (
        (
            &**n.name(k.target),
            &**n.name(k.workstation),
            &**n.name(k.ip),
            &**n.name(k.account),
            &**n.name(k.package),
            k.key_length,
            k.null_session,
        ),
        &**n.name(k.file),
    )
}

/// An NTLM/Operational aggregate's key, its names shared ([`Names`]): a client's log can
/// hold millions of 8001s, and seven strings made per event (the identity formatted) and
/// compared in a B-tree were most of its analysis.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct AuditKey {
    pub event_id: u32,
    pub host: Arc<str>,
    pub server: Arc<str>,
    pub client: Arc<str>,
    pub account: Arc<str>,
    pub process: Arc<str>,
    /// The client session, written as its identity ([`AuditKey::identity`]).
    pub client_domain: Option<Arc<str>>,
    pub client_user: Option<Arc<str>>,
    pub client_luid_name: Option<&'static str>,
}

impl AuditKey {
    /// `DOMAIN\user (well-known session)`, or what of it is known.
    fn identity(&self) -> String {
        let domain = self.client_domain.as_deref().unwrap_or("-");
        match (&self.client_user, self.client_luid_name) {
            (Some(u), Some(l)) => format!("{domain}\\{u} ({l})"),
            (Some(u), None) => format!("{domain}\\{u}"),
            (None, Some(l)) => l.to_string(),
            (None, None) => String::new(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    pub flows: FastMap<FlowKey, FileSample>,
    /// What the numbers in `flows` stand for.
    pub flow_names: FlowNames,
    /// The file is the key's, so each reference is a time and a record id ([`FileSample`]),
    /// and the names are the state's shared ones ([`Names`]): a DC's log has a key per
    /// workstation and account, tens of thousands, each with up to `evidence_cap`
    /// references.
    pub validations: BTreeMap<(Arc<str>, Arc<str>, Arc<str>, Arc<str>, u32), FileSample>,
    pub audit: FastMap<(Arc<str>, AuditKey), Sample>,
}

/// Equal when they hold the same, whatever numbers their names were given.
impl PartialEq for State {
    fn eq(&self, o: &Self) -> bool {
        fn flows(st: &State) -> Vec<(impl Ord + '_, &FileSample)> {
            let mut v: Vec<_> = st
                .flows
                .iter()
                .map(|(k, smp)| (flow_order(&st.flow_names, k), smp))
                .collect();
            v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            v
        }
        self.validations == o.validations && self.audit == o.audit && flows(self) == flows(o)
    }
}

/// `o`, or "" when absent, shared.
fn name(names: &mut Names, o: &Option<crate::event::Text>) -> Arc<str> {
    names.get(o.as_deref().unwrap_or_default())
}

impl State {
    pub fn observe(&mut self, e: &Event, t: i64, cap: usize, names: &mut Names) {
        let r = EventRef::of(e);
        match &e.kind {
            Kind::Logon(l) => {
                let ntlm = l.lm_package.is_some()
                    || l.auth_package
                        .as_deref()
                        .is_some_and(|p| p.eq_ignore_ascii_case("NTLM"));
                if !ntlm {
                    return;
                }
                let acct = account(l.target_domain.as_deref(), l.target_user.as_deref());
                let ids = &mut self.flow_names;
                let key = FlowKey {
                    file: ids.file(&e.file, names),
                    target: ids.id(&e.computer, names),
                    workstation: ids.id(l.network.workstation.as_deref().unwrap_or(""), names),
                    ip: ids.id(l.network.ip.as_deref().unwrap_or(""), names),
                    account: ids.id(acct.as_deref().unwrap_or(""), names),
                    package: ids.id(
                        l.lm_package
                            .as_deref()
                            .unwrap_or("NTLM (version not logged)"),
                        names,
                    ),
                    key_length: l.key_length,
                    null_session: e.anonymous,
                };
                self.flows.entry(key).or_default().add(t, e.record_id, cap);
            }
            Kind::CredentialValidation(c) => {
                let key = (
                    Arc::clone(&e.file),
                    names.get(&e.computer),
                    name(names, &c.workstation),
                    name(names, &c.target_user),
                    c.status.map(|x| x.0).unwrap_or(0),
                );
                self.validations
                    .entry(key)
                    .or_default()
                    .add(t, e.record_id, cap);
            }
            Kind::NtlmOutgoing(n)
            | Kind::NtlmIncoming(n)
            | Kind::NtlmDomain(n)
            | Kind::NtlmPassthrough(n)
            | Kind::NtlmBlocked(n) => {
                let (server, client) = match e.event_id {
                    8001 | 4001 => (name(names, &n.target_name), names.get(&e.computer)),
                    8002 | 4002 => (names.get(&e.computer), names.get("")),
                    8003 | 4003 => (names.get(&e.computer), name(names, &n.workstation)),
                    _ => (name(names, &n.schannel_name), name(names, &n.workstation)),
                };
                let acct = account(n.target_domain.as_deref(), n.target_user.as_deref());
                let key = AuditKey {
                    event_id: e.event_id,
                    host: names.get(&e.computer),
                    server,
                    client,
                    account: names.get(acct.as_deref().unwrap_or("")),
                    process: name(names, &n.process_name),
                    client_domain: names.opt(&n.client_domain),
                    client_user: names.opt(&n.client_user),
                    client_luid_name: n.client_luid_name,
                };
                self.audit
                    .entry((Arc::clone(&e.file), key))
                    .or_default()
                    .add(t, r, cap);
            }
            _ => {}
        }
    }

    pub fn merge(&mut self, o: State, cap: usize) {
        // The other's numbers as this state's: each of its names looked up once, not once
        // per flow that names it (its names all come from its flows).
        let ours: Vec<NameId> = o
            .flow_names
            .names
            .iter()
            .map(|s| self.flow_names.adopt(s))
            .collect();
        for (k, smp) in o.flows {
            let id = |n: NameId| ours[n as usize];
            let k = FlowKey {
                file: id(k.file),
                target: id(k.target),
                workstation: id(k.workstation),
                ip: id(k.ip),
                account: id(k.account),
                package: id(k.package),
                ..k
            };
            match self.flows.entry(k) {
                Entry::Occupied(mut e) => e.get_mut().merge(smp, cap),
                Entry::Vacant(e) => {
                    e.insert(smp);
                }
            }
        }
        merge_map(&mut self.validations, o.validations, |a, b| a.merge(b, cap));
        merge_fast_map(&mut self.audit, o.audit, |a, b| a.merge(b, cap));
    }
}

/// How a flow's package reads.
fn class(k: &FlowKey, package: &str) -> &'static str {
    if k.null_session {
        return "null_session";
    }
    match package.to_ascii_uppercase().as_str() {
        "NTLM V1" => "ntlmv1",
        "NTLM V2" => "ntlmv2",
        "LM" => "lm",
        _ => "ntlm",
    }
}

/// One NTLM flow: who logged on where, with which package. Its names are the state's shared
/// ones and its times seconds (written as RFC 3339): a host can have tens of thousands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NtlmFlow {
    pub target: Arc<str>,
    pub source_workstation: Arc<str>,
    pub source_ip: Arc<str>,
    pub account: Arc<str>,
    /// LmPackageName as logged.
    pub package: Arc<str>,
    /// `null_session` (anonymous; "NTLM V1" is not NTLMv1 use), `ntlmv1`, `ntlmv2`, `lm`, `ntlm`.
    pub class: &'static str,
    pub key_length: Option<u32>,
    pub count: u64,
    #[serde(serialize_with = "ser_rfc3339")]
    pub first_seen: Option<i64>,
    #[serde(serialize_with = "ser_rfc3339")]
    pub last_seen: Option<i64>,
    /// Compact: a log can have a hundred thousand flows.
    pub evidence: EventList,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DcValidation {
    pub host: String,
    pub workstation: String,
    pub account: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_name: Option<&'static str>,
    pub count: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Compact: a DC's log has a row per workstation and account, tens of thousands.
    pub evidence: EventList,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NtlmAuditRow {
    pub event_id: u32,
    /// `client` (8001/4001), `server` (8002/4002), `domain_server` (8003/4003), `dc` (8004/4004).
    pub role: &'static str,
    pub blocked: bool,
    /// The host that logged it.
    pub host: String,
    pub server: String,
    pub client: String,
    pub account: String,
    pub process: String,
    /// The client process's identity (8001/8002), with its well-known session name.
    pub identity: String,
    pub count: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub evidence: Vec<EventRef>,
}

/// Summary counts of the inventory.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InventoryTotals {
    /// NTLM 4624 per class (null_session, ntlmv1, ntlmv2, lm, ntlm).
    pub logons_by_class: BTreeMap<&'static str, u64>,
    /// NTLM 4624 for named accounts with KeyLength other than 128.
    pub weak_key_logons: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inventories {
    pub totals: InventoryTotals,
    pub ntlm_flows: Vec<NtlmFlow>,
    pub dc_validations: Vec<DcValidation>,
    pub ntlm_audit: Vec<NtlmAuditRow>,
}

pub(crate) fn finish(st: &State, dups: &BTreeMap<Arc<str>, Arc<str>>, cfg: &Config) -> Inventories {
    let cap = cfg.evidence_cap;
    // In key order, each flow's samples in each file, borrowed: a sorted vector, not a map
    // of vectors (a hundred thousand flows made as many small allocations).
    let n = &st.flow_names;
    let rank = n.ranks();
    let mut flows: Vec<(FlowRank, &FlowKey, &FileSample)> = st
        .flows
        .iter()
        .filter(|(k, _)| !dups.contains_key(n.name(k.file)))
        .map(|(k, smp)| (flow_rank(&rank, k), k, smp))
        .collect();
    drop(rank);
    flows.sort_unstable_by_key(|a| a.0);
    // One flow's parts in several files: numbered in one state, equal names are equal numbers.
    let same = |a: &(FlowRank, &FlowKey, _), b: &(FlowRank, &FlowKey, _)| {
        FlowKey { file: 0, ..*a.1 } == FlowKey { file: 0, ..*b.1 }
    };
    let mut inv = Inventories::default();
    // Sized once: doubling a vector of a hundred thousand rows held both copies a moment.
    inv.ntlm_flows.reserve_exact(flows.chunk_by(same).count());
    for parts in flows.chunk_by(same) {
        let k = parts[0].1;
        let smp = match parts {
            [(_, k, s)] => s.to_sample(n.name(k.file)),
            _ => {
                let mut m = Sample::default();
                for (_, k, s) in parts {
                    s.merge_into(&mut m, n.name(k.file), cap);
                }
                m
            }
        };
        let package = n.name(k.package);
        let c = class(k, package);
        *inv.totals.logons_by_class.entry(c).or_default() += smp.total;
        if !k.null_session && k.key_length != Some(128) {
            inv.totals.weak_key_logons += smp.total;
        }
        inv.ntlm_flows.push(NtlmFlow {
            target: Arc::clone(n.name(k.target)),
            source_workstation: Arc::clone(n.name(k.workstation)),
            source_ip: Arc::clone(n.name(k.ip)),
            account: Arc::clone(n.name(k.account)),
            package: Arc::clone(package),
            class: c,
            key_length: k.key_length,
            count: smp.total,
            first_seen: smp.first,
            last_seen: smp.last,
            evidence: smp.event_list(),
        });
    }
    // Each row's sample is made and packed in turn: made all at once, before any was packed,
    // dc-1g's 57,000 rows held 36 MB of evidence references, the scan's peak. The rows of a
    // host, workstation, account and status in several files come together (a stable sort:
    // in the order of their files, as merged before).
    let mut vals: Vec<((&str, &str, &str, u32), &Arc<str>, &FileSample)> = st
        .validations
        .iter()
        .filter(|((file, ..), _)| !dups.contains_key(file))
        .map(|((file, h, w, a, st), smp)| ((&**h, &**w, &**a, *st), file, smp))
        .collect();
    vals.sort_by(|x, y| x.0.cmp(&y.0));
    inv.dc_validations
        .reserve_exact(vals.chunk_by(|x, y| x.0 == y.0).count());
    for parts in vals.chunk_by(|x, y| x.0 == y.0) {
        let (h, w, a, status) = parts[0].0;
        let mut smp = Sample::default();
        for &(_, file, s) in parts {
            s.merge_into(&mut smp, file, cap);
        }
        inv.dc_validations.push(DcValidation {
            host: h.to_string(),
            workstation: w.to_string(),
            account: a.to_string(),
            status: format!("{status:#x}"),
            status_name: crate::knowledge::ntstatus::lookup(status).map(|c| c.name),
            count: smp.total,
            first_seen: rfc3339(smp.first),
            last_seen: rfc3339(smp.last),
            evidence: smp.event_list(),
        });
    }
    // In the order of (event, host, server, client, account, process, identity), as rows.
    let mut audit: BTreeMap<_, (&AuditKey, Sample)> = BTreeMap::new();
    for ((file, k), smp) in &st.audit {
        if !dups.contains_key(file) {
            let order = (
                k.event_id,
                &*k.host,
                &*k.server,
                &*k.client,
                &*k.account,
                &*k.process,
                k.identity(),
            );
            let row = audit.entry(order).or_insert_with(|| (k, Sample::default()));
            row.1.merge(smp.clone(), cap);
        }
    }
    for ((.., identity), (k, smp)) in audit {
        let role = match k.event_id {
            8001 | 4001 => "client",
            8002 | 4002 => "server",
            8003 | 4003 => "domain_server",
            _ => "dc",
        };
        inv.ntlm_audit.push(NtlmAuditRow {
            event_id: k.event_id,
            role,
            blocked: k.event_id < 5000,
            host: k.host.to_string(),
            server: k.server.to_string(),
            client: k.client.to_string(),
            account: k.account.to_string(),
            process: k.process.to_string(),
            identity,
            count: smp.total,
            first_seen: rfc3339(smp.first),
            last_seen: rfc3339(smp.last),
            evidence: smp.refs(),
        });
    }
    inv
}

/// ntlmv1-logon, lm-logon, weak-ntlm-session-key (per target host) and ntlm-blocked.
/// Distinct names, in order at the end. The flows share their names (the state's interned
/// ones), so a name already added is mostly the same pointer: a hash of the pointer tells,
/// and equal names that are not shared are merged by the final sort. (A B-tree set compared
/// the strings of each insert: a tenth of a logon-heavy scan's finish.)
#[derive(Default)]
struct NameSet {
    seen: std::collections::HashSet<(usize, usize), foldhash::fast::RandomState>,
    names: Vec<Arc<str>>,
}

impl NameSet {
    fn insert(&mut self, name: &Arc<str>) {
        if self
            .seen
            .insert((Arc::as_ptr(name) as *const u8 as usize, name.len()))
        {
            self.names.push(Arc::clone(name));
        }
    }

    fn into_sorted(mut self) -> Vec<Text> {
        self.names.sort_unstable();
        self.names.dedup();
        self.names
    }
}

/// The evidence a finding names: the `cap` smallest distinct refs of all its flows, kept as
/// they come. (All of a host's flows' evidence, unbounded, took an eighth of a logon-heavy
/// scan.) `Refs` orders by time first: one time for all orders by the refs alone.
fn smallest(set: &mut Refs, refs: impl IntoIterator<Item = EventRef>, cap: usize) {
    for r in refs {
        set.insert((0, r), cap);
    }
}

fn refs_of(set: Refs) -> Vec<EventRef> {
    set.iter().map(|(_, r)| r.clone()).collect()
}

pub(crate) fn findings(inv: &Inventories, cfg: &Config) -> Vec<Finding> {
    let cap = cfg.evidence_cap;
    struct G {
        count: u64,
        first: Option<i64>,
        last: Option<i64>,
        sources: NameSet,
        accounts: NameSet,
        evidence: Refs,
        /// Per (LmPackageName, KeyLength), logons.
        keys: BTreeMap<(Arc<str>, Option<u32>), u64>,
    }
    let mut groups: BTreeMap<(&'static str, Arc<str>), G> = BTreeMap::new();
    for f in &inv.ntlm_flows {
        if f.class == "null_session" {
            continue;
        }
        let mut ids = vec![];
        match f.class {
            "ntlmv1" => ids.push("ntlmv1-logon"),
            "lm" => ids.push("lm-logon"),
            _ => {}
        }
        if f.key_length != Some(128) {
            ids.push("weak-ntlm-session-key");
        }
        for id in ids {
            let g = groups.entry((id, f.target.clone())).or_insert_with(|| G {
                count: 0,
                first: None,
                last: None,
                sources: NameSet::default(),
                accounts: NameSet::default(),
                evidence: Refs::default(),
                keys: BTreeMap::new(),
            });
            g.count += f.count;
            g.first = match (g.first.take(), f.first_seen) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            g.last = match (g.last.take(), f.last_seen) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            for source in [&f.source_workstation, &f.source_ip] {
                if !source.is_empty() {
                    g.sources.insert(source);
                }
            }
            g.accounts.insert(&f.account);
            smallest(&mut g.evidence, f.evidence.iter(), cap);
            *g.keys
                .entry((Arc::clone(&f.package), f.key_length))
                .or_default() += f.count;
        }
    }
    let mut out = vec![];
    for ((id, host), g) in groups {
        let det = super::detections::lookup(id).expect("catalogued");
        let title = match id {
            "ntlmv1-logon" => format!("NTLMv1 logons to {host}"),
            "lm-logon" => format!("LAN Manager logons to {host}"),
            _ => format!("NTLM logons with a session key shorter than 128 bits to {host}"),
        };
        let mut f = Finding::new(id, det.severity, title);
        f.scenario = Some(match id {
            "ntlmv1-logon" => sc::NTLMV1_CLIENT,
            "lm-logon" => sc::LM_CLIENT,
            _ => sc::WEAK_SESSION_KEY,
        });
        f.hosts = vec![host];
        f.sources = g.sources.into_sorted();
        f.accounts = g.accounts.into_sorted();
        f.count = g.count;
        f.first_seen = rfc3339(g.first);
        f.last_seen = rfc3339(g.last);
        f.evidence_total = g.count;
        f.evidence = refs_of(g.evidence);
        // In the order of their text, as they read.
        let mut keys: Vec<(String, u64)> = g
            .keys
            .into_iter()
            .map(|((package, key_length), n)| {
                let key_length = key_length.map_or_else(|| "-".into(), |k| k.to_string());
                (format!("{package} KeyLength {key_length}"), n)
            })
            .collect();
        keys.sort();
        for (k, n) in keys {
            f.reasons.push(
                format!("LmPackageName {k} x{n} for named accounts (not ANONYMOUS LOGON)").into(),
            );
        }
        out.push(f);
    }
    // Blocked NTLM.
    let mut blocked: BTreeMap<
        String,
        (u64, BTreeSet<String>, Refs, Option<String>, Option<String>),
    > = BTreeMap::new();
    for r in inv.ntlm_audit.iter().filter(|r| r.blocked) {
        let e = blocked.entry(r.host.clone()).or_default();
        e.0 += r.count;
        e.1.insert(format!(
            "{} {} → {} ({})",
            r.event_id,
            if r.client.is_empty() { "-" } else { &r.client },
            if r.server.is_empty() { "-" } else { &r.server },
            if r.account.is_empty() {
                "-"
            } else {
                &r.account
            }
        ));
        smallest(&mut e.2, r.evidence.iter().cloned(), cap);
        e.3 = match (e.3.take(), r.first_seen.clone()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        e.4 = match (e.4.take(), r.last_seen.clone()) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    for (host, (n, what, ev, first, last)) in blocked {
        let mut f = Finding::new(
            "ntlm-blocked",
            Severity::Medium,
            format!("NTLM refused by policy on {host}"),
        );
        f.hosts = vec![host.into()];
        f.count = n;
        f.evidence_total = n;
        f.evidence = refs_of(ev);
        f.first_seen = first;
        f.last_seen = last;
        f.reasons = what.into_iter().take(10).map(Text::from).collect();
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(file: &str, record_id: u64) -> EventRef {
        EventRef {
            file: Arc::from(file),
            record_id,
        }
    }

    #[test]
    fn evidence_keeps_the_smallest_distinct_refs_as_a_whole_set_would() {
        let refs = [
            r("b", 1),
            r("a", 9),
            r("a", 2),
            r("a", 9),
            r("c", 0),
            r("a", 1),
        ];
        for cap in 0..=7 {
            let mut bounded = Refs::default();
            for chunk in refs.chunks(2) {
                smallest(&mut bounded, chunk.iter().cloned(), cap);
            }
            let whole: BTreeSet<EventRef> = refs.iter().cloned().collect();
            let want: Vec<_> = whole.into_iter().take(cap).collect();
            assert_eq!(refs_of(bounded), want, "cap {cap}");
        }
    }

    #[test]
    fn names_are_distinct_and_in_order_shared_or_not() {
        let shared: Arc<str> = Arc::from("WS2");
        let mut set = NameSet::default();
        for n in [
            Arc::clone(&shared),
            Arc::from("WS1"),
            shared,
            Arc::from("WS2"),
            Arc::from("ws0"),
        ] {
            set.insert(&n);
        }
        let names: Vec<String> = set.into_sorted().iter().map(|n| n.to_string()).collect();
        assert_eq!(names, ["WS1", "WS2", "ws0"]);
    }
}
