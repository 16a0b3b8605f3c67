//! The built-in classic models: the breast-cancer ("fraud-style") and
//! Sybil scorers of `zoo/tests/tabular`, each a logistic regression, a
//! random forest and XGBoost, imported from their committed ONNX-ML exports
//! (`tools/tabular` trains and exports them; `cargo xtask classic` imports
//! them into `zoo/models`).

use crate::import::{self, AnyReport, DataFiles, ImportError, Options, TreeLayout};
use indicatif::ProgressBar;
use section9::graph::{ModelFile, Params};
use std::path::PathBuf;

/// Every built-in classic model and the data set it was trained on.
pub const CLASSIC: [(&str, &str); 6] = [
    ("cancer-logreg", "cancer"),
    ("cancer-forest", "cancer"),
    ("cancer-xgb", "cancer"),
    ("sybil-logreg", "sybil"),
    ("sybil-forest", "sybil"),
    ("sybil-xgb", "sybil"),
];

/// The committed exports and their data (the crate's source tree).
pub fn tabular_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tabular")
}

/// Imports the classic model `name` of data set `set` as the zoo holds it
/// (private input, unpacked outputs; the zoo's trees are complete), its
/// trees laid out as `trees`, judged on the held-out rows.
pub fn import(name: &str, set: &str, trees: TreeLayout) -> Result<(ModelFile, Params, AnyReport), ImportError> {
    let dir = tabular_dir();
    let (x, y) = (
        dir.join(format!("{set}-eval.npy")),
        dir.join(format!("{set}-labels.npy")),
    );
    let files = DataFiles {
        calibration: &dir.join(format!("{set}-calibration.npy")),
        eval: Some((&x, Some(&y))),
    };
    let opts = Options {
        trees,
        ..Options::named(name)
    };
    let out = import::import_any(&dir.join(format!("{name}.onnx")), &files, &opts, &ProgressBar::hidden())?;
    Ok((out.file, out.params, out.report))
}
