//! A small HCL writer whose output is already in `terraform fmt`'s canonical form: two
//! spaces per nesting level, and the `=` of consecutive one-line attributes aligned one
//! space after the longest key. `terraform fmt` aligns a run of lines that each hold a
//! whole `key = value`; a line that opens a bracket it does not close (a multi-line
//! object or list), a block, a comment or a blank line ends the run. The writer
//! follows the same rule, so the generated files pass `terraform fmt -check` without
//! terraform being installed.

use std::fmt::Write as _;

/// An expression, as the generator builds them.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A quoted string (escaped on output).
    Str(String),
    /// An integer.
    Int(i64),
    Bool(bool),
    /// An expression written out as is, on one line: references (`var.x`), function
    /// calls, conditionals. It must be canonical already (one space around binary
    /// operators, none inside brackets) and must not contain a newline.
    Raw(String),
    /// A list: on one line when every element is a scalar, otherwise one element per
    /// line with trailing commas.
    List(Vec<Expr>),
    /// An object, one `key = value` per line; its items may include comments and
    /// blank lines.
    Object(Vec<Item>),
}

impl Expr {
    pub fn str(s: impl Into<String>) -> Expr {
        Expr::Str(s.into())
    }

    pub fn raw(s: impl Into<String>) -> Expr {
        Expr::Raw(s.into())
    }

    pub fn strs<I, S>(items: I) -> Expr
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Expr::List(items.into_iter().map(|s| Expr::Str(s.into())).collect())
    }

    /// An object of `key = value` pairs.
    pub fn object<I, K>(pairs: I) -> Expr
    where
        I: IntoIterator<Item = (K, Expr)>,
        K: Into<String>,
    {
        Expr::Object(
            pairs
                .into_iter()
                .map(|(k, v)| Item::Attr(k.into(), v))
                .collect(),
        )
    }

    fn is_scalar(&self) -> bool {
        matches!(
            self,
            Expr::Str(_) | Expr::Int(_) | Expr::Bool(_) | Expr::Raw(_)
        )
    }

    /// Whether the expression prints on one line.
    fn is_inline(&self) -> bool {
        match self {
            Expr::List(items) => items.iter().all(Expr::is_scalar),
            Expr::Object(items) => items.is_empty(),
            _ => true,
        }
    }
}

/// One item of a body.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Attr(String, Expr),
    /// An attribute whose key is a reference, written bare: `aws.us_east_1 = …` in a
    /// module's `providers` map.
    RefAttr(String, Expr),
    Block(Block),
    /// A `#` comment on a line of its own (one item per line).
    Comment(String),
    Blank,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    pub body: Vec<Item>,
}

impl Block {
    pub fn new(kind: &str, labels: &[&str]) -> Block {
        Block {
            kind: kind.into(),
            labels: labels.iter().map(|l| (*l).to_string()).collect(),
            body: Vec::new(),
        }
    }

    pub fn attr(mut self, key: &str, value: Expr) -> Block {
        self.body.push(Item::Attr(key.into(), value));
        self
    }

    pub fn push(&mut self, item: Item) {
        self.body.push(item);
    }

    pub fn set(&mut self, key: &str, value: Expr) {
        self.body.push(Item::Attr(key.into(), value));
    }

    pub fn blank(&mut self) {
        self.body.push(Item::Blank);
    }

    pub fn comment(&mut self, text: &str) {
        for line in text.lines() {
            self.body.push(Item::Comment(line.into()));
        }
    }

    pub fn block(&mut self, b: Block) {
        self.body.push(Item::Block(b));
    }
}

/// A file: top-level items, printed with the file's header comment first.
#[derive(Debug, Clone, Default)]
pub struct File {
    pub items: Vec<Item>,
}

impl File {
    pub fn comment(&mut self, text: &str) {
        for line in text.lines() {
            self.items.push(Item::Comment(line.into()));
        }
    }

    pub fn blank(&mut self) {
        self.items.push(Item::Blank);
    }

    /// Adds a block, separated from what precedes it by one blank line.
    pub fn block(&mut self, b: Block) {
        if !matches!(self.items.last(), None | Some(Item::Blank)) {
            self.items.push(Item::Blank);
        }
        self.items.push(Item::Block(b));
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        body(&mut out, &self.items, 0);
        // One trailing newline, never a blank line at the end.
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }
}

/// Whether a key is written bare. HCL identifiers may contain `-`, but a bare
/// `us-east-1a` reads like a subtraction, so keys with one are quoted.
fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An object key: bare when it is an identifier, quoted otherwise.
pub fn object_key(key: &str) -> String {
    if is_identifier(key) {
        key.to_string()
    } else {
        quote(key)
    }
}

/// A quoted HCL string literal, with template sequences escaped so that the text is
/// taken literally.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// Writes a body: items at `level`, aligning runs of one-line attributes.
fn body(out: &mut String, items: &[Item], level: usize) {
    let mut i = 0;
    while i < items.len() {
        match &items[i] {
            Item::Attr(..) | Item::RefAttr(..) => {
                // The run of consecutive attributes that print on one line.
                let start = i;
                while i < items.len() && attr(&items[i]).is_some_and(|(_, v)| v.is_inline()) {
                    i += 1;
                }
                if i == start {
                    // A multi-line attribute: never aligned with its neighbours.
                    if let Some((key, v)) = attr(&items[i]) {
                        indent(out, level);
                        let _ = write!(out, "{key} = ");
                        expr(out, v, level);
                        out.push('\n');
                    }
                    i += 1;
                    continue;
                }
                let width = items[start..i]
                    .iter()
                    .filter_map(attr)
                    .map(|(k, _)| k.chars().count())
                    .max()
                    .unwrap_or(0);
                for it in &items[start..i] {
                    if let Some((key, v)) = attr(it) {
                        indent(out, level);
                        out.push_str(&key);
                        for _ in key.chars().count()..width {
                            out.push(' ');
                        }
                        out.push_str(" = ");
                        expr(out, v, level);
                        out.push('\n');
                    }
                }
            }
            Item::Block(b) => {
                indent(out, level);
                out.push_str(&b.kind);
                for l in &b.labels {
                    out.push(' ');
                    out.push_str(&quote(l));
                }
                if b.body.is_empty() {
                    out.push_str(" {}\n");
                } else {
                    out.push_str(" {\n");
                    body(out, &b.body, level + 1);
                    indent(out, level);
                    out.push_str("}\n");
                }
                i += 1;
            }
            Item::Comment(text) => {
                indent(out, level);
                if text.is_empty() {
                    out.push_str("#\n");
                } else {
                    let _ = writeln!(out, "# {text}");
                }
                i += 1;
            }
            Item::Blank => {
                // Never two blank lines in a row, nor one right after an opening brace.
                if !(out.ends_with("\n\n") || out.ends_with("{\n") || out.is_empty()) {
                    out.push('\n');
                }
                i += 1;
            }
        }
    }
}

/// An attribute's key as written, and its value.
fn attr(item: &Item) -> Option<(String, &Expr)> {
    match item {
        Item::Attr(k, v) => Some((object_key(k), v)),
        Item::RefAttr(k, v) => Some((k.clone(), v)),
        _ => None,
    }
}

/// Writes an expression whose first line continues the current line at `level`.
fn expr(out: &mut String, e: &Expr, level: usize) {
    match e {
        Expr::Str(s) => out.push_str(&quote(s)),
        Expr::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Expr::Raw(r) => out.push_str(r),
        Expr::List(items) if e.is_inline() => {
            out.push('[');
            for (n, it) in items.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                expr(out, it, level);
            }
            out.push(']');
        }
        Expr::List(items) => {
            out.push_str("[\n");
            for it in items {
                indent(out, level + 1);
                expr(out, it, level + 1);
                out.push_str(",\n");
            }
            indent(out, level);
            out.push(']');
        }
        Expr::Object(items) if items.is_empty() => out.push_str("{}"),
        Expr::Object(items) => {
            out.push_str("{\n");
            body(out, items, level + 1);
            indent(out, level);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_runs_of_one_line_attributes_only() {
        let mut b = Block::new("module", &["api"]);
        b.set("source", Expr::str("./modules/fleet"));
        b.set("cpu_target_percent", Expr::Int(50));
        b.set(
            "groups",
            Expr::object([(
                "us-east-1a",
                Expr::object([("min_size", Expr::Int(1)), ("max_size", Expr::Int(2))]),
            )]),
        );
        b.set("x", Expr::Bool(true));
        let mut f = File::default();
        f.block(b);
        assert_eq!(
            f.render(),
            "module \"api\" {\n  source             = \"./modules/fleet\"\n  cpu_target_percent = 50\n  groups = {\n    \"us-east-1a\" = {\n      min_size = 1\n      max_size = 2\n    }\n  }\n  x = true\n}\n"
        );
    }

    #[test]
    fn comments_and_blocks_end_a_run() {
        let mut b = Block::new("resource", &["a", "b"]);
        b.set("long_name", Expr::Int(1));
        b.comment("why");
        b.set("n", Expr::Int(2));
        b.block(Block::new("lifecycle", &[]).attr("create_before_destroy", Expr::Bool(true)));
        b.set("tags", Expr::Object(vec![]));
        let mut f = File::default();
        f.block(b);
        assert_eq!(
            f.render(),
            "resource \"a\" \"b\" {\n  long_name = 1\n  # why\n  n = 2\n  lifecycle {\n    create_before_destroy = true\n  }\n  tags = {}\n}\n"
        );
    }

    #[test]
    fn lists_of_objects_take_one_element_per_line() {
        let e = Expr::List(vec![Expr::object([
            ("instance_type", Expr::str("c7i.large")),
            ("weighted_capacity", Expr::str("2")),
        ])]);
        let mut out = String::new();
        expr(&mut out, &e, 1);
        assert_eq!(
            out,
            "[\n    {\n      instance_type     = \"c7i.large\"\n      weighted_capacity = \"2\"\n    },\n  ]"
        );
    }

    #[test]
    fn strings_are_escaped_and_templates_kept_literal() {
        assert_eq!(
            quote("a\"b\\c ${x} %{y} $z"),
            "\"a\\\"b\\\\c $${x} %%{y} $z\""
        );
        assert_eq!(object_key("us-east-1a"), "\"us-east-1a\"");
        assert_eq!(object_key("x86_64"), "x86_64");
        assert_eq!(object_key("orders-db"), "\"orders-db\"");
    }
}
