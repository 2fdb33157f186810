//! Reservations and Savings Plans already owned (`[[purchase.owned]]`), on a fleet whose
//! price is known by hand: 64 vCPU / 128 GiB of m7i in us-east-1, flat, is 32
//! m7i.large at $0.1008 an hour on demand, bought as 1-year reservations (37% off):
//! $46.35792 per instance-month. A Compute Savings Plan rate is 27% off on demand.
//! Each case checks what the plan uses of an owned entry, what sits idle, the part of
//! the cost it pays, and the purchase list; then every validation error.

mod plan_support;

use faultline::terraform::purchases;
use faultline_models::catalog::Catalog;
use faultline_models::diag::Code;
use faultline_models::plan::{OwnedCapacity, Plan};
use faultline_models::topology;
use rust_decimal::Decimal;

fn plan_of(text: &str) -> Plan {
    plan_support::checked_plan(&plan_support::parse(text), Catalog::embedded())
}

fn topology(owned: &str) -> String {
    topology_of(owned, r#"["m7i"]"#, "")
}

/// One region, the owned entries, `api` allowed `families`, and `extra` services.
fn topology_of(owned: &str, families: &str, extra: &str) -> String {
    format!(
        r#"
version = 1
[system]
name = "owned"
regions = ["us-east-1"]
start = "2026-12"

{owned}

[services.api]
kind = "stateless"
peak_vcpu = 64
peak_memory_gib = 128
families = {families}
{extra}
"#
    )
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// One m7i.large on a 1-year reservation for a month: 0.1008 × (1 − 0.37) × 730.
fn instance_month() -> Decimal {
    d("0.1008") * (Decimal::ONE - d("0.37")) * Decimal::from(730)
}

fn owned(p: &Plan) -> &OwnedCapacity {
    p.owned
        .as_ref()
        .expect("the plan reports owned commitments")
}

fn baseline() -> Plan {
    plan_of(&topology(""))
}

#[test]
fn without_owned_entries_the_plan_has_no_owned_section() {
    let p = baseline();
    assert!(p.owned.is_none());
    assert_eq!(
        p.monthly_usd,
        (instance_month() * Decimal::from(32)).round_dp(2)
    );
}

#[test]
fn an_owned_reservation_is_used_before_buying() {
    let base = baseline();
    let p = plan_of(&topology(
        "[[purchase.owned]]\ntype = \"m7i.large\"\nregion = \"us-east-1\"\ncount = 8\nterm = \"3y\"\n",
    ));
    let o = owned(&p);
    let e = &o.entries[0];
    assert_eq!((e.used, e.idle, e.status()), (d("8"), d("0"), "used"));
    // The planned capacity and its price are unchanged; 8 instances of it are paid.
    assert_eq!(p.monthly_usd, base.monthly_usd);
    let paid = (instance_month() * Decimal::from(8)).round_dp(2);
    assert_eq!(e.monthly_usd, paid);
    assert_eq!(o.monthly_usd, paid);
    assert_eq!(o.new_spend_monthly_usd, base.monthly_usd - paid);
    let covered: Decimal = e.covers.iter().map(|c| c.instances).sum();
    assert_eq!(covered, d("8"));

    // The purchase list buys 24 reservations, not 32, and lists the owned one as used.
    let list = purchases::list(&p);
    let bought: u32 = list.buy.iter().map(|c| c.count).sum();
    assert_eq!(bought, 24);
    assert_eq!(list.owned.len(), 1);
    assert_eq!(list.owned[0].status, "used");
    assert!(purchases::markdown(&list).contains("| 1 | **used** |"));
    let json = purchases::json(&list);
    assert!(json.contains("\"status\": \"used\""), "{json}");
}

#[test]
fn a_reservation_for_a_type_the_plan_does_not_use_sits_idle() {
    let base = baseline();
    let p = plan_of(&topology(
        "[[purchase.owned]]\ntype = \"c7i.large\"\nzone = \"us-east-1a\"\ncount = 2\nterm = \"1y\"\n",
    ));
    let e = &owned(&p).entries[0];
    assert_eq!((e.used, e.idle, e.status()), (d("0"), d("2"), "idle"));
    assert!(e.covers.is_empty());
    assert_eq!(owned(&p).new_spend_monthly_usd, base.monthly_usd);
    let list = purchases::list(&p);
    assert_eq!(list.buy.iter().map(|c| c.count).sum::<u32>(), 32);
    assert_eq!(list.owned[0].status, "idle");
    let text = faultline::render::text::plan::text(&p);
    assert!(
        text.contains("owned #1 reserved-instance c7i.large in us-east-1a"),
        "{text}"
    );
    assert!(
        text.contains(": idle — uses 0 of 2 instances, 2 idle"),
        "{text}"
    );
}

/// Ending six months into the 12-month horizon, it pays half of the months: the
/// instances it covers cost the planned price for the other six, so they stay on
/// the list to buy.
#[test]
fn a_reservation_ending_mid_horizon_pays_for_its_months_only() {
    let p = plan_of(&topology(
        "[[purchase.owned]]\ntype = \"m7i.large\"\nregion = \"us-east-1\"\ncount = 8\nterm = \"3y\"\nends = \"2027-06\"\n",
    ));
    let e = &owned(&p).entries[0];
    assert_eq!(e.months_covered, 6);
    assert_eq!(e.used, d("8"));
    assert_eq!(
        e.monthly_usd,
        (instance_month() * Decimal::from(8) * d("0.5")).round_dp(2)
    );
    let list = purchases::list(&p);
    assert_eq!(list.buy.iter().map(|c| c.count).sum::<u32>(), 32);
}

/// $1/hour of Compute Savings Plan at m7i.large's rate of 0.1008 × 0.73 covers
/// 13.59 instance-hours: worth 730 × 0.63 / 0.73 × $1 = $630.00 a month of the plan.
#[test]
fn a_savings_plan_covers_part_of_the_usage() {
    let p = plan_of(&topology(
        "[[purchase.owned]]\nsavings_plan = \"compute\"\nusd_per_hour = 1.0\nterm = \"1y\"\n",
    ));
    let e = &owned(&p).entries[0];
    assert_eq!((e.used, e.idle), (d("1"), d("0")));
    assert_eq!(e.monthly_usd, d("630.00"));
    let covered: Decimal = e.covers.iter().map(|c| c.instances).sum();
    assert!((covered - d("13.5900")).abs() < d("0.001"), "{covered}");

    // More than the usage: the rest is idle. 32 instances at the rate use $2.354688/h.
    let p = plan_of(&topology(
        "[[purchase.owned]]\nsavings_plan = \"compute\"\nusd_per_hour = 3.0\nterm = \"1y\"\n",
    ));
    let e = &owned(&p).entries[0];
    assert_eq!(e.used, d("2.3547"));
    assert_eq!(e.status(), "partly used");
    assert_eq!(e.monthly_usd, p.monthly_usd);
    assert_eq!(owned(&p).new_spend_monthly_usd, Decimal::ZERO);
}

/// A size-flexible family reservation of 16 normalised units is four larges' worth.
#[test]
fn a_family_reservation_is_size_flexible() {
    let p = plan_of(&topology(
        "[[purchase.owned]]\nfamily = \"m7i\"\nregion = \"us-east-1\"\ncount = 16\nterm = \"1y\"\n",
    ));
    let e = &owned(&p).entries[0];
    assert_eq!((e.unit.as_str(), e.used), ("normalised-units", d("16")));
    assert_eq!(
        e.monthly_usd,
        (instance_month() * Decimal::from(4)).round_dp(2)
    );
}

/// Each invalid entry: its code, the key and the line that writes it.
#[test]
fn every_bad_owned_entry_names_code_key_and_line() {
    let cases: &[(&str, Code, &str, &str)] = &[
        (
            "[[purchase.owned]]\ntype = \"m7i.lrage\"\nregion = \"us-east-1\"\ncount = 1\nterm = \"1y\"",
            Code::UnknownInstanceType,
            "purchase.owned[0].type",
            "m7i.lrage",
        ),
        (
            "[[purchase.owned]]\nfamily = \"m7x\"\nregion = \"us-east-1\"\ncount = 1\nterm = \"1y\"",
            Code::UnknownFamily,
            "purchase.owned[0].family",
            "m7x",
        ),
        (
            "[[purchase.owned]]\ntype = \"m7i.large\"\nregion = \"us-east-9\"\ncount = 1\nterm = \"1y\"",
            Code::UnknownRegion,
            "purchase.owned[0].region",
            "us-east-9",
        ),
        (
            "[[purchase.owned]]\ntype = \"m7i.large\"\nzone = \"us-east-1q\"\ncount = 1\nterm = \"1y\"",
            Code::UnknownZone,
            "purchase.owned[0].zone",
            "us-east-1q",
        ),
        (
            "[[purchase.owned]]\ntype = \"m7i.large\"\nregion = \"us-east-1\"\ncount = 0\nterm = \"1y\"",
            Code::OwnedInvalid,
            "purchase.owned[0].count",
            "count = 0",
        ),
        (
            "[[purchase.owned]]\ntype = \"m7i.large\"\nregion = \"us-east-1\"\ncount = 2\nterm = \"1y\"\nends = \"2026-10\"",
            Code::OwnedEnds,
            "purchase.owned[0].ends",
            "2026-10",
        ),
        (
            "[[purchase.owned]]\ntype = \"m7i.large\"\nregion = \"us-east-1\"\ncount = 2\nterm = \"1y\"\nends = \"2028-06\"",
            Code::OwnedEnds,
            "purchase.owned[0].ends",
            "2028-06",
        ),
        (
            "[[purchase.owned]]\ntype = \"m7i.large\"\nregion = \"us-east-1\"\ncount = 2\nterm = \"1y\"\n[[purchase.owned]]\ntype = \"m7i.large\"\nregion = \"us-east-1\"\ncount = 3\nterm = \"1y\"",
            Code::OwnedDuplicate,
            "purchase.owned[1]",
            "[[purchase.owned]]",
        ),
        (
            "[[purchase.owned]]\nsavings_plan = \"compte\"\nusd_per_hour = 1\nterm = \"1y\"",
            Code::UnknownEnumValue,
            "purchase.owned[0].savings_plan",
            "compte",
        ),
        (
            "[[purchase.owned]]\nsavings_plan = \"compute\"\nusd_per_hour = 1\nterm = \"2y\"",
            Code::UnknownEnumValue,
            "purchase.owned[0].term",
            "2y",
        ),
        (
            "[[purchase.owned]]\nsavings_plan = \"compute\"\nregion = \"us-east-1\"\nusd_per_hour = 1\nterm = \"1y\"",
            Code::OwnedInvalid,
            "purchase.owned[0].region",
            "region",
        ),
        (
            "[[purchase.owned]]\nsavings_plan = \"ec2-instance\"\nfamily = \"m7i\"\nregion = \"us-east-1\"\nusd_per_hour = -1\nterm = \"1y\"",
            Code::NonPositiveMoney,
            "purchase.owned[0].usd_per_hour",
            "usd_per_hour",
        ),
    ];
    for (owned, code, key, on_line) in cases {
        let text = topology(owned);
        let diags = topology::parse(&text, Catalog::embedded())
            .err()
            .unwrap_or_else(|| panic!("accepted: {owned}"));
        let hit = diags
            .iter()
            .find(|x| x.code == *code)
            .unwrap_or_else(|| panic!("{code:?} not among {diags:#?}"));
        assert_eq!(hit.key.as_deref(), Some(*key), "{owned}");
        let span = hit.span.clone().expect("a location");
        let line = text[..span.start].matches('\n').count();
        let written = text.lines().nth(line).unwrap();
        assert!(written.contains(on_line), "{key}: line `{written}`");
    }
    // A did-you-mean for the misspelt type.
    let text = topology(cases[0].0);
    let diags = topology::parse(&text, Catalog::embedded()).err().unwrap();
    let help = diags[0].help.clone().unwrap_or_default();
    assert!(help.contains("m7i.large"), "{help}");
}

#[test]
fn ends_needs_system_start() {
    let text = topology(
        "[[purchase.owned]]\ntype = \"m7i.large\"\nregion = \"us-east-1\"\ncount = 2\nterm = \"1y\"\nends = \"2027-06\"",
    )
    .replace("start = \"2026-12\"\n", "");
    let diags = topology::parse(&text, Catalog::embedded()).err().unwrap();
    let hit = diags
        .iter()
        .find(|x| x.code == Code::PlanStartMissing)
        .unwrap_or_else(|| panic!("{diags:#?}"));
    assert_eq!(hit.key.as_deref(), Some("purchase.owned[0].ends"));

    let text = topology("").replace("2026-12", "2026-13");
    let diags = topology::parse(&text, Catalog::embedded()).err().unwrap();
    assert!(diags
        .iter()
        .any(|x| x.code == Code::PlanStartInvalid && x.key.as_deref() == Some("system.start")));
}

/// An EC2 Instance Savings Plan covers only its family in its region: one for m7i in
/// us-west-2 covers nothing of a fleet in us-east-1; the same in us-east-1 at the
/// 1-year reserved rate (0.1008 × 0.63 an instance-hour) covers $0.635040/h, ten
/// instances, worth ten instance-months.
#[test]
fn an_ec2_instance_savings_plan_covers_its_family_and_region_only() {
    let elsewhere = plan_of(&topology(
        "[[purchase.owned]]\nsavings_plan = \"ec2-instance\"\nfamily = \"m7i\"\nregion = \"us-west-2\"\nusd_per_hour = 0.63504\nterm = \"1y\"\n",
    ));
    assert_eq!(owned(&elsewhere).entries[0].status(), "idle");
    let here = plan_of(&topology(
        "[[purchase.owned]]\nsavings_plan = \"ec2-instance\"\nfamily = \"m7i\"\nregion = \"us-east-1\"\nusd_per_hour = 0.63504\nterm = \"1y\"\n",
    ));
    let e = &owned(&here).entries[0];
    assert_eq!(e.status(), "used");
    let covered: Decimal = e.covers.iter().map(|c| c.instances).sum();
    assert_eq!(covered, d("10"));
    assert_eq!(
        e.monthly_usd,
        (instance_month() * Decimal::from(10)).round_dp(2)
    );
}

// ---------------------------------------------------------------------------
// The optimizer prices owned instances at what is left to pay
// ---------------------------------------------------------------------------

/// `api` as above, allowed m7i and r7i: on its own the plan buys no r7i (an r7i.large
/// has m7i.large's 2 vCPU and twice the memory, at a higher price).
fn mixed(owned: &str, extra: &str) -> String {
    topology_of(owned, r#"["m7i", "r7i"]"#, extra)
}

fn vcpu_of(p: &Plan, service: &str, family: &str) -> u32 {
    p.services[service]
        .instances
        .iter()
        .filter(|l| l.instance_type.starts_with(&format!("{family}.")))
        .map(|l| {
            let t = &Catalog::embedded().instance_types[&l.instance_type];
            t.vcpus * l.count
        })
        .sum()
}

const R7I_8: &str =
    "[[purchase.owned]]\ntype = \"r7i.large\"\nregion = \"us-east-1\"\ncount = 8\nterm = \"3y\"\n";

/// Eight r7i.large paid for the whole horizon cost nothing more: the plan runs them
/// and buys 24 m7i.large for the other 48 vCPU, where a plan blind to them would buy
/// 32 m7i.large and leave them idle.
#[test]
fn an_owned_type_is_used_where_it_costs_nothing_more() {
    let blind = plan_of(&mixed("", ""));
    assert_eq!(vcpu_of(&blind, "api", "r7i"), 0);
    let p = plan_of(&mixed(R7I_8, ""));
    assert_eq!(vcpu_of(&p, "api", "r7i"), 16);
    assert_eq!(vcpu_of(&p, "api", "m7i"), 48);
    let o = owned(&p);
    assert_eq!((o.entries[0].used, o.entries[0].idle), (d("8"), d("0")));
    let new_spend = (instance_month() * Decimal::from(24)).round_dp(2);
    assert!(
        (o.new_spend_monthly_usd - new_spend).abs() <= d("0.02"),
        "{} vs {new_spend}",
        o.new_spend_monthly_usd
    );
    // The solver minimised the new spend, and says which figure it is.
    assert!((p.solve.objective - 24.0 * 46.35792).abs() < 0.05);
    let text = faultline::render::text::plan::text(&p);
    assert!(text.contains("objective (new spend)"), "{text}");
    assert!(
        text.contains("binding owned: #1 in us-east-1: uses at most 32 r7i normalised units"),
        "{text}"
    );
}

/// Paid for one month of the twelve, the rest of an r7i.large's price (11/12 of
/// $0.1323 × 0.63 × 730 = $55.77) is above an m7i.large's $46.36 for the same vCPU:
/// the plan does not switch type for it, and says the entry sits idle.
#[test]
fn an_owned_type_ending_soon_is_not_worth_switching_to() {
    let p = plan_of(&mixed(
        "[[purchase.owned]]\ntype = \"r7i.large\"\nregion = \"us-east-1\"\ncount = 8\nterm = \"3y\"\nends = \"2027-01\"\n",
        "",
    ));
    assert_eq!(vcpu_of(&p, "api", "r7i"), 0);
    assert_eq!(owned(&p).entries[0].status(), "idle");
}

/// A zonal reservation covers its type in its zone only: the plan puts the four
/// r7i.large there.
#[test]
fn a_zonal_reservation_is_used_in_its_zone() {
    let p = plan_of(&mixed(
        "[[purchase.owned]]\ntype = \"r7i.large\"\nzone = \"us-east-1b\"\ncount = 4\nterm = \"1y\"\n",
        "",
    ));
    let lines: Vec<_> = p.services["api"]
        .instances
        .iter()
        .filter(|l| l.instance_type.starts_with("r7i."))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0].zone.as_deref(), Some("us-east-1b"));
    assert_eq!(
        (lines[0].instance_type.as_str(), lines[0].count),
        ("r7i.large", 4)
    );
    assert_eq!(owned(&p).entries[0].used, d("4"));
}

/// Two services could use one entry: it is offered to them in name order, each up
/// to its always-on need, so it is used once and paid once.
#[test]
fn an_entry_two_services_could_use_is_divided_not_doubled() {
    let web = r#"
[services.web]
kind = "stateless"
peak_vcpu = 8
peak_memory_gib = 16
families = ["m7i", "r7i"]
"#;
    let p = plan_of(&mixed(R7I_8, web));
    let r7i = vcpu_of(&p, "api", "r7i") + vcpu_of(&p, "web", "r7i");
    assert_eq!(r7i, 16, "the eight owned instances, once");
    assert_eq!(vcpu_of(&p, "api", "r7i"), 16, "api comes first by name");
    let o = owned(&p);
    assert_eq!((o.entries[0].used, o.entries[0].idle), (d("8"), d("0")));
}

/// A store's members in a region use one type: an owned one where it costs less
/// over the members (two owned r7i.large and one bought cost less than three
/// r6i.large, the cheaper type), with a binding that says so.
#[test]
fn a_store_runs_its_members_on_an_owned_type() {
    let text = |owned: &str| {
        format!(
            r#"
version = 1
[system]
name = "owned"
regions = ["us-east-1"]
start = "2026-12"

{owned}

[services.db]
kind = "quorum"
replicas = 3
replica_vcpu = 2
replica_memory_gib = 16
families = ["r7i", "r6i"]
"#
        )
    };
    let types = |p: &Plan| -> Vec<String> {
        p.services["db"]
            .instances
            .iter()
            .map(|l| l.instance_type.clone())
            .collect()
    };
    let blind = plan_of(&text(""));
    assert!(
        types(&blind).iter().all(|t| t == "r6i.large"),
        "{:?}",
        types(&blind)
    );
    let p = plan_of(&text(
        "[[purchase.owned]]\ntype = \"r7i.large\"\nregion = \"us-east-1\"\ncount = 2\nterm = \"3y\"\n",
    ));
    assert!(
        types(&p).iter().all(|t| t == "r7i.large"),
        "{:?}",
        types(&p)
    );
    assert_eq!(owned(&p).entries[0].used, d("2"));
    let sp = &p.services["db"];
    assert!(
        sp.binding.iter().any(|b| {
            b.detail
            == "#1 covers 2 of 3 members in us-east-1 on r7i.large, priced at what it leaves to pay"
        }),
        "{:#?}",
        sp.binding
    );
}

/// A zonal reservation of the type the plan runs anyway: its instances join that
/// zone's line (one line per place), and it is used in full.
#[test]
fn a_zonal_reservation_of_the_planned_type_joins_its_zone_line() {
    let p = plan_of(&topology(
        "[[purchase.owned]]\ntype = \"m7i.large\"\nzone = \"us-east-1b\"\ncount = 2\nterm = \"3y\"\n",
    ));
    let lines = &p.services["api"].instances;
    let mut places: Vec<_> = lines
        .iter()
        .map(|l| (l.zone.clone(), l.instance_type.clone()))
        .collect();
    places.sort();
    places.dedup();
    assert_eq!(places.len(), lines.len(), "{lines:#?}");
    let e = &owned(&p).entries[0];
    assert_eq!((e.used, e.idle), (d("2"), d("0")));
    assert_eq!(p.monthly_usd, baseline().monthly_usd);
}
