//! `cargo xtask train <model> [--seed N]`: trains a zoo model in float
//! (candle, CPU), quantizes it with `section9::quantize` and writes the
//! model, its parameters and the float record under `zoo/models`.
//! Deterministic given the seed: every random draw comes from one ChaCha
//! stream and the kernels run on one thread.

mod classify;
mod data;
pub(crate) mod gan;
mod net;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use section9::graph::{self, Model};
use section9::quantize::{quantize, FloatNet};
use section9_zoo::trained::{self, TrainedRecord};
use std::path::Path;

/// The seed `cargo xtask train` uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 9;

fn train_float(name: &str, rng: &mut ChaCha8Rng) -> Result<FloatNet, String> {
    let digits = data::training_digits()?;
    match name {
        "mlp" => classify::train(classify::Kind::Mlp, &digits, rng),
        "digits-cnn" => classify::train(classify::Kind::Cnn, &digits, rng),
        "digits-gan" => {
            let real: Vec<Vec<f32>> = digits
                .iter()
                .map(|d| {
                    data::dequantize(&data::image_input(&d.pixels))
                        .iter()
                        .map(|v| v * 2.0 - 1.0)
                        .collect()
                })
                .collect();
            gan::train(gan::digits(), &real, rng)
        }
        "s9-gan" => {
            let real: Vec<Vec<f32>> = digits.iter().enumerate().map(|(i, d)| data::tinted_32(d, i)).collect();
            gan::train(gan::s9(), &real, rng)
        }
        _ => Err(format!(
            "no trained model `{name}` (models: {})",
            trained::TRAINED.join(", ")
        )),
    }
}

pub fn train(workspace: &Path, name: &str, seed: u64) -> Result<(), String> {
    let opts = trained::options(name)
        .ok_or_else(|| format!("no trained model `{name}` (models: {})", trained::TRAINED.join(", ")))?;
    // candle's CPU kernels split work across threads in a way that changes
    // float rounding from run to run; one thread makes training repeatable.
    // Set before the first kernel runs, while no other thread reads the
    // environment.
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    println!("training {name} (seed {seed})");
    let net = train_float(name, &mut rng)?;
    let q = quantize(&net, &trained::calibration(name)?, &opts).map_err(|e| e.to_string())?;
    let model = Model::new(&q.file, &q.params).map_err(|e| e.to_string())?;
    let record = TrainedRecord {
        seed,
        output_exp: q.output_exp,
        net,
    };
    report(name, &model, &record)?;
    let dir = workspace.join("zoo/models");
    let params = q.file.params.as_ref().ok_or("a trained model has parameters")?;
    crate::write_atomic(&dir.join(&params.file), q.params.to_bytes())?;
    let record_json = serde_json::to_string(&record).map_err(|e| e.to_string())?;
    crate::write_atomic(&dir.join(format!("{name}.float.json")), record_json + "\n")?;
    crate::write_atomic(&dir.join(format!("{name}.json")), q.file.to_json())?;
    println!("wrote zoo/models/{name}.json, {}, {name}.float.json", params.file);
    Ok(())
}

/// Prints what the quality bars measure.
fn report(name: &str, model: &Model, record: &TrainedRecord) -> Result<(), String> {
    match name {
        "mlp" | "digits-cnn" => {
            let digits = section9_zoo::data::digits()?;
            let (mut int_ok, mut float_ok, mut agree, mut n) = (0, 0, 0, 0);
            for (_, d) in digits.iter().enumerate().filter(|(i, _)| trained::is_held_out(*i)) {
                let x = data::image_input(&d.pixels);
                let (class, _) = trained::classify(model, record.output_exp, &x)?;
                let float = record
                    .net
                    .forward(&record.net.dequantize_input(&x))
                    .map_err(|e| e.to_string())?;
                let fclass = (0..10).fold(0, |b, i| if float.values[i] > float.values[b] { i } else { b });
                int_ok += usize::from(class == usize::from(d.label));
                float_ok += usize::from(fclass == usize::from(d.label));
                agree += usize::from(class == fclass);
                n += 1;
            }
            let pct = |k: usize| 100.0 * k as f64 / n as f64;
            println!(
                "  held out ({n} images): integer accuracy {:.1}%, float {:.1}%, integer agrees with float on {:.1}%",
                pct(int_ok),
                pct(float_ok),
                pct(agree)
            );
        }
        "digits-gan" => {
            let dir = crate::workspace().join("zoo/models");
            let cnn = graph::load(&dir.join("digits-cnn.json")).map_err(|e| e.to_string())?;
            let exp = trained::read_record(&dir.join("digits-cnn.float.json"))?.output_exp;
            let q = trained::judge_digits(model, &cnn, exp)?;
            println!("  {q}");
        }
        _ => {
            let v = trained::variation(model)?;
            println!("  {v}");
        }
    }
    Ok(())
}
