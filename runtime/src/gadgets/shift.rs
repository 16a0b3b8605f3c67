use crate::gadgets::Bits;
use crate::zk_op;

/// `floor((x + 2^(s-1)) / 2^s)`: division by `2^s` rounding half toward
/// +inf, for `|x| <= 2^(s+k-2) - 1`, with the quotient in `k` bits.
///
/// One decomposition of `v = x + 2^(s-1) + 2^(s+k-1)` into `s + k` bits
/// proves it: the low `s` bits are the remainder (so `0 <= r < 2^s`), the
/// high `k` bits are `q + 2^(k-1)` (so the quotient is bounded too, and a
/// forged quotient cannot absorb a forged remainder). Costs `s + k + 1`.
#[zk_op]
pub fn round_shift(
    #[attr(range = [1, 64])] s: u32,
    #[attr(range = [2, 64])] k: u32,
    #[input(prec = s + k - 1)] x: Scalar,
    #[output(range = [-(1 << (k - 1)), (1 << (k - 1)) - 1])] q: Scalar,
) {
    let v = call!(Bits { k: s + k }, x + (1 << (s - 1)) + (1 << (s + k - 1)));
    let mut acc = -(1 << (k - 1));
    for j in 0..k {
        acc += v[s + j] * (1 << j);
    }
    q = acc;
}
