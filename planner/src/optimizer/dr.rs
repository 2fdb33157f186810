//! Disaster-recovery patterns: which ones a service's region targets allow, which one
//! is cheapest, and the report of every option with why the others were ruled out.
//! Fleets and stores conclude their choice through the same code.

use std::collections::BTreeMap;

use faultline_models::cost::{region_recovery, PlannedRecovery, Tier};
use faultline_models::deployment::DrPattern;
use faultline_models::diag::Code;
use faultline_models::duration;
use faultline_models::plan::{
    Binding, Constraint, DrOption, InstanceLine, SolveInfo, TransferLine,
};
use faultline_models::topology::Disruption;
use rust_decimal::Decimal;

use super::explain::Conflict;
use super::spec::Spec;

/// A DR pattern's cost and parts for one service design.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub pattern: DrPattern,
    pub monthly: Decimal,
    /// The part of `monthly` owned reservations have already paid: designs are
    /// compared on what is left, the new spend.
    pub paid: Decimal,
    pub lines: Vec<InstanceLine>,
    pub transfer: Vec<TransferLine>,
    pub binding: Vec<Binding>,
    pub solve: SolveInfo,
}

impl Candidate {
    /// What is left to pay: the design's monthly cost less what owned reservations
    /// have paid. Designs are compared on it.
    pub fn new_spend(&self) -> Decimal {
        self.monthly - self.paid
    }
}

pub(crate) fn meets(rec: Option<PlannedRecovery>, spec: &Spec) -> Result<(), String> {
    let rto = spec.rto.get(&Disruption::Region);
    let rpo = spec.rpo.get(&Disruption::Region);
    let Some(rec) = rec else {
        return match (rto, rpo) {
            (None, None) => Ok(()),
            _ => Err("a single region waits out a region loss".into()),
        };
    };
    let mut why = Vec::new();
    if let Some(t) = rto.filter(|t| rec.rto > **t) {
        why.push(format!(
            "RTO {} exceeds rto.region {}",
            duration::format(rec.rto),
            duration::format(*t)
        ));
    }
    if let Some(t) = rpo.filter(|t| rec.rpo > **t) {
        why.push(format!(
            "RPO {} exceeds rpo.region {}",
            duration::format(rec.rpo),
            duration::format(*t)
        ));
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join(", "))
    }
}

/// The DR patterns to consider, in order of preference when costs tie.
pub(crate) fn patterns(spec: &Spec) -> Vec<DrPattern> {
    if spec.survive.contains(&Disruption::Region) {
        vec![DrPattern::ActiveActive]
    } else if spec.rto.contains_key(&Disruption::Region)
        || spec.rpo.contains_key(&Disruption::Region)
    {
        vec![
            DrPattern::ActiveActive,
            DrPattern::WarmStandby,
            DrPattern::PilotLight,
            DrPattern::BackupRestore,
        ]
    } else {
        vec![DrPattern::None]
    }
}

/// Picks the candidate with the least new spend; on equal cost the earlier
/// (better-recovering) pattern.
pub(crate) fn pick(cands: Vec<Candidate>, order: &[DrPattern]) -> Option<Candidate> {
    let rank = |p: DrPattern| order.iter().position(|q| *q == p).unwrap_or(usize::MAX);
    cands.into_iter().min_by(|a, b| {
        a.new_spend()
            .cmp(&b.new_spend())
            .then(rank(a.pattern).cmp(&rank(b.pattern)))
    })
}

pub(crate) fn options_report(
    order: &[DrPattern],
    tier: Tier,
    costs: &BTreeMap<DrPattern, Decimal>,
    notes: &BTreeMap<DrPattern, String>,
    chosen: DrPattern,
) -> Vec<DrOption> {
    if order == [DrPattern::None] {
        return Vec::new();
    }
    order
        .iter()
        .map(|p| DrOption {
            pattern: *p,
            recovery: region_recovery(*p, tier),
            monthly_usd: costs.get(p).map(|c| c.round_dp(2)),
            chosen: *p == chosen,
            note: notes.get(p).cloned(),
        })
        .collect()
}

/// What DR patterns were tried for a service, what each cost and why any was ruled
/// out: fleets and stores conclude the same way.
pub(crate) struct DrChoice<'a> {
    pub order: &'a [DrPattern],
    pub costs: &'a BTreeMap<DrPattern, Decimal>,
    pub notes: &'a BTreeMap<DrPattern, String>,
    /// The regions a residency constraint narrowed the service to, if it did.
    pub residency: Option<&'a [&'a str]>,
}

impl DrChoice<'_> {
    /// The cheapest pattern (ties in `order`), the report of every option, and the
    /// bindings that explain the choice; or, when none was feasible, the conflicts.
    pub(crate) fn conclude(
        &self,
        name: &str,
        spec: &Spec,
        cands: Vec<Candidate>,
        mut errors: Vec<Conflict>,
        tier: Tier,
        what: &str,
    ) -> Result<(Candidate, Vec<DrOption>, Vec<Binding>), Vec<Conflict>> {
        let Some(chosen) = pick(cands, self.order) else {
            if errors.is_empty() {
                errors.push(dr_conflict(name, spec, self.notes, what));
            }
            errors.dedup();
            return Err(errors);
        };
        let mut binding: Vec<Binding> = self
            .notes
            .iter()
            .map(|(p, why)| Binding {
                constraint: Constraint::Dr,
                detail: format!("{p} ruled out: {why}"),
            })
            .collect();
        if let Some(allowed) = self.residency {
            binding.push(residency(allowed));
        }
        let report = options_report(self.order, tier, self.costs, self.notes, chosen.pattern);
        Ok((chosen, report, binding))
    }
}

pub(crate) fn residency(allowed: &[&str]) -> Binding {
    Binding {
        constraint: Constraint::Residency,
        detail: format!("may run only in {}", allowed.join(", ")),
    }
}

pub(crate) fn dr_conflict(
    name: &str,
    spec: &Spec,
    notes: &BTreeMap<DrPattern, String>,
    what: &str,
) -> Conflict {
    let targets: Vec<String> = [
        ("rto", spec.rto.get(&Disruption::Region)),
        ("rpo", spec.rpo.get(&Disruption::Region)),
    ]
    .iter()
    .filter_map(|(w, d)| d.map(|d| format!("{w}.region {}", duration::format(*d))))
    .collect();
    let why: Vec<String> = notes.iter().map(|(p, w)| format!("{p}: {w}")).collect();
    Conflict::new(
        name,
        format!(
            "no DR pattern gives this {what} {}: {}",
            targets.join(" and "),
            why.join("; ")
        ),
    )
    .code(Code::RecoveryUnreachable)
    .key(format!("services.{name}.slo.rto"))
    .key(format!("services.{name}.slo.rpo"))
}
