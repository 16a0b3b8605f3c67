//! Signed integers in the BN254 scalar field.
//!
//! A signed value `x` is stored as `x` when `x >= 0` and as `r - |x|` when
//! `x < 0`, which is also how circom stores negative signals.

#[cfg(test)]
use ark_ff::AdditiveGroup;
use ark_ff::{BigInteger, PrimeField};

/// The BN254 scalar field.
pub type Fr = ark_bn254::Fr;

/// Embeds a signed integer into the field.
pub fn fr_from_i128(v: i128) -> Fr {
    let magnitude = Fr::from(v.unsigned_abs());
    if v < 0 {
        -magnitude
    } else {
        magnitude
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
    fn large_elements_are_not_integers() {
        assert_eq!(i128_from_fr(&fr_from_i128(i128::MAX).double().double()), None);
    }
}
