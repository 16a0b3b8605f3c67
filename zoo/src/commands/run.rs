//! `section9 run`: the model's outputs on an input, by the integer engine.

use super::{load_inputs, load_model, CliResult};
use section9::graph::nested;
use std::path::PathBuf;
use std::process::ExitCode;

/// Run a model on an input file (or a seeded input) and print its outputs
/// as JSON.
#[derive(clap::Args)]
pub struct Args {
    /// Built-in model name or model file.
    model: String,
    /// Input file: `{"<input>": [...]}`; without it, a seeded input.
    input: Option<PathBuf>,
    /// Seed of the generated input (without an input file).
    #[arg(long, default_value_t = 0, conflicts_with = "input")]
    seed: u64,
}

pub fn run(a: Args) -> CliResult {
    let model = load_model(&a.model)?;
    let inputs = load_inputs(&model, a.input.as_deref(), a.seed)?;
    let started = std::time::Instant::now();
    let outputs = model.run(&inputs)?;
    tracing::info!(elapsed = ?started.elapsed(), "engine ran");
    let json: serde_json::Map<String, serde_json::Value> = model
        .outputs
        .iter()
        .zip(&outputs)
        .map(|(&o, v)| (model.nodes[o].name.clone(), nested(&model.nodes[o].shape, v)))
        .collect();
    println!("{}", serde_json::Value::Object(json));
    Ok(ExitCode::SUCCESS)
}
