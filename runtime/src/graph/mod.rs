//! Models: the file format, validation with shape and bound inference, and
//! the inference engine.
//!
//! A model file is a JSON graph (documented in `docs/model-format.md`)
//! plus a binary parameter file. [`Model::new`] checks everything a file
//! can get wrong and names the node at fault; a [`Model`] then runs
//! ([`Model::run`]) and compiles ([`crate::compile`]) without further
//! checks of its structure.

mod axes;
mod builder;
mod engine;
mod error;
mod file;
mod fold;
mod fuse;
mod json;
mod model;
mod names;
mod reads;
mod registry;

pub use builder::ModelBuilder;
pub use engine::nested;
pub use error::GraphError;
pub use file::{AttrValue, ModelFile, NodeSpec, Params, ParamsRef, Visibility, FORMAT, VERSION};
pub use fold::fold_batch_norms;
pub use model::{Model, Node, NodeKind, MAX_ELEMENTS, MAX_PRECISION};
pub use names::MAX_NAME;
pub use registry::{lookup, operators, OpKind};

use std::path::Path;

fn read(path: &Path) -> Result<Vec<u8>, GraphError> {
    std::fs::read(path).map_err(|e| GraphError::Io {
        path: path.display().to_string(),
        why: e.to_string(),
    })
}

/// Loads a model file and the parameter file it names. Every error names
/// the model file, and the node at fault where there is one.
pub fn load(path: &Path) -> Result<Model, GraphError> {
    let (file, params) = read_files(path)?;
    Model::new(&file, &params).map_err(|e| named(path, e))
}

/// Reads a model file and the parameter file it names, without checking
/// that they make a model ([`Model::new`] does).
pub fn read_files(path: &Path) -> Result<(ModelFile, Params), GraphError> {
    read_unnamed(path).map_err(|e| named(path, e))
}

fn named(path: &Path, e: GraphError) -> GraphError {
    match e {
        GraphError::Io { .. } => e,
        e => GraphError::File {
            path: path.display().to_string(),
            source: Box::new(e),
        },
    }
}

fn read_unnamed(path: &Path) -> Result<(ModelFile, Params), GraphError> {
    let text =
        String::from_utf8(read(path)?).map_err(|_| GraphError::Json("the model file is not UTF-8 text".into()))?;
    let file = ModelFile::from_json(&text)?;
    let params = match &file.params {
        Some(r) => {
            if r.file.is_empty() || r.file.contains(['/', '\\']) || r.file == ".." {
                return Err(GraphError::Format(format!(
                    "parameter file {:?} must be a file name beside the model file",
                    r.file
                )));
            }
            let dir = path.parent().unwrap_or(Path::new("."));
            Params::from_bytes(&read(&dir.join(&r.file))?)?
        }
        None => Params::default(),
    };
    Ok((file, params))
}
