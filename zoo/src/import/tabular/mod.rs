//! Classic models (ONNX-ML linear models and tree ensembles, as
//! scikit-learn, XGBoost and LightGBM export them) into section9 models:
//! features on per-feature power-of-two scales, exact tree decisions,
//! scores on one power-of-two scale.

pub mod integer;
pub mod ml;
pub mod normalize;
pub mod report;

use super::data;
use super::error::ImportError;
use super::onnx::OnnxModel;
use super::{DataFiles, Options};
use indicatif::ProgressBar;
use integer::{FeatureScales, Names, Rounding, Widths};
use ml::{Body, Classic, Task};
use normalize::Normalization;
use report::{Agreement, TabularReport, Tally, TreeShape};
use section9::graph::{Model, ModelFile, Params};
use std::path::Path;

/// Whether the graph holds an ONNX-ML model node, which this module reads.
pub fn is_classic(model: &OnnxModel) -> bool {
    model.nodes.iter().any(|n| ml::MODELS.contains(&n.op.as_str()))
}

/// The imported model, its report and an example integer input.
pub struct Tabular {
    pub file: ModelFile,
    pub params: Params,
    pub report: TabularReport,
    pub example: Vec<i64>,
}

pub fn import(
    model: &OnnxModel,
    source: &str,
    files: &DataFiles,
    opts: &Options,
    progress: &ProgressBar,
) -> Result<Tabular, ImportError> {
    let start = std::time::Instant::now();
    let onnx_err = |source_err| ImportError::Onnx {
        file: source.to_string(),
        source: source_err,
    };
    if opts.bias_correction {
        return Err(ImportError::Option {
            file: source.to_string(),
            option: "--bias-correction",
            why: "it corrects a neural network's linear layers; this is a classic model, whose \
                  coefficients and leaves are quantized on their own"
                .into(),
        });
    }
    let classic = ml::read(model).map_err(onnx_err)?;
    if opts.probability && !classic.logit {
        return Err(ImportError::Option {
            file: source.to_string(),
            option: "--probability",
            why: "it needs a binary classifier whose one score is a logit (post_transform LOGISTIC, \
                  class 1 when the score is positive)"
                .into(),
        });
    }
    let calibration = data::samples(files.calibration, &model.input_shape)?;
    let widths = Widths::default();
    let normalization = classic
        .normalizer
        .map(|norm| Normalization::from_rows(norm, &calibration.rows, classic.features, widths.feature));
    let scales = match &normalization {
        Some(n) => n.input.clone(),
        None => {
            let rounding = Rounding::for_model(&classic);
            FeatureScales::from_rows(&calibration.rows, classic.features, widths.feature, rounding)
        }
    };
    let description = format!("Imported from {source} by section9 import");
    let int = integer::emit(
        &classic,
        &scales,
        normalization.as_ref(),
        widths,
        &Names {
            name: &opts.name,
            description: &description,
            pack_outputs: opts.pack_outputs,
            trees: opts.trees,
            probability: opts.probability,
        },
    );
    let runner = Runner {
        model: Model::new(&int.file, &int.params)?,
        classic: &classic,
        scales: &scales,
        score_exp: int.score_exp,
    };
    progress.set_length(calibration.rows.len() as u64);
    progress.set_message("calibration");
    let on_calibration = runner.agreement(&calibration.rows, None, progress)?;
    let eval = match files.eval {
        Some((x, None)) => {
            return Err(ImportError::Data {
                file: x.display().to_string(),
                why: "a classic model is evaluated against --labels (classes, or a regressor's targets)".into(),
            })
        }
        Some((x, Some(y))) => {
            let rows = data::samples(x, &model.input_shape)?.rows;
            let truth = truth(&classic, y)?;
            if truth.len() != rows.len() {
                return Err(ImportError::Data {
                    file: y.display().to_string(),
                    why: format!("{} labels for {} samples", truth.len(), rows.len()),
                });
            }
            progress.set_length(progress.length().unwrap_or(0) + rows.len() as u64);
            progress.set_message("evaluation");
            Some(runner.agreement(&rows, Some(&truth), progress)?)
        }
        None => None,
    };
    let clipped: usize = calibration.rows.iter().map(|r| scales.quantize(r).1).sum();
    let values = calibration.rows.len() * classic.features;
    let report = TabularReport {
        model: opts.name.clone(),
        source: source.to_string(),
        kind: classic.op.trim_start_matches("ai.onnx.ml.").to_string(),
        task: report::task_name(&classic.task),
        features: scales.clone(),
        input_clipped: if values == 0 {
            0.0
        } else {
            clipped as f64 / values as f64
        },
        score_exp: int.score_exp,
        trees: match &classic.body {
            Body::Trees { trees, .. } => Some(TreeShape {
                count: trees.len(),
                deepest: trees.iter().map(ml::Tree::depth).max().unwrap_or(0),
                layout: opts.trees,
                depth: int.depth,
                branches: int.branches,
            }),
            Body::Linear { .. } => None,
        },
        calibration: on_calibration,
        eval,
        seconds: start.elapsed().as_secs_f64(),
    };
    let example = scales.quantize(&calibration.rows[0]).0;
    Ok(Tabular {
        file: int.file,
        params: int.params,
        report,
        example,
    })
}

/// The truth for evaluation samples: class labels for a classifier,
/// float targets for a regressor.
fn truth(classic: &Classic, path: &Path) -> Result<Vec<f64>, ImportError> {
    Ok(match classic.task {
        Task::Regression => data::samples(path, &[1, classic.targets()])?
            .rows
            .into_iter()
            .map(|r| r[0] as f64)
            .collect(),
        _ => data::labels(path)?.into_iter().map(|l| l as f64).collect(),
    })
}

/// Runs the float model and the integer model side by side.
struct Runner<'a> {
    model: Model,
    classic: &'a Classic,
    scales: &'a FeatureScales,
    score_exp: i32,
}

impl Runner<'_> {
    /// Labels and scores of both models on `rows`: the float model on each
    /// row as given and on the row as the integers stand for it (where
    /// tree decisions are exact), the integer model on the integers.
    fn agreement(
        &self,
        rows: &[Vec<f32>],
        truth: Option<&[f64]>,
        progress: &ProgressBar,
    ) -> Result<Agreement, ImportError> {
        let mut a = Tally::default();
        let unit = f64::powi(2.0, self.score_exp);
        for (i, row) in rows.iter().enumerate() {
            let (q, clipped) = self.scales.quantize(row);
            a.clipped_values += clipped;
            let out = self.model.run(std::slice::from_ref(&q))?;
            let scores: Vec<f64> = out[0].iter().map(|&s| s as f64 * unit).collect();
            let float = self.classic.scores(row);
            let on_grid = self.classic.scores(&self.scales.dequantize(&q));
            let kept = self.kept(&float);
            let kept_grid = self.kept(&on_grid);
            a.score_error = a.score_error.max(max_diff(&scores, &kept));
            if let Some(p) = out.get(2).and_then(|p| p.first()) {
                let float = 1.0 / (1.0 + (-kept[0]).exp());
                let diff = (*p as f64 * f64::powi(2.0, integer::PROBABILITY_EXP) - float).abs();
                a.probability_error = Some(a.probability_error.unwrap_or(0.0).max(diff));
            }
            a.grid_score_error = a.grid_score_error.max(max_diff(&scores, &kept_grid));
            let int_label = out.get(1).and_then(|l| l.first()).map(|&l| l as usize);
            a.count(
                self.classic.label(&float),
                self.classic.label(&on_grid),
                int_label,
                truth.map(|t| t[i]),
                (kept.first().copied(), scores.first().copied()),
            );
            progress.inc(1);
        }
        Ok(a.finish())
    }

    /// The float scores the integer model computes: a binary classifier
    /// keeps only its label's score.
    fn kept(&self, scores: &[f64]) -> Vec<f64> {
        match self.classic.task {
            Task::Binary { column, .. } => vec![scores[column]],
            _ => scores.to_vec(),
        }
    }
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0f64, |m, (x, y)| m.max((x - y).abs()))
}
