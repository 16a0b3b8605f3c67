//! Post-training quantization in the CVM / MRT style: a float network
//! becomes a section9 model whose weights are int8 with power-of-two
//! scales, so that every rescale is a rounding right shift
//! (`requant`, `cvm_right_shift`) and the whole model runs on integers.
//!
//! Trainers hand over a [`FloatNet`]; [`quantize`] calibrates activation
//! scales on sample inputs with the float forward pass in [`net`], folds
//! batch norm into the layer before it, and writes the model with
//! [`ModelBuilder`](crate::graph::ModelBuilder).

mod emit;
pub mod net;
#[cfg(test)]
mod tests;

pub use emit::{dequantize, quantize, LayerScale, Options, Quantized};
pub use net::{FloatNet, FloatTensor, Layer, PoolKind};

/// What can stop quantization.
#[derive(Debug, thiserror::Error)]
pub enum QuantizeError {
    #[error("layer {layer}: {why}")]
    Layer { layer: usize, why: String },
    #[error("input: {0}")]
    Input(String),
}
