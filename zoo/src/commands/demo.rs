//! `section9 demo`: the showcase. A generator draws a picture from a
//! seeded latent; the run is proved with the weights private and
//! committed; the proof is checked from the files written.

use super::prove::{prove_run, KeySource};
use super::{load_model, verify, CliError, CliResult, WeightsArg};
use section9::files::write_atomic;
use std::path::PathBuf;
use std::process::ExitCode;

/// Draw a picture with a generator, prove it came from the committed
/// model, verify the proof; writes image.png and the snarkjs files.
#[derive(clap::Args)]
pub struct Args {
    /// The generator: a built-in name (digits-gan, s9-gan) or a model file
    /// whose first output is a [1, 1 or 3, h, w] picture.
    #[arg(long, default_value = section9_zoo::DEFAULT_GENERATOR)]
    model: String,
    /// Seed of the latent.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Directory for the written files (created if needed).
    #[arg(long, default_value = "section9-demo")]
    out: PathBuf,
    /// Key cache directory (as for `prove`).
    #[arg(long)]
    keys: Option<PathBuf>,
}

pub fn run(a: Args) -> CliResult {
    let model = load_model(&a.model)?;
    let first = *model
        .outputs
        .first()
        .ok_or_else(|| CliError::Usage("the model has no output".into()))?;
    let node = &model.nodes[first];
    if node.bound.lo < 0 || node.bound.hi <= 0 {
        return Err(CliError::Usage(format!(
            "`{}` does not draw pictures: its output `{}` has bound {}, pixels need [0, max]",
            a.model, node.name, node.bound
        )));
    }
    let inputs = model.seeded_inputs(a.seed);
    let proved = prove_run(
        &model,
        &inputs,
        WeightsArg::Committed,
        section9::compile::DEFAULT_MAX_CONSTRAINTS,
        &a.out,
        KeySource::Cache(a.keys),
    )?;
    let png = section9_zoo::image::to_png(&node.shape, &proved.outputs[0], node.bound.hi as i64)
        .map_err(|e| CliError::Usage(format!("`{}` output `{}`: {e}", a.model, node.name)))?;
    let image = a.out.join("image.png");
    write_atomic(&image, &png).map_err(|e| CliError::Other(e.to_string()))?;
    let verified = verify::check(
        &a.out.join("verification_key.json"),
        &a.out.join("proof.json"),
        &a.out.join("public.json"),
    )?;
    println!("latent seed  {}", a.seed);
    proved.print(&model.name);
    println!("wrote        {}", image.display());
    if !verified {
        println!("verify       FAILED: the written proof does not verify");
        return Ok(ExitCode::from(1));
    }
    println!(
        "verify       OK (section9 verify {0}/verification_key.json {0}/proof.json {0}/public.json)",
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
