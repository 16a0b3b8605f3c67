use crate::gadgets::{Bits, IsNonneg, IsZero};
use crate::zk_op;

/// `a / b` truncated toward zero, and 0 when `b == 0`, for
/// `|a| <= 2^(ka-1) - 1` and `|b| <= 2^(kb-1) - 1`.
///
/// Long division of `|a|` by `d = |b| + [b == 0]` (never zero), one
/// quotient bit per bit of `|a|`, highest first: the bit is the sign test
/// of `2 r + |a|_i - d`, and `d` is subtracted from the running remainder
/// when it is 1. Every quotient bit is thus the sign of a value the inputs
/// already fix, so the determinism checker proves the quotient; a quotient
/// and remainder supplied by the prover with `|r| < |d|` would be pinned
/// too, but by a range argument that checker cannot follow. The signs of
/// `a` and `b` then set the quotient's sign, and the zero test zeroes it
/// for a zero divisor. Costs `(ka - 1)(kb + 1) + 3 ka + kb + 7`
/// constraints: 102 for two int8 operands.
#[zk_op]
pub fn div_trunc(
    #[attr(range = [2, 64])] ka: u32,
    #[attr(range = [2, 64])] kb: u32,
    #[input(prec = ka)] a: Scalar,
    #[input(prec = kb)] b: Scalar,
    #[output(prec = ka)] y: Scalar,
) {
    let sa = call!(IsNonneg { k: ka }, a);
    let sb = call!(IsNonneg { k: kb }, b);
    let z = call!(IsZero { p: kb }, b);
    let pos_a = wire!(sa * a);
    let digits = call!(Bits { k: ka - 1 }, 2 * pos_a - a);
    let pos_b = wire!(sb * b);
    let d = 2 * pos_b - b + z;
    let mut rem = 0;
    let mut quo = 0;
    for s in 0..ka - 1 {
        let i = ka - 2 - s;
        let t = 2 * rem + digits[i];
        let fits = call!(IsNonneg { k: kb }, t - d);
        quo += fits * (1 << i);
        if i > 0 {
            let taken = wire!(fits * d);
            rem = t - taken;
        }
    }
    let same = wire!(sa * sb);
    let sign = wire!((1 - z) * (4 * same - 2 * sa - 2 * sb + 1));
    y = sign * quo;
}
