//! Per-event annotations (`scenario`, `findings` of `--events`), kept compactly: a flood of
//! anonymous logons shares a handful of distinct annotations, so each distinct one is stored
//! once and every event holds its index (12 bytes an event, not an entry with its own list).

use super::finding::{Distinct, FastMap};
use super::{Annotation, EventRef};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Annotations {
    by_file: FastMap<Arc<str>, FastMap<u64, u32>>,
    distinct: Vec<Annotation>,
    index: Distinct,
}

impl Annotations {
    fn intern(&mut self, a: Annotation) -> u32 {
        self.index.intern(&mut self.distinct, a)
    }

    /// Change the annotation of `r` (an empty one if it had none).
    pub fn update(&mut self, r: &EventRef, f: impl FnOnce(&mut Annotation)) {
        let current = self
            .by_file
            .get(&r.file)
            .and_then(|m| m.get(&r.record_id))
            .map(|&i| self.distinct[i as usize].clone());
        let mut a = current.unwrap_or_default();
        f(&mut a);
        let i = self.intern(a);
        self.by_file
            .entry(Arc::clone(&r.file))
            .or_default()
            .insert(r.record_id, i);
    }

    pub fn get(&self, r: &EventRef) -> Option<&Annotation> {
        let i = *self.by_file.get(&r.file)?.get(&r.record_id)?;
        Some(&self.distinct[i as usize])
    }

    /// Number of annotated events.
    pub fn len(&self) -> usize {
        self.by_file.values().map(FastMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The distinct annotations; [`Self::of_file`] indexes into them.
    pub fn distinct(&self) -> &[Annotation] {
        &self.distinct
    }

    /// Record id → index into [`Self::distinct`], for the events of one file.
    pub fn of_file(&self, file: &str) -> Option<&FastMap<u64, u32>> {
        self.by_file.get(file)
    }

    /// Every annotated event with its annotation, in (file, record id) order.
    pub fn to_map(&self) -> BTreeMap<EventRef, &Annotation> {
        self.by_file
            .iter()
            .flat_map(|(f, m)| {
                m.iter().map(|(&record_id, &i)| {
                    (
                        EventRef {
                            file: Arc::clone(f),
                            record_id,
                        },
                        &self.distinct[i as usize],
                    )
                })
            })
            .collect()
    }

    /// Sort every annotation's finding ids, and drop the annotations no event holds any more.
    pub(crate) fn sort_findings(&mut self) {
        let mut remap: Vec<Option<u32>> = vec![None; self.distinct.len()];
        let mut fresh = Annotations::default();
        for m in self.by_file.values_mut() {
            for i in m.values_mut() {
                let new = match remap[*i as usize] {
                    Some(n) => n,
                    None => {
                        let mut a = self.distinct[*i as usize].clone();
                        a.findings.sort();
                        let n = fresh.intern(a);
                        remap[*i as usize] = Some(n);
                        n
                    }
                };
                *i = new;
            }
        }
        self.distinct = fresh.distinct;
        self.index = fresh.index;
    }
}

/// An event's whole annotation: `anon`, its anonymous logon's verdict (scenario, and the
/// findings besides `anonymous-logon`) if it is one, with `other`, the findings it is evidence
/// for. The verdicts are not kept as annotations ([`super::Outcome::annotation`]).
pub fn combine(
    anon: Option<(&'static str, &[&'static str])>,
    other: Option<&Annotation>,
) -> Option<Annotation> {
    let Some((scenario, findings)) = anon else {
        return other.cloned();
    };
    let mut a = other.cloned().unwrap_or_default();
    a.scenario = Some(scenario);
    for id in std::iter::once(&"anonymous-logon").chain(findings) {
        if !a.findings.contains(id) {
            a.findings.push(id);
        }
    }
    a.findings.sort();
    Some(a)
}

impl PartialEq for Annotations {
    fn eq(&self, other: &Self) -> bool {
        self.to_map() == other.to_map()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anonymous_logons_verdict_joins_the_findings_it_is_evidence_for() {
        let other = Annotation {
            scenario: None,
            findings: vec!["user-enumeration", "anonymous-logon"],
        };
        let a = combine(Some(("enumeration", &["zerologon"][..])), Some(&other)).unwrap();
        assert_eq!(a.scenario, Some("enumeration"));
        // Once each, in order.
        assert_eq!(
            a.findings,
            ["anonymous-logon", "user-enumeration", "zerologon"]
        );
        let alone = combine(Some(("unknown", &[][..])), None).unwrap();
        assert_eq!(alone.findings, ["anonymous-logon"]);
        assert_eq!(combine(None, Some(&other)), Some(other.clone()));
        assert_eq!(combine(None, None), None);
    }

    fn r(f: &str, id: u64) -> EventRef {
        EventRef {
            file: Arc::from(f),
            record_id: id,
        }
    }

    #[test]
    fn shared_annotations_are_stored_once_and_updates_stay_per_event() {
        let mut a = Annotations::default();
        for id in 0..1000 {
            a.update(&r("a.evtx", id), |x| x.scenario = Some("default_session"));
        }
        a.update(&r("a.evtx", 7), |x| x.findings.push("zzz"));
        a.update(&r("a.evtx", 7), |x| x.findings.push("aaa"));
        a.update(&r("b.evtx", 7), |x| x.findings.push("aaa"));
        a.sort_findings();
        assert_eq!(a.len(), 1001);
        assert_eq!(a.distinct().len(), 3);
        assert_eq!(a.get(&r("a.evtx", 7)).unwrap().findings, ["aaa", "zzz"]);
        assert_eq!(
            a.get(&r("a.evtx", 7)).unwrap().scenario,
            Some("default_session")
        );
        assert_eq!(a.get(&r("a.evtx", 8)).unwrap().findings, Vec::<&str>::new());
        assert_eq!(a.get(&r("b.evtx", 7)).unwrap().scenario, None);
        assert!(a.get(&r("b.evtx", 8)).is_none());
        let mut b = Annotations::default();
        b.update(&r("b.evtx", 7), |x| x.findings.push("aaa"));
        assert_ne!(a, b);
    }
}
