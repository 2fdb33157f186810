//! Phase two of reading a topology: check meaning and consistency against the catalog,
//! collecting every problem with its code, key and location before giving up.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;

use super::raw::{
    RawDependency, RawGroup, RawJourney, RawOwned, RawPlacement, RawProfile, RawPurchase,
    RawService, RawSlo, RawTopology,
};
use super::{
    shapes, Checked, Consistency, Constraints, Demand, Disruption, Fleet, Journey, Kind, Overrides,
    Owned, OwnedKind, PurchasePolicy, Service, Slo, Store, Strength, Topology, FORMAT_VERSION,
};
use crate::catalog::{check_mode, Catalog, FailureModeOverride, Mode, ModeOverrides};
use crate::deployment::{Arch, CapacityGroup, DrPattern, Purchase, Role, ServiceDeployment, Words};
use crate::diag::{Code, Diagnostic};
use crate::input::did_you_mean;
use crate::input::spanned::{KeyPath, Locator};
use crate::input::{load, Codes};
use crate::path;

const CODES: Codes = Codes {
    kind: "topology",
    syntax: Code::TomlSyntax,
    wrong_type: Code::WrongType,
    unknown_key: Code::UnknownKey,
};

const DEFAULT_HORIZON_MONTHS: u32 = 12;
const DEFAULT_CONNECTIONS_PER_VCPU: f64 = 1000.0;

// Upper bounds no real system comes near, so that every product the optimizer and the
// failure model form stays finite: a million vCPU is ten thousand of the largest
// instances.
const MAX_VCPU: f64 = 1e6;
const MAX_MEMORY_GIB: f64 = 1e7;
const MAX_CONNECTIONS: f64 = 1e10;
/// One replica runs on one instance; the largest in any catalog has a few hundred vCPU.
const MAX_REPLICA_VCPU: f64 = 1e4;
const MAX_WRITE_GB_PER_DAY: f64 = 1e7;
const MAX_USD: f64 = 1e12;
/// A billion requests a second is far beyond any single journey.
const MAX_REQUESTS_PER_SECOND: f64 = 1e9;
/// The longest latency budget: a round trip longer than 10 s is not a latency budget.
const MAX_LATENCY_BUDGET: Duration = Duration::from_secs(10);
/// Every request of the busiest journey for a year is about 3·10¹⁶.
const MAX_STRANDED_PER_YEAR: f64 = 1e18;

const STATELESS_KEYS: &[&str] = &[
    "peak_vcpu",
    "peak_memory_gib",
    "peak_connections",
    "connections_per_vcpu",
    "profile",
    "flash_crowd",
    "max_spot_share",
    "degraded_floor",
    "max_instance_share",
    "base_on_spot",
    "users",
    "client_latency_budget",
];
const STORE_KEYS: &[&str] = &[
    "anti_affinity",
    "consistency",
    "replicas",
    "replica_vcpu",
    "replica_memory_gib",
    "write_gb_per_day",
];

pub(super) fn run(text: &str, catalog: &Catalog) -> Result<Checked, Vec<Diagnostic>> {
    // A duplicated table is a TOML error; give it the code users look up for names.
    let loaded = load::<RawTopology>(text, CODES).map_err(|diags| {
        diags
            .into_iter()
            .map(|mut d| {
                if d.code == Code::TomlSyntax && d.message.contains("duplicate key") {
                    d.code = Code::DuplicateName;
                }
                d
            })
            .collect::<Vec<_>>()
    })?;
    let mut v = Validator {
        loc: &loaded.locator,
        catalog,
        diags: loaded.diags,
    };
    let topology = v.topology(&loaded.value);
    let mut diags = v.diags;
    crate::diag::sort(&mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let mut topology = topology;
    topology.spans = loaded.locator.all_key_spans();
    Ok(Checked {
        topology,
        warnings: diags,
    })
}

struct Validator<'l, 'a> {
    loc: &'l Locator<'a>,
    catalog: &'l Catalog,
    diags: Vec<Diagnostic>,
}

impl Validator<'_, '_> {
    /// Reports a problem with the value at `path`.
    fn err(&mut self, code: Code, path: &KeyPath, message: impl Into<String>) -> &mut Diagnostic {
        let mut d = Diagnostic::error(code, message).key(path.to_string());
        if let Some(span) = self.loc.value_span(path) {
            d = d.at(span);
        }
        self.diags.push(d);
        self.diags.last_mut().expect("just pushed")
    }

    /// Reports a problem with the key at `path` (a name).
    fn err_key(
        &mut self,
        code: Code,
        path: &KeyPath,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let mut d = Diagnostic::error(code, message).key(path.to_string());
        if let Some(span) = self.loc.key_span(path) {
            d = d.at(span);
        }
        self.diags.push(d);
        self.diags.last_mut().expect("just pushed")
    }

    fn warn(&mut self, code: Code, path: &KeyPath, message: impl Into<String>) -> &mut Diagnostic {
        let d = self.err(code, path, message);
        d.severity = crate::diag::Severity::Warning;
        d
    }

    fn word<W: Words>(&mut self, path: &KeyPath, value: &str, what: &str) -> Option<W> {
        let parsed = W::from_word(value);
        if parsed.is_none() {
            let words = W::words();
            let help = did_you_mean::help_for(value, words.iter().copied());
            self.err(
                Code::UnknownEnumValue,
                path,
                format!("`{value}` is not a {what}"),
            )
            .help = Some(help);
        }
        parsed
    }

    fn name(&mut self, path: &KeyPath, name: &str, what: &str) {
        let ok = (1..=48).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            self.err_key(
                Code::InvalidName,
                path,
                format!("{what} name `{name}` is not a valid identifier"),
            )
            .help = Some(
                "use 1–48 lowercase letters, digits and dashes, starting with a letter \
                 (names become resource names)"
                    .into(),
            );
        }
    }

    /// A positive number no larger than `max` (which no real system comes near: a
    /// bound that catches `1e308` and keeps every later product finite).
    fn positive(
        &mut self,
        path: &KeyPath,
        value: Option<f64>,
        what: &str,
        max: f64,
    ) -> Option<f64> {
        let v = value?;
        if !(v > 0.0 && v <= max) {
            self.err(
                Code::NonPositiveDemand,
                path,
                format!(
                    "{what} must be a positive number up to {}, got {}",
                    crate::input::number(max),
                    crate::input::number(v)
                ),
            );
            return None;
        }
        Some(v)
    }

    fn duration(&mut self, path: &KeyPath, value: Option<&String>) -> Option<Duration> {
        let text = value?;
        match crate::duration::parse(text) {
            Ok(d) => Some(d),
            Err(msg) => {
                self.err(Code::InvalidDuration, path, msg);
                None
            }
        }
    }

    /// Whether a latency budget is at most `MAX_LATENCY_BUDGET`; reports it if not.
    fn budget_in_range(&mut self, path: &KeyPath, b: Duration, key: &str) -> bool {
        if b <= MAX_LATENCY_BUDGET {
            return true;
        }
        self.err(
            Code::LatencyBudgetMisplaced,
            path,
            format!(
                "{key} is at most {}, got {}",
                crate::duration::format(MAX_LATENCY_BUDGET),
                crate::duration::format(b)
            ),
        );
        false
    }

    fn money(&mut self, path: &KeyPath, value: Option<f64>, what: &str) -> Option<Decimal> {
        let v = value?;
        if !(v > 0.0 && v <= MAX_USD) {
            self.err(
                Code::NonPositiveMoney,
                path,
                format!(
                    "{what} must be a positive amount of USD up to {}, got {}",
                    crate::input::number(MAX_USD),
                    crate::input::number(v)
                ),
            );
            return None;
        }
        Decimal::from_f64(v).map(|d| d.round_dp(6))
    }

    fn region(&mut self, path: &KeyPath, region: &str, candidates: Option<&[String]>) -> bool {
        if !self.catalog.regions.contains_key(region) {
            let help =
                did_you_mean::help_for(region, self.catalog.regions.keys().map(String::as_str));
            self.err(
                Code::UnknownRegion,
                path,
                format!("region `{region}` is not in the catalog"),
            )
            .help = Some(help);
            return false;
        }
        if let Some(c) = candidates {
            if !c.iter().any(|r| r == region) {
                let help = did_you_mean::help_for(region, c.iter().map(String::as_str));
                self.err(
                    Code::ResidencyConflict,
                    path,
                    format!(
                        "region `{region}` is not one of the candidate regions in system.regions"
                    ),
                )
                .help = Some(help);
                return false;
            }
        }
        true
    }

    fn topology(&mut self, raw: &RawTopology) -> Topology {
        if raw.version != FORMAT_VERSION {
            self.err(
                Code::UnsupportedVersion,
                &path!["version"],
                format!("topology format version {} is not supported", raw.version),
            )
            .help = Some(format!("this build reads `version = {FORMAT_VERSION}`"));
        }
        let sys = &raw.system;
        self.name(&path!["system", "name"], &sys.name, "system");
        let cloud = sys.cloud.clone().unwrap_or_else(|| "aws".into());
        if cloud != self.catalog.cloud {
            self.err(
                Code::UnsupportedCloud,
                &path!["system", "cloud"],
                format!("cloud `{cloud}` is not supported by the catalog"),
            )
            .help = Some(format!("this catalog describes `{}`", self.catalog.cloud));
        }

        // Candidate regions and their zones.
        let mut regions: Vec<String> = Vec::new();
        if sys.regions.is_empty() {
            self.err(
                Code::UnknownRegion,
                &path!["system", "regions"],
                "at least one candidate region is needed",
            );
        }
        for (i, r) in sys.regions.iter().enumerate() {
            let p = path!["system", "regions", i];
            if regions.contains(r) {
                self.err(
                    Code::DuplicateName,
                    &p,
                    format!("region `{r}` is listed twice"),
                );
            } else if self.region(&p, r, None) {
                regions.push(r.clone());
            }
        }
        let mut zones: BTreeMap<String, Vec<String>> = regions
            .iter()
            .filter_map(|r| {
                self.catalog
                    .regions
                    .get(r)
                    .map(|c| (r.clone(), c.zones.clone()))
            })
            .collect();
        for (region, chosen) in &sys.zones {
            let p = path!["system", "zones", region];
            if !self.region(&p, region, Some(&regions)) {
                continue;
            }
            let Some(known) = self.catalog.regions.get(region).map(|r| r.zones.clone()) else {
                continue;
            };
            if chosen.is_empty() {
                self.err(
                    Code::UnknownZone,
                    &p,
                    format!("no zones chosen for `{region}`"),
                );
            }
            let mut ok = Vec::new();
            for (i, z) in chosen.iter().enumerate() {
                if known.contains(z) {
                    ok.push(z.clone());
                } else {
                    let help = did_you_mean::help_for(z, known.iter().map(String::as_str));
                    self.err(
                        Code::UnknownZone,
                        &p.join(i),
                        format!("zone `{z}` is not a zone of `{region}`"),
                    )
                    .help = Some(help);
                }
            }
            if !ok.is_empty() {
                zones.insert(region.clone(), ok);
            }
        }
        let home_region = match &sys.home_region {
            Some(h) => {
                let p = path!["system", "home_region"];
                if self.catalog.regions.contains_key(h) && !sys.regions.contains(h) {
                    let help = format!("add `{h}` to system.regions, or pick one of them");
                    self.err(
                        Code::HomeRegionNotCandidate,
                        &p,
                        format!("home region `{h}` is not one of the candidate regions"),
                    )
                    .help = Some(help);
                } else {
                    self.region(&p, h, None);
                }
                h.clone()
            }
            None => regions.first().cloned().unwrap_or_default(),
        };
        let monthly_budget_usd = self.money(
            &path!["system", "monthly_budget_usd"],
            sys.monthly_budget_usd,
            "the monthly budget",
        );
        let horizon_months = match sys.horizon_months {
            None => DEFAULT_HORIZON_MONTHS,
            Some(h) if (1..=120).contains(&h) => h as u32,
            Some(h) => {
                self.err(
                    Code::HorizonInvalid,
                    &path!["system", "horizon_months"],
                    format!("planning horizon must be 1 to 120 months, got {h}"),
                );
                DEFAULT_HORIZON_MONTHS
            }
        };

        let constraints = self.constraints(raw, &regions);

        // Services.
        if raw.services.is_empty() {
            let at = self.loc.key_span(&path!["system"]);
            let d = self.err(
                Code::NoServices,
                &path!["services"],
                "the topology defines no services",
            );
            d.span = d.span.clone().or(at);
            d.help = Some("add a table such as [services.web] with kind = \"stateless\"".into());
        }
        let names: Vec<&str> = raw.services.keys().map(String::as_str).collect();
        let mut services = BTreeMap::new();
        for (name, s) in &raw.services {
            let allowed = constraints
                .allowed_regions
                .get(name)
                .cloned()
                .unwrap_or_else(|| regions.clone());
            if let Some(svc) = self.service(name, s, &names, &allowed, &zones) {
                services.insert(name.clone(), svc);
            }
        }
        self.cycles(raw);

        let mut journeys = BTreeMap::new();
        for (name, j) in &raw.journeys {
            let p = path!["journeys", name];
            self.name(&p, name, "journey");
            if j.steps.is_empty() {
                self.err(
                    Code::UnknownJourneyStep,
                    &p.join("steps"),
                    "a journey needs at least one step",
                );
            }
            for (i, step) in j.steps.iter().enumerate() {
                if !raw.services.contains_key(step) {
                    let help = did_you_mean::help_for(step, names.iter().copied());
                    self.err(
                        Code::UnknownJourneyStep,
                        &p.join("steps").join(i),
                        format!("journey step `{step}` is not a defined service"),
                    )
                    .help = Some(help);
                }
            }
            for (step, comp) in &j.compensations {
                let cp = p.join("compensations").join(step);
                if !j.steps.contains(step) {
                    let help = did_you_mean::help_for(step, j.steps.iter().map(String::as_str));
                    self.err_key(
                        Code::CompensationInvalid,
                        &cp,
                        format!("`{step}` is not a step of journey `{name}`"),
                    )
                    .help = Some(help);
                }
                if !raw.services.contains_key(comp) {
                    let help = did_you_mean::help_for(comp, names.iter().copied());
                    self.err(
                        Code::UnknownService,
                        &cp,
                        format!("compensating service `{comp}` is not defined"),
                    )
                    .help = Some(help);
                }
            }
            let slo = self.slo(&p.join("slo"), j.slo.as_ref(), None);
            if j.slo.as_ref().is_some_and(|s| !s.survive.is_empty()) {
                self.err(
                    Code::KeyNotForKind,
                    &p.join("slo").join("survive"),
                    "`survive` applies to services, not journeys",
                )
                .help = Some("set it on the services the journey's steps use".into());
            }
            let requests_per_second = self.saga_rate(&p, name, j);
            let mut slo = slo;
            slo.max_stranded_per_year = self.stranded_bound(&p, j, requests_per_second);
            journeys.insert(
                name.clone(),
                Journey {
                    name: name.clone(),
                    steps: j.steps.clone(),
                    compensations: j.compensations.clone(),
                    requests_per_second,
                    slo,
                },
            );
        }

        let mut placement = BTreeMap::new();
        for (name, pl) in &raw.placement {
            let p = path!["placement", name];
            match raw.services.get(name) {
                None => {
                    let help = did_you_mean::help_for(name, names.iter().copied());
                    self.err_key(
                        Code::PlacementUnknownService,
                        &p,
                        format!("placement for `{name}`, which is not a defined service"),
                    )
                    .help = Some(help);
                }
                Some(s) => {
                    let allowed = constraints
                        .allowed_regions
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| regions.clone());
                    if let Some(dep) = self.placement(&p, name, s, pl, &zones, &allowed) {
                        placement.insert(name.clone(), dep);
                    }
                }
            }
        }
        if !raw.placement.is_empty() {
            let unplaced: Vec<&str> = raw
                .services
                .keys()
                .filter(|n| !raw.placement.contains_key(*n))
                .map(String::as_str)
                .collect();
            if !unplaced.is_empty() {
                self.warn(
                    Code::PlacementMissing,
                    &path!["placement"],
                    format!(
                        "no placement for {}; analysing this placement needs one for every service",
                        unplaced
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }

        let overrides = self.overrides(raw);
        let system_purchase = raw.purchase.as_ref().map(|p| RawPurchase {
            allow: p.allow.clone(),
            max_commitment: p.max_commitment.clone(),
        });
        let purchase = self.purchase(&path!["purchase"], system_purchase.as_ref());
        let start = self.start(sys.start.as_deref());
        let owned = match &raw.purchase {
            Some(p) => self.owned(&p.owned, start, sys.start.is_some()),
            None => Vec::new(),
        };

        Topology {
            name: sys.name.clone(),
            cloud,
            regions,
            zones,
            home_region,
            monthly_budget_usd,
            horizon_months,
            services,
            journeys,
            placement,
            constraints,
            overrides,
            purchase,
            tags: self.tags(&path!["system", "tags"], &sys.tags),
            start: sys.start.clone().filter(|_| start.is_some()),
            owned,
            spans: BTreeMap::new(),
        }
    }

    /// `system.start` as a month number (`year × 12 + month − 1`).
    fn start(&mut self, raw: Option<&str>) -> Option<i64> {
        let text = raw?;
        let m = super::month(text);
        if m.is_none() {
            self.err(
                Code::PlanStartInvalid,
                &path!["system", "start"],
                format!(
                    "system.start is a month written `YYYY-MM` (e.g. \"2026-12\"), got `{text}`"
                ),
            );
        }
        m
    }

    /// `[[purchase.owned]]`: each entry is a Reserved Instance (`type` or `family`,
    /// `region` or `zone`, `count`, `term`) or a Savings Plan (`savings_plan`,
    /// `usd_per_hour`, `term`, and `family` + `region` for an EC2 Instance one), with an
    /// optional `ends` month that needs `system.start`.
    fn owned(&mut self, raw: &[RawOwned], start: Option<i64>, start_given: bool) -> Vec<Owned> {
        let mut out: Vec<Owned> = Vec::new();
        let mut seen: Vec<(Owned, usize)> = Vec::new();
        let families: BTreeSet<&str> = self
            .catalog
            .instance_types
            .values()
            .map(|t| t.family.as_str())
            .collect();
        for (i, o) in raw.iter().enumerate() {
            let p = path!["purchase", "owned", i];
            let before = self.diags.iter().filter(|d| d.is_error()).count();
            let kind = match o.savings_plan.as_deref() {
                None => OwnedKind::ReservedInstance,
                Some("compute") => OwnedKind::ComputeSavingsPlan,
                Some("ec2-instance") => OwnedKind::Ec2InstanceSavingsPlan,
                Some(other) => {
                    let help = did_you_mean::help_for(other, ["compute", "ec2-instance"]);
                    self.err(
                        Code::UnknownEnumValue,
                        &p.join("savings_plan"),
                        format!("savings_plan is `compute` or `ec2-instance`, got `{other}`"),
                    )
                    .help = Some(help);
                    continue;
                }
            };
            // Keys that do not belong to this kind of entry, and whether each is set.
            let foreign: Vec<(&str, bool)> = match kind {
                OwnedKind::ReservedInstance => vec![("usd_per_hour", o.usd_per_hour.is_some())],
                OwnedKind::ComputeSavingsPlan => vec![
                    ("type", o.instance_type.is_some()),
                    ("family", o.family.is_some()),
                    ("region", o.region.is_some()),
                    ("zone", o.zone.is_some()),
                    ("count", o.count.is_some()),
                ],
                OwnedKind::Ec2InstanceSavingsPlan => vec![
                    ("type", o.instance_type.is_some()),
                    ("zone", o.zone.is_some()),
                    ("count", o.count.is_some()),
                ],
            };
            let misplaced = foreign.into_iter().filter(|(_, set)| *set).map(|(k, _)| k);
            for k in misplaced {
                self.err_key(
                    Code::OwnedInvalid,
                    &p.join(k),
                    format!("`{k}` does not apply to an owned {kind}"),
                )
                .help = Some(match kind {
                    OwnedKind::ReservedInstance => "a Reserved Instance has `type` or `family`, `region` or `zone`, `count`, `term` and `ends`; a Savings Plan has `savings_plan` and `usd_per_hour`".into(),
                    OwnedKind::ComputeSavingsPlan => "a Compute Savings Plan has `usd_per_hour`, `term` and `ends`; it covers any family and region".into(),
                    OwnedKind::Ec2InstanceSavingsPlan => "an EC2 Instance Savings Plan has `family`, `region`, `usd_per_hour`, `term` and `ends`".into(),
                });
            }
            let missing = |k: &str, this: &mut Self, why: &str| {
                let d = this.err(
                    Code::OwnedInvalid,
                    &p,
                    format!("owned {kind} entry {} has no `{k}`", i + 1),
                );
                d.key = Some(p.join(k).to_string());
                d.help = Some(why.into());
            };
            // What it covers: a type or a family, a region or a zone.
            let mut instance_type = None;
            let mut family = None;
            let mut region = None;
            let mut zone = None;
            if kind != OwnedKind::ComputeSavingsPlan {
                match (&o.instance_type, &o.family) {
                    (Some(_), Some(_)) if kind == OwnedKind::ReservedInstance => {
                        self.err_key(
                            Code::OwnedInvalid,
                            &p.join("family"),
                            "an owned Reserved Instance has `type` or `family`, not both",
                        );
                    }
                    (None, None) => missing(
                        if kind == OwnedKind::ReservedInstance { "type" } else { "family" },
                        self,
                        "name the instance type (`type = \"m7g.large\"`) or, for a regional size-flexible reservation, the family (`family = \"m7g\"`)",
                    ),
                    _ => {}
                }
                if let Some(t) = &o.instance_type {
                    if self.catalog.instance_types.contains_key(t) {
                        instance_type = Some(t.clone());
                    } else if kind == OwnedKind::ReservedInstance {
                        let help = did_you_mean::help_for(
                            t,
                            self.catalog.instance_types.keys().map(String::as_str),
                        );
                        self.err(
                            Code::UnknownInstanceType,
                            &p.join("type"),
                            format!("instance type `{t}` is not in the catalog"),
                        )
                        .help = Some(help);
                    }
                }
                if let Some(f) = &o.family {
                    if families.contains(f.as_str()) {
                        family = Some(f.clone());
                    } else {
                        let help = did_you_mean::help_for(f, families.iter().copied());
                        self.err(
                            Code::UnknownFamily,
                            &p.join("family"),
                            format!("instance family `{f}` is not in the catalog"),
                        )
                        .help = Some(help);
                    }
                }
                match (&o.region, &o.zone) {
                    (Some(_), Some(_)) => {
                        self.err_key(
                            Code::OwnedInvalid,
                            &p.join("zone"),
                            "an owned Reserved Instance is regional (`region`) or zonal (`zone`), not both",
                        );
                    }
                    (None, None) => missing(
                        "region",
                        self,
                        "say where it applies: `region = \"us-east-1\"`, or `zone = \"us-east-1a\"` for a zonal reservation",
                    ),
                    _ => {}
                }
                if let Some(r) = &o.region {
                    if self.region(&p.join("region"), r, None) {
                        region = Some(r.clone());
                    }
                }
                if let Some(z) = &o.zone {
                    if o.family.is_some() {
                        self.err_key(
                            Code::OwnedInvalid,
                            &p.join("zone"),
                            "a zonal Reserved Instance is for one instance type: size flexibility (`family`) is regional only",
                        )
                        .help = Some("write `type = \"…\"` with `zone`, or `family` with `region`".into());
                    }
                    let home = self
                        .catalog
                        .regions
                        .iter()
                        .find(|(_, c)| c.zones.contains(z))
                        .map(|(r, _)| r.clone());
                    match home {
                        Some(r) => {
                            if let Some(t) = &instance_type {
                                if !self.catalog.offered_zones(&r, t).contains(&z.as_str()) {
                                    self.err(
                                        Code::UnknownInstanceType,
                                        &p.join("type"),
                                        format!("instance type `{t}` is not offered in zone `{z}`"),
                                    );
                                }
                            }
                            zone = Some(z.clone());
                            region = Some(r);
                        }
                        None => {
                            let all: Vec<&str> = self
                                .catalog
                                .regions
                                .values()
                                .flat_map(|c| c.zones.iter().map(String::as_str))
                                .collect();
                            let help = did_you_mean::help_for(z, all.iter().copied());
                            self.err(
                                Code::UnknownZone,
                                &p.join("zone"),
                                format!("zone `{z}` is not a zone of any catalog region"),
                            )
                            .help = Some(help);
                        }
                    }
                }
                if let (Some(t), Some(r), None) = (&instance_type, &region, &zone) {
                    if self.catalog.on_demand_price(r, t).is_none() {
                        self.err(
                            Code::UnknownInstanceType,
                            &p.join("type"),
                            format!("instance type `{t}` has no price in `{r}` in the catalog"),
                        );
                    }
                }
            }
            // How much: a count of instances or an hourly commitment.
            let mut count = 0;
            let mut usd_per_hour = None;
            if kind == OwnedKind::ReservedInstance {
                match o.count {
                    None => missing("count", self, "the number of instances reserved (normalised units with `family`: a large is 4)"),
                    Some(c) if (1..=i64::from(crate::plan::MAX_GROUP_COUNT)).contains(&c) => {
                        count = c as u32;
                    }
                    Some(c) => {
                        self.err(
                            Code::OwnedInvalid,
                            &p.join("count"),
                            format!(
                                "count must be a whole number from 1 to {}, got {c}",
                                crate::plan::MAX_GROUP_COUNT
                            ),
                        );
                    }
                }
            } else {
                match o.usd_per_hour {
                    None => missing(
                        "usd_per_hour",
                        self,
                        "a Savings Plan is an hourly commitment: `usd_per_hour = 1.25`",
                    ),
                    Some(v) => {
                        usd_per_hour =
                            self.money(&p.join("usd_per_hour"), Some(v), "the hourly commitment");
                    }
                }
            }
            let term_months = match o.term.as_deref() {
                Some("1y") => 12,
                Some("3y") => 36,
                None => {
                    missing("term", self, "the term bought: `term = \"1y\"` or `\"3y\"`");
                    36
                }
                Some(other) => {
                    let help = did_you_mean::help_for(other, ["1y", "3y"]);
                    self.err(
                        Code::UnknownEnumValue,
                        &p.join("term"),
                        format!("term is `1y` or `3y`, got `{other}`"),
                    )
                    .help = Some(help);
                    36
                }
            };
            let mut months_left = None;
            if let Some(e) = &o.ends {
                match (super::month(e), start) {
                    (None, _) => {
                        self.err(
                            Code::OwnedEnds,
                            &p.join("ends"),
                            format!(
                                "ends is a month written `YYYY-MM` (e.g. \"2027-06\"), got `{e}`"
                            ),
                        );
                    }
                    (Some(_), None) => {
                        if !start_given {
                            self.err(
                                Code::PlanStartMissing,
                                &p.join("ends"),
                                "an owned commitment with `ends` needs the plan's first month, `system.start`",
                            )
                            .help = Some("add `start = \"2026-12\"` (the month the plan starts) to [system]".into());
                        }
                    }
                    (Some(end), Some(s)) => {
                        let left = end - s;
                        if left <= 0 {
                            self.err(
                                Code::OwnedEnds,
                                &p.join("ends"),
                                format!(
                                    "ends = \"{e}\" is not after system.start: the commitment has expired"
                                ),
                            )
                            .help = Some("remove the entry, or correct `ends`".into());
                        } else if left > i64::from(term_months) {
                            self.err(
                                Code::OwnedEnds,
                                &p.join("ends"),
                                format!(
                                    "ends = \"{e}\" is {left} months after system.start, longer than its {term_months}-month term could still run"
                                ),
                            )
                            .help = Some("check `ends` and `term`: a commitment bought today ends within its term".into());
                        } else {
                            months_left = Some(left as u32);
                        }
                    }
                }
            }
            if self.diags.iter().filter(|d| d.is_error()).count() > before {
                continue;
            }
            let entry = Owned {
                kind,
                instance_type: instance_type.filter(|_| kind == OwnedKind::ReservedInstance),
                family,
                region,
                zone,
                count,
                usd_per_hour,
                term_months,
                ends: o.ends.clone(),
                months_left,
            };
            // The same commitment twice (what it covers and how long) is a copy-paste
            // slip, not two purchases: a real second purchase differs at least in `ends`.
            let same = |a: &Owned, b: &Owned| {
                a.kind == b.kind
                    && a.instance_type == b.instance_type
                    && a.family == b.family
                    && a.region == b.region
                    && a.zone == b.zone
                    && a.term_months == b.term_months
                    && a.ends == b.ends
            };
            if let Some((_, j)) = seen.iter().find(|(b, _)| same(&entry, b)) {
                self.err_key(
                    Code::OwnedDuplicate,
                    &p,
                    format!(
                        "owned entry {} repeats entry {} (same kind, coverage, term and end)",
                        i + 1,
                        j + 1
                    ),
                )
                .help = Some(
                    "merge them into one entry with the total `count` or `usd_per_hour`".into(),
                );
                continue;
            }
            seen.push((entry.clone(), i));
            out.push(entry);
        }
        out
    }

    /// Tags as AWS accepts them: keys of 1–128 characters not starting with the
    /// reserved `aws:` prefix, values of at most 256 characters (EC2 tag restrictions).
    fn tags(&mut self, p: &KeyPath, raw: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        for (k, v) in raw {
            let path = p.join(k);
            let klen = k.chars().count();
            if klen == 0 || klen > 128 || k.to_ascii_lowercase().starts_with("aws:") {
                self.err_key(
                    Code::InvalidTag,
                    &path,
                    format!("tag key `{k}` cannot be used"),
                )
                .help =
                    Some("a tag key has 1–128 characters and does not start with `aws:`".into());
            }
            if v.chars().count() > 256 {
                self.err(
                    Code::InvalidTag,
                    &path,
                    format!("the value of tag `{k}` is longer than 256 characters"),
                );
            }
        }
        raw.clone()
    }

    fn constraints(&mut self, raw: &RawTopology, regions: &[String]) -> Constraints {
        let c = &raw.constraints;
        let names: Vec<&str> = raw.services.keys().map(String::as_str).collect();
        let mut allowed_regions = BTreeMap::new();
        for (svc, list) in &c.allowed_regions {
            let p = path!["constraints", "allowed_regions", svc];
            if !raw.services.contains_key(svc) {
                let help = did_you_mean::help_for(svc, names.iter().copied());
                self.err_key(
                    Code::UnknownService,
                    &p,
                    format!("allowed regions for `{svc}`, which is not a defined service"),
                )
                .help = Some(help);
                continue;
            }
            let mut ok = Vec::new();
            for (i, r) in list.iter().enumerate() {
                if self.region(&p.join(i), r, Some(regions)) {
                    ok.push(r.clone());
                }
            }
            if list.is_empty() {
                self.err(
                    Code::ResidencyConflict,
                    &p,
                    format!("service `{svc}` is allowed in no region"),
                );
            }
            allowed_regions.insert(svc.clone(), ok);
        }
        Constraints {
            allowed_regions,
            max_monthly_usd: self.money(
                &path!["constraints", "max_monthly_usd"],
                c.max_monthly_usd,
                "the monthly cost cap",
            ),
        }
    }

    fn service(
        &mut self,
        name: &str,
        s: &RawService,
        names: &[&str],
        regions: &[String],
        zones: &BTreeMap<String, Vec<String>>,
    ) -> Option<Service> {
        let p = path!["services", name];
        self.name(&p, name, "service");
        let kind: Option<Kind> = self.word(&p.join("kind"), &s.kind, "service kind");
        if kind.is_none() {
            // Re-label: an unknown kind has its own code.
            if let Some(d) = self.diags.last_mut() {
                d.code = Code::UnknownKind;
            }
        }

        // Keys that only some kinds take.
        let present = present_keys(s);
        if let Some(kind) = kind {
            let consistency_auto = s.consistency.as_deref() == Some("auto");
            for key in &present {
                let applies = match kind {
                    Kind::Stateless => {
                        !STORE_KEYS.contains(key)
                            && !matches!(
                                *key,
                                "commit_latency_budget" | "replication_lag" | "failover"
                            )
                    }
                    Kind::Quorum => {
                        !STATELESS_KEYS.contains(key)
                            && (!matches!(*key, "replication_lag" | "failover") || consistency_auto)
                    }
                    Kind::Replicated => {
                        !STATELESS_KEYS.contains(key)
                            && (*key != "commit_latency_budget" || consistency_auto)
                    }
                };
                if !applies {
                    self.err_key(
                        Code::KeyNotForKind,
                        &p.join(*key),
                        format!("`{key}` does not apply to a {kind} service"),
                    )
                    .help = Some(kind_help(kind));
                }
            }
        }

        // Families and architectures.
        let mut families = Vec::new();
        let known_families = self.catalog.families();
        for (i, f) in s.families.iter().flatten().enumerate() {
            if known_families.contains(&f.as_str()) {
                families.push(f.clone());
            } else {
                let help = did_you_mean::help_for(f, known_families.iter().copied());
                self.err(
                    Code::UnknownFamily,
                    &p.join("families").join(i),
                    format!("instance family `{f}` is not in the catalog"),
                )
                .help = Some(help);
            }
        }
        let mut arch = Vec::new();
        for (i, a) in s.arch.iter().flatten().enumerate() {
            if let Some(w) = self.word::<Arch>(&p.join("arch").join(i), a, "CPU architecture") {
                arch.push(w);
            }
        }
        if !arch.is_empty() {
            for (i, f) in families.iter().enumerate() {
                let fam_arch = self
                    .catalog
                    .instance_types
                    .values()
                    .find(|t| &t.family == f)
                    .map(|t| t.arch);
                if let Some(fa) = fam_arch.filter(|fa| !arch.contains(fa)) {
                    let allowed: Vec<String> = arch.iter().map(|a| a.to_string()).collect();
                    self.err(
                        Code::ArchFamilyConflict,
                        &p.join("families").join(i),
                        format!(
                            "family `{f}` is {fa}, but arch allows only {}",
                            allowed.join(", ")
                        ),
                    );
                }
            }
        }

        let mut depends_on = BTreeMap::new();
        let mut latency_budget = BTreeMap::new();
        for (dep, raw_dep) in &s.depends_on {
            let dp = p.join("depends_on").join(dep);
            let strength = raw_dep.strength();
            if dep == name {
                self.err_key(
                    Code::SelfDependency,
                    &dp,
                    format!("service `{name}` depends on itself"),
                );
            } else if !names.contains(&dep.as_str()) {
                let help = did_you_mean::help_for(dep, names.iter().copied());
                self.err_key(
                    Code::UnknownService,
                    &dp,
                    format!("dependency `{dep}` is not a defined service"),
                )
                .help = Some(help);
            }
            let strength_path = match raw_dep {
                RawDependency::Strength(_) => dp.clone(),
                RawDependency::Table(_) => dp.join("strength"),
            };
            let Some(st) = self.word::<Strength>(&strength_path, strength, "dependency strength")
            else {
                continue;
            };
            depends_on.insert(dep.clone(), st);
            let bp = dp.join("latency_budget");
            if let Some(b) = self.duration(&bp, raw_dep.latency_budget()) {
                if st != Strength::Hard {
                    self.err(
                        Code::LatencyBudgetMisplaced,
                        &bp,
                        format!("latency_budget applies to hard dependencies; `{dep}` is a {st} one, whose calls the plan does not place"),
                    )
                    .help = Some("drop latency_budget, or make the dependency hard".into());
                } else if self.budget_in_range(&bp, b, "latency_budget") {
                    latency_budget.insert(dep.clone(), b);
                }
            }
        }

        if s.slo
            .as_ref()
            .is_some_and(|x| x.max_stranded_per_year.is_some())
        {
            self.err(
                Code::KeyNotForKind,
                &p.join("slo").join("max_stranded_per_year"),
                "`max_stranded_per_year` applies to journeys, not services",
            )
            .help = Some(
                "set it in the `[journeys.<name>.slo]` of a journey with `compensations` and `requests_per_second`".into(),
            );
        }
        let slo = self.slo(
            &p.join("slo"),
            s.slo.as_ref(),
            Some(SurviveContext {
                regions,
                zones,
                kind,
                replicas: s.replicas,
            }),
        );

        let consistency = s
            .consistency
            .as_ref()
            .and_then(|c| self.word::<Consistency>(&p.join("consistency"), c, "consistency"));
        let kind = kind?;
        let consistency = match (kind, consistency) {
            (Kind::Quorum, Some(Consistency::Eventual)) => {
                self.err(
                    Code::ConsistencyConflict,
                    &p.join("consistency"),
                    "a quorum group is strongly consistent; it cannot be `eventual`",
                )
                .help = Some("use kind = \"replicated\" for an eventually consistent store, or consistency = \"auto\" to let the optimizer choose".into());
                Consistency::Strong
            }
            (Kind::Replicated, Some(Consistency::Strong)) => {
                self.err(
                    Code::ConsistencyConflict,
                    &p.join("consistency"),
                    "an asynchronously replicated store is eventually consistent; it cannot be `strong`",
                )
                .help = Some("use kind = \"quorum\" for a strongly consistent store, or consistency = \"auto\" to let the optimizer choose".into());
                Consistency::Eventual
            }
            (Kind::Stateless, _) => Consistency::Eventual,
            (Kind::Quorum, None) => Consistency::Strong,
            (Kind::Replicated, None) => Consistency::Eventual,
            (_, Some(c)) => c,
        };
        let demand = match kind {
            Kind::Stateless => Demand::Stateless(self.fleet(&p, s)?),
            k @ (Kind::Quorum | Kind::Replicated) => {
                Demand::Store(self.store(&p, k, consistency, s)?)
            }
        };
        Some(Service {
            name: name.to_string(),
            kind,
            consistency,
            demand,
            families,
            arch,
            depends_on,
            latency_budget,
            slo,
            tags: self.tags(&p.join("tags"), &s.tags),
            purchase: self.purchase(&p.join("purchase"), s.purchase.as_ref()),
        })
    }

    /// A purchase policy: `allow` (default every option) without the commitments
    /// longer than `max_commitment`. On-demand must stay allowed: it is what every
    /// layer falls back to, and the only way to buy the autoscaled layer off spot.
    fn purchase(&mut self, p: &KeyPath, raw: Option<&RawPurchase>) -> PurchasePolicy {
        use crate::deployment::{term_months, PURCHASES};
        let Some(raw) = raw else {
            return PurchasePolicy::default();
        };
        let mut allow: BTreeSet<Purchase> = match &raw.allow {
            None => PURCHASES.into_iter().collect(),
            Some(words) => {
                let mut out = BTreeSet::new();
                for (i, w) in words.iter().enumerate() {
                    if let Some(x) =
                        self.word::<Purchase>(&p.join("allow").join(i), w, "purchase option")
                    {
                        out.insert(x);
                    }
                }
                if !words.iter().any(|w| w == "on-demand") {
                    self.err(
                        Code::PurchasePolicyConflict,
                        &p.join("allow"),
                        "a purchase policy must allow `on-demand`: the autoscaled layer and anything no commitment covers are bought on demand",
                    );
                }
                out
            }
        };
        let max_months = match raw.max_commitment.as_deref() {
            None | Some("3y") => 36,
            Some("1y") => 12,
            Some("none") => 0,
            Some(other) => {
                self.err(
                    Code::UnknownEnumValue,
                    &p.join("max_commitment"),
                    format!("max_commitment is `none`, `1y` or `3y`, got `{other}`"),
                );
                36
            }
        };
        let too_long: Vec<Purchase> = allow
            .iter()
            .copied()
            .filter(|x| term_months(*x).is_some_and(|t| t > max_months))
            .collect();
        if raw.allow.is_some() && !too_long.is_empty() {
            let words: Vec<&str> = too_long.iter().map(|x| x.word()).collect();
            self.err(
                Code::PurchasePolicyConflict,
                &p.join("max_commitment"),
                format!(
                    "`allow` names {} but max_commitment = \"{}\" rules {} out",
                    words.join(", "),
                    raw.max_commitment.as_deref().unwrap_or("3y"),
                    if words.len() == 1 { "it" } else { "them" }
                ),
            );
        }
        for x in too_long {
            allow.remove(&x);
        }
        allow.insert(Purchase::OnDemand);
        PurchasePolicy { allow }
    }

    fn fleet(&mut self, p: &KeyPath, s: &RawService) -> Option<Fleet> {
        let mut missing = false;
        for (key, v) in [
            ("peak_vcpu", s.peak_vcpu),
            ("peak_memory_gib", s.peak_memory_gib),
        ] {
            if v.is_none() {
                self.err_key(
                    Code::MissingKindKey,
                    p,
                    format!("a stateless service needs `{key}`"),
                )
                .key = Some(p.join(key).to_string());
                missing = true;
            }
        }
        let vcpu = self.positive(&p.join("peak_vcpu"), s.peak_vcpu, "peak_vcpu", MAX_VCPU);
        let mem = self.positive(
            &p.join("peak_memory_gib"),
            s.peak_memory_gib,
            "peak_memory_gib",
            MAX_MEMORY_GIB,
        );
        let conns = self.positive(
            &p.join("peak_connections"),
            s.peak_connections,
            "peak_connections",
            MAX_CONNECTIONS,
        );
        let cpv = self
            .positive(
                &p.join("connections_per_vcpu"),
                s.connections_per_vcpu,
                "connections_per_vcpu",
                MAX_CONNECTIONS,
            )
            .unwrap_or(DEFAULT_CONNECTIONS_PER_VCPU);
        if let Some(c) = conns.filter(|c| c / cpv > MAX_VCPU) {
            self.err(
                Code::NonPositiveDemand,
                &p.join("connections_per_vcpu"),
                format!(
                    "peak_connections / connections_per_vcpu asks for {} vCPU, more than the {} a service may need",
                    crate::input::number(c / cpv),
                    crate::input::number(MAX_VCPU)
                ),
            );
        }
        let profile = self.profile(&p.join("profile"), s.profile.as_ref());
        let flash_crowd = s.flash_crowd.unwrap_or(1.0);
        // A burst of more than 100× the daily peak is a unit mistake, not a forecast.
        if !(1.0..=100.0).contains(&flash_crowd) {
            self.err(
                Code::FlashCrowdOutOfRange,
                &p.join("flash_crowd"),
                format!(
                    "flash_crowd multiplies the peak and must be from 1 to 100, got {}",
                    crate::input::number(flash_crowd)
                ),
            );
        }
        let max_spot_share = s.max_spot_share.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&max_spot_share) {
            self.err(
                Code::SpotShareOutOfRange,
                &p.join("max_spot_share"),
                format!(
                    "max_spot_share is a fraction in [0, 1], got {}",
                    crate::input::number(max_spot_share)
                ),
            );
        }
        let degraded_floor = s.degraded_floor.unwrap_or(1.0);
        if !(degraded_floor > 0.0 && degraded_floor <= 1.0) {
            self.err(
                Code::FractionOutOfRange,
                &p.join("degraded_floor"),
                format!("degraded_floor is the share of demand still served during a failure, in (0, 1], got {}", crate::input::number(degraded_floor)),
            );
        }
        let max_instance_share = s
            .max_instance_share
            .unwrap_or(super::DEFAULT_MAX_INSTANCE_SHARE);
        if !(max_instance_share > 0.0 && max_instance_share <= 1.0) {
            self.err(
                Code::FractionOutOfRange,
                &p.join("max_instance_share"),
                format!("max_instance_share is the largest share of the fleet's capacity one instance may carry, in (0, 1], got {}", crate::input::number(max_instance_share)),
            );
        }
        let users = self.users(p, &s.users);
        let cp = p.join("client_latency_budget");
        let client_latency_budget = self.duration(&cp, s.client_latency_budget.as_ref());
        if let Some(b) = client_latency_budget {
            if s.users.is_empty() {
                self.err(
                    Code::LatencyBudgetMisplaced,
                    &cp,
                    "client_latency_budget bounds how far users are served from, and the service states no `users`",
                )
                .help = Some("add `users` (the share of the peak near each region), or drop client_latency_budget".into());
            } else {
                self.budget_in_range(&cp, b, "client_latency_budget");
            }
        }
        let (profile_name, profile) = profile?;
        if missing {
            return None;
        }
        // A demand below the minimum footprint would round to no instance at all.
        let top = profile.iter().copied().fold(0.0, f64::max);
        if let (Some(v), Some(m)) = (vcpu, mem) {
            let v = v.max(conns.map_or(0.0, |c| c / cpv)) * top;
            let m = m * top;
            let min = super::MIN_FLEET_DEMAND;
            if v < min || m < min {
                let (key, what, x) = if top <= 0.0 {
                    ("profile", "the profile's highest factor", top)
                } else if v < min {
                    ("peak_vcpu", "peak vCPU at the profile's peak", v)
                } else {
                    ("peak_memory_gib", "peak memory at the profile's peak", m)
                };
                self.warn(
                    Code::NegligibleDemand,
                    &p.join(key),
                    format!(
                        "{what} is {}, below the {} a fleet is planned for; the plan still runs at least one instance",
                        crate::input::number(x),
                        crate::input::number(min)
                    ),
                )
                .help = Some("state the real peak demand; for a service that is idle most of the day, use a profile with a low trough".into());
            }
        }
        Some(Fleet {
            peak_vcpu: vcpu?,
            peak_memory_gib: mem?,
            peak_connections: conns,
            connections_per_vcpu: cpv,
            profile_name,
            profile,
            flash_crowd,
            max_spot_share,
            degraded_floor,
            max_instance_share,
            base_on_spot: s.base_on_spot.unwrap_or(false),
            users,
            client_latency_budget,
        })
    }

    /// A fleet's `users`: regions of the catalog, each share in (0, 1], adding up to 1.
    fn users(&mut self, p: &KeyPath, raw: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        let up = p.join("users");
        for (region, share) in raw {
            let rp = up.join(region);
            if !self.region(&rp, region, None) {
                continue;
            }
            if !(*share > 0.0 && *share <= 1.0) {
                self.err(
                    Code::UsersInvalid,
                    &rp,
                    format!(
                        "a share of users is a fraction of the peak in (0, 1], got {}",
                        crate::input::number(*share)
                    ),
                );
                continue;
            }
            out.insert(region.clone(), *share);
        }
        let total: f64 = raw.values().sum();
        if out.len() == raw.len() && !raw.is_empty() && (total - 1.0).abs() > 1e-6 {
            self.err(
                Code::UsersInvalid,
                &up,
                format!(
                    "the shares of users add up to {}, not 1",
                    crate::input::number((total * 1e6).round() / 1e6)
                ),
            )
            .help = Some("give each region the share of the peak whose users are nearest it, so they add up to 1".into());
        }
        out
    }

    fn profile(&mut self, p: &KeyPath, raw: Option<&RawProfile>) -> Option<(String, [f64; 24])> {
        match raw {
            None => Some(("flat".into(), [1.0; 24])),
            Some(RawProfile::Shape(name)) => match shapes::by_name(name) {
                Some(f) => Some((name.clone(), f)),
                None => {
                    let help = did_you_mean::help_for(name, shapes::SHAPES.iter().map(|(n, _)| *n));
                    self.err(
                        Code::UnknownProfileShape,
                        p,
                        format!("`{name}` is not a demand profile shape"),
                    )
                    .help = Some(help);
                    None
                }
            },
            Some(RawProfile::Hourly(factors)) => {
                if factors.len() != 24 {
                    self.err(
                        Code::ProfileLength,
                        p,
                        format!(
                            "a demand profile has 24 hourly factors (UTC 00–23), got {}",
                            factors.len()
                        ),
                    );
                    return None;
                }
                let mut ok = true;
                for (i, f) in factors.iter().enumerate() {
                    if !(0.0..=1.0).contains(f) {
                        self.err(
                            Code::ProfileFactor,
                            &p.join(i),
                            format!(
                                "hour {i}: factor {} is outside [0, 1]; factors are fractions of the peak",
                                crate::input::number(*f)
                            ),
                        );
                        ok = false;
                    }
                }
                let mut out = [0.0; 24];
                out.copy_from_slice(factors);
                ok.then(|| ("custom".into(), out))
            }
        }
    }

    fn store(
        &mut self,
        p: &KeyPath,
        kind: Kind,
        consistency: Consistency,
        s: &RawService,
    ) -> Option<Store> {
        let mut missing = false;
        for (key, present) in [
            ("replicas", s.replicas.is_some()),
            ("replica_vcpu", s.replica_vcpu.is_some()),
            ("replica_memory_gib", s.replica_memory_gib.is_some()),
        ] {
            if !present {
                self.err_key(
                    Code::MissingKindKey,
                    p,
                    format!("a {kind} service needs `{key}`"),
                )
                .key = Some(p.join(key).to_string());
                missing = true;
            }
        }
        let rp = p.join("replicas");
        let replicas = match (kind, s.replicas) {
            (Kind::Quorum, Some(n)) if n < 3 => {
                self.err(
                    Code::QuorumTooSmall,
                    &rp,
                    format!("a quorum of {n} cannot lose a member and keep a majority; it needs at least 3 replicas"),
                );
                None
            }
            (Kind::Quorum, Some(n)) if n % 2 == 0 => {
                self.warn(
                    Code::QuorumEven,
                    &rp,
                    format!(
                        "{n} replicas tolerate no more failures than {}, at higher cost",
                        n - 1
                    ),
                );
                u32::try_from(n).ok()
            }
            (_, Some(n)) if n < 1 => {
                self.err(
                    Code::NonPositiveDemand,
                    &rp,
                    format!("replicas must be at least 1, got {n}"),
                );
                None
            }
            (_, Some(n)) if n > 99 => {
                self.err(
                    Code::NonPositiveDemand,
                    &rp,
                    format!("replicas must be at most 99, got {n}"),
                );
                None
            }
            (_, n) => n.and_then(|n| u32::try_from(n).ok()),
        };
        let vcpu = self.positive(
            &p.join("replica_vcpu"),
            s.replica_vcpu,
            "replica_vcpu",
            MAX_REPLICA_VCPU,
        );
        let mem = self.positive(
            &p.join("replica_memory_gib"),
            s.replica_memory_gib,
            "replica_memory_gib",
            MAX_MEMORY_GIB,
        );
        let write = s.write_gb_per_day.unwrap_or(0.0);
        if !(0.0..=MAX_WRITE_GB_PER_DAY).contains(&write) {
            self.err(
                Code::NonPositiveDemand,
                &p.join("write_gb_per_day"),
                format!(
                    "write_gb_per_day must be zero or more, up to {}, got {}",
                    crate::input::number(MAX_WRITE_GB_PER_DAY),
                    crate::input::number(write)
                ),
            );
        }
        let commit = self.duration(
            &p.join("commit_latency_budget"),
            s.commit_latency_budget.as_ref(),
        );
        let lag = self.duration(&p.join("replication_lag"), s.replication_lag.as_ref());
        let failover = self.duration(&p.join("failover"), s.failover.as_ref());
        let anti_affinity = match s.anti_affinity.as_deref() {
            None | Some("zone") => true,
            Some("none") => false,
            Some(other) => {
                self.err(
                    Code::UnknownEnumValue,
                    &p.join("anti_affinity"),
                    format!("anti_affinity is `zone` (members in distinct zones) or `none`, got `{other}`"),
                );
                true
            }
        };
        if missing {
            return None;
        }
        let async_possible = kind == Kind::Replicated || consistency == Consistency::Auto;
        Some(Store {
            replicas: replicas?,
            replica_vcpu: vcpu?,
            replica_memory_gib: mem?,
            write_gb_per_day: write.max(0.0),
            commit_latency_budget: commit,
            // Async replication settings matter whenever the store may be replicated.
            replication_lag: lag.or(async_possible.then(|| Duration::from_secs(1))),
            failover: failover.or(async_possible.then(|| Duration::from_secs(60))),
            anti_affinity,
        })
    }

    /// A journey's `requests_per_second`: a positive number of requests a second.
    fn saga_rate(&mut self, p: &KeyPath, name: &str, j: &RawJourney) -> Option<f64> {
        let v = j.requests_per_second?;
        if !(v > 0.0 && v <= MAX_REQUESTS_PER_SECOND) {
            self.err(
                Code::SagaRateInvalid,
                &p.join("requests_per_second"),
                format!(
                    "requests_per_second of journey `{name}` must be a positive number up to {}, got {}",
                    crate::input::number(MAX_REQUESTS_PER_SECOND),
                    crate::input::number(v)
                ),
            )
            .help = Some("write the journey's mean request rate, e.g. 120".into());
            return None;
        }
        Some(v)
    }

    /// A journey's `slo.max_stranded_per_year`: zero or more, and only where the
    /// stranded-saga figure exists (compensations and a request rate).
    fn stranded_bound(&mut self, p: &KeyPath, j: &RawJourney, rps: Option<f64>) -> Option<f64> {
        let v = j.slo.as_ref()?.max_stranded_per_year?;
        let sp = p.join("slo").join("max_stranded_per_year");
        if !(0.0..=MAX_STRANDED_PER_YEAR).contains(&v) {
            self.err(
                Code::SagaRateInvalid,
                &sp,
                format!(
                    "max_stranded_per_year must be zero or more, up to {}, got {}",
                    crate::input::number(MAX_STRANDED_PER_YEAR),
                    crate::input::number(v)
                ),
            );
            return None;
        }
        if j.compensations.is_empty() {
            self.err(
                Code::SagaRateInvalid,
                &sp,
                "max_stranded_per_year needs `compensations`: without them no saga is left stranded",
            )
            .help = Some("add the journey's `compensations`, or drop the bound".into());
            return None;
        }
        if j.requests_per_second.is_none() {
            self.err(
                Code::SagaRateInvalid,
                &sp,
                "max_stranded_per_year needs the journey's `requests_per_second`: the stranded count is a share of its requests",
            )
            .help = Some("add `requests_per_second` to the journey".into());
            return None;
        }
        // An invalid rate is reported once, on the rate.
        rps.map(|_| v)
    }

    fn slo(
        &mut self,
        p: &KeyPath,
        raw: Option<&RawSlo>,
        service: Option<SurviveContext<'_>>,
    ) -> Slo {
        let Some(raw) = raw else {
            return Slo::default();
        };
        let mut slo = Slo::default();
        if let Some(a) = raw.availability {
            if a > 0.0 && a < 1.0 {
                slo.availability = Some(a);
            } else {
                let help = if a > 1.0 && a < 100.0 {
                    format!(
                        "write a fraction: {} for {a}%",
                        (a / 100.0 * 1e9).round() / 1e9
                    )
                } else {
                    "write a fraction such as 0.999 (three nines); 1.0 is not achievable".into()
                };
                self.err(
                    Code::AvailabilityOutOfRange,
                    &p.join("availability"),
                    format!(
                        "availability must be strictly between 0 and 1, got {}",
                        crate::input::number(a)
                    ),
                )
                .help = Some(help);
            }
        }
        for (objective, classes, target) in [("rto", &raw.rto, 0), ("rpo", &raw.rpo, 1)] {
            for (class, value) in [
                (Disruption::Instance, &classes.instance),
                (Disruption::Zone, &classes.zone),
                (Disruption::Region, &classes.region),
            ] {
                let d = self.duration(&p.join(objective).join(class.word()), value.as_ref());
                if let Some(d) = d {
                    if target == 0 {
                        slo.rto.insert(class, d);
                    } else {
                        slo.rpo.insert(class, d);
                    }
                }
            }
        }
        for (i, w) in raw.survive.iter().enumerate() {
            let sp = p.join("survive").join(i);
            let Some(d) = self.word::<Disruption>(&sp, w, "failure to survive") else {
                continue;
            };
            if let Some(ctx) = &service {
                if let Some(problem) = ctx.survival_problem(d) {
                    self.err(Code::SurvivalImpossible, &sp, problem).help = Some(
                        "add candidate regions or zones (and widen the service's allowed_regions), or drop the requirement".into(),
                    );
                }
            }
            slo.survive.insert(d);
        }
        slo
    }

    fn placement(
        &mut self,
        p: &KeyPath,
        name: &str,
        s: &RawService,
        pl: &RawPlacement,
        zones: &BTreeMap<String, Vec<String>>,
        allowed: &[String],
    ) -> Option<ServiceDeployment> {
        let dr = match &pl.dr {
            Some(w) => self.word::<DrPattern>(&p.join("dr"), w, "DR pattern")?,
            None => DrPattern::None,
        };
        if pl.groups.is_empty() {
            self.err(
                Code::PlacementInvalid,
                &p.join("groups"),
                "a placement needs at least one group",
            );
            return None;
        }
        let mut groups = Vec::new();
        for (i, g) in pl.groups.iter().enumerate() {
            let gp = p.join("groups").join(i);
            if let Some(cg) = self.group(&gp, g, zones) {
                self.group_fits_service(&gp, name, s, &cg, allowed);
                groups.push(cg);
            }
        }
        if groups.len() != pl.groups.len() {
            return None;
        }
        let kind = Kind::from_word(&s.kind)?;
        let count = |role: Role| -> u32 {
            groups
                .iter()
                .filter(|g| g.role == role)
                .map(|g| g.count)
                .sum()
        };
        match kind {
            Kind::Replicated => {
                if let Some(g) = groups.iter().position(|g| g.purchase == Purchase::Spot) {
                    self.err(
                        Code::PlacementInvalid,
                        &p.join("groups").join(g).join("purchase"),
                        "store replicas must not run on spot: a reclaim takes the data with it",
                    );
                }
                if count(Role::Primary) != 1 {
                    self.err(
                        Code::PlacementInvalid,
                        &p.join("groups"),
                        format!("a replicated store's placement needs exactly one instance with role = \"primary\", found {}", count(Role::Primary)),
                    );
                }
            }
            Kind::Quorum => {
                let members: u32 = groups.iter().map(|g| g.count).sum();
                if let Some(want) = s.replicas.filter(|r| *r != i64::from(members)) {
                    self.err(
                        Code::PlacementInvalid,
                        &p.join("groups"),
                        format!("placement has {members} quorum members but `services.{name}.replicas` is {want}"),
                    );
                }
                if let Some(g) = groups.iter().position(|g| g.purchase == Purchase::Spot) {
                    self.err(
                        Code::PlacementInvalid,
                        &p.join("groups").join(g).join("purchase"),
                        "quorum members must not run on spot: a reclaim can take out a majority",
                    );
                }
            }
            Kind::Stateless => {}
        }
        if kind != Kind::Replicated {
            if let Some(g) = groups
                .iter()
                .position(|g| matches!(g.role, Role::Primary | Role::Replica))
            {
                self.err(
                    Code::PlacementInvalid,
                    &p.join("groups").join(g).join("role"),
                    "roles `primary` and `replica` apply to replicated stores only",
                );
            }
        }
        let regions: BTreeSet<&str> = groups.iter().map(|g| g.region.as_str()).collect();
        if regions.len() > 1 && dr == DrPattern::None {
            self.warn(
                Code::PlacementInvalid,
                p,
                "placement spans several regions but sets no `dr` pattern; assuming active-active",
            );
            return Some(ServiceDeployment {
                dr: DrPattern::ActiveActive,
                groups,
            });
        }
        Some(ServiceDeployment { dr, groups })
    }

    /// A placed group must respect the service's residency, families and architectures.
    fn group_fits_service(
        &mut self,
        p: &KeyPath,
        name: &str,
        s: &RawService,
        g: &CapacityGroup,
        allowed: &[String],
    ) {
        if !allowed.contains(&g.region) {
            self.err(
                Code::ResidencyConflict,
                &p.join("region"),
                format!(
                    "`{name}` may not run in `{}` (allowed: {})",
                    g.region,
                    allowed.join(", ")
                ),
            );
        }
        let Some(it) = self.catalog.instance_types.get(&g.instance_type) else {
            return;
        };
        if let Some(families) = s.families.as_ref().filter(|f| !f.contains(&it.family)) {
            self.err(
                Code::PlacementInvalid,
                &p.join("instance_type"),
                format!(
                    "`{}` is of family {}, not one of `{name}`'s allowed families ({})",
                    g.instance_type,
                    it.family,
                    families.join(", ")
                ),
            );
        }
        if let Some(arch) = s
            .arch
            .as_ref()
            .filter(|a| !a.iter().any(|w| w == it.arch.word()))
        {
            self.err(
                Code::PlacementInvalid,
                &p.join("instance_type"),
                format!(
                    "`{}` is {}, not one of `{name}`'s allowed architectures ({})",
                    g.instance_type,
                    it.arch,
                    arch.join(", ")
                ),
            );
        }
    }

    fn group(
        &mut self,
        p: &KeyPath,
        g: &RawGroup,
        zones: &BTreeMap<String, Vec<String>>,
    ) -> Option<CapacityGroup> {
        let region_ok = self.region(
            &p.join("region"),
            &g.region,
            Some(&zones.keys().cloned().collect::<Vec<_>>()),
        );
        if region_ok {
            if let Some(z) = &g.zone {
                let known = zones.get(&g.region).cloned().unwrap_or_default();
                if !known.contains(z) {
                    let help = did_you_mean::help_for(z, known.iter().map(String::as_str));
                    self.err(
                        Code::UnknownZone,
                        &p.join("zone"),
                        format!("zone `{z}` is not a usable zone of `{}`", g.region),
                    )
                    .help = Some(help);
                }
            }
        }
        let tp = p.join("instance_type");
        if !self.catalog.instance_types.contains_key(&g.instance_type) {
            let help = did_you_mean::help_for(
                &g.instance_type,
                self.catalog.instance_types.keys().map(String::as_str),
            );
            self.err(
                Code::UnknownInstanceType,
                &tp,
                format!("instance type `{}` is not in the catalog", g.instance_type),
            )
            .help = Some(help);
        } else if region_ok
            && self
                .catalog
                .on_demand_price(&g.region, &g.instance_type)
                .is_none()
        {
            self.err(
                Code::UnknownInstanceType,
                &tp,
                format!(
                    "instance type `{}` is not offered (has no price) in `{}`",
                    g.instance_type, g.region
                ),
            );
        }
        if g.count < 1 || g.count > 10_000 {
            self.err(
                Code::PlacementInvalid,
                &p.join("count"),
                format!("count must be between 1 and 10000, got {}", g.count),
            );
        }
        let purchase = match &g.purchase {
            Some(w) => self.word::<Purchase>(&p.join("purchase"), w, "purchase option"),
            None => Some(Purchase::OnDemand),
        };
        let role = match &g.role {
            Some(w) => self.word::<Role>(&p.join("role"), w, "role"),
            None => Some(Role::Active),
        };
        Some(CapacityGroup {
            region: g.region.clone(),
            zone: g.zone.clone(),
            instance_type: g.instance_type.clone(),
            count: u32::try_from(g.count).ok().filter(|c| *c >= 1)?,
            purchase: purchase?,
            role: role?,
        })
    }

    fn overrides(&mut self, raw: &RawTopology) -> Overrides {
        let f = &raw.overrides.failure;
        let failure = ModeOverrides {
            instance: f.instance.clone(),
            zone: f.zone.clone(),
            region: f.region.clone(),
            region_control_plane: f.region_control_plane.clone(),
            region_partition: f.region_partition.clone(),
            zone_isolation: f.zone_isolation.clone(),
        };
        let base = path!["overrides", "failure"];
        self.modes(&base, &failure, None);
        let mut failure_regions = BTreeMap::new();
        for (region, modes) in &f.regions {
            let rp = base.join("regions").join(region);
            if self.region(&rp, region, None) {
                self.modes(&rp, modes, Some(region));
                failure_regions.insert(region.clone(), modes.clone());
            }
        }
        let failure_correlation = f.correlation.clone();
        if let Some(o) = &failure_correlation {
            let cp = base.join("correlation");
            for (field, v) in [
                ("second_zone", o.second_zone),
                ("third_zone", o.third_zone),
                ("control_plane_impaired", o.control_plane_impaired),
                ("relaunch_contention", o.relaunch_contention),
            ] {
                if let Some(v) = v.filter(|v| !(0.0..=1.0).contains(v)) {
                    self.err(
                        Code::FractionOutOfRange,
                        &cp.join(field),
                        format!("a probability is a fraction in [0, 1], got {v}"),
                    );
                }
            }
            let k = self.catalog.failure.correlation.with(o);
            if (0.0..=1.0).contains(&k.control_plane_impaired)
                && (0.0..=1.0).contains(&k.relaunch_contention)
                && k.control_plane_impaired + k.relaunch_contention > 1.0 + 1e-12
            {
                self.err(
                    Code::FractionOutOfRange,
                    &cp.join("relaunch_contention"),
                    format!(
                        "launches during a zone outage fail for one reason or the other, so `control_plane_impaired` + `relaunch_contention` must be at most 1, got {} + {}",
                        k.control_plane_impaired, k.relaunch_contention
                    ),
                );
            }
        }
        let failure_failover = f.failover.clone();
        if let Some(v) = failure_failover
            .as_ref()
            .and_then(|o| o.fails)
            .filter(|v| !(0.0..1.0).contains(v))
        {
            self.err(
                Code::FractionOutOfRange,
                &base.join("failover").join("fails"),
                format!(
                    "a failover's chance of failing is a fraction in [0, 1) (at 1 no failover ever works), got {}",
                    crate::input::number(v)
                ),
            );
        }
        let failure_zone_impairment = f.zone_impairment.clone();
        if let Some(o) = &failure_zone_impairment {
            let gp = base.join("zone_impairment");
            let mut problems = Vec::new();
            let g = self.catalog.failure.zone_impairment.with(o);
            g.check(|field, msg| problems.push((field.to_string(), msg)));
            for (field, msg) in problems {
                let code = if field == "share" {
                    Code::FractionOutOfRange
                } else {
                    Code::FailureOverrideOutOfRange
                };
                self.err(code, &gp.join(field.as_str()), msg);
            }
        }
        let pr = &raw.overrides.prices;
        let discount = match pr.discount {
            None => Decimal::ZERO,
            Some(d) if (0.0..1.0).contains(&d) => {
                Decimal::from_f64(d).unwrap_or_default().round_dp(6)
            }
            Some(d) => {
                self.err(
                    Code::FractionOutOfRange,
                    &path!["overrides", "prices", "discount"],
                    format!(
                        "a discount is a fraction in [0, 1), got {}",
                        crate::input::number(d)
                    ),
                );
                Decimal::ZERO
            }
        };
        let mut on_demand = BTreeMap::new();
        for (region, prices) in &pr.on_demand {
            let rp = path!["overrides", "prices", "on_demand", region];
            if !self.region(&rp, region, None) {
                continue;
            }
            let mut out = BTreeMap::new();
            for (t, price) in prices {
                let tp = rp.join(t);
                if !self.catalog.instance_types.contains_key(t) {
                    let help = did_you_mean::help_for(
                        t,
                        self.catalog.instance_types.keys().map(String::as_str),
                    );
                    self.err_key(
                        Code::UnknownInstanceType,
                        &tp,
                        format!("instance type `{t}` is not in the catalog"),
                    )
                    .help = Some(help);
                } else if let Some(d) = self.money(&tp, Some(*price), "a price") {
                    out.insert(t.clone(), d);
                }
            }
            on_demand.insert(region.clone(), out);
        }
        Overrides {
            failure,
            failure_regions,
            failure_correlation,
            failure_failover,
            failure_zone_impairment,
            discount,
            on_demand,
        }
    }

    fn modes(&mut self, p: &KeyPath, modes: &ModeOverrides, region: Option<&str>) {
        for mode in Mode::ALL {
            let Some(o) = modes.mode(*mode) else { continue };
            let base = match region {
                Some(r) => self.catalog.failure_mode(*mode, r),
                None => self.catalog.failure.mode(*mode).clone(),
            };
            let FailureModeOverride {
                rate_per_year,
                median_hours,
                mean_hours,
                ..
            } = o;
            let mp = p.join(mode.key());
            let mut problems = Vec::new();
            check_mode(
                rate_per_year.unwrap_or(base.rate_per_year),
                median_hours.unwrap_or(base.median_hours),
                mean_hours.unwrap_or(base.mean_hours),
                |field, msg| problems.push((field.to_string(), msg)),
            );
            for (field, msg) in problems {
                self.err(
                    Code::FailureOverrideOutOfRange,
                    &mp.join(field.as_str()),
                    msg,
                );
            }
        }
    }

    /// Reports each dependency cycle once, naming its members in order.
    fn cycles(&mut self, raw: &RawTopology) {
        let graph: BTreeMap<&str, Vec<&str>> = raw
            .services
            .iter()
            .map(|(n, s)| {
                let deps = s
                    .depends_on
                    .keys()
                    .map(String::as_str)
                    .filter(|d| *d != n && raw.services.contains_key(*d))
                    .collect();
                (n.as_str(), deps)
            })
            .collect();
        let mut state: BTreeMap<&str, u8> = BTreeMap::new(); // 1 = on stack, 2 = done
        let mut seen_cycles: BTreeSet<Vec<&str>> = BTreeSet::new();
        let mut found: Vec<Vec<&str>> = Vec::new();
        for start in graph.keys() {
            let mut stack: Vec<&str> = Vec::new();
            dfs(start, &graph, &mut state, &mut stack, &mut |cycle| {
                let min = cycle
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, n)| **n)
                    .map_or(0, |(i, _)| i);
                let mut norm = cycle[min..].to_vec();
                norm.extend_from_slice(&cycle[..min]);
                if seen_cycles.insert(norm.clone()) {
                    found.push(norm);
                }
            });
        }
        for cycle in found {
            let first = cycle[0];
            let second = cycle.get(1).copied().unwrap_or(first);
            let mut shown: Vec<&str> = cycle.clone();
            shown.push(first);
            self.err_key(
                Code::DependencyCycle,
                &path!["services", first, "depends_on", second],
                format!("dependency cycle: {}", shown.join(" → ")),
            )
            .help = Some(
                "services in a cycle wait on each other to recover; remove one edge of the cycle"
                    .into(),
            );
        }
    }
}

/// What `survive` is checked against: where the service may run and what it is.
struct SurviveContext<'c> {
    regions: &'c [String],
    zones: &'c BTreeMap<String, Vec<String>>,
    kind: Option<Kind>,
    replicas: Option<i64>,
}

impl SurviveContext<'_> {
    fn zone_count(&self) -> usize {
        self.regions
            .iter()
            .map(|r| self.zones.get(r).map_or(0, Vec::len))
            .sum()
    }

    /// Why surviving `d` is impossible here, if it is.
    fn survival_problem(&self, d: Disruption) -> Option<String> {
        let regions = self.regions.len();
        let zones = self.zone_count();
        let quorum = self.kind == Some(Kind::Quorum);
        let store = matches!(self.kind, Some(Kind::Quorum | Kind::Replicated));
        match d {
            Disruption::Region if quorum && regions < 3 => Some(format!(
                "a quorum survives a region loss only when no region holds a majority, which needs at least 3 regions; this service may use {regions}"
            )),
            Disruption::Region if regions < 2 => Some(format!(
                "surviving a region loss needs at least two regions, but this service may use {}",
                if regions == 0 { "none".to_string() } else { self.regions.join(", ") }
            )),
            Disruption::Zone if quorum && zones < 3 => Some(format!(
                "a quorum survives a zone loss only when no zone holds a majority, which needs at least 3 zones; this service may use {zones}"
            )),
            Disruption::Zone if zones < 2 => Some(
                "surviving a zone loss needs at least two zones, but the service's regions offer one".into(),
            ),
            Disruption::Zone | Disruption::Region
                if self.kind == Some(Kind::Replicated) && self.replicas == Some(1) =>
            {
                Some("a replicated store with `replicas = 1` has no copy to fail over to".into())
            }
            Disruption::Spot if store => Some(
                "stores never run on spot, so there is no spot reclaim to survive; `spot` applies to stateless fleets".into(),
            ),
            _ => None,
        }
    }
}

fn dfs<'a>(
    node: &'a str,
    graph: &BTreeMap<&'a str, Vec<&'a str>>,
    state: &mut BTreeMap<&'a str, u8>,
    stack: &mut Vec<&'a str>,
    on_cycle: &mut impl FnMut(&[&'a str]),
) {
    match state.get(node) {
        Some(2) => return,
        Some(1) => {
            if let Some(pos) = stack.iter().position(|n| *n == node) {
                on_cycle(&stack[pos..]);
            }
            return;
        }
        _ => {}
    }
    state.insert(node, 1);
    stack.push(node);
    for next in graph.get(node).into_iter().flatten() {
        dfs(next, graph, state, stack, on_cycle);
    }
    stack.pop();
    state.insert(node, 2);
}

fn present_keys(s: &RawService) -> Vec<&'static str> {
    let mut keys = Vec::new();
    let mut add = |key: &'static str, present: bool| {
        if present {
            keys.push(key);
        }
    };
    add("peak_vcpu", s.peak_vcpu.is_some());
    add("peak_memory_gib", s.peak_memory_gib.is_some());
    add("peak_connections", s.peak_connections.is_some());
    add("connections_per_vcpu", s.connections_per_vcpu.is_some());
    add("profile", s.profile.is_some());
    add("flash_crowd", s.flash_crowd.is_some());
    add("max_spot_share", s.max_spot_share.is_some());
    add("degraded_floor", s.degraded_floor.is_some());
    add("max_instance_share", s.max_instance_share.is_some());
    add("base_on_spot", s.base_on_spot.is_some());
    add("users", !s.users.is_empty());
    add("client_latency_budget", s.client_latency_budget.is_some());
    add("anti_affinity", s.anti_affinity.is_some());
    add("consistency", s.consistency.is_some());
    add("replicas", s.replicas.is_some());
    add("replica_vcpu", s.replica_vcpu.is_some());
    add("replica_memory_gib", s.replica_memory_gib.is_some());
    add("write_gb_per_day", s.write_gb_per_day.is_some());
    add("commit_latency_budget", s.commit_latency_budget.is_some());
    add("replication_lag", s.replication_lag.is_some());
    add("failover", s.failover.is_some());
    keys
}

fn kind_help(kind: Kind) -> String {
    match kind {
        Kind::Stateless => "stateless services take peak_vcpu, peak_memory_gib, peak_connections, connections_per_vcpu, profile, flash_crowd, max_spot_share, degraded_floor, max_instance_share, base_on_spot, users and client_latency_budget".into(),
        Kind::Quorum => "quorum groups take replicas, replica_vcpu, replica_memory_gib, commit_latency_budget, write_gb_per_day, anti_affinity and consistency".into(),
        Kind::Replicated => "replicated stores take replicas, replica_vcpu, replica_memory_gib, replication_lag, failover, write_gb_per_day, anti_affinity and consistency".into(),
    }
}
