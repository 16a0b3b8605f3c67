//! Index maps: they move values and cost no constraint.

use crate::zk_op;

/// The identity on the flat data: a new shape is the graph's business.
#[zk_op]
pub fn reshape(#[input(shape = [n], prec = px)] x: Tensor, #[output(shape = [n], prec = px)] y: Tensor) {
    for i in 0..n {
        y[i] = x[i];
    }
}

/// Flattening is a reshape of the flat data.
pub type Flatten = Reshape;

/// Adding an axis of length 1 is a reshape of the flat data.
pub type ExpandDims = Reshape;

/// Dropping axes of length 1 is a reshape of the flat data.
pub type Squeeze = Reshape;

/// Nearest-neighbour upsampling: `y[b][c][i][j] = x[b][c][i / s][j / s]`.
#[zk_op]
pub fn upsampling(
    #[attr(range = [1, 64])] scale: usize,
    #[input(shape = [nb, c, h, w], prec = px)] x: Tensor,
    #[output(shape = [nb, c, h * scale, w * scale], prec = px)] y: Tensor,
) {
    for bi in 0..nb {
        for ch in 0..c {
            for i in 0..h * scale {
                for j in 0..w * scale {
                    y[bi][ch][i][j] = x[bi][ch][i / scale][j / scale];
                }
            }
        }
    }
}
