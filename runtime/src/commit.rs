//! A Poseidon commitment to private weights, a public input of the proof.
//!
//! # The scheme
//!
//! For `N` values `v_0 .. v_{N-1}`, each within the inclusive bound
//! `[lo, hi]`:
//!
//! 1. **Offset.** `u_i = v_i - lo`, so `0 <= u_i <= hi - lo`.
//! 2. **Pack.** `w = max(1, bits(hi - lo))` bits per value and
//!    `k = floor(253 / w)` values per field element (31 for int8, whose
//!    precision bound `[-127, 127]` needs 8 bits). Element `j` is
//!    `p_j = sum_{i < k} u_{j k + i} * 2^(w i)` over the values that exist
//!    (the last element may hold fewer), so `M = ceil(N / k)` elements, each
//!    below `2^253`; packing is injective because every `u` is in range.
//! 3. **Hash.** `h = Poseidon([N, lo, hi])` (circomlib's `Poseidon(3)`,
//!    with a negative `lo` as the field element `r - |lo|`), then for each
//!    group of up to 15 consecutive packed elements, in order,
//!    `h = Poseidon([h, p_a, .., p_b])` (circomlib's `Poseidon(1 + group
//!    size)`: every group has 15 elements but the last, which has
//!    `M - 15 floor((M - 1) / 15)`; none when `M = 0`).
//! 4. The commitment is the final `h`.
//!
//! The header binds the count and the bound, so values that pack alike
//! (a trailing `lo` adds nothing to `p_j`) still commit differently.
//!
//! # Why a chain of 16-input Poseidons
//!
//! A Poseidon of `n` inputs costs `3 (8 (n + 1) + partial) - 3`
//! constraints and absorbs `n - 1` new elements in a chain; that is
//! cheapest per element at `n = 16` (609 for 15 elements, 40.6 each;
//! `n = 15` gives 40.9, `n = 9` gives 52). A 16-ary tree absorbs 16 per
//! node but needs one node per 15 leaves in all, the same cost, with
//! padding and levels that circom and Solidity must replicate; the chain is
//! a loop. Its soundness is Poseidon's collision resistance plus the
//! injective packing.
//!
//! # Cost in the circuit
//!
//! Each value is range-checked: `w` boolean bits of `u` and one constraint
//! tying them to `u` (`w + 1`), and, when `hi - lo + 1` is not a power of
//! two, the excluded top: one constraint `(u - 2^w + 1) * inv = 1` when a
//! single value is excluded (the int8 case), else `w + 1` more bits of
//! `hi - lo - u`. Packing is linear and free; the header hashes constants
//! and is free; each full group costs 609 (606 for the first, whose chain
//! input is a constant); the public wire costs 1. For int8 weights that is
//! `8 + 1 + 1 = 10` per weight plus `609 / 465 = 1.31` for hashing, about
//! 11.3 constraints per weight.

use crate::bound::{bits, Bound};
use crate::error::OpError;
use crate::field::{fr_from_i128, Fr};
use crate::gadgets::Bits;
use crate::poseidon::{hash, Poseidon};
use crate::r1cs::{Builder, FQuad, FSig, Sig};
use crate::{FieldOp, ZkOp};
use ark_ff::Field;

/// Packed elements per Poseidon in the chain: 15, plus the chain value.
pub const GROUP: usize = 15;
/// Bits a packed element may use: it stays below `2^253 < r`.
pub const PACK_BITS: u32 = 253;

/// How values within a bound are packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packing {
    pub bound: Bound,
    /// Bits per value: `max(1, bits(hi - lo))`.
    pub width: u32,
    /// Values per packed element: `floor(253 / width)`.
    pub per_element: usize,
}

impl Packing {
    pub fn new(bound: Bound) -> Result<Packing, OpError> {
        if !bound.fits_engine() {
            return Err(OpError::BoundTooWide {
                op: "commitment",
                tensor: "values",
                bound,
            });
        }
        let width = bits(bound.hi - bound.lo).max(1) as u32;
        Ok(Packing {
            bound,
            width,
            per_element: (PACK_BITS / width) as usize,
        })
    }

    /// Number of packed elements for `n` values.
    pub fn elements(&self, n: usize) -> usize {
        n.div_ceil(self.per_element)
    }
}

fn check_values(values: impl Iterator<Item = i128>, bound: Bound) -> Result<(), OpError> {
    for (index, v) in values.enumerate() {
        if !bound.contains(v) {
            return Err(OpError::OutOfBound {
                op: "commitment",
                tensor: "values",
                index,
                value: v,
                bound,
            });
        }
    }
    Ok(())
}

fn header(n: usize, bound: Bound) -> [Fr; 3] {
    [Fr::from(n as u64), fr_from_i128(bound.lo), fr_from_i128(bound.hi)]
}

/// The commitment to `values`, every one within `bound` (see the module
/// documentation for the scheme).
pub fn commitment(values: &[i64], bound: Bound) -> Result<Fr, OpError> {
    let packing = Packing::new(bound)?;
    check_values(values.iter().map(|&v| v as i128), bound)?;
    let two_w = Fr::from(2u64).pow([packing.width as u64]);
    let packed: Vec<Fr> = values
        .chunks(packing.per_element)
        .map(|chunk| {
            chunk.iter().rev().fold(Fr::from(0u64), |acc, &v| {
                acc * two_w + fr_from_i128(v as i128 - bound.lo)
            })
        })
        .collect();
    let mut h = hash(&header(values.len(), bound));
    for group in packed.chunks(GROUP) {
        let inputs: Vec<Fr> = std::iter::once(h).chain(group.iter().copied()).collect();
        h = hash(&inputs);
    }
    Ok(h)
}

/// Proves every value within `bound`, packs and hashes them as
/// [`commitment`] does, allocates one public input wire `name` holding the
/// commitment and constrains it equal to the hash. Returns the commitment.
///
/// Wires and rows are named under `name` (`name/range[i]/..`,
/// `name/chain[g]/..`).
pub fn enforce_commitment(cs: &mut Builder, name: &str, values: &[Sig], bound: Bound) -> Result<Fr, OpError> {
    let packing = Packing::new(bound)?;
    check_values(values.iter().map(|s| s.val), bound)?;
    let w = packing.width;
    let span = bound.hi - bound.lo;
    // Values of `w` bits above `span`, which the bits alone allow.
    let excess = (1i128 << w) - 1 - span;
    let bits_op = Bits { k: w };
    cs.enter(name, &[]);
    let mut offsets = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        cs.enter("range", &[i as i128]);
        let u = v.sub(&Sig::constant(bound.lo))?;
        bits_op.synthesize(cs, &[std::slice::from_ref(&u)])?;
        if excess == 1 {
            // u != 2^w - 1: the single excluded value has no inverse.
            let top = u.sub(&Sig::constant((1i128 << w) - 1))?;
            let inv = cs.hint_field("inv", &[], crate::dsl::field_inv(top.val));
            cs.enforce_f(
                "(u - top) * inv == 1",
                &[],
                FQuad::mul(FSig::from_sig(&top), FSig::from_sig(&inv))?,
                FQuad::lin(FSig::constant(Fr::from(1u64))),
            )?;
        } else if excess > 1 {
            let rest = Sig::constant(span).sub(&u)?;
            cs.enter("upper", &[]);
            bits_op.synthesize(cs, &[std::slice::from_ref(&rest)])?;
            cs.leave();
        }
        cs.leave();
        offsets.push(FSig::from_sig(&u));
    }
    let two_w = Fr::from(2u64).pow([w as u64]);
    let mut packed = Vec::with_capacity(packing.elements(values.len()));
    for chunk in offsets.chunks(packing.per_element) {
        let mut p = FSig::constant(Fr::from(0u64));
        for u in chunk.iter().rev() {
            p = p.scale(two_w)?.add(u)?;
        }
        packed.push(p);
    }
    let head: Vec<FSig> = header(values.len(), bound).into_iter().map(FSig::constant).collect();
    let mut h = Poseidon { n: 3 }
        .synthesize(cs, &[head.as_slice()])?
        .remove(0)
        .remove(0);
    for (g, group) in packed.chunks(GROUP).enumerate() {
        let inputs: Vec<FSig> = std::iter::once(h).chain(group.iter().cloned()).collect();
        cs.enter("chain", &[g as i128]);
        let out = Poseidon { n: inputs.len() }.synthesize(cs, &[inputs.as_slice()]);
        cs.leave();
        h = out?.remove(0).remove(0);
    }
    let public = cs.input_f("commitment", &[], h.val, true);
    cs.enforce_f("commitment == hash", &[], FQuad::lin(public), FQuad::lin(h.clone()))?;
    cs.leave();
    Ok(h.val)
}
