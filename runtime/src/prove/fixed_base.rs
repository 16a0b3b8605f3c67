//! Many multiples of one point, for the key generator: every query of a
//! Groth16 key is `s_i * g` for one generator `g` and a scalar per variable
//! or domain point.
//!
//! A table holds `d * 2^(c w) * g` for every window `w` and digit
//! `1 <= d <= 2^(c-1)`; a scalar cut into signed digits is then a sum of
//! one table point per window, negated where its digit is. arkworks adds
//! those in projective coordinates (a mixed addition, about ten field
//! multiplications). Here each scalar keeps an affine sum and a block of
//! scalars adds its next window's points together, sharing one inversion by
//! Montgomery's trick, so an addition costs about six multiplications.

use super::msm::{signed_digits, MAX_WINDOW};
use crate::field::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Field, PrimeField};
use rayon::prelude::*;

/// Scalars whose additions share one inversion. An inversion costs about
/// a hundred multiplications, spread here over a thousand additions.
const BLOCK: usize = 1024;

/// The window tables of one generator.
pub(crate) struct FixedBase<P: SWCurveConfig> {
    c: u32,
    windows: usize,
    /// Window-major: entry `w * 2^(c-1) + d - 1` is `d * 2^(c w) * g`.
    table: Vec<Affine<P>>,
}

/// Windows of `c` bits for a scalar below `2^254`, with one bit to spare so
/// the top digit takes the last carry.
fn windows(c: u32) -> usize {
    (Fr::MODULUS_BIT_SIZE as usize + 1).div_ceil(c as usize)
}

/// The window minimizing estimated multiplications for `n` scalars: six per
/// affine addition, about sixteen per table entry (a projective addition
/// and its share of the normalization).
fn window_for(n: usize) -> u32 {
    let cost = |c: u32| windows(c) * (6 * n + 16 * (1usize << (c - 1)));
    (2..=MAX_WINDOW).min_by_key(|&c| cost(c)).unwrap_or(MAX_WINDOW)
}

impl<P: SWCurveConfig> FixedBase<P> {
    /// Tables for about `n` multiplications of `g`.
    pub(crate) fn new(g: Projective<P>, n: usize) -> Self {
        Self::with_window(g, window_for(n))
    }

    fn with_window(g: Projective<P>, c: u32) -> Self {
        let windows = windows(c);
        let half = 1usize << (c - 1);
        let mut bases = Vec::with_capacity(windows);
        let mut base = g;
        for _ in 0..windows {
            bases.push(base);
            for _ in 0..c {
                base.double_in_place();
            }
        }
        let projective: Vec<Projective<P>> = bases
            .par_iter()
            .flat_map_iter(|&b| std::iter::successors(Some(b), move |&m| Some(m + b)).take(half))
            .collect();
        FixedBase {
            c,
            windows,
            table: Projective::normalize_batch(&projective),
        }
    }

    /// `s * g` for every scalar, zero scalars giving the identity.
    pub(crate) fn mul(&self, scalars: &[Fr]) -> Vec<Affine<P>> {
        let mut out = vec![Affine::identity(); scalars.len()];
        out.par_chunks_mut(BLOCK)
            .zip(scalars.par_chunks(BLOCK))
            .for_each(|(out, scalars)| self.mul_block(scalars, out));
        out
    }

    fn mul_block(&self, scalars: &[Fr], sums: &mut [Affine<P>]) {
        let mut digits = vec![0i16; scalars.len() * self.windows];
        for (s, d) in scalars.iter().zip(digits.chunks_mut(self.windows)) {
            signed_digits(s.into_bigint().as_ref(), self.c, false, d);
        }
        let half = 1usize << (self.c - 1);
        let mut batch = Vec::with_capacity(scalars.len());
        let mut scratch = Vec::with_capacity(scalars.len());
        for w in 0..self.windows {
            let window = &self.table[w * half..(w + 1) * half];
            batch.clear();
            for (i, sum) in sums.iter_mut().enumerate() {
                let d = digits[i * self.windows + w];
                if d == 0 {
                    continue;
                }
                let p = window[d.unsigned_abs() as usize - 1];
                let p = if d < 0 { -p } else { p };
                if sum.is_zero() {
                    *sum = p;
                } else if sum.x == p.x {
                    // Doubling or cancelling: not an affine addition.
                    *sum = (sum.into_group() + p).into_affine();
                } else {
                    batch.push((i, p));
                }
            }
            add_batch(sums, &batch, &mut scratch);
        }
    }
}

/// `sums[i] += p` for every `(i, p)` (distinct `i`, `sums[i].x != p.x`),
/// with one inversion: prefix products of the differences forward, one
/// inverse, then back.
fn add_batch<P: SWCurveConfig>(sums: &mut [Affine<P>], batch: &[(usize, Affine<P>)], scratch: &mut Vec<P::BaseField>) {
    scratch.clear();
    let mut acc = P::BaseField::ONE;
    for (i, p) in batch {
        scratch.push(acc);
        acc *= p.x - sums[*i].x;
    }
    let Some(mut inv) = acc.inverse() else {
        return; // an empty batch: the product is one, so never reached otherwise
    };
    for ((i, p), before) in batch.iter().zip(scratch.iter()).rev() {
        let q = &mut sums[*i];
        let dx = p.x - q.x;
        let lambda = (p.y - q.y) * (inv * before);
        inv *= dx;
        let x = lambda.square() - q.x - p.x;
        let y = lambda * (q.x - x) - q.y;
        *q = Affine::new_unchecked(x, y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Projective, G2Projective};
    use ark_std::UniformRand;
    use proptest::prelude::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn naive<P: SWCurveConfig<ScalarField = Fr>>(g: Projective<P>, scalars: &[Fr]) -> Vec<Affine<P>> {
        scalars.iter().map(|s| (g * s).into_affine()).collect()
    }

    /// Zero, one, minus one, `r/2` and its neighbours, every power of two
    /// with its neighbours (all-ones and single-bit windows, carries into
    /// the top digit), and random scalars.
    fn edge_scalars(rng: &mut ChaCha20Rng) -> Vec<Fr> {
        let half = Fr::from_bigint(Fr::MODULUS_MINUS_ONE_DIV_TWO).unwrap();
        let mut s = vec![Fr::ZERO, Fr::ONE, -Fr::ONE, half, half + Fr::ONE, half - Fr::ONE];
        for k in 0..254u64 {
            let p = Fr::from(2u64).pow([k]);
            s.extend([p, p - Fr::ONE, -p, p + Fr::ONE]);
        }
        s.extend((0..3000).map(|_| Fr::rand(rng)));
        s
    }

    #[test]
    fn agrees_with_scalar_multiplication_in_g1_and_g2() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let scalars = edge_scalars(&mut rng);
        let g1 = G1Projective::rand(&mut rng);
        assert_eq!(FixedBase::new(g1, scalars.len()).mul(&scalars), naive(g1, &scalars));
        let g2 = G2Projective::rand(&mut rng);
        let few = &scalars[..600];
        assert_eq!(FixedBase::new(g2, few.len()).mul(few), naive(g2, few));
    }

    /// A block sum meets its next table point only through the top window,
    /// for `s = 2D - r` with `D = d 2^(c t)` just below `r` (`t` the top
    /// window): the lower digits then sum to `D - r`, which is `D` in the
    /// group, so the last addition is a doubling. Every window width gets
    /// that scalar; the widths where the lower digits can reach `D - r`
    /// must go through the fallback (the test checks that some do).
    #[test]
    fn a_sum_doubling_in_the_top_window() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let g = G1Projective::rand(&mut rng);
        let mut doubled = 0;
        for c in 2..=MAX_WINDOW {
            let fixed = FixedBase::with_window(g, c);
            let top = (fixed.windows - 1) as u32 * c;
            let big_d = (Fr::MODULUS >> top) << top;
            let s = Fr::from_bigint(big_d).unwrap().double();
            let mut digits = vec![0i16; fixed.windows];
            signed_digits(s.into_bigint().as_ref(), c, false, &mut digits);
            let lower: Fr = digits[..fixed.windows - 1].iter().rev().fold(Fr::ZERO, |acc, &x| {
                acc * Fr::from(1u64 << c) + crate::field::fr_from_i128(x.into())
            });
            let top_value =
                crate::field::fr_from_i128(digits[fixed.windows - 1].into()) * Fr::from(2u64).pow([top as u64]);
            doubled += usize::from(lower == top_value);
            assert_eq!(
                fixed.mul(&[s, s + Fr::ONE, s - Fr::ONE]),
                naive(g, &[s, s + Fr::ONE, s - Fr::ONE]),
                "c = {c}"
            );
        }
        assert!(doubled > 0, "no width reached the doubling");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn any_scalars(values in prop::collection::vec(any::<(u64, u64, u8)>(), 1..200), seed in any::<u64>()) {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let scalars: Vec<Fr> = values
                .iter()
                .map(|&(a, b, k)| Fr::from(a) * Fr::from(2u64).pow([u64::from(k)]) - Fr::from(b))
                .collect();
            let g = G1Projective::rand(&mut rng);
            prop_assert_eq!(FixedBase::new(g, scalars.len()).mul(&scalars), naive(g, &scalars));
        }
    }
}
