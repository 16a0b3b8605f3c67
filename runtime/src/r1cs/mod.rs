//! The rank-1 constraint system over BN254 that operators synthesize into.

mod builder;
mod determinism;
mod lc;
mod value;

pub use builder::{Builder, Matrix, WireKind};
pub use determinism::{check_determinism, check_determinism_from, Report};
pub use lc::{Lc, Quad, Sig, Wire};
pub use value::{AnyField, Value};
