//! From a float network to a section9 model: int8 weights, power-of-two
//! scales, every rescale a right shift.

use super::net::{FloatNet, FloatTensor, Layer, PoolKind};
use super::QuantizeError;
use crate::bound::Bound;
use crate::graph::{AttrValue, ModelBuilder, ModelFile, Params, Visibility};
use std::collections::BTreeSet;

/// What the quantized model is called and what it exposes.
#[derive(Clone, Debug)]
pub struct Options<'a> {
    pub name: &'a str,
    pub description: &'a str,
    /// Pack the outputs into as few public values as their bounds allow.
    pub pack_outputs: bool,
    /// Also output the index of the largest final value (a class).
    pub argmax: bool,
    /// One power-of-two weight scale per output channel instead of one per
    /// tensor: each channel's int8 weights use their full range.
    pub per_channel: bool,
    /// Bias correction: each linear layer's bias absorbs the mean shift its
    /// rounded weights cause on the calibration inputs.
    pub bias_correction: bool,
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
    /// Weights `w` stand for `w * 2^weight_exp` (with per-channel scales,
    /// the finest channel's; the others' are in `channel_exps`).
    pub weight_exp: i32,
    /// Per-channel weight exponents, when they differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub channel_exps: Vec<i32>,
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

/// The layers whose outputs later layers read by index.
fn referenced(layers: &[Layer]) -> BTreeSet<usize> {
    layers.iter().flat_map(Layer::sources).flatten().collect()
}

/// Scales each output channel's weights of a linear layer, `w[o] *= k[o]`,
/// and gives each bias its new value `bias(o, b[o])`.
fn scale_channels(layer: &mut Layer, k: &[f32], bias: impl Fn(usize, f32) -> f32) {
    match layer {
        Layer::Dense { out, w, b } | Layer::Conv2d { out, w, b, .. } => {
            let per = w.len() / (*out).max(1);
            for (o, chunk) in w.chunks_mut(per.max(1)).enumerate() {
                chunk.iter_mut().for_each(|v| *v *= k[o]);
            }
            b.iter_mut().enumerate().for_each(|(o, v)| *v = bias(o, *v));
        }
        Layer::ConvTranspose2d {
            out,
            kernel,
            groups,
            w,
            b,
            ..
        } => {
            // Weights [in, out / groups, k, k]: input channel `ic` feeds
            // output channels `(ic / cg) * og + j`.
            let og = *out / (*groups).max(1);
            let kk = *kernel * *kernel;
            let cg = w.len() / (og * kk * *groups).max(1);
            for (r, chunk) in w.chunks_mut(kk.max(1)).enumerate() {
                let (ic, j) = (r / og.max(1), r % og.max(1));
                let o = (ic / cg.max(1)) * og + j;
                chunk.iter_mut().for_each(|v| *v *= k[o]);
            }
            b.iter_mut().enumerate().for_each(|(o, v)| *v = bias(o, *v));
        }
        _ => unreachable!("called on linear layers only"),
    }
}

/// The output channel each weight of a linear layer with `out` channels
/// feeds, by its index in the weight tensor.
fn output_channel(layer: &Layer, out: usize) -> impl Fn(usize) -> usize {
    let (per, transposed) = match layer {
        Layer::ConvTranspose2d { kernel, groups, w, .. } => {
            let og = out / (*groups).max(1);
            let cg = w.len() / (og * kernel * kernel * (*groups).max(1)).max(1);
            (kernel * kernel, Some((og.max(1), cg.max(1))))
        }
        Layer::Dense { w, .. } | Layer::Conv2d { w, .. } => (w.len() / out.max(1), None),
        _ => (1, None),
    };
    move |k| match transposed {
        // Weights [in, out / groups, k, k].
        Some((og, cg)) => {
            let r = k / per.max(1);
            ((r / og) / cg) * og + r % og
        }
        None => k / per.max(1),
    }
}

fn is_linear(layer: &Layer) -> bool {
    matches!(
        layer,
        Layer::Dense { .. } | Layer::Conv2d { .. } | Layer::ConvTranspose2d { .. }
    )
}

fn out_channels(layer: &Layer) -> usize {
    match layer {
        Layer::Dense { out, .. } | Layer::Conv2d { out, .. } | Layer::ConvTranspose2d { out, .. } => *out,
        _ => 0,
    }
}

/// Batch norm folded into the linear layer before it, and the pixel map
/// `(x + 1) / 2` into the linear layer before it, so that each linear layer
/// is followed by at most a plain clamp or relu. A layer whose output is
/// read elsewhere cannot take such a fold; a batch norm with no linear
/// layer to fold into becomes one of its own ([`per_channel_layer`]).
/// References to later layers are renumbered.
fn fold(net: &FloatNet) -> Result<Vec<Layer>, QuantizeError> {
    let reads = referenced(&net.layers);
    let mut shapes = None;
    let mut out: Vec<Layer> = Vec::with_capacity(net.layers.len());
    let mut index = Vec::with_capacity(net.layers.len());
    let refuse = |layer: usize, why: String| Err(QuantizeError::Layer { layer, why });
    for (i, layer) in net.layers.iter().enumerate() {
        let after_linear = out.last().is_some_and(is_linear) && i > 0 && !reads.contains(&(i - 1));
        match layer {
            Layer::BatchNorm {
                gamma,
                beta,
                mean,
                var,
                eps,
            } => {
                let o = gamma.len();
                if [beta, mean, var].iter().any(|t| t.len() != o) {
                    return refuse(i, format!("batch norm with {o} scales and {} biases", beta.len()));
                }
                let k: Vec<f32> = (0..o).map(|c| gamma[c] / (var[c] + eps).sqrt()).collect();
                match out.last_mut().filter(|_| after_linear) {
                    Some(prev) if out_channels(prev) == o => {
                        scale_channels(prev, &k, |c, b| (b - mean[c]) * k[c] + beta[c]);
                    }
                    Some(prev) => {
                        let n = out_channels(prev);
                        return refuse(i, format!("batch norm over {o} channels follows a layer with {n}"));
                    }
                    None => {
                        let bias = (0..o).map(|c| beta[c] - mean[c] * k[c]).collect();
                        let known = match shapes.take() {
                            Some(known) => known,
                            None => input_shapes(net)?,
                        };
                        out.extend(per_channel_layer(i, &known[i], k, bias)?);
                        shapes = Some(known);
                    }
                }
                index.push(out.len() - 1);
                continue;
            }
            Layer::Pixels if after_linear => {
                let prev = out.last_mut().expect("after a linear layer");
                let o = out_channels(prev);
                scale_channels(prev, &vec![0.5; o], |_, b| (b + 1.0) * 0.5);
            }
            Layer::Pixels if matches!(out.last(), Some(Layer::Tanh | Layer::Sigmoid)) => {}
            Layer::Pixels => return refuse(i, "pixels must follow a dense or convolution layer, or tanh".into()),
            _ => {}
        }
        index.push(out.len());
        out.push(layer.clone());
    }
    for layer in &mut out {
        layer.renumber(&index);
    }
    Ok(out)
}

/// The shape of the tensor each layer reads as its current one: traced
/// once on a zero input.
fn input_shapes(net: &FloatNet) -> Result<Vec<Vec<usize>>, QuantizeError> {
    let zeros = FloatTensor {
        shape: net.input_shape.clone(),
        values: vec![0.0; net.input_shape.iter().product()],
    };
    let trace = net.trace(&zeros)?;
    Ok(std::iter::once(net.input_shape.clone())
        .chain(trace.into_iter().map(|t| t.shape))
        .collect())
}

/// `x * k[c] + b[c]` over channel axis 1 of a tensor of `shape`, as a
/// 1x1 convolution with one weight per channel (groups = channels), so
/// that it quantizes like any linear layer. A tensor that is not an image
/// is viewed as `[1, channels, rest, 1]` around it.
fn per_channel_layer(layer: usize, shape: &[usize], k: Vec<f32>, b: Vec<f32>) -> Result<Vec<Layer>, QuantizeError> {
    let channels = k.len();
    if shape.len() < 2 || shape[1] != channels {
        return Err(QuantizeError::Layer {
            layer,
            why: format!("{channels} per-channel factors for a tensor of shape {shape:?} (channels on axis 1)"),
        });
    }
    let conv = Layer::Conv2d {
        out: channels,
        kernel: 1,
        stride: 1,
        pad: 0,
        dilation: 1,
        groups: channels,
        w: k,
        b,
    };
    if shape.len() == 4 {
        return Ok(vec![conv]);
    }
    let rest = shape[2..].iter().product();
    Ok(vec![
        Layer::Reshape {
            shape: vec![shape[0], channels, rest, 1],
        },
        conv,
        Layer::Reshape { shape: shape.to_vec() },
    ])
}

impl Layer {
    /// Points references at the layers' new positions.
    fn renumber(&mut self, index: &[usize]) {
        let map = |r: &mut Option<usize>| *r = r.map(|j| index[j]);
        match self {
            Layer::Recall { from } => map(from),
            Layer::Add { from } | Layer::Sub { from } | Layer::Mul { from } => from.iter_mut().for_each(map),
            Layer::Concat { from, .. } => from.iter_mut().for_each(map),
            _ => {}
        }
    }
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

/// Largest magnitude, shape and mean of each layer's output over the
/// calibration inputs.
fn calibrate(net: &FloatNet, calibration: &[Vec<i64>]) -> Result<Calibrated, QuantizeError> {
    if calibration.is_empty() {
        return Err(QuantizeError::Input("no calibration inputs".into()));
    }
    let mut max = vec![0f32; net.layers.len()];
    let mut sums: Vec<FloatTensor> = Vec::new();
    for input in calibration {
        let x = net.dequantize_input(input);
        let trace = net.trace(&x)?;
        for (m, t) in max.iter_mut().zip(&trace) {
            *m = t.values.iter().fold(*m, |a, v| a.max(v.abs()));
        }
        let outputs = std::iter::once(x).chain(trace);
        if sums.is_empty() {
            sums = outputs.collect();
        } else {
            for (sum, t) in sums.iter_mut().zip(outputs) {
                sum.values.iter_mut().zip(&t.values).for_each(|(a, v)| *a += v);
            }
        }
    }
    let n = calibration.len() as f32;
    let mut means: Vec<FloatTensor> = sums
        .into_iter()
        .map(|mut t| {
            t.values.iter_mut().for_each(|v| *v /= n);
            t
        })
        .collect();
    let input_mean = means.remove(0);
    let shapes = means.iter().map(|t| t.shape.clone()).collect();
    Ok(Calibrated {
        max,
        shapes,
        means,
        input_mean,
    })
}

fn int(v: usize) -> AttrValue {
    AttrValue::Int(v as i64)
}

/// What calibration learnt of each layer: its largest magnitude, the
/// shape of its output and its mean (element by element), and the mean
/// input.
struct Calibrated {
    max: Vec<f32>,
    shapes: Vec<Vec<usize>>,
    means: Vec<FloatTensor>,
    input_mean: FloatTensor,
}

impl Calibrated {
    /// The mean of the tensor layer `i` reads as its current one.
    fn mean_input(&self, i: usize) -> &FloatTensor {
        i.checked_sub(1).map_or(&self.input_mean, |j| &self.means[j])
    }
}

/// What rounding the weights of the linear `layer` (at layer `i`) to
/// `rounded` shifts each output channel by, on average over the
/// calibration inputs: the layer with the weight errors as weights and no
/// bias, applied to the mean input (exact by linearity, padding
/// included), averaged over each channel's positions.
fn rounding_shift(i: usize, layer: &Layer, rounded: &[f32], mean: &FloatTensor) -> Result<Vec<f32>, QuantizeError> {
    let mut errors = layer.clone();
    let (Layer::Dense { w, b, .. } | Layer::Conv2d { w, b, .. } | Layer::ConvTranspose2d { w, b, .. }) = &mut errors
    else {
        unreachable!("called on linear layers only")
    };
    w.iter_mut().zip(rounded).for_each(|(w, r)| *w = r - *w);
    b.iter_mut().for_each(|b| *b = 0.0);
    let channels = b.len();
    let shift = errors.forward(i, mean)?;
    let per = shift.values.len() / channels.max(1);
    Ok(shift
        .values
        .chunks(per.max(1))
        .map(|c| c.iter().sum::<f32>() / per.max(1) as f32)
        .collect())
}

/// Emits the layers one by one, tracking the current tensor and its scale.
struct Emitter {
    m: ModelBuilder,
    tensor: String,
    exp: i32,
    counts: std::collections::BTreeMap<&'static str, usize>,
    scales: Vec<LayerScale>,
    /// Each layer's output tensor and exponent, for layers read later.
    outs: Vec<(String, i32)>,
    input: (String, i32),
    /// Whether the last entry of `scales` still waits for its rescale.
    open_linear: bool,
    per_channel: bool,
    bias_correction: bool,
}

/// How a layer's output is brought back to int8.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rescale {
    /// Relu and clamp to `[0, 127]` (`requant`).
    Relu,
    /// Signed, clamped to `[-127, 127]` (`cvm_right_shift`).
    Signed,
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

    /// The output of layer `from` (`None`: the input) and its exponent.
    fn read(&self, from: Option<usize>) -> (String, i32) {
        from.map_or_else(|| self.input.clone(), |j| self.outs[j].clone())
    }

    /// A constant of the architecture: public in every weight mode.
    fn constant(&mut self, name: String, shape: &[usize], values: Vec<i64>) -> String {
        let top = values.iter().fold(1i64, |a, v| a.max(v.abs()));
        let prec = Bound::range(-(top as i128), top as i128).precision().max(2);
        self.m.public_param(&name, shape, prec, values)
    }

    /// A linear layer at the current scale; returns the accumulator's scale.
    fn linear(&mut self, i: usize, layer: &Layer, cal: &Calibrated) -> Result<i32, QuantizeError> {
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
            Layer::ConvTranspose2d {
                out,
                kernel,
                stride,
                pad,
                output_pad,
                groups,
                w,
                b,
            } => {
                let og = out / (*groups).max(1);
                let cin = w.len() / (og * kernel * kernel).max(1);
                let attrs = vec![
                    ("sh", int(*stride)),
                    ("sw", int(*stride)),
                    ("ph", int(*pad)),
                    ("pw", int(*pad)),
                    ("oph", int(*output_pad)),
                    ("opw", int(*output_pad)),
                    ("dh", int(1)),
                    ("dw", int(1)),
                    ("groups", int(*groups)),
                    ("o", int(*out)),
                ];
                (
                    "deconv",
                    w,
                    b,
                    vec![cin, og, *kernel, *kernel],
                    "conv_transpose2d",
                    attrs,
                )
            }
            _ => unreachable!("called on linear layers only"),
        };
        let out = b.len();
        let channel = output_channel(layer, out);
        let mut max_w = vec![0f32; if self.per_channel { out } else { 1 }];
        for (k, v) in w.iter().enumerate() {
            let c = if self.per_channel { channel(k) } else { 0 };
            max_w[c] = max_w[c].max(v.abs());
        }
        let exps: Vec<i32> = max_w.iter().map(|&m| exponent_for(m)).collect();
        // A channel far finer than the tensor's widest (a dead unit's tiny
        // weights) gains nothing past 16 bits and would only widen the
        // accumulator.
        let widest = exps.iter().copied().max().unwrap_or(i32::MIN);
        let exps: Vec<i32> = exps
            .iter()
            .map(|&e| if e == i32::MIN { e } else { e.max(widest - 16) })
            .collect();
        let Some(w_exp) = exps.iter().copied().filter(|&e| e != i32::MIN).min() else {
            return Err(QuantizeError::Layer {
                layer: i,
                why: "every weight is zero (or not finite)".into(),
            });
        };
        // An all-zero channel takes the finest scale; its weights are 0.
        let per_channel = self.per_channel;
        let exp_of = |c: usize| match exps[if per_channel { c } else { 0 }] {
            i32::MIN => w_exp,
            e => e,
        };
        let acc_exp = self.exp + w_exp;
        let w_int: Vec<i64> = w
            .iter()
            .enumerate()
            .map(|(k, &v)| (v * (-exp_of(channel(k)) as f32).exp2()).round().clamp(-127.0, 127.0) as i64)
            .collect();
        let shift = if self.bias_correction {
            let rounded: Vec<f32> = (w_int.iter().enumerate())
                .map(|(k, &q)| q as f32 * (exp_of(channel(k)) as f32).exp2())
                .collect();
            rounding_shift(i, layer, &rounded, cal.mean_input(i))?
        } else {
            vec![0.0; out]
        };
        let b_int: Vec<i64> = b
            .iter()
            .zip(&shift)
            .enumerate()
            .map(|(c, (&v, d))| ((v - d) * (-(self.exp + exp_of(c)) as f32).exp2()).round() as i64)
            .collect();
        let b_max = b_int.iter().fold(0u64, |a, v| a.max(v.unsigned_abs()));
        if b_max >= 1 << 40 {
            return Err(QuantizeError::Layer {
                layer: i,
                why: format!(
                    "a bias is {b_max} steps of the accumulator's scale 2^{acc_exp}: too large for its weights"
                ),
            });
        }
        let b_prec = Bound::range(-(b_max as i128), b_max as i128).precision().max(2);
        let name = self.name(kind);
        let (wn, bn) = (format!("{name}.w"), format!("{name}.b"));
        self.m.param(&wn, &shape, 8, w_int);
        self.m.param(&bn, &[b.len()], b_prec, b_int);
        let input = std::mem::take(&mut self.tensor);
        self.tensor = self.m.op(&name, op, &[&input, &wn, &bn], &attrs);
        let channel_exps: Vec<i32> = (0..out).map(exp_of).collect();
        if channel_exps.iter().any(|&e| e != w_exp) {
            // Each channel's accumulator times 2^(e_c - e_min): all at the
            // finest channel's scale, exactly, for free (a product with a
            // constant).
            let factors: Vec<i64> = channel_exps.iter().map(|&e| 1i64 << (e - w_exp).min(30)).collect();
            let dims = if matches!(layer, Layer::Dense { .. }) {
                vec![out]
            } else {
                vec![out, 1, 1]
            };
            let k = self.constant(format!("{name}.align"), &dims, factors);
            let acc = std::mem::take(&mut self.tensor);
            self.tensor = self.m.op(&format!("{name}.aligned"), "broadcast_mul", &[&acc, &k], &[]);
        }
        self.scales.push(LayerScale {
            node: self.tensor.clone(),
            layer: i,
            weight_exp: w_exp,
            channel_exps: if self.per_channel { channel_exps } else { Vec::new() },
            acc_exp,
            out_exp: acc_exp,
            clamped: false,
        });
        self.open_linear = true;
        Ok(acc_exp)
    }

    /// `x * 2^shift` for a tensor `x`, free: a product with a constant.
    fn times_power_of_two(&mut self, x: &str, shift: i32) -> Result<String, QuantizeError> {
        if shift == 0 {
            return Ok(x.to_string());
        }
        if !(1..=30).contains(&shift) {
            return Err(QuantizeError::Input(format!(
                "`{x}` needs a left shift of {shift} bits"
            )));
        }
        let name = self.name("align");
        let factor = self.constant(format!("{name}.k"), &[1], vec![1i64 << shift]);
        Ok(self.m.op(&name, "broadcast_mul", &[x, &factor], &[]))
    }

    /// The sum, difference (at the finer of the two scales) or product of
    /// two earlier outputs; returns the result's scale.
    fn binary(&mut self, layer: &Layer, from: [Option<usize>; 2]) -> Result<i32, QuantizeError> {
        let ((a, ea), (b, eb)) = (self.read(from[0]), self.read(from[1]));
        self.open_linear = false;
        let (kind, op) = match layer {
            Layer::Sub { .. } => ("sub", "broadcast_sub"),
            Layer::Mul { .. } => ("mul", "broadcast_mul"),
            _ => ("add", "broadcast_add"),
        };
        let name = self.name(kind);
        if kind == "mul" {
            self.tensor = self.m.op(&name, op, &[&a, &b], &[]);
            return Ok(ea + eb);
        }
        let e = ea.min(eb);
        let a = self.times_power_of_two(&a, ea - e)?;
        let b = self.times_power_of_two(&b, eb - e)?;
        self.tensor = self.m.op(&name, op, &[&a, &b], &[]);
        Ok(e)
    }

    /// `max(x * 2^m, x * c)` with `c = round(slope * 2^m)`: 2^m times the
    /// leaky relu of `x` for slopes in `[0, 1]`. `m` is the fewest bits
    /// (up to 8) that hold every slope exactly; a slope that needs more
    /// is rounded to 8 bits. Returns `m`.
    fn leaky(&mut self, slope: &[f32], channels: usize, rank: usize) -> Result<i32, QuantizeError> {
        let exact = |m: i32| slope.iter().all(|s| (s * (m as f32).exp2()).fract() == 0.0);
        let m = (0..=8).find(|&m| exact(m)).unwrap_or(8);
        let c: Vec<i64> = slope.iter().map(|s| (s * (m as f32).exp2()).round() as i64).collect();
        let shape = match (c.len(), rank) {
            (1, _) => vec![1],
            (_, 4) => vec![channels, 1, 1],
            _ => vec![channels],
        };
        let name = self.name("leaky");
        let x = std::mem::take(&mut self.tensor);
        let slope_param = self.constant(format!("{name}.slope"), &shape, c);
        let scaled = self.times_power_of_two(&x, m)?;
        let sloped = self
            .m
            .op(&format!("{name}.neg"), "broadcast_mul", &[&x, &slope_param], &[]);
        self.tensor = self.m.op(&name, "broadcast_max", &[&scaled, &sloped], &[]);
        Ok(m)
    }

    /// `clamp(x, min, max)` on an int8 tensor at the current scale.
    fn clip(&mut self, i: usize, min: f32, max: f32) -> Result<(), QuantizeError> {
        let unit = (self.exp as f32).exp2();
        let lo = ((min / unit).round() as i64).max(-127);
        let hi = ((max / unit).round() as i64).min(127);
        if lo > hi {
            return Err(QuantizeError::Layer {
                layer: i,
                why: format!("clip [{min}, {max}] is empty at the scale 2^{}", self.exp),
            });
        }
        self.op(
            "clip",
            "clip",
            &[("a_min", AttrValue::Int(lo)), ("a_max", AttrValue::Int(hi))],
        );
        Ok(())
    }

    /// Tanh or sigmoid of an int8 tensor through a table of its 255
    /// values, to int8 at `2^-7`; `pixels` maps the result `v` to
    /// `clamp((v + 1) / 2, 0, 1)` in the same table.
    fn table(&mut self, layer: &Layer, pixels: bool, shape: &[usize]) {
        let unit = (self.exp as f64).exp2();
        let f = |v: f64| {
            let y = if matches!(layer, Layer::Tanh) {
                v.tanh()
            } else {
                1.0 / (1.0 + (-v).exp())
            };
            if pixels {
                ((y + 1.0) / 2.0).clamp(0.0, 1.0)
            } else {
                y
            }
        };
        let values: Vec<i64> = (-127..=127)
            .map(|q| ((128.0 * f(q as f64 * unit)).round() as i64).clamp(-127, 127))
            .collect();
        let name = self.name(if matches!(layer, Layer::Tanh) {
            "tanh"
        } else {
            "sigmoid"
        });
        let offset = self.constant(format!("{name}.offset"), &[1], vec![127]);
        let table = self.constant(format!("{name}.table"), &[1, 255, 1], values);
        let x = std::mem::take(&mut self.tensor);
        let index = self
            .m
            .op(&format!("{name}.index"), "broadcast_add", &[&x, &offset], &[]);
        let looked = self.m.op(&format!("{name}.lookup"), "take", &[&table, &index], &[]);
        let dims = AttrValue::List(shape.iter().map(|&d| d as i64).collect());
        self.tensor = self.m.op(&name, "reshape", &[&looked], &[("shape", dims)]);
        if pixels {
            // The table holds no negative value, but the lookup's bound is
            // its precision's: a relu gives pictures their [0, 127] bound.
            self.op("pixels", "relu", &[]);
        }
        self.exp = -7;
    }

    /// Joins earlier outputs, each brought to the coarsest of their scales.
    fn concat(&mut self, from: &[Option<usize>], axis: usize, rank: usize) -> Result<(), QuantizeError> {
        let parts: Vec<(String, i32)> = from.iter().map(|&f| self.read(f)).collect();
        let e = parts.iter().map(|p| p.1).max().unwrap_or(self.exp);
        let mut joined: Option<String> = None;
        for (t, pe) in parts {
            let t = if pe < e {
                let name = format!("{t}.to{}", self.name("scale"));
                let s = AttrValue::Int((e - pe) as i64);
                self.m.op(&name, "cvm_right_shift", &[&t], &[("s", s), ("p", int(8))])
            } else {
                t
            };
            joined = Some(match joined {
                None => t,
                Some(j) => {
                    let name = self.name("concat");
                    let axis = int(axis + 4 - rank.min(4));
                    self.m.op(&name, "concatenate", &[&j, &t], &[("axis", axis)])
                }
            });
        }
        self.tensor = joined.unwrap_or_default();
        self.exp = e;
        Ok(())
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
    /// values, `cvm_right_shift`. `traced` is the layer whose float output
    /// the result stands for.
    fn rescale(&mut self, traced: usize, acc_exp: i32, out_exp: i32, how: Rescale) -> Result<(), QuantizeError> {
        // A shift of at least 1: a finer output scale than the accumulator's
        // would only add zero bits.
        let out_exp = out_exp.max(acc_exp + 1);
        let s = out_exp - acc_exp;
        if s > 32 {
            return Err(QuantizeError::Layer {
                layer: traced,
                why: format!("needs a right shift of {s} bits, more than 32"),
            });
        }
        let op = match how {
            Rescale::Signed => "cvm_right_shift",
            Rescale::Relu => "requant",
        };
        let name = format!("{}.q", self.tensor);
        let input = std::mem::take(&mut self.tensor);
        self.tensor = self
            .m
            .op(&name, op, &[&input], &[("s", AttrValue::Int(s as i64)), ("p", int(8))]);
        self.exp = out_exp;
        if let Some(last) = self.scales.last_mut().filter(|_| std::mem::take(&mut self.open_linear)) {
            last.node = self.tensor.clone();
            last.layer = traced;
            last.out_exp = out_exp;
            last.clamped = true;
        }
        Ok(())
    }

    /// After a layer that leaves a wide accumulator (linear, add) at
    /// `acc`: the activation that follows, fused where it can be, and the
    /// rescale to int8. Returns how many following layers it consumed.
    fn finish_accumulator(
        &mut self,
        i: usize,
        acc: i32,
        next: Option<&Layer>,
        cal: &Calibrated,
    ) -> Result<usize, QuantizeError> {
        let at = |j: usize| exponent_for(cal.max[j]);
        match next {
            None => {
                self.exp = acc;
                Ok(0)
            }
            Some(Layer::Relu) => self.rescale(i + 1, acc, at(i + 1), Rescale::Relu).map(|_| 1),
            // [0, 1] at 2^-7: 7-bit pixels, 1.0 clamped to 127.
            Some(Layer::Pixels) => self.rescale(i + 1, acc, -7, Rescale::Relu).map(|_| 1),
            Some(Layer::LeakyRelu { slope }) => {
                let shape = &cal.shapes[i];
                let m = self.leaky(slope, shape.get(1).copied().unwrap_or(1), shape.len())?;
                self.rescale(i + 1, acc - m, at(i + 1), Rescale::Signed).map(|_| 1)
            }
            Some(Layer::Clip { min, max }) => {
                self.rescale(i + 1, acc, at(i + 1), Rescale::Signed)?;
                self.clip(i + 1, *min, *max).map(|_| 1)
            }
            Some(Layer::Tanh | Layer::Sigmoid) => {
                // Past 4 (tanh) or 8 (sigmoid) the table is flat at int8
                // precision: a finer scale serves the curve better.
                let cap = if matches!(next, Some(Layer::Tanh)) { 4.0 } else { 8.0 };
                self.rescale(i, acc, at(i).min(exponent_for(cap)), Rescale::Signed)
                    .map(|_| 0)
            }
            Some(_) => self.rescale(i, acc, at(i), Rescale::Signed).map(|_| 0),
        }
    }

    /// Emits layer `i` (and the layers it fuses); returns how many layers
    /// it consumed.
    fn layer(
        &mut self,
        i: usize,
        layers: &[Layer],
        cal: &Calibrated,
        reads: &BTreeSet<usize>,
    ) -> Result<usize, QuantizeError> {
        // An output read elsewhere must exist on its own: nothing fuses
        // into it.
        let next = layers.get(i + 1).filter(|_| !reads.contains(&i));
        let wide = |e: &mut Emitter, acc: i32| {
            if reads.contains(&i) && i + 1 < layers.len() {
                // Every reader gets the same int8 tensor, with nothing fused.
                e.rescale(i, acc, exponent_for(cal.max[i]), Rescale::Signed).map(|_| 1)
            } else {
                e.finish_accumulator(i, acc, next, cal).map(|n| n + 1)
            }
        };
        match &layers[i] {
            l if is_linear(l) => {
                let acc = self.linear(i, l, cal)?;
                wide(self, acc)
            }
            Layer::Add { from } | Layer::Sub { from } | Layer::Mul { from } => {
                let acc = self.binary(&layers[i], *from)?;
                wide(self, acc)
            }
            Layer::Relu => {
                self.op("relu", "relu", &[]);
                Ok(1)
            }
            Layer::LeakyRelu { slope } => {
                let shape = &cal.shapes[i];
                let m = self.leaky(slope, shape.get(1).copied().unwrap_or(1), shape.len())?;
                if m > 0 {
                    self.rescale(i, self.exp - m, self.exp, Rescale::Signed)?;
                }
                Ok(1)
            }
            Layer::Clip { min, max } => self.clip(i, *min, *max).map(|_| 1),
            l @ (Layer::Tanh | Layer::Sigmoid) => {
                let pixels = matches!(next, Some(Layer::Pixels));
                let shape = cal.shapes[i].clone();
                self.table(l, pixels, &shape);
                Ok(1 + usize::from(pixels))
            }
            Layer::Recall { from } => {
                (self.tensor, self.exp) = self.read(*from);
                Ok(1)
            }
            Layer::Concat { from, axis } => self.concat(from, *axis, cal.shapes[i].len()).map(|_| 1),
            Layer::Upsample { scale } => {
                self.op("up", "upsampling", &[("scale", int(*scale))]);
                Ok(1)
            }
            Layer::MaxPool { size } => {
                self.pool(PoolKind::Max, [*size; 2], [*size; 2], [0; 2]);
                Ok(1)
            }
            Layer::Pool2d {
                kind,
                kernel,
                stride,
                pad,
            } => {
                self.pool(*kind, *kernel, *stride, *pad);
                Ok(1)
            }
            Layer::Reshape { shape } => {
                let shape = AttrValue::List(shape.iter().map(|&d| d as i64).collect());
                self.op("reshape", "reshape", &[("shape", shape)]);
                Ok(1)
            }
            Layer::Flatten => {
                self.op("flat", "flatten", &[]);
                Ok(1)
            }
            Layer::Pad {
                pads: [top, left, bottom, right],
            } => {
                let sides = [("top", top), ("bottom", bottom), ("left", left), ("right", right)];
                let mut attrs: Vec<(&str, AttrValue)> = sides.iter().map(|(k, v)| (*k, int(**v))).collect();
                attrs.push(("value", AttrValue::Int(0)));
                self.op("pad", "pad", &attrs);
                Ok(1)
            }
            Layer::Transpose { perm } => {
                // The operator permutes rank-4 tensors, shapes padded with
                // leading 1s.
                let lead = 4 - perm.len().min(4);
                let full = (0..lead).chain(perm.iter().map(|p| p + lead));
                let names = ["p0", "p1", "p2", "p3"];
                let attrs: Vec<(&str, AttrValue)> = names.iter().zip(full).map(|(k, p)| (*k, int(p))).collect();
                self.op("transpose", "transpose", &attrs);
                Ok(1)
            }
            Layer::Pixels => Err(QuantizeError::Layer {
                layer: i,
                why: "pixels must follow a dense or convolution layer, or tanh".into(),
            }),
            _ => unreachable!("batch norm is removed by fold, linear layers matched above"),
        }
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
    let cal = calibrate(&folded, calibration)?;
    let [lo, hi] = net.input_range;
    let mut m = ModelBuilder::new();
    let tensor = m.input_range("x", &net.input_shape, lo, hi, Visibility::Private);
    let mut e = Emitter {
        m,
        input: (tensor.clone(), net.input_exp),
        tensor,
        exp: net.input_exp,
        counts: Default::default(),
        scales: Vec::new(),
        outs: Vec::with_capacity(folded.layers.len()),
        open_linear: false,
        per_channel: opts.per_channel,
        bias_correction: opts.bias_correction,
    };
    let layers = &folded.layers;
    let reads = referenced(layers);
    let mut i = 0;
    while i < layers.len() {
        let used = e.layer(i, layers, &cal, &reads)?;
        for _ in 0..used {
            e.outs.push((e.tensor.clone(), e.exp));
        }
        i += used;
    }
    let mut outputs = vec![e.tensor.clone()];
    if opts.argmax {
        // argmax reduces the middle axis of [outer, n, inner]; a [1, n]
        // tensor would be read as [1, 1, n], so the classes go in the middle.
        let n = cal.shapes.last().map_or(0, |s| s.iter().product::<usize>());
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
