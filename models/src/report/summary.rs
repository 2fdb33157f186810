//! The figures a report leads with, each defined once so the HTML report, its Markdown
//! summary and any later reader agree: the commitment a plan implies, the requirement
//! that costs most, the weakest journey, the single failure with the largest blast
//! radius, and the order in which failures are shown (worst first).
//! `docs/report.md` states each definition.

use std::cmp::Ordering;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::cost::term_months;
use crate::deployment::{Purchase, Words};
use crate::failure::{Assessment, Cell, Figures, Impact, ScenarioRow};
use crate::plan::{Frontier, MarginalCost, Plan};
use crate::units::MINUTES_PER_MONTH;

/// Capacity bought on one commitment option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commitment {
    pub purchase: Purchase,
    pub term_months: u32,
    /// Instances bought this way, over every service.
    pub instances: u32,
    /// What the plan pays for them per month (the term spread over the horizon, as
    /// the plan counts it: docs/cost-model.md).
    pub monthly_usd: Decimal,
    /// What the plan commits to over its horizon: `monthly_usd × horizon_months`, the
    /// cost of every term the horizon needs, paid whether the capacity is used or not.
    pub horizon_usd: Decimal,
}

/// The commitments a plan implies, one per commitment option it buys, in the order of
/// [`Purchase`]; empty when everything is on-demand or spot.
pub fn commitments(plan: &Plan) -> Vec<Commitment> {
    let mut out: Vec<Commitment> = Vec::new();
    for line in plan.services.values().flat_map(|s| &s.instances) {
        let Some(term) = term_months(line.purchase) else {
            continue;
        };
        match out.iter_mut().find(|c| c.purchase == line.purchase) {
            Some(c) => {
                c.instances += line.count;
                c.monthly_usd += line.monthly_usd;
            }
            None => out.push(Commitment {
                purchase: line.purchase,
                term_months: term,
                instances: line.count,
                monthly_usd: line.monthly_usd,
                horizon_usd: Decimal::ZERO,
            }),
        }
    }
    for c in &mut out {
        c.horizon_usd = c.monthly_usd * Decimal::from(plan.horizon_months);
    }
    out.sort_by_key(|c| Purchase::ALL.iter().position(|p| *p == c.purchase));
    out
}

/// The requirement whose marginal cost is highest (the plan with it minus the plan
/// without it); `None` without a frontier or when no requirement adds cost. Ties keep
/// the frontier's order.
pub fn costliest_requirement(frontier: &Frontier) -> Option<&MarginalCost> {
    let mut best: Option<&MarginalCost> = None;
    for m in &frontier.marginal {
        let Some(usd) = m.monthly_usd else { continue };
        if usd <= Decimal::ZERO {
            continue;
        }
        if best.and_then(|b| b.monthly_usd).is_none_or(|b| usd > b) {
            best = Some(m);
        }
    }
    best
}

/// A journey (or, in a system without journeys, a service) at its weakest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weakest {
    pub name: String,
    /// Whether `name` is a journey (else a service).
    pub journey: bool,
    pub availability: f64,
    pub target: Option<f64>,
    /// Share of the SLO's allowed unavailability used: `(1 − A) / (1 − target)`; above
    /// 1 the SLO is missed.
    pub budget_used: Option<f64>,
}

/// The weakest journey: the one using the largest share of its availability SLO's
/// error budget; when no journey has an availability target, the least available.
/// Services stand in for journeys in a system that has none.
pub fn weakest(a: &Assessment) -> Option<Weakest> {
    let (items, journey) = if a.journeys.is_empty() {
        (&a.services, false)
    } else {
        (&a.journeys, true)
    };
    let of = |(name, f): (&String, &Figures)| Weakest {
        name: name.clone(),
        journey,
        availability: f.availability,
        target: f.slo.availability_target,
        budget_used: f
            .slo
            .availability_target
            .map(|t| (1.0 - f.availability) / (1.0 - t)),
    };
    let all: Vec<Weakest> = items.iter().map(of).collect();
    let budgeted = all
        .iter()
        .filter(|w| w.budget_used.is_some())
        .max_by(|x, y| {
            x.budget_used
                .partial_cmp(&y.budget_used)
                .unwrap_or(Ordering::Equal)
                // Equal shares: the first in name order wins.
                .then_with(|| y.name.cmp(&x.name))
        });
    budgeted
        .or_else(|| {
            all.iter().min_by(|x, y| {
                x.availability
                    .total_cmp(&y.availability)
                    .then_with(|| x.name.cmp(&y.name))
            })
        })
        .cloned()
}

/// What one single failure does to the system, counted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Severity {
    /// Services and journeys down right after the failure.
    pub down: usize,
    /// Services and journeys degraded right after the failure.
    pub degraded: usize,
    /// The longest time any of them spends down, seconds: a recovery's own time, or
    /// the failure's expected repair time when only a repair ends it.
    pub longest_outage_seconds: f64,
    /// Whether some service or journey stays down until the failure is repaired.
    pub until_repair: bool,
}

impl Severity {
    pub fn of(row: &ScenarioRow) -> Severity {
        let cells = row.services.values().chain(row.journeys.values());
        let mut s = Severity {
            down: 0,
            degraded: 0,
            longest_outage_seconds: 0.0,
            until_repair: false,
        };
        for c in cells {
            match c.status.as_str() {
                "down" => s.down += 1,
                "degraded" => s.degraded += 1,
                _ => {}
            }
            if c.outage.impact != Impact::None {
                s.longest_outage_seconds = s.longest_outage_seconds.max(c.outage.seconds);
            }
            s.until_repair |= c.outage.impact == Impact::Repair;
        }
        s
    }

    /// Services and journeys not fully up right after the failure.
    pub fn impaired(&self) -> usize {
        self.down + self.degraded
    }

    /// Worse first: more impaired, then more down, then something left down until
    /// repair, then a longer outage.
    fn worse_than(&self, o: &Severity) -> Ordering {
        o.impaired()
            .cmp(&self.impaired())
            .then(o.down.cmp(&self.down))
            .then(o.until_repair.cmp(&self.until_repair))
            .then(
                o.longest_outage_seconds
                    .total_cmp(&self.longest_outage_seconds),
            )
    }
}

/// Indexes of the assessment's scenarios, worst first (see [`Severity`]); failures
/// equally bad keep the model's order.
pub fn worst_first(a: &Assessment) -> Vec<usize> {
    let sev: Vec<Severity> = a.scenarios.iter().map(Severity::of).collect();
    let mut idx: Vec<usize> = (0..a.scenarios.len()).collect();
    idx.sort_by(|x, y| sev[*x].worse_than(&sev[*y]));
    idx
}

/// The single failure with the largest blast radius: the first of [`worst_first`],
/// when it impairs anything at all.
pub fn largest_blast_radius(a: &Assessment) -> Option<(&ScenarioRow, Severity)> {
    let first = *worst_first(a).first()?;
    let row = &a.scenarios[first];
    let s = Severity::of(row);
    (s.impaired() > 0).then_some((row, s))
}

/// Whether a failure leaves a service or journey anything but fully up: not `ok`
/// right after it or after recovery, writes lost, copies diverging, or a recovery
/// (scale-up) needed.
pub fn impaired(c: &Cell) -> bool {
    c.status != "ok"
        || c.after_recovery != "ok"
        || c.data_lost_seconds > 0.0
        || c.diverges
        || c.recovery.impact != Impact::None
}

/// Minutes per month down, and degraded, from a service's or journey's figures: its
/// yearly figures over twelve months.
pub fn per_month(f: &Figures) -> (f64, f64) {
    (
        f.downtime_minutes_per_year / 12.0,
        f.degraded_minutes_per_year / 12.0,
    )
}

/// Minutes per month not fully up, `(1 − availability) × 43,800`: the frontier's
/// measure of downtime (down and degraded together), so a plan can be placed on it.
pub fn not_up_minutes_per_month(availability: f64) -> f64 {
    (1.0 - availability) * MINUTES_PER_MONTH
}

/// The availability the frontier places a plan at: its least available journey (its
/// least available service when it has no journeys), as `plan --frontier` measures
/// each level.
pub fn frontier_availability(a: &Assessment) -> Option<f64> {
    let items = if a.journeys.is_empty() {
        &a.services
    } else {
        &a.journeys
    };
    items
        .values()
        .map(|f| f.availability)
        .min_by(f64::total_cmp)
}
