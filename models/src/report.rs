//! The report document: everything one run learned about a system — the plan (when
//! there is one, with its cost–resilience frontier when asked for), the failure
//! model's assessment of the deployment, the findings, and the assumptions behind
//! every figure. Every renderer
//! (text, JSON, Markdown, HTML, SARIF, JUnit, Terraform) reads this one document, so a
//! figure has one definition wherever it is shown.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::{Catalog, Source};
use crate::diag::Diagnostic;
use crate::failure::Assessment;
use crate::plan::{catalog_digest, topology_digest, Frontier, Plan, SolveInfo};
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
    /// Problems that did not stop the run: validation warnings, a stale plan, a
    /// placement that breaks a requirement. Rendered with their file and line.
    #[serde(skip)]
    pub findings: Vec<Diagnostic>,
    pub assumptions: Assumptions,
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
