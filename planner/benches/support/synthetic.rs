//! Synthetic topologies for benchmarks and scaling tests (a bench-support module:
//! the optimizer bench and tests include it with `#[path]`): a deterministic mix of
//! stateless fleets, replicated stores and quorums over a chosen number of services,
//! regions and instance families, written as a topology file and validated like one.

use std::fmt::Write;

use faultline_models::catalog::Catalog;
use faultline_models::topology::{self, Topology};

/// Regions in the order the generator adds them: close pairs first, so quorums can
/// meet their commit budgets.
pub const REGIONS: [&str; 12] = [
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "eu-west-2",
    "eu-north-1",
    "ap-northeast-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-south-1",
    "sa-east-1",
];

/// x86 families first, then Graviton.
pub const FAMILIES: [&str; 13] = [
    "m7i", "c7i", "r7i", "m6i", "c6i", "r6i", "m5", "m7g", "c7g", "r7g", "m6g", "c6g", "r6g",
];

const PROFILES: [&str; 4] = ["diurnal", "business-hours", "evening-peak", "flat"];

/// The topology file for `services` services over the first `regions` regions, each
/// service allowed the first `families` families.
pub fn text(services: usize, regions: usize, families: usize) -> String {
    let regions = regions.clamp(1, REGIONS.len());
    let families = families.clamp(1, FAMILIES.len());
    let fams: Vec<String> = FAMILIES[..families]
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect();
    let fams = fams.join(", ");
    let mut o = String::new();
    let _ = writeln!(o, "version = 1\n\n[system]\nname = \"synthetic\"");
    let rs: Vec<String> = REGIONS[..regions]
        .iter()
        .map(|r| format!("\"{r}\""))
        .collect();
    let _ = writeln!(o, "regions = [{}]\nhorizon_months = 36\n", rs.join(", "));
    for i in 0..services {
        let name = format!("svc-{i:03}");
        let _ = writeln!(o, "[services.{name}]");
        match i % 10 {
            0..=5 => {
                let vcpu = 16 + (i * 37) % 240;
                let mem = vcpu * (2 + i % 3 * 2);
                let spot = [0.0, 0.2, 0.5][i % 3];
                let _ = writeln!(
                    o,
                    "kind = \"stateless\"\npeak_vcpu = {vcpu}\npeak_memory_gib = {mem}\nprofile = \"{}\"\nflash_crowd = {}\nmax_spot_share = {spot}\ndegraded_floor = {}\nfamilies = [{fams}]",
                    PROFILES[i % 4],
                    [1.0, 1.5, 2.0][i % 3],
                    [1.0, 0.9, 0.8][(i / 3) % 3],
                );
                let survive = if i % 5 == 0 && regions >= 2 {
                    "\"zone\", \"region\""
                } else if spot > 0.0 {
                    "\"zone\", \"spot\""
                } else {
                    "\"zone\""
                };
                let _ = writeln!(o, "[services.{name}.slo]\nsurvive = [{survive}]\n");
            }
            6 | 7 => {
                let n = 2 + i % 2;
                let _ = writeln!(
                    o,
                    "kind = \"replicated\"\nreplicas = {n}\nreplica_vcpu = {}\nreplica_memory_gib = {}\nwrite_gb_per_day = {}\nreplication_lag = \"1s\"\nfailover = \"30s\"\nfamilies = [{fams}]",
                    [4, 8, 16][i % 3],
                    [16, 32, 64][i % 3],
                    10 + i % 50,
                );
                let region = if regions >= 2 && i % 4 == 2 {
                    "\nrto = { region = \"1h\" }\nrpo = { region = \"1m\" }"
                } else {
                    ""
                };
                let _ = writeln!(o, "[services.{name}.slo]\nsurvive = [\"zone\"]{region}\n");
            }
            _ => {
                let n = [3, 5][i % 2];
                let _ = writeln!(
                    o,
                    "kind = \"quorum\"\nreplicas = {n}\nreplica_vcpu = 4\nreplica_memory_gib = 16\ncommit_latency_budget = \"80ms\"\nwrite_gb_per_day = {}\nfamilies = [{fams}]",
                    5 + i % 20,
                );
                let survive = if regions >= 3 && i % 20 == 9 {
                    "\"zone\", \"region\""
                } else {
                    "\"zone\""
                };
                let _ = writeln!(o, "[services.{name}.slo]\nsurvive = [{survive}]\n");
            }
        }
    }
    o
}

/// The validated synthetic topology.
pub fn topology(
    services: usize,
    regions: usize,
    families: usize,
    catalog: &Catalog,
) -> Result<Topology, String> {
    let text = text(services, regions, families);
    topology::parse(&text, catalog)
        .map(|c| c.topology)
        .map_err(|d| {
            d.iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        })
}
