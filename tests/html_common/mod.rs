//! Shared by the HTML report tests: hostile strings and an XML evidence file full of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Strings an attacker can put in a WorkstationName, an account or a computer name. Each one
/// would run script (or break out of an element or attribute) if it reached the page unescaped.
pub const HOSTILE: &[&str] = &[
    "<script>window.__pwned='script';alert(1)</script>",
    "</script><script>window.__pwned='close';alert(2)</script>",
    "\"><img src=x onerror=\"window.__pwned='img';alert(3)\">",
    "' onmouseover='alert(4)' x='",
    "\u{2028}alert(5)\u{2029}//",
    "<svg onload=alert(6)>",
    "<!--<script>alert(7)//-->",
    "&lt;script&gt;alert(8)&lt;/script&gt;",
];

/// Escape for XML text.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// One 4624 (network, NTLM V1, anonymous or not) and one 4625 per hostile string, with the
/// string as computer, workstation, account and domain.
pub fn hostile_xml() -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n");
    let mut rid = 100;
    for (i, h) in HOSTILE.iter().enumerate() {
        let h = xml(h);
        for (eid, anon) in [(4624, true), (4624, false), (4625, false)] {
            rid += 1;
            let sid = if anon {
                "S-1-5-7"
            } else {
                "S-1-5-21-1-2-3-1105"
            };
            out.push_str(&format!(
                r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>
<Provider Name="Microsoft-Windows-Security-Auditing" Guid="{{54849625-5478-4994-a5ba-3e3b0328c30d}}"/>
<EventID>{eid}</EventID><Version>2</Version><Level>0</Level><Task>12544</Task>
<TimeCreated SystemTime="2024-05-0{day}T1{i}:00:00.000Z"/><EventRecordID>{rid}</EventRecordID>
<Channel>Security</Channel><Computer>SRV-{h}</Computer><Security/></System><EventData>
<Data Name="SubjectUserSid">S-1-0-0</Data><Data Name="TargetUserSid">{sid}</Data>
<Data Name="TargetUserName">{h}</Data><Data Name="TargetDomainName">DOM{h}</Data>
<Data Name="Status">0xc000006d</Data><Data Name="SubStatus">0xc000006a</Data>
<Data Name="LogonType">3</Data><Data Name="LogonProcessName">NtLmSsp </Data>
<Data Name="AuthenticationPackageName">NTLM</Data><Data Name="WorkstationName">WS{h}</Data>
<Data Name="LmPackageName">NTLM V1</Data><Data Name="KeyLength">0</Data>
<Data Name="IpAddress">-</Data><Data Name="IpPort">-</Data></EventData></Event>
"#,
                day = 1 + i % 3,
            ));
        }
    }
    out.push_str("</Events>\n");
    out
}

/// Write the hostile evidence file into `dir`, under a hostile file name too.
pub fn write_hostile_input(dir: &Path) -> PathBuf {
    let p = dir.join("hostile<img src=x onerror=alert(9)>'\".xml");
    std::fs::write(&p, hostile_xml()).unwrap();
    p
}

/// The vendored files inlined into every report, as (path, text): scripts and style sheets.
pub fn vendored_inlined() -> Vec<(&'static str, &'static str)> {
    nullsight::report::html::VENDORED
        .iter()
        .flat_map(|v| v.files.iter().copied())
        .collect()
}

/// How many `<script>` elements a report has: the data (JSON), the vendored libraries, the
/// page's own code.
pub fn expected_scripts() -> usize {
    2 + vendored_inlined()
        .iter()
        .filter(|(p, _)| p.ends_with(".js"))
        .count()
}

/// Checks any report must pass, hostile input or not. Returns the problems found.
pub fn unsafe_markup(html: &str) -> Vec<String> {
    let mut bad = Vec::new();
    // The renderer writes exactly these script elements: the data (JSON), the vendored
    // libraries and its own code.
    let n = expected_scripts();
    let opens = html.matches("<script").count();
    let closes = html.to_ascii_lowercase().matches("</script").count();
    if opens != n || closes != n {
        bad.push(format!(
            "{opens} <script and {closes} </script (expected {n} and {n})"
        ));
    }
    // Strings with < > or " must never appear as they are (a quote-only or U+2028 string may,
    // in text or in the JSON, where it is inert; the markup walk below catches any breakout).
    for h in HOSTILE.iter().filter(|h| h.contains(['<', '>', '"'])) {
        if html.contains(h) {
            bad.push(format!("unescaped: {h:?}"));
        }
    }
    bad.extend(markup_problems(html));
    // The JSON in the data element: no raw line separators, nothing that closes the element.
    if let Some(start) = html.find("<script type=\"application/json\" id=\"ns-data\">") {
        let rest = &html[start..];
        let end = rest.find("</script>").unwrap();
        let json = &rest[..end];
        if json.contains('\u{2028}') || json.contains('\u{2029}') {
            bad.push("raw U+2028/U+2029 in the embedded JSON".into());
        }
    } else {
        bad.push("no data element".into());
    }
    // Offline: no address but the SVG namespace name (not a request). The vendored files are
    // left out: their only addresses are their projects' in their licence comments (checked by
    // checksum in tests/html.rs; the browser test sees no request).
    let mut own = html.to_string();
    for (_, text) in vendored_inlined() {
        own = own.replace(text, "");
    }
    for scheme in ["http://", "https://", "//cdn", "url("] {
        for (i, _) in own.match_indices(scheme) {
            let around = &own[i..(i + 40).min(own.len())];
            if !around.starts_with("http://www.w3.org/2000/svg") {
                bad.push(format!("external reference: {around:?}"));
            }
        }
    }
    bad
}

const TAGS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "header", "div", "h1", "h2", "h3", "p", "a",
    "span", "b", "i", "nav", "main", "section", "dl", "dt", "dd", "code", "article", "details",
    "summary", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "input", "br", "footer",
    "script", "noscript", "pre",
];
const ATTRS: &[&str] = &[
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "class",
    "id",
    "href",
    "type",
    "placeholder",
    "aria-label",
    "open",
];

/// Walk the markup: every `<` must open or close a tag the renderer writes, with attributes it
/// writes (`data-*` included), every attribute value quoted; `<style>` and `<script>` contents
/// are skipped (the page's own constants; the JSON data is checked apart). Anything a hostile
/// string could add (a tag, an event handler, a comment) shows up here.
pub fn markup_problems(html: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let b = html.as_bytes();
    let mut i = 0;
    if html.starts_with("<!DOCTYPE html>") {
        i = "<!DOCTYPE html>".len();
    }
    let ctx = |i: usize| html[i.saturating_sub(30)..(i + 50).min(html.len())].to_string();
    while let Some(off) = html[i..].find('<') {
        let start = i + off;
        let mut j = start + 1;
        let closing = b.get(j) == Some(&b'/');
        if closing {
            j += 1;
        }
        let name_end = j + html[j..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(0);
        let name = &html[j..name_end];
        if !TAGS.contains(&name) {
            bad.push(format!(
                "unexpected tag {name:?} at {start}: {:?}",
                ctx(start)
            ));
            i = start + 1;
            continue;
        }
        j = name_end;
        // attributes
        loop {
            while b.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
                j += 1;
            }
            match b.get(j) {
                Some(b'>') => {
                    j += 1;
                    break;
                }
                None => {
                    bad.push(format!("unterminated tag at {start}"));
                    return bad;
                }
                _ => {}
            }
            let an_end = j + html[j..]
                .find(|c: char| c == '=' || c == '>' || c.is_ascii_whitespace())
                .unwrap_or(0);
            let attr = &html[j..an_end];
            if closing || !(ATTRS.contains(&attr) || attr.starts_with("data-")) {
                bad.push(format!(
                    "unexpected attribute {attr:?} in <{name}> at {start}: {:?}",
                    ctx(start)
                ));
            }
            j = an_end;
            if b.get(j) == Some(&b'=') {
                if b.get(j + 1) != Some(&b'"') {
                    bad.push(format!("unquoted value of {attr} at {start}"));
                    j += 1;
                    continue;
                }
                let v_end = j + 2 + html[j + 2..].find('"').unwrap_or(0);
                let v = &html[j + 2..v_end];
                if v.contains(['<', '>']) {
                    bad.push(format!("raw < or > in attribute {attr} at {start}"));
                }
                j = v_end + 1;
            }
            if j == an_end && attr.is_empty() {
                bad.push(format!("garbage in tag at {start}: {:?}", ctx(start)));
                j += 1;
            }
        }
        if !closing && (name == "script" || name == "style") {
            let close = format!("</{name}>");
            match html[j..].find(&close) {
                Some(e) => {
                    let body = &html[j..j + e];
                    if name == "script"
                        && html[start..j].contains("application/json")
                        && body.contains('<')
                    {
                        bad.push("raw < in the embedded JSON".into());
                    }
                    j += e;
                }
                None => {
                    bad.push(format!("unclosed <{name}>"));
                    return bad;
                }
            }
        }
        i = j;
    }
    bad
}
