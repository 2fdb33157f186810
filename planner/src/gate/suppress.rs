//! Inline suppressions in the topology: a comment
//! `# faultline:allow FL-G003 reason="…" until=2027-03-01` accepts the findings of the
//! named rules about the part of the topology the comment sits in — the service or
//! journey whose table (`[services.x]`, `[services.x.slo]`, `[placement.x]`,
//! `[journeys.y]`) holds it, the system-wide settings for `[system]`, `[constraints]`
//! and `[overrides]`, and the whole file above the first table. A suppression past
//! its `until` date accepts nothing and is itself a finding (FL-G015); one that
//! accepts nothing is a finding too (FL-G016).

use faultline_models::deployment::Words;
use faultline_models::diag::{Code, Diagnostic, FileKind, Span};
use faultline_models::input::did_you_mean;
use faultline_models::policy::{Date, Rule};

/// What part of the topology a suppression covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Above the first table: every finding about the file.
    File,
    /// `[system]`, `[constraints]`, `[overrides]`: findings about the system as a whole.
    System,
    Service(String),
    Journey(String),
}

impl Scope {
    /// The subject prefix findings in scope start with.
    pub fn subject(&self) -> String {
        match self {
            Scope::File => "file".into(),
            Scope::System => "system".into(),
            Scope::Service(s) => format!("service:{s}"),
            Scope::Journey(j) => format!("journey:{j}"),
        }
    }

    pub fn covers(&self, subject: &str) -> bool {
        match self {
            Scope::File => true,
            _ => {
                let p = self.subject();
                subject == p || subject.starts_with(&format!("{p}:"))
            }
        }
    }
}

/// One `faultline:allow` comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    pub rules: Vec<Rule>,
    pub reason: String,
    /// Last day the suppression holds; `None`: no expiry.
    pub until: Option<Date>,
    pub scope: Scope,
    /// The comment, from `#` to the end of its line.
    pub span: Span,
}

impl Suppression {
    pub fn expired(&self, today: Date) -> bool {
        self.until.is_some_and(|u| today > u)
    }

    pub fn codes(&self) -> String {
        self.rules
            .iter()
            .map(|r| r.code().as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

const DIRECTIVE: &str = "faultline:allow";

/// Finds every suppression comment in a topology's text. Malformed ones are errors:
/// a suppression that silently does nothing would hide what it was meant to accept.
pub fn parse(text: &str) -> Result<Vec<Suppression>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut scope = Scope::File;
    let mut lexer = Lexer::default();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let (comment, header) = lexer.line(body);
        if let Some(h) = header {
            scope = scope_of(&h);
        }
        let Some(c) = comment else { continue };
        let comment_text = &body[c..];
        let directive = comment_text.trim_start_matches('#').trim();
        if !directive.starts_with("faultline:") {
            continue;
        }
        let span = start + c..start + body.len();
        match directive_args(directive) {
            Ok(args) => match suppression(args, &span) {
                Ok((rules, reason, until)) => out.push(Suppression {
                    rules,
                    reason,
                    until,
                    scope: scope.clone(),
                    span,
                }),
                Err(d) => errors.extend(d),
            },
            Err(d) => errors.push(d.at(span)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn malformed(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::SuppressionMalformed, message).in_file(FileKind::Topology)
}

fn directive_args(directive: &str) -> Result<&str, Box<Diagnostic>> {
    let word = directive
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    if word != DIRECTIVE {
        return Err(Box::new(
            malformed(format!("unknown directive `{word}`"))
                .help(did_you_mean::help_for(word, [DIRECTIVE])),
        ));
    }
    Ok(directive[DIRECTIVE.len()..].trim())
}

type Parsed = (Vec<Rule>, String, Option<Date>);

fn suppression(args: &str, span: &Span) -> Result<Parsed, Vec<Diagnostic>> {
    let example =
        "write `# faultline:allow FL-G003 reason=\"why this is accepted\" until=2027-03-01`";
    let mut errors = Vec::new();
    let (codes, mut rest) = match args.split_once(|c: char| c.is_whitespace()) {
        Some((c, r)) => (c, r.trim_start()),
        None => (args, ""),
    };
    if codes.is_empty() || codes.contains('=') {
        return Err(vec![malformed("the suppression names no rule")
            .at(span.clone())
            .help(example)]);
    }
    let gate_codes: Vec<&str> = Rule::ALL
        .iter()
        .filter(|r| suppressible(**r))
        .map(|r| r.code().as_str())
        .collect();
    let mut rules = Vec::new();
    for code in codes.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        match Rule::from_code_str(code).filter(|r| suppressible(*r)) {
            Some(r) => rules.push(r),
            None => {
                let why = if Rule::from_code_str(code).is_some() {
                    format!("{code} is about suppressions themselves and cannot be suppressed")
                } else {
                    format!("`{code}` is not a gate rule")
                };
                errors.push(
                    Diagnostic::error(Code::SuppressionUnknownCode, why)
                        .in_file(FileKind::Topology)
                        .at(span.clone())
                        .help(did_you_mean::help_for(code, gate_codes.iter().copied())),
                );
            }
        }
    }
    let mut reason = None;
    let mut until = None;
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            errors.push(
                malformed(format!("expected `key=value`, found `{rest}`"))
                    .at(span.clone())
                    .help(example),
            );
            break;
        };
        let key = key.trim();
        let after = after.trim_start();
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            match closing_quote(q) {
                Some(end) => (unescape(&q[..end]), q[end + 1..].trim_start()),
                None => {
                    errors.push(
                        malformed(format!("the value of `{key}` has no closing quote"))
                            .at(span.clone()),
                    );
                    break;
                }
            }
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_string(), after[end..].trim_start())
        };
        match key {
            "reason" => reason = Some(value),
            "until" => match Date::parse(&value) {
                Ok(d) => until = Some(d),
                Err(msg) => errors.push(malformed(format!("until: {msg}")).at(span.clone())),
            },
            other => errors.push(
                malformed(format!("unknown suppression key `{other}`"))
                    .at(span.clone())
                    .help(did_you_mean::help_for(other, ["reason", "until"])),
            ),
        }
        rest = next;
    }
    let reason = reason.unwrap_or_default();
    if reason.trim().is_empty() && errors.is_empty() {
        errors.push(
            malformed("the suppression gives no reason")
                .at(span.clone())
                .help(format!("say why the finding is accepted: {example}")),
        );
    }
    if errors.is_empty() {
        Ok((rules, reason, until))
    } else {
        Err(errors)
    }
}

fn suppressible(r: Rule) -> bool {
    !matches!(r, Rule::SuppressionExpired | Rule::SuppressionUnused)
}

fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    out
}

fn scope_of(header: &[String]) -> Scope {
    match header {
        [t, name, ..] if t == "services" || t == "placement" => Scope::Service(name.clone()),
        [t, name, ..] if t == "journeys" => Scope::Journey(name.clone()),
        _ => Scope::System,
    }
}

/// Just enough TOML lexing to find comments and table headers: strings (basic,
/// literal and their multi-line forms) and the depth of multi-line arrays, across
/// lines.
#[derive(Debug, Default)]
struct Lexer {
    /// Inside a multi-line string closed by this delimiter.
    multiline: Option<&'static str>,
    /// Open `[` of array values.
    depth: usize,
}

impl Lexer {
    /// The byte offset of the line's comment, and the key path of a table header.
    fn line(&mut self, line: &str) -> (Option<usize>, Option<Vec<String>>) {
        let bytes = line.as_bytes();
        let mut i = 0;
        let mut header = None;
        if self.multiline.is_none() && self.depth == 0 {
            let t = line.trim_start();
            if t.starts_with('[') {
                let lead = line.len() - t.len();
                let (path, end) = header_path(t);
                header = Some(path);
                i = lead + end;
            }
        }
        while i < bytes.len() {
            if let Some(close) = self.multiline {
                match line[i..].find(close) {
                    Some(p) => {
                        i += p + close.len();
                        self.multiline = None;
                    }
                    None => return (None, header),
                }
                continue;
            }
            match bytes[i] {
                b'#' => return (Some(i), header),
                b'"' | b'\'' => {
                    let q = bytes[i];
                    let triple = if q == b'"' { "\"\"\"" } else { "'''" };
                    if line[i..].starts_with(triple) {
                        self.multiline = Some(triple);
                        i += 3;
                        continue;
                    }
                    i += 1;
                    while i < bytes.len() {
                        if q == b'"' && bytes[i] == b'\\' {
                            i += 2;
                            continue;
                        }
                        if bytes[i] == q {
                            break;
                        }
                        i += 1;
                    }
                    i += 1;
                }
                b'[' => {
                    self.depth += 1;
                    i += 1;
                }
                b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    i += 1;
                }
                _ => i += 1,
            }
        }
        (None, header)
    }
}

/// The dotted key of a `[a.b."c.d"]` or `[[a.b]]` header and the offset just after it.
fn header_path(t: &str) -> (Vec<String>, usize) {
    let double = t.starts_with("[[");
    let mut i = if double { 2 } else { 1 };
    let bytes = t.as_bytes();
    let mut segs = Vec::new();
    let mut cur = String::new();
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => {
                let q = bytes[i];
                i += 1;
                let start = i;
                while i < bytes.len() && bytes[i] != q {
                    i += 1;
                }
                cur.push_str(&t[start..i.min(t.len())]);
                i += 1;
            }
            b'.' => {
                segs.push(std::mem::take(&mut cur).trim().to_string());
                i += 1;
            }
            b']' => {
                i += if double { 2 } else { 1 };
                break;
            }
            _ => {
                let c = t[i..].chars().next().unwrap_or(' ');
                cur.push(c);
                i += c.len_utf8();
            }
        }
    }
    segs.push(cur.trim().to_string());
    (segs, i.min(t.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPO: &str = r#"version = 1
# faultline:allow FL-G001 reason="whole file" until=2027-01-31
[system]
name = "x" # faultline:allow FL-G014 reason="tags come later"
regions = [
  "a", # a comment in an array, not a header: [services.nope]
]
[services.api]
kind = "stateless"
note = "a # inside a string is not a comment"
[services.api.slo]
# faultline:allow FL-G003,FL-G004 reason="legacy \"api\" until v2" until=2027-03-01
[journeys."check-out"]
# faultline:allow FL-G006 reason="manual failover"
"#;

    #[test]
    fn finds_each_suppression_with_its_scope() {
        let s = parse(TOPO).unwrap();
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].scope, Scope::File);
        assert_eq!(s[0].until, Date::parse("2027-01-31").ok());
        assert_eq!(s[1].scope, Scope::System);
        assert_eq!(s[1].rules, [Rule::RequiredTags]);
        assert_eq!(s[2].scope, Scope::Service("api".into()));
        assert_eq!(s[2].rules, [Rule::MinAvailability, Rule::MaxDowntime]);
        assert_eq!(s[2].reason, "legacy \"api\" until v2");
        assert_eq!(s[3].scope, Scope::Journey("check-out".into()));
        assert_eq!(s[3].until, None);
        assert!(TOPO[s[1].span.clone()].starts_with("# faultline:allow FL-G014"));
    }

    #[test]
    fn scopes_cover_their_subjects() {
        let api = Scope::Service("api".into());
        assert!(api.covers("service:api"));
        assert!(api.covers("service:api:zone"));
        assert!(!api.covers("service:api-v2"));
        assert!(!api.covers("journey:api"));
        assert!(Scope::System.covers("system"));
        assert!(!Scope::System.covers("service:api"));
        assert!(Scope::File.covers("service:api"));
    }

    #[test]
    fn expiry_is_inclusive_of_the_until_day() {
        let s = &parse(TOPO).unwrap()[2];
        assert!(!s.expired(Date::parse("2027-03-01").unwrap()));
        assert!(s.expired(Date::parse("2027-03-02").unwrap()));
    }

    #[test]
    fn malformed_suppressions_are_errors() {
        let cases = [
            ("# faultline:allow FL-G003", "FL-P008", "no reason"),
            ("# faultline:allow reason=\"x\"", "FL-P008", "names no rule"),
            (
                "# faultline:allow FL-G003 reason=\"x\" until=2027-02-30",
                "FL-P008",
                "day 30",
            ),
            (
                "# faultline:allow FL-G003 reason=\"x",
                "FL-P008",
                "closing quote",
            ),
            (
                "# faultline:allow FL-G003 reason=\"x\" untill=2027-01-01",
                "FL-P008",
                "untill",
            ),
            (
                "# faultline:alow FL-G003 reason=\"x\"",
                "FL-P008",
                "unknown directive",
            ),
            (
                "# faultline:allow FL-T003 reason=\"x\"",
                "FL-P009",
                "not a gate rule",
            ),
            (
                "# faultline:allow FL-G015 reason=\"x\"",
                "FL-P009",
                "cannot be suppressed",
            ),
        ];
        for (line, code, words) in cases {
            let text = format!("version = 1\n{line}\n");
            let errs = parse(&text).unwrap_err();
            assert_eq!(errs[0].code.as_str(), code, "{line}");
            assert!(
                errs[0].message.contains(words),
                "{line}: {}",
                errs[0].message
            );
            let span = errs[0].span.clone().unwrap();
            assert_eq!(&text[span], line);
        }
        let errs = parse("# faultline:alow FL-G003\n").unwrap_err();
        assert_eq!(
            errs[0].help.as_deref(),
            Some("did you mean `faultline:allow`?")
        );
    }

    #[test]
    fn other_comments_are_ignored() {
        assert!(parse("# faultline is great\n# allow FL-G003\n")
            .unwrap()
            .is_empty());
    }
}
