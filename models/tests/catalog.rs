//! The embedded AWS catalog against the public reference figures it was built from,
//! and catalog validation on broken files.

use faultline_models::catalog::{Catalog, InterruptionBucket, Mode, EMBEDDED_TOML};
use faultline_models::deployment::Arch;
use faultline_models::diag::Code;
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn embedded_catalog_is_valid_and_complete() {
    let c = Catalog::parse(EMBEDDED_TOML).expect("embedded catalog validates");
    assert!(c.regions.len() >= 8, "{} regions", c.regions.len());
    for (name, r) in &c.regions {
        assert!(r.zones.len() >= 3, "{name} has {} zones", r.zones.len());
        assert!(
            r.zones.iter().all(|z| z.starts_with(name.as_str())),
            "{name}"
        );
    }
    for family in [
        "m5", "m6i", "m7i", "m6g", "m7g", "c6i", "c7i", "c6g", "c7g", "r6i", "r7i", "r6g", "r7g",
        "t3",
    ] {
        assert!(c.families().contains(&family), "family {family} missing");
    }
}

#[test]
fn on_demand_prices_match_the_aws_price_list() {
    let c = Catalog::embedded();
    // Figures from the AWS Price List API as tabulated in the reference (§9).
    let cases = [
        ("us-east-1", "m5.large", "0.096"),
        ("us-east-1", "m7g.large", "0.0816"),
        ("us-east-1", "c7g.xlarge", "0.145"),
        ("us-east-1", "t3.medium", "0.0416"),
        ("eu-west-1", "m5.large", "0.107"),
        ("eu-central-1", "m6i.2xlarge", "0.460"),
        ("ap-northeast-1", "r6i.large", "0.152"),
        ("sa-east-1", "m5.xlarge", "0.306"),
        ("us-east-2", "c7g.large", "0.0723"),
    ];
    for (region, t, price) in cases {
        assert_eq!(
            c.on_demand_price(region, t),
            Some(d(price)),
            "{t} in {region}"
        );
    }
    // c7g had no sa-east-1 price in the 2024-02 snapshot; the catalog must not invent one.
    assert_eq!(c.on_demand_price("sa-east-1", "c7g.large"), None);
}

#[test]
fn instance_shapes_match_the_ec2_api() {
    let c = Catalog::embedded();
    let m5 = &c.instance_types["m5.large"];
    assert_eq!((m5.vcpus, m5.memory_gib, m5.arch), (2, 8.0, Arch::X86_64));
    let r7g = &c.instance_types["r7g.large"];
    assert_eq!(
        (r7g.vcpus, r7g.memory_gib, r7g.arch),
        (2, 16.0, Arch::Arm64)
    );
    let c7g = &c.instance_types["c7g.xlarge"];
    assert_eq!((c7g.vcpus, c7g.memory_gib), (4, 8.0));
    assert!(c.instance_types["t3.medium"].burstable);
    assert!(c.instance_types.keys().all(|k| !k.contains("metal")));
}

#[test]
fn spot_rtt_transfer_and_commitments_match_the_reference() {
    let c = Catalog::embedded();
    let pool = c.spot_pool("us-east-1", "m5.large").unwrap();
    assert_eq!(
        (pool.interruption, pool.savings_pct),
        (InterruptionBucket::From15To20, 66)
    );
    let pool = c.spot_pool("eu-west-1", "c7g.xlarge").unwrap();
    assert_eq!(
        (pool.interruption, pool.savings_pct),
        (InterruptionBucket::Under5, 52)
    );
    // Directed cloudping averages: us-east-1 → us-east-2 16 ms, back 18 ms.
    assert_eq!(c.rtt.ms["us-east-1"]["us-east-2"], 16.0);
    assert_eq!(c.rtt.ms["us-east-2"]["us-east-1"], 18.0);
    assert_eq!(c.rtt_ms("us-east-1", "us-east-2"), Some(17.0));
    assert_eq!(c.transfer.inter_az_usd_per_gb, d("0.01"));
    assert_eq!(
        c.transfer.inter_region_out_usd_per_gb["us-east-1"],
        d("0.02")
    );
    assert_eq!(c.commitments.reserved_1y, d("0.37"));
    assert_eq!(c.commitments.reserved_3y, d("0.57"));
}

#[test]
fn failure_priors_cite_sources_and_regional_differences() {
    let c = Catalog::embedded();
    for mode in Mode::ALL {
        let m = c.failure.mode(*mode);
        assert!(c.sources.contains_key(&m.source), "{mode:?}");
        assert!(m.mean_hours >= m.median_hours);
    }
    // us-east-1 has had far more publicised zone and regional events (reference §1b).
    assert!(
        c.failure_mode(Mode::zone, "us-east-1").rate_per_year
            > c.failure_mode(Mode::zone, "eu-west-1").rate_per_year
    );
    assert!(
        c.failure_mode(Mode::region, "us-east-1").rate_per_year
            > c.failure_mode(Mode::region, "eu-west-1").rate_per_year
    );
    assert_eq!(c.failure.spot.notice_seconds, 120.0);
    assert!(c.sources.contains_key(&c.failure.failover.source));
    assert!((0.0..1.0).contains(&c.failure.failover.fails));
    let g = &c.failure.zone_impairment;
    assert!(c.sources.contains_key(&g.source));
    assert!(g.rate_per_year > 0.0 && (0.0..=1.0).contains(&g.share));
}

fn broken(from: &str, to: &str) -> Vec<faultline_models::diag::Diagnostic> {
    assert!(EMBEDDED_TOML.contains(from), "{from}");
    Catalog::parse(&EMBEDDED_TOML.replacen(from, to, 1)).unwrap_err()
}

#[test]
fn broken_catalogs_are_reported_with_key_and_location() {
    let diags = broken("version = 1", "version = 3");
    assert_eq!(diags[0].code, Code::CatalogVersion);

    let diags = broken(
        "source = \"aws-regions-zones\"",
        "source = \"aws-regions-zonez\"",
    );
    let d = diags
        .iter()
        .find(|d| d.code == Code::CatalogUnknownSource)
        .unwrap();
    assert!(d.key.as_deref().unwrap().ends_with(".source"));
    assert!(d.span.is_some());
    assert_eq!(d.help.as_deref(), Some("did you mean `aws-regions-zones`?"));

    let diags = broken("\"m5.large\" = \"0.096\"", "\"m5.lrage\" = \"0.096\"");
    let d = diags
        .iter()
        .find(|d| d.code == Code::CatalogUnknownRef)
        .unwrap();
    assert_eq!(
        d.key.as_deref(),
        Some("on_demand.us-east-1.usd_per_hour.\"m5.lrage\"")
    );

    let diags = broken("\"m5.large\" = \"0.096\"", "\"m5.large\" = \"-0.096\"");
    assert!(diags.iter().any(|d| d.code == Code::CatalogBadValue));

    let diags = broken("cloud = \"aws\"", "cloud = \"aws\"\nclod = 1");
    assert!(diags.iter().any(|d| d.code == Code::CatalogUnknownKey));

    // A failover that always fails is no prior: [0, 1).
    let diags = broken("fails = 0.02", "fails = 1.0");
    let d = diags
        .iter()
        .find(|d| d.code == Code::CatalogBadValue)
        .unwrap();
    assert_eq!(d.key.as_deref(), Some("failure.failover.fails"));
    assert!(d.span.is_some());

    // An impairment's share is a probability.
    let diags = broken("share = 0.13", "share = 1.3");
    let d = diags
        .iter()
        .find(|d| d.code == Code::CatalogBadValue)
        .unwrap();
    assert_eq!(d.key.as_deref(), Some("failure.zone_impairment.share"));
    assert!(d.span.is_some());
}
