//! A plan as text: the summary table, each service's instances and what bound them,
//! the cost breakdowns and the frontier. (Infeasibility renders as diagnostics.)

use std::fmt::Write;

use faultline_models::deployment::Words;
use faultline_models::duration;
use faultline_models::plan::{
    Availability, CostBreakdown, Frontier, Layer, Plan, ServicePlan, SolveStatus,
};
use faultline_models::topology::Disruption;
use rust_decimal::Decimal;

pub use faultline_models::cost::usd;

pub fn pct(x: f64) -> String {
    format!("{:.4}%", x * 100.0)
}

fn survive_words(s: &std::collections::BTreeSet<Disruption>) -> String {
    if s.is_empty() {
        "nothing".into()
    } else {
        s.iter().map(|d| d.word()).collect::<Vec<_>>().join(" + ")
    }
}

pub fn text(plan: &Plan) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "plan for `{}`: {}/month",
        plan.system,
        usd(plan.monthly_usd)
    );
    let mut limits = Vec::new();
    if let Some(b) = plan.budget.monthly_budget_usd {
        limits.push(format!(
            "budget {} ({})",
            usd(b),
            if plan.budget.within_budget {
                "within"
            } else {
                "OVER"
            }
        ));
    }
    if let Some(c) = plan.budget.max_monthly_usd {
        limits.push(format!("cap {}", usd(c)));
    }
    limits.push(format!(
        "commitments amortised over {} months",
        plan.horizon_months
    ));
    let _ = writeln!(o, "{}; prices from {}", limits.join(", "), plan.catalog);
    let s = &plan.solve;
    let _ = writeln!(
        o,
        "solved with {}: {} ({} {:.2}, best bound {:.2}, gap {:.3}%)",
        s.backend,
        s.status,
        plan.objective_words(),
        s.objective,
        s.best_bound,
        s.gap * 100.0
    );
    let short: Vec<&str> = plan
        .services
        .iter()
        .filter(|(_, sp)| sp.solve.status >= SolveStatus::WorkLimit)
        .map(|(k, _)| k.as_str())
        .collect();
    if !short.is_empty() && s.status < SolveStatus::WorkLimit {
        let _ = writeln!(
            o,
            "{} of {} services stopped on the work budget short of the gap ({}); the others' slack keeps the plan within it",
            short.len(),
            plan.services.len(),
            if short.len() > 3 {
                format!("{}, …", short[..3].join(", "))
            } else {
                short.join(", ")
            }
        );
    }
    o.push('\n');
    let w = plan
        .services
        .keys()
        .map(|k| k.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        o,
        "{:<w$}  {:<10}  {:<8}  {:<14}  {:<20}  {:>12}  {:>12}  {:>14}",
        "service", "kind", "consist.", "dr", "survives", "availability", "target", "$/month"
    );
    for (name, sp) in super::natural(&plan.services) {
        let (a, t) = match &sp.availability {
            Some(a) => (
                pct(a.computed),
                a.target.map(pct).unwrap_or_else(|| "-".into()),
            ),
            None => ("-".into(), "-".into()),
        };
        let _ = writeln!(
            o,
            "{:<w$}  {:<10}  {:<8}  {:<14}  {:<20}  {:>12}  {:>12}  {:>14}",
            name,
            sp.kind.word(),
            consistency(sp),
            sp.deployment.dr.word(),
            survive_words(&sp.survive),
            a,
            t,
            usd(sp.monthly_usd)
        );
    }
    if !plan.journeys.is_empty() {
        o.push('\n');
        for (name, a) in super::natural(&plan.journeys) {
            let _ = writeln!(
                o,
                "journey `{name}`: availability {}{} ({}){}",
                pct(a.computed),
                a.target
                    .map(|t| format!(" (target {})", pct(t)))
                    .unwrap_or_default(),
                down_degraded(a),
                stranded(a)
            );
        }
    }
    for (name, sp) in super::natural(&plan.services) {
        o.push('\n');
        service(&mut o, name, sp);
    }
    o.push('\n');
    cost_lines(&mut o, &plan.cost);
    if let Some(c) = &plan.owned {
        owned(&mut o, c, plan.horizon_months);
    }
    for n in &plan.notes {
        let _ = writeln!(o, "note: {n}");
    }
    if let Some(f) = &plan.frontier {
        o.push('\n');
        frontier(&mut o, f);
    }
    o
}

/// A cost breakdown's lines: by region, by purchase option, and the three kinds of
/// spend. Shared by plans and analysed placements, so both read the same.
pub fn cost_lines(o: &mut String, c: &CostBreakdown) {
    let by = |m: &std::collections::BTreeMap<String, Decimal>| {
        m.iter()
            .map(|(k, v)| format!("{k} {}", usd(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !c.by_service.is_empty() {
        let _ = writeln!(o, "cost by service: {}", by(&c.by_service));
    }
    let _ = writeln!(o, "cost by region: {}", by(&c.by_region));
    let _ = writeln!(o, "cost by purchase option: {}", by(&c.by_purchase));
    let _ = writeln!(
        o,
        "instances {}, standby {}, transfer {}",
        usd(c.instances),
        usd(c.standby),
        usd(c.transfer)
    );
}

/// Owned commitments: the part of the cost they pay, then each entry, used or idle.
fn owned(o: &mut String, c: &faultline_models::plan::OwnedCapacity, horizon: u32) {
    let _ = writeln!(
        o,
        "owned commitments pay {}/month of it (already bought); new spend {}/month",
        usd(c.monthly_usd),
        usd(c.new_spend_monthly_usd)
    );
    for e in &c.entries {
        let (what, place, unit) = e.words();
        let _ = writeln!(
            o,
            "owned #{} {} {what} in {place}, {}-month term{}: {} — uses {} of {} {unit}, {} idle; covers {} of the {} months, pays {}/month",
            e.entry,
            e.kind.word(),
            e.term_months,
            e.ends.as_ref().map(|x| format!(", ends {x}")).unwrap_or_default(),
            e.status(),
            e.used,
            e.owned,
            e.idle,
            e.months_covered,
            horizon,
            usd(e.monthly_usd)
        );
    }
}

/// A store's consistency; a stateless fleet holds no data, so it has none.
fn consistency(sp: &ServicePlan) -> &'static str {
    match sp.kind {
        faultline_models::topology::Kind::Stateless => "-",
        _ => sp.consistency.word(),
    }
}

fn service(o: &mut String, name: &str, sp: &ServicePlan) {
    let _ = writeln!(
        o,
        "{name}: {}, {}, survives {}: {}/month",
        match sp.kind {
            faultline_models::topology::Kind::Stateless => "stateless".to_string(),
            k => format!("{} {}", sp.consistency.word(), k.word()),
        },
        sp.deployment.dr.word(),
        survive_words(&sp.survive),
        usd(sp.monthly_usd)
    );
    if let Some(a) = &sp.availability {
        let _ = writeln!(
            o,
            "  availability {} ({})",
            pct(a.computed),
            down_degraded(a)
        );
    }
    for l in &sp.instances {
        let when = match l.layer {
            Layer::Base => "always on".to_string(),
            Layer::Peak => format!(
                "scaled, runs {:.0}% of hours",
                l.running_fraction * Decimal::from(100)
            ),
            Layer::Standby => "standby".to_string(),
        };
        let _ = writeln!(
            o,
            "  {:<16} {:>4} × {:<14} {:<16} {:<8} {:<28} {:>12}",
            l.zone.as_deref().unwrap_or(&l.region),
            l.count,
            l.instance_type,
            l.purchase.word(),
            l.role.word(),
            when,
            usd(l.monthly_usd)
        );
    }
    for t in &sp.transfer {
        let _ = writeln!(
            o,
            "  {:<77} {:>12}",
            format!(
                "{} ({} GB/month at ${}/GB)",
                t.what,
                t.gb_per_month,
                t.usd_per_gb.normalize()
            ),
            usd(t.monthly_usd)
        );
    }
    let rec: Vec<String> = sp
        .recovery
        .iter()
        .map(|(d, r)| {
            format!(
                "{} RTO {} RPO {}",
                d.word(),
                duration::format(r.rto),
                duration::format(r.rpo)
            )
        })
        .collect();
    if !rec.is_empty() {
        let _ = writeln!(o, "  recovery: {}", rec.join("; "));
    }
    for opt in &sp.dr_options {
        let _ = writeln!(
            o,
            "  dr {}{}: {}{}",
            opt.pattern.word(),
            if opt.chosen { " (chosen)" } else { "" },
            opt.monthly_usd.map(usd).unwrap_or_else(|| "-".into()),
            opt.note
                .as_ref()
                .map(|n| format!(" — {n}"))
                .unwrap_or_default()
        );
    }
    for b in &sp.binding {
        let _ = writeln!(o, "  binding {}: {}", b.constraint, b.detail);
    }
}

/// Minutes down and degraded, per month and per year: together they are what the
/// availability figure leaves out.
fn down_degraded(a: &Availability) -> String {
    format!(
        "{:.1} min/month down + {:.1} degraded; {:.0} + {:.0} min/year",
        a.downtime_minutes_per_month,
        a.degraded_minutes_per_month,
        a.downtime_minutes_per_year,
        a.degraded_minutes_per_year
    )
}

fn frontier(o: &mut String, f: &Frontier) {
    let _ = writeln!(o, "resilience frontier (every service at each level):");
    let _ = writeln!(
        o,
        "  {:<22} {:>14} {:>14} {:>16} {:>16} {:>12}",
        "survives", "$/month", "availability", "down min/month", "degraded min/mo", "worst RPO"
    );
    for l in &f.levels {
        let _ = writeln!(
            o,
            "  {:<22} {:>14} {:>14} {:>16} {:>16} {:>12}",
            l.name,
            l.monthly_usd.map(usd).unwrap_or_else(|| "n/a".into()),
            l.availability.map(pct).unwrap_or_else(|| "-".into()),
            l.downtime_minutes_per_month
                .map(|d| format!("{d:.1}"))
                .unwrap_or_else(|| "-".into()),
            l.degraded_minutes_per_month
                .map(|d| format!("{d:.1}"))
                .unwrap_or_else(|| "-".into()),
            l.worst_rpo_seconds
                .map(|s| format!("{s:.1} s"))
                .unwrap_or_else(|| "-".into())
        );
        for n in &l.notes {
            let _ = writeln!(o, "    not plannable: {n}");
        }
    }
    let _ = writeln!(
        o,
        "what each availability target costs (each service at its cheapest sufficient level):"
    );
    for t in &f.targets {
        let _ = writeln!(
            o,
            "  {:<10} {:>14} {:>16}{}",
            pct(t.target),
            t.monthly_usd
                .map(usd)
                .unwrap_or_else(|| "unreachable".into()),
            t.extra_usd
                .map(|e| format!("+{}", usd(e)))
                .unwrap_or_default(),
            if t.unreachable.is_empty() {
                String::new()
            } else {
                format!("  ({})", t.unreachable.join(", "))
            }
        );
    }
    let _ = writeln!(o, "what each requirement costs:");
    for m in &f.marginal {
        let _ = writeln!(
            o,
            "  {:<40} {}{}",
            format!("`{}` {}", m.service, m.requirement),
            m.monthly_usd
                .map(|d| format!(
                    "{}{}/month",
                    if d >= Decimal::ZERO { "+" } else { "" },
                    usd(d)
                ))
                .unwrap_or_else(|| "-".into()),
            m.note
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        );
    }
}

/// A saga journey's stranded requests a year, against its bound when it has one.
fn stranded(a: &faultline_models::plan::Availability) -> String {
    let Some(n) = a.stranded_sagas_per_year else {
        return String::new();
    };
    let bound = a
        .max_stranded_per_year
        .map(|b| format!(" (bound {})", faultline_models::units::count(b)))
        .unwrap_or_default();
    format!(
        "; {} sagas/year left stranded{bound}",
        faultline_models::units::count(n)
    )
}
