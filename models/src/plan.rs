//! The optimizer's output: a versioned deployment plan with its cost broken down, the
//! constraints that drove it, the solve that produced it and digests of the topology
//! and catalog it was made from. Read back with [`Plan::from_json`], which checks the
//! version, and [`Plan::staleness`], which says what changed since it was made.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
pub use crate::cost::CostBreakdown;
use crate::cost::PlannedRecovery;
use crate::deployment::{DrPattern, Purchase, Role, ServiceDeployment};
use crate::diag::{Code, Diagnostic, FileKind};
use crate::topology::{Consistency, Demand, Disruption, Kind, Topology};

/// Most instances in one capacity group of a plan, and in one service: a topology may
/// ask for at most a million vCPU per service, which a plan covers with far fewer.
pub const MAX_GROUP_COUNT: u32 = 100_000;
pub const MAX_SERVICE_INSTANCES: u64 = 1_000_000;

/// Version of the plan document format (2: `inputs` digests added).
pub const PLAN_FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    /// Stable id derived from the inputs: the same topology and catalog give the same id.
    pub id: String,
    /// The topology's `system.name`.
    pub system: String,
    /// What the plan was made from.
    pub inputs: PlanInputs,
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
    /// Cost against resilience, when `--frontier` asked for it. It travels with the
    /// plan so that a report made from a plan file shows it without re-solving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontier: Option<Frontier>,
    /// The reservations and Savings Plans already owned (`[[purchase.owned]]`): what
    /// the plan uses of each, what sits idle, and the part of `monthly_usd` they
    /// already pay. Absent when the topology owns none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned: Option<OwnedCapacity>,
}

/// Owned commitments applied to a plan (docs/cost-model.md, *Owned commitments*).
/// `Plan::monthly_usd` is the cost of the planned capacity at the plan's prices, owned
/// or not; `monthly_usd` here is the part of it owned commitments already pay (their
/// sunk cost, not a new spend), and `new_spend_monthly_usd` the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnedCapacity {
    pub monthly_usd: Decimal,
    pub new_spend_monthly_usd: Decimal,
    /// One per `[[purchase.owned]]` entry, in the order written.
    pub entries: Vec<OwnedUse>,
}

/// One owned commitment and what the plan does with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnedUse {
    /// 1-based position in `[[purchase.owned]]`.
    pub entry: u32,
    pub kind: crate::topology::OwnedKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    pub term_months: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends: Option<String>,
    /// What is owned and what the plan uses of it, in `unit`: `instances` (of the
    /// entry's type), `normalised-units` (a family reservation) or `usd-per-hour`.
    pub unit: String,
    pub owned: Decimal,
    pub used: Decimal,
    pub idle: Decimal,
    /// Months of the horizon it covers: `min(months left, horizon)`.
    pub months_covered: u32,
    /// The part of the plan's monthly cost it pays.
    pub monthly_usd: Decimal,
    /// The plan's instance lines it covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<OwnedCover>,
}

/// How an owned commitment reads in a table or a sentence: what it covers (a type, a
/// family, or any family), where (its zone, its region, or any region), and the word
/// for its `unit`. One wording for the plan's text and the purchase list.
pub fn owned_words(
    instance_type: Option<&str>,
    family: Option<&str>,
    zone: Option<&str>,
    region: Option<&str>,
    unit: &str,
) -> (String, String, &'static str) {
    let what = match (instance_type, family) {
        (Some(t), _) => t.to_string(),
        (None, Some(f)) => format!("{f} family"),
        (None, None) => "any family".into(),
    };
    let place = zone.or(region).unwrap_or("any region").to_string();
    let unit = match unit {
        "usd-per-hour" => "$/hour",
        "normalised-units" => "units",
        _ => "instances",
    };
    (what, place, unit)
}

impl OwnedUse {
    /// [`owned_words`] of this entry.
    pub fn words(&self) -> (String, String, &'static str) {
        owned_words(
            self.instance_type.as_deref(),
            self.family.as_deref(),
            self.zone.as_deref(),
            self.region.as_deref(),
            &self.unit,
        )
    }

    /// `used`, `idle`, or `partly used`.
    pub fn status(&self) -> &'static str {
        if self.used.is_zero() {
            "idle"
        } else if self.idle.is_zero() {
            "used"
        } else {
            "partly used"
        }
    }
}

/// Instances of one plan line an owned commitment covers (fractional when a
/// size-flexible reservation or a Savings Plan covers part of an instance's hours).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnedCover {
    pub service: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    pub instance_type: String,
    /// The line's purchase option, as planned.
    pub purchase: Purchase,
    pub instances: Decimal,
    pub monthly_usd: Decimal,
}

/// Digests of what a plan was made from (SHA-256 over canonical JSON of the validated
/// topology and of the catalog), and per service what its requirements were, so a
/// plan read back against a changed topology can say what changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanInputs {
    pub topology_digest: String,
    pub catalog_digest: String,
    pub services: BTreeMap<String, ServiceInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceInput {
    /// Digest of the service's definition.
    pub digest: String,
    /// vCPU the service needs: a fleet's peak (with connections and flash crowd
    /// aside), a store's replicas × their vCPU.
    pub demand_vcpu: f64,
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest_of<T: Serialize>(v: &T) -> String {
    // serde_json::Value sorts object keys, so the bytes do not depend on field order.
    let canonical = serde_json::to_value(v)
        .and_then(|v| serde_json::to_vec(&v))
        .unwrap_or_default();
    sha256_hex(&canonical)
}

/// Digest of a validated topology (spans excluded: moving lines changes nothing).
pub fn topology_digest(t: &Topology) -> String {
    digest_of(t)
}

/// Digest of a catalog.
pub fn catalog_digest(c: &Catalog) -> String {
    digest_of(c)
}

fn demand_vcpu(t: &Topology, service: &str) -> f64 {
    match t.services.get(service).map(|s| &s.demand) {
        Some(Demand::Stateless(f)) => f.peak_vcpu_needed(),
        Some(Demand::Store(s)) => f64::from(s.replicas) * s.replica_vcpu,
        None => 0.0,
    }
}

impl PlanInputs {
    pub fn of(t: &Topology, catalog: &Catalog) -> PlanInputs {
        PlanInputs {
            topology_digest: topology_digest(t),
            catalog_digest: catalog_digest(catalog),
            services: t
                .services
                .iter()
                .map(|(name, svc)| {
                    (
                        name.clone(),
                        ServiceInput {
                            digest: digest_of(svc),
                            demand_vcpu: demand_vcpu(t, name),
                        },
                    )
                })
                .collect(),
        }
    }
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
    pub recovery: BTreeMap<Disruption, PlannedRecovery>,
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
    /// Hard dependencies this service calls in another region, with the round trip
    /// each call adds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cross_region_calls: Vec<CrossRegionCall>,
}

/// A hard dependency served from another region than the caller's: every call from
/// `from_region` waits one round trip to `to_region` on top of the dependency's own
/// time. The dependency serves from where its capacity runs (a replicated store from
/// its primary's region, where writes go); the caller reaches the nearest of those.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossRegionCall {
    pub dependency: String,
    pub from_region: String,
    pub to_region: String,
    /// The catalog's round trip between the two regions (the mean of both measured
    /// directions); `None` when the catalog has no figure for the pair.
    pub rtt_ms: Option<f64>,
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
    pub recovery: Option<PlannedRecovery>,
    /// Monthly cost of the whole service under this pattern, when it can be built.
    pub monthly_usd: Option<Decimal>,
    pub chosen: bool,
    /// Why it was not chosen or cannot be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Binding {
    pub constraint: Constraint,
    pub detail: String,
}

/// What kind of requirement a [`Binding`] explains: a short stable name in the plan
/// document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Constraint {
    /// Peak demand (no flash crowd).
    Demand,
    /// Peak demand times the flash-crowd multiplier.
    FlashCrowd,
    /// The always-on base layer's share of a demand or failure row.
    BaseLayer,
    ZoneLoss,
    RegionLoss,
    SpotLoss,
    SpotShare,
    QuorumMajority,
    CommitLatency,
    Residency,
    Replicas,
    Consistency,
    /// The disaster-recovery pattern chosen or ruled out.
    Dr,
    Rto,
    Rpo,
    /// A resilience step taken to reach an availability target.
    Availability,
    Budget,
    /// Store members kept in distinct zones (and regions), or allowed to share them.
    AntiAffinity,
    /// How much of a fleet one instance, or one zone's autoscaled layer, may carry.
    BlastRadius,
    /// Where a service may serve from: near its hard dependencies and its users.
    Locality,
    /// A reservation already owned: what the plan may use of it.
    Owned,
}

impl Constraint {
    pub const ALL: [Constraint; 21] = [
        Constraint::Demand,
        Constraint::FlashCrowd,
        Constraint::BaseLayer,
        Constraint::ZoneLoss,
        Constraint::RegionLoss,
        Constraint::SpotLoss,
        Constraint::SpotShare,
        Constraint::QuorumMajority,
        Constraint::CommitLatency,
        Constraint::Residency,
        Constraint::Replicas,
        Constraint::Consistency,
        Constraint::Dr,
        Constraint::Rto,
        Constraint::Rpo,
        Constraint::Availability,
        Constraint::Budget,
        Constraint::AntiAffinity,
        Constraint::BlastRadius,
        Constraint::Locality,
        Constraint::Owned,
    ];

    /// The name the plan document uses.
    pub fn word(self) -> &'static str {
        match self {
            Constraint::Demand => "demand",
            Constraint::FlashCrowd => "flash-crowd",
            Constraint::BaseLayer => "base-layer",
            Constraint::ZoneLoss => "zone-loss",
            Constraint::RegionLoss => "region-loss",
            Constraint::SpotLoss => "spot-loss",
            Constraint::SpotShare => "spot-share",
            Constraint::QuorumMajority => "quorum-majority",
            Constraint::CommitLatency => "commit-latency",
            Constraint::Residency => "residency",
            Constraint::Replicas => "replicas",
            Constraint::Consistency => "consistency",
            Constraint::Dr => "dr",
            Constraint::Rto => "rto",
            Constraint::Rpo => "rpo",
            Constraint::Availability => "availability",
            Constraint::Budget => "budget",
            Constraint::AntiAffinity => "anti-affinity",
            Constraint::BlastRadius => "blast-radius",
            Constraint::Locality => "locality",
            Constraint::Owned => "owned",
        }
    }
}

/// Bindings are listed in the order of their names, as the document spells them.
impl Ord for Constraint {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.word().cmp(other.word())
    }
}

impl PartialOrd for Constraint {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for Constraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// Availability as computed for a plan. Time down and time degraded both count
/// against it: computed = 1 − (down + degraded) / 525 600 min a year; a month is a
/// twelfth of a year (43 800 min).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredAvailability")]
pub struct Availability {
    /// Expected fraction of time up.
    pub computed: f64,
    pub target: Option<f64>,
    /// Expected minutes fully down, per month and per year.
    pub downtime_minutes_per_month: f64,
    pub downtime_minutes_per_year: f64,
    /// Expected minutes serving but not up (below demand, a soft dependency down), per
    /// month and per year.
    pub degraded_minutes_per_month: f64,
    pub degraded_minutes_per_year: f64,
    /// `failure-model` when the failure model assessed it; `optimizer` when it is the
    /// optimizer's own estimate from the failures the plan survives.
    pub source: String,
    /// Journeys whose requests are sagas: requests a year left stranded, as the failure
    /// model assesses them (docs/failure-model.md, "Sagas"), and the journey's bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stranded_sagas_per_year: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_stranded_per_year: Option<f64>,
}

impl Availability {
    /// From the yearly minutes down and degraded; the monthly figures are a twelfth.
    pub fn new(
        computed: f64,
        target: Option<f64>,
        down_per_year: f64,
        degraded_per_year: f64,
        source: &str,
    ) -> Availability {
        Availability {
            computed,
            target,
            downtime_minutes_per_month: down_per_year / 12.0,
            downtime_minutes_per_year: down_per_year,
            degraded_minutes_per_month: degraded_per_year / 12.0,
            degraded_minutes_per_year: degraded_per_year,
            source: source.to_string(),
            stranded_sagas_per_year: None,
            max_stranded_per_year: None,
        }
    }

    /// This availability with a saga journey's stranded figure and its bound.
    pub fn with_stranded(mut self, per_year: Option<f64>, bound: Option<f64>) -> Availability {
        self.stranded_sagas_per_year = per_year;
        self.max_stranded_per_year = bound.filter(|_| per_year.is_some());
        self
    }
}

/// An availability as a plan file holds it. Plans written before the degraded and
/// yearly figures existed carry only the monthly downtime; the rest follows from the
/// one definition (degraded = what the availability leaves out beyond the time down),
/// so such a plan reads with the figures it would have been written with.
#[derive(Deserialize)]
struct StoredAvailability {
    computed: f64,
    target: Option<f64>,
    downtime_minutes_per_month: f64,
    downtime_minutes_per_year: Option<f64>,
    degraded_minutes_per_month: Option<f64>,
    degraded_minutes_per_year: Option<f64>,
    source: String,
    #[serde(default)]
    stranded_sagas_per_year: Option<f64>,
    #[serde(default)]
    max_stranded_per_year: Option<f64>,
}

impl From<StoredAvailability> for Availability {
    fn from(s: StoredAvailability) -> Availability {
        let down_year = s
            .downtime_minutes_per_year
            .unwrap_or(s.downtime_minutes_per_month * 12.0);
        let degraded_year =
            s.degraded_minutes_per_year
                .unwrap_or_else(|| match s.degraded_minutes_per_month {
                    Some(m) => m * 12.0,
                    None => {
                        ((1.0 - s.computed) * crate::units::MINUTES_PER_YEAR - down_year).max(0.0)
                    }
                });
        Availability {
            computed: s.computed,
            target: s.target,
            downtime_minutes_per_month: s.downtime_minutes_per_month,
            downtime_minutes_per_year: down_year,
            degraded_minutes_per_month: s
                .degraded_minutes_per_month
                .unwrap_or(degraded_year / 12.0),
            degraded_minutes_per_year: degraded_year,
            source: s.source,
            stranded_sagas_per_year: s.stranded_sagas_per_year,
            max_stranded_per_year: s.max_stranded_per_year,
        }
    }
}

/// How a solve went. Per service, one or more MILPs (or an enumeration); for the plan,
/// the sums and the worst status. Every serialized figure is deterministic: the same
/// inputs give the same figures on any machine unless `status` is `time-limit`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SolveInfo {
    /// `microlp`, `highs`, or `enumeration` for store placements.
    pub backend: String,
    pub status: SolveStatus,
    /// Objective of the chosen solution in USD/month as the solver saw it: the cost,
    /// or where reservations are already owned the new spend (the cost less what they
    /// have paid).
    pub objective: f64,
    /// Proven lower bound on the objective.
    pub best_bound: f64,
    /// Relative gap between objective and bound.
    pub gap: f64,
    /// Wall-clock seconds, for the text summary only: it varies run to run, so the
    /// plan document never carries it.
    #[serde(skip)]
    pub seconds: f64,
    pub milps: u32,
    pub variables: u32,
    pub constraints: u32,
}

/// How a solve ended, from best to worst.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum SolveStatus {
    /// Proven optimal (gap 0).
    #[default]
    Optimal,
    /// Proven within the requested relative gap of the optimum.
    WithinGap,
    /// The deterministic work budget (branch-and-bound nodes) ran out before the gap
    /// closed: the plan and its bound are the same on every machine, but the bound is
    /// looser than asked.
    WorkLimit,
    /// The wall-clock safety net (`--time-limit`) stopped the solve: the plan may
    /// differ on another machine or under another load.
    TimeLimit,
}

impl SolveStatus {
    pub fn word(self) -> &'static str {
        match self {
            SolveStatus::Optimal => "optimal",
            SolveStatus::WithinGap => "within-gap",
            SolveStatus::WorkLimit => "work-limit",
            SolveStatus::TimeLimit => "time-limit",
        }
    }
}

impl std::fmt::Display for SolveStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

impl Plan {
    /// What the solver's objective is: the plan's cost, or where reservations are
    /// already owned, the new spend (the cost less what they have paid), which is
    /// what the optimizer minimises.
    pub fn objective_words(&self) -> &'static str {
        if self.owned.is_some() {
            "objective (new spend)"
        } else {
            "objective"
        }
    }

    /// Reads a plan document, checking that it is one and that this build reads its
    /// version. Problems point into the plan file.
    pub fn from_json(text: &str) -> Result<Plan, Vec<Diagnostic>> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            vec![json_error(Code::PlanMalformed, text, &e).help(
                "expected the JSON that `faultline plan --format json` (or `-o plan.json`) writes",
            )]
        })?;
        let Some(version) = value
            .get("format_version")
            .and_then(serde_json::Value::as_u64)
        else {
            return Err(vec![Diagnostic::error(
                Code::PlanMalformed,
                "not a plan document: no `format_version`",
            )
            .key("format_version")
            .help(
                "expected the JSON that `faultline plan --format json` (or `-o plan.json`) writes",
            )]);
        };
        if version != u64::from(PLAN_FORMAT_VERSION) {
            return Err(vec![Diagnostic::error(
                Code::PlanVersion,
                format!("plan format version {version} is not supported; this build reads version {PLAN_FORMAT_VERSION}"),
            )
            .key("format_version")
            .help("re-run `faultline plan` with this build to write a current plan")]);
        }
        serde_json::from_str(text).map_err(|e| {
            vec![json_error(Code::PlanMalformed, text, &e)
                .help("the file looks like a plan of this version but a field is missing or has the wrong type; re-run `faultline plan`")]
        })
    }

    /// Whether the plan can be used with this catalog: every region, zone and instance
    /// type exists, and every count is one the models can carry. Errors, pointing
    /// into the plan file (whether it fits the topology is the failure model's check).
    pub fn check_against(&self, catalog: &Catalog) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let bad = |key: String, message: String| {
            Diagnostic::error(Code::PlanUnknownRef, message)
                .key(key)
                .help(
                "re-run `faultline plan`, or pass the catalog the plan was made with (`--catalog`)",
            )
        };
        for (name, sp) in &self.services {
            let mut total: u64 = 0;
            for (i, g) in sp.deployment.groups.iter().enumerate() {
                let key = format!("services.{name}.deployment.groups.{i}");
                match catalog.regions.get(&g.region) {
                    None => out.push(bad(
                        format!("{key}.region"),
                        format!(
                            "service `{name}`: `{}` is not a region of the catalog",
                            crate::input::clip(&g.region)
                        ),
                    )),
                    Some(r) => {
                        if let Some(z) = g.zone.as_ref().filter(|z| !r.zones.contains(z)) {
                            out.push(bad(
                                format!("{key}.zone"),
                                format!(
                                    "service `{name}`: `{}` is not a zone of `{}`",
                                    crate::input::clip(z),
                                    g.region
                                ),
                            ));
                        }
                    }
                }
                if !catalog.instance_types.contains_key(&g.instance_type) {
                    out.push(bad(
                        format!("{key}.instance_type"),
                        format!(
                            "service `{name}`: `{}` is not an instance type of the catalog",
                            crate::input::clip(&g.instance_type)
                        ),
                    ));
                }
                if g.count == 0 || g.count > MAX_GROUP_COUNT {
                    out.push(
                        Diagnostic::error(
                            Code::PlanMalformed,
                            format!(
                                "a capacity group holds 1 to {MAX_GROUP_COUNT} instances, got {}",
                                g.count
                            ),
                        )
                        .key(format!("{key}.count")),
                    );
                }
                total += u64::from(g.count);
            }
            let groups_ok = sp
                .deployment
                .groups
                .iter()
                .all(|g| (1..=MAX_GROUP_COUNT).contains(&g.count));
            if groups_ok && total > MAX_SERVICE_INSTANCES {
                out.push(
                    Diagnostic::error(
                        Code::PlanMalformed,
                        format!(
                            "`{name}` has {total} instances; a service has at most {MAX_SERVICE_INSTANCES}"
                        ),
                    )
                    .key(format!("services.{name}.deployment.groups")),
                );
            }
        }
        out
    }

    /// What changed since the plan was made: warnings when the topology or catalog it
    /// is read against is not the one it was solved for.
    pub fn staleness(&self, t: &Topology, catalog: &Catalog) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if self.system != t.name {
            out.push(
                Diagnostic::warning(
                    Code::PlanOtherSystem,
                    format!(
                        "plan {} is for system `{}`, the topology is `{}`",
                        self.id, self.system, t.name
                    ),
                )
                .in_file(FileKind::Plan)
                .key("system"),
            );
        }
        let now = PlanInputs::of(t, catalog);
        if now.topology_digest != self.inputs.topology_digest {
            let mut what = Vec::new();
            let mut changed = Vec::new();
            for (name, then) in &self.inputs.services {
                match now.services.get(name) {
                    None => what.push(format!("`{name}` removed")),
                    Some(cur) if cur.digest != then.digest => {
                        changed.push(describe_change(name, then.demand_vcpu, cur.demand_vcpu));
                    }
                    Some(_) => {}
                }
            }
            for name in now
                .services
                .keys()
                .filter(|n| !self.inputs.services.contains_key(*n))
            {
                what.push(format!("`{name}` added"));
            }
            if !changed.is_empty() {
                what.insert(0, format!("services changed: {}", changed.join(", ")));
            }
            if what.is_empty() {
                what.push("system-wide settings changed (regions, zones, constraints, journeys or overrides)".into());
            }
            out.push(
                Diagnostic::warning(
                    Code::PlanStaleTopology,
                    format!("plan {} was made for a different topology ({})", self.id, what.join("; ")),
                )
                .in_file(FileKind::Plan)
                .key("inputs.topology_digest")
                .help("re-run `faultline plan` on this topology; figures below assess the old plan against the new requirements"),
            );
        }
        if now.catalog_digest != self.inputs.catalog_digest {
            out.push(
                Diagnostic::warning(
                    Code::PlanStaleCatalog,
                    format!(
                        "plan {} was priced with a different catalog ({}); prices, spot data or failure priors may have changed",
                        self.id, self.catalog
                    ),
                )
                .in_file(FileKind::Plan)
                .key("inputs.catalog_digest")
                .help("re-run `faultline plan` with this catalog, or pass the catalog the plan was made with (`--catalog`)"),
            );
        }
        out
    }

    /// The deployments by service, as the failure model takes them.
    pub fn deployments(&self) -> BTreeMap<String, ServiceDeployment> {
        self.services
            .iter()
            .map(|(k, v)| (k.clone(), v.deployment.clone()))
            .collect()
    }
}

fn describe_change(name: &str, then: f64, now: f64) -> String {
    if then > 0.0 && now > 0.0 && ((now / then) - 1.0).abs() > 0.01 {
        let ratio = now / then;
        let how = if ratio >= 1.0 {
            format!("{} higher", times(ratio))
        } else {
            format!("{} lower", times(1.0 / ratio))
        };
        format!("`{name}` demand {how}")
    } else {
        format!("`{name}`")
    }
}

fn times(r: f64) -> String {
    if r >= 10.0 || (r - r.round()).abs() < 0.05 {
        format!("{:.0}×", r)
    } else {
        format!("{r:.1}×")
    }
}

/// A JSON parse error at its line, as a diagnostic.
fn json_error(code: Code, text: &str, e: &serde_json::Error) -> Diagnostic {
    let mut d = Diagnostic::error(code, format!("not a plan document: {e}"));
    if e.line() > 0 {
        let start: usize = text
            .split_inclusive('\n')
            .take(e.line() - 1)
            .map(str::len)
            .sum();
        let off = (start + e.column().saturating_sub(1)).min(text.len());
        d = d.at(off..off.min(text.len()));
    }
    d
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
    /// Minutes a month down and degraded of that journey (or service), on the same
    /// basis as every availability figure: together (1 − availability) × 43 800.
    pub downtime_minutes_per_month: Option<f64>,
    #[serde(default)]
    pub degraded_minutes_per_month: Option<f64>,
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
    #[serde(default)]
    pub degraded_minutes_per_month: Option<f64>,
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A plan written before the degraded and yearly figures reads with the figures the
    /// one definition gives; a current plan reads back exactly.
    #[test]
    fn availability_reads_old_and_new_plans() {
        let old: Availability = serde_json::from_str(
            r#"{"computed": 0.9999, "target": null, "downtime_minutes_per_month": 2.0, "source": "failure-model"}"#,
        )
        .unwrap();
        assert_eq!(old.downtime_minutes_per_year, 24.0);
        // 1e-4 of a year is 52.56 min, 24 of them down.
        assert!((old.degraded_minutes_per_year - 28.56).abs() < 1e-6);
        assert!((old.degraded_minutes_per_month - 2.38).abs() < 1e-6);
        let new = Availability::new(0.9999, Some(0.999), 24.0, 28.56, "failure-model");
        let back: Availability =
            serde_json::from_str(&serde_json::to_string(&new).unwrap()).unwrap();
        assert_eq!(back, new);
    }
}
