//! The report document: everything one run learned about a system — the plan (when
//! there is one, with its cost–resilience frontier when asked for), the failure
//! model's assessment of the deployment, the findings, and the assumptions behind
//! every figure. Every renderer
//! (text, JSON, Markdown, HTML, SARIF, JUnit, Terraform) reads this one document, so a
//! figure has one definition wherever it is shown. The figures the HTML and Markdown
//! reports lead with are defined once, in [`summary`]; what changed against a baseline
//! plan, in [`compare`].

pub mod compare;
pub mod summary;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::{Catalog, Source};
use crate::deployment::{Purchase, ServiceDeployment};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::failure::Assessment;
use crate::failure::Figures;
use crate::plan::{catalog_digest, topology_digest, CostBreakdown, Frontier, Plan, SolveInfo};
use crate::topology::Topology;

/// Version of the report document (`--format json` of `plan`, `analyze`, `report`).
pub const REPORT_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub format_version: u32,
    pub system: String,
    /// The plan, when the deployment came from the optimizer (or a plan file); `None`
    /// when a hand-written placement was assessed.
    pub plan: Option<Plan>,
    /// The failure model's figures for the deployment; `None` when they were not asked
    /// for or the deployment could not be assessed (a finding says why).
    pub assessment: Option<Assessment>,
    /// What the deployment costs a month: the plan's own breakdown, or the cost
    /// model's pricing of a hand-written placement.
    pub cost: Option<CostBreakdown>,
    /// Problems that did not stop the run: validation warnings, a stale plan, a
    /// deployment that breaks a requirement. Rendered with their file and line.
    #[serde(skip)]
    pub findings: Vec<Diagnostic>,
    pub assumptions: Assumptions,
    /// The plan this one is compared with (`faultline report --baseline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
}

/// An earlier plan, assessed against the same topology and catalog as the report's own
/// deployment so the two differ only in the plan, and what changed between them.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    pub plan: Plan,
    /// `None` when the failure model could not assess the old plan against the current
    /// topology (services added or removed since); a finding says why.
    pub assessment: Option<Assessment>,
    pub comparison: compare::Comparison,
}

/// What every figure rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Assumptions {
    pub topology_digest: String,
    pub catalog: CatalogInfo,
    /// The plan's id, when there is a plan.
    pub plan_id: Option<String>,
    /// How the plan was solved.
    pub solve: Option<SolveInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogInfo {
    pub name: String,
    pub as_of: String,
    pub digest: String,
    /// Every source the catalog's figures cite, by id.
    pub sources: BTreeMap<String, Source>,
}

impl Report {
    /// The cost–resilience frontier, when the plan was solved with it.
    pub fn frontier(&self) -> Option<&Frontier> {
        self.plan.as_ref().and_then(|p| p.frontier.as_ref())
    }
}

impl Assumptions {
    pub fn new(t: &Topology, catalog: &Catalog, plan: Option<&Plan>) -> Assumptions {
        Assumptions {
            topology_digest: topology_digest(t),
            catalog: CatalogInfo {
                name: catalog.name.clone(),
                as_of: catalog.as_of.clone(),
                digest: catalog_digest(catalog),
                sources: catalog.sources.clone(),
            },
            plan_id: plan.map(|p| p.id.clone()),
            solve: plan.map(|p| p.solve.clone()),
        }
    }
}

/// Every requirement of the topology the assessed deployment breaks, as warnings that
/// point at the key that states it: a spot share above `max_spot_share`, a failure the
/// SLO says to survive that takes the service down, an RTO or RPO above its target, an
/// availability below its target. (Plans meet these by construction; a hand-written
/// placement, or a plan read against a changed topology, may not.)
pub fn requirement_findings(
    t: &Topology,
    catalog: &Catalog,
    services: &BTreeMap<String, ServiceDeployment>,
    assessment: &Assessment,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut at = |code: Code, key: String, message: String| {
        let mut d = Diagnostic::warning(code, message);
        // The key itself, or the nearest enclosing key written in the file.
        let mut k = key.as_str();
        loop {
            if let Some(span) = t.span(k) {
                d = d.at(span);
                break;
            }
            match k.rsplit_once('.') {
                Some((parent, _)) => k = parent,
                None => break,
            }
        }
        out.push(d.key(key));
    };
    for (name, svc) in &t.services {
        let (Some(fleet), Some(d)) = (svc.fleet(), services.get(name)) else {
            continue;
        };
        let vcpu = |spot: bool| -> f64 {
            d.groups
                .iter()
                .filter(|g| (g.purchase == Purchase::Spot) == spot)
                .map(|g| {
                    let per = catalog
                        .instance_types
                        .get(&g.instance_type)
                        .map_or(0, |i| i.vcpus);
                    f64::from(g.count) * f64::from(per)
                })
                .sum()
        };
        let (spot, other) = (vcpu(true), vcpu(false));
        let share = if spot + other > 0.0 {
            spot / (spot + other)
        } else {
            0.0
        };
        if share > fleet.max_spot_share + 1e-9 {
            at(
                Code::SpotShareExceeded,
                format!("services.{name}.max_spot_share"),
                format!(
                    "`{name}` runs {:.0}% of its vCPU on spot, above max_spot_share = {}",
                    share * 100.0,
                    fleet.max_spot_share
                ),
            );
        }
    }
    let entities = assessment
        .services
        .iter()
        .map(|(n, f)| ("services", n, f))
        .chain(assessment.journeys.iter().map(|(n, f)| ("journeys", n, f)));
    for (table, name, f) in entities {
        slo_findings(table, name, f, &mut at);
    }
    out
}

fn slo_findings(table: &str, name: &str, f: &Figures, at: &mut impl FnMut(Code, String, String)) {
    let what = if table == "services" {
        "service"
    } else {
        "journey"
    };
    for (class, ok) in &f.slo.survive {
        if !ok {
            at(
                Code::SurviveUnmet,
                format!("{table}.{name}.slo.survive"),
                format!(
                    "{what} `{name}` goes down when a {} is lost, which its SLO says it survives",
                    class.replace('_', " ")
                ),
            );
        }
    }
    for (class, c) in &f.slo.rto {
        if !c.met {
            let took = match c.actual.impact {
                crate::failure::Impact::Repair => format!(
                    "stays down until the {class} failure is repaired (about {})",
                    seconds(c.actual.seconds)
                ),
                _ => format!(
                    "recovers from a {class} loss in {}",
                    seconds(c.actual.seconds)
                ),
            };
            at(
                Code::RecoveryTargetMissed,
                format!("{table}.{name}.slo.rto.{class}"),
                format!(
                    "{what} `{name}` {took}, against rto.{class} = {}",
                    seconds(c.limit_seconds)
                ),
            );
        }
    }
    for (class, c) in &f.slo.rpo {
        if !c.met {
            at(
                Code::RecoveryTargetMissed,
                format!("{table}.{name}.slo.rpo.{class}"),
                format!(
                    "{what} `{name}` can lose {} of writes to a {class} loss against rpo.{class} = {}",
                    seconds(c.worst_seconds),
                    seconds(c.limit_seconds)
                ),
            );
        }
    }
    if let (Some(target), Some(false)) = (f.slo.availability_target, f.slo.availability_met) {
        at(
            Code::AvailabilityMissed,
            format!("{table}.{name}.slo.availability"),
            format!(
                "{what} `{name}` is available {:.4}% of the time against a target of {:.4}%",
                f.availability * 100.0,
                target * 100.0
            ),
        );
    }
    if let Some(st) = f.slo.stranded.as_ref().filter(|st| !st.met) {
        at(
            Code::StrandedBoundMissed,
            format!("{table}.{name}.slo.max_stranded_per_year"),
            format!(
                "{what} `{name}` leaves {:.1} sagas a year stranded against a bound of {}",
                st.per_year,
                crate::input::number(st.limit_per_year)
            ),
        );
    }
}

/// Seconds as the duration syntax topologies use.
fn seconds(s: f64) -> String {
    if !s.is_finite() {
        return "until repaired".into();
    }
    crate::duration::format(std::time::Duration::from_secs_f64(s.max(0.0).round()))
}
