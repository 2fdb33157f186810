//! The cost model against hand-computed figures: negotiated discounts reach transfer,
//! private rates replace list prices, and commitments are amortised over the horizon.

use std::str::FromStr;

use faultline_models::catalog::Catalog;
use faultline_models::cost::{region_recovery, Pricing, Tier, HOURS_PER_MONTH};
use faultline_models::deployment::{DrPattern, Purchase};
use faultline_models::topology;
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

const TOPOLOGY: &str = r#"version = 1
[system]
name = "t"
regions = ["us-east-1", "us-west-2"]
horizon_months = 12
[services.web]
kind = "stateless"
peak_vcpu = 4
peak_memory_gib = 8
[overrides.prices]
discount = 0.1
[overrides.prices.on_demand.us-east-1]
"m5.large" = 0.05
"#;

#[test]
fn discounts_private_rates_and_amortisation() {
    let c = Catalog::embedded();
    let t = topology::parse(TOPOLOGY, c).unwrap().topology;
    let eff = t.effective_catalog(c);
    let p = Pricing::new(&t, &eff);
    // A private rate replaces the list price and is not discounted again.
    assert_eq!(
        p.hourly("us-east-1", "m5.large", Purchase::OnDemand),
        Some(d("0.05"))
    );
    // Other prices are 10% off.
    let list = c.on_demand_price("us-west-2", "m5.large").unwrap();
    assert_eq!(
        p.hourly("us-west-2", "m5.large", Purchase::OnDemand),
        Some(list * d("0.9"))
    );
    // Transfer is discounted too.
    assert_eq!(p.inter_az_usd_per_gb(), d("0.018"));
    // A 3-year term on a 12-month horizon pays three years in one.
    let r3 = p
        .hourly("us-east-1", "m5.large", Purchase::Reserved3y)
        .unwrap();
    assert_eq!(
        r3,
        d("0.05") * (Decimal::ONE - c.commitments.reserved_3y) * d("3")
    );
    let month = p
        .monthly("us-east-1", "m5.large", Purchase::OnDemand, 3, d("0.5"))
        .unwrap();
    assert_eq!(
        month,
        d("0.05") * d("3") * Decimal::from(HOURS_PER_MONTH) * d("0.5")
    );
    // 10 GB/day over an inter-AZ link for a month.
    assert_eq!(
        p.transfer_monthly(10.0, p.inter_az_usd_per_gb()),
        d("10") * d("730") / d("24") * d("0.018")
    );
}

#[test]
fn dr_patterns_give_their_whitepaper_recovery() {
    let fleet = |p| region_recovery(p, Tier::Fleet).unwrap();
    assert!(fleet(DrPattern::ActiveActive).rto < fleet(DrPattern::WarmStandby).rto);
    assert_eq!(
        fleet(DrPattern::BackupRestore).rpo,
        std::time::Duration::ZERO
    );
    let q = Tier::Quorum {
        standby_lag: std::time::Duration::from_secs(2),
    };
    assert_eq!(
        region_recovery(DrPattern::WarmStandby, q)
            .unwrap()
            .rpo
            .as_secs(),
        2
    );
    assert!(region_recovery(DrPattern::None, q).is_none());
}
