//! The Terraform generator on every example's plan, without external tools: golden
//! snapshots of the trees; capacity read back from the generated HCL (with `hcl-rs`)
//! equal to the plan zone by zone and purchase option by purchase option; launch
//! templates, security groups and tags as secure defaults demand; byte-stable output;
//! the purchase list against the plan's own costs; the re-plan diff; and bad plans
//! refused with the key at fault and no tree.

mod terraform_support;

use std::collections::{BTreeMap, BTreeSet};

use faultline::terraform::{self, modules, Tree, TreeOptions};
use faultline_models::catalog::Catalog;
use faultline_models::deployment::{Purchase, Role, Words};
use faultline_models::diag::Code;
use faultline_models::plan::{Layer, Plan};
use hcl::{Block, Body, Expression, ObjectKey};
use rust_decimal::Decimal;
use terraform_support::{case, cases, fleet_wants, generate, member_wants, repo};

fn key_str(k: &ObjectKey) -> String {
    match k {
        ObjectKey::Identifier(i) => i.to_string(),
        ObjectKey::Expression(Expression::String(s)) => s.clone(),
        other => other.to_string(),
    }
}

fn object(e: &Expression) -> BTreeMap<String, &Expression> {
    match e {
        Expression::Object(o) => o.iter().map(|(k, v)| (key_str(k), v)).collect(),
        other => panic!("expected an object, got {other}"),
    }
}

fn int(e: &Expression) -> u32 {
    match e {
        Expression::Number(n) => u32::try_from(n.as_u64().unwrap()).unwrap(),
        other => panic!("expected a number, got {other}"),
    }
}

fn string(e: &Expression) -> String {
    match e {
        Expression::String(s) => s.clone(),
        other => panic!("expected a string, got {other}"),
    }
}

fn attr<'a>(b: &'a Body, key: &str) -> Option<&'a Expression> {
    b.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

fn label(b: &Block, i: usize) -> String {
    b.labels()[i].as_str().to_string()
}

fn modules_of<'a>(body: &'a Body, source: &str) -> Vec<&'a Block> {
    body.blocks()
        .filter(|b| b.identifier() == "module")
        .filter(|b| attr(b.body(), "source").map(string).as_deref() == Some(source))
        .collect()
}

/// The zone a group or member is pinned to, from its `var.subnet_ids["<zone>"]`.
fn zone_of(subnets: &Expression) -> Option<String> {
    let text = subnets.to_string();
    let start = text.find("var.subnet_ids[\"")? + "var.subnet_ids[\"".len();
    let end = text[start..].find('"')? + start;
    if text.contains(" for ") {
        return None;
    }
    Some(text[start..end].to_string())
}

/// Everything but the copied modules, one file after another, for a snapshot.
fn rendered(tree: &Tree) -> String {
    let mut out = String::new();
    for (path, text) in tree.iter().filter(|(p, _)| !p.starts_with("modules/")) {
        out.push_str(&format!("=== {path}\n{text}"));
    }
    let mods: Vec<&str> = tree
        .keys()
        .filter(|p| p.starts_with("modules/"))
        .map(String::as_str)
        .collect();
    out.push_str(&format!("=== modules\n{}\n", mods.join("\n")));
    out
}

#[test]
fn fixture_plans_are_plans_of_their_topologies() {
    let fixtures = repo().join("planner/tests/fixtures/terraform");
    let mut all: Vec<(String, Plan, std::path::PathBuf)> = cases()
        .into_iter()
        .map(|c| (c.name.to_string(), c.plan, c.topology))
        .collect();
    all.push((
        "standby-grown".into(),
        Plan::from_json(
            &std::fs::read_to_string(fixtures.join("standby-grown.plan.json")).unwrap(),
        )
        .unwrap(),
        fixtures.join("standby-grown.toml"),
    ));
    for c in all {
        let (name, plan, topology) = c;
        let text = std::fs::read_to_string(&topology).unwrap();
        let t = faultline_models::topology::parse(&text, Catalog::embedded())
            .unwrap()
            .topology;
        let stale = plan.staleness(&t, Catalog::embedded());
        assert!(
            stale.is_empty(),
            "{name}: the plan is stale, re-plan it: {:?}",
            stale.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
    }
}

#[test]
fn trees_match_their_snapshots() {
    for c in cases() {
        let tree = generate(&c);
        insta::assert_snapshot!(format!("tree_{}", c.name), rendered(&tree));
    }
}

#[test]
fn the_same_plan_gives_the_same_bytes_whatever_the_order_of_its_lines() {
    for c in cases() {
        let a = generate(&c);
        let mut shuffled = c.plan.clone();
        for sp in shuffled.services.values_mut() {
            sp.instances.reverse();
        }
        let b = terraform::generate(
            &shuffled,
            &TreeOptions {
                catalog: Catalog::embedded(),
                depends_on: Some(c.depends_on.clone()),
            },
        )
        .unwrap();
        assert_eq!(a, generate(&c), "{}", c.name);
        assert_eq!(
            a, b,
            "{}: the order of instance lines changed the tree",
            c.name
        );
    }
}

#[test]
fn every_generated_file_names_its_plan() {
    for c in cases() {
        let tree = generate(&c);
        for (path, text) in tree.iter().filter(|(p, _)| !p.starts_with("modules/")) {
            let head = text.lines().next().unwrap_or_default();
            if path.ends_with(".json") {
                assert!(
                    text.contains(&format!("\"plan\": \"{}\"", c.plan.id)),
                    "{path}"
                );
            } else {
                assert!(
                    head.contains(&format!("Generated by Faultline from plan {}", c.plan.id)),
                    "{}/{path} starts with {head:?}",
                    c.name
                );
            }
        }
    }
}

#[test]
fn capacity_read_back_from_the_hcl_equals_the_plan() {
    let catalog = Catalog::embedded();
    for c in cases() {
        let tree = generate(&c);
        let body = hcl::parse(&tree["main.tf"]).unwrap_or_else(|e| panic!("{}: {e}", c.name));

        // Fleets: per (service, region, zone), summed over the zone's groups.
        #[derive(Debug, Default, PartialEq)]
        struct Got {
            min: u32,
            max: u32,
            desired: u32,
            on_demand_base: u32,
            types: BTreeSet<String>,
        }
        let mut got: BTreeMap<terraform_support::Where, Got> = BTreeMap::new();
        let mut standby_regions = BTreeSet::new();
        for m in modules_of(&body, "./modules/fleet") {
            let b = m.body();
            let service = string(attr(b, "service").unwrap());
            let role = string(attr(b, "role").unwrap());
            let region = attr(b, "vpc_id").unwrap().to_string();
            let region = region
                .trim_start_matches("var.vpc_ids[\"")
                .trim_end_matches("\"]")
                .to_string();
            if role == "standby" {
                standby_regions.insert((service.clone(), region.clone()));
            }
            for (key, g) in object(attr(b, "groups").unwrap()) {
                let g = object(g);
                let zone = zone_of(g["subnet_ids"]).unwrap_or_else(|| format!("{region}-any"));
                assert!(
                    key.starts_with(&zone),
                    "{}: group {key} is not in {zone}",
                    c.name
                );
                let overrides: Vec<(String, u32)> = match g["overrides"] {
                    Expression::Array(a) => a
                        .iter()
                        .map(|o| {
                            let o = object(o);
                            (
                                string(o["instance_type"]),
                                string(o["weighted_capacity"]).parse().unwrap(),
                            )
                        })
                        .collect(),
                    other => panic!("{other}"),
                };
                for (t, w) in &overrides {
                    assert_eq!(
                        *w, catalog.instance_types[t].vcpus,
                        "{}: weight of {t}",
                        c.name
                    );
                }
                let (min, max, desired, base, pct) = (
                    int(g["min_size"]),
                    int(g["max_size"]),
                    int(g["desired_capacity"]),
                    int(g["on_demand_base_capacity"]),
                    int(g["on_demand_percentage_above_base_capacity"]),
                );
                // Above the on-demand base, everything is spot when the group has any.
                let planned_spot = base < max;
                assert_eq!(pct, if planned_spot { 0 } else { 100 }, "{}: {key}", c.name);
                // The plan's lines of this zone whose types the group launches.
                let types: BTreeSet<String> = overrides.iter().map(|o| o.0.clone()).collect();
                let own = group_want(&c.plan, &service, &region, &zone, &types);
                let label = format!("{}: {service} {region} {key}", c.name);
                if role == "standby" {
                    assert_eq!(own.base + own.peak, 0, "{label}");
                    assert_eq!((min, desired), (own.standby, own.standby), "{label}");
                    assert!(max >= min, "{label}");
                    assert_eq!(base, max, "{label}: a standby is all on-demand");
                } else {
                    assert_eq!(max, own.base + own.peak, "{label}: peak units");
                    assert_eq!(desired, max, "{label}: starts at the peak");
                    assert_eq!(
                        base.min(max),
                        own.on_demand_priced,
                        "{label}: on-demand-priced units"
                    );
                    assert_eq!(max - base.min(max), own.spot, "{label}: spot units");
                    // What always runs is the base; a group with none keeps its smallest
                    // instance, or it would have no CPU metric to scale out on.
                    let smallest = overrides.iter().map(|o| o.1).min().unwrap();
                    let floor = if own.base > 0 {
                        own.base
                    } else {
                        smallest.min(max)
                    };
                    assert_eq!(min, floor, "{label}: always-on units");
                    for units in own.committed.values() {
                        assert!(
                            base >= *units,
                            "{label}: the base covers the reserved units"
                        );
                    }
                }
                // The committed (reserved) type comes first in launch priority.
                if !own.committed_types.is_empty() {
                    assert!(
                        own.committed_types.contains(&overrides[0].0),
                        "{label}: launches {} first, not a reserved type",
                        overrides[0].0
                    );
                }
                let e = got
                    .entry((service.clone(), region.clone(), zone))
                    .or_default();
                assert!(e.types.is_disjoint(&types), "{label}: a type in two groups");
                e.min += min;
                e.max += max;
                e.desired += desired;
                e.on_demand_base += base.min(max);
                e.types.extend(types);
            }
        }
        let wants = fleet_wants(&c.plan, catalog);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            wants.keys().collect::<Vec<_>>(),
            "{}: fleets and zones",
            c.name
        );
        for (k, w) in &wants {
            let g = &got[k];
            assert_eq!(g.types, w.types, "{}: {k:?} types", c.name);
            if !standby_regions.contains(&(k.0.clone(), k.1.clone())) {
                assert_eq!(g.max, w.base + w.peak, "{}: {k:?} peak units", c.name);
                assert_eq!(g.on_demand_base, w.on_demand_priced, "{}: {k:?}", c.name);
                assert_eq!(
                    g.max - g.on_demand_base,
                    w.spot,
                    "{}: {k:?} spot units",
                    c.name
                );
            }
        }

        // Store members: one per planned instance, in its zone, with its type and role.
        let mut members = terraform_support::Members::new();
        for m in modules_of(&body, "./modules/member") {
            let b = m.body();
            let service = string(attr(b, "service").unwrap());
            let region = attr(b, "vpc_id")
                .unwrap()
                .to_string()
                .trim_start_matches("var.vpc_ids[\"")
                .trim_end_matches("\"]")
                .to_string();
            for (_, mm) in object(attr(b, "members").unwrap()) {
                let mm = object(mm);
                let zone = zone_of(mm["subnet_id"]).unwrap();
                let role = Role::from_word(&string(mm["role"])).unwrap();
                assert_ne!(string(mm["purchase"]), "spot");
                *members
                    .entry((service.clone(), region.clone(), zone))
                    .or_default()
                    .entry((string(mm["instance_type"]), role))
                    .or_default() += 1;
            }
        }
        assert_eq!(members, member_wants(&c.plan), "{}: store members", c.name);
    }
}

/// What the plan puts in a zone of a fleet on the given types.
fn group_want(
    plan: &Plan,
    service: &str,
    region: &str,
    zone: &str,
    types: &BTreeSet<String>,
) -> terraform_support::Want {
    let mut one = plan.clone();
    one.services.retain(|k, _| k == service);
    for sp in one.services.values_mut() {
        sp.instances
            .retain(|l| l.region == region && types.contains(&l.instance_type));
    }
    fleet_wants(&one, Catalog::embedded())
        .remove(&(service.to_string(), region.to_string(), zone.to_string()))
        .unwrap_or_default()
}

#[test]
fn dns_routes_each_fleet_as_its_dr_pattern_says() {
    for c in cases() {
        let tree = generate(&c);
        let Some(dns) = tree.get("dns.tf") else {
            continue;
        };
        let body = hcl::parse(dns).unwrap();
        for m in modules_of(&body, "./modules/dns") {
            let b = m.body();
            let service = string(attr(b, "service").unwrap());
            let sp = &c.plan.services[&service];
            let routing = string(attr(b, "routing").unwrap());
            let endpoints = object(attr(b, "endpoints").unwrap());
            let serving: BTreeSet<String> = sp
                .instances
                .iter()
                .filter(|l| l.layer != Layer::Standby)
                .map(|l| l.region.clone())
                .collect();
            let standby: BTreeSet<String> = sp
                .instances
                .iter()
                .filter(|l| l.layer == Layer::Standby)
                .map(|l| l.region.clone())
                .collect();
            let all: BTreeSet<String> = serving.union(&standby).cloned().collect();
            assert_eq!(
                endpoints.keys().cloned().collect::<BTreeSet<_>>(),
                all,
                "{}: {service}",
                c.name
            );
            let want = if !standby.is_empty() {
                "failover"
            } else if serving.len() > 1 {
                "latency"
            } else {
                "simple"
            };
            assert_eq!(routing, want, "{}: {service}", c.name);
            for (region, e) in endpoints {
                let e = object(e);
                let failover = string(e["failover"]);
                if routing == "failover" {
                    let expect = if standby.contains(&region) {
                        "SECONDARY"
                    } else {
                        "PRIMARY"
                    };
                    assert_eq!(failover, expect, "{}: {service} {region}", c.name);
                } else {
                    assert_eq!(failover, "");
                }
            }
        }
    }
}

fn module_body(module: &str, file: &str) -> Body {
    let text = modules::FILES
        .iter()
        .find(|(p, _)| *p == format!("{module}/{file}"))
        .unwrap()
        .1;
    hcl::parse(text).unwrap()
}

fn resources<'a>(body: &'a Body, kind: &str) -> Vec<&'a Block> {
    body.blocks()
        .filter(|b| b.identifier() == "resource" && label(b, 0) == kind)
        .collect()
}

fn block<'a>(b: &'a Body, name: &str) -> Vec<&'a Block> {
    b.blocks().filter(|x| x.identifier() == name).collect()
}

#[test]
fn launch_templates_are_secure_by_default() {
    for module in ["fleet", "member"] {
        let body = module_body(module, "main.tf");
        let lts = resources(&body, "aws_launch_template");
        assert!(!lts.is_empty(), "{module}");
        for lt in lts {
            let b = lt.body();
            let md = block(b, "metadata_options");
            assert_eq!(md.len(), 1, "{module}");
            let md = md[0].body();
            assert_eq!(
                attr(md, "http_tokens").map(string).as_deref(),
                Some("required")
            );
            assert_eq!(attr(md, "http_put_response_hop_limit").map(int), Some(1));
            let ebs: Vec<&Block> = block(b, "block_device_mappings")
                .into_iter()
                .flat_map(|m| block(m.body(), "ebs"))
                .collect();
            assert!(!ebs.is_empty(), "{module}: no EBS mapping");
            for e in ebs {
                assert_eq!(
                    attr(e.body(), "encrypted"),
                    Some(&Expression::Bool(true)),
                    "{module}: unencrypted EBS"
                );
            }
            for ni in block(b, "network_interfaces") {
                assert_eq!(
                    attr(ni.body(), "associate_public_ip_address"),
                    Some(&Expression::Bool(false)),
                    "{module}: public IP"
                );
            }
            let mon = block(b, "monitoring");
            assert_eq!(
                attr(mon[0].body(), "enabled"),
                Some(&Expression::Bool(true)),
                "{module}: detailed monitoring"
            );
            assert!(block(b, "iam_instance_profile").len() == 1);
            let kinds: BTreeSet<String> = block(b, "tag_specifications")
                .iter()
                .map(|t| string(attr(t.body(), "resource_type").unwrap()))
                .collect();
            assert_eq!(
                kinds,
                ["instance", "network-interface", "volume"]
                    .map(String::from)
                    .into()
            );
        }
    }
    // Fleets refresh on a new launch template version, referenced by latest_version.
    let fleet = module_body("fleet", "main.tf");
    for asg in resources(&fleet, "aws_autoscaling_group") {
        assert_eq!(block(asg.body(), "instance_refresh").len(), 1);
        let text = hcl::to_string(asg.body()).unwrap();
        assert!(text.contains(".latest_version"), "{text}");
        assert!(!text.contains("$Latest"));
        assert!(!text.contains("spot_instance_pools"));
        assert!(text.contains("price-capacity-optimized"));
        assert!(text.contains("\"prioritized\""));
        assert!(text.contains("health_check_type = \"ELB\""), "{text}");
    }
}

#[test]
fn security_group_rules_are_described_and_never_open() {
    for module in ["fleet", "member"] {
        let body = module_body(module, "main.tf");
        let rules: Vec<&Block> = body
            .blocks()
            .filter(|b| {
                b.identifier() == "resource"
                    && (label(b, 0) == "aws_vpc_security_group_ingress_rule"
                        || label(b, 0) == "aws_vpc_security_group_egress_rule")
            })
            .collect();
        assert!(rules.len() >= 4, "{module}");
        for r in rules {
            let b = r.body();
            let name = format!("{module}: {}.{}", label(r, 0), label(r, 1));
            assert!(attr(b, "description").is_some(), "{name}: no description");
            assert_eq!(
                attr(b, "ip_protocol").map(string).as_deref(),
                Some("tcp"),
                "{name}"
            );
            assert!(
                attr(b, "from_port").is_some() && attr(b, "to_port").is_some(),
                "{name}"
            );
            let text = hcl::to_string(b).unwrap();
            assert!(
                !text.contains("0.0.0.0/0") && !text.contains("::/0"),
                "{name}"
            );
        }
        // Security groups carry no inline rules: every rule is one of the above.
        for sg in resources(&body, "aws_security_group") {
            assert!(
                block(sg.body(), "ingress").is_empty() && block(sg.body(), "egress").is_empty()
            );
            assert!(attr(sg.body(), "description").is_some());
        }
    }
    // Clients can never be 0.0.0.0/0, whatever the variables say.
    let vars = module_body("fleet", "variables.tf");
    let cidr = vars
        .blocks()
        .find(|b| b.identifier() == "variable" && label(b, 0) == "client_cidr_blocks")
        .unwrap();
    assert!(hcl::to_string(cidr.body()).unwrap().contains("0.0.0.0/0"));
}

#[test]
fn every_taggable_resource_is_tagged() {
    // Resources whose AWS API takes no tags.
    let untaggable = [
        "aws_autoscaling_policy",
        "aws_route53_record",
        "aws_wafv2_web_acl_association",
    ];
    for module in ["fleet", "member", "dns"] {
        let body = module_body(module, "main.tf");
        for r in body.blocks().filter(|b| b.identifier() == "resource") {
            let kind = label(r, 0);
            if untaggable.contains(&kind.as_str()) {
                continue;
            }
            let b = r.body();
            let tagged = attr(b, "tags").is_some()
                || b.blocks()
                    .any(|d| d.identifier() == "dynamic" && label(d, 0) == "tag");
            assert!(tagged, "{module}: {kind}.{} has no tags", label(r, 1));
        }
    }
    for c in cases() {
        let body = hcl::parse(&generate(&c)["main.tf"]).unwrap();
        for m in body.blocks().filter(|b| b.identifier() == "module") {
            let tags = attr(m.body(), "tags").unwrap().to_string();
            assert!(
                tags.contains("local.tags") && tags.contains("faultline:service"),
                "{tags}"
            );
        }
        let locals = generate(&c)["locals.tf"].clone();
        for key in ["managed-by", "faultline:plan", "faultline:system"] {
            assert!(locals.contains(key), "{key}");
        }
    }
}

#[test]
fn variables_are_described_typed_and_validated_and_no_id_is_invented() {
    for c in cases() {
        let tree = generate(&c);
        let body = hcl::parse(&tree["variables.tf"]).unwrap();
        let mut names = BTreeSet::new();
        for v in body.blocks().filter(|b| b.identifier() == "variable") {
            let b = v.body();
            let name = label(v, 0);
            assert!(attr(b, "description").is_some(), "{name}");
            assert!(attr(b, "type").is_some(), "{name}");
            // Everything without a default the plan cannot supply is checked.
            if attr(b, "default").is_none() {
                assert!(
                    !block(b, "validation").is_empty(),
                    "{}: {name} unchecked",
                    c.name
                );
            }
            names.insert(name);
        }
        for needed in [
            "vpc_ids",
            "subnet_ids",
            "ami_ids",
            "instance_profile_name",
            "service_ports",
        ] {
            assert!(names.contains(needed), "{}: {needed}", c.name);
        }
        // The example file sets every variable without a default.
        let example = hcl::parse(&tree["terraform.tfvars.example"]).unwrap();
        let set: BTreeSet<String> = example.attributes().map(|a| a.key().to_string()).collect();
        for v in body.blocks().filter(|b| b.identifier() == "variable") {
            if attr(v.body(), "default").is_none() {
                assert!(
                    set.contains(&label(v, 0)),
                    "{}: example lacks {}",
                    c.name,
                    label(v, 0)
                );
            }
        }
        // No resource id appears in the Terraform itself: ids are inputs.
        for (path, text) in tree.iter().filter(|(p, _)| p.ends_with(".tf")) {
            for prefix in ["vpc-0", "subnet-0", "ami-0", "sg-0", "arn:aws:acm:"] {
                assert!(
                    !text.contains(prefix),
                    "{}: {path} contains an id {prefix}…",
                    c.name
                );
            }
        }
    }
}

#[test]
fn the_embedded_modules_are_the_repository_modules() {
    let dir = repo().join("terraform/modules");
    let mut on_disk = BTreeMap::new();
    for m in std::fs::read_dir(&dir).unwrap() {
        let m = m.unwrap().path();
        for f in std::fs::read_dir(&m).unwrap() {
            let f = f.unwrap().path();
            let rel = f.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
            on_disk.insert(rel, std::fs::read_to_string(&f).unwrap());
        }
    }
    let embedded: BTreeMap<String, String> = modules::FILES
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    assert_eq!(
        on_disk, embedded,
        "terraform/modules and modules::FILES differ"
    );
    for c in cases() {
        for (path, text) in generate(&c)
            .iter()
            .filter(|(p, _)| p.starts_with("modules/"))
        {
            assert_eq!(Some(text), on_disk.get(&path["modules/".len()..]), "{path}");
        }
    }
}

#[test]
fn the_purchase_list_is_what_the_plan_pays_for_commitments() {
    for c in cases() {
        let tree = generate(&c);
        let list: serde_json::Value = serde_json::from_str(&tree["purchases.json"]).unwrap();
        // Counts: every committed instance of the plan, by option, region and type.
        let mut want: BTreeMap<(String, String, String), u64> = BTreeMap::new();
        let mut lines: BTreeMap<String, u32> = BTreeMap::new();
        for sp in c.plan.services.values() {
            for l in &sp.instances {
                if matches!(l.purchase, Purchase::OnDemand | Purchase::Spot) {
                    continue;
                }
                *want
                    .entry((
                        l.purchase.word().into(),
                        l.region.clone(),
                        l.instance_type.clone(),
                    ))
                    .or_default() += u64::from(l.count);
                *lines.entry(l.purchase.word().into()).or_default() += 1;
            }
        }
        let mut got: BTreeMap<(String, String, String), u64> = BTreeMap::new();
        let mut monthly: BTreeMap<String, Decimal> = BTreeMap::new();
        for b in list["buy"].as_array().unwrap() {
            let p = b["purchase"].as_str().unwrap().to_string();
            got.insert(
                (
                    p.clone(),
                    b["region"].as_str().unwrap().into(),
                    b["instance_type"].as_str().unwrap().into(),
                ),
                b["count"].as_u64().unwrap(),
            );
            assert_eq!(b["upfront_usd"].as_str(), Some("0"), "no upfront");
            let m: Decimal = b["monthly_usd"].as_str().unwrap().parse().unwrap();
            *monthly.entry(p).or_default() += m;
        }
        assert_eq!(got, want, "{}", c.name);
        // Money: the plan spreads a term over its horizon; undo that and the monthly
        // commitment is the plan's cost of the option (each line rounded to cents).
        let horizon = c.plan.horizon_months.max(1);
        for (p, m) in &monthly {
            let term = if p.ends_with("3y") { 36 } else { 12 };
            let spread = Decimal::from(horizon.div_ceil(term) * term) / Decimal::from(horizon);
            let planned = c.plan.cost.by_purchase[p];
            let diff = (*m * spread - planned).abs();
            let tolerance = Decimal::new(1, 2) * Decimal::from(lines[p]) * spread;
            assert!(
                diff <= tolerance,
                "{}: {p}: list {m} × {spread} vs plan {planned}",
                c.name
            );
        }
    }
}

#[test]
fn without_the_topology_nothing_is_wired_and_the_readme_says_so() {
    let c = case("web-shop");
    let tree = terraform::generate(
        &c.plan,
        &TreeOptions {
            catalog: Catalog::embedded(),
            depends_on: None,
        },
    )
    .unwrap();
    assert!(!tree["main.tf"].contains("egress_to"));
    assert!(!tree["main.tf"].contains("clients"));
    assert!(tree["README.md"].contains("without the topology"));
    let wired = generate(&c);
    assert!(wired["main.tf"].contains("egress_to"));
    // storefront depends on api (a fleet) and on cache (a store).
    assert!(wired["main.tf"]
        .contains("\"storefront\" = module.storefront_us_east_1.instance_security_group_id"));
}

fn refused(plan: &Plan) -> Vec<(Code, String)> {
    match terraform::generate(
        plan,
        &TreeOptions {
            catalog: Catalog::embedded(),
            depends_on: None,
        },
    ) {
        Ok(_) => panic!("a bad plan gave a tree"),
        Err(d) => {
            assert!(d.iter().all(|d| d.is_error() && !d.message.is_empty()));
            d.into_iter()
                .map(|d| (d.code, d.key.unwrap_or_default()))
                .collect()
        }
    }
}

#[test]
fn bad_plans_are_refused_naming_the_key() {
    let good = case("web-shop").plan;

    let mut p = good.clone();
    p.services.get_mut("api").unwrap().instances[0].region = "mars-east-1".into();
    assert_eq!(
        refused(&p),
        vec![(
            Code::PlanUnknownRef,
            "services.api.instances.0.region".into()
        )]
    );

    let mut p = good.clone();
    p.services.get_mut("api").unwrap().instances[1].instance_type = "c7i.huge".into();
    assert_eq!(
        refused(&p),
        vec![(
            Code::PlanUnknownRef,
            "services.api.instances.1.instance_type".into()
        )]
    );

    let mut p = good.clone();
    p.services.get_mut("cache").unwrap().instances[0].zone = Some("us-east-2a".into());
    assert_eq!(
        refused(&p),
        vec![(
            Code::PlanUnknownRef,
            "services.cache.instances.0.zone".into()
        )]
    );

    let mut p = good.clone();
    p.services.get_mut("orders-db").unwrap().instances[2].count = 0;
    p.services.get_mut("cache").unwrap().instances[1].purchase = Purchase::Spot;
    assert_eq!(
        refused(&p),
        vec![
            (
                Code::PlanMalformed,
                "services.cache.instances.1.purchase".into()
            ),
            (
                Code::PlanMalformed,
                "services.orders-db.instances.2.count".into()
            ),
        ]
    );

    let mut p = good.clone();
    p.services.get_mut("cache").unwrap().instances[0].zone = None;
    assert_eq!(
        refused(&p),
        vec![(
            Code::PlanMalformed,
            "services.cache.instances.0.zone".into()
        )]
    );

    let mut p = good.clone();
    p.inputs.services.remove("storefront");
    assert_eq!(
        refused(&p),
        vec![(
            Code::PlanMalformed,
            "inputs.services.storefront.demand_vcpu".into()
        )]
    );

    let mut p = good.clone();
    p.services.get_mut("api").unwrap().instances[0].layer = Layer::Standby;
    assert_eq!(
        refused(&p),
        vec![
            (Code::PlanMalformed, "services.api.instances.0.role".into()),
            (Code::PlanMalformed, "services.api.deployment.dr".into()),
        ]
    );

    let mut p = good.clone();
    p.format_version = 1;
    assert_eq!(
        refused(&p),
        vec![(Code::PlanVersion, "format_version".into())]
    );

    let mut p = good;
    p.services.clear();
    assert_eq!(refused(&p), vec![(Code::PlanMalformed, "services".into())]);
}

#[test]
fn a_replan_is_described_in_words() {
    let c = case("standby");
    let same = terraform::diff(&c.plan, &c.plan, Catalog::embedded()).unwrap();
    assert!(same.contains("No change to the infrastructure"), "{same}");

    let fixtures = repo().join("planner/tests/fixtures/terraform");
    let grown = Plan::from_json(
        &std::fs::read_to_string(fixtures.join("standby-grown.plan.json")).unwrap(),
    )
    .unwrap();
    let text = terraform::diff(&c.plan, &grown, Catalog::embedded()).unwrap();
    insta::assert_snapshot!("diff_standby_grown", text);

    let mut bad = grown.clone();
    bad.services.get_mut("web").unwrap().instances[0].region = "mars-east-1".into();
    let e = terraform::diff(&c.plan, &bad, Catalog::embedded()).unwrap_err();
    assert!(e.old.is_empty() && e.new.len() == 1);
}
