//! Clipping, shifts and requantization: how accumulators return to 8 bits.

use crate::gadgets::{Clamp, IsNonneg, RequantPacked};
use crate::zk_op;

/// `max(x, 0)`: one sign test and one product per element.
#[zk_op]
pub fn relu(
    #[input(shape = [n], prec = px)] x: Tensor,
    #[output(shape = [n], range = [0, (1 << (px - 1)) - 1])] y: Tensor,
) {
    for i in 0..n {
        let pos = call!(IsNonneg { k: px }, x[i]);
        y[i] = pos * x[i];
    }
}

/// Clamps to `[a_min, a_max]`. The interval must be one (`a_min <= a_max`)
/// and meet the input's range, or there is nothing to clamp to.
#[zk_op(require(a_min <= a_max, a_min <= (1 << (px - 1)) - 1, a_max >= 1 - (1 << (px - 1))))]
pub fn clip(
    #[attr] a_min: i64,
    #[attr] a_max: i64,
    #[input(shape = [n], prec = px)] x: Tensor,
    #[output(shape = [n], range = [max(a_min, 1 - (1 << (px - 1))), min(a_max, (1 << (px - 1)) - 1)])] y: Tensor,
) {
    for i in 0..n {
        let c = call!(
            Clamp {
                k: px,
                lo: a_min,
                hi: a_max
            },
            x[i]
        );
        y[i] = c;
    }
}

/// Clamps to precision `p`: `[-(2^(p-1) - 1), 2^(p-1) - 1]`. Free when the
/// input's precision is at most `p`.
#[zk_op]
pub fn cvm_clip(
    #[attr(range = [1, 64])] p: u32,
    #[input(shape = [n], prec = px)] x: Tensor,
    #[output(shape = [n], prec = min(p, px))] y: Tensor,
) {
    let m = (1 << (p - 1)) - 1;
    for i in 0..n {
        let c = call!(Clamp { k: px, lo: -m, hi: m }, x[i]);
        y[i] = c;
    }
}

/// `cvm_clip(p)(floor((x + 2^(s-1)) / 2^s))`: division by `2^s` rounding
/// half toward +inf, then a clip to precision `p`. Elements go to
/// [`RequantPacked`] (signed) in groups as large as 126 bits hold: one decomposition
/// bounds each remainder and quotient, and decides the clip from the
/// quotient's bits. About `px + 8` constraints per element.
#[zk_op(derive(kq = max(px - s + 1, 2), d = s + kq, per = 126 / d))]
pub fn cvm_right_shift(
    #[attr(range = [1, 32])] s: u32,
    #[attr(range = [1, 64])] p: u32,
    #[input(shape = [n], prec = px)] x: Tensor,
    #[output(shape = [n], prec = min(p, kq))] y: Tensor,
) {
    for gi in 0..(n + per - 1) / per {
        let first = gi * per;
        let g = min(per, n - first);
        let mut packed = 0;
        for j in 0..g {
            packed += (x[first + j] + (1 << (s - 1)) + (1 << (d - 1))) * (1 << (j * d));
        }
        let q = call!(RequantPacked { s, p, kq, g, signed: 1 }, packed);
        for j in 0..g {
            y[first + j] = q[j];
        }
    }
}

/// `cvm_clip(p)(x * 2^s)`; refused when `px + s > 32`.
#[zk_op(require(px + s <= 32))]
pub fn cvm_left_shift(
    #[attr(range = [1, 32])] s: u32,
    #[attr(range = [1, 64])] p: u32,
    #[input(shape = [n], prec = px)] x: Tensor,
    #[output(shape = [n], prec = min(p, px + s))] y: Tensor,
) {
    let m = (1 << (p - 1)) - 1;
    for i in 0..n {
        let c = call!(
            Clamp {
                k: px + s,
                lo: -m,
                hi: m
            },
            x[i] * (1 << s)
        );
        y[i] = c;
    }
}

/// `cvm_right_shift(p, s)(relu(x))` in one pass: the requantization after a
/// layer, back to a non-negative `p`-bit activation.
///
/// Elements go to [`RequantPacked`] in groups as large as 126 bits hold,
/// so one decomposition, and one linear constraint, serves each group.
/// About `px + 5` constraints per element.
#[zk_op(derive(kq = max(px - s + 1, 2), d = s + kq, per = 126 / d))]
pub fn requant(
    #[attr(range = [1, 32])] s: u32,
    #[attr(range = [2, 64])] p: u32,
    #[input(shape = [n], prec = px)] x: Tensor,
    #[output(shape = [n], range = [0, min((1 << (p - 1)) - 1, (1 << (kq - 1)) - 1)])] y: Tensor,
) {
    for gi in 0..(n + per - 1) / per {
        let first = gi * per;
        let g = min(per, n - first);
        let mut packed = 0;
        for j in 0..g {
            packed += (x[first + j] + (1 << (s - 1)) + (1 << (d - 1))) * (1 << (j * d));
        }
        let q = call!(RequantPacked { s, p, kq, g, signed: 0 }, packed);
        for j in 0..g {
            y[first + j] = q[j];
        }
    }
}
