//! Sagas left stranded: a journey with `compensations` and a request rate loses
//! consistency when a later step fails after earlier steps committed while a service
//! that must undo one of them is down. This file owns the condition (which services
//! decide it), its probability in one joint failure state for the analytic method,
//! and the tracker that counts stranded requests and how long they stay inconsistent
//! in the simulation.

use std::collections::BTreeSet;

use crate::topology::Topology;

use crate::units::{SECONDS_PER_HOUR, SECONDS_PER_YEAR};

use super::model::Entity;

/// One way a request can strand: the first step down is `j` (≥ 1).
#[derive(Debug, Clone)]
pub(crate) struct Term {
    /// Services that must all be not down: the hard closures of steps 0..j−1.
    pub committed: Vec<usize>,
    /// The hard closure of step j outside `committed`: one of them down fails it.
    pub failing: Vec<usize>,
    /// The hard closures of the compensators of steps 0..j−1, outside `committed`:
    /// one of them down leaves a committed step that cannot be undone.
    pub compensators: Vec<usize>,
    /// `failing` ∪ `compensators`.
    pub either: Vec<usize>,
}

/// A journey whose requests are sagas.
#[derive(Debug, Clone)]
pub(crate) struct Saga {
    /// Index of the journey in `Model::journeys`.
    pub journey: usize,
    pub requests_per_second: f64,
    /// Steps in order, as service indices.
    pub steps: Vec<usize>,
    /// Per step, the service that compensates it, if any.
    pub compensator: Vec<Option<usize>>,
    pub terms: Vec<Term>,
    /// Every service whose status decides the condition, sorted.
    pub involved: Vec<usize>,
}

/// The sagas of a topology's journeys: those with compensations and a request rate.
/// `entities` holds each service's hard closure (`ge`) at its own index;
/// `index` maps a service name to its index.
pub(crate) fn build(
    t: &Topology,
    entities: &[Entity],
    index: &dyn Fn(&str) -> Option<usize>,
) -> Vec<Saga> {
    let mut out = Vec::new();
    for (j, jr) in t.journeys.values().enumerate() {
        let Some(rps) = jr.requests_per_second else {
            continue;
        };
        if jr.compensations.is_empty() {
            continue;
        }
        let steps: Vec<usize> = jr.steps.iter().filter_map(|s| index(s)).collect();
        if steps.len() != jr.steps.len() {
            continue;
        }
        let compensator: Vec<Option<usize>> = jr
            .steps
            .iter()
            .map(|s| jr.compensations.get(s).and_then(|c| index(c)))
            .collect();
        let closure = |s: usize| entities[s].ge.iter().copied();
        let mut terms = Vec::new();
        let mut involved = BTreeSet::new();
        for k in 1..steps.len() {
            let committed: BTreeSet<usize> = steps[..k].iter().flat_map(|s| closure(*s)).collect();
            let failing: BTreeSet<usize> = closure(steps[k])
                .filter(|s| !committed.contains(s))
                .collect();
            let compensators: BTreeSet<usize> = compensator[..k]
                .iter()
                .flatten()
                .flat_map(|c| closure(*c))
                .filter(|s| !committed.contains(s))
                .collect();
            // A step that cannot fail once its predecessors are up, or no committed
            // step that could be left undone: no request strands this way.
            if failing.is_empty() || compensators.is_empty() {
                continue;
            }
            involved.extend(committed.iter().copied());
            involved.extend(failing.iter().copied());
            involved.extend(compensators.iter().copied());
            terms.push(Term {
                committed: committed.iter().copied().collect(),
                either: failing.union(&compensators).copied().collect(),
                failing: failing.into_iter().collect(),
                compensators: compensators.into_iter().collect(),
            });
        }
        out.push(Saga {
            journey: j,
            requests_per_second: rps,
            steps,
            compensator,
            terms,
            involved: involved.into_iter().collect(),
        });
    }
    out
}

impl Saga {
    /// The probability that a request strands in one joint failure state, where the
    /// services' own statuses are independent: `ln_not_down(s)` is ln P(service s's
    /// own status is not down). With steps 0..j−1 not down (their closures all
    /// not down), step j fails when one of `failing` is down and a committed step
    /// stays undone when one of `compensators` is down:
    /// P = Σⱼ P(committed up) · (1 − P(failing up) − P(compensators up) + P(either up)).
    pub(crate) fn strand_probability(&self, ln_not_down: &dyn Fn(usize) -> f64) -> f64 {
        let up = |set: &[usize]| set.iter().map(|s| ln_not_down(*s)).sum::<f64>().exp();
        self.terms
            .iter()
            .map(|t| {
                let both = 1.0 - up(&t.failing) - up(&t.compensators) + up(&t.either);
                up(&t.committed) * both.max(0.0)
            })
            .sum()
    }

    /// Stranded requests a year for a strand probability.
    pub(crate) fn per_year(&self, p: f64) -> f64 {
        self.requests_per_second * SECONDS_PER_YEAR * p
    }

    /// In a moment where `down(s)` says whether service s's status is down (itself or
    /// a hard dependency): the compensators a request arriving now would wait for,
    /// or `None` when it does not strand.
    fn stranding(&self, down: &dyn Fn(usize) -> bool) -> Option<Vec<usize>> {
        let j = self.steps.iter().position(|s| down(*s))?;
        let mut waits: Vec<usize> = self.compensator[..j]
            .iter()
            .flatten()
            .copied()
            .filter(|c| down(*c))
            .collect();
        waits.sort_unstable();
        waits.dedup();
        (!waits.is_empty()).then_some(waits)
    }
}

/// What the simulation found for one saga, over the counted years.
#[derive(Debug, Clone, Default)]
pub(crate) struct SagaRun {
    pub years: u64,
    /// Sum and sum of squares of annual stranded requests.
    pub stranded_sum: f64,
    pub stranded_sq: f64,
    /// Stranded requests whose compensators have all come back, and the hours they
    /// stayed inconsistent in all.
    pub resolved: f64,
    pub inconsistent_hours: f64,
}

/// A stretch of time during which arriving requests stranded waiting for the same
/// compensators: from `start` for `len` hours, `waits` still down.
#[derive(Debug, Clone)]
struct Pending {
    start: f64,
    len: f64,
    waits: Vec<usize>,
    counted: bool,
}

/// Follows one saga through a simulation: stranded request-time while the condition
/// holds, and for every stretch of it, when its compensators are all up again.
#[derive(Debug, Clone)]
pub(crate) struct Tracker {
    /// The current stretch: since when, and the compensators it waits for.
    open: Option<(f64, Vec<usize>)>,
    /// Stranded hours in the current year.
    year_hours: f64,
    pending: Vec<Pending>,
    pub run: SagaRun,
}

impl Tracker {
    pub(crate) fn new() -> Tracker {
        Tracker {
            open: None,
            year_hours: 0.0,
            pending: Vec::new(),
            run: SagaRun::default(),
        }
    }

    /// Statuses may have changed at time `t` (hours). `counted`: the current year is
    /// past the burn-in.
    pub(crate) fn observe(
        &mut self,
        sg: &Saga,
        t: f64,
        down: &dyn Fn(usize) -> bool,
        counted: bool,
    ) {
        let now = sg.stranding(down);
        let changed = self.open.as_ref().map(|o| &o.1) != now.as_ref();
        if changed {
            self.close_stretch(t, counted);
        }
        // A compensator that is up again undoes every step waiting on it at once.
        let rate_h = sg.requests_per_second * SECONDS_PER_HOUR;
        let mut k = 0;
        while k < self.pending.len() {
            self.pending[k].waits.retain(|c| down(*c));
            if self.pending[k].waits.is_empty() {
                let p = self.pending.swap_remove(k);
                if p.counted {
                    let n = rate_h * p.len;
                    // Requests arrived evenly over the stretch and all wait until t.
                    self.run.resolved += n;
                    self.run.inconsistent_hours += n * (t - p.start - p.len / 2.0);
                }
            } else {
                k += 1;
            }
        }
        if changed {
            self.open = now.map(|w| (t, w));
        }
    }

    /// Ends the current stretch at `t` (it goes on from `t` with the same waits).
    fn close_stretch(&mut self, t: f64, counted: bool) {
        if let Some((since, waits)) = self.open.take() {
            if t > since {
                if counted {
                    self.year_hours += t - since;
                }
                self.pending.push(Pending {
                    start: since,
                    len: t - since,
                    waits: waits.clone(),
                    counted,
                });
            }
            self.open = Some((t, waits));
        }
    }

    /// The year ends at `t`: its stranded requests are added up.
    pub(crate) fn close_year(&mut self, sg: &Saga, t: f64, counted: bool) {
        self.close_stretch(t, counted);
        if counted {
            let n = self.year_hours * sg.requests_per_second * SECONDS_PER_HOUR;
            self.run.years += 1;
            self.run.stranded_sum += n;
            self.run.stranded_sq += n * n;
        }
        self.year_hours = 0.0;
    }
}
