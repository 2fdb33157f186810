//! The gate policy: which architecture rules `faultline check` applies, with what
//! thresholds and at what severity. [`parse`] reads a policy file in two phases like
//! the topology and the catalog (spans kept, unknown keys with did-you-mean from the
//! JSON Schema, then every semantic problem collected); [`Policy::check_names`] checks
//! the services, journeys and regions it names against a topology and a catalog.
//! `docs/policy.md` documents every key.

pub mod date;
pub mod raw;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::deployment::{words_enum, Words};
use crate::diag::{Code, Diagnostic, Severity, Span};
use crate::input::did_you_mean;
use crate::input::spanned::{KeyPath, Locator};
use crate::input::{load, Codes};
use crate::path;
use crate::topology::{Disruption, Topology};

pub use date::Date;

use raw::{RawClasses, RawPerClassRule, RawPerSubjectNumber, RawPolicy};

/// Format version this build reads.
pub const FORMAT_VERSION: i64 = 1;

const CODES: Codes = Codes {
    kind: "policy",
    syntax: Code::PolicySyntax,
    wrong_type: Code::PolicyWrongType,
    unknown_key: Code::PolicyUnknownKey,
};

words_enum! {
    /// How a rule's findings count: `error` and `warning` are reported (and fail the
    /// check at or above `--fail-on`); `off` turns the rule off.
    Level {
        Error => "error",
        Warning => "warning",
        Off => "off",
    }
}

impl Level {
    /// The diagnostic severity of a finding at this level; `None` when off.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Off => None,
        }
    }
}

words_enum! {
    /// The gate's rules, by the name of their table in the policy file.
    Rule {
        MaxMonthlyCost => "max_monthly_cost",
        CostChange => "cost_change",
        MinAvailability => "min_availability",
        MaxDowntime => "max_downtime",
        AvailabilityRegression => "availability_regression",
        MaxRto => "max_rto",
        MaxRpo => "max_rpo",
        Survive => "survive",
        QuorumSurvival => "quorum_survival",
        CrossRegionDependency => "cross_region_dependency",
        CriticalSpot => "critical_spot",
        MaxCommitment => "max_commitment",
        Residency => "residency",
        RequiredTags => "required_tags",
        SuppressionExpired => "suppressions.expired",
        SuppressionUnused => "suppressions.unused",
    }
}

impl Rule {
    pub fn code(self) -> Code {
        match self {
            Rule::MaxMonthlyCost => Code::GateMaxMonthlyCost,
            Rule::CostChange => Code::GateCostChange,
            Rule::MinAvailability => Code::GateMinAvailability,
            Rule::MaxDowntime => Code::GateMaxDowntime,
            Rule::AvailabilityRegression => Code::GateAvailabilityRegression,
            Rule::MaxRto => Code::GateMaxRto,
            Rule::MaxRpo => Code::GateMaxRpo,
            Rule::Survive => Code::GateSurvive,
            Rule::QuorumSurvival => Code::GateQuorumSurvival,
            Rule::CrossRegionDependency => Code::GateCrossRegionDependency,
            Rule::CriticalSpot => Code::GateCriticalSpot,
            Rule::MaxCommitment => Code::GateMaxCommitment,
            Rule::Residency => Code::GateResidency,
            Rule::RequiredTags => Code::GateRequiredTags,
            Rule::SuppressionExpired => Code::GateSuppressionExpired,
            Rule::SuppressionUnused => Code::GateSuppressionUnused,
        }
    }

    /// The rule a gate code stands for; `None` for codes that are not gate rules.
    pub fn from_code(code: Code) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// The rule whose code is written `text` (`FL-G003`).
    pub fn from_code_str(text: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.code().as_str() == text)
    }

    /// Whether the rule compares against a baseline (`--baseline`).
    pub fn needs_baseline(self) -> bool {
        matches!(self, Rule::CostChange | Rule::AvailabilityRegression)
    }
}

/// A rule that is on, with its level and settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting<T> {
    pub level: Level,
    pub value: T,
}

/// Values per service and journey: defaults and overrides by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerSubject<T> {
    pub every_service: Option<T>,
    pub every_journey: Option<T>,
    pub services: BTreeMap<String, T>,
    pub journeys: BTreeMap<String, T>,
}

impl<T> Default for PerSubject<T> {
    fn default() -> Self {
        PerSubject {
            every_service: None,
            every_journey: None,
            services: BTreeMap::new(),
            journeys: BTreeMap::new(),
        }
    }
}

/// Where in the policy a value was set: the dotted key, for pointing at its line.
pub type PolicyKey = String;

impl<T> PerSubject<T> {
    /// The value for a service, with the policy key that set it (`<table>.service.x`
    /// wins over `<table>.every_service`).
    pub fn for_service(&self, table: &str, name: &str) -> Option<(&T, PolicyKey)> {
        match self.services.get(name) {
            Some(v) => Some((v, format!("{table}.service.{}", quote(name)))),
            None => self
                .every_service
                .as_ref()
                .map(|v| (v, format!("{table}.every_service"))),
        }
    }

    pub fn for_journey(&self, table: &str, name: &str) -> Option<(&T, PolicyKey)> {
        match self.journeys.get(name) {
            Some(v) => Some((v, format!("{table}.journey.{}", quote(name)))),
            None => self
                .every_journey
                .as_ref()
                .map(|v| (v, format!("{table}.every_journey"))),
        }
    }
}

/// Limits per disruption class.
pub type Limits = BTreeMap<Disruption, Duration>;

/// Per-class limits: `every` for all services and journeys, overridden class by class.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClassLimits {
    pub every: Limits,
    pub services: BTreeMap<String, Limits>,
    pub journeys: BTreeMap<String, Limits>,
}

impl ClassLimits {
    /// The limits that apply to a service (`is_service`) or journey, each class with
    /// the policy key that set it.
    pub fn limits_for(
        &self,
        table: &str,
        name: &str,
        is_service: bool,
    ) -> BTreeMap<Disruption, (Duration, PolicyKey)> {
        let mut out: BTreeMap<Disruption, (Duration, PolicyKey)> = self
            .every
            .iter()
            .map(|(d, v)| (*d, (*v, format!("{table}.every.{d}"))))
            .collect();
        let (map, word) = if is_service {
            (&self.services, "service")
        } else {
            (&self.journeys, "journey")
        };
        if let Some(own) = map.get(name) {
            for (d, v) in own {
                out.insert(*d, (*v, format!("{table}.{word}.{}.{d}", quote(name))));
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostChange {
    pub max_increase_usd: Option<Decimal>,
    pub max_increase_percent: Option<Decimal>,
    pub max_decrease_usd: Option<Decimal>,
    pub max_decrease_percent: Option<Decimal>,
    pub per_service: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regression {
    pub max_drop: Option<f64>,
    pub max_downtime_increase_minutes: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Survival {
    pub every_service: BTreeSet<Disruption>,
    pub services: BTreeMap<String, BTreeSet<Disruption>>,
}

impl Survival {
    /// What a service must survive, each class with the policy key that requires it.
    pub fn for_service(&self, name: &str) -> BTreeMap<Disruption, PolicyKey> {
        let mut out: BTreeMap<Disruption, PolicyKey> = self
            .every_service
            .iter()
            .map(|d| (*d, "survive.every_service".to_string()))
            .collect();
        if let Some(own) = self.services.get(name) {
            for d in own {
                out.entry(*d)
                    .or_insert_with(|| format!("survive.service.{}", quote(name)));
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalSpot {
    pub services: Vec<String>,
    pub max_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Residency {
    pub every_service: Option<Vec<String>>,
    pub services: BTreeMap<String, Vec<String>>,
}

impl Residency {
    pub fn for_service(&self, name: &str) -> Option<(&[String], PolicyKey)> {
        match self.services.get(name) {
            Some(v) => Some((v, format!("residency.service.{}", quote(name)))),
            None => self
                .every_service
                .as_deref()
                .map(|v| (v, "residency.every_service".to_string())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequiredTags {
    pub system: Vec<String>,
    pub every_service: Vec<String>,
}

/// A checked policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// `fail_on` from the file; `None`: the default (`error`).
    pub fail_on: Option<Severity>,
    pub max_monthly_cost: Option<Setting<Decimal>>,
    pub cost_change: Option<Setting<CostChange>>,
    pub min_availability: Option<Setting<PerSubject<f64>>>,
    pub max_downtime: Option<Setting<PerSubject<f64>>>,
    pub availability_regression: Option<Setting<Regression>>,
    pub max_rto: Option<Setting<ClassLimits>>,
    pub max_rpo: Option<Setting<ClassLimits>>,
    pub survive: Option<Setting<Survival>>,
    pub quorum_survival: Option<Setting<()>>,
    pub cross_region_dependency: Option<Setting<f64>>,
    pub critical_spot: Option<Setting<CriticalSpot>>,
    pub max_commitment: Option<Setting<u32>>,
    pub residency: Option<Setting<Residency>>,
    pub required_tags: Option<Setting<RequiredTags>>,
    pub suppression_expired: Level,
    pub suppression_unused: Level,
    /// Key spans in the policy file, by dotted key path, so findings and policy
    /// problems can point at the line that set a threshold.
    #[serde(skip)]
    pub spans: BTreeMap<String, Span>,
}

/// A policy that passed its checks, with the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Checked {
    pub policy: Policy,
    pub warnings: Vec<Diagnostic>,
}

/// Reads and checks a policy file. On failure returns every problem found, sorted by
/// position.
pub fn parse(text: &str) -> Result<Checked, Vec<Diagnostic>> {
    let loaded = load::<RawPolicy>(text, CODES)?;
    let mut c = Checker {
        loc: &loaded.locator,
        diags: loaded.diags,
    };
    let policy = c.policy(&loaded.value);
    let mut diags = c.diags;
    crate::diag::sort(&mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let mut policy = policy;
    policy.spans = loaded.locator.all_key_spans();
    Ok(Checked {
        policy,
        warnings: diags,
    })
}

/// JSON Schema of the policy format, for editors.
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(RawPolicy).to_value()
}

impl Policy {
    /// The level a rule runs at: `Off` when its table is absent.
    pub fn level(&self, rule: Rule) -> Level {
        fn lvl<T>(s: &Option<Setting<T>>) -> Level {
            s.as_ref().map_or(Level::Off, |s| s.level)
        }
        match rule {
            Rule::MaxMonthlyCost => lvl(&self.max_monthly_cost),
            Rule::CostChange => lvl(&self.cost_change),
            Rule::MinAvailability => lvl(&self.min_availability),
            Rule::MaxDowntime => lvl(&self.max_downtime),
            Rule::AvailabilityRegression => lvl(&self.availability_regression),
            Rule::MaxRto => lvl(&self.max_rto),
            Rule::MaxRpo => lvl(&self.max_rpo),
            Rule::Survive => lvl(&self.survive),
            Rule::QuorumSurvival => lvl(&self.quorum_survival),
            Rule::CrossRegionDependency => lvl(&self.cross_region_dependency),
            Rule::CriticalSpot => lvl(&self.critical_spot),
            Rule::MaxCommitment => lvl(&self.max_commitment),
            Rule::Residency => lvl(&self.residency),
            Rule::RequiredTags => lvl(&self.required_tags),
            Rule::SuppressionExpired => self.suppression_expired,
            Rule::SuppressionUnused => self.suppression_unused,
        }
    }

    /// The span of a dotted key in the policy file, if it was written there.
    pub fn span(&self, key: &str) -> Option<Span> {
        self.spans.get(key).cloned()
    }

    /// Checks the names the policy uses against the topology it is applied to and the
    /// catalog: every service, journey and region must exist. Returns every problem.
    pub fn check_names(&self, t: &Topology, catalog: &Catalog) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let services: Vec<&str> = t.services.keys().map(String::as_str).collect();
        let journeys: Vec<&str> = t.journeys.keys().map(String::as_str).collect();
        let mut name = |key: String, name: &str, known: &[&str], what: &str| {
            if !known.contains(&name) {
                let mut d = Diagnostic::error(
                    Code::PolicyUnknownName,
                    format!("the topology has no {what} `{name}`"),
                )
                .key(key.clone())
                .help(did_you_mean::help_for(name, known.iter().copied()));
                if let Some(span) = self.span(&key) {
                    d = d.at(span);
                }
                out.push(d);
            }
        };
        let mut per = |table: &str, svcs: Vec<&String>, jrns: Vec<&String>| {
            for s in svcs {
                name(
                    format!("{table}.service.{}", quote(s)),
                    s,
                    &services,
                    "service",
                );
            }
            for j in jrns {
                name(
                    format!("{table}.journey.{}", quote(j)),
                    j,
                    &journeys,
                    "journey",
                );
            }
        };
        if let Some(s) = &self.min_availability {
            per(
                "min_availability",
                s.value.services.keys().collect(),
                s.value.journeys.keys().collect(),
            );
        }
        if let Some(s) = &self.max_downtime {
            per(
                "max_downtime",
                s.value.services.keys().collect(),
                s.value.journeys.keys().collect(),
            );
        }
        for (table, s) in [("max_rto", &self.max_rto), ("max_rpo", &self.max_rpo)] {
            if let Some(s) = s {
                per(
                    table,
                    s.value.services.keys().collect(),
                    s.value.journeys.keys().collect(),
                );
            }
        }
        if let Some(s) = &self.survive {
            per("survive", s.value.services.keys().collect(), Vec::new());
        }
        if let Some(s) = &self.residency {
            per("residency", s.value.services.keys().collect(), Vec::new());
        }
        if let Some(s) = &self.critical_spot {
            for (i, svc) in s.value.services.iter().enumerate() {
                name(
                    path!["critical_spot", "services", i].to_string(),
                    svc,
                    &services,
                    "service",
                );
            }
        }
        if let Some(s) = &self.residency {
            let regions: Vec<&str> = catalog.regions.keys().map(String::as_str).collect();
            let lists = s
                .value
                .every_service
                .iter()
                .map(|l| ("residency.every_service".to_string(), l))
                .chain(
                    s.value
                        .services
                        .iter()
                        .map(|(n, l)| (format!("residency.service.{}", quote(n)), l)),
                );
            for (key, list) in lists {
                for (i, r) in list.iter().enumerate() {
                    if !regions.contains(&r.as_str()) {
                        let k = format!("{key}[{i}]");
                        let mut d = Diagnostic::error(
                            Code::PolicyUnknownName,
                            format!("region `{r}` is not in the catalog"),
                        )
                        .key(k.clone())
                        .help(did_you_mean::help_for(r, regions.iter().copied()));
                        if let Some(span) = self.span(&k).or_else(|| self.span(&key)) {
                            d = d.at(span);
                        }
                        out.push(d);
                    }
                }
            }
        }
        crate::diag::sort(&mut out);
        out
    }
}

/// A dotted-key segment as `KeyPath` prints it: bare when it can be, else quoted.
fn quote(name: &str) -> String {
    path![name].to_string()
}

struct Checker<'l, 'a> {
    loc: &'l Locator<'a>,
    diags: Vec<Diagnostic>,
}

impl Checker<'_, '_> {
    fn err(&mut self, code: Code, path: &KeyPath, message: impl Into<String>) -> &mut Diagnostic {
        let mut d = Diagnostic::error(code, message).key(path.to_string());
        if let Some(span) = self.loc.value_span(path) {
            d = d.at(span);
        }
        self.diags.push(d);
        self.diags.last_mut().expect("just pushed")
    }

    fn word<W: Words>(&mut self, path: &KeyPath, value: &str, what: &str) -> Option<W> {
        let parsed = W::from_word(value);
        if parsed.is_none() {
            let words = W::words();
            let help = did_you_mean::help_for(value, words.iter().copied());
            self.err(
                Code::PolicyBadValue,
                path,
                format!("`{value}` is not a {what}"),
            )
            .help = Some(help);
        }
        parsed
    }

    fn level(&mut self, table: &str, value: Option<&String>, default: Level) -> Level {
        match value {
            None => default,
            Some(v) => self
                .word(&path![table, "severity"], v, "severity")
                .unwrap_or(default),
        }
    }

    /// A number in a range; `what` completes "… must be …".
    fn number(
        &mut self,
        path: &KeyPath,
        v: f64,
        ok: impl Fn(f64) -> bool,
        what: &str,
    ) -> Option<f64> {
        if v.is_finite() && ok(v) {
            Some(v)
        } else {
            self.err(
                Code::PolicyBadValue,
                path,
                format!("{} must be {what}, got {}", path, crate::input::number(v)),
            );
            None
        }
    }

    fn money(&mut self, path: &KeyPath, v: Option<f64>) -> Option<Decimal> {
        let v = self.number(path, v?, |x| x >= 0.0, "zero or more USD")?;
        Decimal::from_f64(v).map(|d| d.round_dp(6))
    }

    fn percent(&mut self, path: &KeyPath, v: Option<f64>) -> Option<Decimal> {
        let v = self.number(path, v?, |x| x >= 0.0, "a percentage of zero or more")?;
        Decimal::from_f64(v).map(|d| d.round_dp(6))
    }

    fn duration(&mut self, path: &KeyPath, text: &str) -> Option<Duration> {
        match crate::duration::parse(text) {
            Ok(d) => Some(d),
            Err(msg) => {
                self.err(Code::PolicyBadValue, path, msg);
                None
            }
        }
    }

    fn classes(&mut self, base: &KeyPath, raw: &RawClasses) -> Limits {
        let mut out = Limits::new();
        for (d, v) in [
            (Disruption::Instance, &raw.instance),
            (Disruption::Zone, &raw.zone),
            (Disruption::Region, &raw.region),
            (Disruption::Spot, &raw.spot),
        ] {
            if let Some(text) = v {
                if let Some(dur) = self.duration(&base.join(d.word()), text) {
                    out.insert(d, dur);
                }
            }
        }
        out
    }

    fn disruptions(&mut self, base: &KeyPath, words: &[String]) -> BTreeSet<Disruption> {
        words
            .iter()
            .enumerate()
            .filter_map(|(i, w)| self.word::<Disruption>(&base.join(i), w, "disruption class"))
            .collect()
    }

    fn per_subject(
        &mut self,
        table: &str,
        raw: &RawPerSubjectNumber,
        ok: &dyn Fn(f64) -> bool,
        what: &str,
    ) -> PerSubject<f64> {
        let mut out = PerSubject {
            every_service: raw
                .every_service
                .and_then(|v| self.number(&path![table, "every_service"], v, ok, what)),
            every_journey: raw
                .every_journey
                .and_then(|v| self.number(&path![table, "every_journey"], v, ok, what)),
            ..PerSubject::default()
        };
        for (name, v) in &raw.service {
            if let Some(v) = self.number(&path![table, "service", name], *v, ok, what) {
                out.services.insert(name.clone(), v);
            }
        }
        for (name, v) in &raw.journey {
            if let Some(v) = self.number(&path![table, "journey", name], *v, ok, what) {
                out.journeys.insert(name.clone(), v);
            }
        }
        out
    }

    fn class_rule(&mut self, table: &str, raw: &RawPerClassRule) -> ClassLimits {
        let every = raw
            .every
            .as_ref()
            .map(|c| self.classes(&path![table, "every"], c))
            .unwrap_or_default();
        let services = raw
            .service
            .iter()
            .map(|(n, c)| (n.clone(), self.classes(&path![table, "service", n], c)))
            .collect();
        let journeys = raw
            .journey
            .iter()
            .map(|(n, c)| (n.clone(), self.classes(&path![table, "journey", n], c)))
            .collect();
        ClassLimits {
            every,
            services,
            journeys,
        }
    }

    /// A rule with nothing to check is almost certainly a mistake: say so.
    fn empty(&mut self, table: &str, what: &str) {
        self.err(
            Code::PolicyWrongType,
            &path![table],
            format!("`[{table}]` sets no limit"),
        )
        .help = Some(format!("set {what}, or remove the table"));
    }

    fn policy(&mut self, raw: &RawPolicy) -> Policy {
        if raw.version != FORMAT_VERSION {
            self.err(
                Code::PolicyVersion,
                &path!["version"],
                format!("policy format version {} is not supported", raw.version),
            )
            .help = Some(format!("this build reads version {FORMAT_VERSION}"));
        }
        let fail_on = raw.fail_on.as_ref().and_then(|w| {
            match self.word::<Level>(&path!["fail_on"], w, "failing severity") {
                Some(Level::Off) => {
                    self.err(
                        Code::PolicyBadValue,
                        &path!["fail_on"],
                        "`off` is not a failing severity",
                    )
                    .help = Some("write `error` or `warning`".into());
                    None
                }
                other => other.and_then(Level::severity),
            }
        });

        let max_monthly_cost = raw.max_monthly_cost.as_ref().and_then(|r| {
            let level = self.level("max_monthly_cost", r.severity.as_ref(), Level::Error);
            let value = self.money(&path!["max_monthly_cost", "usd"], Some(r.usd))?;
            Some(Setting { level, value })
        });

        let cost_change = raw.cost_change.as_ref().map(|r| {
            let t = "cost_change";
            let level = self.level(t, r.severity.as_ref(), Level::Error);
            let value = CostChange {
                max_increase_usd: self.money(&path![t, "max_increase_usd"], r.max_increase_usd),
                max_increase_percent: self
                    .percent(&path![t, "max_increase_percent"], r.max_increase_percent),
                max_decrease_usd: self.money(&path![t, "max_decrease_usd"], r.max_decrease_usd),
                max_decrease_percent: self
                    .percent(&path![t, "max_decrease_percent"], r.max_decrease_percent),
                per_service: r.per_service.unwrap_or(false),
            };
            if r.max_increase_usd.is_none()
                && r.max_increase_percent.is_none()
                && r.max_decrease_usd.is_none()
                && r.max_decrease_percent.is_none()
            {
                self.empty(
                    t,
                    "`max_increase_usd`, `max_increase_percent`, `max_decrease_usd` or `max_decrease_percent`",
                );
            }
            Setting { level, value }
        });

        let min_availability = raw.min_availability.as_ref().map(|r| {
            let t = "min_availability";
            let level = self.level(t, r.severity.as_ref(), Level::Error);
            let value = self.per_subject(
                t,
                r,
                &|x| x > 0.0 && x < 1.0,
                "a fraction strictly between 0 and 1 (0.999 for three nines)",
            );
            if is_empty_number(r) {
                self.empty(
                    t,
                    "`every_service`, `every_journey`, `service.<name>` or `journey.<name>`",
                );
            }
            Setting { level, value }
        });

        let max_downtime = raw.max_downtime.as_ref().map(|r| {
            let t = "max_downtime";
            let level = self.level(t, r.severity.as_ref(), Level::Error);
            let value = self.per_subject(t, r, &|x| x >= 0.0, "zero or more minutes per year");
            if is_empty_number(r) {
                self.empty(
                    t,
                    "`every_service`, `every_journey`, `service.<name>` or `journey.<name>`",
                );
            }
            Setting { level, value }
        });

        let availability_regression = raw.availability_regression.as_ref().map(|r| {
            let t = "availability_regression";
            let level = self.level(t, r.severity.as_ref(), Level::Error);
            let value = Regression {
                max_drop: r.max_drop.and_then(|v| {
                    self.number(
                        &path![t, "max_drop"],
                        v,
                        |x| (0.0..1.0).contains(&x),
                        "a fraction in [0, 1) (0.0001 is 52.6 minutes a year)",
                    )
                }),
                max_downtime_increase_minutes: r.max_downtime_increase_minutes.and_then(|v| {
                    self.number(
                        &path![t, "max_downtime_increase_minutes"],
                        v,
                        |x| x >= 0.0,
                        "zero or more minutes per year",
                    )
                }),
            };
            if r.max_drop.is_none() && r.max_downtime_increase_minutes.is_none() {
                self.empty(t, "`max_drop` or `max_downtime_increase_minutes`");
            }
            Setting { level, value }
        });

        let class_rule = |c: &mut Self, t: &str, r: &Option<RawPerClassRule>| {
            r.as_ref().map(|r| {
                let level = c.level(t, r.severity.as_ref(), Level::Error);
                let value = c.class_rule(t, r);
                if r.every.is_none() && r.service.is_empty() && r.journey.is_empty() {
                    c.empty(t, "`every`, `service.<name>` or `journey.<name>`");
                }
                Setting { level, value }
            })
        };
        let max_rto = class_rule(self, "max_rto", &raw.max_rto);
        let max_rpo = class_rule(self, "max_rpo", &raw.max_rpo);

        let survive = raw.survive.as_ref().map(|r| {
            let t = "survive";
            let level = self.level(t, r.severity.as_ref(), Level::Error);
            let every_service = r
                .every_service
                .as_ref()
                .map(|w| self.disruptions(&path![t, "every_service"], w))
                .unwrap_or_default();
            let services = r
                .service
                .iter()
                .map(|(n, w)| (n.clone(), self.disruptions(&path![t, "service", n], w)))
                .collect();
            if r.every_service.is_none() && r.service.is_empty() {
                self.empty(t, "`every_service` or `service.<name>`");
            }
            Setting {
                level,
                value: Survival {
                    every_service,
                    services,
                },
            }
        });

        let quorum_survival = raw.quorum_survival.as_ref().map(|r| Setting {
            level: self.level("quorum_survival", r.severity.as_ref(), Level::Error),
            value: (),
        });

        let cross_region_dependency = raw.cross_region_dependency.as_ref().and_then(|r| {
            let t = "cross_region_dependency";
            let level = self.level(t, r.severity.as_ref(), Level::Error);
            let value = self.number(
                &path![t, "max_rtt_ms"],
                r.max_rtt_ms,
                |x| x >= 0.0,
                "zero or more milliseconds",
            )?;
            Some(Setting { level, value })
        });

        let critical_spot = raw.critical_spot.as_ref().map(|r| {
            let t = "critical_spot";
            let level = self.level(t, r.severity.as_ref(), Level::Error);
            let max_share = r
                .max_share
                .and_then(|v| {
                    self.number(
                        &path![t, "max_share"],
                        v,
                        |x| (0.0..=1.0).contains(&x),
                        "a fraction in [0, 1]",
                    )
                })
                .unwrap_or(0.0);
            if r.services.is_empty() {
                self.empty(t, "`services` (the critical services)");
            }
            Setting {
                level,
                value: CriticalSpot {
                    services: r.services.clone(),
                    max_share,
                },
            }
        });

        let max_commitment = raw.max_commitment.as_ref().and_then(|r| {
            let t = "max_commitment";
            let level = self.level(t, r.severity.as_ref(), Level::Error);
            let months = u32::try_from(r.months).ok().filter(|m| *m <= 120);
            if months.is_none() {
                self.err(
                    Code::PolicyBadValue,
                    &path![t, "months"],
                    format!(
                        "max_commitment.months must be between 0 and 120, got {}",
                        r.months
                    ),
                )
                .help =
                    Some("12 allows 1-year terms, 36 allows 3-year terms, 0 allows none".into());
            }
            Some(Setting {
                level,
                value: months?,
            })
        });

        let residency = raw.residency.as_ref().map(|r| {
            let t = "residency";
            let level = self.level(t, r.severity.as_ref(), Level::Error);
            if r.every_service.is_none() && r.service.is_empty() {
                self.empty(t, "`every_service` or `service.<name>`");
            }
            for (key, list) in r
                .every_service
                .iter()
                .map(|l| (path![t, "every_service"], l))
                .chain(r.service.iter().map(|(n, l)| (path![t, "service", n], l)))
            {
                if list.is_empty() {
                    self.err(Code::PolicyBadValue, &key, "no region is allowed")
                        .help = Some("name at least one region".into());
                }
            }
            Setting {
                level,
                value: Residency {
                    every_service: r.every_service.clone(),
                    services: r.service.clone(),
                },
            }
        });

        let required_tags = raw.required_tags.as_ref().map(|r| {
            let t = "required_tags";
            let level = self.level(t, r.severity.as_ref(), Level::Error);
            for (field, list) in [("system", &r.system), ("every_service", &r.every_service)] {
                for (i, tag) in list.iter().enumerate() {
                    if tag.trim().is_empty() {
                        self.err(Code::PolicyBadValue, &path![t, field, i], "empty tag name");
                    }
                }
            }
            if r.system.is_empty() && r.every_service.is_empty() {
                self.empty(t, "`system` or `every_service`");
            }
            Setting {
                level,
                value: RequiredTags {
                    system: r.system.clone(),
                    every_service: r.every_service.clone(),
                },
            }
        });

        let (expired, unused) = match &raw.suppressions {
            Some(s) => (
                match &s.expired {
                    Some(w) => self
                        .word(&path!["suppressions", "expired"], w, "severity")
                        .unwrap_or(Level::Error),
                    None => Level::Error,
                },
                match &s.unused {
                    Some(w) => self
                        .word(&path!["suppressions", "unused"], w, "severity")
                        .unwrap_or(Level::Warning),
                    None => Level::Warning,
                },
            ),
            None => (Level::Error, Level::Warning),
        };

        Policy {
            fail_on,
            max_monthly_cost,
            cost_change,
            min_availability,
            max_downtime,
            availability_regression,
            max_rto,
            max_rpo,
            survive,
            quorum_survival,
            cross_region_dependency,
            critical_spot,
            max_commitment,
            residency,
            required_tags,
            suppression_expired: expired,
            suppression_unused: unused,
            spans: BTreeMap::new(),
        }
    }
}

fn is_empty_number(r: &RawPerSubjectNumber) -> bool {
    r.every_service.is_none()
        && r.every_journey.is_none()
        && r.service.is_empty()
        && r.journey.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(&'static str, String)> {
        match parse(text) {
            Ok(_) => Vec::new(),
            Err(d) => d
                .iter()
                .map(|d| (d.code.as_str(), d.key.clone().unwrap_or_default()))
                .collect(),
        }
    }

    #[test]
    fn reads_a_full_policy() {
        let p = parse(
            r#"
version = 1
fail_on = "warning"
[max_monthly_cost]
usd = 5000
[min_availability]
every_service = 0.999
journey.checkout = 0.9995
severity = "warning"
[max_rto]
every = { zone = "5m" }
service.db = { zone = "1m", region = "1h" }
[survive]
every_service = ["zone"]
[suppressions]
unused = "off"
"#,
        )
        .unwrap()
        .policy;
        assert_eq!(p.fail_on, Some(Severity::Warning));
        assert_eq!(p.level(Rule::MinAvailability), Level::Warning);
        assert_eq!(p.level(Rule::MaxMonthlyCost), Level::Error);
        assert_eq!(p.level(Rule::CostChange), Level::Off);
        assert_eq!(p.level(Rule::SuppressionUnused), Level::Off);
        let rto = p.max_rto.unwrap().value;
        let db = rto.limits_for("max_rto", "db", true);
        assert_eq!(db[&Disruption::Zone].0, Duration::from_secs(60));
        assert_eq!(db[&Disruption::Zone].1, "max_rto.service.db.zone");
        let web = rto.limits_for("max_rto", "web", true);
        assert_eq!(web[&Disruption::Zone].1, "max_rto.every.zone");
        assert!(!web.contains_key(&Disruption::Region));
        let av = p.min_availability.unwrap().value;
        assert_eq!(
            av.for_journey("min_availability", "checkout").unwrap().0,
            &0.9995
        );
        assert!(av.for_journey("min_availability", "other").is_none());
        assert!(p.spans.contains_key("max_monthly_cost.usd"));
    }

    #[test]
    fn unknown_keys_get_suggestions() {
        let err = parse("version = 1\n[min_availabilty]\nevery_service = 0.9\n").unwrap_err();
        assert_eq!(err[0].code, Code::PolicyUnknownKey);
        assert_eq!(
            err[0].help.as_deref(),
            Some("did you mean `min_availability`?")
        );
        let err = parse("version = 1\n[max_rto]\nevery = { zome = \"5m\" }\n").unwrap_err();
        assert_eq!(err[0].help.as_deref(), Some("did you mean `zone`?"));
    }

    #[test]
    fn every_bad_value_is_reported_with_its_key() {
        let found = codes(
            r#"
version = 2
fail_on = "off"
[max_monthly_cost]
usd = -1
severity = "fatal"
[min_availability]
every_service = 1.5
[max_rto]
every = { zone = "soon" }
[survive]
every_service = ["zones"]
[max_commitment]
months = -3
[critical_spot]
services = ["api"]
max_share = 2
[residency]
every_service = []
[cost_change]
"#,
        );
        let want = [
            ("FL-P004", "version"),
            ("FL-P005", "fail_on"),
            ("FL-P005", "max_monthly_cost.usd"),
            ("FL-P005", "max_monthly_cost.severity"),
            ("FL-P005", "min_availability.every_service"),
            ("FL-P005", "max_rto.every.zone"),
            ("FL-P005", "survive.every_service[0]"),
            ("FL-P005", "max_commitment.months"),
            ("FL-P005", "critical_spot.max_share"),
            ("FL-P005", "residency.every_service"),
            ("FL-P002", "cost_change"),
        ];
        for w in want {
            assert!(
                found.iter().any(|(c, k)| *c == w.0 && k == w.1),
                "missing {w:?} in {found:?}"
            );
        }
        assert_eq!(found.len(), want.len(), "{found:?}");
    }

    #[test]
    fn syntax_and_type_errors_have_their_codes() {
        assert_eq!(codes("version = \n")[0].0, "FL-P001");
        assert_eq!(codes("version = \"one\"\n")[0].0, "FL-P002");
    }

    #[test]
    fn rules_and_codes_map_both_ways() {
        for r in Rule::ALL {
            assert_eq!(Rule::from_code(r.code()), Some(*r));
            assert_eq!(Rule::from_code_str(r.code().as_str()), Some(*r));
            assert!(r.code().as_str().starts_with("FL-G"));
        }
        assert_eq!(Rule::from_code(Code::UnknownKey), None);
    }
}
