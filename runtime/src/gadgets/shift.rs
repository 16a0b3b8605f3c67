use crate::gadgets::{Bits, IsZero};
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

/// `requant` (`signed = 0`) or `cvm_right_shift` (`signed = 1`) of `g`
/// accumulators at once: `v` packs the offset accumulators
/// `x_j + 2^(s-1) + 2^(d-1)` (`d = s + kq`) as digits of base `2^d`, and
/// each output is `cvm_clip(p)(floor((x_j + 2^(s-1)) / 2^s))`, of the
/// non-negative part when unsigned.
///
/// One decomposition of `v` into `g * d` bits proves every digit: `v` is
/// below `2^126`, far from the field size, so its bits are unique and each
/// run of `d` of them is the digit of that place; a digit is the one the
/// caller packed because each packed digit lies in `[0, 2^d)`. Within a
/// digit, as in [`RoundShift`]: the low `s` bits are the remainder, the
/// quotient's bits are `q + 2^(kq-1)`, `t` the top one (1 for `q >= 0`),
/// `low` the bits below `p - 1` and `high` those between it and `t`.
///
/// Unsigned: relu commutes with the monotone shift, and `high` is zero
/// exactly when no clip is needed; one is-zero test of `high + 1 - t`
/// decides `kept` (non-negative and in range), and `y = kept * low +
/// (t - kept) * m` is 0, `low` or `m`. `g * (d + 3) + 1` constraints, or
/// `g * (d + 1) + 1` when the quotient cannot exceed `p - 1` bits.
///
/// Signed: when `kq < p` no clip is possible and `y = q` costs nothing
/// more. Otherwise `q` is within `[-m, m]`, `m = 2^(p-1) - 1`, exactly when
/// `high` is all zeros (`t = 1`) or all ones (`t = 0`), one is-zero test
/// (`kept`), except `q = -2^(p-1)`, which is `low = 0` with `t = 0` (a
/// second test, `z`). Then `y = kept * low + kept (1 - t) (z - 2^(p-1)) +
/// (1 - kept)(2 t - 1) m`. `g * (d + 7) + 1` constraints, `g * (d + 3) + 1`
/// when `kq = p`.
///
/// A caller that packs several products per multiplication (the strands of
/// the fused layers) needs no other proof that its sums split back into
/// accumulators.
#[zk_op(derive(d = s + kq), require(g * (s + kq) <= 126))]
pub fn requant_packed(
    #[attr(range = [1, 32])] s: u32,
    #[attr(range = [1, 64])] p: u32,
    #[attr(range = [2, 94])] kq: u32,
    #[attr(range = [1, 126])] g: u32,
    #[attr(range = [0, 1])] signed: u32,
    #[input(range = [0, (1 << (g * (s + kq))) - 1])] v: Scalar,
    #[output(
        shape = [g],
        range = [0 - signed * min((1 << (p - 1)) - 1, 1 << (kq - 1)), min((1 << (p - 1)) - 1, (1 << (kq - 1)) - 1)]
    )]
    y: Tensor,
) {
    let m = (1 << (p - 1)) - 1;
    let lowbits = min(p - 1, kq - 1);
    let b = call!(Bits { k: g * d }, v);
    for j in 0..g {
        let at = j * d + s;
        let t = b[at + kq - 1];
        let mut low = 0;
        for i in 0..lowbits {
            low += b[at + i] * (1 << i);
        }
        let mut high = 0;
        for i in lowbits..(kq - 1) {
            high += b[at + i] * (1 << (i - lowbits));
        }
        if signed == 0 {
            if kq - 1 > lowbits {
                let kept = call!(IsZero { p: kq + 1 }, high + 1 - t);
                let part = wire!(kept * low);
                y[j] = part + (t - kept) * m;
            } else {
                y[j] = t * low;
            }
        } else {
            if kq < p {
                y[j] = low + (t - 1) * (1 << (kq - 1));
            } else {
                let z = call!(IsZero { p }, low);
                if kq > p {
                    let inside = call!(IsZero { p: kq - p + 1 }, high - (1 - t) * ((1 << (kq - p)) - 1));
                    let near = wire!(inside * low);
                    let positive = wire!(inside * t);
                    let edge = wire!((inside - positive) * z);
                    y[j] = near + edge - (inside - positive) * (1 << (p - 1)) + (2 * t - 1 - 2 * positive + inside) * m;
                } else {
                    let lifted = wire!((1 - t) * z);
                    y[j] = low - (1 - t) * (1 << (p - 1)) + lifted;
                }
            }
        }
    }
}
