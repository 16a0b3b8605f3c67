//! What the import of a classic model reports: the feature scales, and how
//! the integer model agrees with the float one.

use super::integer::{FeatureScales, TreeLayout};
use super::ml::Task;
use serde::Serialize;
use std::fmt;

#[derive(Clone, Debug, Serialize)]
pub struct TabularReport {
    pub model: String,
    pub source: String,
    /// The ONNX-ML operator, e.g. `TreeEnsembleClassifier`.
    pub kind: String,
    /// `binary`, `multiclass` or `regression`.
    pub task: String,
    /// How to turn a float row into the model's integer input.
    pub features: FeatureScales,
    /// Fraction of calibration values outside the features' range.
    pub input_clipped: f64,
    /// A score `s` stands for `s * 2^score_exp`.
    pub score_exp: i32,
    pub trees: Option<TreeShape>,
    pub calibration: Agreement,
    pub eval: Option<Agreement>,
    pub seconds: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TreeShape {
    pub count: usize,
    /// The deepest tree's depth in the ONNX file.
    pub deepest: usize,
    pub layout: TreeLayout,
    /// The depth of the circuit's trees.
    pub depth: usize,
    /// The branches the circuit tests, over all trees.
    pub branches: usize,
}

pub fn task_name(t: &Task) -> String {
    match t {
        Task::Regression => "regression",
        Task::Binary { .. } => "binary",
        Task::Multiclass => "multiclass",
    }
    .into()
}

/// The float model (the ONNX file's semantics, evaluated as ONNX Runtime
/// does) against the integer model on a set of rows.
#[derive(Clone, Debug, Serialize)]
pub struct Agreement {
    pub samples: usize,
    /// Fraction of rows where the integer label is the float model's on
    /// the row as given.
    pub label_agreement: Option<f64>,
    /// The same, the float model reading the row as its integers stand
    /// for it: every tree decision is then the same, so only the rounding
    /// of leaves or coefficients can differ.
    pub grid_label_agreement: Option<f64>,
    /// Accuracy against the true labels (classifiers), or R^2 against the
    /// true targets (regressors).
    pub float_accuracy: Option<f64>,
    pub int_accuracy: Option<f64>,
    pub float_r2: Option<f64>,
    pub int_r2: Option<f64>,
    /// Largest difference between an integer score (dequantized) and the
    /// float score, on the rows as given and on the grid.
    pub score_error: f64,
    pub grid_score_error: f64,
    /// Feature values outside the range the calibration rows gave, clipped
    /// to it (a row's scores can then differ by more than rounding).
    pub clipped_values: usize,
    /// With `--probability`: the largest difference between the integer
    /// probability of class 1 and the float model's, `sigmoid(score)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability_error: Option<f64>,
}

/// Counts for an [`Agreement`], row by row.
#[derive(Default)]
pub struct Tally {
    pub score_error: f64,
    pub grid_score_error: f64,
    pub probability_error: Option<f64>,
    pub clipped_values: usize,
    rows: usize,
    labelled: usize,
    agree: usize,
    agree_grid: usize,
    truth: usize,
    float_right: usize,
    int_right: usize,
    /// Regression: true targets, float and integer predictions.
    targets: Vec<(f64, f64, f64)>,
}

impl Tally {
    /// One row: labels of the float model on the row and on the grid, the
    /// integer label, the truth, and (for regression) the first float and
    /// integer scores.
    pub fn count(
        &mut self,
        float: Option<usize>,
        grid: Option<usize>,
        int: Option<usize>,
        truth: Option<f64>,
        (float_score, int_score): (Option<f64>, Option<f64>),
    ) {
        self.rows += 1;
        if let (Some(f), Some(g), Some(i)) = (float, grid, int) {
            self.labelled += 1;
            self.agree += usize::from(f == i);
            self.agree_grid += usize::from(g == i);
            if let Some(t) = truth {
                self.truth += 1;
                self.float_right += usize::from(f as f64 == t);
                self.int_right += usize::from(i as f64 == t);
            }
        } else if let (Some(t), Some(f), Some(i)) = (truth, float_score, int_score) {
            self.targets.push((t, f, i));
        }
    }

    pub fn finish(self) -> Agreement {
        let frac = |k: usize, n: usize| (n > 0).then(|| k as f64 / n as f64);
        let r2 = |pick: fn(&(f64, f64, f64)) -> f64| {
            let n = self.targets.len();
            (n > 1).then(|| {
                let mean = self.targets.iter().map(|t| t.0).sum::<f64>() / n as f64;
                let total: f64 = self.targets.iter().map(|t| (t.0 - mean).powi(2)).sum();
                let residual: f64 = self.targets.iter().map(|t| (t.0 - pick(t)).powi(2)).sum();
                1.0 - residual / total
            })
        };
        Agreement {
            samples: self.rows,
            label_agreement: frac(self.agree, self.labelled),
            grid_label_agreement: frac(self.agree_grid, self.labelled),
            float_accuracy: frac(self.float_right, self.truth),
            int_accuracy: frac(self.int_right, self.truth),
            float_r2: r2(|t| t.1),
            int_r2: r2(|t| t.2),
            score_error: self.score_error,
            grid_score_error: self.grid_score_error,
            clipped_values: self.clipped_values,
            probability_error: self.probability_error,
        }
    }
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{:.2}%", 100.0 * v))
}

fn number(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.4}"))
}

impl fmt::Display for Agreement {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} samples", self.samples)?;
        if self.label_agreement.is_some() {
            write!(
                f,
                ": labels agree {} ({} on the integer grid)",
                percent(self.label_agreement),
                percent(self.grid_label_agreement)
            )?;
        }
        if self.float_accuracy.is_some() {
            write!(
                f,
                ", accuracy float {}, integer {}",
                percent(self.float_accuracy),
                percent(self.int_accuracy)
            )?;
        }
        if self.float_r2.is_some() {
            write!(
                f,
                ", R^2 float {}, integer {}",
                number(self.float_r2),
                number(self.int_r2)
            )?;
        }
        if self.clipped_values > 0 {
            write!(
                f,
                ", {} feature values beyond the calibration range clipped",
                self.clipped_values
            )?;
        }
        write!(f, ", max score error {:.3e}", self.score_error)?;
        if let Some(e) = self.probability_error {
            write!(f, ", max probability error {e:.4}")?;
        }
        Ok(())
    }
}

impl fmt::Display for TabularReport {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        writeln!(
            f,
            "imported {} ({}, {}) as `{}` in {:.2} s",
            self.source, self.kind, self.task, self.model, self.seconds
        )?;
        let [lo, hi] = self.features.range;
        writeln!(
            f,
            "features: x[j] * 2^exp[j] in [{lo}, {hi}], rounded {}, exp = {:?}; {:.2}% of calibration values clipped",
            self.features.rounding,
            self.features.exp,
            100.0 * self.input_clipped
        )?;
        if let Some(t) = &self.trees {
            let layout = match t.layout {
                TreeLayout::Complete => format!("complete trees of depth {}", t.depth),
                TreeLayout::Exact => "they are".into(),
                TreeLayout::Hidden => format!("complete trees of depth {} reading committed feature indices", t.depth),
            };
            writeln!(
                f,
                "trees: {} (deepest {}), proven as {layout}: {} branches",
                t.count, t.deepest, t.branches
            )?;
        }
        writeln!(f, "scores: s * 2^{}", self.score_exp)?;
        writeln!(f, "calibration: {}", self.calibration)?;
        if let Some(e) = &self.eval {
            writeln!(f, "eval: {e}")?;
        }
        Ok(())
    }
}
