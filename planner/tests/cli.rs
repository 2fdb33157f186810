//! The binary as users run it: snapshots of stdout, stderr and exit codes
//! (`tests/cmd/*.toml`; `TRYCMD=overwrite` regenerates them for review).

#[test]
fn cli_snapshots() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
