//! Poseidon over BN254, the same hash as circomlib's `Poseidon(nInputs)`,
//! declared once with `#[zk_op(field)]`.
//!
//! `t = nInputs + 1` cells start as `[0, inputs..]`. Each of the
//! `8 + partial` rounds adds `t` round constants, raises every cell (the
//! first and last 4 rounds, *full*) or cell 0 (the others, *partial*) to
//! the fifth power, and multiplies the state by the `t x t` MDS matrix;
//! the hash is cell 0 at the end. The constants are circomlib's, generated
//! in [`constants`](self) by the Poseidon paper's Grain LFSR; [`hash`]
//! computes the hash natively in exactly this form.
//!
//! The declared body computes the same permutation in the *optimized*
//! form ([`Sparse`], the Poseidon paper's appendix, as circomlib's
//! `poseidon_opt`): a partial round adds one constant, to cell 0, and
//! multiplies by a sparse matrix (new cell 0 mixes every cell, each other
//! cell adds a multiple of cell 0), and the full round before the partial
//! ones uses a dense matrix of its own. The reason is synthesis time: a
//! state cell is a linear combination of every earlier fifth power (dozens
//! of wires), and the plain form's dense matrix makes `t^2` scaled
//! additions of such combinations per partial round (289 for `t = 17`,
//! over 68 rounds), where the sparse one makes about `3 t`. New cell 0 is
//! read straight over the fifth powers, with coefficients derived once
//! ([`Sparse::mixing`], [`Sparse::history`]), so each of its terms is
//! written once rather than merged from every cell's copy. The rewrite is
//! an exact identity in the fifth powers, the only wires: every S-box
//! input is the same affine function of them as in the plain form, so the
//! constraints, their rows as linear forms and every witness value are
//! those of the plain form (the test suite compares the rows).
//!
//! Each fifth power costs 3 constraints (`x2 = x*x`, `x4 = x2*x2`,
//! `x5 = x4*x`); the first round's power of cell 0 is a constant, computed
//! from the table and costing none, so a width `t` costs
//! `3 (8 t + partial) - 3`: 240 for two inputs, as circomlib's optimized
//! template.

mod constants;
mod sparse;

pub use constants::{hash, params, Params, FULL_ROUNDS, PARTIAL_ROUNDS, WIDTHS};
pub use sparse::{prepare, sparse, Sparse};

use crate::dsl::{Ints, Table};
use crate::field::Fr;
use crate::zk_op;

/// A table with one row per Poseidon width, `t = 2..=17`.
const fn by_width(name: &'static str, row: fn(i128) -> &'static [Fr]) -> Table {
    Table {
        name,
        keys: (2, 17),
        row,
    }
}

fn round_constants(t: i128) -> &'static [Fr] {
    &sparse(t as usize).round_constants
}

fn mds(t: i128) -> &'static [Fr] {
    &params(t as usize).mds
}

fn pre(t: i128) -> &'static [Fr] {
    &sparse(t as usize).pre
}

fn mixing(t: i128) -> &'static [Fr] {
    &sparse(t as usize).mixing
}

fn history(t: i128) -> &'static [Fr] {
    &sparse(t as usize).history
}

/// The optimized form's round constants by width ([`Sparse`]): `t` for
/// each full round and 1 for each partial round, in round order; a
/// partial round `r` adds `POSEIDON_RC[t][4 t + r - 4]` to cell 0.
pub const POSEIDON_RC: Table = by_width("s9_poseidon_rc", round_constants);

/// MDS matrices by width: `POSEIDON_MDS[t][i * t + j]` is `M[i][j]`, and a
/// full round's new cell `i` is `sum_j M[i][j] * cell j`.
pub const POSEIDON_MDS: Table = by_width("s9_poseidon_mds", mds);

/// The dense matrix of the fourth round, the last full one before the
/// partial rounds, by width (`[i * t + j]`, as [`POSEIDON_MDS`]).
pub const POSEIDON_PRE: Table = by_width("s9_poseidon_pre", pre);

/// The partial rounds' matrices by width: `2 t - 1` entries per round,
/// laid out as [`Sparse::mixing`].
pub const POSEIDON_MIXING: Table = by_width("s9_poseidon_mixing", mixing);

/// New cell 0's coefficient of each earlier partial round's fifth power by
/// width, as [`Sparse::history`].
pub const POSEIDON_HISTORY: Table = by_width("s9_poseidon_history", history);

/// The partial rounds by width, index `t - 2` ([`PARTIAL_ROUNDS`]).
pub const POSEIDON_PARTIAL: Ints = Ints {
    name: "s9_poseidon_partial_rounds",
    values: &PARTIAL_ROUNDS,
};

/// circomlib's `Poseidon(n)` for 1 to 16 inputs: `3 (8 t + partial) - 3`
/// constraints with `t = n + 1` (240 for `n = 2`).
#[zk_op(
    field,
    derive(
        t = n + 1,
        rp = partial[t - 2],
        rounds = 8 + rp
    ),
    tables(
        rc = POSEIDON_RC,
        mds = POSEIDON_MDS,
        pre = POSEIDON_PRE,
        mix = POSEIDON_MIXING,
        hist = POSEIDON_HISTORY
    ),
    ints(partial = POSEIDON_PARTIAL)
)]
pub fn poseidon(#[attr(range = [1, 16])] n: usize, #[input(shape = [n])] inputs: Tensor, #[output] out: Scalar) {
    // The state, updated in place round after round: a partial round adds
    // a multiple of cell 0 to each other cell, which appends one term to
    // its combination instead of copying it. `y` keeps the fifth powers of
    // the last full round before the partial ones and `p` each partial
    // round's, the wires new cell 0 is written over.
    let mut s = [0; t];
    let mut y = [0; t];
    let mut p = [0; rp];
    for i in 0..n {
        s[i + 1] = inputs[i];
    }
    for r in 0..rounds {
        let mut x = [0; t];
        for i in 0..t {
            if i == 0 || r < 4 || r >= 4 + rp {
                // Full rounds read `t` constants, partial rounds one.
                let k = if r < 4 {
                    r * t + i
                } else if r < 4 + rp {
                    4 * t + r - 4
                } else {
                    (r - rp) * t + rp + i
                };
                let a = s[i] + rc[t][k];
                if r == 0 && i == 0 {
                    // Cell 0 starts at 0, so its first power is a constant.
                    x[0] = rc[t][0] * rc[t][0] * rc[t][0] * rc[t][0] * rc[t][0];
                } else {
                    let a2 = wire!(a * a);
                    let a4 = wire!(a2 * a2);
                    let a5 = wire!(a4 * a);
                    x[i] = a5;
                }
            }
        }
        if r == 3 {
            for i in 0..t {
                y[i] = x[i];
                s[i] = pre[t][i * t] * x[0];
                for j in 1..t {
                    s[i] += pre[t][i * t + j] * x[j];
                }
            }
        } else if r < 4 || r >= 4 + rp {
            for i in 0..t {
                s[i] = mds[t][i * t] * x[0];
                for j in 1..t {
                    s[i] += mds[t][i * t + j] * x[j];
                }
            }
        } else {
            // The sparse matrix: the other cells only add a multiple of
            // cell 0, and new cell 0, which mixes every cell, is read over
            // the fifth powers in wire order.
            let q = r - 4;
            let b = q * (2 * t - 1);
            p[q] = x[0];
            let mut mixed = mix[t][b] * y[0];
            for i in 1..t {
                mixed += mix[t][b + i] * y[i];
            }
            for j in 0..q + 1 {
                mixed += hist[t][q - j] * p[j];
            }
            for i in 1..t {
                s[i] += mix[t][b + t - 1 + i] * x[0];
            }
            s[0] = mixed;
        }
    }
    out = s[0];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fr_to_decimal;
    use crate::ZkOp;

    #[test]
    fn declaration_matches_the_native_hash() {
        let inputs: Vec<Fr> = [1u64, 2].iter().map(|&x| Fr::from(x)).collect();
        let op = Poseidon { n: 2 };
        let out = op.reference(&[&inputs]).unwrap();
        assert_eq!(out[0][0], hash(&inputs));
        assert_eq!(
            fr_to_decimal(&out[0][0]),
            "7853200120776062878684798364095072458815029376092732009249414926327459813530"
        );
        assert_eq!(op.constraint_count(&[]).unwrap(), 240);
    }
}
