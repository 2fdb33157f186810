//! A plan's availability as the failure model computes it (analytic method), falling
//! back to the optimizer's own estimate when the model cannot assess the deployment.

use faultline_models::catalog::Catalog;
use faultline_models::failure::{self, Deployment};
use faultline_models::plan::Plan;
use faultline_models::topology::Topology;

use super::estimate::{self, Assessed, Estimate};
use faultline_models::plan::Availability;

/// Assesses `plan` with the failure model.
pub fn assess(t: &Topology, catalog: &Catalog, plan: &Plan) -> Assessed {
    let deployment = Deployment::from_plan(plan);
    match failure::assess(
        t,
        catalog,
        &deployment,
        &failure::Options::default(),
        &mut |_, _| {},
    ) {
        Ok(a) => {
            let map = |m: &std::collections::BTreeMap<String, failure::Figures>| {
                m.iter()
                    .map(|(k, f)| {
                        (
                            k.clone(),
                            Estimate {
                                availability: f.availability,
                                downtime_minutes_per_year: f.downtime_minutes_per_year,
                                degraded_minutes_per_year: f.degraded_minutes_per_year,
                                worst_rpo_seconds: f.worst_case_rpo_seconds,
                                stranded_per_year: f.stranded_sagas_per_year,
                            },
                        )
                    })
                    .collect()
            };
            Assessed {
                services: map(&a.services),
                journeys: map(&a.journeys),
                source: "failure-model",
                note: None,
            }
        }
        Err(problems) => {
            let mut e = estimate::estimate(t, catalog, plan);
            e.note = Some(format!(
                "the failure model could not assess the plan ({}); availability is the optimizer's estimate",
                problems.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join("; ")
            ));
            e
        }
    }
}

/// Assesses a plan against a topology: the one being planned, or the same topology with
/// its dependencies and journeys removed, which gives each service's own figure.
/// `Sync`, so that a round of escalation assesses the plan and its services alone at
/// once.
pub type Assessor<'a> = dyn Fn(&Topology, &Plan) -> Assessed + Sync + 'a;

/// Writes assessed availability into the plan.
pub fn fill_availability(t: &Topology, plan: &mut Plan, a: &Assessed) {
    let make = |f: &Estimate, target: Option<f64>| {
        Availability::new(
            f.availability,
            target,
            f.downtime_minutes_per_year,
            f.degraded_minutes_per_year,
            a.source,
        )
    };
    for (name, sp) in &mut plan.services {
        let target = t.services.get(name).and_then(|s| s.slo.availability);
        sp.availability = a.services.get(name).map(|f| make(f, target));
    }
    plan.journeys = a
        .journeys
        .iter()
        .map(|(k, f)| {
            let slo = t.journeys.get(k).map(|j| &j.slo);
            (
                k.clone(),
                make(f, slo.and_then(|s| s.availability)).with_stranded(
                    f.stranded_per_year,
                    slo.and_then(|s| s.max_stranded_per_year),
                ),
            )
        })
        .collect();
    if let Some(n) = &a.note {
        if !plan.notes.contains(n) {
            plan.notes.push(n.clone());
        }
    }
}
