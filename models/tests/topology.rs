//! Topology semantics beyond single-error fixtures: defaults, overrides applied to the
//! catalog, kind-aware survival checks and placement checks.

use faultline_models::catalog::{Catalog, Mode};
use faultline_models::diag::{Code, Severity};
use faultline_models::topology::{self, Consistency, Topology};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::time::Duration;

const HEAD: &str =
    "version = 1\n[system]\nname = \"t\"\nregions = [\"us-east-1\", \"us-west-2\"]\n";

fn ok(body: &str) -> Topology {
    let text = format!("{HEAD}{body}");
    match topology::parse(&text, Catalog::embedded()) {
        Ok(c) => c.topology,
        Err(d) => panic!("{d:#?}"),
    }
}

fn codes(body: &str) -> Vec<(Code, Severity)> {
    let text = format!("{HEAD}{body}");
    match topology::parse(&text, Catalog::embedded()) {
        Ok(c) => c.warnings.iter().map(|d| (d.code, d.severity)).collect(),
        Err(d) => d.iter().map(|d| (d.code, d.severity)).collect(),
    }
}

const WEB: &str = "[services.web]\nkind = \"stateless\"\npeak_vcpu = 8\npeak_memory_gib = 16\n";

#[test]
fn defaults_are_applied() {
    let t = ok(WEB);
    assert_eq!(t.home_region, "us-east-1");
    assert_eq!(t.horizon_months, 12);
    assert_eq!(t.zones["us-east-1"].len(), 6);
    let f = t.services["web"].fleet().unwrap();
    assert_eq!(
        (f.flash_crowd, f.max_spot_share, f.degraded_floor),
        (1.0, 0.0, 1.0)
    );
    assert_eq!(f.profile, [1.0; 24]);
    assert_eq!(
        t.span("services.web").map(|s| s.start),
        Some(HEAD.len() + "[services.".len())
    );
}

#[test]
fn connections_drive_vcpu_when_they_need_more() {
    let t = ok("[services.gw]\nkind = \"stateless\"\npeak_vcpu = 8\npeak_memory_gib = 16\npeak_connections = 1000000\nconnections_per_vcpu = 20000\n");
    assert_eq!(t.services["gw"].fleet().unwrap().peak_vcpu_needed(), 50.0);
}

#[test]
fn auto_stores_get_async_defaults() {
    let t = ok("[services.kv]\nkind = \"quorum\"\nconsistency = \"auto\"\nreplicas = 3\nreplica_vcpu = 2\nreplica_memory_gib = 8\n");
    let s = &t.services["kv"];
    assert_eq!(s.consistency, Consistency::Auto);
    assert_eq!(s.store().unwrap().failover, Some(Duration::from_secs(60)));
}

#[test]
fn overrides_shape_the_effective_catalog() {
    let t = ok(&format!(
        "{WEB}[overrides.prices]\ndiscount = 0.1\non_demand = {{ us-east-1 = {{ \"m7g.large\" = 0.07 }} }}\n\
         [overrides.failure.region]\nrate_per_year = 0.2\n[overrides.failure.regions.us-west-2.zone]\nrate_per_year = 0.5\n"
    ));
    let c = t.effective_catalog(Catalog::embedded());
    // 10% off list, except the negotiated price, which is already net.
    assert_eq!(
        c.on_demand_price("us-east-1", "m5.large"),
        Some(Decimal::from_str("0.0864").unwrap())
    );
    assert_eq!(
        c.on_demand_price("us-east-1", "m7g.large"),
        Some(Decimal::from_str("0.07").unwrap())
    );
    // A topology-wide rate beats the catalog's own us-east-1 figure.
    assert_eq!(c.failure_mode(Mode::region, "us-east-1").rate_per_year, 0.2);
    assert_eq!(c.failure_mode(Mode::region, "eu-west-1").rate_per_year, 0.2);
    // The catalog's us-east-1 zone figure still stands; us-west-2 gets the user's.
    assert_eq!(c.failure_mode(Mode::zone, "us-east-1").rate_per_year, 0.07);
    assert_eq!(c.failure_mode(Mode::zone, "us-west-2").rate_per_year, 0.5);
}

#[test]
fn survival_checks_know_the_service_kind() {
    let quorum = "[services.kv]\nkind = \"quorum\"\nreplicas = 3\nreplica_vcpu = 2\nreplica_memory_gib = 8\n";
    // Two regions cannot host a quorum that survives losing either.
    let got = codes(&format!(
        "{quorum}[services.kv.slo]\nsurvive = [\"region\"]\n"
    ));
    assert!(
        got.contains(&(Code::SurvivalImpossible, Severity::Error)),
        "{got:?}"
    );
    // Stores do not run on spot.
    let got = codes(&format!(
        "{quorum}[services.kv.slo]\nsurvive = [\"spot\"]\n"
    ));
    assert!(
        got.contains(&(Code::SurvivalImpossible, Severity::Error)),
        "{got:?}"
    );
    // A single-node replicated store has nothing to fail over to.
    let got = codes("[services.db]\nkind = \"replicated\"\nreplicas = 1\nreplica_vcpu = 2\nreplica_memory_gib = 8\n[services.db.slo]\nsurvive = [\"zone\"]\n");
    assert!(
        got.contains(&(Code::SurvivalImpossible, Severity::Error)),
        "{got:?}"
    );
    // Three zones in one region are enough for a quorum to survive a zone.
    ok(&format!(
        "{quorum}[services.kv.slo]\nsurvive = [\"zone\"]\n"
    ));
}

#[test]
fn placements_respect_residency_families_and_roles() {
    let body = format!(
        "{WEB}families = [\"m7g\"]\n[constraints]\nallowed_regions = {{ web = [\"us-east-1\"] }}\n\
         [[placement.web.groups]]\nregion = \"us-west-2\"\nzone = \"us-west-2a\"\ninstance_type = \"m5.large\"\ncount = 2\n"
    );
    let got = codes(&body);
    assert!(
        got.contains(&(Code::ResidencyConflict, Severity::Error)),
        "{got:?}"
    );
    assert!(
        got.contains(&(Code::PlacementInvalid, Severity::Error)),
        "{got:?}"
    );
}

#[test]
fn missing_placements_are_one_warning() {
    let body = format!(
        "{WEB}[services.api]\nkind = \"stateless\"\npeak_vcpu = 8\npeak_memory_gib = 16\n\
         [services.job]\nkind = \"stateless\"\npeak_vcpu = 8\npeak_memory_gib = 16\n\
         [[placement.web.groups]]\nregion = \"us-east-1\"\nzone = \"us-east-1a\"\ninstance_type = \"m5.large\"\ncount = 2\n"
    );
    let got = codes(&body);
    assert_eq!(got, vec![(Code::PlacementMissing, Severity::Warning)]);
}

#[test]
fn later_fleet_checks_run_despite_a_bad_profile() {
    let got = codes(&format!(
        "{WEB}profile = \"diurnl\"\nmax_spot_share = 2.0\n"
    ));
    assert!(got.contains(&(Code::UnknownProfileShape, Severity::Error)));
    assert!(got.contains(&(Code::SpotShareOutOfRange, Severity::Error)));
}

#[test]
fn a_failover_failure_override_replaces_the_prior_and_is_range_checked() {
    let t = ok(&format!(
        "{WEB}[overrides.failure.failover]\nfails = 0.1\nsource = \"our game days, 2026\"\n"
    ));
    let c = t.effective_catalog(Catalog::embedded());
    assert_eq!(c.failure.failover.fails, 0.1);
    assert_eq!(c.failure.failover.source, "our game days, 2026");
    // The embedded prior, with its source, where the topology says nothing.
    let plain = ok(WEB).effective_catalog(Catalog::embedded());
    assert_eq!(plain.failure.failover.fails, 0.02);
    assert!(plain.sources.contains_key(&plain.failure.failover.source));
    for bad in ["1", "1.5", "-0.1"] {
        assert_eq!(
            codes(&format!(
                "{WEB}[overrides.failure.failover]\nfails = {bad}\n"
            )),
            vec![(Code::FractionOutOfRange, Severity::Error)],
            "fails = {bad}"
        );
    }
}

#[test]
fn a_zone_impairment_override_replaces_the_prior_and_is_range_checked() {
    let t = ok(&format!(
        "{WEB}[overrides.failure.zone_impairment]\nrate_per_year = 0.5\nshare = 0.4\nsource = \"our incident review\"\n"
    ));
    let c = t.effective_catalog(Catalog::embedded());
    let g = &c.failure.zone_impairment;
    assert_eq!((g.rate_per_year, g.share), (0.5, 0.4));
    assert_eq!(g.source, "our incident review");
    // Keys not set keep the catalog's values.
    let base = &Catalog::embedded().failure.zone_impairment;
    assert_eq!(
        (g.median_hours, g.mean_hours),
        (base.median_hours, base.mean_hours)
    );
    assert!(Catalog::embedded().sources.contains_key(&base.source));
    for (bad, code) in [
        ("share = 1.5", Code::FractionOutOfRange),
        ("share = -0.1", Code::FractionOutOfRange),
        ("rate_per_year = -1", Code::FailureOverrideOutOfRange),
        (
            "median_hours = 20\nmean_hours = 10",
            Code::FailureOverrideOutOfRange,
        ),
    ] {
        assert_eq!(
            codes(&format!(
                "{WEB}[overrides.failure.zone_impairment]\n{bad}\n"
            )),
            vec![(code, Severity::Error)],
            "{bad}"
        );
    }
}
