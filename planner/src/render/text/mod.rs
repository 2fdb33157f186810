//! Every document as text for people: aligned tables, money with thousands separators,
//! durations in the largest fitting unit.

pub mod assessment;
pub mod catalog;
pub mod plan;

use faultline_models::report::Report;

use super::{diagnostics, Doc, Sources, Validation, View};

pub fn render(doc: &Doc<'_>, sources: &Sources) -> String {
    match doc {
        Doc::Validation(v) => validation(v, sources),
        Doc::Report(r, view) => report(r, *view),
        Doc::Catalog(c, f) => catalog::text(c, f),
        Doc::CatalogDiff(d, old, new) => catalog::diff(old, new, d),
        Doc::Failure(diags) => diagnostics::render(sources, diags),
    }
}

fn report(r: &Report, view: View) -> String {
    let plan = r.plan.as_ref().map(plan::text);
    let assessment = r.assessment.as_ref().map(assessment::text);
    match (view, plan, assessment) {
        (View::Plan, Some(p), _) => p,
        (View::Assessment, _, Some(a)) => a,
        (_, p, a) => [p, a].into_iter().flatten().collect::<Vec<_>>().join("\n"),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn validation(v: &Validation<'_>, sources: &Sources) -> String {
    let warnings = match v.warnings.len() {
        0 => String::new(),
        1 => " (1 warning)".into(),
        n => format!(" ({n} warnings)"),
    };
    format!(
        "ok: {} is valid: system `{}`, {} service{}, {} journey{}, {} region{}{}\n",
        sources.path(faultline_models::diag::FileKind::Topology),
        v.system,
        v.services,
        plural(v.services),
        v.journeys,
        plural(v.journeys),
        v.regions,
        plural(v.regions),
        warnings,
    )
}
