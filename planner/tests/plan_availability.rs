//! Availability escalation: a service's figure counts everything it depends on, soft
//! dependencies included (a soft dependency's outage leaves it degraded, not up), so
//! the optimizer must be able to make a soft dependency more resilient, and should
//! pick the service whose own failures cost the most.

mod plan_support;

use faultline_models::catalog::Catalog;
use faultline_models::plan::Constraint;

/// A small fleet that soft-depends on a store with no target of its own. A region
/// outage in us-east-1 (0.4 a year × 10 h, 240 min) alone costs more than the fleet's
/// 0.9999 allows (53 min); one in us-west-2 (0.05 × 10 h, 30 min) does not. Only moving
/// the store out of us-east-1 as well as the fleet meets the target (both in us-west-2:
/// about 0.99994), and no region needs to be survived.
const TOPOLOGY: &str = r#"
version = 1

[system]
name = "soft-dependency"
regions = ["us-east-1", "us-west-2"]
home_region = "us-east-1"

[system.zones]
us-east-1 = ["us-east-1a", "us-east-1b"]
us-west-2 = ["us-west-2a", "us-west-2b"]

[services.api]
kind = "stateless"
peak_vcpu = 4
peak_memory_gib = 8
families = ["m7i"]

[services.api.depends_on]
cache = "soft"

[services.api.slo]
availability = 0.9999
survive = ["zone"]

[services.cache]
kind = "replicated"
replicas = 2
replica_vcpu = 2
replica_memory_gib = 8
families = ["r7i"]

[services.cache.slo]
survive = ["zone"]
"#;

#[test]
fn a_soft_dependency_is_moved_to_meet_a_target() {
    let plan = plan_support::checked_plan(&plan_support::parse(TOPOLOGY), Catalog::embedded());

    let api = plan.services["api"]
        .availability
        .as_ref()
        .expect("assessed");
    assert_eq!(api.source, "failure-model");
    assert!(api.computed >= 0.9999, "api: {}", api.computed);
    for name in ["api", "cache"] {
        let sp = &plan.services[name];
        assert!(
            sp.instances.iter().all(|l| l.region != "us-east-1"),
            "{name} stays in us-east-1: {:#?}",
            sp.instances
        );
        // Leaving us-east-1 is enough: nothing has to run in two regions.
        assert_eq!(sp.deployment.dr.to_string(), "none", "{name}");
    }
    // The step was taken on the store, for the fleet's target.
    assert!(
        plan.services["cache"]
            .binding
            .iter()
            .any(|b| b.constraint == Constraint::Availability && b.detail.contains("service `api`")),
        "{:#?}",
        plan.services["cache"].binding
    );
}

/// A store left to choose its consistency, whose members may share a zone: surviving a
/// zone loss, asynchronous replicas put the primary and one replica in one zone and
/// ship the writes across zones once (2,000 GB a day), a quorum needs a member in each
/// of three zones and ships them twice, so the asynchronous design is the cheaper. Its
/// ten-minute failover window leaves it below 0.99993, which the quorum's seconds-long
/// leader election meets: for that target the optimizer takes the quorum.
fn auto_store(target: &str) -> String {
    format!(
        r#"
version = 1

[system]
name = "auto-store"
regions = ["us-east-2"]

[services.db]
kind = "replicated"
consistency = "auto"
replicas = 3
replica_vcpu = 4
replica_memory_gib = 32
write_gb_per_day = 2000
replication_lag = "1s"
failover = "10m"
anti_affinity = "none"
families = ["r7i", "r6i"]

[services.db.slo]
availability = {target}
survive = ["zone"]
"#
    )
}

#[test]
fn an_auto_store_takes_the_quorum_when_async_misses_its_target() {
    use faultline_models::topology::Consistency;
    let c = Catalog::embedded();
    let loose = plan_support::checked_plan(&plan_support::parse(&auto_store("0.999")), c);
    let tight = plan_support::checked_plan(&plan_support::parse(&auto_store("0.99993")), c);
    let (a, q) = (&loose.services["db"], &tight.services["db"]);
    assert_eq!(a.consistency, Consistency::Eventual);
    assert_eq!(q.consistency, Consistency::Strong);
    assert!(
        a.monthly_usd < q.monthly_usd,
        "{} >= {}",
        a.monthly_usd,
        q.monthly_usd
    );
    let got = |sp: &faultline_models::plan::ServicePlan| sp.availability.as_ref().unwrap().computed;
    assert!(got(a) < 0.99993, "async reaches {}", got(a));
    assert!(got(q) >= 0.99993, "the quorum reaches {}", got(q));
    assert!(
        q.binding
            .iter()
            .any(|b| b.constraint == Constraint::Availability
                && b.detail
                    .contains("takes a quorum instead of asynchronous replicas")),
        "{:#?}",
        q.binding
    );
    assert!(
        q.binding
            .iter()
            .any(|b| b.constraint == Constraint::Consistency && b.detail.contains("target missed")),
        "{:#?}",
        q.binding
    );
}
