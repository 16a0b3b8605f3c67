//! The operators, one file per family, each operator one `#[zk_op]`.

mod elementwise;
mod linear;
mod pool;
mod requant;
mod shape;

pub use elementwise::{Broadcast, BROADCAST_ADD, BROADCAST_MUL, BROADCAST_SUB};
pub use linear::{Conv2d, Dense};
pub use pool::MaxPool2d;
pub use requant::{Clip, CvmClip, CvmLeftShift, CvmRightShift, Relu, Requant};
pub use shape::{Flatten, Reshape, Upsampling};
