//! Poseidon's round constants and MDS matrices for BN254, generated here
//! the way the Poseidon paper's reference script does (Grassi, Khovratovich,
//! Rechberger, Roy, Schofnegger, "Poseidon: A New Hash Function for
//! Zero-Knowledge Proof Systems", USENIX Security 2021, appendix on the
//! Grain LFSR), with the parameters circomlib uses: x^5 S-box, 254-bit
//! field, `t` cells, 8 full rounds and circomlib's partial rounds.
//!
//! The Grain LFSR is seeded with 80 bits: the field type (2 bits, 1 for a
//! prime field), the S-box (4 bits, 0 for x^alpha), the field size in bits
//! (12 bits), `t` (12), the full rounds (10), the partial rounds (10), and
//! thirty 1 bits, each field most significant bit first. The register's
//! new bit is `b62 ^ b51 ^ b38 ^ b23 ^ b13 ^ b0`; the first 160 are thrown
//! away. Output bits are then drawn in pairs: when the first bit of a pair
//! is 1 the second is output, otherwise the pair is discarded.
//!
//! A round constant is a 254-bit integer read most significant bit first,
//! drawn again while it is not below the modulus; there are
//! `t * (8 + partial rounds)` of them, consumed `t` per round. The MDS
//! matrix is the Cauchy matrix `M[i][j] = 1 / (x_i + y_j)` of `2 t` further
//! 254-bit draws (reduced modulo r), the first `t` being `x`, the rest `y`.
//! circomlib's constants were produced by that script; the published test
//! vectors in the test suite check every width against them.

use crate::field::Fr;
use ark_ff::{BigInteger, Field, PrimeField, Zero};
use std::sync::OnceLock;

/// Partial rounds for `t = 2..=17` (index `t - 2`), as circomlib. Integers
/// of the DSL (`i128`), so the operator reads them too ([`POSEIDON_PARTIAL`](super::POSEIDON_PARTIAL)).
pub const PARTIAL_ROUNDS: [i128; 16] = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
/// Full rounds, half before and half after the partial ones.
pub const FULL_ROUNDS: usize = 8;
/// The widths `t` circomlib's `Poseidon(nInputs)` supports: `nInputs + 1`.
pub const WIDTHS: std::ops::RangeInclusive<usize> = 2..=17;

/// The 80-bit Grain LFSR.
struct Grain {
    /// Bit `i` of the sequence is bit `i` of the register (b0 the oldest).
    state: u128,
    /// Sequence bits made but not yet read, the next one in bit 0.
    made: u16,
    left: u32,
}

impl Grain {
    fn new(t: usize, partial: usize) -> Grain {
        let mut bits: Vec<bool> = Vec::with_capacity(80);
        let mut push = |v: u64, n: usize| {
            for k in (0..n).rev() {
                bits.push((v >> k) & 1 == 1);
            }
        };
        push(1, 2);
        push(0, 4);
        push(254, 12);
        push(t as u64, 12);
        push(FULL_ROUNDS as u64, 10);
        push(partial as u64, 10);
        push((1 << 30) - 1, 30);
        let state = bits.iter().enumerate().fold(0u128, |s, (i, &b)| s | ((b as u128) << i));
        let mut g = Grain {
            state,
            made: 0,
            left: 0,
        };
        for _ in 0..160 {
            g.step();
        }
        g
    }

    /// The next bit of the sequence. Bits are made 16 at a time: the taps
    /// of bit `80 + k` are bits `k .. 62 + k`, all already in the register
    /// for `k < 18`.
    fn step(&mut self) -> bool {
        if self.left == 0 {
            let s = self.state;
            let bits = ((s >> 62) ^ (s >> 51) ^ (s >> 38) ^ (s >> 23) ^ (s >> 13) ^ s) & 0xffff;
            self.state = (s >> 16) | (bits << 64);
            self.made = bits as u16;
            self.left = 16;
        }
        let bit = self.made & 1 == 1;
        self.made >>= 1;
        self.left -= 1;
        bit
    }

    /// The next output bit (the self-shrinking pairs).
    fn bit(&mut self) -> bool {
        loop {
            let first = self.step();
            let second = self.step();
            if first {
                return second;
            }
        }
    }

    /// The next 254-bit integer, most significant bit first, as big-endian bytes.
    fn draw(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        // 254 bits fill the 32 bytes from bit 253 down; the top 2 are 0.
        for k in (0..254).rev() {
            if self.bit() {
                out[31 - k / 8] |= 1 << (k % 8);
            }
        }
        out
    }
}

fn below_modulus(be: &[u8; 32]) -> bool {
    let m = Fr::MODULUS.to_bytes_be();
    be.as_slice() < m.as_slice()
}

/// The constants of one width.
pub struct Params {
    pub t: usize,
    pub partial: usize,
    /// `t * (8 + partial)` round constants, `t` per round.
    pub round_constants: Vec<Fr>,
    /// The MDS matrix row by row: `mds[i * t + j] = M[i][j]`.
    pub mds: Vec<Fr>,
}

fn generate(t: usize) -> Params {
    let partial = PARTIAL_ROUNDS[t - 2] as usize;
    let mut g = Grain::new(t, partial);
    let round_constants = (0..t * (FULL_ROUNDS + partial))
        .map(|_| loop {
            let be = g.draw();
            if below_modulus(&be) {
                break Fr::from_be_bytes_mod_order(&be);
            }
        })
        .collect();
    let xy: Vec<Fr> = (0..2 * t).map(|_| Fr::from_be_bytes_mod_order(&g.draw())).collect();
    let (x, y) = xy.split_at(t);
    let mut mds: Vec<Fr> = (0..t * t).map(|k| x[k / t] + y[k % t]).collect();
    assert!(
        mds.iter().all(|d| !d.is_zero()),
        "the reference parameters have no zero x_i + y_j"
    );
    ark_ff::batch_inversion(&mut mds);
    Params {
        t,
        partial,
        round_constants,
        mds,
    }
}

/// The constants of width `t` (2..=17), generated once.
pub fn params(t: usize) -> &'static Params {
    static ALL: OnceLock<Vec<OnceLock<Params>>> = OnceLock::new();
    let all = ALL.get_or_init(|| WIDTHS.map(|_| OnceLock::new()).collect());
    assert!(WIDTHS.contains(&t), "Poseidon width {t} outside 2..=17");
    all[t - 2].get_or_init(|| generate(t))
}

/// Poseidon on field elements: circomlib's `Poseidon(inputs.len())`, for
/// 1 to 16 inputs. The state starts as `[0, inputs..]`; each round adds
/// `t` round constants, applies `x^5` to every cell (full rounds: the
/// first and last 4) or to cell 0 (partial rounds), and multiplies by the
/// MDS matrix; the hash is cell 0 of the final state.
pub fn hash(inputs: &[Fr]) -> Fr {
    let t = inputs.len() + 1;
    let p = params(t);
    let mut s: Vec<Fr> = std::iter::once(Fr::from(0u64)).chain(inputs.iter().copied()).collect();
    let half = FULL_ROUNDS / 2;
    for r in 0..FULL_ROUNDS + p.partial {
        for (i, x) in s.iter_mut().enumerate() {
            *x += p.round_constants[r * t + i];
        }
        let full = r < half || r >= half + p.partial;
        for x in s.iter_mut().take(if full { t } else { 1 }) {
            *x = x.pow([5u64]);
        }
        s = (0..t).map(|i| (0..t).map(|j| p.mds[i * t + j] * s[j]).sum()).collect();
    }
    s[0]
}
