//! The trade-off report (`faultline report`): snapshots of the rendered HTML and
//! Markdown, the headline figures against an independent computation from the plan
//! and assessment documents, the size and determinism of every example's report, the
//! Markdown summary's fit in a PR comment, compare mode, and the command's handling of
//! bad input. Plans come from checked-in files (solved with `--frontier`), so nothing
//! here waits for the optimizer. `INSTA_UPDATE=always` rewrites the snapshots.

use std::path::{Path, PathBuf};
use std::process::Command;

use faultline::pipeline::{self, Deploy, Request};
use faultline::render::{self, html, markdown, Doc, Format, Sources, View};
use faultline_models::catalog::Catalog;
use faultline_models::failure;
use faultline_models::plan::Plan;
use faultline_models::report::summary;
use faultline_models::report::Report;
use faultline_models::topology::{self, Topology};
use rust_decimal::Decimal;
use serde_json::Value;

const EXAMPLES: [&str; 4] = ["legacy-placement", "payments", "realtime-chat", "web-shop"];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn fixture(name: &str) -> String {
    format!("planner/tests/fixtures/report/{name}")
}

fn load_topology(rel: &str) -> Topology {
    topology::parse(&read(rel), Catalog::embedded())
        .unwrap()
        .topology
}

/// The report of an example from its checked-in frontier plan, as `faultline report
/// --plan` makes it.
fn example_report(name: &str) -> (Topology, Report) {
    let t = load_topology(&format!("examples/{name}/topology.toml"));
    let plan = Plan::from_json(&read(&fixture(&format!("{name}-plan.json")))).unwrap();
    let request = Request {
        deploy: Deploy::Plan(Box::new(plan)),
        assess: Some(failure::Options::default()),
    };
    let r = pipeline::run(&t, Catalog::embedded(), &request, &mut |_| {}).unwrap();
    (t, r)
}

fn with_baseline(t: &Topology, mut r: Report, baseline: &str) -> Report {
    let old = Plan::from_json(&read(&fixture(baseline))).unwrap();
    pipeline::compare(
        t,
        Catalog::embedded(),
        &mut r,
        old,
        &failure::Options::default(),
    );
    r
}

fn show(r: &Report, format: Format) -> String {
    render::render(&Doc::Report(r, View::Report), format, &Sources::default()).unwrap()
}

/// The version in the page's generator line and footer moves with every release.
fn redact(s: &str) -> String {
    s.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn snapshots_of_the_rendered_templates() {
    let (_, r) = example_report("legacy-placement");
    insta::assert_snapshot!("report_html_legacy", redact(&show(&r, Format::Html)));
    insta::assert_snapshot!("report_markdown_legacy", show(&r, Format::Markdown));
    let (t, r) = example_report("web-shop");
    let r = with_baseline(&t, r, "web-shop-baseline.json");
    insta::assert_snapshot!("report_markdown_compare", show(&r, Format::Markdown));
}

/// Every snapshot this file writes; any other `report__` snapshot is an orphan.
const SNAPSHOTS: [&str; 3] = [
    "report_html_legacy",
    "report_markdown_legacy",
    "report_markdown_compare",
];

#[test]
fn no_orphaned_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(stem) = name
            .strip_prefix("report__")
            .and_then(|n| n.strip_suffix(".snap"))
        {
            assert!(SNAPSHOTS.contains(&stem), "orphaned snapshot {name}");
        }
    }
}

/// Every section of the page, by id, in order.
const SECTIONS: [&str; 8] = [
    "headline",
    "frontier",
    "cost",
    "placement",
    "scenarios",
    "recovery",
    "consistency",
    "assumptions",
];

#[test]
fn every_example_report_is_whole_small_self_contained_and_stable() {
    for name in EXAMPLES {
        let (_, r) = example_report(name);
        let page = show(&r, Format::Html);
        assert!(page.len() < 2_000_000, "{name}: {} bytes", page.len());
        assert_eq!(page, show(&r, Format::Html), "{name}: not deterministic");
        let mut at = 0;
        for s in SECTIONS {
            let pos = page
                .find(&format!("<section id=\"{s}\">"))
                .unwrap_or_else(|| panic!("{name}: no section {s}"));
            assert!(pos > at, "{name}: section {s} out of order");
            at = pos;
        }
        // Self-contained: no scripts, no external fetches, a policy that forbids them.
        for bad in ["<script", "src=\"http", "href=\"http", "@import", "url("] {
            assert!(!page.contains(bad), "{name}: contains {bad}");
        }
        assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
        // Every chart is an SVG with a title and a table of its data after it.
        let charts = page.matches("<svg viewBox=").count();
        assert!(charts >= 6, "{name}: {charts} charts");
        assert_eq!(charts, page.matches("<figure class=\"chart").count());
        assert_eq!(
            charts,
            page.matches("role=\"img\" aria-labelledby=").count()
        );
        // No figure of the run's time: a plan document holds none, so the plan read
        // back has no seconds to show.
        assert_eq!(r.plan.as_ref().unwrap().solve.seconds, 0.0, "{name}");
        let md = show(&r, Format::Markdown);
        assert!(md.len() <= markdown::MAX_CHARS, "{name}: {}", md.len());
        assert!(md.starts_with(markdown::report::MARKER));
    }
}

/// Sums of `value` over the instance lines of a plan document whose purchase is a
/// commitment, read straight from the JSON.
fn committed_from_json(plan: &Value) -> (Decimal, u32) {
    let mut usd = Decimal::ZERO;
    let mut n = 0;
    for sp in plan["services"].as_object().unwrap().values() {
        for l in sp["instances"].as_array().unwrap() {
            let p = l["purchase"].as_str().unwrap();
            if p.starts_with("reserved") || p.starts_with("savings-plan") {
                usd += l["monthly_usd"]
                    .as_str()
                    .unwrap()
                    .parse::<Decimal>()
                    .unwrap();
                n += l["count"].as_u64().unwrap() as u32;
            }
        }
    }
    (usd, n)
}

#[test]
fn headline_figures_match_an_independent_reading_of_the_documents() {
    for name in EXAMPLES {
        let (_, r) = example_report(name);
        let plan_json: Value =
            serde_json::from_str(&read(&fixture(&format!("{name}-plan.json")))).unwrap();
        let plan = r.plan.as_ref().unwrap();
        let c = summary::commitments(plan);
        let (usd, n) = committed_from_json(&plan_json);
        assert_eq!(
            c.iter().map(|c| c.monthly_usd).sum::<Decimal>(),
            usd,
            "{name}"
        );
        assert_eq!(c.iter().map(|c| c.instances).sum::<u32>(), n, "{name}");
        let horizon = Decimal::from(plan_json["horizon_months"].as_u64().unwrap());
        assert_eq!(
            c.iter().map(|c| c.horizon_usd).sum::<Decimal>(),
            usd * horizon,
            "{name}"
        );

        // The assessment as a JSON document, read independently of the model types.
        let a: Value = serde_json::to_value(r.assessment.as_ref().unwrap()).unwrap();
        let rows = a["scenarios"].as_array().unwrap();
        let count = |row: &Value, what: &str| -> usize {
            ["services", "journeys"]
                .iter()
                .map(|k| {
                    row[*k]
                        .as_object()
                        .unwrap()
                        .values()
                        .filter(|c| c["status"] == what)
                        .count()
                })
                .sum()
        };
        let most = rows
            .iter()
            .map(|row| count(row, "down") + count(row, "degraded"))
            .max()
            .unwrap();
        let assessment = r.assessment.as_ref().unwrap();
        match summary::largest_blast_radius(assessment) {
            Some((_, s)) => assert_eq!(s.impaired(), most, "{name}"),
            None => assert_eq!(most, 0, "{name}"),
        }
        // Worst first: never more impaired after less.
        let order = summary::worst_first(assessment);
        let impaired: Vec<usize> = order
            .iter()
            .map(|i| count(&rows[*i], "down") + count(&rows[*i], "degraded"))
            .collect();
        assert!(
            impaired.windows(2).all(|w| w[0] >= w[1]),
            "{name}: {impaired:?}"
        );
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..rows.len()).collect::<Vec<_>>(), "{name}");

        // The weakest journey uses the largest share of its error budget.
        let items = if a["journeys"].as_object().unwrap().is_empty() {
            &a["services"]
        } else {
            &a["journeys"]
        };
        let share = |f: &Value| -> Option<f64> {
            let t = f["slo"]["availability_target"].as_f64()?;
            Some((1.0 - f["availability"].as_f64().unwrap()) / (1.0 - t))
        };
        let best = items
            .as_object()
            .unwrap()
            .values()
            .filter_map(share)
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
        let w = summary::weakest(assessment).unwrap();
        if let Some(best) = best {
            assert!((w.budget_used.unwrap() - best).abs() < 1e-12, "{name}");
        }
    }
}

#[test]
fn cost_charts_add_up_to_the_plan() {
    for name in EXAMPLES {
        let (_, r) = example_report(name);
        let plan = r.plan.as_ref().unwrap();
        let page = html::view::build(&r);
        let cost = page.cost.content.expect("a plan has a cost section");
        // The by-service table's last row is the total, the plan's own figure.
        let total = cost.by_service.table.rows.last().unwrap();
        assert_eq!(
            total.last().unwrap().text,
            faultline::render::text::plan::usd(plan.monthly_usd)
        );
        // Each region's row adds up (to the cent per line) to the plan's figure.
        for row in &cost.by_region.table.rows {
            let money = |s: &str| -> Decimal {
                s.trim_start_matches('$')
                    .replace(',', "")
                    .parse()
                    .unwrap_or_default()
            };
            let parts: Decimal = row[1..row.len() - 1].iter().map(|c| money(&c.text)).sum();
            let want = plan.cost.by_region[&row[0].text];
            let lines: usize = plan
                .services
                .values()
                .map(|s| s.instances.len() + s.transfer.len())
                .sum();
            assert!(
                (parts - want).abs() <= Decimal::new(lines as i64, 2),
                "{name} {}: {parts} vs {want}",
                row[0].text
            );
            assert_eq!(money(&row.last().unwrap().text), want);
        }
    }
}

#[test]
fn markdown_is_trimmed_to_fit_and_says_so() {
    let (_, r) = example_report("payments");
    let page = html::view::build(&r);
    let full = markdown::report::render_page(&page, usize::MAX);
    assert!(!full.contains("Trimmed to fit"));
    for limit in [full.len() * 3 / 4, full.len() / 2, full.len() / 3] {
        let md = markdown::report::render_page(&page, limit);
        assert!(md.len() <= limit, "{limit}: {}", md.len());
        assert!(md.contains("Trimmed to fit a comment of"), "{limit}");
        assert!(md.contains("more rows._"), "{limit}");
        // The headline always survives.
        assert!(md.contains("### What matters most"));
    }
}

#[test]
fn compare_mode_shows_what_changed() {
    let (t, r) = example_report("web-shop");
    let new_cost = r.plan.as_ref().unwrap().monthly_usd;
    let r = with_baseline(&t, r, "web-shop-baseline.json");
    let b = r.baseline.as_ref().expect("compared");
    let c = &b.comparison;
    assert_eq!(c.total.new, Some(new_cost));
    assert_eq!(c.total.old, Some(b.plan.monthly_usd));
    // The baseline was planned for a larger flash crowd (3× instead of 2×): it costs
    // more, with more instances.
    assert!(c.total.delta() < Decimal::ZERO, "{:?}", c.total);
    assert!(c.services.iter().any(|s| !s.placement.is_empty()));
    // Per-service changes add up to the total change.
    let sum: Decimal = c.services.iter().map(|s| s.cost.delta()).sum();
    assert_eq!(sum, c.total.delta());
    assert!(b.assessment.is_some());
    let page = show(&r, Format::Html);
    assert!(page.contains("<section id=\"compare\">"));
    assert!(page.contains(&b.plan.id));
}

fn faultline() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_faultline"));
    c.current_dir(repo());
    c
}

fn tmp() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-cli");
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn the_command_writes_html_markdown_and_json() {
    let out = tmp().join("legacy.html");
    let _ = std::fs::remove_file(&out);
    let plan = fixture("legacy-placement-plan.json");
    let o = faultline()
        .args([
            "report",
            "examples/legacy-placement/topology.toml",
            "--plan",
            &plan,
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stdout.is_empty());
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    let o = faultline()
        .args([
            "report",
            "examples/legacy-placement/topology.toml",
            "--plan",
            &plan,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert!(doc["plan"]["frontier"].is_object());
    assert!(doc["assessment"]["scenarios"].is_array());
    let o = faultline()
        .args([
            "report",
            "examples/legacy-placement/topology.toml",
            "--plan",
            &plan,
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8(o.stdout)
        .unwrap()
        .starts_with(markdown::report::MARKER));
}

#[test]
fn plan_writes_the_report_beside_the_plan() {
    let dir = tmp();
    let (html_out, md_out) = (dir.join("plan-report.html"), dir.join("plan-report.md"));
    for (p, head) in [
        (&html_out, "<!DOCTYPE html>"),
        (&md_out, markdown::report::MARKER),
    ] {
        let _ = std::fs::remove_file(p);
        let o = faultline()
            .args([
                "plan",
                "examples/legacy-placement/topology.toml",
                "--report",
            ])
            .arg(p)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(std::fs::read_to_string(p).unwrap().starts_with(head));
    }
}

#[test]
fn bad_input_is_refused_with_the_file_named_and_nothing_written() {
    let out = tmp().join("never.html");
    let _ = std::fs::remove_file(&out);
    let broken = tmp().join("broken-baseline.json");
    std::fs::write(&broken, "{\"format_version\": 2, \"id\": 3}").unwrap();
    let o = faultline()
        .args([
            "report",
            "examples/legacy-placement/topology.toml",
            "--plan",
            &fixture("legacy-placement-plan.json"),
            "--baseline",
        ])
        .arg(&broken)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("FL-D001"), "{err}");
    assert!(err.contains("broken-baseline.json"), "{err}");
    assert!(!out.exists());
    // Formats a command has no rendering in are refused, not written empty.
    let o = faultline()
        .args([
            "validate",
            "examples/legacy-placement/topology.toml",
            "--format",
            "html",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not write html"));
}

#[test]
fn a_200_service_report_stays_small_and_readable() {
    // A system generated by the optimizer's synthetic topology (200 services over three
    // regions) and its plan, both checked in so the test does not wait for a solve.
    let t = load_topology(&fixture("synthetic-200.toml"));
    assert_eq!(t.services.len(), 200);
    let plan = Plan::from_json(&read(&fixture("synthetic-200-plan.json"))).unwrap();
    // The report's size does not depend on how deep the analytic method enumerates
    // coincident failures; a smaller state budget keeps this test quick in debug
    // builds (the figures stay lower bounds, and a note says where it stopped).
    let request = Request {
        deploy: Deploy::Plan(Box::new(plan)),
        assess: Some(failure::Options {
            max_states: 2_000,
            ..failure::Options::default()
        }),
    };
    let r = pipeline::run(&t, Catalog::embedded(), &request, &mut |_| {}).unwrap();
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let page = show(&r, Format::Html);
    assert!(page.len() < 5_000_000, "{} bytes", page.len());
    // Charts aggregate: the cost chart gathers all but the costliest services, and the
    // heat map all but the failures and services hit most.
    let view = html::view::build(&r);
    let cost = view.cost.content.as_ref().unwrap();
    assert!(cost.by_service.svg.contains("more services"));
    let heat = view.scenarios.content.as_ref().unwrap();
    assert!(
        heat.svg.matches("<rect").count() < 2_500,
        "{}",
        heat.svg.matches("<rect").count()
    );
    // Tables fold: what is shown before a fold stays short.
    for t in [&cost.lines, &heat.table, &cost.by_service.table] {
        assert!(
            t.first().len() <= html::view::SHOWN_ROWS.max(30),
            "{}",
            t.id
        );
    }
    assert!(page.contains("<details class=\"more\">"));
    let md = show(&r, Format::Markdown);
    assert!(md.len() <= markdown::MAX_CHARS, "{}", md.len());
    assert!(md.contains("Trimmed to fit a comment"));
}
