//! `section9 demo`: the showcase. A generator draws a picture from a
//! seeded latent; the run is proved with the weights private and
//! committed; the proof is checked from the files written.

use super::prove::{prepare_out, prove_run, KeySource, Proved};
use super::ui::Ui;
use super::{load_model, verify, CliError, CliResult, WeightsArg};
use section9::files::write_atomic;
use section9::graph::Model;
use serde::Serialize;
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

/// `demo --json`: the proved run, the picture and the verdict.
#[derive(Serialize)]
struct Summary<'a> {
    seed: u64,
    #[serde(flatten)]
    proved: &'a Proved,
    image: PathBuf,
    verified: bool,
}

/// What a generator draws: its first output, a `[1, 1 or 3, h, w]`
/// tensor of pixels in `0..=max`.
pub struct Picture {
    /// What to call the model in messages (as the user named it).
    model: String,
    output: String,
    shape: Vec<usize>,
    /// Channels (1 grey, 3 RGB), height and width.
    pub dims: (usize, usize, usize),
    pub max: i64,
}

impl Picture {
    /// The picture `model` (named `name` by the user) draws, or why its
    /// first output is none.
    pub fn of(model: &Model, name: &str) -> Result<Picture, CliError> {
        let first = *model
            .outputs
            .first()
            .ok_or_else(|| CliError::Usage(format!("`{name}` has no output")))?;
        let node = &model.nodes[first];
        let not_a_picture = |why: String| {
            CliError::Usage(format!(
                "`{name}` does not draw pictures: its output `{}` ({:?}, bound {}): {why}",
                node.name, node.shape, node.bound
            ))
        };
        if node.bound.lo < 0 || node.bound.hi <= 0 {
            return Err(not_a_picture("pixels need a bound [0, max]".into()));
        }
        let max = i64::try_from(node.bound.hi).map_err(|_| not_a_picture("the maximum is too large".into()))?;
        let dims = section9_zoo::image::picture_shape(&node.shape, max).map_err(not_a_picture)?;
        Ok(Picture {
            model: name.to_string(),
            output: node.name.clone(),
            shape: node.shape.clone(),
            dims,
            max,
        })
    }

    /// The pixels of the first output as a PNG, enlarged as
    /// [`section9_zoo::image::to_png`] does.
    pub fn png(&self, pixels: &[i64]) -> Result<Vec<u8>, CliError> {
        section9_zoo::image::to_png(&self.shape, pixels, self.max)
            .map_err(|e| CliError::Usage(format!("`{}` output `{}`: {e}", self.model, self.output)))
    }
}

pub fn run(a: Args, ui: Ui) -> CliResult {
    let model = load_model(&a.model)?;
    let picture = Picture::of(&model, &a.model)?;
    let made = prepare_out(&a.out)?;
    let inputs = model.seeded_inputs(a.seed);
    let proved = prove_run(
        &model,
        &inputs,
        WeightsArg::Committed,
        section9::compile::DEFAULT_MAX_CONSTRAINTS,
        &a.out,
        KeySource::Cache(a.keys),
        ui,
    )
    .inspect_err(|_| made.remove())?;
    let png = picture.png(&proved.outputs[0])?;
    let image = a.out.join("image.png");
    write_atomic(&image, &png).map_err(|e| CliError::Other(e.to_string()))?;
    let verified = verify::check(
        &a.out.join("verification_key.json"),
        &a.out.join("proof.json"),
        &a.out.join("public.json"),
    )?;
    ui.say(format!("latent seed  {}", a.seed));
    proved.print(ui);
    ui.say(format!("wrote        {}", image.display()));
    ui.json(&Summary {
        seed: a.seed,
        proved: &proved,
        image,
        verified,
    });
    if !verified {
        ui.say("verify       FAILED: the written proof does not verify");
        return Ok(ExitCode::from(1));
    }
    ui.say(format!(
        "verify       OK from the files (section9 verify {0}/verification_key.json {0}/proof.json {0}/public.json)",
        a.out.display()
    ));
    Ok(ExitCode::SUCCESS)
}
