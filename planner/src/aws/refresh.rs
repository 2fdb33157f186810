//! `faultline catalog refresh`: build a catalog from the live EC2 API — regions, zones
//! with their IDs, instance types and the zones offering them, and the latest spot
//! price per pool — merged with the figures the API does not have (on-demand prices,
//! spot interruption buckets, commitments, transfer prices, RTTs, failure priors) from
//! the base catalog. Every section keeps the source it came from.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{Filter, InstanceType as SdkInstanceType, LocationType};
use aws_sdk_ec2::Client;
use faultline_models::catalog::{
    Catalog, Confidence, InstanceType, InterruptionBucket, Region as CatalogRegion,
    RegionOfferings, RegionPrices, Source, SpotPool, SpotRegion,
};
use faultline_models::deployment::{Arch, Words};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// Region used for account-wide calls (`DescribeRegions`) unless the environment names one.
const CONTROL_REGION: &str = "us-east-1";
/// Attempts per call, including the first; throttled calls back off exponentially.
const MAX_ATTEMPTS: u32 = 8;
/// AWS states spot discounts reach at most 90% off on-demand.
const MAX_SPOT_SAVINGS_PCT: u8 = 90;

#[derive(Debug)]
pub(crate) struct Request {
    pub regions: Vec<String>,
    pub families: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct Refreshed {
    pub catalog: Catalog,
    /// Things the user should know about the result (figures kept from the base).
    pub notes: Vec<String>,
}

/// Why one region (or the account-wide check) could not be refreshed.
#[derive(Debug)]
pub(crate) struct Failure {
    region: String,
    call: &'static str,
    detail: String,
    hint: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} failed: {}\n  = help: {}",
            self.region, self.call, self.detail, self.hint
        )
    }
}

fn failure<E>(
    region: &str,
    call: &'static str,
    err: &SdkError<E, aws_sdk_ec2::config::http::HttpResponse>,
) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = err.code().unwrap_or_default().to_string();
    let detail = chain(err);
    let no_credentials =
        detail.contains("no credentials") || detail.contains("credential provider");
    let hint = match (code.as_str(), err) {
        _ if no_credentials => {
            "no usable credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into()
        }
        ("AuthFailure" | "InvalidClientTokenId" | "UnrecognizedClientException" | "SignatureDoesNotMatch", _) => {
            "the credentials were rejected; check AWS_PROFILE / AWS_ACCESS_KEY_ID and that the keys are current".into()
        }
        ("UnauthorizedOperation" | "AccessDenied" | "AccessDeniedException", _) => format!(
            "the identity lacks permission; allow ec2:{} (read-only) for it",
            call
        ),
        ("OptInRequired", _) => format!("{region} is an opt-in region; enable it for the account first"),
        ("RequestLimitExceeded" | "Throttling", _) => {
            format!("still throttled after {MAX_ATTEMPTS} attempts; try again later or with fewer regions")
        }
        (_, SdkError::ConstructionFailure(_)) => {
            "no usable credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into()
        }
        (_, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)) => {
            "could not reach the EC2 endpoint; check the network, AWS_ENDPOINT_URL, and that the region exists".into()
        }
        _ => "see the AWS error above".into(),
    };
    Failure {
        region: region.to_string(),
        call,
        detail,
        hint,
    }
}

/// An error and its causes, each as its own message (no debug dumps).
fn chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let msg = e.to_string();
        if !parts.iter().any(|p| p.contains(&msg)) {
            parts.push(msg);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// Runs the refresh. Either every region succeeds, or the failures are returned and
/// nothing should be written.
pub(crate) fn run(base: &Catalog, req: &Request) -> Result<Refreshed, Vec<Failure>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            vec![Failure {
                region: "-".into(),
                call: "runtime",
                detail: e.to_string(),
                hint: "could not start the async runtime".into(),
            }]
        })?;
    runtime.block_on(refresh(base, req))
}

async fn client(region: &str) -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(100))
                .with_max_backoff(Duration::from_secs(5)),
        )
        .load()
        .await;
    Client::new(&config)
}

struct RegionData {
    zones: Vec<(String, String)>,
    types: BTreeMap<String, InstanceType>,
    offerings: BTreeMap<String, Vec<String>>,
    /// Latest spot price per (type, zone), USD/hour.
    spot: BTreeMap<String, BTreeMap<String, Decimal>>,
}

async fn refresh(base: &Catalog, req: &Request) -> Result<Refreshed, Vec<Failure>> {
    let today = today();
    let control = std::env::var("AWS_REGION").unwrap_or_else(|_| CONTROL_REGION.to_string());
    check_regions(&control, &req.regions)
        .await
        .map_err(|f| vec![f])?;

    let mut failures = Vec::new();
    let mut data = BTreeMap::new();
    for region in &req.regions {
        match region_data(region, &req.families).await {
            Ok(d) => {
                data.insert(region.clone(), d);
            }
            Err(f) => failures.push(f),
        }
    }
    if !failures.is_empty() {
        return Err(failures);
    }
    Ok(merge(base, data, &today))
}

/// Fails when a requested region is unknown to EC2 or not enabled for the account.
async fn check_regions(control: &str, wanted: &[String]) -> Result<(), Failure> {
    let out = client(control)
        .await
        .describe_regions()
        .all_regions(true)
        .send()
        .await
        .map_err(|e| failure(control, "DescribeRegions", &e))?;
    let known: BTreeMap<&str, &str> = out
        .regions()
        .iter()
        .filter_map(|r| {
            Some((
                r.region_name()?,
                r.opt_in_status().unwrap_or("opt-in-not-required"),
            ))
        })
        .collect();
    for region in wanted {
        match known.get(region.as_str()) {
            None => {
                let mut names: Vec<&str> = known.keys().copied().collect();
                names.sort_unstable();
                return Err(Failure {
                    region: region.clone(),
                    call: "DescribeRegions",
                    detail: format!("`{region}` is not an EC2 region"),
                    hint: format!("known regions: {}", names.join(", ")),
                });
            }
            Some(&"not-opted-in") => {
                return Err(Failure {
                    region: region.clone(),
                    call: "DescribeRegions",
                    detail: format!("`{region}` is not enabled for this account"),
                    hint: format!(
                        "{region} is an opt-in region; enable it in the account settings first"
                    ),
                })
            }
            Some(_) => {}
        }
    }
    Ok(())
}

async fn region_data(region: &str, families: &[String]) -> Result<RegionData, Failure> {
    let ec2 = client(region).await;

    let zones_out = ec2
        .describe_availability_zones()
        .filters(
            Filter::builder()
                .name("zone-type")
                .values("availability-zone")
                .build(),
        )
        .send()
        .await
        .map_err(|e| failure(region, "DescribeAvailabilityZones", &e))?;
    let mut zones: Vec<(String, String)> = zones_out
        .availability_zones()
        .iter()
        .filter_map(|z| {
            Some((
                z.zone_name()?.to_string(),
                z.zone_id().unwrap_or_default().to_string(),
            ))
        })
        .collect();
    zones.sort();

    let patterns: Vec<String> = families.iter().map(|f| format!("{f}.*")).collect();
    let infos = ec2
        .describe_instance_types()
        .filters(
            Filter::builder()
                .name("instance-type")
                .set_values(Some(patterns))
                .build(),
        )
        .into_paginator()
        .page_size(100)
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| failure(region, "DescribeInstanceTypes", &e))?;
    let mut types = BTreeMap::new();
    for info in infos {
        let Some(name) = info.instance_type().map(|t| t.as_str().to_string()) else {
            continue;
        };
        let Some(family) = name.split('.').next().map(str::to_string) else {
            continue;
        };
        // Families are matched exactly: `m7g.*` also matches nothing else, but a
        // service's emulator may ignore the filter.
        if name.contains("metal") || !families.contains(&family) {
            continue;
        }
        let vcpus = info
            .v_cpu_info()
            .and_then(|v| v.default_v_cpus())
            .unwrap_or(0);
        let mib = info
            .memory_info()
            .and_then(|m| m.size_in_mib())
            .unwrap_or(0);
        let arch = info
            .processor_info()
            .map(|p| p.supported_architectures())
            .unwrap_or_default()
            .iter()
            .find_map(|a| Arch::from_word(a.as_str()));
        let (Some(arch), Ok(vcpus)) = (arch, u32::try_from(vcpus)) else {
            continue;
        };
        if vcpus == 0 || mib <= 0 {
            continue;
        }
        types.insert(
            name,
            InstanceType {
                family,
                vcpus,
                memory_gib: mib as f64 / 1024.0,
                arch,
                burstable: info.burstable_performance_supported().unwrap_or(false),
                source: String::new(),
            },
        );
    }

    let names: Vec<String> = types.keys().cloned().collect();
    let mut offerings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for chunk in names.chunks(100) {
        let items = ec2
            .describe_instance_type_offerings()
            .location_type(LocationType::AvailabilityZone)
            .filters(
                Filter::builder()
                    .name("instance-type")
                    .set_values(Some(chunk.to_vec()))
                    .build(),
            )
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| failure(region, "DescribeInstanceTypeOfferings", &e))?;
        for o in items {
            if let (Some(t), Some(z)) = (o.instance_type(), o.location()) {
                offerings
                    .entry(t.as_str().to_string())
                    .or_default()
                    .push(z.to_string());
            }
        }
    }
    for z in offerings.values_mut() {
        z.sort();
        z.dedup();
    }

    let mut latest: BTreeMap<(String, String), (aws_sdk_ec2::primitives::DateTime, Decimal)> =
        BTreeMap::new();
    for chunk in names.chunks(50) {
        let mut call = ec2
            .describe_spot_price_history()
            .product_descriptions("Linux/UNIX")
            .start_time(SystemTime::now().into());
        for t in chunk {
            call = call.instance_types(SdkInstanceType::from(t.as_str()));
        }
        let items = call
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| failure(region, "DescribeSpotPriceHistory", &e))?;
        for p in items {
            let linux = p
                .product_description()
                .is_some_and(|d| d.as_str().starts_with("Linux/UNIX"));
            let (Some(t), Some(z), Some(price), Some(ts)) = (
                p.instance_type(),
                p.availability_zone(),
                p.spot_price(),
                p.timestamp(),
            ) else {
                continue;
            };
            let Ok(price) = price.parse::<Decimal>() else {
                continue;
            };
            if !linux || !types.contains_key(t.as_str()) {
                continue;
            }
            let key = (t.as_str().to_string(), z.to_string());
            if latest
                .get(&key)
                .is_none_or(|(seen, _)| ts.as_nanos() > seen.as_nanos())
            {
                latest.insert(key, (*ts, price));
            }
        }
    }
    let mut spot: BTreeMap<String, BTreeMap<String, Decimal>> = BTreeMap::new();
    for ((t, z), (_, price)) in latest {
        spot.entry(t).or_default().insert(z, price);
    }
    Ok(RegionData {
        zones,
        types,
        offerings,
        spot,
    })
}

fn merge(base: &Catalog, data: BTreeMap<String, RegionData>, today: &str) -> Refreshed {
    let mut notes = Vec::new();
    let api = format!("ec2-api-{today}");
    let spot_src = format!("ec2-spot-price-history-{today}");
    let mut c = base.clone();
    c.name = format!("{}-refreshed", base.name.trim_end_matches("-refreshed"));
    c.as_of = today.to_string();
    c.sources.insert(
        api.clone(),
        Source {
            title: "EC2 API: DescribeRegions, DescribeAvailabilityZones, DescribeInstanceTypes, DescribeInstanceTypeOfferings".into(),
            url: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypes.html".into(),
            as_of: today.to_string(),
            confidence: Confidence::High,
        },
    );
    c.sources.insert(
        spot_src.clone(),
        Source {
            title: "EC2 API DescribeSpotPriceHistory (latest Linux/UNIX price per pool, averaged over zones, against the base on-demand price); interruption buckets kept from the base catalog's Spot Advisor data".into(),
            url: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSpotPriceHistory.html".into(),
            as_of: today.to_string(),
            confidence: Confidence::High,
        },
    );
    let regions: BTreeSet<String> = data.keys().cloned().collect();
    c.regions.retain(|r, _| regions.contains(r));
    c.instance_types.clear();
    c.on_demand.clear();
    c.spot.clear();
    c.offerings.clear();
    let mut capped = 0usize;
    let mut no_price = BTreeSet::new();
    for (region, d) in data {
        c.regions.insert(
            region.clone(),
            CatalogRegion {
                name: base
                    .regions
                    .get(&region)
                    .map_or_else(|| region.clone(), |r| r.name.clone()),
                zones: d.zones.iter().map(|(n, _)| n.clone()).collect(),
                zone_ids: d.zones.iter().map(|(_, id)| id.clone()).collect(),
                source: api.clone(),
            },
        );
        for (t, mut it) in d.types {
            it.source = api.clone();
            c.instance_types.entry(t).or_insert(it);
        }
        let base_prices = base.on_demand.get(&region);
        let od: BTreeMap<String, Decimal> = c
            .instance_types
            .keys()
            .filter(|t| {
                d.offerings.get(*t).is_some_and(|z| !z.is_empty()) || d.offerings.is_empty()
            })
            .filter_map(|t| Some((t.clone(), *base_prices?.usd_per_hour.get(t)?)))
            .collect();
        for t in d.offerings.keys() {
            if !od.contains_key(t) {
                no_price.insert(format!("{t} in {region}"));
            }
        }
        let mut pools = BTreeMap::new();
        for (t, per_zone) in &d.spot {
            let Some(price) = od.get(t) else { continue };
            let mean = per_zone.values().copied().sum::<Decimal>() / Decimal::from(per_zone.len());
            let savings = ((Decimal::ONE - mean / *price) * Decimal::ONE_HUNDRED)
                .round()
                .to_i64()
                .unwrap_or(0)
                .clamp(0, 100);
            let savings = u8::try_from(savings).unwrap_or(0);
            if savings > MAX_SPOT_SAVINGS_PCT {
                capped += 1;
            }
            let interruption = base
                .spot_pool(&region, t)
                .map_or(InterruptionBucket::Over20, |p| p.interruption);
            pools.insert(
                t.clone(),
                SpotPool {
                    interruption,
                    savings_pct: savings.min(MAX_SPOT_SAVINGS_PCT),
                },
            );
        }
        if let Some(bp) = base_prices {
            c.on_demand.insert(
                region.clone(),
                RegionPrices {
                    source: bp.source.clone(),
                    usd_per_hour: od,
                },
            );
        }
        c.spot.insert(
            region.clone(),
            SpotRegion {
                source: spot_src.clone(),
                pools,
            },
        );
        c.offerings.insert(
            region.clone(),
            RegionOfferings {
                source: api.clone(),
                zones: d.offerings,
            },
        );
    }
    // Figures keyed by region keep only the regions refreshed.
    c.transfer
        .inter_region_out_usd_per_gb
        .retain(|r, _| regions.contains(r));
    c.transfer
        .inter_region_pair_usd_per_gb
        .retain(|k, _| k.split('|').all(|r| regions.contains(r)));
    c.rtt.ms.retain(|r, _| regions.contains(r));
    for row in c.rtt.ms.values_mut() {
        row.retain(|r, _| regions.contains(r));
    }
    c.failure.regions.retain(|r, _| regions.contains(r));
    for r in &regions {
        if !base.regions.contains_key(r) {
            notes.push(format!(
                "{r} is not in the base catalog: it has no on-demand prices, RTTs or transfer prices, so plans cannot use it until you add them"
            ));
        }
    }
    if !no_price.is_empty() {
        notes.push(format!(
            "{} offered instance types have no on-demand price in the base catalog and were left without one (the EC2 API does not publish prices)",
            no_price.len()
        ));
    }
    if capped > 0 {
        notes.push(format!(
            "{capped} spot prices implied discounts above {MAX_SPOT_SAVINGS_PCT}%, the most AWS states; they were capped"
        ));
    }
    notes.push("on-demand prices, interruption buckets, commitments, transfer prices, RTTs and failure priors come from the base catalog; see each section's `source`".into());
    Refreshed { catalog: c, notes }
}

/// The catalog as TOML, with a header naming where its figures came from.
pub(crate) fn to_toml(c: &Catalog) -> String {
    let body = toml::to_string(c).unwrap_or_default();
    format!(
        "# Generated by `faultline catalog refresh` on {}.\n# Regions, zones, instance types, offerings and spot prices come from the EC2 API;\n# everything else from the base catalog. Each section's `source` names its origin.\n{body}",
        c.as_of
    )
}

/// Today's date (UTC) as YYYY-MM-DD.
fn today() -> String {
    let now = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    now[..10].to_string()
}
