//! A stateless fleet as a MILP: integer instance counts per (region, zone, type,
//! purchase option, layer), covering demand in vCPU and memory at the peak hour under
//! the flash-crowd multiplier, and `degraded_floor` of it after every failure the
//! service must survive. `docs/cost-model.md` derives the two-layer cost model.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use faultline_models::cost::{decimal, Pricing, HOURS_PER_MONTH};
use faultline_models::deployment::{CapacityGroup, Purchase, Role};
use faultline_models::plan::{Binding, InstanceLine, Layer};
use faultline_models::scenario::Scenario;
use faultline_models::topology::{Disruption, Fleet};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::backend::{self, Backend, Model, SolveError, Solved, Status};
use super::candidates::Cand;

/// A candidate region with the zones and instance types the fleet may use there.
#[derive(Debug, Clone)]
pub struct RegionSpec {
    pub region: String,
    pub zones: Vec<String>,
    pub non_spot: Vec<Cand>,
    pub spot: Vec<Cand>,
}

/// What the demand profile implies for cost: the peak factor, the base (trough as a
/// share of the peak) and the average running share of the capacity above the base.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub peak: f64,
    pub base: f64,
    pub running: f64,
}

impl Shape {
    pub fn of(profile: &[f64; 24]) -> Shape {
        let peak = profile.iter().copied().fold(0.0, f64::max);
        if peak <= 0.0 {
            return Shape {
                peak: 0.0,
                base: 1.0,
                running: 0.0,
            };
        }
        let q: Vec<f64> = profile.iter().map(|p| p / peak).collect();
        let base = q.iter().copied().fold(1.0, f64::min);
        let avg = q.iter().sum::<f64>() / 24.0;
        let running = if base < 1.0 - 1e-12 {
            ((avg - base) / (1.0 - base)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        // Rounded so the solver and the reports use the very same numbers.
        let r6 = |x: f64| (x * 1e6).round() / 1e6;
        Shape {
            peak,
            base: r6(base),
            running: r6(running),
        }
    }

    pub fn has_peak_layer(&self) -> bool {
        self.base < 1.0
    }
}

/// Demand the fleet's constraints are written in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Demand {
    /// vCPU and memory at the peak hour (connections already folded into vCPU).
    pub vcpu: f64,
    pub memory: f64,
    pub flash: f64,
    pub floor: f64,
    pub spot_share: f64,
}

impl Demand {
    pub fn of(f: &Fleet, shape: &Shape) -> Demand {
        Demand {
            vcpu: f.peak_vcpu_needed() * shape.peak,
            memory: f.peak_memory_gib * shape.peak,
            flash: f.flash_crowd,
            floor: f.degraded_floor,
            spot_share: f.max_spot_share,
        }
    }
}

/// One integer column: instances of one type in one place, bought one way, in one layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub region: usize,
    pub zone: Option<usize>,
    pub cand: Cand,
    pub purchase: Purchase,
    pub layer: Layer,
    /// Share of the nominal capacity counted: 1, or for spot the share expected to
    /// survive a month's reclaims.
    pub counted: f64,
    pub monthly: f64,
}

/// A fleet problem over a set of regions.
#[derive(Debug, Clone)]
pub struct Problem {
    pub regions: Vec<RegionSpec>,
    pub shape: Shape,
    pub demand: Demand,
    /// Failures to survive with no scaling: zone, region, spot.
    pub survive: BTreeSet<Disruption>,
    /// Region loss constraints (active-active).
    pub region_loss: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RowLabel {
    pub constraint: &'static str,
    pub detail: String,
}

/// The model with what each column and row means.
#[derive(Debug, Clone)]
pub struct Built {
    pub model: Model,
    pub columns: Vec<Column>,
    pub labels: Vec<RowLabel>,
    /// Row indices of the demand rows, for binding reports; symmetry rows are not.
    pub capacity_rows: usize,
}

impl Problem {
    pub fn zoned(&self) -> bool {
        self.survive.contains(&Disruption::Zone) || self.survive.contains(&Disruption::Spot)
    }

    fn spot_allowed(&self) -> bool {
        self.demand.spot_share > 0.0
    }

    /// Every column the MILP sees.
    pub fn columns(&self, pricing: &Pricing<'_>) -> Vec<Column> {
        let _ = pricing;
        let hours = f64::from(HOURS_PER_MONTH);
        let mut cols = Vec::new();
        for (ri, r) in self.regions.iter().enumerate() {
            let zones: Vec<Option<usize>> = if self.zoned() {
                (0..r.zones.len()).map(Some).collect()
            } else {
                vec![None]
            };
            for z in zones {
                let mut push = |cand: &Cand, purchase: Purchase, layer: Layer| {
                    let frac = if layer == Layer::Peak {
                        self.shape.running
                    } else {
                        1.0
                    };
                    let hourly = cand.hourly(purchase).to_f64().unwrap_or(f64::INFINITY);
                    let counted = if purchase == Purchase::Spot {
                        cand.spot.map_or(0.0, |s| s.1)
                    } else {
                        1.0
                    };
                    cols.push(Column {
                        region: ri,
                        zone: z,
                        cand: cand.clone(),
                        purchase,
                        layer,
                        counted,
                        monthly: hourly * hours * frac,
                    });
                };
                for c in &r.non_spot {
                    push(c, c.always_on, Layer::Base);
                }
                if self.spot_allowed() {
                    for c in &r.spot {
                        push(c, Purchase::Spot, Layer::Base);
                    }
                }
                if self.shape.has_peak_layer() && self.shape.running > 0.0 {
                    for c in &r.non_spot {
                        push(c, Purchase::OnDemand, Layer::Peak);
                    }
                    if self.spot_allowed() {
                        for c in &r.spot {
                            push(c, Purchase::Spot, Layer::Peak);
                        }
                    }
                }
            }
        }
        cols
    }

    /// The failure scenarios the constraints cover.
    pub fn scenarios(&self, columns: &[Column]) -> Vec<Scenario> {
        let mut out = Vec::new();
        if self.survive.contains(&Disruption::Zone) {
            for r in &self.regions {
                for z in &r.zones {
                    out.push(Scenario::ZoneLoss {
                        region: r.region.clone(),
                        zone: z.clone(),
                    });
                }
            }
        }
        if self.region_loss {
            for r in &self.regions {
                out.push(Scenario::RegionLoss {
                    region: r.region.clone(),
                });
            }
        }
        if self.survive.contains(&Disruption::Spot) && self.spot_allowed() {
            let mut pools = BTreeSet::new();
            for c in columns.iter().filter(|c| c.purchase == Purchase::Spot) {
                let r = &self.regions[c.region];
                if let Some(z) = c.zone {
                    pools.insert((r.region.clone(), r.zones[z].clone(), c.cand.name.clone()));
                }
            }
            for (region, zone, instance_type) in pools {
                out.push(Scenario::SpotReclaim {
                    region,
                    zone,
                    instance_type,
                });
            }
        }
        out
    }

    pub fn group_of(&self, c: &Column) -> CapacityGroup {
        let r = &self.regions[c.region];
        CapacityGroup {
            region: r.region.clone(),
            zone: c.zone.map(|z| r.zones[z].clone()),
            instance_type: c.cand.name.clone(),
            count: 1,
            purchase: c.purchase,
            role: Role::Active,
        }
    }

    /// Builds the MILP. `ub_scale` widens the count bounds when a solve hits them.
    pub fn build(&self, pricing: &Pricing<'_>, ub_scale: f64) -> Built {
        let columns = self.columns(pricing);
        let d = self.demand;
        let mut model = Model::default();
        for c in &columns {
            let ev = c.cand.vcpus * c.counted;
            let em = c.cand.memory_gib * c.counted;
            let need = (d.vcpu * d.flash / ev.max(1e-9)).max(d.memory * d.flash / em.max(1e-9));
            let ub = (need * 3.0 * ub_scale).ceil() + 2.0;
            model.add_col(0.0, ub.min(1e6), true, c.monthly);
        }
        let mut labels = Vec::new();
        let cuts: std::cell::RefCell<Vec<Cut>> = Default::default();
        type ZoneRows =
            BTreeMap<(String, &'static str, bool), Vec<(Vec<(usize, f64)>, f64, Option<f64>)>>;
        let zone_rows: std::cell::RefCell<ZoneRows> = Default::default();
        let zone_region: BTreeMap<String, String> = self
            .regions
            .iter()
            .flat_map(|r| r.zones.iter().map(|z| (z.clone(), r.region.clone())))
            .collect();
        let region_of_zone = |label: &str| -> String {
            let zone = label.trim_start_matches("zone ").to_string();
            zone_region.get(&zone).cloned().unwrap_or(zone)
        };
        let base = self.shape.base;
        let has_base_rows = base > 0.0 && self.shape.has_peak_layer();
        let cover = |model: &mut Model,
                     labels: &mut Vec<RowLabel>,
                     keep: &dyn Fn(&Column) -> bool,
                     factor: f64,
                     constraint: &'static str,
                     what: &str| {
            for (dim, need, unit) in [
                ("vCPU", d.vcpu * factor, ""),
                ("memory", d.memory * factor, " GiB"),
            ] {
                if need <= 0.0 {
                    continue;
                }
                let mut coefs = Vec::new();
                for (i, c) in columns.iter().enumerate() {
                    if keep(c) {
                        let cap = if dim == "vCPU" {
                            c.cand.vcpus
                        } else {
                            c.cand.memory_gib
                        };
                        coefs.push((i, cap * c.counted));
                    }
                }
                let g = unit_of(columns.iter().filter(|c| keep(c)).map(|c| {
                    if dim == "vCPU" {
                        c.cand.vcpus
                    } else {
                        c.cand.memory_gib
                    }
                }));
                if let Some(cut) = g.and_then(|g| rounding_cut(&coefs, need, g)) {
                    cuts.borrow_mut().push(cut);
                }
                if (constraint == "region-loss"
                    || constraint == "base-layer" && what.starts_with("region "))
                    && g.is_some()
                {
                    zone_rows
                        .borrow_mut()
                        .entry(("*regions".to_string(), dim, constraint == "base-layer"))
                        .or_default()
                        .push((coefs.clone(), need, g));
                }
                if constraint == "zone-loss"
                    || constraint == "base-layer" && what.starts_with("zone ")
                {
                    // Remember zone-loss rows by (region, dimension, layer) to add their
                    // aggregate's rounding cut below.
                    let region = what.split(" lost").next().unwrap_or("").to_string();
                    zone_rows
                        .borrow_mut()
                        .entry((region_of_zone(&region), dim, constraint == "base-layer"))
                        .or_default()
                        .push((coefs.clone(), need, g));
                }
                model.geq(coefs, need);
                labels.push(RowLabel {
                    constraint,
                    detail: format!("{what}: {dim} ≥ {}{unit}", round2(need)),
                });
            }
        };
        // Normal operation at the peak hour, under a flash crowd.
        let flash_label = if d.flash > 1.0 {
            "flash-crowd"
        } else {
            "demand"
        };
        let what = if d.flash > 1.0 {
            format!("peak × flash crowd {}", d.flash)
        } else {
            "peak hour".to_string()
        };
        cover(
            &mut model,
            &mut labels,
            &|_| true,
            d.flash,
            flash_label,
            &what,
        );
        if has_base_rows {
            cover(
                &mut model,
                &mut labels,
                &|c| c.layer == Layer::Base,
                d.flash * base,
                "base-layer",
                &format!("always-on base ({:.0}% of peak)", base * 100.0),
            );
        }
        for s in self.scenarios(&columns) {
            let down = |c: &Column| s.takes_down(&self.group_of(c));
            let kind = match s {
                Scenario::ZoneLoss { .. } => "zone-loss",
                Scenario::RegionLoss { .. } => "region-loss",
                _ => "spot-loss",
            };
            let floor = if d.floor < 1.0 {
                format!(" × floor {}", d.floor)
            } else {
                String::new()
            };
            cover(
                &mut model,
                &mut labels,
                &|c| !down(c),
                d.floor,
                kind,
                &format!("{s}{floor}"),
            );
            if has_base_rows {
                cover(
                    &mut model,
                    &mut labels,
                    &|c| !down(c) && c.layer == Layer::Base,
                    d.floor * base,
                    "base-layer",
                    &format!("{s}, base layer"),
                );
            }
        }
        // Spot share, in nominal vCPU, for the whole fleet and for the base layer alone
        // (so it holds at every hour as the peak layer scales).
        if self.spot_allowed() && columns.iter().any(|c| c.purchase == Purchase::Spot) {
            let s = d.spot_share;
            for (layer_only, what) in [(false, "whole fleet"), (true, "base layer")] {
                if layer_only && !has_base_rows {
                    continue;
                }
                let coefs: Vec<(usize, f64)> = columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| !layer_only || c.layer == Layer::Base)
                    .map(|(i, c)| {
                        let spot = if c.purchase == Purchase::Spot {
                            1.0
                        } else {
                            0.0
                        };
                        (i, c.cand.vcpus * (spot - s))
                    })
                    .collect();
                model.leq(coefs, 0.0);
                labels.push(RowLabel {
                    constraint: "spot-share",
                    detail: format!("{what}: spot ≤ {:.0}% of vCPU", s * 100.0),
                });
            }
        }
        let capacity_rows = model.rows.len();
        // Valid inequalities that tighten the LP bound without cutting off any integer
        // plan: each capacity row rounded to its instance-size unit, and the sum of a
        // region's zone-loss rows (each zone is lost once) — likewise of the region-loss
        // rows — rounded the same way.
        for (rows_of, ..) in zone_rows.borrow().iter().map(|(k, v)| (v, k)) {
            let z = rows_of.len();
            let Some(g) = rows_of
                .iter()
                .map(|r| r.2)
                .collect::<Option<Vec<f64>>>()
                .and_then(|gs| gs.into_iter().reduce(gcd))
            else {
                continue;
            };
            if z < 2 {
                continue;
            }
            let mut sum: BTreeMap<usize, f64> = BTreeMap::new();
            let mut rhs = 0.0;
            for (coefs, need, _) in rows_of {
                for (i, a) in coefs {
                    *sum.entry(*i).or_default() += a;
                }
                rhs += need;
            }
            let scale = 1.0 / (z as f64 - 1.0);
            let coefs: Vec<(usize, f64)> = sum.into_iter().map(|(i, a)| (i, a * scale)).collect();
            if let Some(cut) = rounding_cut(&coefs, rhs * scale, g) {
                cuts.borrow_mut().push(cut);
            }
        }
        for (coefs, rhs) in cuts.into_inner() {
            model.geq(coefs, rhs);
            labels.push(RowLabel {
                constraint: "cut",
                detail: String::new(),
            });
        }
        // Zones of a region are interchangeable: order them by vCPU to cut symmetric
        // branches. Any plan can be relabelled to satisfy this, so no optimum is lost.
        if self.zoned() {
            for (ri, r) in self.regions.iter().enumerate() {
                for z in 1..r.zones.len() {
                    let mut coefs = Vec::new();
                    for (i, c) in columns.iter().enumerate() {
                        if c.region == ri && c.zone == Some(z - 1) {
                            coefs.push((i, c.cand.vcpus));
                        } else if c.region == ri && c.zone == Some(z) {
                            coefs.push((i, -c.cand.vcpus));
                        }
                    }
                    model.geq(coefs, 0.0);
                    labels.push(RowLabel {
                        constraint: "symmetry",
                        detail: String::new(),
                    });
                }
            }
        }
        Built {
            model,
            columns,
            labels,
            capacity_rows,
        }
    }
}

/// A valid inequality `Σ a·x ≥ rhs`.
type Cut = (Vec<(usize, f64)>, f64);

/// The largest size every capacity in a row is a whole multiple of (e.g. 2 vCPU),
/// when the capacities are whole numbers.
fn unit_of(caps: impl Iterator<Item = f64>) -> Option<f64> {
    let mut g: Option<f64> = None;
    for c in caps {
        if (c - c.round()).abs() > 1e-9 || c < 1.0 {
            return None;
        }
        g = Some(g.map_or(c.round(), |g| gcd(g, c.round())));
    }
    g
}

fn gcd(a: f64, b: f64) -> f64 {
    let (mut a, mut b) = (a as u64, b as u64);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a as f64
}

/// Chvátal–Gomory rounding of `Σ a·x ≥ rhs` over integer `x ≥ 0`: divided by `g`,
/// coefficients rounded up, then the right-hand side too (the left side is a whole
/// number). `None` when it would not tighten anything.
fn rounding_cut(coefs: &[(usize, f64)], rhs: f64, g: f64) -> Option<Cut> {
    let r = (rhs / g - 1e-9).ceil();
    if r * g - rhs < 1e-6 * rhs.max(1.0) {
        return None;
    }
    let c = coefs
        .iter()
        .map(|(i, a)| (*i, (a / g - 1e-9).ceil()))
        .collect();
    Some((c, r))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The outcome of solving one fleet problem.
#[derive(Debug, Clone)]
pub struct FleetSolution {
    pub lines: Vec<InstanceLine>,
    pub objective: f64,
    pub best_bound: f64,
    pub status: Status,
    pub milps: u32,
    pub variables: u32,
    pub constraints: u32,
    pub binding: Vec<Binding>,
}

/// Solve settings for one service.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub backend: Backend,
    pub time_limit: Option<Duration>,
    pub gap: f64,
}

/// Solves the problem. `lp` is the LP relaxation's solution when the caller already
/// has it. A rounded LP solution seeds the search and stands in as the answer when
/// the time limit passes before the solver finds one of its own.
pub fn solve(
    p: &Problem,
    pricing: &Pricing<'_>,
    settings: Settings,
    lp: Option<Solved>,
) -> Result<FleetSolution, SolveError> {
    let mut scale = 1.0;
    let mut milps = 0;
    let mut lp = lp;
    loop {
        let built = p.build(pricing, scale);
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
                    status: Status::TimeLimit,
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
pub fn round_up(p: &Problem, built: &Built, x_lp: &[f64]) -> Option<Vec<f64>> {
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
    p: &Problem,
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
    let mut by: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (row, label) in built
        .model
        .rows
        .iter()
        .zip(&built.labels)
        .take(built.capacity_rows)
    {
        let lhs: f64 = row.coefs.iter().map(|(i, c)| c * x[*i]).sum();
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
            by.entry((label.constraint.to_string(), tail))
                .or_default()
                .push(head);
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
pub fn lines_of(p: &Problem, pricing: &Pricing<'_>, built: &Built, x: &[f64]) -> Vec<InstanceLine> {
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
