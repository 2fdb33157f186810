//! Reading a user's TOML file, the same way for every kind of file (topology, catalog,
//! policy). Phase one, here: parse keeping spans, deserialize into raw serde types,
//! and report unknown keys (with did-you-mean suggestions taken from the same JSON
//! Schema editors use) instead of silently ignoring them. Phase two, the semantic
//! checks that turn the raw types into checked ones, belongs to each file kind.

pub mod did_you_mean;
pub mod spanned;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::diag::{Code, Diagnostic};

use self::spanned::{KeyPath, Locator, Seg};

/// Which codes a file kind uses for the three phase-one problems.
#[derive(Debug, Clone, Copy)]
pub struct Codes {
    /// What the file is (`topology`, `catalog`, `policy`), for messages.
    pub kind: &'static str,
    pub syntax: Code,
    pub wrong_type: Code,
    pub unknown_key: Code,
}

/// Top-level tables that tell the kinds of Faultline files apart, so a file passed in
/// the wrong place gets "this looks like a topology" rather than a missing field.
const MARKERS: &[(&str, &[&str], &str)] = &[
    (
        "topology",
        &["system", "services"],
        "pass it as the topology argument, not with `--catalog`",
    ),
    (
        "catalog",
        &["instance_types", "on_demand", "spot"],
        "pass it with `--catalog FILE`",
    ),
    (
        "policy",
        &[
            "fail_on",
            "max_monthly_cost",
            "cost_change",
            "min_availability",
            "max_downtime",
            "max_rto",
            "max_rpo",
            "quorum_survival",
            "residency",
            "required_tags",
        ],
        "pass it with `--policy FILE`",
    ),
];

/// The kind of Faultline file `root` looks like, when it is clearly one.
fn looks_like(root: &toml::de::DeTable<'_>) -> Option<(&'static str, &'static str)> {
    MARKERS.iter().find_map(|(kind, keys, how)| {
        keys.iter()
            .any(|k| root.contains_key(*k))
            .then_some((*kind, *how))
    })
}

#[derive(Debug)]
pub struct Loaded<'a, T> {
    pub value: T,
    pub locator: Locator<'a>,
    /// Unknown-key errors; the caller adds its semantic checks and decides.
    pub diags: Vec<Diagnostic>,
}

pub fn load<'a, T>(text: &'a str, codes: Codes) -> Result<Loaded<'a, T>, Vec<Diagnostic>>
where
    T: DeserializeOwned + JsonSchema,
{
    let locator = Locator::parse(text, codes.syntax)?;
    if let Some((kind, how)) =
        looks_like(locator.root().get_ref()).filter(|(k, _)| *k != codes.kind)
    {
        let own = MARKERS.iter().find(|(k, _, _)| *k == codes.kind);
        let has_own = own.is_some_and(|(_, keys, _)| {
            keys.iter()
                .any(|k| locator.root().get_ref().contains_key(*k))
        });
        if !has_own {
            return Err(vec![Diagnostic::error(
                codes.wrong_type,
                format!("this looks like a {kind}, not a {}", codes.kind),
            )
            .help(format!(
                "{how}; a {} file starts with {}",
                codes.kind,
                own.map(|(_, keys, _)| keys
                    .iter()
                    .map(|k| format!("[{k}]"))
                    .collect::<Vec<_>>()
                    .join(" or "))
                    .unwrap_or_default()
            ))]);
        }
    }
    let de = toml::Deserializer::from(locator.root().clone());
    let mut ignored: Vec<KeyPath> = Vec::new();
    let value: T = serde_ignored::deserialize(de, |p| ignored.push(to_key_path(&p)))
        .map_err(|e| vec![type_error(&e, &locator, codes.wrong_type)])?;

    let schema = schemars::schema_for!(T);
    let schema = schema.as_value();
    let diags = ignored
        .into_iter()
        .map(|path| {
            let name = match path.0.last() {
                Some(Seg::Key(k)) => k.clone(),
                _ => path.to_string(),
            };
            let parent = KeyPath(path.0[..path.0.len().saturating_sub(1)].to_vec());
            let allowed = allowed_keys(schema, &parent);
            let mut d = Diagnostic::error(codes.unknown_key, format!("unknown key `{name}`"))
                .key(path.to_string());
            if let Some(span) = locator.key_span(&path) {
                d = d.at(span);
            }
            d.help(self::did_you_mean::help_for(
                &name,
                allowed.iter().map(String::as_str),
            ))
        })
        .collect();
    Ok(Loaded {
        value,
        locator,
        diags,
    })
}

fn type_error(e: &toml::de::Error, locator: &Locator<'_>, code: Code) -> Diagnostic {
    let message = spanned::toml_message(e);
    let mut d = Diagnostic::error(code, message);
    if let Some(span) = e.span() {
        let path = locator.path_at(span.start);
        if !path.0.is_empty() {
            d = d.key(path.to_string());
        }
        d = d.at(span);
    }
    d
}

fn to_key_path(p: &serde_ignored::Path<'_>) -> KeyPath {
    use serde_ignored::Path;
    let mut segs = Vec::new();
    let mut cur = p;
    loop {
        match cur {
            Path::Root => break,
            Path::Seq { parent, index } => {
                segs.push(Seg::Index(*index));
                cur = parent;
            }
            Path::Map { parent, key } => {
                segs.push(Seg::Key(key.clone()));
                cur = parent;
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => cur = parent,
        }
    }
    segs.reverse();
    KeyPath(segs)
}

/// The keys the schema allows in the table at `path`.
pub fn allowed_keys(schema: &Value, path: &KeyPath) -> Vec<String> {
    let mut node = Some(resolve(schema, schema));
    for seg in &path.0 {
        node = node.and_then(|n| child(schema, n, seg));
    }
    let mut keys = Vec::new();
    if let Some(n) = node {
        collect_properties(schema, n, &mut keys);
    }
    keys.sort();
    keys.dedup();
    keys
}

fn resolve<'s>(root: &'s Value, node: &'s Value) -> &'s Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/")
            .and_then(|p| root.pointer(&format!("/{p}")))
            .map_or(node, |n| resolve(root, n)),
        None => node,
    }
}

fn alternatives<'s>(root: &'s Value, node: &'s Value) -> Vec<&'s Value> {
    let node = resolve(root, node);
    let mut out = vec![node];
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(list) = node.get(key).and_then(Value::as_array) {
            for alt in list {
                out.extend(alternatives(root, alt));
            }
        }
    }
    out
}

fn child<'s>(root: &'s Value, node: &'s Value, seg: &Seg) -> Option<&'s Value> {
    for alt in alternatives(root, node) {
        let found = match seg {
            Seg::Key(k) => alt
                .get("properties")
                .and_then(|p| p.get(k))
                .or_else(|| alt.get("additionalProperties").filter(|v| v.is_object())),
            Seg::Index(_) => alt.get("items").filter(|v| v.is_object()),
        };
        if let Some(f) = found {
            return Some(resolve(root, f));
        }
    }
    None
}

fn collect_properties(root: &Value, node: &Value, keys: &mut Vec<String>) {
    for alt in alternatives(root, node) {
        if let Some(props) = alt.get("properties").and_then(Value::as_object) {
            keys.extend(props.keys().cloned());
        }
    }
}

/// A number for a message: plain when short, in scientific notation when it would run
/// to many digits (`1e308` is not echoed as 309 of them).
pub fn number(x: f64) -> String {
    if x.is_finite() && x != 0.0 && !(1e-4..1e9).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// A user's value for a message, shortened when long (a 50 MB name is not echoed).
pub fn clip(s: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        std::borrow::Cow::Borrowed(s)
    } else {
        let head: String = s.chars().take(MAX).collect();
        std::borrow::Cow::Owned(format!("{head}… ({} characters)", s.chars().count()))
    }
}
