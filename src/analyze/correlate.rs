//! Cross-host correlation of one NTLM authentication, when the logs of several hosts are
//! scanned together:
//!
//! ```text
//! client  8001 (TargetName = server, UserName = account)        on the client
//! server  4624 NTLM / 8003 (WorkstationName = client, account)  on the server
//! DC      4776 (Workstation = client, account) / 8004 (SChannelName = server, WorkstationName = client)
//! ```
//!
//! Rules: host names are compared in their short upper-case form (`srv.corp.local` = `SRV`,
//! `cifs/SRV` = `SRV`); accounts by user name, case-insensitive, without the domain; times in
//! windows of `correlation_window_secs` aligned on the epoch, a window matching itself and its
//! neighbours (so events up to two windows apart can be joined). The server side anchors a
//! chain: a client 8001 or a DC 4776/8004 is linked to a server logon when client, account
//! and (where the event names it) server agree.
//!
//! Limits: the join is by names and time, not by a shared id (NTLM has none across hosts), so
//! two authentications of the same account from the same client to the same server in the
//! same window are indistinguishable and are counted together; a client known only by IP
//! address on the server (WorkstationName empty) cannot be joined to its 8001; 4776 does not
//! name the server, so with several servers in the window a DC event joins each of them;
//! clock skew beyond a window breaks the join. Anonymous logons are joined to their client's
//! 8001 by the scenario classifier instead (see [`super::anonymous`]). An 8001 whose TargetName
//! is an IP address (`cifs/10.0.0.20`) names no server, so it joins any server logon of its
//! client and account in the window (like a 4776).

use super::finding::{merge_fast_map, rfc3339, FastMap, FileSample, Sample, VecMap};
use super::state::{bucket, Names};
use super::windows::Windows as PathWindows;
use super::{Config, EventRef};
use crate::event::{Event, Kind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Role {
    Client,
    Server,
    Dc,
}

/// One side of an authentication path as one host logged it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Point {
    pub role: Role,
    pub host: Arc<str>,
    pub client: Arc<str>,
    pub account: Arc<str>,
    pub server: Arc<str>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct State {
    /// Per (file, point), its events by time window. The windows of a point share one key:
    /// a long log has many windows per path, and a B-tree entry each (key repeated) cost
    /// about 350 bytes a window; the older ones are sealed ([`PathWindows`]). Boxed: the
    /// table has room for up to twice its entries, and a DC's log has one for each workstation
    /// and account it validated (60,000 on dc-1g, whose table held 25 MB with them inline).
    pub points: FastMap<(Arc<str>, Point), Box<PathWindows>>,
}

impl State {
    pub fn observe(&mut self, e: &Event, t: i64, cfg: &Config, names: &mut Names) {
        if e.anonymous {
            return;
        }
        let b = bucket(t, cfg.correlation_window_secs);
        // Each side as logged: its role, the client, the account and the server it names
        // ("" when the event names none: 4776). The server side is the host that logged it.
        let me = &e.computer[..];
        let (role, client, user, server) = match &e.kind {
            Kind::NtlmOutgoing(n) => match n.target_name.as_deref() {
                Some(srv) => (Role::Client, me, &n.target_user, srv),
                None => return,
            },
            Kind::Logon(l) => {
                let ntlm = l.lm_package.is_some()
                    || l.auth_package
                        .as_deref()
                        .is_some_and(|p| p.eq_ignore_ascii_case("NTLM"));
                match l.network.workstation.as_deref() {
                    Some(ws) if ntlm && l.logon_type == Some(3) => {
                        (Role::Server, ws, &l.target_user, me)
                    }
                    _ => return,
                }
            }
            Kind::NtlmDomain(n) => match n.workstation.as_deref() {
                Some(ws) => (Role::Server, ws, &n.target_user, me),
                None => return,
            },
            Kind::CredentialValidation(c) => match c.workstation.as_deref() {
                Some(ws) => (Role::Dc, ws, &c.target_user, ""),
                None => return,
            },
            Kind::NtlmPassthrough(n) => match n.workstation.as_deref() {
                Some(ws) => (
                    Role::Dc,
                    ws,
                    &n.target_user,
                    n.schannel_name.as_deref().unwrap_or(""),
                ),
                None => return,
            },
            _ => return,
        };
        let Some(account) = user.as_deref().and_then(|u| names.user(u)) else {
            return;
        };
        // `short("")` is "": the server of a 4776, or of an 8004 without SChannelName.
        let point = Point {
            role,
            host: names.get(me),
            client: names.short(client),
            account,
            server: names.short(server),
        };
        self.points
            .entry((Arc::clone(&e.file), point))
            .or_default()
            .add(b, t, e.record_id, cfg.evidence_cap);
    }

    pub fn merge(&mut self, o: State, cap: usize) {
        let mut names = Names::default();
        merge_fast_map(&mut self.points, o.points, |a, b| {
            a.merge(*b, cap, &mut names)
        });
    }
}

/// One NTLM authentication path seen on more than one host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correlation {
    pub client: String,
    pub server: String,
    pub account: String,
    /// Domain controllers (or the validating host) that saw it.
    pub dcs: Vec<String>,
    /// Server-side events (4624 / 8003) in the linked windows.
    pub server_events: u64,
    pub client_events: u64,
    pub dc_events: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub server_evidence: Vec<EventRef>,
    pub client_evidence: Vec<EventRef>,
    pub dc_evidence: Vec<EventRef>,
}

pub(crate) fn finish(
    st: &State,
    dups: &BTreeMap<Arc<str>, Arc<str>>,
    cfg: &Config,
) -> Vec<Correlation> {
    let cap = cfg.evidence_cap;
    // Every side, unread: the sealed windows are unpacked only for the paths a server side
    // joins, one (client, account) at a time. A DC's log of 4776s alone joins nothing, and
    // unpacking all its windows at once made the finish grow with the log's length.
    type Unread<'a> = (&'a Point, &'a Arc<str>, &'a PathWindows);
    // The server points of each chain, by (client, account, server): the chains of one
    // (client, account) come together, and share its DC and by-address sides.
    let mut servers: BTreeMap<(&str, &str, &str), Vec<Unread>> = BTreeMap::new();
    let points = || {
        st.points
            .iter()
            .filter(|((file, _), _)| !dups.contains_key(file))
            .map(|((file, p), w)| ((file, p), &**w))
    };
    for ((file, p), w) in points() {
        if p.role == Role::Server {
            servers
                .entry((&*p.client, &*p.account, &*p.server))
                .or_default()
                .push((p, file, w));
        }
    }
    // The other sides are indexed only where a server side can join them: on a DC's log of
    // 4776s, indexing every (client, account) it saw took more memory than anything else of
    // the finish.
    let joined: BTreeSet<(&str, &str)> = servers.keys().map(|&(c, a, _)| (c, a)).collect();
    let mut clients: BTreeMap<(&str, &str, &str), Vec<Unread>> = BTreeMap::new();
    let mut dcs: BTreeMap<(&str, &str), Vec<Unread>> = BTreeMap::new();
    // 8001s whose TargetName is an address (`cifs/10.0.0.20`: the server opened by IP, which
    // is what sends a domain client to NTLM): the server is not named, so they join on client
    // and account, like a 4776.
    let mut by_addr: BTreeMap<(&str, &str), Vec<Unread>> = BTreeMap::new();
    for ((file, p), w) in points() {
        let pair = (&*p.client, &*p.account);
        if p.role == Role::Server || !joined.contains(&pair) {
            continue;
        }
        let u = (p, file, w);
        match p.role {
            Role::Client if p.server.parse::<std::net::IpAddr>().is_ok() => {
                by_addr.entry(pair).or_default().push(u)
            }
            Role::Client => {
                let key = (pair.0, pair.1, &*p.server);
                if servers.contains_key(&key) {
                    clients.entry(key).or_default().push(u)
                }
            }
            Role::Dc => dcs.entry(pair).or_default().push(u),
            Role::Server => {}
        }
    }
    type Read<'a> = (&'a Point, &'a Arc<str>, VecMap<i64, FileSample>);
    fn read<'a>(of: Option<&Vec<Unread<'a>>>) -> Vec<Read<'a>> {
        of.into_iter()
            .flatten()
            .map(|&(p, file, w)| (p, file, w.read(&mut Names::default())))
            .collect()
    }
    type Windows<'a> = (&'a Point, &'a Arc<str>, &'a VecMap<i64, FileSample>);
    // The windows of `of` that match window `b`: itself and its neighbours.
    type Near<'a> = (&'a Point, &'a Arc<str>, i64, &'a FileSample);
    fn near<'a: 's, 's>(of: &'s [Windows<'a>], b: i64) -> impl Iterator<Item = Near<'a>> + 's {
        of.iter().flat_map(move |&(q, file, w)| {
            (b - 1..=b + 1).filter_map(move |qb| w.get(&qb).map(|s| (q, file, qb, s)))
        })
    }
    struct Acc {
        dcs: BTreeSet<String>,
        server: Sample,
        client: Sample,
        dc: Sample,
    }
    // A matched client or DC window, once per (point, file, window) however many server
    // windows it matched: sorted and deduplicated by its first three.
    type Hit<'a> = (
        *const Point,
        *const str,
        i64,
        &'a Point,
        &'a Arc<str>,
        &'a FileSample,
    );
    fn hit<'a>((q, qf, qb, qs): Near<'a>) -> Hit<'a> {
        (q as *const Point, Arc::as_ptr(qf), qb, q, qf, qs)
    }
    let servers: Vec<((&str, &str, &str), Vec<Unread>)> = servers.into_iter().collect();
    let mut chains: Vec<((&str, &str, &str), Acc)> = Vec::new();
    for group in servers.chunk_by(|a, b| (a.0 .0, a.0 .1) == (b.0 .0, b.0 .1)) {
        let (client, account, _) = group[0].0;
        // Read once for the chains of this (client, account).
        let group_dc = read(dcs.get(&(client, account)));
        let group_addr = read(by_addr.get(&(client, account)));
        for &(key @ (_, _, server), ref srv) in group {
            let chain_cl = read(clients.get(&key));
            let cl_of: Vec<Windows> = chain_cl
                .iter()
                .chain(&group_addr)
                .map(|(p, f, w)| (*p, *f, w))
                .collect();
            let dc_of: Vec<Windows> = group_dc
                .iter()
                .filter(|(q, _, _)| q.server.is_empty() || &*q.server == server)
                .map(|(p, f, w)| (*p, *f, w))
                .collect();
            if cl_of.is_empty() && dc_of.is_empty() {
                continue;
            }
            let mut acc: Option<Acc> = None;
            let mut cl_hits: Vec<Hit> = Vec::new();
            let mut dc_hits: Vec<Hit> = Vec::new();
            for &(_, file, windows) in srv {
                for (&b, s) in windows.read(&mut Names::default()).iter() {
                    let n_cl = cl_hits.len();
                    let n_dc = dc_hits.len();
                    cl_hits.extend(near(&cl_of, b).map(hit));
                    dc_hits.extend(near(&dc_of, b).map(hit));
                    if cl_hits.len() == n_cl && dc_hits.len() == n_dc {
                        continue;
                    }
                    let acc = acc.get_or_insert_with(|| Acc {
                        dcs: BTreeSet::new(),
                        server: Sample::default(),
                        client: Sample::default(),
                        dc: Sample::default(),
                    });
                    s.merge_into(&mut acc.server, file, cap);
                }
            }
            let Some(mut acc) = acc else { continue };
            for (hits, side) in [(&mut cl_hits, &mut acc.client), (&mut dc_hits, &mut acc.dc)] {
                hits.sort_unstable_by_key(|h| (h.0, h.1, h.2));
                hits.dedup_by_key(|h| (h.0, h.1, h.2));
                for &(_, _, _, _, qf, qs) in hits.iter() {
                    qs.merge_into(side, qf, cap);
                }
            }
            acc.dcs.extend(dc_hits.iter().map(|h| h.3.host.to_string()));
            chains.push((key, acc));
        }
    }
    // In (client, server, account) order, as listed.
    chains.sort_unstable_by_key(|((client, account, server), _)| (*client, *server, *account));
    chains
        .into_iter()
        .map(|((client, account, server), a)| {
            let (client, server, account) =
                (client.to_string(), server.to_string(), account.to_string());
            let first = [a.server.first, a.client.first, a.dc.first]
                .into_iter()
                .flatten()
                .min();
            let last = [a.server.last, a.client.last, a.dc.last]
                .into_iter()
                .flatten()
                .max();
            Correlation {
                client,
                server,
                account,
                dcs: a.dcs.into_iter().collect(),
                server_events: a.server.total,
                client_events: a.client.total,
                dc_events: a.dc.total,
                first_seen: rfc3339(first),
                last_seen: rfc3339(last),
                server_evidence: a.server.refs(),
                client_evidence: a.client.refs(),
                dc_evidence: a.dc.refs(),
            }
        })
        .collect()
}
