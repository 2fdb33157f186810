//! A parsed TOML document that keeps every key's and value's byte span, so validation
//! can point at `services.web.slo.availability` without threading spans through the
//! typed structures.

use std::fmt;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diag::{Code, Diagnostic, Span};

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl From<&str> for Seg {
    fn from(s: &str) -> Self {
        Seg::Key(s.to_string())
    }
}

impl From<&String> for Seg {
    fn from(s: &String) -> Self {
        Seg::Key(s.clone())
    }
}

impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

/// A key path such as `services.web.depends_on.cart` or `system.regions[1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Seg>);

/// Builds a [`KeyPath`] from keys and indices: `path!["services", name, "slo"]`.
#[macro_export]
macro_rules! path {
    ($($seg:expr),* $(,)?) => {
        $crate::input::spanned::KeyPath(vec![$($crate::input::spanned::Seg::from($seg)),*])
    };
}

impl KeyPath {
    pub fn join(&self, seg: impl Into<Seg>) -> KeyPath {
        let mut segs = self.0.clone();
        segs.push(seg.into());
        KeyPath(segs)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        f.write_str(k)?;
                    } else {
                        write!(f, "\"{k}\"")?;
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The spans of a parsed document.
pub struct Locator<'a> {
    root: Spanned<DeTable<'a>>,
}

impl fmt::Debug for Locator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Locator").finish_non_exhaustive()
    }
}

enum Found<'d, 'a> {
    Value(&'d Spanned<DeValue<'a>>),
    Root(&'d Spanned<DeTable<'a>>),
}

impl<'a> Locator<'a> {
    /// Parses `text`, reporting every syntax error (not only the first) under `code`.
    pub fn parse(text: &'a str, code: Code) -> Result<Self, Vec<Diagnostic>> {
        let (root, errors) = DeTable::parse_recoverable(text);
        if errors.is_empty() {
            return Ok(Self { root });
        }
        Err(errors
            .into_iter()
            .map(|e| {
                let mut d = Diagnostic::error(code, toml_message(&e));
                if let Some(span) = e.span() {
                    d = d.at(span);
                }
                d
            })
            .collect())
    }

    pub fn root(&self) -> &Spanned<DeTable<'a>> {
        &self.root
    }

    fn find<'d>(&'d self, path: &KeyPath) -> Option<(Found<'d, 'a>, Option<Span>)> {
        let mut cur = Found::Root(&self.root);
        let mut key_span = None;
        for seg in &path.0 {
            let next = match (seg, &cur) {
                (Seg::Key(k), Found::Root(t)) => lookup(t.get_ref(), k),
                (Seg::Key(k), Found::Value(v)) => match v.get_ref() {
                    DeValue::Table(t) => lookup(t, k),
                    _ => None,
                },
                (Seg::Index(i), Found::Value(v)) => match v.get_ref() {
                    DeValue::Array(a) => a.get(*i).map(|item| (None, item)),
                    _ => None,
                },
                (Seg::Index(_), Found::Root(_)) => None,
            }?;
            key_span = next.0.or(key_span.clone());
            cur = Found::Value(next.1);
        }
        Some((cur, key_span))
    }

    /// Span of the value at `path`, or of the nearest ancestor that exists.
    pub fn value_span(&self, path: &KeyPath) -> Option<Span> {
        let mut p = path.clone();
        loop {
            if let Some((found, key)) = self.find(&p) {
                return Some(match found {
                    // Whole tables written as `[a.b]` headers span the header; pointing at
                    // the key reads better than underlining the body.
                    Found::Value(v) if matches!(v.get_ref(), DeValue::Table(_)) => {
                        key.unwrap_or_else(|| v.span())
                    }
                    Found::Value(v) => v.span(),
                    Found::Root(_) => return None,
                });
            }
            p.0.pop()?;
        }
    }

    /// Span of the key at the end of `path` (the array item for an index), or of the
    /// nearest ancestor that exists.
    pub fn key_span(&self, path: &KeyPath) -> Option<Span> {
        let mut p = path.clone();
        loop {
            if let Some((found, key)) = self.find(&p) {
                return match (p.0.last(), found) {
                    (Some(Seg::Index(_)), Found::Value(v)) => Some(v.span()),
                    _ => key,
                };
            }
            p.0.pop()?;
        }
    }

    /// The deepest key path whose key or value contains `offset`, used to name the key
    /// a deserialization error is about. Tables written as `[a.b]` headers have no
    /// span covering their body, so the search looks through every child.
    pub fn path_at(&self, offset: usize) -> KeyPath {
        fn search(
            path: &KeyPath,
            v: &Spanned<DeValue<'_>>,
            key: Option<Span>,
            offset: usize,
        ) -> Option<KeyPath> {
            let children: Vec<(KeyPath, &Spanned<DeValue<'_>>, Option<Span>)> = match v.get_ref() {
                DeValue::Table(t) => t
                    .iter()
                    .map(|(k, c)| (path.join(k.get_ref().as_ref()), c, Some(k.span())))
                    .collect(),
                DeValue::Array(a) => a
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (path.join(i), c, None))
                    .collect(),
                _ => Vec::new(),
            };
            for (p, c, k) in children {
                if let Some(found) = search(&p, c, k, offset) {
                    return Some(found);
                }
            }
            let hit = v.span().contains(&offset) || key.is_some_and(|k| k.contains(&offset));
            hit.then(|| path.clone())
        }
        for (k, v) in self.root.get_ref().iter() {
            let p = KeyPath(vec![Seg::Key(k.get_ref().to_string())]);
            if let Some(found) = search(&p, v, Some(k.span()), offset) {
                return found;
            }
        }
        KeyPath::default()
    }
}

impl Locator<'_> {
    /// Every key's span, by dotted path (array items as `[i]`).
    pub fn all_key_spans(&self) -> std::collections::BTreeMap<String, Span> {
        fn walk(
            path: &KeyPath,
            v: &Spanned<DeValue<'_>>,
            key: Option<Span>,
            out: &mut std::collections::BTreeMap<String, Span>,
        ) {
            out.insert(path.to_string(), key.unwrap_or_else(|| v.span()));
            match v.get_ref() {
                DeValue::Table(t) => {
                    for (k, child) in t.iter() {
                        walk(&path.join(k.get_ref().as_ref()), child, Some(k.span()), out);
                    }
                }
                DeValue::Array(a) => {
                    for (i, child) in a.iter().enumerate() {
                        walk(&path.join(i), child, None, out);
                    }
                }
                _ => {}
            }
        }
        let mut out = std::collections::BTreeMap::new();
        for (k, v) in self.root.get_ref().iter() {
            walk(
                &KeyPath(vec![Seg::Key(k.get_ref().to_string())]),
                v,
                Some(k.span()),
                &mut out,
            );
        }
        out
    }
}

fn lookup<'d, 'a>(
    t: &'d DeTable<'a>,
    key: &str,
) -> Option<(Option<Span>, &'d Spanned<DeValue<'a>>)> {
    t.iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(k, v)| (Some(k.span()), v))
}

/// The first line of a TOML error message, without the snippet the crate renders.
pub fn toml_message(e: &toml::de::Error) -> String {
    short_numbers(e.message().trim())
}

/// serde quotes the value it rejects in backticks, a float in full: `1e300` would
/// come back as 301 digits. Quoted numbers are shown as [`super::number`] shows them.
fn short_numbers(message: &str) -> String {
    message
        .split('`')
        .enumerate()
        .map(|(i, part)| match part.parse::<f64>() {
            Ok(x) if i % 2 == 1 && part.len() > 15 => super::number(x),
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join("`")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str =
        "version = 1\n[system]\nregions = [\"a\", \"b\"]\n[services.web]\nkind = \"stateless\"\n";

    #[test]
    fn long_quoted_numbers_are_shortened() {
        let long = format!(
            "invalid type: floating point `1{}`, expected i64",
            "0".repeat(300)
        );
        assert_eq!(
            short_numbers(&long),
            "invalid type: floating point `1e300`, expected i64"
        );
        assert_eq!(short_numbers("got `12`, `abc`"), "got `12`, `abc`");
    }

    #[test]
    fn finds_value_and_key_spans() {
        let loc = Locator::parse(DOC, Code::TomlSyntax).unwrap();
        let span = loc.value_span(&path!["system", "regions", 1usize]).unwrap();
        assert_eq!(&DOC[span], "\"b\"");
        let span = loc.value_span(&path!["services", "web", "kind"]).unwrap();
        assert_eq!(&DOC[span], "\"stateless\"");
        let span = loc.key_span(&path!["services", "web"]).unwrap();
        assert_eq!(&DOC[span], "web");
        // A missing key falls back to its parent.
        let span = loc.key_span(&path!["services", "web", "nope"]).unwrap();
        assert_eq!(&DOC[span], "web");
    }

    #[test]
    fn path_at_names_the_deepest_key() {
        let loc = Locator::parse(DOC, Code::TomlSyntax).unwrap();
        let offset = DOC.find("\"b\"").unwrap();
        assert_eq!(loc.path_at(offset).to_string(), "system.regions[1]");
    }

    #[test]
    fn displays_quoted_keys() {
        assert_eq!(
            path!["instance_types", "m5.large", "vcpus"].to_string(),
            "instance_types.\"m5.large\".vcpus"
        );
    }

    #[test]
    fn reports_every_syntax_error() {
        let errs = Locator::parse("a = \nb = = 2\n", Code::TomlSyntax).unwrap_err();
        assert!(!errs.is_empty());
        assert!(errs.iter().all(|d| d.span.is_some()));
    }
}
