//! `faultline terraform`: a root module a platform team reviews and applies, generated
//! from a plan. A pure function from a plan (and the catalog its instance types come
//! from) to a sorted tree of files: the root module's `.tf` files, the child modules
//! copied from `terraform/modules/`, an example variables file, the purchase list and
//! a README naming the plan, its cost and what to review. The same plan always gives
//! the same bytes. `docs/terraform.md` describes the tree and the mapping.

pub mod diff;
pub mod hcl;
pub mod infra;
pub mod modules;
pub mod purchases;
mod readme;
pub mod root;

use std::collections::{BTreeMap, BTreeSet};

use faultline_models::catalog::Catalog;
use faultline_models::diag::Diagnostic;
use faultline_models::plan::Plan;
use faultline_models::topology::Topology;
use rust_decimal::Decimal;

pub use diff::diff;
pub use infra::{translate, Infra};

/// The generated files by path relative to the output directory, sorted.
pub type Tree = BTreeMap<String, String>;

#[derive(Debug, Clone)]
pub struct TreeOptions<'a> {
    /// The catalog the plan was made with: instance types' vCPU, memory and
    /// architecture, and the regions' zones.
    pub catalog: &'a Catalog,
    /// What each service depends on, from the topology, so fleets reach the stores and
    /// fleets they use; `None` when only the plan is at hand (nothing is wired, and the
    /// README says so).
    pub depends_on: Option<BTreeMap<String, BTreeSet<String>>>,
}

/// What each service of a topology depends on (hard or soft).
pub fn depends_on(t: &Topology) -> BTreeMap<String, BTreeSet<String>> {
    t.services
        .iter()
        .map(|(name, s)| (name.clone(), s.depends_on.keys().cloned().collect()))
        .collect()
}

/// Generates the tree for a plan. Errors name the plan key at fault; on error there
/// is no tree at all.
pub fn generate(plan: &Plan, options: &TreeOptions<'_>) -> Result<Tree, Vec<Diagnostic>> {
    let infra = translate(plan, options.catalog, options.depends_on.as_ref())?;
    let purchases = purchases::list(plan);
    let mut tree = Tree::new();
    tree.insert("versions.tf".into(), root::versions(&infra));
    tree.insert("providers.tf".into(), root::providers(&infra));
    tree.insert("locals.tf".into(), root::locals(&infra));
    tree.insert("main.tf".into(), root::main(&infra));
    if let Some(dns) = root::dns(&infra) {
        tree.insert("dns.tf".into(), dns);
    }
    tree.insert("variables.tf".into(), root::variables(&infra));
    tree.insert("outputs.tf".into(), root::outputs(&infra));
    tree.insert(
        "terraform.tfvars.example".into(),
        root::tfvars_example(&infra),
    );
    for (path, text) in modules::files(&infra) {
        tree.insert(path, text.to_string());
    }
    tree.insert("purchases.json".into(), purchases::json(&purchases));
    tree.insert("purchases.md".into(), purchases::markdown(&purchases));
    tree.insert(
        "README.md".into(),
        readme::render(plan, &infra, &purchases, &tree),
    );
    Ok(tree)
}

/// Money with thousands separators and cents, without the currency sign: `12,345.67`.
pub fn money(d: Decimal) -> String {
    faultline_models::cost::usd(d).replacen('$', "", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(Decimal::new(676724, 2)), "6,767.24");
        assert_eq!(money(Decimal::new(-5, 1)), "-0.50");
        assert_eq!(money(Decimal::from(1_000_000)), "1,000,000.00");
    }
}
