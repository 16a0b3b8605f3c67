//! The quantization report: what scales each layer got, how much of the
//! data they clip, and how the integer model agrees with the float one.

use super::scale::InputScale;
use super::translate::Head;
use section9::quantize::{FloatNet, LayerScale, QuantizeError};
use serde::Serialize;
use std::fmt;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub model: String,
    pub source: String,
    pub input: InputScale,
    /// Fraction of calibration input values outside the input's range.
    pub input_clipped: f64,
    /// The model's first output `y` stands for `y * 2^output_exp`.
    pub output_exp: i32,
    /// The activation dropped from the end of the model.
    pub dropped: Option<Head>,
    pub notes: Vec<String>,
    /// Largest difference between the translated float layers and the
    /// ONNX model run by tract, over the calibration samples.
    pub reference_error: f32,
    pub layers: Vec<LayerReport>,
    /// The integer model's outputs against the float model's, on the
    /// calibration samples.
    pub fidelity: Fidelity,
    /// The same on the evaluation samples (`--eval`).
    pub fidelity_eval: Option<Fidelity>,
    pub eval: Option<Eval>,
    pub seconds: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct LayerReport {
    /// The ONNX node whose output the layer's integers stand for.
    pub onnx_node: String,
    #[serde(flatten)]
    pub scale: LayerScale,
    /// Fraction of the layer's calibration outputs beyond its int8 range.
    pub clipped: f64,
    /// The same on the evaluation samples.
    pub clipped_eval: Option<f64>,
}

/// Classifier accuracy on labelled samples.
#[derive(Clone, Debug, Serialize)]
pub struct Eval {
    pub samples: usize,
    /// Top-1 accuracy of the ONNX model (tract, float).
    pub float_top1: f64,
    /// Top-1 accuracy of the section9 integer model.
    pub int_top1: f64,
    /// Fraction of samples where both pick the same class.
    pub agreement: f64,
    /// Largest difference between an integer logit (dequantized) and the
    /// float one.
    pub max_logit_error: f32,
}

/// How closely the integer model's outputs (dequantized) follow the float
/// model's.
#[derive(Clone, Debug, Serialize)]
pub struct Fidelity {
    pub samples: usize,
    pub max_abs_error: f32,
    pub mean_abs_error: f32,
    /// `10 log10(peak^2 / mean squared error)`, with `peak` the range of the
    /// float outputs (largest minus smallest value over all samples): 1 for
    /// a picture in `[0, 1]`.
    pub psnr_db: f64,
    pub peak: f32,
}

impl Fidelity {
    /// Compares integer outputs (dequantized) with float ones, sample by
    /// sample.
    pub fn measure(pairs: &[(Vec<f32>, Vec<f32>)]) -> Fidelity {
        let (mut max, mut sum, mut squares, mut n) = (0f32, 0f64, 0f64, 0usize);
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for (int, float) in pairs {
            for (a, b) in int.iter().zip(float) {
                let d = (a - b).abs();
                max = max.max(d);
                sum += d as f64;
                squares += (d as f64).powi(2);
                n += 1;
                lo = lo.min(*b);
                hi = hi.max(*b);
            }
        }
        let peak = if n == 0 { 0.0 } else { hi - lo };
        let mse = squares / n.max(1) as f64;
        Fidelity {
            samples: pairs.len(),
            max_abs_error: max,
            mean_abs_error: (sum / n.max(1) as f64) as f32,
            psnr_db: if mse == 0.0 {
                f64::INFINITY
            } else {
                10.0 * ((peak as f64).powi(2) / mse).log10()
            },
            peak,
        }
    }
}

/// Per linear layer, the fraction of its float outputs on `inputs` that
/// its int8 scale clips.
pub fn clipped(folded: &FloatNet, scales: &[LayerScale], inputs: &[Vec<i64>]) -> Result<Vec<f64>, QuantizeError> {
    let mut over = vec![0usize; scales.len()];
    let mut total = vec![0usize; scales.len()];
    for input in inputs {
        let trace = folded.trace(&folded.dequantize_input(input))?;
        for (k, s) in scales.iter().enumerate().filter(|(_, s)| s.clamped) {
            let limit = 127.0 * (s.out_exp as f32).exp2();
            let values = &trace[s.layer].values;
            over[k] += values.iter().filter(|v| v.abs() > limit).count();
            total[k] += values.len();
        }
    }
    Ok(over.iter().zip(&total).map(|(&o, &t)| ratio(o, t)).collect())
}

pub fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Index of the first largest value.
pub fn top1<T: PartialOrd + Copy>(values: &[T]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        writeln!(
            f,
            "imported {} as `{}` in {:.2} s",
            self.source, self.model, self.seconds
        )?;
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        if let Some(head) = self.dropped.filter(|h| h.is_classifier()) {
            writeln!(f, "note: the final {head:?} is dropped; the model outputs its logits")?;
        }
        let [lo, hi] = self.input.range;
        writeln!(
            f,
            "input: x * 2^{} in [{lo}, {hi}], {:.2}% of calibration values clipped",
            self.input.exp,
            100.0 * self.input_clipped
        )?;
        writeln!(f, "float translation matches tract within {:.2e}", self.reference_error)?;
        writeln!(
            f,
            "{:<28} {:>5} {:>5} {:>5} {:>9} {:>9}",
            "layer", "w", "acc", "out", "clip cal", "clip eval"
        )?;
        for l in &self.layers {
            let eval = l.clipped_eval.map_or("-".to_string(), |c| format!("{:.2}%", 100.0 * c));
            writeln!(
                f,
                "{:<28} {:>5} {:>5} {:>5} {:>8.2}% {:>9}",
                format!("{} ({})", l.onnx_node, l.scale.node),
                l.scale.weight_exp,
                l.scale.acc_exp,
                l.scale.out_exp,
                100.0 * l.clipped,
                eval
            )?;
        }
        writeln!(f, "output: y * 2^{}", self.output_exp)?;
        for (what, q) in [
            ("calibration", Some(&self.fidelity)),
            ("evaluation", self.fidelity_eval.as_ref()),
        ] {
            if let Some(q) = q {
                writeln!(
                    f,
                    "integer against float on {} {what} samples: max error {:.4}, mean {:.4}, PSNR {:.1} dB (peak {:.3})",
                    q.samples, q.max_abs_error, q.mean_abs_error, q.psnr_db, q.peak
                )?;
            }
        }
        if let Some(e) = &self.eval {
            writeln!(
                f,
                "eval on {} samples: top-1 float {:.2}%, integer {:.2}%, agreement {:.2}%, max logit error {:.4}",
                e.samples,
                100.0 * e.float_top1,
                100.0 * e.int_top1,
                100.0 * e.agreement,
                e.max_logit_error
            )?;
        }
        Ok(())
    }
}
