//! Rearrangements of rank-4 tensors (shapes padded with leading 1s): every
//! output element is an input element or a constant, so none costs a
//! constraint.

use crate::zk_op;

/// Permutes the axes: output axis `k` is input axis `pk`.
#[zk_op(
    derive(
        o0 = (p0 == 0) * n0 + (p0 == 1) * n1 + (p0 == 2) * n2 + (p0 == 3) * n3,
        o1 = (p1 == 0) * n0 + (p1 == 1) * n1 + (p1 == 2) * n2 + (p1 == 3) * n3,
        o2 = (p2 == 0) * n0 + (p2 == 1) * n1 + (p2 == 2) * n2 + (p2 == 3) * n3,
        o3 = (p3 == 0) * n0 + (p3 == 1) * n1 + (p3 == 2) * n2 + (p3 == 3) * n3,
    ),
    require(p0 != p1, p0 != p2, p0 != p3, p1 != p2, p1 != p3, p2 != p3)
)]
pub fn transpose(
    #[attr(range = [0, 3])] p0: u32,
    #[attr(range = [0, 3])] p1: u32,
    #[attr(range = [0, 3])] p2: u32,
    #[attr(range = [0, 3])] p3: u32,
    #[input(shape = [n0, n1, n2, n3], prec = px)] x: Tensor,
    #[output(shape = [o0, o1, o2, o3], prec = px)] y: Tensor,
) {
    for i0 in 0..o0 {
        for i1 in 0..o1 {
            for i2 in 0..o2 {
                for i3 in 0..o3 {
                    let j0 = (p0 == 0) * i0 + (p1 == 0) * i1 + (p2 == 0) * i2 + (p3 == 0) * i3;
                    let j1 = (p0 == 1) * i0 + (p1 == 1) * i1 + (p2 == 1) * i2 + (p3 == 1) * i3;
                    let j2 = (p0 == 2) * i0 + (p1 == 2) * i1 + (p2 == 2) * i2 + (p3 == 2) * i3;
                    let j3 = (p0 == 3) * i0 + (p1 == 3) * i1 + (p2 == 3) * i2 + (p3 == 3) * i3;
                    y[i0][i1][i2][i3] = x[j0][j1][j2][j3];
                }
            }
        }
    }
}

/// Pads the last two axes with a constant: `top`/`bottom` rows and
/// `left`/`right` columns of `value`.
#[zk_op(derive(oh = h + top + bottom, ow = w + left + right))]
pub fn pad(
    #[attr(range = [0, 64])] top: usize,
    #[attr(range = [0, 64])] bottom: usize,
    #[attr(range = [0, 64])] left: usize,
    #[attr(range = [0, 64])] right: usize,
    #[attr] value: i64,
    #[input(shape = [nb, c, h, w], prec = px)] x: Tensor,
    #[output(
        shape = [nb, c, oh, ow],
        range = [min(value, 1 - (1 << (px - 1))), max(value, (1 << (px - 1)) - 1)]
    )]
    y: Tensor,
) {
    for bi in 0..nb {
        for ch in 0..c {
            for i in 0..oh {
                for j in 0..ow {
                    let iy = i - top;
                    let ix = j - left;
                    if iy >= 0 && iy < h && ix >= 0 && ix < w {
                        y[bi][ch][i][j] = x[bi][ch][iy][ix];
                    } else {
                        y[bi][ch][i][j] = value;
                    }
                }
            }
        }
    }
}

/// Joins `a` and `b` along `axis`; the other axes must agree.
#[zk_op(
    derive(
        o0 = a0 + (axis == 0) * b0,
        o1 = a1 + (axis == 1) * b1,
        o2 = a2 + (axis == 2) * b2,
        o3 = a3 + (axis == 3) * b3,
        along = (axis == 0) * a0 + (axis == 1) * a1 + (axis == 2) * a2 + (axis == 3) * a3,
    ),
    require(axis == 0 || a0 == b0, axis == 1 || a1 == b1, axis == 2 || a2 == b2, axis == 3 || a3 == b3)
)]
pub fn concatenate(
    #[attr(range = [0, 3])] axis: u32,
    #[input(shape = [a0, a1, a2, a3], prec = pa)] a: Tensor,
    #[input(shape = [b0, b1, b2, b3], prec = pb)] b: Tensor,
    #[output(shape = [o0, o1, o2, o3], prec = max(pa, pb))] y: Tensor,
) {
    for i0 in 0..o0 {
        for i1 in 0..o1 {
            for i2 in 0..o2 {
                for i3 in 0..o3 {
                    let k = (axis == 0) * i0 + (axis == 1) * i1 + (axis == 2) * i2 + (axis == 3) * i3;
                    if k < along {
                        y[i0][i1][i2][i3] = a[i0][i1][i2][i3];
                    } else {
                        let shift = along;
                        y[i0][i1][i2][i3] = b[i0 - (axis == 0) * shift][i1 - (axis == 1) * shift]
                            [i2 - (axis == 2) * shift][i3 - (axis == 3) * shift];
                    }
                }
            }
        }
    }
}

/// `x[b0:e0:s0, b1:e1:s1, b2:e2:s2, b3:e3:s3]` with positive strides; a
/// plain slice has strides 1. Negative or open-ended bounds are the graph's
/// to normalize.
#[zk_op(
    derive(
        o0 = (e0 - b0 + s0 - 1) / s0,
        o1 = (e1 - b1 + s1 - 1) / s1,
        o2 = (e2 - b2 + s2 - 1) / s2,
        o3 = (e3 - b3 + s3 - 1) / s3,
    ),
    require(b0 < e0, e0 <= n0, b1 < e1, e1 <= n1, b2 < e2, e2 <= n2, b3 < e3, e3 <= n3)
)]
pub fn strided_slice(
    #[attr(range = [0, 65536])] b0: usize,
    #[attr(range = [0, 65536])] b1: usize,
    #[attr(range = [0, 65536])] b2: usize,
    #[attr(range = [0, 65536])] b3: usize,
    #[attr(range = [1, 65536])] e0: usize,
    #[attr(range = [1, 65536])] e1: usize,
    #[attr(range = [1, 65536])] e2: usize,
    #[attr(range = [1, 65536])] e3: usize,
    #[attr(range = [1, 65536])] s0: usize,
    #[attr(range = [1, 65536])] s1: usize,
    #[attr(range = [1, 65536])] s2: usize,
    #[attr(range = [1, 65536])] s3: usize,
    #[input(shape = [n0, n1, n2, n3], prec = px)] x: Tensor,
    #[output(shape = [o0, o1, o2, o3], prec = px)] y: Tensor,
) {
    for i0 in 0..o0 {
        for i1 in 0..o1 {
            for i2 in 0..o2 {
                for i3 in 0..o3 {
                    y[i0][i1][i2][i3] = x[b0 + i0 * s0][b1 + i1 * s1][b2 + i2 * s2][b3 + i3 * s3];
                }
            }
        }
    }
}

/// numpy's `repeat`: each element repeated `times` times along `axis`.
#[zk_op(derive(
    o0 = n0 * (1 + (axis == 0) * (times - 1)),
    o1 = n1 * (1 + (axis == 1) * (times - 1)),
    o2 = n2 * (1 + (axis == 2) * (times - 1)),
    o3 = n3 * (1 + (axis == 3) * (times - 1)),
))]
pub fn repeat(
    #[attr(range = [0, 3])] axis: u32,
    #[attr(range = [1, 4096])] times: usize,
    #[input(shape = [n0, n1, n2, n3], prec = px)] x: Tensor,
    #[output(shape = [o0, o1, o2, o3], prec = px)] y: Tensor,
) {
    let d0 = 1 + (axis == 0) * (times - 1);
    let d1 = 1 + (axis == 1) * (times - 1);
    let d2 = 1 + (axis == 2) * (times - 1);
    let d3 = 1 + (axis == 3) * (times - 1);
    for i0 in 0..o0 {
        for i1 in 0..o1 {
            for i2 in 0..o2 {
                for i3 in 0..o3 {
                    y[i0][i1][i2][i3] = x[i0 / d0][i1 / d1][i2 / d2][i3 / d3];
                }
            }
        }
    }
}

/// numpy's `tile`: the whole tensor repeated `rk` times along axis `k`.
#[zk_op]
pub fn tile(
    #[attr(range = [1, 4096])] r0: usize,
    #[attr(range = [1, 4096])] r1: usize,
    #[attr(range = [1, 4096])] r2: usize,
    #[attr(range = [1, 4096])] r3: usize,
    #[input(shape = [n0, n1, n2, n3], prec = px)] x: Tensor,
    #[output(shape = [n0 * r0, n1 * r1, n2 * r2, n3 * r3], prec = px)] y: Tensor,
) {
    for i0 in 0..n0 * r0 {
        for i1 in 0..n1 * r1 {
            for i2 in 0..n2 * r2 {
                for i3 in 0..n3 * r3 {
                    y[i0][i1][i2][i3] = x[i0 % n0][i1 % n1][i2 % n2][i3 % n3];
                }
            }
        }
    }
}
