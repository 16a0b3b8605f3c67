//! A synthesized circuit in the iden3 formats circom writes, so that
//! snarkjs (and anything else in the circom ecosystem) can read section9's
//! own constraint system and witness: `.r1cs`, `.wtns` and `.sym`.
//!
//! Wire order is circom's: the constant one, the public values (all
//! declared outputs, in section9's public order, which is the order of
//! `public.json`), the private inputs (model inputs and committed
//! weights), then every other wire; each group in allocation order.

mod iden3;
mod sym;

pub use iden3::{r1cs_bytes, wtns_bytes};
pub use sym::sym_text;

use crate::r1cs::{Builder, Wire, WireKind};

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

/// Our wires in the exported order, and the counts of the header.
pub struct WireOrder {
    /// Exported index of each wire.
    position: Vec<u32>,
    /// Wire at each exported index.
    order: Vec<Wire>,
    pub public: usize,
    pub private_inputs: usize,
}

impl WireOrder {
    pub fn new(cs: &Builder) -> WireOrder {
        let kinds = cs.kinds();
        let rank = |k: WireKind| match k {
            WireKind::One => 0,
            WireKind::Input { public: true } => 1,
            WireKind::Input { public: false } => 2,
            WireKind::Hint | WireKind::Internal => 3,
        };
        let mut order: Vec<Wire> = (0..kinds.len() as Wire).collect();
        // Stable: allocation order within each group.
        order.sort_by_key(|&w| rank(kinds[w as usize]));
        let mut position = vec![0u32; order.len()];
        for (i, &w) in order.iter().enumerate() {
            position[w as usize] = i as u32;
        }
        let count = |r: u8| kinds.iter().filter(|&&k| rank(k) == r).count();
        WireOrder {
            position,
            order,
            public: count(1),
            private_inputs: count(2),
        }
    }

    pub fn position(&self, w: Wire) -> u32 {
        self.position[w as usize]
    }

    /// Wires in exported order.
    pub fn wires(&self) -> &[Wire] {
        &self.order
    }
}

fn fits_u32(what: &'static str, count: usize) -> Result<u32, ExportError> {
    u32::try_from(count).map_err(|_| ExportError::TooLarge { what, count })
}
