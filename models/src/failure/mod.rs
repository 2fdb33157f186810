//! The failure model: given a topology and a deployment (its placement or a plan),
//! what breaks, how often, for how long, and what is lost — per service and per
//! journey, by two methods that must agree (analytic enumeration and Monte Carlo), with
//! a scenario matrix of every single failure. `docs/failure-model.md` gives the math.

mod analytic;
mod dist;
mod model;
mod report;
mod saga;
mod service;
mod simulate;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::Catalog;
use crate::deployment::ServiceDeployment;
use crate::diag::{Code, Diagnostic, FileKind};
use crate::plan::Plan;
use crate::scenario::Scenario;
use crate::topology::{Consistency, Topology};

use crate::units::SECONDS_PER_HOUR;
pub use dist::{HOURS_PER_YEAR, MINUTES_PER_YEAR};

/// Failover time of a replicated store that sets none: the topology reference's
/// documented default (docs/topology.md, `failover`).
pub const DEFAULT_FAILOVER_SECONDS: f64 = 60.0;

/// Version of the assessment document.
pub const ASSESSMENT_FORMAT_VERSION: u32 = 1;

/// Where the deployment came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum DeploymentSource {
    /// The topology's own `[placement.*]` tables.
    Placement,
    /// A plan written by `faultline plan`.
    Plan { id: String },
}

/// The deployment to assess.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub source: DeploymentSource,
    pub services: BTreeMap<String, ServiceDeployment>,
    /// Consistency chosen per store (a plan's choice for `auto`); a `replicated` store
    /// chosen `strong` is run as a quorum.
    pub consistency: BTreeMap<String, Consistency>,
}

impl Deployment {
    pub fn from_placement(t: &Topology) -> Deployment {
        Deployment {
            source: DeploymentSource::Placement,
            services: t.placement.clone(),
            consistency: BTreeMap::new(),
        }
    }

    pub fn from_plan(p: &Plan) -> Deployment {
        Deployment {
            source: DeploymentSource::Plan { id: p.id.clone() },
            services: p.deployments(),
            consistency: p
                .services
                .iter()
                .map(|(k, v)| (k.clone(), v.consistency))
                .collect(),
        }
    }
}

/// Something wrong with a deployment, found before any figure is computed. Leaves
/// the model as a [`Diagnostic`] (code `FL-A001`) about the placement or the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub service: Option<String>,
    pub message: String,
}

impl Problem {
    fn service(name: &str, message: String) -> Problem {
        Problem {
            service: Some(name.to_string()),
            message,
        }
    }

    fn general(message: String) -> Problem {
        Problem {
            service: None,
            message,
        }
    }
}

impl Problem {
    /// As a diagnostic about the file the deployment came from: the topology's
    /// `[placement.<service>]` table, or the plan's `services.<service>`.
    fn to_diagnostic(&self, t: &Topology, source: &DeploymentSource) -> Diagnostic {
        let mut d = Diagnostic::error(Code::DeploymentMismatch, self.to_string());
        match (source, &self.service) {
            (DeploymentSource::Placement, Some(s)) => {
                let key = format!("placement.{s}");
                if let Some(span) = t.span(&key) {
                    d = d.at(span);
                }
                d = d.key(key);
            }
            (DeploymentSource::Plan { .. }, Some(s)) => {
                d = d.in_file(FileKind::Plan).key(format!("services.{s}"));
            }
            (DeploymentSource::Plan { .. }, None) => d = d.in_file(FileKind::Plan),
            (DeploymentSource::Placement, None) => {}
        }
        d
    }
}

fn diagnostics(problems: Vec<Problem>, t: &Topology, d: &Deployment) -> Vec<Diagnostic> {
    problems
        .iter()
        .map(|p| p.to_diagnostic(t, &d.source))
        .collect()
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.service {
            Some(s) => write!(f, "service `{s}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Parameters that are not failure priors: how fast the system reacts. They appear in
/// every assessment so a reader can see what was assumed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assumptions {
    /// Auto Scaling replacing lost capacity: launch, boot, health check. Taken from the
    /// catalog's instance-replacement median.
    pub scale_up_seconds: f64,
    /// Raft/Paxos leader election after the leader is lost.
    pub election_seconds: f64,
    /// Until clients of a stateless fleet stop being sent to a lost zone's capacity:
    /// the load balancer's target health checks (30 s × 2 failures) and its DNS
    /// record's 60 s TTL.
    pub zone_routing_seconds: f64,
    /// Until clients are sent away from a region that lost all of a fleet's capacity:
    /// DNS failover health checks (30 s × 3 failures) and the record's 60 s TTL.
    pub region_routing_seconds: f64,
    /// Failover of a replicated store that does not set `failover`.
    pub default_failover_seconds: f64,
    /// Replication lag of a replicated store that does not set `replication_lag`.
    pub default_replication_lag_seconds: f64,
    /// Bringing a warm standby to full capacity after a region loss.
    pub warm_standby_seconds: f64,
    /// Launching the application around a pilot light.
    pub pilot_light_seconds: f64,
    /// Restoring from backups into another region.
    pub backup_restore_seconds: f64,
    /// RTT between members in the same zone.
    pub same_zone_rtt_ms: f64,
    /// RTT used where the catalog has no measurement.
    pub missing_rtt_ms: f64,
}

impl Assumptions {
    /// Defaults, with the scale-up delay taken from the catalog (after the topology's
    /// overrides): the instance-replacement median is an Auto Scaling replacement.
    pub fn defaults(t: &Topology, catalog: &Catalog) -> Assumptions {
        // Only the instance prior is needed: the topology's override of it, without
        // cloning the whole catalog.
        let instance = match &t.overrides.failure.instance {
            Some(o) => crate::catalog::apply_override(catalog.failure.instance.clone(), o),
            None => catalog.failure.instance.clone(),
        };
        Assumptions {
            scale_up_seconds: instance.median_hours * SECONDS_PER_HOUR,
            election_seconds: 10.0,
            // Elastic Load Balancing target-group defaults (HealthCheckIntervalSeconds
            // 30, UnhealthyThresholdCount 2) plus the load balancer's DNS TTL of 60 s.
            zone_routing_seconds: 2.0 * 30.0 + 60.0,
            // Route 53 health-check defaults (RequestInterval 30, FailureThreshold 3)
            // plus a 60 s failover record TTL.
            region_routing_seconds: 3.0 * 30.0 + 60.0,
            default_failover_seconds: DEFAULT_FAILOVER_SECONDS,
            default_replication_lag_seconds: 1.0,
            warm_standby_seconds: 900.0,
            pilot_light_seconds: 3600.0,
            backup_restore_seconds: 8.0 * 3600.0,
            same_zone_rtt_ms: 0.0,
            missing_rtt_ms: 300.0,
        }
    }
}

/// How to run the assessment.
#[derive(Debug, Clone)]
pub struct Options {
    /// Simulated years for the Monte Carlo method; `None` runs the analytic method only.
    pub simulate_years: Option<u64>,
    pub seed: u64,
    /// Truncation error the analytic method should stay under (probability mass of the
    /// states left out): it enumerates more simultaneous events (up to 4) until the
    /// mass left out is below this; a note says when the state budget stopped it.
    /// `None`: a hundredth of the strictest availability SLO's allowed unavailability,
    /// between 1e-10 and 1e-6 (1e-8 without SLOs).
    pub target_error: Option<f64>,
    /// Most failure states the analytic method may enumerate.
    pub max_states: usize,
    /// `None`: [`Assumptions::defaults`].
    pub assumptions: Option<Assumptions>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            simulate_years: None,
            seed: 1,
            target_error: None,
            max_states: 50_000,
            assumptions: None,
        }
    }
}

/// The assessment document (`faultline analyze --format json`).
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub format_version: u32,
    pub system: String,
    pub deployment: DeploymentSource,
    pub method: Method,
    pub services: BTreeMap<String, Figures>,
    pub journeys: BTreeMap<String, Figures>,
    /// Every single failure and what it does to every service and journey.
    pub scenarios: Vec<ScenarioRow>,
    pub parameters: Parameters,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Method {
    pub analytic: AnalyticInfo,
    pub simulation: Option<SimulationInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnalyticInfo {
    /// Independent failure processes (zones, isolations, regions, control planes,
    /// region pairs, spot pools).
    pub components: usize,
    /// States with up to this many simultaneous events were enumerated.
    pub max_simultaneous_events: usize,
    pub states: usize,
    /// Probability of the states left out. Every availability is a lower bound and
    /// exceeds the true value by at most this.
    pub truncation_error_bound: f64,
    pub target_error: f64,
    /// Probability of states with two or more simultaneous events (coincident
    /// failures), including those left out.
    pub multi_event_mass: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimulationInfo {
    pub years: u64,
    pub seed: u64,
    pub burn_in_years: u64,
    /// Confidence level of the reported intervals.
    pub confidence: f64,
}

/// Results for one service or journey.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// `stateless`, `quorum` or `replicated`; absent for journeys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Long-run fraction of time up (analytic; a lower bound, see the method): time
    /// down and time degraded both count against it, so
    /// availability = 1 − (down + degraded) / 525 600 min.
    pub availability: f64,
    pub nines: f64,
    /// Expected minutes a year fully down (what the RTO measures).
    pub downtime_minutes_per_year: f64,
    /// Expected minutes a year serving but not up: below demand, or a soft dependency
    /// down.
    pub degraded_minutes_per_year: f64,
    /// The same two figures per month: a twelfth of the yearly ones (43 800 min).
    pub downtime_minutes_per_month: f64,
    pub degraded_minutes_per_month: f64,
    /// Expected writes lost to failovers of asynchronously replicated stores (this
    /// service, or the stores a journey relies on). `None` when none can lose writes.
    pub writes_lost_gb_per_year: Option<f64>,
    /// Expected writes a year taken on both sides of a partition by asynchronously
    /// replicated stores that serve on each side (this service, or the stores a journey
    /// relies on): they conflict when the partition heals. `None` when none can.
    pub divergent_writes_gb_per_year: Option<f64>,
    /// Journeys with `compensations` and `requests_per_second`: expected requests a
    /// year left stranded — a later step down after earlier ones committed, while a
    /// service that must compensate one of them is down (analytic, over the same
    /// joint failure states; docs/failure-model.md). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stranded_sagas_per_year: Option<f64>,
    /// Most data a single failure can lose, seconds of writes; `None` for stateless.
    pub worst_case_rpo_seconds: Option<f64>,
    /// Down time per disruption class: `instance`, `zone`, `region`, `spot`,
    /// `partition`, `control_plane` (worst single failure of the class).
    pub rto: BTreeMap<String, RecoveryTime>,
    /// Data lost per disruption class, seconds of writes.
    pub rpo_seconds: BTreeMap<String, f64>,
    /// Quorum commit latency with every member up, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_latency_ms: Option<f64>,
    /// Zone of a quorum's leader with every member up: the member giving the lowest
    /// commit latency, ties to the home region (docs/failure-model.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader_zone: Option<String>,
    pub slo: SloCheck,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulation: Option<SimFigures>,
}

/// How a failure ends for a service, and when: the modelled recovery time (the
/// planned one is `cost::PlannedRecovery`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RecoveryTime {
    pub impact: Impact,
    /// `recovers`: seconds until recovered. `repair`: expected seconds until the failure
    /// itself is repaired. `none`: 0.
    pub seconds: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Not affected.
    None,
    /// Recovers by itself (failover, election, scale-up, DR) after `seconds`.
    Recovers,
    /// Stays impaired until the failure is repaired.
    Repair,
}

impl RecoveryTime {
    pub const NONE: RecoveryTime = RecoveryTime {
        impact: Impact::None,
        seconds: 0.0,
    };

    fn worse(self, o: RecoveryTime) -> RecoveryTime {
        match self.impact.cmp(&o.impact) {
            std::cmp::Ordering::Less => o,
            std::cmp::Ordering::Greater => self,
            std::cmp::Ordering::Equal => {
                if o.seconds > self.seconds {
                    o
                } else {
                    self
                }
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SloCheck {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_target: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_met: Option<bool>,
    pub rto: BTreeMap<String, RtoCheck>,
    pub rpo: BTreeMap<String, RpoCheck>,
    /// For each class in `survive`: whether every single failure of the class leaves
    /// the service serving (at least degraded) without scaling up.
    pub survive: BTreeMap<String, bool>,
    /// A journey's `max_stranded_per_year` against its stranded sagas a year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stranded: Option<StrandedCheck>,
    /// Every target above is met.
    pub met: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RtoCheck {
    pub limit_seconds: f64,
    pub actual: RecoveryTime,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StrandedCheck {
    pub limit_per_year: f64,
    pub per_year: f64,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RpoCheck {
    pub limit_seconds: f64,
    pub worst_seconds: f64,
    pub met: bool,
}

/// Monte Carlo figures, with 95% confidence intervals.
#[derive(Debug, Clone, Serialize)]
pub struct SimFigures {
    pub availability: f64,
    pub downtime_minutes_per_year: Estimate,
    pub degraded_minutes_per_year: Estimate,
    /// Annual downtime quantiles over the simulated years.
    pub p50_minutes: Estimate,
    pub p95_minutes: Estimate,
    pub p99_minutes: Estimate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writes_lost_gb_per_year: Option<Estimate>,
    /// Times the service or journey went down over all simulated years.
    pub outages: u64,
    /// Sagas: stranded requests a year, and the mean hours a stranded request stays
    /// inconsistent (until every compensator it needs is up again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stranded_sagas_per_year: Option<Estimate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stranded_mean_hours: Option<f64>,
    /// Whether the analytic downtime lies in the simulation's 99% interval, widened
    /// by the analytic truncation bound and by the part of the analytic figure due to
    /// coincident failures (too rare to show up in most simulation lengths).
    pub agrees_with_analytic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// One single failure and its effect.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioRow {
    pub scenario: Scenario,
    pub label: String,
    /// `zone`, `region`, `spot`, `partition` or `control_plane`.
    pub class: String,
    pub rate_per_year: f64,
    /// Expected duration of the failure itself, hours.
    pub mean_hours: f64,
    pub services: BTreeMap<String, Cell>,
    pub journeys: BTreeMap<String, Cell>,
}

/// What one failure does to one service or journey (every instance otherwise up).
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// `ok`, `degraded` or `down`, right after the failure.
    pub status: String,
    /// After every recovery that can happen (failover, election, scale-up, DR).
    pub after_recovery: String,
    /// Time until back to `ok`.
    pub recovery: RecoveryTime,
    /// Time spent down.
    pub outage: RecoveryTime,
    /// Share of demand (stateless) or of members (stores) left right after the
    /// failure, and after recovery. Absent for journeys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_left: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_after: Option<f64>,
    /// Writes lost, seconds of writes (replication lag of a store that failed over).
    pub data_lost_seconds: f64,
    /// An asynchronously replicated store serves on both sides of a partition and
    /// its copies diverge until it heals.
    pub diverges: bool,
    /// Commit latency after recovery, for quorums, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_latency_ms: Option<f64>,
    /// The service's own capacity (fleets, before any scale-up) or members (stores,
    /// after failover or election) still serve: what `survive` checks. A survived
    /// failure can still leave it down for a while: during its own election or
    /// failover, or while a dependency it cannot run without recovers (`waits_on`).
    /// Always true for journeys.
    pub survives: bool,
    /// The other services it cannot run without that are down right after the failure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waits_on: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Parameters {
    /// Every failure process with its rate, durations and source.
    pub components: Vec<ComponentParam>,
    /// Instance failures per region.
    pub instances: BTreeMap<String, InstanceParam>,
    pub assumptions: Assumptions,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComponentParam {
    pub label: String,
    pub class: String,
    pub rate_per_year: f64,
    pub median_hours: f64,
    pub mean_hours: f64,
    /// Hours of warning before the loss (spot notice); the loss lasts (D − notice)+.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice_hours: Option<f64>,
    /// Long-run probability of being down.
    pub unavailability: f64,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstanceParam {
    pub rate_per_year: f64,
    pub median_hours: f64,
    pub mean_hours: f64,
    /// Probability an instance is down; and during a control-plane outage.
    pub unavailability: f64,
    pub unavailability_control_plane_down: f64,
}

/// Assesses a deployment. `progress` is told simulated years done and the total.
pub fn assess(
    topology: &Topology,
    catalog: &Catalog,
    deployment: &Deployment,
    options: &Options,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Assessment, Vec<Diagnostic>> {
    let assumptions = options
        .assumptions
        .clone()
        .unwrap_or_else(|| Assumptions::defaults(topology, catalog));
    // The topology's overrides applied once, for the whole assessment.
    let effective = topology.effective_catalog(catalog);
    let m = model::build(topology, &effective, deployment, &assumptions)
        .map_err(|p| diagnostics(p, topology, deployment))?;
    Ok(report::assess(
        &m,
        topology,
        deployment,
        options,
        assumptions,
        progress,
    ))
}

/// Availability as nines: −log10(1 − A), capped at 20.
pub fn nines(availability: f64) -> f64 {
    let u = 1.0 - availability;
    if u <= 1e-20 {
        20.0
    } else {
        (-u.log10()).min(20.0)
    }
}

/// Internal figures exposed for tests that check the methods against independent
/// computation: per service and journey, the analytic probability of not being up and
/// of being down, and the simulation's mean annual down hours with its standard error.
#[doc(hidden)]
pub mod check {
    use super::*;

    #[derive(Debug, Clone)]
    pub struct Raw {
        pub names: Vec<String>,
        pub notup: Vec<f64>,
        pub down: Vec<f64>,
        /// The part of `down` from states with two or more simultaneous events.
        pub down_multi: Vec<f64>,
        pub error_bound: f64,
        pub k: usize,
        pub states: usize,
        /// Per journey whose requests are sagas: the probability that a request
        /// strands.
        pub stranded: BTreeMap<String, f64>,
    }

    /// Runs only the simulation, for throughput measurements; returns the mean annual
    /// down hours per service and journey.
    pub fn simulate(
        t: &Topology,
        catalog: &Catalog,
        d: &Deployment,
        years: u64,
        seed: u64,
    ) -> Result<Vec<f64>, Vec<Diagnostic>> {
        let a = Assumptions::defaults(t, catalog);
        let m = model::build(t, &t.effective_catalog(catalog), d, &a)
            .map_err(|p| diagnostics(p, t, d))?;
        let runs = simulate::run(&m, years, seed, &mut |_, _| {});
        Ok(runs
            .iter()
            .map(|r| r.down_sum / r.years.max(1) as f64)
            .collect())
    }

    /// Runs the analytic method as deep as `max_k` simultaneous events and `max_states`
    /// states allow.
    pub fn analytic(
        t: &Topology,
        catalog: &Catalog,
        d: &Deployment,
        max_k: usize,
        max_states: usize,
        assumptions: Option<Assumptions>,
    ) -> Result<Raw, Vec<Diagnostic>> {
        let a = assumptions.unwrap_or_else(|| Assumptions::defaults(t, catalog));
        let m = model::build(t, &t.effective_catalog(catalog), d, &a)
            .map_err(|p| diagnostics(p, t, d))?;
        let r = analytic::run(
            &m,
            analytic::Depth {
                target: 0.0,
                max_states,
                max_k,
            },
        );
        Ok(Raw {
            names: (0..m.entities.len())
                .map(|e| m.entity_name(e).to_string())
                .collect(),
            notup: r.notup,
            down: r.down,
            down_multi: r.down_multi,
            error_bound: r.error_bound + r.marks_left_out.iter().copied().fold(0.0, f64::max),
            k: r.k,
            states: r.states,
            stranded: m
                .sagas
                .iter()
                .zip(&r.stranded)
                .map(|(sg, p)| (m.journeys[sg.journey].name.clone(), *p))
                .collect(),
        })
    }
}
