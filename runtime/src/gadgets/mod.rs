//! The few primitives every operator builds on, each a `#[zk_op]` with its
//! soundness argument beside it.

mod bits;
mod compare;
mod divide;
mod select;
mod shift;

pub use bits::Bits;
pub use compare::{AtMost, Clamp, InRange, IsNonneg, IsZero, Max2};
pub use divide::DivTrunc;
pub use select::OneHot;
pub use shift::{RequantPacked, RoundShift};
