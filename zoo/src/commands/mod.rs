//! One module per verb of the `section9` command.

pub mod chain;
pub mod demo;
pub mod evm;
pub mod export;
pub mod import;
pub mod info;
pub mod pieces;
pub mod prove;
pub mod run;
pub mod serve;
pub mod ui;
pub mod verify;

use section9::graph::{self, GraphError, Model, ModelFile, Params};
use std::path::Path;

/// What can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0}")]
    Other(String),
}

/// `--weights`: how a model's weights enter the circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightsArg {
    /// Circuit constants: the model is public.
    Constant,
    /// Private, bound by a Poseidon commitment that is a public value.
    Committed,
}

impl From<WeightsArg> for section9::compile::Weights {
    fn from(w: WeightsArg) -> Self {
        match w {
            WeightsArg::Constant => section9::compile::Weights::Constant,
            WeightsArg::Committed => section9::compile::Weights::Committed,
        }
    }
}

pub type CliResult = Result<std::process::ExitCode, CliError>;

/// What a run is: the model, its input and how the weights enter (shared
/// by the verbs that compile a run).
#[derive(clap::Args)]
pub struct RunArgs {
    /// Built-in model name or model file.
    pub model: String,
    /// Input file: `{"<input>": [...]}`; without it, a seeded input.
    pub input: Option<std::path::PathBuf>,
    /// Directory for the written files (created if needed).
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Seed of the generated input (without an input file).
    #[arg(long, default_value_t = 0, conflicts_with = "input")]
    pub seed: u64,
    /// How the weights enter the circuit.
    #[arg(long, value_enum, default_value_t = WeightsArg::Committed)]
    pub weights: WeightsArg,
    /// The most constraints the circuit may have; a larger one is refused
    /// before it is built.
    #[arg(long, default_value_t = section9::compile::DEFAULT_MAX_CONSTRAINTS)]
    pub max_constraints: usize,
}

/// A text file, or an error naming it.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// A snarkjs-format error, named by the file it came from.
pub fn malformed(path: &Path) -> impl FnOnce(section9::prove::snarkjs::FormatError) -> CliError + '_ {
    move |e| CliError::Other(format!("{}: {e}", path.display()))
}

/// A built-in model by name, or a model file by path.
pub fn load_model(arg: &str) -> Result<Model, CliError> {
    if let Some(m) = section9_zoo::builtin(arg) {
        return Ok(m?);
    }
    Ok(graph::load(model_path(arg)?)?)
}

/// A built-in model or model file, with the graph and weights it was made
/// from, for a reader of its own (the web page's prover).
pub fn load_model_and_files(arg: &str) -> Result<(Model, ModelFile, Params), CliError> {
    let (file, params) = match section9_zoo::BUILTINS.iter().find(|b| b.name == arg) {
        Some(b) => (ModelFile::from_json(b.json)?, Params::from_bytes(b.params)?),
        None => graph::read_files(model_path(arg)?)?,
    };
    let model = Model::new(&file, &params).map_err(|e| CliError::Other(format!("{arg}: {e}")))?;
    Ok((model, file, params))
}

/// `arg` as a model file's path, when it can be one.
fn model_path(arg: &str) -> Result<&Path, CliError> {
    let path = Path::new(arg);
    if path.extension().is_some_and(|e| e == "json") || path.exists() {
        return Ok(path);
    }
    let names: Vec<&str> = section9_zoo::BUILTINS.iter().map(|b| b.name).collect();
    Err(CliError::Usage(format!(
        "`{arg}` is neither a built-in model ({}) nor a model file",
        names.join(", ")
    )))
}

/// A new temporary folder whose name starts with `prefix`, removed when
/// dropped.
pub fn temp_dir(prefix: &str) -> Result<tempfile::TempDir, CliError> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|source| CliError::Io {
            path: std::env::temp_dir().display().to_string(),
            source,
        })
}

/// Model inputs from a JSON file, or seeded ones within their bounds.
pub fn load_inputs(model: &Model, file: Option<&Path>, seed: u64) -> Result<Vec<Vec<i64>>, CliError> {
    let inputs = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| CliError::Io {
                path: path.display().to_string(),
                source,
            })?;
            model
                .inputs_from_json(&text)
                .and_then(|inputs| model.check_inputs(&inputs).map(|()| inputs))
                .map_err(|e| CliError::Other(format!("{}: {e}", path.display())))?
        }
        None => model.seeded_inputs(seed),
    };
    Ok(inputs)
}
