//! A synthesized circuit in the iden3 formats circom writes, so that
//! snarkjs (and anything else in the circom ecosystem) can read section9's
//! own constraint system and witness: `.r1cs`, `.wtns` and `.sym`; and a
//! whole model as a circom 2 program ([`circom`]), from the templates the
//! operators generate.
//!
//! Wire order is circom's: the constant one, the public values (all
//! declared outputs, in section9's public order, which is the order of
//! `public.json`), the private inputs (model inputs and committed
//! weights), then every other wire; each group in allocation order. It is
//! [`CircuitLayout`]'s order, the one section9's keys use.

pub mod circom;
mod iden3;
mod sym;

pub use iden3::{r1cs_bytes, wtns_bytes};
pub use sym::sym_text;

pub use crate::prove::CircuitLayout;

/// What can stop an export.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("the builder kept no constraints to export (a counting builder?)")]
    NoConstraints,
    #[error("the builder kept no witness to export")]
    NoWitness,
    #[error("{what} ({count}) does not fit the format's 32-bit field")]
    TooLarge { what: &'static str, count: usize },
}

fn fits_u32(what: &'static str, count: usize) -> Result<u32, ExportError> {
    u32::try_from(count).map_err(|_| ExportError::TooLarge { what, count })
}
