//! Multi-scalar multiplication for the prover: Pippenger's buckets with
//! signed digits, filled by affine additions that share one inversion per
//! batch.
//!
//! arkworks fills its buckets with mixed additions in extended Jacobian
//! coordinates, about ten field multiplications each. An affine addition
//! costs a division; done in batches with Montgomery's trick, the division
//! is three multiplications plus a share of one inversion, so a bucket
//! addition costs about six. Bucket additions are nearly all of the work for
//! the `H` query (one full-size scalar per domain point), so this is the
//! prover's main cost.
//!
//! A scalar above `r/2` is used as `-(r - s)`, so the witness's small
//! negative values are small scalars too; a scalar's digits beyond its
//! highest bit are zero and cost nothing but a read. The scalars 1 and -1,
//! most of a witness's non-zero values (its bits), skip the buckets: their
//! points are added in pairs, level by level, each level sharing one
//! inversion.

use crate::field::Fr;
use ark_ec::short_weierstrass::{Affine, Bucket, Projective, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField, Zero};
use rayon::prelude::*;
use std::ops::{Range, RangeInclusive};

/// Largest window: digits must fit an `i16` (they reach `2^(c-1)`).
pub(super) const MAX_WINDOW: u32 = 15;

/// Magnitudes of at most this many bits are recoded apart from larger
/// ones: a witness is mostly small values and a few full-size ones (hash
/// states, packed values), and each kind wants its own window.
const SMALL_BITS: u32 = 16;

/// Non-zero scalars cut into signed base-`2^c` digits in
/// `[-2^(c-1), 2^(c-1)]`, in groups of similar size; the scalars 1 and -1
/// apart.
pub struct Recoded {
    groups: Vec<Group>,
    /// The positions of the scalars 1 and -1, ascending, with their signs.
    /// A witness is mostly bits and signs, and in buckets they would all
    /// go to one, where additions cannot share an inversion.
    units: Vec<Signed>,
}

/// Scalars of one size class: their positions, ascending, and `windows`
/// digits each, scalar-major.
struct Group {
    c: u32,
    windows: usize,
    positions: Vec<u32>,
    digits: Vec<i16>,
}

/// `c` bits of `limbs` from bit `at`, zero beyond the end.
fn bits_at(limbs: &[u64], at: usize, c: u32) -> u64 {
    let (word, shift) = (at / 64, at % 64);
    let low = limbs.get(word).map_or(0, |w| w >> shift);
    let high = match (shift, limbs.get(word + 1)) {
        (0, _) | (_, None) => 0,
        (s, Some(w)) => w << (64 - s),
    };
    (low | high) & ((1 << c) - 1)
}

/// `limbs` (negated if `negated`) as signed base-`2^c` digits in
/// `[-2^(c-1), 2^(c-1)]`, least significant first, one per entry of `out`.
/// The value must have fewer bits than `out` holds, so the top digit takes
/// the last carry.
pub(super) fn signed_digits(limbs: &[u64], c: u32, negated: bool, out: &mut [i16]) {
    let full = 1i64 << c;
    let windows = out.len();
    let mut carry = 0;
    for (w, d) in out.iter_mut().enumerate() {
        let mut v = bits_at(limbs, w * c as usize, c) as i64 + carry;
        carry = 0;
        if v > full / 2 || (v == full / 2 && w + 1 < windows) {
            v -= full;
            carry = 1;
        }
        *d = if negated { -v } else { v } as i16;
    }
}

/// The window minimizing the estimated cost for `n` scalars of `bits`
/// bits: six units per affine bucket addition, counted by bits rather than
/// windows (a top window that holds only a bit or two is mostly zero
/// digits, which cost nothing), and twelve per bucket to sum each window's
/// buckets. The twelve is fitted, not counted: it is the value that picks
/// the fastest window measured for 2^15, 2^16 and 2^17 full-size scalars
/// (12, 13 and 14 bits; 24, the multiplications counted, picked one less).
fn window_for(n: usize, bits: usize) -> u32 {
    let cost = |c: u32| {
        let c = c as usize;
        (6 * n * (bits + 1)).div_ceil(c) + 12 * (1 << (c - 1)) * (bits + 1).div_ceil(c)
    };
    (2..=MAX_WINDOW).min_by_key(|&c| cost(c)).unwrap_or(MAX_WINDOW)
}

impl Group {
    /// The scalars at `positions` of `signed` (magnitude at most
    /// `(r - 1) / 2`, negated).
    fn new(positions: Vec<u32>, signed: &[(BigInt, bool)]) -> Group {
        let top = (positions.par_iter())
            .map(|&i| signed[i as usize].0.num_bits())
            .max()
            .unwrap_or(0) as usize;
        let c = window_for(positions.len(), top);
        // One more bit than the largest magnitude, so the top digit never
        // carries out (it stays at most 2^(c-1)).
        let windows = (top + 1).div_ceil(c as usize);
        let mut digits = vec![0i16; positions.len() * windows];
        digits
            .par_chunks_mut(windows.max(1))
            .zip(&positions)
            .for_each(|(out, &i)| {
                let (m, negated) = &signed[i as usize];
                signed_digits(m.as_ref(), c, *negated, out);
            });
        Group {
            c,
            windows,
            positions,
            digits,
        }
    }

    /// Window `w`'s sum over the members in `range`, `bases[0]` being the
    /// base at `range.start`.
    fn window_sum<P: SWCurveConfig>(&self, w: usize, range: &Range<usize>, bases: &[Affine<P>]) -> Projective<P> {
        let mut buckets = Buckets::<P>::new(1 << (self.c - 1), bases);
        let first = self.positions.partition_point(|&i| (i as usize) < range.start);
        let end = self.positions.partition_point(|&i| (i as usize) < range.end);
        let digits = self.digits[first * self.windows..end * self.windows]
            .iter()
            .skip(w)
            .step_by(self.windows);
        for (&i, &d) in self.positions[first..end].iter().zip(digits) {
            if d != 0 {
                buckets.add(
                    d.unsigned_abs() as u32 - 1,
                    Signed::new(i as usize - range.start, d < 0),
                );
            }
        }
        buckets.sum()
    }
}

type BigInt = <Fr as PrimeField>::BigInt;

impl Recoded {
    pub fn new(scalars: &[Fr]) -> Recoded {
        let half = Fr::MODULUS_MINUS_ONE_DIV_TWO;
        let signed: Vec<(BigInt, bool)> = scalars
            .par_iter()
            .map(|s| {
                let s = s.into_bigint();
                if s > half {
                    let mut m = Fr::MODULUS;
                    m.sub_with_borrow(&s);
                    (m, true)
                } else {
                    (s, false)
                }
            })
            .collect();
        let class = |bits: RangeInclusive<u32>| -> Vec<u32> {
            (0..signed.len() as u32)
                .into_par_iter()
                .filter(|&i| bits.contains(&signed[i as usize].0.num_bits()))
                .collect()
        };
        let units = (class(1..=1).into_iter())
            .map(|i| Signed::new(i as usize, signed[i as usize].1))
            .collect();
        Recoded {
            groups: [class(2..=SMALL_BITS), class(SMALL_BITS + 1..=u32::MAX)]
                .into_iter()
                .filter(|positions| !positions.is_empty())
                .map(|positions| Group::new(positions, &signed))
                .collect(),
            units,
        }
    }

    /// `sum ±bases[i - range.start]` over the unit scalars in `range`:
    /// pairs added level by level, each level's additions sharing one
    /// inversion.
    fn unit_sum<P: SWCurveConfig>(&self, range: &Range<usize>, bases: &[Affine<P>]) -> Projective<P> {
        let first = self.units.partition_point(|u| u.index() < range.start);
        let end = self.units.partition_point(|u| u.index() < range.end);
        let mut level: Vec<Affine<P>> = (self.units[first..end].iter())
            .map(|&u| (u, &bases[u.index() - range.start]))
            .filter(|(_, base)| !base.is_zero())
            .map(|(u, base)| Affine::new_unchecked(base.x, u.y(base)))
            .collect();
        let mut rest = Projective::<P>::zero();
        while level.len() > 1 {
            if level.len() % 2 == 1 {
                rest += level.pop().unwrap_or_default();
            }
            level = add_pairs(level, &mut rest);
        }
        level.iter().fold(rest, |acc, p| acc + p)
    }

    /// `sum s_i * bases[i - range.start]` over the scalars in `range`.
    pub fn msm<P: SWCurveConfig>(&self, range: Range<usize>, bases: &[Affine<P>]) -> Projective<P> {
        assert_eq!(range.len(), bases.len(), "one base per scalar");
        // The units' sum is the last task.
        let tasks: Vec<(usize, usize)> = (self.groups.iter().enumerate())
            .flat_map(|(g, group)| (0..group.windows).map(move |w| (g, w)))
            .chain([(self.groups.len(), 0)])
            .collect();
        let mut sums: Vec<Projective<P>> = tasks
            .par_iter()
            .map(|&(g, w)| match self.groups.get(g) {
                Some(group) => group.window_sum(w, &range, bases),
                None => self.unit_sum(&range, bases),
            })
            .collect();
        let mut total = sums.pop().unwrap_or_default();
        let mut sums = sums.into_iter();
        for group in &self.groups {
            let mut acc = Projective::<P>::zero();
            for sum in sums.by_ref().take(group.windows).collect::<Vec<_>>().iter().rev() {
                for _ in 0..group.c {
                    acc.double_in_place();
                }
                acc += sum;
            }
            total += acc;
        }
        total
    }
}

/// Additions waiting for one shared inversion: at most one per bucket, so
/// each sees its bucket's value from before the batch. A point for a
/// bucket already waiting is put off to the next batch, once and at most a
/// batch of them; beyond that (as when one bucket takes most points, the
/// witness's ones and minus ones) it goes to the bucket's overflow.
///
/// An inversion costs about as much as 30 additions' multiplications, so
/// a batch of 256 spends 7% of a window on it; windows with many buckets
/// take batches of up to a quarter of their buckets, where a point meets a
/// waiting bucket at most a quarter of the time (measured on 2^17
/// full-size scalars, 13-bit windows: 1024 is 3% faster than 256).
fn batch_for(buckets: usize) -> usize {
    (buckets / 4).clamp(256, 1024)
}

/// A base by its index, possibly negated: batches hold these rather than
/// copies of points.
#[derive(Clone, Copy)]
struct Signed(u32);

impl Signed {
    fn new(index: usize, negated: bool) -> Signed {
        Signed((index as u32) << 1 | negated as u32)
    }

    fn index(self) -> usize {
        (self.0 >> 1) as usize
    }

    fn y<P: SWCurveConfig>(self, p: &Affine<P>) -> P::BaseField {
        if self.0 & 1 == 1 {
            -p.y
        } else {
            p.y
        }
    }
}

/// `p + (x, y)` for `x != p.x`, given `1 / (x - p.x)`.
fn chord<P: SWCurveConfig>(p: &Affine<P>, x: P::BaseField, y: P::BaseField, inverse_dx: P::BaseField) -> Affine<P> {
    let lambda = (y - p.y) * inverse_dx;
    let x3 = lambda.square() - p.x - x;
    Affine::new_unchecked(x3, lambda * (p.x - x3) - p.y)
}

/// The sums of `points`' pairs (an even number of points, none the
/// identity), with one inversion; a pair with equal x (a doubling or a
/// cancellation) is added to `rest` instead.
fn add_pairs<P: SWCurveConfig>(points: Vec<Affine<P>>, rest: &mut Projective<P>) -> Vec<Affine<P>> {
    let mut pairs = Vec::with_capacity(points.len() / 2);
    for pair in points.chunks_exact(2) {
        if pair[0].x == pair[1].x {
            *rest += pair[0];
            *rest += pair[1];
        } else {
            pairs.push((pair[0], pair[1]));
        }
    }
    let mut before = Vec::with_capacity(pairs.len());
    let mut acc = P::BaseField::ONE;
    for (p, q) in &pairs {
        before.push(acc);
        acc *= q.x - p.x;
    }
    // Every difference is non-zero: equal x went to `rest`.
    let mut inv = acc.inverse().expect("non-zero product of non-zero differences");
    let mut sums = vec![Affine::identity(); pairs.len()];
    for (((p, q), before), sum) in pairs.iter().zip(&before).zip(&mut sums).rev() {
        *sum = chord(p, q.x, q.y, inv * before);
        inv *= q.x - p.x;
    }
    sums
}

/// Buckets `1..=2^(c-1)` of one window. Each is an affine point, plus an
/// overflow (arkworks' extended Jacobian bucket) for additions that cannot
/// be batched: a bucket already waiting in the batch, or `x1 = x2`
/// (doubling or cancelling).
struct Buckets<'a, P: SWCurveConfig> {
    bases: &'a [Affine<P>],
    affine: Vec<Affine<P>>,
    overflow: Vec<Bucket<P>>,
    /// Batch number in which a bucket last waited; 0 is never.
    waiting: Vec<u32>,
    batch: usize,
    batch_no: u32,
    pending: Vec<(u32, Signed)>,
    deferred: Vec<(u32, Signed)>,
    scratch: Vec<P::BaseField>,
}

impl<'a, P: SWCurveConfig> Buckets<'a, P> {
    fn new(n: usize, bases: &'a [Affine<P>]) -> Self {
        let batch = batch_for(n);
        Buckets {
            bases,
            affine: vec![Affine::identity(); n],
            overflow: vec![Bucket::ZERO; n],
            waiting: vec![0; n],
            batch,
            batch_no: 1,
            pending: Vec::with_capacity(batch),
            deferred: Vec::with_capacity(batch),
            scratch: Vec::with_capacity(batch),
        }
    }

    fn add(&mut self, k: u32, p: Signed) {
        self.place(k, p, true);
        if self.pending.len() == self.batch {
            self.flush();
        }
    }

    fn overflow(&mut self, k: usize, p: Signed) {
        let base = &self.bases[p.index()];
        self.overflow[k] += &Affine::new_unchecked(base.x, p.y(base));
    }

    /// Puts a point in its bucket, the batch, the deferred list (once) or
    /// the overflow; never flushes.
    fn place(&mut self, k: u32, p: Signed, may_defer: bool) {
        let base = &self.bases[p.index()];
        if base.is_zero() {
            return;
        }
        let ku = k as usize;
        if self.waiting[ku] == self.batch_no {
            if may_defer && self.deferred.len() < self.batch {
                self.deferred.push((k, p));
            } else {
                self.overflow(ku, p);
            }
        } else if self.affine[ku].is_zero() {
            self.affine[ku] = Affine::new_unchecked(base.x, p.y(base));
        } else if self.affine[ku].x == base.x {
            self.overflow(ku, p);
        } else {
            self.waiting[ku] = self.batch_no;
            self.pending.push((k, p));
        }
    }

    /// Runs the batch, then starts the next one with the deferred points,
    /// running that too while it fills up.
    fn flush(&mut self) {
        loop {
            self.run_batch();
            // At most a batch of points into an empty one: it cannot overflow.
            for (k, p) in std::mem::take(&mut self.deferred) {
                self.place(k, p, false);
            }
            if self.pending.len() < self.batch {
                return;
            }
        }
    }

    /// Adds every pending point with one inversion (Montgomery's trick:
    /// prefix products forward, one inverse, then back).
    fn run_batch(&mut self) {
        let scratch = &mut self.scratch;
        scratch.clear();
        let mut acc = P::BaseField::ONE;
        for (k, p) in &self.pending {
            scratch.push(acc);
            acc *= self.bases[p.index()].x - self.affine[*k as usize].x;
        }
        // Every difference is non-zero: equal x went to the overflow.
        let mut inv = acc.inverse().expect("non-zero product of non-zero differences");
        for ((k, p), before) in self.pending.iter().zip(scratch.iter()).rev() {
            let base = &self.bases[p.index()];
            let q = &mut self.affine[*k as usize];
            let dx = base.x - q.x;
            *q = chord(q, base.x, p.y(base), inv * before);
            inv *= dx;
        }
        self.pending.clear();
        self.batch_no += 1;
    }

    /// `sum k * bucket_k`, by running sums from the top bucket down.
    fn sum(mut self) -> Projective<P> {
        while !self.pending.is_empty() || !self.deferred.is_empty() {
            self.flush();
        }
        let mut running = Bucket::<P>::ZERO;
        let mut total = Bucket::<P>::ZERO;
        for (a, o) in self.affine.iter().zip(&self.overflow).rev() {
            if !a.is_zero() {
                running += a;
            }
            if !o.is_zero() {
                running += o;
            }
            total += &running;
        }
        total.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_std::UniformRand;
    use proptest::prelude::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn points<G: CurveGroup>(n: usize, seed: u64) -> Vec<G::Affine> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        G::normalize_batch(&(0..n).map(|_| G::rand(&mut rng)).collect::<Vec<_>>())
    }

    fn arkworks<G: VariableBaseMSM<ScalarField = Fr>>(bases: &[G::MulBase], scalars: &[Fr]) -> G {
        let bigints: Vec<_> = scalars.iter().map(|s| s.into_bigint()).collect();
        G::msm_bigint(bases, &bigints)
    }

    fn small(v: i64) -> Fr {
        crate::field::fr_from_i128(v as i128)
    }

    #[test]
    fn full_size_scalars_agree_with_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let n = 3000;
        let bases = points::<G1Projective>(n, 1);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let r = Recoded::new(&scalars);
        assert_eq!(r.msm(0..n, &bases), arkworks::<G1Projective>(&bases, &scalars));
    }

    #[test]
    fn a_range_uses_its_own_scalars_in_g1_and_g2() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let n = 500;
        let scalars: Vec<Fr> = (0..n)
            .map(|i| {
                if i % 3 == 0 {
                    Fr::rand(&mut rng)
                } else {
                    small(i as i64 - 250)
                }
            })
            .collect();
        range_agrees_in_g1_and_g2(&scalars, 100, 2);
    }

    /// `msm` over the scalars from `skip` on, against arkworks, in G1 and
    /// G2 (bases from `seed` and `seed + 1`).
    fn range_agrees_in_g1_and_g2(scalars: &[Fr], skip: usize, seed: u64) {
        let (r, n) = (Recoded::new(scalars), scalars.len());
        let g1 = points::<G1Projective>(n - skip, seed);
        let g2 = points::<G2Projective>(n - skip, seed + 1);
        assert_eq!(r.msm(skip..n, &g1), arkworks::<G1Projective>(&g1, &scalars[skip..]));
        assert_eq!(r.msm(skip..n, &g2), arkworks::<G2Projective>(&g2, &scalars[skip..]));
    }

    /// The same base many times forces doublings (equal x, same y) and,
    /// with opposite signs, cancellations (equal x, opposite y); the
    /// identity as a base and zero scalars must be skipped.
    #[test]
    fn repeated_opposite_and_identity_bases() {
        let p = points::<G1Projective>(2, 4);
        let mut bases = Vec::new();
        let mut scalars = Vec::new();
        for i in 0..2000i64 {
            bases.push(if i % 7 == 0 {
                G1Affine::identity()
            } else {
                p[(i % 2) as usize]
            });
            scalars.push(small(match i % 5 {
                0 => 1,
                1 => -1,
                2 => 0,
                3 => 3 - i,
                _ => i * 1000,
            }));
        }
        let n = bases.len();
        assert_eq!(
            Recoded::new(&scalars).msm(0..n, &bases),
            arkworks::<G1Projective>(&bases, &scalars)
        );
    }

    /// Mostly ones and minus ones, as a witness of bits is: an odd number
    /// of them in the range, one cut off before it, a few other values.
    #[test]
    fn units_in_a_range_agree_with_arkworks_in_g1_and_g2() {
        let n = 1203;
        let scalars: Vec<Fr> = (0..n as i64)
            .map(|i| small([1, -1, 1, 0, 1, -1, 1, 7, 1, -1][i as usize % 10] * if i == 500 { 1 << 40 } else { 1 }))
            .collect();
        range_agrees_in_g1_and_g2(&scalars, 7, 9);
    }

    #[test]
    fn digit_extremes() {
        // Magnitudes (r - 1) / 2 and its neighbours, all-ones windows, 2^k.
        let half = Fr::from_bigint(Fr::MODULUS_MINUS_ONE_DIV_TWO).unwrap();
        let mut scalars = vec![half, half + Fr::ONE, half - Fr::ONE, -Fr::ONE, Fr::ZERO];
        for k in 0..254u32 {
            let p = Fr::from(2u64).pow([k as u64]);
            scalars.extend([p, p - Fr::ONE, -p, Fr::ONE - p]);
        }
        let n = scalars.len();
        let bases = points::<G1Projective>(n, 5);
        assert_eq!(
            Recoded::new(&scalars).msm(0..n, &bases),
            arkworks::<G1Projective>(&bases, &scalars)
        );
    }

    #[test]
    fn empty_and_all_zero() {
        let r = Recoded::new(&[]);
        assert!(r.msm::<ark_bn254::g1::Config>(0..0, &[]).is_zero());
        let bases = points::<G1Projective>(4, 6);
        assert!(Recoded::new(&[Fr::ZERO; 4]).msm(0..4, &bases).is_zero());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn agrees_with_arkworks(values in prop::collection::vec(any::<i64>(), 1..300), wide in any::<bool>(), seed in any::<u64>()) {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let scalars: Vec<Fr> = values
                .iter()
                .map(|&v| if wide && v % 4 == 0 { Fr::rand(&mut rng) } else { small(v >> (v & 63)) })
                .collect();
            let n = scalars.len();
            let g1 = points::<G1Projective>(n, seed);
            let r = Recoded::new(&scalars);
            prop_assert_eq!(r.msm(0..n, &g1), arkworks::<G1Projective>(&g1, &scalars));
            let g2: Vec<G2Affine> = points::<G2Projective>(n.min(40), seed);
            prop_assert_eq!(r.msm(0..g2.len(), &g2), arkworks::<G2Projective>(&g2, &scalars[..g2.len()]));
        }
    }
}
