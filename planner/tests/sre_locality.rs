//! Where calls and users are served from, each rule on a topology small enough that
//! the optimum is known by hand: it is the plan of a simpler topology (one region
//! forced, or each region's share planned on its own), planned independently.

mod plan_support;

use std::collections::{BTreeMap, BTreeSet};

use faultline::optimizer;
use faultline_models::catalog::Catalog;
use faultline_models::diag::Code;
use faultline_models::plan::{Constraint, Plan};
use plan_support::{checked_plan, options, parse};
use rust_decimal::Decimal;

fn plan(text: &str) -> Plan {
    checked_plan(&parse(text), Catalog::embedded())
}

fn regions(p: &Plan, service: &str) -> BTreeSet<String> {
    p.services[service]
        .instances
        .iter()
        .map(|l| l.region.clone())
        .collect()
}

fn cost(p: &Plan, service: &str) -> Decimal {
    p.services[service].monthly_usd
}

/// `api` (8 vCPU / 16 GiB) in us-east-1 or eu-west-1, with `rest` after it.
fn api_with(name: &str, rest: &str) -> String {
    format!(
        r#"
version = 1
[system]
name = "{name}"
regions = ["us-east-1", "eu-west-1"]
[services.api]
kind = "stateless"
peak_vcpu = 8
peak_memory_gib = 16
families = ["m7i"]
{rest}
"#
    )
}

/// `db` may run only in eu-west-1 (dearer than us-east-1); `api` in either.
fn api_db(budget: Option<&str>) -> String {
    let dep = match budget {
        None => "db = \"hard\"".to_string(),
        Some(b) => format!("db = {{ strength = \"hard\", latency_budget = \"{b}\" }}"),
    };
    api_with(
        "near",
        &format!(
            r#"[services.api.depends_on]
{dep}
[services.db]
kind = "replicated"
replicas = 2
replica_vcpu = 2
replica_memory_gib = 8
families = ["m7i"]
[constraints.allowed_regions]
db = ["eu-west-1"]"#
        ),
    )
}

/// `api` alone (no dependency), in the regions given.
fn api_alone(regions: &str) -> String {
    api_with(
        "alone",
        &format!("[constraints.allowed_regions]\napi = {regions}"),
    )
}

/// Without a budget, `api` serves where `db` answers (eu-west-1), at the price of
/// `api` planned alone there, though on its own it would pick us-east-1.
#[test]
fn a_hard_dependency_keeps_its_caller_in_its_region() {
    let free = plan(&api_alone("[\"us-east-1\", \"eu-west-1\"]"));
    assert_eq!(
        regions(&free, "api"),
        BTreeSet::from(["us-east-1".to_string()])
    );
    let forced = plan(&api_alone("[\"eu-west-1\"]"));
    assert!(cost(&forced, "api") > cost(&free, "api"));

    let p = plan(&api_db(None));
    assert_eq!(
        regions(&p, "api"),
        BTreeSet::from(["eu-west-1".to_string()])
    );
    assert_eq!(cost(&p, "api"), cost(&forced, "api"));
    assert!(p.services["api"].cross_region_calls.is_empty());
    assert!(
        p.services["api"]
            .binding
            .iter()
            .any(|b| b.constraint == Constraint::Locality
                && b.detail.contains("serves only from eu-west-1")),
        "{:?}",
        p.services["api"].binding
    );
}

/// us-east-1 and eu-west-1 are 75.5 ms apart (the mean of 75 and 76): a budget of
/// 80 ms lets `api` serve from us-east-1 at its own optimum, and the plan reports the
/// 75.5 ms each call adds; 50 ms does not.
#[test]
fn a_latency_budget_lets_the_caller_serve_from_a_cheaper_region() {
    let c = Catalog::embedded();
    let rtt = c.rtt_ms("us-east-1", "eu-west-1").unwrap();
    assert!((rtt - 75.5).abs() < 1e-9, "{rtt}");
    let free = plan(&api_alone("[\"us-east-1\", \"eu-west-1\"]"));

    let p = plan(&api_db(Some("80ms")));
    assert_eq!(
        regions(&p, "api"),
        BTreeSet::from(["us-east-1".to_string()])
    );
    assert_eq!(cost(&p, "api"), cost(&free, "api"));
    let calls = &p.services["api"].cross_region_calls;
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].dependency, "db");
    assert_eq!(calls[0].from_region, "us-east-1");
    assert_eq!(calls[0].to_region, "eu-west-1");
    assert_eq!(calls[0].rtt_ms, Some(rtt));

    let p = plan(&api_db(Some("50ms")));
    assert_eq!(
        regions(&p, "api"),
        BTreeSet::from(["eu-west-1".to_string()])
    );
    assert!(p.services["api"].cross_region_calls.is_empty());
}

/// `api` may run only in us-west-2 and `db` only in us-east-1: no region is near
/// enough, and the conflict names the dependency's key.
#[test]
fn no_region_near_enough_is_a_conflict_naming_the_dependency() {
    let text = api_db(None)
        .replace(
            "regions = [\"us-east-1\", \"eu-west-1\"]",
            "regions = [\"us-east-1\", \"us-west-2\"]",
        )
        .replace(
            "db = [\"eu-west-1\"]",
            "db = [\"us-east-1\"]\napi = [\"us-west-2\"]",
        );
    let t = parse(&text);
    let err = optimizer::plan(&t, Catalog::embedded(), &options()).unwrap_err();
    let c = err
        .conflicts
        .iter()
        .find(|c| c.service.as_deref() == Some("api"))
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(c.code, Code::NoPlan);
    assert!(
        c.message.contains("`db` answers in us-east-1"),
        "{}",
        c.message
    );
    assert!(
        c.keys.iter().any(|k| k == "services.api.depends_on.db"),
        "{:?}",
        c.keys
    );
    // The budget the message suggests makes it plan: us-west-2 is 78.5 ms away.
    let ok = text.replace(
        "db = \"hard\"",
        "db = { strength = \"hard\", latency_budget = \"80ms\" }",
    );
    let p = plan(&ok);
    assert_eq!(
        regions(&p, "api"),
        BTreeSet::from(["us-west-2".to_string()])
    );
}

/// A fleet of `vcpu` / `2 × vcpu` GiB with users as given (or one region forced).
fn edge(vcpu: u32, users: &str, budget: Option<&str>, survive: &str, regions: &str) -> String {
    let budget = budget.map_or(String::new(), |b| {
        format!("client_latency_budget = \"{b}\"")
    });
    let users = if users.is_empty() {
        String::new()
    } else {
        format!("users = {{ {users} }}")
    };
    format!(
        r#"
version = 1
[system]
name = "edge"
regions = {regions}
[services.edge]
kind = "stateless"
peak_vcpu = {vcpu}
peak_memory_gib = {}
families = ["m7i"]
max_instance_share = 1
{users}
{budget}
[services.edge.slo]
survive = [{survive}]
"#,
        vcpu * 2
    )
}

const TWO: &str = "[\"us-east-1\", \"eu-west-1\"]";

/// Half the users near us-east-1 and half near eu-west-1, each served in its own
/// region: the plan is the two halves planned on their own, one in each region.
#[test]
fn users_are_served_from_their_own_regions_each_sized_for_its_share() {
    let users = "\"us-east-1\" = 0.5, \"eu-west-1\" = 0.5";
    for survive in ["", "\"zone\""] {
        let p = plan(&edge(12, users, None, survive, TWO));
        assert_eq!(regions(&p, "edge").len(), 2, "{survive}");
        let east = plan(&edge(6, "", None, survive, "[\"us-east-1\"]"));
        let west = plan(&edge(6, "", None, survive, "[\"eu-west-1\"]"));
        assert_eq!(
            cost(&p, "edge"),
            cost(&east, "edge") + cost(&west, "edge"),
            "survive [{survive}]"
        );
        let by = &p.services["edge"].cost.by_region;
        assert_eq!(by["us-east-1"], cost(&east, "edge"));
        assert_eq!(by["eu-west-1"], cost(&west, "edge"));
        assert!(
            p.services["edge"]
                .binding
                .iter()
                .any(|b| b.detail.contains("(50% of users)")),
            "{:?}",
            p.services["edge"].binding
        );
    }
}

/// Shares of 0.75 and 0.25 surviving a zone loss: each region's zone-loss rows are at
/// its own share.
#[test]
fn each_region_survives_its_zone_losses_at_its_own_share() {
    let users = "\"us-east-1\" = 0.75, \"eu-west-1\" = 0.25";
    let p = plan(&edge(16, users, None, "\"zone\"", TWO));
    let east = plan(&edge(12, "", None, "\"zone\"", "[\"us-east-1\"]"));
    let west = plan(&edge(4, "", None, "\"zone\"", "[\"eu-west-1\"]"));
    assert_eq!(cost(&p, "edge"), cost(&east, "edge") + cost(&west, "edge"));
}

/// With an 80 ms budget us-east-1 serves both shares (eu-west-1 is 75.5 ms away), as
/// one fleet of the whole demand there; with 70 ms it cannot.
#[test]
fn a_client_budget_lets_one_region_serve_nearby_users() {
    let users = "\"us-east-1\" = 0.5, \"eu-west-1\" = 0.5";
    let p = plan(&edge(12, users, Some("80ms"), "", TWO));
    let whole = plan(&edge(12, "", None, "", "[\"us-east-1\"]"));
    assert_eq!(
        regions(&p, "edge"),
        BTreeSet::from(["us-east-1".to_string()])
    );
    assert_eq!(cost(&p, "edge"), cost(&whole, "edge"));
    let p = plan(&edge(12, users, Some("70ms"), "", TWO));
    assert_eq!(regions(&p, "edge").len(), 2);
}

/// Users near us-east-1 and us-east-2 (17 ms apart) with a 20 ms budget, surviving a
/// region loss: after either region's loss the other serves everyone, so each region
/// holds the whole demand; that is the whole fleet planned in each region on its own.
#[test]
fn users_surviving_a_region_loss_fail_over_to_the_next_nearest_region() {
    let users = "\"us-east-1\" = 0.5, \"us-east-2\" = 0.5";
    let three = "[\"us-east-1\", \"us-east-2\", \"eu-west-1\"]";
    let p = plan(&edge(12, users, Some("20ms"), "\"region\"", three));
    assert_eq!(
        regions(&p, "edge"),
        BTreeSet::from(["us-east-1".to_string(), "us-east-2".to_string()])
    );
    let one = |r: &str| plan(&edge(12, "", None, "", &format!("[\"{r}\"]")));
    assert_eq!(
        cost(&p, "edge"),
        cost(&one("us-east-1"), "edge") + cost(&one("us-east-2"), "edge")
    );
    // No set of these regions keeps users near eu-west-1 within 20 ms after a loss.
    let far = "\"us-east-1\" = 0.5, \"eu-west-1\" = 0.5";
    let t = parse(&edge(12, far, Some("20ms"), "\"region\"", three));
    let err = optimizer::plan(&t, Catalog::embedded(), &options()).unwrap_err();
    assert!(
        err.conflicts.iter().any(|c| c.code == Code::NoPlan
            && c.keys
                .iter()
                .any(|k| k == "services.edge.client_latency_budget")),
        "{err}"
    );
}

/// The routing the optimizer and the checker share: the nearest serving region, then
/// the nearest left after a loss.
#[test]
fn users_go_to_the_nearest_serving_region_and_then_to_the_next() {
    let t = parse(&edge(
        12,
        "\"us-east-1\" = 0.5, \"us-east-2\" = 0.3, \"eu-west-1\" = 0.2",
        Some("110ms"),
        "",
        "[\"us-east-1\", \"us-east-2\", \"eu-west-1\"]",
    ));
    let f = t.services["edge"].fleet().unwrap();
    let serving: BTreeSet<String> = ["us-east-2".to_string(), "eu-west-1".to_string()].into();
    let r = faultline_models::locality::route(Catalog::embedded(), f, &serving, true).unwrap();
    let want: BTreeMap<String, f64> = [
        ("eu-west-1".to_string(), 0.2),
        ("us-east-2".to_string(), 0.8),
    ]
    .into();
    assert_eq!(r.normal, want);
    // Losing us-east-2 sends its 0.8 to eu-west-1 (us-east-1's users are 75.5 ms away,
    // us-east-2's 102 ms): within 110 ms. Losing eu-west-1 sends its users to us-east-2.
    let back = &r.after_loss["eu-west-1"];
    assert!((back["us-east-2"] - 1.0).abs() < 1e-12, "{back:?}");
    // At 100 ms eu-west-1's users cannot fail over to us-east-2.
    let t100 = parse(&edge(
        12,
        "\"us-east-1\" = 0.5, \"us-east-2\" = 0.3, \"eu-west-1\" = 0.2",
        Some("100ms"),
        "",
        "[\"us-east-1\", \"us-east-2\", \"eu-west-1\"]",
    ));
    let f100 = t100.services["edge"].fleet().unwrap();
    let e =
        faultline_models::locality::route(Catalog::embedded(), f100, &serving, true).unwrap_err();
    assert!(e.contains("after a loss of eu-west-1"), "{e}");
    let after = &r.after_loss["us-east-2"];
    assert!((after["eu-west-1"] - 1.0).abs() < 1e-12, "{after:?}");
}

/// The table form of a dependency is checked key by key, with the short form's codes.
#[test]
fn dependency_tables_and_client_budgets_are_validated_with_their_keys() {
    let base = api_db(None);
    let cases = [
        (
            "db = { strength = \"firm\" }",
            Code::UnknownEnumValue,
            "services.api.depends_on.db.strength",
        ),
        (
            "db = { strength = \"hard\", latency_budget = \"soon\" }",
            Code::InvalidDuration,
            "services.api.depends_on.db.latency_budget",
        ),
        (
            "db = { strength = \"hard\", latency_budget = \"11s\" }",
            Code::LatencyBudgetMisplaced,
            "services.api.depends_on.db.latency_budget",
        ),
    ];
    for (dep, code, key) in cases {
        let text = base.replace("db = \"hard\"", dep);
        let diags = faultline_models::topology::parse(&text, Catalog::embedded())
            .err()
            .unwrap_or_else(|| panic!("{dep} validated"));
        assert!(
            diags
                .iter()
                .any(|d| d.code == code && d.key.as_deref() == Some(key)),
            "{dep}: {diags:#?}"
        );
    }
    let text = base.replace(
        "db = \"hard\"",
        "db = { strength = \"hard\", budget = \"5ms\" }",
    );
    assert!(faultline_models::topology::parse(&text, Catalog::embedded()).is_err());

    let lone = edge(12, "", Some("80ms"), "", TWO);
    let diags = faultline_models::topology::parse(&lone, Catalog::embedded()).unwrap_err();
    assert!(
        diags.iter().any(|d| d.code == Code::LatencyBudgetMisplaced
            && d.key.as_deref() == Some("services.edge.client_latency_budget")),
        "{diags:#?}"
    );
    let unknown = edge(12, "\"us-east-9\" = 1.0", None, "", TWO);
    let diags = faultline_models::topology::parse(&unknown, Catalog::embedded()).unwrap_err();
    assert!(
        diags.iter().any(|d| d.code == Code::UnknownRegion
            && d.key.as_deref() == Some("services.edge.users.us-east-9")),
        "{diags:#?}"
    );
}
