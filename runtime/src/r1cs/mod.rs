//! The rank-1 constraint system over BN254 that operators synthesize into.

mod builder;
mod determinism;
mod flc;
mod lc;

pub use builder::{Builder, Matrix, WireKind};
pub use determinism::{check_determinism, check_determinism_from, Report};
pub use flc::{FLc, FQuad, FSig};
pub use lc::{Lc, Quad, Sig, Wire};
