//! Named demand profiles: hourly factors of the peak, UTC hours 0–23. Each shape
//! reaches 1.0 at its peak hour; `docs/topology.md` plots them.

/// `(name, factors)` for every named shape.
pub const SHAPES: &[(&str, [f64; 24])] = &[
    ("flat", [1.0; 24]),
    // 0.65 + 0.35·cos(2π(h − 15)/24), rounded: trough 0.30 at 03:00, peak 1.00 at 15:00.
    (
        "diurnal",
        [
            0.40, 0.35, 0.31, 0.30, 0.31, 0.35, 0.40, 0.48, 0.56, 0.65, 0.74, 0.83, 0.90, 0.95,
            0.99, 1.00, 0.99, 0.95, 0.90, 0.83, 0.74, 0.65, 0.56, 0.48,
        ],
    ),
    // Office hours 08:00–18:00 at full load, ramps either side, a 0.15 floor overnight.
    (
        "business-hours",
        [
            0.15, 0.15, 0.15, 0.15, 0.15, 0.15, 0.25, 0.60, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00,
            1.00, 1.00, 1.00, 1.00, 0.60, 0.30, 0.20, 0.15, 0.15, 0.15,
        ],
    ),
    // Consumer and gaming traffic: low in the morning, peak at 20:00.
    (
        "evening-peak",
        [
            0.70, 0.55, 0.42, 0.32, 0.25, 0.21, 0.20, 0.21, 0.25, 0.30, 0.37, 0.45, 0.52, 0.58,
            0.63, 0.68, 0.74, 0.82, 0.90, 0.96, 1.00, 0.98, 0.92, 0.82,
        ],
    ),
];

pub(crate) fn by_name(name: &str) -> Option<[f64; 24]> {
    SHAPES.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diurnal_follows_its_formula() {
        let diurnal = by_name("diurnal").unwrap();
        for (h, f) in diurnal.iter().enumerate() {
            let x = 0.65 + 0.35 * (2.0 * std::f64::consts::PI * (h as f64 - 15.0) / 24.0).cos();
            assert!((f - x).abs() <= 0.005 + 1e-9, "hour {h}: {f} vs {x}");
        }
    }

    #[test]
    fn every_shape_peaks_at_one_and_stays_in_range() {
        for (name, f) in SHAPES {
            let max = f.iter().copied().fold(0.0, f64::max);
            assert!((max - 1.0).abs() < 1e-12, "{name} peaks at {max}");
            assert!(f.iter().all(|x| (0.0..=1.0).contains(x)), "{name}");
        }
    }
}
