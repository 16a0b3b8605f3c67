use super::emit::{dequantize, quantize, Options};
use super::net::{FloatNet, Layer};
use super::QuantizeError;
use crate::graph::Model;
use crate::op::seeded_values;
use crate::Bound;

/// Deterministic float weights in `[-scale, scale]`.
fn weights(n: usize, scale: f32, seed: u64) -> Vec<f32> {
    seeded_values([(n, Bound::range(-1000, 1000))], seed)
        .remove(0)
        .into_iter()
        .map(|v| v as f32 / 1000.0 * scale)
        .collect()
}

fn conv(out: usize, cin: usize, seed: u64) -> Layer {
    Layer::Conv2d {
        out,
        kernel: 3,
        stride: 1,
        pad: 1,
        dilation: 1,
        groups: 1,
        w: weights(out * cin * 9, 0.5, seed),
        b: weights(out, 0.1, seed + 1),
    }
}

fn classifier() -> FloatNet {
    FloatNet {
        input_shape: vec![1, 1, 8, 8],
        input_exp: -7,
        input_range: [0, 127],
        layers: vec![
            conv(4, 1, 1),
            Layer::Relu,
            Layer::MaxPool { size: 2 },
            Layer::Flatten,
            Layer::Dense {
                out: 10,
                w: weights(10 * 64, 0.3, 3),
                b: weights(10, 0.1, 4),
            },
        ],
    }
}

fn generator() -> FloatNet {
    FloatNet {
        input_shape: vec![1, 8],
        input_exp: -7,
        input_range: [-127, 127],
        layers: vec![
            Layer::Dense {
                out: 16,
                w: weights(16 * 8, 0.6, 5),
                b: weights(16, 0.2, 6),
            },
            Layer::Reshape {
                shape: vec![1, 1, 4, 4],
            },
            Layer::Upsample { scale: 2 },
            conv(2, 1, 7),
            Layer::BatchNorm {
                gamma: vec![1.5, 0.7],
                beta: vec![0.1, -0.2],
                mean: vec![0.05, -0.1],
                var: vec![0.3, 0.8],
                eps: 1e-5,
            },
            Layer::Relu,
            conv(1, 2, 9),
            Layer::Pixels,
        ],
    }
}

fn opts(argmax: bool) -> Options<'static> {
    Options {
        name: "q",
        description: "quantized test net",
        pack_outputs: false,
        argmax,
        per_channel: false,
        bias_correction: false,
    }
}

fn inputs(net: &FloatNet, n: usize, seed: u64) -> Vec<Vec<i64>> {
    let len = net.input_shape.iter().product();
    let [lo, hi] = net.input_range;
    (0..n as u64)
        .map(|i| seeded_values([(len, Bound::range(lo as i128, hi as i128))], seed + i).remove(0))
        .collect()
}

#[test]
fn classifier_keeps_the_float_decisions() {
    let net = classifier();
    let q = quantize(&net, &inputs(&net, 64, 100), &opts(true)).unwrap();
    let model = Model::new(&q.file, &q.params).unwrap();
    let mut agree = 0;
    let samples = inputs(&net, 100, 1_000);
    for x in &samples {
        let float = net.forward(&net.dequantize_input(x)).unwrap().values;
        let out = model.run(std::slice::from_ref(x)).unwrap();
        let ints = dequantize(&out[0], q.output_exp).values;
        let argmax = |v: &[f32]| (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b });
        agree += usize::from(argmax(&float) == out[1][0] as usize);
        let range = float.iter().fold(0f32, |a, v| a.max(v.abs()));
        for (f, i) in float.iter().zip(&ints) {
            assert!((f - i).abs() <= 0.1 * range, "logit {i} strays from {f}");
        }
    }
    assert!(agree >= 90, "only {agree} of 100 decisions agree");
}

#[test]
fn generator_with_batch_norm_and_pixels_tracks_the_float_image() {
    let net = generator();
    let q = quantize(&net, &inputs(&net, 64, 200), &opts(false)).unwrap();
    assert_eq!(q.output_exp, -7);
    let model = Model::new(&q.file, &q.params).unwrap();
    for x in inputs(&net, 20, 2_000) {
        let float = net.forward(&net.dequantize_input(&x)).unwrap().values;
        let out = &model.run(std::slice::from_ref(&x)).unwrap()[0];
        assert!(out.iter().all(|&p| (0..=127).contains(&p)));
        let err: f32 = float
            .iter()
            .zip(dequantize(out, -7).values)
            .map(|(f, i)| (f - i).abs())
            .sum::<f32>()
            / float.len() as f32;
        assert!(err < 0.05, "mean pixel error {err}");
    }
}

#[test]
fn every_rescale_is_a_shift_and_weights_are_int8() {
    let net = generator();
    let q = quantize(&net, &inputs(&net, 16, 300), &opts(false)).unwrap();
    let ops: Vec<&str> = q.file.nodes.iter().map(|n| n.op.as_str()).collect();
    assert!(!ops.contains(&"batch_norm"), "batch norm is folded: {ops:?}");
    for n in &q.file.nodes {
        if n.name.ends_with(".w") {
            assert_eq!(n.prec, Some(8), "{}", n.name);
            assert!(q.params.tensors[&n.name].iter().all(|v| v.abs() <= 127));
        }
    }
    assert_eq!(
        ops.iter()
            .filter(|&&o| o == "requant" || o == "cvm_right_shift")
            .count(),
        3
    );
}

#[test]
fn quantization_is_deterministic() {
    let net = classifier();
    let calib = inputs(&net, 8, 7);
    let a = quantize(&net, &calib, &opts(true)).unwrap();
    let b = quantize(&net, &calib, &opts(true)).unwrap();
    assert_eq!(a.params, b.params);
    assert_eq!(a.file.to_json(), b.file.to_json());
}

#[test]
fn misplaced_or_misshapen_layers_are_named() {
    let mut net = classifier();
    net.layers.insert(1, Layer::Pixels);
    net.layers.insert(2, Layer::Pixels);
    let err = quantize(&net, &inputs(&net, 1, 1), &opts(false)).unwrap_err();
    assert!(matches!(err, QuantizeError::Layer { layer: 2, .. }), "{err}");

    let mut net = classifier();
    if let Layer::Dense { w, .. } = &mut net.layers[4] {
        w.pop();
    }
    let err = quantize(&net, &inputs(&net, 1, 1), &opts(false)).unwrap_err();
    assert!(
        err.to_string()
            .contains("layer 4: the weight has 639 values, expected 640"),
        "{err}"
    );

    let net = classifier();
    let err = quantize(&net, &[], &opts(false)).unwrap_err();
    assert!(err.to_string().contains("no calibration inputs"), "{err}");
    let err = quantize(&net, &[vec![0; 3]], &opts(false)).unwrap_err();
    assert!(err.to_string().contains("3 values given"), "{err}");
}

/// The mean of `integer - float` over `samples` and over the positions of
/// each of the `channels` output channels.
fn mean_error(net: &FloatNet, q: &super::Quantized, samples: &[Vec<i64>], channels: usize) -> Vec<f32> {
    let model = Model::new(&q.file, &q.params).unwrap();
    let mut sum: Vec<f32> = Vec::new();
    for x in samples {
        let float = net.forward(&net.dequantize_input(x)).unwrap().values;
        let ints = dequantize(&model.run(std::slice::from_ref(x)).unwrap()[0], q.output_exp).values;
        sum.resize(float.len(), 0.0);
        sum.iter_mut()
            .zip(ints.iter().zip(&float))
            .for_each(|(s, (i, f))| *s += i - f);
    }
    let per = sum.len() / channels;
    sum.chunks(per)
        .map(|c| c.iter().sum::<f32>() / (per * samples.len()) as f32)
        .collect()
}

/// Weights all 0.3 of a step above the int8 grid round down together: the
/// outputs drift by a mean the corrected biases take back, to within the
/// bias's own rounding (half an accumulator step), on a dense layer and on
/// a padded convolution.
#[test]
fn bias_correction_removes_the_mean_shift_of_rounded_weights() {
    let skewed = |n: usize| {
        (0..n)
            .map(|k| (1.3 + (k % 5) as f32) * 2f32.powi(-7))
            .collect::<Vec<f32>>()
    };
    let dense = FloatNet {
        input_shape: vec![1, 16],
        input_exp: -7,
        input_range: [0, 127],
        layers: vec![Layer::Dense {
            out: 3,
            w: skewed(48),
            b: vec![0.0; 3],
        }],
    };
    let mut conv_net = dense.clone();
    conv_net.input_shape = vec![1, 1, 4, 4];
    conv_net.layers = vec![Layer::Conv2d {
        out: 2,
        kernel: 3,
        stride: 1,
        pad: 1,
        dilation: 1,
        groups: 1,
        w: skewed(18),
        b: vec![0.0; 2],
    }];
    for (net, channels) in [(dense, 3), (conv_net, 2)] {
        let calibration = inputs(&net, 64, 400);
        let plain = quantize(&net, &calibration, &opts(false)).unwrap();
        let corrected = quantize(
            &net,
            &calibration,
            &Options {
                bias_correction: true,
                ..opts(false)
            },
        )
        .unwrap();
        let step = (corrected.output_exp as f32).exp2();
        let before = mean_error(&net, &plain, &calibration, channels);
        let after = mean_error(&net, &corrected, &calibration, channels);
        assert!(before.iter().all(|e| e.abs() > 4.0 * step), "{before:?} at step {step}");
        assert!(
            after.iter().all(|e| e.abs() <= 0.5 * step + 1e-6),
            "{after:?} at step {step}"
        );
    }
}
