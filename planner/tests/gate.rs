//! The architecture-review gate: every rule with a passing and a failing fixture;
//! baselines, `--fail-on`, suppressions and their expiry; fingerprints that survive
//! moved lines; every CI format validated against its schema and snapshotted; and the
//! `check` binary's exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use faultline::gate::{self, BaselineFile, GateResult, Snapshot, Status};
use faultline::render::{self, Doc, Format, Source, Sources};
use faultline_models::catalog::Catalog;
use faultline_models::deployment::Words;
use faultline_models::diag::{FileKind, Severity};
use faultline_models::failure::{self, Assessment, Deployment};
use faultline_models::plan::Plan;
use faultline_models::policy::{self, Date, Rule};
use faultline_models::topology::{self, Topology};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A topology with its plan and assessment.
struct Case {
    path: String,
    text: String,
    topology: Topology,
    plan: Plan,
    assessment: Assessment,
}

fn case_from(path: &str, text: String, plan: Plan) -> Case {
    let catalog = Catalog::embedded();
    let topology = topology::parse(&text, catalog).unwrap().topology;
    let assessment = assess(&topology, &plan);
    Case {
        path: path.into(),
        text,
        topology,
        plan,
        assessment,
    }
}

fn assess(t: &Topology, plan: &Plan) -> Assessment {
    failure::assess(
        t,
        Catalog::embedded(),
        &Deployment::from_plan(plan),
        &failure::Options::default(),
        &mut |_, _| {},
    )
    .unwrap()
}

/// web-shop with its checked-in plan: one region, three zones, spot, reserved-1y.
fn web_shop() -> &'static Case {
    static C: OnceLock<Case> = OnceLock::new();
    C.get_or_init(|| {
        let text = std::fs::read_to_string(repo().join("examples/web-shop/topology.toml")).unwrap();
        let plan = Plan::from_json(
            &std::fs::read_to_string(repo().join("examples/web-shop/expected/plan.json")).unwrap(),
        )
        .unwrap();
        case_from("examples/web-shop/topology.toml", text, plan)
    })
}

/// payments, planned here: three regions, a five-member Raft ledger, hard
/// dependencies, reserved-3y capacity.
fn payments() -> &'static Case {
    static C: OnceLock<Case> = OnceLock::new();
    C.get_or_init(|| {
        let text = std::fs::read_to_string(repo().join("examples/payments/topology.toml")).unwrap();
        let t = topology::parse(&text, Catalog::embedded())
            .unwrap()
            .topology;
        let plan = faultline::optimizer::plan(
            &t,
            Catalog::embedded(),
            &faultline::optimizer::SolveOptions::default(),
        )
        .unwrap();
        case_from("examples/payments/topology.toml", text, plan)
    })
}

struct Run<'a> {
    case: &'a Case,
    policy_text: String,
    plan: Option<&'a Plan>,
    assessment: Option<&'a Assessment>,
    baseline: Option<Snapshot>,
    accepted: Option<BaselineFile>,
    today: &'a str,
    fail_on: Option<Severity>,
}

fn run<'a>(case: &'a Case, policy_text: &str) -> Run<'a> {
    Run {
        case,
        policy_text: format!("version = 1\n{policy_text}"),
        plan: None,
        assessment: None,
        baseline: None,
        accepted: None,
        today: "2026-12-01",
        fail_on: None,
    }
}

impl Run<'_> {
    fn eval(&self) -> GateResult {
        let p = policy::parse(&self.policy_text).unwrap().policy;
        let names = p.check_names(&self.case.topology, Catalog::embedded());
        assert!(names.is_empty(), "{names:?}");
        let text = &self.case.text;
        gate::evaluate(&gate::Input {
            topology: &self.case.topology,
            catalog: Catalog::embedded(),
            plan: self.plan.unwrap_or(&self.case.plan),
            assessment: self.assessment.unwrap_or(&self.case.assessment),
            policy: &p,
            baseline: self.baseline.as_ref(),
            accepted: self.accepted.as_ref(),
            topology_text: text,
            topology_path: &self.case.path,
            policy_path: "policy.toml",
            today: Date::parse(self.today).unwrap(),
            fail_on: self.fail_on,
        })
        .unwrap()
    }

    fn sources(&self) -> Sources {
        let mut s = Sources::default();
        s.insert(
            FileKind::Topology,
            Source {
                path: self.case.path.clone(),
                text: self.case.text.clone(),
            },
        );
        s.insert(
            FileKind::Policy,
            Source {
                path: "policy.toml".into(),
                text: self.policy_text.clone(),
            },
        );
        s
    }
}

fn codes(g: &GateResult) -> Vec<(String, String)> {
    g.findings
        .iter()
        .map(|f| (f.rule.code().as_str().to_string(), f.subject.clone()))
        .collect()
}

/// Asserts a rule passes with one policy and fails with another, and that each
/// failure points at a topology line that mentions the subject.
fn pass_and_fail(case: &Case, rule: Rule, pass: &str, fail: &str, subject: &str) {
    let ok = run(case, pass).eval();
    assert!(
        ok.findings.iter().all(|f| f.rule != rule),
        "{rule:?} should pass with {pass}: {:?}",
        codes(&ok)
    );
    assert!(
        ok.cases.iter().any(|c| c.rule == rule),
        "{rule:?} checked nothing"
    );
    assert!(ok.passed());
    let bad = run(case, fail).eval();
    let f = bad
        .findings
        .iter()
        .find(|f| f.rule == rule && f.subject == subject)
        .unwrap_or_else(|| {
            panic!(
                "{rule:?} should fail {subject} with {fail}: {:?}",
                codes(&bad)
            )
        });
    assert_eq!(f.status, Status::New);
    assert!(!bad.passed());
    let span = f
        .diagnostic
        .span
        .clone()
        .expect("a finding points at a line");
    let line_start = case.text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = case.text[span.start..]
        .find('\n')
        .map_or(case.text.len(), |i| span.start + i);
    let name = subject.split(':').nth(1).unwrap_or("system");
    let line = &case.text[line_start..line_end];
    assert!(
        line.contains(name)
            || name == "system"
            || f.diagnostic
                .key
                .as_deref()
                .is_some_and(|k| k.contains(name)),
        "{rule:?}: line `{line}` is not about {subject}"
    );
}

#[test]
fn max_monthly_cost() {
    let c = web_shop();
    pass_and_fail(
        c,
        Rule::MaxMonthlyCost,
        "[max_monthly_cost]\nusd = 7000\n",
        "[max_monthly_cost]\nusd = 6000\n",
        "system",
    );
    let g = run(c, "[max_monthly_cost]\nusd = 6000\n").eval();
    assert!(g.findings[0]
        .diagnostic
        .message
        .contains("$6,231.88/month, $231.88 above"));
    assert_eq!(
        g.findings[0].diagnostic.key.as_deref(),
        Some("constraints.max_monthly_usd")
    );
}

#[test]
fn cost_change_against_a_baseline() {
    let c = web_shop();
    let mut base = Snapshot::of(&c.plan, Some(&c.assessment));
    base.monthly_usd -= rust_decimal::Decimal::from(1000);
    // +1,000 on 5,231.88 is +19.1%.
    let mut ok = run(
        c,
        "[cost_change]\nmax_increase_usd = 1500\nmax_increase_percent = 20\n",
    );
    ok.baseline = Some(base.clone());
    let g = ok.eval();
    assert!(g.findings.is_empty(), "{:?}", codes(&g));
    let mut bad = run(c, "[cost_change]\nmax_increase_percent = 10\n");
    bad.baseline = Some(base.clone());
    let g = bad.eval();
    assert_eq!(codes(&g), [("FL-G002".into(), "system".into())]);
    assert!(
        g.findings[0]
            .diagnostic
            .message
            .contains("+$1,000.00, +19.1%"),
        "{}",
        g.findings[0].diagnostic.message
    );
    // In the other direction: the head is far cheaper than the baseline.
    base.monthly_usd += rust_decimal::Decimal::from(5000);
    let mut down = run(
        c,
        "[cost_change]\nmax_decrease_percent = 30\nmax_increase_percent = 10\n",
    );
    down.baseline = Some(base);
    let g = down.eval();
    assert!(
        g.findings[0].diagnostic.message.contains("fell"),
        "{:?}",
        codes(&g)
    );
    // Without a baseline: skipped, with a warning.
    let g = run(c, "[cost_change]\nmax_increase_percent = 10\n").eval();
    assert!(g.findings.is_empty());
    assert_eq!(g.warnings[0].code.as_str(), "FL-P007");
}

#[test]
fn min_availability_and_max_downtime() {
    let c = web_shop();
    let checkout = c.assessment.journeys["checkout"].availability;
    let down = c.assessment.journeys["checkout"].downtime_minutes_per_year;
    pass_and_fail(
        c,
        Rule::MinAvailability,
        &format!(
            "[min_availability]\njourney.checkout = {}\n",
            checkout - 1e-6
        ),
        &format!(
            "[min_availability]\njourney.checkout = {}\n",
            (checkout + 1e-6).min(0.999999)
        ),
        "journey:checkout",
    );
    pass_and_fail(
        c,
        Rule::MaxDowntime,
        &format!("[max_downtime]\nevery_journey = {}\n", down * 4.0 + 1.0),
        &format!("[max_downtime]\njourney.checkout = {}\n", down * 0.5),
        "journey:checkout",
    );
}

#[test]
fn availability_regression() {
    let c = web_shop();
    let mut base = Snapshot::of(&c.plan, Some(&c.assessment));
    base.journeys.get_mut("checkout").unwrap().availability = Some(0.99999);
    let mut ok = run(c, "[availability_regression]\nmax_drop = 0.01\n");
    ok.baseline = Some(base.clone());
    assert!(ok.eval().findings.is_empty());
    let mut bad = run(
        c,
        "[availability_regression]\nmax_downtime_increase_minutes = 1\n",
    );
    bad.baseline = Some(base);
    let g = bad.eval();
    assert_eq!(codes(&g), [("FL-G005".into(), "journey:checkout".into())]);
}

#[test]
fn max_rto_and_rpo() {
    let c = web_shop();
    pass_and_fail(
        c,
        Rule::MaxRto,
        "[max_rto]\nevery = { zone = \"1h\" }\n",
        "[max_rto]\nservice.orders-db = { zone = \"1s\" }\n",
        "service:orders-db:zone",
    );
    // orders-db replicates asynchronously with a 1 s lag.
    pass_and_fail(
        c,
        Rule::MaxRpo,
        "[max_rpo]\nevery = { zone = \"5s\" }\n",
        "[max_rpo]\nservice.orders-db = { zone = \"0s\" }\n",
        "service:orders-db:zone",
    );
}

#[test]
fn survive() {
    // web-shop runs in one region: it survives a zone, not a region.
    pass_and_fail(
        web_shop(),
        Rule::Survive,
        "[survive]\nevery_service = [\"zone\"]\n",
        "[survive]\nservice.api = [\"region\"]\n",
        "service:api:region",
    );
}

/// Asserts a rule checked something and found nothing.
fn passes(case: &Case, rule: Rule, policy_text: &str) {
    let g = run(case, policy_text).eval();
    assert!(
        g.cases.iter().any(|c| c.rule == rule),
        "{rule:?} checked nothing"
    );
    assert!(g.findings.iter().all(|f| f.rule != rule), "{:?}", codes(&g));
}

/// payments' plan with one service's groups moved.
fn moved(service: &str, region: &str, zone: &str, instance_type: &str) -> Plan {
    let mut plan = payments().plan.clone();
    for g in &mut plan.services.get_mut(service).unwrap().deployment.groups {
        g.region = region.into();
        g.zone = Some(zone.into());
        g.instance_type = instance_type.into();
    }
    plan
}

fn eval_with(plan: &Plan, policy_text: &str) -> GateResult {
    let c = payments();
    let a = assess(&c.topology, plan);
    let mut r = run(c, policy_text);
    r.plan = Some(plan);
    r.assessment = Some(&a);
    r.eval()
}

#[test]
fn quorum_survival() {
    // As planned, the ledger's 2 + 2 + 1 members keep a majority through any zone or
    // region loss.
    passes(payments(), Rule::QuorumSurvival, "[quorum_survival]\n");
    // Every member in one zone of the home region: both losses take all five.
    let plan = moved("ledger", "us-east-1", "us-east-1a", "r7i.4xlarge");
    let g = eval_with(&plan, "[quorum_survival]\n");
    let subjects: Vec<String> = g
        .findings
        .iter()
        .filter(|f| f.rule == Rule::QuorumSurvival)
        .map(|f| f.subject.clone())
        .collect();
    assert_eq!(
        subjects,
        ["service:ledger:region", "service:ledger:zone"],
        "{:?}",
        codes(&g)
    );
    let f = g
        .findings
        .iter()
        .find(|f| f.rule == Rule::QuorumSurvival)
        .unwrap();
    assert!(
        f.diagnostic.message.contains("5 members and needs 3"),
        "{}",
        f.diagnostic.message
    );
    assert_eq!(
        f.diagnostic.key.as_deref(),
        Some("services.ledger.replicas")
    );
}

#[test]
fn cross_region_dependency() {
    passes(
        payments(),
        Rule::CrossRegionDependency,
        "[cross_region_dependency]\nmax_rtt_ms = 30\n",
    );
    // Idempotency keys only in us-east-1: payments-api and refunds in us-west-2 call
    // across the continent (the catalog's us-west-2 ↔ us-east-1 RTT, ~77 ms).
    let plan = moved("idempotency", "us-east-1", "us-east-1a", "r7i.xlarge");
    let g = eval_with(&plan, "[cross_region_dependency]\nmax_rtt_ms = 30\n");
    let found: Vec<String> = g
        .findings
        .iter()
        .filter(|f| f.rule == Rule::CrossRegionDependency)
        .map(|f| f.subject.clone())
        .collect();
    assert!(
        found.contains(&"service:payments-api:depends_on:idempotency".to_string()),
        "{found:?}"
    );
    let f = g
        .findings
        .iter()
        .find(|f| f.rule == Rule::CrossRegionDependency)
        .unwrap();
    assert!(
        f.diagnostic.message.contains("us-west-2 → us-east-1"),
        "{}",
        f.diagnostic.message
    );
    let key = f.diagnostic.key.clone().unwrap();
    assert!(key.ends_with(".depends_on.idempotency"), "{key}");
    // A budget above the RTT passes the same plan.
    let g = eval_with(&plan, "[cross_region_dependency]\nmax_rtt_ms = 200\n");
    assert!(g
        .findings
        .iter()
        .all(|f| f.rule != Rule::CrossRegionDependency));
}

#[test]
fn critical_spot() {
    // api and storefront run part of their fleets on spot; cache and orders-db none.
    pass_and_fail(
        web_shop(),
        Rule::CriticalSpot,
        "[critical_spot]\nservices = [\"cache\", \"orders-db\"]\n",
        "[critical_spot]\nservices = [\"storefront\"]\nmax_share = 0.1\n",
        "service:storefront",
    );
}

#[test]
fn max_commitment() {
    // web-shop buys 1-year reservations.
    pass_and_fail(
        web_shop(),
        Rule::MaxCommitment,
        "[max_commitment]\nmonths = 12\n",
        "[max_commitment]\nmonths = 0\n",
        "service:api",
    );
}

#[test]
fn residency() {
    pass_and_fail(
        payments(),
        Rule::Residency,
        "[residency]\nservice.profiles = [\"us-east-1\", \"us-east-2\"]\n",
        "[residency]\nevery_service = [\"us-east-1\", \"us-east-2\"]\n",
        "service:ledger",
    );
}

#[test]
fn required_tags() {
    let c = web_shop();
    let tagged = c.text.replace(
        "horizon_months = 12\n",
        "horizon_months = 12\n\n[system.tags]\nowner = \"shop-team\"\n",
    );
    let tagged = case_from(&c.path, tagged, c.plan.clone());
    pass_and_fail(
        &tagged,
        Rule::RequiredTags,
        "[required_tags]\nsystem = [\"owner\"]\nevery_service = [\"owner\"]\n",
        "[required_tags]\nevery_service = [\"cost-center\"]\n",
        "service:api:tag:cost-center",
    );
}

const STRICT: &str = "[min_availability]\nevery_service = 0.99999\nseverity = \"warning\"\n[max_monthly_cost]\nusd = 6000\n";

#[test]
fn fail_on_separates_reporting_from_failing() {
    let c = web_shop();
    let warn_only = "[min_availability]\nevery_service = 0.99999\nseverity = \"warning\"\n";
    let g = run(c, warn_only).eval();
    assert!(!g.findings.is_empty());
    assert!(g.passed(), "warnings do not fail at the default `error`");
    let mut r = run(c, warn_only);
    r.fail_on = Some(Severity::Warning);
    assert!(!r.eval().passed(), "--fail-on warning fails on them");
    // The policy's own fail_on, overridden by the flag.
    let p = format!("fail_on = \"warning\"\n{warn_only}");
    assert!(!run(c, &p).eval().passed());
    let mut r = run(c, &p);
    r.fail_on = Some(Severity::Error);
    assert!(r.eval().passed());
    // off turns a rule off.
    let g = run(c, "[max_monthly_cost]\nusd = 1\nseverity = \"off\"\n").eval();
    assert!(g.findings.is_empty() && g.cases.is_empty());
}

#[test]
fn baseline_findings_fail_only_new_findings() {
    let c = web_shop();
    let g = run(c, STRICT).eval();
    assert!(!g.passed());
    let file = BaselineFile::accepting(&g.findings);
    let text = faultline::render::json::pretty(&file);
    let read = BaselineFile::parse(&text).unwrap();
    assert_eq!(read, file);
    let mut r = run(c, STRICT);
    r.accepted = Some(read.clone());
    let g = r.eval();
    assert!(g.passed(), "{:?}", codes(&g));
    assert!(g.findings.iter().all(|f| f.status == Status::Accepted));
    // A new finding (a new rule on a subject) is not accepted.
    let mut r = run(c, &format!("{STRICT}[max_commitment]\nmonths = 0\n"));
    r.accepted = Some(read);
    let g = r.eval();
    let new: Vec<_> = g
        .findings
        .iter()
        .filter(|f| f.status == Status::New)
        .map(|f| f.rule)
        .collect();
    assert!(
        !new.is_empty() && new.iter().all(|r| *r == Rule::MaxCommitment),
        "{new:?}"
    );
    assert!(!g.passed());
    assert!(
        BaselineFile::parse("{\"format_version\": 9, \"findings\": []}")
            .unwrap_err()
            .contains("version 9")
    );
    assert!(BaselineFile::parse("[]").is_err());
}

#[test]
fn fingerprints_and_baselines_survive_moved_lines() {
    let c = web_shop();
    let g = run(c, STRICT).eval();
    // Twenty comment lines at the top move every line of the file.
    let moved_text = format!("{}{}", "# moved\n".repeat(20), c.text);
    let moved = case_from(&c.path, moved_text, c.plan.clone());
    let h = run(&moved, STRICT).eval();
    let fp = |g: &GateResult| {
        g.findings
            .iter()
            .map(|f| (f.subject.clone(), f.fingerprint.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(fp(&g), fp(&h));
    let lines = |g: &GateResult, t: &str| {
        g.findings
            .iter()
            .map(|f| {
                t[..f.diagnostic.span.clone().unwrap().start]
                    .matches('\n')
                    .count()
            })
            .collect::<Vec<_>>()
    };
    let before = lines(&g, &c.text);
    let after = lines(&h, &moved.text);
    assert!(before.iter().zip(&after).all(|(a, b)| b - a == 20));
    let mut r = run(&moved, STRICT);
    r.accepted = Some(BaselineFile::accepting(&g.findings));
    assert!(r.eval().passed());
    // Fingerprints differ between subjects and rules.
    let mut all: Vec<_> = fp(&g).into_iter().map(|x| x.1).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), g.findings.len());
}

#[test]
fn inline_suppressions_and_their_expiry() {
    let c = web_shop();
    let policy_text = "[min_availability]\nservice.cache = 0.99999\n";
    let allowed = c.text.replace(
        "[services.cache.slo]\n",
        "[services.cache.slo]\n# faultline:allow FL-G003 reason=\"cache outages only slow pages\" until=2027-03-01\n",
    );
    assert_ne!(allowed, c.text);
    let allowed_case = case_from(&c.path, allowed.clone(), c.plan.clone());
    let mut r = run(&allowed_case, policy_text);
    let g = r.eval();
    assert!(g.passed(), "{:?}", codes(&g));
    match &g.findings[0].status {
        Status::Suppressed { reason, until, .. } => {
            assert_eq!(reason, "cache outages only slow pages");
            assert_eq!(until.unwrap().to_string(), "2027-03-01");
        }
        s => panic!("not suppressed: {s:?}"),
    }
    // The last day still holds; the day after, the finding is back and the
    // suppression is itself a finding.
    r.today = "2027-03-01";
    assert!(r.eval().passed());
    r.today = "2027-03-02";
    let g = r.eval();
    assert!(!g.passed());
    let got: Vec<_> = codes(&g).into_iter().map(|x| x.0).collect();
    assert_eq!(
        got,
        ["FL-G015", "FL-G003"].map(String::from).to_vec(),
        "{:?}",
        codes(&g)
    );
    let expired = &g.findings[0];
    assert!(expired.diagnostic.message.contains("expired on 2027-03-01"));
    let span = expired.diagnostic.span.clone().unwrap();
    assert!(allowed[span].starts_with("# faultline:allow FL-G003"));
    // A suppression in another service's table does not apply to cache.
    let elsewhere = c.text.replace(
        "[services.api.slo]\n",
        "[services.api.slo]\n# faultline:allow FL-G003 reason=\"not about the cache\"\n",
    );
    let elsewhere = case_from(&c.path, elsewhere, c.plan.clone());
    let r = run(&elsewhere, policy_text);
    let g = r.eval();
    let got: Vec<_> = codes(&g).into_iter().map(|x| x.0).collect();
    assert_eq!(
        got,
        ["FL-G016", "FL-G003"].map(String::from).to_vec(),
        "{:?}",
        codes(&g)
    );
    assert!(
        !g.passed(),
        "an unused suppression warns; the finding still fails"
    );
}

/// A run with findings of every status: new errors and warnings, one suppressed, and
/// (in `with_baseline`) accepted ones.
fn mixed() -> (Run<'static>, GateResult) {
    static C: OnceLock<Case> = OnceLock::new();
    let c = C.get_or_init(|| {
        let w = web_shop();
        let text = w.text.replace(
            "[services.cache.slo]\n",
            "[services.cache.slo]\n# faultline:allow FL-G003 reason=\"cache outages only slow pages\" until=2027-03-01\n",
        );
        case_from(&w.path, text, w.plan.clone())
    });
    let r = run(
        c,
        "[max_monthly_cost]\nusd = 6000\n[min_availability]\nevery_service = 0.99999\nseverity = \"warning\"\n[max_rto]\nevery = { zone = \"30s\" }\n[max_commitment]\nmonths = 0\n",
    );
    let g = r.eval();
    (r, g)
}

fn rendered(format: Format) -> String {
    let (r, g) = mixed();
    render::render(&Doc::Gate(&g), format, &r.sources()).unwrap()
}

/// The crate version changes with every release; snapshots should not.
fn redact(s: &str) -> String {
    s.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

fn validate_json(schema_file: &str, doc: &str) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/schemas")
                .join(schema_file),
        )
        .unwrap(),
    )
    .unwrap();
    let instance: serde_json::Value = serde_json::from_str(doc).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:#?}");
}

#[test]
fn sarif_validates_and_carries_locations_fingerprints_and_suppressions() {
    let doc = rendered(Format::Sarif);
    validate_json("sarif-2.1.0.json", &doc);
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), Rule::ALL.len());
    assert!(rules[0]["helpUri"]
        .as_str()
        .unwrap()
        .ends_with("docs/findings.md#fl-g001"));
    assert_eq!(rules[0]["properties"]["security-severity"], "7.5");
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_i64().unwrap() >= 1);
        assert!(region["endLine"].as_i64().unwrap() >= region["startLine"].as_i64().unwrap());
        assert_eq!(
            r["partialFingerprints"]["faultlineFinding/v1"]
                .as_str()
                .unwrap()
                .len(),
            32
        );
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
    }
    let suppressed: Vec<_> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert!(suppressed[0]["suppressions"][0]["justification"]
        .as_str()
        .unwrap()
        .contains("slow pages"));
    insta::assert_snapshot!("sarif", redact(&doc));
}

#[test]
fn sarif_stays_within_the_upload_limits() {
    let (r, mut g) = mixed();
    let one = g.findings[0].clone();
    g.findings = (0..26_000)
        .map(|i| {
            let mut f = one.clone();
            f.subject = format!("service:s{i}");
            f
        })
        .collect();
    let doc = render::render(&Doc::Gate(&g), Format::Sarif, &r.sources()).unwrap();
    assert!(doc.len() <= faultline::render::sarif::MAX_BYTES);
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let n = v["runs"][0]["results"].as_array().unwrap().len();
    assert!(
        n <= faultline::render::sarif::MAX_RESULTS && n > 1000,
        "{n}"
    );
    let note = v["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(
        note.starts_with(&format!("{} more findings", 26_000 - n)),
        "{note}"
    );
}

#[test]
fn gitlab_report_validates_with_stable_fingerprints() {
    let doc = rendered(Format::Gitlab);
    validate_json("gitlab-code-quality.json", &doc);
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let (_, g) = mixed();
    // Suppressed findings are left out.
    assert_eq!(v.as_array().unwrap().len(), g.findings.len() - 1);
    insta::assert_snapshot!("gitlab", doc);
}

#[test]
fn junit_validates_against_the_xsd() {
    let doc = rendered(Format::Junit);
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("junit.xml");
    std::fs::write(&xml, &doc).unwrap();
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit.xsd");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&xml)
        .output()
        .expect("xmllint (Debian package libxml2-utils) must be installed: .ci/run installs it");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One case per rule × subject; the suppressed one is skipped, failing ones fail.
    let (_, g) = mixed();
    assert_eq!(doc.matches("<testcase ").count(), g.cases.len());
    assert_eq!(doc.matches("<skipped").count(), 1);
    assert_eq!(
        doc.matches("<failure").count(),
        g.cases
            .iter()
            .filter(|c| g.findings_for(c).any(|f| f.fails(g.fail_on)))
            .count()
    );
    insta::assert_snapshot!("junit", doc);
}

#[test]
fn github_annotations_keep_to_ten_per_level() {
    let doc = rendered(Format::Github);
    insta::assert_snapshot!("github", doc);
    let (r, mut g) = mixed();
    let one = g
        .findings
        .iter()
        .find(|f| f.status == Status::New && f.severity() == Severity::Error)
        .unwrap()
        .clone();
    g.findings = (0..15)
        .map(|i| {
            let mut f = one.clone();
            f.subject = format!("service:s{i}");
            f
        })
        .collect();
    let doc = render::render(&Doc::Gate(&g), Format::Github, &r.sources()).unwrap();
    assert_eq!(
        doc.lines().filter(|l| l.starts_with("::error ")).count(),
        10
    );
    assert!(doc.contains("5 more findings"), "{doc}");
}

#[test]
fn markdown_comment_has_a_marker_deltas_and_a_cap() {
    let (r, g) = mixed();
    let doc = render::render(&Doc::Gate(&g), Format::Markdown, &r.sources()).unwrap();
    assert!(doc.starts_with("<!-- faultline-check: web-shop -->\n"));
    insta::assert_snapshot!("markdown", doc);
    // With a baseline: the cost and availability deltas.
    let mut rb = run(r.case, &r.policy_text["version = 1\n".len()..]);
    let mut base = Snapshot::of(&r.case.plan, Some(&r.case.assessment));
    base.monthly_usd -= rust_decimal::Decimal::from(500);
    base.journeys.get_mut("checkout").unwrap().availability = Some(0.99999);
    rb.baseline = Some(base);
    let gb = rb.eval();
    let doc = render::render(&Doc::Gate(&gb), Format::Markdown, &rb.sources()).unwrap();
    assert!(
        doc.contains("| **monthly total** | $5,731.88 | $6,231.88 | +$500.00 (+8.7%) |"),
        "{doc}"
    );
    assert!(doc.contains("### Availability per journey"));
    // The cap: many findings, a short limit.
    let mut many = g.clone();
    let one = g.findings[0].clone();
    many.findings = (0..3000)
        .map(|i| {
            let mut f = one.clone();
            f.subject = format!("service:s{i}");
            f
        })
        .collect();
    let doc = faultline::render::markdown::check(
        &many,
        &r.sources(),
        faultline::render::markdown::MAX_CHARS,
    );
    assert!(doc.chars().count() <= faultline::render::markdown::MAX_CHARS);
    assert!(doc.contains(" more (`faultline check --format json` lists every finding)"));
}

#[test]
fn text_and_json_snapshots() {
    insta::assert_snapshot!("text", rendered(Format::Text));
    let json = rendered(Format::Json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["passed"], false);
    insta::assert_snapshot!("json", json);
}

#[test]
fn same_inputs_give_the_same_bytes() {
    for f in Format::CHECK {
        assert_eq!(rendered(*f), rendered(*f), "{}", f.name());
    }
}

// The binary, as CI runs it.

fn faultline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
}

fn check(args: &[&str]) -> (Option<i32>, String, String) {
    let out = faultline()
        .current_dir(repo())
        .arg("check")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const WEB: &str = "examples/web-shop/topology.toml";
const WEB_PLAN: &str = "examples/web-shop/expected/plan.json";

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("version = 1\n{text}")).unwrap();
        p.display().to_string()
    };
    let pass = write("pass.toml", "[max_monthly_cost]\nusd = 10000\n");
    let fail = write("fail.toml", "[max_monthly_cost]\nusd = 1000\n");
    let warn = write(
        "warn.toml",
        "[max_monthly_cost]\nusd = 1000\nseverity = \"warning\"\n",
    );
    let bad = write("bad.toml", "[max_monthly_cst]\nusd = 1000\n");
    let unknown = write(
        "unknown.toml",
        "[min_availability]\nservice.storefrnt = 0.9\n",
    );
    let base = ["--plan", WEB_PLAN, "--today", "2026-12-01"];
    let go = |policy: &str, extra: &[&str]| {
        let mut a = vec![WEB, "--policy", policy];
        a.extend(base);
        a.extend(extra);
        check(&a)
    };
    assert_eq!(go(&pass, &[]).0, Some(0));
    assert_eq!(go(&fail, &[]).0, Some(1));
    assert_eq!(go(&warn, &[]).0, Some(0));
    assert_eq!(go(&warn, &["--fail-on", "warning"]).0, Some(1));
    let (code, _, err) = go(&bad, &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("FL-P003") && err.contains("did you mean `max_monthly_cost`?"),
        "{err}"
    );
    let (code, _, err) = go(&unknown, &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("FL-P006") && err.contains("did you mean `storefront`?"),
        "{err}"
    );
    assert_eq!(go(&pass, &["--today", "2026-02-30"]).0, Some(2));
    assert_eq!(go(&pass, &["--report", "nope=x"]).0, Some(2));
    // --write-baseline accepts everything; the next run passes with it.
    let bl = dir.path().join("baseline.json").display().to_string();
    let (code, _, _) = go(&fail, &["--write-baseline", &bl]);
    assert_eq!(code, Some(0));
    assert_eq!(go(&fail, &["--baseline-findings", &bl]).0, Some(0));
    let stricter = write(
        "stricter.toml",
        "[max_monthly_cost]\nusd = 1000\n[max_commitment]\nmonths = 0\n",
    );
    assert_eq!(go(&stricter, &["--baseline-findings", &bl]).0, Some(1));
    // Extra reports are written beside stdout, in one run.
    let sarif = dir.path().join("out.sarif").display().to_string();
    let md = dir.path().join("comment.md").display().to_string();
    let (code, out, _) = go(
        &fail,
        &[
            "--format",
            "gitlab",
            "--report",
            &format!("sarif={sarif}"),
            "--report",
            &format!("markdown={md}"),
        ],
    );
    assert_eq!(code, Some(1));
    validate_json("gitlab-code-quality.json", &out);
    validate_json(
        "sarif-2.1.0.json",
        &std::fs::read_to_string(&sarif).unwrap(),
    );
    assert!(std::fs::read_to_string(&md)
        .unwrap()
        .starts_with("<!-- faultline-check: web-shop -->"));
}

#[test]
fn every_example_passes_its_own_policy() {
    for name in ["web-shop", "legacy-placement"] {
        let dir = format!("examples/{name}");
        let (code, out, err) = check(&[
            &format!("{dir}/topology.toml"),
            "--policy",
            &format!("{dir}/policy.toml"),
            "--plan",
            &format!("{dir}/expected/plan.json"),
            "--today",
            "2026-12-01",
        ]);
        assert_eq!(code, Some(0), "{name}:\n{out}\n{err}");
    }
}

#[test]
fn diff_between_plans_and_topologies() {
    let out = faultline()
        .current_dir(repo())
        .args([
            "diff",
            "examples/web-shop/expected/plan.json",
            WEB,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The same system planned again: the same cost.
    assert_eq!(v["diff"]["monthly_usd"]["delta"], "0.00");
    assert_eq!(v["diff"]["services"].as_array().unwrap().len(), 4);
    let out = faultline()
        .current_dir(repo())
        .args([
            "diff",
            "examples/legacy-placement/expected/plan.json",
            WEB_PLAN,
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("### Cost") && md.contains("(added)") && md.contains("(removed)"),
        "{md}"
    );
    let out = faultline()
        .current_dir(repo())
        .args(["diff", "nope.json", WEB_PLAN])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
