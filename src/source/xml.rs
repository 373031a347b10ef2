//! XML event exports: a single `<Event>`, an `<Events>` list, or `<Event>` elements one after
//! another (wevtutil qe /f:xml, Get-WinEvent ... ToXml(), Event Viewer "Save as XML").
//! The EVTX reader renders records to XML and parses them here too, so both agree by design.

use super::{DataItem, InputError, Item, Place, RawRecord, RecordFilter};
use quick_xml::events::{BytesStart, Event as XmlEvent};
use quick_xml::Reader;
use std::io::BufRead;
use std::path::Path;

/// Where the parser is inside an `<Event>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Outside,
    Event,
    System,
    EventData,
    UserData,
    Other,
}

/// Parses `<Event>` elements from XML text and hands each to `on_event`.
/// A malformed event is reported with the byte offset where parsing failed; XML that is not
/// well-formed ends the document (the XML reader cannot resynchronise reliably).
pub fn parse_events<R: BufRead>(input: R, on_event: &mut dyn FnMut(Result<RawRecord, InputError>)) {
    let mut reader = Reader::from_reader(input);
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    let mut buf = Vec::new();
    let mut section = Section::Outside;
    let mut rec = RawRecord::default();
    // Element currently collecting text, with its depth inside its section.
    let mut field: Option<Field> = None;
    let mut text = String::new();
    let mut depth_in_section = 0usize;
    // UserData items are the grandchildren of <UserData>, named by element.
    let mut userdata_name: Option<String> = None;
    loop {
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(err) => {
                on_event(Err(InputError::new(
                    Place::Offset {
                        offset: reader.error_position(),
                    },
                    format!("malformed XML: {err}"),
                )));
                return;
            }
        };
        match ev {
            XmlEvent::Eof => {
                if section != Section::Outside {
                    on_event(Err(InputError::new(
                        Place::Offset {
                            offset: reader.buffer_position(),
                        },
                        "the file ends inside an <Event> element (truncated export?)",
                    )));
                }
                return;
            }
            XmlEvent::Start(e) => {
                let name = local(&e);
                match section {
                    Section::Outside => {
                        if name == "Event" {
                            section = Section::Event;
                            rec = RawRecord::default();
                        }
                    }
                    Section::Event => {
                        section = match name.as_str() {
                            "System" => Section::System,
                            "EventData" => Section::EventData,
                            "UserData" => Section::UserData,
                            _ => Section::Other,
                        };
                        depth_in_section = 0;
                    }
                    Section::System => {
                        depth_in_section += 1;
                        system_attributes(&e, &name, &mut rec);
                        field = Some(Field::System(name));
                        text.clear();
                    }
                    Section::EventData => {
                        depth_in_section += 1;
                        if depth_in_section == 1 {
                            field = Some(match name.as_str() {
                                "Binary" => Field::Binary,
                                _ => Field::Data(attr(&e, "Name")),
                            });
                            text.clear();
                        }
                    }
                    Section::UserData => {
                        depth_in_section += 1;
                        if depth_in_section == 2 {
                            userdata_name = Some(name);
                            text.clear();
                        }
                    }
                    Section::Other => depth_in_section += 1,
                }
            }
            XmlEvent::Empty(e) => {
                let name = local(&e);
                match section {
                    Section::Outside if name == "Event" => {
                        on_event(Err(InputError::new(
                            Place::Offset {
                                offset: reader.buffer_position(),
                            },
                            "empty <Event/> element",
                        )));
                    }
                    Section::System => {
                        system_attributes(&e, &name, &mut rec);
                        system_text(&name, "", &mut rec);
                    }
                    Section::EventData if depth_in_section == 0 && name != "Binary" => {
                        rec.data.push(DataItem {
                            name: attr(&e, "Name").map(Into::into),
                            value: String::new(),
                        });
                    }
                    Section::UserData if depth_in_section == 1 => {
                        rec.data.push(DataItem {
                            name: Some(name.into()),
                            value: String::new(),
                        });
                    }
                    _ => {}
                }
            }
            XmlEvent::Text(t) if (field.is_some() || userdata_name.is_some()) => {
                match t.unescape() {
                    Ok(s) => text.push_str(&s),
                    // Keep going with the raw text: one bad entity must not lose the event.
                    Err(_) => text.push_str(&String::from_utf8_lossy(&t)),
                }
            }
            XmlEvent::CData(t) if (field.is_some() || userdata_name.is_some()) => {
                text.push_str(&String::from_utf8_lossy(&t));
            }
            XmlEvent::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                match section {
                    Section::Outside => {}
                    Section::Event => {
                        if name == "Event" {
                            section = Section::Outside;
                            let mut done = std::mem::take(&mut rec);
                            split_string_arrays(&mut done);
                            on_event(Ok(done));
                        }
                    }
                    Section::System | Section::EventData | Section::UserData | Section::Other => {
                        if depth_in_section == 0 {
                            section = Section::Event;
                            continue;
                        }
                        if section == Section::UserData && depth_in_section == 2 {
                            if let Some(n) = userdata_name.take() {
                                rec.data.push(DataItem {
                                    name: Some(n.into()),
                                    value: std::mem::take(&mut text),
                                });
                            }
                        }
                        if depth_in_section == 1 {
                            match field.take() {
                                Some(Field::System(n)) => system_text(&n, text.trim(), &mut rec),
                                Some(Field::Data(n)) => rec.data.push(DataItem {
                                    name: n.map(Into::into),
                                    value: std::mem::take(&mut text),
                                }),
                                Some(Field::Binary) => rec.binary = Some(binary_hex(text.trim())),
                                None => {}
                            }
                            text.clear();
                        }
                        depth_in_section -= 1;
                    }
                }
            }
            _ => {}
        }
        buf.clear();
    }
}

enum Field {
    System(String),
    Data(Option<String>),
    Binary,
}

fn local(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name.as_bytes())
        .map(|a| {
            a.unescape_value()
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned())
        })
}

fn system_attributes(e: &BytesStart<'_>, name: &str, rec: &mut RawRecord) {
    match name {
        "Provider" => {
            // Classic providers show the source in EventSourceName; Name is what Windows keys on.
            if let Some(n) = attr(e, "Name").or_else(|| attr(e, "EventSourceName")) {
                rec.provider = n.into();
            }
            rec.provider_guid = attr(e, "Guid").map(|g| normalise_guid(&g).into());
        }
        "EventID" => rec.qualifiers = attr(e, "Qualifiers").and_then(|q| q.trim().parse().ok()),
        "TimeCreated" => rec.time = attr(e, "SystemTime").and_then(|t| parse_time(&t)),
        "Security" => rec.user_sid = attr(e, "UserID").filter(|s| !s.is_empty()).map(Into::into),
        _ => {}
    }
}

fn system_text(name: &str, value: &str, rec: &mut RawRecord) {
    match name {
        "EventID" => rec.event_id = value.parse().unwrap_or(0),
        "Version" => rec.version = value.parse().ok(),
        "EventRecordID" => rec.record_id = value.parse().unwrap_or(0),
        "Channel" => rec.channel = value.into(),
        "Computer" => rec.computer = value.into(),
        _ => {}
    }
}

/// Some renderers (python-evtx) write a classic event's string-array insert as one `<Data>`
/// holding `<string>a</string><string>b</string>`; Windows writes one `<Data>` per string.
fn split_string_arrays(rec: &mut RawRecord) {
    if rec.data.len() != 1 || rec.data[0].name.is_some() {
        return;
    }
    let v = rec.data[0].value.trim();
    if !v.starts_with("<string>") || !v.ends_with("</string>") {
        return;
    }
    let items: Vec<DataItem> = v
        .split("</string>")
        .filter_map(|part| {
            part.trim_start_matches(['\n', '\r'])
                .strip_prefix("<string>")
        })
        .map(|s| DataItem {
            name: None,
            value: s.to_string(),
        })
        .collect();
    if !items.is_empty() {
        rec.data = items;
    }
}

/// `<Binary>` as upper-case hex. Windows writes hex; python-evtx writes base64.
fn binary_hex(s: &str) -> String {
    if s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return s.to_ascii_uppercase();
    }
    match base64_decode(s) {
        Some(bytes) => bytes.iter().map(|b| format!("{b:02X}")).collect(),
        None => s.to_ascii_uppercase(),
    }
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let body = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in body.bytes() {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `{54849625-...}` and `54849625-...` in any case → upper-case, braced.
pub fn normalise_guid(g: &str) -> String {
    let core = g.trim().trim_start_matches('{').trim_end_matches('}');
    let mut out = String::with_capacity(core.len() + 2);
    out.push('{');
    out.push_str(core);
    out.push('}');
    out.make_ascii_uppercase();
    out
}

/// [`normalise_guid`] as a [`super::Text`]: the GUID of a provider nullsight reads (braced
/// once, in any case) is its shared constant, so that the EVTX decoder, which reads one per
/// record, allocates nothing for it.
pub fn normalise_guid_text(g: &str) -> super::Text {
    let b = g.as_bytes();
    let braced_once = b.len() >= 2
        && b[0] == b'{'
        && b[1] != b'{'
        && b[b.len() - 1] == b'}'
        && b[b.len() - 2] != b'}';
    let known = crate::knowledge::events::SYSTEM_NAMES
        .iter()
        .find(|n| braced_once && n.starts_with('{') && n.eq_ignore_ascii_case(g));
    match known {
        Some(k) => super::Text::const_new(k),
        None => super::Text::from(normalise_guid(g)),
    }
}

/// RFC 3339 timestamps as Windows and the renderers write them (up to 9 fractional digits).
pub fn parse_time(s: &str) -> Option<jiff::Timestamp> {
    let s = s.trim();
    // python-evtx and some exporters write `2020-09-15 19:28:17.594374+00:00`.
    let s = &match s.as_bytes().get(10) {
        Some(b' ') => format!("{}T{}", &s[..10], &s[11..]),
        _ => s.to_string(),
    };
    s.parse::<jiff::Timestamp>().ok().or_else(|| {
        // Some exports omit the zone: Windows times are UTC.
        format!("{s}Z").parse::<jiff::Timestamp>().ok()
    })
}

/// Read an XML export file.
pub fn read<T>(
    path: &Path,
    filter: &dyn RecordFilter,
    map: super::Map<T>,
    sink: &mut dyn FnMut(Item<T>),
) -> Result<u64, InputError> {
    let file = std::fs::File::open(path)
        .map_err(|e| InputError::new(Place::File, format!("cannot open: {e}")))?;
    let mut seen = 0u64;
    parse_events(
        std::io::BufReader::with_capacity(1 << 16, file),
        &mut |r| match r {
            Ok(mut rec) => {
                seen += 1;
                if filter.wants_event_id(rec.event_id) {
                    if let Some(t) = map(&mut rec) {
                        sink(Item::Record(t));
                    }
                }
            }
            Err(e) => sink(Item::Error(e)),
        },
    );
    Ok(seen)
}

/// Parse exactly one rendered event (the EVTX reader's path).
pub fn parse_one(xml: &str) -> Result<RawRecord, String> {
    let mut out = None;
    let mut err = None;
    parse_events(xml.as_bytes(), &mut |r| match r {
        Ok(rec) if out.is_none() => out = Some(rec),
        Ok(_) => {}
        Err(e) => err = Some(e.reason),
    });
    out.ok_or_else(|| err.unwrap_or_else(|| "no <Event> element".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_normalise_the_same_owned_or_not() {
        for g in [
            "{54849625-5478-4994-a5ba-3e3b0328c30d}",
            "54849625-5478-4994-a5ba-3e3b0328c30d",
            " {abc} ",
            "{{abc}}",
            "{a}b}",
            "{}",
            "{",
            "}",
            "",
            "{é}",
            "{54849625-5478-4994-a5ba-3e3b0328c30d}",
            "{54849625-5478-4994-A5BA-3E3B0328C30D}",
            "54849625-5478-4994-A5BA-3E3B0328C30D",
            "{{54849625-5478-4994-A5BA-3E3B0328C30D}}",
            " {54849625-5478-4994-A5BA-3E3B0328C30D}",
        ] {
            assert_eq!(normalise_guid_text(g), normalise_guid(g), "{g:?}");
        }
        assert_eq!(normalise_guid(" {ab-cd} "), "{AB-CD}");
    }

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/>
    <EventID>4624</EventID><Version>1</Version><Level>0</Level><Task>12544</Task>
    <TimeCreated SystemTime="2019-11-15T08:19:16.1025090Z"/>
    <EventRecordID>25049</EventRecordID>
    <Channel>Security</Channel><Computer>alice.insecurebank.local</Computer><Security/>
  </System>
  <EventData>
    <Data Name="TargetUserSid">S-1-5-7</Data>
    <Data Name="LogonProcessName">NtLmSsp </Data>
    <Data Name="WorkstationName"/>
    <Data Name="X">a &amp; b &lt;c&gt;</Data>
  </EventData>
</Event>
<Event><System><Provider Name="NETLOGON"/><EventID Qualifiers="16384">5805</EventID>
<TimeCreated SystemTime="2020-09-15T19:28:31.453647Z"/><EventRecordID>7</EventRecordID><Channel>System</Channel><Computer>dc</Computer></System>
<EventData><Data>WIN10</Data><Data>%%5</Data><Binary>220000c0</Binary></EventData></Event>
<Event><System><Provider Name="P"/><EventID>1</EventID><EventRecordID>8</EventRecordID></System>
<UserData><Thing xmlns="x"><A>1</A><B/></Thing></UserData></Event></Events>"#;

    #[test]
    fn parses_named_positional_and_userdata() {
        let mut out = vec![];
        parse_events(SAMPLE.as_bytes(), &mut |r| out.push(r.unwrap()));
        assert_eq!(out.len(), 3);
        let a = &out[0];
        assert_eq!(a.event_id, 4624);
        assert_eq!(a.record_id, 25049);
        assert_eq!(a.version, Some(1));
        assert_eq!(
            a.provider_guid.as_deref(),
            Some("{54849625-5478-4994-A5BA-3E3B0328C30D}")
        );
        assert_eq!(
            a.get("LogonProcessName"),
            Some("NtLmSsp "),
            "padding is kept at this layer"
        );
        assert_eq!(a.get("WorkstationName"), Some(""));
        assert_eq!(a.get("X"), Some("a & b <c>"));
        assert_eq!(a.time.unwrap().to_string(), "2019-11-15T08:19:16.102509Z");
        let b = &out[1];
        assert_eq!((b.event_id, b.qualifiers), (5805, Some(16384)));
        assert_eq!(b.positional(1), Some("%%5"));
        assert_eq!(b.binary.as_deref(), Some("220000C0"));
        let c = &out[2];
        assert_eq!(c.get("A"), Some("1"));
        assert_eq!(c.get("B"), Some(""));
    }

    #[test]
    fn python_evtx_renderings() {
        let xml = "<Event><System><Provider Name=\"MSSQLSERVER\"/><EventID Qualifiers=\"\">18456</EventID></System><EventData><Data>&lt;string&gt;sa&lt;/string&gt;\n&lt;string&gt; Reason: x&lt;/string&gt;\n</Data><Binary>GEgAAA4AAAA=</Binary></EventData></Event>";
        let r = parse_one(xml).unwrap();
        assert_eq!(r.positional(0), Some("sa"));
        assert_eq!(r.positional(1), Some(" Reason: x"));
        assert_eq!(r.binary.as_deref(), Some("184800000E000000"));
        assert_eq!(r.qualifiers, None);
    }

    #[test]
    fn truncated_and_malformed_are_reported() {
        // Cut inside the second event: the first is kept, the cut is reported.
        let cut = &SAMPLE[..SAMPLE
            .find("<Event><System><Provider Name=\"NETLOGON")
            .unwrap()
            + 60];
        let mut oks = 0;
        let mut errs = vec![];
        parse_events(cut.as_bytes(), &mut |r| match r {
            Ok(_) => oks += 1,
            Err(e) => errs.push(e),
        });
        assert_eq!(oks, 1);
        assert_eq!(errs.len(), 1);
        let mut errs = vec![];
        parse_events("<Event><System></Sys></Event>".as_bytes(), &mut |r| {
            if let Err(e) = r {
                errs.push(e)
            }
        });
        assert!(errs[0].reason.contains("malformed XML"), "{errs:?}");
    }
}
