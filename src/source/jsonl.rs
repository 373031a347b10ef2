//! JSON event exports: one object per line (or a JSON array), in either of two shapes:
//! - `evtx_dump -o jsonl` (the `evtx` crate's JSON: `{"Event":{"System":{...},"EventData":{...}}}`),
//!   with attributes under `#attributes` or, with `--separate-json-attributes`, in `X_attributes`;
//! - Winlogbeat / Elastic Common Schema documents (`winlog.*`, `event.code`, `@timestamp`).

use super::xml::{normalise_guid, parse_time};
use super::{DataItem, InputError, Item, Place, RawRecord, RecordFilter};
use serde_json::{Map, Value};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Longest line accepted; a longer one is reported and skipped rather than buffered whole.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Read a JSON Lines (or JSON array) file.
pub fn read<T>(
    path: &Path,
    filter: &dyn RecordFilter,
    map: super::Map<T>,
    sink: &mut dyn FnMut(Item<T>),
) -> Result<u64, InputError> {
    let file = std::fs::File::open(path)
        .map_err(|e| InputError::new(Place::File, format!("cannot open: {e}")))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut seen = 0u64;
    let mut handle =
        |value: Value, line: u64, sink: &mut dyn FnMut(Item<T>)| match record_from_json(&value) {
            Ok(mut rec) => {
                seen += 1;
                if filter.wants_event_id(rec.event_id) {
                    if let Some(t) = map(&mut rec) {
                        sink(Item::Record(t));
                    }
                }
            }
            Err(reason) => sink(Item::Error(InputError::new(Place::Line { line }, reason))),
        };
    // A JSON array is one document: read it whole (these exports are small by nature).
    if first_non_space(reader.fill_buf().map_err(io_err)?) == Some(b'[') {
        let mut text = Vec::new();
        reader.read_to_end(&mut text).map_err(io_err)?;
        match serde_json::from_slice::<Vec<Value>>(&text) {
            Ok(values) => values.into_iter().for_each(|v| handle(v, 1, sink)),
            Err(e) => sink(Item::Error(InputError::new(
                Place::Line {
                    line: e.line() as u64,
                },
                format!("invalid JSON array: {e}"),
            ))),
        }
        return Ok(seen);
    }
    let mut line_no = 0u64;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        line_no += 1;
        let n = read_line_bounded(&mut reader, &mut buf).map_err(io_err)?;
        match n {
            LineRead::Eof => break,
            LineRead::TooLong => {
                sink(Item::Error(InputError::new(
                    Place::Line { line: line_no },
                    format!("line longer than {MAX_LINE_BYTES} bytes, skipped"),
                )));
                continue;
            }
            LineRead::Line => {}
        }
        let text = buf.trim_ascii();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Value>(text) {
            Ok(v) => handle(v, line_no, sink),
            Err(e) => sink(Item::Error(InputError::new(
                Place::Line { line: line_no },
                format!("invalid JSON: {e}"),
            ))),
        }
    }
    Ok(seen)
}

fn io_err(e: std::io::Error) -> InputError {
    InputError::new(Place::File, format!("read error: {e}"))
}

fn first_non_space(b: &[u8]) -> Option<u8> {
    let b = b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b);
    b.iter().copied().find(|c| !c.is_ascii_whitespace())
}

enum LineRead {
    Line,
    TooLong,
    Eof,
}

fn read_line_bounded<R: BufRead>(r: &mut R, out: &mut Vec<u8>) -> std::io::Result<LineRead> {
    let mut too_long = false;
    let mut any = false;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(if !any {
                LineRead::Eof
            } else if too_long {
                LineRead::TooLong
            } else {
                LineRead::Line
            });
        }
        any = true;
        let (chunk, done) = match memchr_newline(avail) {
            Some(i) => (&avail[..i], Some(i + 1)),
            None => (avail, None),
        };
        if !too_long {
            if out.len() + chunk.len() > MAX_LINE_BYTES {
                too_long = true;
                out.clear();
            } else {
                out.extend_from_slice(chunk);
            }
        }
        let consumed = done.unwrap_or(avail.len());
        r.consume(consumed);
        if done.is_some() {
            return Ok(if too_long {
                LineRead::TooLong
            } else {
                LineRead::Line
            });
        }
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}

/// Turn one JSON event document (either shape) into a raw record.
pub fn record_from_json(v: &Value) -> Result<RawRecord, String> {
    let obj = v.as_object().ok_or("not a JSON object")?;
    if let Some(event) = obj.get("Event").and_then(Value::as_object) {
        return from_evtx_json(event);
    }
    if let Some(winlog) = obj.get("winlog").and_then(Value::as_object) {
        return Ok(from_winlogbeat(obj, winlog));
    }
    // Flattened Winlogbeat (`"winlog.event_id": ...`) is not supported: say so precisely.
    Err("neither an evtx_dump event ({\"Event\": ...}) nor a Winlogbeat/ECS document ({\"winlog\": ...})".into())
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// `X` may be a scalar, `{"#text": scalar, "#attributes": {...}}`, or paired with `X_attributes`.
fn scalar<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    match obj.get(key)? {
        Value::Object(o) => o.get("#text"),
        v => Some(v),
    }
}

fn attribute<'a>(obj: &'a Map<String, Value>, key: &str, attr: &str) -> Option<&'a Value> {
    if let Some(a) = obj
        .get(key)
        .and_then(Value::as_object)
        .and_then(|o| o.get("#attributes"))
        .and_then(Value::as_object)
    {
        return a.get(attr);
    }
    obj.get(&format!("{key}_attributes"))
        .and_then(Value::as_object)
        .and_then(|a| a.get(attr))
}

fn number(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn from_evtx_json(event: &Map<String, Value>) -> Result<RawRecord, String> {
    let sys = event
        .get("System")
        .and_then(Value::as_object)
        .ok_or("event without System")?;
    let mut rec = RawRecord {
        event_id: number(scalar(sys, "EventID")).ok_or("System has no numeric EventID")? as u32,
        qualifiers: number(attribute(sys, "EventID", "Qualifiers")).map(|q| q as u32),
        version: number(scalar(sys, "Version")).map(|v| v as u32),
        record_id: number(scalar(sys, "EventRecordID")).unwrap_or(0),
        time: attribute(sys, "TimeCreated", "SystemTime")
            .and_then(Value::as_str)
            .and_then(parse_time),
        provider: attribute(sys, "Provider", "Name")
            .or_else(|| attribute(sys, "Provider", "EventSourceName"))
            .map(text)
            .unwrap_or_default()
            .into(),
        provider_guid: attribute(sys, "Provider", "Guid")
            .and_then(Value::as_str)
            .map(|g| normalise_guid(g).into()),
        channel: scalar(sys, "Channel").map(text).unwrap_or_default().into(),
        computer: scalar(sys, "Computer").map(text).unwrap_or_default().into(),
        user_sid: attribute(sys, "Security", "UserID")
            .map(text)
            .filter(|s| !s.is_empty())
            .map(Into::into),
        ..Default::default()
    };
    if let Some(data) = event.get("EventData") {
        event_data(data, &mut rec);
    } else if let Some(Value::Object(user)) = event.get("UserData") {
        // UserData holds one wrapper element whose children are the fields.
        for (_, inner) in user.iter().filter(|(k, _)| !k.starts_with('#')) {
            if let Value::Object(fields) = inner {
                for (k, v) in fields
                    .iter()
                    .filter(|(k, _)| !k.starts_with('#') && !k.ends_with("_attributes"))
                {
                    rec.data.push(DataItem {
                        name: Some(k.as_str().into()),
                        value: text(v),
                    });
                }
            }
        }
    }
    Ok(rec)
}

fn event_data(data: &Value, rec: &mut RawRecord) {
    let Value::Object(map) = data else { return };
    for (k, v) in map {
        if k.starts_with('#') || k.ends_with("_attributes") {
            continue;
        }
        if k == "Binary" {
            rec.binary = Some(text(v).to_ascii_uppercase());
            continue;
        }
        // Unnamed <Data> items render as "Data": {"#text": [..]} (or a bare string/array).
        if k == "Data" {
            let inner = match v {
                Value::Object(o) => o.get("#text").unwrap_or(&Value::Null),
                other => other,
            };
            match inner {
                Value::Array(items) => items.iter().for_each(|i| {
                    rec.data.push(DataItem {
                        name: None,
                        value: text(i),
                    })
                }),
                Value::Null => {}
                other => rec.data.push(DataItem {
                    name: None,
                    value: text(other),
                }),
            }
            continue;
        }
        match v {
            // Consecutive same-name <Data> items become an array.
            Value::Array(items) => items.iter().for_each(|i| {
                rec.data.push(DataItem {
                    name: Some(k.as_str().into()),
                    value: text(i),
                })
            }),
            other => rec.data.push(DataItem {
                name: Some(k.as_str().into()),
                value: text(other),
            }),
        }
    }
}

fn from_winlogbeat(doc: &Map<String, Value>, w: &Map<String, Value>) -> RawRecord {
    let event = doc.get("event").and_then(Value::as_object);
    let mut rec = RawRecord {
        event_id: number(w.get("event_id"))
            .or_else(|| number(event.and_then(|e| e.get("code"))))
            .unwrap_or(0) as u32,
        record_id: number(w.get("record_id")).unwrap_or(0),
        version: number(w.get("version")).map(|v| v as u32),
        time: doc
            .get("@timestamp")
            .or_else(|| w.get("time_created"))
            .and_then(Value::as_str)
            .and_then(parse_time),
        provider: w
            .get("provider_name")
            .or_else(|| event.and_then(|e| e.get("provider")))
            .map(text)
            .unwrap_or_default()
            .into(),
        provider_guid: w
            .get("provider_guid")
            .and_then(Value::as_str)
            .map(|g| normalise_guid(g).into()),
        channel: w.get("channel").map(text).unwrap_or_default().into(),
        computer: w.get("computer_name").map(text).unwrap_or_default().into(),
        user_sid: w
            .get("user")
            .and_then(Value::as_object)
            .and_then(|u| u.get("identifier"))
            .map(|u| text(u).into()),
        ..Default::default()
    };
    let data = w.get("event_data").or_else(|| w.get("user_data"));
    if let Some(Value::Object(map)) = data {
        for (k, v) in map {
            if k == "Binary" {
                rec.binary = Some(text(v).to_ascii_uppercase());
            } else if let Value::Array(items) = v {
                items.iter().for_each(|i| {
                    rec.data.push(DataItem {
                        name: Some(k.as_str().into()),
                        value: text(i),
                    })
                });
            } else {
                rec.data.push(DataItem {
                    name: Some(k.as_str().into()),
                    value: text(v),
                });
            }
        }
        // Winlogbeat names unnamed classic <Data> items param1, param2...: keep their order.
        if rec
            .data
            .iter()
            .all(|d| d.name.as_deref().is_some_and(|n| n.starts_with("param")))
        {
            rec.data.sort_by_key(|d| {
                d.name
                    .as_deref()
                    .and_then(|n| n[5..].parse::<u32>().ok())
                    .unwrap_or(u32::MAX)
            });
            rec.data.iter_mut().for_each(|d| d.name = None);
        }
    }
    rec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evtx_dump_shape() {
        let v: Value = serde_json::from_str(r##"{"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"NETLOGON"}},"EventID":{"#attributes":{"Qualifiers":16384},"#text":5805},"Version":null,"TimeCreated":{"#attributes":{"SystemTime":"2020-09-15T19:28:31.4536470Z"}},"EventRecordID":7,"Channel":"System","Computer":"dc"},"EventData":{"Data":{"#text":["WIN10","%%5"]},"Binary":"220000C0"}}}"##).unwrap();
        let r = record_from_json(&v).unwrap();
        assert_eq!(
            (r.event_id, r.qualifiers, r.record_id),
            (5805, Some(16384), 7)
        );
        assert_eq!(r.positional(0), Some("WIN10"));
        assert_eq!(r.binary.as_deref(), Some("220000C0"));
        assert_eq!(r.time.unwrap().to_string(), "2020-09-15T19:28:31.453647Z");
    }

    #[test]
    fn separate_attributes_and_arrays() {
        let v: Value = serde_json::from_str(r##"{"Event":{"System":{"Provider_attributes":{"Name":"P","Guid":"{ab}"},"EventID":4624,"EventRecordID":"9","TimeCreated_attributes":{"SystemTime":"2020-01-01T00:00:00Z"}},"EventData":{"LogonType":3,"Multi":["a","b"]}}}"##).unwrap();
        let r = record_from_json(&v).unwrap();
        assert_eq!(r.provider, "P");
        assert_eq!(r.provider_guid.as_deref(), Some("{AB}"));
        assert_eq!(r.get("LogonType"), Some("3"));
        assert_eq!(
            r.data
                .iter()
                .filter(|d| d.name.as_deref() == Some("Multi"))
                .count(),
            2
        );
    }

    #[test]
    fn winlogbeat_shape() {
        let v: Value = serde_json::from_str(r##"{"@timestamp":"2021-01-01T10:00:00.123Z","event":{"code":"4625"},"winlog":{"channel":"Security","computer_name":"srv","provider_name":"Microsoft-Windows-Security-Auditing","record_id":"42","event_data":{"Status":"0xc000006d","TargetUserName":"bob"}}}"##).unwrap();
        let r = record_from_json(&v).unwrap();
        assert_eq!((r.event_id, r.record_id), (4625, 42));
        assert_eq!(r.get("status"), Some("0xc000006d"));
        let v: Value = serde_json::from_str(r##"{"winlog":{"event_id":18456,"provider_name":"MSSQLSERVER","event_data":{"param2":" Reason: x","param1":"NT AUTHORITY\\ANONYMOUS LOGON","param3":" [CLIENT: 10.0.0.5]"}}}"##).unwrap();
        let r = record_from_json(&v).unwrap();
        assert_eq!(r.positional(0), Some("NT AUTHORITY\\ANONYMOUS LOGON"));
        assert_eq!(r.positional(2), Some(" [CLIENT: 10.0.0.5]"));
    }

    #[test]
    fn not_an_event() {
        assert!(record_from_json(&serde_json::json!({"a":1})).is_err());
        assert!(record_from_json(&serde_json::json!([1])).is_err());
    }
}
