//! The few primitives every operator builds on, each a `#[zk_op]` with its
//! soundness argument beside it.

mod bits;

pub use bits::Bits;
