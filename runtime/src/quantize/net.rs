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
    /// Inference-mode batch normalisation over the channel axis (axis 1).
    BatchNorm {
        gamma: Vec<f32>,
        beta: Vec<f32>,
        mean: Vec<f32>,
        var: Vec<f32>,
        eps: f32,
    },
    Relu,
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
            Layer::Relu => map(x, |a| a.max(0.0)),
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
        })
    }
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
    if g == 0 || !c.is_multiple_of(g) || !out.is_multiple_of(g) {
        return Err(fail(
            layer,
            format!("{g} groups do not divide {c} input and {out} output channels"),
        ));
    }
    let (cg, og) = (c / g, out / g);
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
            let next = layer.forward(i, outs.last().unwrap_or(input))?;
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
                Layer::Dense { w, b, .. } | Layer::Conv2d { w, b, .. } => w.len() + b.len(),
                Layer::BatchNorm { gamma, beta, .. } => gamma.len() + beta.len(),
                _ => 0,
            })
            .sum()
    }
}
