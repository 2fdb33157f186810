//! `faultline catalog show`, `catalog diff` and `catalog refresh`.

use std::path::Path;

use faultline_models::catalog::diff as catalog_diff;

use crate::cli::args::{CatalogDiffArgs, CatalogRefreshArgs, CatalogShowArgs};
use crate::cli::input::{self, InputError};
use crate::cli::outcome::{self, Outcome};
use crate::render::{Doc, Filter, Sources};

pub fn show(args: &CatalogShowArgs, catalog: Option<&Path>) -> Result<Outcome, InputError> {
    let mut sources = Sources::default();
    let catalog = input::catalog(catalog, &mut sources)?;
    if let Some(r) = &args.region {
        if !catalog.regions.contains_key(r) {
            let known: Vec<&str> = catalog.regions.keys().map(String::as_str).collect();
            return Err(InputError::flag(
                "--region",
                format!(
                    "`{r}` is not in the catalog; known regions: {}",
                    known.join(", ")
                ),
            ));
        }
    }
    if let Some(f) = &args.family {
        let families = catalog.families();
        if !families.contains(&f.as_str()) {
            return Err(InputError::flag(
                "--family",
                format!(
                    "`{f}` is not in the catalog; known families: {}",
                    families.join(", ")
                ),
            ));
        }
    }
    let filter = Filter {
        region: args.region.as_deref(),
        family: args.family.as_deref(),
    };
    let stdout = outcome::render(&Doc::Catalog(&catalog, &filter), args.format, &sources)?;
    Ok(Outcome::ok(stdout))
}

pub fn diff(args: &CatalogDiffArgs) -> Result<Outcome, InputError> {
    let mut sources = Sources::default();
    let old = input::catalog(Some(&args.old), &mut sources)?;
    let mut sources = Sources::default();
    let new = input::catalog(Some(&args.new), &mut sources)?;
    let d = catalog_diff::diff(&old, &new);
    let (o, n) = (
        args.old.display().to_string(),
        args.new.display().to_string(),
    );
    let stdout = outcome::render(&Doc::CatalogDiff(&d, &o, &n), args.format, &sources)?;
    Ok(Outcome::ok(stdout))
}

#[cfg(not(feature = "aws"))]
pub fn refresh(_args: &CatalogRefreshArgs, _base: Option<&Path>) -> Result<Outcome, InputError> {
    Err(InputError::flag(
        "catalog refresh",
        "this faultline was built without AWS support, so it cannot call the EC2 API; \
         rebuild with the `aws` feature: cargo run --release --features aws -- catalog refresh …",
    ))
}

#[cfg(feature = "aws")]
pub fn refresh(args: &CatalogRefreshArgs, base: Option<&Path>) -> Result<Outcome, InputError> {
    use faultline_models::diag::{Code, Diagnostic, FileKind};

    use crate::aws::refresh;

    let mut sources = Sources::default();
    let base = input::catalog(base, &mut sources)?;
    let families: Vec<String> = if args.families.is_empty() {
        base.families().into_iter().map(str::to_string).collect()
    } else {
        args.families.clone()
    };
    let request = refresh::Request {
        regions: args.regions.clone(),
        families,
    };
    match refresh::run(&base, &request) {
        Ok(done) => {
            let text = refresh::to_toml(&done.catalog);
            crate::cli::output::write_file(&args.output, text.as_bytes())?;
            let n = done.catalog.regions.len();
            let mut out = Outcome::ok(format!(
                "wrote {}: {} region{}, {} instance types, {} spot pools\n",
                args.output.display(),
                n,
                if n == 1 { "" } else { "s" },
                done.catalog.instance_types.len(),
                done.catalog
                    .spot
                    .values()
                    .map(|s| s.pools.len())
                    .sum::<usize>(),
            ));
            out.stderr = done.notes.iter().map(|n| format!("note: {n}\n")).collect();
            Ok(out)
        }
        Err(failures) => {
            let mut diags: Vec<Diagnostic> = failures
                .iter()
                .map(|f| {
                    Diagnostic::error(Code::UnreadableInput, f.to_string())
                        .in_file(FileKind::Command)
                })
                .collect();
            diags.push(
                Diagnostic::error(
                    Code::UnwritableOutput,
                    format!(
                        "nothing written to {}: the refresh did not complete",
                        args.output.display()
                    ),
                )
                .in_file(FileKind::Command),
            );
            Err(InputError::new(diags, Sources::default()))
        }
    }
}
