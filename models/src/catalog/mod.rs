//! The cloud catalog: regions and zones, instance types, on-demand and spot prices,
//! commitment discounts, transfer prices, inter-region RTTs and failure priors — each
//! figure citing a source with a date. The default AWS catalog is compiled in; a user
//! catalog in the same format can replace it.

pub mod diff;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::deployment::{Arch, Words};
use crate::diag::{Code, Diagnostic};
use crate::input::did_you_mean;
use crate::input::spanned::{KeyPath, Locator};
use crate::input::{load, Codes};
use crate::path;

/// The embedded default catalog's text, built from public AWS data (see `docs/catalog.md`).
pub const EMBEDDED_TOML: &str = include_str!("../../data/aws-catalog.toml");

pub const FORMAT_VERSION: i64 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Source {
    pub title: String,
    pub url: String,
    pub as_of: String,
    pub confidence: Confidence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Region {
    pub name: String,
    pub zones: Vec<String>,
    /// Zone IDs (`use1-az1`), when known; the same order as `zones`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zone_ids: Vec<String>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct InstanceType {
    pub family: String,
    pub vcpus: u32,
    pub memory_gib: f64,
    pub arch: Arch,
    #[serde(default)]
    pub burstable: bool,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RegionPrices {
    pub source: String,
    pub usd_per_hour: BTreeMap<String, Decimal>,
}

/// Spot Instance Advisor interruption-frequency bucket: the share of capacity reclaimed
/// over the trailing month.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum InterruptionBucket {
    #[serde(rename = "<5%")]
    Under5,
    #[serde(rename = "5-10%")]
    From5To10,
    #[serde(rename = "10-15%")]
    From10To15,
    #[serde(rename = "15-20%")]
    From15To20,
    #[serde(rename = ">20%")]
    Over20,
}

impl InterruptionBucket {
    pub const ALL: [InterruptionBucket; 5] = [
        Self::Under5,
        Self::From5To10,
        Self::From10To15,
        Self::From15To20,
        Self::Over20,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Under5 => "<5%",
            Self::From5To10 => "5-10%",
            Self::From10To15 => "10-15%",
            Self::From15To20 => "15-20%",
            Self::Over20 => ">20%",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SpotPool {
    pub interruption: InterruptionBucket,
    pub savings_pct: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SpotRegion {
    pub source: String,
    pub pools: BTreeMap<String, SpotPool>,
}

/// Which zones of a region offer each instance type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RegionOfferings {
    pub source: String,
    pub zones: BTreeMap<String, Vec<String>>,
}

/// Fractions off the on-demand price for committed capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Commitments {
    pub source: String,
    pub reserved_1y: Decimal,
    pub reserved_3y: Decimal,
    pub savings_plan_1y: Decimal,
    pub savings_plan_3y: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Transfer {
    pub source: String,
    /// Charged in each direction.
    pub inter_az_usd_per_gb: Decimal,
    /// Out of a region to any other region.
    pub inter_region_out_usd_per_gb: BTreeMap<String, Decimal>,
    /// Pair prices that differ from the source region's default, keyed `a|b` (a < b).
    #[serde(default)]
    pub inter_region_pair_usd_per_gb: BTreeMap<String, Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Rtt {
    pub source: String,
    /// Round-trip times in milliseconds as measured from `from` to `to`:
    /// `ms[from][to]`. A round trip crosses both directions, so the two measurements of
    /// a pair are two samples of one figure: every model uses their mean
    /// ([`Catalog::rtt_ms`]), and the catalog rejects pairs that differ by more than
    /// 25% or 20 ms.
    pub ms: BTreeMap<String, BTreeMap<String, f64>>,
}

/// Rate and duration of one failure mode. Durations are log-normal, fixed by their
/// median and mean (see `docs/failure-model.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FailureMode {
    pub rate_per_year: f64,
    pub median_hours: f64,
    pub mean_hours: f64,
    pub source: String,
}

/// A partial [`FailureMode`], for per-region catalog entries and topology overrides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FailureModeOverride {
    pub rate_per_year: Option<f64>,
    pub median_hours: Option<f64>,
    pub mean_hours: Option<f64>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SpotFailure {
    pub notice_seconds: f64,
    pub replacement_median_hours: f64,
    pub replacement_mean_hours: f64,
    pub source: String,
    /// Fraction of a pool's capacity reclaimed per month, per advisor bucket.
    pub interruption_per_month: BTreeMap<InterruptionBucket, f64>,
}

/// What else a zone outage brings with it (see `docs/failure-model.md`, "Correlated
/// failures"): probabilities per zone outage, from the outage history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CorrelationPriors {
    /// Probability that a second zone of the region goes down with the first.
    pub second_zone: f64,
    /// Probability that a third zone follows, given that a second did.
    pub third_zone: f64,
    /// Probability that the region's control plane is impaired (no launches) for as
    /// long as the zone outage lasts.
    pub control_plane_impaired: f64,
    /// Probability that relaunches into the surviving zones fail on capacity (every
    /// tenant relaunching at once) while the control plane works. Either way nothing
    /// launches in the region while the zone is out.
    pub relaunch_contention: f64,
    pub source: String,
}

/// A partial [`CorrelationPriors`], for topology overrides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CorrelationOverride {
    pub second_zone: Option<f64>,
    pub third_zone: Option<f64>,
    pub control_plane_impaired: Option<f64>,
    pub relaunch_contention: Option<f64>,
    pub source: Option<String>,
}

impl CorrelationPriors {
    /// These priors with the override's values in place of theirs.
    pub fn with(&self, o: &CorrelationOverride) -> CorrelationPriors {
        CorrelationPriors {
            second_zone: o.second_zone.unwrap_or(self.second_zone),
            third_zone: o.third_zone.unwrap_or(self.third_zone),
            control_plane_impaired: o
                .control_plane_impaired
                .unwrap_or(self.control_plane_impaired),
            relaunch_contention: o.relaunch_contention.unwrap_or(self.relaunch_contention),
            source: o.source.clone().unwrap_or_else(|| self.source.clone()),
        }
    }

    /// Probability that nothing launches in the region while a zone outage lasts.
    pub fn launches_fail(&self) -> f64 {
        (self.control_plane_impaired + self.relaunch_contention).min(1.0)
    }

    /// What a catalog without a `[failure.correlation]` table means: independent zones,
    /// citing no source.
    pub fn unstated() -> CorrelationPriors {
        CorrelationPriors::independent("")
    }

    /// No correlation: zones fail independently and relaunches always succeed.
    pub fn independent(source: &str) -> CorrelationPriors {
        CorrelationPriors {
            second_zone: 0.0,
            third_zone: 0.0,
            control_plane_impaired: 0.0,
            relaunch_contention: 0.0,
            source: source.to_string(),
        }
    }
}

/// How often a failover of a replicated store fails (see `docs/failure-model.md`,
/// "Failed failovers"): the replica is not promoted, and the store waits for its
/// primary to come back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FailoverPriors {
    /// Probability that a failover attempt fails.
    pub fails: f64,
    pub source: String,
}

/// A partial [`FailoverPriors`], for topology overrides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FailoverOverride {
    pub fails: Option<f64>,
    pub source: Option<String>,
}

impl FailoverPriors {
    /// These priors with the override's values in place of theirs.
    pub fn with(&self, o: &FailoverOverride) -> FailoverPriors {
        FailoverPriors {
            fails: o.fails.unwrap_or(self.fails),
            source: o.source.clone().unwrap_or_else(|| self.source.clone()),
        }
    }

    /// What a catalog without a `[failure.failover]` table means: every failover
    /// succeeds, citing no source.
    pub fn unstated() -> FailoverPriors {
        FailoverPriors {
            fails: 0.0,
            source: String::new(),
        }
    }
}

/// Zone impairment, a gray failure (see `docs/failure-model.md`, "Zone impairment"):
/// the zone stays up, but while the impairment lasts a share of its instances are slow
/// or fail their health checks, each independently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ImpairmentPriors {
    /// Impairments per zone-year.
    pub rate_per_year: f64,
    pub median_hours: f64,
    pub mean_hours: f64,
    /// Probability that an instance of the impaired zone is out of service (slow or
    /// failing its health checks) for as long as the impairment lasts.
    pub share: f64,
    pub source: String,
}

/// A partial [`ImpairmentPriors`], for topology overrides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ImpairmentOverride {
    pub rate_per_year: Option<f64>,
    pub median_hours: Option<f64>,
    pub mean_hours: Option<f64>,
    pub share: Option<f64>,
    pub source: Option<String>,
}

impl ImpairmentPriors {
    /// These priors with the override's values in place of theirs.
    pub fn with(&self, o: &ImpairmentOverride) -> ImpairmentPriors {
        ImpairmentPriors {
            rate_per_year: o.rate_per_year.unwrap_or(self.rate_per_year),
            median_hours: o.median_hours.unwrap_or(self.median_hours),
            mean_hours: o.mean_hours.unwrap_or(self.mean_hours),
            share: o.share.unwrap_or(self.share),
            source: o.source.clone().unwrap_or_else(|| self.source.clone()),
        }
    }

    /// What a catalog without a `[failure.zone_impairment]` table means: zones are
    /// never impaired, citing no source.
    pub fn unstated() -> ImpairmentPriors {
        ImpairmentPriors {
            rate_per_year: 0.0,
            median_hours: 1.0,
            mean_hours: 1.0,
            share: 0.0,
            source: String::new(),
        }
    }
}

impl ImpairmentPriors {
    /// Checks the numbers: the rate and durations as a failure mode's
    /// ([`check_mode`]), the share a probability in [0, 1]. `bad` gets the field and
    /// the message.
    pub(crate) fn check(&self, mut bad: impl FnMut(&str, String)) {
        check_mode(
            self.rate_per_year,
            self.median_hours,
            self.mean_hours,
            &mut bad,
        );
        if !(self.share.is_finite() && (0.0..=1.0).contains(&self.share)) {
            bad(
                "share",
                format!(
                    "an impairment's share is the probability an instance of the zone is out of service, a fraction in [0, 1], got {}",
                    crate::input::number(self.share)
                ),
            );
        }
    }
}

macro_rules! failure_modes {
    ($($field:ident => $word:literal,)*) => {
        /// Every failure mode the catalog has priors for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "snake_case")]
        #[allow(non_camel_case_types)]
        pub enum Mode { $($field,)* }

        impl Mode {
            pub const ALL: &'static [Mode] = &[$(Mode::$field,)*];
            pub fn key(self) -> &'static str {
                match self { $(Mode::$field => $word,)* }
            }
        }

        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[schemars(deny_unknown_fields)]
        pub struct FailurePriors {
            $(pub $field: FailureMode,)*
            pub spot: SpotFailure,
            /// Correlated consequences of a zone outage. A catalog without the table
            /// rates zones as independent.
            #[serde(default = "CorrelationPriors::unstated")]
            pub correlation: CorrelationPriors,
            /// How often a store's failover fails. A catalog without the table has
            /// every failover succeed.
            #[serde(default = "FailoverPriors::unstated")]
            pub failover: FailoverPriors,
            /// Zone impairments (gray failure). A catalog without the table has zones
            /// fail only outright.
            #[serde(default = "ImpairmentPriors::unstated")]
            pub zone_impairment: ImpairmentPriors,
            /// Per-region differences from the defaults above.
            #[serde(default)]
            pub regions: BTreeMap<String, ModeOverrides>,
        }

        /// Per-mode partial overrides.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[schemars(deny_unknown_fields)]
        pub struct ModeOverrides {
            $(#[serde(default, skip_serializing_if = "Option::is_none")]
            pub $field: Option<FailureModeOverride>,)*
        }

        impl FailurePriors {
            pub fn mode(&self, mode: Mode) -> &FailureMode {
                match mode { $(Mode::$field => &self.$field,)* }
            }
        }

        impl ModeOverrides {
            pub fn mode(&self, mode: Mode) -> Option<&FailureModeOverride> {
                match mode { $(Mode::$field => self.$field.as_ref(),)* }
            }
        }
    };
}

failure_modes! {
    instance => "instance",
    zone => "zone",
    region => "region",
    region_control_plane => "region_control_plane",
    region_partition => "region_partition",
    zone_isolation => "zone_isolation",
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Catalog {
    pub version: i64,
    pub name: String,
    pub cloud: String,
    pub as_of: String,
    pub sources: BTreeMap<String, Source>,
    pub regions: BTreeMap<String, Region>,
    pub instance_types: BTreeMap<String, InstanceType>,
    pub on_demand: BTreeMap<String, RegionPrices>,
    pub spot: BTreeMap<String, SpotRegion>,
    /// Zones offering each instance type, where known (a refreshed catalog records
    /// them); a type without an entry is taken to be offered in every zone.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub offerings: BTreeMap<String, RegionOfferings>,
    pub commitments: Commitments,
    pub transfer: Transfer,
    pub rtt: Rtt,
    pub failure: FailurePriors,
}

/// The longest round trip a catalog may state: twice the Earth's circumference in
/// fibre takes about 400 ms; anything above a second is a typo.
const MAX_RTT_MS: f64 = 1000.0;
/// How far the two directions of one RTT may differ: the embedded measurements differ
/// by at most 22% (eu-west-1 ↔ eu-west-2, 18 vs 14 ms) and 16 ms.
const RTT_ASYMMETRY: f64 = 0.25;
const RTT_ASYMMETRY_MS: f64 = 20.0;

const CODES: Codes = Codes {
    kind: "catalog",
    syntax: Code::CatalogSyntax,
    wrong_type: Code::CatalogSyntax,
    unknown_key: Code::CatalogUnknownKey,
};

impl Catalog {
    /// The compiled-in AWS catalog. Parsed once; it is validated by the test suite, so
    /// a failure here is a build defect, reported rather than hidden.
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| match Catalog::parse(EMBEDDED_TOML) {
            Ok(c) => c,
            Err(diags) => {
                let msgs: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
                // The embedded text is a compile-time constant checked by tests.
                #[allow(clippy::panic)]
                {
                    panic!("embedded catalog is invalid: {}", msgs.join("; "))
                }
            }
        })
    }

    /// Parses and validates a catalog, reporting every problem found.
    pub fn parse(text: &str) -> Result<Catalog, Vec<Diagnostic>> {
        let loaded = load::<Catalog>(text, CODES)?;
        let mut diags = loaded.diags;
        loaded.value.check(&loaded.locator, &mut diags);
        if diags.iter().any(Diagnostic::is_error) {
            crate::diag::sort(&mut diags);
            Err(diags)
        } else {
            Ok(loaded.value)
        }
    }

    fn check(&self, loc: &Locator<'_>, diags: &mut Vec<Diagnostic>) {
        let mut err = |code: Code, path: KeyPath, message: String, help: Option<String>| {
            let mut d = Diagnostic::error(code, message).key(path.to_string());
            if let Some(span) = loc.value_span(&path) {
                d = d.at(span);
            }
            if let Some(h) = help {
                d = d.help(h);
            }
            diags.push(d);
        };
        if self.version != FORMAT_VERSION {
            err(
                Code::CatalogVersion,
                path!["version"],
                format!("catalog version {} is not supported", self.version),
                Some(format!("this build reads version {FORMAT_VERSION}")),
            );
        }
        let sources: Vec<&str> = self.sources.keys().map(String::as_str).collect();
        let mut cite = |path: KeyPath, source: &str| {
            if !self.sources.contains_key(source) {
                err(
                    Code::CatalogUnknownSource,
                    path,
                    format!("source `{source}` is not defined under [sources]"),
                    Some(did_you_mean::help_for(source, sources.iter().copied())),
                );
            }
        };
        for (name, r) in &self.regions {
            cite(path!["regions", name, "source"], &r.source);
        }
        for (name, t) in &self.instance_types {
            cite(path!["instance_types", name, "source"], &t.source);
        }
        for (name, p) in &self.on_demand {
            cite(path!["on_demand", name, "source"], &p.source);
        }
        for (name, s) in &self.spot {
            cite(path!["spot", name, "source"], &s.source);
        }
        for (name, o) in &self.offerings {
            cite(path!["offerings", name, "source"], &o.source);
        }
        cite(path!["commitments", "source"], &self.commitments.source);
        cite(path!["transfer", "source"], &self.transfer.source);
        cite(path!["rtt", "source"], &self.rtt.source);
        for mode in Mode::ALL {
            cite(
                path!["failure", mode.key(), "source"],
                &self.failure.mode(*mode).source,
            );
        }
        cite(
            path!["failure", "spot", "source"],
            &self.failure.spot.source,
        );
        if !self.failure.correlation.source.is_empty() {
            cite(
                path!["failure", "correlation", "source"],
                &self.failure.correlation.source,
            );
        }
        if !self.failure.failover.source.is_empty() {
            cite(
                path!["failure", "failover", "source"],
                &self.failure.failover.source,
            );
        }
        if !self.failure.zone_impairment.source.is_empty() {
            cite(
                path!["failure", "zone_impairment", "source"],
                &self.failure.zone_impairment.source,
            );
        }
        for (region, o) in &self.failure.regions {
            for mode in Mode::ALL {
                if let Some(src) = o.mode(*mode).and_then(|m| m.source.as_deref()) {
                    cite(
                        path!["failure", "regions", region, mode.key(), "source"],
                        src,
                    );
                }
            }
        }

        let regions: Vec<&str> = self.regions.keys().map(String::as_str).collect();
        let types: Vec<&str> = self.instance_types.keys().map(String::as_str).collect();
        let mut region_ref = |path: KeyPath, region: &str| {
            if !self.regions.contains_key(region) {
                err(
                    Code::CatalogUnknownRef,
                    path,
                    format!("region `{region}` is not defined under [regions]"),
                    Some(did_you_mean::help_for(region, regions.iter().copied())),
                );
            }
        };
        for region in self.on_demand.keys() {
            region_ref(path!["on_demand", region], region);
        }
        for region in self.spot.keys() {
            region_ref(path!["spot", region], region);
        }
        for region in self.transfer.inter_region_out_usd_per_gb.keys() {
            region_ref(
                path!["transfer", "inter_region_out_usd_per_gb", region],
                region,
            );
        }
        for (from, row) in &self.rtt.ms {
            region_ref(path!["rtt", "ms", from], from);
            for to in row.keys() {
                region_ref(path!["rtt", "ms", from, to], to);
            }
        }
        for region in self.failure.regions.keys() {
            region_ref(path!["failure", "regions", region], region);
        }
        for region in self.offerings.keys() {
            region_ref(path!["offerings", region], region);
        }
        let mut type_ref = |path: KeyPath, t: &str| {
            if !self.instance_types.contains_key(t) {
                err(
                    Code::CatalogUnknownRef,
                    path,
                    format!("instance type `{t}` is not defined under [instance_types]"),
                    Some(did_you_mean::help_for(t, types.iter().copied())),
                );
            }
        };
        for (region, p) in &self.on_demand {
            for t in p.usd_per_hour.keys() {
                type_ref(path!["on_demand", region, "usd_per_hour", t], t);
            }
        }
        for (region, s) in &self.spot {
            for t in s.pools.keys() {
                type_ref(path!["spot", region, "pools", t], t);
            }
        }
        for (region, o) in &self.offerings {
            for t in o.zones.keys() {
                type_ref(path!["offerings", region, "zones", t], t);
            }
        }

        // Values.
        let mut bad = |path: KeyPath, message: String| {
            err(Code::CatalogBadValue, path, message, None);
        };
        for (name, r) in &self.regions {
            if r.zones.is_empty() {
                bad(
                    path!["regions", name, "zones"],
                    "a region needs at least one zone".into(),
                );
            }
            if !r.zone_ids.is_empty() && r.zone_ids.len() != r.zones.len() {
                bad(
                    path!["regions", name, "zone_ids"],
                    format!("{} zone ids for {} zones", r.zone_ids.len(), r.zones.len()),
                );
            }
        }
        for (region, o) in &self.offerings {
            let known = self
                .regions
                .get(region)
                .map(|r| r.zones.as_slice())
                .unwrap_or(&[]);
            for (t, zones) in &o.zones {
                for (i, z) in zones.iter().enumerate() {
                    if !known.contains(z) {
                        bad(
                            path!["offerings", region, "zones", t, i],
                            format!("zone `{z}` is not a zone of `{region}`"),
                        );
                    }
                }
            }
        }
        for (name, t) in &self.instance_types {
            if t.vcpus == 0 || !positive(t.memory_gib) {
                bad(
                    path!["instance_types", name],
                    "vcpus and memory_gib must be positive".into(),
                );
            }
        }
        for (region, p) in &self.on_demand {
            for (t, price) in &p.usd_per_hour {
                if *price <= Decimal::ZERO {
                    bad(
                        path!["on_demand", region, "usd_per_hour", t],
                        format!("price must be positive, got {price}"),
                    );
                }
            }
        }
        for (region, s) in &self.spot {
            for (t, pool) in &s.pools {
                if pool.savings_pct > 90 {
                    bad(
                        path!["spot", region, "pools", t, "savings_pct"],
                        format!(
                            "spot savings of {}% exceed the 90% AWS states as its maximum",
                            pool.savings_pct
                        ),
                    );
                }
            }
        }
        let c = &self.commitments;
        for (key, v) in [
            ("reserved_1y", c.reserved_1y),
            ("reserved_3y", c.reserved_3y),
            ("savings_plan_1y", c.savings_plan_1y),
            ("savings_plan_3y", c.savings_plan_3y),
        ] {
            if v < Decimal::ZERO || v >= Decimal::ONE {
                bad(
                    path!["commitments", key],
                    format!("a discount is a fraction in [0, 1), got {v}"),
                );
            }
        }
        let t = &self.transfer;
        if t.inter_az_usd_per_gb < Decimal::ZERO {
            bad(
                path!["transfer", "inter_az_usd_per_gb"],
                format!(
                    "a transfer price must be zero or more, got {}",
                    t.inter_az_usd_per_gb
                ),
            );
        }
        for (table, prices) in [
            (
                "inter_region_out_usd_per_gb",
                &t.inter_region_out_usd_per_gb,
            ),
            (
                "inter_region_pair_usd_per_gb",
                &t.inter_region_pair_usd_per_gb,
            ),
        ] {
            for (k, v) in prices {
                if *v < Decimal::ZERO {
                    bad(
                        path!["transfer", table, k],
                        format!("a transfer price must be zero or more, got {v}"),
                    );
                }
            }
        }
        for (from, row) in &self.rtt.ms {
            for (to, ms) in row {
                if !positive(*ms) || *ms > MAX_RTT_MS {
                    bad(
                        path!["rtt", "ms", from, to],
                        format!(
                            "a round-trip time is a positive number of milliseconds up to {MAX_RTT_MS}, got {}",
                            crate::input::number(*ms)
                        ),
                    );
                    continue;
                }
                // A round trip is the same both ways; measurements from either end
                // differ by vantage point, never by much.
                if let Some(back) = self.rtt.ms.get(to).and_then(|r| r.get(from)) {
                    let gap = (ms - back).abs();
                    if from < to
                        && positive(*back)
                        && gap > RTT_ASYMMETRY_MS.max(RTT_ASYMMETRY * ms.max(*back))
                    {
                        bad(
                            path!["rtt", "ms", from, to],
                            format!(
                                "{from} → {to} is {ms} ms but {to} → {from} is {back} ms; a round trip is the same both ways (measurements may differ by {:.0}% or {RTT_ASYMMETRY_MS} ms)",
                                RTT_ASYMMETRY * 100.0
                            ),
                        );
                    }
                }
            }
        }
        let sp = &self.failure.spot;
        if !(sp.notice_seconds.is_finite() && sp.notice_seconds >= 0.0) {
            bad(
                path!["failure", "spot", "notice_seconds"],
                format!(
                    "a notice is zero or more seconds, got {}",
                    sp.notice_seconds
                ),
            );
        }
        if !positive(sp.replacement_median_hours) {
            bad(
                path!["failure", "spot", "replacement_median_hours"],
                format!(
                    "a median duration must be positive, got {}",
                    sp.replacement_median_hours
                ),
            );
        } else if !(sp.replacement_mean_hours.is_finite()
            && sp.replacement_mean_hours >= sp.replacement_median_hours)
        {
            bad(
                path!["failure", "spot", "replacement_mean_hours"],
                format!(
                    "a log-normal duration's mean ({} h) must be at least its median ({} h)",
                    sp.replacement_mean_hours, sp.replacement_median_hours
                ),
            );
        }
        for mode in Mode::ALL {
            let m = self.failure.mode(*mode);
            check_mode(
                m.rate_per_year,
                m.median_hours,
                m.mean_hours,
                |field, msg| {
                    bad(path!["failure", mode.key(), field], msg);
                },
            );
        }
        for (region, o) in &self.failure.regions {
            for mode in Mode::ALL {
                if let Some(m) = o.mode(*mode) {
                    let base = self.failure.mode(*mode);
                    check_mode(
                        m.rate_per_year.unwrap_or(base.rate_per_year),
                        m.median_hours.unwrap_or(base.median_hours),
                        m.mean_hours.unwrap_or(base.mean_hours),
                        |field, msg| {
                            bad(path!["failure", "regions", region, mode.key(), field], msg)
                        },
                    );
                }
            }
        }
        let k = &self.failure.correlation;
        for (field, p) in [
            ("second_zone", k.second_zone),
            ("third_zone", k.third_zone),
            ("control_plane_impaired", k.control_plane_impaired),
            ("relaunch_contention", k.relaunch_contention),
        ] {
            if !(0.0..=1.0).contains(&p) {
                bad(
                    path!["failure", "correlation", field],
                    format!("a probability must be in [0, 1], got {p}"),
                );
            }
        }
        if k.control_plane_impaired + k.relaunch_contention > 1.0 + 1e-12 {
            bad(
                path!["failure", "correlation", "relaunch_contention"],
                format!(
                    "launches during a zone outage fail for one reason or the other, so the two probabilities must add up to at most 1, got {} + {}",
                    k.control_plane_impaired, k.relaunch_contention
                ),
            );
        }
        self.failure.zone_impairment.check(|field, msg| {
            bad(path!["failure", "zone_impairment", field], msg);
        });
        let f = self.failure.failover.fails;
        if !(0.0..1.0).contains(&f) {
            bad(
                path!["failure", "failover", "fails"],
                format!(
                    "a failover's chance of failing must be in [0, 1) (at 1 no failover ever works), got {}",
                    crate::input::number(f)
                ),
            );
        }
        for bucket in InterruptionBucket::ALL {
            match self.failure.spot.interruption_per_month.get(&bucket) {
                Some(f) if (0.0..=1.0).contains(f) => {}
                Some(f) => bad(
                    path!["failure", "spot", "interruption_per_month", bucket.label()],
                    format!(
                        "a monthly reclaim fraction must be in [0, 1], got {}",
                        crate::input::number(*f)
                    ),
                ),
                None => bad(
                    path!["failure", "spot", "interruption_per_month"],
                    format!("missing the `{}` bucket", bucket.label()),
                ),
            }
        }
    }

    /// On-demand price of `instance_type` in `region`, if the catalog lists one.
    pub fn on_demand_price(&self, region: &str, instance_type: &str) -> Option<Decimal> {
        self.on_demand
            .get(region)
            .and_then(|p| p.usd_per_hour.get(instance_type))
            .copied()
    }

    /// Zones of `region` that offer `instance_type`: the recorded offerings, else every
    /// zone of the region.
    pub fn offered_zones(&self, region: &str, instance_type: &str) -> Vec<&str> {
        match self
            .offerings
            .get(region)
            .and_then(|o| o.zones.get(instance_type))
        {
            Some(z) => z.iter().map(String::as_str).collect(),
            None => self
                .regions
                .get(region)
                .map(|r| r.zones.iter().map(String::as_str).collect())
                .unwrap_or_default(),
        }
    }

    pub fn spot_pool(&self, region: &str, instance_type: &str) -> Option<&SpotPool> {
        self.spot
            .get(region)
            .and_then(|s| s.pools.get(instance_type))
    }

    /// Symmetric RTT between two regions: the mean of both directions where both are
    /// measured, else whichever is. The one RTT every model uses (optimizer, checker,
    /// failure model, gate): a round trip from `a` to `b` and one from `b` to `a`
    /// travel the same two paths, so a difference between the two is measurement
    /// noise, not a property of the pair.
    pub fn rtt_ms(&self, a: &str, b: &str) -> Option<f64> {
        let ab = self.rtt.ms.get(a).and_then(|r| r.get(b)).copied();
        let ba = self.rtt.ms.get(b).and_then(|r| r.get(a)).copied();
        match (ab, ba) {
            (Some(x), Some(y)) => Some((x + y) / 2.0),
            (x, y) => x.or(y),
        }
    }

    /// Families present in the catalog, sorted.
    pub fn families(&self) -> Vec<&str> {
        let mut f: Vec<&str> = self
            .instance_types
            .values()
            .map(|t| t.family.as_str())
            .collect();
        f.sort_unstable();
        f.dedup();
        f
    }

    /// Failure prior for `mode` in `region`, with the catalog's per-region entry applied.
    pub fn failure_mode(&self, mode: Mode, region: &str) -> FailureMode {
        let base = self.failure.mode(mode).clone();
        match self.failure.regions.get(region).and_then(|o| o.mode(mode)) {
            Some(o) => apply_override(base, o),
            None => base,
        }
    }

    /// JSON Schema of the catalog format.
    pub fn json_schema() -> serde_json::Value {
        schemars::schema_for!(Catalog).to_value()
    }
}

pub(crate) fn apply_override(mut base: FailureMode, o: &FailureModeOverride) -> FailureMode {
    if let Some(v) = o.rate_per_year {
        base.rate_per_year = v;
    }
    if let Some(v) = o.median_hours {
        base.median_hours = v;
    }
    if let Some(v) = o.mean_hours {
        base.mean_hours = v;
    }
    if let Some(s) = &o.source {
        base.source = s.clone();
    }
    base
}

/// The largest failure rate a mode may have: about three events a day. Real rates are
/// fractions of one a year (zones, regions) to a few a year (instances); more than this
/// is a unit mistake (per hour given as per year).
pub const MAX_RATE_PER_YEAR: f64 = 1_000.0;
/// The longest outage duration a mode may state: a year.
pub const MAX_DURATION_HOURS: f64 = 8_760.0;

/// Checks a failure mode's numbers: a rate from zero to [`MAX_RATE_PER_YEAR`] and a
/// log-normal duration of at most [`MAX_DURATION_HOURS`] whose mean is at least its
/// median (a log-normal's mean always is).
pub(crate) fn check_mode(rate: f64, median: f64, mean: f64, mut bad: impl FnMut(&str, String)) {
    if !(rate.is_finite() && (0.0..=MAX_RATE_PER_YEAR).contains(&rate)) {
        bad(
            "rate_per_year",
            format!(
                "a rate is events per year, from 0 to {}, got {}",
                crate::input::number(MAX_RATE_PER_YEAR),
                crate::input::number(rate)
            ),
        );
    }
    if !positive(median) || median > MAX_DURATION_HOURS {
        bad(
            "median_hours",
            format!(
                "a median duration is hours above 0, up to {} (a year), got {}",
                crate::input::number(MAX_DURATION_HOURS),
                crate::input::number(median)
            ),
        );
    } else if !(mean.is_finite() && mean >= median && mean <= MAX_DURATION_HOURS) {
        bad(
            "mean_hours",
            format!(
                "a log-normal duration's mean must be at least its median ({} h) and at most {} h (a year), got {} h",
                crate::input::number(median),
                crate::input::number(MAX_DURATION_HOURS),
                crate::input::number(mean)
            ),
        );
    }
}

/// A finite number above zero (NaN is not).
pub(crate) fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Words accepted for architectures, for messages.
pub fn arch_words() -> Vec<&'static str> {
    Arch::words()
}
