//! Solving one fleet problem: the LP relaxation, a rounded incumbent, the MILP, and
//! the solution turned into instance lines with the constraints that bind it.

use std::collections::BTreeMap;

use faultline_models::cost::{decimal, Pricing};
use faultline_models::deployment::{Purchase, Role};
use faultline_models::plan::{Binding, Constraint, InstanceLine, Layer};
use rust_decimal::Decimal;

use super::model::{Built, Column, FleetProblem};
use crate::optimizer::backend::{self, SolveError, SolveSettings, SolveStatus, Solved};
use crate::optimizer::milp::{self, Limits};

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
    /// The plan's counts, to start a related solve from.
    pub hint: Hint,
    /// The part of the lines' monthly cost owned reservations have already paid, as
    /// the solve priced it.
    pub paid: Decimal,
}

/// Counts by instance line, to start another solve from (a looser problem can start
/// from a stricter one's plan, which is feasible for it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hint(pub BTreeMap<LineKey, u32>);

/// An instance line's identity across models: region, zone, type, purchase, layer,
/// and the owned entry (1-based) that covers it.
pub type LineKey = (
    String,
    Option<String>,
    String,
    Purchase,
    Layer,
    Option<usize>,
);

impl Hint {
    fn of(built: &Built, p: &FleetProblem, x: &[f64]) -> Hint {
        let mut h = BTreeMap::new();
        for (c, v) in built.columns.iter().zip(x) {
            let n = v.round().max(0.0) as u32;
            if n > 0 {
                *h.entry(key(p, c)).or_default() += n;
            }
        }
        Hint(h)
    }

    /// The hint as a point of `built`, when every line it has is a column there.
    fn point(&self, built: &Built, p: &FleetProblem) -> Option<Vec<f64>> {
        let mut x = vec![0.0; built.columns.len()];
        let mut found = 0;
        for (i, c) in built.columns.iter().enumerate() {
            if let Some(n) = self.0.get(&key(p, c)) {
                x[i] = f64::from(*n);
                found += 1;
            }
        }
        (found == self.0.len()).then_some(x)
    }
}

fn key(p: &FleetProblem, c: &Column) -> LineKey {
    let r = &p.regions[c.region];
    (
        r.region.clone(),
        c.zone.map(|z| r.zones[z].clone()),
        c.cand.name.clone(),
        c.purchase,
        c.layer,
        c.cand.owned.as_ref().map(|o| o.entry),
    )
}

/// Nodes the zone-tied restriction may use to find a start.
const TIED_NODES: u64 = 2_000;

/// Solves the problem. Where zones matter, first the problem aggregated over each
/// region's interchangeable zones (a relaxation with a fraction of the columns and
/// none of the symmetry): if its optimum, spread evenly over the zones, meets every
/// row, it is optimal for the problem too, with the relaxation's bound as its proof.
/// Otherwise the full problem, from a start (the hint if it fits, else the cheapest
/// of a uniform always-on fleet, the spread, and the best plan with the same lines in
/// every zone), with the relaxation's bound kept as a floor.
pub fn solve(
    p: &FleetProblem,
    pricing: &Pricing<'_>,
    settings: &SolveSettings,
    hint: Option<&Hint>,
) -> Result<FleetSolution, SolveError> {
    let built = p.build();
    let m = &built.model;
    let mut milps = 1;
    let mut start = uniform(p, &built);
    let cheaper = |a: &Option<Vec<f64>>, b: &[f64]| {
        a.as_ref()
            .is_none_or(|a| m.objective(b) < m.objective(a) - 1e-9)
    };
    if let Some(x) = hint
        .and_then(|h| h.point(&built, p))
        .filter(|x| m.feasible(x, 1e-7))
    {
        if cheaper(&start, &x) {
            start = Some(x);
        }
    }
    let mut floor = f64::NEG_INFINITY;
    let mut worst = SolveStatus::Optimal;
    // Zones that do not offer the same types are not interchangeable: no aggregation.
    if p.zoned() && p.uniform() {
        let groups = p.zone_ties(&built.columns);
        if groups.len() < m.cols.len() {
            let agg = milp::aggregate(m, &groups, &built.symmetry_rows);
            let agg_start: Option<Vec<f64>> = start.as_ref().map(|x| {
                groups
                    .iter()
                    .map(|g| g.iter().map(|j| x[*j]).sum())
                    .collect()
            });
            milps += 1;
            let a = backend::solve(&agg, settings, agg_start.as_deref(), None)?;
            let x = spread(p, &built, &groups, &a.x);
            if m.feasible(&x, 1e-7) {
                let objective = m.objective(&x);
                if objective <= a.objective + 1e-7 * objective.abs().max(1.0) {
                    let s = Solved {
                        x,
                        objective,
                        best_bound: a.best_bound,
                        status: a.status,
                        nodes: a.nodes,
                    };
                    return Ok(finish(p, pricing, &built, s, milps));
                }
            }
            floor = a.best_bound;
            worst = a.status;
            if let Some(y) = round_up(p, &built, &x) {
                if cheaper(&start, &y) {
                    start = Some(y);
                }
            }
            let limits = Limits {
                gap: settings.gap,
                nodes: TIED_NODES,
                deadline: settings.deadline,
                floor,
            };
            milps += 1;
            if let Some(x) = milp::solve_tied(m, &groups, &limits, start.as_deref()) {
                if cheaper(&start, &x) {
                    start = Some(x);
                }
            }
        }
    }
    // A start the relaxation's bound already proves within the gap needs no search.
    if let Some(x) = start.as_ref().filter(|_| floor.is_finite()) {
        let objective = m.objective(x);
        let status = backend::certify(worst, objective, floor, settings.gap);
        if status <= SolveStatus::WithinGap {
            let s = Solved {
                x: x.clone(),
                objective,
                best_bound: floor.min(objective),
                status,
                nodes: 0,
            };
            return Ok(finish(p, pricing, &built, s, milps));
        }
    }
    let repair = |x: &[f64]| round_up(p, &built, x);
    let settings = &SolveSettings { floor, ..*settings };
    let mut s = backend::solve(m, settings, start.as_deref(), Some(&repair))?;
    s.best_bound = s.best_bound.max(floor).min(s.objective);
    s.status = backend::certify(s.status.max(worst), s.objective, s.best_bound, settings.gap);
    Ok(finish(p, pricing, &built, s, milps))
}

/// A point of the full problem from totals per group (the aggregated problem's
/// columns): each region's instances dealt out over its zones, layer by layer,
/// largest first, each to the zone with the least capacity so far; then the zones
/// relabelled so the vCPU order the symmetry rows ask for holds.
fn spread(p: &FleetProblem, built: &Built, groups: &[Vec<usize>], totals: &[f64]) -> Vec<f64> {
    let cols = &built.columns;
    let mut x = vec![0.0; cols.len()];
    for (ri, r) in p.regions.iter().enumerate() {
        let nz = r.zones.len().max(1);
        let mut load = vec![(0.0f64, 0.0f64); nz];
        for layer in [Layer::Base, Layer::Peak] {
            // (vCPU, memory, group) per instance to place.
            let mut units: Vec<(f64, f64, usize)> = Vec::new();
            for (g, members) in groups.iter().enumerate() {
                let c = &cols[members[0]];
                if c.region != ri || c.layer != layer {
                    continue;
                }
                let n = totals[g].round().max(0.0) as usize;
                for _ in 0..n {
                    units.push((c.cand.vcpus * c.counted, c.cand.memory_gib * c.counted, g));
                }
            }
            units.sort_by(|a, b| {
                b.0.total_cmp(&a.0)
                    .then(b.1.total_cmp(&a.1))
                    .then(a.2.cmp(&b.2))
            });
            for (v, mem, g) in units {
                let z = (0..nz)
                    .min_by(|a, b| {
                        load[*a]
                            .0
                            .total_cmp(&load[*b].0)
                            .then(load[*a].1.total_cmp(&load[*b].1))
                            .then(a.cmp(b))
                    })
                    .unwrap_or(0);
                load[z].0 += v;
                load[z].1 += mem;
                let member = groups[g]
                    .iter()
                    .copied()
                    .find(|j| cols[*j].zone == Some(z))
                    .unwrap_or(groups[g][0]);
                x[member] += 1.0;
            }
        }
    }
    relabel(p, built, &mut x);
    x
}

/// Orders each region's zones by the vCPU they hold, largest first, as the
/// symmetry rows ask (a relabelling: cost and every other row unchanged).
fn relabel(p: &FleetProblem, built: &Built, x: &mut [f64]) {
    for (ri, r) in p.regions.iter().enumerate() {
        // Only interchangeable zones have symmetry rows to satisfy.
        if !r.uniform() {
            continue;
        }
        let blocks: Vec<Vec<usize>> = (0..r.zones.len())
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
        let mut values: Vec<(f64, usize, Vec<f64>)> = blocks
            .iter()
            .enumerate()
            .map(|(z, b)| (vcpu(b), z, b.iter().map(|i| x[*i]).collect()))
            .collect();
        values.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (b, (_, _, vals)) in blocks.iter().zip(values) {
            for (i, v) in b.iter().zip(vals) {
                x[*i] = v;
            }
        }
    }
}

/// A plan that meets every row if the problem has any: the always-on type cheapest
/// for the demand, the same count in every zone (or region) the problem has, the
/// smallest count that works.
fn uniform(p: &FleetProblem, built: &Built) -> Option<Vec<f64>> {
    let d = &p.demand;
    let mut pick: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
    for (i, c) in built.columns.iter().enumerate() {
        if c.layer != Layer::Base || c.purchase == Purchase::Spot || c.cand.owned.is_some() {
            continue;
        }
        let per = (d.vcpu / c.cand.vcpus.max(1e-9)).max(d.memory / c.cand.memory_gib.max(1e-9));
        let price = c.monthly * per;
        let e = pick.entry(c.region).or_insert((f64::INFINITY, i));
        if price < e.0 - 1e-9 {
            *e = (price, i);
        }
    }
    let chosen: Vec<(usize, String)> = pick
        .values()
        .map(|(_, i)| {
            (
                built.columns[*i].region,
                built.columns[*i].cand.name.clone(),
            )
        })
        .collect();
    let cols: Vec<usize> = built
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.layer == Layer::Base
                && c.purchase != Purchase::Spot
                && c.cand.owned.is_none()
                && chosen
                    .iter()
                    .any(|(r, t)| *r == c.region && *t == c.cand.name)
        })
        .map(|(i, _)| i)
        .collect();
    let at = |n: f64| {
        let mut x = vec![0.0; built.columns.len()];
        for i in &cols {
            x[*i] = n;
        }
        x
    };
    let mut hi = 1.0;
    while !built.model.feasible(&at(hi), 1e-9) {
        hi *= 2.0;
        if hi > 1e8 {
            return None;
        }
    }
    let mut lo = 0.0;
    while hi - lo > 1.0 {
        let mid = ((lo + hi) / 2.0_f64).floor();
        if built.model.feasible(&at(mid), 1e-9) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(at(hi))
}

/// A feasible integer point from an LP solution: round every count up (covering rows
/// stay covered), buy on-demand instead of spot wherever that breaks the spot-share
/// cap, and relabel zones so the symmetry-breaking order holds.
pub fn round_up(p: &FleetProblem, built: &Built, x_lp: &[f64]) -> Option<Vec<f64>> {
    let mut x: Vec<f64> = x_lp.iter().map(|v| (v - 1e-7).ceil().max(0.0)).collect();
    if !built.model.feasible(&x, 1e-7) {
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
                    && d.cand.owned.is_none()
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
        relabel(p, built, &mut x);
    }
    built.model.feasible(&x, 1e-7).then_some(x)
}

fn finish(
    p: &FleetProblem,
    pricing: &Pricing<'_>,
    built: &Built,
    s: Solved,
    milps: u32,
) -> FleetSolution {
    let lines = lines_of(p, pricing, built, &s.x);
    let binding = binding(built, &s.x);
    let paid = built
        .columns
        .iter()
        .zip(&s.x)
        .filter_map(|(c, v)| {
            let o = c.cand.owned.as_ref()?;
            let n = v.round().max(0.0) as u32;
            let region = &p.regions[c.region].region;
            let monthly = pricing.monthly(region, &c.cand.name, c.purchase, n, Decimal::ONE)?;
            Some(monthly * o.paid)
        })
        .sum();
    FleetSolution {
        lines,
        objective: s.objective,
        best_bound: s.best_bound.min(s.objective),
        status: s.status,
        milps,
        variables: built.model.cols.len() as u32,
        constraints: built.model.rows.len() as u32,
        binding,
        hint: Hint::of(built, p, &s.x),
        paid,
    }
}

/// Rows with less slack than the smallest instance they count: removing any one
/// instance would break them.
fn binding(built: &Built, x: &[f64]) -> Vec<Binding> {
    let mut by: BTreeMap<(Constraint, String), Vec<String>> = BTreeMap::new();
    for (row, label) in built.model.rows.iter().zip(&built.labels) {
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
            // The cases are alternatives (each one alone leaves the stated need), so
            // they read as such: "region a lost or region b lost".
            let heads = if heads.len() > 4 {
                format!(
                    "{}, or any of {} more cases",
                    heads[..3].join(" or "),
                    heads.len() - 3
                )
            } else {
                heads.join(" or ")
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
    // Instances an owned reservation covers are bought like any other: they join the
    // line of the same type, place, purchase and layer (the first column of it).
    let same = |a: &Column, b: &Column| {
        a.region == b.region
            && a.zone == b.zone
            && a.cand.name == b.cand.name
            && a.purchase == b.purchase
            && a.layer == b.layer
            && a.cand.zones == b.cand.zones
    };
    let mut counts: Vec<u32> = vec![0; built.columns.len()];
    for (i, (c, v)) in built.columns.iter().zip(x).enumerate() {
        let n = v.round().max(0.0) as u32;
        if n > 0 {
            let first = built.columns.iter().position(|d| same(c, d)).unwrap_or(i);
            counts[first] += n;
        }
    }
    for (c, count) in built.columns.iter().zip(counts) {
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
                // No zone constraint: spread round-robin over the zones that offer
                // the type, so they carry equal counts.
                let zones = &c.cand.zones;
                let nz = zones.len().max(1);
                let start = next_zone.entry(c.region).or_insert(0);
                let mut per = vec![0u32; nz];
                for k in 0..count as usize {
                    per[(*start + k) % nz] += 1;
                }
                *start = (*start + count as usize) % nz;
                for (zi, n) in per.into_iter().enumerate() {
                    if n > 0 {
                        push(zones.get(zi).cloned(), n);
                    }
                }
            }
        }
    }
    // A zonal reservation's instances are a column of their own even where the
    // problem has no zones: one line per place all the same.
    let mut merged: Vec<InstanceLine> = Vec::new();
    for l in lines {
        let twin = merged.iter_mut().find(|m| {
            m.region == l.region
                && m.zone == l.zone
                && m.instance_type == l.instance_type
                && m.purchase == l.purchase
                && m.layer == l.layer
        });
        match twin {
            Some(m) => {
                m.count += l.count;
                m.monthly_usd = pricing
                    .monthly(
                        &m.region,
                        &m.instance_type,
                        m.purchase,
                        m.count,
                        m.running_fraction,
                    )
                    .unwrap_or_default();
            }
            None => merged.push(l),
        }
    }
    merged
}
