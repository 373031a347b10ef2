//! Round trips through the `evtx` crate (0.15.1): every value written reads back identical, in
//! XML and JSON, with zero errors and checksums validated.

mod common;

use std::borrow::Cow;

use common::*;
use evtx::binxml::value_variant::BinXmlValue;
use evtx::EvtxParser;
use evtx_writer::{EventData, EventRecord, EvtxWriter, FileTime, Guid, Value, WriterOptions};
use serde_json::{json, Value as J};

/// How `evtx` renders a value in JSON.
fn expected_json(v: &Value<'_>) -> J {
    match v {
        // An empty element renders as "" in evtx's JSON.
        Value::Null => json!(""),
        Value::String(s) => json!(s),
        Value::I8(n) => json!(n),
        Value::U8(n) => json!(n),
        Value::I16(n) => json!(n),
        Value::U16(n) => json!(n),
        Value::I32(n) => json!(n),
        Value::U32(n) => json!(n),
        Value::I64(n) => json!(n),
        Value::U64(n) => json!(n),
        Value::Bool(b) => json!(b),
        Value::Binary(b) => json!(b.iter().map(|x| format!("{x:02X}")).collect::<String>()),
        Value::Guid(g) => json!(g.to_string().to_lowercase()),
        Value::SizeT(n) | Value::HexInt64(n) => json!(format!("0x{n:x}")),
        Value::HexInt32(n) => json!(format!("0x{n:x}")),
        Value::FileTime(t) => json!(iso(*t)),
        Value::Sid(s) => json!(s.to_string()),
    }
}

/// ISO 8601 with 7 fractional digits, as evtx 0.15 renders FILETIMEs.
fn iso(t: FileTime) -> String {
    let (secs, nanos) = t.to_unix();
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // civil-from-days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:07}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        nanos / 100
    )
}

/// Checks every System and EventData value of `rec` against evtx's JSON rendering.
fn assert_json_matches(rec: &EventRecord<'_>, id: u64, j: &J) {
    let sys = &j["Event"]["System"];
    let classic = rec.provider_guid.is_none();
    assert_eq!(
        sys["Provider"]["#attributes"]["Name"],
        json!(rec.provider_name),
        "{j}"
    );
    match rec.provider_guid {
        Some(g) => assert_eq!(
            sys["Provider"]["#attributes"]["Guid"],
            json!(g.to_string().to_lowercase())
        ),
        None => assert!(sys["Provider"]["#attributes"].get("Guid").is_none()),
    }
    match rec.qualifiers {
        Some(q) => {
            assert_eq!(sys["EventID"]["#text"], json!(rec.event_id));
            assert_eq!(sys["EventID"]["#attributes"]["Qualifiers"], json!(q));
        }
        None => assert_eq!(sys["EventID"], json!(rec.event_id)),
    }
    assert_eq!(sys["Level"], json!(rec.level));
    assert_eq!(sys["Task"], json!(rec.task));
    assert_eq!(sys["Keywords"], json!(format!("0x{:x}", rec.keywords)));
    assert_eq!(
        sys["TimeCreated"]["#attributes"]["SystemTime"],
        json!(iso(rec.time))
    );
    assert_eq!(sys["EventRecordID"], json!(id));
    assert_eq!(sys["Channel"], json!(rec.channel));
    assert_eq!(sys["Computer"], json!(rec.computer));
    match rec.user_id {
        Some(s) => assert_eq!(
            sys["Security"]["#attributes"]["UserID"],
            json!(s.to_string())
        ),
        None => assert_eq!(sys["Security"], J::Null),
    }
    if classic {
        // Windows' classic System template has none of these.
        for k in ["Version", "Opcode", "Correlation", "Execution"] {
            assert!(sys.get(k).is_none(), "{k} in classic event: {j}");
        }
    } else {
        assert_eq!(sys["Version"], json!(rec.version));
        assert_eq!(sys["Opcode"], json!(rec.opcode));
        assert_eq!(
            sys["Execution"]["#attributes"]["ProcessID"],
            json!(rec.process_id)
        );
        assert_eq!(
            sys["Execution"]["#attributes"]["ThreadID"],
            json!(rec.thread_id)
        );
        let corr = &sys["Correlation"];
        for (k, v) in [
            ("ActivityID", rec.activity_id),
            ("RelatedActivityID", rec.related_activity_id),
        ] {
            match v {
                Some(g) => assert_eq!(corr["#attributes"][k], json!(g.to_string().to_lowercase())),
                None => assert!(corr.get("#attributes").and_then(|a| a.get(k)).is_none()),
            }
        }
    }
    let ed = &j["Event"]["EventData"];
    match &rec.data {
        EventData::Named(items) => {
            let obj = ed.as_object().map(|o| o.len()).unwrap_or(0);
            assert_eq!(obj, items.len(), "{ed}");
            for (name, v) in items {
                assert_eq!(ed[name.as_ref()], expected_json(v), "field {name}");
            }
        }
        EventData::Positional { strings, binary } => {
            match strings.len() {
                0 => assert!(ed.get("Data").is_none(), "{ed}"),
                1 => assert_eq!(ed["Data"]["#text"], json!(strings[0]), "{ed}"),
                _ => assert_eq!(ed["Data"]["#text"], json!(strings), "{ed}"),
            }
            match binary {
                Some(b) => assert_eq!(ed["Binary"], expected_json(&Value::Binary(b.clone()))),
                None => assert!(ed.get("Binary").is_none(), "{ed}"),
            }
        }
    }
}

/// A 4624 with every System field set, including the optional ones.
fn full_4624() -> EventRecord<'static> {
    let mut r = logon_4624(7);
    r.user_id = Some(sid("S-1-5-18"));
    r.activity_id = Some("{6C67E3EE-58ED-0002-0DE4-676CED58D801}".parse().unwrap());
    r.related_activity_id = Some("{00000000-1111-2222-3333-444455556666}".parse().unwrap());
    r.opcode = 1;
    r.level = 4;
    r.qualifiers = Some(7);
    r
}

/// Values of every type, including the edge ones.
fn all_types() -> EventRecord<'static> {
    let mut r = logon_4624(1);
    r.event_id = 9999;
    r.data = EventData::Named(vec![
        ("Null".into(), Value::Null),
        ("Empty".into(), "".into()),
        ("Unicode".into(), "Grüße, 世界 🎉 <&>\"'".into()),
        ("I8".into(), Value::I8(-5)),
        ("U8".into(), Value::U8(255)),
        ("I16".into(), Value::I16(-300)),
        ("U16".into(), Value::U16(65535)),
        ("I32".into(), Value::I32(i32::MIN)),
        ("U32".into(), Value::U32(u32::MAX)),
        ("I64".into(), Value::I64(i64::MIN)),
        ("U64".into(), Value::U64(u64::MAX)),
        ("BoolT".into(), Value::Bool(true)),
        ("BoolF".into(), Value::Bool(false)),
        (
            "Bin".into(),
            Value::Binary(Cow::Borrowed(&[0, 1, 0xab, 0xff])),
        ),
        (
            "Guid".into(),
            Value::Guid("{AC43300D-5FCC-4800-8E99-1BD3F85F0320}".parse().unwrap()),
        ),
        ("SizeT".into(), Value::SizeT(0x44c)),
        (
            "Time".into(),
            Value::FileTime(FileTime::from_unix(1_234_567_890, 987_654_300)),
        ),
        (
            "Sid".into(),
            Value::Sid(sid("S-1-5-21-1004336348-1177238915-682003330-512")),
        ),
        ("Hex32".into(), Value::HexInt32(0xc000006d)),
        ("Hex64".into(), Value::HexInt64(0x3e7)),
    ]);
    r
}

#[test]
fn every_value_reads_back_json() {
    let recs = vec![
        full_4624(),
        all_types(),
        netlogon_5805(3),
        mssql_18456(4),
        logon_4624(5),
    ];
    let bytes = write_all(&recs);
    let js = read_json(&bytes);
    assert_eq!(js.len(), recs.len());
    for (i, (rec, j)) in recs.iter().zip(&js).enumerate() {
        assert_json_matches(rec, i as u64 + 1, j);
    }
}

#[test]
fn xml_rendering_is_exact() {
    let bytes = write_all(&[full_4624(), mssql_18456(2)]);
    let xml = read_xml(&bytes);
    let x = &xml[0].1;
    for frag in [
        r#"<Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/>"#,
        r#"<EventID Qualifiers="7">4624</EventID><Version>2</Version><Level>4</Level><Task>12544</Task><Opcode>1</Opcode><Keywords>0x8020000000000000</Keywords>"#,
        r#"<TimeCreated SystemTime="2023-11-14T22:13:27.0012345Z"/><EventRecordID>1</EventRecordID>"#,
        r#"<Correlation ActivityID="{6c67e3ee-58ed-0002-0de4-676ced58d801}" RelatedActivityID="{00000000-1111-2222-3333-444455556666}"/>"#,
        r#"<Execution ProcessID="680" ThreadID="768"/><Channel>Security</Channel><Computer>DC01.corp.example</Computer><Security UserID="S-1-5-18"/></System>"#,
        r#"<EventData><Data Name="SubjectUserSid">S-1-0-0</Data>"#,
        r#"<Data Name="TargetUserSid">S-1-5-7</Data><Data Name="TargetUserName">ANONYMOUS LOGON</Data>"#,
        r#"<Data Name="TargetLogonId">0x8a38e5</Data><Data Name="LogonType">3</Data><Data Name="LogonProcessName">NtLmSsp </Data>"#,
        r#"<Data Name="LogonGuid">{00000000-0000-0000-0000-000000000000}</Data>"#,
        r#"<Data Name="LmPackageName">NTLM V1</Data><Data Name="KeyLength">128</Data><Data Name="ProcessId">0x0</Data>"#,
        r#"<Data Name="ElevatedToken">%%1843</Data></EventData></Event>"#,
    ] {
        assert!(x.contains(frag), "missing {frag}\nin {x}");
    }
    assert_eq!(
        xml[1].1.split_once("?>").unwrap().1.trim(),
        concat!(
            r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="MSSQLSERVER"/>"#,
            r#"<EventID Qualifiers="49152">18456</EventID><Level>0</Level><Task>4</Task><Keywords>0x90000000000000</Keywords>"#,
            r#"<TimeCreated SystemTime="2020-09-13T12:26:42.0000000Z"/><EventRecordID>2</EventRecordID><Channel>Application</Channel>"#,
            r#"<Computer>SQL01</Computer><Security/></System><EventData><Data>sa</Data>"#,
            r#"<Data> Reason: Password did not match that for the login provided.</Data><Data> [CLIENT: 10.0.0.2]</Data>"#,
            r#"<Binary>184800000E0000000C000000</Binary></EventData></Event>"#
        )
    );
}

#[test]
fn xml_escapes_and_unicode() {
    let bytes = write_all(&[all_types()]);
    let x = &read_xml(&bytes)[0].1;
    assert!(
        x.contains(r#"<Data Name="Unicode">Grüße, 世界 🎉 &lt;&amp;&gt;"'</Data>"#),
        "{x}"
    );
    assert!(
        x.contains(r#"<Data Name="Null"></Data><Data Name="Empty"></Data>"#),
        "{x}"
    );
    assert!(
        x.contains(r#"<Data Name="Hex32">0xc000006d</Data><Data Name="Hex64">0x3e7</Data>"#),
        "{x}"
    );
    assert!(
        x.contains(r#"<Data Name="Time">2009-02-13T23:31:30.9876543Z</Data>"#),
        "{x}"
    );
}

#[test]
fn classic_events_edge_cases() {
    let mut none = netlogon_5805(1);
    none.data = EventData::Positional {
        strings: vec![],
        binary: None,
    };
    none.qualifiers = None;
    let mut one = mssql_18456(1);
    one.data = EventData::Positional {
        strings: vec!["only".into()],
        binary: None,
    };
    one.user_id = Some(sid("S-1-5-21-1-2-3-1103"));
    let mut empty_strings = netlogon_5805(2);
    empty_strings.data = EventData::Positional {
        strings: vec!["".into(), "x".into(), "".into()],
        binary: Some(Cow::Borrowed(&[])),
    };
    let recs = [none, one, netlogon_5805(3)];
    let bytes = write_all(&recs);
    for (i, (r, j)) in recs.iter().zip(read_json(&bytes)).enumerate() {
        assert_json_matches(r, i as u64 + 1, &j);
    }
    // Empty insertion strings survive as empty <Data> elements.
    let bytes = write_all(&[empty_strings]);
    let x = &read_xml(&bytes)[0].1;
    assert!(
        x.contains("<EventData><Data></Data><Data>x</Data><Data></Data>"),
        "{x}"
    );
}

#[test]
fn event_id_is_substitution_3_and_slots_follow_windows() {
    let recs = vec![full_4624(), netlogon_5805(2), mssql_18456(3), logon_4624(4)];
    let bytes = write_all(&recs);
    let mut p = EvtxParser::from_buffer(bytes)
        .unwrap()
        .with_configuration(settings());
    let got: Vec<(u16, usize, String, String)> = p
        .serialized_records(|r| {
            let r = r?;
            let t = r.template_instances()?;
            let v = &t[0].values;
            let eid = match v[3] {
                BinXmlValue::UInt16Type(n) => n,
                ref o => panic!("slot 3 is {o:?}"),
            };
            Ok((eid, v.len(), format!("{:?}", v[4]), format!("{:?}", v[12])))
        })
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        (got[0].0, got[0].1, got[0].2.as_str()),
        (4624, 18, "UInt16Type(7)")
    );
    assert!(got[0].3.starts_with("SidType"));
    assert_eq!(got[1].0, 5805);
    assert_eq!(got[1].1, 20);
    assert_eq!(
        got[2],
        (18456, 20, "UInt16Type(49152)".into(), "NullType".into())
    );
    assert_eq!(got[3], (4624, 18, "NullType".into(), "NullType".into()));

    // Slot types of a manifest event, in order.
    let bytes = write_all(&[full_4624()]);
    let mut p = EvtxParser::from_buffer(bytes)
        .unwrap()
        .with_configuration(settings());
    let kinds: Vec<String> = p
        .serialized_records(|r| {
            let r = r?;
            let t = r.template_instances()?;
            Ok(t[0]
                .values
                .iter()
                .map(|v| format!("{v:?}").split('(').next().unwrap().to_string())
                .collect::<Vec<_>>())
        })
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(
        kinds,
        [
            "UInt8Type",
            "UInt8Type",
            "UInt16Type",
            "UInt16Type",
            "UInt16Type",
            "HexInt64Type",
            "FileTimeType",
            "GuidType",
            "UInt32Type",
            "UInt32Type",
            "UInt64Type",
            "UInt8Type",
            "SidType",
            "GuidType",
            "StringType",
            "GuidType",
            "StringType",
            "BinXmlType"
        ]
    );
}

#[test]
fn checksums_validate_and_header_is_final() {
    let recs: Vec<_> = (0..3000).map(logon_4624).collect();
    let bytes = write_all(&recs);
    assert_eq!(bytes.len() % 65536, 4096);
    let chunks = (bytes.len() - 4096) / 65536;
    assert!(chunks > 10, "{chunks} chunks");
    let mut p = EvtxParser::from_buffer(bytes.clone())
        .unwrap()
        .with_configuration(settings());
    let h = p.header();
    assert!(h.validate_checksum());
    assert_eq!(h.chunk_count as usize, chunks);
    assert_eq!(h.next_record_id, 3001);
    assert_eq!(h.last_chunk_number as usize, chunks - 1);
    assert_eq!(
        (
            h.major_version,
            h.minor_version,
            h.header_size,
            h.header_block_size
        ),
        (3, 1, 128, 4096)
    );
    assert!(h.flags.is_empty());
    let mut next = 1;
    for c in p.chunks() {
        let c = c.unwrap();
        assert!(c.validate_checksum());
        assert_eq!(c.header.first_event_record_id, next);
        assert!(c.header.last_event_record_id >= next);
        next = c.header.last_event_record_id + 1;
        // The chunk is full: the next record would not have fitted.
        assert!(c.header.free_space_offset as usize <= 65536);
    }
    assert_eq!(next, 3001);
    // With checksum validation on, every record comes out, in order.
    let ids: Vec<u64> = read_xml(&bytes).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, (1..=3000).collect::<Vec<_>>());

    // A corrupted byte makes the chunk's CRC fail (the check is real).
    let mut bad = bytes.clone();
    bad[4096 + 1000] ^= 0x55;
    let mut p = EvtxParser::from_buffer(bad)
        .unwrap()
        .with_configuration(settings());
    assert!(!p
        .chunks()
        .next()
        .unwrap()
        .map(|c| c.validate_checksum())
        .unwrap_or(false));
}

#[test]
fn many_4624_across_chunks_and_mixed_templates() {
    // Mixed providers and computers, so that templates are defined and re-defined per chunk.
    let mut recs = Vec::new();
    for i in 0..4000u64 {
        let mut r = match i % 5 {
            0..=2 => logon_4624(i),
            3 => netlogon_5805(i),
            _ => mssql_18456(i),
        };
        if i % 7 == 0 {
            r.computer = format!("HOST{}", i % 3).into();
        }
        if i % 11 == 0 {
            r.version = 3;
            if let EventData::Named(items) = &mut r.data {
                items.push(("RemoteCredentialGuard".into(), "-".into()));
            }
        }
        recs.push(r);
    }
    let bytes = write_all(&recs);
    let js = read_json(&bytes);
    assert_eq!(js.len(), recs.len());
    for (i, (r, j)) in recs.iter().zip(&js).enumerate() {
        assert_json_matches(r, i as u64 + 1, j);
    }
}

#[test]
fn options_and_returned_ids() {
    let mut w = EvtxWriter::with_options(
        std::io::Cursor::new(Vec::new()),
        WriterOptions {
            first_record_id: 13026,
            minor_version: 2,
        },
    )
    .unwrap();
    assert_eq!(w.write(&mssql_18456(0)).unwrap(), 13026);
    assert_eq!(w.write(&netlogon_5805(0)).unwrap(), 13027);
    assert_eq!(w.next_record_id(), 13028);
    let bytes = w.finish().unwrap().into_inner();
    let p = EvtxParser::from_buffer(bytes.clone()).unwrap();
    assert_eq!(p.header().minor_version, 2);
    assert_eq!(p.header().next_record_id, 13028);
    let ids: Vec<u64> = read_xml(&bytes).into_iter().map(|r| r.0).collect();
    assert_eq!(ids, [13026, 13027]);
}

#[test]
fn empty_file_and_too_large_record() {
    let bytes = write_all(&[]);
    assert_eq!(bytes.len(), 4096);
    let p = EvtxParser::from_buffer(bytes.clone()).unwrap();
    assert!(p.header().validate_checksum());
    assert_eq!(p.header().chunk_count, 0);
    assert!(read_xml(&bytes).is_empty());

    let mut w = EvtxWriter::new(std::io::Cursor::new(Vec::new())).unwrap();
    w.write(&logon_4624(0)).unwrap();
    let mut big = logon_4624(1);
    big.data = EventData::Named(vec![(
        "Big".into(),
        Value::String("x".repeat(32_000).into()),
    )]);
    assert!(matches!(
        w.write(&big),
        Err(evtx_writer::Error::RecordTooLarge { event_id: 4624 })
    ));
    let mut huge = logon_4624(1);
    huge.data = EventData::Named(vec![(
        "Huge".into(),
        Value::String("x".repeat(40_000).into()),
    )]);
    assert!(matches!(
        w.write(&huge),
        Err(evtx_writer::Error::ValueTooLarge(_))
    ));
    // The failed records used no ID and left the chunk intact.
    assert_eq!(w.write(&logon_4624(2)).unwrap(), 2);
    // A value just under the limit still fits in a chunk of its own.
    let mut fits = logon_4624(3);
    fits.data = EventData::Named(vec![(
        "Big".into(),
        Value::String("y".repeat(31_000).into()),
    )]);
    assert_eq!(w.write(&fits).unwrap(), 3);
    let bytes = w.finish().unwrap().into_inner();
    let xml = read_xml(&bytes);
    assert_eq!(xml.len(), 3);
    assert!(xml[2].1.contains(&"y".repeat(31_000)));
}

#[test]
fn same_guid_for_same_template_in_every_chunk() {
    let recs: Vec<_> = (0..200).map(logon_4624).collect();
    let bytes = write_all(&recs);
    let mut p = EvtxParser::from_buffer(bytes)
        .unwrap()
        .with_configuration(settings());
    let ids: std::collections::BTreeSet<(u32, u32)> = p
        .serialized_records(|r| {
            let r = r?;
            let t = r.template_instances()?;
            Ok((t[0].template_id, t[0].template_def_offset))
        })
        .map(|r| r.unwrap())
        .collect();
    // One System template, defined once per chunk right after the first record's header.
    let tids: std::collections::BTreeSet<u32> = ids.iter().map(|x| x.0).collect();
    assert_eq!(tids.len(), 1);
    assert!(ids.iter().all(|x| x.1 == 550), "{ids:?}");
    let _ = Guid::default();
}
