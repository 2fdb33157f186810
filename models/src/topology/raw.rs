//! The topology file as written: serde types that mirror the TOML one to one. Every
//! field is optional or defaulted where the format allows it; meaning and consistency
//! are checked in `validate`, which turns these into a [`super::Topology`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::catalog::{
    CorrelationOverride, FailoverOverride, FailureModeOverride, ImpairmentOverride, ModeOverrides,
};

/// A Faultline topology file (format version 1).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields, title = "Faultline topology")]
pub struct RawTopology {
    /// Format version; must be 1.
    pub version: i64,
    pub system: RawSystem,
    /// Services by name.
    #[serde(default)]
    pub services: BTreeMap<String, RawService>,
    /// User-facing flows across services, by name.
    #[serde(default)]
    pub journeys: BTreeMap<String, RawJourney>,
    /// Hand-written deployments to analyse, by service name.
    #[serde(default)]
    pub placement: BTreeMap<String, RawPlacement>,
    #[serde(default)]
    pub constraints: RawConstraints,
    #[serde(default)]
    pub overrides: RawOverrides,
    /// How the system may buy capacity; services may narrow it.
    pub purchase: Option<RawSystemPurchase>,
}

/// The system's purchase policy: a [`RawPurchase`] plus the reservations and Savings
/// Plans the team already owns.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSystemPurchase {
    /// Purchase options that may be used: `on-demand` (always needed), `spot`,
    /// `reserved-1y`, `reserved-3y`, `savings-plan-1y`, `savings-plan-3y`. Default:
    /// all of them.
    pub allow: Option<Vec<String>>,
    /// Longest commitment term: `none`, `1y` or `3y` (default).
    pub max_commitment: Option<String>,
    /// Reserved Instances and Savings Plans already bought, which the plan uses first.
    #[serde(default)]
    pub owned: Vec<RawOwned>,
}

/// One reservation or Savings Plan already owned (`[[purchase.owned]]`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawOwned {
    /// Reserved Instance of this instance type (with `region`: regional, size-flexible
    /// within its family; with `zone`: zonal, this type only).
    #[serde(rename = "type")]
    pub instance_type: Option<String>,
    /// Regional size-flexible Reserved Instances of a family, `count` in normalised
    /// units (a `large` is 4); or the family of an EC2 Instance Savings Plan.
    pub family: Option<String>,
    /// A Savings Plan instead of a Reserved Instance: `compute` or `ec2-instance`.
    pub savings_plan: Option<String>,
    /// Region of a regional Reserved Instance or an EC2 Instance Savings Plan.
    pub region: Option<String>,
    /// Zone of a zonal Reserved Instance.
    pub zone: Option<String>,
    /// Reserved instances owned (normalised units with `family`).
    pub count: Option<i64>,
    /// A Savings Plan's hourly commitment in USD, at Savings Plan rates.
    pub usd_per_hour: Option<f64>,
    /// Term bought: `1y` or `3y`.
    pub term: Option<String>,
    /// Month the commitment ends, `YYYY-MM` (it covers the months before it); needs
    /// `system.start`. Omitted: it covers the whole horizon.
    pub ends: Option<String>,
}

/// A purchase policy: the purchase options capacity may be bought with and the
/// longest commitment term.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawPurchase {
    /// Purchase options that may be used: `on-demand` (always needed), `spot`,
    /// `reserved-1y`, `reserved-3y`, `savings-plan-1y`, `savings-plan-3y`. Default:
    /// all of them.
    pub allow: Option<Vec<String>>,
    /// Longest commitment term: `none`, `1y` or `3y` (default).
    pub max_commitment: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSystem {
    /// System name, used in plan ids and resource names.
    pub name: String,
    /// Cloud provider; only `aws` is supported.
    pub cloud: Option<String>,
    /// Candidate regions the optimizer may use.
    pub regions: Vec<String>,
    /// Optional restriction of each region's zones.
    #[serde(default)]
    pub zones: BTreeMap<String, Vec<String>>,
    /// Where the system lives by default; the first candidate region when omitted.
    pub home_region: Option<String>,
    /// Monthly budget in USD; plans above it are reported, not rejected.
    pub monthly_budget_usd: Option<f64>,
    /// Months over which reserved capacity is amortised (default 12).
    pub horizon_months: Option<i64>,
    /// First month of the plan, `YYYY-MM`; needed when an owned commitment has `ends`.
    pub start: Option<String>,
    /// Tags for every resource of the system (owner, cost centre, …); services add
    /// their own. A gate policy can require some (`required_tags`).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A service: a `stateless` fleet, a `quorum` group or a `replicated` store.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawService {
    /// `stateless`, `quorum` or `replicated`.
    pub kind: String,
    // Stateless fleets.
    /// Peak demand in vCPU.
    pub peak_vcpu: Option<f64>,
    /// Peak demand in GiB of memory.
    pub peak_memory_gib: Option<f64>,
    /// Peak concurrent connections.
    pub peak_connections: Option<f64>,
    /// Connections one vCPU holds (default 1000).
    pub connections_per_vcpu: Option<f64>,
    /// Demand profile: a shape name (`flat`, `diurnal`, `business-hours`,
    /// `evening-peak`) or 24 hourly factors of the peak, in UTC.
    pub profile: Option<RawProfile>,
    /// Short bursts above the peak, as a multiplier (default 1).
    pub flash_crowd: Option<f64>,
    /// Largest share of capacity that may run on spot (default 0).
    pub max_spot_share: Option<f64>,
    /// Share of demand that must still be served during a failure (default 1).
    pub degraded_floor: Option<f64>,
    /// Largest share of the fleet's peak capacity one instance may carry, in vCPU and
    /// in memory (default 0.25; a fleet smaller than four of its smallest instances
    /// may use its smallest type).
    pub max_instance_share: Option<f64>,
    /// Where the fleet's users are: the share of its peak near each region (shares add
    /// up to 1). Each share is served from its nearest serving region.
    #[serde(default)]
    pub users: BTreeMap<String, f64>,
    /// The longest round trip between users' region and the region serving them,
    /// e.g. "80ms" (default 0: each share is served from its own region).
    pub client_latency_budget: Option<String>,
    /// Whether the always-on base layer may run on spot (default false: only the
    /// autoscaled layer may).
    pub base_on_spot: Option<bool>,
    // Stores.
    /// `strong`, `eventual` or `auto` (let the optimizer choose).
    pub consistency: Option<String>,
    /// Number of replicas (quorum members, or primary plus replicas).
    pub replicas: Option<i64>,
    /// vCPU per replica.
    pub replica_vcpu: Option<f64>,
    /// Memory per replica in GiB.
    pub replica_memory_gib: Option<f64>,
    /// Commit-latency budget of a quorum, e.g. "50ms".
    pub commit_latency_budget: Option<String>,
    /// Data written per day in GB, which replication sends to every other replica.
    pub write_gb_per_day: Option<f64>,
    /// Typical asynchronous replication lag, e.g. "5s".
    pub replication_lag: Option<String>,
    /// Time to detect a dead primary and promote a replica, e.g. "60s".
    pub failover: Option<String>,
    /// `zone` (default): members in distinct zones, and where a region loss is
    /// survived never a majority in one region; `none`: members may share a zone.
    pub anti_affinity: Option<String>,
    // Any kind.
    /// Allowed instance families, e.g. ["m7g", "c7g"].
    pub families: Option<Vec<String>>,
    /// Allowed architectures: `x86_64`, `arm64`.
    pub arch: Option<Vec<String>>,
    /// Services this one calls: `hard` (down with them) or `soft` (degraded), or a
    /// table with `strength` and a hard call's `latency_budget`.
    #[serde(default)]
    pub depends_on: BTreeMap<String, RawDependency>,
    pub slo: Option<RawSlo>,
    /// Tags for this service's resources; they add to (and win over) `system.tags`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// This service's purchase policy, narrowing the system's `[purchase]`.
    pub purchase: Option<RawPurchase>,
}

/// A dependency: its strength, or a table with the strength and a latency budget.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a dependency strength (\"hard\" or \"soft\") or a table { strength = \"hard\", latency_budget = \"5ms\" }"
)]
pub enum RawDependency {
    Strength(String),
    Table(RawDependencyTable),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDependencyTable {
    /// `hard` or `soft`.
    pub strength: String,
    /// The longest round trip a hard call may add by crossing regions, e.g. "5ms";
    /// without it the service serves only where the dependency serves.
    pub latency_budget: Option<String>,
}

impl RawDependency {
    pub fn strength(&self) -> &str {
        match self {
            RawDependency::Strength(s) => s,
            RawDependency::Table(t) => &t.strength,
        }
    }

    pub fn latency_budget(&self) -> Option<&String> {
        match self {
            RawDependency::Strength(_) => None,
            RawDependency::Table(t) => t.latency_budget.as_ref(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a profile shape name (for example \"flat\") or 24 hourly factors"
)]
pub enum RawProfile {
    Shape(String),
    Hourly(Vec<f64>),
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSlo {
    /// Availability target as a fraction, e.g. 0.9995.
    pub availability: Option<f64>,
    /// Recovery-time objective per disruption class.
    #[serde(default)]
    pub rto: RawPerClass,
    /// Recovery-point objective (data loss window) per disruption class.
    #[serde(default)]
    pub rpo: RawPerClass,
    /// Failures to survive without scaling: `zone`, `region`, `spot`.
    #[serde(default)]
    pub survive: Vec<String>,
    /// Journeys with `compensations` and `requests_per_second`: most sagas a year
    /// left stranded (a later step failed while a compensating service is down).
    pub max_stranded_per_year: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawPerClass {
    pub instance: Option<String>,
    pub zone: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawJourney {
    /// Services the journey passes through, in order.
    pub steps: Vec<String>,
    /// Saga compensations: step service → the service that undoes it.
    #[serde(default)]
    pub compensations: BTreeMap<String, String>,
    /// Requests per second through the journey (each one a saga when it has
    /// compensations), for the stranded-saga figures.
    pub requests_per_second: Option<f64>,
    pub slo: Option<RawSlo>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawPlacement {
    /// DR pattern across regions.
    pub dr: Option<String>,
    pub groups: Vec<RawGroup>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawGroup {
    pub region: String,
    /// Omit for a group spread over the region's zones.
    pub zone: Option<String>,
    pub instance_type: String,
    pub count: i64,
    /// `on-demand` (default), `spot`, `reserved-1y`, `reserved-3y`, `savings-plan-1y`,
    /// `savings-plan-3y`.
    pub purchase: Option<String>,
    /// `active` (default), `primary`, `replica`, `standby`.
    pub role: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawConstraints {
    /// Data residency: service → regions it may run in.
    #[serde(default)]
    pub allowed_regions: BTreeMap<String, Vec<String>>,
    /// Hard monthly cost cap in USD.
    pub max_monthly_usd: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawOverrides {
    #[serde(default)]
    pub failure: RawFailureOverrides,
    #[serde(default)]
    pub prices: RawPriceOverrides,
}

/// Failure-model parameters that replace the catalog's priors, for every region or
/// for one region.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawFailureOverrides {
    pub instance: Option<FailureModeOverride>,
    pub zone: Option<FailureModeOverride>,
    pub region: Option<FailureModeOverride>,
    pub region_control_plane: Option<FailureModeOverride>,
    pub region_partition: Option<FailureModeOverride>,
    pub zone_isolation: Option<FailureModeOverride>,
    /// What a zone outage brings with it: followers, launch failures.
    pub correlation: Option<CorrelationOverride>,
    /// How often a replicated store's failover fails.
    pub failover: Option<FailoverOverride>,
    /// Zone impairments (gray failure): how often, how long, what share of a zone.
    pub zone_impairment: Option<ImpairmentOverride>,
    /// Per-region overrides, by region then mode.
    #[serde(default)]
    pub regions: BTreeMap<String, ModeOverrides>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawPriceOverrides {
    /// Negotiated discount off every list price, as a fraction (e.g. 0.08).
    pub discount: Option<f64>,
    /// On-demand USD/hour by region, then instance type.
    #[serde(default)]
    pub on_demand: BTreeMap<String, BTreeMap<String, f64>>,
}
