//! Moving a polynomial's evaluations from a power-of-two domain to a coset
//! of it, the witness map's whole use of FFTs.
//!
//! arkworks does this as an inverse FFT and a coset FFT in natural order,
//! each with its own bit-reversal pass and twiddle table. Here the inverse
//! transform is decimation in frequency (natural order in, bit-reversed
//! out) and the forward one decimation in time (bit-reversed in, natural
//! out), so no permutation is needed; the coset shift and `1/n` are one
//! multiplication per coefficient between them; one twiddle table serves
//! all three polynomials. Layers whose blocks fit a core's cache are done
//! block by block, which reads the vector from memory a few times instead
//! of once per layer.

use crate::field::Fr;
use ark_ff::{AdditiveGroup, FftField, Field};
use rayon::prelude::*;

/// Blocks of at most this many elements (128 KiB) are transformed whole.
const CACHE_BLOCK: usize = 1 << 12;
/// Butterflies per task in a layer whose blocks are larger than that.
const CHUNK: usize = 1 << 12;

/// Evaluations on the size-`n` subgroup to evaluations on its coset by
/// `offset`, for one `n` and `offset`.
pub(crate) struct CosetShift {
    /// Per layer of blocks of `2^(t+1)` elements, its twiddles
    /// `v^j`, `j < 2^t`, `v` a primitive `2^(t+1)`-th root of unity: each
    /// layer reads its own contiguous table instead of a strided walk
    /// through the largest one.
    forward: Vec<Vec<Fr>>,
    /// The same with `v^-1`.
    inverse: Vec<Vec<Fr>>,
    /// `offset^i / n`, indexed by the bit reversal of `i`.
    scale: Vec<Fr>,
}

/// `start * step^i` for `i < len`, computed in parallel runs.
pub(crate) fn powers(start: Fr, step: Fr, len: usize) -> Vec<Fr> {
    let mut out = vec![Fr::ZERO; len];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
        let mut x = start * step.pow([(c * CHUNK) as u64]);
        for v in chunk {
            *v = x;
            x *= step;
        }
    });
    out
}

/// Each layer's twiddles out of the largest layer's: every `2^k`-th one.
fn layers(largest: &[Fr]) -> Vec<Vec<Fr>> {
    if largest.is_empty() {
        return Vec::new();
    }
    let log = largest.len().trailing_zeros() as usize;
    (0..=log)
        .map(|t| largest.iter().step_by(largest.len() >> t).copied().collect())
        .collect()
}

fn bit_reverse(i: usize, log_n: u32) -> usize {
    if log_n == 0 {
        0
    } else {
        i.reverse_bits() >> (usize::BITS - log_n)
    }
}

impl CosetShift {
    /// `None` if `n` is not a power of two BN254's scalar field has roots for.
    pub(crate) fn new(n: usize, offset: Fr) -> Option<CosetShift> {
        if !n.is_power_of_two() {
            return None;
        }
        let w = Fr::get_root_of_unity(n as u64)?;
        let w_inv = w.inverse()?;
        let n_inv = Fr::from(n as u64).inverse()?;
        let log_n = n.trailing_zeros();
        let natural = powers(n_inv, offset, n);
        let scale = (0..n)
            .into_par_iter()
            .map(|pos| natural[bit_reverse(pos, log_n)])
            .collect();
        Some(CosetShift {
            forward: layers(&powers(Fr::ONE, w, n / 2)),
            inverse: layers(&powers(Fr::ONE, w_inv, n / 2)),
            scale,
        })
    }

    /// `v` holds `p(w^j)`; afterwards it holds `p(offset * w^j)`.
    pub(crate) fn apply(&self, v: &mut [Fr]) {
        assert_eq!(v.len(), self.scale.len(), "a vector of the domain's size");
        dif(v, &self.inverse);
        v.par_iter_mut().zip(&self.scale).for_each(|(x, s)| *x *= s);
        dit(v, &self.forward);
    }
}

/// Butterflies with a twiddle of one, the same in both transforms: a sum
/// and a difference.
#[inline]
fn untwiddled(lo: &mut [Fr], hi: &mut [Fr]) {
    for (u, v) in lo.iter_mut().zip(hi.iter_mut()) {
        (*u, *v) = (*u + *v, *u - *v);
    }
}

/// How many leading twiddles are one and need no multiplication: the
/// first of a whole block's table.
fn ones(tw: &[Fr]) -> usize {
    usize::from(tw[0] == Fr::ONE)
}

/// One butterfly layer over a block split in halves (`lo`, `hi`), with
/// twiddle `tw[j]` for element `j`.
#[inline]
fn dif_run(lo: &mut [Fr], hi: &mut [Fr], tw: &[Fr]) {
    let skip = ones(tw);
    untwiddled(&mut lo[..skip], &mut hi[..skip]);
    for ((u, v), t) in lo.iter_mut().zip(hi.iter_mut()).zip(tw).skip(skip) {
        let d = *u - *v;
        *u += *v;
        *v = d * t;
    }
}

#[inline]
fn dit_run(lo: &mut [Fr], hi: &mut [Fr], tw: &[Fr]) {
    let skip = ones(tw);
    untwiddled(&mut lo[..skip], &mut hi[..skip]);
    for ((u, v), t) in lo.iter_mut().zip(hi.iter_mut()).zip(tw).skip(skip) {
        let t = *v * t;
        *v = *u - t;
        *u += t;
    }
}

type Run = fn(&mut [Fr], &mut [Fr], &[Fr]);

/// The layer of blocks of `len` elements; `tw[t]` is the table of blocks
/// of `2^(t+1)`.
fn layer_table(tw: &[Vec<Fr>], len: usize) -> &[Fr] {
    &tw[len.trailing_zeros() as usize - 1]
}

/// A layer whose blocks are larger than a cache block: each block's
/// butterflies split into parallel tasks.
fn wide_layer(a: &mut [Fr], len: usize, tw: &[Vec<Fr>], run: Run) {
    let tw = layer_table(tw, len);
    for block in a.chunks_mut(len) {
        let (lo, hi) = block.split_at_mut(len / 2);
        lo.par_chunks_mut(CHUNK)
            .zip(hi.par_chunks_mut(CHUNK))
            .zip(tw.par_chunks(CHUNK))
            .for_each(|((l, h), t)| run(l, h, t));
    }
}

/// Layers from `top` down to 2 (`descending`) or from 2 up to `top`, on
/// one block small enough to stay in cache.
fn narrow_layers(block: &mut [Fr], top: usize, tw: &[Vec<Fr>], descending: bool) {
    let run = if descending { dif_run } else { dit_run };
    let mut len = if descending { top } else { 2 };
    while len >= 2 && len <= top {
        let t = layer_table(tw, len);
        if len == 2 {
            for pair in block.chunks_exact_mut(2) {
                let (u, v) = pair.split_at_mut(1);
                untwiddled(u, v);
            }
        } else {
            for sub in block.chunks_mut(len) {
                let (lo, hi) = sub.split_at_mut(len / 2);
                run(lo, hi, t);
            }
        }
        len = if descending { len / 2 } else { len * 2 };
    }
}

/// Decimation in frequency: natural order in, bit-reversed order out.
fn dif(a: &mut [Fr], tw: &[Vec<Fr>]) {
    let mut len = a.len();
    while len > CACHE_BLOCK {
        wide_layer(a, len, tw, dif_run);
        len /= 2;
    }
    a.par_chunks_mut(len).for_each(|b| narrow_layers(b, len, tw, true));
}

/// Decimation in time: bit-reversed order in, natural order out.
fn dit(a: &mut [Fr], tw: &[Vec<Fr>]) {
    let n = a.len();
    let block = n.min(CACHE_BLOCK);
    a.par_chunks_mut(block).for_each(|b| narrow_layers(b, block, tw, false));
    let mut len = 2 * block;
    while len <= n {
        wide_layer(a, len, tw, dit_run);
        len *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// The same values as arkworks' inverse FFT followed by its coset FFT,
    /// for sizes below, at and above a cache block.
    #[test]
    fn agrees_with_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        for log_n in [0u32, 1, 2, 3, 5, 10, 11, 12, 13, 15] {
            let n = 1usize << log_n;
            let domain = GeneralEvaluationDomain::<Fr>::new(n).unwrap();
            let offset = Fr::get_root_of_unity(2 * n as u64).unwrap();
            let coset = domain.get_coset(offset).unwrap();
            let values: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let mut theirs = values.clone();
            domain.ifft_in_place(&mut theirs);
            coset.fft_in_place(&mut theirs);
            let mut ours = values;
            CosetShift::new(n, offset).unwrap().apply(&mut ours);
            assert_eq!(ours, theirs, "n = {n}");
        }
    }

    #[test]
    fn sizes_without_roots_are_refused() {
        assert!(CosetShift::new(6, Fr::ONE).is_none());
        assert!(CosetShift::new(1 << 29, Fr::ONE).is_none());
    }
}
