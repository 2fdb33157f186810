//! The optimizer's output: a versioned deployment plan with its cost broken down, the
//! constraints that drove it and the solve that produced it. The failure model reads
//! the deployments from it (`analyze --plan`).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::cost::Recovery;
use crate::deployment::{DrPattern, Purchase, Role, ServiceDeployment};
use crate::topology::{Consistency, Disruption, Kind};

/// Version of the plan document format.
pub const PLAN_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    /// Stable id derived from the inputs: the same topology and catalog give the same id.
    pub id: String,
    /// The topology's `system.name`.
    pub system: String,
    /// The catalog the plan was priced with: its name and date.
    #[serde(default)]
    pub catalog: String,
    /// Months over which commitments were amortised.
    #[serde(default)]
    pub horizon_months: u32,
    pub services: BTreeMap<String, ServicePlan>,
    /// Total monthly cost in USD.
    pub monthly_usd: Decimal,
    #[serde(default)]
    pub cost: CostBreakdown,
    #[serde(default)]
    pub budget: Budget,
    /// Computed availability of each journey, when the failure model assessed the plan.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub journeys: BTreeMap<String, Availability>,
    #[serde(default)]
    pub solve: SolveInfo,
    /// Things the reader should know that are not errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Cost against resilience, when `--frontier` asked for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontier: Option<Frontier>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicePlan {
    #[serde(default = "default_kind")]
    pub kind: Kind,
    pub deployment: ServiceDeployment,
    /// For stores: the consistency actually chosen (never `auto`).
    pub consistency: Consistency,
    pub monthly_usd: Decimal,
    /// The failures the plan survives without scaling: the SLO's `survive` set plus any
    /// the recovery targets or the availability target made necessary.
    #[serde(default)]
    pub survive: BTreeSet<Disruption>,
    /// Instance lines behind `deployment`, each with what it costs.
    #[serde(default)]
    pub instances: Vec<InstanceLine>,
    /// Replication and backup traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transfer: Vec<TransferLine>,
    #[serde(default)]
    pub cost: CostBreakdown,
    /// What the plan gives when an instance, a zone or a region is lost.
    #[serde(default)]
    pub recovery: BTreeMap<Disruption, Recovery>,
    /// The DR patterns considered for a region loss, with what each would cost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dr_options: Vec<DrOption>,
    /// The constraints that decided the plan: those with no slack at the optimum and
    /// the requirements that ruled options out.
    #[serde(default)]
    pub binding: Vec<Binding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
    #[serde(default)]
    pub solve: SolveInfo,
}

fn default_kind() -> Kind {
    Kind::Stateless
}

/// How an instance line's hours are paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// Runs every hour: the base of the demand profile, store members, commitments.
    Base,
    /// Scaled with the demand profile: its count is the peak hour's; it runs
    /// `running_fraction` of the hours on average.
    Peak,
    /// Disaster-recovery standby capacity.
    Standby,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceLine {
    pub region: String,
    pub zone: Option<String>,
    pub instance_type: String,
    pub count: u32,
    pub purchase: Purchase,
    pub role: Role,
    pub layer: Layer,
    /// Average share of the month's hours the line runs (1 unless `layer` is `peak`).
    pub running_fraction: Decimal,
    /// Effective USD per instance-hour (commitments amortised over the horizon).
    pub usd_per_hour: Decimal,
    pub monthly_usd: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferLine {
    /// What is sent, e.g. `replication us-east-1a → us-east-2b`.
    pub what: String,
    pub from_region: String,
    pub to_region: String,
    pub gb_per_month: Decimal,
    pub usd_per_gb: Decimal,
    pub monthly_usd: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CostBreakdown {
    pub by_region: BTreeMap<String, Decimal>,
    /// By purchase option (`on-demand`, `spot`, `reserved-1y`, …) plus `transfer`.
    pub by_purchase: BTreeMap<String, Decimal>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_service: BTreeMap<String, Decimal>,
    /// Instance hours of the serving capacity.
    pub instances: Decimal,
    /// Disaster-recovery standby capacity.
    pub standby: Decimal,
    /// Inter-zone and inter-region replication and backup traffic.
    pub transfer: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// `system.monthly_budget_usd`: reported against, never enforced.
    pub monthly_budget_usd: Option<Decimal>,
    /// `constraints.max_monthly_usd`: a hard cap the plan was solved under.
    pub max_monthly_usd: Option<Decimal>,
    pub within_budget: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrOption {
    pub pattern: DrPattern,
    /// What it gives for a region loss; `None` for `none`.
    pub recovery: Option<Recovery>,
    /// Monthly cost of the whole service under this pattern, when it can be built.
    pub monthly_usd: Option<Decimal>,
    pub chosen: bool,
    /// Why it was not chosen or cannot be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Binding {
    /// A short stable name: `demand`, `flash-crowd`, `zone-loss`, `region-loss`,
    /// `spot-loss`, `spot-share`, `base-layer`, `quorum-majority`, `commit-latency`,
    /// `residency`, `rpo`, `rto`, `availability`, `budget`.
    pub constraint: String,
    pub detail: String,
}

/// Availability as computed for a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Availability {
    /// Expected fraction of time up.
    pub computed: f64,
    pub target: Option<f64>,
    /// Expected downtime per month, in minutes.
    pub downtime_minutes_per_month: f64,
    /// `failure-model` when the failure model assessed it; `optimizer` when it is the
    /// optimizer's own estimate from the failures the plan survives.
    pub source: String,
}

/// How a solve went. Per service, one or more MILPs (or an enumeration); for the plan,
/// the sums and the worst gap.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SolveInfo {
    /// `microlp`, `highs`, or `enumeration` for store placements.
    pub backend: String,
    /// `optimal`, `within-gap` or `time-limit`.
    pub status: String,
    /// Objective of the chosen solution in USD/month as the solver saw it.
    pub objective: f64,
    /// Proven lower bound on the objective.
    pub best_bound: f64,
    /// Relative gap between objective and bound.
    pub gap: f64,
    /// Wall-clock seconds; varies run to run, so comparisons of plans ignore it.
    pub seconds: f64,
    pub milps: u32,
    pub variables: u32,
    pub constraints: u32,
}

impl Plan {
    /// The deployments by service, as the failure model takes them.
    pub fn deployments(&self) -> BTreeMap<String, ServiceDeployment> {
        self.services
            .iter()
            .map(|(k, v)| (k.clone(), v.deployment.clone()))
            .collect()
    }
}

/// Cost against resilience: the plan re-solved at rising levels of what every service
/// survives, each assessed; the cheapest plan for rising availability targets; and
/// what each of the topology's requirements adds to each service's cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Frontier {
    pub levels: Vec<FrontierLevel>,
    pub targets: Vec<FrontierTarget>,
    pub marginal: Vec<MarginalCost>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierLevel {
    /// `nothing`, `zone`, `zone + spot`, `zone + spot + region`.
    pub name: String,
    pub survive: BTreeSet<Disruption>,
    /// Total monthly cost; `None` when some service cannot be planned at this level.
    pub monthly_usd: Option<Decimal>,
    /// The lowest availability of any journey (of any service when there are no
    /// journeys) — what a user of the system sees at worst.
    pub availability: Option<f64>,
    pub downtime_minutes_per_month: Option<f64>,
    /// Most data a single failure can lose, over every store.
    pub worst_rpo_seconds: Option<f64>,
    pub services: BTreeMap<String, LevelService>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelService {
    pub monthly_usd: Decimal,
    pub dr: DrPattern,
    pub availability: Option<f64>,
    pub downtime_minutes_per_month: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierTarget {
    /// Availability every service must reach.
    pub target: f64,
    /// Cheapest total, each service at the cheapest level that reaches the target.
    pub monthly_usd: Option<Decimal>,
    /// Cost over the previous (lower) target.
    pub extra_usd: Option<Decimal>,
    /// The level each service needs.
    pub levels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreachable: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarginalCost {
    pub service: String,
    /// The requirement, as the topology writes it: `survive zone`, `survive region`,
    /// `rto/rpo region`, `flash_crowd 2`, `commit_latency_budget 80ms`, `availability`.
    pub requirement: String,
    /// Monthly cost the requirement adds (the plan with it minus the plan without).
    pub monthly_usd: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
