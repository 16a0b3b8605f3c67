//! A layer and the requantization after it as one operator, so products
//! with private weights can share multiplications (ZEN's stranded
//! encoding): a field element holds several accumulators as digits of
//! base `2^d`, one multiplication adds a product to each, and the
//! requantization's decomposition, which it needs anyway, splits them
//! back. The compiler fuses a layer whose only reader is a `requant` or a
//! `cvm_right_shift` (`signed`), or a `broadcast_mul` by a constant per
//! output channel (the importer's scale alignment) read only by one of
//! them ([`crate::graph`]); the values are those of the operators apart.
//! Without a multiply the scale is all ones.
//!
//! A signed output's bound is symmetric: the quotient never reaches
//! `-2^(kq-1)`, as `top + 2^(s-1) < 2^(s + kq - 1)` keeps it above.
//!
//! The quotient's width comes from the accumulator's exact bound `top`
//! rather than its precision: `q` needs `kq` bits when
//! `top + 2^(s-1) < 2^(s + kq - 1)`, often one fewer than the precision
//! gives, and each bit saved is a constraint per output.
//!
//! A strand is `sum_j u_j * 2^(j d)` over the `g` outputs of a group: for
//! `dense`, the weights of `g` output columns; for `conv2d`, the input
//! pixels `g` output positions read through the same tap. A private
//! product of a strand costs one constraint for `g` multiply-accumulates.

use super::{Conv2d, ConvTranspose2d, Dense};
use crate::gadgets::RequantPacked;
use crate::zk_op;

/// `requant(s, p)(dense(x, w, b) * scale)`: `y[i][j]` is the requantized
/// `scale[j] * (b[j] + sum_t x[i][t] * w[j][t])`. Groups of `per` output
/// columns share one multiplication per input element, `x[i][t]` times the
/// strand of their weights, each weight times its column's constant scale.
#[zk_op(
    derive(
        top = (k * ((1 << (px - 1)) - 1) * ((1 << (pw - 1)) - 1) + (1 << (pb - 1)) - 1) * ((1 << (pa - 1)) - 1),
        kq = max(bits(top + (1 << (s - 1))) - s + 1, 2),
        d = s + kq,
        per = 126 / d,
    ),
    require(d <= 126)
)]
pub fn dense_requant(
    #[attr(range = [1, 32])] s: u32,
    #[attr(range = [1, 64])] p: u32,
    #[attr(range = [0, 1])] signed: u32,
    #[input(shape = [m, k], prec = px)] x: Tensor,
    #[input(shape = [n, k], prec = pw)] w: Tensor,
    #[input(shape = [n], prec = pb)] b: Tensor,
    #[input(shape = [n], prec = pa, constant = true)] scale: Tensor,
    #[output(shape = [m, n], range = [0 - signed * min((1 << (p - 1)) - 1, (1 << (kq - 1)) - 1), min((1 << (p - 1)) - 1, (1 << (kq - 1)) - 1)])]
    y: Tensor,
) {
    for i in 0..m {
        for gi in 0..(n + per - 1) / per {
            let first = gi * per;
            let g = min(per, n - first);
            let mut packed = 0;
            for j in 0..g {
                packed += (b[first + j] * scale[first + j] + (1 << (s - 1)) + (1 << (d - 1))) * (1 << (j * d));
            }
            for t in 0..k {
                let mut strand = 0;
                for j in 0..g {
                    strand += w[first + j][t] * scale[first + j] * (1 << (j * d));
                }
                let prods = wire!(x[i][t] * strand);
                packed += prods;
            }
            let q = call!(RequantPacked { s, p, kq, g, signed }, packed);
            for j in 0..g {
                y[i][first + j] = q[j];
            }
        }
    }
}

/// `requant(s, p)(conv2d(x, wt, b) * scale)` with `conv2d`'s attributes and
/// a constant factor per output channel. Groups of `per` consecutive output
/// positions of one channel share one multiplication per tap: the weight
/// times the strand of the pixels those positions read through it (padding
/// contributes nothing to a strand); the channel's scale multiplies the sum.
#[zk_op(
    derive(
        oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1,
        ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1,
        top = (cg * kh * kw * ((1 << (px - 1)) - 1) * ((1 << (pk - 1)) - 1) + (1 << (pb - 1)) - 1) * ((1 << (pa - 1)) - 1),
        kq = max(bits(top + (1 << (s - 1))) - s + 1, 2),
        d = s + kq,
        per = 126 / d,
    ),
    require(
        c == cg * groups,
        o % groups == 0,
        h + 2 * ph > dh * (kh - 1),
        w + 2 * pw > dw * (kw - 1),
        d <= 126,
    )
)]
pub fn conv2d_requant(
    #[attr(range = [1, 64])] sh: usize,
    #[attr(range = [1, 64])] sw: usize,
    #[attr(range = [0, 64])] ph: usize,
    #[attr(range = [0, 64])] pw: usize,
    #[attr(range = [1, 64])] dh: usize,
    #[attr(range = [1, 64])] dw: usize,
    #[attr(range = [1, 4096])] groups: usize,
    #[attr(range = [1, 32])] s: u32,
    #[attr(range = [1, 64])] p: u32,
    #[attr(range = [0, 1])] signed: u32,
    #[input(shape = [nb, c, h, w], prec = px)] x: Tensor,
    #[input(shape = [o, cg, kh, kw], prec = pk)] wt: Tensor,
    #[input(shape = [o], prec = pb)] b: Tensor,
    #[input(shape = [o, 1, 1], prec = pa, constant = true)] scale: Tensor,
    #[output(shape = [nb, o, oh, ow], range = [0 - signed * min((1 << (p - 1)) - 1, (1 << (kq - 1)) - 1), min((1 << (p - 1)) - 1, (1 << (kq - 1)) - 1)])]
    y: Tensor,
) {
    let per_group = o / groups;
    for bi in 0..nb {
        for oc in 0..o {
            for gi in 0..(oh * ow + per - 1) / per {
                let first = gi * per;
                let g = min(per, oh * ow - first);
                let mut packed = 0;
                for j in 0..g {
                    packed += (b[oc] * scale[oc][0][0] + (1 << (s - 1)) + (1 << (d - 1))) * (1 << (j * d));
                }
                for ic in 0..cg {
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let mut strand = 0;
                            for j in 0..g {
                                let iy = ((first + j) / ow) * sh + ky * dh - ph;
                                let ix = ((first + j) % ow) * sw + kx * dw - pw;
                                if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                    strand += x[bi][(oc / per_group) * cg + ic][iy][ix] * (1 << (j * d));
                                }
                            }
                            let taps = wire!(strand * wt[oc][ic][ky][kx]);
                            packed += taps * scale[oc][0][0];
                        }
                    }
                }
                let q = call!(RequantPacked { s, p, kq, g, signed }, packed);
                for j in 0..g {
                    y[bi][oc][(first + j) / ow][(first + j) % ow] = q[j];
                }
            }
        }
    }
}

/// `requant(s, p)(conv_transpose2d(x, wt, b) * scale)` with
/// `conv_transpose2d`'s attributes and a constant factor per output channel. An output reads tap `(ky, kx)` only when its row and column
/// fall on the stride's grid through it, which depends on the position
/// modulo the stride: so outputs are grouped by that phase (`ry`, `rx`),
/// and within a phase `per` consecutive positions share one multiplication
/// per tap of the phase, as in [`conv2d_requant`]. The bound is
/// `conv_transpose2d`'s: the taps one output can read.
#[zk_op(
    derive(
        cg = c / groups,
        og = o / groups,
        oh = (h - 1) * sh + dh * (kh - 1) + oph + 1 - 2 * ph,
        ow = (w - 1) * sw + dw * (kw - 1) + opw + 1 - 2 * pw,
        th = min(kh, (kh + sh - 1) / sh + (dh - 1) * kh),
        tw = min(kw, (kw + sw - 1) / sw + (dw - 1) * kw),
        gy = (oh + sh - 1) / sh,
        gx = (ow + sw - 1) / sw,
        top = (cg * th * tw * ((1 << (px - 1)) - 1) * ((1 << (pk - 1)) - 1) + (1 << (pb - 1)) - 1) * ((1 << (pa - 1)) - 1),
        kq = max(bits(top + (1 << (s - 1))) - s + 1, 2),
        d = s + kq,
        per = 126 / d,
    ),
    require(
        c % groups == 0,
        o % groups == 0,
        oph < sh || oph < dh,
        opw < sw || opw < dw,
        (h - 1) * sh + dh * (kh - 1) + oph + 1 > 2 * ph,
        (w - 1) * sw + dw * (kw - 1) + opw + 1 > 2 * pw,
        d <= 126,
    )
)]
pub fn conv_transpose2d_requant(
    #[attr(range = [1, 64])] sh: usize,
    #[attr(range = [1, 64])] sw: usize,
    #[attr(range = [0, 64])] ph: usize,
    #[attr(range = [0, 64])] pw: usize,
    #[attr(range = [0, 63])] oph: usize,
    #[attr(range = [0, 63])] opw: usize,
    #[attr(range = [1, 64])] dh: usize,
    #[attr(range = [1, 64])] dw: usize,
    #[attr(range = [1, 4096])] groups: usize,
    #[attr(range = [1, 4096])] o: usize,
    #[attr(range = [1, 32])] s: u32,
    #[attr(range = [1, 64])] p: u32,
    #[attr(range = [0, 1])] signed: u32,
    #[input(shape = [nb, c, h, w], prec = px)] x: Tensor,
    #[input(shape = [c, og, kh, kw], prec = pk)] wt: Tensor,
    #[input(shape = [o], prec = pb)] b: Tensor,
    #[input(shape = [o, 1, 1], prec = pa, constant = true)] scale: Tensor,
    #[output(shape = [nb, o, oh, ow], range = [0 - signed * min((1 << (p - 1)) - 1, (1 << (kq - 1)) - 1), min((1 << (p - 1)) - 1, (1 << (kq - 1)) - 1)])]
    y: Tensor,
) {
    for bi in 0..nb {
        for oc in 0..o {
            for ry in 0..min(sh, oh) {
                for rx in 0..min(sw, ow) {
                    let ny = (oh - ry + sh - 1) / sh;
                    let nx = (ow - rx + sw - 1) / sw;
                    for gi in 0..(gy * gx + per - 1) / per {
                        let first = gi * per;
                        if first < ny * nx {
                            let g = min(per, ny * nx - first);
                            let mut packed = 0;
                            for j in 0..g {
                                packed += (b[oc] * scale[oc][0][0] + (1 << (s - 1)) + (1 << (d - 1))) * (1 << (j * d));
                            }
                            for ic in 0..cg {
                                let ch = (oc / og) * cg + ic;
                                for ky in 0..kh {
                                    for kx in 0..kw {
                                        // `ry + ph - ky * dh` divisible by `sh`, kept
                                        // non-negative: circom's `%` reads a field element.
                                        if (ry + ph + (sh - 1) * ky * dh) % sh == 0
                                            && (rx + pw + (sw - 1) * kx * dw) % sw == 0
                                        {
                                            let mut strand = 0;
                                            for j in 0..g {
                                                let ty = ry + ((first + j) / nx) * sh + ph - ky * dh;
                                                let tx = rx + ((first + j) % nx) * sw + pw - kx * dw;
                                                if ty >= 0 && tx >= 0 && ty / sh < h && tx / sw < w {
                                                    strand += x[bi][ch][ty / sh][tx / sw] * (1 << (j * d));
                                                }
                                            }
                                            let taps = wire!(strand * wt[ch][oc % og][ky][kx]);
                                            packed += taps * scale[oc][0][0];
                                        }
                                    }
                                }
                            }
                            let q = call!(RequantPacked { s, p, kq, g, signed }, packed);
                            for j in 0..g {
                                y[bi][oc][ry + ((first + j) / nx) * sh][rx + ((first + j) % nx) * sw] = q[j];
                            }
                        }
                    }
                }
            }
        }
    }
}

impl DenseRequant {
    /// `layer`, times a constant scale of precision `pa` per output channel,
    /// followed by `requant(s, p)`, or `cvm_right_shift(s, p)` when
    /// `signed`, as one operator.
    pub fn fusing(layer: &Dense, s: u32, p: u32, signed: bool, pa: u32) -> DenseRequant {
        let Dense { m, k, px, n, pw, pb } = *layer;
        DenseRequant {
            s,
            p,
            signed: signed.into(),
            m,
            k,
            px,
            n,
            pw,
            pb,
            pa,
        }
    }
}

impl Conv2dRequant {
    /// `layer`, times a constant scale of precision `pa` per output channel,
    /// followed by `requant(s, p)`, or `cvm_right_shift(s, p)` when
    /// `signed`, as one operator.
    pub fn fusing(layer: &Conv2d, s: u32, p: u32, signed: bool, pa: u32) -> Conv2dRequant {
        let Conv2d {
            sh,
            sw,
            ph,
            pw,
            dh,
            dw,
            groups,
            nb,
            c,
            h,
            w,
            px,
            o,
            cg,
            kh,
            kw,
            pk,
            pb,
        } = *layer;
        Conv2dRequant {
            sh,
            sw,
            ph,
            pw,
            dh,
            dw,
            groups,
            s,
            p,
            signed: signed.into(),
            nb,
            c,
            h,
            w,
            px,
            o,
            cg,
            kh,
            kw,
            pk,
            pb,
            pa,
        }
    }
}

impl ConvTranspose2dRequant {
    /// `layer`, times a constant scale of precision `pa` per output channel,
    /// followed by `requant(s, p)`, or `cvm_right_shift(s, p)` when
    /// `signed`, as one operator.
    pub fn fusing(layer: &ConvTranspose2d, s: u32, p: u32, signed: bool, pa: u32) -> ConvTranspose2dRequant {
        let ConvTranspose2d {
            sh,
            sw,
            ph,
            pw,
            oph,
            opw,
            dh,
            dw,
            groups,
            o,
            nb,
            c,
            h,
            w,
            px,
            kh,
            kw,
            pk,
            pb,
        } = *layer;
        ConvTranspose2dRequant {
            sh,
            sw,
            ph,
            pw,
            oph,
            opw,
            dh,
            dw,
            groups,
            o,
            s,
            p,
            signed: signed.into(),
            nb,
            c,
            h,
            w,
            px,
            kh,
            kw,
            pk,
            pb,
            pa,
        }
    }
}
