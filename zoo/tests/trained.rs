//! The trained zoo: the committed weights are what the quantizer makes of
//! the committed float networks, and they meet the quality bars.

use section9::graph::{Model, ModelFile, Params};
use section9::quantize::quantize;
use section9_zoo::data::{digits, image_input};
use section9_zoo::trained::{self, classify, is_held_out, read_record, TrainedRecord, TRAINED};
use std::path::{Path, PathBuf};

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn record(name: &str) -> TrainedRecord {
    read_record(&models_dir().join(format!("{name}.float.json"))).unwrap()
}

fn builtin(name: &str) -> Model {
    section9_zoo::builtin(name).unwrap().unwrap()
}

#[test]
fn committed_weights_are_the_quantizers_output() {
    for name in TRAINED {
        let rec = record(name);
        let opts = trained::options(name).unwrap();
        let q = quantize(&rec.net, &trained::calibration(name).unwrap(), &opts).unwrap();
        assert_eq!(q.output_exp, rec.output_exp, "{name}");
        let dir = models_dir();
        let json = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        assert_eq!(q.file, ModelFile::from_json(&json).unwrap(), "{name}: graph differs");
        let params = Params::from_bytes(&std::fs::read(dir.join(format!("{name}.params"))).unwrap()).unwrap();
        assert_eq!(q.params, params, "{name}: weights differ");
    }
}

/// Integer accuracy on the held-out fifth, and agreement with the float
/// network's decisions.
fn held_out(name: &str) -> (f64, f64) {
    let (model, rec) = (builtin(name), record(name));
    let (mut right, mut agree, mut n) = (0, 0, 0);
    for (_, d) in digits().unwrap().iter().enumerate().filter(|(i, _)| is_held_out(*i)) {
        let x = image_input(&d.pixels);
        let (class, _) = classify(&model, rec.output_exp, &x).unwrap();
        let float = rec.net.forward(&rec.net.dequantize_input(&x)).unwrap().values;
        let fclass = (0..float.len()).fold(0, |b, i| if float[i] > float[b] { i } else { b });
        right += usize::from(class == usize::from(d.label));
        agree += usize::from(class == fclass);
        n += 1;
    }
    (right as f64 / n as f64, agree as f64 / n as f64)
}

#[test]
fn digits_cnn_is_accurate_on_held_out_digits() {
    let (accuracy, agreement) = held_out("digits-cnn");
    assert!(accuracy >= 0.95, "accuracy {accuracy}");
    assert!(agreement >= 0.98, "agreement with the float model {agreement}");
}

#[test]
fn mlp_is_accurate_on_held_out_digits() {
    let (accuracy, agreement) = held_out("mlp");
    assert!(accuracy >= 0.93, "accuracy {accuracy}");
    assert!(agreement >= 0.98, "agreement with the float model {agreement}");
}

#[test]
fn digits_gan_draws_recognisable_and_varied_digits() {
    let q = trained::judge_digits(
        &builtin("digits-gan"),
        &builtin("digits-cnn"),
        record("digits-cnn").output_exp,
    )
    .unwrap();
    assert_eq!(q.samples, 100);
    assert!(q.clear >= 80, "{q}");
    assert!(q.distinct_digits() >= 8, "{q}");
}

#[test]
fn s9_gan_pictures_vary_with_the_latent_and_are_never_constant() {
    let v = trained::variation(&builtin("s9-gan")).unwrap();
    assert_eq!(v.constant, 0, "{v}");
    assert_eq!(v.distinct, v.samples, "{v}");
    assert!(v.mean_pixel_std > 5.0, "{v}");
}

#[test]
fn s9_gan_is_the_seeds_generator() {
    let m = builtin("s9-gan");
    let (_, input) = m.inputs().next().unwrap();
    assert_eq!(input.shape, vec![1, 16]);
    assert_eq!(m.nodes[m.outputs[0]].shape, vec![1, 3, 32, 32]);
    // 1,138 parameters; batch norm's four are folded into the convolutions.
    assert_eq!(record("s9-gan").net.num_params(), 1_138 + 4);
    assert_eq!(m.num_params(), 1_138);
}
