//! A stateless fleet as a MILP: integer instance counts per (region, zone, type,
//! purchase option, layer), covering demand in vCPU and memory at the peak hour under
//! the flash-crowd multiplier, and `degraded_floor` of it after every failure the
//! service must survive. `docs/cost-model.md` derives the two-layer cost model.

use std::collections::{BTreeMap, BTreeSet};

use faultline_models::cost::HOURS_PER_MONTH;
use faultline_models::deployment::{CapacityGroup, Purchase, Role};
use faultline_models::plan::{Constraint, Layer};
use faultline_models::scenario::Scenario;
use faultline_models::topology::{Disruption, Fleet};
use rust_decimal::prelude::ToPrimitive;

use crate::optimizer::backend::MilpModel;
use crate::optimizer::candidates::Cand;

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
pub struct FleetShape {
    pub peak: f64,
    pub base: f64,
    pub running: f64,
}

impl FleetShape {
    pub fn of(profile: &[f64; 24]) -> FleetShape {
        let peak = profile.iter().copied().fold(0.0, f64::max);
        if peak <= 0.0 {
            return FleetShape {
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
        FleetShape {
            peak,
            base: r6(base),
            running: r6(running),
        }
    }

    pub fn has_peak_layer(&self) -> bool {
        self.base < 1.0
    }
}

/// FleetDemand the fleet's constraints are written in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FleetDemand {
    /// vCPU and memory at the peak hour (connections already folded into vCPU).
    pub vcpu: f64,
    pub memory: f64,
    pub flash: f64,
    pub floor: f64,
    pub spot_share: f64,
}

impl FleetDemand {
    pub fn of(f: &Fleet, shape: &FleetShape) -> FleetDemand {
        FleetDemand {
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
pub struct FleetProblem {
    pub regions: Vec<RegionSpec>,
    pub shape: FleetShape,
    pub demand: FleetDemand,
    /// Failures to survive with no scaling: zone, region, spot.
    pub survive: BTreeSet<Disruption>,
    /// Region loss constraints (active-active).
    pub region_loss: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RowLabel {
    /// What the row stands for; `None` for valid inequalities and symmetry breaking,
    /// which no plan is bound by.
    pub constraint: Option<Constraint>,
    pub detail: String,
}

/// The model with what each column and row means.
#[derive(Debug, Clone)]
pub struct Built {
    pub model: MilpModel,
    pub columns: Vec<Column>,
    pub labels: Vec<RowLabel>,
    /// Row indices of the demand rows, for binding reports; symmetry rows are not.
    pub capacity_rows: usize,
}

impl FleetProblem {
    pub fn zoned(&self) -> bool {
        self.survive.contains(&Disruption::Zone) || self.survive.contains(&Disruption::Spot)
    }

    fn spot_allowed(&self) -> bool {
        self.demand.spot_share > 0.0
    }

    /// Every column the MILP sees.
    pub fn columns(&self) -> Vec<Column> {
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
    pub fn build(&self, ub_scale: f64) -> Built {
        let columns = self.columns();
        let d = self.demand;
        let mut model = MilpModel::default();
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
        let cover = |model: &mut MilpModel,
                     labels: &mut Vec<RowLabel>,
                     keep: &dyn Fn(&Column) -> bool,
                     factor: f64,
                     constraint: Constraint,
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
                let base_layer = constraint == Constraint::BaseLayer;
                if (constraint == Constraint::RegionLoss
                    || base_layer && what.starts_with("region "))
                    && g.is_some()
                {
                    zone_rows
                        .borrow_mut()
                        .entry(("*regions".to_string(), dim, base_layer))
                        .or_default()
                        .push((coefs.clone(), need, g));
                }
                if constraint == Constraint::ZoneLoss || base_layer && what.starts_with("zone ") {
                    // Remember zone-loss rows by (region, dimension, layer) to add their
                    // aggregate's rounding cut below.
                    let region = what.split(" lost").next().unwrap_or("").to_string();
                    zone_rows
                        .borrow_mut()
                        .entry((region_of_zone(&region), dim, base_layer))
                        .or_default()
                        .push((coefs.clone(), need, g));
                }
                model.geq(coefs, need);
                labels.push(RowLabel {
                    constraint: Some(constraint),
                    detail: format!("{what}: {dim} ≥ {}{unit}", round2(need)),
                });
            }
        };
        // Normal operation at the peak hour, under a flash crowd.
        let flash_label = if d.flash > 1.0 {
            Constraint::FlashCrowd
        } else {
            Constraint::Demand
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
                Constraint::BaseLayer,
                &format!("always-on base ({:.0}% of peak)", base * 100.0),
            );
        }
        for s in self.scenarios(&columns) {
            let down = |c: &Column| s.takes_down(&self.group_of(c));
            let kind = match s {
                Scenario::ZoneLoss { .. } => Constraint::ZoneLoss,
                Scenario::RegionLoss { .. } => Constraint::RegionLoss,
                _ => Constraint::SpotLoss,
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
                    Constraint::BaseLayer,
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
                    constraint: Some(Constraint::SpotShare),
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
                constraint: None,
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
                        constraint: None,
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
