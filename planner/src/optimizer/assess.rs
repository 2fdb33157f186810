//! A plan's availability as the failure model computes it (analytic method), falling
//! back to the optimizer's own estimate when the model cannot assess the deployment.

use faultline_models::catalog::Catalog;
use faultline_models::failure::{self, Deployment};
use faultline_models::plan::Plan;
use faultline_models::topology::Topology;

use super::estimate::{self, Assessed, Figures};

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
                            Figures {
                                availability: f.availability,
                                downtime_minutes_per_year: f.downtime_minutes_per_year,
                                worst_rpo_seconds: f.worst_case_rpo_seconds,
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
