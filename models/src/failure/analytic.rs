//! The analytic method: enumerate the failure states (sets of processes down at once)
//! with their probabilities, up to K simultaneous events, and within each state weigh
//! every service's status over what each outage brought with it (its mark: followers,
//! launch impairment), over independent instance failures (binomial), and over the
//! time since each outage began (recovery windows, and how long failed instances have
//! been waiting on an impaired control plane). Services and journeys are evaluated
//! together on each state, so co-located services fail together.

use rustc_hash::FxHashMap as FastMap;

use super::model::{Entity, Launch, Model};
use super::service::{Ages, Fleets, Probs, Shape};

/// One phase of a service after the youngest failure that shapes it.
#[derive(Debug, Clone)]
pub(crate) struct Phase {
    pub shape: Shape,
    /// Probabilities with held instances averaged over the impairment.
    pub p: Probs,
    /// Whether instances of the shape wait on an impaired control plane, so the
    /// impairment's age matters.
    pub holds: bool,
    /// Age of the failure (hours) until which the phase lasts.
    pub until: f64,
    /// Fingerprint of the shape: held probabilities depend on nothing else.
    pub key: u128,
}

/// A service's phases and figures under one projection of a state (with marks).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub phases: Vec<Phase>,
}

impl Entry {
    /// The same phases, up to which instances wait on an impaired control plane.
    pub(crate) fn same_structure(&self, o: &Entry) -> bool {
        self.phases.len() == o.phases.len()
            && self
                .phases
                .iter()
                .zip(&o.phases)
                .all(|(a, b)| a.until == b.until && a.shape.same_structure(&b.shape))
    }

    /// The same phases exactly.
    fn same(&self, o: &Entry) -> bool {
        self.phases.len() == o.phases.len()
            && self
                .phases
                .iter()
                .zip(&o.phases)
                .all(|(a, b)| a.until == b.until && a.shape == b.shape)
    }

    /// The phase the service is in when the failure that set its clock is in the age
    /// piece ending at `hi` hours.
    pub(crate) fn phase_at(&self, hi: f64) -> usize {
        self.phases
            .iter()
            .position(|p| at_most(hi, p.until))
            .unwrap_or(self.phases.len() - 1)
    }

    pub(crate) fn last(&self) -> &Phase {
        &self.phases[self.phases.len() - 1]
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Analytic {
    /// Most simultaneous events enumerated.
    pub k: usize,
    pub states: usize,
    /// Probability of the states left out (more than K events at once).
    pub error_bound: f64,
    /// Probability of the states with two or more events (coincident failures), plus
    /// the states left out.
    pub multi_event_mass: f64,
    /// Per entity: probability of not being up, and of being down. Left-out states
    /// count as down, so `1 − notup` is a lower bound on availability.
    pub notup: Vec<f64>,
    pub down: Vec<f64>,
    /// The part of `down` that comes from states with two or more simultaneous events.
    pub down_multi: Vec<f64>,
    /// Per entity: probability left out beyond `error_bound` and counted as down: in
    /// states where two or more zone outages concern it, only the first is weighed
    /// over everything it can bring with it, the others over their plain outage.
    pub marks_left_out: Vec<f64>,
    /// Per saga (`Model::sagas`): the probability that a request strands, over the
    /// enumerated states (left-out states and left-out marks count as not stranding,
    /// so it is a lower bound by at most their mass).
    pub stranded: Vec<f64>,
}

/// How deep to enumerate: deeper until the mass left out is at most `target`, within
/// `max_states` states and `max_k` simultaneous events.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Depth {
    pub target: f64,
    pub max_states: usize,
    pub max_k: usize,
}

fn choose(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// P(N = k) for k = 0..=top, and P(N > top) in the last slot, where N counts the
/// components down: a Poisson-binomial computed exactly by dynamic programming.
fn count_pmf(us: &[f64], top: usize) -> Vec<f64> {
    let mut dp = vec![0.0; top + 2];
    dp[0] = 1.0;
    for u in us {
        for k in (0..dp.len()).rev() {
            let stay = dp[k] * (1.0 - u);
            let from = if k > 0 { dp[k - 1] * u } else { 0.0 };
            // The last slot absorbs every count above `top`.
            dp[k] = if k == top + 1 {
                dp[k] + from
            } else {
                stay + from
            };
        }
    }
    dp
}

/// Figures per service and key that every worker of a walk shares: each is a pure
/// function of its key, so whichever worker computes it first, all read the same
/// value, and none computes what another already has. Each worker keeps its own copy
/// of what it has read, so a repeated read takes no lock.
struct Memo(Vec<std::sync::Mutex<FastMap<u128, Probs>>>);

impl Memo {
    fn new(services: usize) -> Memo {
        Memo((0..services).map(|_| Default::default()).collect())
    }

    fn get(
        &self,
        s: usize,
        key: u128,
        local: &mut FastMap<u128, Probs>,
        compute: impl FnOnce() -> Probs,
    ) -> Probs {
        if let Some(p) = local.get(&key) {
            return *p;
        }
        let lock = || {
            self.0[s]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let found = lock().get(&key).copied();
        let p = found.unwrap_or_else(|| {
            let p = compute();
            lock().insert(key, p);
            p
        });
        local.insert(key, p);
        p
    }
}

/// Service `s`'s phases under one projection of a state. `plain` holds the service's
/// figures per shape fingerprint with no held instance aged: many projections give the
/// same shapes (a failure elsewhere in the region changes nothing here), and the
/// figures depend on the shape alone.
fn entry(
    m: &Model,
    s: usize,
    proj: &[(usize, usize)],
    plain: &mut FastMap<u128, Probs>,
    shared: &Memo,
    fleets: &Fleets,
) -> Entry {
    let mut words = Vec::new();
    Entry {
        phases: m
            .phases(s, proj)
            .into_iter()
            .map(|(shape, until)| {
                words.clear();
                shape.words(&mut words);
                let key = fp(words.iter().copied());
                let p = shared.get(s, key, plain, || m.probs(s, &shape, &Ages::NONE, fleets));
                Phase {
                    p,
                    holds: Model::holds(&shape),
                    key,
                    shape,
                    until,
                }
            })
            .collect(),
    }
}

/// What the walk adds to the figures with nothing down, per entity (and per saga).
struct Sums {
    notup: Vec<f64>,
    down: Vec<f64>,
    down_multi: Vec<f64>,
    left_out: Vec<f64>,
    strand: Vec<f64>,
}

impl Sums {
    /// Two workers' sums: each entity was walked by one of them, the other holds 0.
    fn merged(mut self, o: &Sums) -> Sums {
        let add = |a: &mut Vec<f64>, b: &[f64]| {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        };
        add(&mut self.notup, &o.notup);
        add(&mut self.down, &o.down);
        add(&mut self.down_multi, &o.down_multi);
        add(&mut self.left_out, &o.left_out);
        add(&mut self.strand, &o.strand);
        self
    }
}

fn eff(ids: &[usize], own: &[Probs], down: bool) -> f64 {
    let mut l = 0.0;
    for s in ids {
        let x = if down { own[*s].down } else { own[*s].notup };
        l += (-x).ln_1p();
    }
    -l.exp_m1()
}

/// One way a component's outage can be, for one entity: its mark, the piece of its
/// age between the entity's recovery delays (upper end `hi`, hours), and, where
/// held instances make the age matter, one of two moment-matched ages in the piece.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Opt {
    w: f64,
    mark: usize,
    hi: f64,
    age: Option<f64>,
}

/// Per service of an entity's state: each clock's options mapped to the classes the
/// service's figures depend on, the strides of the flat index over those classes,
/// and the figures per cell (ln P(up), ln P(not down); NaN until first computed).
type Table = (Vec<Vec<u32>>, Vec<usize>, Vec<(f64, f64)>);

/// One piece of a held outage's age: its upper end (hours), its mass, and the Gauss
/// rule over it as (share of the mass, age).
type AgePiece = (f64, f64, Vec<(f64, f64)>);

/// Gauss nodes per piece of a held outage's age (`Dur::age_rule`).
const AGE_NODES: usize = 3;

/// A 128-bit fingerprint of a key of small words, the map key in place of the words
/// themselves: two independent multiplicative streams, so that equal fingerprints of
/// different keys (about n²/2¹²⁹ for n keys) never happen in practice, and a lookup
/// compares one integer instead of walking a vector.
fn fp<I: IntoIterator<Item = u64>>(words: I) -> u128 {
    let (mut a, mut b) = (0x243f_6a88_85a3_08d3_u64, 0x1319_8a2e_0370_7344_u64);
    let mut n = 0u64;
    for w in words {
        a = (a.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        b = (b.rotate_left(23) ^ w ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        n += 1;
    }
    // Finalise so that short keys spread over the whole width.
    a ^= a >> 29;
    b = (b ^ n).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    b ^= b >> 31;
    (u128::from(a) << 64) | u128::from(b)
}

/// Whether `b` is at most `t` up to rounding (delays are sums of the same seconds).
fn at_most(b: f64, t: f64) -> bool {
    b <= t + 1e-9 * t.abs().max(1e-9)
}

pub(crate) fn run(m: &Model, b: Depth) -> Analytic {
    let n = m.comps.len();
    let us: Vec<f64> = m
        .comps
        .iter()
        .map(|c| c.u.clamp(0.0, 1.0 - 1e-12))
        .collect();
    let top = b.max_k.max(1);
    let pmf = count_pmf(&us, top);
    let tail = |k: usize| -> f64 { pmf[k + 1..].iter().sum::<f64>().max(0.0) };
    let mut k = 1;
    while k < top && tail(k) > b.target {
        let states: f64 = (0..=k + 1).map(|i| choose(n, i)).sum();
        if states > b.max_states as f64 {
            break;
        }
        k += 1;
    }
    let k = k.min(n.max(1));
    let error_bound = tail(k);

    let ns = m.services.len();
    let ne = m.entities.len();
    // Each saga is evaluated as one more entity over the services that decide it (all
    // must be not down for nothing to strand), on the same states as the journeys.
    let ents: Vec<Entity> = m
        .entities
        .iter()
        .cloned()
        .chain(m.sagas.iter().map(|sg| Entity {
            up: Vec::new(),
            ge: sg.involved.clone(),
        }))
        .collect();
    let nall = ents.len();
    let shared_plain = Memo::new(ns);
    let shared_aged = Memo::new(ns);
    let fleets = Fleets::new(ns);
    let mut base_plain: Vec<FastMap<u128, Probs>> = vec![FastMap::default(); ns];
    let base_own: Vec<Probs> = (0..ns)
        .map(|s| {
            entry(m, s, &[], &mut base_plain[s], &shared_plain, &fleets)
                .last()
                .p
        })
        .collect();
    let base_notup: Vec<f64> = ents.iter().map(|e| eff(&e.up, &base_own, false)).collect();
    let base_down: Vec<f64> = ents.iter().map(|e| eff(&e.ge, &base_own, true)).collect();
    // ln P(own up) and ln P(own not down) per service with nothing down, and their
    // sums per entity: the figures of a state change only the services it touches.
    let base_lup: Vec<f64> = base_own.iter().map(|p| (-p.notup).ln_1p()).collect();
    let base_lge: Vec<f64> = base_own.iter().map(|p| (-p.down).ln_1p()).collect();
    let base_lup_sum: Vec<f64> = ents
        .iter()
        .map(|e| e.up.iter().map(|s| base_lup[*s]).sum())
        .collect();
    let base_lge_sum: Vec<f64> = ents
        .iter()
        .map(|e| e.ge.iter().map(|s| base_lge[*s]).sum())
        .collect();
    let base_strand: Vec<f64> = m
        .sagas
        .iter()
        .map(|sg| sg.strand_probability(&|s| base_lge[s]))
        .collect();

    let log_ratio: Vec<f64> = us.iter().map(|u| (u / (1.0 - u)).ln()).collect();
    // The region a component can hold (its control plane), for control-plane outages
    // and for zone outages that may impair it.
    let can_hold: Vec<Option<usize>> = m
        .comps
        .iter()
        .map(|c| {
            c.holds.or_else(|| {
                c.zone
                    .filter(|_| {
                        c.marks
                            .iter()
                            .any(|(mk, w)| *w > 0.0 && mk.launch == Launch::Blocked)
                    })
                    .map(|z| m.zones[z].region)
            })
        })
        .collect();

    // The entities `next` hands this worker, a run of them at a time, walked with
    // caches of its own: every figure of an entity comes from its own states alone,
    // and the caches hold pure functions of their keys, so the result is the same
    // however entities are split.
    let walk = |next: &dyn Fn() -> Option<Vec<usize>>| -> Sums {
        let mut cache: Vec<FastMap<u128, Entry>> = vec![FastMap::default(); ns];
        let mut aged: Vec<FastMap<u128, Probs>> = vec![FastMap::default(); ns];
        let mut plain = base_plain.clone();
        // Per service: which marks of a clock act alike, per clock and other marks.
        let mut parts: Vec<FastMap<u128, Vec<u32>>> = vec![FastMap::default(); ns];
        // Per service: the phase per projection and ages' pieces.
        let mut phase_of: Vec<FastMap<u128, usize>> = vec![FastMap::default(); ns];
        let mut tabs: Vec<Table> = Vec::new();
        let mut d_notup = vec![0.0; nall];
        let mut d_down = vec![0.0; nall];
        let mut d_down_multi = vec![0.0; nall];
        let mut left_out = vec![0.0; nall];
        let mut d_strand = vec![0.0; m.sagas.len()];
        // ln P(own not down) per service in the combination being walked, for sagas.
        let mut cur_lg = base_lge.clone();
        let mut svcs: Vec<usize> = Vec::new();
        let mut in_svcs = vec![false; ns];
        let mut key: Vec<u32> = Vec::new();
        let mut proj: Vec<(usize, usize)> = Vec::new();
        let mut ages: Vec<(usize, f64)> = Vec::new();
        let mut age_key: Vec<u64> = Vec::new();
        let mut concerned_comps: Vec<usize> = Vec::new();
        let mut his: Vec<f64> = Vec::new();
        let mut order: Vec<f64> = Vec::new();
        let mut sub_proj: Vec<(usize, usize)> = Vec::new();
        let mut sub_key: Vec<u32> = Vec::new();
        let mut rule_key: Vec<u64> = Vec::new();
        let mut rules: FastMap<u128, Vec<AgePiece>> = FastMap::default();

        // One entity under one set of failures concerning it, with the probability that
        // exactly these of its components are down (and at most K in all).
        // Scratch for merging a clock's equivalent options.
        let (mut sigs, mut keep, mut to): (Vec<u128>, Vec<usize>, Vec<usize>) =
            (Vec::new(), Vec::new(), Vec::new());
        let mut visit = |ent: usize, set: &[usize], p: f64| {
            let en = &ents[ent];
            svcs.clear();
            for sv in en.up.iter().chain(en.ge.iter()) {
                if !in_svcs[*sv]
                    && set
                        .iter()
                        .any(|c| m.services[*sv].relevant.binary_search(c).is_ok())
                {
                    in_svcs[*sv] = true;
                    svcs.push(*sv);
                }
            }
            for sv in &svcs {
                in_svcs[*sv] = false;
            }
            // Each component that concerns the entity, with the ways its outage can be.
            // Only the first with more than its plain mark is weighed over all its
            // marks; the rest over their plain one, the other marks' mass left out.
            let mut clocks: Vec<(usize, Vec<Opt>)> = Vec::new();
            let mut marked = false;
            let mut kept = 1.0;
            concerned_comps.clear();
            for c in set {
                if svcs
                    .iter()
                    .any(|s| m.services[*s].relevant.binary_search(c).is_ok())
                {
                    concerned_comps.push(*c);
                }
            }
            // The marks each component is weighed over, before merging: (mark, weight).
            let mut cand: Vec<Vec<(usize, f64)>> = Vec::with_capacity(concerned_comps.len());
            for c in &concerned_comps {
                let comp = &m.comps[*c];
                let several = comp.marks.iter().filter(|x| x.1 > 0.0).count() > 1;
                let only_plain = several && marked;
                marked |= several;
                if only_plain {
                    kept *= comp.marks[0].1;
                    cand.push(vec![(0, comp.marks[0].1)]);
                } else {
                    cand.push(
                        comp.marks
                            .iter()
                            .enumerate()
                            .filter(|(_, x)| x.1 > 0.0)
                            .map(|(i, x)| (i, x.1))
                            .collect(),
                    );
                }
            }
            // Each component's first mark, the one the others are seen at while a
            // clock's marks are merged.
            let first_marks: Vec<usize> =
                cand.iter().map(|x| x.first().map_or(0, |x| x.0)).collect();
            for (ci, c) in concerned_comps.iter().enumerate() {
                let concerned: Vec<usize> = svcs
                    .iter()
                    .copied()
                    .filter(|s| m.services[*s].relevant.binary_search(c).is_ok())
                    .collect();
                let comp = &m.comps[*c];
                // A zone impairment changes no service's structure (its instances
                // stay where they are, each out with a share), so it never sets a
                // service's clock and its age is never needed: one piece.
                let mut bounds: Vec<f64> = if comp.impairs.is_some() {
                    Vec::new()
                } else {
                    concerned
                        .iter()
                        .flat_map(|s| m.delays[*s].iter().copied())
                        .collect()
                };
                bounds.sort_by(f64::total_cmp);
                bounds.dedup();
                bounds.push(f64::INFINITY);
                // The age matters to held instances of services with units there.
                let needs_age = can_hold[*c].is_some_and(|r| {
                    let cp = m.regions[r].cp_comp;
                    concerned
                        .iter()
                        .any(|s| m.services[*s].relevant.binary_search(&cp).is_ok())
                });
                let holding_mark = |mi: usize| {
                    needs_age
                        && (comp.holds.is_some() || comp.marks[mi].0.launch == Launch::Blocked)
                };
                // Marks that do the same to every concerned service (the other
                // components at their first mark) are weighed once, with their weights
                // summed: most followers land in zones the entity does not use.
                let marks: Vec<(usize, f64)> = if cand[ci].len() > 1 {
                    // Per concerned service, which of the clock's marks give it the
                    // same phases: a pure function of the clock and the marks of the
                    // others it sees, kept per service across states.
                    let mut sig: Vec<Vec<u32>> =
                        vec![Vec::with_capacity(concerned.len()); cand[ci].len()];
                    for s in &concerned {
                        let rel = &m.services[*s].relevant;
                        key.clear();
                        key.push(*c as u32);
                        for (cj, x) in concerned_comps.iter().enumerate() {
                            if cj != ci && rel.binary_search(x).is_ok() {
                                key.push(*x as u32);
                                key.push(first_marks[cj] as u32);
                            }
                        }
                        let pk = fp(key.iter().map(|x| u64::from(*x)));
                        let ids = parts[*s].entry(pk).or_insert_with(|| {
                            // The entry key of each class's first mark.
                            let mut reps: Vec<u128> = Vec::new();
                            let mut ids: Vec<u32> = Vec::with_capacity(cand[ci].len());
                            for (mi, _) in &cand[ci] {
                                proj.clear();
                                key.clear();
                                for (cj, x) in concerned_comps.iter().enumerate() {
                                    if rel.binary_search(x).is_ok() {
                                        let mk = if cj == ci { *mi } else { first_marks[cj] };
                                        proj.push((*x, mk));
                                        key.push(*x as u32);
                                        key.push(mk as u32);
                                    }
                                }
                                let kf = fp(key.iter().map(|x| u64::from(*x)));
                                cache[*s].entry(kf).or_insert_with(|| {
                                    entry(m, *s, &proj, &mut plain[*s], &shared_plain, &fleets)
                                });
                                let class = reps.iter().position(|r| {
                                    match (cache[*s].get(r), cache[*s].get(&kf)) {
                                        (Some(x), Some(y)) => x.same(y),
                                        _ => false,
                                    }
                                });
                                ids.push(match class {
                                    Some(k) => k as u32,
                                    None => {
                                        reps.push(kf);
                                        (reps.len() - 1) as u32
                                    }
                                });
                            }
                            ids
                        });
                        for (i, id) in ids.iter().enumerate() {
                            sig[i].push(*id);
                        }
                    }
                    // Marks that do the same to every concerned service are merged.
                    let mut merged: Vec<(usize, f64)> = Vec::new();
                    let mut effects: Vec<(usize, bool)> = Vec::new();
                    for (i, (mi, pm)) in cand[ci].iter().enumerate() {
                        let h = holding_mark(*mi);
                        match effects
                            .iter()
                            .position(|(k, hk)| *hk == h && sig[*k] == sig[i])
                        {
                            Some(k) => merged[k].1 += pm,
                            None => {
                                effects.push((i, h));
                                merged.push((*mi, *pm));
                            }
                        }
                    }
                    merged
                } else {
                    cand[ci].clone()
                };
                let mut opts: Vec<Opt> = Vec::new();
                for (mi, pm) in marks {
                    if holding_mark(mi) {
                        // Held instances: each piece of the age between recovery delays
                        // is integrated by a Gauss rule in the instances' saturating
                        // failure count (`Dur::age_rule`).
                        let r = can_hold[*c].unwrap_or(0);
                        let lam = m.regions[r].inst_lambda_h();
                        rule_key.clear();
                        rule_key.push(*c as u64);
                        rule_key.extend(bounds.iter().map(|b| b.to_bits()));
                        let rk = fp(rule_key.iter().copied());
                        let pieces = rules.entry(rk).or_insert_with(|| {
                            let mut lo = 0.0;
                            let mut pieces = Vec::new();
                            for hi in &bounds {
                                // A piece far shorter than the outage (a recovery delay
                                // of seconds or minutes) holds a sliver of its mass over
                                // which held instances' figures are linear: one node.
                                let n = if *hi <= comp.dur.median / 8.0 {
                                    1
                                } else {
                                    AGE_NODES
                                };
                                let (mass, nodes) = comp.dur.age_rule(lo, *hi, lam, n);
                                pieces.push((*hi, mass, nodes));
                                lo = *hi;
                            }
                            pieces
                        });
                        {
                            for (hi, mass, nodes) in pieces.iter() {
                                for (share, a) in nodes {
                                    if *mass * share > 0.0 {
                                        opts.push(Opt {
                                            w: pm * mass * share,
                                            mark: mi,
                                            hi: *hi,
                                            age: Some(*a),
                                        });
                                    }
                                }
                            }
                        }
                    } else {
                        let mut prev = 0.0;
                        for hi in &bounds {
                            let f = if hi.is_infinite() {
                                1.0
                            } else {
                                comp.dur.window_fraction(*hi)
                            };
                            let mass = (f - prev).max(0.0);
                            prev = f;
                            if mass > 0.0 {
                                opts.push(Opt {
                                    w: pm * mass,
                                    mark: mi,
                                    hi: *hi,
                                    age: None,
                                });
                            }
                        }
                    }
                }
                clocks.push((*c, opts));
            }
            if kept < 1.0 {
                let lost = p * (1.0 - kept);
                left_out[ent] += lost;
                d_notup[ent] += lost * (1.0 - base_notup[ent]);
                d_down[ent] += lost * (1.0 - base_down[ent]);
                if set.len() >= 2 {
                    d_down_multi[ent] += lost * (1.0 - base_down[ent]);
                }
                if ent >= ne {
                    d_strand[ent - ne] -= lost * base_strand[ent - ne];
                }
            }
            if clocks.iter().any(|(_, o)| o.is_empty()) {
                return;
            }
            // Each service's figure depends on few of the options: the mark, which of
            // its own recovery delays the age has passed, and the age itself only
            // where its instances are held. Per service, options are mapped to those
            // classes and its figures tabulated by them, so each combination of the
            // walk below costs a lookup per service.
            tabs.clear();
            for sv in &svcs {
                let rel = &m.services[*sv].relevant;
                let sb = &m.delays[*sv];
                let mut ids: Vec<Vec<u32>> = Vec::with_capacity(clocks.len());
                let mut stride: Vec<usize> = Vec::with_capacity(clocks.len());
                let mut size = 1usize;
                for (c, opts) in &clocks {
                    if rel.binary_search(c).is_err() {
                        ids.push(vec![0; opts.len()]);
                        stride.push(0);
                        continue;
                    }
                    let age_rel = can_hold[*c]
                        .is_some_and(|r| rel.binary_search(&m.regions[r].cp_comp).is_ok());
                    let mut classes: Vec<(usize, usize, u64, u64)> = Vec::new();
                    let of: Vec<u32> = opts
                        .iter()
                        .map(|o| {
                            let piece = sb
                                .iter()
                                .position(|b| at_most(o.hi, *b))
                                .unwrap_or(sb.len());
                            let (ab, hb) = match (age_rel, o.age) {
                                (true, Some(a)) => (a.to_bits(), o.hi.to_bits()),
                                _ => (u64::MAX, u64::MAX),
                            };
                            let k = (o.mark, piece, ab, hb);
                            match classes.iter().position(|x| *x == k) {
                                Some(i) => i as u32,
                                None => {
                                    classes.push(k);
                                    (classes.len() - 1) as u32
                                }
                            }
                        })
                        .collect();
                    stride.push(size);
                    size = size.saturating_mul(classes.len().max(1));
                    ids.push(of);
                }
                // Untabulated past a size no state of a real deployment reaches.
                let table = if size <= 1 << 14 {
                    vec![(f64::NAN, f64::NAN); size]
                } else {
                    Vec::new()
                };
                tabs.push((ids, stride, table));
            }
            // Options of a clock that fall in the same class for every service of the
            // entity give every service the same figures: they are walked once, with
            // their weights summed (the ages of held instances matter only to the
            // services whose control plane the clock can impair).
            for (ci, (_, opts)) in clocks.iter_mut().enumerate() {
                if opts.len() < 2 {
                    continue;
                }
                sigs.clear();
                keep.clear();
                to.clear();
                for i in 0..opts.len() {
                    let sig = fp(tabs.iter().map(|t| u64::from(t.0[ci][i])));
                    match sigs.iter().position(|x| *x == sig) {
                        Some(k) => to.push(k),
                        None => {
                            sigs.push(sig);
                            keep.push(i);
                            to.push(keep.len() - 1);
                        }
                    }
                }
                if keep.len() == opts.len() {
                    continue;
                }
                let mut merged: Vec<Opt> =
                    keep.iter().map(|i| Opt { w: 0.0, ..opts[*i] }).collect();
                for (i, o) in opts.iter().enumerate() {
                    merged[to[i]].w += o.w;
                }
                *opts = merged;
                for t in tabs.iter_mut() {
                    t.0[ci] = keep.iter().map(|i| t.0[ci][*i]).collect();
                }
            }
            let up_of: Vec<bool> = svcs
                .iter()
                .map(|s| en.up.binary_search(s).is_ok())
                .collect();
            let ge_of: Vec<bool> = svcs
                .iter()
                .map(|s| en.ge.binary_search(s).is_ok())
                .collect();
            // Mixed-radix walk over the combinations.
            let mut idx = vec![0usize; clocks.len()];
            loop {
                let w: f64 = idx.iter().zip(&clocks).map(|(i, cl)| cl.1[*i].w).product();
                if w > 0.0 {
                    let mut sum_up = base_lup_sum[ent];
                    let mut sum_ge = base_lge_sum[ent];
                    for (k_sv, sv) in svcs.iter().enumerate() {
                        let (ids, stride, table) = &tabs[k_sv];
                        let flat: usize = ids
                            .iter()
                            .zip(stride)
                            .zip(&idx)
                            .map(|((of, st), i)| of[*i] as usize * st)
                            .sum();
                        let known = table.get(flat).filter(|v| !v.0.is_nan()).copied();
                        let (lu, lg) = match known {
                            Some(v) => v,
                            None => {
                                let rel = &m.services[*sv].relevant;
                                proj.clear();
                                key.clear();
                                his.clear();
                                for ((c, opts), i) in clocks.iter().zip(&idx) {
                                    if rel.binary_search(c).is_ok() {
                                        let o = opts[*i];
                                        proj.push((*c, o.mark));
                                        key.push(*c as u32);
                                        key.push(o.mark as u32);
                                        his.push(o.hi);
                                    }
                                }
                                let kf = fp(key.iter().map(|x| u64::from(*x)));
                                let e = cache[*sv].entry(kf).or_insert_with(|| {
                                    entry(m, *sv, &proj, &mut plain[*sv], &shared_plain, &fleets)
                                });
                                let n_ph = e.phases.len();
                                // The phase follows the age of the youngest failure whose arrival
                                // changed what serves (the failures older than it, with it, make
                                // a different service than without it); failures that came on
                                // top without changing anything do not restart the clock.
                                let mut ph = n_ph - 1;
                                // The search below sees the ages' pieces only through the
                                // phase each distinct piece end falls in and, per failure,
                                // how many of those ends its own piece lies past: with the
                                // projection, they key its result, kept per service (held
                                // instances' ages add options that share it).
                                let phk = (n_ph > 1).then(|| {
                                    order.clear();
                                    order.extend(his.iter().copied());
                                    order.sort_by(f64::total_cmp);
                                    order.dedup_by(|a, b| at_most(*a, *b) && at_most(*b, *a));
                                    let past = |hi: f64| {
                                        order.iter().filter(|h| !at_most(hi, **h)).count()
                                    };
                                    fp([kf as u64, (kf >> 64) as u64, order.len() as u64]
                                        .into_iter()
                                        .chain(order.iter().map(|h| e.phase_at(*h) as u64))
                                        .chain(his.iter().map(|hi| past(*hi) as u64)))
                                });
                                if let Some(k) = phk.and_then(|k| phase_of[*sv].get(&k).copied()) {
                                    ph = k;
                                } else if let Some(phk) = phk {
                                    for h in &order {
                                        let at = cache[*sv]
                                            .get(&kf)
                                            .map_or(n_ph - 1, |e| e.phase_at(*h));
                                        if at == n_ph - 1 {
                                            break;
                                        }
                                        sub_proj.clear();
                                        sub_key.clear();
                                        for (x, hi) in proj.iter().zip(&his) {
                                            if !at_most(*hi, *h) {
                                                sub_proj.push(*x);
                                                sub_key.push(x.0 as u32);
                                                sub_key.push(x.1 as u32);
                                            }
                                        }
                                        let sf = fp(sub_key.iter().map(|x| u64::from(*x)));
                                        cache[*sv].entry(sf).or_insert_with(|| {
                                            entry(
                                                m,
                                                *sv,
                                                &sub_proj,
                                                &mut plain[*sv],
                                                &shared_plain,
                                                &fleets,
                                            )
                                        });
                                        let changed =
                                            match (cache[*sv].get(&kf), cache[*sv].get(&sf)) {
                                                (Some(full), Some(older)) => {
                                                    !full.same_structure(older)
                                                }
                                                _ => true,
                                            };
                                        if changed {
                                            ph = at;
                                            break;
                                        }
                                    }
                                    phase_of[*sv].insert(phk, ph);
                                }
                                let Some(e) = cache[*sv].get(&kf) else {
                                    continue;
                                };
                                let phase = &e.phases[ph];
                                let pr = if !phase.holds {
                                    phase.p
                                } else {
                                    // Each held region's impairment is as old as the oldest
                                    // outage holding it.
                                    ages.clear();
                                    for ((c, opts), i) in clocks.iter().zip(&idx) {
                                        let o = opts[*i];
                                        let (Some(r), Some(a)) = (can_hold[*c], o.age) else {
                                            continue;
                                        };
                                        let comp = &m.comps[*c];
                                        if comp.holds.is_none()
                                            && comp.marks[o.mark].0.launch != Launch::Blocked
                                        {
                                            continue;
                                        }
                                        match ages.iter_mut().find(|x| x.0 == r) {
                                            Some(x) => x.1 = x.1.max(a),
                                            None => ages.push((r, a)),
                                        }
                                    }
                                    ages.sort_by_key(|x| x.0);
                                    // The shape and the held regions' ages.
                                    age_key.clear();
                                    age_key.push(phase.key as u64);
                                    age_key.push((phase.key >> 64) as u64);
                                    for (r, a) in &ages {
                                        age_key.push(*r as u64);
                                        age_key.push(a.to_bits());
                                    }
                                    let af = fp(age_key.iter().copied());
                                    shared_aged.get(*sv, af, &mut aged[*sv], || {
                                        m.probs(*sv, &phase.shape, &Ages(&ages), &fleets)
                                    })
                                };
                                let v = ((-pr.notup).ln_1p(), (-pr.down).ln_1p());
                                if let Some(slot) = tabs[k_sv].2.get_mut(flat) {
                                    *slot = v;
                                }
                                v
                            }
                        };
                        if up_of[k_sv] {
                            sum_up += lu - base_lup[*sv];
                        }
                        if ent >= ne {
                            cur_lg[*sv] = lg;
                        }
                        if ge_of[k_sv] {
                            sum_ge += lg - base_lge[*sv];
                        }
                    }
                    d_notup[ent] += p * w * (-sum_up.exp_m1() - base_notup[ent]);
                    let dd = p * w * (-sum_ge.exp_m1() - base_down[ent]);
                    d_down[ent] += dd;
                    if set.len() >= 2 {
                        d_down_multi[ent] += dd;
                    }
                    if ent >= ne {
                        let sg = &m.sagas[ent - ne];
                        let f = sg.strand_probability(&|s| cur_lg[s]);
                        d_strand[ent - ne] += p * w * (f - base_strand[ent - ne]);
                        for sv in &svcs {
                            cur_lg[*sv] = base_lge[*sv];
                        }
                    }
                }
                let mut k = 0;
                while k < idx.len() {
                    idx[k] += 1;
                    if idx[k] < clocks[k].1.len() {
                        break;
                    }
                    idx[k] = 0;
                    k += 1;
                }
                if k == idx.len() {
                    break;
                }
            }
        };
        // Entity by entity, the failure sets among the components that concern it: the
        // rest only matter through how many of them are down (the enumeration stops at K
        // in all), so a state S counts once per entity as S ∩ its components, weighted by
        // the chance that at most K − |S ∩ R| others are down. The same sum as over every
        // state, without visiting states that differ only in what the entity ignores.
        let mut rel_set: Vec<usize> = Vec::new();
        let mut outside: Vec<f64> = Vec::new();
        let mut pick: Vec<usize> = Vec::new();
        let mut set: Vec<usize> = Vec::new();
        for ent in std::iter::from_fn(next).flatten() {
            let en = &ents[ent];
            rel_set.clear();
            for sv in en.up.iter().chain(en.ge.iter()) {
                rel_set.extend(m.services[*sv].relevant.iter().copied());
            }
            rel_set.sort_unstable();
            rel_set.dedup();
            if rel_set.is_empty() {
                continue;
            }
            outside.clear();
            let mut j = 0;
            for (c, u) in us.iter().enumerate() {
                if j < rel_set.len() && rel_set[j] == c {
                    j += 1;
                } else {
                    outside.push(*u);
                }
            }
            let out_pmf = count_pmf(&outside, k);
            let out_cdf: Vec<f64> = out_pmf[..=k]
                .iter()
                .scan(0.0, |acc, x| {
                    *acc += x;
                    Some(*acc)
                })
                .collect();
            let log_in: f64 = rel_set.iter().map(|c| (-us[*c]).ln_1p()).sum();
            let r = rel_set.len();
            pick.clear();
            pick.push(0);
            while let Some(&last) = pick.last() {
                if last >= r {
                    pick.pop();
                    if let Some(x) = pick.last_mut() {
                        *x += 1;
                    }
                    continue;
                }
                set.clear();
                set.extend(pick.iter().map(|i| rel_set[*i]));
                let p = (log_in + set.iter().map(|c| log_ratio[*c]).sum::<f64>()).exp()
                    * out_cdf[k - set.len()];
                if p > 0.0 {
                    visit(ent, &set, p);
                }
                if pick.len() < k {
                    pick.push(last + 1);
                } else if let Some(x) = pick.last_mut() {
                    *x += 1;
                }
            }
        }
        Sums {
            notup: d_notup,
            down: d_down,
            down_multi: d_down_multi,
            left_out,
            strand: d_strand,
        }
    };
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(nall);
    // Entities in the order of the first service they involve (a journey next to its
    // first service), handed out in short runs to whichever worker is free: a run
    // mostly shares its services' entries, and free workers keep every core busy
    // however unequal the entities are.
    let shares: Vec<usize> = (0..workers.max(1)).collect();
    let mut order: Vec<(usize, usize)> = ents
        .iter()
        .enumerate()
        .map(|(e, en)| (en.up.iter().chain(&en.ge).copied().min().unwrap_or(e), e))
        .collect();
    order.sort_unstable();
    let order: Vec<usize> = order.into_iter().map(|x| x.1).collect();
    let run_len = (order.len() / (shares.len() * 8)).max(1);
    let taken = std::sync::atomic::AtomicUsize::new(0);
    let next = || {
        let at = taken.fetch_add(run_len, std::sync::atomic::Ordering::Relaxed);
        order
            .get(at..(at + run_len).min(order.len()))
            .map(<[usize]>::to_vec)
    };
    let sums = crate::parallel::map(&shares, |_| walk(&next))
        .into_iter()
        .reduce(|total, part| total.merged(&part))
        .expect("at least one share");
    let Sums {
        notup: d_notup,
        down: d_down,
        down_multi: mut d_down_multi,
        mut left_out,
        strand: d_strand,
    } = sums;
    let states: usize = (0..=k).map(|i| choose(n, i).round() as usize).sum();
    let multi = (1.0 - pmf[0] - pmf.get(1).copied().unwrap_or(0.0)).max(0.0);

    let eps = error_bound;
    let notup = (0..ne)
        .map(|e| (eps + base_notup[e] * (1.0 - eps) + d_notup[e]).clamp(0.0, 1.0))
        .collect();
    let down = (0..ne)
        .map(|e| (eps + base_down[e] * (1.0 - eps) + d_down[e]).clamp(0.0, 1.0))
        .collect();
    d_down_multi.truncate(ne);
    left_out.truncate(ne);
    let stranded = base_strand
        .iter()
        .zip(&d_strand)
        .map(|(b, d)| (b * (1.0 - eps) + d).clamp(0.0, 1.0))
        .collect();
    Analytic {
        k,
        states,
        error_bound,
        multi_event_mass: multi,
        notup,
        down,
        down_multi: d_down_multi,
        marks_left_out: left_out,
        stranded,
    }
}
