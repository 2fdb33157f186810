//! The cost model: what a capacity group, a replication stream and a disaster-recovery
//! pattern cost per month, from the (effective) catalog's prices and the topology's
//! planning horizon and negotiated discount. `docs/cost-model.md` states every rule.
//!
//! Money is [`Decimal`] throughout; only the optimizer's solver boundary uses floats.

use std::time::Duration;

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::deployment::{CapacityGroup, DrPattern, Purchase};
// Purchase options and their terms sit with the option type, below the topology.
pub use crate::deployment::{term_months, COMMITMENTS, PURCHASES};
// The smallest demand planned sits with the topology that validates it.
use crate::topology::Topology;
pub use crate::topology::MIN_FLEET_DEMAND;

/// Hours in a billing month, the convention AWS uses for monthly estimates.
pub const HOURS_PER_MONTH: u32 = 730;
const _: () = assert!(HOURS_PER_MONTH as f64 == crate::units::HOURS_PER_MONTH);

/// Days in a billing month (730 h / 24).
pub fn days_per_month() -> Decimal {
    Decimal::from(HOURS_PER_MONTH) / Decimal::from(24)
}

/// Money as every output shows it: rounded to cents, with thousands separators
/// (`$12,345.67`).
pub fn usd(d: Decimal) -> String {
    let d = d.round_dp(2);
    let neg = d < Decimal::ZERO;
    let s = format!("{:.2}", d.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}${grouped}.{frac}", if neg { "-" } else { "" })
}

/// Converts a solver-side or profile-derived float to money, rounded to 6 places so
/// that float noise never reaches a report.
pub fn decimal(x: f64) -> Decimal {
    Decimal::from_f64(x).unwrap_or(Decimal::ZERO).round_dp(6)
}

/// Prices as the topology pays them: the effective catalog (negotiated discount and
/// private rates already applied to on-demand prices), the planning horizon over which
/// commitments are amortised, and the discount for prices the catalog does not adjust
/// (data transfer).
#[derive(Debug, Clone, Copy)]
pub struct Pricing<'a> {
    catalog: &'a Catalog,
    horizon_months: u32,
    discount: Decimal,
}

impl<'a> Pricing<'a> {
    /// `effective` must be `topology.effective_catalog(..)`.
    pub fn new(topology: &Topology, effective: &'a Catalog) -> Self {
        Self {
            catalog: effective,
            horizon_months: topology.horizon_months.max(1),
            discount: topology.overrides.discount,
        }
    }

    pub fn catalog(&self) -> &'a Catalog {
        self.catalog
    }

    pub fn horizon_months(&self) -> u32 {
        self.horizon_months
    }

    /// Fraction off on-demand for a commitment (0 for on-demand; spot is per pool).
    pub fn commitment_discount(&self, p: Purchase) -> Decimal {
        let c = &self.catalog.commitments;
        match p {
            Purchase::Reserved1y => c.reserved_1y,
            Purchase::Reserved3y => c.reserved_3y,
            Purchase::SavingsPlan1y => c.savings_plan_1y,
            Purchase::SavingsPlan3y => c.savings_plan_3y,
            Purchase::OnDemand | Purchase::Spot => Decimal::ZERO,
        }
    }

    /// How many months of commitment are paid per month of the horizon: a term longer
    /// than the horizon is paid in full and spread over the horizon (a 3-year term on a
    /// 12-month horizon costs three times its monthly rate), and a horizon that is not a
    /// whole number of terms pays for the last term in full.
    pub fn amortisation(&self, p: Purchase) -> Decimal {
        match term_months(p) {
            None => Decimal::ONE,
            Some(term) => {
                let h = self.horizon_months;
                let terms = h.div_ceil(term);
                Decimal::from(terms * term) / Decimal::from(h)
            }
        }
    }

    pub fn on_demand_hourly(&self, region: &str, instance_type: &str) -> Option<Decimal> {
        self.catalog.on_demand_price(region, instance_type)
    }

    /// Whether spot capacity of this type can be bought in the region.
    pub fn has_spot(&self, region: &str, instance_type: &str) -> bool {
        self.catalog.spot_pool(region, instance_type).is_some()
            && self.on_demand_hourly(region, instance_type).is_some()
    }

    /// Effective USD per instance-hour for a purchase option, amortisation included.
    /// `None` when the catalog has no on-demand price (or, for spot, no pool).
    pub fn hourly(&self, region: &str, instance_type: &str, p: Purchase) -> Option<Decimal> {
        let od = self.on_demand_hourly(region, instance_type)?;
        match p {
            Purchase::OnDemand => Some(od),
            Purchase::Spot => {
                let pool = self.catalog.spot_pool(region, instance_type)?;
                let keep = Decimal::ONE - Decimal::from(pool.savings_pct) / Decimal::from(100);
                Some(od * keep)
            }
            _ => Some(od * (Decimal::ONE - self.commitment_discount(p)) * self.amortisation(p)),
        }
    }

    /// Monthly cost of `count` instances that run `running_fraction` of the month's
    /// hours on average (1 for a fixed fleet; less for the autoscaled part of a fleet).
    /// Commitments are paid for every hour regardless of `running_fraction`.
    pub fn monthly(
        &self,
        region: &str,
        instance_type: &str,
        p: Purchase,
        count: u32,
        running_fraction: Decimal,
    ) -> Option<Decimal> {
        let hourly = self.hourly(region, instance_type, p)?;
        let fraction = if term_months(p).is_some() {
            Decimal::ONE
        } else {
            running_fraction
        };
        Some(hourly * Decimal::from(count) * Decimal::from(HOURS_PER_MONTH) * fraction)
    }

    /// Monthly cost of a capacity group that runs all month.
    pub fn group_monthly(&self, g: &CapacityGroup) -> Option<Decimal> {
        self.monthly(
            &g.region,
            &g.instance_type,
            g.purchase,
            g.count,
            Decimal::ONE,
        )
    }

    /// USD per GB sent between two zones of one region: charged on both sides.
    pub fn inter_az_usd_per_gb(&self) -> Decimal {
        self.catalog.transfer.inter_az_usd_per_gb * Decimal::from(2) * self.keep()
    }

    /// USD per GB sent from one region to another (the sender pays; ingress is free).
    pub fn inter_region_usd_per_gb(&self, from: &str, to: &str) -> Option<Decimal> {
        let t = &self.catalog.transfer;
        let key = if from < to {
            format!("{from}|{to}")
        } else {
            format!("{to}|{from}")
        };
        let price = t
            .inter_region_pair_usd_per_gb
            .get(&key)
            .or_else(|| t.inter_region_out_usd_per_gb.get(from))
            .copied()?;
        Some(price * self.keep())
    }

    /// USD per GB between two replica locations, `None` when the catalog has no price.
    pub fn link_usd_per_gb(
        &self,
        from: (&str, Option<&str>),
        to: (&str, Option<&str>),
    ) -> Option<Decimal> {
        if from.0 != to.0 {
            self.inter_region_usd_per_gb(from.0, to.0)
        } else if from.1.is_some() && from.1 == to.1 {
            Some(Decimal::ZERO)
        } else {
            Some(self.inter_az_usd_per_gb())
        }
    }

    /// Monthly cost of sending `gb_per_day` over a link priced `usd_per_gb`.
    pub fn transfer_monthly(&self, gb_per_day: f64, usd_per_gb: Decimal) -> Decimal {
        decimal(gb_per_day) * days_per_month() * usd_per_gb
    }

    /// The negotiated discount applies to every list price; the effective catalog
    /// already carries it for instance prices, not for transfer.
    fn keep(&self) -> Decimal {
        Decimal::ONE - self.discount
    }
}

/// What a way of recovering from a disruption gives: how long until service is back
/// and how much recently written data may be lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRecovery {
    #[serde(with = "duration_text")]
    pub rto: Duration,
    #[serde(with = "duration_text")]
    pub rpo: Duration,
}

/// Which tier a recovery applies to: a stateless fleet holds no data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Fleet,
    /// A quorum group: no committed write is lost while a majority survives. A standby
    /// copy in another region follows it asynchronously, `standby_lag` behind.
    Quorum {
        standby_lag: Duration,
    },
    /// A primary with asynchronous replicas.
    Async {
        replication_lag: Duration,
        failover: Duration,
    },
}

/// Load-balancer health checks move traffic off a dead zone's instances.
pub const LB_FAILOVER: Duration = Duration::from_secs(30);
/// DNS health-check failover between regions (three 30 s checks plus a 60 s TTL).
pub const DNS_FAILOVER: Duration = Duration::from_secs(150);
/// Leader election in a Raft/Paxos group after losing its leader.
pub const QUORUM_ELECTION: Duration = Duration::from_secs(10);
/// An auto-scaling group relaunching lost instances elsewhere.
pub const RELAUNCH: Duration = Duration::from_secs(600);
/// Warm standby: scale the running scaled-down copy up to full size.
pub const WARM_STANDBY_RTO: Duration = Duration::from_secs(15 * 60);
/// Pilot light: start and scale the compute tier around the live data replica.
pub const PILOT_LIGHT_RTO: Duration = Duration::from_secs(60 * 60);
/// Backup and restore: rebuild the region from infrastructure code and backups.
pub const BACKUP_RESTORE_RTO: Duration = Duration::from_secs(8 * 60 * 60);
/// Backup and restore loses what was written since the last daily backup copy.
pub const BACKUP_RESTORE_RPO: Duration = Duration::from_secs(24 * 60 * 60);
/// Share of a fleet's peak capacity a warm standby keeps running.
pub const WARM_STANDBY_SHARE: f64 = 0.25;
/// Share of a replica's vCPU a pilot-light data replica runs on (it only applies the
/// write stream until it is resized on failover).
pub const PILOT_LIGHT_CPU_SHARE: f64 = 0.25;

/// The recovery a tier gets from a region loss under a DR pattern, after the AWS
/// disaster-recovery whitepaper's classes (backup/restore: hours; pilot light: tens of
/// minutes; warm standby: minutes; active-active: near zero). `None` for
/// [`DrPattern::None`]: the service waits for the region to return.
pub fn region_recovery(pattern: DrPattern, tier: Tier) -> Option<PlannedRecovery> {
    let data_rpo = match tier {
        Tier::Fleet | Tier::Quorum { .. } => Duration::ZERO,
        Tier::Async {
            replication_lag, ..
        } => replication_lag,
    };
    let async_rpo = match tier {
        Tier::Fleet => Duration::ZERO,
        Tier::Quorum { standby_lag } => standby_lag,
        Tier::Async {
            replication_lag, ..
        } => replication_lag,
    };
    match pattern {
        DrPattern::ActiveActive => Some(PlannedRecovery {
            rto: match tier {
                Tier::Fleet => DNS_FAILOVER,
                Tier::Quorum { .. } => QUORUM_ELECTION,
                Tier::Async { failover, .. } => failover,
            },
            rpo: data_rpo,
        }),
        DrPattern::WarmStandby => Some(PlannedRecovery {
            rto: WARM_STANDBY_RTO,
            rpo: async_rpo,
        }),
        DrPattern::PilotLight => Some(PlannedRecovery {
            rto: PILOT_LIGHT_RTO,
            rpo: async_rpo,
        }),
        DrPattern::BackupRestore => Some(PlannedRecovery {
            rto: BACKUP_RESTORE_RTO,
            rpo: match tier {
                Tier::Fleet => Duration::ZERO,
                _ => BACKUP_RESTORE_RPO,
            },
        }),
        DrPattern::None => None,
    }
}

/// The recovery a tier gets from losing one instance or one zone it is spread over.
pub fn local_recovery(tier: Tier) -> PlannedRecovery {
    match tier {
        Tier::Fleet => PlannedRecovery {
            rto: LB_FAILOVER,
            rpo: Duration::ZERO,
        },
        Tier::Quorum { .. } => PlannedRecovery {
            rto: QUORUM_ELECTION,
            rpo: Duration::ZERO,
        },
        Tier::Async {
            replication_lag,
            failover,
        } => PlannedRecovery {
            rto: failover,
            rpo: replication_lag,
        },
    }
}

/// Durations as the topology writes them (`"15m"`), so plans read like their input.
pub mod duration_text {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::duration::format(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        crate::duration::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod apportion_tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn parts_add_up_to_the_rounded_total() {
        // Rounded one by one these give 1002.14 + 584.99 + 229.86 + 6.08 = 1823.07.
        let parts = [d("1002.1449"), d("584.9949"), d("229.8649"), d("6.0801")];
        let r = apportion(&parts);
        assert_eq!(r.iter().copied().sum::<Decimal>(), d("1823.08"));
        assert_eq!(r, vec![d("1002.15"), d("584.99"), d("229.86"), d("6.08")]);
    }

    proptest::proptest! {
        /// Against an independent reading: the parts sum to the total rounded to cents,
        /// each is a whole number of cents and lies within a cent of its exact value.
        #[test]
        fn apportioned_parts_sum_to_the_rounded_total(
            raw in proptest::collection::vec(0u64..10_000_000_000, 0..40)
        ) {
            let parts: Vec<Decimal> = raw.iter().map(|m| Decimal::new(*m as i64, 6)).collect();
            let r = apportion(&parts);
            let total: Decimal = parts.iter().copied().sum();
            proptest::prop_assert_eq!(r.iter().copied().sum::<Decimal>(), total.round_dp(2));
            for (p, q) in parts.iter().zip(&r) {
                proptest::prop_assert_eq!(q.round_dp(2), *q);
                proptest::prop_assert!((p - q).abs() < Decimal::new(1, 2));
            }
        }
    }

    #[test]
    fn exact_cents_are_kept() {
        let parts = [d("1.10"), d("2.20"), d("0")];
        assert_eq!(apportion(&parts), parts.to_vec());
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn at(c: &Catalog, horizon: u32) -> Pricing<'_> {
        Pricing {
            catalog: c,
            horizon_months: horizon,
            discount: Decimal::ZERO,
        }
    }

    #[test]
    fn amortisation_spreads_a_term_over_the_horizon() {
        let c = Catalog::embedded();
        assert_eq!(at(c, 12).amortisation(Purchase::Reserved1y), Decimal::ONE);
        assert_eq!(at(c, 12).amortisation(Purchase::Reserved3y), d("3"));
        assert_eq!(at(c, 36).amortisation(Purchase::Reserved3y), Decimal::ONE);
        assert_eq!(
            at(c, 18).amortisation(Purchase::Reserved1y),
            d("24") / d("18")
        );
        assert_eq!(at(c, 5).amortisation(Purchase::OnDemand), Decimal::ONE);
    }

    #[test]
    fn spot_and_reserved_derive_from_on_demand() {
        let c = Catalog::embedded();
        let p = at(c, 36);
        let od = p
            .hourly("us-east-1", "m5.large", Purchase::OnDemand)
            .unwrap();
        let r3 = p
            .hourly("us-east-1", "m5.large", Purchase::Reserved3y)
            .unwrap();
        assert_eq!(r3, od * (Decimal::ONE - c.commitments.reserved_3y));
        let spot = p.hourly("us-east-1", "m5.large", Purchase::Spot).unwrap();
        let pool = c.spot_pool("us-east-1", "m5.large").unwrap();
        assert_eq!(
            spot,
            od * (Decimal::ONE - Decimal::from(pool.savings_pct) / d("100"))
        );
    }

    #[test]
    fn commitments_ignore_running_fraction() {
        let c = Catalog::embedded();
        let p = at(c, 12);
        let half = d("0.5");
        let full = p
            .monthly(
                "us-east-1",
                "m5.large",
                Purchase::Reserved1y,
                2,
                Decimal::ONE,
            )
            .unwrap();
        assert_eq!(
            p.monthly("us-east-1", "m5.large", Purchase::Reserved1y, 2, half),
            Some(full)
        );
        let od = p
            .monthly("us-east-1", "m5.large", Purchase::OnDemand, 2, half)
            .unwrap();
        assert_eq!(
            od,
            p.hourly("us-east-1", "m5.large", Purchase::OnDemand)
                .unwrap()
                * d("730")
        );
    }

    #[test]
    fn transfer_prices_use_pair_overrides() {
        let c = Catalog::embedded();
        let p = at(c, 12);
        assert_eq!(
            p.inter_region_usd_per_gb("us-east-1", "us-east-2"),
            Some(d("0.01"))
        );
        assert_eq!(
            p.inter_region_usd_per_gb("us-east-2", "us-east-1"),
            Some(d("0.01"))
        );
        assert_eq!(
            p.inter_region_usd_per_gb("sa-east-1", "us-east-1"),
            Some(d("0.16"))
        );
        assert_eq!(p.inter_az_usd_per_gb(), d("0.02"));
        assert_eq!(
            p.link_usd_per_gb(("us-east-1", Some("a")), ("us-east-1", Some("a"))),
            Some(Decimal::ZERO)
        );
    }

    #[test]
    fn recovery_follows_the_whitepaper_order() {
        let t = Tier::Async {
            replication_lag: Duration::from_secs(2),
            failover: Duration::from_secs(60),
        };
        let rto = |p| region_recovery(p, t).unwrap().rto;
        assert!(rto(DrPattern::ActiveActive) < rto(DrPattern::WarmStandby));
        assert!(rto(DrPattern::WarmStandby) < rto(DrPattern::PilotLight));
        assert!(rto(DrPattern::PilotLight) < rto(DrPattern::BackupRestore));
        assert!(region_recovery(DrPattern::None, t).is_none());
        assert_eq!(
            region_recovery(
                DrPattern::ActiveActive,
                Tier::Quorum {
                    standby_lag: Duration::from_secs(1)
                }
            )
            .unwrap()
            .rpo,
            Duration::ZERO
        );
    }
}

/// What a deployment costs a month, priced by the same rules as the optimizer's plans:
/// every capacity group all month at its purchase option's effective hourly rate
/// (commitments amortised over the horizon), plus each store's replication traffic —
/// its writes sent from the first member group (the primary, or the quorum's leader
/// as written) to every other member, at the link's price.
pub fn deployment_cost(
    t: &Topology,
    pricing: &Pricing<'_>,
    services: &std::collections::BTreeMap<String, crate::deployment::ServiceDeployment>,
) -> CostBreakdown {
    use crate::deployment::{Role, Words};
    let mut out = CostBreakdown::default();
    for (name, d) in services {
        let mut service = Decimal::ZERO;
        for g in &d.groups {
            let monthly = pricing.group_monthly(g).unwrap_or_default();
            service += monthly;
            *out.by_region.entry(g.region.clone()).or_default() += monthly;
            *out.by_purchase
                .entry(g.purchase.word().to_string())
                .or_default() += monthly;
            if g.role == Role::Standby {
                out.standby += monthly;
            } else {
                out.instances += monthly;
            }
        }
        let writes = t
            .services
            .get(name)
            .and_then(|s| s.store())
            .map_or(0.0, |s| s.write_gb_per_day);
        let source = d
            .groups
            .iter()
            .find(|g| g.role == Role::Primary)
            .or_else(|| d.groups.iter().find(|g| g.role == Role::Active));
        if let (Some(src), true) = (source, writes > 0.0) {
            for g in d.groups.iter().filter(|g| !std::ptr::eq(*g, src)) {
                let per_gb = pricing
                    .link_usd_per_gb(
                        (&src.region, src.zone.as_deref()),
                        (&g.region, g.zone.as_deref()),
                    )
                    .unwrap_or_default();
                let monthly = pricing.transfer_monthly(writes, per_gb) * Decimal::from(g.count);
                service += monthly;
                *out.by_region.entry(src.region.clone()).or_default() += monthly;
                *out.by_purchase.entry("transfer".into()).or_default() += monthly;
                out.transfer += monthly;
            }
        }
        out.by_service.insert(name.clone(), service);
    }
    out.round_to_cents();
    out
}

/// Rounds `parts` to cents so that they add up to their total rounded to cents
/// (largest-remainder apportionment): a breakdown shown to the cent never misses its
/// total by a cent. Each part moves by less than a cent. Ties go to the earlier part.
pub fn apportion(parts: &[Decimal]) -> Vec<Decimal> {
    let cents = Decimal::from(100);
    let total = (parts.iter().copied().sum::<Decimal>() * cents).round();
    let floors: Vec<Decimal> = parts.iter().map(|p| (p * cents).floor()).collect();
    let mut left = total - floors.iter().copied().sum::<Decimal>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| {
        let ra = parts[*a] * cents - floors[*a];
        let rb = parts[*b] * cents - floors[*b];
        rb.cmp(&ra).then(a.cmp(b))
    });
    let mut out = floors;
    for i in order {
        if left <= Decimal::ZERO {
            break;
        }
        out[i] += Decimal::ONE;
        left -= Decimal::ONE;
    }
    out.into_iter().map(|c| c / cents).collect()
}

/// [`apportion`] over a map's values, in place.
pub fn apportion_map(m: &mut std::collections::BTreeMap<String, Decimal>) {
    let parts: Vec<Decimal> = m.values().copied().collect();
    for (v, r) in m.values_mut().zip(apportion(&parts)) {
        *v = r;
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
/// What a plan costs per month, by region, purchase option and service, and by kind
/// (serving instances, standby, transfer). The plan document carries it.
pub struct CostBreakdown {
    pub by_region: std::collections::BTreeMap<String, Decimal>,
    /// By purchase option (`on-demand`, `spot`, `reserved-1y`, …) plus `transfer`.
    pub by_purchase: std::collections::BTreeMap<String, Decimal>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub by_service: std::collections::BTreeMap<String, Decimal>,
    /// Instance hours of the serving capacity.
    pub instances: Decimal,
    /// Disaster-recovery standby capacity.
    pub standby: Decimal,
    /// Inter-zone and inter-region replication and backup traffic.
    pub transfer: Decimal,
}

impl CostBreakdown {
    /// The breakdown's total, before or after rounding: the sum of its three kinds.
    pub fn total(&self) -> Decimal {
        self.instances + self.standby + self.transfer
    }

    /// Rounds every line to cents once, so each view (by service, by region, by
    /// purchase option, by kind) adds up to the same total.
    pub fn round_to_cents(&mut self) {
        apportion_map(&mut self.by_service);
        apportion_map(&mut self.by_region);
        apportion_map(&mut self.by_purchase);
        let kinds = apportion(&[self.instances, self.standby, self.transfer]);
        (self.instances, self.standby, self.transfer) = (kinds[0], kinds[1], kinds[2]);
    }
}
