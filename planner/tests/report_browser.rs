//! Looks at every example's report the way a reader does, in headless Chromium: the
//! page must load without a console message (an invalid SVG attribute, a blocked
//! fetch), have every section, draw every chart with marks in it, and fit its width
//! — no horizontal page scroll at phone width, no table needing a scroll bar at
//! desktop width. Screenshots at desktop and phone width are left under
//! `target/tmp/report-check/` for people to look at.
//!
//! Needs Debian's `chromium` (or `FAULTLINE_CHROMIUM`): under `CI=true` a missing
//! browser fails the test; elsewhere it is skipped with a message. The measurements
//! come from a script added to a copy of the page; the report itself has none.

use std::path::{Path, PathBuf};
use std::process::Command;

use faultline::pipeline::{self, Deploy, Request};
use faultline::render::{self, Doc, Format, Sources, View};
use faultline_models::catalog::Catalog;
use faultline_models::failure;
use faultline_models::plan::Plan;
use faultline_models::topology;
use serde_json::Value;

const EXAMPLES: [&str; 4] = ["legacy-placement", "payments", "realtime-chat", "web-shop"];
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
const DESKTOP: u32 = 1280;
const PHONE: u32 = 390;
/// Tallest screenshot taken: long enough for every section of the examples.
const MAX_SHOT: u32 = 14_000;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn out_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-check");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FAULTLINE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn report_html(name: &str) -> String {
    let read = |rel: String| std::fs::read_to_string(repo().join(&rel)).unwrap();
    let t = topology::parse(
        &read(format!("examples/{name}/topology.toml")),
        Catalog::embedded(),
    )
    .unwrap()
    .topology;
    let plan = Plan::from_json(&read(format!(
        "planner/tests/fixtures/report/{name}-plan.json"
    )))
    .unwrap();
    let request = Request {
        deploy: Deploy::Plan(Box::new(plan)),
        assess: Some(failure::Options::default()),
    };
    let r = pipeline::run(&t, Catalog::embedded(), &request, &mut |_| {}).unwrap();
    render::render(
        &Doc::Report(&r, View::Report),
        Format::Html,
        &Sources::default(),
    )
    .unwrap()
}

/// Runs Chromium headless on `page` with `extra` arguments; returns stdout and the
/// console messages it logged.
fn run(
    browser: &Path,
    page: &Path,
    width: u32,
    height: u32,
    extra: &[String],
) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},{height}"))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

/// The measuring script added to a copy of the page (and the policy relaxed for it).
const PROBE: &str = r#"<script>
(function () {
  var r = { sections: {}, charts: [], tables: 0, unwrapped: 0, wide: [] };
  document.querySelectorAll('main > section').forEach(function (s) {
    r.sections[s.id] = s.getBoundingClientRect().height;
  });
  document.querySelectorAll('figure.chart').forEach(function (f) {
    var svg = f.querySelector('svg');
    var b = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    r.charts.push({
      id: f.id, width: b.width, height: b.height,
      marks: svg ? svg.querySelectorAll('rect, circle, path, polygon, polyline, line').length : 0,
      table: f.querySelector('table') ? f.querySelector('table').rows.length : 0
    });
  });
  document.querySelectorAll('table').forEach(function (t) {
    r.tables += 1;
    var w = t.closest('.tw');
    if (!w) { r.unwrapped += 1; return; }
    if (t.closest('details:not([open])')) { return; }
    // A placement map of many zones may scroll (its service column stays put); no
    // other table should need to at desktop width.
    var zones = t.classList.contains('map') ? t.tHead.rows[t.tHead.rows.length - 1].cells.length : 0;
    if (w.scrollWidth > w.clientWidth + 1 && zones <= 9) { r.wide.push(t.id || '?'); }
  });
  r.pageWidth = document.documentElement.scrollWidth;
  r.viewport = window.innerWidth;
  r.height = document.documentElement.scrollHeight;
  var pre = document.createElement('pre');
  pre.id = 'faultline-check';
  pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
})();
</script>"#;

fn measure(browser: &Path, name: &str, html: &str, width: u32) -> Value {
    let probed = html
        .replacen(
            "default-src 'none';",
            "default-src 'none'; script-src 'unsafe-inline';",
            1,
        )
        .replacen("</body>", &format!("{PROBE}</body>"), 1);
    let path = out_dir().join(format!("{name}-probe-{width}.html"));
    std::fs::write(&path, probed).unwrap();
    let (dom, console) = run(browser, &path, width, 900, &["--dump-dom".to_string()]);
    assert!(console.is_empty(), "{name} at {width}px: {console:#?}");
    let start = dom
        .find("<pre id=\"faultline-check\">")
        .unwrap_or_else(|| panic!("{name}: the probe did not run"));
    let rest = &dom[start + "<pre id=\"faultline-check\">".len()..];
    let json = &rest[..rest.find("</pre>").unwrap()];
    let json = json
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}: {json}"))
}

#[test]
fn every_example_report_reads_well_in_a_browser() {
    let Some(browser) = chromium() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("chromium is not installed; .ci/run installs Debian's `chromium` for this test");
        }
        eprintln!("SKIPPED: report browser check: chromium not found (install Debian's `chromium` or set FAULTLINE_CHROMIUM)");
        return;
    };
    for name in EXAMPLES {
        let html = report_html(name);
        let page = out_dir().join(format!("{name}.html"));
        std::fs::write(&page, &html).unwrap();
        for (label, width) in [("desktop", DESKTOP), ("phone", PHONE)] {
            let m = measure(&browser, name, &html, width);
            for s in SECTIONS {
                let h = m["sections"][s].as_f64().unwrap_or(0.0);
                assert!(
                    h > 20.0,
                    "{name} ({label}): section {s} missing or empty ({h}px)"
                );
            }
            let charts = m["charts"].as_array().unwrap();
            assert!(charts.len() >= 6, "{name}: {} charts", charts.len());
            for c in charts {
                let id = c["id"].as_str().unwrap_or("?");
                assert!(
                    c["width"].as_f64().unwrap() > 100.0 && c["height"].as_f64().unwrap() > 40.0,
                    "{name} ({label}): chart {id} is not drawn: {c}"
                );
                assert!(
                    c["marks"].as_u64().unwrap() > 3,
                    "{name}: chart {id} is empty: {c}"
                );
                assert!(
                    c["table"].as_u64().unwrap() > 1,
                    "{name}: chart {id} has no data table"
                );
            }
            assert_eq!(m["unwrapped"], 0, "{name}: a table can overflow the page");
            let (pw, vw) = (
                m["pageWidth"].as_f64().unwrap(),
                m["viewport"].as_f64().unwrap(),
            );
            assert!(
                pw <= vw + 1.0,
                "{name} ({label}): page is {pw}px wide in a {vw}px window"
            );
            if width == DESKTOP {
                assert!(
                    m["wide"].as_array().unwrap().is_empty(),
                    "{name}: tables need a scroll bar at desktop width: {}",
                    m["wide"]
                );
            }
            // The page itself, unmodified: no console message while it loads, and a
            // screenshot of all of it.
            let height = (m["height"].as_f64().unwrap().ceil() as u32).clamp(600, MAX_SHOT);
            let shot = out_dir().join(format!("{name}-{label}.png"));
            let (_, console) = run(
                &browser,
                &page,
                width,
                height,
                &[format!("--screenshot={}", shot.display())],
            );
            assert!(
                console.is_empty(),
                "{name} ({label}): console: {console:#?}"
            );
            let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
            assert!(size > 10_000, "{name} ({label}): no screenshot");
        }
    }
    eprintln!("screenshots: {}", out_dir().display());
}
