//! Digit classifiers: `mlp` and `digits-cnn`, trained with cross-entropy.

use super::data::{dequantize, image_input};
use super::net::{argmax_rows, batch, Net, Spec};
use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use section9::quantize::FloatNet;
use section9_zoo::data::Digit;

const EPOCHS: usize = 60;
const BATCH: usize = 32;

/// Which classifier.
#[derive(Clone, Copy)]
pub enum Kind {
    Mlp,
    Cnn,
}

impl Kind {
    fn specs(self) -> Vec<Spec> {
        match self {
            Kind::Mlp => vec![
                Spec::Dense { inp: 64, out: 32 },
                Spec::Relu,
                Spec::Dense { inp: 32, out: 10 },
            ],
            Kind::Cnn => vec![
                Spec::Conv {
                    cin: 1,
                    out: 8,
                    k: 3,
                    stride: 1,
                    pad: 1,
                },
                Spec::Relu,
                Spec::MaxPool(2),
                Spec::Conv {
                    cin: 8,
                    out: 16,
                    k: 3,
                    stride: 1,
                    pad: 1,
                },
                Spec::Relu,
                Spec::MaxPool(2),
                Spec::Flatten,
                Spec::Dense { inp: 64, out: 10 },
            ],
        }
    }

    pub fn input_shape(self) -> Vec<usize> {
        match self {
            Kind::Mlp => vec![1, 64],
            Kind::Cnn => vec![1, 1, 8, 8],
        }
    }
}

/// Trains a classifier on the training split; returns it as a float
/// network over integer images at scale `2^-7`.
pub fn train(kind: Kind, digits: &[Digit], rng: &mut ChaCha8Rng) -> Result<FloatNet, String> {
    let err = |e: candle_core::Error| e.to_string();
    let mut net = Net::new(kind.specs(), rng).map_err(err)?;
    let mut opt = AdamW::new(
        net.vars(),
        ParamsAdamW {
            lr: 3e-3,
            weight_decay: 0.0,
            ..Default::default()
        },
    )
    .map_err(err)?;
    let shape = &kind.input_shape()[1..];
    let images: Vec<Vec<f32>> = digits.iter().map(|d| dequantize(&image_input(&d.pixels))).collect();
    let mut order: Vec<usize> = (0..images.len()).collect();
    for epoch in 0..EPOCHS {
        order.shuffle(rng);
        let mut correct = 0;
        for chunk in order.chunks(BATCH) {
            let rows: Vec<&[f32]> = chunk.iter().map(|&i| images[i].as_slice()).collect();
            let x = batch(&rows, shape).map_err(err)?;
            let labels: Vec<u32> = chunk.iter().map(|&i| u32::from(digits[i].label)).collect();
            let y = Tensor::from_slice(&labels, labels.len(), &Device::Cpu).map_err(err)?;
            let logits = net.forward(&x, true).map_err(err)?;
            correct += argmax_rows(&logits)
                .map_err(err)?
                .iter()
                .zip(&labels)
                .filter(|(a, b)| a == b)
                .count();
            let loss = candle_nn::loss::cross_entropy(&logits, &y).map_err(err)?;
            opt.backward_step(&loss).map_err(err)?;
        }
        if (epoch + 1) % 10 == 0 {
            println!(
                "  epoch {:>3}: training accuracy {:.3}",
                epoch + 1,
                correct as f64 / images.len() as f64
            );
        }
    }
    net.export(&kind.input_shape(), -7, [0, 127]).map_err(err)
}
