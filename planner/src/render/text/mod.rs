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
        Doc::Gate(g) => super::gate::text(g, sources),
        Doc::Diff(d, base, head) => super::gate::diff_text(d, base, head),
    }
}

fn report(r: &Report, view: View) -> String {
    let plan = r.plan.as_ref().map(plan::text);
    let assessment = r.assessment.as_ref().map(assessment::text);
    match (view, plan, assessment) {
        (View::Plan, Some(p), _) => p,
        (View::Assessment, None, Some(mut a)) => {
            // A hand-written placement: what it costs, priced like a plan.
            if let Some(c) = &r.cost {
                let total: rust_decimal::Decimal = c.by_service.values().copied().sum();
                a.push_str(&format!(
                    "\nCost of the placement: {}/month\n",
                    plan::usd(total)
                ));
                plan::cost_lines(&mut a, c);
            }
            a
        }
        (View::Assessment, _, Some(a)) => a,
        (_, p, a) => [p, a].into_iter().flatten().collect::<Vec<_>>().join("\n"),
    }
}

/// Compares names the way people count: `svc-2` before `svc-10`.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut x, mut y) = (a, b);
    loop {
        match (x.is_empty(), y.is_empty()) {
            (true, true) => return a.cmp(b),
            (true, false) => return std::cmp::Ordering::Less,
            (false, true) => return std::cmp::Ordering::Greater,
            _ => {}
        }
        let dx = x.len() - x.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let dy = y.len() - y.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if dx > 0 && dy > 0 {
            let (nx, ny) = (
                x[..dx].trim_start_matches('0'),
                y[..dy].trim_start_matches('0'),
            );
            let o = nx.len().cmp(&ny.len()).then_with(|| nx.cmp(ny));
            if o != std::cmp::Ordering::Equal {
                return o;
            }
            (x, y) = (&x[dx..], &y[dy..]);
        } else {
            let (cx, cy) = (
                x.chars().next().unwrap_or(' '),
                y.chars().next().unwrap_or(' '),
            );
            if cx != cy {
                return cx.cmp(&cy);
            }
            (x, y) = (&x[cx.len_utf8()..], &y[cy.len_utf8()..]);
        }
    }
}

/// A map's entries in natural order of their names.
pub fn natural<V>(m: &std::collections::BTreeMap<String, V>) -> Vec<(&String, &V)> {
    let mut v: Vec<(&String, &V)> = m.iter().collect();
    v.sort_by(|a, b| natural_cmp(a.0, b.0));
    v
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

#[cfg(test)]
mod tests {
    use super::natural_cmp;

    #[test]
    fn numbers_sort_by_value() {
        let mut v = vec!["svc-10", "svc-1", "svc-2", "api", "svc-01b", "svc-0"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["api", "svc-0", "svc-1", "svc-01b", "svc-2", "svc-10"]);
    }
}
