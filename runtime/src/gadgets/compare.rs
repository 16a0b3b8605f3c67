use crate::gadgets::Bits;
use crate::zk_op;

/// 1 when `x >= 0`, else 0, for `|x| <= 2^(k-1) - 1`.
///
/// Sound without a 254-bit decomposition: `x + 2^(k-1)` has `k` bits only
/// when `x` lies in `[-2^(k-1), 2^(k-1))`, and then its top bit is the sign.
/// A forged sign bit changes the sum, which then needs a bit outside the
/// `k` allowed. Costs `k + 1` constraints.
#[zk_op]
pub fn is_nonneg(#[attr(range = [1, 126])] k: u32, #[input(prec = k)] x: Scalar, #[output(range = [0, 1])] s: Scalar) {
    let b = call!(Bits { k }, x + (1 << (k - 1)));
    s = b[k - 1];
}

/// 1 when `x == 0`, else 0.
///
/// Sound: when `x != 0`, `x * z == 0` forces `z = 0`; when `x == 0`,
/// `x * inv == 1 - z` forces `z = 1`. The inverse is free only where it
/// does not matter. Costs 2 constraints.
#[zk_op]
pub fn is_zero(#[input(prec = p)] x: Scalar, #[output(range = [0, 1])] z: Scalar) {
    let inv = hint!(field_inv(x));
    let zh = hint!(if x == 0 { 1 } else { 0 });
    enforce!(x * inv == 1 - zh);
    enforce!(x * zh == 0);
    z = zh;
}

/// `min(max(x, lo), hi)` for `|x| <= 2^(k-1) - 1`.
///
/// Each edge the bound of `x` can reach costs one sign test of `k + 2`
/// constraints and one product; an edge outside `x`'s bound costs nothing.
/// A reached edge's sign test also range-checks `x`.
#[zk_op(require(lo <= hi, lo <= (1 << (k - 1)) - 1, hi >= 1 - (1 << (k - 1))))]
pub fn clamp(
    #[attr(range = [1, 64])] k: u32,
    #[attr] lo: i64,
    #[attr] hi: i64,
    #[input(prec = k)] x: Scalar,
    #[output(range = [max(lo, 1 - (1 << (k - 1))), min(hi, (1 << (k - 1)) - 1)])] y: Scalar,
) {
    let m = (1 << (k - 1)) - 1;
    let mut acc = x;
    if hi < m {
        let over = call!(IsNonneg { k: k + 1 }, x - hi - 1);
        let cut = wire!(over * (hi - x));
        acc += cut;
    }
    if lo > -m {
        let under = call!(IsNonneg { k: k + 1 }, lo - x - 1);
        let lift = wire!(under * (lo - x));
        acc += lift;
    }
    y = acc;
}

/// `max(a, b)` for `|a|, |b| <= 2^(k-1) - 1`: one sign test of `a - b`
/// (`k + 2` constraints) and one product.
#[zk_op]
pub fn max2(
    #[attr(range = [1, 64])] k: u32,
    #[input(prec = k)] a: Scalar,
    #[input(prec = k)] b: Scalar,
    #[output(prec = k)] y: Scalar,
) {
    let ge = call!(IsNonneg { k: k + 1 }, a - b);
    y = b + ge * (a - b);
}

/// `x` itself, proven to lie in `[lo, hi]`: where a value enters a model.
///
/// Operators trust their inputs' bounds, so a model input or a private
/// weight must be proven in range before any operator reads it. `x - lo`
/// gets a `k`-bit decomposition (`k = bits(hi - lo)`), which proves
/// `lo <= x <= lo + 2^k - 1`, far from the field size, so nothing wraps;
/// [`AtMost`] excludes the values above `hi`. `k + 1 + excess` or `2k + 2`
/// constraints.
#[zk_op(derive(k = max(bits(hi - lo), 1)), require(lo <= hi))]
pub fn in_range(
    #[attr] lo: i64,
    #[attr] hi: i64,
    #[input(prec = 64)] x: Scalar,
    #[output(range = [lo, hi])] y: Scalar,
) {
    let above = call!(Bits { k }, x - lo);
    let checked = call!(AtMost { lo, hi }, x);
    y = checked;
}

/// `x`, known to lie in `[lo, lo + 2^k - 1]` (`k = bits(hi - lo)`, as a
/// `k`-bit decomposition proves), proven at most `hi`. The `excess`
/// values above `hi` are excluded one at a time when there are few (`x - v`
/// has an inverse, one constraint each; int8's `[-127, 127]` excludes only
/// 128), otherwise by a decomposition of `hi - x`. `excess` or `k + 1`
/// constraints.
#[zk_op(derive(k = max(bits(hi - lo), 1), excess = (1 << k) - 1 - (hi - lo)), require(lo <= hi))]
pub fn at_most(
    #[attr] lo: i64,
    #[attr] hi: i64,
    #[input(range = [lo, lo + (1 << k) - 1])] x: Scalar,
    #[output(range = [lo, hi])] y: Scalar,
) {
    if excess <= k + 1 {
        for e in 0..excess {
            let inv = hint!(field_inv(x - hi - 1 - e));
            enforce!((x - hi - 1 - e) * inv == 1);
        }
    } else {
        let below = call!(Bits { k }, hi - x);
    }
    y = x;
}
