//! From a float network to a section9 model: int8 weights, power-of-two
//! scales, every rescale a right shift.

use super::net::{FloatNet, FloatTensor, Layer, PoolKind};
use super::QuantizeError;
use crate::bound::Bound;
use crate::graph::{AttrValue, ModelBuilder, ModelFile, Params, Visibility};

/// What the quantized model is called and what it exposes.
#[derive(Clone, Debug)]
pub struct Options<'a> {
    pub name: &'a str,
    pub description: &'a str,
    /// Pack the outputs into as few public values as their bounds allow.
    pub pack_outputs: bool,
    /// Also output the index of the largest final value (a class).
    pub argmax: bool,
}

/// A quantized model and the scale of its (first) output.
#[derive(Clone, Debug)]
pub struct Quantized {
    pub file: ModelFile,
    pub params: Params,
    /// The output `y` stands for the float `y * 2^output_exp`.
    pub output_exp: i32,
    /// The scales chosen for each linear layer, in order.
    pub scales: Vec<LayerScale>,
}

/// How one linear layer was quantized.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LayerScale {
    /// The model node holding the layer's (rescaled) output.
    pub node: String,
    /// The layer of [`FloatNet::folded`] whose float output that node
    /// stands for.
    pub layer: usize,
    /// Weights `w` stand for `w * 2^weight_exp`.
    pub weight_exp: i32,
    /// The accumulator's exponent: input exponent plus weight exponent.
    pub acc_exp: i32,
    /// The output's exponent (the accumulator's when nothing rescales it).
    pub out_exp: i32,
    /// Whether the output is clamped to int8 (false for a final layer
    /// left at the accumulator's scale).
    pub clamped: bool,
}

/// The largest int8 magnitude; symmetric, so `-128` is never used.
const INT8_MAX: f32 = 127.0;

/// The smallest `e` with `max_abs <= 127 * 2^e`: the power-of-two scale
/// that keeps the largest magnitude within int8.
fn exponent_for(max_abs: f32) -> i32 {
    if max_abs <= 0.0 || !max_abs.is_finite() {
        return i32::MIN;
    }
    (max_abs / INT8_MAX).log2().ceil() as i32
}

fn quantize_values(values: &[f32], exp: i32) -> Vec<i64> {
    let scale = (-exp as f32).exp2();
    values.iter().map(|&v| (v * scale).round() as i64).collect()
}

/// Batch norm folded into the linear layer before it, and the pixel map
/// `(x + 1) / 2` into the linear layer before it, so that each linear layer
/// is followed by at most a plain clamp or relu.
fn fold(net: &FloatNet) -> Result<Vec<Layer>, QuantizeError> {
    let mut out: Vec<Layer> = Vec::with_capacity(net.layers.len());
    for (i, layer) in net.layers.iter().enumerate() {
        match (layer, out.last_mut()) {
            (
                Layer::BatchNorm {
                    gamma,
                    beta,
                    mean,
                    var,
                    eps,
                },
                Some(Layer::Dense { out: o, w, b } | Layer::Conv2d { out: o, w, b, .. }),
            ) => {
                if gamma.len() != *o || beta.len() != *o || mean.len() != *o || var.len() != *o {
                    return Err(QuantizeError::Layer {
                        layer: i,
                        why: format!("batch norm over {} channels follows a layer with {o}", gamma.len()),
                    });
                }
                let per = w.len() / *o;
                for c in 0..*o {
                    let k = gamma[c] / (var[c] + eps).sqrt();
                    w[c * per..(c + 1) * per].iter_mut().for_each(|v| *v *= k);
                    b[c] = (b[c] - mean[c]) * k + beta[c];
                }
            }
            (Layer::BatchNorm { .. }, _) => {
                return Err(QuantizeError::Layer {
                    layer: i,
                    why: "batch norm must follow a dense or conv2d layer to be folded".into(),
                })
            }
            (Layer::Pixels, Some(Layer::Dense { w, b, .. } | Layer::Conv2d { w, b, .. })) => {
                w.iter_mut().for_each(|v| *v *= 0.5);
                b.iter_mut().for_each(|v| *v = (*v + 1.0) * 0.5);
                out.push(Layer::Pixels);
            }
            (Layer::Pixels, _) => {
                return Err(QuantizeError::Layer {
                    layer: i,
                    why: "pixels must follow a dense or conv2d layer".into(),
                })
            }
            (l, _) => out.push(l.clone()),
        }
    }
    Ok(out)
}

impl FloatNet {
    /// The same network with batch norm and the pixel map folded into the
    /// layers before them: the float network the quantized model follows.
    pub fn folded(&self) -> Result<FloatNet, QuantizeError> {
        Ok(FloatNet {
            layers: fold(self)?,
            ..self.clone()
        })
    }
}

/// Largest magnitude of each layer's output over the calibration inputs.
fn calibrate(net: &FloatNet, calibration: &[Vec<i64>]) -> Result<Vec<f32>, QuantizeError> {
    if calibration.is_empty() {
        return Err(QuantizeError::Input("no calibration inputs".into()));
    }
    let mut max = vec![0f32; net.layers.len()];
    for input in calibration {
        let trace = net.trace(&net.dequantize_input(input))?;
        for (m, t) in max.iter_mut().zip(&trace) {
            *m = t.values.iter().fold(*m, |a, v| a.max(v.abs()));
        }
    }
    Ok(max)
}

fn int(v: usize) -> AttrValue {
    AttrValue::Int(v as i64)
}

/// Emits the layers one by one, tracking the current tensor and its scale.
struct Emitter {
    m: ModelBuilder,
    tensor: String,
    exp: i32,
    counts: std::collections::BTreeMap<&'static str, usize>,
    scales: Vec<LayerScale>,
}

impl Emitter {
    fn name(&mut self, kind: &'static str) -> String {
        let n = self.counts.entry(kind).or_insert(0);
        *n += 1;
        format!("{kind}{n}")
    }

    fn op(&mut self, kind: &'static str, op: &str, attrs: &[(&str, AttrValue)]) {
        let name = self.name(kind);
        let input = std::mem::take(&mut self.tensor);
        self.tensor = self.m.op(&name, op, &[&input], attrs);
    }

    /// A linear layer at the current scale; returns the accumulator's scale.
    fn linear(&mut self, i: usize, layer: &Layer) -> Result<i32, QuantizeError> {
        let (kind, w, b, shape, op, attrs): (_, _, _, Vec<usize>, _, Vec<(&str, AttrValue)>) = match layer {
            Layer::Dense { out, w, b } => ("fc", w, b, vec![*out, w.len() / (*out).max(1)], "dense", vec![]),
            Layer::Conv2d {
                out,
                kernel,
                stride,
                pad,
                dilation,
                groups,
                w,
                b,
            } => {
                let cin = w.len() / (out * kernel * kernel).max(1);
                let attrs = vec![
                    ("sh", int(*stride)),
                    ("sw", int(*stride)),
                    ("ph", int(*pad)),
                    ("pw", int(*pad)),
                    ("dh", int(*dilation)),
                    ("dw", int(*dilation)),
                    ("groups", int(*groups)),
                ];
                ("conv", w, b, vec![*out, cin, *kernel, *kernel], "conv2d", attrs)
            }
            _ => unreachable!("called on linear layers only"),
        };
        let max_w = w.iter().fold(0f32, |a, v| a.max(v.abs()));
        let w_exp = exponent_for(max_w);
        if w_exp == i32::MIN {
            return Err(QuantizeError::Layer {
                layer: i,
                why: "every weight is zero (or not finite)".into(),
            });
        }
        let acc_exp = self.exp + w_exp;
        let w_int: Vec<i64> = quantize_values(w, w_exp)
            .into_iter()
            .map(|v| v.clamp(-127, 127))
            .collect();
        let b_int = quantize_values(b, acc_exp);
        let b_max = b_int.iter().fold(0i64, |a, v| a.max(v.abs()));
        let b_prec = Bound::range(-(b_max as i128), b_max as i128).precision().max(2);
        let name = self.name(kind);
        let (wn, bn) = (format!("{name}.w"), format!("{name}.b"));
        self.m.param(&wn, &shape, 8, w_int);
        self.m.param(&bn, &[b.len()], b_prec, b_int);
        let input = std::mem::take(&mut self.tensor);
        self.tensor = self.m.op(&name, op, &[&input, &wn, &bn], &attrs);
        self.scales.push(LayerScale {
            node: self.tensor.clone(),
            layer: i,
            weight_exp: w_exp,
            acc_exp,
            out_exp: acc_exp,
            clamped: false,
        });
        Ok(acc_exp)
    }

    /// Max pooling keeps the scale; so does average pooling, whose
    /// integer mean rounds like the requantizing shifts.
    fn pool(&mut self, kind: PoolKind, [kh, kw]: [usize; 2], [sh, sw]: [usize; 2], [ph, pw]: [usize; 2]) {
        let mut attrs = vec![
            ("kh", int(kh)),
            ("kw", int(kw)),
            ("sh", int(sh)),
            ("sw", int(sw)),
            ("ph", int(ph)),
            ("pw", int(pw)),
        ];
        let op = match kind {
            PoolKind::Max => {
                attrs.push(("ceil_mode", AttrValue::Bool(false)));
                "max_pool2d"
            }
            PoolKind::Avg => "avg_pool2d",
        };
        self.op("pool", op, &attrs);
    }

    /// Brings an accumulator at `acc_exp` to int8 at `out_exp` by a rounding
    /// right shift: `requant` (relu and clamp to [0, 127]) or, for signed
    /// values, `cvm_right_shift`.
    fn rescale(&mut self, i: usize, acc_exp: i32, out_exp: i32, signed: bool) -> Result<(), QuantizeError> {
        let traced = if signed { i } else { i + 1 };
        // A shift of at least 1: a finer output scale than the accumulator's
        // would only add zero bits.
        let out_exp = out_exp.max(acc_exp + 1);
        let s = out_exp - acc_exp;
        if s > 32 {
            return Err(QuantizeError::Layer {
                layer: i,
                why: format!("needs a right shift of {s} bits, more than 32"),
            });
        }
        let op = if signed { "cvm_right_shift" } else { "requant" };
        let name = format!("{}.q", self.tensor);
        let input = std::mem::take(&mut self.tensor);
        self.tensor = self
            .m
            .op(&name, op, &[&input], &[("s", AttrValue::Int(s as i64)), ("p", int(8))]);
        self.exp = out_exp;
        if let Some(last) = self.scales.last_mut() {
            last.node = self.tensor.clone();
            last.layer = traced;
            last.out_exp = out_exp;
            last.clamped = true;
        }
        Ok(())
    }
}

/// Quantizes `net` after calibrating its activation scales on
/// `calibration` (integer inputs, as the model will take them).
///
/// Weights become int8 with one power-of-two scale per tensor, biases
/// integers at the accumulator's scale, and each activation int8 at the
/// power-of-two scale that holds its largest calibrated value, so every
/// rescale is a rounding right shift. Batch norm is folded first.
pub fn quantize(net: &FloatNet, calibration: &[Vec<i64>], opts: &Options) -> Result<Quantized, QuantizeError> {
    let folded = net.folded()?;
    let max = calibrate(&folded, calibration)?;
    let [lo, hi] = net.input_range;
    let mut m = ModelBuilder::new();
    let tensor = m.input_range("x", &net.input_shape, lo, hi, Visibility::Private);
    let mut e = Emitter {
        m,
        tensor,
        exp: net.input_exp,
        counts: Default::default(),
        scales: Vec::new(),
    };
    let layers = &folded.layers;
    let mut i = 0;
    while i < layers.len() {
        match &layers[i] {
            l @ (Layer::Dense { .. } | Layer::Conv2d { .. }) => {
                let acc = e.linear(i, l)?;
                match layers.get(i + 1) {
                    Some(Layer::Relu) => {
                        e.rescale(i, acc, exponent_for(max[i + 1]), false)?;
                        i += 1;
                    }
                    Some(Layer::Pixels) => {
                        // [0, 1] at 2^-7: 7-bit pixels, 1.0 clamped to 127.
                        e.rescale(i, acc, -7, false)?;
                        i += 1;
                    }
                    Some(_) => e.rescale(i, acc, exponent_for(max[i]), true)?,
                    None => e.exp = acc,
                }
            }
            Layer::Relu => e.op("relu", "relu", &[]),
            Layer::Upsample { scale } => e.op("up", "upsampling", &[("scale", int(*scale))]),
            Layer::MaxPool { size } => e.pool(PoolKind::Max, [*size; 2], [*size; 2], [0; 2]),
            Layer::Pool2d {
                kind,
                kernel,
                stride,
                pad,
            } => e.pool(*kind, *kernel, *stride, *pad),
            Layer::Reshape { shape } => {
                let shape = AttrValue::List(shape.iter().map(|&d| d as i64).collect());
                e.op("reshape", "reshape", &[("shape", shape)]);
            }
            Layer::Flatten => e.op("flat", "flatten", &[]),
            Layer::BatchNorm { .. } | Layer::Pixels => unreachable!("removed by fold"),
        }
        i += 1;
    }
    let mut outputs = vec![e.tensor.clone()];
    if opts.argmax {
        // argmax reduces the middle axis of [outer, n, inner]; a [1, n]
        // tensor would be read as [1, 1, n], so the classes go in the middle.
        let n = folded.forward(&folded.dequantize_input(&calibration[0]))?.values.len();
        let shape = AttrValue::List(vec![1, n as i64, 1]);
        let column = e.m.op("classes", "reshape", &[&e.tensor], &[("shape", shape)]);
        outputs.push(e.m.op("class", "argmax", &[&column], &[]));
    }
    if opts.pack_outputs {
        e.m.pack_outputs();
    }
    let output_exp = e.exp;
    let outputs: Vec<&str> = outputs.iter().map(String::as_str).collect();
    let (file, params) = e.m.finish(opts.name, opts.description, &outputs);
    Ok(Quantized {
        file,
        params,
        output_exp,
        scales: e.scales,
    })
}

/// The float value an integer output stands for.
pub fn dequantize(values: &[i64], exp: i32) -> FloatTensor {
    let scale = (exp as f32).exp2();
    FloatTensor {
        shape: vec![values.len()],
        values: values.iter().map(|&v| v as f32 * scale).collect(),
    }
}
