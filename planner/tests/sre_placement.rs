//! Placement rules a reviewer checks, each on a topology small enough that the optimum
//! is known by hand: the catalog's `[offerings]`, the minimum footprint of a tiny
//! demand, and the one RTT (the mean of both directions) every model uses.

mod plan_support;

use std::collections::BTreeMap;

use faultline::optimizer;
use faultline_models::catalog::{Catalog, RegionOfferings};
use faultline_models::deployment::Purchase;
use faultline_models::diag::{Code, Severity};
use faultline_models::plan::Plan;
use faultline_models::topology::{self, Topology};
use plan_support::options;
use rust_decimal::Decimal;

fn plan_of(t: &Topology, c: &Catalog) -> Plan {
    plan_support::checked_plan(t, c)
}

/// (zone, type) → count of a service's lines.
fn lines(plan: &Plan, service: &str) -> BTreeMap<(String, String), u32> {
    let mut out = BTreeMap::new();
    for l in &plan.services[service].instances {
        *out.entry((l.zone.clone().unwrap_or_default(), l.instance_type.clone()))
            .or_default() += l.count;
    }
    out
}

/// The embedded catalog with `offerings` for us-east-1: type → zones.
fn with_offerings(offerings: &[(&str, &[&str])]) -> Catalog {
    let mut c = Catalog::embedded().clone();
    c.offerings.insert(
        "us-east-1".into(),
        RegionOfferings {
            source: c.regions["us-east-1"].source.clone(),
            zones: offerings
                .iter()
                .map(|(t, zs)| (t.to_string(), zs.iter().map(|z| z.to_string()).collect()))
                .collect(),
        },
    );
    c
}

const FLEET: &str = r#"
version = 1
[system]
name = "offerings"
regions = ["us-east-1"]
[system.zones]
us-east-1 = ["us-east-1a", "us-east-1b"]
[services.api]
kind = "stateless"
peak_vcpu = 2
peak_memory_gib = 4
families = ["m7i"]
[services.api.slo]
survive = ["zone"]
"#;

/// Surviving a zone loss with 2 vCPU / 4 GiB needs that much in each of the two zones:
/// one m7i.large (2 vCPU, 8 GiB) in each. When us-east-1b does not offer m7i.large,
/// the cheapest m7i it offers is m7i.xlarge (4 vCPU, twice the price): one m7i.large
/// in us-east-1a and one m7i.xlarge in us-east-1b.
#[test]
fn a_type_goes_only_to_zones_that_offer_it() {
    let plain = Catalog::embedded();
    let t = topology::parse(FLEET, plain).unwrap().topology;
    let p = plan_of(&t, plain);
    let want: BTreeMap<(String, String), u32> = [
        (("us-east-1a".into(), "m7i.large".into()), 1),
        (("us-east-1b".into(), "m7i.large".into()), 1),
    ]
    .into();
    assert_eq!(lines(&p, "api"), want);

    let c = with_offerings(&[("m7i.large", &["us-east-1a"])]);
    let t = topology::parse(FLEET, &c).unwrap().topology;
    let p = plan_of(&t, &c);
    let want: BTreeMap<(String, String), u32> = [
        (("us-east-1a".into(), "m7i.large".into()), 1),
        (("us-east-1b".into(), "m7i.xlarge".into()), 1),
    ]
    .into();
    assert_eq!(lines(&p, "api"), want);
    // Priced by hand: the reserved 1-year rate (37% off) of 0.1008 + 0.2016 $/h.
    let hourly = (Decimal::new(1008, 4) + Decimal::new(2016, 4)) * Decimal::new(63, 2);
    let monthly: Decimal = p.services["api"]
        .instances
        .iter()
        .map(|l| l.monthly_usd)
        .sum();
    // Lines are in cents, apportioned so they add up to the service's total.
    assert_eq!(monthly, (hourly * Decimal::from(730)).round_dp(2));
    assert!(p.services["api"]
        .instances
        .iter()
        .all(|l| l.purchase == Purchase::Reserved1y));
}

/// Without zone survival the fleet is planned per region and spread over the zones;
/// a type offered in one zone only stays there.
#[test]
fn a_regional_fleet_is_spread_only_over_offering_zones() {
    let c = with_offerings(&[("m7i.large", &["us-east-1b"])]);
    let text = FLEET.replace("survive = [\"zone\"]", "survive = []");
    let text = text.replace("peak_vcpu = 2", "peak_vcpu = 4");
    let t = topology::parse(&text, &c).unwrap().topology;
    let p = plan_of(&t, &c);
    for l in &p.services["api"].instances {
        if l.instance_type == "m7i.large" {
            assert_eq!(l.zone.as_deref(), Some("us-east-1b"), "{l:?}");
        }
    }
}

/// A store's members go only to zones offering their type: r7i.large (2 vCPU, 16 GiB)
/// is offered only in us-east-1a, so two members in distinct zones take the cheapest
/// r7i offered in both, r7i.xlarge.
#[test]
fn store_members_use_a_type_offered_in_their_zones() {
    let text = r#"
version = 1
[system]
name = "offerings-store"
regions = ["us-east-1"]
[system.zones]
us-east-1 = ["us-east-1a", "us-east-1b"]
[services.db]
kind = "replicated"
replicas = 2
replica_vcpu = 2
replica_memory_gib = 16
families = ["r7i"]
[services.db.slo]
survive = ["zone"]
"#;
    let c = with_offerings(&[("r7i.large", &["us-east-1a"])]);
    let t = topology::parse(text, &c).unwrap().topology;
    let p = plan_of(&t, &c);
    let want: BTreeMap<(String, String), u32> = [
        (("us-east-1a".into(), "r7i.xlarge".into()), 1),
        (("us-east-1b".into(), "r7i.xlarge".into()), 1),
    ]
    .into();
    assert_eq!(lines(&p, "db"), want);
}

/// A demand of 1e-300 vCPU is a warning, and the plan still runs the service: one
/// instance, or one in each zone when a zone loss must be survived.
#[test]
fn a_negligible_demand_warns_and_still_plans_instances() {
    let c = Catalog::embedded();
    let text = FLEET
        .replace("peak_vcpu = 2", "peak_vcpu = 1e-300")
        .replace("peak_memory_gib = 4", "peak_memory_gib = 1e-300");
    let checked = topology::parse(&text, c).unwrap();
    let w: Vec<_> = checked
        .warnings
        .iter()
        .filter(|d| d.code == Code::NegligibleDemand)
        .collect();
    assert_eq!(w.len(), 1, "{:#?}", checked.warnings);
    assert_eq!(w[0].severity, Severity::Warning);
    assert!(
        w[0].message.contains("at least one instance"),
        "{}",
        w[0].message
    );
    let p = plan_of(&checked.topology, c);
    let want: BTreeMap<(String, String), u32> = [
        (("us-east-1a".into(), "m7i.large".into()), 1),
        (("us-east-1b".into(), "m7i.large".into()), 1),
    ]
    .into();
    assert_eq!(lines(&p, "api"), want);

    let flat = text.replace("survive = [\"zone\"]", "survive = []");
    let t = topology::parse(&flat, c).unwrap().topology;
    let p = plan_of(&t, c);
    let n: u32 = p.services["api"].instances.iter().map(|l| l.count).sum();
    assert_eq!(n, 1);
    assert!(p.monthly_usd > Decimal::ZERO);
}

/// A real demand gets no warning.
#[test]
fn an_ordinary_demand_has_no_footprint_warning() {
    let checked = topology::parse(FLEET, Catalog::embedded()).unwrap();
    assert!(checked
        .warnings
        .iter()
        .all(|d| d.code != Code::NegligibleDemand));
}

/// Three quorum members that survive a region loss sit one per region (us-east-1,
/// us-east-2, us-west-2). After losing us-east-2 the commit takes the us-east-1 ↔
/// us-west-2 round trip. With that pair measured as 60 ms one way and 70 ms the
/// other, the models use the mean, 65 ms: a 66 ms budget is met, a 64 ms one is not
/// (the directed figures would have admitted 64 ms from one end and rejected 66 ms
/// from the other).
#[test]
fn commit_latency_uses_the_mean_of_both_directions() {
    let mut c = Catalog::embedded().clone();
    c.rtt
        .ms
        .get_mut("us-east-1")
        .unwrap()
        .insert("us-west-2".into(), 60.0);
    c.rtt
        .ms
        .get_mut("us-west-2")
        .unwrap()
        .insert("us-east-1".into(), 70.0);
    assert_eq!(c.rtt_ms("us-east-1", "us-west-2"), Some(65.0));
    assert_eq!(c.rtt_ms("us-west-2", "us-east-1"), Some(65.0));
    let other = c.rtt_ms("us-east-2", "us-west-2").unwrap();
    assert!(other < 64.0, "us-east-2 ↔ us-west-2 is {other} ms");
    let text = |budget: &str| {
        format!(
            r#"
version = 1
[system]
name = "rtt"
regions = ["us-east-1", "us-east-2", "us-west-2"]
[services.ledger]
kind = "quorum"
replicas = 3
replica_vcpu = 2
replica_memory_gib = 8
families = ["m7i"]
commit_latency_budget = "{budget}"
[services.ledger.slo]
survive = ["region"]
"#
        )
    };
    let t = topology::parse(&text("66ms"), &c).unwrap().topology;
    let p = plan_of(&t, &c);
    let regions: Vec<&str> = p.services["ledger"]
        .instances
        .iter()
        .map(|l| l.region.as_str())
        .collect();
    assert_eq!(regions, ["us-east-1", "us-east-2", "us-west-2"]);

    let t = topology::parse(&text("64ms"), &c).unwrap().topology;
    let e = optimizer::plan(&t, &c, &options()).expect_err("64 ms is below the mean RTT");
    assert!(e.to_string().contains("ledger"), "{e}");
}

/// `api` may run only in us-west-2 and its hard dependency `db` only in us-east-1,
/// 78.5 ms away, within the call's 80 ms budget: the plan lists the call with the
/// catalog's round trip (the mean of both directions), and says so in a note. The soft
/// dependency in the same region is not listed.
#[test]
fn a_cross_region_hard_call_is_reported_with_its_round_trip() {
    let text = r#"
version = 1
[system]
name = "far"
regions = ["us-east-1", "us-west-2"]
[services.api]
kind = "stateless"
peak_vcpu = 4
peak_memory_gib = 8
families = ["m7i"]
depends_on = { db = { strength = "hard", latency_budget = "80ms" }, cache = "soft" }
[services.db]
kind = "replicated"
replicas = 2
replica_vcpu = 2
replica_memory_gib = 8
families = ["m7i"]
[services.cache]
kind = "stateless"
peak_vcpu = 2
peak_memory_gib = 4
families = ["m7i"]
[constraints.allowed_regions]
api = ["us-west-2"]
cache = ["us-west-2"]
db = ["us-east-1"]
"#;
    let c = Catalog::embedded();
    let t = topology::parse(text, c).unwrap().topology;
    let p = plan_of(&t, c);
    let calls = &p.services["api"].cross_region_calls;
    assert_eq!(calls.len(), 1, "{calls:?}");
    let rtt = c.rtt_ms("us-west-2", "us-east-1");
    assert!(rtt.is_some_and(|x| x > 50.0));
    assert_eq!(calls[0].dependency, "db");
    assert_eq!(calls[0].from_region, "us-west-2");
    assert_eq!(calls[0].to_region, "us-east-1");
    assert_eq!(calls[0].rtt_ms, rtt);
    assert!(p.services["db"].cross_region_calls.is_empty());
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("`api` in us-west-2 calls its hard dependency `db` in us-east-1")),
        "{:?}",
        p.notes
    );

    // Both allowed in us-east-1: nothing crosses regions.
    let near = text.replace("api = [\"us-west-2\"]", "api = [\"us-east-1\"]");
    let t = topology::parse(&near, c).unwrap().topology;
    let p = plan_of(&t, c);
    assert!(p.services["api"].cross_region_calls.is_empty());
}
