//! `section9 import`: a float ONNX model becomes a section9 model.
//!
//! The file is decoded by tract-onnx and checked against the operator table
//! ([`translate::SUPPORTED`]) before anything runs; the nodes become the
//! quantizer's float layers ([`section9::quantize::Layer`]), which are
//! checked against tract's own run of the ONNX model on the calibration
//! samples, then quantized with power-of-two scales.

pub mod data;
pub mod error;
pub mod fold;
pub mod onnx;
pub mod reference;
pub mod report;
pub mod scale;
pub mod tabular;
pub mod translate;

pub use error::{ImportError, OnnxError};
pub use report::Report;

use indicatif::ProgressBar;
use reference::Reference;
use report::{clipped, ratio, top1, Eval, Fidelity, LayerReport};
use scale::InputScale;
use section9::graph::{Model, ModelFile, Params, Visibility};
use section9::quantize::{self, FloatNet, Quantized};
use std::path::Path;
pub use tabular::integer::TreeLayout;
use translate::Translation;

/// What the imported model is called and what it outputs.
pub struct Options {
    pub name: String,
    /// Also output the class (argmax of the logits); implied when a final
    /// softmax is dropped.
    pub argmax: bool,
    pub pack_outputs: bool,
    /// How the model's input enters proofs: private, public, or hashed
    /// (private, its Poseidon commitment public).
    pub input: Visibility,
    /// How a classic model's trees enter the circuit.
    pub trees: TreeLayout,
    /// One weight scale per output channel rather than per tensor.
    pub per_channel: bool,
    /// Biases corrected for the mean shift of rounded weights.
    pub bias_correction: bool,
    /// A binary classic model's probability of class 1 as an output too.
    pub probability: bool,
}

impl Options {
    /// The defaults of `section9 import`: the model's own outputs, one
    /// value each, from a private input, weight scales per channel.
    pub fn named(name: &str) -> Options {
        Options {
            name: name.into(),
            argmax: false,
            pack_outputs: false,
            input: Visibility::Private,
            trees: TreeLayout::Complete,
            per_channel: true,
            bias_correction: false,
            probability: false,
        }
    }
}

/// An imported model, its report, and the first calibration sample as an
/// integer input (an example for `section9 run`).
pub struct Imported {
    pub quantized: Quantized,
    pub report: Report,
    pub example: Vec<i64>,
}

/// Where the data files are.
pub struct DataFiles<'a> {
    pub calibration: &'a Path,
    /// Evaluation samples and their labels.
    pub eval: Option<(&'a Path, Option<&'a Path>)>,
}

/// The largest difference between two runs of the float model that still
/// counts as the same computation, relative to the output's magnitude.
const REFERENCE_TOLERANCE: f32 = 1e-3;

/// What `section9 import` writes, whatever kind of model came in.
pub struct Output {
    pub file: ModelFile,
    pub params: Params,
    pub report: AnyReport,
    /// The first calibration sample as the model's integer input.
    pub example: Vec<i64>,
}

/// A network's report or a classic model's.
#[derive(serde::Serialize)]
#[serde(untagged)]
pub enum AnyReport {
    Network(Box<Report>),
    Tabular(Box<tabular::report::TabularReport>),
}

impl std::fmt::Display for AnyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            AnyReport::Network(r) => r.fmt(f),
            AnyReport::Tabular(r) => r.fmt(f),
        }
    }
}

/// Imports the ONNX file at `path`: a classic model (ONNX-ML) through
/// [`tabular`], a network through [`import`].
pub fn import_any(
    path: &Path,
    files: &DataFiles,
    opts: &Options,
    progress: &ProgressBar,
) -> Result<Output, ImportError> {
    let model = read_model(path)?;
    let mut out = if tabular::is_classic(&model) {
        let t = tabular::import(&model, &file_name(path), files, opts, progress)?;
        Output {
            file: t.file,
            params: t.params,
            report: AnyReport::Tabular(Box::new(t.report)),
            example: t.example,
        }
    } else {
        let n = import_network(path, model, files, opts, progress)?;
        Output {
            file: n.quantized.file,
            params: n.quantized.params,
            report: AnyReport::Network(Box::new(n.report)),
            example: n.example,
        }
    };
    set_input_visibility(&mut out.file, opts.input);
    Ok(out)
}

/// Marks every input of `file` with `visibility` (private is the file
/// format's default, so it is left unwritten).
fn set_input_visibility(file: &mut ModelFile, visibility: Visibility) {
    for node in file.nodes.iter_mut().filter(|n| n.op == "input") {
        node.visibility = (visibility != Visibility::Private).then_some(visibility);
    }
}

fn read_model(path: &Path) -> Result<onnx::OnnxModel, ImportError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ImportError::Data {
        file: file.clone(),
        why: e.to_string(),
    })?;
    onnx::read(&bytes).map_err(|source| ImportError::Onnx { file, source })
}

/// Imports the ONNX network at `path`.
pub fn import(path: &Path, files: &DataFiles, opts: &Options, progress: &ProgressBar) -> Result<Imported, ImportError> {
    import_network(path, read_model(path)?, files, opts, progress)
}

fn import_network(
    path: &Path,
    model: onnx::OnnxModel,
    files: &DataFiles,
    opts: &Options,
    progress: &ProgressBar,
) -> Result<Imported, ImportError> {
    let start = std::time::Instant::now();
    let file = path.display().to_string();
    let onnx_err = |source| ImportError::Onnx {
        file: file.clone(),
        source,
    };
    if opts.probability {
        return Err(ImportError::Option {
            file,
            option: "--probability",
            why: "it reads a classic model's logit; a network gives its probabilities by its own \
                  Sigmoid or Softmax"
                .into(),
        });
    }
    let translation = translate::translate(&model).map_err(onnx_err)?;
    let calibration = data::samples(files.calibration, &model.input_shape)?;
    let input = InputScale::from_samples(&calibration.rows);
    let net = FloatNet {
        input_shape: model.input_shape.clone(),
        input_exp: input.exp,
        input_range: input.range,
        layers: translation.layers.clone(),
    };
    let reference = Reference::new(&model).map_err(onnx_err)?;
    progress.set_length(calibration.rows.len() as u64);
    progress.set_message("calibration");
    let reference_error =
        check_translation(&net, &translation, &reference, &calibration.rows, progress).map_err(onnx_err)?;
    let (ints, clipped_inputs): (Vec<Vec<i64>>, Vec<usize>) =
        calibration.rows.iter().map(|r| input.quantize(r)).unzip();
    let options = quantize::Options {
        name: &opts.name,
        description: &format!("Imported from {} by section9 import", file_name(path)),
        pack_outputs: opts.pack_outputs,
        argmax: opts.argmax || translation.label || translation.head.is_some_and(|h| h.is_classifier()),
        per_channel: opts.per_channel,
        bias_correction: opts.bias_correction,
    };
    let quantized = quantize::quantize(&net, &ints, &options)?;
    let integer = Model::new(&quantized.file, &quantized.params)?;
    let fidelity = measure_fidelity(&integer, &quantized, &net, &calibration.rows, &ints)?;
    let eval_rows = match files.eval {
        Some((x, _)) => data::samples(x, &net.input_shape)?.rows,
        None => Vec::new(),
    };
    let eval_ints: Vec<Vec<i64>> = eval_rows.iter().map(|r| input.quantize(r).0).collect();
    let fidelity_eval = match files.eval {
        Some(_) => Some(measure_fidelity(&integer, &quantized, &net, &eval_rows, &eval_ints)?),
        None => None,
    };
    let eval = match files.eval {
        Some((x, Some(y))) => Some(evaluate(
            &integer,
            &quantized,
            &net,
            &reference,
            (&eval_rows, &eval_ints),
            (x, y),
            progress,
        )?),
        _ => None,
    };
    let layers = layer_reports(
        &net.folded()?,
        &quantized,
        &folded_origins(&translation),
        &ints,
        files.eval.map(|_| eval_ints.as_slice()),
    )?;
    let values = ints.len() * ints.first().map_or(0, Vec::len);
    let report = Report {
        model: opts.name.clone(),
        source: file_name(path),
        input,
        input_clipped: ratio(clipped_inputs.iter().sum(), values),
        output_exp: quantized.output_exp,
        dropped: translation.head,
        notes: model.notes.iter().chain(&translation.notes).cloned().collect(),
        reference_error,
        layers,
        fidelity,
        fidelity_eval,
        eval,
        seconds: start.elapsed().as_secs_f64(),
    };
    let example = ints.into_iter().next().unwrap_or_default();
    Ok(Imported {
        quantized,
        report,
        example,
    })
}

/// Each linear layer's scales and how much of the calibration (and
/// evaluation) data they clip.
fn layer_reports(
    folded: &FloatNet,
    q: &Quantized,
    origins: &[String],
    calibration: &[Vec<i64>],
    eval: Option<&[Vec<i64>]>,
) -> Result<Vec<LayerReport>, ImportError> {
    let on_cal = clipped(folded, &q.scales, calibration)?;
    let on_eval = eval.map(|e| clipped(folded, &q.scales, e)).transpose()?;
    Ok(q.scales
        .iter()
        .enumerate()
        .map(|(k, s)| LayerReport {
            onnx_node: origins.get(s.layer).cloned().unwrap_or_default(),
            scale: s.clone(),
            clipped: on_cal[k],
            clipped_eval: on_eval.as_ref().map(|c| c[k]),
        })
        .collect())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The ONNX node behind each layer of the folded network (batch norms are
/// folded away, so they have no layer of their own).
fn folded_origins(t: &Translation) -> Vec<String> {
    t.layers
        .iter()
        .zip(&t.origins)
        .filter(|(l, _)| !matches!(l, quantize::Layer::BatchNorm { .. }))
        .map(|(_, o)| o.clone())
        .collect()
}

/// Runs the translated layers and tract side by side on the calibration
/// samples: a translation that computes anything else is a bug, refused
/// here rather than quantized.
fn check_translation(
    net: &FloatNet,
    t: &Translation,
    reference: &Reference,
    rows: &[Vec<f32>],
    progress: &ProgressBar,
) -> Result<f32, OnnxError> {
    let mut worst = 0f32;
    for (i, row) in rows.iter().enumerate() {
        let expected = reference.run(row)?;
        let sample = quantize::FloatTensor {
            shape: net.input_shape.clone(),
            values: row.clone(),
        };
        let logits = net
            .forward(&sample)
            .map_err(|e| OnnxError::Model(e.to_string()))?
            .values;
        let (got, expected) = match t.head {
            Some(h) => h.align(logits, expected),
            None => (logits, expected),
        };
        let scale = expected.iter().fold(1f32, |a, v| a.max(v.abs()));
        let err = max_difference(&got, &expected).ok_or_else(|| {
            OnnxError::Reference(format!(
                "tract gives {} outputs, the translation {}",
                expected.len(),
                got.len()
            ))
        })?;
        if err > REFERENCE_TOLERANCE * scale {
            return Err(OnnxError::Reference(format!(
                "the translated layers differ from the ONNX model by {err} on calibration sample {i}"
            )));
        }
        worst = worst.max(err);
        progress.inc(1);
    }
    Ok(worst)
}

fn max_difference(a: &[f32], b: &[f32]) -> Option<f32> {
    (a.len() == b.len()).then(|| a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs())))
}

/// The integer model's outputs (dequantized) against the translated float
/// model's (which equal tract's, [`check_translation`]).
fn measure_fidelity(
    integer: &Model,
    q: &Quantized,
    net: &FloatNet,
    rows: &[Vec<f32>],
    ints: &[Vec<i64>],
) -> Result<Fidelity, ImportError> {
    let scale = (q.output_exp as f32).exp2();
    let mut pairs = Vec::with_capacity(rows.len());
    for (row, int_input) in rows.iter().zip(ints) {
        let out = integer.run(std::slice::from_ref(int_input))?;
        let float = net.forward(&quantize::FloatTensor {
            shape: net.input_shape.clone(),
            values: row.clone(),
        })?;
        pairs.push((out[0].iter().map(|&v| v as f32 * scale).collect(), float.values));
    }
    Ok(Fidelity::measure(&pairs))
}

/// Top-1 of tract's float model and of the integer model on labelled
/// samples; also returns the integer inputs.
fn evaluate(
    integer: &Model,
    q: &Quantized,
    net: &FloatNet,
    reference: &Reference,
    (rows, ints): (&[Vec<f32>], &[Vec<i64>]),
    (x, y): (&Path, &Path),
    progress: &ProgressBar,
) -> Result<Eval, ImportError> {
    let labels = data::labels(y)?;
    if labels.len() != rows.len() {
        return Err(ImportError::Data {
            file: y.display().to_string(),
            why: format!("{} labels for {} samples", labels.len(), rows.len()),
        });
    }
    let onnx_err = |source| ImportError::Onnx {
        file: x.display().to_string(),
        source,
    };
    progress.set_length(progress.length().unwrap_or(0) + rows.len() as u64);
    progress.set_message("evaluation");
    let (mut float_ok, mut int_ok, mut agree, mut worst) = (0, 0, 0, 0f32);
    let scale = (q.output_exp as f32).exp2();
    for ((row, int_input), &label) in rows.iter().zip(ints).zip(&labels) {
        let float_class = top1(&reference.run(row).map_err(onnx_err)?);
        let out = integer.run(std::slice::from_ref(int_input))?;
        let int_class = top1(&out[0]);
        let float_logits = net
            .forward(&quantize::FloatTensor {
                shape: net.input_shape.clone(),
                values: row.clone(),
            })?
            .values;
        let dequantized: Vec<f32> = out[0].iter().map(|&v| v as f32 * scale).collect();
        worst = worst.max(max_difference(&dequantized, &float_logits).unwrap_or(f32::INFINITY));
        float_ok += usize::from(float_class == label);
        int_ok += usize::from(int_class == label);
        agree += usize::from(float_class == int_class);
        progress.inc(1);
    }
    let n = rows.len();
    let eval = Eval {
        samples: n,
        float_top1: ratio(float_ok, n),
        int_top1: ratio(int_ok, n),
        agreement: ratio(agree, n),
        max_logit_error: worst,
    };
    Ok(eval)
}
