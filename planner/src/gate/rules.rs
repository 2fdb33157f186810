//! Each gate rule, evaluated over the topology, the plan, the failure model's
//! assessment and the baseline. Every rule records each subject it checked (a JUnit
//! test case) and a finding for each it failed, pointing at the topology key that is
//! the cause — the SLO line, the dependency, the service's table — with the policy
//! setting that was broken alongside. `docs/policy.md` states what each rule computes.

use std::collections::{BTreeMap, BTreeSet};

use faultline_models::cost::{term_months, usd};
use faultline_models::deployment::{CapacityGroup, Purchase, Role, Words};
use faultline_models::diag::{Code, Diagnostic, FileKind, Severity};
use faultline_models::duration;
use faultline_models::failure::{self, Assessment, Deployment, Figures, Impact};
use faultline_models::policy::{ClassLimits, Level, Rule};
use faultline_models::topology::{Consistency, Disruption, Kind, Strength, Topology};
use rust_decimal::Decimal;

use super::snapshot::{unavailable_minutes, Snapshot};
use super::{fingerprint, Case, Finding, Input, Status};

type Evaluated = (Vec<Finding>, Vec<Case>, Vec<Diagnostic>);

/// A subject of the cost-change rule: its name, base and head cost, topology keys.
type CostSubject = (String, Option<Decimal>, Option<Decimal>, Vec<String>);

pub(super) fn evaluate(input: &Input<'_>) -> Evaluated {
    let mut e = Eval {
        input,
        findings: Vec::new(),
        cases: Vec::new(),
        warnings: Vec::new(),
    };
    e.max_monthly_cost();
    e.cost_change();
    e.min_availability();
    e.max_downtime();
    e.availability_regression();
    e.recovery(Rule::MaxRto);
    e.recovery(Rule::MaxRpo);
    e.survive();
    e.quorum_survival();
    e.cross_region_dependency();
    e.critical_spot();
    e.max_commitment();
    e.residency();
    e.required_tags();
    (e.findings, e.cases, e.warnings)
}

struct Eval<'a> {
    input: &'a Input<'a>,
    findings: Vec<Finding>,
    cases: Vec<Case>,
    warnings: Vec<Diagnostic>,
}

/// A finding about to be recorded.
struct Broken<'k> {
    rule: Rule,
    subject: String,
    /// Topology keys to point at, most precise first; the first written one wins.
    keys: &'k [String],
    policy_key: String,
    message: String,
    help: Option<String>,
}

fn pct(a: f64) -> String {
    format!("{:.4}%", a * 100.0)
}

fn minutes(m: f64) -> String {
    format!("{m:.1} min/yr")
}

fn seconds(s: f64) -> String {
    duration::format(std::time::Duration::from_secs_f64(s.max(0.0).round()))
}

fn service_keys(name: &str, tail: &[&str]) -> Vec<String> {
    subject_keys("services", name, tail)
}

/// `<table>.<name>.<tail…>`, then each shorter prefix down to `<table>.<name>`.
fn subject_keys(table: &str, name: &str, tail: &[&str]) -> Vec<String> {
    let base = faultline_models::path![table, name].to_string();
    let mut out = Vec::new();
    for n in (0..=tail.len()).rev() {
        let mut k = base.clone();
        for t in &tail[..n] {
            k.push('.');
            k.push_str(t);
        }
        out.push(k);
    }
    out
}

impl<'a> Eval<'a> {
    fn topology(&self) -> &Topology {
        self.input.topology
    }

    fn level(&self, rule: Rule) -> Option<Severity> {
        self.input.policy.level(rule).severity()
    }

    fn case(&mut self, rule: Rule, subject: &str) {
        self.cases.push(Case {
            rule,
            subject: subject.to_string(),
        });
    }

    fn broken(&mut self, b: Broken<'_>) {
        let Some(severity) = self.level(b.rule) else {
            return;
        };
        let t = self.input.topology;
        let policy = self.input.policy;
        let policy_span = policy.span(&b.policy_key);
        let found = b
            .keys
            .iter()
            .find_map(|k| t.span(k).map(|s| (k.clone(), s)));
        let (mut d, file) = match found {
            Some((key, span)) => (
                Diagnostic::error(b.rule.code(), b.message)
                    .in_file(FileKind::Topology)
                    .key(key)
                    .at(span),
                self.input.topology_path,
            ),
            // Nothing in the topology to point at (a service the baseline had): the
            // policy line that set the limit is the cause.
            None => {
                let mut d = Diagnostic::error(b.rule.code(), b.message)
                    .in_file(FileKind::Policy)
                    .key(b.policy_key.clone());
                if let Some(s) = policy_span.clone() {
                    d = d.at(s);
                }
                (d, self.input.policy_path)
            }
        };
        d.severity = severity;
        let limit = format!("the limit is the policy's `{}`", b.policy_key);
        d = d.help(match b.help {
            Some(h) => format!("{h} ({limit})"),
            None => limit,
        });
        self.findings.push(Finding {
            rule: b.rule,
            fingerprint: fingerprint(file, b.rule, &b.subject),
            subject: b.subject,
            file: file.to_string(),
            diagnostic: d,
            policy_key: Some(b.policy_key),
            policy_span,
            status: Status::New,
        });
    }

    /// A rule that compares against a baseline, run without one: say so once.
    fn needs_baseline(&mut self, rule: Rule) -> Option<&'a Snapshot> {
        let b = self.input.baseline;
        if b.is_none() && self.level(rule).is_some() {
            let table = rule.word();
            let mut d = Diagnostic::warning(
                Code::PolicyNeedsBaseline,
                format!("`[{table}]` compares against a baseline, and none was given: not checked"),
            )
            .in_file(FileKind::Policy)
            .key(table)
            .help("pass `--baseline <topology or plan.json>` of the target branch");
            if let Some(s) = self.input.policy.span(table) {
                d = d.at(s);
            }
            self.warnings.push(d);
        }
        b
    }

    fn max_monthly_cost(&mut self) {
        let Some(s) = &self.input.policy.max_monthly_cost else {
            return;
        };
        if s.level == Level::Off {
            return;
        }
        let rule = Rule::MaxMonthlyCost;
        self.case(rule, "system");
        let cost = self.input.plan.monthly_usd;
        if cost > s.value {
            self.broken(Broken {
                rule,
                subject: "system".into(),
                keys: &[
                    "constraints.max_monthly_usd".into(),
                    "system.monthly_budget_usd".into(),
                    "system".into(),
                ],
                policy_key: "max_monthly_cost.usd".into(),
                message: format!(
                    "the plan costs {}/month, {} above the policy's maximum of {}",
                    usd(cost),
                    usd(cost - s.value),
                    usd(s.value)
                ),
                help: Some(
                    "lower what drives the cost (the plan's per-service costs say which), or raise `max_monthly_cost.usd` with the budget owner's agreement".into(),
                ),
            });
        }
    }

    fn cost_change(&mut self) {
        let Some(s) = self.input.policy.cost_change.clone() else {
            return;
        };
        if s.level == Level::Off {
            return;
        }
        let rule = Rule::CostChange;
        let Some(base) = self.needs_baseline(rule) else {
            return;
        };
        let head = self.input.plan;
        let mut subjects: Vec<CostSubject> = vec![(
            "system".into(),
            Some(base.monthly_usd),
            Some(head.monthly_usd),
            vec!["system".into()],
        )];
        if s.value.per_service {
            let names: BTreeSet<&String> =
                base.services.keys().chain(head.services.keys()).collect();
            for name in names {
                subjects.push((
                    format!("service:{name}"),
                    base.services.get(name).and_then(|f| f.monthly_usd),
                    head.services.get(name).map(|sp| sp.monthly_usd),
                    service_keys(name, &[]),
                ));
            }
        }
        let c = &s.value;
        for (subject, b, h, keys) in subjects {
            self.case(rule, &subject);
            let b = b.unwrap_or_default();
            let h = h.unwrap_or_default();
            let delta = h - b;
            let percent = (!b.is_zero()).then(|| delta * Decimal::from(100) / b);
            let mut over = Vec::new();
            let mut policy_key = None;
            let mut limit = |key: &str, hit: bool, text: String| {
                if hit {
                    over.push(text);
                    policy_key.get_or_insert_with(|| format!("cost_change.{key}"));
                }
            };
            if let Some(m) = c.max_increase_usd {
                limit(
                    "max_increase_usd",
                    delta > m,
                    format!("the +{} allowed", usd(m)),
                );
            }
            if let (Some(m), Some(p)) = (c.max_increase_percent, percent) {
                limit("max_increase_percent", p > m, format!("the +{m}% allowed"));
            }
            if let Some(m) = c.max_decrease_usd {
                limit(
                    "max_decrease_usd",
                    -delta > m,
                    format!("the −{} allowed", usd(m)),
                );
            }
            if let (Some(m), Some(p)) = (c.max_decrease_percent, percent) {
                limit("max_decrease_percent", -p > m, format!("the −{m}% allowed"));
            }
            let Some(policy_key) = policy_key else {
                continue;
            };
            let what = if subject == "system" {
                "the monthly cost".to_string()
            } else {
                format!("the monthly cost of `{}`", &subject["service:".len()..])
            };
            let how = if delta >= Decimal::ZERO {
                "rose"
            } else {
                "fell"
            };
            let pct_text = percent
                .map(|p| {
                    format!(
                        ", {}{}%",
                        if p >= Decimal::ZERO { "+" } else { "" },
                        p.round_dp(1)
                    )
                })
                .unwrap_or_default();
            self.broken(Broken {
                rule,
                subject,
                keys: &keys,
                policy_key,
                message: format!(
                    "{what} {how} from {} to {} ({}{}{pct_text}) against the baseline, beyond {}",
                    usd(b),
                    usd(h),
                    if delta >= Decimal::ZERO { "+" } else { "" },
                    usd(delta),
                    over.join(" and ")
                ),
                help: Some(
                    "`faultline diff <baseline> <topology>` shows what moved, service by service"
                        .into(),
                ),
            });
        }
    }

    /// Services and journeys with their figures, in name order.
    fn subjects(&self) -> Vec<(bool, String, Figures)> {
        let a: &Assessment = self.input.assessment;
        a.services
            .iter()
            .map(|(n, f)| (true, n.clone(), f.clone()))
            .chain(
                a.journeys
                    .iter()
                    .map(|(n, f)| (false, n.clone(), f.clone())),
            )
            .collect()
    }

    fn threshold_rule(&mut self, rule: Rule) {
        let setting = match rule {
            Rule::MinAvailability => self.input.policy.min_availability.clone(),
            _ => self.input.policy.max_downtime.clone(),
        };
        let Some(s) = setting else { return };
        if s.level == Level::Off {
            return;
        }
        let table = rule.word();
        for (is_service, name, fig) in self.subjects() {
            let (limit, policy_key) = match if is_service {
                s.value.for_service(table, &name)
            } else {
                s.value.for_journey(table, &name)
            } {
                Some((v, k)) => (*v, k),
                None => continue,
            };
            let (word, table_key) = if is_service {
                ("service", "services")
            } else {
                ("journey", "journeys")
            };
            let subject = format!("{word}:{name}");
            self.case(rule, &subject);
            let keys = subject_keys(table_key, &name, &["slo", "availability"]);
            let broken = match rule {
                Rule::MinAvailability if fig.availability < limit => Some((
                    format!(
                        "{word} `{name}` is {} available ({:.2} nines), below the policy's {}",
                        pct(fig.availability),
                        fig.nines,
                        pct(limit)
                    ),
                    "raise what it survives (zones, regions) or its replicas, and re-plan; `faultline analyze` shows which failures cost the most",
                )),
                Rule::MaxDowntime if fig.downtime_minutes_per_year > limit => Some((
                    format!(
                        "{word} `{name}` is down {} on average, above the policy's {}",
                        minutes(fig.downtime_minutes_per_year),
                        minutes(limit)
                    ),
                    "the scenario matrix of `faultline analyze` shows which failures take it down and for how long",
                )),
                _ => None,
            };
            if let Some((message, help)) = broken {
                self.broken(Broken {
                    rule,
                    subject,
                    keys: &keys,
                    policy_key,
                    message,
                    help: Some(help.into()),
                });
            }
        }
    }

    fn min_availability(&mut self) {
        self.threshold_rule(Rule::MinAvailability);
    }

    fn max_downtime(&mut self) {
        self.threshold_rule(Rule::MaxDowntime);
    }

    fn availability_regression(&mut self) {
        let Some(s) = self.input.policy.availability_regression.clone() else {
            return;
        };
        if s.level == Level::Off {
            return;
        }
        let rule = Rule::AvailabilityRegression;
        let Some(base) = self.needs_baseline(rule) else {
            return;
        };
        for (is_service, name, fig) in self.subjects() {
            let (word, table_key, before) = if is_service {
                ("service", "services", base.services.get(&name))
            } else {
                ("journey", "journeys", base.journeys.get(&name))
            };
            let Some(before) = before.and_then(|f| f.availability) else {
                continue;
            };
            let subject = format!("{word}:{name}");
            self.case(rule, &subject);
            let now = fig.availability;
            let drop = before - now;
            let more = unavailable_minutes(now) - unavailable_minutes(before);
            let mut policy_key = None;
            let mut over = Vec::new();
            if let Some(m) = s.value.max_drop {
                if drop > m + 1e-12 {
                    over.push(format!("the {} drop allowed", pct(m)));
                    policy_key.get_or_insert("availability_regression.max_drop");
                }
            }
            if let Some(m) = s.value.max_downtime_increase_minutes {
                if more > m + 1e-9 {
                    over.push(format!("the +{} allowed", minutes(m)));
                    policy_key
                        .get_or_insert("availability_regression.max_downtime_increase_minutes");
                }
            }
            let Some(policy_key) = policy_key else {
                continue;
            };
            let keys = subject_keys(table_key, &name, &["slo", "availability"]);
            self.broken(Broken {
                rule,
                subject,
                keys: &keys,
                policy_key: policy_key.into(),
                message: format!(
                    "{word} `{name}` fell from {} to {} available against the baseline (+{} not fully up), beyond {}",
                    pct(before),
                    pct(now),
                    minutes(more),
                    over.join(" and ")
                ),
                help: Some("`faultline diff <baseline> <topology>` shows the change per service and journey".into()),
            });
        }
    }

    fn recovery(&mut self, rule: Rule) {
        let setting = match rule {
            Rule::MaxRto => self.input.policy.max_rto.clone(),
            _ => self.input.policy.max_rpo.clone(),
        };
        let Some(s) = setting else { return };
        if s.level == Level::Off {
            return;
        }
        let limits: &ClassLimits = &s.value;
        let table = rule.word();
        let slo_key = if rule == Rule::MaxRto { "rto" } else { "rpo" };
        for (is_service, name, fig) in self.subjects() {
            let (word, table_key) = if is_service {
                ("service", "services")
            } else {
                ("journey", "journeys")
            };
            for (class, (limit, policy_key)) in limits.limits_for(table, &name, is_service) {
                let subject = format!("{word}:{name}:{class}");
                self.case(rule, &subject);
                let limit_s = limit.as_secs_f64();
                let message = if rule == Rule::MaxRto {
                    let Some(r) = fig.rto.get(class.word()) else {
                        continue;
                    };
                    match r.impact {
                        Impact::None => None,
                        Impact::Recovers if r.seconds <= limit_s + 1e-9 => None,
                        Impact::Recovers => Some(format!(
                            "{word} `{name}` takes {} to recover from the worst {class} loss, above the policy's {}",
                            seconds(r.seconds),
                            seconds(limit_s)
                        )),
                        Impact::Repair => Some(format!(
                            "{word} `{name}` stays down until a {class} loss is repaired (about {} on average); the policy allows {}",
                            seconds(r.seconds),
                            seconds(limit_s)
                        )),
                    }
                } else {
                    let worst = fig.rpo_seconds.get(class.word()).copied().unwrap_or(0.0);
                    (worst > limit_s + 1e-9).then(|| {
                        format!(
                            "{word} `{name}` can lose {} of writes in a {class} loss, above the policy's {}",
                            seconds(worst),
                            seconds(limit_s)
                        )
                    })
                };
                let Some(message) = message else { continue };
                let keys = subject_keys(table_key, &name, &["slo", slo_key, class.word()]);
                self.broken(Broken {
                    rule,
                    subject,
                    keys: &keys,
                    policy_key,
                    message,
                    help: Some(if rule == Rule::MaxRto {
                        format!("set `slo.rto.{class}` to the policy's limit (or lower) so the optimizer plans for it, and re-plan")
                    } else {
                        format!("set `slo.rpo.{class}` to the policy's limit (or lower) so the optimizer plans for it, and re-plan")
                    }),
                });
            }
        }
    }

    /// What each service must survive under the policy.
    fn required_survival(&self) -> BTreeMap<String, BTreeMap<Disruption, String>> {
        let Some(s) = &self.input.policy.survive else {
            return BTreeMap::new();
        };
        self.topology()
            .services
            .keys()
            .map(|n| (n.clone(), s.value.for_service(n)))
            .filter(|(_, m)| !m.is_empty())
            .collect()
    }

    fn survive(&mut self) {
        let rule = Rule::Survive;
        if self.level(rule).is_none() {
            return;
        }
        let required = self.required_survival();
        if required.is_empty() {
            return;
        }
        // The failure model checks survival for the classes a service's SLO names;
        // ask it about the policy's classes too. Survival sets change no figure.
        let mut t = self.topology().clone();
        for (name, classes) in &required {
            if let Some(svc) = t.services.get_mut(name) {
                svc.slo.survive.extend(classes.keys().copied());
            }
        }
        let assessed = failure::assess(
            &t,
            self.input.catalog,
            &Deployment::from_plan(self.input.plan),
            &failure::Options::default(),
            &mut |_, _| {},
        );
        let a = match assessed {
            Ok(a) => a,
            Err(diags) => {
                self.warnings.extend(diags);
                return;
            }
        };
        for (name, classes) in required {
            for (class, policy_key) in classes {
                let subject = format!("service:{name}:{class}");
                self.case(rule, &subject);
                let ok = a
                    .services
                    .get(&name)
                    .and_then(|f| f.slo.survive.get(class.word()).copied())
                    .unwrap_or(true);
                if ok {
                    continue;
                }
                let keys = service_keys(&name, &["slo", "survive"]);
                self.broken(Broken {
                    rule,
                    subject,
                    keys: &keys,
                    policy_key,
                    message: format!(
                        "service `{name}` stops serving when a {class} is lost, until capacity is replaced; the policy requires it to survive {class} loss"
                    ),
                    help: Some(format!(
                        "add \"{class}\" to `slo.survive` so the optimizer spreads it, and re-plan"
                    )),
                });
            }
        }
    }

    fn quorum_survival(&mut self) {
        let rule = Rule::QuorumSurvival;
        if self.level(rule).is_none() {
            return;
        }
        let required = self.required_survival();
        let t = self.topology();
        let mut found = Vec::new();
        for (name, sp) in &self.input.plan.services {
            let Some(svc) = t.services.get(name) else {
                continue;
            };
            let strong = svc.kind != Kind::Stateless
                && (sp.consistency == Consistency::Strong || svc.kind == Kind::Quorum);
            if !strong {
                continue;
            }
            let mut classes: BTreeMap<Disruption, String> = svc
                .slo
                .survive
                .iter()
                .map(|d| (*d, format!("services.{name}.slo.survive")))
                .collect();
            if let Some(p) = required.get(name) {
                for (d, k) in p {
                    classes.entry(*d).or_insert_with(|| k.clone());
                }
            }
            let members = members(t, &sp.deployment.groups);
            let n: u32 = members.iter().map(|m| m.count).sum();
            let majority = n / 2 + 1;
            for (class, why) in classes {
                let lost = worst_loss(&members, class);
                found.push((name.clone(), class, why, n, majority, lost));
            }
        }
        for (name, class, why, n, majority, lost) in found {
            let subject = format!("service:{name}:{class}");
            self.case(rule, &subject);
            if n.saturating_sub(lost) >= majority {
                continue;
            }
            let keys = service_keys(&name, &["replicas"]);
            let policy_key = if why.starts_with("services.") {
                "quorum_survival".to_string()
            } else {
                why.clone()
            };
            self.broken(Broken {
                rule,
                subject,
                keys: &keys,
                policy_key,
                message: format!(
                    "strongly consistent store `{name}` has {n} members and needs {majority} for a majority; losing one {class} takes {lost}, leaving {} — it stops accepting writes (required by `{why}`)",
                    n.saturating_sub(lost)
                ),
                help: Some(format!(
                    "spread the members so no single {class} holds more than {} of them, or add members",
                    n - majority
                )),
            });
        }
    }

    fn cross_region_dependency(&mut self) {
        let Some(s) = self.input.policy.cross_region_dependency.clone() else {
            return;
        };
        if s.level == Level::Off {
            return;
        }
        let rule = Rule::CrossRegionDependency;
        let plan = self.input.plan;
        let catalog = self.input.catalog;
        let missing = self.input.assessment.parameters.assumptions.missing_rtt_ms;
        let mut found = Vec::new();
        for (name, svc) in &self.topology().services {
            for (dep, strength) in &svc.depends_on {
                if *strength != Strength::Hard {
                    continue;
                }
                let (Some(a), Some(b)) = (plan.services.get(name), plan.services.get(dep)) else {
                    continue;
                };
                let ra = serving_regions(&a.deployment.groups);
                let rb = serving_regions(&b.deployment.groups);
                let mut far = Vec::new();
                for r in &ra {
                    if rb.contains(r) {
                        continue;
                    }
                    let (near, rtt) = rb
                        .iter()
                        .map(|x| (x.clone(), catalog.rtt_ms(r, x).unwrap_or(missing)))
                        .min_by(|x, y| x.1.total_cmp(&y.1))
                        .unwrap_or_default();
                    if rtt > s.value + 1e-9 {
                        far.push(format!("{r} → {near} {rtt:.0} ms"));
                    }
                }
                found.push((name.clone(), dep.clone(), far));
            }
        }
        for (name, dep, far) in found {
            let subject = format!("service:{name}:depends_on:{dep}");
            self.case(rule, &subject);
            if far.is_empty() {
                continue;
            }
            let keys = service_keys(&name, &["depends_on", &dep]);
            self.broken(Broken {
                rule,
                subject,
                keys: &keys,
                policy_key: "cross_region_dependency.max_rtt_ms".into(),
                message: format!(
                    "service `{name}` depends hard on `{dep}` across regions with no copy of `{dep}` nearby ({}), beyond the policy's {:.0} ms",
                    far.join(", "),
                    s.value
                ),
                help: Some(format!(
                    "run `{dep}` in the regions `{name}` runs in, make the dependency `soft`, or keep `{name}` where `{dep}` is"
                )),
            });
        }
    }

    fn critical_spot(&mut self) {
        let Some(s) = self.input.policy.critical_spot.clone() else {
            return;
        };
        if s.level == Level::Off {
            return;
        }
        let rule = Rule::CriticalSpot;
        for (i, name) in s.value.services.iter().enumerate() {
            let Some(sp) = self.input.plan.services.get(name) else {
                continue;
            };
            let subject = format!("service:{name}");
            self.case(rule, &subject);
            let (mut spot, mut all) = (0.0, 0.0);
            for g in sp
                .deployment
                .groups
                .iter()
                .filter(|g| g.role != Role::Standby)
            {
                let v = self
                    .input
                    .catalog
                    .instance_types
                    .get(&g.instance_type)
                    .map_or(0.0, |t| f64::from(t.vcpus) * f64::from(g.count));
                all += v;
                if g.purchase == Purchase::Spot {
                    spot += v;
                }
            }
            let share = if all > 0.0 { spot / all } else { 0.0 };
            if share <= s.value.max_share + 1e-9 {
                continue;
            }
            let keys = service_keys(name, &["max_spot_share"]);
            self.broken(Broken {
                rule,
                subject,
                keys: &keys,
                policy_key: faultline_models::path!["critical_spot", "services", i].to_string(),
                message: format!(
                    "critical service `{name}` runs {:.0}% of its serving vCPU on spot ({spot:.0} of {all:.0}), above the policy's {:.0}%",
                    share * 100.0,
                    s.value.max_share * 100.0
                ),
                help: Some(format!(
                    "set `max_spot_share = {}` on the service and re-plan",
                    s.value.max_share
                )),
            });
        }
    }

    fn max_commitment(&mut self) {
        let Some(s) = self.input.policy.max_commitment.clone() else {
            return;
        };
        if s.level == Level::Off {
            return;
        }
        let rule = Rule::MaxCommitment;
        for (name, sp) in &self.input.plan.services {
            let subject = format!("service:{name}");
            self.case(rule, &subject);
            let mut long: BTreeMap<Purchase, u32> = BTreeMap::new();
            for g in &sp.deployment.groups {
                if term_months(g.purchase).is_some_and(|m| m > s.value) {
                    *long.entry(g.purchase).or_default() += g.count;
                }
            }
            if long.is_empty() {
                continue;
            }
            let what: Vec<String> = long
                .iter()
                .map(|(p, n)| format!("{n} instance{} on {p}", if *n == 1 { "" } else { "s" }))
                .collect();
            let keys = service_keys(name, &[]);
            self.broken(Broken {
                rule,
                subject,
                keys: &keys,
                policy_key: "max_commitment.months".into(),
                message: format!(
                    "service `{name}` commits {} — terms longer than the policy's {} months",
                    what.join(" and "),
                    s.value
                ),
                help: Some(format!(
                    "set `system.horizon_months` to {} or less so longer terms stop paying off, and re-plan",
                    s.value.max(1)
                )),
            });
        }
    }

    fn residency(&mut self) {
        let Some(s) = self.input.policy.residency.clone() else {
            return;
        };
        if s.level == Level::Off {
            return;
        }
        let rule = Rule::Residency;
        for (name, sp) in &self.input.plan.services {
            let Some((allowed, policy_key)) = s.value.for_service(name) else {
                continue;
            };
            let subject = format!("service:{name}");
            self.case(rule, &subject);
            let outside: BTreeSet<&str> = sp
                .deployment
                .groups
                .iter()
                .map(|g| g.region.as_str())
                .filter(|r| !allowed.iter().any(|a| a == r))
                .collect();
            if outside.is_empty() {
                continue;
            }
            let mut keys =
                vec![faultline_models::path!["constraints", "allowed_regions", name].to_string()];
            keys.extend(service_keys(name, &[]));
            self.broken(Broken {
                rule,
                subject,
                keys: &keys,
                policy_key,
                message: format!(
                    "service `{name}` runs in {}, outside the regions the policy allows ({})",
                    outside.into_iter().collect::<Vec<_>>().join(", "),
                    allowed.join(", ")
                ),
                help: Some(format!(
                    "add `{name} = [{}]` under `[constraints.allowed_regions]` so the optimizer keeps it there, and re-plan",
                    allowed.iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(", ")
                )),
            });
        }
    }

    fn required_tags(&mut self) {
        let Some(s) = self.input.policy.required_tags.clone() else {
            return;
        };
        if s.level == Level::Off {
            return;
        }
        let rule = Rule::RequiredTags;
        let t = self.topology().clone();
        for (i, tag) in s.value.system.iter().enumerate() {
            let subject = format!("system:tag:{tag}");
            self.case(rule, &subject);
            if t.tags.contains_key(tag) {
                continue;
            }
            self.broken(Broken {
                rule,
                subject,
                keys: &["system.tags".into(), "system".into()],
                policy_key: faultline_models::path!["required_tags", "system", i].to_string(),
                message: format!("the system has no `{tag}` tag, which the policy requires"),
                help: Some(format!("add `{tag} = \"…\"` under `[system.tags]`")),
            });
        }
        for (name, svc) in &t.services {
            for (i, tag) in s.value.every_service.iter().enumerate() {
                let subject = format!("service:{name}:tag:{tag}");
                self.case(rule, &subject);
                if svc.tags.contains_key(tag) || t.tags.contains_key(tag) {
                    continue;
                }
                let keys = service_keys(name, &["tags"]);
                self.broken(Broken {
                    rule,
                    subject,
                    keys: &keys,
                    policy_key: faultline_models::path!["required_tags", "every_service", i]
                        .to_string(),
                    message: format!(
                        "service `{name}` has no `{tag}` tag (nor does the system), which the policy requires"
                    ),
                    help: Some(format!(
                        "add `{tag} = \"…\"` under `[services.{name}.tags]` (or `[system.tags]` for every service)"
                    )),
                });
            }
        }
    }
}

/// Regions where a service serves (standby capacity only waits).
fn serving_regions(groups: &[CapacityGroup]) -> BTreeSet<String> {
    groups
        .iter()
        .filter(|g| g.role != Role::Standby)
        .map(|g| g.region.clone())
        .collect()
}

/// Quorum members by where they are.
#[derive(Debug, Clone)]
struct Members {
    region: String,
    zone: String,
    instance_type: String,
    spot: bool,
    count: u32,
}

/// Voting members of a store, with a regional group spread over its region's zones
/// the way the failure model spreads it: evenly in zone order, the remainder to the
/// first zones.
fn members(t: &Topology, groups: &[CapacityGroup]) -> Vec<Members> {
    let mut out = Vec::new();
    for g in groups.iter().filter(|g| g.role != Role::Standby) {
        let spot = g.purchase == Purchase::Spot;
        match &g.zone {
            Some(z) => out.push(Members {
                region: g.region.clone(),
                zone: z.clone(),
                instance_type: g.instance_type.clone(),
                spot,
                count: g.count,
            }),
            None => {
                let zones = t.zones.get(&g.region).cloned().unwrap_or_default();
                let n = zones.len().max(1) as u32;
                for (k, z) in zones.iter().enumerate() {
                    let c = g.count / n + u32::from((k as u32) < g.count % n);
                    if c > 0 {
                        out.push(Members {
                            region: g.region.clone(),
                            zone: z.clone(),
                            instance_type: g.instance_type.clone(),
                            spot,
                            count: c,
                        });
                    }
                }
            }
        }
    }
    out
}

/// Most members one failure of the class takes: an instance, a zone, a region, or
/// one spot pool (an instance type in a zone).
fn worst_loss(members: &[Members], class: Disruption) -> u32 {
    let mut by: BTreeMap<String, u32> = BTreeMap::new();
    for m in members {
        let key = match class {
            Disruption::Instance => return u32::from(!members.is_empty()),
            Disruption::Zone => format!("{}/{}", m.region, m.zone),
            Disruption::Region => m.region.clone(),
            Disruption::Spot if m.spot => format!("{}/{}", m.zone, m.instance_type),
            Disruption::Spot => continue,
        };
        *by.entry(key).or_default() += m.count;
    }
    by.values().copied().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(region: &str, zone: &str, count: u32, spot: bool) -> Members {
        Members {
            region: region.into(),
            zone: zone.into(),
            instance_type: "r7i.large".into(),
            spot,
            count,
        }
    }

    #[test]
    fn worst_losses_per_class() {
        // 2 + 2 + 1 over three regions, the first two in one zone each.
        let ms = [
            m("a", "a1", 2, false),
            m("b", "b1", 1, true),
            m("b", "b2", 1, true),
            m("c", "c1", 1, false),
        ];
        assert_eq!(worst_loss(&ms, Disruption::Instance), 1);
        assert_eq!(worst_loss(&ms, Disruption::Zone), 2);
        assert_eq!(worst_loss(&ms, Disruption::Region), 2);
        assert_eq!(worst_loss(&ms, Disruption::Spot), 1);
        assert_eq!(worst_loss(&[], Disruption::Instance), 0);
    }

    #[test]
    fn subject_keys_run_from_precise_to_broad() {
        assert_eq!(
            service_keys("api", &["slo", "rto", "zone"]),
            [
                "services.api.slo.rto.zone",
                "services.api.slo.rto",
                "services.api.slo",
                "services.api"
            ]
        );
    }
}
