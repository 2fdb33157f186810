//! Shapes a reviewer would reject, ruled out by default and each checked on a topology
//! whose optimum is known by hand: store members sharing a zone (anti-affinity), a
//! majority in one region, a store with no active-active recovery spread over two
//! regions, one instance carrying much of a fleet (blast radius), and the always-on
//! base on spot.

mod plan_support;

use std::collections::BTreeMap;

use faultline::optimizer;
use faultline_models::catalog::Catalog;
use faultline_models::deployment::Purchase;
use faultline_models::plan::{Constraint, Layer, Plan};
use faultline_models::topology::Topology;
use plan_support::{options, parse};

fn plan_of(t: &Topology) -> Plan {
    plan_support::checked_plan(t, Catalog::embedded())
}

/// Members per (region, zone).
fn members(plan: &Plan, service: &str) -> BTreeMap<(String, String), u32> {
    let mut out = BTreeMap::new();
    for l in &plan.services[service].instances {
        *out.entry((l.region.clone(), l.zone.clone().unwrap_or_default()))
            .or_default() += l.count;
    }
    out
}

fn store(extra: &str, regions: &str, survive: &str) -> String {
    format!(
        r#"
version = 1
[system]
name = "anti-affinity"
regions = [{regions}]
[system.zones]
us-east-1 = ["us-east-1a", "us-east-1b", "us-east-1c"]
[services.db]
kind = "quorum"
replicas = 3
replica_vcpu = 2
replica_memory_gib = 8
write_gb_per_day = 100
families = ["m7i"]
{extra}
[services.db.slo]
survive = [{survive}]
"#
    )
}

/// Three quorum members that need survive nothing: with `anti_affinity = "none"` the
/// cheapest placement has all three in one zone (no inter-AZ replication traffic);
/// by default they take the three zones of us-east-1, one each.
#[test]
fn quorum_members_sit_in_distinct_zones_by_default() {
    let shared = plan_of(&parse(&store(
        "anti_affinity = \"none\"",
        "\"us-east-1\"",
        "",
    )));
    let m = members(&shared, "db");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m.values().sum::<u32>(), 3);
    assert!(shared.services["db"]
        .binding
        .iter()
        .any(|b| b.constraint == Constraint::AntiAffinity && b.detail.contains("share a zone")));

    let apart = plan_of(&parse(&store("", "\"us-east-1\"", "")));
    let m = members(&apart, "db");
    let zones: Vec<&str> = m.keys().map(|(_, z)| z.as_str()).collect();
    assert_eq!(zones, ["us-east-1a", "us-east-1b", "us-east-1c"]);
    assert!(m.values().all(|c| *c == 1));
    assert!(apart.services["db"]
        .binding
        .iter()
        .any(|b| b.constraint == Constraint::AntiAffinity && b.detail.contains("distinct zones")));
    // The shared placement is the cheaper one: anti-affinity costs the transfer.
    assert!(shared.monthly_usd < apart.monthly_usd);
}

/// Five members surviving a zone loss need five zones with anti-affinity; us-east-1
/// has three here, so there is no plan, and the explanation names the key to change.
/// Without anti-affinity 2 + 2 + 1 over the three zones is the known placement.
#[test]
fn too_few_zones_for_anti_affinity_is_explained() {
    let text = store("", "\"us-east-1\"", "\"zone\"").replace("replicas = 3", "replicas = 5");
    let e = optimizer::plan(&parse(&text), Catalog::embedded(), &options())
        .expect_err("five members, three zones");
    let msg = e.to_string();
    assert!(msg.contains("anti_affinity"), "{msg}");

    let text = store("anti_affinity = \"none\"", "\"us-east-1\"", "\"zone\"")
        .replace("replicas = 3", "replicas = 5");
    let m = members(&plan_of(&parse(&text)), "db");
    let mut counts: Vec<u32> = m.values().copied().collect();
    counts.sort_unstable();
    assert_eq!(counts, [1, 2, 2]);
}

/// A primary with two replicas surviving a region loss needs one member left to
/// promote, which two members in one region would allow; anti-affinity forbids a
/// majority (two of three) in one region, so the three sit in three regions.
#[test]
fn no_region_holds_a_majority_when_a_region_loss_is_survived() {
    let regions = "\"us-east-1\", \"us-east-2\", \"us-west-2\"";
    let text = store("", regions, "\"zone\", \"region\"")
        .replace("kind = \"quorum\"", "kind = \"replicated\"");
    let p = plan_of(&parse(&text));
    let mut by_region: BTreeMap<String, u32> = BTreeMap::new();
    for ((r, _), c) in members(&p, "db") {
        *by_region.entry(r).or_default() += c;
    }
    assert_eq!(by_region.len(), 3, "{by_region:?}");
    assert!(by_region.values().all(|c| *c == 1));

    let shared = text.replace(
        "families = [\"m7i\"]",
        "families = [\"m7i\"]\nanti_affinity = \"none\"",
    );
    let p = plan_of(&parse(&shared));
    let regions: std::collections::BTreeSet<String> =
        members(&p, "db").keys().map(|(r, _)| r.clone()).collect();
    assert_eq!(
        regions.len(),
        2,
        "two regions suffice without anti-affinity"
    );
}

/// A two-member store that survives a zone loss and has no region target: us-east-1
/// is restricted to one zone, so the members cannot both be there; rather than one in
/// us-east-1 and one in us-east-2 (two regions under `dr = none`), both go to
/// us-east-2's two zones.
#[test]
fn a_store_without_region_recovery_stays_in_one_region() {
    let text = r#"
version = 1
[system]
name = "one-region"
regions = ["us-east-1", "us-east-2"]
[system.zones]
us-east-1 = ["us-east-1a"]
us-east-2 = ["us-east-2a", "us-east-2b"]
[services.db]
kind = "replicated"
replicas = 2
replica_vcpu = 2
replica_memory_gib = 8
families = ["m7i"]
[services.db.slo]
survive = ["zone"]
"#;
    let p = plan_of(&parse(text));
    let m = members(&p, "db");
    let want: BTreeMap<(String, String), u32> = [
        (("us-east-2".into(), "us-east-2a".into()), 1),
        (("us-east-2".into(), "us-east-2b".into()), 1),
    ]
    .into();
    assert_eq!(m, want);
    assert_eq!(p.services["db"].deployment.dr.to_string(), "none");
}

fn fleet(extra: &str) -> String {
    format!(
        r#"
version = 1
[system]
name = "blast-radius"
regions = ["us-east-1"]
[services.api]
kind = "stateless"
peak_vcpu = 64
peak_memory_gib = 128
families = ["m7i"]
{extra}
"#
    )
}

/// 64 vCPU of m7i, whose sizes cost the same per vCPU: with `max_instance_share =
/// 0.1` no instance may have more than 6.4 vCPU, so the plan is 16 × m7i.xlarge
/// (4 vCPU; consolidated from 32 × m7i.large at the same price) and costs exactly 64
/// vCPU of m7i.large's rate; the binding states the cap.
#[test]
fn no_instance_carries_more_than_its_share() {
    let p = plan_of(&parse(&fleet("max_instance_share = 0.1")));
    let c = Catalog::embedded();
    let api = &p.services["api"];
    let mut vcpu = 0;
    for l in &api.instances {
        let t = &c.instance_types[&l.instance_type];
        assert!(t.vcpus <= 4, "{l:?}");
        vcpu += t.vcpus * l.count;
    }
    assert_eq!(vcpu, 64);
    let large = p.services["api"].instances[0].usd_per_hour
        / rust_decimal::Decimal::from(c.instance_types[&api.instances[0].instance_type].vcpus)
        * rust_decimal::Decimal::from(64)
        * rust_decimal::Decimal::from(730);
    let large = large.round_dp(2);
    assert_eq!(
        api.instances
            .iter()
            .map(|l| l.monthly_usd)
            .sum::<rust_decimal::Decimal>(),
        large
    );
    assert!(api
        .binding
        .iter()
        .any(|b| b.constraint == Constraint::BlastRadius && b.detail.contains("6.4 vCPU")));

    // The default quarter: nothing above 16 vCPU.
    let p = plan_of(&parse(&fleet("")));
    for l in &p.services["api"].instances {
        assert!(c.instance_types[&l.instance_type].vcpus <= 16, "{l:?}");
    }
}

/// A fleet of 3 vCPU cannot be split into four instances of the 2-vCPU types: it is
/// exempt and plans as before (two m7i.large).
#[test]
fn a_fleet_too_small_to_split_is_exempt() {
    let text = fleet("")
        .replace("peak_vcpu = 64", "peak_vcpu = 3")
        .replace("peak_memory_gib = 128", "peak_memory_gib = 6");
    let p = plan_of(&parse(&text));
    let n: u32 = p.services["api"].instances.iter().map(|l| l.count).sum();
    assert_eq!(n, 2, "{:?}", p.services["api"].instances);
}

/// With every hour at the peak there is only a base layer; `max_spot_share = 1`
/// alone buys no spot, `base_on_spot = true` does (spot is the cheapest way to buy
/// m7i in us-east-1).
#[test]
fn the_base_layer_is_not_on_spot_unless_allowed() {
    let p = plan_of(&parse(&fleet("max_spot_share = 1.0")));
    assert!(p.services["api"]
        .instances
        .iter()
        .all(|l| l.purchase != Purchase::Spot && l.layer == Layer::Base));

    let p = plan_of(&parse(&fleet("max_spot_share = 1.0\nbase_on_spot = true")));
    assert!(p.services["api"]
        .instances
        .iter()
        .any(|l| l.purchase == Purchase::Spot && l.layer == Layer::Base));
}

/// Surviving a zone loss with a business-hours profile, the autoscaled layer may not
/// sit in one zone: each zone's share of it is within one instance of an even split.
#[test]
fn the_autoscaled_layer_is_spread_over_zones() {
    let text = fleet("profile = \"business-hours\"\n[services.api.slo]\nsurvive = [\"zone\"]");
    let p = plan_of(&parse(&text));
    let c = Catalog::embedded();
    let mut by_zone: BTreeMap<String, u32> = BTreeMap::new();
    let mut largest = 0;
    for l in p.services["api"]
        .instances
        .iter()
        .filter(|l| l.layer == Layer::Peak)
    {
        let v = c.instance_types[&l.instance_type].vcpus;
        largest = largest.max(v);
        *by_zone.entry(l.zone.clone().unwrap()).or_default() += v * l.count;
    }
    assert!(!by_zone.is_empty(), "the profile has an autoscaled layer");
    let total: u32 = by_zone.values().sum();
    let zones = 3.0;
    for (z, v) in &by_zone {
        assert!(
            f64::from(*v) <= f64::from(total) / zones + f64::from(largest) + 1e-9,
            "{z}: {v} of {total} vCPU"
        );
    }
}
