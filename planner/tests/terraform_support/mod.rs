//! What the Terraform tests share: the plans they generate trees from (every example's
//! and a two-region standby system's), with the dependencies their topologies declare;
//! what the plan says each zone should have, computed here from the plan's lines and
//! the catalog without the generator's code; and how a test finds the external tools
//! it needs (skipping visibly without them, failing under `CI=true`).

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use faultline::terraform::{self, Tree, TreeOptions};
use faultline_models::catalog::Catalog;
use faultline_models::deployment::{Purchase, Role};
use faultline_models::plan::{Layer, Plan};
use faultline_models::topology::Kind;

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

pub struct Case {
    pub name: &'static str,
    pub plan: Plan,
    pub topology: PathBuf,
    pub depends_on: BTreeMap<String, BTreeSet<String>>,
}

/// The plan of every example (its checked-in golden plan) and of the standby fixture.
pub fn cases() -> Vec<Case> {
    let fixtures = repo().join("planner/tests/fixtures/terraform");
    let mut out = Vec::new();
    let mut add = |name: &'static str, plan: PathBuf, topology: PathBuf| {
        let text =
            std::fs::read_to_string(&plan).unwrap_or_else(|e| panic!("{}: {e}", plan.display()));
        let plan = Plan::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let t = std::fs::read_to_string(&topology).unwrap();
        let checked = faultline_models::topology::parse(&t, Catalog::embedded())
            .unwrap_or_else(|e| panic!("{}: {e:?}", topology.display()));
        out.push(Case {
            name,
            plan,
            topology,
            depends_on: terraform::depends_on(&checked.topology),
        });
    };
    for name in ["legacy-placement", "payments", "realtime-chat", "web-shop"] {
        let dir = repo().join("examples").join(name);
        add(
            name,
            dir.join("expected/plan.json"),
            dir.join("topology.toml"),
        );
    }
    add(
        "standby",
        fixtures.join("standby.plan.json"),
        fixtures.join("standby.toml"),
    );
    out
}

pub fn case(name: &str) -> Case {
    cases().into_iter().find(|c| c.name == name).unwrap()
}

pub fn generate(c: &Case) -> Tree {
    terraform::generate(
        &c.plan,
        &TreeOptions {
            catalog: Catalog::embedded(),
            depends_on: Some(c.depends_on.clone()),
        },
    )
    .unwrap_or_else(|e| panic!("{}: {e:?}", c.name))
}

pub fn write_tree(dir: &Path, tree: &Tree) {
    for (path, text) in tree {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// An environment variable a test needs: its value, or `None` after saying on stderr
/// that the test is skipped. Under `CI=true` a missing variable fails the test.
pub fn required_env(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{var} is not set: CI must provide {what} (see .ci/run)");
            }
            // To the process's own stderr, past the test harness's capture, so the skip
            // shows in a plain `cargo test` run.
            let msg = format!(
                "SKIPPED: {var} is not set, so this test cannot use {what} (.ci/run sets it)\n"
            );
            match std::fs::OpenOptions::new().append(true).open("/dev/stderr") {
                Ok(mut f) => {
                    let _ = std::io::Write::write_all(&mut f, msg.as_bytes());
                }
                Err(_) => eprint!("{msg}"),
            }
            None
        }
    }
}

/// Service, region and zone (or `<region>-any`).
pub type Where = (String, String, String);

/// Store members by where they are, then by instance type and role.
pub type Members = BTreeMap<Where, BTreeMap<(String, Role), u32>>;

/// What the plan puts in one zone of one fleet (or, for capacity that may use any zone,
/// in the region), in vCPU.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Want {
    pub base: u32,
    pub peak: u32,
    pub standby: u32,
    /// Reserved, Savings Plan and on-demand units.
    pub on_demand_priced: u32,
    pub spot: u32,
    pub committed: BTreeMap<Purchase, u32>,
    pub types: BTreeSet<String>,
    pub committed_types: BTreeSet<String>,
}

/// Key: (service, region, zone or `<region>-any`).
pub fn fleet_wants(plan: &Plan, catalog: &Catalog) -> BTreeMap<Where, Want> {
    let mut out: BTreeMap<Where, Want> = BTreeMap::new();
    for (svc, sp) in &plan.services {
        if sp.kind != Kind::Stateless {
            continue;
        }
        for l in &sp.instances {
            let zone = l
                .zone
                .clone()
                .unwrap_or_else(|| format!("{}-any", l.region));
            let w = out
                .entry((svc.clone(), l.region.clone(), zone))
                .or_default();
            let units = l.count * catalog.instance_types[&l.instance_type].vcpus;
            match l.layer {
                Layer::Base => w.base += units,
                Layer::Peak => w.peak += units,
                Layer::Standby => w.standby += units,
            }
            if l.purchase == Purchase::Spot {
                w.spot += units;
            } else {
                w.on_demand_priced += units;
            }
            if !matches!(l.purchase, Purchase::Spot | Purchase::OnDemand) {
                *w.committed.entry(l.purchase).or_default() += units;
                w.committed_types.insert(l.instance_type.clone());
            }
            w.types.insert(l.instance_type.clone());
        }
    }
    out
}

/// Store members the plan places: (service, region, zone) → (type, role) → count.
pub fn member_wants(plan: &Plan) -> Members {
    let mut out = Members::new();
    for (svc, sp) in &plan.services {
        if sp.kind == Kind::Stateless {
            continue;
        }
        for l in &sp.instances {
            *out.entry((
                svc.clone(),
                l.region.clone(),
                l.zone.clone().unwrap_or_default(),
            ))
            .or_default()
            .entry((l.instance_type.clone(), l.role))
            .or_default() += l.count;
        }
    }
    out
}
