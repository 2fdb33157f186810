//! A stateless fleet as a MILP: integer instance counts per (region, zone, type,
//! purchase option, layer), covering demand in vCPU and memory at the peak hour under
//! the flash-crowd multiplier, and `degraded_floor` of it after every failure the
//! service must survive. `docs/cost-model.md` derives the two-layer cost model.

use std::collections::{BTreeMap, BTreeSet};

use faultline_models::cost::{HOURS_PER_MONTH, MIN_FLEET_DEMAND};
use faultline_models::deployment::{CapacityGroup, Purchase, Role};
use faultline_models::plan::{Constraint, Layer};
use faultline_models::scenario::Scenario;
use faultline_models::topology::{Disruption, Fleet};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::optimizer::candidates::Cand;
use crate::optimizer::milp::MilpModel;
use crate::optimizer::owned::Offer;

/// A candidate region with the zones and instance types the fleet may use there.
#[derive(Debug, Clone)]
pub struct RegionSpec {
    pub region: String,
    pub zones: Vec<String>,
    pub non_spot: Vec<Cand>,
    pub spot: Vec<Cand>,
    /// Instances owned reservations cover, always on, at what is left to pay.
    pub owned: Vec<Cand>,
}

impl RegionSpec {
    /// Whether every candidate is offered in every zone: only then are the zones
    /// interchangeable (symmetry rows, zone aggregation and relabelling rely on it).
    pub fn uniform(&self) -> bool {
        self.non_spot
            .iter()
            .chain(&self.spot)
            .chain(&self.owned)
            .all(|c| c.zones.len() == self.zones.len())
    }
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
        // Never below the minimum footprint: a declared service runs somewhere.
        FleetDemand {
            vcpu: (f.peak_vcpu_needed() * shape.peak).max(MIN_FLEET_DEMAND),
            memory: (f.peak_memory_gib * shape.peak).max(MIN_FLEET_DEMAND),
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
    /// The always-on base layer may run on spot (`base_on_spot`); otherwise only the
    /// autoscaled layer may.
    pub base_on_spot: bool,
    /// Where the users are: each region's share of the demand, which it must carry
    /// itself (`None`: the fleet's capacity is pooled over its regions).
    pub located: Option<Located>,
    /// The owned reservations the service may use, by the index its owned candidates
    /// name.
    pub offers: Vec<Offer>,
}

/// The share of the demand each region of a [`FleetProblem`] carries (by index), as
/// `locality::route` assigns users to the nearest serving region: in normal operation,
/// and the most it takes after the loss of any other region (0 when no region loss
/// is survived). Every row of a located fleet is about one region, so its problem is
/// the sum of one problem per region.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Located {
    pub normal: Vec<f64>,
    pub failover: Vec<f64>,
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
    /// One label per model row.
    pub labels: Vec<RowLabel>,
    /// The rows that only order interchangeable zones.
    pub symmetry_rows: Vec<usize>,
}

impl FleetProblem {
    pub fn zoned(&self) -> bool {
        self.survive.contains(&Disruption::Zone) || self.survive.contains(&Disruption::Spot)
    }

    /// Whether spot-pool losses need rows of their own. A pool is one type in one
    /// zone, so when every zone loss is survived, losing a pool (a part of a zone)
    /// is survived too: its rows are implied and left out.
    pub fn pool_rows(&self) -> bool {
        self.survive.contains(&Disruption::Spot)
            && self.spot_allowed()
            && !self.survive.contains(&Disruption::Zone)
    }

    pub fn spot_allowed(&self) -> bool {
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
                    // A type only where the zone offers it.
                    if let Some(z) = z {
                        if !cand.zones.contains(&r.zones[z]) {
                            return;
                        }
                    }
                    let frac = if layer == Layer::Peak {
                        self.shape.running
                    } else {
                        1.0
                    };
                    // An owned instance costs what its reservation leaves to pay.
                    let unpaid = cand
                        .owned
                        .as_ref()
                        .map_or(Decimal::ONE, |o| Decimal::ONE - o.paid);
                    let hourly = (cand.hourly(purchase) * unpaid)
                        .to_f64()
                        .unwrap_or(f64::INFINITY);
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
                for c in r.non_spot.iter().chain(&r.owned) {
                    push(c, c.always_on, Layer::Base);
                }
                if self.spot_allowed() && self.base_on_spot {
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
        if self.pool_rows() {
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

    /// Builds the MILP: one integer column per instance line (no upper bound but
    /// the cost's), one row per demand, layer and survived failure in each dimension,
    /// the spot-share caps, and rows that change no integer plan but help the solver:
    /// the sum of a region's zone-loss rows (each zone is lost once) and of the
    /// region-loss rows, and the ordering of interchangeable zones by vCPU.
    pub fn build(&self) -> Built {
        let columns = self.columns();
        let mut b = Rows {
            model: MilpModel::default(),
            labels: Vec::new(),
            columns: &columns,
            groups: BTreeMap::new(),
        };
        for c in &columns {
            b.model.add_col(0.0, f64::INFINITY, true, c.monthly);
        }
        let d = self.demand;
        let base = self.shape.base;
        let layered = base > 0.0 && self.shape.has_peak_layer();
        // Normal operation at the peak hour, under a flash crowd.
        let (label, what) = if d.flash > 1.0 {
            (
                Constraint::FlashCrowd,
                format!("peak × flash crowd {}", d.flash),
            )
        } else {
            (Constraint::Demand, "peak hour".to_string())
        };
        // Each share of the demand, with the columns that carry it: the whole fleet,
        // or where users are located, each region for its own share.
        let shares: Vec<(Option<usize>, f64, String)> = match &self.located {
            None => vec![(None, 1.0, String::new())],
            Some(l) => l
                .normal
                .iter()
                .enumerate()
                .filter(|(_, share)| **share > 0.0)
                .map(|(ri, share)| (Some(ri), *share, self.share_label(ri, *share)))
                .collect(),
        };
        let in_region = |c: &Column, r: Option<usize>| r.is_none_or(|r| c.region == r);
        for (r, share, at) in &shares {
            b.cover(
                &d,
                &|c| in_region(c, *r),
                d.flash * share,
                label,
                &format!("{what}{at}"),
                None,
            );
            if layered {
                b.cover(
                    &d,
                    &|c| in_region(c, *r) && c.layer == Layer::Base,
                    d.flash * base * share,
                    Constraint::BaseLayer,
                    &format!("always-on base ({:.0}% of peak){at}", base * 100.0),
                    None,
                );
            }
        }
        // How a row after a failure names the floor it keeps.
        let floor = if d.floor < 1.0 {
            format!(" × floor {}", d.floor)
        } else {
            String::new()
        };
        for s in self.scenarios(&columns) {
            let down = |c: &Column| s.takes_down(&self.group_of(c));
            let (kind, group, lazy) = match &s {
                Scenario::ZoneLoss { region, .. } => {
                    (Constraint::ZoneLoss, Some(format!("zone:{region}")), false)
                }
                Scenario::RegionLoss { .. } => {
                    (Constraint::RegionLoss, Some("region".to_string()), false)
                }
                // One row per pool, binding only where the pool is used: the native
                // solver adds them when a point violates them.
                _ => (Constraint::SpotLoss, None, true),
            };
            let first = b.model.rows.len();
            // Where users are located, a loss in a region is carried by that region's
            // own capacity, and a region's loss by the regions its users move to.
            let carried: Vec<(Option<usize>, f64, String, Option<String>)> = match &self.located {
                None => vec![(None, 1.0, String::new(), group.clone())],
                Some(l) => match &s {
                    Scenario::ZoneLoss { region, .. } | Scenario::SpotReclaim { region, .. } => {
                        self.regions
                            .iter()
                            .position(|r| &r.region == region)
                            .filter(|i| l.normal.get(*i).is_some_and(|x| *x > 0.0))
                            .map(|i| {
                                (
                                    Some(i),
                                    l.normal[i],
                                    self.share_label(i, l.normal[i]),
                                    group.clone(),
                                )
                            })
                            .into_iter()
                            .collect()
                    }
                    _ => vec![(None, 1.0, String::new(), group.clone())],
                },
            };
            for (r, share, at, group) in carried {
                b.cover(
                    &d,
                    &|c| in_region(c, r) && !down(c),
                    d.floor * share,
                    kind,
                    &format!("{s}{floor}{at}"),
                    group.clone(),
                );
                if layered {
                    b.cover(
                        &d,
                        &|c| in_region(c, r) && !down(c) && c.layer == Layer::Base,
                        d.floor * base * share,
                        Constraint::BaseLayer,
                        &format!("{s}, base layer{at}"),
                        group.map(|g| format!("{g}:base")),
                    );
                }
            }
            if lazy {
                for r in &mut b.model.rows[first..] {
                    r.lazy = true;
                }
            }
        }
        // A located fleet's region takes the users of another region it loses: the most
        // any one loss sends it.
        if let Some(l) = &self.located {
            for (ri, share) in l.failover.iter().enumerate() {
                if *share <= 0.0 {
                    continue;
                }
                let at = self.share_label(ri, *share);
                b.cover(
                    &d,
                    &|c| c.region == ri,
                    d.floor * share,
                    Constraint::RegionLoss,
                    &format!("another region lost{floor}{at}"),
                    None,
                );
                if layered {
                    b.cover(
                        &d,
                        &|c| c.region == ri && c.layer == Layer::Base,
                        d.floor * base * share,
                        Constraint::BaseLayer,
                        &format!("another region lost, base layer{at}"),
                        None,
                    );
                }
            }
        }
        // Spot share, in nominal vCPU, for the whole fleet and for the base layer alone
        // (so it holds at every hour as the peak layer scales); a located fleet's in
        // each region, for the users that region serves.
        let spot_scopes: Vec<(Option<usize>, String)> = match &self.located {
            None => vec![(None, String::new())],
            Some(_) => (0..self.regions.len())
                .map(|ri| (Some(ri), format!(" in {}", self.regions[ri].region)))
                .collect(),
        };
        for (scope, at) in spot_scopes {
            if !(self.spot_allowed()
                && columns
                    .iter()
                    .any(|c| c.purchase == Purchase::Spot && in_region(c, scope)))
            {
                continue;
            }
            let s = d.spot_share;
            for (layer_only, what) in [(false, "whole fleet"), (true, "base layer")] {
                if layer_only && !layered {
                    continue;
                }
                let coefs: Vec<(usize, f64)> = columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| in_region(c, scope))
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
                b.model.leq(coefs, 0.0);
                b.labels.push(RowLabel {
                    constraint: Some(Constraint::SpotShare),
                    detail: format!("{what}{at}: spot ≤ {:.0}% of vCPU", s * 100.0),
                });
            }
        }
        // The autoscaled layer spreads over the zones like the base: where zones are in
        // the model, no zone holds more than an even share of the region's peak-layer
        // vCPU plus one of its largest instances (the rounding an even spread of whole
        // instances needs). The rows are the same for every zone, so relabelling zones
        // maps them onto each other and zone aggregation stays a relaxation.
        if self.zoned() && self.shape.has_peak_layer() {
            for (ri, r) in self.regions.iter().enumerate() {
                let nz = r.zones.len();
                if nz < 2 {
                    continue;
                }
                let largest = columns
                    .iter()
                    .filter(|c| c.region == ri && c.layer == Layer::Peak)
                    .map(|c| c.cand.vcpus)
                    .fold(0.0, f64::max);
                if largest <= 0.0 {
                    continue;
                }
                for z in 0..nz {
                    let coefs: Vec<(usize, f64)> = columns
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.region == ri && c.layer == Layer::Peak)
                        .map(|(i, c)| {
                            let own = if c.zone == Some(z) { 1.0 } else { 0.0 };
                            (i, c.cand.vcpus * (own - 1.0 / nz as f64))
                        })
                        .collect();
                    b.model.leq(coefs, largest);
                    b.labels.push(RowLabel {
                        constraint: Some(Constraint::BlastRadius),
                        detail: format!(
                            "{}: autoscaled layer within an even share of {} zones + {largest} vCPU",
                            r.zones[z], nz
                        ),
                    });
                }
            }
        }
        // What the plan uses of each owned reservation offered, within what it holds.
        for (k, offer) in self.offers.iter().enumerate() {
            let coefs: Vec<(usize, f64)> = columns
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    let o = c.cand.owned.as_ref().filter(|o| o.offer == k)?;
                    Some((i, o.measure))
                })
                .collect();
            if coefs.is_empty() {
                continue;
            }
            b.model.leq(coefs, offer.units.to_f64().unwrap_or(0.0));
            b.labels.push(RowLabel {
                constraint: Some(Constraint::Owned),
                detail: offer.label(),
            });
        }
        // Each zone (region) is lost once: the sum of a group's loss rows, divided by
        // one less than the group's size, is implied by them, and its rounding is a
        // strong cut where no single row has one.
        let groups = std::mem::take(&mut b.groups);
        for rows in groups.into_values() {
            if rows.len() < 2 {
                continue;
            }
            let scale = 1.0 / (rows.len() as f64 - 1.0);
            let mut sum: BTreeMap<usize, f64> = BTreeMap::new();
            let mut rhs = 0.0;
            for r in &rows {
                for (i, a) in &b.model.rows[*r].coefs {
                    *sum.entry(*i).or_default() += a;
                }
                rhs += b.model.rows[*r].rhs;
            }
            let coefs = sum.into_iter().map(|(i, a)| (i, a * scale)).collect();
            b.model.geq(coefs, rhs * scale);
            b.labels.push(RowLabel {
                constraint: None,
                detail: String::new(),
            });
        }
        // Zones of a region are interchangeable: order them by vCPU to cut symmetric
        // branches. Any plan can be relabelled to satisfy this, so no optimum is lost.
        let mut symmetry_rows = Vec::new();
        if self.zoned() {
            for (ri, r) in self.regions.iter().enumerate() {
                if !r.uniform() {
                    continue;
                }
                for z in 1..r.zones.len() {
                    symmetry_rows.push(b.model.rows.len());
                    let mut coefs = Vec::new();
                    for (i, c) in columns.iter().enumerate() {
                        if c.region == ri && c.zone == Some(z - 1) {
                            coefs.push((i, c.cand.vcpus));
                        } else if c.region == ri && c.zone == Some(z) {
                            coefs.push((i, -c.cand.vcpus));
                        }
                    }
                    b.model.geq(coefs, 0.0);
                    b.labels.push(RowLabel {
                        constraint: None,
                        detail: String::new(),
                    });
                }
            }
        }
        let Rows { model, labels, .. } = b;
        Built {
            model,
            columns,
            labels,
            symmetry_rows,
        }
    }

    /// How a row names the share of users a region carries.
    fn share_label(&self, region: usize, share: f64) -> String {
        format!(
            " in {} ({}% of users)",
            self.regions[region].region,
            round2(share * 100.0)
        )
    }

    /// Groups of columns that are the same line in every zone of a region: the
    /// orbits of relabelling a region's zones, which changes no cost and maps every
    /// row family (zone losses, pool losses, their base layers and sums) onto itself.
    pub fn uniform(&self) -> bool {
        self.regions.iter().all(RegionSpec::uniform)
    }

    pub fn zone_ties(&self, columns: &[Column]) -> Vec<Vec<usize>> {
        // Region, type, purchase, layer and owned offer: all but the zone.
        type Orbit = (usize, String, Purchase, Layer, Option<usize>);
        let mut by: BTreeMap<Orbit, Vec<usize>> = BTreeMap::new();
        for (i, c) in columns.iter().enumerate() {
            let owned = c.cand.owned.as_ref().map(|o| o.offer);
            by.entry((c.region, c.cand.name.clone(), c.purchase, c.layer, owned))
                .or_default()
                .push(i);
        }
        by.into_values().collect()
    }
}

/// Rows under construction.
struct Rows<'a> {
    model: MilpModel,
    labels: Vec<RowLabel>,
    columns: &'a [Column],
    /// Loss rows by group (a region's zones, or the regions), for their sums.
    groups: BTreeMap<String, Vec<usize>>,
}

impl Rows<'_> {
    /// `Σ capacity ≥ factor × demand` over the columns `keep` counts, in vCPU and in
    /// memory.
    fn cover(
        &mut self,
        d: &FleetDemand,
        keep: &dyn Fn(&Column) -> bool,
        factor: f64,
        constraint: Constraint,
        what: &str,
        group: Option<String>,
    ) {
        for (dim, need, unit) in [
            ("vCPU", d.vcpu * factor, ""),
            ("memory", d.memory * factor, " GiB"),
        ] {
            if need <= 0.0 {
                continue;
            }
            let coefs: Vec<(usize, f64)> = self
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| keep(c))
                .map(|(i, c)| {
                    let cap = if dim == "vCPU" {
                        c.cand.vcpus
                    } else {
                        c.cand.memory_gib
                    };
                    (i, cap * c.counted)
                })
                .collect();
            if let Some(g) = &group {
                self.groups
                    .entry(format!("{g}:{dim}"))
                    .or_default()
                    .push(self.model.rows.len());
            }
            self.model.geq(coefs, need);
            self.labels.push(RowLabel {
                constraint: Some(constraint),
                detail: format!("{what}: {dim} ≥ {}{unit}", round2(need)),
            });
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
