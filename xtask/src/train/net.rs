//! Networks for training, described layer by layer the way
//! `section9::quantize::Layer` describes them, so that a trained network
//! exports to a `FloatNet` without translation.

use candle_core::{DType, Device, Result, Tensor, Var, D};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use section9::quantize::{FloatNet, Layer};

/// One layer's shape; shapes exclude the batch axis.
#[derive(Clone, Debug)]
pub enum Spec {
    Dense {
        inp: usize,
        out: usize,
    },
    Conv {
        cin: usize,
        out: usize,
        k: usize,
        stride: usize,
        pad: usize,
    },
    /// Batch norm over axis 1 (channels, or features after a dense layer).
    BatchNorm {
        c: usize,
    },
    Relu,
    /// Discriminators only: the quantizer has no leaky relu.
    LeakyRelu,
    /// A generator's output; exported as `Pixels`, its clamped counterpart.
    Tanh,
    Upsample(usize),
    MaxPool(usize),
    /// Discriminators only.
    AvgPool(usize),
    Reshape(Vec<usize>),
    Flatten,
}

const BN_MOMENTUM: f32 = 0.1;
const BN_EPS: f32 = 1e-5;

struct RunningStats {
    mean: Vec<f32>,
    var: Vec<f32>,
}

/// A network: its layers, their trainable variables and batch-norm
/// running statistics.
pub struct Net {
    specs: Vec<Spec>,
    vars: Vec<Vec<Var>>,
    stats: Vec<Option<RunningStats>>,
}

fn uniform(rng: &mut ChaCha8Rng, n: usize, bound: f32, shape: &[usize]) -> Result<Var> {
    let v: Vec<f32> = (0..n).map(|_| rng.gen_range(-bound..bound)).collect();
    Var::from_tensor(&Tensor::from_vec(v, shape, &Device::Cpu)?)
}

fn filled(n: usize, value: f32) -> Result<Var> {
    Var::from_tensor(&Tensor::from_vec(vec![value; n], n, &Device::Cpu)?)
}

/// Convolution as patches times weights, built from slicing and matmul.
/// candle 0.9's own conv2d back-propagates wrong input gradients for some
/// shapes (an 8-channel 8x8 input diverges where a 4-channel one trains;
/// `generators_fit_fixed_targets` below caught it through a GAN that
/// never learned).
fn conv2d(x: &Tensor, w: &Tensor, stride: usize, pad: usize) -> Result<Tensor> {
    let (b, c, h, wd) = x.dims4()?;
    let (o, _, k, _) = w.dims4()?;
    let x = x.pad_with_zeros(2, pad, pad)?.pad_with_zeros(3, pad, pad)?;
    let (oh, ow) = ((h + 2 * pad - k) / stride + 1, (wd + 2 * pad - k) / stride + 1);
    let mut taps = Vec::with_capacity(k * k);
    for ky in 0..k {
        for kx in 0..k {
            let mut t = x
                .narrow(2, ky, (oh - 1) * stride + 1)?
                .narrow(3, kx, (ow - 1) * stride + 1)?;
            if stride > 1 {
                // Every stride-th row and column: pad to a multiple of the
                // stride, split each axis in two and keep offset 0.
                t = t.pad_with_zeros(2, 0, stride - 1)?.pad_with_zeros(3, 0, stride - 1)?;
                t = t
                    .reshape((b, c, oh, stride, ow, stride))?
                    .narrow(3, 0, 1)?
                    .narrow(5, 0, 1)?
                    .reshape((b, c, oh, ow))?;
            }
            taps.push(t);
        }
    }
    let patches = Tensor::stack(&taps, 2)?.reshape((b, c * k * k, oh * ow))?;
    w.reshape((o, c * k * k))?
        .broadcast_matmul(&patches)?
        .reshape((b, o, oh, ow))
}

/// Reshapes a per-channel vector to broadcast over `[batch, c, ...]`.
fn per_channel(t: &Tensor, rank: usize) -> Result<Tensor> {
    let c = t.dim(0)?;
    let mut shape = vec![1, c];
    shape.resize(rank, 1);
    t.reshape(shape)
}

impl Net {
    /// A network with PyTorch's default initialisation (uniform within
    /// `1/sqrt(fan_in)`), drawn from `rng`.
    pub fn new(specs: Vec<Spec>, rng: &mut ChaCha8Rng) -> Result<Net> {
        let mut vars = Vec::with_capacity(specs.len());
        let mut stats = Vec::with_capacity(specs.len());
        for spec in &specs {
            let (v, s) = match *spec {
                Spec::Dense { inp, out } => {
                    let b = 1.0 / (inp as f32).sqrt();
                    (
                        vec![uniform(rng, out * inp, b, &[out, inp])?, uniform(rng, out, b, &[out])?],
                        None,
                    )
                }
                Spec::Conv { cin, out, k, .. } => {
                    let b = 1.0 / ((cin * k * k) as f32).sqrt();
                    let w = uniform(rng, out * cin * k * k, b, &[out, cin, k, k])?;
                    (vec![w, uniform(rng, out, b, &[out])?], None)
                }
                Spec::BatchNorm { c } => (
                    vec![filled(c, 1.0)?, filled(c, 0.0)?],
                    Some(RunningStats {
                        mean: vec![0.0; c],
                        var: vec![1.0; c],
                    }),
                ),
                _ => (Vec::new(), None),
            };
            vars.push(v);
            stats.push(s);
        }
        Ok(Net { specs, vars, stats })
    }

    pub fn vars(&self) -> Vec<Var> {
        self.vars.iter().flatten().cloned().collect()
    }

    /// The forward pass; in training, batch norm normalises by the batch's
    /// statistics and updates its running ones.
    pub fn forward(&mut self, x: &Tensor, train: bool) -> Result<Tensor> {
        let mut x = x.clone();
        for i in 0..self.specs.len() {
            let v = &self.vars[i];
            x = match &self.specs[i] {
                Spec::Dense { .. } => x.matmul(&v[0].as_tensor().t()?)?.broadcast_add(v[1].as_tensor())?,
                Spec::Conv { stride, pad, .. } => {
                    let y = conv2d(&x, v[0].as_tensor(), *stride, *pad)?;
                    y.broadcast_add(&per_channel(v[1].as_tensor(), 4)?)?
                }
                Spec::BatchNorm { c } => {
                    let rank = x.rank();
                    let (mean, var) = if train {
                        // Statistics per channel over every other axis.
                        let moved = x.transpose(0, 1)?.flatten_from(1)?;
                        let mean = moved.mean_keepdim(1)?;
                        let var = moved.broadcast_sub(&mean)?.sqr()?.mean_keepdim(1)?;
                        let (mean, var) = (mean.flatten_all()?, var.flatten_all()?);
                        let stats = self.stats[i].as_mut().expect("batch norm keeps statistics");
                        for (r, b) in stats.mean.iter_mut().zip(mean.to_vec1::<f32>()?) {
                            *r += BN_MOMENTUM * (b - *r);
                        }
                        for (r, b) in stats.var.iter_mut().zip(var.to_vec1::<f32>()?) {
                            *r += BN_MOMENTUM * (b - *r);
                        }
                        (mean, var)
                    } else {
                        let s = self.stats[i].as_ref().expect("batch norm keeps statistics");
                        (
                            Tensor::from_slice(&s.mean, *c, &Device::Cpu)?,
                            Tensor::from_slice(&s.var, *c, &Device::Cpu)?,
                        )
                    };
                    let scale = v[0].as_tensor().div(&(var + BN_EPS as f64)?.sqrt()?)?;
                    let shift = v[1].as_tensor().sub(&mean.mul(&scale)?)?;
                    x.broadcast_mul(&per_channel(&scale, rank)?)?
                        .broadcast_add(&per_channel(&shift, rank)?)?
                }
                Spec::Relu => x.relu()?,
                Spec::LeakyRelu => candle_nn::ops::leaky_relu(&x, 0.2)?,
                Spec::Tanh => x.tanh()?,
                Spec::Upsample(s) => {
                    // Broadcasting instead of candle's upsample_nearest2d, whose
                    // gradient is wrong for batches of several channels (a
                    // test below fits a generator through it).
                    let (b, c, h, w) = x.dims4()?;
                    x.reshape((b, c, h, 1, w, 1))?
                        .broadcast_as((b, c, h, *s, w, *s))?
                        .reshape((b, c, h * s, w * s))?
                }
                Spec::MaxPool(s) => x.max_pool2d(*s)?,
                Spec::AvgPool(s) => {
                    let (b, c, h, w) = x.dims4()?;
                    x.reshape((b, c, h / s, *s, w / s, *s))?.mean(5)?.mean(3)?
                }
                Spec::Reshape(shape) => {
                    let mut full = vec![x.dim(0)?];
                    full.extend(shape);
                    x.reshape(full)?
                }
                Spec::Flatten => x.flatten_from(1)?,
            };
        }
        Ok(x)
    }

    /// The trained network as the quantizer takes it.
    pub fn export(&self, input_shape: &[usize], input_exp: i32, input_range: [i64; 2]) -> Result<FloatNet> {
        let values = |v: &Var| v.as_tensor().flatten_all()?.to_vec1::<f32>();
        let mut layers = Vec::with_capacity(self.specs.len());
        for (i, spec) in self.specs.iter().enumerate() {
            let v = &self.vars[i];
            layers.push(match spec {
                Spec::Dense { out, .. } => Layer::Dense {
                    out: *out,
                    w: values(&v[0])?,
                    b: values(&v[1])?,
                },
                Spec::Conv {
                    out, k, stride, pad, ..
                } => Layer::Conv2d {
                    out: *out,
                    kernel: *k,
                    stride: *stride,
                    pad: *pad,
                    dilation: 1,
                    groups: 1,
                    w: values(&v[0])?,
                    b: values(&v[1])?,
                },
                Spec::BatchNorm { .. } => {
                    let s = self.stats[i].as_ref().expect("batch norm keeps statistics");
                    Layer::BatchNorm {
                        gamma: values(&v[0])?,
                        beta: values(&v[1])?,
                        mean: s.mean.clone(),
                        var: s.var.clone(),
                        eps: BN_EPS,
                    }
                }
                Spec::Relu => Layer::Relu,
                Spec::Tanh => Layer::Pixels,
                Spec::Upsample(s) => Layer::Upsample { scale: *s },
                Spec::MaxPool(s) => Layer::MaxPool { size: *s },
                Spec::Reshape(shape) => Layer::Reshape {
                    shape: std::iter::once(1).chain(shape.iter().copied()).collect(),
                },
                Spec::Flatten => Layer::Flatten,
                Spec::LeakyRelu | Spec::AvgPool(_) => {
                    candle_core::bail!("{spec:?} is for discriminators and has no integer counterpart to export")
                }
            });
        }
        Ok(FloatNet {
            input_shape: input_shape.to_vec(),
            input_exp,
            input_range,
            layers,
        })
    }
}

/// A batch tensor `[n, shape...]` from per-sample rows.
pub fn batch(rows: &[&[f32]], shape: &[usize]) -> Result<Tensor> {
    let data: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
    let mut full = vec![rows.len()];
    full.extend(shape);
    Tensor::from_vec(data, full, &Device::Cpu)
}

/// Index of the largest value in each row of `[n, k]` logits.
pub fn argmax_rows(logits: &Tensor) -> Result<Vec<u32>> {
    logits.argmax(D::Minus1)?.to_dtype(DType::U32)?.to_vec1()
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::Optimizer;
    use rand::SeedableRng;

    /// Mean squared error before and after 200 Adam steps fitting random
    /// targets from random latents.
    fn fit(specs: Vec<Spec>, latent: usize, out: &[usize]) -> (f32, f32) {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut g = Net::new(specs, &mut rng).unwrap();
        let n = 32;
        let mut rand = |shape: Vec<usize>| {
            let len = shape.iter().product();
            let v: Vec<f32> = (0..len).map(|_| rng.gen_range(-1.0..1.0)).collect();
            Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
        };
        let z = rand(vec![n, latent]);
        let t = rand([vec![n], out.to_vec()].concat());
        let params = candle_nn::ParamsAdamW {
            lr: 1e-2,
            weight_decay: 0.0,
            ..Default::default()
        };
        let mut opt = candle_nn::AdamW::new(g.vars(), params).unwrap();
        let mut losses = Vec::new();
        for _ in 0..200 {
            let y = g.forward(&z, true).unwrap();
            let loss = (y - &t).unwrap().sqr().unwrap().mean_all().unwrap();
            losses.push(loss.to_scalar::<f32>().unwrap());
            opt.backward_step(&loss).unwrap();
        }
        (losses[0], *losses.last().unwrap())
    }

    #[test]
    fn generators_fit_fixed_targets() {
        for (gan, out) in [
            (super::super::gan::digits(), [1, 8, 8]),
            (super::super::gan::s9(), [3, 32, 32]),
        ] {
            let (first, last) = fit(gan.generator, 16, &out);
            assert!(last < first * 0.9, "{first} -> {last}");
        }
    }

    #[test]
    fn gradients_flow_through_the_discriminators_input() {
        // Fits through a strided convolution's input gradient, the path
        // that trains a generator through its discriminator.
        let specs = vec![
            Spec::Dense { inp: 16, out: 512 },
            Spec::Reshape(vec![8, 8, 8]),
            Spec::Conv {
                cin: 8,
                out: 8,
                k: 3,
                stride: 1,
                pad: 1,
            },
            Spec::Conv {
                cin: 8,
                out: 4,
                k: 3,
                stride: 2,
                pad: 1,
            },
        ];
        let (first, last) = fit(specs, 16, &[4, 4, 4]);
        assert!(last < first * 0.5, "{first} -> {last}");
    }
}
