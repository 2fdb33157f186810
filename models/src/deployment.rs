//! What a deployment is made of — capacity groups with their region, zone, instance
//! type, count and purchase option, and the disaster-recovery pattern — shared by
//! hand-written placements in a topology and by the optimizer's plans.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Words accepted for an enum, used in messages and did-you-mean suggestions.
pub trait Words: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn word(self) -> &'static str;

    fn from_word(word: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.word() == word)
    }

    fn words() -> Vec<&'static str> {
        Self::ALL.iter().map(|v| v.word()).collect()
    }
}

macro_rules! words_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $word:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $word)] $variant,)*
        }

        impl $crate::deployment::Words for $name {
            const ALL: &'static [Self] = &[$($name::$variant,)*];
            fn word(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)*
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.word())
            }
        }
    };
}
pub(crate) use words_enum;

words_enum! {
    /// How capacity is bought.
    Purchase {
        OnDemand => "on-demand",
        Spot => "spot",
        /// Standard Reserved Instance or EC2 Instance Savings Plan, 1-year term.
        Reserved1y => "reserved-1y",
        /// Standard Reserved Instance or EC2 Instance Savings Plan, 3-year term.
        Reserved3y => "reserved-3y",
        /// Compute Savings Plan, 1-year term.
        SavingsPlan1y => "savings-plan-1y",
        /// Compute Savings Plan, 3-year term.
        SavingsPlan3y => "savings-plan-3y",
    }
}

words_enum! {
    /// What a capacity group does.
    Role {
        /// Serves traffic (stateless fleet) or votes (quorum member).
        Active => "active",
        /// Primary of an asynchronously replicated store.
        Primary => "primary",
        /// Asynchronous replica of a replicated store.
        Replica => "replica",
        /// Scaled-down copy in a recovery region that scales up on failover.
        Standby => "standby",
    }
}

words_enum! {
    /// Disaster-recovery pattern for surviving a region loss (AWS DR whitepaper).
    DrPattern {
        ActiveActive => "active-active",
        WarmStandby => "warm-standby",
        PilotLight => "pilot-light",
        BackupRestore => "backup-restore",
        /// Single region: a region loss is an outage until the region returns.
        None => "none",
    }
}

words_enum! {
    /// CPU architecture of an instance type.
    Arch {
        X86_64 => "x86_64",
        Arm64 => "arm64",
    }
}

/// Instances of one type, in one zone, bought one way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CapacityGroup {
    pub region: String,
    /// `None` when the group may use any zone of the region (regional).
    pub zone: Option<String>,
    pub instance_type: String,
    pub count: u32,
    pub purchase: Purchase,
    pub role: Role,
}

/// A service's deployment: its capacity groups and, across regions, its DR pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceDeployment {
    pub dr: DrPattern,
    pub groups: Vec<CapacityGroup>,
}

/// Every purchase option, in the order reports list them.
pub const PURCHASES: [Purchase; 6] = [
    Purchase::OnDemand,
    Purchase::Spot,
    Purchase::Reserved1y,
    Purchase::Reserved3y,
    Purchase::SavingsPlan1y,
    Purchase::SavingsPlan3y,
];

/// The commitment options: paid every hour of their term whether used or not.
pub const COMMITMENTS: [Purchase; 4] = [
    Purchase::Reserved1y,
    Purchase::Reserved3y,
    Purchase::SavingsPlan1y,
    Purchase::SavingsPlan3y,
];

/// Term of a commitment in months; `None` for on-demand and spot.
pub fn term_months(p: Purchase) -> Option<u32> {
    match p {
        Purchase::Reserved1y | Purchase::SavingsPlan1y => Some(12),
        Purchase::Reserved3y | Purchase::SavingsPlan3y => Some(36),
        Purchase::OnDemand | Purchase::Spot => None,
    }
}
