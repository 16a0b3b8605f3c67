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
/// divided by the window size rounding half toward +inf (`avg_pool2d` with
/// padding counted, as CVM's shift-based average). Averaging needs a
/// power-of-two window, so the division is a proven shift; sums cost
/// nothing.
#[zk_op(
    derive(
        oh = (h + 2 * ph - kh) / sh + 1,
        ow = (w + 2 * pw - kw) / sw + 1,
        t = bits(kh * kw) - 1,
    ),
    require(h + 2 * ph >= kh, w + 2 * pw >= kw, !average || (1 << t) == kh * kw, !average || t >= 1)
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
                    if average {
                        let mean = call!(RoundShift { s: t, k: px + 2 }, total);
                        y[bi][ch][oy][ox] = mean;
                    } else {
                        y[bi][ch][oy][ox] = total;
                    }
                }
            }
        }
    }
}
