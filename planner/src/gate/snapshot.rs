//! The figures a comparison needs — monthly cost per service and in total, and the
//! failure model's availability per service and journey — taken from a plan and its
//! assessment, or from a plan file alone (whose figures the optimizer had the same
//! failure model compute). `faultline diff` compares two of them; the gate's baseline
//! rules compare the head against one.

use std::collections::{BTreeMap, BTreeSet};

use faultline_models::failure::Assessment;
use faultline_models::plan::Plan;
use faultline_models::units::MINUTES_PER_YEAR;
use rust_decimal::Decimal;
use serde::Serialize;

/// What one deployment costs and how available it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub system: String,
    /// The plan the figures are about.
    pub plan_id: String,
    pub monthly_usd: Decimal,
    pub services: BTreeMap<String, SubjectFigures>,
    pub journeys: BTreeMap<String, SubjectFigures>,
}

/// The cost and availability of one service or journey in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubjectFigures {
    /// Monthly cost (services only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_usd: Option<Decimal>,
    /// Long-run fraction of time fully up, from the failure model; `None` when the
    /// plan file carries no figure for it.
    pub availability: Option<f64>,
}

impl SubjectFigures {
    /// Minutes a year not fully up: (1 − availability) × 525,600. One definition on
    /// both sides of every comparison.
    pub fn unavailable_minutes(&self) -> Option<f64> {
        self.availability.map(unavailable_minutes)
    }
}

pub fn unavailable_minutes(availability: f64) -> f64 {
    (1.0 - availability).max(0.0) * MINUTES_PER_YEAR
}

impl Snapshot {
    /// The figures of a plan, with availability from `assessment` when there is one
    /// (else the plan's own failure-model figures).
    pub fn of(plan: &Plan, assessment: Option<&Assessment>) -> Snapshot {
        let services = plan
            .services
            .iter()
            .map(|(name, sp)| {
                let availability = match assessment {
                    Some(a) => a.services.get(name).map(|f| f.availability),
                    None => sp.availability.as_ref().map(|a| a.computed),
                };
                (
                    name.clone(),
                    SubjectFigures {
                        monthly_usd: Some(sp.monthly_usd),
                        availability,
                    },
                )
            })
            .collect();
        let journeys = match assessment {
            Some(a) => a
                .journeys
                .iter()
                .map(|(name, f)| {
                    (
                        name.clone(),
                        SubjectFigures {
                            monthly_usd: None,
                            availability: Some(f.availability),
                        },
                    )
                })
                .collect(),
            None => plan
                .journeys
                .iter()
                .map(|(name, a)| {
                    (
                        name.clone(),
                        SubjectFigures {
                            monthly_usd: None,
                            availability: Some(a.computed),
                        },
                    )
                })
                .collect(),
        };
        Snapshot {
            system: plan.system.clone(),
            plan_id: plan.id.clone(),
            monthly_usd: plan.monthly_usd,
            services,
            journeys,
        }
    }
}

/// Two snapshots side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub base: Side,
    pub head: Side,
    pub monthly_usd: Change<Decimal>,
    pub services: Vec<Row>,
    pub journeys: Vec<Row>,
}

/// Which plan one side is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub system: String,
    pub plan_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change<T> {
    pub base: Option<T>,
    pub head: Option<T>,
    /// head − base, when both exist.
    pub delta: Option<T>,
    /// The change in percent of the base, when both exist and the base is not zero.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub name: String,
    /// `added`, `removed` or `kept`.
    pub presence: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_usd: Option<Change<Decimal>>,
    pub availability: Change<f64>,
    /// Minutes a year not fully up.
    pub unavailable_minutes: Change<f64>,
}

fn money_change(base: Option<Decimal>, head: Option<Decimal>) -> Change<Decimal> {
    let delta = base.zip(head).map(|(b, h)| h - b);
    let percent = base
        .zip(delta)
        .filter(|(b, _)| !b.is_zero())
        .map(|(b, d)| (d * Decimal::from(100) / b).round_dp(2));
    Change {
        base,
        head,
        delta,
        percent,
    }
}

fn float_change(base: Option<f64>, head: Option<f64>) -> Change<f64> {
    Change {
        base,
        head,
        delta: base.zip(head).map(|(b, h)| h - b),
        percent: None,
    }
}

fn rows(
    base: &BTreeMap<String, SubjectFigures>,
    head: &BTreeMap<String, SubjectFigures>,
    money: bool,
) -> Vec<Row> {
    let names: BTreeSet<&String> = base.keys().chain(head.keys()).collect();
    names
        .into_iter()
        .map(|name| {
            let b = base.get(name);
            let h = head.get(name);
            let presence = match (b, h) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                _ => "kept",
            };
            Row {
                name: name.clone(),
                presence,
                monthly_usd: money.then(|| {
                    money_change(
                        b.map(|f| f.monthly_usd.unwrap_or_default()),
                        h.map(|f| f.monthly_usd.unwrap_or_default()),
                    )
                }),
                availability: float_change(
                    b.and_then(|f| f.availability),
                    h.and_then(|f| f.availability),
                ),
                unavailable_minutes: float_change(
                    b.and_then(SubjectFigures::unavailable_minutes),
                    h.and_then(SubjectFigures::unavailable_minutes),
                ),
            }
        })
        .collect()
}

/// Compares two snapshots service by service and journey by journey.
pub fn diff(base: &Snapshot, head: &Snapshot) -> Diff {
    Diff {
        base: Side {
            system: base.system.clone(),
            plan_id: base.plan_id.clone(),
        },
        head: Side {
            system: head.system.clone(),
            plan_id: head.plan_id.clone(),
        },
        monthly_usd: money_change(Some(base.monthly_usd), Some(head.monthly_usd)),
        services: rows(&base.services, &head.services, true),
        journeys: rows(&base.journeys, &head.journeys, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(total: i64, svc: &[(&str, i64, f64)]) -> Snapshot {
        Snapshot {
            system: "s".into(),
            plan_id: format!("s-{total}"),
            monthly_usd: Decimal::from(total),
            services: svc
                .iter()
                .map(|(n, c, a)| {
                    (
                        n.to_string(),
                        SubjectFigures {
                            monthly_usd: Some(Decimal::from(*c)),
                            availability: Some(*a),
                        },
                    )
                })
                .collect(),
            journeys: BTreeMap::new(),
        }
    }

    #[test]
    fn diff_names_added_removed_and_changed() {
        let base = snap(300, &[("a", 100, 0.999), ("b", 200, 0.99)]);
        let head = snap(450, &[("a", 150, 0.9999), ("c", 300, 0.9)]);
        let d = diff(&base, &head);
        assert_eq!(d.monthly_usd.delta, Some(Decimal::from(150)));
        assert_eq!(d.monthly_usd.percent, Some(Decimal::from(50)));
        let names: Vec<(&str, &str)> = d
            .services
            .iter()
            .map(|r| (r.name.as_str(), r.presence))
            .collect();
        assert_eq!(names, [("a", "kept"), ("b", "removed"), ("c", "added")]);
        let a = &d.services[0];
        assert_eq!(
            a.monthly_usd.as_ref().unwrap().percent,
            Some(Decimal::from(50))
        );
        // 0.999 → 0.9999: 525.6 → 52.56 minutes a year not fully up.
        let m = &a.unavailable_minutes;
        assert!((m.base.unwrap() - 525.6).abs() < 1e-6);
        assert!((m.delta.unwrap() + 473.04).abs() < 1e-6);
        // An added service has no base, so no delta.
        assert_eq!(d.services[2].availability.delta, None);
    }
}
