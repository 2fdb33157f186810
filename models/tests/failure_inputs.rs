//! A deployment that does not fit its topology is reported, every problem named, before
//! any figure is computed; and the same inputs and seed give the same assessment.
#![allow(clippy::unwrap_used)]

mod failure_support;

use failure_support::{catalog, example};
use faultline_models::deployment::{Purchase, Role};
use faultline_models::diag::{Code, Diagnostic};
use faultline_models::failure::{self, Deployment, Options};

fn problems(d: &Deployment) -> Vec<Diagnostic> {
    let t = example("legacy-placement");
    failure::assess(&t, catalog(), d, &Options::default(), &mut |_, _| {}).unwrap_err()
}

fn legacy() -> Deployment {
    Deployment::from_placement(&example("legacy-placement"))
}

/// A problem about `service`'s placement (or about the whole deployment) whose message
/// has every word.
fn has(ps: &[Diagnostic], service: Option<&str>, words: &[&str]) -> bool {
    let key = service.map(|s| format!("placement.{s}"));
    ps.iter().any(|p| {
        p.code == Code::DeploymentMismatch
            && p.key == key
            && words.iter().all(|w| p.message.contains(w))
    })
}

#[test]
fn unknown_and_missing_services() {
    let mut d = legacy();
    let web = d.services.remove("web").unwrap();
    d.services.insert("website".into(), web);
    let ps = problems(&d);
    assert!(
        has(&ps, Some("website"), &["not a service", "booking-legacy"]),
        "{ps:?}"
    );
    assert!(has(&ps, None, &["no deployment for `web`"]), "{ps:?}");
}

#[test]
fn regions_zones_and_instance_types_are_checked() {
    let mut d = legacy();
    let g = &mut d.services.get_mut("web").unwrap().groups;
    g[0].region = "eu-west-1".into();
    g[1].zone = Some("us-east-2z".into());
    g[2].instance_type = "m6i.huge".into();
    g[2].count = 0;
    let ps = problems(&d);
    assert!(
        has(
            &ps,
            Some("web"),
            &["group 1", "`eu-west-1`", "not a candidate region"]
        ),
        "{ps:?}"
    );
    assert!(
        has(
            &ps,
            Some("web"),
            &["group 2", "`us-east-2z`", "not a usable zone"]
        ),
        "{ps:?}"
    );
    assert!(has(&ps, Some("web"), &["group 3", "`m6i.huge`"]), "{ps:?}");
    assert!(has(&ps, Some("web"), &["group 3", "count"]), "{ps:?}");
}

#[test]
fn roles_must_fit_the_kind() {
    let mut d = legacy();
    d.services.get_mut("db").unwrap().groups[0].role = Role::Replica;
    d.services.get_mut("web").unwrap().groups[0].role = Role::Primary;
    let ps = problems(&d);
    assert!(
        has(&ps, Some("db"), &["exactly one", "primary", "found 0"]),
        "{ps:?}"
    );
    assert!(has(&ps, Some("web"), &["role `primary`"]), "{ps:?}");
}

#[test]
fn quorum_members_may_not_be_spot() {
    let t = example("payments");
    let mut d = failure_support::synthesize(&t);
    d.services.get_mut("ledger").unwrap().groups[0].purchase = Purchase::Spot;
    let ps = failure::assess(&t, catalog(), &d, &Options::default(), &mut |_, _| {}).unwrap_err();
    assert!(has(&ps, Some("ledger"), &["spot"]), "{ps:?}");
}

#[test]
fn same_inputs_and_seed_give_the_same_assessment() {
    let t = example("payments");
    let d = failure_support::synthesize(&t);
    let run = |seed: u64| {
        let o = Options {
            simulate_years: Some(60),
            seed,
            ..Options::default()
        };
        let a = failure::assess(&t, catalog(), &d, &o, &mut |_, _| {}).unwrap();
        serde_json::to_string(&a).unwrap()
    };
    let first = run(11);
    assert_eq!(first, run(11));
    // A different seed draws different failures; the analytic part does not change.
    let other = run(12);
    assert_ne!(first, other);
    let analytic = |s: &str| {
        let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
        for f in v["services"].as_object_mut().unwrap().values_mut() {
            f.as_object_mut().unwrap().remove("simulation");
        }
        for f in v["journeys"].as_object_mut().unwrap().values_mut() {
            f.as_object_mut().unwrap().remove("simulation");
        }
        v["method"]["simulation"] = serde_json::Value::Null;
        v
    };
    assert_eq!(analytic(&first), analytic(&other));
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["format_version"], 1);
}

#[test]
fn progress_is_reported_for_every_simulated_year() {
    let t = example("legacy-placement");
    let d = legacy();
    let mut seen = Vec::new();
    let o = Options {
        simulate_years: Some(25),
        ..Options::default()
    };
    failure::assess(&t, catalog(), &d, &o, &mut |done, total| {
        seen.push((done, total))
    })
    .unwrap();
    assert_eq!(seen.len(), 25);
    assert_eq!(seen.last(), Some(&(25, 25)));
}
