//! Static bounds on tensor elements.

use std::fmt;

/// The largest magnitude any value may have: the reference engine computes
/// in 64-bit integers.
pub const MAX_MAGNITUDE: i128 = i64::MAX as i128;

/// An inclusive interval every element of a tensor is proven to lie in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bound {
    pub lo: i128,
    pub hi: i128,
}

impl Bound {
    /// The CVM precision `p`: `|x| <= 2^(p-1) - 1`.
    pub fn prec(p: u32) -> Bound {
        let m = if p == 0 { 0 } else { (1i128 << (p.min(127) - 1)) - 1 };
        Bound { lo: -m, hi: m }
    }

    pub fn range(lo: i128, hi: i128) -> Bound {
        Bound { lo, hi }
    }

    pub fn contains(&self, v: i128) -> bool {
        self.lo <= v && v <= self.hi
    }

    /// The smallest CVM precision that covers this bound.
    pub fn precision(&self) -> u32 {
        let m = self.lo.unsigned_abs().max(self.hi.unsigned_abs());
        // |x| <= 2^(p-1) - 1  <=>  bits(m) <= p - 1
        (128 - m.leading_zeros()) + 1
    }

    /// Whether every value fits the 64-bit reference engine.
    pub fn fits_engine(&self) -> bool {
        self.lo >= -MAX_MAGNITUDE && self.hi <= MAX_MAGNITUDE && self.lo <= self.hi
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lo == -self.hi && self.hi >= 0 {
            write!(f, "precision {} (|x| <= {})", self.precision(), self.hi)
        } else {
            write!(f, "[{}, {}]", self.lo, self.hi)
        }
    }
}

/// The number of binary digits of `n` (`bits(0) = 0`), the CVM growth of a
/// reduction over `n` terms.
pub fn bits(n: i128) -> i128 {
    128 - n.unsigned_abs().leading_zeros() as i128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_of_int8() {
        assert_eq!(Bound::prec(8), Bound { lo: -127, hi: 127 });
        assert_eq!(Bound::prec(8).precision(), 8);
        assert_eq!(Bound::range(0, 255).precision(), 9);
        assert_eq!(Bound::range(0, 0).precision(), 1);
    }

    #[test]
    fn bits_counts_binary_digits() {
        assert_eq!(bits(0), 0);
        assert_eq!(bits(1), 1);
        assert_eq!(bits(64), 7);
        assert_eq!(bits(63), 6);
    }
}
