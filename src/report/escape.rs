//! Strings from logs and configuration files are attacker-controlled (a WorkstationName is
//! whatever the client sends). Every renderer escapes them for its medium here.

use std::borrow::Cow;

/// For the terminal: control characters (including ESC, so no escape sequences), and the
/// Unicode bidirectional overrides that can reorder what the operator reads, are shown as
/// `\u{..}` instead of being interpreted.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_terminal_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_terminal_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_terminal_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// For CSV cells: a cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, and the
/// tab/CR tricks) is prefixed with `'`. Quoting is the CSV writer's job.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// For HTML text and attribute values.
pub fn html(s: &str) -> Cow<'_, str> {
    if !s.contains(['<', '>', '&', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// JSON to embed inside a `<script>` element: `<`, `>`, `&` and the JavaScript line
/// separators are written as `\u` escapes so the data can never close the element.
pub fn json_in_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_strings() {
        assert_eq!(terminal("WS\x1b[31mRED\x07"), "WS\\u{1b}[31mRED\\u{7}");
        assert_eq!(terminal("a\u{202E}b"), "a\\u{202e}b");
        assert_eq!(terminal("plain"), "plain");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("@SUM(1)"), "'@SUM(1)");
        assert_eq!(csv_cell("ok"), "ok");
        assert_eq!(
            html("<script>alert('x')</script>&"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
        assert!(!json_in_script(r#"{"w":"</script><script>"}"#).contains("</"));
    }
}
