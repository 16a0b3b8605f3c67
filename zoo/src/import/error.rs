//! What can stop an import; every message names the file, node or tensor
//! at fault.

use section9::quantize::QuantizeError;

/// A problem with the ONNX model itself.
#[derive(Debug, thiserror::Error)]
pub enum OnnxError {
    #[error("not a readable ONNX model: {0}")]
    Parse(String),
    #[error("{0}")]
    Model(String),
    #[error("node `{node}` ({op}): {why}")]
    Node { node: String, op: String, why: String },
    #[error("tensor `{tensor}`: {why}")]
    Tensor { tensor: String, why: String },
    #[error("float reference (tract): {0}")]
    Reference(String),
}

impl OnnxError {
    pub fn node(node: &crate::import::onnx::Node, why: impl Into<String>) -> OnnxError {
        OnnxError::Node {
            node: node.name.clone(),
            op: node.op.clone(),
            why: why.into(),
        }
    }
}

/// What can stop `section9 import`.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: {source}")]
    Onnx { file: String, source: OnnxError },
    #[error("{file}: {why}")]
    Data { file: String, why: String },
    #[error("quantization: {0}")]
    Quantize(#[from] QuantizeError),
    #[error("the quantized model: {0}")]
    Graph(#[from] section9::graph::GraphError),
    /// An option that cannot apply to this model, rather than ignored.
    #[error("{file}: `{option}` does not apply: {why}")]
    Option {
        file: String,
        option: &'static str,
        why: String,
    },
}
