//! SQL Server's 18456 "Login failed for user 'NT AUTHORITY\ANONYMOUS LOGON'": the detection
//! `sql-anonymous-login-failure` and the classification's rule 5 (an anonymous logon on the
//! SQL Server's host near an 18456 from the same client) read them.
//!
//! A double hop without delegation refuses every request of the middle tier: millions of
//! 18456s from a few clients. Kept one entry per event, a 1 GB Application log of them took
//! the scan to 833 MB. So they are grouped by file and by all they say but their time, and
//! each group keeps its evidence sample and its (time, record id) pairs, packed.

use super::finding::Sample;
use super::state::Names;
use super::times::{GroupKey, NearByHost, TimedGroups};
use super::EventRef;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What an anonymous 18456 says, all but its time. Names are shared ([`Names`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SqlKey {
    pub file: Arc<str>,
    pub computer: Arc<str>,
    /// The event's provider: `MSSQLSERVER`, or `MSSQL$NAME` for a named instance.
    pub instance: Arc<str>,
    /// The client address (`[CLIENT: ...]`): the middle tier.
    pub ip: Option<Arc<str>>,
    pub reason: Option<Arc<str>>,
}

impl GroupKey for SqlKey {
    const FIRST_IDS: usize = 0;
    fn file(&self) -> &Arc<str> {
        &self.file
    }
    fn host(&self) -> &str {
        &self.computer
    }
}

/// The anonymous 18456s, grouped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SqlSeen(TimedGroups<SqlKey>);

/// What the classification tells of the 18456 it links to a logon.
pub(crate) struct SqlHit<'a> {
    pub key: &'a SqlKey,
    pub time: i64,
}

impl SqlSeen {
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        file: &Arc<str>,
        computer: &str,
        instance: &str,
        ip: Option<&str>,
        reason: Option<&str>,
        t: i64,
        record_id: u64,
        cap: usize,
        names: &mut Names,
    ) {
        let mut name = |x: &str| names.get(x);
        let key = SqlKey {
            file: Arc::clone(file),
            computer: name(computer),
            instance: name(instance),
            ip: ip.map(&mut name),
            reason: reason.map(&mut name),
        };
        self.0.add(key, t, record_id, cap);
    }

    pub fn merge(&mut self, o: SqlSeen, cap: usize) {
        self.0.merge(o.0, cap);
    }

    /// Before [`SqlNear::nearest`].
    pub fn settle(&mut self) {
        self.0.settle();
    }

    /// Per (host, instance), skipping the files in `skip`: the evidence of every 18456, the
    /// client addresses and the reasons.
    pub fn by_instance(
        &self,
        skip: &BTreeMap<Arc<str>, Arc<str>>,
        cap: usize,
    ) -> BTreeMap<(Arc<str>, Arc<str>), (Sample, Vec<Arc<str>>, Vec<Arc<str>>)> {
        let mut out: BTreeMap<_, (Sample, Vec<Arc<str>>, Vec<Arc<str>>)> = BTreeMap::new();
        for (k, g) in self.0.iter_except(skip) {
            let e = out
                .entry((Arc::clone(&k.computer), Arc::clone(&k.instance)))
                .or_default();
            g.sample.merge_into(&mut e.0, &k.file, cap);
            e.1.extend(k.ip.clone());
            e.2.extend(k.reason.clone());
        }
        for (_, ips, reasons) in out.values_mut() {
            for v in [ips, reasons] {
                v.sort();
                v.dedup();
            }
        }
        out
    }
}

/// The groups by host, for the classification.
pub(crate) struct SqlNear<'a>(NearByHost<'a, SqlKey>);

impl<'a> SqlNear<'a> {
    /// Of settled groups ([`TimedGroups::settle`]).
    pub fn new(seen: &'a SqlSeen) -> Self {
        SqlNear(NearByHost::new(&seen.0))
    }

    /// The 18456 on `host` at most `window` seconds from `t` nearest to it (ties to the
    /// smallest reference), from client `ip` when both name one.
    pub fn nearest(
        &self,
        t: i64,
        window: i64,
        host: &str,
        ip: Option<&str>,
    ) -> Option<(EventRef, SqlHit<'a>)> {
        let same_client = |k: &SqlKey| match (k.ip.as_deref(), ip) {
            (Some(x), Some(y)) => (x == y).then_some(()),
            _ => Some(()),
        };
        let (r, key, time) = self.0.nearest(t, window, host, same_client)?;
        Some((r, SqlHit { key, time }))
    }
}
