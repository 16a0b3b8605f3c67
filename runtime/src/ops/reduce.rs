//! Reductions over axes: sum, max, and the index of the first maximum.

use crate::gadgets::{IsNonneg, Max2};
use crate::zk_op;

pub const REDUCE_SUM: u32 = 0;
pub const REDUCE_MAX: u32 = 1;

/// Sum or max (`op`) over the axes flagged `r0..r3` of a shape padded to
/// rank 4; each output reduces `K = t0 t1 t2 t3` elements.
///
/// The output keeps each reduced axis with length 1. `keepdims = false`
/// only drops those axes from the reported shape; the flat data are the
/// same, so, as for `reshape`, the shape is the graph's business and no
/// attribute of the operator (nor are CVM's `exclude` and empty `axes`,
/// which only choose the flags). A sum is free and grows the precision by
/// `bits(K)`; a max keeps it and costs `K - 1` [`Max2`] (`px + 3` each).
#[zk_op(derive(
    t0 = if r0 { n0 } else { 1 },
    t1 = if r1 { n1 } else { 1 },
    t2 = if r2 { n2 } else { 1 },
    t3 = if r3 { n3 } else { 1 },
))]
pub fn reduce(
    #[attr(range = [0, 1])] op: u32,
    #[attr] r0: bool,
    #[attr] r1: bool,
    #[attr] r2: bool,
    #[attr] r3: bool,
    #[input(shape = [n0, n1, n2, n3], prec = px)] x: Tensor,
    #[output(
        shape = [n0 / t0, n1 / t1, n2 / t2, n3 / t3],
        prec = if op == 0 { px + bits(t0 * t1 * t2 * t3) } else { px }
    )]
    y: Tensor,
) {
    for o0 in 0..n0 / t0 {
        for o1 in 0..n1 / t1 {
            for o2 in 0..n2 / t2 {
                for o3 in 0..n3 / t3 {
                    let mut acc = x[o0][o1][o2][o3];
                    for k0 in 0..t0 {
                        for k1 in 0..t1 {
                            for k2 in 0..t2 {
                                for k3 in 0..t3 {
                                    if k0 + k1 + k2 + k3 > 0 {
                                        let v = x[o0 + k0][o1 + k1][o2 + k2][o3 + k3];
                                        if op == 0 {
                                            acc += v;
                                        } else {
                                            let larger = call!(Max2 { k: px }, acc, v);
                                            acc = larger;
                                        }
                                    }
                                }
                            }
                        }
                    }
                    y[o0][o1][o2][o3] = acc;
                }
            }
        }
    }
}

/// The index of the first maximum of `x` along one axis, `x` seen as
/// `[outer, n, inner]` (the axes before and after the reduced one
/// flattened; as for [`Reduce`], keepdims is the graph's business).
///
/// A running maximum and its index: element `t` replaces them only when it
/// is strictly greater, the sign test of `x[t] - best - 1`, so ties keep
/// the earlier index. Both updates are products with that pinned bit.
/// `px + 4` constraints per comparison, `n - 1` comparisons per output
/// (the first index update is free).
#[zk_op]
pub fn argmax(
    #[input(shape = [outer, n, inner], prec = px)] x: Tensor,
    #[output(shape = [outer, inner], range = [0, n - 1])] y: Tensor,
) {
    for i in 0..outer {
        for j in 0..inner {
            let mut best = x[i][0][j];
            let mut index = 0;
            for t in 1..n {
                let gt = call!(IsNonneg { k: px + 1 }, x[i][t][j] - best - 1);
                let lift = wire!(gt * (x[i][t][j] - best));
                best += lift;
                let jump = wire!(gt * (t - index));
                index += jump;
            }
            y[i][j] = index;
        }
    }
}
