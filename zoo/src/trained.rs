//! The trained models of the zoo: how each one is quantized, what it is
//! calibrated on, and the record `cargo xtask train` leaves beside it so
//! the committed weights can be re-derived and checked.

use crate::data::{digits, image_input};
use section9::graph::Model;
use section9::op::seeded_values;
use section9::quantize::{FloatNet, Options};
use section9::Bound;
use serde::{Deserialize, Serialize};

/// The trained models, in the order they must be trained (`digits-gan` is
/// judged by `digits-cnn`).
pub const TRAINED: [&str; 4] = ["mlp", "digits-cnn", "digits-gan", "s9-gan"];

/// Latent width of both generators.
pub const LATENT: usize = 16;
/// Latent samples the generators' activation scales are calibrated on.
const GAN_CALIBRATION: u64 = 256;

/// What `cargo xtask train` writes as `<name>.float.json`: the float
/// network before quantization and how it was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainedRecord {
    pub seed: u64,
    /// The model's first output `y` stands for `y * 2^output_exp`.
    pub output_exp: i32,
    pub net: FloatNet,
}

/// How `name` is quantized.
pub fn options(name: &str) -> Option<Options<'static>> {
    let (name, description, classifier) = match name {
        "mlp" => (
            "mlp",
            "Digit classifier: a perceptron (64-32-10) trained on scikit-learn's 8x8 digits. Input: 64 pixels \
             0..127 (0..16 times 8, clipped); outputs: logits and the class.",
            true,
        ),
        "digits-cnn" => (
            "digits-cnn",
            "Digit classifier: conv(8) - pool - conv(16) - pool - dense(10) trained on scikit-learn's 8x8 digits. \
             Input: a 1x8x8 image 0..127; outputs: logits and the class.",
            true,
        ),
        "digits-gan" => (
            "digits-gan",
            "DCGAN-style generator of 8x8 digits: dense - [upsample - conv3x3 - relu] x2 - conv3x3. Input: a \
             latent of 16 values in -127..127; output: a 1x8x8 image of 7-bit pixels, packed.",
            false,
        ),
        "s9-gan" => (
            "s9-gan",
            "The ZK Section 9 generator: dense(16-64) - upsample - conv(1-1)+BN+relu - upsample - conv(1-1)+BN+relu - \
             conv(1-3), trained on tinted 32x32 digits. Output: a 3x32x32 image of 7-bit pixels, packed.",
            false,
        ),
        _ => return None,
    };
    Some(Options {
        name,
        description,
        pack_outputs: !classifier,
        argmax: classifier,
        per_channel: false,
        bias_correction: false,
    })
}

/// The integer inputs `name`'s activation scales are calibrated on: the
/// training images for classifiers, seeded latents for generators.
pub fn calibration(name: &str) -> Result<Vec<Vec<i64>>, String> {
    Ok(match name {
        "mlp" | "digits-cnn" => digits()?
            .iter()
            .enumerate()
            .filter(|(i, _)| !is_held_out(*i))
            .map(|(_, d)| image_input(&d.pixels))
            .collect(),
        _ => (0..GAN_CALIBRATION)
            .map(|s| seeded_values([(LATENT, Bound::range(-127, 127))], s).remove(0))
            .collect(),
    })
}

/// Every fifth image is held out of training and calibration.
pub fn is_held_out(index: usize) -> bool {
    index % 5 == 4
}

/// A classifier's verdict on one image: the class and its softmax
/// probability, from logits at scale `2^exp`.
pub fn classify(classifier: &Model, exp: i32, image: &[i64]) -> Result<(usize, f32), String> {
    let out = classifier.run(&[image.to_vec()]).map_err(|e| e.to_string())?;
    let scale = (exp as f32).exp2();
    let logits: Vec<f32> = out[0].iter().map(|&v| v as f32 * scale).collect();
    let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let total: f32 = logits.iter().map(|&l| (l - top).exp()).sum();
    Ok((out[1][0] as usize, 1.0 / total))
}

/// Softmax probability above which a classifier's verdict counts as clear.
pub const CLEAR: f32 = 0.6;
/// Latent seeds the quality bars are measured on.
pub const SAMPLES: std::ops::Range<u64> = 0..100;

/// How a digit generator's samples look to a digit classifier.
#[derive(Clone, Debug, PartialEq)]
pub struct DigitQuality {
    pub samples: usize,
    /// Samples assigned a class with probability at least [`CLEAR`].
    pub clear: usize,
    /// How many clear samples each digit got.
    pub per_digit: [usize; 10],
}

impl DigitQuality {
    pub fn distinct_digits(&self) -> usize {
        self.per_digit.iter().filter(|&&n| n > 0).count()
    }
}

impl std::fmt::Display for DigitQuality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} of {} samples clearly one digit (p >= {CLEAR}), {} different digits; per digit {:?}",
            self.clear,
            self.samples,
            self.distinct_digits(),
            self.per_digit
        )
    }
}

/// Classifies the generator's image for each latent seed in [`SAMPLES`].
pub fn judge_digits(generator: &Model, classifier: &Model, classifier_exp: i32) -> Result<DigitQuality, String> {
    let mut q = DigitQuality {
        samples: 0,
        clear: 0,
        per_digit: [0; 10],
    };
    for seed in SAMPLES {
        let image = generator
            .run(&generator.seeded_inputs(seed))
            .map_err(|e| e.to_string())?;
        let (class, p) = classify(classifier, classifier_exp, &image[0])?;
        q.samples += 1;
        if p >= CLEAR {
            q.clear += 1;
            q.per_digit[class] += 1;
        }
    }
    Ok(q)
}

/// How a generator's images vary with the latent.
#[derive(Clone, Debug, PartialEq)]
pub struct Variation {
    pub samples: usize,
    /// Samples whose image is one solid value.
    pub constant: usize,
    /// Different images among the samples.
    pub distinct: usize,
    /// Mean over pixels of the pixel's standard deviation across samples.
    pub mean_pixel_std: f64,
}

impl std::fmt::Display for Variation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} samples: {} distinct images, {} constant, mean per-pixel standard deviation {:.1} (of 0..127)",
            self.samples, self.distinct, self.constant, self.mean_pixel_std
        )
    }
}

/// Measures [`Variation`] over the latent seeds in [`SAMPLES`].
pub fn variation(generator: &Model) -> Result<Variation, String> {
    let images: Vec<Vec<i64>> = SAMPLES
        .map(|seed| Ok(generator.run(&generator.seeded_inputs(seed))?.swap_remove(0)))
        .collect::<Result<_, section9::graph::GraphError>>()
        .map_err(|e| e.to_string())?;
    let n = images.len() as f64;
    let pixels = images.first().map_or(0, Vec::len);
    let std: f64 = (0..pixels)
        .map(|p| {
            let mean = images.iter().map(|im| im[p] as f64).sum::<f64>() / n;
            (images.iter().map(|im| (im[p] as f64 - mean).powi(2)).sum::<f64>() / n).sqrt()
        })
        .sum::<f64>()
        / pixels.max(1) as f64;
    let distinct: std::collections::BTreeSet<&Vec<i64>> = images.iter().collect();
    Ok(Variation {
        samples: images.len(),
        constant: images.iter().filter(|im| im.iter().all(|&v| v == im[0])).count(),
        distinct: distinct.len(),
        mean_pixel_std: std,
    })
}

/// Reads a `<name>.float.json` record.
pub fn read_record(path: &std::path::Path) -> Result<TrainedRecord, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
