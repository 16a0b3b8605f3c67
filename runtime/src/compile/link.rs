//! The link between two pieces of a model: one Poseidon commitment to the
//! values that cross the cut, published by both circuits.
//!
//! The earlier piece proves the commitment of the values it computed; the
//! later one proves the commitment of the values it read; a verifier
//! checks the two public values are equal. The commitment is
//! [`crate::commit::commitment_groups`] over one group per crossing node,
//! in model order, each within the node's bound, then the salt: so equal
//! commitments mean equal values (Poseidon's collision resistance and the
//! injective packing), and every value the later piece reads is proven
//! within its bound there, as operators need.
//!
//! The salt is [`SALT_LEN`] private values drawn by the prover, the same in
//! both circuits: without it, anyone holding a guess of the activations
//! (of a guessed input) could test it against the public commitment.

use super::piece::{Ends, Piece};
use crate::bound::Bound;
use crate::commit::{commitment_groups, hash_groups, Entry};
use crate::error::OpError;
use crate::field::Fr;
use crate::graph::Model;
use crate::r1cs::{Builder, Lc, Quad, Sig, Wire};

/// Values in a link's salt: 4 x 62 bits, one packed field element.
pub const SALT_LEN: usize = 4;

/// The bound of each salt value.
pub const SALT_BOUND: Bound = Bound {
    lo: 0,
    hi: (1 << 62) - 1,
};

/// A link's salt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Salt(pub [i64; SALT_LEN]);

impl Salt {
    /// A fresh salt from `rng`.
    pub fn random(rng: &mut impl ark_std::rand::RngCore) -> Salt {
        Salt(std::array::from_fn(|_| (rng.next_u64() >> 2) as i64))
    }
}

/// The link commitment of `values` (one tensor per node of `nodes`) under
/// `salt`, as both circuits compute it.
pub fn link_commitment(model: &Model, nodes: &[usize], values: &[Vec<i64>], salt: &Salt) -> Result<Fr, OpError> {
    let mut groups: Vec<(&[i64], Bound)> = nodes
        .iter()
        .zip(values)
        .map(|(&at, v)| (v.as_slice(), model.nodes[at].bound))
        .collect();
    groups.push((&salt.0, SALT_BOUND));
    commitment_groups(&groups)
}

/// Private wires `name[i]` holding `values`.
fn private_wires(cs: &mut Builder, name: &str, values: &[i64]) -> Vec<Sig> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| cs.input(name, &[i as i128], v as i128, false))
        .collect()
}

/// The hash of the link's values and salt, constrained equal to a public
/// wire.
fn enforce_hash(cs: &mut Builder, name: &str, groups: &[(&[Sig], Bound)], public: Wire) -> Result<Fr, OpError> {
    let h = hash_groups(cs, name, groups, Entry::Check)?;
    cs.set_value(public, h.val);
    let public = Sig {
        lc: Lc::<Fr>::wire(public),
        val: h.val,
    };
    cs.enter(name, &[]);
    let equal = cs.enforce("link == hash", &[], Quad::<Fr>::lin(public), Quad::<Fr>::lin(h.clone()));
    cs.leave();
    equal.map(|()| h.val)
}

/// The values a piece reads from earlier pieces, as private wires of
/// `cs` stored in `signals` (and counted as sources), and their link
/// commitment as a public value. `None` for the first piece.
pub fn enforce_link_in(
    cs: &mut Builder,
    model: &Model,
    piece: &Piece,
    ends: &Ends,
    signals: &mut [Vec<Sig>],
    sources: &mut Vec<Wire>,
) -> Result<Option<Fr>, OpError> {
    if piece.link_in.is_empty() {
        return Ok(None);
    }
    cs.enter("link_in", &[]);
    for (&at, values) in piece.link_in.iter().zip(ends.link_in) {
        signals[at] = private_wires(cs, &model.nodes[at].name, values);
        sources.extend(signals[at].iter().map(|s| s.lc.terms[0].0));
    }
    let salt = private_wires(cs, "salt", &ends.salt_in.0);
    sources.extend(salt.iter().map(|s| s.lc.terms[0].0));
    cs.leave();
    let public = cs.input("link_in", &[], Fr::from(0u64), true).lc.terms[0].0;
    let groups = groups(model, &piece.link_in, signals, &salt);
    enforce_hash(cs, "link_in", &groups, public).map(Some)
}

/// Commits the values later pieces read from this one (and the salt, as
/// private wires) into the public wire `public`.
pub fn enforce_link_out(
    cs: &mut Builder,
    model: &Model,
    piece: &Piece,
    ends: &Ends,
    signals: &[Vec<Sig>],
    public: Wire,
    sources: &mut Vec<Wire>,
) -> Result<Fr, OpError> {
    cs.enter("link_out", &[]);
    let salt = private_wires(cs, "salt", &ends.salt_out.0);
    cs.leave();
    sources.extend(salt.iter().map(|s| s.lc.terms[0].0));
    let groups = groups(model, &piece.link_out, signals, &salt);
    enforce_hash(cs, "link_out", &groups, public)
}

/// One group per linked node, then the salt.
fn groups<'s>(model: &Model, nodes: &[usize], signals: &'s [Vec<Sig>], salt: &'s [Sig]) -> Vec<(&'s [Sig], Bound)> {
    let mut groups: Vec<(&[Sig], Bound)> = nodes
        .iter()
        .map(|&at| (signals[at].as_slice(), model.nodes[at].bound))
        .collect();
    groups.push((salt, SALT_BOUND));
    groups
}
