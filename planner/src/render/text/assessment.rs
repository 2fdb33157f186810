//! A failure assessment as text: a readable summary with the scenario matrix.

use std::fmt::Write as _;

use faultline_models::failure::{Assessment, Cell, Figures, Impact, RecoveryTime};
use faultline_models::units::count;

/// A compact duration: `45s`, `5m`, `1h 30m`, `2d 4h`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 1.0 && s > 0.0 {
        return format!("{:.0}ms", s * 1000.0);
    }
    if s < 90.0 {
        return format!("{s:.0}s");
    }
    let m = (s / 60.0).round() as u64;
    if m < 90 {
        return format!("{m}m");
    }
    let (h, mm) = (m / 60, m % 60);
    if h < 48 {
        return if mm == 0 {
            format!("{h}h")
        } else {
            format!("{h}h {mm}m")
        };
    }
    format!("{}d {}h", h / 24, h % 24)
}

pub fn recovery(r: &RecoveryTime) -> String {
    match r.impact {
        Impact::None => "-".into(),
        Impact::Recovers => duration(r.seconds),
        Impact::Repair => format!("repair ~{}", duration(r.seconds)),
    }
}

pub fn minutes(m: f64) -> String {
    if m == 0.0 {
        "0".into()
    } else if m < 0.01 {
        format!("{m:.1e}")
    } else if m < 100.0 {
        format!("{m:.2}")
    } else {
        format!("{m:.0}")
    }
}

/// A data volume given in GB, with three significant digits and a fitting unit.
pub fn bytes(gb: f64) -> String {
    let (v, unit) = if gb >= 1.0 {
        (gb, "GB")
    } else if gb >= 1e-3 {
        (gb * 1e3, "MB")
    } else {
        (gb * 1e6, "kB")
    };
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.digits$} {unit}")
}

/// The journeys whose requests are sagas: stranded requests a year, the bound, and
/// with a simulation its estimate and how long stranded requests stay inconsistent.
fn saga_rows(a: &Assessment) -> Vec<Vec<String>> {
    super::natural(&a.journeys)
        .into_iter()
        .filter_map(|(name, f)| {
            let n = f.stranded_sagas_per_year?;
            let mut r = vec![
                name.clone(),
                count(n),
                f.slo.stranded.as_ref().map_or("-".into(), |st| {
                    format!(
                        "≤ {} {}",
                        count(st.limit_per_year),
                        if st.met { "met" } else { "MISSED" }
                    )
                }),
            ];
            if a.method.simulation.is_some() {
                let sim = f.simulation.as_ref();
                r.push(
                    sim.and_then(|s| s.stranded_sagas_per_year)
                        .map_or("-".into(), |e| {
                            // No stranded request in the simulated years says only that
                            // stranding is rarer than the run can see, not that it is 0.
                            if e.high == 0.0 {
                                "none seen".into()
                            } else {
                                format!("{} [{}, {}]", count(e.value), count(e.low), count(e.high))
                            }
                        }),
                );
                r.push(
                    sim.and_then(|s| s.stranded_mean_hours)
                        .map_or("-".into(), |h| duration(h * 3600.0)),
                );
            }
            Some(r)
        })
        .collect()
}

pub fn percent(a: f64) -> String {
    format!("{:.4}%", a * 100.0)
}

pub fn slo(f: &Figures) -> String {
    let c = &f.slo;
    let mut missed = Vec::new();
    if c.availability_met == Some(false) {
        missed.push(format!(
            "availability {}",
            c.availability_target.map(percent).unwrap_or_default()
        ));
    }
    for (k, r) in &c.rto {
        if !r.met {
            missed.push(format!("rto {k} {}", duration(r.limit_seconds)));
        }
    }
    for (k, r) in &c.rpo {
        if !r.met {
            missed.push(format!("rpo {k} {}", duration(r.limit_seconds)));
        }
    }
    for (k, ok) in &c.survive {
        if !ok {
            missed.push(format!("survive {k}"));
        }
    }
    if let Some(st) = c.stranded.as_ref().filter(|st| !st.met) {
        missed.push(format!("stranded ≤ {}/yr", count(st.limit_per_year)));
    }
    let has_targets = c.availability_target.is_some()
        || c.stranded.is_some()
        || !c.rto.is_empty()
        || !c.rpo.is_empty()
        || !c.survive.is_empty();
    if !has_targets {
        "-".into()
    } else if missed.is_empty() {
        "met".into()
    } else {
        format!("MISSED: {}", missed.join(", "))
    }
}

/// Left-aligned table with two-space gaps.
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |out: &mut String, cells: &[String]| {
        let mut s = String::from("  ");
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                let pad = w[i] - c.chars().count();
                s.push_str(c);
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(
        out,
        &header.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
    );
    for r in rows {
        line(out, r);
    }
}

fn figures_rows(
    items: &std::collections::BTreeMap<String, Figures>,
    with_kind: bool,
) -> Vec<Vec<String>> {
    super::natural(items)
        .into_iter()
        .map(|(name, f)| {
            let mut r = vec![name.clone()];
            if with_kind {
                r.push(f.kind.clone().unwrap_or_default());
            }
            r.push(percent(f.availability));
            r.push(format!("{:.2}", f.nines));
            r.push(minutes(f.downtime_minutes_per_year));
            r.push(minutes(f.degraded_minutes_per_year));
            r.push(minutes(f.downtime_minutes_per_month));
            r.push(minutes(f.degraded_minutes_per_month));
            for g in [f.writes_lost_gb_per_year, f.divergent_writes_gb_per_year] {
                r.push(match g {
                    Some(g) if g > 0.0 => bytes(g),
                    Some(_) => "0".into(),
                    None => "-".into(),
                });
            }
            r.push(match f.worst_case_rpo_seconds {
                Some(s) if s > 0.0 => duration(s),
                Some(_) => "0".into(),
                None => "-".into(),
            });
            r.push(slo(f));
            r
        })
        .collect()
}

fn rto_rows(
    items: &std::collections::BTreeMap<String, Figures>,
    classes: &[&str],
) -> Vec<Vec<String>> {
    super::natural(items)
        .into_iter()
        .map(|(name, f)| {
            let mut r = vec![name.clone()];
            for c in classes {
                r.push(f.rto.get(*c).map_or("-".into(), recovery));
            }
            r
        })
        .collect()
}

fn sim_rows(items: &std::collections::BTreeMap<String, Figures>) -> Vec<Vec<String>> {
    super::natural(items)
        .into_iter()
        .filter_map(|(name, f)| {
            let s = f.simulation.as_ref()?;
            let e = &s.downtime_minutes_per_year;
            Some(vec![
                name.clone(),
                minutes(f.downtime_minutes_per_year),
                format!(
                    "{} [{}, {}]",
                    minutes(e.value),
                    minutes(e.low),
                    minutes(e.high)
                ),
                minutes(s.p50_minutes.value),
                format!(
                    "{} [{}, {}]",
                    minutes(s.p95_minutes.value),
                    minutes(s.p95_minutes.low),
                    minutes(s.p95_minutes.high)
                ),
                format!(
                    "{} [{}, {}]",
                    minutes(s.p99_minutes.value),
                    minutes(s.p99_minutes.low),
                    minutes(s.p99_minutes.high)
                ),
                s.outages.to_string(),
                if s.agrees_with_analytic { "yes" } else { "NO" }.into(),
            ])
        })
        .collect()
}

pub fn cell_text(c: &Cell) -> String {
    let mut s = c.status.clone();
    // Down for a while, then serving degraded before it is back to ok: say both times,
    // so the minutes down read as the RTO counts them.
    let down_first = c.status == "down"
        && c.outage.impact == Impact::Recovers
        && c.recovery.impact == Impact::Recovers
        && c.outage.seconds < c.recovery.seconds;
    if down_first {
        let _ = write!(s, " {}, then degraded", duration(c.outage.seconds));
    }
    if c.after_recovery != c.status || down_first {
        match c.recovery.impact {
            Impact::Recovers => {
                let _ = write!(
                    s,
                    " → {} after {}",
                    c.after_recovery,
                    duration(c.recovery.seconds)
                );
            }
            _ => {
                // Partly recovered; what is left waits for the repair.
                let t = match c.outage.impact {
                    Impact::Recovers => format!(" after {}", duration(c.outage.seconds)),
                    _ => String::new(),
                };
                let _ = write!(s, " → {}{t}", c.after_recovery);
            }
        }
    } else if c.status == "ok" && c.recovery.impact == Impact::Recovers {
        let _ = write!(s, " (scaled up after {})", duration(c.recovery.seconds));
    }
    if c.recovery.impact == Impact::Repair {
        let _ = write!(s, " until repaired (~{})", duration(c.recovery.seconds));
    }
    if let (Some(l), Some(a)) = (c.capacity_left, c.capacity_after) {
        if l < 1.0 - 1e-9 || a < 1.0 - 1e-9 {
            let _ = write!(s, "; capacity {:.0}%", l * 100.0);
            if (a - l).abs() > 1e-9 {
                let _ = write!(s, " → {:.0}%", a * 100.0);
            }
        }
    }
    if c.data_lost_seconds > 0.0 {
        let _ = write!(
            s,
            "; loses up to {} of writes",
            duration(c.data_lost_seconds)
        );
    }
    if c.diverges {
        s.push_str("; copies diverge until healed");
    }
    if let Some(l) = c.commit_latency_ms {
        let _ = write!(s, "; commit {l:.0} ms");
    }
    if c.status == "down" && c.survives && c.capacity_left.is_some() {
        // `survive` is about the service's own capacity; say why a survived failure
        // still costs time down.
        if c.waits_on.is_empty() {
            s.push_str("; survives it (down only during its own failover or election)");
        } else {
            let _ = write!(
                s,
                "; survives it (its own capacity holds; down while {} recover{})",
                c.waits_on
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if c.waits_on.len() == 1 { "s" } else { "" }
            );
        }
    }
    s
}

fn impaired(c: &Cell) -> bool {
    c.status != "ok"
        || c.after_recovery != "ok"
        || c.data_lost_seconds > 0.0
        || c.diverges
        || c.recovery.impact != Impact::None
}

/// The readable summary and the scenario matrix.
pub fn text(a: &Assessment) -> String {
    let mut out = String::new();
    let source = match &a.deployment {
        faultline_models::failure::DeploymentSource::Placement => "its placement".to_string(),
        faultline_models::failure::DeploymentSource::Plan { id } => format!("plan {id}"),
    };
    let _ = writeln!(out, "Failure assessment of `{}` ({source})", a.system);
    let m = &a.method.analytic;
    let _ = writeln!(
        out,
        "Analytic: {} failure processes, {} failure states (at most {} at once); availabilities are lower bounds, at most {:.1e} below the true value.",
        m.components, m.states, m.max_simultaneous_events, m.truncation_error_bound
    );
    if let Some(s) = &a.method.simulation {
        let _ = writeln!(
            out,
            "Simulation: {} simulated years (seed {}, after {} burn-in year), 95% intervals.",
            s.years, s.seed, s.burn_in_years
        );
    }
    let _ = writeln!(
        out,
        "Availability counts time down and time degraded: 1 − (down + degraded) / 525,600 min a year; a month is a twelfth of a year."
    );
    out.push('\n');
    let _ = writeln!(out, "Services");
    table(
        &mut out,
        &[
            "service",
            "kind",
            "availability",
            "nines",
            "down min/yr",
            "degraded min/yr",
            "down min/mo",
            "degraded min/mo",
            "writes lost/yr",
            "diverging/yr",
            "worst RPO",
            "SLO",
        ],
        &figures_rows(&a.services, true),
    );
    if !a.journeys.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "Journeys (all steps up at the same moment)");
        table(
            &mut out,
            &[
                "journey",
                "availability",
                "nines",
                "down min/yr",
                "degraded min/yr",
                "down min/mo",
                "degraded min/mo",
                "writes lost/yr",
                "diverging/yr",
                "worst RPO",
                "SLO",
            ],
            &figures_rows(&a.journeys, false),
        );
    }
    let sagas = saga_rows(a);
    if !sagas.is_empty() {
        out.push('\n');
        let _ = writeln!(
            out,
            "Sagas: requests left stranded (a later step down after earlier ones committed, while a compensating service is down)"
        );
        let mut header = vec!["journey", "stranded/yr", "bound"];
        if a.method.simulation.is_some() {
            header.extend(["simulated [95%]", "inconsistent for"]);
        }
        table(&mut out, &header, &sagas);
        if sagas.iter().any(|r| r.iter().any(|c| c == "none seen")) {
            out.push_str("  none seen: no request stranded in the simulated years; stranding needs a step and a compensator down at once, which can be rarer than the run is long (the analytic figure still holds)\n");
        }
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "Time down after the worst single failure of each class (RTO)"
    );
    let classes = [
        "instance",
        "zone",
        "region",
        "spot",
        "partition",
        "control_plane",
    ];
    let mut rows = rto_rows(&a.services, &classes);
    rows.extend(rto_rows(&a.journeys, &classes));
    table(
        &mut out,
        &[
            "",
            "instance",
            "zone",
            "region",
            "spot",
            "partition",
            "control plane",
        ],
        &rows,
    );
    if a.method.simulation.is_some() {
        out.push('\n');
        let _ = writeln!(out, "Simulation: annual downtime, minutes");
        let mut rows = sim_rows(&a.services);
        rows.extend(sim_rows(&a.journeys));
        table(
            &mut out,
            &[
                "",
                "analytic",
                "mean [95%]",
                "p50",
                "p95 [95%]",
                "p99 [95%]",
                "outages",
                "agrees",
            ],
            &rows,
        );
        let _ = writeln!(
            out,
            "  agrees: the analytic minutes down lie in the simulation's 99% interval, widened by the truncation bound and by the analytic share of coincident failures (the same test on every row)."
        );
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "Scenario matrix: each single failure, everything else up"
    );
    for row in &a.scenarios {
        let _ = writeln!(
            out,
            "  {} ({:.3}/yr, lasts ~{})",
            row.label,
            row.rate_per_year,
            duration(row.mean_hours * 3600.0)
        );
        let mut any = false;
        for (name, c) in row.services.iter().chain(row.journeys.iter()) {
            if impaired(c) {
                any = true;
                let _ = writeln!(out, "    {name}: {}", cell_text(c));
            }
        }
        if !any {
            let _ = writeln!(out, "    everything ok");
        }
    }
    if !a.notes.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "Notes");
        for n in &a.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out
}
