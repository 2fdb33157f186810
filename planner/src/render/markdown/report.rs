//! The report's summary in Markdown for a pull-request comment: the headline, then the
//! report's main tables with the same figures as the HTML page. It always fits one
//! comment ([`MAX_CHARS`](super::MAX_CHARS)): while it is too long, the table
//! that takes the most room loses half its rows, and the summary says which tables
//! were cut. A hidden marker line lets CI find and update its earlier comment.

use askama::Template;
use faultline_models::report::Report;

use super::{cell, MAX_CHARS};
use crate::render::html::view::{self, Page, Table};

/// The first line of every summary, so a CI job can find its own comment.
pub const MARKER: &str = "<!-- faultline-report -->";

/// Fewest rows a table keeps when trimmed.
const MIN_ROWS: usize = 3;

#[derive(Template)]
#[template(path = "report.md", escape = "none", whitespace = "preserve")]
struct Md<'a> {
    marker: &'a str,
    system: String,
    subtitle: String,
    findings: Vec<(&'static str, String)>,
    cards: Vec<(String, String, String)>,
    matters: Vec<(String, String)>,
    tables: Vec<Rendered>,
    trimmed: String,
    limit: usize,
}

#[derive(Debug)]
struct Rendered {
    title: String,
    body: String,
}

/// One table of the summary: which view table, which of its columns, how many rows.
#[derive(Debug)]
struct Part<'a> {
    title: String,
    table: &'a Table,
    columns: Vec<usize>,
    rows: usize,
}

impl Part<'_> {
    fn body(&self) -> String {
        let t = self.table;
        let cols: Vec<usize> = if self.columns.is_empty() {
            (0..t.head.len()).collect()
        } else {
            self.columns.clone()
        };
        let mut s = String::new();
        s.push('|');
        for c in &cols {
            s.push(' ');
            s.push_str(&cell(&t.head[*c].label));
            s.push_str(" |");
        }
        s.push_str("\n|");
        for c in &cols {
            s.push_str(if t.head[*c].num { " ---: |" } else { " --- |" });
        }
        s.push('\n');
        for row in t.rows.iter().take(self.rows) {
            s.push('|');
            for c in &cols {
                s.push(' ');
                s.push_str(&cell(row.get(*c).map_or("", |x| x.text.as_str())));
                s.push_str(" |");
            }
            s.push('\n');
        }
        if t.rows.len() > self.rows {
            s.push_str(&format!(
                "\n_… and {} more rows._\n",
                t.rows.len() - self.rows
            ));
        }
        s
    }
}

fn parts(p: &Page) -> Vec<Part<'_>> {
    let mut v: Vec<Part<'_>> = Vec::new();
    if let Some(t) = &p.headline.slo {
        v.push(part(t.caption.clone(), t, &[]));
    }
    if let Some(f) = &p.frontier.content {
        v.push(part(
            "Cost against resilience".into(),
            &f.chart.table,
            &[0, 1, 2, 3, 4],
        ));
        v.push(part(
            "What each requirement costs".into(),
            &f.marginal.table,
            &[0, 1, 2],
        ));
    }
    if let Some(c) = &p.cost.content {
        v.push(part("Cost by service".into(), &c.by_service.table, &[]));
        v.push(part("Purchase list".into(), &c.purchases, &[0, 1, 2, 3, 4]));
    }
    if let Some(f) = &p.scenarios.content {
        v.push(part(
            "Worst single failures".into(),
            &f.table,
            &[0, 3, 4, 5, 6, 8],
        ));
    }
    if let Some(f) = &p.recovery.content {
        v.push(part(
            "RTO and RPO per disruption class".into(),
            &f.table,
            &[],
        ));
    }
    if let Some(c) = &p.consistency.content {
        v.push(part(
            "Consistency per data store".into(),
            &c.stores,
            &[0, 1, 2, 3, 5, 6],
        ));
    }
    if let Some(c) = &p.compare {
        v.push(part(
            "Compared with the baseline".into(),
            &c.chart.table,
            &[],
        ));
        v.push(part(
            "Availability against the baseline".into(),
            &c.availability,
            &[],
        ));
    }
    v.push(part("Assumptions".into(), &p.assumptions.inputs, &[]));
    v
}

fn part<'a>(title: String, table: &'a Table, columns: &[usize]) -> Part<'a> {
    Part {
        title,
        table,
        columns: columns.to_vec(),
        rows: table.rows.len(),
    }
}

fn md(s: &str) -> String {
    cell(s)
}

/// The summary, under [`MAX_CHARS`] characters whatever the system's size.
pub fn render(r: &Report) -> String {
    let page = view::build(r);
    render_page(&page, MAX_CHARS)
}

/// The summary of `page`, trimmed to at most `limit` bytes (so also characters).
pub fn render_page(page: &Page, limit: usize) -> String {
    let mut parts = parts(page);
    let mut trimmed: Vec<String> = Vec::new();
    loop {
        let text = assemble(page, &parts, &trimmed, limit);
        if text.len() <= limit {
            return text;
        }
        // Halve the table that takes the most room; when none can shrink further,
        // drop tables from the end (the assumptions go before the headline's).
        let biggest = parts
            .iter()
            .enumerate()
            .filter(|(_, p)| p.rows > MIN_ROWS)
            .max_by_key(|(i, p)| (p.body().len(), std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        match biggest {
            Some(i) => {
                let p = &mut parts[i];
                p.rows = (p.rows / 2).max(MIN_ROWS);
                if !trimmed.contains(&p.title) {
                    trimmed.push(p.title.clone());
                }
            }
            None => match parts.pop() {
                Some(p) => trimmed.push(format!("{} (left out)", p.title)),
                None => {
                    // Only the headline is left and it is still too long: cut it at a
                    // character boundary, never mid-character.
                    let mut cut = limit.saturating_sub(64);
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    return format!("{}\n\n_… cut to fit a comment._\n", &text[..cut]);
                }
            },
        }
    }
}

fn assemble(page: &Page, parts: &[Part<'_>], trimmed: &[String], limit: usize) -> String {
    let md_page = Md {
        marker: MARKER,
        system: format!("`{}`", md(&page.system)),
        subtitle: md(&page.subtitle),
        findings: page
            .findings
            .iter()
            .map(|f| {
                (
                    if f.class == "bad" { "Error" } else { "Warning" },
                    md(&f.text),
                )
            })
            .collect(),
        cards: page
            .headline
            .cards
            .iter()
            .map(|c| (md(&c.label), md(&c.value), md(&c.detail)))
            .collect(),
        matters: page
            .headline
            .matters
            .iter()
            .map(|m| (md(&m.title), md(&m.text)))
            .collect(),
        tables: parts
            .iter()
            .map(|p| Rendered {
                title: md(&p.title),
                body: p.body(),
            })
            .collect(),
        trimmed: trimmed.join(", "),
        limit,
    };
    // Every field is text already: rendering into a String cannot fail.
    let mut s = md_page.render().unwrap_or_default();
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}
