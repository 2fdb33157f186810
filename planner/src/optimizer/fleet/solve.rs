//! Solving one fleet problem: the LP relaxation, a rounded incumbent, the MILP, and
//! the solution turned into instance lines with the constraints that bind it.

use std::collections::BTreeMap;

use faultline_models::cost::{decimal, Pricing};
use faultline_models::deployment::{Purchase, Role};
use faultline_models::plan::{Binding, Constraint, InstanceLine, Layer};
use rust_decimal::Decimal;

use super::model::{Built, FleetProblem};
use crate::optimizer::backend::{self, SolveError, SolveSettings, SolveStatus, Solved};

/// The outcome of solving one fleet problem.
#[derive(Debug, Clone)]
pub struct FleetSolution {
    pub lines: Vec<InstanceLine>,
    pub objective: f64,
    pub best_bound: f64,
    pub status: SolveStatus,
    pub milps: u32,
    pub variables: u32,
    pub constraints: u32,
    pub binding: Vec<Binding>,
}

/// Solves the problem. `lp` is the LP relaxation's solution when the caller already
/// has it. A rounded LP solution seeds the search and stands in as the answer when
/// the time limit passes before the solver finds one of its own.
pub fn solve(
    p: &FleetProblem,
    pricing: &Pricing<'_>,
    settings: SolveSettings,
    lp: Option<Solved>,
) -> Result<FleetSolution, SolveError> {
    let mut scale = 1.0;
    let mut milps = 0;
    let mut lp = lp;
    loop {
        let built = p.build(scale);
        let relaxed = match lp.take() {
            Some(l) if l.x.len() == built.model.cols.len() => l,
            _ => backend::relax(&built.model, settings.backend)?,
        };
        let hint = round_up(p, &built, &relaxed.x);
        milps += 1;
        let s = match backend::solve(
            &built.model,
            settings.backend,
            settings.time_limit,
            settings.gap,
            hint.as_deref(),
        ) {
            Ok(s) => s,
            Err(SolveError::NoSolutionInTime) => match &hint {
                Some(h) => Solved {
                    objective: built.model.objective(h),
                    x: h.clone(),
                    best_bound: relaxed.objective,
                    status: SolveStatus::TimeLimit,
                    seconds: 0.0,
                },
                None => return Err(SolveError::NoSolutionInTime),
            },
            Err(e) => return Err(e),
        };
        // A hint worse than the solver's answer is never returned; one better is.
        let s = match &hint {
            Some(h) if built.model.objective(h) < s.objective - 1e-9 => Solved {
                objective: built.model.objective(h),
                x: h.clone(),
                ..s
            },
            _ => s,
        };
        let at_bound = built
            .model
            .cols
            .iter()
            .zip(&s.x)
            .any(|(c, v)| *v >= c.ub - 0.5);
        if at_bound && scale < 64.0 {
            scale *= 4.0;
            continue;
        }
        return Ok(finish(p, pricing, &built, s, relaxed.objective, milps));
    }
}

/// A feasible integer point from an LP solution: round every count up (covering rows
/// stay covered), buy on-demand instead of spot wherever that breaks the spot-share
/// cap, and relabel zones so the symmetry-breaking order holds.
pub fn round_up(p: &FleetProblem, built: &Built, x_lp: &[f64]) -> Option<Vec<f64>> {
    let mut x: Vec<f64> = x_lp.iter().map(|v| (v - 1e-7).ceil().max(0.0)).collect();
    if !built.model.feasible(&x, 1e-9) {
        // Replace spot by the always-on or on-demand column of the same place and layer
        // with enough capacity.
        for i in 0..built.columns.len() {
            let c = &built.columns[i];
            if c.purchase != Purchase::Spot || x[i] == 0.0 {
                continue;
            }
            let want = if c.layer == Layer::Peak {
                Purchase::OnDemand
            } else {
                c.cand.always_on
            };
            let Some(j) = built.columns.iter().position(|d| {
                d.region == c.region
                    && d.zone == c.zone
                    && d.layer == c.layer
                    && d.purchase == want
                    && d.purchase != Purchase::Spot
            }) else {
                continue;
            };
            let d = &built.columns[j];
            let k = (c.cand.vcpus * c.counted / d.cand.vcpus)
                .max(c.cand.memory_gib * c.counted / d.cand.memory_gib);
            x[j] += (x[i] * k - 1e-9).ceil();
            x[i] = 0.0;
        }
    }
    if p.zoned() {
        // Zones of a region carry the same columns in the same order: sort the blocks.
        for (ri, r) in p.regions.iter().enumerate() {
            let mut blocks: Vec<Vec<usize>> = (0..r.zones.len())
                .map(|z| {
                    built
                        .columns
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.region == ri && c.zone == Some(z))
                        .map(|(i, _)| i)
                        .collect()
                })
                .collect();
            let vcpu = |b: &Vec<usize>| -> f64 {
                b.iter().map(|i| x[*i] * built.columns[*i].cand.vcpus).sum()
            };
            let mut values: Vec<(f64, Vec<f64>)> = blocks
                .iter()
                .map(|b| (vcpu(b), b.iter().map(|i| x[*i]).collect()))
                .collect();
            values.sort_by(|a, b| b.0.total_cmp(&a.0));
            for (b, (_, vals)) in blocks.iter_mut().zip(values) {
                for (i, v) in b.iter().zip(vals) {
                    x[*i] = v;
                }
            }
        }
    }
    built.model.feasible(&x, 1e-9).then_some(x)
}

fn finish(
    p: &FleetProblem,
    pricing: &Pricing<'_>,
    built: &Built,
    s: Solved,
    lp_bound: f64,
    milps: u32,
) -> FleetSolution {
    let lines = lines_of(p, pricing, built, &s.x);
    let binding = binding(built, &s.x);
    FleetSolution {
        lines,
        objective: s.objective,
        best_bound: s.best_bound.max(lp_bound).min(s.objective),
        status: s.status,
        milps,
        variables: built.model.cols.len() as u32,
        constraints: built.model.rows.len() as u32,
        binding,
    }
}

/// Rows with less slack than the smallest instance they count: removing any one
/// instance would break them.
fn binding(built: &Built, x: &[f64]) -> Vec<Binding> {
    let mut by: BTreeMap<(Constraint, String), Vec<String>> = BTreeMap::new();
    for (row, label) in built
        .model
        .rows
        .iter()
        .zip(&built.labels)
        .take(built.capacity_rows)
    {
        let lhs: f64 = row.coefs.iter().map(|(i, c)| c * x[*i]).sum();
        let Some(constraint) = label.constraint else {
            continue;
        };
        let slack = lhs - row.rhs;
        let step = row
            .coefs
            .iter()
            .filter(|(i, c)| x[*i] > 0.5 && c.abs() > 0.0)
            .map(|(_, c)| c.abs())
            .fold(f64::INFINITY, f64::min);
        if slack < step - 1e-9 {
            let (head, tail) = match label.detail.split_once(": ") {
                Some((h, t)) => (h.to_string(), t.to_string()),
                None => (label.detail.clone(), String::new()),
            };
            by.entry((constraint, tail)).or_default().push(head);
        }
    }
    by.into_iter()
        .map(|((constraint, tail), heads)| {
            let heads = if heads.len() > 4 {
                format!("{}, … ({} cases)", heads[..3].join(", "), heads.len())
            } else {
                heads.join(", ")
            };
            Binding {
                constraint,
                detail: if tail.is_empty() {
                    heads
                } else {
                    format!("{heads}: {tail}")
                },
            }
        })
        .collect()
}

/// Turns a solution into instance lines, spreading regional counts over the zones.
pub fn lines_of(
    p: &FleetProblem,
    pricing: &Pricing<'_>,
    built: &Built,
    x: &[f64],
) -> Vec<InstanceLine> {
    let running = decimal(p.shape.running);
    let mut lines = Vec::new();
    let mut next_zone: BTreeMap<usize, usize> = BTreeMap::new();
    for (c, v) in built.columns.iter().zip(x) {
        let count = v.round().max(0.0) as u32;
        if count == 0 {
            continue;
        }
        let r = &p.regions[c.region];
        let fraction = if c.layer == Layer::Peak {
            running
        } else {
            Decimal::ONE
        };
        let mut push = |zone: Option<String>, n: u32| {
            let usd_per_hour = pricing
                .hourly(&r.region, &c.cand.name, c.purchase)
                .unwrap_or_default();
            let monthly = pricing
                .monthly(&r.region, &c.cand.name, c.purchase, n, fraction)
                .unwrap_or_default();
            lines.push(InstanceLine {
                region: r.region.clone(),
                zone,
                instance_type: c.cand.name.clone(),
                count: n,
                purchase: c.purchase,
                role: Role::Active,
                layer: c.layer,
                running_fraction: fraction,
                usd_per_hour,
                monthly_usd: monthly,
            });
        };
        match c.zone {
            Some(z) => push(Some(r.zones[z].clone()), count),
            None => {
                // No zone constraint: spread round-robin so zones carry equal counts.
                let nz = r.zones.len().max(1);
                let start = next_zone.entry(c.region).or_insert(0);
                let mut per = vec![0u32; nz];
                for k in 0..count as usize {
                    per[(*start + k) % nz] += 1;
                }
                *start = (*start + count as usize) % nz;
                for (zi, n) in per.into_iter().enumerate() {
                    if n > 0 {
                        push(r.zones.get(zi).cloned(), n);
                    }
                }
            }
        }
    }
    lines
}
