//! The operators a model file may name, read from their declarations.
//!
//! Nothing here restates an operator: names, parameters, where each
//! parameter comes from and the ranks of the ports all come from the
//! `#[zk_op]` declaration through [`ZkOp`]'s constants.

use crate::error::OpError;
use crate::op::{DynOp, Erased, ParamSource, ZkOp};
use crate::ops::*;

/// Makes an operator from its parameter values in declaration order.
pub type Build = fn(&[i128]) -> Result<Box<dyn DynOp>, OpError>;

/// What the graph needs to know about an operator before it exists.
pub struct OpKind {
    pub name: &'static str,
    pub params: &'static [&'static str],
    pub sources: &'static [ParamSource],
    pub inputs: &'static [&'static str],
    pub input_ranks: &'static [usize],
    pub output_ranks: &'static [usize],
    /// Inputs that must be circuit constants.
    pub constant_inputs: &'static [bool],
    /// Attributes an alias fixes (`broadcast_add` is `broadcast` with
    /// `op = 0`); the model file must not set them.
    pub fixed: &'static [(&'static str, i128)],
    pub build: Build,
}

fn build<T: ZkOp<Value = i128> + 'static>(values: &[i128]) -> Result<Box<dyn DynOp>, OpError> {
    Ok(Box::new(Erased(T::from_params(values)?)))
}

fn kind<T: ZkOp<Value = i128> + 'static>(fixed: &'static [(&'static str, i128)]) -> OpKind {
    OpKind {
        name: T::NAME,
        params: T::PARAMS,
        sources: T::SOURCES,
        inputs: T::INPUTS,
        input_ranks: T::INPUT_RANKS,
        output_ranks: T::OUTPUT_RANKS,
        constant_inputs: T::CONSTANT_INPUTS,
        fixed,
        build: build::<T>,
    }
}

fn alias<T: ZkOp<Value = i128> + 'static>(name: &'static str, fixed: &'static [(&'static str, i128)]) -> OpKind {
    OpKind {
        name,
        ..kind::<T>(fixed)
    }
}

/// Every operator a model may use, by its model-file name.
pub fn operators() -> Vec<OpKind> {
    vec![
        kind::<Dense>(&[]),
        kind::<Conv2d>(&[]),
        kind::<ConvTranspose2d>(&[]),
        kind::<Relu>(&[]),
        kind::<Clip>(&[]),
        kind::<CvmClip>(&[]),
        kind::<CvmRightShift>(&[]),
        kind::<CvmLeftShift>(&[]),
        kind::<Requant>(&[]),
        kind::<DenseRequant>(&[]),
        kind::<Conv2dRequant>(&[]),
        kind::<ConvTranspose2dRequant>(&[]),
        kind::<MaxPool2d>(&[]),
        kind::<SumPool2d>(&[]),
        alias::<SumPool2d>("avg_pool2d", &[("average", 1)]),
        kind::<Upsampling>(&[]),
        kind::<Broadcast>(&[]),
        alias::<Broadcast>("broadcast_add", &[("op", BROADCAST_ADD as i128)]),
        alias::<Broadcast>("broadcast_sub", &[("op", BROADCAST_SUB as i128)]),
        alias::<Broadcast>("broadcast_mul", &[("op", BROADCAST_MUL as i128)]),
        alias::<Broadcast>("broadcast_max", &[("op", BROADCAST_MAX as i128)]),
        alias::<Broadcast>("broadcast_greater", &[("op", BROADCAST_GREATER as i128)]),
        alias::<Broadcast>("broadcast_div", &[("op", BROADCAST_DIV as i128)]),
        kind::<Negative>(&[]),
        kind::<Abs>(&[]),
        kind::<CvmPrecision>(&[]),
        kind::<Isqrt>(&[]),
        kind::<DivClip>(&[]),
        kind::<Where>(&[]),
        kind::<Reduce>(&[]),
        alias::<Reduce>("sum", &[("op", REDUCE_SUM as i128)]),
        alias::<Reduce>("max", &[("op", REDUCE_MAX as i128)]),
        kind::<Argmax>(&[]),
        kind::<Transpose>(&[]),
        kind::<Pad>(&[]),
        kind::<Concatenate>(&[]),
        kind::<StridedSlice>(&[]),
        kind::<Repeat>(&[]),
        kind::<Tile>(&[]),
        kind::<Take>(&[]),
        kind::<TakeConstant>(&[]),
        kind::<TreeEnsemble>(&[]),
        alias::<Take>("cvm_lut", &[]),
        // A `take` that stays a proven selection when its indices are a
        // `param`: the indices are then weights, committed with the rest
        // (a model that hides which features its trees read).
        alias::<Take>("take_private", &[]),
    ]
}

/// The operator named `name`, if there is one.
pub fn lookup(name: &str) -> Option<OpKind> {
    operators().into_iter().find(|k| k.name == name)
}
