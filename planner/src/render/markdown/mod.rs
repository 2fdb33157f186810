//! Markdown renderers, for pull-request and merge-request comments and job summaries:
//! [`gate`] for the gate's results and diffs (`check`, `diff`), [`report`] for the
//! trade-off report's summary (`report --format markdown`). Both stay within
//! [`MAX_CHARS`].

pub mod gate;
pub mod report;

pub use gate::{check, diff_doc, marker, MAX_CHARS};

/// Text made safe for Markdown (a table cell included): no pipes, line breaks or HTML,
/// and dollar signs escaped so no renderer reads `$…$` as mathematics.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out
}
