//! Elementwise operators: sign changes, selection, square roots, and
//! arithmetic with numpy broadcasting from the right.

use crate::gadgets::{Bits, DivTrunc, IsNonneg, IsZero, Max2};
use crate::zk_op;

pub const BROADCAST_ADD: u32 = 0;
pub const BROADCAST_SUB: u32 = 1;
pub const BROADCAST_MUL: u32 = 2;
pub const BROADCAST_MAX: u32 = 3;
pub const BROADCAST_GREATER: u32 = 4;
pub const BROADCAST_DIV: u32 = 5;

/// `a op b` with broadcasting over shapes padded to rank 4: a dimension of
/// 1 stretches to the other operand's. One declaration for every `op`, so
/// the broadcasting is written once; `op` is fixed when the circuit is
/// built, and each instance holds only its own branch's constraints.
///
/// With `m = max(pa, pb)`, per output element: add and sub are free; mul
/// costs one product of two signals; max a [`Max2`] (`m + 3`); greater
/// (1 if `a > b`, else 0) the sign test of `a - b - 1` (`m + 2`); div
/// (truncating toward zero, 0 for a zero divisor) a [`DivTrunc`]
/// (`2 pa + 3 pb + 10`).
#[zk_op(
    derive(o0 = max(a0, b0), o1 = max(a1, b1), o2 = max(a2, b2), o3 = max(a3, b3), m = max(pa, pb)),
    require(
        a0 == b0 || a0 == 1 || b0 == 1,
        a1 == b1 || a1 == 1 || b1 == 1,
        a2 == b2 || a2 == 1 || b2 == 1,
        a3 == b3 || a3 == 1 || b3 == 1,
        op != 5 || pa >= 2 && pb >= 2,
    )
)]
pub fn broadcast(
    #[attr(range = [0, 5])] op: u32,
    #[input(shape = [a0, a1, a2, a3], prec = pa)] a: Tensor,
    #[input(shape = [b0, b1, b2, b3], prec = pb)] b: Tensor,
    #[output(
        shape = [o0, o1, o2, o3],
        prec = if op == 2 { pa + pb } else if op == 3 { m } else if op == 4 { 2 } else if op == 5 { pa } else { m + 1 }
    )]
    y: Tensor,
) {
    for i0 in 0..o0 {
        for i1 in 0..o1 {
            for i2 in 0..o2 {
                for i3 in 0..o3 {
                    let u = a[min(i0, a0 - 1)][min(i1, a1 - 1)][min(i2, a2 - 1)][min(i3, a3 - 1)];
                    let v = b[min(i0, b0 - 1)][min(i1, b1 - 1)][min(i2, b2 - 1)][min(i3, b3 - 1)];
                    if op == 0 {
                        y[i0][i1][i2][i3] = u + v;
                    } else if op == 1 {
                        y[i0][i1][i2][i3] = u - v;
                    } else if op == 2 {
                        y[i0][i1][i2][i3] = u * v;
                    } else if op == 3 {
                        let larger = call!(Max2 { k: m }, u, v);
                        y[i0][i1][i2][i3] = larger;
                    } else if op == 4 {
                        let gt = call!(IsNonneg { k: m + 1 }, u - v - 1);
                        y[i0][i1][i2][i3] = gt;
                    } else {
                        let quotient = call!(DivTrunc { ka: pa, kb: pb, kq: pa }, u, v);
                        y[i0][i1][i2][i3] = quotient;
                    }
                }
            }
        }
    }
}

/// `-x`: free.
#[zk_op]
pub fn negative(#[input(shape = [n], prec = px)] x: Tensor, #[output(shape = [n], prec = px)] y: Tensor) {
    for i in 0..n {
        y[i] = -x[i];
    }
}

/// Each row of `a` divided by its own `b[i]`, truncated toward zero and
/// clamped to precision `p`, and 0 where `b[i] == 0`: a division whose
/// quotient is known to be small (a row over its norm), so that what reads
/// it sees `p`-bit values where `broadcast_div`'s would be `pa` bits wide. A
/// [`DivTrunc`] with `kq = p` per element: 3 constraints more than
/// `broadcast_div`'s, for the saturation.
#[zk_op]
pub fn div_clip(
    #[attr(range = [2, 62])] p: u32,
    #[input(shape = [m, n], prec = pa)] a: Tensor,
    #[input(shape = [m, 1], prec = pb)] b: Tensor,
    #[output(shape = [m, n], prec = min(p, pa))] y: Tensor,
) {
    for i in 0..m {
        for j in 0..n {
            let quotient = call!(DivTrunc { ka: pa, kb: pb, kq: p }, a[i][j], b[i][0]);
            y[i][j] = quotient;
        }
    }
}

/// `|x|` as `(2 s - 1) x` with `s` the sign test of `x`: `px + 2`
/// constraints per element.
#[zk_op]
pub fn abs(
    #[input(shape = [n], prec = px)] x: Tensor,
    #[output(shape = [n], range = [0, (1 << (px - 1)) - 1])] y: Tensor,
) {
    for i in 0..n {
        let pos = call!(IsNonneg { k: px }, x[i]);
        y[i] = (2 * pos - 1) * x[i];
    }
}

/// CVM's `cvm_precision`: how many binary digits `|x|` takes, and 1 for 0
/// (cvm-runtime: the smallest `i >= 1` with `|x| < 2^i`).
///
/// `|x|` as in [`Abs`], its `px - 1` bits, then the OR of the bits from the
/// top down: the OR of bits `j` and above is 1 exactly when `|x| >= 2^j`, so
/// 1 plus those ORs for `j >= 1` is the count. Every OR is a product of
/// pinned bits. `3 px - 1` constraints per element; none when `px <= 2`,
/// where every value has precision 1.
#[zk_op]
pub fn cvm_precision(
    #[input(shape = [n], prec = px)] x: Tensor,
    #[output(shape = [n], range = [1, max(px - 1, 1)])] y: Tensor,
) {
    for i in 0..n {
        if px <= 2 {
            y[i] = 1;
        } else {
            let pos = call!(IsNonneg { k: px }, x[i]);
            let mag = wire!((2 * pos - 1) * x[i]);
            let b = call!(Bits { k: px - 1 }, mag);
            let mut above = b[px - 2];
            let mut count = 1 + above;
            for d in 2..px - 1 {
                let either = wire!(above * b[px - 1 - d]);
                above += b[px - 1 - d] - either;
                count += above;
            }
            y[i] = count;
        }
    }
}

/// `floor(sqrt(x))` for `x >= 0`, and 0 for `x < 0`: the integer square
/// root a row's L2 norm needs (a `Normalizer` before a classic model).
///
/// The root's `h = px / 2` bits are decided from the top, each by the sign
/// test of `x - t^2` for `t` the root so far with that bit set, and `t^2`
/// carried as a wire, so no bit is a free hint: the greedy choice is the
/// only witness. `2^h` bounds the root because `2^(2h) >= 2^(px - 1)`; the
/// test's operand is within `2^(px + 1)`. `h (px + 3)` constraints per
/// element for the tests and `h - 2` for the squares (the first is a bit
/// times a constant, the last is not needed).
#[zk_op]
pub fn isqrt(
    #[input(shape = [n], prec = px)] x: Tensor,
    #[output(shape = [n], range = [0, (1 << (px / 2)) - 1])] y: Tensor,
) {
    for i in 0..n {
        let mut root = 0;
        let mut square = 0;
        for s in 0..px / 2 {
            let b = px / 2 - 1 - s;
            // (root + 2^b)^2, linear in the carried square and root.
            let grown = (1 << (b + 1)) * root + (1 << (2 * b));
            let fits = call!(IsNonneg { k: px + 2 }, x[i] - square - grown);
            root += fits * (1 << b);
            if b > 0 {
                let added = wire!(fits * grown);
                square += added;
            }
        }
        y[i] = root;
    }
}

/// CVM's `where`: `c != 0 ? a : b`, with `a` and `b` of one shape seen as
/// `[m, n]` and `c` either of that shape or one value per row (`[m, 1]`,
/// CVM's 1-D condition over the first axis).
///
/// `a + z (b - a)` with `z` the zero test of `c`: 2 constraints per
/// element of `c`, shared by the row it selects, and one product per
/// output element.
#[zk_op(name = "where", require(nc == n || nc == 1))]
pub fn where_(
    #[input(shape = [m, nc], prec = pc)] c: Tensor,
    #[input(shape = [m, n], prec = pa)] a: Tensor,
    #[input(shape = [m, n], prec = pb)] b: Tensor,
    #[output(shape = [m, n], prec = max(pa, pb))] y: Tensor,
) {
    let span = n / nc;
    for i in 0..m {
        for k in 0..nc {
            let z = call!(IsZero { p: pc }, c[i][k]);
            for j in 0..span {
                y[i][k * span + j] = a[i][k * span + j] + z * (b[i][k * span + j] - a[i][k * span + j]);
            }
        }
    }
}
