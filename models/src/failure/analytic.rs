//! The analytic method: enumerate the failure states (sets of processes down at once)
//! with their probabilities, up to K simultaneous events, and within each state weigh
//! every service's status over what each outage brought with it (its mark: followers,
//! launch impairment), over independent instance failures (binomial), and over the
//! time since each outage began (recovery windows, and how long failed instances have
//! been waiting on an impaired control plane). Services and journeys are evaluated
//! together on each state, so co-located services fail together.

use std::collections::HashMap;

use super::model::{Launch, Model};
use super::service::{Ages, Probs, Shape};

/// A service's shapes and figures under one projection of a state (with marks).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub init: Shape,
    pub rec: Shape,
    /// Probabilities with held instances averaged over the impairment.
    pub init_p: Probs,
    pub rec_p: Probs,
    /// Recovery delay, hours.
    pub t_h: f64,
    pub differs: bool,
    pub init_holds: bool,
    pub rec_holds: bool,
    /// Per component of the projection (in order): whether it shapes the service —
    /// without it the shapes differ in what serves — so that its age decides the
    /// recovery window.
    pub matters: Vec<bool>,
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

pub(crate) fn entry(m: &Model, s: usize, proj: &[(usize, usize)]) -> Entry {
    let si = m.shape(s, proj, true);
    let sr = m.shape(s, proj, false);
    let t_h = m.recovery_delay(s, &sr) / 3600.0;
    let differs = si != sr;
    let init_p = m.probs(s, &si, &Ages::NONE);
    let rec_p = if differs {
        m.probs(s, &sr, &Ages::NONE)
    } else {
        init_p
    };
    let matters = (0..proj.len())
        .map(|i| {
            if !differs {
                return false;
            }
            let rest: Vec<(usize, usize)> = proj
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, x)| *x)
                .collect();
            !(m.shape(s, &rest[..], true).same_structure(&si)
                && m.shape(s, &rest[..], false).same_structure(&sr))
        })
        .collect();
    Entry {
        matters,
        init_holds: Model::holds(&si),
        rec_holds: Model::holds(&sr),
        init: si,
        rec: sr,
        init_p,
        rec_p,
        t_h,
        differs,
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

/// A projection's key, whether the shape is the initial one, and the held regions'
/// ages: what a service's probabilities at fixed impairment ages depend on.
type AgedKey = (Vec<u32>, bool, Vec<u64>);

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
    let mut cache: Vec<HashMap<Vec<u32>, Entry>> = vec![HashMap::new(); ns];
    let mut aged: Vec<HashMap<AgedKey, Probs>> = vec![HashMap::new(); ns];
    let base_own: Vec<Probs> = (0..ns).map(|s| entry(m, s, &[]).rec_p).collect();
    let base_notup: Vec<f64> = m
        .entities
        .iter()
        .map(|e| eff(&e.up, &base_own, false))
        .collect();
    let base_down: Vec<f64> = m
        .entities
        .iter()
        .map(|e| eff(&e.ge, &base_own, true))
        .collect();
    let mut d_notup = vec![0.0; ne];
    let mut d_down = vec![0.0; ne];
    let mut d_down_multi = vec![0.0; ne];
    let mut left_out = vec![0.0; ne];

    let log_base: f64 = us.iter().map(|u| (-u).ln_1p()).sum();
    let ratio: Vec<f64> = us.iter().map(|u| u / (1.0 - u)).collect();
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

    let mut own = base_own.clone();
    let mut svc_stamp = vec![0usize; ns];
    let mut ent_stamp = vec![0usize; ne];
    let mut stamp = 0usize;
    let mut states = 0usize;
    let mut multi = 0.0;
    let mut touched: Vec<usize> = Vec::new();
    let mut affected: Vec<usize> = Vec::new();
    let mut svcs: Vec<usize> = Vec::new();
    let mut in_svcs = vec![false; ns];
    let mut key: Vec<u32> = Vec::new();
    let mut proj: Vec<(usize, usize)> = Vec::new();
    let mut ages: Vec<(usize, f64)> = Vec::new();
    let mut age_key: Vec<u64> = Vec::new();

    let mut visit = |set: &[usize], stamp: &mut usize| {
        states += 1;
        let p = (log_base + set.iter().map(|c| ratio[*c].ln()).sum::<f64>()).exp();
        if set.len() >= 2 {
            multi += p;
        }
        if set.is_empty() || p == 0.0 {
            return;
        }
        *stamp += 1;
        touched.clear();
        for c in set {
            for s in &m.relevant_inv[*c] {
                if svc_stamp[*s] != *stamp {
                    svc_stamp[*s] = *stamp;
                    touched.push(*s);
                }
            }
        }
        if touched.is_empty() {
            return;
        }
        affected.clear();
        for s in &touched {
            for en in &m.entities_of[*s] {
                if ent_stamp[*en] != *stamp {
                    ent_stamp[*en] = *stamp;
                    affected.push(*en);
                }
            }
        }
        for ent in &affected {
            let en = &m.entities[*ent];
            svcs.clear();
            for sv in en.up.iter().chain(en.ge.iter()) {
                if svc_stamp[*sv] == *stamp && !in_svcs[*sv] {
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
            for c in set {
                let concerned: Vec<usize> = svcs
                    .iter()
                    .copied()
                    .filter(|s| m.services[*s].relevant.binary_search(c).is_ok())
                    .collect();
                if concerned.is_empty() {
                    continue;
                }
                let mut bounds: Vec<f64> = concerned
                    .iter()
                    .flat_map(|s| m.delays[*s].iter().copied())
                    .collect();
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
                let comp = &m.comps[*c];
                let mut opts: Vec<Opt> = Vec::new();
                let several = comp.marks.iter().filter(|x| x.1 > 0.0).count() > 1;
                let only_plain = several && marked;
                marked |= several;
                for (mi, (mark, pm)) in comp.marks.iter().enumerate() {
                    if *pm <= 0.0 || (only_plain && mi > 0) {
                        continue;
                    }
                    if only_plain {
                        kept *= pm;
                    }
                    let holding =
                        needs_age && (comp.holds.is_some() || mark.launch == Launch::Blocked);
                    // Held instances: more pieces, at multiples of the median, so the
                    // two moment-matched ages of each piece follow the instances'
                    // saturating down probability through a heavy-tailed age.
                    let own_bounds;
                    let bounds_here = if holding {
                        let med = comp.dur.median;
                        let mut b: Vec<f64> = bounds.clone();
                        b.extend((-3..=7).map(|k| med * 2f64.powi(k)));
                        b.sort_by(f64::total_cmp);
                        b.dedup();
                        own_bounds = b;
                        &own_bounds
                    } else {
                        &bounds
                    };
                    let mut lo = 0.0;
                    let mut prev = 0.0;
                    for hi in bounds_here {
                        if holding {
                            let (mass, nodes) = comp.dur.age_nodes(lo, *hi);
                            if mass > 0.0 {
                                for a in nodes {
                                    opts.push(Opt {
                                        w: pm * mass / 2.0,
                                        mark: mi,
                                        hi: *hi,
                                        age: Some(a),
                                    });
                                }
                            }
                        } else {
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
                        lo = *hi;
                    }
                }
                clocks.push((*c, opts));
            }
            if kept < 1.0 {
                let lost = p * (1.0 - kept);
                left_out[*ent] += lost;
                d_notup[*ent] += lost * (1.0 - base_notup[*ent]);
                d_down[*ent] += lost * (1.0 - base_down[*ent]);
                if set.len() >= 2 {
                    d_down_multi[*ent] += lost * (1.0 - base_down[*ent]);
                }
            }
            if clocks.iter().any(|(_, o)| o.is_empty()) {
                continue;
            }
            // Mixed-radix walk over the combinations.
            let mut idx = vec![0usize; clocks.len()];
            loop {
                let w: f64 = idx.iter().zip(&clocks).map(|(i, cl)| cl.1[*i].w).product();
                if w > 0.0 {
                    for sv in &svcs {
                        let rel = &m.services[*sv].relevant;
                        proj.clear();
                        key.clear();
                        for ((c, opts), i) in clocks.iter().zip(&idx) {
                            if rel.binary_search(c).is_ok() {
                                let o = opts[*i];
                                proj.push((*c, o.mark));
                                key.push(*c as u32);
                                key.push(o.mark as u32);
                            }
                        }
                        if !cache[*sv].contains_key(&key[..]) {
                            let e = entry(m, *sv, &proj);
                            cache[*sv].insert(key.clone(), e);
                        }
                        let Some(e) = cache[*sv].get(&key[..]) else {
                            continue;
                        };
                        // In the initial shape while some outage that concerns it is
                        // younger than its recovery delay.
                        let initial = e.differs
                            && clocks
                                .iter()
                                .zip(&idx)
                                .filter(|((c, _), _)| rel.binary_search(c).is_ok())
                                .zip(&e.matters)
                                .any(|(((_, opts), i), mt)| *mt && at_most(opts[*i].hi, e.t_h));
                        let holds = if initial { e.init_holds } else { e.rec_holds };
                        own[*sv] = if !holds {
                            if initial {
                                e.init_p
                            } else {
                                e.rec_p
                            }
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
                            age_key.clear();
                            for (r, a) in &ages {
                                age_key.push(*r as u64);
                                age_key.push(a.to_bits());
                            }
                            let ck = (key.clone(), initial, age_key.clone());
                            match aged[*sv].get(&ck) {
                                Some(pr) => *pr,
                                None => {
                                    let shape = if initial { &e.init } else { &e.rec };
                                    let pr = m.probs(*sv, shape, &Ages(&ages));
                                    aged[*sv].insert(ck, pr);
                                    pr
                                }
                            }
                        };
                    }
                    d_notup[*ent] += p * w * (eff(&en.up, &own, false) - base_notup[*ent]);
                    let dd = p * w * (eff(&en.ge, &own, true) - base_down[*ent]);
                    d_down[*ent] += dd;
                    if set.len() >= 2 {
                        d_down_multi[*ent] += dd;
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
            for sv in &svcs {
                own[*sv] = base_own[*sv];
            }
        }
    };
    // Iterative enumeration of all subsets of size ≤ k.
    let mut stack: Vec<usize> = Vec::new();
    visit(&[], &mut stamp);
    if k > 0 && n > 0 {
        stack.push(0);
        while let Some(&last) = stack.last() {
            if last >= n {
                stack.pop();
                if let Some(x) = stack.last_mut() {
                    *x += 1;
                }
                continue;
            }
            visit(&stack, &mut stamp);
            if stack.len() < k {
                stack.push(last + 1);
            } else if let Some(x) = stack.last_mut() {
                *x += 1;
            }
        }
    }

    let eps = error_bound;
    let notup = (0..ne)
        .map(|e| (eps + base_notup[e] * (1.0 - eps) + d_notup[e]).clamp(0.0, 1.0))
        .collect();
    let down = (0..ne)
        .map(|e| (eps + base_down[e] * (1.0 - eps) + d_down[e]).clamp(0.0, 1.0))
        .collect();
    Analytic {
        k,
        states,
        error_bound,
        multi_event_mass: multi + error_bound,
        notup,
        down,
        down_multi: d_down_multi,
        marks_left_out: left_out,
    }
}
