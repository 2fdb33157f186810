//! Store placement by exact enumeration: how many members go to each region and
//! zone, where the leader (or primary) sits, and what that costs in instances and
//! replication traffic. The space is small — members per region, then a few zone
//! spreads — and enumerating it makes quorum and latency rules exact without big-M
//! constraints. Branch and bound on a cost lower bound keeps it fast.

use std::collections::BTreeSet;

use faultline_models::cost::{Pricing, HOURS_PER_MONTH};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::candidates::Cand;

/// Where members may go: one allowed region.
#[derive(Debug, Clone)]
pub struct StoreRegion {
    pub region: String,
    pub zones: Vec<String>,
    /// The member's instance type there and its monthly price, when one fits.
    pub member: Option<Cand>,
    pub member_monthly: Decimal,
    /// A type an owned reservation covers that holds a member, used instead where
    /// that costs less.
    pub owned: Option<OwnedMember>,
}

/// Members an owned reservation covers in one region.
#[derive(Debug, Clone)]
pub struct OwnedMember {
    /// 1-based position of the entry in `[[purchase.owned]]`.
    pub entry: usize,
    pub cand: Cand,
    /// Members it covers, and what each costs a month and has already been paid.
    pub covered: u32,
    pub monthly: Decimal,
    pub paid: Decimal,
}

impl OwnedMember {
    pub fn cost(&self, c: u32) -> Decimal {
        self.monthly * Decimal::from(c) - self.paid * Decimal::from(c.min(self.covered))
    }
}

impl StoreRegion {
    /// What `c` members cost a month, less what owned reservations have paid.
    pub fn cost(&self, c: u32) -> Decimal {
        match self.owned_for(c) {
            Some((o, _)) => o.cost(c),
            None => self.member_monthly * Decimal::from(c),
        }
    }

    /// The type `c` members use: the owned one where that costs less.
    pub fn member_for(&self, c: u32) -> Option<&Cand> {
        match self.owned_for(c) {
            Some((o, _)) => Some(&o.cand),
            None => self.member.as_ref(),
        }
    }

    /// The part of `c` members' cost owned reservations have already paid.
    pub fn paid(&self, c: u32) -> Decimal {
        self.owned_for(c)
            .map_or(Decimal::ZERO, |(o, n)| o.paid * Decimal::from(n))
    }

    /// The owned reservation `c` members use, and how many of them it covers.
    pub fn owned_for(&self, c: u32) -> Option<(&OwnedMember, u32)> {
        let o = self.owned.as_ref()?;
        (o.cost(c) < self.member_monthly * Decimal::from(c)).then_some((o, c.min(o.covered)))
    }

    /// The least any one member costs: a lower bound on `cost(c) / c`.
    pub fn floor(&self) -> Decimal {
        match &self.owned {
            Some(o) => self.member_monthly.min(o.monthly - o.paid),
            None => self.member_monthly,
        }
    }
}

/// The rules a placement must meet.
#[derive(Debug, Clone)]
pub struct Rules {
    pub n: u32,
    /// A quorum group (majority rule, commit latency) rather than primary + replicas.
    pub quorum: bool,
    pub budget_ms: Option<f64>,
    pub survive_zone: bool,
    pub survive_region: bool,
    pub write_gb_per_day: f64,
    /// Anti-affinity: at most one member per zone, and where a region loss is
    /// survived no majority in one region.
    pub distinct_zones: bool,
    /// Every member in one region (a store with no active-active recovery).
    pub one_region: bool,
}

impl Rules {
    /// Members that must remain after a survived loss: a majority for a quorum; for a
    /// primary with replicas, half of them rounded down and at least one to promote.
    pub fn must_remain(&self) -> u32 {
        if self.quorum {
            self.n / 2 + 1
        } else {
            (self.n / 2).max(1)
        }
    }

    pub fn majority(&self) -> u32 {
        self.n / 2 + 1
    }
}

/// A placement: members per region and zone, and the leader's region and zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Members per region (index into the regions), then per zone.
    pub spread: Vec<Vec<u32>>,
    pub leader: usize,
    pub leader_zone: usize,
    /// The members' monthly cost less what owned reservations have paid (the new
    /// spend placements are compared on), and the replication traffic's.
    pub instances_monthly: Decimal,
    pub transfer_monthly: Decimal,
    /// Commit latency with the chosen leader, and the worst after a survived loss.
    pub commit_ms: Option<f64>,
    pub worst_commit_ms: Option<f64>,
}

impl Placement {
    pub fn monthly(&self) -> Decimal {
        self.instances_monthly + self.transfer_monthly
    }

    pub fn counts(&self) -> Vec<u32> {
        self.spread.iter().map(|z| z.iter().sum()).collect()
    }
}

/// RTTs between the regions, `None` where the catalog has none.
#[derive(Debug, Clone)]
pub struct RttMatrix(pub Vec<Vec<Option<f64>>>);

impl RttMatrix {
    pub fn of(pricing: &Pricing<'_>, regions: &[StoreRegion]) -> RttMatrix {
        let c = pricing.catalog();
        RttMatrix(
            regions
                .iter()
                .map(|a| {
                    regions
                        .iter()
                        .map(|b| c.rtt_ms(&a.region, &b.region))
                        .collect()
                })
                .collect(),
        )
    }

    fn get(&self, a: usize, b: usize) -> f64 {
        self.0[a][b].unwrap_or(f64::INFINITY)
    }
}

/// Commit latency of a group with `counts` members per region and its leader in
/// `leader`: the time to hear from enough members for a majority of `n`, counting the
/// leader's own vote. Members in the leader's region answer in that region's RTT
/// (the catalog's diagonal).
pub fn commit_latency(rtt: &RttMatrix, counts: &[u32], leader: usize, majority: u32) -> f64 {
    if counts.get(leader).copied().unwrap_or(0) == 0 {
        return f64::INFINITY;
    }
    let mut d: Vec<f64> = vec![0.0];
    for (r, &c) in counts.iter().enumerate() {
        let others = if r == leader { c.saturating_sub(1) } else { c };
        for _ in 0..others {
            d.push(rtt.get(leader, r));
        }
    }
    if (d.len() as u32) < majority {
        return f64::INFINITY;
    }
    d.sort_by(f64::total_cmp);
    d[majority as usize - 1]
}

/// Best commit latency over every possible leader.
pub fn best_latency(rtt: &RttMatrix, counts: &[u32], majority: u32) -> f64 {
    (0..counts.len())
        .map(|l| commit_latency(rtt, counts, l, majority))
        .fold(f64::INFINITY, f64::min)
}

/// What to minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    Cost,
    /// The smallest commit-latency budget any placement meeting the other rules needs.
    Latency,
}

#[derive(Debug, Clone)]
pub struct Enumerated {
    pub best: Option<Placement>,
    /// Placements evaluated.
    pub evaluated: u64,
    /// The node limit stopped the search before it finished.
    pub truncated: bool,
}

const NODE_LIMIT: u64 = 3_000_000;

/// Splits `c` members evenly over `zones` zones, largest first.
fn even(c: u32, zones: usize) -> Vec<u32> {
    let z = zones.max(1) as u32;
    (0..z).map(|i| c / z + u32::from(i < c % z)).collect()
}

#[derive(Debug)]
pub struct Enumerator<'a> {
    pub pricing: &'a Pricing<'a>,
    pub regions: &'a [StoreRegion],
    pub rules: &'a Rules,
    pub rtt: &'a RttMatrix,
    pub goal: Goal,
}

impl Enumerator<'_> {
    /// Members one zone may hold so a zone loss leaves enough.
    fn zone_cap(&self) -> u32 {
        let mut cap = self.rules.n;
        if self.rules.survive_zone {
            cap = cap.min(self.rules.n - self.rules.must_remain());
        }
        if self.rules.distinct_zones {
            cap = cap.min(1);
        }
        cap
    }

    fn region_cap(&self, r: usize) -> u32 {
        let reg = &self.regions[r];
        if reg.member.is_none() {
            return 0;
        }
        let mut cap = self.rules.n;
        if self.rules.survive_region {
            cap = cap.min(self.rules.n - self.rules.must_remain());
            if self.rules.distinct_zones {
                cap = cap.min(self.rules.majority() - 1);
            }
        }
        if self.rules.survive_zone || self.rules.distinct_zones {
            cap = cap.min(self.zone_cap() * reg.zones.len() as u32);
        }
        cap
    }

    pub fn run(&self) -> Enumerated {
        let order: Vec<usize> = {
            let mut o: Vec<usize> = (0..self.regions.len()).collect();
            o.sort_by(|a, b| {
                self.regions[*a]
                    .floor()
                    .cmp(&self.regions[*b].floor())
                    .then(a.cmp(b))
            });
            o
        };
        let mut state = Search {
            counts: vec![0; self.regions.len()],
            best: None,
            evaluated: 0,
            truncated: false,
        };
        self.dfs(&order, 0, self.rules.n, Decimal::ZERO, &mut state);
        Enumerated {
            best: state.best,
            evaluated: state.evaluated,
            truncated: state.truncated,
        }
    }

    fn key(&self, p: &Placement) -> (f64, Decimal) {
        match self.goal {
            Goal::Cost => (0.0, p.monthly()),
            Goal::Latency => (p.worst_commit_ms.unwrap_or(0.0), p.monthly()),
        }
    }

    fn dfs(&self, order: &[usize], i: usize, left: u32, partial: Decimal, st: &mut Search) {
        if st.evaluated >= NODE_LIMIT {
            st.truncated = true;
            return;
        }
        if self.goal == Goal::Cost {
            if let Some(b) = &st.best {
                let cheapest_left = order[i..]
                    .iter()
                    .filter(|r| self.region_cap(**r) > 0)
                    .map(|r| self.regions[*r].floor())
                    .min();
                let bound = partial + cheapest_left.unwrap_or_default() * Decimal::from(left);
                if bound >= b.monthly() {
                    return;
                }
            }
        }
        if i == order.len() {
            if left == 0 {
                st.evaluated += 1;
                if let Some(p) = self.evaluate(&st.counts) {
                    let better = match &st.best {
                        None => true,
                        Some(b) => self.key(&p) < self.key(b),
                    };
                    if better {
                        st.best = Some(p);
                    }
                }
            }
            return;
        }
        let r = order[i];
        let cap = self.region_cap(r).min(left);
        let rest_cap: u32 = order[i + 1..].iter().map(|r| self.region_cap(*r)).sum();
        let lo = left.saturating_sub(rest_cap);
        for c in (lo..=cap).rev() {
            st.counts[r] = c;
            let cost = partial + self.regions[r].cost(c);
            self.dfs(order, i + 1, left - c, cost, st);
        }
        st.counts[r] = 0;
    }

    /// The best placement with these region counts, or `None` if none meets the rules.
    pub fn evaluate(&self, counts: &[u32]) -> Option<Placement> {
        if self.rules.one_region && counts.iter().filter(|c| **c > 0).count() > 1 {
            return None;
        }
        let cap = self.zone_cap();
        let mut best: Option<Placement> = None;
        for leader in 0..counts.len() {
            let cl = counts[leader];
            if cl == 0 {
                continue;
            }
            let zl = self.regions[leader].zones.len();
            let lo = cl.div_ceil(zl as u32);
            let hi = cl.min(cap);
            if lo > hi {
                continue;
            }
            // The more members share the leader's zone the less traffic crosses zones;
            // try the most first and keep the first that meets every rule.
            for k in (lo..=hi).rev() {
                let spread = self.spread(counts, leader, k);
                if spread.iter().flatten().any(|m| *m > cap) {
                    continue;
                }
                let Some((commit, worst)) = self.check(counts, &spread, leader) else {
                    continue;
                };
                let p = self.price(spread, leader, commit, worst);
                let better = match &best {
                    None => true,
                    Some(b) => self.key(&p) < self.key(b),
                };
                if better {
                    best = Some(p);
                }
                if self.goal == Goal::Cost {
                    break;
                }
            }
        }
        best
    }

    fn spread(&self, counts: &[u32], leader: usize, k: u32) -> Vec<Vec<u32>> {
        counts
            .iter()
            .enumerate()
            .map(|(r, &c)| {
                let z = self.regions[r].zones.len();
                if r == leader {
                    let mut v = vec![k];
                    v.extend(even(c - k, z - 1));
                    v.resize(z, 0);
                    v
                } else {
                    even(c, z)
                }
            })
            .collect()
    }

    /// Latency in normal operation with `leader`, and the worst over survived losses;
    /// `None` when a rule fails.
    fn check(
        &self,
        counts: &[u32],
        spread: &[Vec<u32>],
        leader: usize,
    ) -> Option<(Option<f64>, Option<f64>)> {
        let rules = self.rules;
        let need = rules.must_remain();
        let maj = rules.majority();
        let budget = match self.goal {
            Goal::Cost => rules.budget_ms.unwrap_or(f64::INFINITY),
            Goal::Latency => f64::INFINITY,
        };
        let mut worst = 0.0f64;
        let commit = if rules.quorum {
            let l = commit_latency(self.rtt, counts, leader, maj);
            if l > budget {
                return None;
            }
            worst = l;
            Some(l)
        } else {
            None
        };
        let mut after = |remaining: &[u32]| -> bool {
            let total: u32 = remaining.iter().sum();
            if total < need {
                return false;
            }
            if rules.quorum {
                let l = best_latency(self.rtt, remaining, maj);
                if l > budget {
                    return false;
                }
                worst = worst.max(l);
            }
            true
        };
        if rules.survive_zone {
            for (r, zones) in spread.iter().enumerate() {
                for m in zones {
                    if *m == 0 {
                        continue;
                    }
                    let mut rem = counts.to_vec();
                    rem[r] -= m;
                    if !after(&rem) {
                        return None;
                    }
                }
            }
        }
        if rules.survive_region {
            for r in 0..counts.len() {
                if counts[r] == 0 {
                    continue;
                }
                let mut rem = counts.to_vec();
                rem[r] = 0;
                if !after(&rem) {
                    return None;
                }
            }
        }
        Some((commit, rules.quorum.then_some(worst)))
    }

    fn price(
        &self,
        spread: Vec<Vec<u32>>,
        leader: usize,
        commit: Option<f64>,
        worst: Option<f64>,
    ) -> Placement {
        let mut instances = Decimal::ZERO;
        let mut transfer_per_gb = Decimal::ZERO;
        for (r, zones) in spread.iter().enumerate() {
            let c: u32 = zones.iter().sum();
            instances += self.regions[r].cost(c);
            if r == leader {
                let others_here = c - zones[0];
                transfer_per_gb += self.pricing.inter_az_usd_per_gb() * Decimal::from(others_here);
            } else if c > 0 {
                let price = self
                    .pricing
                    .inter_region_usd_per_gb(&self.regions[leader].region, &self.regions[r].region)
                    .unwrap_or_default();
                transfer_per_gb += price * Decimal::from(c);
            }
        }
        let transfer = self
            .pricing
            .transfer_monthly(self.rules.write_gb_per_day, transfer_per_gb);
        Placement {
            spread,
            leader,
            leader_zone: 0,
            instances_monthly: instances,
            transfer_monthly: transfer,
            commit_ms: commit,
            worst_commit_ms: worst,
        }
    }
}

struct Search {
    counts: Vec<u32>,
    best: Option<Placement>,
    evaluated: u64,
    truncated: bool,
}

/// Monthly price of one always-on member of type `c`.
pub fn member_monthly(c: &Cand) -> Decimal {
    c.always_on_hourly * Decimal::from(HOURS_PER_MONTH)
}

/// Regions that appear in a placement.
pub fn used_regions(p: &Placement) -> BTreeSet<usize> {
    p.counts()
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(r, _)| r)
        .collect()
}

pub fn to_f64(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::INFINITY)
}
