//! The topology: what a platform team runs, what it must survive and what it may cost.
//! [`parse`] reads a topology file, checks it against a [`Catalog`] and returns a
//! [`Topology`] whose every name, number and reference is known to be good.

pub mod raw;
mod shapes;
mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::catalog::{apply_override, Catalog, Mode, ModeOverrides};
use crate::deployment::{words_enum, Arch, ServiceDeployment, Words};
use crate::diag::{Diagnostic, Span};

pub use shapes::SHAPES;

/// The least peak demand, in vCPU and in GiB, a fleet is planned for. A smaller
/// demand (down to 1e-300) is below any solver's tolerance and would round to no
/// instance at all; a service that is declared must exist, so it gets at least one
/// instance, and validation warns (FL-T045). One thousandth of a vCPU is far below
/// the smallest instance (2 vCPU, 0.5 GiB), so no real demand is changed.
pub const MIN_FLEET_DEMAND: f64 = 0.001;

/// Format version this build reads and writes.
pub const FORMAT_VERSION: i64 = 1;

words_enum! {
    /// The three kinds of service.
    Kind {
        /// Interchangeable instances behind a load balancer.
        Stateless => "stateless",
        /// Raft/Paxos group: strongly consistent, needs a majority.
        Quorum => "quorum",
        /// Primary with asynchronous replicas: eventually consistent.
        Replicated => "replicated",
    }
}

words_enum! {
    Consistency {
        Strong => "strong",
        Eventual => "eventual",
        /// The optimizer chooses quorum or asynchronous replication.
        Auto => "auto",
    }
}

words_enum! {
    /// Disruption classes that SLOs name.
    Disruption {
        Instance => "instance",
        Zone => "zone",
        Region => "region",
        Spot => "spot",
    }
}

words_enum! {
    Strength {
        /// Down when the dependency is down.
        Hard => "hard",
        /// Degraded when the dependency is down.
        Soft => "soft",
    }
}

/// A validated topology.
#[derive(Debug, Clone, Serialize)]
pub struct Topology {
    pub name: String,
    pub cloud: String,
    /// Candidate regions, in the order written.
    pub regions: Vec<String>,
    /// Usable zones per candidate region (the catalog's, unless restricted).
    pub zones: BTreeMap<String, Vec<String>>,
    pub home_region: String,
    pub monthly_budget_usd: Option<Decimal>,
    pub horizon_months: u32,
    pub services: BTreeMap<String, Service>,
    pub journeys: BTreeMap<String, Journey>,
    /// Hand-written deployments, by service.
    pub placement: BTreeMap<String, ServiceDeployment>,
    pub constraints: Constraints,
    pub overrides: Overrides,
    /// `[purchase]`: the purchase options every service may use.
    #[serde(skip_serializing_if = "PurchasePolicy::is_default")]
    pub purchase: PurchasePolicy,
    /// `system.tags`. Skipped when empty so that topologies without tags keep the
    /// digest they had before tags existed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// `system.start`, `YYYY-MM`: the plan's first month. Skipped when absent (and
    /// `owned` when empty) so that topologies without them keep their digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// `[[purchase.owned]]`: reservations and Savings Plans already bought, in the
    /// order written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owned: Vec<Owned>,
    /// Key spans in the source file, by dotted key path (`services.web.slo`), so
    /// later stages can point findings at the line that caused them.
    #[serde(skip)]
    pub spans: BTreeMap<String, Span>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: String,
    pub kind: Kind,
    pub consistency: Consistency,
    pub demand: Demand,
    /// Allowed families; empty means any in the catalog.
    pub families: Vec<String>,
    /// Allowed architectures; empty means any.
    pub arch: Vec<Arch>,
    pub depends_on: BTreeMap<String, Strength>,
    /// The round trip a hard dependency's calls may add by crossing regions; without
    /// an entry the service serves only from regions where the dependency serves.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub latency_budget: BTreeMap<String, Duration>,
    pub slo: Slo,
    /// The service's own tags (without the system's).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The service's own purchase policy (the system's applies as well; see
    /// [`Topology::purchase_for`]).
    #[serde(skip_serializing_if = "PurchasePolicy::is_default")]
    pub purchase: PurchasePolicy,
}

/// The purchase options capacity may be bought with, after `allow` and
/// `max_commitment`. On-demand is always in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurchasePolicy {
    pub allow: BTreeSet<crate::deployment::Purchase>,
}

impl Default for PurchasePolicy {
    fn default() -> Self {
        PurchasePolicy {
            allow: crate::deployment::PURCHASES.into_iter().collect(),
        }
    }
}

impl PurchasePolicy {
    pub fn is_default(&self) -> bool {
        *self == PurchasePolicy::default()
    }

    pub fn allows(&self, p: crate::deployment::Purchase) -> bool {
        self.allow.contains(&p)
    }

    /// Both policies at once: what each allows.
    pub fn and(&self, other: &PurchasePolicy) -> PurchasePolicy {
        PurchasePolicy {
            allow: self.allow.intersection(&other.allow).copied().collect(),
        }
    }
}

words_enum! {
    /// What kind of commitment an owned entry is.
    OwnedKind {
        /// A Standard Reserved Instance (regional and size-flexible, or zonal).
        ReservedInstance => "reserved-instance",
        /// A Compute Savings Plan: any family, any region.
        ComputeSavingsPlan => "compute-savings-plan",
        /// An EC2 Instance Savings Plan: one family in one region.
        Ec2InstanceSavingsPlan => "ec2-instance-savings-plan",
    }
}

/// A reservation or Savings Plan the team already owns (`[[purchase.owned]]`),
/// validated. Exactly one of `instance_type` and `family` is set for a Reserved
/// Instance; a zonal one has a type and a zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Owned {
    pub kind: OwnedKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The region of a regional reservation or an EC2 Instance Savings Plan, and of a
    /// zonal reservation's zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Reserved instances (normalised units for a family reservation); 0 for a Savings
    /// Plan.
    pub count: u32,
    /// A Savings Plan's hourly commitment at Savings Plan rates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usd_per_hour: Option<Decimal>,
    pub term_months: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends: Option<String>,
    /// Months from `system.start` to `ends`; `None` when it covers the whole horizon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub months_left: Option<u32>,
}

/// A month written `YYYY-MM` as `year × 12 + month − 1`, so that two months subtract
/// to the months between them.
pub fn month(text: &str) -> Option<i64> {
    let (y, m) = text.split_once('-')?;
    if y.len() != 4 || m.len() != 2 || !y.chars().chain(m.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (y, m): (i64, i64) = (y.parse().ok()?, m.parse().ok()?);
    ((2000..=2200).contains(&y) && (1..=12).contains(&m)).then_some(y * 12 + m - 1)
}

/// What a service needs.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
// One per service, built once: the size difference (a fleet's 24-hour profile) costs
// nothing, and boxing would only add an indirection to every match.
#[allow(clippy::large_enum_variant)]
pub enum Demand {
    Stateless(Fleet),
    Store(Store),
}

#[derive(Debug, Clone, Serialize)]
pub struct Fleet {
    pub peak_vcpu: f64,
    pub peak_memory_gib: f64,
    pub peak_connections: Option<f64>,
    pub connections_per_vcpu: f64,
    /// Name of the shape, or `custom`.
    pub profile_name: String,
    /// Hourly factors of the peak, UTC hours 0–23.
    pub profile: [f64; 24],
    pub flash_crowd: f64,
    pub max_spot_share: f64,
    pub degraded_floor: f64,
    /// Largest share of the peak capacity (vCPU and memory) one instance may carry.
    /// Defaults are not serialised, so a topology that does not use a key keeps the
    /// digest it had before the key existed (as with `tags`).
    #[serde(skip_serializing_if = "is_default_instance_share")]
    pub max_instance_share: f64,
    /// The always-on base layer may run on spot.
    #[serde(skip_serializing_if = "is_false")]
    pub base_on_spot: bool,
    /// Where the users are: the share of the peak near each region, adding up to 1
    /// (empty: the fleet may serve from anywhere).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub users: BTreeMap<String, f64>,
    /// The longest round trip between a share's region and the region serving it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_latency_budget: Option<Duration>,
}

impl Fleet {
    /// vCPU the fleet needs at its peak, counting what its connections need.
    pub fn peak_vcpu_needed(&self) -> f64 {
        let for_conns = self
            .peak_connections
            .map_or(0.0, |c| c / self.connections_per_vcpu);
        self.peak_vcpu.max(for_conns)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Store {
    pub replicas: u32,
    pub replica_vcpu: f64,
    pub replica_memory_gib: f64,
    pub write_gb_per_day: f64,
    /// Quorum commit-latency budget.
    pub commit_latency_budget: Option<Duration>,
    /// Asynchronous replication lag (replicated stores).
    pub replication_lag: Option<Duration>,
    /// Detection plus promotion time (replicated stores).
    pub failover: Option<Duration>,
    /// Members in distinct zones (and, surviving a region loss, never a majority in
    /// one region); `anti_affinity = "none"` turns it off.
    #[serde(skip_serializing_if = "is_true")]
    pub anti_affinity: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Slo {
    pub availability: Option<f64>,
    pub rto: BTreeMap<Disruption, Duration>,
    pub rpo: BTreeMap<Disruption, Duration>,
    /// Failures to survive without scaling.
    pub survive: BTreeSet<Disruption>,
    /// Journeys: most sagas a year left stranded. Not serialised when unset, so a
    /// topology that does not use it keeps its digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_stranded_per_year: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Journey {
    pub name: String,
    pub steps: Vec<String>,
    pub compensations: BTreeMap<String, String>,
    /// Requests per second through the journey. Not serialised when unset (digest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests_per_second: Option<f64>,
    pub slo: Slo,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Constraints {
    pub allowed_regions: BTreeMap<String, Vec<String>>,
    pub max_monthly_usd: Option<Decimal>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    /// Failure-model parameters for every region.
    pub failure: ModeOverrides,
    /// Failure-model parameters for one region.
    pub failure_regions: BTreeMap<String, ModeOverrides>,
    /// What a zone outage brings with it, in place of the catalog's priors.
    pub failure_correlation: Option<crate::catalog::CorrelationOverride>,
    /// How often a store's failover fails, in place of the catalog's prior.
    pub failure_failover: Option<crate::catalog::FailoverOverride>,
    /// Zone impairments, in place of the catalog's prior.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_zone_impairment: Option<crate::catalog::ImpairmentOverride>,
    /// Negotiated discount off list prices.
    pub discount: Decimal,
    pub on_demand: BTreeMap<String, BTreeMap<String, Decimal>>,
}

/// The default `max_instance_share`: no instance carries more than a quarter of a
/// fleet's peak capacity, so losing one costs at most 25%. This is the bulkhead rule
/// of the AWS Well-Architected Reliability Pillar (REL10-BP03, "Use bulkhead
/// architectures to limit scope of impact", read 2026-12); the figure is Faultline's:
/// four instances is the smallest fleet where one loss leaves three quarters, which a
/// `degraded_floor` of 0.75 absorbs.
pub const DEFAULT_MAX_INSTANCE_SHARE: f64 = 0.25;

fn is_default_instance_share(x: &f64) -> bool {
    *x == DEFAULT_MAX_INSTANCE_SHARE
}

fn is_false(x: &bool) -> bool {
    !*x
}

fn is_true(x: &bool) -> bool {
    *x
}

/// A topology that passed validation, with the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Checked {
    pub topology: Topology,
    pub warnings: Vec<Diagnostic>,
}

/// Reads and checks a topology file. On failure returns every problem found (errors
/// and warnings), sorted by position.
pub fn parse(text: &str, catalog: &Catalog) -> Result<Checked, Vec<Diagnostic>> {
    validate::run(text, catalog)
}

/// JSON Schema of the topology format, for editors.
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(raw::RawTopology).to_value()
}

impl Topology {
    /// Regions a service may use: the candidates, narrowed by data residency.
    pub fn regions_for(&self, service: &str) -> Vec<&str> {
        match self.constraints.allowed_regions.get(service) {
            Some(allowed) => self
                .regions
                .iter()
                .filter(|r| allowed.contains(r))
                .map(String::as_str)
                .collect(),
            None => self.regions.iter().map(String::as_str).collect(),
        }
    }

    /// The purchase options `service` may use: the system's `[purchase]` and the
    /// service's own `purchase` together.
    pub fn purchase_for(&self, service: &str) -> PurchasePolicy {
        match self.services.get(service) {
            Some(s) => self.purchase.and(&s.purchase),
            None => self.purchase.clone(),
        }
    }

    /// The span of a key, by dotted path, if it was written in the file.
    pub fn span(&self, key: &str) -> Option<Span> {
        self.spans.get(key).cloned()
    }

    /// The catalog with this topology's price and failure-model overrides applied.
    pub fn effective_catalog(&self, catalog: &Catalog) -> Catalog {
        let mut c = catalog.clone();
        // The discount applies to list prices; a negotiated price is already net.
        let keep = Decimal::ONE - self.overrides.discount;
        for prices in c.on_demand.values_mut() {
            for p in prices.usd_per_hour.values_mut() {
                *p *= keep;
            }
        }
        for (region, prices) in &self.overrides.on_demand {
            if let Some(regional) = c.on_demand.get_mut(region) {
                regional
                    .usd_per_hour
                    .extend(prices.iter().map(|(t, p)| (t.clone(), *p)));
            }
        }
        // A topology-wide override beats the catalog's per-region figures too: the user
        // said what the rate is everywhere; only their own per-region entries refine it.
        for mode in Mode::ALL {
            if let Some(o) = self.overrides.failure.mode(*mode) {
                let base = c.failure.mode(*mode).clone();
                *mode_mut(&mut c.failure, *mode) = apply_override(base, o);
                for regional in c.failure.regions.values_mut() {
                    if let Some(r) = regional.mode(*mode).cloned() {
                        let cleared = crate::catalog::FailureModeOverride {
                            rate_per_year: r.rate_per_year.filter(|_| o.rate_per_year.is_none()),
                            median_hours: r.median_hours.filter(|_| o.median_hours.is_none()),
                            mean_hours: r.mean_hours.filter(|_| o.mean_hours.is_none()),
                            source: r.source,
                        };
                        set_override(regional, *mode, cleared);
                    }
                }
            }
        }
        if let Some(o) = &self.overrides.failure_correlation {
            c.failure.correlation = c.failure.correlation.with(o);
        }
        if let Some(o) = &self.overrides.failure_failover {
            c.failure.failover = c.failure.failover.with(o);
        }
        if let Some(o) = &self.overrides.failure_zone_impairment {
            c.failure.zone_impairment = c.failure.zone_impairment.with(o);
        }
        for (region, modes) in &self.overrides.failure_regions {
            let entry = c.failure.regions.entry(region.clone()).or_default();
            for mode in Mode::ALL {
                if let Some(o) = modes.mode(*mode) {
                    let merged = match entry.mode(*mode) {
                        Some(existing) => merge(existing, o),
                        None => o.clone(),
                    };
                    set_override(entry, *mode, merged);
                }
            }
        }
        c
    }
}

fn merge(
    base: &crate::catalog::FailureModeOverride,
    top: &crate::catalog::FailureModeOverride,
) -> crate::catalog::FailureModeOverride {
    crate::catalog::FailureModeOverride {
        rate_per_year: top.rate_per_year.or(base.rate_per_year),
        median_hours: top.median_hours.or(base.median_hours),
        mean_hours: top.mean_hours.or(base.mean_hours),
        source: top.source.clone().or_else(|| base.source.clone()),
    }
}

fn mode_mut(p: &mut crate::catalog::FailurePriors, mode: Mode) -> &mut crate::catalog::FailureMode {
    match mode {
        Mode::instance => &mut p.instance,
        Mode::zone => &mut p.zone,
        Mode::region => &mut p.region,
        Mode::region_control_plane => &mut p.region_control_plane,
        Mode::region_partition => &mut p.region_partition,
        Mode::zone_isolation => &mut p.zone_isolation,
    }
}

fn set_override(o: &mut ModeOverrides, mode: Mode, v: crate::catalog::FailureModeOverride) {
    let slot = match mode {
        Mode::instance => &mut o.instance,
        Mode::zone => &mut o.zone,
        Mode::region => &mut o.region,
        Mode::region_control_plane => &mut o.region_control_plane,
        Mode::region_partition => &mut o.region_partition,
        Mode::zone_isolation => &mut o.zone_isolation,
    };
    *slot = Some(v);
}

impl Service {
    pub fn fleet(&self) -> Option<&Fleet> {
        match &self.demand {
            Demand::Stateless(f) => Some(f),
            Demand::Store(_) => None,
        }
    }

    pub fn store(&self) -> Option<&Store> {
        match &self.demand {
            Demand::Store(s) => Some(s),
            Demand::Stateless(_) => None,
        }
    }
}
