//! Float networks as trainers hand them over, and their float forward pass,
//! which calibration and accuracy reports run without any ML framework.

use super::QuantizeError;
use serde::{Deserialize, Serialize};

/// A feed-forward float network on one sample.
///
/// Weight layouts follow PyTorch and candle: dense `[out, in]`, convolution
/// `[out, in, k, k]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloatNet {
    /// Shape of one input, batch axis included (`[1, 16]`, `[1, 1, 8, 8]`).
    pub input_shape: Vec<usize>,
    /// The integer input `x` stands for the float `x * 2^input_exp`.
    pub input_exp: i32,
    /// Bounds of the integer input.
    pub input_range: [i64; 2],
    pub layers: Vec<Layer>,
}

/// One layer. Activations follow the linear layer they belong to, so the
/// quantizer can fuse them into its requantization.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "layer", rename_all = "snake_case")]
pub enum Layer {
    Dense {
        out: usize,
        w: Vec<f32>,
        b: Vec<f32>,
    },
    /// Square kernel, stride, padding and dilation; `groups` splits the
    /// channels (weights `[out, in / groups, k, k]`).
    Conv2d {
        out: usize,
        kernel: usize,
        stride: usize,
        pad: usize,
        #[serde(default = "one", skip_serializing_if = "is_one")]
        dilation: usize,
        #[serde(default = "one", skip_serializing_if = "is_one")]
        groups: usize,
        w: Vec<f32>,
        b: Vec<f32>,
    },
    /// Transposed convolution, square kernel, weights `[in, out / groups,
    /// k, k]` as PyTorch and ONNX store them; `output_pad` extra rows and
    /// columns at the bottom and right.
    ConvTranspose2d {
        out: usize,
        kernel: usize,
        stride: usize,
        pad: usize,
        #[serde(default, skip_serializing_if = "is_zero")]
        output_pad: usize,
        #[serde(default = "one", skip_serializing_if = "is_one")]
        groups: usize,
        w: Vec<f32>,
        b: Vec<f32>,
    },
    /// Inference-mode batch normalisation over the channel axis (axis 1).
    BatchNorm {
        gamma: Vec<f32>,
        beta: Vec<f32>,
        mean: Vec<f32>,
        var: Vec<f32>,
        eps: f32,
    },
    Relu,
    /// `x` where it is positive, `slope * x` elsewhere, with one slope or
    /// one per channel (axis 1), each in `[0, 1]`: LeakyRelu and PRelu.
    LeakyRelu {
        slope: Vec<f32>,
    },
    /// `clamp(x, min, max)`.
    Clip {
        min: f32,
        max: f32,
    },
    Tanh,
    Sigmoid,
    /// The output of an earlier layer (`None`: the network's input) becomes
    /// the current tensor again, for a branch that starts there.
    Recall {
        from: Option<usize>,
    },
    /// The sum of two earlier outputs (a residual connection), shapes
    /// broadcast as numpy does (aligned from the last axis, a length of 1
    /// stretched).
    Add {
        from: [Option<usize>; 2],
    },
    /// `a - b` of two earlier outputs, broadcast as [`Layer::Add`].
    Sub {
        from: [Option<usize>; 2],
    },
    /// `a * b` of two earlier outputs, broadcast as [`Layer::Add`]: a gate
    /// (`x * sigmoid(x)`, squeeze-and-excitation).
    Mul {
        from: [Option<usize>; 2],
    },
    /// Earlier outputs joined along `axis` (batch axis included).
    Concat {
        from: Vec<Option<usize>>,
        axis: usize,
    },
    /// `clamp((x + 1) / 2, 0, 1)`: a generator's `[-1, 1]` output (trained
    /// through tanh) as an image in `[0, 1]`, which quantizes to 7-bit pixels.
    Pixels,
    Upsample {
        scale: usize,
    },
    /// Max pool with stride equal to the window and no padding.
    MaxPool {
        size: usize,
    },
    /// Max or average pool over `[height, width]` windows. Padded cells are
    /// ignored by max and count 0 in the average, which divides by the
    /// window's area.
    Pool2d {
        kind: PoolKind,
        kernel: [usize; 2],
        stride: [usize; 2],
        pad: [usize; 2],
    },
    Reshape {
        shape: Vec<usize>,
    },
    Flatten,
    /// Zeros around the last two axes: `[top, left, bottom, right]`.
    Pad {
        pads: [usize; 4],
    },
    /// Axes permuted: output axis `k` is input axis `perm[k]`; the batch
    /// axis stays first.
    Transpose {
        perm: Vec<usize>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    Max,
    Avg,
}

fn one() -> usize {
    1
}

fn is_one(v: &usize) -> bool {
    *v == 1
}

fn is_zero(v: &usize) -> bool {
    *v == 0
}

/// A tensor of one sample: values row-major and the shape, batch axis first.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatTensor {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

fn fail(layer: usize, why: String) -> QuantizeError {
    QuantizeError::Layer { layer, why }
}

/// `[channels, height, width]` of an image-shaped tensor.
fn chw(layer: usize, shape: &[usize]) -> Result<(usize, usize, usize), QuantizeError> {
    match shape {
        [1, c, h, w] => Ok((*c, *h, *w)),
        _ => Err(fail(layer, format!("needs a [1, c, h, w] input, got {shape:?}"))),
    }
}

fn expect_len(layer: usize, what: &str, got: usize, want: usize) -> Result<(), QuantizeError> {
    if got == want {
        Ok(())
    } else {
        Err(fail(layer, format!("{what} has {got} values, expected {want}")))
    }
}

impl Layer {
    /// Applies the layer, checking that its weights fit the input.
    pub fn forward(&self, layer: usize, x: &FloatTensor) -> Result<FloatTensor, QuantizeError> {
        let v = &x.values;
        Ok(match self {
            Layer::Dense { out, w, b } => {
                let k = match x.shape.as_slice() {
                    [1, k] => *k,
                    s => return Err(fail(layer, format!("dense needs a [1, k] input, got {s:?}"))),
                };
                expect_len(layer, "the weight", w.len(), out * k)?;
                expect_len(layer, "the bias", b.len(), *out)?;
                let values = (0..*out)
                    .map(|j| b[j] + w[j * k..(j + 1) * k].iter().zip(v).map(|(a, c)| a * c).sum::<f32>())
                    .collect();
                FloatTensor {
                    shape: vec![1, *out],
                    values,
                }
            }
            Layer::Conv2d {
                out,
                kernel,
                stride,
                pad,
                dilation,
                groups,
                w,
                b,
            } => conv2d(layer, x, *out, [*kernel, *stride, *pad, *dilation, *groups], w, b)?,
            Layer::BatchNorm {
                gamma,
                beta,
                mean,
                var,
                eps,
            } => {
                let c = x.shape.get(1).copied().unwrap_or(0);
                for (what, t) in [("gamma", gamma), ("beta", beta), ("mean", mean), ("var", var)] {
                    expect_len(layer, what, t.len(), c)?;
                }
                let per = v.len() / c.max(1);
                let values = v
                    .iter()
                    .enumerate()
                    .map(|(i, &a)| {
                        let ch = i / per;
                        (a - mean[ch]) / (var[ch] + eps).sqrt() * gamma[ch] + beta[ch]
                    })
                    .collect();
                FloatTensor {
                    shape: x.shape.clone(),
                    values,
                }
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
            } => conv_transpose2d(layer, x, *out, [*kernel, *stride, *pad, *output_pad, *groups], w, b)?,
            Layer::Relu => map(x, |a| a.max(0.0)),
            Layer::LeakyRelu { slope } => {
                let c = x.shape.get(1).copied().unwrap_or(0);
                if slope.len() != 1 && slope.len() != c {
                    return Err(fail(layer, format!("{} slopes for {c} channels", slope.len())));
                }
                let per = v.len() / c.max(1);
                let values = v
                    .iter()
                    .enumerate()
                    .map(|(i, &a)| {
                        if a > 0.0 {
                            a
                        } else {
                            a * slope[(i / per.max(1)).min(slope.len() - 1)]
                        }
                    })
                    .collect();
                FloatTensor {
                    shape: x.shape.clone(),
                    values,
                }
            }
            Layer::Clip { min, max } => map(x, |a| a.clamp(*min, *max)),
            Layer::Tanh => map(x, f32::tanh),
            Layer::Sigmoid => map(x, |a| 1.0 / (1.0 + (-a).exp())),
            Layer::Recall { .. } | Layer::Add { .. } | Layer::Sub { .. } | Layer::Mul { .. } | Layer::Concat { .. } => {
                return Err(fail(
                    layer,
                    "reads earlier layers: run it through FloatNet::trace".into(),
                ))
            }
            Layer::Pixels => map(x, |a| ((a + 1.0) / 2.0).clamp(0.0, 1.0)),
            Layer::Upsample { scale } => {
                let (c, h, wd) = chw(layer, &x.shape)?;
                let s = *scale;
                let (oh, ow) = (h * s, wd * s);
                let mut values = Vec::with_capacity(c * oh * ow);
                for ch in 0..c {
                    for y in 0..oh {
                        for xx in 0..ow {
                            values.push(v[(ch * h + y / s) * wd + xx / s]);
                        }
                    }
                }
                FloatTensor {
                    shape: vec![1, c, oh, ow],
                    values,
                }
            }
            Layer::MaxPool { size } => pool2d(layer, x, PoolKind::Max, [*size; 2], [*size; 2], [0; 2])?,
            Layer::Pool2d {
                kind,
                kernel,
                stride,
                pad,
            } => pool2d(layer, x, *kind, *kernel, *stride, *pad)?,
            Layer::Reshape { shape } => {
                expect_len(layer, "the reshape target", shape.iter().product(), v.len())?;
                FloatTensor {
                    shape: shape.clone(),
                    values: v.clone(),
                }
            }
            Layer::Flatten => FloatTensor {
                shape: vec![1, v.len()],
                values: v.clone(),
            },
            Layer::Pad { pads } => pad(layer, x, *pads)?,
            Layer::Transpose { perm } => transpose(layer, x, perm)?,
        })
    }
}

/// Input and output channels per group, when `g` groups divide both.
fn groups(layer: usize, c: usize, out: usize, g: usize) -> Result<(usize, usize), QuantizeError> {
    if g == 0 || !c.is_multiple_of(g) || !out.is_multiple_of(g) {
        return Err(fail(
            layer,
            format!("{g} groups do not divide {c} input and {out} output channels"),
        ));
    }
    Ok((c / g, out / g))
}

/// Convolution with `geometry = [kernel, stride, pad, dilation, groups]`.
fn conv2d(
    layer: usize,
    x: &FloatTensor,
    out: usize,
    geometry: [usize; 5],
    w: &[f32],
    b: &[f32],
) -> Result<FloatTensor, QuantizeError> {
    let [k, s, p, d, g] = geometry;
    let (c, h, wd) = chw(layer, &x.shape)?;
    let (cg, og) = groups(layer, c, out, g)?;
    expect_len(layer, "the weight", w.len(), out * cg * k * k)?;
    expect_len(layer, "the bias", b.len(), out)?;
    let span = d * k.saturating_sub(1) + 1;
    if k == 0 || s == 0 || d == 0 || h + 2 * p < span || wd + 2 * p < span {
        return Err(fail(
            layer,
            format!("kernel {k} stride {s} pad {p} dilation {d} do not fit {h}x{wd}"),
        ));
    }
    let (oh, ow) = ((h + 2 * p - span) / s + 1, (wd + 2 * p - span) / s + 1);
    let tap = |ic: usize, oy: usize, ox: usize, ky: usize, kx: usize| {
        let (iy, ix) = (
            (oy * s + ky * d) as isize - p as isize,
            (ox * s + kx * d) as isize - p as isize,
        );
        let inside = iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < wd;
        inside.then(|| x.values[(ic * h + iy as usize) * wd + ix as usize])
    };
    let mut values = Vec::with_capacity(out * oh * ow);
    for o in 0..out {
        let first = (o / og) * cg;
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = b[o];
                for ic in 0..cg {
                    for ky in 0..k {
                        for kx in 0..k {
                            if let Some(v) = tap(first + ic, oy, ox, ky, kx) {
                                acc += v * w[((o * cg + ic) * k + ky) * k + kx];
                            }
                        }
                    }
                }
                values.push(acc);
            }
        }
    }
    Ok(FloatTensor {
        shape: vec![1, out, oh, ow],
        values,
    })
}

/// Transposed convolution with `geometry = [kernel, stride, pad,
/// output_pad, groups]`: each input value scatters into a `k x k` window.
fn conv_transpose2d(
    layer: usize,
    x: &FloatTensor,
    out: usize,
    geometry: [usize; 5],
    w: &[f32],
    b: &[f32],
) -> Result<FloatTensor, QuantizeError> {
    let [k, s, p, op, g] = geometry;
    let (c, h, wd) = chw(layer, &x.shape)?;
    let (cg, og) = groups(layer, c, out, g)?;
    expect_len(layer, "the weight", w.len(), c * og * k * k)?;
    expect_len(layer, "the bias", b.len(), out)?;
    let full = |n: usize| (n.max(1) - 1) * s + k + op;
    if k == 0 || s == 0 || h == 0 || wd == 0 || op >= s || full(h) <= 2 * p || full(wd) <= 2 * p {
        return Err(fail(
            layer,
            format!("kernel {k} stride {s} pad {p} output padding {op} do not fit {h}x{wd}"),
        ));
    }
    let (oh, ow) = (full(h) - 2 * p, full(wd) - 2 * p);
    let mut values: Vec<f32> = (0..out).flat_map(|o| std::iter::repeat_n(b[o], oh * ow)).collect();
    for ic in 0..c {
        for j in 0..og {
            let o = (ic / cg) * og + j;
            for (iy, ix) in (0..h).flat_map(|iy| (0..wd).map(move |ix| (iy, ix))) {
                let a = x.values[(ic * h + iy) * wd + ix];
                for (ky, kx) in (0..k).flat_map(|ky| (0..k).map(move |kx| (ky, kx))) {
                    let (ty, tx) = ((iy * s + ky) as isize - p as isize, (ix * s + kx) as isize - p as isize);
                    if ty >= 0 && tx >= 0 && (ty as usize) < oh && (tx as usize) < ow {
                        values[(o * oh + ty as usize) * ow + tx as usize] += a * w[((ic * og + j) * k + ky) * k + kx];
                    }
                }
            }
        }
    }
    Ok(FloatTensor {
        shape: vec![1, out, oh, ow],
        values,
    })
}

/// Zero padding of the last two axes.
fn pad(layer: usize, x: &FloatTensor, [top, left, bottom, right]: [usize; 4]) -> Result<FloatTensor, QuantizeError> {
    let rank = x.shape.len();
    if rank < 2 {
        return Err(fail(layer, format!("pads the last two axes of {:?}", x.shape)));
    }
    let (h, w) = (x.shape[rank - 2], x.shape[rank - 1]);
    let (oh, ow) = (h + top + bottom, w + left + right);
    let planes = x.values.len() / (h * w).max(1);
    let mut values = vec![0.0; planes * oh * ow];
    for p in 0..planes {
        for i in 0..h {
            let from = (p * h + i) * w;
            let to = (p * oh + i + top) * ow + left;
            values[to..to + w].copy_from_slice(&x.values[from..from + w]);
        }
    }
    let mut shape = x.shape.clone();
    shape[rank - 2] = oh;
    shape[rank - 1] = ow;
    Ok(FloatTensor { shape, values })
}

/// Axes permuted, `perm[k]` the input axis of output axis `k`.
fn transpose(layer: usize, x: &FloatTensor, perm: &[usize]) -> Result<FloatTensor, QuantizeError> {
    let rank = x.shape.len();
    let mut seen = perm.to_vec();
    seen.sort_unstable();
    if seen != (0..rank).collect::<Vec<_>>() {
        return Err(fail(layer, format!("permutation {perm:?} of {rank} axes")));
    }
    let shape: Vec<usize> = perm.iter().map(|&a| x.shape[a]).collect();
    let mut strides = vec![1; rank];
    for a in (0..rank.saturating_sub(1)).rev() {
        strides[a] = strides[a + 1] * x.shape[a + 1];
    }
    let mut values = Vec::with_capacity(x.values.len());
    let mut index = vec![0; rank];
    for _ in 0..x.values.len() {
        let at: usize = (0..rank).map(|k| index[k] * strides[perm[k]]).sum();
        values.push(x.values[at]);
        for k in (0..rank).rev() {
            index[k] += 1;
            if index[k] < shape[k] {
                break;
            }
            index[k] = 0;
        }
    }
    Ok(FloatTensor { shape, values })
}

/// Max or average pooling with floor-mode output size.
fn pool2d(
    layer: usize,
    x: &FloatTensor,
    kind: PoolKind,
    kernel: [usize; 2],
    stride: [usize; 2],
    pad: [usize; 2],
) -> Result<FloatTensor, QuantizeError> {
    let (c, h, wd) = chw(layer, &x.shape)?;
    let ([kh, kw], [sh, sw], [ph, pw]) = (kernel, stride, pad);
    if kh == 0 || kw == 0 || sh == 0 || sw == 0 || h + 2 * ph < kh || wd + 2 * pw < kw {
        return Err(fail(
            layer,
            format!("pool {kh}x{kw} stride {sh}x{sw} pad {ph}x{pw} does not fit {h}x{wd}"),
        ));
    }
    let (oh, ow) = ((h + 2 * ph - kh) / sh + 1, (wd + 2 * pw - kw) / sw + 1);
    let mut values = Vec::with_capacity(c * oh * ow);
    for ch in 0..c {
        for oy in 0..oh {
            for ox in 0..ow {
                let window = (0..kh * kw).filter_map(|t| {
                    let (iy, ix) = (
                        (oy * sh + t / kw) as isize - ph as isize,
                        (ox * sw + t % kw) as isize - pw as isize,
                    );
                    let inside = iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < wd;
                    inside.then(|| x.values[(ch * h + iy as usize) * wd + ix as usize])
                });
                values.push(match kind {
                    PoolKind::Max => window.fold(f32::NEG_INFINITY, f32::max),
                    PoolKind::Avg => window.sum::<f32>() / (kh * kw) as f32,
                });
            }
        }
    }
    Ok(FloatTensor {
        shape: vec![1, c, oh, ow],
        values,
    })
}

fn map(x: &FloatTensor, f: impl Fn(f32) -> f32) -> FloatTensor {
    FloatTensor {
        shape: x.shape.clone(),
        values: x.values.iter().map(|&a| f(a)).collect(),
    }
}

impl Layer {
    /// The earlier outputs the layer reads besides the current tensor.
    pub fn sources(&self) -> Vec<Option<usize>> {
        match self {
            Layer::Recall { from } => vec![*from],
            Layer::Add { from } | Layer::Sub { from } | Layer::Mul { from } => from.to_vec(),
            Layer::Concat { from, .. } => from.clone(),
            _ => Vec::new(),
        }
    }

    /// Applies layer `i` given the outputs of the layers before it
    /// (`outs`, one per earlier layer) and the network's input.
    pub fn apply(&self, i: usize, outs: &[FloatTensor], input: &FloatTensor) -> Result<FloatTensor, QuantizeError> {
        let get = |from: &Option<usize>| match from {
            None => Ok(input),
            Some(j) if *j < outs.len() => Ok(&outs[*j]),
            Some(j) => Err(fail(i, format!("reads layer {j}, which does not come before it"))),
        };
        match self {
            Layer::Recall { from } => get(from).cloned(),
            Layer::Add { from } => broadcast(i, get(&from[0])?, get(&from[1])?, |x, y| x + y),
            Layer::Sub { from } => broadcast(i, get(&from[0])?, get(&from[1])?, |x, y| x - y),
            Layer::Mul { from } => broadcast(i, get(&from[0])?, get(&from[1])?, |x, y| x * y),
            Layer::Concat { from, axis } => {
                let parts = from.iter().map(get).collect::<Result<Vec<_>, _>>()?;
                concat(i, &parts, *axis)
            }
            _ => self.forward(i, outs.last().unwrap_or(input)),
        }
    }
}

/// `f` of two tensors elementwise, shapes aligned from their last axis
/// and an axis of length 1 stretched to the other's length (numpy's
/// rule).
fn broadcast(
    layer: usize,
    a: &FloatTensor,
    b: &FloatTensor,
    f: impl Fn(f32, f32) -> f32,
) -> Result<FloatTensor, QuantizeError> {
    let rank = a.shape.len().max(b.shape.len());
    let padded = |s: &[usize]| -> Vec<usize> {
        std::iter::repeat_n(1, rank - s.len())
            .chain(s.iter().copied())
            .collect()
    };
    let (sa, sb) = (padded(&a.shape), padded(&b.shape));
    let mut shape = Vec::with_capacity(rank);
    for (&x, &y) in sa.iter().zip(&sb) {
        if x != y && x != 1 && y != 1 {
            return Err(fail(
                layer,
                format!("cannot broadcast shapes {:?} and {:?}", a.shape, b.shape),
            ));
        }
        shape.push(if x == 1 { y } else { x });
    }
    // The flat index of `at` (an output position) in a tensor of shape `s`.
    let offset = |s: &[usize], at: &[usize]| {
        s.iter()
            .zip(at)
            .fold(0, |o, (&d, &i)| o * d + if d == 1 { 0 } else { i })
    };
    let len: usize = shape.iter().product();
    let mut at = vec![0; rank];
    let mut values = Vec::with_capacity(len);
    for _ in 0..len {
        values.push(f(a.values[offset(&sa, &at)], b.values[offset(&sb, &at)]));
        for d in (0..rank).rev() {
            at[d] += 1;
            if at[d] < shape[d] {
                break;
            }
            at[d] = 0;
        }
    }
    Ok(FloatTensor { shape, values })
}

/// Tensors joined along `axis`; every other axis must agree.
fn concat(layer: usize, parts: &[&FloatTensor], axis: usize) -> Result<FloatTensor, QuantizeError> {
    let first = parts.first().ok_or_else(|| fail(layer, "joins nothing".into()))?;
    let rank = first.shape.len();
    let same_elsewhere =
        |t: &&FloatTensor| t.shape.len() == rank && (0..rank).all(|d| d == axis || t.shape[d] == first.shape[d]);
    if axis >= rank || !parts.iter().all(same_elsewhere) {
        let shapes: Vec<&Vec<usize>> = parts.iter().map(|t| &t.shape).collect();
        return Err(fail(layer, format!("cannot join shapes {shapes:?} along axis {axis}")));
    }
    let outer: usize = first.shape[..axis].iter().product();
    let mut shape = first.shape.clone();
    shape[axis] = parts.iter().map(|t| t.shape[axis]).sum();
    let mut values = Vec::with_capacity(shape.iter().product());
    for o in 0..outer {
        for t in parts {
            let block = t.values.len() / outer.max(1);
            values.extend_from_slice(&t.values[o * block..(o + 1) * block]);
        }
    }
    Ok(FloatTensor { shape, values })
}

impl FloatNet {
    /// The float input an integer input stands for.
    pub fn dequantize_input(&self, input: &[i64]) -> FloatTensor {
        let scale = (self.input_exp as f32).exp2();
        FloatTensor {
            shape: self.input_shape.clone(),
            values: input.iter().map(|&x| x as f32 * scale).collect(),
        }
    }

    /// Every layer's output on `input`, in layer order.
    pub fn trace(&self, input: &FloatTensor) -> Result<Vec<FloatTensor>, QuantizeError> {
        let expected: usize = self.input_shape.iter().product();
        if input.values.len() != expected {
            return Err(QuantizeError::Input(format!(
                "{} values given, the input shape {:?} needs {expected}",
                input.values.len(),
                self.input_shape
            )));
        }
        let mut outs: Vec<FloatTensor> = Vec::with_capacity(self.layers.len());
        for (i, layer) in self.layers.iter().enumerate() {
            let next = layer.apply(i, &outs, input)?;
            outs.push(next);
        }
        Ok(outs)
    }

    /// The network's output on `input`.
    pub fn forward(&self, input: &FloatTensor) -> Result<FloatTensor, QuantizeError> {
        Ok(self.trace(input)?.pop().unwrap_or_else(|| input.clone()))
    }

    /// Number of weights and biases (batch norm counted before folding).
    pub fn num_params(&self) -> usize {
        self.layers
            .iter()
            .map(|l| match l {
                Layer::Dense { w, b, .. } | Layer::Conv2d { w, b, .. } | Layer::ConvTranspose2d { w, b, .. } => {
                    w.len() + b.len()
                }
                Layer::BatchNorm { gamma, beta, .. } => gamma.len() + beta.len(),
                _ => 0,
            })
            .sum()
    }
}
