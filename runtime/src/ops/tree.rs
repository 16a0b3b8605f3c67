//! Decision-tree ensembles: random forests and boosted trees, each tree
//! complete and of one depth, so the circuit's shape says only how many
//! trees there are and how deep they go.

use crate::gadgets::IsNonneg;
use crate::zk_op;

/// The sum over `trees` complete binary trees of the leaf each row of `x`
/// reaches: `y[r][c] = sum_t leaf[t][reached(t, x[r])][c]`.
///
/// Each tree has `nn` internal nodes and `nl = nn + 1` leaves, a power of
/// two, numbered as in a heap: node `i` has children `2i + 1` (taken when
/// `x[r][feature[t][i]] <= threshold[t][i]`) and `2i + 2` (otherwise), and
/// index `nn + l` is leaf `l`. Feature indices are circuit constants (the
/// tree's wiring, clamped into `0..nf` like `take_constant`'s); thresholds
/// and leaves are weights, constant or committed.
///
/// Every node's decision is the sign test of `x - threshold - 1`
/// (`max(px, pt) + 2` constraints). The reached leaf is then selected
/// bottom-up, each node choosing between its children's values by its
/// decision bit: one product per internal node and output, except that a
/// choice between two constant leaves is linear, so a public model pays
/// only for the nodes above the last level. Nothing is free for the
/// prover: every decision bit is fixed by `x` and the weights, and every
/// selection by the decisions.
#[zk_op(
    derive(k = max(px, pt) + 1),
    require(nn >= 1, nn + 1 == nl, nl == 1 << bits(nn))
)]
pub fn tree_ensemble(
    #[input(shape = [m, nf], prec = px)] x: Tensor,
    #[input(shape = [trees, nn], prec = pf, constant = true)] feature: Tensor,
    #[input(shape = [trees, nn], prec = pt)] threshold: Tensor,
    #[input(shape = [trees, nl, nc], prec = pl)] leaf: Tensor,
    #[output(shape = [m, nc], prec = pl + bits(trees))] y: Tensor,
) {
    for r in 0..m {
        let mut sum = [0; nc];
        for t in 0..trees {
            let mut v = [[0; nc]; 2 * nn + 1];
            for l in 0..nl {
                for c in 0..nc {
                    v[nn + l][c] = leaf[t][l][c];
                }
            }
            for j in 0..nn {
                let i = nn - 1 - j;
                let f = min(max(feature[t][i], 0), nf - 1);
                let right = call!(IsNonneg { k }, x[r][f] - threshold[t][i] - 1);
                for c in 0..nc {
                    let step = wire!(right * (v[2 * i + 2][c] - v[2 * i + 1][c]));
                    v[i][c] = v[2 * i + 1][c] + step;
                }
            }
            for c in 0..nc {
                sum[c] += v[0][c];
            }
        }
        for c in 0..nc {
            y[r][c] = sum[c];
        }
    }
}
