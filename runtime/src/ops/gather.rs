//! Selections: by an index the circuit does not know, each selected element
//! proven to be the one the index names; by an index it knows, free wiring.

use crate::gadgets::{Bits, Clamp, OneHot};
use crate::zk_op;

/// CVM's `take` along an axis, with indices that are signals:
/// `y[o][j][i] = x[o][clip(indices[j], 0, n - 1)][i]`, `x` seen as
/// `[outer, n, inner]` (the axes before and after the taken one
/// flattened; `axis = None` is `outer = inner = 1`) and the indices flat
/// (their shape, like keepdims, is the graph's business).
///
/// Each index is clamped into range ([`Clamp`]), split into its low `kl`
/// and high `k - kl` bits (one [`Bits`]), and each half becomes an
/// indicator vector ([`OneHot`], `2 m` and `2 nh` constraints). Then
/// `y = sum_u lo[u] * (sum_v hi[v] * x[v m + u])`: every factor is fixed by
/// the index, so the output is too. Splitting the index costs `2 sqrt(n)`
/// equality tests where one indicator over all `n` would cost `2 n`. Per
/// output element, `m` products, plus one per entry of `x` when `x` is
/// private; a constant `x` (a lookup table) makes the inner sums free.
///
/// Indices known when the circuit is built (a model's parameters) use
/// [`TakeConstant`] instead, which costs nothing.
#[zk_op(derive(k = bits(n - 1), kl = k / 2, m = 1 << kl, nh = (n + m - 1) / m))]
pub fn take(
    #[input(shape = [outer, n, inner], prec = px)] x: Tensor,
    #[input(shape = [ni], prec = pi)] indices: Tensor,
    #[output(shape = [outer, ni, inner], prec = px)] y: Tensor,
) {
    for j in 0..ni {
        if n == 1 {
            for o in 0..outer {
                for i in 0..inner {
                    y[o][j][i] = x[o][0][i];
                }
            }
        } else {
            let at = call!(
                Clamp {
                    k: pi,
                    lo: 0,
                    hi: n - 1
                },
                indices[j]
            );
            let b = call!(Bits { k }, at);
            let mut low = 0;
            for t in 0..kl {
                low += b[t] * (1 << t);
            }
            let mut high = 0;
            for t in kl..k {
                high += b[t] * (1 << (t - kl));
            }
            let lo = call!(OneHot { n: m }, low);
            let hi = call!(OneHot { n: nh }, high);
            for o in 0..outer {
                for i in 0..inner {
                    let mut acc = 0;
                    for u in 0..m {
                        let mut column = 0;
                        for v in 0..nh {
                            if v * m + u < n {
                                let pick = wire!(hi[v] * x[o][v * m + u][i]);
                                column += pick;
                            }
                        }
                        if u + 1 < m {
                            let part = wire!(lo[u] * column);
                            acc += part;
                        } else {
                            y[o][j][i] = acc + lo[u] * column;
                        }
                    }
                }
            }
        }
    }
}

/// `take` with indices that are circuit constants: the same semantics as
/// [`Take`], `y[o][j][i] = x[o][clip(indices[j], 0, n - 1)][i]`, but each
/// index is known when the circuit is built, so it selects a wire and costs
/// no constraint. A model's `take` whose indices are a parameter tensor
/// compiles to this.
#[zk_op(name = "take_constant")]
pub fn take_constant(
    #[input(shape = [outer, n, inner], prec = px)] x: Tensor,
    #[input(shape = [ni], prec = pi, constant = true)] indices: Tensor,
    #[output(shape = [outer, ni, inner], prec = px)] y: Tensor,
) {
    for j in 0..ni {
        let at = min(max(indices[j], 0), n - 1);
        for o in 0..outer {
            for i in 0..inner {
                y[o][j][i] = x[o][at][i];
            }
        }
    }
}

/// CVM's `cvm_lut(indices, table)` is `take(table, indices)` with
/// `outer = inner = 1`: the graph passes the table first.
pub type CvmLut = Take;
