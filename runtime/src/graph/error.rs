//! What can be wrong with a model, named by the node it concerns.

use crate::error::OpError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("model file is not valid JSON for a section9 model: {0}")]
    Json(String),
    #[error("model file: {0}")]
    Format(String),
    #[error("parameter file: {0}")]
    Params(String),
    #[error("node `{node}`: {why}")]
    Node { node: String, why: String },
    #[error("node `{node}`: {source}")]
    Op { node: String, source: Box<OpError> },
    #[error("model input `{input}`: {why}")]
    Input { input: String, why: String },
    #[error("input file: {0}")]
    InputFile(String),
    #[error("{path}: {why}")]
    Io { path: String, why: String },
    #[error(
        "model `{model}`: its circuit needs {needs} constraints, more than the limit of {limit} \
         (raise the limit, `--max-constraints`, to build it, or prove it in pieces, `--chunks auto`)"
    )]
    TooLarge { model: String, needs: String, limit: usize },
    #[error(
        "model `{model}`: its tensors hold {values} values in all, more than the limit of {limit} \
         (the circuit holds a signal for each; raise the limit, `--max-constraints`, to build it)"
    )]
    TooManyValues { model: String, values: usize, limit: usize },
    /// An error in a model loaded from a file, named by the file.
    #[error("{path}: {source}")]
    File { path: String, source: Box<GraphError> },
}

impl GraphError {
    pub(crate) fn node(node: &str, why: impl Into<String>) -> GraphError {
        GraphError::Node {
            node: node.to_string(),
            why: why.into(),
        }
    }

    pub(crate) fn op(node: &str) -> impl Fn(OpError) -> GraphError + '_ {
        move |source| GraphError::Op {
            node: node.to_string(),
            source: Box::new(source),
        }
    }
}
