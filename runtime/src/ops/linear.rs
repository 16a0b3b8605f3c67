//! Dense layers and convolutions: sums of products. With constant weights
//! (a public model) every product is free; with private weights each costs
//! one constraint.

use crate::zk_op;

/// `y[i][j] = b[j] + sum_t x[i][t] * w[j][t]`.
///
/// The output's bound is the largest sum the operands' bounds allow
/// (`k` products of the largest magnitudes, plus the bias), not the CVM
/// rule `px + pw + bits(k)`, which overshoots it by up to two bits: every
/// requantization after a layer decomposes its whole width, so each bit
/// saved here saves a constraint per activation there.
#[zk_op(derive(top = k * ((1 << (px - 1)) - 1) * ((1 << (pw - 1)) - 1) + (1 << (pb - 1)) - 1))]
pub fn dense(
    #[input(shape = [m, k], prec = px)] x: Tensor,
    #[input(shape = [n, k], prec = pw)] w: Tensor,
    #[input(shape = [n], prec = pb)] b: Tensor,
    #[output(shape = [m, n], range = [-top, top])] y: Tensor,
) {
    for i in 0..m {
        for j in 0..n {
            let mut acc = b[j];
            for t in 0..k {
                let prod = wire!(x[i][t] * w[j][t]);
                acc += prod;
            }
            y[i][j] = acc;
        }
    }
}

/// 2-D convolution over NCHW input and OIHW weights with stride, padding,
/// dilation and groups; taps outside the image count 0. The output's
/// bound is the largest sum the operands allow, as for [`dense`].
#[zk_op(
    derive(
        top = cg * kh * kw * ((1 << (px - 1)) - 1) * ((1 << (pk - 1)) - 1) + (1 << (pb - 1)) - 1,
        oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1,
        ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1,
    ),
    require(c == cg * groups, o % groups == 0, h + 2 * ph > dh * (kh - 1), w + 2 * pw > dw * (kw - 1))
)]
pub fn conv2d(
    #[attr(range = [1, 64])] sh: usize,
    #[attr(range = [1, 64])] sw: usize,
    #[attr(range = [0, 64])] ph: usize,
    #[attr(range = [0, 64])] pw: usize,
    #[attr(range = [1, 64])] dh: usize,
    #[attr(range = [1, 64])] dw: usize,
    #[attr(range = [1, 4096])] groups: usize,
    #[input(shape = [nb, c, h, w], prec = px)] x: Tensor,
    #[input(shape = [o, cg, kh, kw], prec = pk)] wt: Tensor,
    #[input(shape = [o], prec = pb)] b: Tensor,
    #[output(shape = [nb, o, oh, ow], range = [-top, top])] y: Tensor,
) {
    let per_group = o / groups;
    for bi in 0..nb {
        for oc in 0..o {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = b[oc];
                    for ic in 0..cg {
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let iy = oy * sh + ky * dh - ph;
                                let ix = ox * sw + kx * dw - pw;
                                if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                    let tap = wire!(x[bi][(oc / per_group) * cg + ic][iy][ix] * wt[oc][ic][ky][kx]);
                                    acc += tap;
                                }
                            }
                        }
                    }
                    y[bi][oc][oy][ox] = acc;
                }
            }
        }
    }
}

/// Transposed 2-D convolution (PyTorch's `ConvTranspose2d`): NCHW input,
/// weights `[c, o / groups, kh, kw]`, stride, padding, output padding,
/// dilation and groups, so DCGAN-style generators upsample without a
/// detour. Written as a gather: output `(oy, ox)` takes input `(iy, ix)`
/// through tap `(ky, kx)` when `oy = iy * sh - ph + ky * dh`, and likewise
/// for columns. The output's bound counts the taps one output can read:
/// with dilation 1, only the `ceil(kh / sh)` rows `ky` of one residue modulo
/// the stride (`th`), and likewise for columns; a dilation other than 1 may
/// put every tap on the stride's grid, so the bound is then `kh`.
#[zk_op(
    derive(
        cg = c / groups,
        og = o / groups,
        oh = (h - 1) * sh + dh * (kh - 1) + oph + 1 - 2 * ph,
        ow = (w - 1) * sw + dw * (kw - 1) + opw + 1 - 2 * pw,
        th = min(kh, (kh + sh - 1) / sh + (dh - 1) * kh),
        tw = min(kw, (kw + sw - 1) / sw + (dw - 1) * kw),
        top = cg * th * tw * ((1 << (px - 1)) - 1) * ((1 << (pk - 1)) - 1) + (1 << (pb - 1)) - 1,
    ),
    require(
        c % groups == 0,
        o % groups == 0,
        oph < sh || oph < dh,
        opw < sw || opw < dw,
        (h - 1) * sh + dh * (kh - 1) + oph + 1 > 2 * ph,
        (w - 1) * sw + dw * (kw - 1) + opw + 1 > 2 * pw,
    )
)]
pub fn conv_transpose2d(
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
    #[input(shape = [nb, c, h, w], prec = px)] x: Tensor,
    #[input(shape = [c, og, kh, kw], prec = pk)] wt: Tensor,
    #[input(shape = [o], prec = pb)] b: Tensor,
    #[output(shape = [nb, o, oh, ow], range = [-top, top])] y: Tensor,
) {
    for bi in 0..nb {
        for oc in 0..o {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = b[oc];
                    for ic in 0..cg {
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let ty = oy + ph - ky * dh;
                                let tx = ox + pw - kx * dw;
                                if ty >= 0 && tx >= 0 && ty % sh == 0 && tx % sw == 0 && ty / sh < h && tx / sw < w {
                                    let ch = (oc / og) * cg + ic;
                                    let tap = wire!(x[bi][ch][ty / sh][tx / sw] * wt[ch][oc % og][ky][kx]);
                                    acc += tap;
                                }
                            }
                        }
                    }
                    y[bi][oc][oy][ox] = acc;
                }
            }
        }
    }
}
