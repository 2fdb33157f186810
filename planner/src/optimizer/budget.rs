//! The budget cap (`constraints.max_monthly_usd`): services are independent otherwise,
//! so the sum of their minima is the joint minimum and the cap is checked on the sum.
//! A plan above the cap whose proven bound is below it may still fit: the services not
//! proven optimal are solved again with no gap before the cap is declared out of reach.

use std::collections::BTreeMap;
use std::time::Instant;

use faultline_models::cost::{self, usd};
use faultline_models::deployment::Words;
use faultline_models::diag::Code;
use faultline_models::plan::{Plan, ServicePlan, SolveStatus};
use rust_decimal::Decimal;

use super::assess::Assessor;
use super::context::Ctx;
use super::document::assemble;
use super::escalate;
use super::explain::{Conflict, Infeasible};
use super::fleet::Warm;
use super::options::SolveOptions;
use super::service;
use super::spec::Spec;

/// The plan if it fits under `cap` (after an exact re-solve where the gap leaves
/// room), or the conflict that says why none does.
pub(crate) fn tighten(
    ctx: &Ctx<'_>,
    assessor: Option<&Assessor<'_>>,
    specs: &mut BTreeMap<String, Spec>,
    warm: &BTreeMap<String, Warm>,
    mut plan: Plan,
    cap: Decimal,
    start: Instant,
) -> Result<Plan, Infeasible> {
    let bound: f64 = plan.services.values().map(|s| s.solve.best_bound).sum();
    if cost::decimal(bound) <= cap {
        let exact = SolveOptions {
            gap: 0.0,
            ..ctx.options.clone()
        };
        let exact_ctx = Ctx {
            options: &exact,
            ..*ctx
        };
        let t = ctx.topology;
        let jobs: Vec<service::Job<'_>> = plan
            .services
            .iter()
            .filter(|(_, sp)| sp.solve.status != SolveStatus::Optimal)
            .filter_map(|(name, _)| {
                let svc = t.services.get(name)?;
                Some((name.as_str(), svc, specs.get(name)?.clone(), warm.get(name)))
            })
            .collect();
        // Taken as a whole: a service solved again may move, and the services that
        // depend on it follow, so the new plans only make sense together.
        let mut better = plan.services.clone();
        let mut solved_specs = Vec::new();
        let mut complete = true;
        for solved in service::plan_services(&exact_ctx, jobs, &plan.services, Some(&*specs)) {
            match solved.result {
                Ok((sp, _)) => {
                    better.insert(solved.name.to_string(), sp);
                    solved_specs.push((solved.name.to_string(), solved.spec));
                }
                Err(_) => complete = false,
            }
        }
        let total = |s: &BTreeMap<String, ServicePlan>| -> Decimal {
            s.values().map(|sp| sp.monthly_usd).sum()
        };
        if complete && total(&better) < total(&plan.services) {
            specs.extend(solved_specs);
            let services = better;
            plan = assemble(t, ctx.catalog, ctx.options, services, start);
            if let (Some(assess), None) = (assessor, &ctx.options.level) {
                plan = escalate::meet_availability(ctx, assess, specs, plan, start)?;
            }
        }
    }
    if plan.monthly_usd <= cap {
        return Ok(plan);
    }
    let bound: f64 = plan.services.values().map(|s| s.solve.best_bound).sum();
    Err(Infeasible {
        conflicts: vec![conflict(&plan.services, plan.monthly_usd, cap, bound)],
    })
}

fn conflict(
    services: &BTreeMap<String, ServicePlan>,
    total: Decimal,
    cap: Decimal,
    bound: f64,
) -> Conflict {
    let mut by: Vec<(&String, &ServicePlan)> = services.iter().collect();
    by.sort_by(|a, b| b.1.monthly_usd.cmp(&a.1.monthly_usd).then(a.0.cmp(b.0)));
    let top: Vec<String> = by
        .iter()
        .take(3)
        .map(|(n, s)| {
            let survive: Vec<&str> = s.survive.iter().map(|d| d.word()).collect();
            format!(
                "`{n}` {}/month ({}{})",
                usd(s.monthly_usd),
                s.deployment.dr,
                if survive.is_empty() {
                    String::new()
                } else {
                    format!(", survives {}", survive.join(" + "))
                }
            )
        })
        .collect();
    let proof = if cost::decimal(bound) > cap {
        format!(
            "no plan that meets every SLO costs less than {}/month (a proven bound), above constraints.max_monthly_usd {}",
            usd(cost::decimal(bound)),
            usd(cap)
        )
    } else {
        format!(
            "the cheapest plan found that meets every SLO costs {}/month, above constraints.max_monthly_usd {}; the solver's work budget ran out before it could prove or rule out one below the cap (its proven bound is {})",
            usd(total),
            usd(cap),
            usd(cost::decimal(bound))
        )
    };
    Conflict::system(format!("{proof}; the largest costs are {}", top.join(", ")))
    .code(Code::BudgetCapExceeded)
    .key("constraints.max_monthly_usd")
    .help("raise the cap, or relax what the costliest services must survive (`faultline plan --frontier` shows what each requirement costs)")
}
