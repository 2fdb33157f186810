//! Every document as JSON: the plan, the assessment, the report, the catalog, a
//! catalog diff, a validation summary, and the error document a failed command
//! prints. Objects' keys are sorted and floats printed the shortest way that reads
//! back exactly, so the same input gives the same bytes.

use faultline_models::catalog::Catalog;
use faultline_models::diag::{Diagnostic, Severity};
use faultline_models::report::{Report, REPORT_FORMAT_VERSION};
use serde::Serialize;
use serde_json::{json, Value};

use super::diagnostics::to_json;
use super::{Doc, Filter, Sources, View};

/// Pretty JSON with a final newline.
pub fn pretty<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_value(v)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_default();
    s.push('\n');
    s
}

pub fn render(doc: &Doc<'_>, sources: &Sources) -> String {
    match doc {
        Doc::Validation(v) => pretty(&json!({
            "file": sources.path(faultline_models::diag::FileKind::Topology),
            "ok": true,
            "valid": true,
            "system": v.system,
            "services": v.services,
            "journeys": v.journeys,
            "regions": v.regions,
            "diagnostics": to_json(sources, v.warnings),
        })),
        Doc::Report(r, view) => match view {
            View::Plan => match &r.plan {
                Some(p) => pretty(p),
                None => report(r, sources),
            },
            View::Assessment => match &r.assessment {
                Some(a) => pretty(a),
                None => report(r, sources),
            },
            View::Report => report(r, sources),
        },
        Doc::Catalog(c, f) => pretty(&catalog(c, f)),
        Doc::CatalogDiff(d, _, _) => pretty(d),
        Doc::Failure(diags) => failure(diags, sources),
        Doc::Gate(g) => pretty(&super::gate::json(g, sources)),
        Doc::Diff(d, base, head) => pretty(&super::gate::diff_json(d, base, head)),
    }
}

/// The whole report document, findings with their files and lines.
fn report(r: &Report, sources: &Sources) -> String {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert(
            "findings".into(),
            serde_json::to_value(to_json(sources, &r.findings)).unwrap_or(Value::Null),
        );
        m.insert("format_version".into(), json!(REPORT_FORMAT_VERSION));
    }
    pretty(&v)
}

/// What a failed command prints with `--format json`: `ok: false` and every
/// diagnostic, so a program can tell the failure from a result.
fn failure(diags: &[Diagnostic], sources: &Sources) -> String {
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    pretty(&json!({
        "ok": false,
        "errors": errors,
        "warnings": diags.len() - errors,
        "diagnostics": to_json(sources, diags),
    }))
}

fn catalog(c: &Catalog, f: &Filter<'_>) -> Value {
    let regions: serde_json::Map<String, serde_json::Value> = c
        .regions
        .iter()
        .filter(|(n, _)| f.region(n))
        .map(|(name, r)| {
            let types: serde_json::Map<String, serde_json::Value> = c
                .instance_types
                .iter()
                .filter(|(_, it)| f.family(&it.family))
                .filter_map(|(t, it)| {
                    let od = c.on_demand_price(name, t);
                    let spot = c.spot_pool(name, t);
                    (od.is_some() || spot.is_some()).then(|| {
                        (
                            t.clone(),
                            json!({
                                "family": it.family,
                                "arch": it.arch,
                                "vcpus": it.vcpus,
                                "memory_gib": it.memory_gib,
                                "on_demand_usd_per_hour": od,
                                "spot": spot,
                            }),
                        )
                    })
                })
                .collect();
            (
                name.clone(),
                json!({
                    "name": r.name,
                    "zones": r.zones,
                    "on_demand_source": c.on_demand.get(name).map(|p| &p.source),
                    "spot_source": c.spot.get(name).map(|p| &p.source),
                    "instance_types": types,
                }),
            )
        })
        .collect();
    json!({
        "catalog": c.name,
        "cloud": c.cloud,
        "as_of": c.as_of,
        "regions": regions,
        "commitments": c.commitments,
        "transfer": c.transfer,
        "rtt": c.rtt,
        "failure": c.failure,
        "sources": c.sources,
    })
}
