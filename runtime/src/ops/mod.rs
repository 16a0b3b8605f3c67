//! The operators, one file per family, each operator one `#[zk_op]`.

mod elementwise;
mod fused;
mod gather;
mod layout;
mod linear;
mod pool;
mod reduce;
mod requant;
mod shape;
mod tree;

pub use elementwise::{
    Abs, Broadcast, CvmPrecision, DivClip, Isqrt, Negative, Where, BROADCAST_ADD, BROADCAST_DIV, BROADCAST_GREATER,
    BROADCAST_MAX, BROADCAST_MUL, BROADCAST_SUB,
};
pub use fused::{Conv2dRequant, ConvTranspose2dRequant, DenseRequant};
pub use gather::{CvmLut, Take, TakeConstant};
pub use layout::{Concatenate, Pad, Repeat, StridedSlice, Tile, Transpose};
pub use linear::{Conv2d, ConvTranspose2d, Dense};
pub use pool::{MaxPool2d, SumPool2d};
pub use reduce::{Argmax, Reduce, REDUCE_MAX, REDUCE_SUM};
pub use requant::{Clip, CvmClip, CvmLeftShift, CvmRightShift, Relu, Requant};
pub use shape::{ExpandDims, Flatten, Reshape, Squeeze, Upsampling};
pub use tree::TreeEnsemble;
