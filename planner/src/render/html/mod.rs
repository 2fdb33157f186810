//! The report as one self-contained HTML page (`faultline report`, `plan --report`):
//! askama templates under `templates/` compiled in, escaped by default, with inline
//! SVG charts from [`charts`] and the view of the report every section reads from
//! [`view`]. No scripts, fonts or images are loaded, so the file reads the same opened
//! from disk, offline, and printed on A4.

pub mod charts;
pub mod view;

use askama::Template;
use faultline_models::report::Report;

#[derive(Template)]
#[template(path = "report.html")]
struct Html<'a> {
    p: &'a view::Page,
}

/// The whole report as HTML.
pub fn report(r: &Report) -> String {
    let page = view::build(r);
    match (Html { p: &page }).render() {
        Ok(s) => s,
        // Every field is text already, so rendering can only fail if writing to a
        // String does; say so rather than write half a page.
        Err(e) => format!(
            "<!DOCTYPE html><html lang=\"en\"><meta charset=\"utf-8\"><title>report failed</title><p>The report could not be rendered: {}</p></html>\n",
            escape(&e.to_string())
        ),
    }
}

/// Escapes text for HTML, showing `code` spans (names and commands the text quotes
/// between backticks) as code.
pub fn rich(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    let mut out = String::with_capacity(s.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 && i + 1 < parts.len() {
            out.push_str("<code>");
            out.push_str(&escape(part));
            out.push_str("</code>");
        } else {
            // An unmatched last backtick stays as written.
            if i % 2 == 1 {
                out.push('`');
            }
            out.push_str(&escape(part));
        }
    }
    out
}

/// Escapes text for HTML and SVG content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
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
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn backticks_become_code_and_text_is_escaped() {
        assert_eq!(
            super::rich("`a<b>` & `c"),
            "<code>a&lt;b&gt;</code> &amp; `c"
        );
        assert_eq!(super::rich("no code"), "no code");
    }
}
