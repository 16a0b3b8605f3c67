//! Decision-tree ensembles: random forests and boosted trees, as one list
//! of branch nodes and one of leaves, the trees' shapes circuit constants.

use crate::gadgets::IsNonneg;
use crate::zk_op;

/// The sum over `trees` decision trees of the leaf each row of `x`
/// reaches: `y[r][c] = sum_t value(root[t], x[r])[c]`.
///
/// The `nn` branch nodes and `nl` leaves of all the trees share one index
/// space: `0..nn` are branches, `nn + l` is leaf `l`. Branch `i` tests
/// `x[r][feature[i]] <= threshold[i]`, and goes to `child[i][0]` when it
/// holds, `child[i][1]` otherwise; `root[t]` is where tree `t` starts (a
/// leaf, for a tree without a branch). Feature, child and root indices are
/// circuit constants: the trees' wiring, public like a graph's edges,
/// clamped as `take_constant` clamps (a child into `i + 1 ..`, so every
/// branch reads values already known); thresholds and leaves are weights,
/// constant or committed. An importer that wants the shapes hidden gives
/// complete trees of one depth, whose wiring says only how many trees
/// there are and how deep they go.
///
/// Every branch's decision is the sign test of `x - threshold - 1`
/// (`max(px, pt) + 2` constraints). Values are then selected from the
/// last branch back to the first, each choosing between its children's
/// values by its decision bit: one product per branch and output, except
/// that a choice between two constants (two leaves of a public model) is
/// linear. A branch whose two children are one index is that child, and
/// costs nothing. Nothing is free for the prover: every decision bit is
/// fixed by `x` and the weights, and every selection by the decisions.
#[zk_op(derive(k = max(px, pt) + 1, last = nn + nl - 1), require(nn >= 1, nl >= 1, trees >= 1))]
pub fn tree_ensemble(
    #[input(shape = [m, nf], prec = px)] x: Tensor,
    #[input(shape = [nn], prec = pf, constant = true)] feature: Tensor,
    #[input(shape = [nn, 2], prec = pc, constant = true)] child: Tensor,
    #[input(shape = [trees], prec = pr, constant = true)] root: Tensor,
    #[input(shape = [nn], prec = pt)] threshold: Tensor,
    #[input(shape = [nl, nc], prec = pl)] leaf: Tensor,
    #[output(shape = [m, nc], prec = pl + bits(trees))] y: Tensor,
) {
    for r in 0..m {
        let mut v = [[0; nc]; nn + nl];
        for l in 0..nl {
            for c in 0..nc {
                v[nn + l][c] = leaf[l][c];
            }
        }
        for j in 0..nn {
            let i = nn - 1 - j;
            let f = min(max(feature[i], 0), nf - 1);
            let lo = min(max(child[i][0], i + 1), last);
            let hi = min(max(child[i][1], i + 1), last);
            if lo == hi {
                for c in 0..nc {
                    v[i][c] = v[lo][c];
                }
            } else {
                let right = call!(IsNonneg { k }, x[r][f] - threshold[i] - 1);
                for c in 0..nc {
                    let step = wire!(right * (v[hi][c] - v[lo][c]));
                    v[i][c] = v[lo][c] + step;
                }
            }
        }
        for c in 0..nc {
            let mut sum = 0;
            for t in 0..trees {
                sum += v[min(max(root[t], 0), last)][c];
            }
            y[r][c] = sum;
        }
    }
}
