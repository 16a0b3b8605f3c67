//! Generators trained adversarially (DCGAN: non-saturating loss, Adam with
//! beta1 = 0.5, one-sided label smoothing).

use super::net::{batch, Net, Spec};
use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use section9::quantize::FloatNet;
use section9_zoo::trained::LATENT;

const BATCH: usize = 64;
/// The generator learns faster than the discriminator: on 8x8 digits an
/// equally fast discriminator wins outright and the generator collapses.
const G_LR: f64 = 1e-3;
const D_LR: f64 = 2e-4;
/// Target for real images: one-sided smoothing keeps the discriminator
/// from growing overconfident on a small dataset.
const REAL: f32 = 0.9;

/// One generator and the discriminator that trains it.
pub struct Gan {
    pub generator: Vec<Spec>,
    /// The discriminator up to its last layer, a dense layer from
    /// `features` values to one logit.
    pub discriminator: Vec<Spec>,
    pub features: usize,
    /// Shape of one image, without the batch axis.
    pub image: Vec<usize>,
    pub steps: usize,
}

fn conv(cin: usize, out: usize, k: usize, stride: usize) -> Spec {
    Spec::Conv {
        cin,
        out,
        k,
        stride,
        pad: 1,
    }
}

/// `digits-gan`: dense -> [upsample -> conv3x3 -> relu] x2 -> conv3x3.
pub fn digits() -> Gan {
    Gan {
        generator: vec![
            Spec::Dense { inp: LATENT, out: 64 },
            Spec::BatchNorm { c: 64 },
            Spec::Relu,
            Spec::Reshape(vec![16, 2, 2]),
            Spec::Upsample(2),
            conv(16, 8, 3, 1),
            Spec::BatchNorm { c: 8 },
            Spec::Relu,
            Spec::Upsample(2),
            conv(8, 8, 3, 1),
            Spec::BatchNorm { c: 8 },
            Spec::Relu,
            conv(8, 1, 3, 1),
            Spec::Tanh,
        ],
        discriminator: vec![
            conv(1, 16, 3, 2),
            Spec::LeakyRelu,
            conv(16, 32, 3, 2),
            Spec::LeakyRelu,
            Spec::Flatten,
        ],
        features: 128,
        image: vec![1, 8, 8],
        steps: 4000,
    }
}

/// `s9-gan`: the seed's generator, layer for layer.
pub fn s9() -> Gan {
    Gan {
        generator: vec![
            Spec::Dense { inp: LATENT, out: 64 },
            Spec::Reshape(vec![1, 8, 8]),
            Spec::Upsample(2),
            conv(1, 1, 3, 1),
            Spec::BatchNorm { c: 1 },
            Spec::Relu,
            Spec::Upsample(2),
            conv(1, 1, 3, 1),
            Spec::BatchNorm { c: 1 },
            Spec::Relu,
            conv(1, 3, 3, 1),
            Spec::Tanh,
        ],
        // The generator has one channel until its last layer, so it draws no
        // detail finer than 2x2; the discriminator looks at a 16x16 copy,
        // which keeps a training step cheap.
        discriminator: vec![
            Spec::AvgPool(2),
            conv(3, 16, 4, 2),
            Spec::LeakyRelu,
            conv(16, 32, 4, 2),
            Spec::LeakyRelu,
            Spec::Flatten,
        ],
        features: 512,
        image: vec![3, 32, 32],
        steps: 2000,
    }
}

/// Standard deviation of the noise added to every image the discriminator
/// sees, falling linearly to a tenth over training ("instance noise"):
/// real digits take only 17 grey levels and a clean black background, which
/// a discriminator learns to spot long before the generator can match it.
const NOISE: f32 = 0.2;

/// `image + noise`, the noise Gaussian (Box-Muller on the ChaCha stream).
fn noisy(image: &Tensor, sigma: f32, rng: &mut ChaCha8Rng) -> candle_core::Result<Tensor> {
    let n = image.elem_count();
    let noise: Vec<f32> = (0..n)
        .map(|_| {
            let (u, v): (f32, f32) = (rng.gen_range(f32::EPSILON..1.0), rng.gen());
            sigma * (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
        })
        .collect();
    image.add(&Tensor::from_vec(noise, image.shape(), &Device::Cpu)?)
}

/// Binary cross-entropy on logits, `mean(softplus(x) - t x)`, in a form
/// that stays finite however confident the discriminator gets (candle's
/// takes the log of a sigmoid that rounds to 0 or 1).
fn bce(logits: &Tensor, target: &Tensor) -> candle_core::Result<Tensor> {
    let softplus = (logits.relu()? + (logits.abs()?.neg()?.exp()? + 1.0)?.log()?)?;
    (softplus - logits.mul(target)?)?.mean_all()
}

/// Feature matching on two moments: the squared gap between the batch
/// means and between the batch standard deviations of the discriminator's
/// features. Matching means alone (Salimans et al.) is stable when the
/// discriminator wins, but lets the generator collapse onto one digit whose
/// features sit at the mean; matching the spread rules that out.
fn moment_gap(fake: &Tensor, real: &Tensor) -> candle_core::Result<Tensor> {
    let moments = |t: &Tensor| -> candle_core::Result<(Tensor, Tensor)> {
        let mean = t.mean_keepdim(0)?;
        let std = (t.broadcast_sub(&mean)?.sqr()?.mean(0)? + 1e-6)?.sqrt()?;
        Ok((mean, std))
    };
    let ((fm, fs), (rm, rs)) = (moments(fake)?, moments(real)?);
    (fm - rm)?.sqr()?.mean_all()? + (fs - rs)?.sqr()?.mean_all()?
}

/// A batch of latents as the integer model takes them (`-127..=127` at
/// scale `2^-7`), so training sees exactly the inputs the circuit will.
fn latents(rng: &mut ChaCha8Rng, n: usize) -> candle_core::Result<Tensor> {
    let z: Vec<f32> = (0..n * LATENT)
        .map(|_| rng.gen_range(-127i32..=127) as f32 / 128.0)
        .collect();
    Tensor::from_vec(z, (n, LATENT), &Device::Cpu)
}

fn adam_params(lr: f64) -> ParamsAdamW {
    ParamsAdamW {
        lr,
        beta1: 0.5,
        beta2: 0.999,
        weight_decay: 0.0,
        ..Default::default()
    }
}

/// Trains the generator on `real` images (values in `[-1, 1]`).
pub fn train(gan: Gan, real: &[Vec<f32>], rng: &mut ChaCha8Rng) -> Result<FloatNet, String> {
    let err = |e: candle_core::Error| e.to_string();
    let mut g = Net::new(gan.generator, rng).map_err(err)?;
    let mut d = Net::new(gan.discriminator, rng).map_err(err)?;
    let mut head = Net::new(
        vec![Spec::Dense {
            inp: gan.features,
            out: 1,
        }],
        rng,
    )
    .map_err(err)?;
    let mut d_vars = d.vars();
    d_vars.extend(head.vars());
    let mut d_opt = AdamW::new(d_vars, adam_params(D_LR)).map_err(err)?;
    let mut g_opt = AdamW::new(g.vars(), adam_params(G_LR)).map_err(err)?;
    let targets = |v: f32| Tensor::full(v, (BATCH, 1), &Device::Cpu);
    let (smooth, zeros) = (targets(REAL).map_err(err)?, targets(0.0).map_err(err)?);
    for step in 0..gan.steps {
        let rows: Vec<&[f32]> = (0..BATCH)
            .map(|_| real[rng.gen_range(0..real.len())].as_slice())
            .collect();
        let sigma = NOISE * (1.0 - 0.9 * step as f32 / gan.steps as f32);
        let x = noisy(&batch(&rows, &gan.image).map_err(err)?, sigma, rng).map_err(err)?;
        let fake = g.forward(&latents(rng, BATCH).map_err(err)?, true).map_err(err)?;
        let seen = noisy(&fake, sigma, rng).map_err(err)?;
        let real_features = d.forward(&x, true).map_err(err)?;
        let d_real = bce(&head.forward(&real_features, true).map_err(err)?, &smooth).map_err(err)?;
        let fake_logits = head
            .forward(&d.forward(&seen.detach(), true).map_err(err)?, true)
            .map_err(err)?;
        let d_fake = bce(&fake_logits, &zeros).map_err(err)?;
        let d_loss = (d_real + d_fake).map_err(err)?;
        d_opt.backward_step(&d_loss).map_err(err)?;
        let fake_features = d.forward(&seen, true).map_err(err)?;
        let g_loss = moment_gap(&fake_features, &real_features.detach()).map_err(err)?;
        g_opt.backward_step(&g_loss).map_err(err)?;
        if (step + 1) % 250 == 0 {
            let (dl, gl) = (
                d_loss.to_scalar::<f32>().map_err(err)?,
                g_loss.to_scalar::<f32>().map_err(err)?,
            );
            let stats = |t: &Tensor| -> candle_core::Result<(f32, f32)> {
                let m = t.mean_all()?.to_scalar::<f32>()?;
                let s = t
                    .broadcast_sub(&t.mean_all()?)?
                    .sqr()?
                    .mean_all()?
                    .sqrt()?
                    .to_scalar::<f32>()?;
                Ok((m, s))
            };
            let (fm, fs) = stats(&fake).map_err(err)?;
            let (rm, rs) = stats(&x).map_err(err)?;
            println!("  step {:>5}: discriminator loss {dl:.3}, generator loss {gl:.3} fake {fm:.2}/{fs:.2} real {rm:.2}/{rs:.2}", step + 1);
        }
    }
    g.export(&[1, LATENT], -7, [-127, 127]).map_err(err)
}
