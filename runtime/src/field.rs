//! Signed integers in the BN254 scalar field.
//!
//! A signed value `x` is stored as `x` when `x >= 0` and as `r - |x|` when
//! `x < 0`, which is also how circom stores negative signals.

use ark_ff::{AdditiveGroup, BigInteger, PrimeField};

/// The BN254 scalar field.
pub type Fr = ark_bn254::Fr;

/// Embeds a signed integer into the field.
pub fn fr_from_i128(v: i128) -> Fr {
    let magnitude = small_or_power(v.unsigned_abs()).unwrap_or_else(|| Fr::from(v.unsigned_abs()));
    if v < 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// Magnitudes below this are read from a table.
const SMALL: usize = 256;

/// The field element of `m` when it is small or a power of two, from a
/// table: most coefficients and witness values a circuit stores are (bits,
/// their weights `2^i`, small weights), and the table spares each a
/// Montgomery multiplication, a tenth of the synthesis time measured.
fn small_or_power(m: u128) -> Option<Fr> {
    static TABLES: std::sync::OnceLock<(Vec<Fr>, Vec<Fr>)> = std::sync::OnceLock::new();
    let (small, powers) = TABLES.get_or_init(|| {
        let small = (0..SMALL as u64).map(Fr::from).collect();
        let powers = std::iter::successors(Some(Fr::from(1u64)), |p| Some(p.double()))
            .take(128)
            .collect();
        (small, powers)
    });
    match m {
        m if m < SMALL as u128 => Some(small[m as usize]),
        m if m.is_power_of_two() => Some(powers[m.trailing_zeros() as usize]),
        _ => None,
    }
}

/// Reads a field element back as a signed integer, if it lies within
/// `i128` of zero (on either side of the modulus).
pub fn i128_from_fr(f: &Fr) -> Option<i128> {
    let small = |x: &Fr| -> Option<u128> {
        let limbs = x.into_bigint();
        let limbs = limbs.as_ref();
        if limbs[2] != 0 || limbs[3] != 0 {
            return None;
        }
        Some(((limbs[1] as u128) << 64) | limbs[0] as u128)
    };
    if let Some(u) = small(f) {
        return i128::try_from(u).ok();
    }
    let neg = small(&-*f)?;
    if neg <= i128::MAX as u128 + 1 {
        Some((neg as i128).wrapping_neg())
    } else {
        None
    }
}

/// The inverse of a non-zero integer below `2^64`. A hint inverts many
/// such values (a value's distance to a bound it must not reach), and a
/// field inversion costs about as much as a hundred multiplications: one
/// division of the modulus, `r = q m + s`, leaves Euclid's algorithm on
/// machine words, whose coefficients `a m + b s = 1` give `m^-1 = a - b q`.
pub fn word_inverse(m: u64) -> Option<Fr> {
    match m {
        0 => return None,
        1 => return Some(Fr::from(1u64)),
        _ => {}
    }
    let mut q = [0u64; 4];
    let mut s: u128 = 0;
    for (limb, q) in Fr::MODULUS.0.iter().zip(&mut q).rev() {
        let cur = (s << 64) | *limb as u128;
        *q = (cur / m as u128) as u64;
        s = cur % m as u128;
    }
    // Coefficients stay within `m` in magnitude, so i128 holds them.
    let (mut x, mut y) = (m, s as u64);
    let (mut ax, mut bx, mut ay, mut by) = (1i128, 0i128, 0i128, 1i128);
    while y != 0 {
        let k = (x / y) as i128;
        (x, y) = (y, x % y);
        (ax, ay) = (ay, ax - k * ay);
        (bx, by) = (by, bx - k * by);
    }
    let q = Fr::from_bigint(ark_ff::BigInt(q))?;
    Some(fr_from_i128(ax) - fr_from_i128(bx) * q)
}

/// The field modulus as decimal text.
pub fn modulus_decimal() -> String {
    Fr::MODULUS.to_string()
}

/// Decimal text of a field element in standard form, as circom and snarkjs print it.
pub fn fr_to_decimal(f: &Fr) -> String {
    let bytes = f.into_bigint().to_bytes_be();
    num_bigint::BigUint::from_bytes_be(&bytes).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::Field;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn signed_round_trip(v in any::<i128>()) {
            prop_assert_eq!(i128_from_fr(&fr_from_i128(v)), Some(v));
        }
    }

    #[test]
    fn negative_one_is_modulus_minus_one() {
        let m = modulus_decimal();
        let expected = num_bigint::BigUint::parse_bytes(m.as_bytes(), 10).unwrap() - 1u32;
        assert_eq!(fr_to_decimal(&fr_from_i128(-1)), expected.to_string());
    }

    #[test]
    fn the_tables_hold_what_the_conversion_gives() {
        let slow = |v: i128| match v < 0 {
            true => -Fr::from(v.unsigned_abs()),
            false => Fr::from(v.unsigned_abs()),
        };
        let powers = (0..128)
            .map(|k| 1u128 << k)
            .flat_map(|m| [m as i128, (m as i128).wrapping_neg()]);
        for v in (-300..=300)
            .chain(powers)
            .chain([i128::MIN, i128::MAX, 255, 256, 257, 3 << 70])
        {
            assert_eq!(fr_from_i128(v), slow(v), "{v}");
        }
    }

    proptest! {
        #[test]
        fn word_inverses_invert(m in 1u64..) {
            prop_assert_eq!(word_inverse(m).map(|inv| inv * Fr::from(m)), Some(Fr::from(1u64)));
        }
    }

    #[test]
    fn word_inverses_at_the_edges() {
        for m in [1, 2, 3, 255, 256, u32::MAX as u64, u64::MAX - 1, u64::MAX] {
            assert_eq!(word_inverse(m), Fr::from(m).inverse(), "{m}");
        }
        assert_eq!(word_inverse(0), None);
    }

    #[test]
    fn large_elements_are_not_integers() {
        assert_eq!(i128_from_fr(&fr_from_i128(i128::MAX).double().double()), None);
    }
}
