//! The two value domains signals compute in: checked integers (`i128`), for
//! the ML operators, and BN254 field elements ([`Fr`]), for hashes and
//! commitments. Signals, builder methods and the operator trait are generic
//! over [`Value`], so one declaration path and one test harness serve both;
//! each domain is monomorphised, so integers keep native arithmetic.

use crate::bound::Bound;
use crate::error::{or_overflow, OpError, OVERFLOW};
use crate::field::{fr_from_i128, Fr};
use ark_ff::{AdditiveGroup, Field};
use std::fmt::{Debug, Display};
use std::ops::AddAssign;

/// A domain of values: what a signal's coefficients and witness value are.
pub trait Value: Copy + Default + PartialEq + Debug + Send + Sync + AddAssign + 'static {
    /// What a reference implementation reads and writes: `i64` for
    /// integers (the engine's width), `Fr` for field elements.
    type Elem: Copy + PartialEq + Debug + Send + Sync + Into<Self>;
    /// What a port may declare about its elements: an interval for
    /// integers, nothing for field elements (every one is valid).
    type Bound: Copy + PartialEq + Debug + Display + Send + Sync;

    /// Whether combinations keep their terms sorted by wire and merged.
    /// Field combinations are combinations of combinations (a hash's
    /// linear layers), which only merging keeps as small as the wires they
    /// read; integer ones are sums of fresh wires, cheapest appended and
    /// merged once, when a row is stored.
    const MERGES: bool;

    const ZERO: Self;
    const ONE: Self;
    fn checked_add(self, o: Self) -> Result<Self, OpError>;
    fn checked_sub(self, o: Self) -> Result<Self, OpError>;
    fn checked_mul(self, o: Self) -> Result<Self, OpError>;
    /// An integer constant in this domain.
    fn from_i128(v: i128) -> Self;
    /// The value as the field element a wire holds.
    fn to_fr(self) -> Fr;
    /// The value as a reference's element (integers narrowed to 64 bits).
    fn to_elem(self) -> Result<Self::Elem, OpError>;
    /// An element as a field element, to compare a reference's outputs
    /// with a witness.
    fn elem_to_fr(e: Self::Elem) -> Fr {
        e.into().to_fr()
    }
    /// A hint's value after a test's forgery `f` (an integer map): applied
    /// as is to integers, and to field elements as its affine extension
    /// through `f(0)` and `f(1)` (exact for `v + 1`, `1 - v`, `-v`).
    fn forged(self, f: &dyn Fn(i128) -> i128) -> Self;
    /// Whether `e` lies within `bound`.
    fn within(bound: &Self::Bound, e: Self::Elem) -> bool;
}

impl Value for i128 {
    type Elem = i64;
    type Bound = Bound;
    const MERGES: bool = false;
    const ZERO: i128 = 0;
    const ONE: i128 = 1;

    #[inline]
    fn checked_add(self, o: i128) -> Result<i128, OpError> {
        or_overflow(i128::checked_add(self, o))
    }
    #[inline]
    fn checked_sub(self, o: i128) -> Result<i128, OpError> {
        or_overflow(i128::checked_sub(self, o))
    }
    #[inline]
    fn checked_mul(self, o: i128) -> Result<i128, OpError> {
        or_overflow(i128::checked_mul(self, o))
    }
    #[inline]
    fn from_i128(v: i128) -> i128 {
        v
    }
    #[inline]
    fn to_fr(self) -> Fr {
        fr_from_i128(self)
    }
    #[inline]
    fn to_elem(self) -> Result<i64, OpError> {
        i64::try_from(self).map_err(|_| OVERFLOW)
    }
    #[inline]
    fn forged(self, f: &dyn Fn(i128) -> i128) -> i128 {
        f(self)
    }
    #[inline]
    fn within(bound: &Bound, e: i64) -> bool {
        bound.contains(e as i128)
    }
}

/// The bound of a field operator's port: none, every element is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnyField;

impl Display for AnyField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any field element")
    }
}

impl Value for Fr {
    type Elem = Fr;
    type Bound = AnyField;
    const MERGES: bool = true;
    const ZERO: Fr = <Fr as AdditiveGroup>::ZERO;
    const ONE: Fr = <Fr as Field>::ONE;

    // Field arithmetic cannot overflow; the `Result` lets generated code
    // treat both domains alike.
    #[inline]
    fn checked_add(self, o: Fr) -> Result<Fr, OpError> {
        Ok(self + o)
    }
    #[inline]
    fn checked_sub(self, o: Fr) -> Result<Fr, OpError> {
        Ok(self - o)
    }
    #[inline]
    fn checked_mul(self, o: Fr) -> Result<Fr, OpError> {
        Ok(self * o)
    }
    #[inline]
    fn from_i128(v: i128) -> Fr {
        fr_from_i128(v)
    }
    #[inline]
    fn to_fr(self) -> Fr {
        self
    }
    #[inline]
    fn to_elem(self) -> Result<Fr, OpError> {
        Ok(self)
    }
    #[inline]
    fn forged(self, f: &dyn Fn(i128) -> i128) -> Fr {
        fr_from_i128(f(1) - f(0)) * self + fr_from_i128(f(0))
    }
    #[inline]
    fn within(_: &AnyField, _: Fr) -> bool {
        true
    }
}
