//! `faultline catalog diff` and `faultline catalog refresh`.

use std::path::Path;

use faultline_models::catalog::diff as catalog_diff;

use crate::cli::{CatalogDiffArgs, CatalogRefreshArgs, Format};
use crate::commands::{pretty, Outcome};
use crate::input;
use crate::render;

pub(crate) fn diff(args: &CatalogDiffArgs) -> Outcome {
    let old = match input::catalog(Some(&args.old)) {
        Ok(c) => c,
        Err(e) => return Outcome::from(e),
    };
    let new = match input::catalog(Some(&args.new)) {
        Ok(c) => c,
        Err(e) => return Outcome::from(e),
    };
    let d = catalog_diff::diff(&old, &new);
    match args.format {
        Format::Text => Outcome::ok(render::catalog::diff_text(
            &args.old.display().to_string(),
            &args.new.display().to_string(),
            &d,
        )),
        Format::Json => Outcome::ok(pretty(&serde_json::to_value(&d).unwrap_or_default())),
    }
}

#[cfg(not(feature = "aws"))]
pub(crate) fn refresh(_args: &CatalogRefreshArgs, _base: Option<&Path>) -> Outcome {
    Outcome::input_error(
        "error: this faultline was built without AWS support, so it cannot call the EC2 API\n  \
         = help: rebuild with the `aws` feature: cargo run --release --features aws -- catalog refresh …\n"
            .into(),
    )
}

#[cfg(feature = "aws")]
pub(crate) fn refresh(args: &CatalogRefreshArgs, base: Option<&Path>) -> Outcome {
    let base = match input::catalog(base) {
        Ok(c) => c,
        Err(e) => return Outcome::from(e),
    };
    let families: Vec<String> = if args.families.is_empty() {
        base.families().into_iter().map(str::to_string).collect()
    } else {
        args.families.clone()
    };
    let request = crate::refresh::Request {
        regions: args.regions.clone(),
        families,
    };
    match crate::refresh::run(&base, &request) {
        Ok(done) => {
            let text = crate::refresh::to_toml(&done.catalog);
            if let Err(e) = crate::output::write_atomic(&args.output, text.as_bytes()) {
                return Outcome::input_error(format!(
                    "error: cannot write {}: {e}\n",
                    args.output.display()
                ));
            }
            Outcome {
                stdout: format!(
                    "wrote {}: {} region{}, {} instance types, {} spot pools\n",
                    args.output.display(),
                    done.catalog.regions.len(),
                    if done.catalog.regions.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    done.catalog.instance_types.len(),
                    done.catalog
                        .spot
                        .values()
                        .map(|s| s.pools.len())
                        .sum::<usize>(),
                ),
                stderr: done.notes.iter().map(|n| format!("note: {n}\n")).collect(),
                status: None,
            }
        }
        Err(failures) => {
            let mut msg = String::new();
            for f in &failures {
                msg.push_str(&format!("error: {f}\n"));
            }
            msg.push_str(&format!(
                "error: nothing written to {}: the refresh did not complete\n",
                args.output.display()
            ));
            Outcome::input_error(msg)
        }
    }
}
