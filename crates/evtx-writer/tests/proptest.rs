//! Property test: random strings (non-ASCII, empty, long) and numbers read back identical
//! through the `evtx` crate, across chunk boundaries.

mod common;

use std::borrow::Cow;

use common::*;
use evtx_writer::{EventData, EventRecord, FileTime, Value};
use proptest::prelude::*;
use serde_json::json;

/// Any printable text: letters of every script, symbols, emoji; no control characters (event
/// strings are not expected to hold them, and XML 1.0 cannot carry most of them).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "\\PC{0,40}",
        "[a-zA-Z0-9 ._-]{0,20}",
        "\\PC{1000,3000}",
    ]
}

fn value() -> impl Strategy<Value = (Value<'static>, serde_json::Value)> {
    prop_oneof![
        text().prop_map(|s| (Value::String(Cow::Owned(s.clone())), json!(s))),
        any::<u8>().prop_map(|n| (Value::U8(n), json!(n))),
        any::<u16>().prop_map(|n| (Value::U16(n), json!(n))),
        any::<u32>().prop_map(|n| (Value::U32(n), json!(n))),
        any::<u64>().prop_map(|n| (Value::U64(n), json!(n))),
        any::<i32>().prop_map(|n| (Value::I32(n), json!(n))),
        any::<i64>().prop_map(|n| (Value::I64(n), json!(n))),
        any::<u32>().prop_map(|n| (Value::HexInt32(n), json!(format!("0x{n:x}")))),
        any::<u64>().prop_map(|n| (Value::HexInt64(n), json!(format!("0x{n:x}")))),
        any::<bool>().prop_map(|b| (Value::Bool(b), json!(b))),
        proptest::collection::vec(any::<u8>(), 1..64).prop_map(|b| {
            let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
            (Value::Binary(Cow::Owned(b)), json!(hex))
        }),
        (any::<u64>(), proptest::collection::vec(any::<u32>(), 0..10)).prop_map(|(a, subs)| {
            let sid = evtx_writer::Sid::new(a & 0xffff_ffff_ffff, &subs).unwrap();
            (Value::Sid(sid), json!(sid.to_string()))
        }),
        any::<[u8; 16]>().prop_map(|g| {
            let g = evtx_writer::Guid(g);
            (Value::Guid(g), json!(g.to_string().to_lowercase()))
        }),
    ]
}

fn event() -> impl Strategy<Value = (EventRecord<'static>, Vec<serde_json::Value>)> {
    (
        proptest::collection::vec(value(), 0..12),
        any::<u16>(),
        any::<u8>(),
        any::<u64>(),
        text(),
        "\\PC{1,30}",
        proptest::collection::vec(text(), 0..5),
        any::<bool>(),
    )
        .prop_map(
            |(vals, eid, level, kw, computer, channel, strings, classic)| {
                let mut r = logon_4624(0);
                r.event_id = eid;
                r.level = level;
                r.keywords = kw;
                r.computer = Cow::Owned(computer);
                r.channel = Cow::Owned(channel);
                r.time = FileTime(u64::from(eid) * 1_000_000_007 + 116_444_736_000_000_000);
                let mut expected = Vec::new();
                if classic {
                    r.provider_guid = None;
                    r.provider_name = "NETLOGON".into();
                    r.qualifiers = Some(eid ^ 0x5a5a);
                    expected = strings.iter().map(|s| json!(s)).collect();
                    r.data = EventData::Positional {
                        strings: strings.into_iter().map(Cow::Owned).collect(),
                        binary: None,
                    };
                } else {
                    let mut items = Vec::new();
                    for (i, (v, j)) in vals.into_iter().enumerate() {
                        items.push((Cow::Owned(format!("F{i}")), v));
                        expected.push(j);
                    }
                    r.data = EventData::Named(items);
                }
                (r, expected)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_events_round_trip(events in proptest::collection::vec(event(), 1..40)) {
        let recs: Vec<EventRecord<'static>> = events.iter().map(|e| e.0.clone()).collect();
        let bytes = write_all(&recs);
        let js = read_json(&bytes);
        prop_assert_eq!(js.len(), recs.len());
        for (i, ((rec, expected), j)) in events.iter().zip(&js).enumerate() {
            let sys = &j["Event"]["System"];
            prop_assert_eq!(&sys["EventRecordID"], &json!(i + 1));
            // evtx renders an empty System element as JSON null.
            let text_or_null = |s: &str| if s.is_empty() { serde_json::Value::Null } else { json!(s) };
            prop_assert_eq!(&sys["Computer"], &text_or_null(&rec.computer));
            prop_assert_eq!(&sys["Channel"], &text_or_null(&rec.channel));
            prop_assert_eq!(&sys["Level"], &json!(rec.level));
            prop_assert_eq!(&sys["Keywords"], &json!(format!("0x{:x}", rec.keywords)));
            let ed = &j["Event"]["EventData"];
            match &rec.data {
                EventData::Named(items) => {
                    prop_assert_eq!(&sys["EventID"], &json!(rec.event_id));
                    for ((name, _), want) in items.iter().zip(expected) {
                        prop_assert_eq!(&ed[name.as_ref()], want, "{} in {}", name, ed);
                    }
                }
                EventData::Positional { .. } => {
                    prop_assert_eq!(&sys["EventID"]["#text"], &json!(rec.event_id));
                    match expected.len() {
                        0 => prop_assert!(ed.get("Data").is_none()),
                        1 => prop_assert_eq!(&ed["Data"]["#text"], &expected[0]),
                        _ => prop_assert_eq!(&ed["Data"]["#text"], &json!(expected)),
                    }
                }
            }
        }
    }
}
