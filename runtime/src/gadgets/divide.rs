use crate::gadgets::{Bits, IsNonneg, IsZero};
use crate::zk_op;

/// `a / b` truncated toward zero and clamped to `|y| <= 2^(kq-1) - 1`,
/// and 0 when `b == 0`, for `|a| <= 2^(ka-1) - 1` and
/// `|b| <= 2^(kb-1) - 1`. With `kq >= ka` the clamp never acts: plain
/// truncating division.
///
/// Remainder-based, as in ZEN: the prover supplies the quotient `q` and
/// remainder `r` of `|a|` by `d = |b| + [b == 0]` (never zero), and
/// `q d = |a| - r` holds with `q`, `r` and `d - 1 - r` each given its bits.
/// Then `1 <= d`, `0 <= r < d` and `q d + r` is far below the modulus, so
/// Euclid's division has no other answer (the determinism checker's
/// bounded-division rule follows this argument). The signs of `a` and `b`
/// then set the quotient's sign, and the zero test zeroes it for a zero
/// divisor. With `kq < ka`, the quotient's digits from `kq - 1` up are
/// zero exactly when it fits, and one zero test of them saturates it.
/// Costs `2 ka + 3 kb + 10` constraints unclamped (50 for two int8
/// operands, where long division took 102), 3 more clamped.
#[zk_op]
pub fn div_trunc(
    #[attr(range = [2, 64])] ka: u32,
    #[attr(range = [2, 64])] kb: u32,
    #[attr(range = [2, 64])] kq: u32,
    #[input(prec = ka)] a: Scalar,
    #[input(prec = kb)] b: Scalar,
    #[output(prec = min(ka, kq))] y: Scalar,
) {
    let sa = call!(IsNonneg { k: ka }, a);
    let sb = call!(IsNonneg { k: kb }, b);
    let z = call!(IsZero { p: kb }, b);
    let pos_a = wire!(sa * a);
    let num = 2 * pos_a - a;
    let pos_b = wire!(sb * b);
    let d = 2 * pos_b - b + z;
    let q = hint!(div_floor(num, d));
    let r = hint!(rem_floor(num, d));
    let digits = call!(Bits { k: ka - 1 }, q);
    let below = call!(Bits { k: kb - 1 }, r);
    let slack = call!(Bits { k: kb - 1 }, d - 1 - r);
    enforce!(q * d == num - r);
    let mut quo = q;
    if kq < ka {
        let mut lo = 0;
        let mut hi = 0;
        for j in 0..ka - 1 {
            if j < kq - 1 {
                lo += digits[j] * (1 << j);
            } else {
                hi += digits[j] * (1 << (j - kq + 1));
            }
        }
        let fits = call!(IsZero { p: ka - kq + 1 }, hi);
        let kept = wire!(fits * lo);
        quo = (1 - fits) * ((1 << (kq - 1)) - 1) + kept;
    }
    let same = wire!(sa * sb);
    let sign = wire!((1 - z) * (4 * same - 2 * sa - 2 * sb + 1));
    y = sign * quo;
}
