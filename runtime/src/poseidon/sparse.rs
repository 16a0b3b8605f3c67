//! The constants of Poseidon's optimized form: the same permutation with
//! the partial rounds' constants in cell 0 only and their matrices sparse
//! (the Poseidon paper's appendix on efficient partial rounds; circomlib's
//! `poseidon_opt` computes the same hash this way).
//!
//! A round is `s <- M * S_r(s + c_r)`, where `S_r` raises every cell (full
//! rounds) or cell 0 (partial rounds) to the fifth power. Two exact
//! rewrites, each leaving every S-box input unchanged:
//!
//! 1. **Constants move forward.** In a partial round, write the constants
//!    as `c_r[0] e_0 + rest`, `rest` zero in cell 0. `S_r` leaves the cells
//!    of `rest` alone, so `M S_r(s + c_r) = M S_r(s + c_r[0] e_0) + M rest`:
//!    the round keeps `c_r[0]` and `M rest` joins the next round's
//!    constants, which are split in turn. After the last partial round it
//!    joins the first of the last four full rounds whole.
//! 2. **Matrices factor.** For `N = [[n00, w^T], [v, N^]]` (`N^` the lower
//!    right `(t-1) x (t-1)` block), `N = B A` with
//!    `A = [[1, 0], [0, N^]]` and `B = [[n00, w^T N^-1], [v, I]]`. `A`
//!    leaves cell 0 alone, so it commutes with a partial round's S-box and
//!    cell-0 constant, and moves into the round before. Going backward from
//!    the last partial round: `N = M` there, `N = A_next M` in every earlier
//!    one, and the last full round before them multiplies by the dense
//!    `A_first M`. Each partial round then multiplies by its sparse `B`:
//!    new cell 0 is `n00 x0 + sum_j w^_j s_j`, new cell `i` is
//!    `v_i x0 + s_i`: `3 t - 2` coefficients instead of `t^2`.
//!
//! `N^` is invertible: it is a product of the lower right blocks of `M`,
//! which are Cauchy matrices.
//!
//! The intermediate states differ from the plain form's (by the pending
//! constants and by `A`), but cell 0, the only S-box input of a partial
//! round, does not, and neither does anything a full round reads.

use super::constants::{params, FULL_ROUNDS, WIDTHS};
use crate::field::Fr;
use ark_ff::{Field, Zero};
use std::sync::OnceLock;

/// The optimized form's constants of one width.
pub struct Sparse {
    pub t: usize,
    pub partial: usize,
    /// The constants the optimized form adds, round after round: `t` for a
    /// full round, 1 (to cell 0) for a partial one; `8 t + partial` in all.
    /// The first half's full rounds are circomlib's.
    pub round_constants: Vec<Fr>,
    /// The dense matrix of the last full round before the partial ones,
    /// row by row: `pre[i * t + j]`.
    pub pre: Vec<Fr>,
    /// `2 t - 1` entries per partial round `k`, in order: `h_0 .. h_{t-1}`,
    /// then `v_1 .. v_{t-1}` (new cell `i` is `s_i + v_i x_k`, `x_k` the
    /// round's fifth power). New cell 0 is `sum_i h_i y_i + sum_{j <= k}
    /// history[k - j] x_j`, `y` the fifth powers of the full round before
    /// the partial ones.
    pub mixing: Vec<Fr>,
    /// New cell 0's coefficient of the fifth power `d` partial rounds back:
    /// `history[0] = n00`, `history[d] = w^T M^^(d-1) c` (`w` row 0 of `M`
    /// past cell 0, `c` column 0, `M^` its lower right block); `partial`
    /// entries.
    pub history: Vec<Fr>,
}

/// The optimized constants of width `t` (2..=17), derived once.
pub fn sparse(t: usize) -> &'static Sparse {
    static ALL: OnceLock<Vec<OnceLock<Sparse>>> = OnceLock::new();
    let all = ALL.get_or_init(|| WIDTHS.map(|_| OnceLock::new()).collect());
    assert!(WIDTHS.contains(&t), "Poseidon width {t} outside 2..=17");
    all[t - 2].get_or_init(|| derive(t))
}

/// Derives the constants of these widths on another thread, so that a
/// synthesis reaching its first Poseidon later finds them made instead of
/// spending tens of milliseconds there (t = 17 takes about 25 ms). The
/// page's WebAssembly has one thread: it derives them on first use.
pub fn prepare(widths: Vec<usize>) {
    #[cfg(not(target_arch = "wasm32"))]
    if !widths.is_empty() {
        std::thread::spawn(move || {
            for t in widths.into_iter().filter(|t| WIDTHS.contains(t)) {
                sparse(t);
            }
        });
    }
    #[cfg(target_arch = "wasm32")]
    drop(widths);
}

fn derive(t: usize) -> Sparse {
    let p = params(t);
    let half = FULL_ROUNDS / 2;
    let m = |i: usize, j: usize| p.mds[i * t + j];
    let rc = |r: usize| &p.round_constants[r * t..(r + 1) * t];

    // 1. Constants: the first half's full rounds as they are, then each
    // partial round keeps cell 0 and passes `M rest` on.
    let mut round_constants: Vec<Fr> = p.round_constants[..half * t].to_vec();
    let mut carry = vec![Fr::zero(); t];
    for r in half..half + p.partial {
        let d: Vec<Fr> = rc(r).iter().zip(&carry).map(|(c, k)| *c + k).collect();
        round_constants.push(d[0]);
        carry = (0..t).map(|i| (1..t).map(|j| m(i, j) * d[j]).sum()).collect();
    }
    let after = half + p.partial;
    round_constants.extend(rc(after).iter().zip(&carry).map(|(c, k)| *c + k));
    round_constants.extend_from_slice(&p.round_constants[(after + 1) * t..]);

    // 2. Matrices, backward from the last partial round. The `A` a round
    // hands back is `[[1, 0], [0, a]]` with `a = M^^k` after `k` rounds
    // (`N^ = a M^`, and `a` starts as the identity), so round `k` has
    // `N^ = M^^(k+1)`, `w^ = (M^^-T)^(k+1) w` with `w` row 0 of `M` past
    // cell 0, and `v = M^^k c` with `c` column 0 of `M` past cell 0: one
    // product with a fixed matrix per round for each, where a solve of
    // `N^` per round took `t^3`.
    let n = t - 1;
    let m_hat: Vec<Vec<Fr>> = (1..t).map(|i| (1..t).map(|j| m(i, j)).collect()).collect();
    let m_hat_t: Vec<Vec<Fr>> = (0..n).map(|i| (0..n).map(|j| m_hat[j][i]).collect()).collect();
    let inverse_t = transpose(&(0..n).map(|j| solve(m_hat_t.clone(), unit(n, j))).collect::<Vec<_>>());
    let mut w_hat: Vec<Fr> = (1..t).map(|j| m(0, j)).collect();
    let mut v: Vec<Fr> = (1..t).map(|i| m(i, 0)).collect();
    let mut rounds: Vec<Vec<Fr>> = Vec::with_capacity(p.partial);
    for _ in 0..p.partial {
        w_hat = apply(&inverse_t, &w_hat);
        let mut row = vec![m(0, 0)];
        row.extend_from_slice(&w_hat);
        row.extend_from_slice(&v);
        rounds.push(row);
        v = apply(&m_hat, &v);
    }
    rounds.reverse();
    // The first partial round's `A` times `M`: row 0 is `M`'s, the others
    // `M^^partial` times `M`'s rows past row 0.
    let a = power(&m_hat, p.partial);
    let pre: Vec<Fr> = (0..t * t)
        .map(|k| {
            let (i, j) = (k / t, k % t);
            if i == 0 {
                m(0, j)
            } else {
                (1..t).map(|l| a[i - 1][l - 1] * m(l, j)).sum()
            }
        })
        .collect();
    // New cell 0 written over the fifth powers themselves (see `mixing`):
    // the sparse form would merge every cell's growing combination each
    // round, `t` scaled copies of dozens of terms, where these coefficients
    // give each term once. A cell `j > 0` is `y` times row `j` of `pre`
    // plus `v_j` times each earlier power, so the `y` part is `w^ pre` and
    // the power `d` rounds back has `w^_k . v_(k-d)`, which the powers of
    // `M^` reduce to `w^T M^^(d-1) c` for every `k`.
    let mixing = rounds
        .iter()
        .flat_map(|row| {
            let y_part = (0..t).map(|i| (1..t).map(|j| row[j] * pre[j * t + i]).sum::<Fr>());
            y_part.chain(row[t..].iter().copied()).collect::<Vec<_>>()
        })
        .collect();
    let w: Vec<Fr> = (1..t).map(|j| m(0, j)).collect();
    let mut column: Vec<Fr> = (1..t).map(|i| m(i, 0)).collect();
    let mut history = vec![m(0, 0)];
    for _ in 1..p.partial {
        history.push(w.iter().zip(&column).map(|(a, b)| *a * b).sum());
        column = apply(&m_hat, &column);
    }
    Sparse {
        t,
        partial: p.partial,
        round_constants,
        pre,
        mixing,
        history,
    }
}

fn unit(n: usize, j: usize) -> Vec<Fr> {
    (0..n).map(|i| if i == j { Fr::ONE } else { Fr::zero() }).collect()
}

fn transpose(m: &[Vec<Fr>]) -> Vec<Vec<Fr>> {
    (0..m[0].len()).map(|j| m.iter().map(|row| row[j]).collect()).collect()
}

/// `m x`.
fn apply(m: &[Vec<Fr>], x: &[Fr]) -> Vec<Fr> {
    m.iter()
        .map(|row| row.iter().zip(x).map(|(a, b)| *a * b).sum())
        .collect()
}

/// `a b` for square matrices.
fn product(a: &[Vec<Fr>], b: &[Vec<Fr>]) -> Vec<Vec<Fr>> {
    let b_t = transpose(b);
    a.iter().map(|row| apply(&b_t, row)).collect()
}

/// `m^k`, by squaring.
fn power(m: &[Vec<Fr>], k: usize) -> Vec<Vec<Fr>> {
    let mut result: Vec<Vec<Fr>> = (0..m.len()).map(|j| unit(m.len(), j)).collect();
    let mut square = m.to_vec();
    let mut k = k;
    while k > 0 {
        if k & 1 == 1 {
            result = product(&result, &square);
        }
        k >>= 1;
        if k > 0 {
            square = product(&square, &square);
        }
    }
    result
}

/// The solution `x` of `m x = b` for an invertible square `m`, by Gaussian
/// elimination.
fn solve(mut m: Vec<Vec<Fr>>, mut b: Vec<Fr>) -> Vec<Fr> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .find(|&r| !m[r][col].is_zero())
            .expect("a product of Cauchy matrices is invertible");
        m.swap(col, pivot);
        b.swap(col, pivot);
        let inv = m[col][col].inverse().expect("the pivot is not zero");
        m[col].iter_mut().skip(col).for_each(|x| *x *= inv);
        b[col] *= inv;
        let (pivot_row, pivot_b) = (m[col].clone(), b[col]);
        for (r, (row, br)) in m.iter_mut().zip(b.iter_mut()).enumerate() {
            let f = row[col];
            if r != col && !f.is_zero() {
                row.iter_mut().zip(&pivot_row).skip(col).for_each(|(x, p)| *x -= f * p);
                *br -= f * pivot_b;
            }
        }
    }
    b
}
