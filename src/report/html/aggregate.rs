//! What the HTML report draws, computed while scanning: a timeline (events per time bucket and
//! family, anonymous and NTLMv1 counted apart) and the authentication edges (source → account →
//! target). Memory is bounded whatever the input size: at most [`MAX_BUCKETS`] buckets (the
//! bucket width grows instead) and [`KEPT_EDGES`] distinct edges, of which the report lists
//! [`MAX_EDGES`] (the rest are counted in `other`). The state is a monoid like the analysers':
//! `observe`, `merge`, `finish`, and what it keeps does not depend on the order the events
//! came in (files are read in parallel, so that order changes from run to run).

use crate::analyze::finding::FastMap;
use crate::event::{Event, Family, Kind, Logon, LogonFailure};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hash;
use std::sync::Arc;

/// At most this many time buckets are kept; past it, the width moves up [`WIDTHS`].
pub const MAX_BUCKETS: usize = 240;
/// At most this many distinct edges are listed, the busiest; the others are counted in `other`.
pub const MAX_EDGES: usize = 5000;
/// At most this many distinct edges are kept while scanning: past it, the edges of highest
/// [`edge_rank`] make way (see [`Kept`]).
pub const KEPT_EDGES: usize = 4 * MAX_EDGES;

/// Bucket widths, in seconds: 1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 12 h, 1 d, 7 d, 28 d, 364 d.
/// Past the last, the width doubles. Each width is a multiple of the one before, so that
/// re-bucketing is exact and merging gives the same result in any order (buckets are aligned
/// on multiples of their width from the Unix epoch).
pub const WIDTHS: [i64; 11] = [
    60, 300, 900, 3600, 10_800, 21_600, 43_200, 86_400, 604_800, 2_419_200, 31_449_600,
];

fn next_width(w: i64) -> i64 {
    WIDTHS
        .iter()
        .copied()
        .find(|&x| x > w)
        .unwrap_or_else(|| w.saturating_mul(2))
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Bucket {
    by_family: [u64; Family::ALL.len()],
    anonymous: u64,
    ntlmv1: u64,
}

impl Bucket {
    fn add(&mut self, o: &Bucket) {
        for (a, b) in self.by_family.iter_mut().zip(o.by_family.iter()) {
            *a += b;
        }
        self.anonymous += o.anonymous;
        self.ntlmv1 += o.ntlmv1;
    }
}

/// One authentication edge: who (a workstation name or an IP address), as whom, to which host,
/// with which package.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EdgeKey {
    pub source: String,
    pub account: String,
    pub target: String,
    pub package: String,
    pub anonymous: bool,
    pub ntlmv1: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EdgeStat {
    pub count: u64,
    pub failures: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<jiff::Timestamp>,
}

impl EdgeStat {
    fn add(&mut self, o: &EdgeStat) {
        self.count += o.count;
        self.failures += o.failures;
        self.first = match (self.first, o.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, o.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// Edges not listed: past [`KEPT_EDGES`] while scanning, or past [`MAX_EDGES`] when listed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OtherEdges {
    /// Events on those edges.
    pub count: u64,
    pub anonymous: u64,
    pub ntlmv1: u64,
}

impl OtherEdges {
    /// Count the `events` of an edge that is not listed.
    fn add(&mut self, key: &EdgeKey, events: u64) {
        self.count += events;
        if key.anonymous {
            self.anonymous += events;
        }
        if key.ntlmv1 {
            self.ntlmv1 += events;
        }
    }
}

/// The aggregation state.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregator {
    width: i64,
    buckets: BTreeMap<i64, Bucket>,
    untimed: u64,
    edges: Kept<Arc<EdgeKey>, EdgeStat>,
    other: OtherEdges,
    /// The machine names seen with each IP address (network logons name both): an address
    /// that always came with one name is drawn as that name.
    aliases: Kept<Arc<str>, Alias>,
}

/// The names an IP address came with.
#[derive(Debug, Clone, PartialEq)]
enum Alias {
    One(String),
    /// Several: a client that sends random names (attack tools), or DHCP reuse.
    Many,
}

impl Alias {
    fn add(&mut self, name: &str) {
        if matches!(self, Alias::One(n) if n != name) {
            *self = Alias::Many;
        }
    }
}

/// Addresses whose names are remembered, at most.
const MAX_ALIASES: usize = 20_000;

/// A map that keeps at most `cap` entries, those of lowest rank (`rank(key)`, then the key):
/// which entries it holds at the end is the same whatever order the keys came in, and a key it
/// holds then was never turned away or dropped on the way, so what is counted under it is
/// whole. A first-come cap would keep different entries each run. Each key is held twice (by
/// the map and by the order), so keys are shared (`Arc`): at the cap of a 100,000-flow log the
/// copies took some 10 MB of each reading thread.
#[derive(Debug, Clone, PartialEq)]
struct Kept<K: Hash + Eq + Ord + Clone, V> {
    map: FastMap<K, V>,
    /// The kept keys by rank: the last is the first to go.
    order: BTreeSet<(u64, K)>,
    cap: usize,
}

impl<K: Hash + Eq + Ord + Clone, V> Kept<K, V> {
    fn new(cap: usize) -> Self {
        Kept {
            map: FastMap::default(),
            order: BTreeSet::new(),
            cap,
        }
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn get<Q: Hash + Eq + ?Sized>(&self, k: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.map.get(k)
    }

    fn get_mut<Q: Hash + Eq + ?Sized>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.map.get_mut(k)
    }

    /// Add a key not held yet, of rank `rank`. Returns what does not fit: that entry, or the
    /// one it pushed out.
    fn insert(&mut self, k: K, v: V, rank: u64) -> Option<(K, V)> {
        debug_assert!(!self.map.contains_key(&k));
        if self.map.len() >= self.cap {
            match self.order.last() {
                Some((r, last)) if (rank, &k) < (*r, last) => {}
                _ => return Some((k, v)),
            }
        }
        self.order.insert((rank, k.clone()));
        self.map.insert(k, v);
        if self.map.len() <= self.cap {
            return None;
        }
        let (_, out) = self.order.pop_last()?;
        let v = self.map.remove(&out)?;
        Some((out, v))
    }

    fn into_map(self) -> FastMap<K, V> {
        self.map
    }
}

/// A hash that is the same in every run (the std hasher is seeded at random).
fn fixed_hash<T: Hash + ?Sized>(t: &T) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x6e75_6c6c_7369_6768).hash_one(t)
}

/// Which edges are kept when there are too many: anonymous ones first (what the report is
/// about), then NTLMv1 ones, then the others, each class in the fixed order of their hash.
fn edge_rank(k: &EdgeKey) -> u64 {
    let class: u64 = if k.anonymous {
        0
    } else if k.ntlmv1 {
        1
    } else {
        2
    };
    (class << 62) | (fixed_hash(k) >> 2)
}

impl Default for Aggregator {
    fn default() -> Self {
        Aggregator {
            width: WIDTHS[0],
            buckets: BTreeMap::new(),
            untimed: 0,
            edges: Kept::new(KEPT_EDGES),
            other: OtherEdges::default(),
            aliases: Kept::new(MAX_ALIASES),
        }
    }
}

fn family_index(f: Family) -> usize {
    Family::ALL.iter().position(|&x| x == f).unwrap_or(0)
}

fn is_v1(lm: Option<&str>) -> bool {
    lm.is_some_and(|p| {
        // Compared ignoring case without an upper-case copy: asked for every logon.
        let p = p.trim().as_bytes();
        p.eq_ignore_ascii_case(b"LM") || p.windows(2).any(|w| w.eq_ignore_ascii_case(b"V1"))
    })
}

fn account(domain: Option<&str>, user: Option<&str>) -> String {
    match (
        domain.filter(|d| !d.is_empty()),
        user.filter(|u| !u.is_empty()),
    ) {
        (Some(d), Some(u)) => format!("{d}\\{u}"),
        (None, Some(u)) => u.to_string(),
        // Server-side NTLM audits of a null session name no account: say so, not "?".
        (Some(d), None) => format!("{d}\\(no account name)"),
        (None, None) => "(no account name)".to_string(),
    }
}

/// The package as a reader wants it: NTLM V1 / NTLM V2 / LM when the LM package says, else the
/// authentication package (MICROSOFT_AUTHENTICATION_PACKAGE_V1_0 is NTLM).
fn package(auth: Option<&str>, lm: Option<&str>) -> String {
    let auth = auth.map(str::trim).unwrap_or("");
    if let Some(lm) = lm.map(str::trim).filter(|l| !l.is_empty()) {
        if auth.eq_ignore_ascii_case("ntlm") || auth.is_empty() {
            return lm.to_string();
        }
    }
    if auth.eq_ignore_ascii_case("MICROSOFT_AUTHENTICATION_PACKAGE_V1_0") {
        return "NTLM".to_string();
    }
    if auth.is_empty() {
        "(not logged)".to_string()
    } else {
        auth.to_string()
    }
}

fn short_host(h: &str) -> &str {
    h.split('.').next().unwrap_or(h)
}

/// One name per machine in the graph, whatever the event wrote: `cifs/SRV-FILE01.corp.example`,
/// `SRV-FILE01.corp.example` and `srv-file01` are all `SRV-FILE01` (the service class and port
/// of an SPN, the DNS suffix, the case dropped). IP addresses are kept (see
/// [`Aggregator::finish`] for naming them), and so is anything that is not a host name (a
/// hostile WorkstationName is shown as it came).
fn host_node(raw: &str) -> String {
    let n = raw.trim();
    let n = n.rsplit('/').next().unwrap_or(n);
    if n.parse::<std::net::IpAddr>().is_ok() {
        return n.to_string();
    }
    let n = match n.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => n,
    };
    if n.parse::<std::net::IpAddr>().is_ok() {
        return n.to_string();
    }
    if !is_host_name(n) {
        return raw.to_string();
    }
    short_host(n).to_ascii_uppercase()
}

/// [`host_node`] of an edge's target, as last made on this thread: the target is the host
/// that logged the event, the same for every event of a file, and making its node parsed it
/// as an IP address three times.
fn target_node(raw: &str) -> String {
    thread_local! {
        static LAST: std::cell::RefCell<(String, String)> = const {
            std::cell::RefCell::new((String::new(), String::new()))
        };
    }
    LAST.with_borrow_mut(|(last, node)| {
        if last.is_empty() || last != raw {
            *node = host_node(raw);
            last.clear();
            last.push_str(raw);
        }
        node.clone()
    })
}

/// A NetBIOS or DNS name (letters, digits, `-`, `_`, `.`), not an IP address.
fn is_host_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 255
        && !n.starts_with('.')
        && n.parse::<std::net::IpAddr>().is_err()
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The remote source of a network logon: the IP address unless it is loopback or absent, else
/// the workstation name. None for local logons.
fn source(ip: Option<&str>, workstation: Option<&str>, computer: &str) -> Option<String> {
    let ip = ip
        .map(str::trim)
        .filter(|i| !i.is_empty() && !matches!(*i, "127.0.0.1" | "::1" | "-"));
    let ws = workstation
        .map(str::trim)
        .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case(short_host(computer)));
    match (ip, ws) {
        (Some(i), _) => Some(i.to_string()),
        (None, Some(w)) => Some(host_node(w)),
        // The only origin named is the host itself: a local logon.
        _ => None,
    }
}

/// The source shown for a network logon whose event names no origin (anonymous null sessions
/// often log neither workstation nor address): still an edge, with an honest source.
pub const UNLOGGED_SOURCE: &str = "(source not logged)";

fn unlogged_source(anonymous: bool, logon_type: Option<u32>) -> Option<String> {
    // 3 Network, 8 NetworkCleartext, 10 RemoteInteractive.
    (matches!(logon_type, Some(3 | 8 | 10)) || (anonymous && logon_type != Some(0)))
        .then(|| UNLOGGED_SOURCE.to_string())
}

struct Edge {
    key: EdgeKey,
    failure: bool,
}

fn edge_of(e: &Event) -> Option<Edge> {
    let computer = e.computer.as_str();
    let mk = |source: String, account: String, target: &str, package: String, v1: bool, failure| {
        Some(Edge {
            key: EdgeKey {
                source,
                account,
                target: target_node(target),
                package,
                anonymous: e.anonymous,
                // Anonymous NTLM logons record "NTLM V1" with no credential at all: the flag is
                // for named accounts, whose NTLMv1/LM responses can be cracked or relayed.
                ntlmv1: v1 && !e.anonymous,
            },
            failure,
        })
    };
    match &e.kind {
        Kind::Logon(l) => {
            let src = source(
                l.network.ip.as_deref(),
                l.network.workstation.as_deref(),
                computer,
            )
            .or_else(|| unlogged_source(e.anonymous, l.logon_type))?;
            let lm = l.lm_package.as_deref();
            mk(
                src,
                account(l.target_domain.as_deref(), l.target_user.as_deref()),
                computer,
                package(l.auth_package.as_deref(), lm),
                is_v1(lm),
                false,
            )
        }
        Kind::LogonFailure(l) => {
            let src = source(
                l.network.ip.as_deref(),
                l.network.workstation.as_deref(),
                computer,
            )
            .or_else(|| unlogged_source(e.anonymous, l.logon_type))?;
            let lm = l.lm_package.as_deref();
            mk(
                src,
                account(l.target_domain.as_deref(), l.target_user.as_deref()),
                computer,
                package(l.auth_package.as_deref(), lm),
                is_v1(lm),
                true,
            )
        }
        Kind::CredentialValidation(c) => {
            let src = source(None, c.workstation.as_deref(), computer)?;
            mk(
                src,
                account(None, c.target_user.as_deref()),
                computer,
                package(c.auth_package.as_deref(), None),
                false,
                c.status.is_some_and(|s| s.0 != 0),
            )
        }
        Kind::NtlmIncoming(n) | Kind::NtlmDomain(n) | Kind::NtlmPassthrough(n) => {
            let src = source(None, n.workstation.as_deref(), computer)?;
            let acct = if n.target_user.is_some() {
                account(n.target_domain.as_deref(), n.target_user.as_deref())
            } else {
                account(n.client_domain.as_deref(), n.client_user.as_deref())
            };
            mk(src, acct, computer, "NTLM".to_string(), false, false)
        }
        Kind::NtlmOutgoing(n) => {
            let target = n.target_name.as_deref().filter(|t| !t.is_empty())?;
            mk(
                host_node(computer),
                account(n.client_domain.as_deref(), n.client_user.as_deref()),
                target,
                "NTLM".to_string(),
                false,
                false,
            )
        }
        Kind::SqlLoginFailure(s) => {
            let src = source(s.ip.as_deref(), None, computer)?;
            mk(
                src,
                account(None, s.target_user.as_deref()),
                computer,
                "SQL".to_string(),
                false,
                true,
            )
        }
        _ => None,
    }
}

impl Aggregator {
    fn alias(&mut self, ip: &str, name: &str) {
        match self.aliases.get_mut(ip) {
            Some(a) => a.add(name),
            None => {
                // Addresses past the cap are not named: their edges keep the address.
                let _ = self.aliases.insert(
                    Arc::from(ip),
                    Alias::One(name.to_string()),
                    fixed_hash(ip),
                );
            }
        }
    }

    pub fn observe(&mut self, e: &Event) {
        if let Kind::Logon(Logon { network, .. })
        | Kind::LogonFailure(LogonFailure { network, .. }) = &e.kind
        {
            if let (Some(ip), Some(ws)) = (network.ip.as_deref(), network.workstation.as_deref()) {
                let ip = ip.trim();
                let loopback = ip
                    .parse::<std::net::IpAddr>()
                    .map_or(true, |a| a.is_loopback());
                // Only a real host name names an address (not a hostile string, not an IP).
                if !loopback && is_host_name(ws.trim()) {
                    self.alias(ip, &host_node(ws));
                }
            }
        }
        let edge = edge_of(e);
        let v1 = edge.as_ref().is_some_and(|x| x.key.ntlmv1);
        match e.time {
            Some(t) => {
                let b = self
                    .buckets
                    .entry(t.as_second().div_euclid(self.width))
                    .or_default();
                b.by_family[family_index(e.family())] += 1;
                b.anonymous += u64::from(e.anonymous);
                b.ntlmv1 += u64::from(v1);
                if self.buckets.len() > MAX_BUCKETS {
                    self.coarsen(next_width(self.width));
                }
            }
            None => self.untimed += 1,
        }
        if let Some(edge) = edge {
            let stat = EdgeStat {
                count: 1,
                failures: u64::from(edge.failure),
                first: e.time,
                last: e.time,
            };
            self.add_edge(Arc::new(edge.key), &stat);
        }
    }

    fn add_edge(&mut self, key: Arc<EdgeKey>, stat: &EdgeStat) {
        if let Some(s) = self.edges.get_mut(&*key) {
            s.add(stat);
            return;
        }
        let rank = edge_rank(&key);
        if let Some((key, stat)) = self.edges.insert(key, stat.clone(), rank) {
            self.other.add(&key, stat.count);
        }
    }

    /// Re-bucket at `width` or wider, until the bucket count fits.
    fn coarsen(&mut self, mut width: i64) {
        loop {
            let mut out: BTreeMap<i64, Bucket> = BTreeMap::new();
            for (k, b) in std::mem::take(&mut self.buckets) {
                let start = k.saturating_mul(self.width);
                out.entry(start.div_euclid(width)).or_default().add(&b);
            }
            self.buckets = out;
            self.width = width;
            if self.buckets.len() <= MAX_BUCKETS {
                return;
            }
            width = next_width(width);
        }
    }

    pub fn merge(&mut self, mut other: Aggregator) {
        if other.width > self.width {
            self.coarsen(other.width);
        } else if self.width > other.width {
            other.coarsen(self.width);
        }
        for (k, b) in other.buckets {
            self.buckets.entry(k).or_default().add(&b);
        }
        if self.buckets.len() > MAX_BUCKETS {
            self.coarsen(next_width(self.width));
        }
        self.untimed += other.untimed;
        // What is kept does not depend on the order: any order will do.
        for (k, s) in other.edges.into_map() {
            self.add_edge(k, &s);
        }
        self.other.count += other.other.count;
        self.other.anonymous += other.other.anonymous;
        self.other.ntlmv1 += other.other.ntlmv1;
        for (ip, a) in other.aliases.into_map() {
            match a {
                Alias::One(name) => self.alias(&ip, &name),
                Alias::Many => match self.aliases.get_mut(&*ip) {
                    Some(kept) => *kept = Alias::Many,
                    None => {
                        let rank = fixed_hash(&*ip);
                        let _ = self.aliases.insert(ip, Alias::Many, rank);
                    }
                },
            }
        }
    }

    pub fn finish(self) -> Aggregate {
        let used: Vec<usize> = (0..Family::ALL.len())
            .filter(|&i| self.buckets.values().any(|b| b.by_family[i] > 0))
            .collect();
        let families = used.iter().map(|&i| Family::ALL[i].as_str()).collect();
        let buckets = self
            .buckets
            .iter()
            .map(|(k, b)| {
                let mut row = vec![
                    k.saturating_mul(self.width),
                    b.anonymous as i64,
                    b.ntlmv1 as i64,
                ];
                row.extend(used.iter().map(|&i| b.by_family[i] as i64));
                row
            })
            .collect();
        // An address that always came with one name is drawn as that machine, so that its
        // logons (by address) and its 4776 / NTLM events (by name) meet on one node.
        let named = |n: String| match self.aliases.get(n.as_str()) {
            Some(Alias::One(name)) => name.clone(),
            _ => n,
        };
        let mut merged: FastMap<EdgeKey, EdgeStat> =
            FastMap::with_capacity_and_hasher(self.edges.len(), Default::default());
        for (key, stat) in self.edges.into_map() {
            let mut key = Arc::unwrap_or_clone(key);
            key.source = named(key.source);
            key.target = named(key.target);
            merged.entry(key).or_default().add(&stat);
        }
        let mut edges: Vec<EdgeOut> = merged
            .into_iter()
            .map(|(key, stat)| EdgeOut { key, stat })
            .collect();
        let mut other = self.other;
        if edges.len() > MAX_EDGES {
            // Listed: anonymous edges first, then NTLMv1 ones, the busiest of each.
            edges.sort_by(|a, b| {
                (b.key.anonymous, b.key.ntlmv1, b.stat.count)
                    .cmp(&(a.key.anonymous, a.key.ntlmv1, a.stat.count))
                    .then_with(|| a.key.cmp(&b.key))
            });
            for e in edges.drain(MAX_EDGES..) {
                other.add(&e.key, e.stat.count);
            }
        }
        edges.sort_by(|a, b| {
            b.stat
                .count
                .cmp(&a.stat.count)
                .then_with(|| a.key.cmp(&b.key))
        });
        Aggregate {
            bucket_seconds: self.width,
            families,
            bucket_columns: ["start", "anonymous", "ntlmv1"],
            buckets,
            untimed: self.untimed,
            edges,
            other_edges: other,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeOut {
    #[serde(flatten)]
    pub key: EdgeKey,
    #[serde(flatten)]
    pub stat: EdgeStat,
}

/// The finished aggregation, embedded in the report as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    pub bucket_seconds: i64,
    /// The families that occur, in the order of the per-family columns of `buckets`.
    pub families: Vec<&'static str>,
    /// The first columns of each bucket row; then one count per family.
    pub bucket_columns: [&'static str; 3],
    /// `[start (Unix seconds), anonymous, ntlmv1, count per family...]`, by start.
    pub buckets: Vec<Vec<i64>>,
    /// Events without a time (not in the timeline).
    pub untimed: u64,
    /// By count, largest first.
    pub edges: Vec<EdgeOut>,
    pub other_edges: OtherEdges,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Logon, Network};
    use std::sync::Arc;

    fn logon(
        t: i64,
        ip: Option<&str>,
        ws: Option<&str>,
        user: &str,
        lm: Option<&str>,
        anon: bool,
        lt: u32,
    ) -> Event {
        Event {
            file: Arc::from("x.evtx"),
            record_id: t as u64,
            time: Some(jiff::Timestamp::from_second(t).unwrap()),
            computer: "DC01.corp.example".into(),
            provider: "Microsoft-Windows-Security-Auditing".into(),
            channel: "Security".into(),
            event_id: 4624,
            version: Some(2),
            anonymous: anon,
            kind: Kind::Logon(Logon {
                target_user: Some(user.into()),
                target_domain: Some("CORP".into()),
                logon_type: Some(lt),
                auth_package: Some("NTLM".into()),
                lm_package: lm.map(crate::event::Text::from),
                network: Network {
                    workstation: ws.map(crate::event::Text::from),
                    ip: ip.map(crate::event::Text::from),
                    port: None,
                },
                ..Default::default()
            }),
        }
    }

    #[test]
    fn buckets_stay_bounded_and_keep_every_event() {
        let mut a = Aggregator::default();
        // Ten years, one event every 3 hours, plus one from 1601 (a zeroed FILETIME).
        let mut n = 0;
        for i in 0..(10 * 365 * 8) {
            a.observe(&logon(
                1_400_000_000 + i * 10_800,
                Some("10.0.0.1"),
                None,
                "u",
                None,
                false,
                3,
            ));
            n += 1;
        }
        a.observe(&logon(
            -11_644_473_600,
            Some("10.0.0.1"),
            None,
            "u",
            None,
            false,
            3,
        ));
        n += 1;
        let f = a.finish();
        assert!(
            f.buckets.len() <= MAX_BUCKETS,
            "{} buckets",
            f.buckets.len()
        );
        let total: i64 = f.buckets.iter().map(|r| r[3..].iter().sum::<i64>()).sum();
        assert_eq!(total, n);
        assert_eq!(f.edges.len(), 1);
        assert_eq!(f.edges[0].stat.count, n as u64);
    }

    #[test]
    fn edges_stay_bounded_and_the_rest_is_counted() {
        let mut a = Aggregator::default();
        for i in 0..(MAX_EDGES + 100) {
            let ip = format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256);
            a.observe(&logon(
                1_700_000_000,
                Some(&ip),
                None,
                "u",
                Some("NTLM V1"),
                false,
                3,
            ));
        }
        let f = a.finish();
        assert_eq!(f.edges.len(), MAX_EDGES);
        assert_eq!(f.other_edges.count, 100);
        assert_eq!(f.other_edges.ntlmv1, 100);
    }

    /// Far more distinct edges and addresses than are kept: what is listed, and what is
    /// counted apart, must not depend on the order the events came in or how they were shared
    /// between states (files are read in parallel).
    #[test]
    fn what_is_kept_does_not_depend_on_the_order() {
        let n = KEPT_EDGES + MAX_ALIASES / 2 + 300;
        let events: Vec<Event> = (0..n)
            .map(|i| {
                let ip = format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256);
                let ws = format!("WS{}", i % 7);
                logon(
                    1_700_000_000 + i as i64,
                    Some(&ip),
                    Some(ws.as_str()),
                    &format!("u{}", i % 3),
                    (i % 5 == 0).then_some("NTLM V1"),
                    i % 11 == 0,
                    3,
                )
            })
            .collect();
        let mut forward = Aggregator::default();
        events.iter().for_each(|e| forward.observe(e));
        let forward = forward.finish();
        let mut backward = Aggregator::default();
        events.iter().rev().for_each(|e| backward.observe(e));
        assert!(backward.finish() == forward, "observed backwards");
        let (mut a, mut b) = (Aggregator::default(), Aggregator::default());
        for (i, e) in events.iter().enumerate() {
            if i % 3 == 0 {
                a.observe(e)
            } else {
                b.observe(e)
            }
        }
        b.merge(a);
        assert!(b.finish() == forward, "shared out between two states");
        // Listed: every anonymous edge before any other.
        assert_eq!(forward.edges.len(), MAX_EDGES);
        let anonymous: u64 = forward
            .edges
            .iter()
            .filter(|e| e.key.anonymous)
            .map(|e| e.stat.count)
            .sum();
        assert_eq!(anonymous, n.div_ceil(11) as u64);
        let listed: u64 = forward.edges.iter().map(|e| e.stat.count).sum();
        assert_eq!(listed + forward.other_edges.count, n as u64);
        assert_eq!(forward.other_edges.anonymous, 0);
    }

    #[test]
    fn sources_flags_and_packages() {
        let mut a = Aggregator::default();
        // local logons: no edge
        a.observe(&logon(
            1,
            Some("127.0.0.1"),
            Some("DC01"),
            "u",
            None,
            false,
            2,
        ));
        a.observe(&logon(2, None, None, "SYSTEM", None, false, 5));
        // an anonymous null session that names no source: an edge from "(source not logged)"
        a.observe(&logon(
            3,
            None,
            None,
            "ANONYMOUS LOGON",
            Some("NTLM V1"),
            true,
            3,
        ));
        // NTLMv1 by a named account, from a workstation
        a.observe(&logon(
            4,
            None,
            Some("WS7"),
            "alice",
            Some("NTLM V1"),
            false,
            3,
        ));
        a.observe(&logon(
            5,
            Some("::ffff:10.1.1.1"),
            Some("WS8"),
            "bob",
            Some("NTLM V2"),
            false,
            3,
        ));
        let f = a.finish();
        let e: Vec<(&str, &str, &str, bool, bool)> = f
            .edges
            .iter()
            .map(|e| {
                (
                    e.key.source.as_str(),
                    e.key.account.as_str(),
                    e.key.package.as_str(),
                    e.key.anonymous,
                    e.key.ntlmv1,
                )
            })
            .collect();
        assert!(e.contains(&(
            UNLOGGED_SOURCE,
            "CORP\\ANONYMOUS LOGON",
            "NTLM V1",
            true,
            false
        )));
        assert!(e.contains(&("WS7", "CORP\\alice", "NTLM V1", false, true)));
        // The address always came with WS8: drawn as that machine.
        assert!(e.contains(&("WS8", "CORP\\bob", "NTLM V2", false, false)));
        assert_eq!(e.len(), 3);
        // One name per machine: the DNS suffix dropped.
        assert_eq!(f.edges[0].key.target, "DC01");
        // the timeline counts every event, and NTLMv1 only for named accounts
        let v1: i64 = f.buckets.iter().map(|r| r[2]).sum();
        let anon: i64 = f.buckets.iter().map(|r| r[1]).sum();
        assert_eq!((v1, anon), (1, 1));
    }

    #[test]
    fn one_node_per_machine() {
        assert_eq!(host_node("cifs/SRV-FILE01.corp.example"), "SRV-FILE01");
        assert_eq!(host_node("MSSQLSvc/sql01.corp.example:1433"), "SQL01");
        assert_eq!(host_node("srv-file01"), "SRV-FILE01");
        assert_eq!(host_node("cifs/10.0.0.20"), "10.0.0.20");
        assert_eq!(host_node("<img src=x>"), "<img src=x>");
        // The target's node as last made, and a new one when the target changes.
        assert_eq!(target_node("dc01.corp.example"), "DC01");
        assert_eq!(target_node("dc01.corp.example"), "DC01");
        assert_eq!(target_node("cifs/10.0.0.20"), "10.0.0.20");
        assert_eq!(target_node(""), host_node(""));
        for (lm, v1) in [
            (" NTLM V1 ", true),
            ("ntlm v1", true),
            ("lm", true),
            ("LMv2", false),
            ("NTLM V2", false),
            ("-", false),
        ] {
            assert_eq!(is_v1(Some(lm)), v1, "{lm}");
        }
        let mut a = Aggregator::default();
        // 10.0.0.5 always says WKS1; 10.0.0.6 sends a new name each time (an attack tool);
        // 10.0.0.7 sends a hostile string.
        for (i, (ip, ws)) in [
            ("10.0.0.5", "wks1.corp.example"),
            ("10.0.0.5", "WKS1"),
            ("10.0.0.6", "AAAA"),
            ("10.0.0.6", "BBBB"),
            ("10.0.0.7", "<b>x</b>"),
        ]
        .into_iter()
        .enumerate()
        {
            a.observe(&logon(i as i64, Some(ip), Some(ws), "bob", None, false, 3));
        }
        // WKS1's credential validation on the DC names it, not its address.
        let mut cv = logon(9, None, None, "bob", None, false, 3);
        cv.kind = Kind::CredentialValidation(crate::event::CredentialValidation {
            auth_package: Some("MICROSOFT_AUTHENTICATION_PACKAGE_V1_0".into()),
            target_user: Some("bob".into()),
            workstation: Some("WKS1".into()),
            status: None,
            status_name: None,
        });
        a.observe(&cv);
        let f = a.finish();
        let sources: Vec<(&str, u64)> = f
            .edges
            .iter()
            .map(|e| (e.key.source.as_str(), e.stat.count))
            .collect();
        assert!(sources.contains(&("WKS1", 2)), "{sources:?}");
        assert!(sources.contains(&("WKS1", 1)), "{sources:?}");
        assert!(sources.contains(&("10.0.0.6", 2)), "{sources:?}");
        assert!(sources.contains(&("10.0.0.7", 1)), "{sources:?}");
        assert_eq!(sources.len(), 4, "{sources:?}");
    }

    #[test]
    fn widths_are_multiples() {
        for w in WIDTHS.windows(2) {
            assert_eq!(w[1] % w[0], 0, "{} is not a multiple of {}", w[1], w[0]);
        }
    }

    #[test]
    fn merge_equals_observing_everything() {
        let events: Vec<Event> = (0..3000)
            .map(|i| {
                let ip = format!("10.0.{}.{}", i % 7, i % 13);
                let ws = format!("WS{}", i % 11);
                logon(
                    1_600_000_000 + i * i * 97,
                    Some(&ip),
                    (i % 3 == 0).then_some(ws.as_str()),
                    &format!("u{}", i % 5),
                    (i % 4 == 0).then_some("NTLM V1"),
                    i % 9 == 0,
                    3,
                )
            })
            .collect();
        let mut all = Aggregator::default();
        events.iter().for_each(|e| all.observe(e));
        for split in [0, 1, 1000, 2999] {
            let (mut a, mut b) = (Aggregator::default(), Aggregator::default());
            events[..split].iter().for_each(|e| a.observe(e));
            events[split..].iter().for_each(|e| b.observe(e));
            let mut ab = a.clone();
            ab.merge(b.clone());
            assert!(ab.finish() == all.clone().finish(), "split at {split}");
            b.merge(a);
            assert!(
                b.finish() == all.clone().finish(),
                "split at {split}, other way"
            );
        }
    }
}
