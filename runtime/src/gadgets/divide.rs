use crate::gadgets::{Bits, IsNonneg, IsZero};
use crate::zk_op;

/// `a / b` truncated toward zero and clamped to `|y| <= 2^(kq-1) - 1`,
/// and 0 when `b == 0`, for `|a| <= 2^(ka-1) - 1` and
/// `|b| <= 2^(kb-1) - 1`. With `kq >= ka` the clamp never acts: plain
/// truncating division.
///
/// Long division of `|a|` by `d = |b| + [b == 0]` (never zero), one
/// quotient bit at a time, highest first: the bit is the sign test of
/// `2 r + |a|_i - d`, and `d` is subtracted from the running remainder
/// when it is 1. Every quotient bit is thus the sign of a value the inputs
/// already fix, so the determinism checker proves the quotient; a quotient
/// and remainder supplied by the prover with `|r| < |d|` would be pinned
/// too, but by a range argument that checker cannot follow. The signs of
/// `a` and `b` then set the quotient's sign, and the zero test zeroes it
/// for a zero divisor.
///
/// With `kq < ka` only the quotient's low `kq - 1` bits are divided out:
/// `|a|`'s digits above them form `hi`, and `hi >= d` (one sign test) is
/// exactly a quotient of `2^(kq-1)` or more, which saturates. Otherwise the
/// division starts from the remainder `hi < d`, as it would have after the
/// high digits. Costs `(ka - 1)(kb + 1) + 3 ka + kb + 7` constraints
/// unclamped (102 for two int8 operands); clamped, `kq - 1` steps instead
/// of `ka - 1` plus the saturation test and two products.
#[zk_op(derive(steps = min(ka, kq) - 1))]
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
    let digits = call!(Bits { k: ka - 1 }, 2 * pos_a - a);
    let pos_b = wire!(sb * b);
    let d = 2 * pos_b - b + z;
    let mut rem = 0;
    let mut big = 0;
    if kq < ka {
        let mut hi = 0;
        for j in kq - 1..ka - 1 {
            hi += digits[j] * (1 << (j - kq + 1));
        }
        let over = call!(
            IsNonneg {
                k: max(ka - kq + 1, kb) + 1
            },
            hi - d
        );
        let start = wire!((1 - over) * hi);
        big += over;
        rem += start;
    }
    let mut quo = 0;
    for s in 0..steps {
        let i = steps - 1 - s;
        let t = 2 * rem + digits[i];
        let fits = call!(IsNonneg { k: kb }, t - d);
        quo += fits * (1 << i);
        if i > 0 {
            let taken = wire!(fits * d);
            rem = t - taken;
        }
    }
    if kq < ka {
        let kept = wire!((1 - big) * quo);
        quo = big * ((1 << (kq - 1)) - 1) + kept;
    }
    let same = wire!(sa * sb);
    let sign = wire!((1 - z) * (4 * same - 2 * sa - 2 * sb + 1));
    y = sign * quo;
}
