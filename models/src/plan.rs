//! The optimizer's output: a versioned deployment plan with its cost and the solve that
//! produced it. The failure model reads the deployments from it (`analyze --plan`).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::deployment::ServiceDeployment;
use crate::topology::Consistency;

/// Version of the plan document format.
pub const PLAN_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    /// Stable id derived from the inputs: the same topology and catalog give the same id.
    pub id: String,
    /// The topology's `system.name`.
    pub system: String,
    pub services: BTreeMap<String, ServicePlan>,
    /// Total monthly cost in USD.
    pub monthly_usd: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicePlan {
    pub deployment: ServiceDeployment,
    /// For stores: the consistency actually chosen (never `auto`).
    pub consistency: Consistency,
    pub monthly_usd: Decimal,
}

impl Plan {
    /// The deployments by service, as the failure model takes them.
    pub fn deployments(&self) -> BTreeMap<String, ServiceDeployment> {
        self.services
            .iter()
            .map(|(k, v)| (k.clone(), v.deployment.clone()))
            .collect()
    }
}
