//! Turns the two methods' raw output into the assessment: the scenario matrix (every
//! single failure evaluated deterministically, over the recovery timeline), RTO and RPO
//! per disruption class, expected writes lost, SLO checks and the simulation's
//! intervals.

use std::collections::BTreeMap;

use statrs::distribution::{Binomial, DiscreteCDF};

use crate::deployment::Words;
use crate::topology::{Disruption, Slo, Topology};

use super::analytic::{self, Analytic, Depth};
use super::dist::{self, MINUTES_PER_YEAR};
use super::model::{Class, Model, Sem};
use super::service::{capacity_status, AllUp, Shape, St};
use super::simulate::{self, EntityRun, BURN_IN_YEARS};
use super::{
    nines, AnalyticInfo, Assessment, Assumptions, Cell, ComponentParam, Deployment, Estimate,
    Figures, Impact, InstanceParam, Method, Options, Parameters, RecoveryTime, RpoCheck, RtoCheck,
    ScenarioRow, SimFigures, SimulationInfo, SloCheck, StrandedCheck, ASSESSMENT_FORMAT_VERSION,
};

/// One entity under one single failure.
#[derive(Debug, Clone)]
struct Eval {
    status: St,
    after: St,
    recovery: RecoveryTime,
    outage: RecoveryTime,
    cap_left: Option<f64>,
    cap_after: Option<f64>,
    data_lost_s: f64,
    diverges: bool,
    latency: Option<f64>,
    /// Own status without scaling up (stateless: before recovery; stores: after
    /// failover or election), for `survive`.
    survives: bool,
    /// The other services it cannot run without that are down right after the failure.
    waits_on: Vec<usize>,
}

fn repair(hours: f64) -> RecoveryTime {
    RecoveryTime {
        impact: Impact::Repair,
        seconds: hours * 3600.0,
    }
}

fn recovers(seconds: f64) -> RecoveryTime {
    if seconds <= 0.0 {
        RecoveryTime::NONE
    } else {
        RecoveryTime {
            impact: Impact::Recovers,
            seconds,
        }
    }
}

/// Evaluates every service and journey under one component's failure, all instances up.
fn eval_scenario(m: &Model, c: usize) -> Vec<Eval> {
    let set = [c];
    let ns = m.services.len();
    let all = AllUp(m);
    let mut si = Vec::with_capacity(ns);
    let mut sr = Vec::with_capacity(ns);
    let mut phases = Vec::with_capacity(ns);
    for s in 0..ns {
        si.push(m.shape(s, &set[..], true));
        sr.push(m.shape(s, &set[..], false));
        let ph: Vec<(St, f64)> = m
            .phases(s, &set[..])
            .iter()
            .map(|(shape, until)| (m.status(s, shape, &all, 0.0), *until))
            .collect();
        phases.push(ph);
    }
    let st_i: Vec<St> = (0..ns).map(|s| m.status(s, &si[s], &all, 0.0)).collect();
    let st_r: Vec<St> = (0..ns).map(|s| m.status(s, &sr[s], &all, 0.0)).collect();
    let mut bps: Vec<f64> = phases
        .iter()
        .flat_map(|ph| ph[..ph.len() - 1].iter().map(|x| x.1))
        .filter(|x| *x > 0.0)
        .collect();
    bps.sort_by(f64::total_cmp);
    bps.dedup();
    let mut los = vec![0.0];
    los.extend(bps.iter().copied());
    // Status of each entity in each interval of the recovery timeline.
    let mut seqs: Vec<Vec<St>> = vec![Vec::with_capacity(los.len()); m.entities.len()];
    let mut first_own: Vec<St> = Vec::new();
    for lo in &los {
        let own: Vec<St> = (0..ns)
            .map(|s| {
                let ph = &phases[s];
                ph.iter()
                    .find(|(_, until)| *lo < *until)
                    .map_or(ph[ph.len() - 1].0, |x| x.0)
            })
            .collect();
        if first_own.is_empty() {
            first_own.clone_from(&own);
        }
        for (e, en) in m.entities.iter().enumerate() {
            let up = en.up.iter().all(|x| own[*x] == St::Up);
            let ge = en.ge.iter().all(|x| own[*x] >= St::Degraded);
            seqs[e].push(if up {
                St::Up
            } else if ge {
                St::Degraded
            } else {
                St::Down
            });
        }
    }
    // What each entity waits on right after the failure: the services it cannot run
    // without (other than itself) that are down then.
    let waits_on = |e: usize| -> Vec<usize> {
        m.entities[e]
            .ge
            .iter()
            .copied()
            .filter(|x| *x != e && first_own.get(*x) == Some(&St::Down))
            .collect()
    };
    let comp = &m.comps[c];
    let mean_h = comp.dur.mean();
    let until = |seq: &[St], ok: &dyn Fn(St) -> bool| -> RecoveryTime {
        let Some(last) = seq.last() else {
            return RecoveryTime::NONE;
        };
        if !ok(*last) {
            return repair(mean_h);
        }
        let mut i = seq.len();
        while i > 0 && ok(seq[i - 1]) {
            i -= 1;
        }
        if i == 0 {
            RecoveryTime::NONE
        } else {
            recovers(los[i] * 3600.0)
        }
    };
    let partition = match comp.scenario {
        crate::scenario::Scenario::RegionPartition { ref a, ref b } => {
            let ia = m.regions.iter().position(|r| &r.name == a);
            let ib = m.regions.iter().position(|r| &r.name == b);
            ia.zip(ib)
        }
        _ => None,
    };
    let mut svc_evals: Vec<Eval> = Vec::with_capacity(ns);
    for s in 0..ns {
        let seq = &seqs[s];
        let (data_lost_s, diverges) = match (&m.services[s].sem, &si[s], &sr[s]) {
            (
                Sem::Replicated { lag_s, .. },
                Shape::Replicated { primary: None, .. },
                Shape::Replicated {
                    primary: Some(_), ..
                },
            ) => (*lag_s, false),
            (Sem::Replicated { .. }, _, Shape::Replicated { primary, others }) => {
                let div = partition.is_some_and(|(ra, rb)| {
                    let regions: Vec<usize> = primary
                        .iter()
                        .chain(others.iter())
                        .map(|(u, _)| m.units[*u].region)
                        .collect();
                    regions.contains(&ra) && regions.contains(&rb)
                });
                (0.0, div)
            }
            _ => (0.0, false),
        };
        let survives = match m.services[s].sem {
            Sem::Stateless { .. } => st_i[s] >= St::Degraded,
            _ => st_r[s] >= St::Degraded,
        };
        svc_evals.push(Eval {
            status: seq[0],
            after: *seq.last().unwrap_or(&St::Down),
            recovery: until(seq, &|x| x == St::Up),
            outage: until(seq, &|x| x != St::Down),
            cap_left: Some(m.capacity_share(s, &si[s])),
            cap_after: Some(m.capacity_share(s, &sr[s])),
            data_lost_s,
            diverges,
            latency: match &sr[s] {
                Shape::Quorum { latency, .. } => *latency,
                _ => None,
            },
            survives,
            waits_on: waits_on(s),
        });
    }
    let mut out = svc_evals.clone();
    for j in 0..m.journeys.len() {
        let e = ns + j;
        let seq = &seqs[e];
        let en = &m.entities[e];
        out.push(Eval {
            status: seq[0],
            after: *seq.last().unwrap_or(&St::Down),
            recovery: until(seq, &|x| x == St::Up),
            outage: until(seq, &|x| x != St::Down),
            cap_left: None,
            cap_after: None,
            // A journey loses the data of what it cannot run without: its steps and
            // their hard dependencies. A soft dependency's lost writes are its own.
            data_lost_s: en
                .ge
                .iter()
                .map(|s| svc_evals[*s].data_lost_s)
                .fold(0.0, f64::max),
            diverges: en.ge.iter().any(|s| svc_evals[*s].diverges),
            latency: None,
            survives: true,
            waits_on: waits_on(e),
        });
    }
    out
}

/// What losing one instance does to a service (the worst instance to lose), and the
/// writes it can lose.
fn instance_class(m: &Model, s: usize) -> (RecoveryTime, RecoveryTime, f64, bool) {
    let none: [usize; 0] = [];
    let shape = m.shape(s, &none[..], false);
    let svc = &m.services[s];
    match (&svc.sem, &shape) {
        (
            Sem::Stateless {
                demand_v,
                demand_m,
                floor,
                ..
            },
            Shape::Stateless { units, full, .. },
        ) => {
            if *full {
                return (RecoveryTime::NONE, RecoveryTime::NONE, 0.0, true);
            }
            let (v, mm) = units.iter().fold((0.0, 0.0), |(v, mm), (u, _)| {
                let un = &m.units[*u];
                (
                    v + f64::from(un.count) * un.vcpu,
                    mm + f64::from(un.count) * un.mem,
                )
            });
            let mut rec = RecoveryTime::NONE;
            let mut out = RecoveryTime::NONE;
            let mut survives = true;
            for (u, _) in units {
                let un = &m.units[*u];
                let st = capacity_status(v - un.vcpu, mm - un.mem, *demand_v, *demand_m, *floor);
                let fix = repair(m.regions[un.region].inst_dur.mean());
                if st != St::Up {
                    rec = rec.worse(fix);
                }
                if st == St::Down {
                    out = out.worse(fix);
                    survives = false;
                }
            }
            (rec, out, 0.0, survives)
        }
        (
            Sem::Replicated {
                failover_s, lag_s, ..
            },
            Shape::Replicated { primary, others },
        ) => {
            let Some((p, _)) = primary else {
                return (repair(0.0), repair(0.0), 0.0, false);
            };
            let spare =
                m.units[*p].count - 1 + others.iter().map(|(u, _)| m.units[*u].count).sum::<u32>();
            if spare > 0 {
                let r = recovers(*failover_s);
                (r, r, *lag_s, true)
            } else {
                let r = repair(m.regions[m.units[*p].region].inst_dur.mean());
                (r, r, 0.0, false)
            }
        }
        (
            Sem::Quorum {
                maj, election_s, ..
            },
            Shape::Quorum { cells, .. },
        ) => {
            let total: u32 = cells.iter().map(|(u, _)| m.units[*u].count).sum();
            if total > *maj {
                let r = recovers(*election_s);
                (r, r, 0.0, true)
            } else {
                let region = cells.first().map_or(0, |(u, _)| m.units[*u].region);
                let r = repair(m.regions[region].inst_dur.mean());
                (r, r, 0.0, false)
            }
        }
        _ => (RecoveryTime::NONE, RecoveryTime::NONE, 0.0, true),
    }
}

/// Expected failovers per year of an asynchronously replicated store: failures that
/// take its primary away and outlast the failover time, when a member can take over
/// and the failover does not fail.
/// Each outage is weighed over what it brings with it (a zone outage that takes the
/// primary's zone as its follower is a failover too).
fn failovers_per_year(m: &Model, s: usize) -> f64 {
    let Sem::Replicated {
        failover_s, fail_p, ..
    } = &m.services[s].sem
    else {
        return 0.0;
    };
    let fo_h = failover_s / 3600.0;
    let mut rate = 0.0;
    for c in &m.services[s].relevant {
        let comp = &m.comps[*c];
        for (k, (_, w)) in comp.marks.iter().enumerate() {
            let set = [(*c, k)];
            let si = m.shape(s, &set[..], true);
            let sr = m.shape(s, &set[..], false);
            if let (
                Shape::Replicated { primary: None, .. },
                Shape::Replicated {
                    primary: Some(_), ..
                },
            ) = (&si, &sr)
            {
                rate += w
                    * dist::arrivals_per_year(comp.rate, comp.dur.mean())
                    * comp.dur.survival(fo_h);
            }
        }
    }
    let none: [usize; 0] = [];
    if let Shape::Replicated {
        primary: Some((p, _)),
        others,
    } = m.shape(s, &none[..], false)
    {
        let spare =
            m.units[p].count - 1 + others.iter().map(|(u, _)| m.units[*u].count).sum::<u32>();
        if spare > 0 {
            let r = &m.regions[m.units[p].region];
            rate +=
                dist::arrivals_per_year(r.inst_rate, r.inst_dur.mean()) * r.inst_dur.survival(fo_h);
            // An impairment of the primary's zone takes it with the impairment's share.
            if let Some(c) = m.zones[m.units[p].zone].imp_comp {
                let g = &m.comps[c];
                rate += r.imp_share
                    * dist::arrivals_per_year(g.rate, g.dur.mean())
                    * g.dur.survival(fo_h);
            }
        }
    }
    // A failed failover promotes nothing: the store waits for its primary and loses
    // no writes.
    rate * (1.0 - fail_p)
}

fn default_target(t: &Topology) -> f64 {
    let strictest = t
        .services
        .values()
        .map(|s| &s.slo)
        .chain(t.journeys.values().map(|j| &j.slo))
        .filter_map(|s| s.availability)
        .map(|a| 1.0 - a)
        .fold(f64::INFINITY, f64::min);
    if strictest.is_finite() {
        (strictest / 100.0).clamp(1e-10, 1e-6)
    } else {
        1e-8
    }
}

fn estimate(mean: f64, se: f64, z: f64) -> Estimate {
    Estimate {
        value: mean,
        low: (mean - z * se).max(0.0),
        high: mean + z * se,
    }
}

/// Nearest-rank quantile of the annual values, with a distribution-free 95% interval
/// from the binomial distribution of order statistics.
fn quantile(run: &EntityRun, p: f64) -> Estimate {
    let n = run.years.max(1);
    let zeros = n - run.down_nonzero.len() as u64;
    let mut nz = run.down_nonzero.clone();
    nz.sort_by(f64::total_cmp);
    let at = |rank: u64| -> f64 {
        // 1-based rank into zeros followed by the sorted nonzero years, in minutes.
        let r = rank.clamp(1, n);
        if r <= zeros {
            0.0
        } else {
            nz[(r - zeros - 1) as usize] * 60.0
        }
    };
    let rank = ((p * n as f64).ceil() as u64).max(1);
    let (lo, hi) = match Binomial::new(p, n) {
        Ok(b) => (b.inverse_cdf(0.025), b.inverse_cdf(0.975) + 1),
        Err(_) => (rank, rank),
    };
    Estimate {
        value: at(rank),
        low: at(lo.max(1)),
        high: at(hi),
    }
}

fn sim_figures(m: &Model, e: usize, run: &EntityRun, an: &Analytic) -> SimFigures {
    let analytic_down = an.down[e];
    let y = run.years.max(1) as f64;
    // Standard error of a mean of annual values from their sum and sum of squares.
    let se = |sum: f64, sq: f64| -> f64 {
        if y > 1.0 {
            let mean = sum / y;
            (((sq / y - mean * mean) * y / (y - 1.0)).max(0.0) / y).sqrt()
        } else {
            0.0
        }
    };
    let mean_h = run.down_sum / y;
    let se_h = se(run.down_sum, run.down_sq);
    let down = estimate(mean_h * 60.0, se_h * 60.0, 1.96);
    let analytic_min = analytic_down * MINUTES_PER_YEAR;
    // Coincident failures (two or more at once) occur a few times in 10⁴–10⁵ years;
    // a simulation shorter than that rarely sees them, so their share of the analytic
    // figure widens the interval, as does the truncation bound.
    let slack =
        (an.error_bound + an.marks_left_out[e] + an.down_multi[e].abs()) * MINUTES_PER_YEAR + 1e-9;
    let agrees = (analytic_min - mean_h * 60.0).abs() <= 2.576 * se_h * 60.0 + slack;
    let writes = if e < m.services.len() {
        match &m.services[e].sem {
            Sem::Replicated {
                lag_s, gb_per_s, ..
            } => {
                let per = lag_s * gb_per_s;
                let fm = run.failovers_sum / y;
                Some(estimate(
                    fm * per,
                    se(run.failovers_sum, run.failovers_sq) * per,
                    1.96,
                ))
            }
            _ => None,
        }
    } else {
        None
    };
    SimFigures {
        // Down and degraded time both count, as in the analytic figure.
        availability: 1.0 - (mean_h + run.degraded_sum / y) / dist::HOURS_PER_YEAR,
        downtime_minutes_per_year: down,
        degraded_minutes_per_year: estimate(
            run.degraded_sum / y * 60.0,
            se(run.degraded_sum, run.degraded_sq) * 60.0,
            1.96,
        ),
        p50_minutes: quantile(run, 0.50),
        p95_minutes: quantile(run, 0.95),
        p99_minutes: quantile(run, 0.99),
        writes_lost_gb_per_year: writes,
        outages: run.episodes,
        stranded_sagas_per_year: run.saga.as_ref().map(|sr| {
            estimate(
                sr.stranded_sum / y,
                se(sr.stranded_sum, sr.stranded_sq),
                1.96,
            )
        }),
        stranded_mean_hours: run
            .saga
            .as_ref()
            .filter(|sr| sr.resolved > 0.0)
            .map(|sr| sr.inconsistent_hours / sr.resolved),
        agrees_with_analytic: agrees,
    }
}

fn class_of(d: Disruption) -> &'static str {
    d.word()
}

fn slo_check(
    slo: &Slo,
    availability: f64,
    rto: &BTreeMap<String, RecoveryTime>,
    rpo: &BTreeMap<String, f64>,
    survive: &BTreeMap<String, bool>,
    is_service: bool,
    stranded_per_year: Option<f64>,
) -> SloCheck {
    let availability_met = slo.availability.map(|a| availability >= a);
    let mut rto_c = BTreeMap::new();
    for (d, lim) in &slo.rto {
        let k = class_of(*d).to_string();
        let actual = rto.get(&k).copied().unwrap_or(RecoveryTime::NONE);
        let limit = lim.as_secs_f64();
        let met = match actual.impact {
            Impact::None => true,
            Impact::Recovers => actual.seconds <= limit + 1e-9,
            Impact::Repair => false,
        };
        rto_c.insert(
            k,
            RtoCheck {
                limit_seconds: limit,
                actual,
                met,
            },
        );
    }
    let mut rpo_c = BTreeMap::new();
    for (d, lim) in &slo.rpo {
        let k = class_of(*d).to_string();
        let worst = rpo.get(&k).copied().unwrap_or(0.0);
        let limit = lim.as_secs_f64();
        rpo_c.insert(
            k,
            RpoCheck {
                limit_seconds: limit,
                worst_seconds: worst,
                met: worst <= limit + 1e-9,
            },
        );
    }
    let mut surv = BTreeMap::new();
    if is_service {
        for d in &slo.survive {
            let k = class_of(*d).to_string();
            surv.insert(k.clone(), survive.get(&k).copied().unwrap_or(true));
        }
    }
    // Validation lets the bound only on journeys that have the figure.
    let stranded = slo
        .max_stranded_per_year
        .zip(stranded_per_year)
        .map(|(limit, per_year)| StrandedCheck {
            limit_per_year: limit,
            per_year,
            met: per_year <= limit,
        });
    let met = availability_met.unwrap_or(true)
        && stranded.as_ref().is_none_or(|c| c.met)
        && rto_c.values().all(|c| c.met)
        && rpo_c.values().all(|c| c.met)
        && surv.values().all(|x| *x);
    SloCheck {
        availability_target: slo.availability,
        availability_met,
        rto: rto_c,
        rpo: rpo_c,
        survive: surv,
        stranded,
        met,
    }
}

pub(crate) fn assess(
    m: &Model,
    t: &Topology,
    d: &Deployment,
    o: &Options,
    assumptions: Assumptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Assessment {
    let target = o.target_error.unwrap_or_else(|| default_target(t));
    let an: Analytic = analytic::run(
        m,
        Depth {
            target,
            max_states: o.max_states.max(1),
            max_k: 4,
        },
    );
    let runs = o
        .simulate_years
        .filter(|y| *y > 0)
        .map(|y| simulate::run(m, y, o.seed, progress));

    let ns = m.services.len();
    let ne = m.entities.len();
    // Scenario matrix.
    // Every single failure but impairments: an impairment takes a random share of a
    // zone's instances, so it has no one outcome to show; the methods count it.
    let evals: Vec<(usize, Vec<Eval>)> = (0..m.comps.len())
        .filter(|c| m.comps[*c].class != Class::Impairment)
        .map(|c| (c, eval_scenario(m, c)))
        .collect();
    let mut rto: Vec<BTreeMap<String, RecoveryTime>> = vec![BTreeMap::new(); ne];
    let mut rpo: Vec<BTreeMap<String, f64>> = vec![BTreeMap::new(); ne];
    let mut survive: Vec<BTreeMap<String, bool>> = vec![BTreeMap::new(); ne];
    for (c, ev) in &evals {
        let k = m.comps[*c].class.key().to_string();
        for e in 0..ne {
            let r = rto[e].entry(k.clone()).or_insert(RecoveryTime::NONE);
            *r = r.worse(ev[e].outage);
            let p = rpo[e].entry(k.clone()).or_insert(0.0);
            *p = p.max(ev[e].data_lost_s);
            let sv = survive[e].entry(k.clone()).or_insert(true);
            *sv = *sv && ev[e].survives;
        }
    }
    // The instance class.
    let inst: Vec<(RecoveryTime, RecoveryTime, f64, bool)> =
        (0..ns).map(|s| instance_class(m, s)).collect();
    for e in 0..ne {
        let en = &m.entities[e];
        let out = en
            .ge
            .iter()
            .fold(RecoveryTime::NONE, |a, s| a.worse(inst[*s].1));
        let lost = en.ge.iter().map(|s| inst[*s].2).fold(0.0, f64::max);
        rto[e].insert("instance".into(), out);
        rpo[e].insert("instance".into(), lost);
        if e < ns {
            survive[e].insert("instance".into(), inst[e].3);
        }
    }
    // Writes lost.
    let fo: Vec<f64> = (0..ns).map(|s| failovers_per_year(m, s)).collect();
    let writes_gb: Vec<Option<f64>> = (0..ns)
        .map(|s| match &m.services[s].sem {
            Sem::Replicated {
                lag_s, gb_per_s, ..
            } => Some(fo[s] * lag_s * gb_per_s),
            _ => None,
        })
        .collect();
    // Writes at risk of divergence: an asynchronous store that serves on both sides of
    // a partition takes writes on each side for as long as the partition lasts, and
    // those writes conflict when it heals. Per year, over each single partition that
    // splits it: the expected seconds a year it lasts (its long-run share of time down)
    // × the write rate.
    let divergent_gb: Vec<Option<f64>> = (0..ns)
        .map(|s| match &m.services[s].sem {
            Sem::Replicated { gb_per_s, .. } => Some(
                evals
                    .iter()
                    .filter(|(_, ev)| ev[s].diverges)
                    .map(|(c, _)| m.comps[*c].u * dist::HOURS_PER_YEAR * 3600.0 * gb_per_s)
                    .sum(),
            ),
            _ => None,
        })
        .collect();

    let mut services = BTreeMap::new();
    let mut journeys = BTreeMap::new();
    for e in 0..ne {
        let avail = 1.0 - an.notup[e];
        let en = &m.entities[e];
        let is_service = e < ns;
        let stores: Vec<usize> = if is_service { vec![e] } else { en.ge.clone() };
        let w: Vec<f64> = stores.iter().filter_map(|s| writes_gb[*s]).collect();
        let writes = if w.is_empty() {
            None
        } else {
            Some(w.iter().sum())
        };
        let d: Vec<f64> = stores.iter().filter_map(|s| divergent_gb[*s]).collect();
        let divergent = (!d.is_empty()).then(|| d.iter().sum());
        let worst_rpo = if stores
            .iter()
            .any(|s| !matches!(m.services[*s].sem, Sem::Stateless { .. }))
        {
            Some(rpo[e].values().copied().fold(0.0, f64::max))
        } else {
            None
        };
        let slo = if is_service {
            &m.services[e].slo
        } else {
            &m.journeys[e - ns].slo
        };
        let stranded = (!is_service)
            .then(|| m.sagas.iter().position(|sg| sg.journey == e - ns))
            .flatten()
            .map(|i| m.sagas[i].per_year(an.stranded[i]));
        let check = slo_check(
            slo,
            avail,
            &rto[e],
            &rpo[e],
            &survive[e],
            is_service,
            stranded,
        );
        let sim = runs.as_ref().map(|r| sim_figures(m, e, &r[e], &an));
        let latency = if is_service {
            match &m.services[e].sem {
                Sem::Quorum { .. } => {
                    let none: [usize; 0] = [];
                    match m.shape(e, &none[..], false) {
                        Shape::Quorum { latency, .. } => latency,
                        _ => None,
                    }
                }
                _ => None,
            }
        } else {
            None
        };
        let down_min = an.down[e] * MINUTES_PER_YEAR;
        let degraded_min = (an.notup[e] - an.down[e]).max(0.0) * MINUTES_PER_YEAR;
        let f = Figures {
            kind: is_service.then(|| m.services[e].kind.to_string()),
            availability: avail,
            nines: nines(avail),
            downtime_minutes_per_year: down_min,
            degraded_minutes_per_year: degraded_min,
            downtime_minutes_per_month: down_min / 12.0,
            degraded_minutes_per_month: degraded_min / 12.0,
            writes_lost_gb_per_year: writes,
            divergent_writes_gb_per_year: divergent,
            stranded_sagas_per_year: stranded,
            worst_case_rpo_seconds: worst_rpo,
            rto: rto[e].clone(),
            rpo_seconds: if worst_rpo.is_some() {
                rpo[e].clone()
            } else {
                BTreeMap::new()
            },
            commit_latency_ms: latency,
            leader_zone: if is_service {
                match &m.services[e].sem {
                    Sem::Quorum {
                        members, leader, ..
                    } => members
                        .get(*leader)
                        .map(|u| m.zones[m.units[*u].zone].name.clone()),
                    _ => None,
                }
            } else {
                None
            },
            slo: check,
            simulation: sim,
        };
        if is_service {
            services.insert(m.services[e].name.clone(), f);
        } else {
            journeys.insert(m.journeys[e - ns].name.clone(), f);
        }
    }

    let scenarios = evals
        .iter()
        .map(|(c, ev)| {
            let comp = &m.comps[*c];
            let cell = |x: &Eval| Cell {
                status: x.status.word().into(),
                after_recovery: x.after.word().into(),
                recovery: x.recovery,
                outage: x.outage,
                capacity_left: x.cap_left,
                capacity_after: x.cap_after,
                data_lost_seconds: x.data_lost_s,
                diverges: x.diverges,
                commit_latency_ms: x.latency,
                survives: x.survives,
                waits_on: x
                    .waits_on
                    .iter()
                    .map(|s| m.services[*s].name.clone())
                    .collect(),
            };
            ScenarioRow {
                scenario: comp.scenario.clone(),
                label: comp.scenario.to_string(),
                class: comp.class.key().into(),
                rate_per_year: comp.rate,
                mean_hours: comp.dur.mean(),
                services: (0..ns)
                    .map(|s| (m.services[s].name.clone(), cell(&ev[s])))
                    .collect(),
                journeys: (0..m.journeys.len())
                    .map(|j| (m.journeys[j].name.clone(), cell(&ev[ns + j])))
                    .collect(),
            }
        })
        .collect();

    let components = m
        .comps
        .iter()
        .map(|c| ComponentParam {
            label: c.scenario.to_string(),
            class: c.class.key().into(),
            rate_per_year: c.rate,
            median_hours: c.dur.median,
            mean_hours: c.dur.mean_raw,
            notice_hours: (c.class == Class::Spot).then_some(c.dur.shift),
            unavailability: c.u,
            source: c.source.clone(),
        })
        .collect();
    let instances = m
        .regions
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                InstanceParam {
                    rate_per_year: r.inst_rate,
                    median_hours: r.inst_dur.median,
                    mean_hours: r.inst_dur.mean_raw,
                    unavailability: r.q,
                    unavailability_control_plane_down: r.q_cp,
                },
            )
        })
        .collect();
    let mut notes = m.notes.clone();
    if an.error_bound > target {
        notes.push(format!(
            "the analytic method stopped at {} simultaneous events to stay within {} states; its truncation error bound {:.2e} is above the target {:.2e}",
            an.k, o.max_states, an.error_bound, target
        ));
    }
    notes.sort();
    notes.dedup();
    Assessment {
        format_version: ASSESSMENT_FORMAT_VERSION,
        system: m.system.clone(),
        deployment: d.source.clone(),
        method: Method {
            analytic: AnalyticInfo {
                components: m.comps.len(),
                max_simultaneous_events: an.k,
                states: an.states,
                truncation_error_bound: an.error_bound
                    + an.marks_left_out.iter().copied().fold(0.0, f64::max),
                target_error: target,
                multi_event_mass: an.multi_event_mass,
            },
            simulation: runs.as_ref().map(|_| SimulationInfo {
                years: o.simulate_years.unwrap_or(0),
                seed: o.seed,
                burn_in_years: BURN_IN_YEARS,
                confidence: 0.95,
            }),
        },
        services,
        journeys,
        scenarios,
        parameters: Parameters {
            components,
            instances,
            assumptions,
        },
        notes,
    }
}
