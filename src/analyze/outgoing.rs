//! The 8001s that may be the client side of an anonymous logon (no supplied account, or a
//! well-known service session as the client process), kept for the classification's client
//! rule ([`super::anonymous`]), which takes the nearest one in time.
//!
//! A server's LocalSystem services log millions of 8001s with a few hundred distinct contents
//! (the targets they reach): kept one entry per event (about 300 bytes in a B-tree), a 1 GB
//! NTLM/Operational log took the scan to 665 MB. So the 8001s are grouped by file and by all
//! they say but their time, and each group keeps its (time, record id) pairs in a few bytes
//! each. Per time only the smallest record id is kept: the rule takes the nearest 8001, ties
//! to the smallest reference, so no other 8001 of the group can be chosen at that time.

use super::finding::FastMap;
use super::state::Names;
use super::times::Times;
use std::hash::BuildHasher;
use std::sync::Arc;

/// What an 8001 says, all but its time. Names are shared ([`super::state::Names`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Outgoing {
    pub computer: Arc<str>,
    pub target: Option<Arc<str>>,
    pub user: Option<Arc<str>>,
    pub luid: Option<u64>,
    pub client_user: Option<Arc<str>>,
    pub client_domain: Option<Arc<str>>,
    pub process: Option<Arc<str>>,
}

/// What an 8001 says, as logged: its group is found from these without making its names
/// (a million 8001s of a few hundred groups made and dropped seven shared names each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct OutgoingFields<'a> {
    pub computer: &'a str,
    pub target: Option<&'a str>,
    pub user: Option<&'a str>,
    pub luid: Option<u64>,
    pub client_user: Option<&'a str>,
    pub client_domain: Option<&'a str>,
    pub process: Option<&'a str>,
}

impl OutgoingFields<'_> {
    fn make(&self, names: &mut Names) -> Outgoing {
        let computer = names.get(self.computer);
        let mut opt = |x: Option<&str>| x.map(|x| names.get(x));
        Outgoing {
            computer,
            target: opt(self.target),
            user: opt(self.user),
            luid: self.luid,
            client_user: opt(self.client_user),
            client_domain: opt(self.client_domain),
            process: opt(self.process),
        }
    }
}

impl Outgoing {
    fn fields(&self) -> OutgoingFields<'_> {
        OutgoingFields {
            computer: &self.computer,
            target: self.target.as_deref(),
            user: self.user.as_deref(),
            luid: self.luid,
            client_user: self.client_user.as_deref(),
            client_domain: self.client_domain.as_deref(),
            process: self.process.as_deref(),
        }
    }
}

/// The groups of 8001s, in the order they came.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutgoingSeen {
    /// The groups by the hash of their file and fields (a fixed seed: states made apart
    /// hash alike); those whose hashes collide, one after the other.
    index: FastMap<u64, smallvec::SmallVec<[u32; 1]>>,
    groups: Vec<OutgoingGroup>,
}

fn key_hash(file: &str, f: &OutgoingFields<'_>) -> u64 {
    foldhash::fast::FixedState::with_seed(0x8001).hash_one((file, f))
}

/// The 8001s of one file that say the same, at their times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutgoingGroup {
    pub file: Arc<str>,
    pub who: Outgoing,
    pub times: Times,
}

impl OutgoingSeen {
    /// The group of `file` whose 8001s say `f`, if there is one; the hash of the two.
    fn find(&self, file: &str, f: &OutgoingFields<'_>) -> (Option<usize>, u64) {
        let h = key_hash(file, f);
        let found = self.index.get(&h).and_then(|same| {
            same.iter()
                .map(|&i| i as usize)
                .find(|&i| &*self.groups[i].file == file && self.groups[i].who.fields() == *f)
        });
        (found, h)
    }

    fn push(&mut self, h: u64, g: OutgoingGroup) -> usize {
        let i = self.groups.len();
        self.groups.push(g);
        self.index.entry(h).or_default().push(i as u32);
        i
    }

    /// An 8001 of `file` at time `t`; its names made (in `names`) only for a new group.
    pub fn add(
        &mut self,
        file: &Arc<str>,
        f: OutgoingFields<'_>,
        t: i64,
        record_id: u64,
        names: &mut Names,
    ) {
        let i = match self.find(file, &f) {
            (Some(i), _) => i,
            (None, h) => {
                let g = OutgoingGroup {
                    file: Arc::clone(file),
                    who: f.make(names),
                    times: Times::default(),
                };
                self.push(h, g)
            }
        };
        self.groups[i].times.push(t, record_id);
    }

    pub fn merge(&mut self, o: OutgoingSeen) {
        for g in o.groups {
            match self.find(&g.file, &g.who.fields()) {
                (Some(i), _) => self.groups[i].times.extend(&g.times),
                (None, h) => {
                    self.push(h, g);
                }
            }
        }
    }

    /// Put every group's times in order ([`Times::settle`]); before [`Times::nearest`].
    pub fn settle(&mut self) {
        self.groups.iter_mut().for_each(|g| g.times.settle());
    }

    /// The groups, in the order they came.
    pub fn groups(&self) -> &[OutgoingGroup] {
        &self.groups
    }
}

impl PartialEq for OutgoingSeen {
    /// The same groups at the same times, whatever the order they came in.
    fn eq(&self, other: &Self) -> bool {
        fn settled(x: &OutgoingSeen) -> Vec<(&Arc<str>, &Outgoing, Vec<(i64, u64)>)> {
            let mut v: Vec<_> = x
                .groups
                .iter()
                .map(|g| {
                    let mut t = g.times.clone();
                    t.settle();
                    (&g.file, &g.who, t.pairs())
                })
                .collect();
            v.sort();
            v
        }
        settled(self) == settled(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_merge_as_one_state_would() {
        let who = |target| OutgoingFields {
            computer: "WKS001",
            target: Some(target),
            user: None,
            luid: Some(0x3e7),
            client_user: None,
            client_domain: None,
            process: None,
        };
        let f: Arc<str> = Arc::from("a.evtx");
        let mut names = Names::default();
        let mut one = OutgoingSeen::default();
        let (mut x, mut y) = (OutgoingSeen::default(), OutgoingSeen::default());
        for i in 0..300u64 {
            let w = who(if i % 3 == 0 { "cifs/SRV1" } else { "cifs/SRV2" });
            one.add(&f, w, (i / 2) as i64, i, &mut names);
            // Each state its own names, as reading threads have.
            let mut own = Names::default();
            if i % 5 == 0 { &mut x } else { &mut y }.add(&f, w, (i / 2) as i64, i, &mut own);
        }
        x.merge(y);
        assert_eq!(one, x);
        one.settle();
        assert_eq!(one.groups().len(), 2);
        let srv1 = &one.groups()[0].times;
        assert_eq!(srv1.nearest(7), (Some((6, 12)), Some((7, 15))));
    }
}
