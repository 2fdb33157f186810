//! What a plan asks to be built, in the terms of the Terraform modules: stateless fleets
//! (per service and region, one capacity group per zone and interchangeable type
//! class), store members (one single-instance group each), standby fleets and DNS
//! records. Every figure is derived from the plan's instance lines and the catalog's
//! instance types; `docs/terraform.md` states the mapping. The generator and the
//! re-plan diff both read plans through this one translation.

use std::collections::{BTreeMap, BTreeSet};

use faultline_models::catalog::Catalog;
use faultline_models::deployment::{Arch, DrPattern, Purchase, Role, Words};
use faultline_models::diag::{Code, Diagnostic};
use faultline_models::input::clip;
use faultline_models::plan::{
    InstanceLine, Layer, Plan, ServicePlan, MAX_GROUP_COUNT, PLAN_FORMAT_VERSION,
};
use faultline_models::topology::Kind;

/// Longest resource name prefix: AWS caps load balancer and target group names at 32
/// characters and the target group adds `-tg`.
pub const MAX_NAME: usize = 28;

/// Everything the tree builds, sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct Infra {
    pub plan_id: String,
    pub system: String,
    /// Regions with any capacity, sorted.
    pub regions: BTreeSet<String>,
    /// Zones with zonal capacity, sorted.
    pub zones: BTreeSet<String>,
    /// Zones of each region in the catalog, for groups that may use any zone.
    pub region_zones: BTreeMap<String, Vec<String>>,
    /// Architectures used in each region (each needs an AMI).
    pub archs: BTreeMap<String, BTreeSet<Arch>>,
    /// Stateless fleets by (service, region).
    pub fleets: BTreeMap<(String, String), FleetModule>,
    /// Store members by (service, region).
    pub stores: BTreeMap<(String, String), StoreRegion>,
    /// One DNS name per stateless service.
    pub records: BTreeMap<String, Record>,
    /// Planned services by kind (for variables that must name each).
    pub kinds: BTreeMap<String, Kind>,
    /// Services whose dependencies could not be wired: the dependency runs in no
    /// region the dependent runs in (security groups do not cross regions).
    pub unwired: Vec<(String, String)>,
    /// Whether the caller said what depends on what (from the topology).
    pub wired: bool,
}

/// Whether a fleet serves traffic or stands by in a recovery region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FleetRole {
    Serving,
    Standby,
}

impl FleetRole {
    pub fn word(self) -> &'static str {
        match self {
            FleetRole::Serving => "serving",
            FleetRole::Standby => "standby",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FleetModule {
    pub service: String,
    pub region: String,
    pub role: FleetRole,
    /// Resource name prefix (at most [`MAX_NAME`] characters).
    pub name: String,
    /// Terraform module name, unique in the root module.
    pub module: String,
    pub groups: BTreeMap<String, Group>,
    /// CPU utilisation the plan's capacity has at the planned peak demand, in percent.
    pub cpu_target_percent: f64,
    /// Stores and fleets this fleet reaches in its region.
    pub reaches: BTreeSet<String>,
    /// Fleets in this region that reach this one through its load balancer.
    pub clients: BTreeSet<String>,
    pub monthly_usd: rust_decimal::Decimal,
}

/// One Auto Scaling group. Sizes are in capacity units of one vCPU.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// `None`: the group may use any zone of the region.
    pub zone: Option<String>,
    pub arch: Arch,
    pub min_size: u32,
    pub max_size: u32,
    pub desired_capacity: u32,
    pub on_demand_base_capacity: u32,
    pub on_demand_percentage_above_base_capacity: u32,
    /// Instance types in launch priority: committed types first, then on-demand, then
    /// spot-only; with each type's weight (its vCPU).
    pub overrides: Vec<(String, u32)>,
    /// Purchase options of the group's lines, sorted.
    pub purchases: BTreeSet<Purchase>,
    /// Units by purchase option and layer, as planned.
    pub units: BTreeMap<(Purchase, Layer), u32>,
    /// The plan's lines behind the group, for the comment above it.
    pub lines: Vec<InstanceLine>,
}

impl Group {
    pub fn purchase_tag(&self) -> String {
        self.purchases
            .iter()
            .map(|p| p.word())
            .collect::<Vec<_>>()
            .join("+")
    }

    pub fn spot_units(&self) -> u32 {
        self.units
            .iter()
            .filter(|((p, _), _)| *p == Purchase::Spot)
            .map(|(_, u)| u)
            .sum()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoreRegion {
    pub service: String,
    pub region: String,
    pub name: String,
    pub module: String,
    /// Members by key (`<zone>-<n>`).
    pub members: BTreeMap<String, Member>,
    /// Other regions holding members of the store.
    pub peer_regions: BTreeSet<String>,
    /// Fleets in this region that use the store.
    pub clients: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub zone: String,
    pub instance_type: String,
    pub arch: Arch,
    pub role: Role,
    pub purchase: Purchase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// Active-active across regions.
    Latency,
    /// A primary region and a warm standby.
    Failover,
    /// One region.
    Simple,
}

impl Routing {
    pub fn word(self) -> &'static str {
        match self {
            Routing::Latency => "latency",
            Routing::Failover => "failover",
            Routing::Simple => "simple",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub service: String,
    pub name: String,
    pub module: String,
    pub routing: Routing,
    /// Region → `PRIMARY`/`SECONDARY` for failover, empty otherwise.
    pub endpoints: BTreeMap<String, String>,
}

/// A short region code for names: `us-east-1` → `use1`, `ap-southeast-2` → `apse2`.
pub fn region_code(region: &str) -> String {
    let mut out = String::new();
    for part in region.split('-') {
        let code = match part {
            "northeast" => "ne",
            "northwest" => "nw",
            "southeast" => "se",
            "southwest" => "sw",
            "north" => "n",
            "south" => "s",
            "east" => "e",
            "west" => "w",
            "central" => "c",
            p if p.chars().all(|c| c.is_ascii_digit()) => p,
            p if out.is_empty() => p,
            p => &p[..p.len().min(1)],
        };
        out.push_str(code);
    }
    out
}

/// A resource name prefix of at most [`MAX_NAME`] characters: the parts joined by `-`,
/// or, when that is longer, its start and a digest of the whole so names stay unique.
pub fn resource_name(parts: &[&str]) -> String {
    let full = parts.join("-");
    if full.len() <= MAX_NAME {
        return full;
    }
    let digest = faultline_models::plan::sha256_hex(full.as_bytes());
    let head: String = full.chars().take(MAX_NAME - 9).collect();
    format!("{}-{}", head.trim_end_matches('-'), &digest[..8])
}

/// A Terraform identifier from names: `orders-db`, `us-east-1` → `orders_db_us_east_1`.
pub fn identifier(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.replace(['-', '.'], "_"))
        .collect::<Vec<_>>()
        .join("_")
}

fn is_commitment(p: Purchase) -> bool {
    faultline_models::cost::term_months(p).is_some()
}

/// Reads what a plan builds, checking it against the catalog. Errors name the plan key
/// at fault; every problem is reported.
pub fn translate(
    plan: &Plan,
    catalog: &Catalog,
    depends_on: Option<&BTreeMap<String, BTreeSet<String>>>,
) -> Result<Infra, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    if plan.format_version != PLAN_FORMAT_VERSION {
        errors.push(
            Diagnostic::error(
                Code::PlanVersion,
                format!(
                    "plan format version {} is not supported; this build reads version {PLAN_FORMAT_VERSION}",
                    plan.format_version
                ),
            )
            .key("format_version"),
        );
        return Err(errors);
    }
    if plan.services.is_empty() {
        errors.push(
            Diagnostic::error(Code::PlanMalformed, "the plan has no services")
                .key("services")
                .help("re-run `faultline plan` on a topology with services"),
        );
    }
    check_names(plan, &mut errors);
    for (name, sp) in &plan.services {
        check_lines(plan, catalog, name, sp, &mut errors);
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut infra = Infra {
        plan_id: plan.id.clone(),
        system: plan.system.clone(),
        regions: BTreeSet::new(),
        zones: BTreeSet::new(),
        region_zones: BTreeMap::new(),
        archs: BTreeMap::new(),
        fleets: BTreeMap::new(),
        stores: BTreeMap::new(),
        records: BTreeMap::new(),
        kinds: plan
            .services
            .iter()
            .map(|(k, v)| (k.clone(), v.kind))
            .collect(),
        unwired: Vec::new(),
        wired: depends_on.is_some(),
    };
    for (name, sp) in &plan.services {
        for l in &sp.instances {
            infra.regions.insert(l.region.clone());
            if let Some(z) = &l.zone {
                infra.zones.insert(z.clone());
            }
            if let Some(t) = catalog.instance_types.get(&l.instance_type) {
                infra
                    .archs
                    .entry(l.region.clone())
                    .or_default()
                    .insert(t.arch);
            }
        }
        match sp.kind {
            Kind::Stateless => {
                if let Err(e) = fleets(plan, catalog, name, sp, &mut infra) {
                    errors.push(*e);
                }
            }
            Kind::Quorum | Kind::Replicated => stores(plan, catalog, name, sp, &mut infra),
        }
    }
    for r in &infra.regions {
        if let Some(reg) = catalog.regions.get(r) {
            infra.region_zones.insert(r.clone(), reg.zones.clone());
        }
    }
    if let Some(deps) = depends_on {
        wire(&mut infra, deps);
    }
    if errors.is_empty() {
        Ok(infra)
    } else {
        Err(errors)
    }
}

/// Service names must give distinct Terraform identifiers.
fn check_names(plan: &Plan, errors: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for name in plan.services.keys() {
        let ok = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            errors.push(
                Diagnostic::error(
                    Code::PlanMalformed,
                    format!("service name `{name}` is not a topology service name"),
                )
                .key(format!("services.{name}"))
                .help("service names are lowercase letters, digits and hyphens, starting with a letter"),
            );
            continue;
        }
        let id = identifier(&[name]);
        if let Some(other) = seen.insert(id, name) {
            errors.push(
                Diagnostic::error(
                    Code::PlanMalformed,
                    format!("services `{other}` and `{name}` would share Terraform names"),
                )
                .key(format!("services.{name}")),
            );
        }
    }
}

fn line_key(service: &str, i: usize) -> String {
    format!("services.{service}.instances.{i}")
}

/// The largest size the Auto Scaling API takes (a 32-bit integer), in capacity units.
const MAX_UNITS: u64 = i32::MAX as u64;

fn check_lines(
    plan: &Plan,
    catalog: &Catalog,
    name: &str,
    sp: &ServicePlan,
    errors: &mut Vec<Diagnostic>,
) {
    if sp.instances.is_empty() {
        errors.push(
            Diagnostic::error(
                Code::PlanMalformed,
                format!("service `{name}` has no instance lines"),
            )
            .key(format!("services.{name}.instances"))
            .help("the plan lists every instance a service runs; re-run `faultline plan`"),
        );
    }
    let store = sp.kind != Kind::Stateless;
    let mut total: u64 = 0;
    for (i, l) in sp.instances.iter().enumerate() {
        let key = line_key(name, i);
        let Some(region) = catalog.regions.get(&l.region) else {
            errors.push(
                Diagnostic::error(
                    Code::PlanUnknownRef,
                    format!(
                        "`{name}` runs in region `{}`, which the catalog does not have",
                        clip(&l.region)
                    ),
                )
                .key(format!("{key}.region"))
                .help("plan again with this catalog, or pass the catalog the plan was made with (`--catalog`)"),
            );
            continue;
        };
        match &l.zone {
            Some(z) if !region.zones.contains(z) => errors.push(
                Diagnostic::error(
                    Code::PlanUnknownRef,
                    format!(
                        "zone `{}` of `{name}` is not a zone of {} in the catalog",
                        clip(z),
                        l.region
                    ),
                )
                .key(format!("{key}.zone"))
                .help(format!("zones of {}: {}", l.region, region.zones.join(", "))),
            ),
            None if store => errors.push(
                Diagnostic::error(
                    Code::PlanMalformed,
                    format!("a member of store `{name}` has no zone; every store member is pinned to one"),
                )
                .key(format!("{key}.zone")),
            ),
            _ => {}
        }
        let Some(t) = catalog.instance_types.get(&l.instance_type) else {
            errors.push(
                Diagnostic::error(
                    Code::PlanUnknownRef,
                    format!(
                        "instance type `{}` of `{name}` is not in the catalog",
                        clip(&l.instance_type)
                    ),
                )
                .key(format!("{key}.instance_type")),
            );
            continue;
        };
        if t.vcpus == 0 {
            errors.push(
                Diagnostic::error(
                    Code::PlanUnknownRef,
                    format!(
                        "instance type `{}` has no vCPU in the catalog",
                        l.instance_type
                    ),
                )
                .key(format!("{key}.instance_type")),
            );
        }
        if l.count == 0 || l.count > MAX_GROUP_COUNT {
            errors.push(
                Diagnostic::error(
                    Code::PlanMalformed,
                    format!(
                        "an instance line of `{name}` holds 1 to {MAX_GROUP_COUNT} instances, got {}",
                        l.count
                    ),
                )
                .key(format!("{key}.count")),
            );
        } else {
            total += u64::from(l.count) * u64::from(t.vcpus);
        }
        let standby_layer = l.layer == Layer::Standby;
        if standby_layer != (l.role == Role::Standby) {
            errors.push(
                Diagnostic::error(
                    Code::PlanMalformed,
                    format!(
                        "an instance line of `{name}` has role `{}` in layer `{}`; standby capacity has both",
                        l.role,
                        layer_word(l.layer)
                    ),
                )
                .key(format!("{key}.role")),
            );
        }
        if store {
            if l.purchase == Purchase::Spot {
                errors.push(
                    Diagnostic::error(
                        Code::PlanMalformed,
                        format!("a member of store `{name}` is on spot; store members never are"),
                    )
                    .key(format!("{key}.purchase")),
                );
            }
            if l.layer == Layer::Peak {
                errors.push(
                    Diagnostic::error(
                        Code::PlanMalformed,
                        format!(
                            "a member of store `{name}` is in the peak layer; members always run"
                        ),
                    )
                    .key(format!("{key}.layer")),
                );
            }
        } else {
            if matches!(l.role, Role::Primary | Role::Replica) {
                errors.push(
                    Diagnostic::error(
                        Code::PlanMalformed,
                        format!(
                            "stateless `{name}` has a `{}` line; fleets are active or standby",
                            l.role
                        ),
                    )
                    .key(format!("{key}.role")),
                );
            }
            if standby_layer && l.purchase == Purchase::Spot {
                errors.push(
                    Diagnostic::error(
                        Code::PlanMalformed,
                        format!("the standby of `{name}` is on spot; a standby must be there when a region fails"),
                    )
                    .key(format!("{key}.purchase")),
                );
            }
        }
    }
    if total > MAX_UNITS {
        errors.push(
            Diagnostic::error(
                Code::PlanMalformed,
                format!("`{name}` has {total} vCPU, more than an Auto Scaling group can hold ({MAX_UNITS})"),
            )
            .key(format!("services.{name}.instances")),
        );
    }
    if !store {
        let standby = sp.instances.iter().any(|l| l.layer == Layer::Standby);
        if standby && sp.deployment.dr != DrPattern::WarmStandby {
            errors.push(
                Diagnostic::error(
                    Code::PlanMalformed,
                    format!(
                        "`{name}` has standby capacity but its DR pattern is {}",
                        sp.deployment.dr
                    ),
                )
                .key(format!("services.{name}.deployment.dr")),
            );
        }
        let demand = plan
            .inputs
            .services
            .get(name)
            .map_or(0.0, |s| s.demand_vcpu);
        if !(demand.is_finite() && demand > 0.0) {
            errors.push(
                Diagnostic::error(
                    Code::PlanMalformed,
                    format!("the plan does not say how many vCPU `{name}` needs at its peak"),
                )
                .key(format!("inputs.services.{name}.demand_vcpu"))
                .help("the autoscaling target is derived from it; re-run `faultline plan` with this build"),
            );
        }
    }
}

fn layer_word(l: Layer) -> &'static str {
    match l {
        Layer::Base => "base",
        Layer::Peak => "peak",
        Layer::Standby => "standby",
    }
}

/// Types that an Auto Scaling group may launch for one another by vCPU weight: the
/// same architecture and the same memory per vCPU, so any mix that reaches the planned
/// units also has the planned memory.
type Class = (Arch, u64);

fn class_of(catalog: &Catalog, instance_type: &str) -> Class {
    let t = &catalog.instance_types[instance_type];
    // Memory per vCPU in MiB, exact for every catalog type.
    let mib = (t.memory_gib * 1024.0 / f64::from(t.vcpus)).round() as u64;
    (t.arch, mib)
}

fn vcpus(catalog: &Catalog, instance_type: &str) -> u32 {
    catalog.instance_types[instance_type].vcpus
}

/// Builds groups from lines, one per (zone, class). Keys are the zone (or `regional`),
/// with the class's families appended when a zone holds more than one class.
fn groups(catalog: &Catalog, region: &str, lines: &[&InstanceLine]) -> BTreeMap<String, Group> {
    let mut by: BTreeMap<(Option<String>, Class), Vec<&InstanceLine>> = BTreeMap::new();
    for l in lines {
        by.entry((l.zone.clone(), class_of(catalog, &l.instance_type)))
            .or_default()
            .push(l);
    }
    let mut per_zone: BTreeMap<Option<String>, usize> = BTreeMap::new();
    for (zone, _) in by.keys() {
        *per_zone.entry(zone.clone()).or_default() += 1;
    }
    let mut out = BTreeMap::new();
    for ((zone, class), ls) in by {
        let zone_key = zone.clone().unwrap_or_else(|| format!("{region}-any"));
        let key = if per_zone[&zone] > 1 {
            let families: BTreeSet<&str> = ls
                .iter()
                .map(|l| catalog.instance_types[&l.instance_type].family.as_str())
                .collect();
            format!(
                "{zone_key}-{}",
                families.into_iter().collect::<Vec<_>>().join("-")
            )
        } else {
            zone_key
        };
        out.insert(key, group(catalog, zone, class.0, &ls));
    }
    out
}

fn group(catalog: &Catalog, zone: Option<String>, arch: Arch, ls: &[&InstanceLine]) -> Group {
    let mut units: BTreeMap<(Purchase, Layer), u32> = BTreeMap::new();
    // Launch priority: 0 committed, 1 on-demand, 2 spot only; then more units first.
    let mut rank: BTreeMap<String, (u8, u32)> = BTreeMap::new();
    for l in ls {
        let u = l.count * vcpus(catalog, &l.instance_type);
        *units.entry((l.purchase, l.layer)).or_default() += u;
        let r = if is_commitment(l.purchase) {
            0
        } else if l.purchase == Purchase::OnDemand {
            1
        } else {
            2
        };
        let e = rank.entry(l.instance_type.clone()).or_insert((r, 0));
        e.0 = e.0.min(r);
        e.1 += u;
    }
    let mut order: Vec<(String, (u8, u32))> = rank.into_iter().collect();
    order.sort_by(|a, b| {
        a.1 .0
            .cmp(&b.1 .0)
            .then(b.1 .1.cmp(&a.1 .1))
            .then(a.0.cmp(&b.0))
    });
    let overrides = order
        .into_iter()
        .map(|(t, _)| {
            let w = vcpus(catalog, &t);
            (t, w)
        })
        .collect();
    let sum = |f: &dyn Fn(Purchase, Layer) -> bool| -> u32 {
        units
            .iter()
            .filter(|((p, l), _)| f(*p, *l))
            .map(|(_, u)| *u)
            .sum()
    };
    let base = sum(&|_, l| l == Layer::Base);
    let peak = sum(&|_, l| l == Layer::Peak);
    let standby = sum(&|_, l| l == Layer::Standby);
    let on_demand = sum(&|p, _| p != Purchase::Spot);
    let spot = sum(&|p, _| p == Purchase::Spot);
    let min_size = base + standby;
    let max_size = base + peak + standby;
    Group {
        zone,
        arch,
        min_size,
        max_size,
        desired_capacity: max_size,
        // Every planned on-demand-priced unit (reserved, Savings Plan or on-demand) is
        // launched before any spot, so the reserved types are covered and the spot units
        // are exactly the plan's at the planned peak.
        on_demand_base_capacity: on_demand,
        on_demand_percentage_above_base_capacity: if spot > 0 { 0 } else { 100 },
        overrides,
        purchases: ls.iter().map(|l| l.purchase).collect(),
        units,
        lines: {
            let mut v: Vec<InstanceLine> = ls.iter().map(|l| (*l).clone()).collect();
            v.sort_by(|a, b| {
                (a.layer, a.purchase, &a.instance_type).cmp(&(
                    b.layer,
                    b.purchase,
                    &b.instance_type,
                ))
            });
            v
        },
    }
}

fn fleets(
    plan: &Plan,
    catalog: &Catalog,
    name: &str,
    sp: &ServicePlan,
    infra: &mut Infra,
) -> Result<(), Box<Diagnostic>> {
    let demand = plan.inputs.services[name].demand_vcpu;
    let serving: Vec<&InstanceLine> = sp
        .instances
        .iter()
        .filter(|l| l.layer != Layer::Standby)
        .collect();
    let standby: Vec<&InstanceLine> = sp
        .instances
        .iter()
        .filter(|l| l.layer == Layer::Standby)
        .collect();
    let peak_units: u32 = serving
        .iter()
        .map(|l| l.count * vcpus(catalog, &l.instance_type))
        .sum();
    if peak_units == 0 {
        return Err(Box::new(
            Diagnostic::error(
                Code::PlanMalformed,
                format!("`{name}` has standby capacity but no serving capacity"),
            )
            .key(format!("services.{name}.instances")),
        ));
    }
    let target = (demand / f64::from(peak_units) * 1000.0).round() / 10.0;
    if target > 100.0 {
        return Err(Box::new(
            Diagnostic::error(
                Code::PlanMalformed,
                format!(
                    "`{name}` needs {demand} vCPU at its peak but the plan gives it {peak_units}"
                ),
            )
            .key(format!("inputs.services.{name}.demand_vcpu")),
        ));
    }
    let mut by_region: BTreeMap<(&str, FleetRole), Vec<&InstanceLine>> = BTreeMap::new();
    for l in &serving {
        by_region
            .entry((l.region.as_str(), FleetRole::Serving))
            .or_default()
            .push(l);
    }
    for l in &standby {
        by_region
            .entry((l.region.as_str(), FleetRole::Standby))
            .or_default()
            .push(l);
    }
    let standby_units: u32 = standby
        .iter()
        .map(|l| l.count * vcpus(catalog, &l.instance_type))
        .sum();
    for ((region, role), lines) in by_region {
        if infra
            .fleets
            .contains_key(&(name.to_string(), region.to_string()))
        {
            return Err(Box::new(
                Diagnostic::error(
                    Code::PlanMalformed,
                    format!("`{name}` has both serving and standby capacity in {region}"),
                )
                .key(format!("services.{name}.instances")),
            ));
        }
        let mut gs = groups(catalog, region, &lines);
        if role == FleetRole::Standby {
            // A warm standby runs its planned size and scales out, on-demand, to the
            // serving capacity it takes over when traffic fails over to it.
            for g in gs.values_mut() {
                let share = u64::from(g.min_size) * u64::from(peak_units);
                let max = share.div_ceil(u64::from(standby_units.max(1)));
                g.max_size = u32::try_from(max).unwrap_or(u32::MAX).max(g.min_size);
                g.desired_capacity = g.min_size;
                g.on_demand_base_capacity = g.max_size;
                g.on_demand_percentage_above_base_capacity = 100;
            }
        } else {
            // A group with nothing always on still keeps one instance's worth running:
            // at zero instances it would have no CPU metric to scale out on.
            for g in gs.values_mut() {
                if g.min_size == 0 {
                    let smallest = g.overrides.iter().map(|o| o.1).min().unwrap_or(1);
                    g.min_size = smallest.min(g.max_size);
                }
            }
        }
        let monthly = lines.iter().map(|l| l.monthly_usd).sum();
        let name_parts: Vec<&str> = match role {
            FleetRole::Serving => vec![&plan.system, name],
            FleetRole::Standby => vec![&plan.system, name, "sb"],
        };
        let code = region_code(region);
        let mut rn = name_parts.clone();
        rn.push(&code);
        let fleet = FleetModule {
            service: name.to_string(),
            region: region.to_string(),
            role,
            name: resource_name(&rn),
            module: identifier(&[name, region]),
            groups: gs,
            cpu_target_percent: target,
            reaches: BTreeSet::new(),
            clients: BTreeSet::new(),
            monthly_usd: monthly,
        };
        infra
            .fleets
            .insert((name.to_string(), region.to_string()), fleet);
    }
    let serving_regions: BTreeSet<String> = serving.iter().map(|l| l.region.clone()).collect();
    let standby_regions: BTreeSet<String> = standby.iter().map(|l| l.region.clone()).collect();
    let (routing, endpoints) = if !standby_regions.is_empty() && serving_regions.len() == 1 {
        let mut e: BTreeMap<String, String> = serving_regions
            .iter()
            .map(|r| (r.clone(), "PRIMARY".to_string()))
            .collect();
        if standby_regions.len() > 1 {
            return Err(Box::new(Diagnostic::error(
                Code::PlanMalformed,
                format!("`{name}` has warm standbys in several regions; DNS failover has one secondary"),
            )
            .key(format!("services.{name}.instances"))));
        }
        for r in &standby_regions {
            e.insert(r.clone(), "SECONDARY".into());
        }
        (Routing::Failover, e)
    } else if serving_regions.len() > 1 {
        if !standby_regions.is_empty() {
            return Err(Box::new(
                Diagnostic::error(
                    Code::PlanMalformed,
                    format!("`{name}` serves from several regions and also has a warm standby"),
                )
                .key(format!("services.{name}.instances")),
            ));
        }
        (
            Routing::Latency,
            serving_regions
                .iter()
                .map(|r| (r.clone(), String::new()))
                .collect(),
        )
    } else {
        (
            Routing::Simple,
            serving_regions
                .iter()
                .map(|r| (r.clone(), String::new()))
                .collect(),
        )
    };
    infra.records.insert(
        name.to_string(),
        Record {
            service: name.to_string(),
            name: resource_name(&[&plan.system, name]),
            module: identifier(&[name, "dns"]),
            routing,
            endpoints,
        },
    );
    Ok(())
}

fn role_rank(r: Role) -> u8 {
    match r {
        Role::Primary => 0,
        Role::Active => 1,
        Role::Replica => 2,
        Role::Standby => 3,
    }
}

fn stores(plan: &Plan, catalog: &Catalog, name: &str, sp: &ServicePlan, infra: &mut Infra) {
    let mut by_region: BTreeMap<&str, Vec<&InstanceLine>> = BTreeMap::new();
    for l in &sp.instances {
        by_region.entry(l.region.as_str()).or_default().push(l);
    }
    let regions: BTreeSet<String> = by_region.keys().map(|r| r.to_string()).collect();
    for (region, mut lines) in by_region {
        lines.sort_by(|a, b| {
            a.zone
                .cmp(&b.zone)
                .then(role_rank(a.role).cmp(&role_rank(b.role)))
                .then(a.instance_type.cmp(&b.instance_type))
                .then(a.purchase.cmp(&b.purchase))
        });
        let mut members = BTreeMap::new();
        let mut next: BTreeMap<String, u32> = BTreeMap::new();
        for l in lines {
            let zone = l.zone.clone().unwrap_or_default();
            for _ in 0..l.count {
                let n = next.entry(zone.clone()).or_insert(0);
                *n += 1;
                members.insert(
                    format!("{zone}-{n}"),
                    Member {
                        zone: zone.clone(),
                        instance_type: l.instance_type.clone(),
                        arch: catalog.instance_types[&l.instance_type].arch,
                        role: l.role,
                        purchase: l.purchase,
                    },
                );
            }
        }
        let code = region_code(region);
        infra.stores.insert(
            (name.to_string(), region.to_string()),
            StoreRegion {
                service: name.to_string(),
                region: region.to_string(),
                name: resource_name(&[&plan.system, name, &code]),
                module: identifier(&[name, region]),
                members,
                peer_regions: regions.iter().filter(|r| *r != region).cloned().collect(),
                clients: BTreeSet::new(),
            },
        );
    }
}

/// Connects each fleet to what it depends on in its own region: stores through their
/// members' security group, other fleets through their load balancer.
fn wire(infra: &mut Infra, deps: &BTreeMap<String, BTreeSet<String>>) {
    let fleet_keys: Vec<(String, String)> = infra.fleets.keys().cloned().collect();
    for (svc, region) in &fleet_keys {
        let Some(ds) = deps.get(svc) else { continue };
        for d in ds {
            let key = (d.clone(), region.clone());
            if let Some(store) = infra.stores.get_mut(&key) {
                store.clients.insert(svc.clone());
            } else if let Some(f) = infra.fleets.get_mut(&key) {
                f.clients.insert(svc.clone());
            } else {
                if infra.kinds.contains_key(d) {
                    infra.unwired.push((svc.clone(), d.clone()));
                }
                continue;
            }
            if let Some(f) = infra.fleets.get_mut(&(svc.clone(), region.clone())) {
                f.reaches.insert(d.clone());
            }
        }
    }
    infra.unwired.sort();
    infra.unwired.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_follow_the_usual_abbreviations() {
        assert_eq!(region_code("us-east-1"), "use1");
        assert_eq!(region_code("eu-central-1"), "euc1");
        assert_eq!(region_code("ap-southeast-2"), "apse2");
        assert_eq!(region_code("ap-northeast-1"), "apne1");
        assert_eq!(region_code("sa-east-1"), "sae1");
    }

    #[test]
    fn long_names_are_shortened_with_a_digest() {
        assert_eq!(resource_name(&["shop", "api", "use1"]), "shop-api-use1");
        let long = resource_name(&["a-very-long-system-name", "checkout-api", "use1"]);
        assert!(long.len() <= MAX_NAME, "{long}");
        assert!(long.starts_with("a-very-long-system-"));
        assert_ne!(
            long,
            resource_name(&["a-very-long-system-name", "checkout-api", "use2"])
        );
    }
}
