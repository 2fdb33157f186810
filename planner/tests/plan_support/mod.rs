//! What the optimizer's rule tests share: the options they solve with and a plan of a
//! topology that the independent checker (`optimizer::verify`) finds nothing wrong with.

#![allow(dead_code)]

use std::time::Duration;

use faultline::optimizer::{self, verify, SolveOptions};
use faultline_models::catalog::Catalog;
use faultline_models::cost::Pricing;
use faultline_models::plan::Plan;
use faultline_models::topology::{self, Topology};

/// The default options with a generous safety net: every case here ends on the gap.
pub fn options() -> SolveOptions {
    SolveOptions {
        time_limit: Some(Duration::from_secs(60)),
        ..SolveOptions::default()
    }
}

/// The plan of `t`, checked line by line against the topology and catalog.
pub fn checked_plan(t: &Topology, c: &Catalog) -> Plan {
    let plan = optimizer::plan(t, c, &options()).unwrap_or_else(|e| panic!("{e}"));
    let eff = t.effective_catalog(c);
    let violations = verify::plan(t, &Pricing::new(t, &eff), &plan, None);
    assert!(violations.is_empty(), "{violations:#?}");
    plan
}

/// A topology that must validate against the embedded catalog.
pub fn parse(text: &str) -> Topology {
    topology::parse(text, Catalog::embedded())
        .unwrap_or_else(|e| panic!("{e:#?}"))
        .topology
}
