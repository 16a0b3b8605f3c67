//! section9: zero-knowledge proofs that an integer-only neural network
//! produced a given output.
//!
//! Every operator is declared once with [`zk_op`]; the declaration yields its
//! reference implementation on native integers, its constraints over BN254
//! and its circom template. See [`dsl`] for the body language.

extern crate self as section9;

pub use section9_macros::zk_op;

pub mod bound;
pub mod catalogue;
pub mod circom;
pub mod commit;
pub mod compile;
pub mod dsl;
pub mod error;
pub mod evm;
pub mod export;
pub mod field;
pub mod files;
pub mod gadgets;
pub mod graph;
pub mod op;
pub mod ops;
pub mod pieces;
pub mod poseidon;
pub mod prove;
pub mod quantize;
pub mod r1cs;

pub use bound::Bound;
pub use error::OpError;
pub use op::{seeded_inputs, wire_inputs, DynOp, Elem, Erased, ParamSource, PortBound, Role, ZkOp};
