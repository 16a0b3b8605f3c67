//! Selections: by an index the circuit does not know, each selected element
//! proven to be the one the index names; by an index it knows, free wiring.

use crate::gadgets::{Bits, Clamp};
use crate::zk_op;

/// CVM's `take` along an axis, with indices that are signals:
/// `y[o][j][i] = x[o][clip(indices[j], 0, n - 1)][i]`, `x` seen as
/// `[outer, n, inner]` (the axes before and after the taken one
/// flattened; `axis = None` is `outer = inner = 1`) and the indices flat
/// (their shape, like keepdims, is the graph's business).
///
/// Each index is clamped into range ([`Clamp`]) and split into its bits
/// ([`Bits`]): the low `kl` and the high `kh = k - kl` make the two halves
/// of the index, and each half becomes its indicator vector straight from
/// its bits. Every product of a set of a half's `w` bits gets a wire, made
/// from a smaller product and one more bit (`2^w - w - 1` constraints),
/// and the indicator of `u` is the signed sum of the products of the sets
/// that contain `u`'s bits (inclusion-exclusion, linear, free). Then
/// `y = sum_u lo[u] * (sum_v hi[v] * x[v m + u])`: every factor is a
/// product of bits the index fixes, so the output is fixed too. For a
/// 255-entry table that is 22 products for both indicators, where an
/// equality test per entry of each half would cost 64. Per output element,
/// `m` products more, plus one per entry of `x` when `x` is private; a
/// constant `x` (a lookup table) makes the inner sums free.
///
/// Indices known when the circuit is built (a model's parameters) use
/// [`TakeConstant`] instead, which costs nothing.
#[zk_op(derive(k = bits(n - 1), kl = k / 2, kh = k - kl, m = 1 << kl, mh = 1 << kh, nh = (n + m - 1) / m))]
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
            // Half `h` has `w` bits from bit `h * kl`: first the products
            // of its bit sets (`ind[h][s]`, set `s`), then, in place, the
            // indicators.
            let mut ind = [[0; mh]; 2];
            for h in 0..2 {
                let w = kl + h * (kh - kl);
                ind[h][0] = 1;
                for t in 0..kh {
                    for s in 0..mh {
                        if t < w && s == 0 {
                            ind[h][1 << t] = b[h * kl + t];
                        }
                        if t < w && s > 0 && s < (1 << t) {
                            let both = wire!(ind[h][s] * b[h * kl + t]);
                            ind[h][s + (1 << t)] = both;
                        }
                    }
                }
                for t in 0..kh {
                    for s in 0..mh {
                        if t < w && s < (1 << w) && bit(s, t) == 0 {
                            ind[h][s] -= ind[h][s + (1 << t)];
                        }
                    }
                }
            }
            for o in 0..outer {
                for i in 0..inner {
                    let mut acc = 0;
                    for u in 0..m {
                        let mut column = 0;
                        for v in 0..nh {
                            if v * m + u < n {
                                let pick = wire!(ind[1][v] * x[o][v * m + u][i]);
                                column += pick;
                            }
                        }
                        if u + 1 < m {
                            let part = wire!(ind[0][u] * column);
                            acc += part;
                        } else {
                            y[o][j][i] = acc + ind[0][u] * column;
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
