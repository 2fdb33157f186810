//! Mutated catalog files never panic the loader: each either parses or yields
//! diagnostics with at least one error, every span inside the text.

use faultline_models::catalog::{Catalog, EMBEDDED_TOML};
use proptest::prelude::*;

/// Values a careless edit might leave behind.
const JUNK: &[&str] = &[
    "-1",
    "0",
    "1e309",
    "nan",
    "-inf",
    "\"\"",
    "[]",
    "{}",
    "\"x\"",
    "true",
    "99999999999999999999",
    "\"-0.5\"",
    "\"1.5\"",
    "\"abc\"",
    "[\"us-east-9\"]",
    "-5",
    "0.0",
    "{ interruption = \"?\", savings_pct = 300 }",
];

fn check(text: &str) {
    if let Err(diags) = Catalog::parse(text) {
        assert!(diags.iter().any(|d| d.is_error()), "{diags:?}");
        for d in &diags {
            assert!(
                d.span
                    .as_ref()
                    .is_none_or(|s| s.start <= s.end && s.end <= text.len()),
                "{d:?}"
            );
        }
    }
}

fn char_boundary(text: &str, at: usize) -> usize {
    let mut i = at.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 40,
        // The same cases on every run and machine: a verdict never depends on the seed.
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED),
        ..ProptestConfig::default()
    })]

    #[test]
    fn replacing_a_value_never_panics(line in 0usize..5000, junk in 0usize..JUNK.len()) {
        let lines: Vec<&str> = EMBEDDED_TOML.lines().collect();
        let n = line % lines.len();
        let mut out = String::with_capacity(EMBEDDED_TOML.len());
        for (i, l) in lines.iter().enumerate() {
            match l.split_once(" = ") {
                Some((k, _)) if i == n => out.push_str(&format!("{k} = {}", JUNK[junk])),
                _ => out.push_str(l),
            }
            out.push('\n');
        }
        check(&out);
    }

    #[test]
    fn deleting_lines_never_panics(start in 0usize..5000, len in 1usize..40) {
        let lines: Vec<&str> = EMBEDDED_TOML.lines().collect();
        let s = start % lines.len();
        let e = (s + len).min(lines.len());
        let text = [&lines[..s], &lines[e..]].concat().join("\n");
        check(&text);
    }

    #[test]
    fn inserting_arbitrary_text_never_panics(at in 0usize..200_000, junk in "[ -~\n]{0,40}") {
        let i = char_boundary(EMBEDDED_TOML, at);
        let text = format!("{}{}{}", &EMBEDDED_TOML[..i], junk, &EMBEDDED_TOML[i..]);
        check(&text);
    }
}
