//! Pooling.

use crate::gadgets::{Max2, RoundShift};
use crate::zk_op;

/// Max over each window; padded cells are ignored. `ceil_mode` rounds the
/// output size up, dropping a last window that would start in the padding.
#[zk_op(
    derive(
        oh0 = (h + 2 * ph - kh + ceil_mode * (sh - 1)) / sh + 1,
        ow0 = (w + 2 * pw - kw + ceil_mode * (sw - 1)) / sw + 1,
        oh = if (oh0 - 1) * sh >= h + ph { oh0 - 1 } else { oh0 },
        ow = if (ow0 - 1) * sw >= w + pw { ow0 - 1 } else { ow0 },
    ),
    require(2 * ph <= kh, 2 * pw <= kw, h + 2 * ph >= kh, w + 2 * pw >= kw)
)]
pub fn max_pool2d(
    #[attr(range = [1, 16])] kh: usize,
    #[attr(range = [1, 16])] kw: usize,
    #[attr(range = [1, 16])] sh: usize,
    #[attr(range = [1, 16])] sw: usize,
    #[attr(range = [0, 8])] ph: usize,
    #[attr(range = [0, 8])] pw: usize,
    #[attr] ceil_mode: bool,
    #[input(shape = [nb, c, h, w], prec = px)] x: Tensor,
    #[output(shape = [nb, c, oh, ow], prec = px)] y: Tensor,
) {
    for bi in 0..nb {
        for ch in 0..c {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut best = 0;
                    let mut seen = 0;
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let iy = oy * sh + ky - ph;
                            let ix = ox * sw + kx - pw;
                            if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                if seen == 0 {
                                    best = x[bi][ch][iy][ix];
                                } else {
                                    let larger = call!(Max2 { k: px }, best, x[bi][ch][iy][ix]);
                                    best = larger;
                                }
                                seen += 1;
                            }
                        }
                    }
                    y[bi][ch][oy][ox] = best;
                }
            }
        }
    }
}

/// Sum over each window, padded cells counting 0; with `average`, the sum
/// divided by the window size `d = kh kw`, padding counted, rounding half
/// toward +inf as CVM's shift does: `floor((sum + floor(d / 2)) / d)`, for
/// every window size. Sums cost nothing.
///
/// A power-of-two window divides by a proven shift ([`RoundShift`],
/// `px + t + 3` constraints for `d = 2^t`). Any other window is reduced to
/// one: `v = sum + floor(d / 2) + top d` lies in `[0, 2^nv)` (`top =
/// 2^(px-1) - 1` bounds each input), and with `tm = nv + bits(d)` and
/// `mult = ceil(2^tm / d)`, `floor(v mult / 2^tm) = floor(v / d)` exactly:
/// the excess `v (mult d - 2^tm) / (d 2^tm)` stays below `1 / d`, too
/// little to reach the next multiple of `d`. The output is that quotient
/// minus `top`. The shift's one decomposition bounds remainder and quotient
/// both, which the determinism checker follows; a quotient and remainder
/// range-checked separately would be pinned only by an argument it cannot
/// make. `px + tm + 3` constraints: 27 for an int8 3x3 window.
#[zk_op(
    derive(
        oh = (h + 2 * ph - kh) / sh + 1,
        ow = (w + 2 * pw - kw) / sw + 1,
        t = bits(kh * kw) - 1,
        top = (1 << (px - 1)) - 1,
        tm = if average { bits(2 * top * kh * kw + kh * kw / 2) + bits(kh * kw) } else { 1 },
        mult = ((1 << tm) + kh * kw - 1) / (kh * kw),
    ),
    require(h + 2 * ph >= kh, w + 2 * pw >= kw, !average || (1 << t) == kh * kw || px + tm + 1 <= 64)
)]
pub fn sum_pool2d(
    #[attr(range = [1, 16])] kh: usize,
    #[attr(range = [1, 16])] kw: usize,
    #[attr(range = [1, 16])] sh: usize,
    #[attr(range = [1, 16])] sw: usize,
    #[attr(range = [0, 8])] ph: usize,
    #[attr(range = [0, 8])] pw: usize,
    #[attr] average: bool,
    #[input(shape = [nb, c, h, w], prec = px)] x: Tensor,
    #[output(shape = [nb, c, oh, ow], prec = if average { px } else { px + bits(kh * kw) })] y: Tensor,
) {
    for bi in 0..nb {
        for ch in 0..c {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut total = 0;
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let iy = oy * sh + ky - ph;
                            let ix = ox * sw + kx - pw;
                            if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                total += x[bi][ch][iy][ix];
                            }
                        }
                    }
                    if !average || kh * kw == 1 {
                        y[bi][ch][oy][ox] = total;
                    } else if (1 << t) == kh * kw {
                        let mean = call!(RoundShift { s: t, k: px + 2 }, total);
                        y[bi][ch][oy][ox] = mean;
                    } else {
                        let v = total + kh * kw / 2 + top * kh * kw;
                        let lifted = call!(RoundShift { s: tm, k: px + 2 }, v * mult - (1 << (tm - 1)));
                        y[bi][ch][oy][ox] = lifted - top;
                    }
                }
            }
        }
    }
}
