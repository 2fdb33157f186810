//! The one path from a validated topology to the report document, taken by every
//! command: a deployment (solved by the optimizer, read from a plan, or the topology's
//! own placement) → the failure model's assessment of it → the [`Report`] every
//! renderer reads. Pure of files and terminals: progress goes to a callback.

use faultline_models::catalog::Catalog;
use faultline_models::cost::{deployment_cost, Pricing};
use faultline_models::diag::Diagnostic;
use faultline_models::failure::{self, Deployment};
use faultline_models::plan::Plan;
use faultline_models::report::{requirement_findings, Assumptions, Report, REPORT_FORMAT_VERSION};
use faultline_models::topology::Topology;

use crate::optimizer::{self, frontier};

/// Where the deployment comes from.
#[derive(Debug, Clone)]
pub enum Deploy {
    /// Solve for the cheapest plan; with the frontier when asked.
    Optimize {
        options: optimizer::SolveOptions,
        frontier: bool,
    },
    /// A plan read back from a file (its staleness is checked).
    Plan(Box<Plan>),
    /// The topology's own `[placement.*]` tables.
    Placement,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Request {
    pub deploy: Deploy,
    /// How to run the failure model; `None` skips the assessment (a plan's own
    /// availability figures, from the optimizer's use of the same model, remain).
    pub assess: Option<failure::Options>,
}

/// What the pipeline reports as it goes, for a progress line.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A step of the frontier, in words.
    Frontier(String),
    /// Simulated years done of the total.
    Simulation { done: u64, total: u64 },
}

/// Runs the pipeline. `Err` holds every problem that stopped it (infeasibility, a
/// deployment that does not fit); warnings that did not stop it are the report's
/// findings.
pub fn run(
    topology: &Topology,
    catalog: &Catalog,
    request: &Request,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, Vec<Diagnostic>> {
    let mut findings = Vec::new();
    let (plan, deployment) = match &request.deploy {
        Deploy::Optimize { options, frontier } => {
            let mut plan = optimizer::plan(topology, catalog, options)
                .map_err(|inf| inf.to_diagnostics(topology))?;
            if *frontier {
                let f = frontier::run(topology, catalog, options, &plan, &mut |msg: &str| {
                    progress(Progress::Frontier(msg.to_string()));
                });
                plan.frontier = Some(f);
            }
            let d = Deployment::from_plan(&plan);
            (Some(plan), d)
        }
        Deploy::Plan(plan) => {
            let errors = plan.check_against(catalog);
            if !errors.is_empty() {
                return Err(errors);
            }
            findings.extend(plan.staleness(topology, catalog));
            let d = Deployment::from_plan(plan);
            (Some((**plan).clone()), d)
        }
        Deploy::Placement => (None, Deployment::from_placement(topology)),
    };
    let assessment = match &request.assess {
        None => None,
        Some(options) => Some(failure::assess(
            topology,
            catalog,
            &deployment,
            options,
            &mut |done, total| progress(Progress::Simulation { done, total }),
        )?),
    };
    if let Some(a) = &assessment {
        findings.extend(requirement_findings(
            topology,
            catalog,
            &deployment.services,
            a,
        ));
    }
    let cost = match &plan {
        Some(p) => p.cost.clone(),
        None => {
            let effective = topology.effective_catalog(catalog);
            let pricing = Pricing::new(topology, &effective);
            deployment_cost(topology, &pricing, &deployment.services)
        }
    };
    Ok(Report {
        format_version: REPORT_FORMAT_VERSION,
        system: topology.name.clone(),
        assumptions: Assumptions::new(topology, catalog, plan.as_ref()),
        plan,
        assessment,
        cost: Some(cost),
        findings,
        baseline: None,
    })
}

/// Adds `baseline` to the report for compare mode: the old plan assessed against the
/// same topology and catalog as the report's own deployment (so the two differ only in
/// the plan), and what changed. A baseline the failure model cannot assess against
/// this topology (services added or removed since) is still compared for cost and
/// placement; a finding says why its availability is missing.
pub fn compare(
    topology: &Topology,
    catalog: &Catalog,
    report: &mut Report,
    baseline: Plan,
    options: &failure::Options,
) {
    let deployment = Deployment::from_plan(&baseline);
    let assessment = match failure::assess(topology, catalog, &deployment, options, &mut |_, _| {})
    {
        Ok(a) => Some(a),
        Err(problems) => {
            report.findings.push(
                Diagnostic::warning(
                    faultline_models::diag::Code::DeploymentMismatch,
                    format!(
                        "baseline plan {} cannot be assessed against this topology, so its availability is not compared: {}",
                        baseline.id,
                        problems
                            .iter()
                            .map(|d| d.message.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                )
                .in_file(faultline_models::diag::FileKind::Baseline),
            );
            None
        }
    };
    let Some(current) = &report.plan else {
        return;
    };
    let comparison = faultline_models::report::compare::compare(
        &baseline,
        assessment.as_ref(),
        current,
        report.assessment.as_ref(),
    );
    report.baseline = Some(faultline_models::report::Baseline {
        plan: baseline,
        assessment,
        comparison,
    });
}
