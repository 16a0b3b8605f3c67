//! Pooling.

use crate::gadgets::Max2;
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
