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
//! Several groups of values, each with its own bound (a model's int8
//! weights and its wider biases), continue one chain: group `g > 0` starts
//! with `h = Poseidon([h, N_g, lo_g, hi_g])` (circomlib's `Poseidon(4)`)
//! instead of the three-input header, then absorbs its packed elements as
//! above. One group is exactly the scheme above.
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
//! A model's private weights enter the circuit as their own bits
//! ([`input_bits`]): `w` boolean input wires per value, the value their
//! weighted sum plus `lo`, and, when `hi - lo + 1` is not a power of two,
//! the values above `hi` that `w` bits allow excluded by [`AtMost`]: one
//! constraint each when there are at most `w + 1` of them (int8's
//! `[-127, 127]` excludes only 128), else `w + 1` for a decomposition of
//! `hi - v`. Values that arrive as wires (hashed inputs, links between
//! pieces) are range-checked by [`InRange`] instead, one constraint more:
//! the row tying the bits to the wire. Packing is linear and free; the
//! header hashes constants and is free; each full group costs 609 (606 for
//! the first, whose chain input is a constant); the public wire costs 1.
//! For int8 weights that is `8 + 1 = 9` per weight plus `609 / 465 = 1.31`
//! for hashing, about 10.3 constraints per weight.

use crate::bound::{bits, Bound};
use crate::error::OpError;
use crate::field::{fr_from_i128, Fr};
use crate::gadgets::{AtMost, InRange};
use crate::poseidon::{hash, Poseidon};
use crate::r1cs::{Builder, Quad, Sig, Wire};
use crate::ZkOp;
use ark_ff::Field;

/// Packed elements per Poseidon in the chain: 15, plus the chain value.
pub const GROUP: usize = 15;
/// Bits a packed element may use: it stays below `2^253 < r`.
pub const PACK_BITS: u32 = 253;

/// Whether the values a commitment absorbs still need their range check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Each value is range-checked by [`InRange`] on the way in.
    Check,
    /// The values were proven in bound where they entered the circuit
    /// ([`input_bits`]).
    Proven,
}

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

/// The Poseidon widths (`t`, inputs plus one) a commitment to groups of
/// `(count, bound)` hashes with, each once: what to derive beforehand
/// ([`crate::poseidon::prepare`]). A bound the packing refuses adds none;
/// the commitment itself reports it.
pub fn widths(groups: &[(usize, Bound)]) -> Vec<usize> {
    let mut widths = Vec::new();
    for (g, &(n, bound)) in groups.iter().enumerate() {
        let Ok(packing) = Packing::new(bound) else { continue };
        let elements = packing.elements(n);
        // The header hashes 3 inputs, or 4 after a group; a chain link
        // hashes the chain value and up to GROUP elements.
        widths.push(if g == 0 { 4 } else { 5 });
        if elements > GROUP {
            widths.push(GROUP + 2);
        }
        if elements > 0 {
            widths.push(elements - GROUP * ((elements - 1) / GROUP) + 2);
        }
    }
    widths.sort_unstable();
    widths.dedup();
    widths
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

/// The header that opens a group: `[N, lo, hi]`, after the chain value
/// for every group but the first.
fn header(h: Option<Fr>, n: usize, bound: Bound) -> Vec<Fr> {
    h.into_iter()
        .chain([Fr::from(n as u64), fr_from_i128(bound.lo), fr_from_i128(bound.hi)])
        .collect()
}

/// The commitment to `values`, every one within `bound` (see the module
/// documentation for the scheme).
pub fn commitment(values: &[i64], bound: Bound) -> Result<Fr, OpError> {
    commitment_groups(&[(values, bound)])
}

/// The commitment to several groups of values, each within its own bound,
/// in order.
pub fn commitment_groups(groups: &[(&[i64], Bound)]) -> Result<Fr, OpError> {
    let mut h = None;
    for &(values, bound) in groups {
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
        let mut g = hash(&header(h, values.len(), bound));
        for group in packed.chunks(GROUP) {
            let inputs: Vec<Fr> = std::iter::once(g).chain(group.iter().copied()).collect();
            g = hash(&inputs);
        }
        h = Some(g);
    }
    h.ok_or(OpError::Param {
        op: "commitment",
        param: "groups",
        why: "is empty: there is nothing to commit to".into(),
    })
}

/// Proves every value within `bound`, packs and hashes them as
/// [`commitment`] does, allocates one public input wire `name` holding the
/// commitment and constrains it equal to the hash. Returns the commitment.
///
/// Wires and rows are named under `name` (`name/range[i]/..`,
/// `name/chain[g]/..`).
pub fn enforce_commitment(cs: &mut Builder, name: &str, values: &[Sig], bound: Bound) -> Result<Fr, OpError> {
    enforce_commitment_groups(cs, name, &[(values, bound)], Entry::Check)
}

/// [`enforce_commitment`] for several groups, as [`commitment_groups`]
/// hashes them; still one public wire.
pub fn enforce_commitment_groups(
    cs: &mut Builder,
    name: &str,
    groups: &[(&[Sig], Bound)],
    entry: Entry,
) -> Result<Fr, OpError> {
    let h = hash_groups(cs, name, groups, entry)?;
    cs.enter(name, &[]);
    let public = cs.input("commitment", &[], h.val, true);
    let equal = cs.enforce(
        "commitment == hash",
        &[],
        Quad::<Fr>::lin(public),
        Quad::<Fr>::lin(h.clone()),
    );
    cs.leave();
    equal.map(|()| h.val)
}

/// Private values that enter the circuit as their own bits, proven within
/// `bound` on the way: value `i` is `lo + sum_j b[i][j] 2^j` over the
/// commitment's `w` bits per value, boolean input wires `name[i][j]`
/// (returned: the sources a determinism check starts from), and
/// [`AtMost`] excludes what `w` bits allow above `hi`. A value is a
/// combination of its bits, not a wire of its own, so no row ties the two:
/// `w + excess` constraints per value (9 for int8), one fewer than a wire
/// and [`InRange`]. Commit to the values with [`Entry::Proven`].
pub fn input_bits(
    cs: &mut Builder,
    name: &str,
    values: &[i64],
    bound: Bound,
) -> Result<(Vec<Sig>, Vec<Wire>), OpError> {
    let packing = Packing::new(bound)?;
    check_values(values.iter().map(|&v| v as i128), bound)?;
    let at_most = AtMost {
        lo: bound.lo as i64,
        hi: bound.hi as i64,
    };
    let mut sigs = Vec::with_capacity(values.len());
    let mut sources = Vec::with_capacity(values.len() * packing.width as usize);
    for (i, &v) in values.iter().enumerate() {
        let u = v as i128 - bound.lo;
        let mut x = Sig::constant(bound.lo);
        for j in 0..packing.width as i128 {
            let b = cs.input(name, &[i as i128, j], (u >> j) & 1, false);
            sources.push(b.lc.terms[0].0);
            let less_one = b.sub(&Sig::constant(1))?;
            cs.enforce(
                "b * (b - 1) == 0",
                &[i as i128, j],
                Quad::mul(b.clone(), less_one)?,
                Quad::lin(Sig::constant(0)),
            )?;
            x.add_assign(&b.scale(1 << j)?)?;
        }
        cs.enter("at_most", &[i as i128]);
        let y = at_most.synthesize(cs, &[std::slice::from_ref(&x)]);
        cs.leave();
        sigs.push(y?.remove(0).remove(0));
    }
    Ok((sigs, sources))
}

/// The hash [`commitment_groups`] computes, as a signal of the circuit:
/// every value range-checked (unless `entry` says it was), packed and
/// hashed, and no public wire (the caller decides what the hash must
/// equal).
pub fn hash_groups(cs: &mut Builder, name: &str, groups: &[(&[Sig], Bound)], entry: Entry) -> Result<Sig<Fr>, OpError> {
    cs.enter(name, &[]);
    let mut h: Option<Sig<Fr>> = None;
    for (g, &(values, bound)) in groups.iter().enumerate() {
        cs.enter("group", &[g as i128]);
        let out = absorb(cs, h.take(), values, bound, entry);
        cs.leave();
        h = match out {
            Ok(h) => Some(h),
            Err(e) => {
                cs.leave();
                return Err(e);
            }
        };
    }
    cs.leave();
    h.ok_or(OpError::Param {
        op: "commitment",
        param: "groups",
        why: "is empty: there is nothing to commit to".into(),
    })
}

/// `sum_i parts[i] * shift^i`, one signal holding every part. Each part is
/// scaled once and added in place: scaling the running sum by `shift` at
/// every step instead multiplies its ever longer combination again, which
/// made packing most of a commitment's synthesis.
pub fn pack(parts: &[Sig<Fr>], shift: Fr) -> Result<Sig<Fr>, OpError> {
    let mut packed = Sig::<Fr>::constant(Fr::from(0u64));
    let mut power = Fr::from(1u64);
    for part in parts {
        packed.add_assign(&part.scale(power)?)?;
        power *= shift;
    }
    Ok(packed)
}

/// Range-checks (for [`Entry::Check`]), packs and hashes one group onto
/// the chain value `h`.
fn absorb(
    cs: &mut Builder,
    h: Option<Sig<Fr>>,
    values: &[Sig],
    bound: Bound,
    entry: Entry,
) -> Result<Sig<Fr>, OpError> {
    let packing = Packing::new(bound)?;
    check_values(values.iter().map(|s| s.val), bound)?;
    let in_range = InRange {
        lo: bound.lo as i64,
        hi: bound.hi as i64,
    };
    let mut offsets = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let checked = match entry {
            Entry::Proven => v.clone(),
            Entry::Check => {
                cs.enter("range", &[i as i128]);
                let checked = in_range.synthesize(cs, &[std::slice::from_ref(v)]);
                cs.leave();
                checked?.remove(0).remove(0)
            }
        };
        offsets.push(checked.sub(&Sig::constant(bound.lo))?.to_field()?);
    }
    let two_w = Fr::from(2u64).pow([packing.width as u64]);
    let packed = (offsets.chunks(packing.per_element))
        .map(|chunk| pack(chunk, two_w))
        .collect::<Result<Vec<_>, _>>()?;
    let native_h = h.as_ref().map(|s| s.val);
    let mut head: Vec<Sig<Fr>> = h.into_iter().collect();
    head.extend(
        header(native_h, values.len(), bound)
            .into_iter()
            .skip(head.len())
            .map(Sig::<Fr>::constant),
    );
    let mut h = Poseidon { n: head.len() }
        .synthesize(cs, &[head.as_slice()])?
        .remove(0)
        .remove(0);
    for (g, group) in packed.chunks(GROUP).enumerate() {
        let inputs: Vec<Sig<Fr>> = std::iter::once(h).chain(group.iter().cloned()).collect();
        cs.enter("chain", &[g as i128]);
        let out = Poseidon { n: inputs.len() }.synthesize(cs, &[inputs.as_slice()]);
        cs.leave();
        h = out?.remove(0).remove(0);
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_scheme() {
        let int8 = Bound::prec(8);
        // 465 int8 values fill 15 elements: the header and one full link.
        assert_eq!(widths(&[(465, int8)]), vec![4, 17]);
        // One value more starts a link of one element.
        assert_eq!(widths(&[(466, int8)]), vec![3, 4, 17]);
        // A second group has a four-input header.
        assert_eq!(widths(&[(10, int8), (5, Bound::range(0, 1 << 20))]), vec![3, 4, 5]);
        assert_eq!(widths(&[(0, int8)]), vec![4]);
        assert_eq!(widths(&[]), Vec::<usize>::new());
    }
}
