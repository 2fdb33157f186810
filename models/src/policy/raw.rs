//! The policy file as written: serde types that mirror the TOML one to one. Meaning is
//! checked in `check`, which turns these into a [`super::Policy`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// A Faultline gate policy (format version 1): the rules `faultline check` applies to
/// a topology, its plan and the failure model's assessment. Every rule is a table;
/// a rule whose table is absent is not checked.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields, title = "Faultline gate policy")]
pub struct RawPolicy {
    /// Format version; must be 1.
    pub version: i64,
    /// Lowest severity that fails the check (`error` or `warning`); `--fail-on`
    /// overrides it. Default `error`.
    pub fail_on: Option<String>,
    /// FL-G001: the plan's monthly cost must not exceed `usd`.
    pub max_monthly_cost: Option<RawMaxCost>,
    /// FL-G002: how far the monthly cost may move against the baseline (`--baseline`).
    pub cost_change: Option<RawCostChange>,
    /// FL-G003: lowest availability (a fraction) per service and journey.
    pub min_availability: Option<RawPerSubjectNumber>,
    /// FL-G004: most downtime, in minutes per year, per service and journey.
    pub max_downtime: Option<RawPerSubjectNumber>,
    /// FL-G005: how far availability may fall against the baseline (`--baseline`).
    pub availability_regression: Option<RawRegression>,
    /// FL-G006: longest recovery time per disruption class.
    pub max_rto: Option<RawPerClassRule>,
    /// FL-G007: most data lost per disruption class.
    pub max_rpo: Option<RawPerClassRule>,
    /// FL-G008: failures every service (or a named one) must survive without scaling.
    pub survive: Option<RawSurvive>,
    /// FL-G009: every strongly consistent store keeps a majority through the failures
    /// it must survive (its own `slo.survive` and this policy's `survive`).
    pub quorum_survival: Option<RawSeverityOnly>,
    /// FL-G010: longest round trip a hard dependency may take across regions.
    pub cross_region_dependency: Option<RawCrossRegion>,
    /// FL-G011: most of a critical service's capacity that may run on spot.
    pub critical_spot: Option<RawCriticalSpot>,
    /// FL-G012: longest commitment term (reserved instances, savings plans).
    pub max_commitment: Option<RawMaxCommitment>,
    /// FL-G013: regions services may run in (data residency).
    pub residency: Option<RawResidency>,
    /// FL-G014: tags the topology must carry on the system and on every service.
    pub required_tags: Option<RawRequiredTags>,
    /// FL-G015 and FL-G016: what expired and unused inline suppressions are.
    pub suppressions: Option<RawSuppressions>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawMaxCost {
    /// Most USD per month the plan may cost.
    pub usd: f64,
    /// `error` (default), `warning` or `off`.
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawCostChange {
    /// Most the monthly cost may rise, in USD.
    pub max_increase_usd: Option<f64>,
    /// Most the monthly cost may rise, in percent of the baseline.
    pub max_increase_percent: Option<f64>,
    /// Most the monthly cost may fall, in USD (a large drop often means something was
    /// removed by mistake).
    pub max_decrease_usd: Option<f64>,
    /// Most the monthly cost may fall, in percent of the baseline.
    pub max_decrease_percent: Option<f64>,
    /// Also compare each service's own cost, not only the total (default false).
    pub per_service: Option<bool>,
    /// `error` (default), `warning` or `off`.
    pub severity: Option<String>,
}

/// A number per service and journey: a default for every service, one for every
/// journey, and overrides by name (`service.ledger = …`, `journey.checkout = …`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawPerSubjectNumber {
    pub every_service: Option<f64>,
    pub every_journey: Option<f64>,
    /// Per service, by name; wins over `every_service`.
    #[serde(default)]
    pub service: BTreeMap<String, f64>,
    /// Per journey, by name; wins over `every_journey`.
    #[serde(default)]
    pub journey: BTreeMap<String, f64>,
    /// `error` (default), `warning` or `off`.
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawRegression {
    /// Most the availability (a fraction) of a service or journey may fall, e.g.
    /// 0.0001 (52.6 minutes a year).
    pub max_drop: Option<f64>,
    /// Most the downtime of a service or journey may grow, in minutes per year.
    pub max_downtime_increase_minutes: Option<f64>,
    /// `error` (default), `warning` or `off`.
    pub severity: Option<String>,
}

/// A duration per disruption class, e.g. `{ zone = "5m", region = "1h" }`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawClasses {
    pub instance: Option<String>,
    pub zone: Option<String>,
    pub region: Option<String>,
    pub spot: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawPerClassRule {
    /// Limits for every service and journey, per disruption class.
    pub every: Option<RawClasses>,
    /// Per service, by name; each class given wins over `every`.
    #[serde(default)]
    pub service: BTreeMap<String, RawClasses>,
    /// Per journey, by name; each class given wins over `every`.
    #[serde(default)]
    pub journey: BTreeMap<String, RawClasses>,
    /// `error` (default), `warning` or `off`.
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSurvive {
    /// Failures every service must survive: `instance`, `zone`, `region`, `spot`.
    pub every_service: Option<Vec<String>>,
    /// Per service, by name; adds to `every_service`.
    #[serde(default)]
    pub service: BTreeMap<String, Vec<String>>,
    /// `error` (default), `warning` or `off`.
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSeverityOnly {
    /// `error` (default), `warning` or `off`.
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawCrossRegion {
    /// Longest round trip, in milliseconds, from a region a service runs in to the
    /// nearest region its hard dependency runs in.
    pub max_rtt_ms: f64,
    /// `error` (default), `warning` or `off`.
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawCriticalSpot {
    /// The services that are critical.
    pub services: Vec<String>,
    /// Most of their serving vCPU that may be spot, as a fraction (default 0).
    pub max_share: Option<f64>,
    /// `error` (default), `warning` or `off`.
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawMaxCommitment {
    /// Longest commitment term in months (12 allows 1-year terms, 0 allows none).
    pub months: i64,
    /// `error` (default), `warning` or `off`.
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawResidency {
    /// Regions every service may run in.
    pub every_service: Option<Vec<String>>,
    /// Per service, by name; replaces `every_service` for that service.
    #[serde(default)]
    pub service: BTreeMap<String, Vec<String>>,
    /// `error` (default), `warning` or `off`.
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawRequiredTags {
    /// Tags `[system.tags]` must set.
    #[serde(default)]
    pub system: Vec<String>,
    /// Tags every `[services.<name>.tags]` must set (a service may inherit them from
    /// `[system.tags]`).
    #[serde(default)]
    pub every_service: Vec<String>,
    /// `error` (default), `warning` or `off`.
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSuppressions {
    /// Severity of FL-G015, a suppression past its `until` date (default `error`).
    pub expired: Option<String>,
    /// Severity of FL-G016, a suppression that matches no finding (default `warning`).
    pub unused: Option<String>,
}
