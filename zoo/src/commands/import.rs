//! `section9 import`: an ONNX model in, a section9 model out.

use super::ui::Ui;
use super::{CliError, CliResult};
use indicatif::ProgressStyle;
use section9::files::write_atomic;
use section9::graph::Visibility;
use section9_zoo::import::{self, DataFiles, ImportError, Options, TreeLayout};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Import a float ONNX model: a network (PyTorch export of an MLP or CNN),
/// quantized with power-of-two int8 scales, or a classic model (ONNX-ML
/// linear model or tree ensemble from scikit-learn, XGBoost or LightGBM),
/// with per-feature power-of-two scales and exact tree thresholds. Writes
/// `<name>.json`, `<name>.params`, `<name>.report.json` and an example
/// `input.json` into --out.
#[derive(clap::Args)]
pub struct Args {
    /// The ONNX file.
    model: PathBuf,
    /// Calibration samples: `.npy` (float, `[n, ...input shape]`) or a JSON
    /// list of samples.
    #[arg(long)]
    calibration: PathBuf,
    /// Directory for the model (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// Evaluation samples, as --calibration: the integer model's outputs
    /// against the float model's on them (PSNR for a generator), and with
    /// --labels the accuracy of both.
    #[arg(long)]
    eval: Option<PathBuf>,
    /// Class labels of the evaluation samples (`.npy` integers or JSON);
    /// for a regressor, its float targets.
    #[arg(long, requires = "eval")]
    labels: Option<PathBuf>,
    /// Model name (default: the ONNX file's stem).
    #[arg(long)]
    name: Option<String>,
    /// Also output the class (the logits' argmax); implied by a final softmax.
    #[arg(long)]
    argmax: bool,
    /// Pack the outputs into as few public values as their bounds allow.
    #[arg(long)]
    pack_outputs: bool,
    /// How the input enters proofs: kept private, made public, or hashed
    /// (private, with its Poseidon commitment public, so a contract can
    /// name the input without seeing it).
    #[arg(long, value_enum, default_value_t = InputVisibility::Private)]
    input: InputVisibility,
    /// How a tree ensemble's trees enter the circuit: complete trees of
    /// one depth (their shapes hidden), each as it is (fewer constraints,
    /// the shapes public), or complete trees whose feature indices are
    /// weights too (with `prove --weights committed`, which features the
    /// trees read is hidden as well, at a proven selection per branch).
    #[arg(long, value_enum, default_value_t = TreeLayout::Complete)]
    trees: TreeLayout,
    /// One power-of-two weight scale per tensor, or per output channel
    /// (each channel's int8 weights use their whole range).
    #[arg(long, value_enum, default_value_t = WeightScales::Channel)]
    weight_scales: WeightScales,
    /// Correct each linear layer's bias for the mean shift its rounded
    /// weights cause on the calibration inputs.
    #[arg(long)]
    bias_correction: bool,
    /// A binary classic model whose score is a logit (its ONNX
    /// post_transform is LOGISTIC: logistic regression, XGBoost, LightGBM)
    /// also outputs its probability of class 1, `v / 256`, through a
    /// 255-entry sigmoid table.
    #[arg(long)]
    probability: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum WeightScales {
    Tensor,
    Channel,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum InputVisibility {
    Private,
    Public,
    Hashed,
}

impl From<InputVisibility> for Visibility {
    fn from(v: InputVisibility) -> Visibility {
        match v {
            InputVisibility::Private => Visibility::Private,
            InputVisibility::Public => Visibility::Public,
            InputVisibility::Hashed => Visibility::Hashed,
        }
    }
}

pub fn run(a: Args, ui: Ui) -> CliResult {
    let name = a.name.clone().unwrap_or_else(|| {
        a.model
            .file_stem()
            .map_or_else(|| "imported".into(), |s| s.to_string_lossy().into_owned())
    });
    let opts = Options {
        name: name.clone(),
        argmax: a.argmax,
        pack_outputs: a.pack_outputs,
        input: a.input.into(),
        trees: a.trees,
        per_channel: a.weight_scales == WeightScales::Channel,
        bias_correction: a.bias_correction,
        probability: a.probability,
    };
    let files = DataFiles {
        calibration: &a.calibration,
        eval: a.eval.as_deref().map(|x| (x, a.labels.as_deref())),
    };
    let bar = ui.bar();
    bar.set_style(ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} {elapsed}").expect("a fixed template"));
    let imported = import::import_any(&a.model, &files, &opts, &bar).map_err(import_error);
    bar.finish_and_clear();
    let imported = imported?;
    std::fs::create_dir_all(&a.out).map_err(|source| CliError::Io {
        path: a.out.display().to_string(),
        source,
    })?;
    let report = serde_json::to_string_pretty(&imported.report).map_err(|e| CliError::Other(e.to_string()))?;
    let input = serde_json::json!({ "x": imported.example }).to_string();
    write(&a.out, &format!("{name}.json"), imported.file.to_json().as_bytes())?;
    write(&a.out, &format!("{name}.params"), &imported.params.to_bytes())?;
    write(&a.out, &format!("{name}.report.json"), report.as_bytes())?;
    write(&a.out, "input.json", input.as_bytes())?;
    match ui {
        Ui::Json => println!("{report}"),
        Ui::Human => {
            print!("{}", imported.report);
            println!("wrote {}", a.out.join(format!("{name}.json")).display());
        }
        Ui::Quiet => {}
    }
    Ok(ExitCode::SUCCESS)
}

fn import_error(e: ImportError) -> CliError {
    CliError::Other(e.to_string())
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), CliError> {
    let path = dir.join(name);
    write_atomic(&path, bytes).map_err(|e| CliError::Other(e.to_string()))
}
