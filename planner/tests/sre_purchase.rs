//! The purchase policy (`[purchase]` and a service's `purchase`): each key on a
//! fleet whose price is known by hand. 64 vCPU / 128 GiB of m7i in us-east-1, flat,
//! is 32 m7i.large-equivalents at $0.1008 an hour on demand (the m7i sizes cost the
//! same per vCPU); a 1-year reservation is 37% off, a 3-year one 57%, a 1-year
//! Savings Plan 27% (the embedded catalog's commitment discounts).

mod plan_support;

use faultline_models::catalog::Catalog;
use faultline_models::deployment::Purchase;
use faultline_models::diag::Code;
use faultline_models::plan::Plan;
use faultline_models::topology;
use rust_decimal::Decimal;

fn plan_of(text: &str) -> Plan {
    plan_support::checked_plan(&plan_support::parse(text), Catalog::embedded())
}

fn topology(system: &str, service: &str) -> String {
    format!(
        r#"
version = 1
[system]
name = "purchase"
regions = ["us-east-1"]
{system}
[services.api]
kind = "stateless"
peak_vcpu = 64
peak_memory_gib = 128
families = ["m7i"]
{service}
"#
    )
}

/// Every line bought one way, and the plan's monthly cost.
fn bought(p: &Plan) -> (Vec<Purchase>, Decimal) {
    let api = &p.services["api"];
    let mut ways: Vec<Purchase> = api.instances.iter().map(|l| l.purchase).collect();
    ways.dedup();
    (ways, api.monthly_usd)
}

/// 32 × $0.1008 × 730 h × (1 − discount), in cents as the plan shows it.
fn by_hand(discount: &str) -> Decimal {
    let d: Decimal = discount.parse().unwrap();
    (Decimal::new(1008, 4) * Decimal::from(32 * 730) * (Decimal::ONE - d)).round_dp(2)
}

#[test]
fn without_a_policy_the_cheapest_commitment_is_bought() {
    let (ways, cost) = bought(&plan_of(&topology("", "")));
    assert_eq!(ways, [Purchase::Reserved1y]);
    assert_eq!(cost, by_hand("0.37"));
}

#[test]
fn max_commitment_none_buys_on_demand() {
    let text = topology("[purchase]\nmax_commitment = \"none\"", "");
    let (ways, cost) = bought(&plan_of(&text));
    assert_eq!(ways, [Purchase::OnDemand]);
    assert_eq!(cost, by_hand("0"));
}

/// Over a 36-month horizon a 3-year term is the cheapest; `max_commitment = "1y"`
/// keeps the plan to 1-year terms.
#[test]
fn max_commitment_1y_rules_out_three_year_terms() {
    let long = "horizon_months = 36";
    let (ways, cost) = bought(&plan_of(&topology(long, "")));
    assert_eq!(ways, [Purchase::Reserved3y]);
    assert_eq!(cost, by_hand("0.57"));

    let text = topology(long, "").replace(
        "[services.api]",
        "[purchase]\nmax_commitment = \"1y\"\n[services.api]",
    );
    let (ways, cost) = bought(&plan_of(&text));
    assert_eq!(ways, [Purchase::Reserved1y]);
    assert_eq!(cost, by_hand("0.37"));
}

#[test]
fn allow_limits_the_options_to_those_listed() {
    let text = topology("", "").replace(
        "[services.api]",
        "[purchase]\nallow = [\"on-demand\", \"savings-plan-1y\"]\n[services.api]",
    );
    let (ways, cost) = bought(&plan_of(&text));
    assert_eq!(ways, [Purchase::SavingsPlan1y]);
    assert_eq!(cost, by_hand("0.27"));
}

/// A service's own policy narrows the system's: with spot allowed everywhere and all
/// of `api` on spot permitted, `purchase = { allow = ["on-demand"] }` buys on demand.
#[test]
fn a_service_policy_narrows_the_system_one() {
    let spot = "max_spot_share = 1.0\nbase_on_spot = true";
    let (ways, _) = bought(&plan_of(&topology("", spot)));
    assert!(ways.contains(&Purchase::Spot), "{ways:?}");

    let text = topology(
        "",
        &format!("{spot}\npurchase = {{ allow = [\"on-demand\"] }}"),
    );
    let (ways, cost) = bought(&plan_of(&text));
    assert_eq!(ways, [Purchase::OnDemand]);
    assert_eq!(cost, by_hand("0"));

    // The system's 1-year limit still holds for a service that lists a 3-year term.
    let text = topology(
        "horizon_months = 36",
        "purchase = { allow = [\"on-demand\", \"reserved-3y\"] }",
    )
    .replace(
        "[services.api]",
        "[purchase]\nmax_commitment = \"1y\"\n[services.api]",
    );
    let (ways, _) = bought(&plan_of(&text));
    assert_eq!(ways, [Purchase::OnDemand]);
}

fn errors(text: &str) -> Vec<(Code, String)> {
    match topology::parse(text, Catalog::embedded()) {
        Ok(_) => Vec::new(),
        Err(diags) => diags.into_iter().map(|d| (d.code, d.message)).collect(),
    }
}

#[test]
fn contradictory_policies_are_errors() {
    let no_on_demand = topology("", "").replace(
        "[services.api]",
        "[purchase]\nallow = [\"reserved-1y\"]\n[services.api]",
    );
    let e = errors(&no_on_demand);
    assert!(
        e.iter()
            .any(|(c, m)| *c == Code::PurchasePolicyConflict && m.contains("on-demand")),
        "{e:?}"
    );

    let too_long = topology(
        "",
        "purchase = { allow = [\"on-demand\", \"reserved-3y\"], max_commitment = \"1y\" }",
    );
    let e = errors(&too_long);
    assert!(
        e.iter()
            .any(|(c, m)| *c == Code::PurchasePolicyConflict && m.contains("reserved-3y")),
        "{e:?}"
    );

    let bad_word = topology("", "purchase = { max_commitment = \"2y\" }");
    let e = errors(&bad_word);
    assert!(e.iter().any(|(c, _)| *c == Code::UnknownEnumValue), "{e:?}");
}
