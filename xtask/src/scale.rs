//! Model files of a chosen size with seeded int8 weights: what the scale
//! table of BENCHMARKS.md ("Models in pieces") measures. Their weights are
//! random, not trained: only their size matters there.

use rand::{Rng, SeedableRng};
use section9::graph::{AttrValue, ModelBuilder, ModelFile, Params};
use std::path::Path;

/// Fully connected layers of `width` x `width`, each requantized to int8.
fn mlp(width: usize, layers: usize, rng: &mut impl Rng) -> (ModelFile, Params) {
    let mut m = ModelBuilder::new();
    let mut x = m.input("x", &[1, width], 8);
    for l in 0..layers {
        let w = m.param(&format!("fc{l}.w"), &[width, width], 8, int8s(width * width, rng));
        let b = m.param(&format!("fc{l}.b"), &[width], 8, int8s(width, rng));
        let y = m.op(&format!("fc{l}"), "dense", &[&x, &w, &b], &[]);
        x = m.op(&format!("act{l}"), "requant", &[&y], &requant());
    }
    m.finish(
        &format!("mlp-{}", width * width * layers),
        "seeded MLP for the scale table",
        &[&x],
    )
}

/// 3x3 convolutions of `channels` channels on a `side` x `side` image.
fn cnn(channels: usize, side: usize, layers: usize, rng: &mut impl Rng) -> (ModelFile, Params) {
    let mut m = ModelBuilder::new();
    let mut x = m.input("x", &[1, channels, side, side], 8);
    let conv: Vec<(&str, AttrValue)> = ["sh", "sw", "ph", "pw", "dh", "dw", "groups"]
        .into_iter()
        .map(|k| (k, AttrValue::Int(1)))
        .collect();
    for l in 0..layers {
        let n = channels * channels * 9;
        let w = m.param(&format!("conv{l}.w"), &[channels, channels, 3, 3], 8, int8s(n, rng));
        let b = m.param(&format!("conv{l}.b"), &[channels], 8, int8s(channels, rng));
        let y = m.op(&format!("conv{l}"), "conv2d", &[&x, &w, &b], &conv);
        x = m.op(&format!("act{l}"), "requant", &[&y], &requant());
    }
    m.finish(
        &format!("cnn-{}", channels * channels * 9 * layers),
        "seeded CNN for the scale table",
        &[&x],
    )
}

fn requant() -> Vec<(&'static str, AttrValue)> {
    vec![("s", AttrValue::Int(9)), ("p", AttrValue::Int(8))]
}

fn int8s(n: usize, rng: &mut impl Rng) -> Vec<i64> {
    (0..n).map(|_| rng.gen_range(-127..=127)).collect()
}

/// Writes `kind` (`mlp` or `cnn`) with about `weights` weights into `out`.
pub fn scale_model(kind: &str, weights: &str, out: &Path) -> Result<(), String> {
    let weights: usize = weights
        .parse()
        .map_err(|_| format!("the weight count must be a number, not `{weights}`"))?;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(weights as u64);
    let (file, params) = match kind {
        // Layers of at most 256 x 256: one piece each under the default
        // budget.
        "mlp" => {
            let layers = weights.div_ceil(1 << 16).max(1);
            let width = ((weights / layers) as f64).sqrt().round() as usize;
            mlp(width, layers, &mut rng)
        }
        // 16 channels on a 4 x 4 image: 2,304 weights a layer.
        "cnn" => cnn(16, 4, weights.div_ceil(2304).max(1), &mut rng),
        _ => return Err(format!("the kind is `mlp` or `cnn`, not `{kind}`")),
    };
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let params_name = &file.params.as_ref().ok_or("a model names its parameter file")?.file;
    crate::write_atomic(&out.join(params_name), params.to_bytes())?;
    let json = out.join(format!("{}.json", file.name));
    crate::write_atomic(&json, file.to_json())?;
    println!("wrote {}", json.display());
    Ok(())
}
