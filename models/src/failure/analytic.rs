//! The analytic method: enumerate the correlated failure states (sets of components down
//! at once) with their probabilities, up to K simultaneous events, and within each state
//! weigh every service's status over independent instance failures (binomial) and over
//! the time since the state began (recovery windows). Services and journeys are
//! evaluated together on each state, so co-located services fail together.

use std::collections::HashMap;

use super::model::Model;
use super::service::Probs;

/// A service's figures under one projection of a state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Entry {
    pub init: Probs,
    pub rec: Probs,
    /// Recovery delay, hours.
    pub t_h: f64,
    pub differs: bool,
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
}

/// How far to enumerate: deeper until the mass left out is at most `target`, within
/// `max_states` states and `max_k` simultaneous events.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
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

pub(crate) fn entry(m: &Model, s: usize, proj: &[usize]) -> Entry {
    let si = m.shape(s, proj, true);
    let sr = m.shape(s, proj, false);
    let t_h = m.recovery_delay(s, &sr) / 3600.0;
    let differs = si != sr;
    Entry {
        init: m.probs(s, &si),
        rec: if differs {
            m.probs(s, &sr)
        } else {
            m.probs(s, &si)
        },
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

pub(crate) fn run(m: &Model, b: Budget) -> Analytic {
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
    let mut cache: Vec<HashMap<Vec<usize>, Entry>> = vec![HashMap::new(); ns];
    let base: Vec<Entry> = (0..ns).map(|s| entry(m, s, &[])).collect();
    let base_own: Vec<Probs> = base.iter().map(|e| e.rec).collect();
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

    let log_base: f64 = us.iter().map(|u| (-u).ln_1p()).sum();
    let ratio: Vec<f64> = us.iter().map(|u| u / (1.0 - u)).collect();

    let mut own = base_own.clone();
    let mut svc_stamp = vec![0usize; ns];
    let mut ent_stamp = vec![0usize; ne];
    let mut stamp = 0usize;
    let mut states = 0usize;
    let mut multi = 0.0;
    // Touched services: (service, entry, its projection of the state).
    let mut touched: Vec<(usize, Entry, Vec<usize>)> = Vec::new();
    let mut affected: Vec<usize> = Vec::new();
    let mut proj: Vec<usize> = Vec::new();
    // Where each service sits in `touched` (valid when the entry there is that service).
    let mut touched_at = vec![usize::MAX; ns];
    let mut moving: Vec<usize> = Vec::new();

    // Depth-first over combinations in lexicographic order.
    let mut stack: Vec<usize> = Vec::new();
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
                if svc_stamp[*s] == *stamp {
                    continue;
                }
                svc_stamp[*s] = *stamp;
                let rel = &m.services[*s].relevant;
                proj.clear();
                proj.extend(set.iter().copied().filter(|x| rel.binary_search(x).is_ok()));
                let e = *cache[*s]
                    .entry(proj.clone())
                    .or_insert_with(|| entry(m, *s, &proj));
                if e.differs || e.init != base[*s].rec {
                    touched.push((*s, e, proj.clone()));
                }
            }
        }
        if touched.is_empty() {
            return;
        }
        // A service is in its initial shape while the youngest of its relevant failures
        // is younger than its recovery delay. Failures are independent, so their ages
        // are: each is distributed as the age of an outage at a random moment,
        // P(age < t) = E[min(t, D)] / E[D]. For each service or journey, bucket each
        // failure's age at the delays of the services in it that the failure concerns,
        // and sum over the buckets' combinations. Working per entity keeps the
        // combinations to the few delays that matter to it.
        affected.clear();
        for (i, (s, e, _)) in touched.iter().enumerate() {
            touched_at[*s] = i;
            if !e.differs {
                own[*s] = e.rec;
            }
            for en in &m.entities_of[*s] {
                if ent_stamp[*en] != *stamp {
                    ent_stamp[*en] = *stamp;
                    affected.push(*en);
                }
            }
        }
        for ent in &affected {
            let en = &m.entities[*ent];
            // The entity's services that have a recovery window in this state.
            moving.clear();
            for sv in en.up.iter().chain(en.ge.iter()) {
                let i = touched_at[*sv];
                if i < touched.len()
                    && touched[i].0 == *sv
                    && touched[i].1.differs
                    && !moving.contains(&i)
                {
                    moving.push(i);
                }
            }
            let mut clocks: Vec<(usize, Vec<f64>, Vec<f64>)> = Vec::new();
            for c in set {
                let mut b: Vec<f64> = moving
                    .iter()
                    .filter(|i| touched[**i].2.contains(c))
                    .map(|i| touched[*i].1.t_h)
                    .collect();
                if b.is_empty() {
                    continue;
                }
                b.sort_by(f64::total_cmp);
                b.dedup();
                // Probability of each age bucket.
                let dur = &m.comps[*c].dur;
                let mut prev = 0.0;
                let mut pieces = Vec::with_capacity(b.len() + 1);
                for t in &b {
                    let f = dur.window_fraction(*t);
                    pieces.push((f - prev).max(0.0));
                    prev = f;
                }
                pieces.push((1.0 - prev).max(0.0));
                clocks.push((*c, b, pieces));
            }
            // Mixed-radix walk over the bucket combinations.
            let mut idx = vec![0usize; clocks.len()];
            loop {
                let w: f64 = idx.iter().zip(&clocks).map(|(i, cl)| cl.2[*i]).product();
                if w > 0.0 {
                    for i in &moving {
                        let (sv, e, pj) = &touched[*i];
                        let initial = clocks.iter().zip(&idx).any(|((c, b, _), k)| {
                            // Age below this bucket's upper end, which is ≤ t_h.
                            *k < b.len() && b[*k] <= e.t_h && pj.contains(c)
                        });
                        own[*sv] = if initial { e.init } else { e.rec };
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
                    if idx[k] < clocks[k].2.len() {
                        break;
                    }
                    idx[k] = 0;
                    k += 1;
                }
                if k == idx.len() {
                    break;
                }
            }
        }
        for (s, _, _) in &touched {
            own[*s] = base_own[*s];
        }
    };
    // Iterative enumeration of all subsets of size ≤ k.
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
    }
}
