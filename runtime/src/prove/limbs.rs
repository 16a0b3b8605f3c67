//! A proving key as its points' Montgomery limbs: the key cache's payload.
//!
//! arkworks' canonical encoding holds each coordinate in standard form, so
//! reading it back costs a Montgomery multiplication per coordinate (about
//! 1.5 million for `s9-gan`'s key, most of the read). Here each coordinate is
//! stored as it sits in memory, four little-endian limbs, and read back with
//! one comparison against the modulus. BN254's point at infinity is `(0, 0)`
//! in arkworks, so it needs no flag.
//!
//! Layout: `alpha_g1, beta_g2, gamma_g2, delta_g2, gamma_abc_g1, beta_g1,
//! delta_g1, a_query, b_g1_query, b_g2_query, h_query, l_query`, where a G1
//! point is `x, y` (64 bytes), a G2 point `x.c0, x.c1, y.c0, y.c1` (128
//! bytes) and a list is its length (u64, little-endian) then its points.
//! Nothing checks that points are on their curves: the cache checks them
//! when it makes a key and guards the file with a checksum.

use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G2Affine};
use ark_ff::{BigInt, PrimeField};
use ark_groth16::{ProvingKey, VerifyingKey};

const FQ: usize = 32;
const G1: usize = 2 * FQ;
const G2: usize = 4 * FQ;

/// The number of bytes [`encode`] writes for `pk`.
pub fn encoded_len(pk: &ProvingKey<Bn254>) -> usize {
    let g1s = [
        &pk.vk.gamma_abc_g1,
        &pk.a_query,
        &pk.b_g1_query,
        &pk.h_query,
        &pk.l_query,
    ];
    let lists = 6 * 8 + g1s.iter().map(|l| l.len() * G1).sum::<usize>() + pk.b_g2_query.len() * G2;
    3 * G1 + 3 * G2 + lists
}

/// Appends `pk` to `out` in this module's layout.
pub fn encode(pk: &ProvingKey<Bn254>, out: &mut Vec<u8>) {
    out.reserve(encoded_len(pk));
    let vk = &pk.vk;
    put_g1(out, &vk.alpha_g1);
    for p in [&vk.beta_g2, &vk.gamma_g2, &vk.delta_g2] {
        put_g2(out, p);
    }
    put_g1s(out, &vk.gamma_abc_g1);
    put_g1(out, &pk.beta_g1);
    put_g1(out, &pk.delta_g1);
    put_g1s(out, &pk.a_query);
    put_g1s(out, &pk.b_g1_query);
    out.extend_from_slice(&(pk.b_g2_query.len() as u64).to_le_bytes());
    pk.b_g2_query.iter().for_each(|p| put_g2(out, p));
    put_g1s(out, &pk.h_query);
    put_g1s(out, &pk.l_query);
}

fn put_fq(out: &mut Vec<u8>, x: &Fq) {
    // The Montgomery form, as arkworks holds it.
    x.0 .0
        .iter()
        .for_each(|limb| out.extend_from_slice(&limb.to_le_bytes()));
}

fn put_g1(out: &mut Vec<u8>, p: &G1Affine) {
    put_fq(out, &p.x);
    put_fq(out, &p.y);
}

fn put_g2(out: &mut Vec<u8>, p: &G2Affine) {
    for c in [&p.x.c0, &p.x.c1, &p.y.c0, &p.y.c1] {
        put_fq(out, c);
    }
}

fn put_g1s(out: &mut Vec<u8>, points: &[G1Affine]) {
    out.extend_from_slice(&(points.len() as u64).to_le_bytes());
    points.iter().for_each(|p| put_g1(out, p));
}

/// Why bytes are not a key in this layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimbError {
    #[error("the keys end inside {0}")]
    Truncated(&'static str),
    #[error("a coordinate in {0} is not below the field modulus")]
    NotCanonical(&'static str),
    #[error("{0} bytes follow the keys")]
    Trailing(usize),
}

/// The proving key in the whole of `bytes`.
pub fn decode(bytes: &[u8]) -> Result<ProvingKey<Bn254>, LimbError> {
    let mut r = Reader { rest: bytes };
    let alpha_g1 = r.g1("alpha")?;
    let beta_g2 = r.g2("beta in G2")?;
    let gamma_g2 = r.g2("gamma")?;
    let delta_g2 = r.g2("delta in G2")?;
    let gamma_abc_g1 = r.g1s("the instance query")?;
    let vk = VerifyingKey {
        alpha_g1,
        beta_g2,
        gamma_g2,
        delta_g2,
        gamma_abc_g1,
    };
    let pk = ProvingKey {
        vk,
        beta_g1: r.g1("beta in G1")?,
        delta_g1: r.g1("delta in G1")?,
        a_query: r.g1s("the A query")?,
        b_g1_query: r.g1s("the B query in G1")?,
        b_g2_query: r.g2s("the B query in G2")?,
        h_query: r.g1s("the H query")?,
        l_query: r.g1s("the L query")?,
    };
    match r.rest.len() {
        0 => Ok(pk),
        n => Err(LimbError::Trailing(n)),
    }
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], LimbError> {
        if self.rest.len() < n {
            return Err(LimbError::Truncated(what));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    fn g1(&mut self, what: &'static str) -> Result<G1Affine, LimbError> {
        g1_at(self.take(G1, what)?, what)
    }

    fn g2(&mut self, what: &'static str) -> Result<G2Affine, LimbError> {
        g2_at(self.take(G2, what)?, what)
    }

    /// A list's points, its length checked against the bytes left before
    /// anything is allocated.
    fn list(&mut self, size: usize, what: &'static str) -> Result<&'a [u8], LimbError> {
        let count = u64::from_le_bytes(self.take(8, what)?.try_into().unwrap_or_default());
        let bytes = usize::try_from(count)
            .ok()
            .and_then(|n| n.checked_mul(size))
            .filter(|&n| n <= self.rest.len())
            .ok_or(LimbError::Truncated(what))?;
        self.take(bytes, what)
    }

    fn g1s(&mut self, what: &'static str) -> Result<Vec<G1Affine>, LimbError> {
        self.list(G1, what)?.chunks_exact(G1).map(|p| g1_at(p, what)).collect()
    }

    fn g2s(&mut self, what: &'static str) -> Result<Vec<G2Affine>, LimbError> {
        self.list(G2, what)?.chunks_exact(G2).map(|p| g2_at(p, what)).collect()
    }
}

/// The field element whose Montgomery limbs are the 32 bytes `b`.
fn fq_at(b: &[u8], what: &'static str) -> Result<Fq, LimbError> {
    let mut limbs = [0u64; 4];
    for (limb, bytes) in limbs.iter_mut().zip(b.chunks_exact(8)) {
        *limb = u64::from_le_bytes(bytes.try_into().unwrap_or_default());
    }
    let limbs = BigInt(limbs);
    if limbs >= Fq::MODULUS {
        return Err(LimbError::NotCanonical(what));
    }
    Ok(Fq::new_unchecked(limbs))
}

fn g1_at(b: &[u8], what: &'static str) -> Result<G1Affine, LimbError> {
    Ok(G1Affine::new_unchecked(fq_at(&b[..FQ], what)?, fq_at(&b[FQ..], what)?))
}

fn g2_at(b: &[u8], what: &'static str) -> Result<G2Affine, LimbError> {
    let fq2 = |at: usize| {
        Ok::<_, LimbError>(Fq2::new(
            fq_at(&b[at..at + FQ], what)?,
            fq_at(&b[at + FQ..at + 2 * FQ], what)?,
        ))
    };
    Ok(G2Affine::new_unchecked(fq2(0)?, fq2(2 * FQ)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::AffineRepr;
    use ark_std::{test_rng, UniformRand};

    fn key(n: usize) -> ProvingKey<Bn254> {
        let rng = &mut test_rng();
        let g1s = |n: usize, rng: &mut _| -> Vec<G1Affine> { (0..n).map(|_| G1Affine::rand(rng)).collect() };
        let mut a_query = g1s(n, rng);
        // Wires outside A have the point at infinity.
        a_query[0] = G1Affine::zero();
        ProvingKey {
            vk: VerifyingKey {
                alpha_g1: G1Affine::rand(rng),
                beta_g2: G2Affine::rand(rng),
                gamma_g2: G2Affine::rand(rng),
                delta_g2: G2Affine::rand(rng),
                gamma_abc_g1: g1s(2, rng),
            },
            beta_g1: G1Affine::rand(rng),
            delta_g1: G1Affine::rand(rng),
            a_query,
            b_g1_query: g1s(n, rng),
            b_g2_query: vec![G2Affine::zero(), G2Affine::rand(rng)],
            h_query: g1s(n + 1, rng),
            l_query: g1s(n - 1, rng),
        }
    }

    #[test]
    fn keys_read_back_as_written() {
        let pk = key(5);
        let mut bytes = Vec::new();
        encode(&pk, &mut bytes);
        assert_eq!(bytes.len(), encoded_len(&pk));
        let back = decode(&bytes).unwrap();
        assert_eq!(back, pk);
        assert!(back.a_query[0].is_zero() && back.b_g2_query[0].is_zero());
    }

    #[test]
    fn short_long_and_out_of_range_bytes_are_refused() {
        let pk = key(3);
        let mut bytes = Vec::new();
        encode(&pk, &mut bytes);
        for cut in [0, 1, 64, 100, bytes.len() - 1] {
            assert!(
                matches!(decode(&bytes[..cut]), Err(LimbError::Truncated(_))),
                "cut at {cut}"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(decode(&long), Err(LimbError::Trailing(1)));
        // A list claiming more points than the bytes hold allocates nothing.
        let mut huge = bytes.clone();
        let at = G1 + 3 * G2;
        huge[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(decode(&huge), Err(LimbError::Truncated("the instance query")));
        // The modulus itself, in place of alpha's x.
        let mut big = bytes;
        for (i, limb) in Fq::MODULUS.0.iter().enumerate() {
            big[i * 8..i * 8 + 8].copy_from_slice(&limb.to_le_bytes());
        }
        assert_eq!(decode(&big), Err(LimbError::NotCanonical("alpha")));
    }
}
