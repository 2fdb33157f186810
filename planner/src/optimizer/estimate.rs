//! The optimizer's own availability estimate, used only when the failure model cannot
//! assess a plan: every failure the plan does not survive counts as down for its mean
//! duration, every failure it survives or recovers from counts as down for its
//! recovery time, and failures are rare enough for their unavailabilities to add.

use std::collections::{BTreeMap, BTreeSet};

use faultline_models::catalog::{Catalog, Mode};
use faultline_models::deployment::DrPattern;
use faultline_models::plan::{Layer, Plan};
use faultline_models::topology::{Disruption, Kind, Topology};

use faultline_models::units::HOURS_PER_YEAR;

#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub availability: f64,
    pub downtime_minutes_per_year: f64,
    /// Serving but not up; the optimizer's own estimate counts every failure as down.
    pub degraded_minutes_per_year: f64,
    pub worst_rpo_seconds: Option<f64>,
    /// Journeys whose requests are sagas: requests a year left stranded (the failure
    /// model's figure; the optimizer's own estimate has none).
    pub stranded_per_year: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assessed {
    pub services: BTreeMap<String, Estimate>,
    pub journeys: BTreeMap<String, Estimate>,
    /// `failure-model` or `optimizer`.
    pub source: &'static str,
    pub note: Option<String>,
}

fn figures(unavailability: f64, rpo: Option<f64>) -> Estimate {
    let u = unavailability.clamp(0.0, 1.0);
    Estimate {
        availability: 1.0 - u,
        downtime_minutes_per_year: u * HOURS_PER_YEAR * 60.0,
        degraded_minutes_per_year: 0.0,
        worst_rpo_seconds: rpo,
        stranded_per_year: None,
    }
}

pub fn estimate(t: &Topology, catalog: &Catalog, plan: &Plan) -> Assessed {
    let c = t.effective_catalog(catalog);
    let mut services = BTreeMap::new();
    for (name, sp) in &plan.services {
        let regions: BTreeSet<&str> = sp
            .instances
            .iter()
            .filter(|l| l.layer != Layer::Standby)
            .map(|l| l.region.as_str())
            .collect();
        let zones: BTreeSet<(&str, Option<&str>)> = sp
            .instances
            .iter()
            .filter(|l| l.layer != Layer::Standby)
            .map(|l| (l.region.as_str(), l.zone.as_deref()))
            .collect();
        let rec = |d: Disruption| sp.recovery.get(&d).map(|r| r.rto.as_secs_f64() / 3600.0);
        let mut u = 0.0;
        for (region, _) in &zones {
            let z = c.failure_mode(Mode::zone, region);
            let hours = if sp.survive.contains(&Disruption::Zone) {
                rec(Disruption::Zone).unwrap_or(0.0).min(z.mean_hours)
            } else {
                z.mean_hours
            };
            u += z.rate_per_year * hours / HOURS_PER_YEAR;
        }
        for region in &regions {
            let r = c.failure_mode(Mode::region, region);
            let hours = match sp.deployment.dr {
                DrPattern::None => r.mean_hours,
                _ => rec(Disruption::Region)
                    .unwrap_or(r.mean_hours)
                    .min(r.mean_hours),
            };
            u += r.rate_per_year * hours / HOURS_PER_YEAR;
        }
        let rpo = sp
            .recovery
            .values()
            .map(|r| r.rpo.as_secs_f64())
            .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))));
        let rpo = if sp.kind == Kind::Stateless {
            None
        } else {
            rpo
        };
        services.insert(name.clone(), figures(u, rpo));
    }
    let mut journeys = BTreeMap::new();
    for (name, j) in &t.journeys {
        let mut a = 1.0;
        let mut rpo: Option<f64> = None;
        for s in &j.steps {
            if let Some(f) = services.get(s) {
                a *= f.availability;
                if let Some(r) = f.worst_rpo_seconds {
                    rpo = Some(rpo.map_or(r, |x| x.max(r)));
                }
            }
        }
        journeys.insert(name.clone(), figures(1.0 - a, rpo));
    }
    Assessed {
        services,
        journeys,
        source: "optimizer",
        note: None,
    }
}
