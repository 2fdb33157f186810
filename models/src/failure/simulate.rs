//! The Monte Carlo method: a discrete-event simulation of the same model over many
//! years. Every component and every instance alternates between up (exponential) and
//! down (log-normal) from one seeded ChaCha stream; services follow the shapes of
//! `service.rs`, switching to their recovered shape a recovery delay after a failure
//! arrives; downtime is accumulated per simulated year for services and journeys.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use rand::{RngExt as _, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::Normal;

use super::dist::{exponential, HOURS_PER_YEAR};
use super::model::{Model, Sem};
use super::saga::{SagaRun, Tracker};
use super::service::{Counts, Flags, Shape, St, UState};

/// Years simulated and discarded first, so the first counted year does not start from
/// an unusually healthy all-up state.
pub(crate) const BURN_IN_YEARS: u64 = 1;

/// Per-entity results over the simulated years.
#[derive(Debug, Clone, Default)]
pub(crate) struct EntityRun {
    pub years: u64,
    /// Sum and sum of squares of annual down hours.
    pub down_sum: f64,
    pub down_sq: f64,
    /// Annual down hours of the years that had any (the rest were zero).
    pub down_nonzero: Vec<f64>,
    pub degraded_sum: f64,
    pub degraded_sq: f64,
    /// Times the entity went down.
    pub episodes: u64,
    /// Failovers (async stores): sum and sum of squares of annual counts.
    pub failovers_sum: f64,
    pub failovers_sq: f64,
    /// Journeys whose requests are sagas: stranded requests and their inconsistency.
    pub saga: Option<SagaRun>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Comp(usize),
    Inst(usize),
    /// The recovery delay after a failure that arrived at this time has passed.
    Phase(usize, f64),
    /// The failover or election window after a designated instance went down.
    Window(usize, f64),
}

#[derive(Debug, Clone, Copy)]
struct Ev {
    t: f64,
    seq: u64,
    kind: Kind,
}

impl PartialEq for Ev {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Ev {}
impl PartialOrd for Ev {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ev {
    fn cmp(&self, o: &Self) -> Ordering {
        self.t.total_cmp(&o.t).then(self.seq.cmp(&o.seq))
    }
}

struct Inst<'a> {
    unit_up: &'a [u32],
    down: &'a [bool],
    since: &'a [f64],
    first: &'a [usize],
}

impl Counts for Inst<'_> {
    fn up(&self, unit: usize) -> u32 {
        self.unit_up[unit]
    }
    fn first_down_since(&self, unit: usize) -> Option<f64> {
        let i = self.first[unit];
        if self.down[i] {
            Some(self.since[i])
        } else {
            None
        }
    }
}

struct SvcState {
    /// When the failure that set the recovery clock arrived.
    last_arrival: f64,
    /// Shapes after that failure, each with the age (hours) until which it lasts.
    phases: Vec<(Shape, f64)>,
    /// The phase the last status was computed in.
    phase: usize,
    /// The member an asynchronous store last served from.
    served_by: Option<usize>,
    /// The failover after the failure that set the recovery clock (its arrival) and
    /// whether it failed: drawn once per attempt.
    promotion: Option<(f64, bool)>,
    /// The failover after the primary's own instance went down (since when) and
    /// whether it failed.
    takeover: Option<(f64, bool)>,
}

struct Engine<'m> {
    m: &'m Model,
    rng: ChaCha8Rng,
    normal: Normal,
    heap: BinaryHeap<Reverse<Ev>>,
    seq: u64,
    comp_down: Vec<bool>,
    /// What each outage in effect brought with it (index into the component's marks).
    comp_mark: Vec<usize>,
    comp_start: Vec<f64>,
    comp_end: Vec<f64>,
    inst_unit: Vec<usize>,
    inst_down: Vec<bool>,
    inst_since: Vec<f64>,
    /// When a down instance comes back; a later end replaces an earlier one.
    inst_end: Vec<f64>,
    /// When an up instance fails next: a failure event at another time is stale (the
    /// instance was taken by an impairment meanwhile).
    inst_fail_at: Vec<f64>,
    /// Whether the instance is out of service for its zone's impairment: it comes back
    /// when the impairment ends, whatever the control plane does.
    inst_hit: Vec<bool>,
    /// Instances per zone, for impairments.
    zone_insts: Vec<Vec<usize>>,
    /// Instances per region, for holding them when its control plane is impaired.
    region_insts: Vec<Vec<usize>>,
    unit_up: Vec<u32>,
    first: Vec<usize>,
    svc: Vec<SvcState>,
    own: Vec<St>,
    ent: Vec<St>,
    ent_since: Vec<f64>,
    cur_down: Vec<f64>,
    cur_deg: Vec<f64>,
    cur_failovers: Vec<f64>,
    runs: Vec<EntityRun>,
    /// One per `Model::sagas`.
    sagas: Vec<Tracker>,
    year_end: f64,
    year: u64,
}

impl<'m> Engine<'m> {
    fn push(&mut self, t: f64, kind: Kind) {
        if t.is_finite() {
            self.seq += 1;
            self.heap.push(Reverse(Ev {
                t,
                seq: self.seq,
                kind,
            }));
        }
    }

    fn inst_rate(&self, unit: usize) -> f64 {
        self.m.regions[self.m.units[unit].region].inst_rate / HOURS_PER_YEAR
    }

    fn window_h(&self, s: usize) -> Option<f64> {
        match &self.m.services[s].sem {
            Sem::Replicated { failover_s, .. } => Some(failover_s / 3600.0),
            Sem::Quorum { election_s, .. } => Some(election_s / 3600.0),
            Sem::Stateless { .. } => None,
        }
    }

    fn counts(&self) -> Inst<'_> {
        Inst {
            unit_up: &self.unit_up,
            down: &self.inst_down,
            since: &self.inst_since,
            first: &self.first,
        }
    }

    /// When the region's control-plane impairment ends, if it is impaired: the latest
    /// end of the outages holding it.
    fn hold_end(&self, r: usize) -> Option<f64> {
        let flags = Flags(&self.comp_down, &self.comp_mark);
        let reg = &self.m.regions[r];
        let mut end: Option<f64> = None;
        let mut take = |c: usize| {
            end = Some(end.map_or(self.comp_end[c], |e: f64| e.max(self.comp_end[c])));
        };
        if self.comp_down[reg.cp_comp] {
            take(reg.cp_comp);
        }
        for c in &reg.zone_comps {
            if self.comp_down[*c]
                && self.m.comps[*c].marks[self.comp_mark[*c]].0.launch
                    == super::model::Launch::Blocked
            {
                take(*c);
            }
        }
        debug_assert_eq!(end.is_some(), self.m.held(r, &flags));
        end
    }

    /// An impairment began: every instance of the region that is down now waits for
    /// its end too.
    fn hold_region(&mut self, r: usize) {
        let Some(end) = self.hold_end(r) else {
            return;
        };
        for k in 0..self.region_insts[r].len() {
            let i = self.region_insts[r][k];
            if self.inst_down[i] && !self.inst_hit[i] && self.inst_end[i] < end {
                self.inst_end[i] = end;
                self.push(end, Kind::Inst(i));
            }
        }
    }

    /// An impairment of zone `z` began at `t` and lasts until `end`: each instance of
    /// the zone is out of service until then with the impairment's share, whether it
    /// was up (then it goes down now) or already down (then it stays down).
    fn impair(&mut self, z: usize, t: f64, end: f64) {
        let share = self.m.regions[self.m.zones[z].region].imp_share;
        for k in 0..self.zone_insts[z].len() {
            let i = self.zone_insts[z][k];
            if self.rng.random::<f64>() >= share {
                continue;
            }
            self.inst_hit[i] = true;
            if !self.inst_down[i] {
                self.take_down(i, t, end);
            } else if self.inst_end[i] < end {
                self.inst_end[i] = end;
                self.push(end, Kind::Inst(i));
            }
        }
    }

    /// Instance `i`, up, goes down at `t` until `end`; when it is its unit's first (the
    /// designated primary or leader), the failover or election window starts.
    fn take_down(&mut self, i: usize, t: f64, end: f64) {
        let u = self.inst_unit[i];
        self.inst_down[i] = true;
        self.inst_since[i] = t;
        self.inst_end[i] = end;
        self.inst_fail_at[i] = f64::NAN;
        self.unit_up[u] -= 1;
        self.push(end, Kind::Inst(i));
        if i == self.first[u] {
            if let Some(w) = self.window_h(self.m.units[u].service) {
                self.push(t + w, Kind::Window(u, t));
            }
        }
    }

    /// Recomputes a service's shapes after a component changed.
    fn refresh(&mut self, s: usize, t: f64, arrival: bool) {
        let flags = Flags(&self.comp_down, &self.comp_mark);
        let phases = self.m.phases(s, &flags);
        // The recovery clock runs from the youngest failure still in effect whose
        // arrival changed what serves: a new one that changes it restarts the clock;
        // when one ends, the clock goes back to the youngest of those left.
        let changed = !same_phases(&phases, &self.svc[s].phases);
        let last = if arrival {
            if changed {
                t
            } else {
                self.svc[s].last_arrival
            }
        } else {
            self.clock(s, &phases)
        };
        let st = &mut self.svc[s];
        st.last_arrival = last;
        st.phases = phases;
        for k in 0..self.svc[s].phases.len() - 1 {
            let due = last + self.svc[s].phases[k].1;
            if due > t {
                self.push(due, Kind::Phase(s, last));
            }
        }
        self.update(s, t);
    }

    /// The start of the youngest failure in effect whose arrival changed what serves
    /// the service: with the failures older than it, with it, the phases differ from
    /// without it. `phases` are those with every failure in effect.
    fn clock(&self, s: usize, phases: &[(Shape, f64)]) -> f64 {
        let mut on: Vec<(f64, usize, usize)> = self.m.services[s]
            .relevant
            .iter()
            .filter(|c| self.comp_down[**c])
            .map(|c| (self.comp_start[*c], *c, self.comp_mark[*c]))
            .collect();
        on.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut with: Vec<(Shape, f64)> = phases.to_vec();
        while let Some((start, _, _)) = on.pop() {
            let mut older: Vec<(usize, usize)> = on.iter().map(|x| (x.1, x.2)).collect();
            older.sort_by_key(|x| x.0);
            let without = self.m.phases(s, &older[..]);
            if !same_phases(&with, &without) {
                return start;
            }
            with = without;
        }
        f64::NEG_INFINITY
    }

    /// Re-evaluates a service's own status and propagates it.
    fn update(&mut self, s: usize, t: f64) {
        let st = &self.svc[s];
        // The same sums the phase timers were scheduled at, so a timer sees its
        // phase over.
        let ph = st
            .phases
            .iter()
            .position(|(_, until)| t < st.last_arrival + until)
            .unwrap_or(st.phases.len() - 1);
        let shape = &st.phases[ph].0;
        let new = self.m.status(s, shape, &self.counts(), t);
        let new = self.failover_outcome(s, ph, new);
        let shape = &self.svc[s].phases[ph].0;
        // A failover: the store serves from a member other than the one it served
        // from last, and that one is gone. Going back to a returned primary is not.
        if let (
            St::Up,
            Shape::Replicated {
                primary: Some((p, _)),
                ..
            },
        ) = (new, shape)
        {
            let p = *p;
            if let Some(prev) = self.svc[s].served_by {
                if prev != p
                    && self
                        .m
                        .unit_state(prev, &Flags(&self.comp_down, &self.comp_mark))
                        != UState::Up
                {
                    self.cur_failovers[s] += 1.0;
                }
            }
            self.svc[s].served_by = Some(p);
        }
        self.svc[s].phase = ph;
        if new == self.own[s] {
            return;
        }
        self.own[s] = new;
        for i in 0..self.m.entities_of[s].len() {
            let e = self.m.entities_of[s][i];
            let st = self.entity_status(e);
            if st != self.ent[e] {
                self.charge(e, t);
                if st == St::Down {
                    self.runs[e].episodes += u64::from(self.year >= BURN_IN_YEARS);
                }
                self.ent[e] = st;
            }
        }
        self.observe_sagas(t);
    }

    /// Sagas follow the services' statuses (down: the service or a hard dependency).
    fn observe_sagas(&mut self, t: f64) {
        let ent = &self.ent;
        let counted = self.year >= BURN_IN_YEARS;
        for (tr, sg) in self.sagas.iter_mut().zip(&self.m.sagas) {
            tr.observe(sg, t, &|s| ent[s] == St::Down, counted);
        }
    }

    /// A store that is up only thanks to a failover is down if that failover failed
    /// (probability `fail_p`, drawn once per attempt): it waits for its primary.
    fn failover_outcome(&mut self, s: usize, ph: usize, st: St) -> St {
        let Sem::Replicated { order, fail_p, .. } = &self.m.services[s].sem else {
            return st;
        };
        let (first, fail_p) = (order[0], *fail_p);
        let Shape::Replicated {
            primary: Some((p, _)),
            ..
        } = &self.svc[s].phases[ph].0
        else {
            return st;
        };
        let p = *p;
        if st != St::Up || fail_p <= 0.0 {
            return st;
        }
        // Promoted after the failure that set the clock.
        if p != first {
            let key = self.svc[s].last_arrival;
            let failed = match self.svc[s].promotion {
                Some((k, f)) if k == key => f,
                _ => {
                    let f = self.rng.random::<f64>() < fail_p;
                    self.svc[s].promotion = Some((key, f));
                    f
                }
            };
            if failed {
                return St::Down;
            }
        }
        // Up with the primary's own instance down: past the window, a replica took
        // over.
        if let Some(since) = self.counts().first_down_since(p) {
            let failed = match self.svc[s].takeover {
                Some((k, f)) if k == since => f,
                _ => {
                    let f = self.rng.random::<f64>() < fail_p;
                    self.svc[s].takeover = Some((since, f));
                    f
                }
            };
            if failed {
                return St::Down;
            }
        }
        st
    }

    fn entity_status(&self, e: usize) -> St {
        let en = &self.m.entities[e];
        if en.up.iter().all(|x| self.own[*x] == St::Up) {
            St::Up
        } else if en.ge.iter().all(|x| self.own[*x] >= St::Degraded) {
            St::Degraded
        } else {
            St::Down
        }
    }

    fn charge(&mut self, e: usize, t: f64) {
        let dt = t - self.ent_since[e];
        match self.ent[e] {
            St::Down => self.cur_down[e] += dt,
            St::Degraded => self.cur_deg[e] += dt,
            St::Up => {}
        }
        self.ent_since[e] = t;
    }

    fn close_year(&mut self) {
        let t = self.year_end;
        for e in 0..self.ent.len() {
            self.charge(e, t);
            if self.year >= BURN_IN_YEARS {
                let r = &mut self.runs[e];
                let d = self.cur_down[e];
                r.years += 1;
                r.down_sum += d;
                r.down_sq += d * d;
                if d > 0.0 {
                    r.down_nonzero.push(d);
                }
                r.degraded_sum += self.cur_deg[e];
                r.degraded_sq += self.cur_deg[e] * self.cur_deg[e];
                if e < self.cur_failovers.len() {
                    let f = self.cur_failovers[e];
                    r.failovers_sum += f;
                    r.failovers_sq += f * f;
                }
            }
            self.cur_down[e] = 0.0;
            self.cur_deg[e] = 0.0;
        }
        for f in &mut self.cur_failovers {
            *f = 0.0;
        }
        let counted = self.year >= BURN_IN_YEARS;
        for (tr, sg) in self.sagas.iter_mut().zip(&self.m.sagas) {
            tr.close_year(sg, t, counted);
        }
        self.year += 1;
        self.year_end += HOURS_PER_YEAR;
    }

    fn handle(&mut self, ev: Ev) {
        let t = ev.t;
        match ev.kind {
            Kind::Comp(c) => {
                let comp = &self.m.comps[c];
                let rate = comp.rate / HOURS_PER_YEAR;
                if self.comp_down[c] {
                    self.comp_down[c] = false;
                    let next = t + exponential(&mut self.rng, rate);
                    self.push(next, Kind::Comp(c));
                    for i in 0..self.m.relevant_inv[c].len() {
                        let s = self.m.relevant_inv[c][i];
                        self.refresh(s, t, false);
                    }
                } else {
                    let x = comp.dur.sample(&mut self.rng, &self.normal);
                    if x <= 0.0 {
                        // Replaced within the notice: no loss.
                        let next = t + exponential(&mut self.rng, rate);
                        self.push(next, Kind::Comp(c));
                        return;
                    }
                    // What this outage brings with it.
                    let marks = &self.m.comps[c].marks;
                    let mut mark = 0;
                    if marks.len() > 1 {
                        let mut u: f64 = self.rng.random::<f64>();
                        mark = marks.len() - 1;
                        for (i, (_, w)) in marks.iter().enumerate() {
                            if u < *w {
                                mark = i;
                                break;
                            }
                            u -= w;
                        }
                    }
                    self.comp_down[c] = true;
                    self.comp_mark[c] = mark;
                    self.comp_start[c] = t;
                    self.comp_end[c] = t + x;
                    self.push(t + x, Kind::Comp(c));
                    let comp = &self.m.comps[c];
                    let holds = comp.holds.or_else(|| {
                        comp.zone
                            .filter(|_| comp.marks[mark].0.launch == super::model::Launch::Blocked)
                            .map(|z| self.m.zones[z].region)
                    });
                    if let Some(r) = holds {
                        self.hold_region(r);
                    }
                    if let Some(z) = self.m.comps[c].impairs {
                        self.impair(z, t, t + x);
                    }
                    for i in 0..self.m.relevant_inv[c].len() {
                        let s = self.m.relevant_inv[c][i];
                        self.refresh(s, t, true);
                    }
                }
            }
            Kind::Inst(i) => {
                let u = self.inst_unit[i];
                let s = self.m.units[u].service;
                if self.inst_down[i] && t < self.inst_end[i] {
                    // Superseded: the instance was held past this end.
                    return;
                }
                if !self.inst_down[i] && t != self.inst_fail_at[i] {
                    // Stale: an impairment took the instance after this was drawn.
                    return;
                }
                if self.inst_down[i] {
                    self.inst_down[i] = false;
                    self.inst_hit[i] = false;
                    self.unit_up[u] += 1;
                    let rate = self.inst_rate(u);
                    let next = t + exponential(&mut self.rng, rate);
                    self.inst_fail_at[i] = next;
                    self.push(next, Kind::Inst(i));
                } else {
                    let ri = self.m.units[u].region;
                    let r = &self.m.regions[ri];
                    let d = r.inst_dur.sample(&mut self.rng, &self.normal);
                    let mut end = t + d;
                    // No replacement launches while the control plane is impaired.
                    if let Some(h) = self.hold_end(ri) {
                        end = end.max(h);
                    }
                    self.take_down(i, t, end);
                }
                self.update(s, t);
            }
            Kind::Phase(s, arrival) => {
                if self.svc[s].last_arrival == arrival {
                    self.update(s, t);
                }
            }
            Kind::Window(u, since) => {
                let i = self.first[u];
                if self.inst_down[i] && self.inst_since[i] == since {
                    let s = self.m.units[u].service;
                    self.update(s, t);
                    let st = &self.svc[s];
                    let shape = &st.phases[st.phase].0;
                    if let Shape::Replicated {
                        primary: Some((p, _)),
                        others,
                    } = shape
                    {
                        let others_up = self.unit_up[*p]
                            + others.iter().map(|(o, _)| self.unit_up[*o]).sum::<u32>();
                        if *p == u && others_up > 0 && self.own[s] == St::Up {
                            self.cur_failovers[s] += 1.0;
                        }
                    }
                }
            }
        }
    }
}

/// The same phases up to which instances wait on an impaired control plane.
fn same_phases(a: &[(Shape, f64)], b: &[(Shape, f64)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.1 == y.1 && x.0.same_structure(&y.0))
}

/// Runs `years` simulated years (after the burn-in) and returns per-entity results.
/// `progress` is told the years done so far and the total.
pub(crate) fn run(
    m: &Model,
    years: u64,
    seed: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Vec<EntityRun> {
    let ne = m.entities.len();
    let ns = m.services.len();
    let mut inst_unit = Vec::with_capacity(m.instances);
    let mut first = Vec::with_capacity(m.units.len());
    for (u, un) in m.units.iter().enumerate() {
        first.push(un.first_instance);
        for _ in 0..un.count {
            inst_unit.push(u);
        }
    }
    let none: Vec<bool> = vec![false; m.comps.len()];
    let plain: Vec<usize> = vec![0; m.comps.len()];
    let flags = Flags(&none, &plain);
    let svc: Vec<SvcState> = (0..ns)
        .map(|s| {
            let phases = m.phases(s, &flags);
            let served_by = match &phases[phases.len() - 1].0 {
                Shape::Replicated { primary, .. } => primary.map(|p| p.0),
                _ => None,
            };
            SvcState {
                last_arrival: f64::NEG_INFINITY,
                phase: phases.len() - 1,
                phases,
                served_by,
                promotion: None,
                takeover: None,
            }
        })
        .collect();
    let Ok(normal) = Normal::new(0.0, 1.0) else {
        return vec![EntityRun::default(); ne];
    };
    let mut eng = Engine {
        m,
        rng: ChaCha8Rng::seed_from_u64(seed),
        normal,
        heap: BinaryHeap::new(),
        seq: 0,
        comp_down: none.clone(),
        comp_mark: plain.clone(),
        comp_start: vec![0.0; m.comps.len()],
        comp_end: vec![0.0; m.comps.len()],
        inst_unit,
        inst_down: vec![false; m.instances],
        inst_since: vec![0.0; m.instances],
        inst_end: vec![0.0; m.instances],
        inst_fail_at: vec![f64::NAN; m.instances],
        inst_hit: vec![false; m.instances],
        zone_insts: {
            let mut v = vec![Vec::new(); m.zones.len()];
            for un in &m.units {
                v[un.zone].extend(un.first_instance..un.first_instance + un.count as usize);
            }
            v
        },
        region_insts: {
            let mut v = vec![Vec::new(); m.regions.len()];
            for un in &m.units {
                v[un.region].extend(un.first_instance..un.first_instance + un.count as usize);
            }
            v
        },
        unit_up: m.units.iter().map(|u| u.count).collect(),
        first,
        svc,
        own: vec![St::Up; ns],
        ent: vec![St::Up; ne],
        ent_since: vec![0.0; ne],
        cur_down: vec![0.0; ne],
        cur_deg: vec![0.0; ne],
        cur_failovers: vec![0.0; ns],
        runs: vec![EntityRun::default(); ne],
        sagas: m.sagas.iter().map(|_| Tracker::new()).collect(),
        year_end: HOURS_PER_YEAR,
        year: 0,
    };
    // Statuses with everything up (a deployment may be short even then).
    for s in 0..ns {
        let last = &eng.svc[s].phases[eng.svc[s].phases.len() - 1].0;
        let st = m.status(s, last, &eng.counts(), 0.0);
        eng.own[s] = st;
    }
    for e in 0..ne {
        eng.ent[e] = eng.entity_status(e);
    }
    eng.observe_sagas(0.0);
    for c in 0..m.comps.len() {
        let t = exponential(&mut eng.rng, m.comps[c].rate / HOURS_PER_YEAR);
        eng.push(t, Kind::Comp(c));
    }
    for i in 0..m.instances {
        let rate = eng.inst_rate(eng.inst_unit[i]);
        let t = exponential(&mut eng.rng, rate);
        eng.inst_fail_at[i] = t;
        eng.push(t, Kind::Inst(i));
    }
    let total = years + BURN_IN_YEARS;
    let horizon = total as f64 * HOURS_PER_YEAR;
    while eng.year < total {
        let next_t = eng.heap.peek().map_or(f64::INFINITY, |Reverse(e)| e.t);
        if next_t >= eng.year_end {
            eng.close_year();
            if eng.year > BURN_IN_YEARS {
                progress(eng.year - BURN_IN_YEARS, years);
            }
            continue;
        }
        if next_t > horizon {
            break;
        }
        if let Some(Reverse(ev)) = eng.heap.pop() {
            eng.handle(ev);
        }
    }
    for (tr, sg) in eng.sagas.iter().zip(&m.sagas) {
        eng.runs[ns + sg.journey].saga = Some(tr.run.clone());
    }
    eng.runs
}
