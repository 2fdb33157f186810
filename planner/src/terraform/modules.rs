//! The child modules kept in the repository under `terraform/modules/`, compiled in so
//! a generated tree carries its own copy and the binary needs no repository to run.

use super::infra::Infra;

/// Every module file, by path under `modules/`.
pub const FILES: &[(&str, &str)] = &[
    (
        "dns/main.tf",
        include_str!("../../../terraform/modules/dns/main.tf"),
    ),
    (
        "dns/outputs.tf",
        include_str!("../../../terraform/modules/dns/outputs.tf"),
    ),
    (
        "dns/variables.tf",
        include_str!("../../../terraform/modules/dns/variables.tf"),
    ),
    (
        "dns/versions.tf",
        include_str!("../../../terraform/modules/dns/versions.tf"),
    ),
    (
        "fleet/main.tf",
        include_str!("../../../terraform/modules/fleet/main.tf"),
    ),
    (
        "fleet/outputs.tf",
        include_str!("../../../terraform/modules/fleet/outputs.tf"),
    ),
    (
        "fleet/variables.tf",
        include_str!("../../../terraform/modules/fleet/variables.tf"),
    ),
    (
        "fleet/versions.tf",
        include_str!("../../../terraform/modules/fleet/versions.tf"),
    ),
    (
        "member/main.tf",
        include_str!("../../../terraform/modules/member/main.tf"),
    ),
    (
        "member/outputs.tf",
        include_str!("../../../terraform/modules/member/outputs.tf"),
    ),
    (
        "member/variables.tf",
        include_str!("../../../terraform/modules/member/variables.tf"),
    ),
    (
        "member/versions.tf",
        include_str!("../../../terraform/modules/member/versions.tf"),
    ),
];

/// The modules a tree uses: fleets, store members, DNS names.
pub fn used(infra: &Infra) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !infra.records.is_empty() {
        out.push("dns");
    }
    if !infra.fleets.is_empty() {
        out.push("fleet");
    }
    if !infra.stores.is_empty() {
        out.push("member");
    }
    out
}

/// The files of the modules a tree uses, by path in the tree.
pub fn files(infra: &Infra) -> Vec<(String, &'static str)> {
    let used = used(infra);
    FILES
        .iter()
        .filter(|(path, _)| used.iter().any(|m| path.starts_with(&format!("{m}/"))))
        .map(|(path, text)| (format!("modules/{path}"), *text))
        .collect()
}
