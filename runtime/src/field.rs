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

    #[test]
    fn large_elements_are_not_integers() {
        assert_eq!(i128_from_fr(&fr_from_i128(i128::MAX).double().double()), None);
    }
}
