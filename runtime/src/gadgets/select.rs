use crate::gadgets::IsZero;
use crate::zk_op;

/// The indicator vector of `x`: `e[t] = 1` exactly when `x == t`, for
/// `0 <= x < n`, so exactly one entry is 1.
///
/// Sound because each entry is an is-zero test of `x - t`, fixed by `x`
/// alone: no entry is a free bit, so no sum-to-one argument is needed and
/// the determinism checker follows every one. Costs `2 n`, nothing for
/// `n = 1`.
#[zk_op]
pub fn one_hot(
    #[attr(range = [1, 65536])] n: usize,
    #[input(range = [0, n - 1])] x: Scalar,
    #[output(shape = [n], range = [0, 1])] e: Tensor,
) {
    if n == 1 {
        e[0] = 1;
    } else {
        for t in 0..n {
            let z = call!(IsZero { p: bits(n - 1) + 1 }, x - t);
            e[t] = z;
        }
    }
}
