//! Snapshots of every renderer, one per format and document, so each change to what
//! users read is reviewed. Inputs are fixed files (the legacy-placement example and a
//! plan of it kept as a fixture), so the snapshots move only when a renderer or the
//! models behind it change. `INSTA_UPDATE=always cargo test -p faultline --test render`
//! rewrites them; a snapshot file no test writes fails the suite.

use std::path::Path;

use faultline::pipeline::{self, Deploy, Request};
use faultline::render::{self, Doc, Filter, Format, Source, Sources, Validation, View};
use faultline_models::catalog::{diff, Catalog};
use faultline_models::diag::FileKind;
use faultline_models::failure;
use faultline_models::plan::Plan;
use faultline_models::report::Report;
use faultline_models::topology;

const TOPOLOGY: &str = "examples/legacy-placement/topology.toml";
const PLAN: &str = "planner/tests/fixtures/render/legacy-plan.json";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap()
}

fn sources(with_plan: bool) -> Sources {
    let mut s = Sources::default();
    s.insert(
        FileKind::Topology,
        Source {
            path: TOPOLOGY.into(),
            text: read(TOPOLOGY),
        },
    );
    if with_plan {
        s.insert(
            FileKind::Plan,
            Source {
                path: PLAN.into(),
                text: read(PLAN),
            },
        );
    }
    s
}

fn report(deploy: Deploy) -> Report {
    let t = topology::parse(&read(TOPOLOGY), Catalog::embedded())
        .unwrap()
        .topology;
    let request = Request {
        deploy,
        assess: Some(failure::Options::default()),
    };
    pipeline::run(&t, Catalog::embedded(), &request, &mut |_| {}).unwrap()
}

fn plan_report() -> Report {
    let plan = Plan::from_json(&read(PLAN)).unwrap();
    report(Deploy::Plan(Box::new(plan)))
}

fn show(doc: &Doc<'_>, format: Format, sources: &Sources) -> String {
    render::render(doc, format, sources).unwrap()
}

/// Every snapshot this file writes; any other file in `snapshots/` is an orphan.
const NAMES: &[&str] = &[
    "plan_text",
    "plan_json",
    "assessment_text",
    "assessment_json",
    "report_json",
    "placement_text",
    "validation_text",
    "validation_json",
    "catalog_text",
    "catalog_json",
    "catalog_diff_text",
    "catalog_diff_json",
    "failure_text",
    "failure_json",
];

#[test]
fn plan_renderers() {
    let r = plan_report();
    let s = sources(true);
    insta::assert_snapshot!(
        "plan_text",
        show(&Doc::Report(&r, View::Plan), Format::Text, &s)
    );
    insta::assert_snapshot!(
        "plan_json",
        show(&Doc::Report(&r, View::Plan), Format::Json, &s)
    );
    insta::assert_snapshot!(
        "assessment_text",
        show(&Doc::Report(&r, View::Assessment), Format::Text, &s)
    );
    insta::assert_snapshot!(
        "assessment_json",
        show(&Doc::Report(&r, View::Assessment), Format::Json, &s)
    );
    insta::assert_snapshot!(
        "report_json",
        show(&Doc::Report(&r, View::Report), Format::Json, &s)
    );
}

#[test]
fn placement_renderer() {
    let r = report(Deploy::Placement);
    insta::assert_snapshot!(
        "placement_text",
        show(
            &Doc::Report(&r, View::Assessment),
            Format::Text,
            &sources(false)
        )
    );
}

#[test]
fn validation_renderers() {
    let t = topology::parse(&read(TOPOLOGY), Catalog::embedded()).unwrap();
    let v = Validation {
        system: &t.topology.name,
        services: t.topology.services.len(),
        journeys: t.topology.journeys.len(),
        regions: t.topology.regions.len(),
        warnings: &t.warnings,
    };
    let s = sources(false);
    insta::assert_snapshot!(
        "validation_text",
        show(&Doc::Validation(&v), Format::Text, &s)
    );
    insta::assert_snapshot!(
        "validation_json",
        show(&Doc::Validation(&v), Format::Json, &s)
    );
}

#[test]
fn catalog_renderers() {
    let c = Catalog::embedded();
    let f = Filter {
        region: Some("us-east-2"),
        family: Some("m7g"),
    };
    let s = Sources::default();
    insta::assert_snapshot!("catalog_text", show(&Doc::Catalog(c, &f), Format::Text, &s));
    insta::assert_snapshot!("catalog_json", show(&Doc::Catalog(c, &f), Format::Json, &s));
    let mut newer = c.clone();
    newer.regions.remove("sa-east-1");
    if let Some(p) = newer
        .on_demand
        .get_mut("us-east-1")
        .and_then(|r| r.usd_per_hour.get_mut("m7g.large"))
    {
        *p *= rust_decimal::Decimal::new(11, 1);
    }
    let d = diff::diff(c, &newer);
    let doc = Doc::CatalogDiff(&d, "old.toml", "new.toml");
    insta::assert_snapshot!("catalog_diff_text", show(&doc, Format::Text, &s));
    insta::assert_snapshot!("catalog_diff_json", show(&doc, Format::Json, &s));
}

#[test]
fn failure_renderers() {
    // A topology with two mistakes, as validation reports them.
    let text = read(TOPOLOGY)
        .replacen("peak_vcpu = 40", "peak_vcpu = -40", 1)
        .replacen("[services.web]", "[services.web]\nreplicaz = 3", 1);
    let diags = topology::parse(&text, Catalog::embedded()).unwrap_err();
    let mut s = Sources::default();
    s.insert(
        FileKind::Topology,
        Source {
            path: "broken.toml".into(),
            text,
        },
    );
    insta::assert_snapshot!(
        "failure_text",
        show(&Doc::Failure(&diags), Format::Text, &s)
    );
    insta::assert_snapshot!(
        "failure_json",
        show(&Doc::Failure(&diags), Format::Json, &s)
    );
}

#[test]
fn no_orphaned_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = name
            .strip_prefix("render__")
            .and_then(|n| n.strip_suffix(".snap"))
        else {
            continue;
        };
        assert!(
            NAMES.contains(&stem),
            "tests/snapshots/{name} is written by no test: delete it"
        );
    }
}
