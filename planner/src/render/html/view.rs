//! The report as the templates see it: every section's tables and charts, built once
//! from the [`Report`] document with the same number formats `plan` and `analyze`
//! print, so the HTML page and the Markdown summary show the same figures. Long tables
//! show their first rows and fold the rest away; charts of large systems show the
//! largest items and gather the rest into one.

use std::collections::{BTreeMap, BTreeSet};

use faultline_models::deployment::{Purchase, Role, Words};
use faultline_models::diag::Severity as DiagSeverity;
use faultline_models::failure::{Assessment, DeploymentSource, Figures, Impact};
use faultline_models::plan::{Constraint, Layer, Plan};
use faultline_models::report::summary::{self, Severity};
use faultline_models::report::Report;
use faultline_models::topology::Kind;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::charts::{self, Bar, BarRow, FrontierPoint, GridCell, Tone};
use crate::render::text::assessment::{bytes, cell_text, duration, minutes, percent, recovery};
use crate::render::text::plan::usd;

/// Rows a table shows before folding the rest away.
pub const SHOWN_ROWS: usize = 25;
/// Bars a cost chart draws before gathering the rest into one.
pub const CHART_BARS: usize = 15;
/// Rows (failures or services) a grid chart draws before gathering the rest.
pub const GRID_ROWS: usize = 30;
/// Columns (services and journeys) the heat map draws before gathering the rest.
pub const GRID_COLUMNS: usize = 36;

/// The disruption classes, in the order every table lists them, with their names.
pub const CLASSES: [(&str, &str); 6] = [
    ("instance", "instance"),
    ("zone", "zone"),
    ("region", "region"),
    ("spot", "spot"),
    ("partition", "partition"),
    ("control_plane", "control plane"),
];

#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    /// `num` for figures (right-aligned), `good`/`warn`/`bad` for states, `long` for
    /// text that may wrap anywhere.
    pub class: &'static str,
}

impl Cell {
    /// The text as HTML, quoted names as code.
    pub fn html(&self) -> String {
        super::rich(&self.text)
    }

    fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            class: "",
        }
    }
    fn num(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            class: "num",
        }
    }
    /// Text that may be long (sentences, addresses, digests): it wraps anywhere.
    fn long(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            class: "long",
        }
    }
    fn tone(s: impl Into<String>, t: Tone) -> Cell {
        Cell {
            text: s.into(),
            class: t.class(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Head {
    pub label: String,
    pub num: bool,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub id: String,
    pub caption: String,
    pub head: Vec<Head>,
    pub rows: Vec<Vec<Cell>>,
    /// Rows shown before the rest are folded away.
    pub shown: usize,
}

impl Table {
    fn new(id: &str, caption: impl Into<String>, head: &[&str]) -> Table {
        Table {
            id: id.to_string(),
            caption: caption.into(),
            head: head
                .iter()
                .map(|h| {
                    let (label, num) = match h.strip_prefix('#') {
                        Some(l) => (l, true),
                        None => (*h, false),
                    };
                    Head {
                        label: label.to_string(),
                        num,
                    }
                })
                .collect(),
            rows: Vec::new(),
            shown: SHOWN_ROWS,
        }
    }

    fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    pub fn first(&self) -> &[Vec<Cell>] {
        &self.rows[..self.rows.len().min(self.shown)]
    }

    pub fn rest(&self) -> &[Vec<Cell>] {
        &self.rows[self.rows.len().min(self.shown)..]
    }
}

/// A chart and the table of its data.
#[derive(Debug, Clone)]
pub struct Figure {
    pub id: String,
    pub svg: String,
    pub caption: String,
    pub table: Table,
}

impl Figure {
    /// Whether the table is small enough to stand beside the chart on a wide screen.
    pub fn side(&self) -> bool {
        self.table.head.len() <= 3 && self.table.first().len() <= 16
    }
}

#[derive(Debug, Clone)]
pub struct Card {
    pub label: String,
    pub value: String,
    pub detail: String,
    pub class: &'static str,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub class: &'static str,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Matter {
    pub title: String,
    pub text: String,
}

impl Matter {
    /// The text as HTML, quoted names as code.
    pub fn html(&self) -> String {
        super::rich(&self.text)
    }
}

impl Finding {
    pub fn html(&self) -> String {
        super::rich(&self.text)
    }
}

#[derive(Debug, Clone)]
pub struct Headline {
    pub cards: Vec<Card>,
    pub slo: Option<Table>,
    pub matters: Vec<Matter>,
}

#[derive(Debug, Clone)]
pub struct FrontierView {
    pub chart: Figure,
    pub targets: Table,
    pub marginal: Figure,
}

#[derive(Debug, Clone)]
pub struct CostView {
    pub by_service: Figure,
    pub by_region: Figure,
    pub purchases: Table,
    pub lines: Table,
}

/// The placement map: services × (region, zone).
#[derive(Debug, Clone)]
pub struct PlacementView {
    /// Regions with how many zone columns each spans.
    pub regions: Vec<(String, usize)>,
    pub zones: Vec<String>,
    pub rows: Vec<PlacementRow>,
    pub shown: usize,
}

#[derive(Debug, Clone)]
pub struct PlacementRow {
    pub service: String,
    pub detail: String,
    /// One entry per zone column: the groups there.
    pub cells: Vec<Vec<PlacedGroup>>,
}

#[derive(Debug, Clone)]
pub struct PlacedGroup {
    pub text: String,
    /// `leader`, `primary`, `replica`, `standby` or empty.
    pub mark: &'static str,
    pub purchase: &'static str,
}

impl PlacementView {
    pub fn first(&self) -> &[PlacementRow] {
        &self.rows[..self.rows.len().min(self.shown)]
    }
    pub fn rest(&self) -> &[PlacementRow] {
        &self.rows[self.rows.len().min(self.shown)..]
    }
}

#[derive(Debug, Clone)]
pub struct ConsistencyView {
    pub stores: Table,
    pub dr: Table,
}

#[derive(Debug, Clone)]
pub struct CompareView {
    pub cards: Vec<Card>,
    /// Cost per service, baseline against this plan, with the per-service changes.
    pub chart: Figure,
    pub availability: Table,
    pub money: Table,
}

#[derive(Debug, Clone)]
pub struct AssumptionsView {
    pub inputs: Table,
    pub sources: Table,
    pub priors: Table,
    pub instances: Table,
    pub model: Table,
    pub notes: Vec<String>,
}

/// A section that may have nothing to show, and then says why.
#[derive(Debug, Clone)]
pub struct Section<T> {
    pub content: Option<T>,
    pub missing: String,
}

impl<T> Section<T> {
    fn some(t: T) -> Self {
        Section {
            content: Some(t),
            missing: String::new(),
        }
    }
    fn none(why: impl Into<String>) -> Self {
        Section {
            content: None,
            missing: why.into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Page {
    pub system: String,
    pub version: &'static str,
    pub subtitle: String,
    pub findings: Vec<Finding>,
    pub headline: Headline,
    pub frontier: Section<FrontierView>,
    pub cost: Section<CostView>,
    pub placement: Section<PlacementView>,
    pub scenarios: Section<Figure>,
    pub recovery: Section<Figure>,
    pub consistency: Section<ConsistencyView>,
    pub compare: Option<CompareView>,
    pub assumptions: AssumptionsView,
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn signed_usd(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", usd(d))
    } else {
        usd(d)
    }
}

/// Short names of purchase options for the placement map.
fn purchase_short(p: Purchase) -> &'static str {
    match p {
        Purchase::OnDemand => "on-demand",
        Purchase::Spot => "spot",
        Purchase::Reserved1y => "RI 1y",
        Purchase::Reserved3y => "RI 3y",
        Purchase::SavingsPlan1y => "SP 1y",
        Purchase::SavingsPlan3y => "SP 3y",
    }
}

/// The categories of the cost charts: every purchase option, then transfer.
fn cost_categories() -> Vec<String> {
    Purchase::ALL
        .iter()
        .map(|p| p.word().to_string())
        .chain(std::iter::once("transfer".to_string()))
        .collect()
}

fn category_index(name: &str) -> usize {
    Purchase::ALL
        .iter()
        .position(|p| p.word() == name)
        .unwrap_or(Purchase::ALL.len())
}

fn down_per_month(f: &Figures) -> (f64, f64) {
    summary::per_month(f)
}

pub fn build(r: &Report) -> Page {
    let plan = r.plan.as_ref();
    let a = r.assessment.as_ref();
    let subtitle = {
        let what = match (plan, a.map(|a| &a.deployment)) {
            (Some(p), _) => format!("plan {}", p.id),
            (None, Some(DeploymentSource::Placement)) => "the topology's own placement".into(),
            _ => "no plan".into(),
        };
        format!(
            "{what} · catalog {} ({}) · topology {}",
            r.assumptions.catalog.name,
            r.assumptions.catalog.as_of,
            short_digest(&r.assumptions.topology_digest)
        )
    };
    Page {
        system: r.system.clone(),
        version: env!("CARGO_PKG_VERSION"),
        subtitle,
        findings: r
            .findings
            .iter()
            .map(|d| Finding {
                class: match d.severity {
                    DiagSeverity::Error => "bad",
                    _ => "warn",
                },
                text: match &d.help {
                    Some(h) => format!("{} — {h}", d.message),
                    None => d.message.clone(),
                },
            })
            .collect(),
        headline: headline(r),
        frontier: frontier(r),
        cost: match plan {
            Some(p) => Section::some(cost(p)),
            None => Section::none(
                "No plan: the topology's own placement was assessed, so there is no priced purchase list. Run `faultline plan` for one.",
            ),
        },
        placement: placement(r),
        scenarios: match a {
            Some(a) => Section::some(scenarios(a)),
            None => Section::none("The deployment was not assessed."),
        },
        recovery: match a {
            Some(a) => Section::some(recovery_classes(a)),
            None => Section::none("The deployment was not assessed."),
        },
        consistency: consistency(r),
        compare: r.baseline.as_ref().map(|b| compare(r, b)),
        assumptions: assumptions(r),
    }
}

fn short_digest(d: &str) -> String {
    d.chars().take(12).collect()
}

fn headline(r: &Report) -> Headline {
    let mut cards = Vec::new();
    match &r.plan {
        Some(p) => {
            let mut detail = Vec::new();
            if let Some(b) = p.budget.monthly_budget_usd {
                detail.push(format!(
                    "{} budget of {}",
                    if p.budget.within_budget {
                        "within the"
                    } else {
                        "OVER the"
                    },
                    usd(b)
                ));
            }
            if let Some(c) = p.budget.max_monthly_usd {
                detail.push(format!("cap {}", usd(c)));
            }
            detail.push(format!("prices from {}", p.catalog));
            cards.push(Card {
                label: "Monthly cost".into(),
                value: usd(p.monthly_usd),
                detail: detail.join(" · "),
                class: if p.budget.within_budget || p.budget.monthly_budget_usd.is_none() {
                    ""
                } else {
                    "bad"
                },
            });
            let commitments = summary::commitments(p);
            let committed: Decimal = commitments.iter().map(|c| c.monthly_usd).sum();
            let horizon: Decimal = commitments.iter().map(|c| c.horizon_usd).sum();
            cards.push(Card {
                label: "Commitment it implies".into(),
                value: if commitments.is_empty() {
                    "none".into()
                } else {
                    format!("{}/month", usd(committed))
                },
                detail: if commitments.is_empty() {
                    "on-demand and spot only: nothing to commit to".into()
                } else {
                    format!(
                        "{} over the {}-month horizon ({})",
                        usd(horizon),
                        p.horizon_months,
                        commitments
                            .iter()
                            .map(|c| format!("{} × {}", c.instances, c.purchase.word()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
                class: "",
            });
            if let Some(o) = &p.owned {
                // Part of the monthly cost, not on top of it (docs/cost-model.md).
                let idle: Vec<String> = o
                    .entries
                    .iter()
                    .filter(|e| e.status() != "used")
                    .map(|e| format!("#{} {}", e.entry, e.status()))
                    .collect();
                cards.push(Card {
                    label: "Already owned".into(),
                    value: format!("{}/month", usd(o.monthly_usd)),
                    detail: format!(
                        "of the monthly cost, paid by reservations and Savings Plans already bought; new spend {}/month; {} of {} owned commitments fully used{}",
                        usd(o.new_spend_monthly_usd),
                        o.entries.len() - idle.len(),
                        o.entries.len(),
                        if idle.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", idle.join(", "))
                        }
                    ),
                    class: if idle.is_empty() { "" } else { "warn" },
                });
            }
        }
        None => cards.push(Card {
            label: "Monthly cost".into(),
            value: "not priced".into(),
            detail:
                "the topology's own placement was assessed; `faultline plan` prices a deployment"
                    .into(),
            class: "",
        }),
    }
    let mut slo = None;
    if let Some(a) = &r.assessment {
        let (items, what) = if a.journeys.is_empty() {
            (&a.services, "service")
        } else {
            (&a.journeys, "journey")
        };
        let with_target: Vec<&Figures> = items.values().filter(|f| has_targets(f)).collect();
        let met = with_target.iter().filter(|f| f.slo.met).count();
        cards.push(Card {
            label: format!("{}s meeting their SLO", capital(what)),
            value: format!("{met} of {}", with_target.len()),
            detail: if met == with_target.len() {
                "every availability, RTO and RPO target holds in the failure model".into()
            } else {
                format!("{} miss a target: see below", with_target.len() - met)
            },
            class: if met == with_target.len() {
                "good"
            } else {
                "bad"
            },
        });
        if let Some(worst) = summary::frontier_availability(a) {
            cards.push(Card {
                label: format!("Least available {what}"),
                value: percent(worst),
                detail: format!(
                    "{} min/month not fully up",
                    minutes(summary::not_up_minutes_per_month(worst))
                ),
                class: "",
            });
        }
        let mut t = Table::new(
            "slo",
            format!("Each {what} against its SLO"),
            &[
                what,
                "#availability",
                "#target",
                "#down min/month",
                "#degraded min/month",
                "SLO",
            ],
        );
        for (name, f) in items {
            let (down, degraded) = down_per_month(f);
            let verdict = crate::render::text::assessment::slo(f);
            let tone = if !has_targets(f) {
                Tone::None
            } else if f.slo.met {
                Tone::Good
            } else {
                Tone::Bad
            };
            t.row(vec![
                Cell::text(name.clone()),
                Cell::num(percent(f.availability)),
                Cell::num(
                    f.slo
                        .availability_target
                        .map(percent)
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::num(minutes(down)),
                Cell::num(minutes(degraded)),
                Cell::tone(verdict, tone),
            ]);
        }
        slo = Some(t);
    }
    Headline {
        cards,
        slo,
        matters: matters(r),
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn has_targets(f: &Figures) -> bool {
    let c = &f.slo;
    c.availability_target.is_some()
        || !c.rto.is_empty()
        || !c.rpo.is_empty()
        || !c.survive.is_empty()
}

fn matters(r: &Report) -> Vec<Matter> {
    let mut out = Vec::new();
    match r.frontier() {
        Some(fr) => match summary::costliest_requirement(fr) {
            Some(m) => out.push(Matter {
                title: "The requirement that costs most".into(),
                text: format!(
                    "`{}` {} adds {}/month: the plan with it minus the plan without it{}.",
                    m.service,
                    m.requirement,
                    usd(m.monthly_usd.unwrap_or_default()),
                    m.note
                        .as_ref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                ),
            }),
            None => out.push(Matter {
                title: "The requirement that costs most".into(),
                text: "No requirement adds cost: the cheapest plan already meets them all.".into(),
            }),
        },
        None => out.push(Matter {
            title: "The requirement that costs most".into(),
            text: match &r.plan {
                Some(_) => "Not priced: this plan was solved without the frontier. `faultline plan --frontier -o plan.json` prices each requirement.".into(),
                None => "Not priced: there is no plan.".into(),
            },
        }),
    }
    if let Some(a) = &r.assessment {
        if let Some(w) = summary::weakest(a) {
            let what = if w.journey { "journey" } else { "service" };
            let budget = match (w.target, w.budget_used) {
                (Some(t), Some(b)) => format!(
                    " against a target of {}: {:.0}% of its error budget used{}",
                    percent(t),
                    b * 100.0,
                    if b > 1.0 {
                        " — the SLO is missed"
                    } else {
                        ""
                    }
                ),
                _ => " (no availability target)".into(),
            };
            out.push(Matter {
                title: format!("The weakest {what}"),
                text: format!(
                    "`{}` is available {}{budget}; {} min/month not fully up.",
                    w.name,
                    percent(w.availability),
                    minutes(summary::not_up_minutes_per_month(w.availability))
                ),
            });
        }
        match summary::largest_blast_radius(a) {
            Some((row, s)) => {
                let names: Vec<String> = row
                    .journeys
                    .iter()
                    .chain(row.services.iter())
                    .filter(|(_, c)| c.status != "ok")
                    .map(|(n, c)| format!("{n} ({})", c.status))
                    .collect();
                out.push(Matter {
                    title: "The largest single-failure blast radius".into(),
                    text: format!(
                        "{}: {} down and {} degraded right after it — {}; the longest is out for {}{}.",
                        row.label,
                        s.down,
                        s.degraded,
                        abbreviate(&names, 8),
                        duration(s.longest_outage_seconds),
                        if s.until_repair { " (until repaired)" } else { "" }
                    ),
                });
            }
            None => out.push(Matter {
                title: "The largest single-failure blast radius".into(),
                text: "No single failure takes any service or journey out of service.".into(),
            }),
        }
    }
    out
}

/// The first `n` items and how many more.
fn abbreviate(items: &[String], n: usize) -> String {
    if items.len() <= n {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..n].join(", "), items.len() - n)
    }
}

fn frontier(r: &Report) -> Section<FrontierView> {
    let Some(fr) = r.frontier() else {
        return Section::none(match &r.plan {
            Some(_) => "This plan was solved without the frontier: `faultline plan --frontier -o plan.json` (or `faultline report` without `--plan`) solves each resilience level and prices each requirement.",
            None => "There is no plan, so no frontier: `faultline plan --frontier` solves one.",
        });
    };
    let points: Vec<FrontierPoint> = fr
        .levels
        .iter()
        .map(|l| FrontierPoint {
            label: l.name.clone(),
            // Down and degraded together: what the availability leaves out.
            downtime: l
                .availability
                .map_or(0.0, summary::not_up_minutes_per_month),
            cost: l.monthly_usd.map(f),
        })
        .collect();
    let chosen = match (&r.plan, &r.assessment) {
        (Some(p), Some(a)) => summary::frontier_availability(a)
            .map(|av| (summary::not_up_minutes_per_month(av), f(p.monthly_usd))),
        _ => None,
    };
    let svg = charts::frontier(
        "fig-frontier",
        "Monthly cost against minutes per month not fully up, one point per resilience level",
        &points,
        chosen,
    );
    let mut levels = Table::new(
        "frontier-levels",
        "Each resilience level: every service planned to survive it",
        &[
            "survives",
            "#USD/month",
            "#availability",
            "#min/month not fully up",
            "#worst RPO",
            "note",
        ],
    );
    for l in &fr.levels {
        levels.row(vec![
            Cell::text(l.name.clone()),
            match l.monthly_usd {
                Some(c) => Cell::num(usd(c)),
                None => Cell::tone("cannot be planned", Tone::Bad),
            },
            Cell::num(l.availability.map(percent).unwrap_or_else(|| "-".into())),
            Cell::num(
                l.availability
                    .map(|a| minutes(summary::not_up_minutes_per_month(a)))
                    .unwrap_or_else(|| "-".into()),
            ),
            Cell::num(
                l.worst_rpo_seconds
                    .map(duration)
                    .unwrap_or_else(|| "-".into()),
            ),
            Cell::long(l.notes.join("; ")),
        ]);
    }
    if let (Some((d, _)), Some(p)) = (chosen, &r.plan) {
        levels.row(vec![
            Cell::text("this plan"),
            Cell::num(usd(p.monthly_usd)),
            Cell::num(percent(
                1.0 - d / faultline_models::units::MINUTES_PER_MONTH,
            )),
            Cell::num(minutes(d)),
            Cell::num("-"),
            Cell::text("the plan this report is about"),
        ]);
    }
    let mut targets = Table::new(
        "frontier-targets",
        "What each availability target costs: every service at the cheapest level that reaches it",
        &[
            "target",
            "#USD/month",
            "#over the previous target",
            "services that cannot reach it",
        ],
    );
    for t in &fr.targets {
        targets.row(vec![
            Cell::num(percent(t.target)),
            match t.monthly_usd {
                Some(c) => Cell::num(usd(c)),
                None => Cell::tone("unreachable", Tone::Bad),
            },
            Cell::num(t.extra_usd.map(signed_usd).unwrap_or_else(|| "-".into())),
            Cell::long(t.unreachable.join(", ")),
        ]);
    }
    let mut marginal: Vec<&faultline_models::plan::MarginalCost> = fr.marginal.iter().collect();
    // Costliest first; unpriced requirements last; ties keep the frontier's order.
    marginal.sort_by(|a, b| {
        b.monthly_usd
            .is_some()
            .cmp(&a.monthly_usd.is_some())
            .then(b.monthly_usd.cmp(&a.monthly_usd))
    });
    // The note column only when some requirement has a note.
    let notes = marginal.iter().any(|m| m.note.is_some());
    let head: &[&str] = if notes {
        &["service", "requirement", "#USD/month", "note"]
    } else {
        &["service", "requirement", "#USD/month"]
    };
    let mut table = Table::new(
        "marginal",
        "What each requirement adds to the monthly cost",
        head,
    );
    for m in &marginal {
        let mut row = vec![
            Cell::text(m.service.clone()),
            Cell::text(m.requirement.clone()),
            Cell::num(m.monthly_usd.map(signed_usd).unwrap_or_else(|| "-".into())),
        ];
        if notes {
            row.push(Cell::long(m.note.clone().unwrap_or_default()));
        }
        table.row(row);
    }
    let priced: Vec<&&faultline_models::plan::MarginalCost> = marginal
        .iter()
        .filter(|m| m.monthly_usd.is_some())
        .collect();
    let mut rows: Vec<BarRow> = priced
        .iter()
        .take(CHART_BARS)
        .map(|m| {
            let v = m.monthly_usd.unwrap_or_default();
            BarRow {
                label: format!("{} · {}", m.service, m.requirement),
                bars: vec![Bar {
                    segments: vec![(2, f(v))],
                    label: signed_usd(v),
                }],
            }
        })
        .collect();
    if priced.len() > CHART_BARS {
        let rest: Decimal = priced[CHART_BARS..]
            .iter()
            .filter_map(|m| m.monthly_usd)
            .sum();
        rows.push(BarRow {
            label: format!("{} more requirements", priced.len() - CHART_BARS),
            bars: vec![Bar {
                segments: vec![(5, f(rest))],
                label: signed_usd(rest),
            }],
        });
    }
    let marginal_svg = charts::bars(
        "fig-marginal",
        "Marginal monthly cost of each requirement, costliest first",
        &[],
        &rows,
    );
    Section::some(FrontierView {
        chart: Figure {
            id: "fig-frontier".into(),
            svg,
            caption: "Each circle is the whole system planned to survive one more class of failure; the diamond is this plan. A level that cannot be planned is a cross above the plot. Downtime counts every minute a journey (a service, without journeys) is not fully up.".into(),
            table: levels,
        },
        targets,
        marginal: Figure {
            id: "fig-marginal".into(),
            svg: marginal_svg,
            caption: "The plan with the requirement minus the plan without it. A small negative figure is within the solver's optimality gap.".into(),
            table,
        },
    })
}

fn cost(p: &Plan) -> CostView {
    let cats = cost_categories();
    // By service: each service's own breakdown by purchase option.
    let mut services: Vec<(&String, &faultline_models::plan::ServicePlan)> =
        p.services.iter().collect();
    services.sort_by(|a, b| b.1.monthly_usd.cmp(&a.1.monthly_usd).then(a.0.cmp(b.0)));
    let segs = |m: &BTreeMap<String, Decimal>| -> Vec<(usize, f64)> {
        let mut v: Vec<(usize, f64)> = m.iter().map(|(k, d)| (category_index(k), f(*d))).collect();
        v.sort_by_key(|x| x.0);
        v
    };
    let mut rows: Vec<BarRow> = services
        .iter()
        .take(CHART_BARS)
        .map(|(name, sp)| BarRow {
            label: (*name).clone(),
            bars: vec![Bar {
                segments: segs(&sp.cost.by_purchase),
                label: usd(sp.monthly_usd),
            }],
        })
        .collect();
    if services.len() > CHART_BARS {
        let mut rest: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut total = Decimal::ZERO;
        for (_, sp) in &services[CHART_BARS..] {
            for (k, v) in &sp.cost.by_purchase {
                *rest.entry(k.clone()).or_default() += v;
            }
            total += sp.monthly_usd;
        }
        rows.push(BarRow {
            label: format!("{} more services", services.len() - CHART_BARS),
            bars: vec![Bar {
                segments: segs(&rest),
                label: usd(total),
            }],
        });
    }
    let present: BTreeSet<usize> = p
        .cost
        .by_purchase
        .keys()
        .map(|k| category_index(k))
        .collect();
    let legend: Vec<String> = cats
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if present.contains(&i) {
                c.clone()
            } else {
                String::new()
            }
        })
        .collect();
    let by_service_svg = charts::bars(
        "fig-cost-service",
        "Monthly cost by service, stacked by purchase option",
        &legend,
        &rows,
    );
    let used: Vec<usize> = present.iter().copied().collect();
    let mut head: Vec<String> = vec!["service".into()];
    head.extend(used.iter().map(|i| format!("#{}", cats[*i])));
    head.push("#total".into());
    let head_refs: Vec<&str> = head.iter().map(String::as_str).collect();
    let mut t = Table::new(
        "cost-service",
        "Monthly cost by service and purchase option (USD)",
        &head_refs,
    );
    for (name, sp) in &services {
        let mut row = vec![Cell::text((*name).clone())];
        for i in &used {
            let v = sp.cost.by_purchase.get(&cats[*i]).copied();
            row.push(Cell::num(v.map(usd).unwrap_or_else(|| "-".into())));
        }
        row.push(Cell::num(usd(sp.monthly_usd)));
        t.row(row);
    }
    let mut total_row = vec![Cell::text("total")];
    for i in &used {
        total_row.push(Cell::num(
            p.cost
                .by_purchase
                .get(&cats[*i])
                .map(|d| usd(*d))
                .unwrap_or_default(),
        ));
    }
    total_row.push(Cell::num(usd(p.monthly_usd)));
    t.row(total_row);

    // By region: instance lines by region and purchase, transfer by the sending region.
    let mut by_region: BTreeMap<String, BTreeMap<String, Decimal>> = BTreeMap::new();
    for sp in p.services.values() {
        for l in &sp.instances {
            *by_region
                .entry(l.region.clone())
                .or_default()
                .entry(l.purchase.word().to_string())
                .or_default() += l.monthly_usd;
        }
        for tr in &sp.transfer {
            *by_region
                .entry(tr.from_region.clone())
                .or_default()
                .entry("transfer".into())
                .or_default() += tr.monthly_usd;
        }
    }
    let mut regions: Vec<(&String, &BTreeMap<String, Decimal>)> = by_region.iter().collect();
    regions.sort_by(|a, b| {
        let (ta, tb) = (
            p.cost.by_region.get(a.0).copied().unwrap_or_default(),
            p.cost.by_region.get(b.0).copied().unwrap_or_default(),
        );
        tb.cmp(&ta).then(a.0.cmp(b.0))
    });
    let region_rows: Vec<BarRow> = regions
        .iter()
        .map(|(name, m)| BarRow {
            label: (*name).clone(),
            bars: vec![Bar {
                segments: segs(m),
                label: usd(p.cost.by_region.get(*name).copied().unwrap_or_default()),
            }],
        })
        .collect();
    let by_region_svg = charts::bars(
        "fig-cost-region",
        "Monthly cost by region, stacked by purchase option",
        &legend,
        &region_rows,
    );
    let mut head: Vec<String> = vec!["region".into()];
    head.extend(used.iter().map(|i| format!("#{}", cats[*i])));
    head.push("#total".into());
    let head_refs: Vec<&str> = head.iter().map(String::as_str).collect();
    let mut rt = Table::new(
        "cost-region",
        "Monthly cost by region and purchase option (USD)",
        &head_refs,
    );
    for (name, m) in &regions {
        let mut row = vec![Cell::text((*name).clone())];
        for i in &used {
            row.push(Cell::num(
                m.get(&cats[*i])
                    .map(|d| usd(d.round_dp(2)))
                    .unwrap_or_else(|| "-".into()),
            ));
        }
        row.push(Cell::num(usd(p
            .cost
            .by_region
            .get(*name)
            .copied()
            .unwrap_or_default())));
        rt.row(row);
    }

    // What to buy: instances grouped by purchase option, region and type.
    // (purchase, region, type) → (instances, USD/month, services).
    type Line = (u32, Decimal, BTreeSet<String>);
    let mut buy: BTreeMap<(usize, String, String), Line> = BTreeMap::new();
    for (name, sp) in &p.services {
        for l in &sp.instances {
            let e = buy
                .entry((
                    category_index(l.purchase.word()),
                    l.region.clone(),
                    l.instance_type.clone(),
                ))
                .or_insert((0, Decimal::ZERO, BTreeSet::new()));
            e.0 += l.count;
            e.1 += l.monthly_usd;
            e.2.insert(name.clone());
        }
    }
    let mut purchases = Table::new(
        "purchases",
        "The purchase list: instances to buy, by purchase option, region and type",
        &[
            "purchase",
            "region",
            "instance type",
            "#instances",
            "#USD/month",
            "services",
        ],
    );
    for ((c, region, ty), (n, usd_m, svcs)) in &buy {
        purchases.row(vec![
            Cell::text(cats[*c].clone()),
            Cell::text(region.clone()),
            Cell::text(ty.clone()),
            Cell::num(n.to_string()),
            Cell::num(usd(usd_m.round_dp(2))),
            Cell::long(abbreviate(&svcs.iter().cloned().collect::<Vec<_>>(), 6)),
        ]);
    }
    let mut lines = Table::new(
        "cost-lines",
        "Every capacity line and transfer of the plan",
        &[
            "service",
            "where",
            "#count",
            "instance type",
            "purchase",
            "role",
            "runs",
            "#USD/hour",
            "#USD/month",
        ],
    );
    lines.shown = 10;
    for (name, sp) in &p.services {
        for l in &sp.instances {
            let runs = match l.layer {
                Layer::Base => "always on".to_string(),
                Layer::Peak => format!(
                    "scaled, {:.0}% of hours",
                    l.running_fraction * Decimal::from(100)
                ),
                Layer::Standby => "standby".to_string(),
            };
            lines.row(vec![
                Cell::text(name.clone()),
                Cell::text(l.zone.clone().unwrap_or_else(|| l.region.clone())),
                Cell::num(l.count.to_string()),
                Cell::text(l.instance_type.clone()),
                Cell::text(l.purchase.word()),
                Cell::text(l.role.word()),
                Cell::text(runs),
                Cell::num(format!("${}", l.usd_per_hour.round_dp(4).normalize())),
                Cell::num(usd(l.monthly_usd)),
            ]);
        }
        for tr in &sp.transfer {
            lines.row(vec![
                Cell::text(name.clone()),
                Cell::text(format!("{} → {}", tr.from_region, tr.to_region)),
                Cell::num(format!("{} GB", tr.gb_per_month.round_dp(2))),
                Cell::long(tr.what.clone()),
                Cell::text("transfer"),
                Cell::text(""),
                Cell::text(format!("${}/GB", tr.usd_per_gb.normalize())),
                Cell::num("-"),
                Cell::num(usd(tr.monthly_usd)),
            ]);
        }
    }
    CostView {
        by_service: Figure {
            id: "fig-cost-service".into(),
            svg: by_service_svg,
            caption: "Costliest service first; transfer is replication and backup traffic.".into(),
            table: t,
        },
        by_region: Figure {
            id: "fig-cost-region".into(),
            svg: by_region_svg,
            caption: "Transfer is counted in the region that sends it.".into(),
            table: rt,
        },
        purchases,
        lines,
    }
}

fn placement(r: &Report) -> Section<PlacementView> {
    let deployments: BTreeMap<String, (faultline_models::deployment::ServiceDeployment, String)> =
        match &r.plan {
            Some(p) => p
                .services
                .iter()
                .map(|(k, sp)| {
                    (
                        k.clone(),
                        (
                            sp.deployment.clone(),
                            format!(
                                "{} {} · {}",
                                sp.consistency.word(),
                                sp.kind.word(),
                                sp.deployment.dr.word()
                            ),
                        ),
                    )
                })
                .collect(),
            None => {
                return Section::none(
                    "No plan: the placement is the topology's own `[placement.*]` tables.",
                )
            }
        };
    let leaders: BTreeMap<&String, &String> = r
        .assessment
        .iter()
        .flat_map(|a| a.services.iter())
        .filter_map(|(k, f)| f.leader_zone.as_ref().map(|z| (k, z)))
        .collect();
    // Columns: every zone used, by region; a regional group gets the region's own column.
    let mut cols: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (d, _) in deployments.values() {
        for g in &d.groups {
            cols.entry(g.region.clone())
                .or_default()
                .insert(g.zone.clone().unwrap_or_else(|| "any zone".into()));
        }
    }
    let zones: Vec<(String, String)> = cols
        .iter()
        .flat_map(|(r, zs)| zs.iter().map(move |z| (r.clone(), z.clone())))
        .collect();
    let rows = deployments
        .iter()
        .map(|(name, (d, detail))| {
            let cells = zones
                .iter()
                .map(|(region, zone)| {
                    d.groups
                        .iter()
                        .filter(|g| {
                            &g.region == region
                                && g.zone.clone().unwrap_or_else(|| "any zone".into()) == *zone
                        })
                        .map(|g| PlacedGroup {
                            text: format!("{}× {}", g.count, g.instance_type),
                            mark: match g.role {
                                Role::Primary => "primary",
                                Role::Replica => "replica",
                                Role::Standby => "standby",
                                Role::Active => {
                                    if leaders.get(name).is_some_and(|z| *z == zone) {
                                        "leader"
                                    } else {
                                        ""
                                    }
                                }
                            },
                            purchase: purchase_short(g.purchase),
                        })
                        .collect()
                })
                .collect();
            PlacementRow {
                service: name.clone(),
                detail: detail.clone(),
                cells,
            }
        })
        .collect();
    Section::some(PlacementView {
        regions: cols.iter().map(|(r, z)| (r.clone(), z.len())).collect(),
        zones: zones.into_iter().map(|(_, z)| z).collect(),
        rows,
        shown: SHOWN_ROWS,
    })
}

fn status_tone(status: &str) -> Tone {
    match status {
        "down" => Tone::Bad,
        "degraded" => Tone::Warn,
        _ => Tone::Good,
    }
}

/// What a heat-map cell says: the time until back to ok (`rep` when only a repair
/// ends it), or a dot when the failure loses writes or lets copies diverge while
/// serving.
fn glyph(c: &faultline_models::failure::Cell) -> String {
    match (c.status.as_str(), c.recovery.impact) {
        ("ok", _) if c.data_lost_seconds > 0.0 || c.diverges => "•".into(),
        ("ok", _) => String::new(),
        (_, Impact::Repair) => "rep".into(),
        (_, Impact::Recovers) => duration(c.recovery.seconds),
        (_, Impact::None) => String::new(),
    }
}

fn scenarios(a: &Assessment) -> Figure {
    let order = summary::worst_first(a);
    // Columns: journeys, then services; with many, those impaired most often.
    let mut entities: Vec<(String, bool)> = a
        .journeys
        .keys()
        .map(|k| (k.clone(), true))
        .chain(a.services.keys().map(|k| (k.clone(), false)))
        .collect();
    let cell_of = |row: &faultline_models::failure::ScenarioRow,
                   (name, journey): &(String, bool)| {
        if *journey {
            row.journeys.get(name).cloned()
        } else {
            row.services.get(name).cloned()
        }
    };
    let mut gathered: Vec<(String, bool)> = Vec::new();
    if entities.len() > GRID_COLUMNS {
        let hits = |e: &(String, bool)| {
            a.scenarios
                .iter()
                .filter(|r| cell_of(r, e).is_some_and(|c| c.status != "ok"))
                .count()
        };
        let mut ranked: Vec<((String, bool), usize)> =
            entities.iter().map(|e| (e.clone(), hits(e))).collect();
        ranked.sort_by(|x, y| {
            y.0 .1
                .cmp(&x.0 .1)
                .then(y.1.cmp(&x.1))
                .then(x.0 .0.cmp(&y.0 .0))
        });
        let keep = GRID_COLUMNS - 1;
        gathered = ranked[keep..].iter().map(|(e, _)| e.clone()).collect();
        let mut kept: Vec<(String, bool)> = ranked[..keep].iter().map(|(e, _)| e.clone()).collect();
        kept.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        entities = kept;
    }
    let mut columns: Vec<String> = entities
        .iter()
        .map(|(n, j)| {
            if *j {
                format!("journey {n}")
            } else {
                n.clone()
            }
        })
        .collect();
    if !gathered.is_empty() {
        columns.push(format!("{} more", gathered.len()));
    }
    let mut grid_rows = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        if k == GRID_ROWS {
            break;
        }
        let row = &a.scenarios[i];
        let mut cells: Vec<GridCell> = entities
            .iter()
            .map(|e| match cell_of(row, e) {
                Some(c) => GridCell {
                    tone: status_tone(&c.status),
                    text: glyph(&c),
                },
                None => GridCell {
                    tone: Tone::None,
                    text: String::new(),
                },
            })
            .collect();
        if !gathered.is_empty() {
            let worst = gathered
                .iter()
                .filter_map(|e| cell_of(row, e))
                .map(|c| status_tone(&c.status))
                .max_by_key(|t| match t {
                    Tone::Bad => 2,
                    Tone::Warn => 1,
                    _ => 0,
                })
                .unwrap_or(Tone::Good);
            let n = gathered
                .iter()
                .filter_map(|e| cell_of(row, e))
                .filter(|c| c.status != "ok")
                .count();
            cells.push(GridCell {
                tone: worst,
                text: if n > 0 { n.to_string() } else { String::new() },
            });
        }
        grid_rows.push((row.label.clone(), cells));
    }
    if order.len() > GRID_ROWS {
        let rest = &order[GRID_ROWS..];
        let impaired = rest
            .iter()
            .filter(|i| Severity::of(&a.scenarios[**i]).impaired() > 0)
            .count();
        grid_rows.push((
            format!("{} more failures ({impaired} impair something)", rest.len()),
            vec![
                GridCell {
                    tone: Tone::None,
                    text: String::new(),
                };
                columns.len()
            ],
        ));
    }
    let svg = charts::grid(
        "fig-scenarios",
        "Scenario heat map: each single failure (rows, worst first) against each journey and service",
        &columns,
        &grid_rows,
        &[
            (Tone::Good, "ok (• writes lost or copies diverge)".into()),
            (Tone::Warn, "degraded".into()),
            (Tone::Bad, "down".into()),
            (Tone::None, "cell: time until back to ok; rep: until repaired".into()),
        ],
        40,
    );
    let mut t = Table::new(
        "scenarios",
        "Every single failure, worst first, with what it does to each service and journey it touches",
        &[
            "failure",
            "#per year",
            "#lasts",
            "service or journey",
            "right after",
            "after recovery",
            "#back to ok after",
            "#down for",
            "#data lost",
            "in words",
        ],
    );
    t.shown = 30;
    for &i in &order {
        let row = &a.scenarios[i];
        let mut any = false;
        for (name, c, journey) in row
            .journeys
            .iter()
            .map(|(n, c)| (n, c, true))
            .chain(row.services.iter().map(|(n, c)| (n, c, false)))
        {
            if !summary::impaired(c) {
                continue;
            }
            any = true;
            t.row(vec![
                Cell::text(row.label.clone()),
                Cell::num(format!("{:.3}", row.rate_per_year)),
                Cell::num(duration(row.mean_hours * 3600.0)),
                Cell::text(if journey {
                    format!("journey {name}")
                } else {
                    name.clone()
                }),
                Cell::tone(c.status.clone(), status_tone(&c.status)),
                Cell::tone(c.after_recovery.clone(), status_tone(&c.after_recovery)),
                Cell::num(recovery(&c.recovery)),
                Cell::num(recovery(&c.outage)),
                Cell::num(if c.data_lost_seconds > 0.0 {
                    duration(c.data_lost_seconds)
                } else {
                    "0".into()
                }),
                Cell::long(cell_text(c)),
            ]);
        }
        if !any {
            t.row(vec![
                Cell::text(row.label.clone()),
                Cell::num(format!("{:.3}", row.rate_per_year)),
                Cell::num(duration(row.mean_hours * 3600.0)),
                Cell::text("everything"),
                Cell::tone("ok", Tone::Good),
                Cell::tone("ok", Tone::Good),
                Cell::num("-"),
                Cell::num("-"),
                Cell::num("0"),
                Cell::text(""),
            ]);
        }
    }
    Figure {
        id: "fig-scenarios".into(),
        svg,
        caption: format!(
            "Worst first: most services and journeys impaired, then most down, then anything left down until repair, then the longest outage.{}",
            if gathered.is_empty() && order.len() <= GRID_ROWS {
                String::new()
            } else {
                format!(
                    " The chart shows the {} worst failures and the {} services and journeys hit most often; the table below has every one.",
                    order.len().min(GRID_ROWS),
                    entities.len()
                )
            }
        ),
        table: t,
    }
}

fn recovery_classes(a: &Assessment) -> Figure {
    let entities: Vec<(String, &Figures, bool)> = a
        .journeys
        .iter()
        .map(|(k, f)| (format!("journey {k}"), f, true))
        .chain(a.services.iter().map(|(k, f)| (k.clone(), f, false)))
        .collect();
    let classes: Vec<(&str, &str)> = CLASSES
        .iter()
        .copied()
        .filter(|(k, _)| entities.iter().any(|(_, f, _)| f.rto.contains_key(*k)))
        .collect();
    let verdict = |f: &Figures, class: &str| -> Tone {
        let rto = f.slo.rto.get(class).map(|c| c.met);
        let rpo = f.slo.rpo.get(class).map(|c| c.met);
        match (rto, rpo) {
            (None, None) => Tone::None,
            (a, b) if a == Some(false) || b == Some(false) => Tone::Bad,
            _ => Tone::Good,
        }
    };
    let short = |f: &Figures, class: &str| -> String {
        let rto = f.rto.get(class).map(|r| match r.impact {
            Impact::None => "-".to_string(),
            Impact::Recovers => duration(r.seconds),
            Impact::Repair => "repair".to_string(),
        });
        let rpo = f.rpo_seconds.get(class).map(|s| duration(*s));
        match (rto, rpo) {
            (Some(t), Some(p)) => format!("{t} / {p}"),
            (Some(t), None) => t,
            _ => String::new(),
        }
    };
    // Entities with a missed target first, then the rest in order, so a large system's
    // chart shows what needs attention.
    let mut ordered: Vec<&(String, &Figures, bool)> = entities.iter().collect();
    ordered.sort_by_key(|(_, f, j)| (f.slo.met, !*j));
    let mut rows: Vec<(String, Vec<GridCell>)> = ordered
        .iter()
        .take(GRID_ROWS)
        .map(|(name, f, _)| {
            (
                name.clone(),
                classes
                    .iter()
                    .map(|(k, _)| GridCell {
                        tone: verdict(f, k),
                        text: short(f, k),
                    })
                    .collect(),
            )
        })
        .collect();
    if ordered.len() > GRID_ROWS {
        let rest = &ordered[GRID_ROWS..];
        let missed = rest.iter().filter(|(_, f, _)| !f.slo.met).count();
        rows.push((
            format!("{} more ({missed} missing a target)", rest.len()),
            vec![
                GridCell {
                    tone: Tone::None,
                    text: String::new(),
                };
                classes.len()
            ],
        ));
    }
    let svg = charts::grid(
        "fig-recovery",
        "RTO / RPO achieved per disruption class, coloured by whether the target is met",
        &classes
            .iter()
            .map(|(_, n)| n.to_string())
            .collect::<Vec<_>>(),
        &rows,
        &[
            (Tone::Good, "target met".into()),
            (Tone::Bad, "target missed".into()),
            (Tone::None, "no target".into()),
        ],
        104,
    );
    let mut t = Table::new(
        "recovery",
        "RTO and RPO achieved against target, per disruption class",
        &[
            "service or journey",
            "class",
            "#RTO achieved",
            "#RTO target",
            "#RPO achieved",
            "#RPO target",
            "result",
        ],
    );
    t.shown = 36;
    for (name, f, _) in &entities {
        for (k, label) in &classes {
            let Some(r) = f.rto.get(*k) else { continue };
            let rto_t = f.slo.rto.get(*k);
            let rpo_t = f.slo.rpo.get(*k);
            let tone = verdict(f, k);
            t.row(vec![
                Cell::text(name.clone()),
                Cell::text(label.to_string()),
                Cell::num(recovery(r)),
                Cell::num(
                    rto_t
                        .map(|c| duration(c.limit_seconds))
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::num(
                    f.rpo_seconds
                        .get(*k)
                        .map(|s| duration(*s))
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::num(
                    rpo_t
                        .map(|c| duration(c.limit_seconds))
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::tone(
                    match tone {
                        Tone::Good => "met",
                        Tone::Bad => "MISSED",
                        _ => "no target",
                    },
                    tone,
                ),
            ]);
        }
    }
    Figure {
        id: "fig-recovery".into(),
        svg,
        caption: "Each cell: time down after the worst single failure of the class (RTO), then seconds of writes lost (RPO) for services holding data. \"repair\": down until the failure itself is repaired.".into(),
        table: t,
    }
}

fn consistency(r: &Report) -> Section<ConsistencyView> {
    let Some(p) = &r.plan else {
        return Section::none("No plan: consistency is the topology's own choice.");
    };
    let stores: Vec<(&String, &faultline_models::plan::ServicePlan)> = p
        .services
        .iter()
        .filter(|(_, sp)| sp.kind != Kind::Stateless)
        .collect();
    if stores.is_empty() {
        return Section::none("The system has no data stores.");
    }
    let a = r.assessment.as_ref();
    let mut t = Table::new(
        "stores",
        "Each data store: the consistency chosen and what it gives",
        &[
            "store",
            "kind",
            "consistency",
            "#commit latency",
            "leader or primary",
            "under a partition",
            "#worst RPO",
            "#writes lost/yr",
            "why",
        ],
    );
    let mut dr = Table::new(
        "dr-options",
        "The DR patterns considered for a region loss, per store",
        &[
            "store",
            "pattern",
            "#RTO",
            "#RPO",
            "#USD/month",
            "chosen",
            "why not",
        ],
    );
    for (name, sp) in &stores {
        let fig = a.and_then(|a| a.services.get(*name));
        let latency = fig
            .and_then(|f| f.commit_latency_ms)
            .map(|l| format!("{l:.0} ms"))
            .unwrap_or_else(|| {
                if sp.kind == Kind::Replicated {
                    "local (async)".into()
                } else {
                    "-".into()
                }
            });
        let head = match (fig.and_then(|f| f.leader_zone.clone()), sp.kind) {
            (Some(z), _) => format!("leader in {z}"),
            (None, Kind::Replicated) => sp
                .deployment
                .groups
                .iter()
                .find(|g| g.role == Role::Primary)
                .map(|g| {
                    format!(
                        "primary in {}",
                        g.zone.clone().unwrap_or_else(|| g.region.clone())
                    )
                })
                .unwrap_or_else(|| "-".into()),
            _ => "-".into(),
        };
        let partition = a
            .map(|a| {
                let hits: Vec<String> = a
                    .scenarios
                    .iter()
                    .filter(|row| row.class == "partition")
                    .filter_map(|row| {
                        let c = row.services.get(*name)?;
                        (c.status != "ok" || c.diverges)
                            .then(|| format!("{}: {}", row.label, cell_text(c)))
                    })
                    .collect();
                let any = a.scenarios.iter().any(|row| row.class == "partition");
                if !any {
                    "single region: no partition to survive".to_string()
                } else if hits.is_empty() {
                    "keeps serving, copies consistent".to_string()
                } else {
                    hits.join("; ")
                }
            })
            .unwrap_or_else(|| "-".into());
        let why: Vec<String> = sp
            .binding
            .iter()
            .filter(|b| {
                matches!(
                    b.constraint,
                    Constraint::Consistency
                        | Constraint::CommitLatency
                        | Constraint::Rpo
                        | Constraint::QuorumMajority
                        | Constraint::Dr
                        | Constraint::Residency
                )
            })
            .map(|b| format!("{}: {}", b.constraint, b.detail))
            .collect();
        t.row(vec![
            Cell::text((*name).clone()),
            Cell::text(sp.kind.word()),
            Cell::text(sp.consistency.word()),
            Cell::num(latency),
            Cell::text(head),
            Cell::long(partition),
            Cell::num(
                fig.and_then(|f| f.worst_case_rpo_seconds)
                    .map(duration)
                    .unwrap_or_else(|| "-".into()),
            ),
            Cell::num(match fig.and_then(|f| f.writes_lost_gb_per_year) {
                Some(g) if g > 0.0 => bytes(g),
                Some(_) => "0".into(),
                None => "-".into(),
            }),
            Cell::long(if why.is_empty() {
                "the cheapest that meets every requirement".into()
            } else {
                why.join("; ")
            }),
        ]);
        for o in &sp.dr_options {
            dr.row(vec![
                Cell::text((*name).clone()),
                Cell::text(o.pattern.word()),
                Cell::num(
                    o.recovery
                        .map(|r| duration(r.rto.as_secs_f64()))
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::num(
                    o.recovery
                        .map(|r| duration(r.rpo.as_secs_f64()))
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::num(o.monthly_usd.map(usd).unwrap_or_else(|| "-".into())),
                if o.chosen {
                    Cell::tone("chosen", Tone::Good)
                } else {
                    Cell::text("")
                },
                Cell::long(o.note.clone().unwrap_or_default()),
            ]);
        }
    }
    Section::some(ConsistencyView { stores: t, dr })
}

fn compare(r: &Report, b: &faultline_models::report::Baseline) -> CompareView {
    let c = &b.comparison;
    let delta = c.total.delta();
    let mut cards = vec![Card {
        label: "Monthly cost".into(),
        value: format!(
            "{} → {}",
            usd(c.total.old.unwrap_or_default()),
            usd(c.total.new.unwrap_or_default())
        ),
        detail: format!(
            "{} per month against plan {}",
            signed_usd(delta),
            c.old_plan_id
        ),
        class: if delta > Decimal::ZERO {
            "warn"
        } else {
            "good"
        },
    }];
    let changed = c.services.iter().filter(|s| s.changed()).count();
    cards.push(Card {
        label: "Services changed".into(),
        value: format!("{changed} of {}", c.services.len()),
        detail: "in cost, DR pattern, consistency or placement".into(),
        class: "",
    });
    if let (Some(oa), Some(na)) = (
        b.assessment
            .as_ref()
            .and_then(summary::frontier_availability),
        r.assessment
            .as_ref()
            .and_then(summary::frontier_availability),
    ) {
        cards.push(Card {
            label: "Least available journey".into(),
            value: format!("{} → {}", percent(oa), percent(na)),
            detail: format!(
                "{} → {} min/month not fully up",
                minutes(summary::not_up_minutes_per_month(oa)),
                minutes(summary::not_up_minutes_per_month(na))
            ),
            class: if na + 1e-12 < oa { "warn" } else { "good" },
        });
    }
    let mut services: Vec<&faultline_models::report::compare::ServiceChange> =
        c.services.iter().collect();
    services.sort_by(|x, y| {
        let m = |s: &faultline_models::report::compare::ServiceChange| {
            s.cost
                .old
                .unwrap_or_default()
                .max(s.cost.new.unwrap_or_default())
        };
        m(y).cmp(&m(x)).then(x.service.cmp(&y.service))
    });
    let mut rows: Vec<BarRow> = services
        .iter()
        .take(CHART_BARS)
        .map(|s| BarRow {
            label: s.service.clone(),
            bars: vec![
                Bar {
                    segments: vec![(5, f(s.cost.old.unwrap_or_default()))],
                    label: s.cost.old.map(usd).unwrap_or_else(|| "absent".into()),
                },
                Bar {
                    segments: vec![(1, f(s.cost.new.unwrap_or_default()))],
                    label: s.cost.new.map(usd).unwrap_or_else(|| "absent".into()),
                },
            ],
        })
        .collect();
    if services.len() > CHART_BARS {
        let rest = &services[CHART_BARS..];
        let (o, n): (Decimal, Decimal) =
            rest.iter()
                .fold((Decimal::ZERO, Decimal::ZERO), |(o, n), s| {
                    (
                        o + s.cost.old.unwrap_or_default(),
                        n + s.cost.new.unwrap_or_default(),
                    )
                });
        rows.push(BarRow {
            label: format!("{} more services", rest.len()),
            bars: vec![
                Bar {
                    segments: vec![(5, f(o))],
                    label: usd(o),
                },
                Bar {
                    segments: vec![(1, f(n))],
                    label: usd(n),
                },
            ],
        });
    }
    // Categories by colour index: 5 (light) the baseline, drawn first; 1 (dark) this
    // plan.
    let legend = vec![
        String::new(),
        "this plan (dark)".to_string(),
        String::new(),
        String::new(),
        String::new(),
        "baseline (light, above)".to_string(),
    ];
    let svg = charts::bars(
        "fig-compare",
        "Monthly cost per service: the baseline (light) against this plan (dark)",
        &legend,
        &rows,
    );
    let mut t = Table::new(
        "compare-services",
        "What changed per service",
        &[
            "service",
            "#baseline",
            "#this plan",
            "#change",
            "DR",
            "consistency",
            "placement",
        ],
    );
    for s in &services {
        let arrow = |a: Option<String>, b: Option<String>| -> String {
            match (a, b) {
                (Some(a), Some(b)) if a == b => a,
                (a, b) => format!(
                    "{} → {}",
                    a.unwrap_or_else(|| "absent".into()),
                    b.unwrap_or_else(|| "absent".into())
                ),
            }
        };
        let placement: Vec<String> = s
            .placement
            .iter()
            .map(|g| {
                format!(
                    "{} {}× {} {} ({}{})",
                    if g.new > g.old { "+" } else { "−" },
                    g.new.abs_diff(g.old),
                    g.instance_type,
                    g.zone.clone().unwrap_or_else(|| g.region.clone()),
                    g.purchase.word(),
                    if g.role == Role::Active {
                        String::new()
                    } else {
                        format!(", {}", g.role.word())
                    }
                )
            })
            .collect();
        let d = s.cost.delta();
        t.row(vec![
            Cell::text(s.service.clone()),
            Cell::num(s.cost.old.map(usd).unwrap_or_else(|| "absent".into())),
            Cell::num(s.cost.new.map(usd).unwrap_or_else(|| "absent".into())),
            if d > Decimal::ZERO {
                Cell::tone(signed_usd(d), Tone::Warn)
            } else {
                Cell::num(signed_usd(d))
            },
            Cell::text(arrow(
                s.old_dr.map(|x| x.word().to_string()),
                s.new_dr.map(|x| x.word().to_string()),
            )),
            Cell::text(arrow(
                s.old_consistency.map(|x| x.word().to_string()),
                s.new_consistency.map(|x| x.word().to_string()),
            )),
            Cell::long(if placement.is_empty() {
                "same".into()
            } else {
                placement.join("; ")
            }),
        ]);
    }
    let mut av = Table::new(
        "compare-availability",
        "Availability per journey and service, both plans assessed against this topology",
        &[
            "journey or service",
            "#baseline",
            "#this plan",
            "#target",
            "#down min/month, baseline",
            "#down min/month, this plan",
        ],
    );
    for x in &c.availability {
        let worse = matches!((x.old, x.new), (Some(o), Some(n)) if n + 1e-12 < o);
        av.row(vec![
            Cell::text(if x.journey {
                format!("journey {}", x.name)
            } else {
                x.name.clone()
            }),
            Cell::num(x.old.map(percent).unwrap_or_else(|| "-".into())),
            {
                let v = x.new.map(percent).unwrap_or_else(|| "-".into());
                if worse {
                    Cell::tone(v, Tone::Warn)
                } else {
                    Cell::num(v)
                }
            },
            Cell::num(x.target.map(percent).unwrap_or_else(|| "-".into())),
            Cell::num(
                x.old_down_minutes_per_month
                    .map(minutes)
                    .unwrap_or_else(|| "-".into()),
            ),
            Cell::num(
                x.new_down_minutes_per_month
                    .map(minutes)
                    .unwrap_or_else(|| "-".into()),
            ),
        ]);
    }
    let mut money = Table::new(
        "compare-money",
        "Monthly cost by region and purchase option",
        &["", "#baseline", "#this plan", "#change"],
    );
    for (what, list) in [("region", &c.by_region), ("purchase", &c.by_purchase)] {
        for m in list {
            money.row(vec![
                Cell::text(format!("{what} {}", m.name)),
                Cell::num(m.old.map(usd).unwrap_or_else(|| "-".into())),
                Cell::num(m.new.map(usd).unwrap_or_else(|| "-".into())),
                Cell::num(signed_usd(m.delta())),
            ]);
        }
    }
    CompareView {
        cards,
        chart: Figure {
            id: "fig-compare".into(),
            svg,
            caption: format!(
                "Baseline plan {} against this plan {}; both assessed against the same topology and catalog.",
                c.old_plan_id, c.new_plan_id
            ),
            table: t,
        },
        availability: av,
        money,
    }
}

fn assumptions(r: &Report) -> AssumptionsView {
    let s = &r.assumptions;
    let mut inputs = Table::new(
        "inputs",
        "What the figures were computed from",
        &["", "value"],
    );
    let mut kv = |k: &str, v: String| inputs.row(vec![Cell::text(k), Cell::long(v)]);
    kv("system", r.system.clone());
    if let Some(id) = &s.plan_id {
        kv("plan id", id.clone());
    }
    kv("topology digest (SHA-256)", s.topology_digest.clone());
    kv(
        "catalog",
        format!("{} as of {}", s.catalog.name, s.catalog.as_of),
    );
    kv("catalog digest (SHA-256)", s.catalog.digest.clone());
    if let Some(p) = &r.plan {
        kv("commitment horizon", format!("{} months", p.horizon_months));
    }
    if let Some(sv) = &s.solve {
        kv(
            "solver",
            format!(
                "{}: {} — {} {:.2}, best bound {:.2}, gap {:.3}%",
                sv.backend,
                sv.status,
                r.plan.as_ref().map_or("objective", |p| p.objective_words()),
                sv.objective,
                sv.best_bound,
                sv.gap * 100.0
            ),
        );
        kv(
            "problem size",
            format!(
                "{} MILPs, {} variables, {} constraints",
                sv.milps, sv.variables, sv.constraints
            ),
        );
    }
    if let Some(a) = &r.assessment {
        let m = &a.method.analytic;
        kv(
            "failure model",
            format!(
                "analytic: {} failure processes, {} states (at most {} at once); availabilities are lower bounds, at most {:.1e} below the true value",
                m.components, m.states, m.max_simultaneous_events, m.truncation_error_bound
            ),
        );
        if let Some(sim) = &a.method.simulation {
            kv(
                "simulation",
                format!(
                    "{} simulated years, seed {}, {} burn-in year(s), {:.0}% intervals",
                    sim.years,
                    sim.seed,
                    sim.burn_in_years,
                    sim.confidence * 100.0
                ),
            );
        }
    }
    let mut sources = Table::new(
        "sources",
        "The catalog's sources",
        &["id", "title", "as of", "confidence", "address"],
    );
    for (id, src) in &s.catalog.sources {
        sources.row(vec![
            Cell::text(id.clone()),
            Cell::long(src.title.clone()),
            Cell::text(src.as_of.clone()),
            Cell::text(format!("{:?}", src.confidence).to_lowercase()),
            Cell::long(src.url.clone()),
        ]);
    }
    let mut priors = Table::new(
        "priors",
        "Failure priors: every failure process the model enumerates",
        &[
            "failure",
            "class",
            "#per year",
            "#median",
            "#mean",
            "#unavailability",
            "source",
        ],
    );
    priors.shown = 20;
    let mut instances = Table::new(
        "instance-priors",
        "Instance failures per region",
        &[
            "region",
            "#per instance-year",
            "#median",
            "#mean",
            "#unavailability",
            "#with control plane down",
        ],
    );
    let mut model = Table::new(
        "model",
        "How fast the system reacts (model assumptions)",
        &["", "#value"],
    );
    if let Some(a) = &r.assessment {
        for c in &a.parameters.components {
            priors.row(vec![
                Cell::text(c.label.clone()),
                Cell::text(c.class.replace('_', " ")),
                Cell::num(format!("{:.3}", c.rate_per_year)),
                Cell::num(duration(c.median_hours * 3600.0)),
                Cell::num(duration(c.mean_hours * 3600.0)),
                Cell::num(format!("{:.2e}", c.unavailability)),
                Cell::text(c.source.clone()),
            ]);
        }
        for (region, p) in &a.parameters.instances {
            instances.row(vec![
                Cell::text(region.clone()),
                Cell::num(format!("{:.3}", p.rate_per_year)),
                Cell::num(duration(p.median_hours * 3600.0)),
                Cell::num(duration(p.mean_hours * 3600.0)),
                Cell::num(format!("{:.2e}", p.unavailability)),
                Cell::num(format!("{:.2e}", p.unavailability_control_plane_down)),
            ]);
        }
        let m = &a.parameters.assumptions;
        for (k, v) in [
            (
                "replacing lost capacity (scale-up)",
                duration(m.scale_up_seconds),
            ),
            ("leader election", duration(m.election_seconds)),
            (
                "failover, when a store does not set it",
                duration(m.default_failover_seconds),
            ),
            (
                "replication lag, when a store does not set it",
                duration(m.default_replication_lag_seconds),
            ),
            (
                "warm standby to full capacity",
                duration(m.warm_standby_seconds),
            ),
            ("pilot light to running", duration(m.pilot_light_seconds)),
            ("restore from backup", duration(m.backup_restore_seconds)),
            ("RTT within a zone", format!("{} ms", m.same_zone_rtt_ms)),
            (
                "RTT the catalog does not have",
                format!("{} ms", m.missing_rtt_ms),
            ),
        ] {
            model.row(vec![Cell::text(k), Cell::num(v)]);
        }
    }
    let mut notes: Vec<String> = r
        .plan
        .iter()
        .flat_map(|p| p.notes.iter().cloned())
        .collect();
    notes.extend(r.assessment.iter().flat_map(|a| a.notes.iter().cloned()));
    AssumptionsView {
        inputs,
        sources,
        priors,
        instances,
        model,
        notes,
    }
}
