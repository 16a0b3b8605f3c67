//! The float reference: the ONNX model itself, run by tract on the
//! importer's static input shape.

use super::error::OnnxError;
use super::onnx::OnnxModel;
use super::translate::network_output;
use std::sync::Arc;
use tract_onnx::prelude::*;

/// A runnable float model.
pub struct Reference {
    plan: Arc<TypedRunnableModel>,
    shape: Vec<usize>,
}

fn fail(e: TractError) -> OnnxError {
    OnnxError::Reference(format!("{e:#}"))
}

impl Reference {
    /// Optimizes the model for one input of the imported (static) shape.
    /// tract panics on a few valid models (Squeeze with axes out of order):
    /// that becomes an error naming tract, not a crash.
    pub fn new(model: &OnnxModel) -> Result<Reference, OnnxError> {
        let output = network_output(model).map_or_else(|_| model.outputs.first().cloned().unwrap_or_default(), |o| o.0);
        let build = || {
            tract_onnx::onnx()
                .model_for_proto_model(&model.proto)
                .and_then(|m| m.with_input_fact(0, f32::fact(&model.input_shape).into()))
                .and_then(|m| m.with_outputs_by_name([output.as_str()]))
                .and_then(|m| m.into_optimized())
                .and_then(|m| m.into_runnable())
        };
        let plan = std::panic::catch_unwind(std::panic::AssertUnwindSafe(build))
            .map_err(|_| OnnxError::Reference("tract stopped with an internal error while analysing the model".into()))?
            .map_err(fail)?;
        Ok(Reference {
            plan,
            shape: model.input_shape.clone(),
        })
    }

    /// The model's output on one sample.
    pub fn run(&self, sample: &[f32]) -> Result<Vec<f32>, OnnxError> {
        let input = Tensor::from_shape(&self.shape, sample).map_err(fail)?;
        let out = self.plan.run(tvec!(input.into())).map_err(fail)?;
        let first = out.first().ok_or_else(|| OnnxError::Reference("no output".into()))?;
        let view = first.to_plain_array_view::<f32>().map_err(fail)?;
        Ok(view.iter().copied().collect())
    }
}
