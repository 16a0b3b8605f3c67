//! The rank-1 constraint system over BN254 that operators synthesize into.

mod builder;
mod lc;

pub use builder::{Builder, Matrix, WireKind};
pub use lc::{Lc, Quad, Sig, Wire};
