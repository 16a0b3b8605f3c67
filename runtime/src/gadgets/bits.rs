use crate::zk_op;

/// Proves `0 <= x < 2^k` and returns the bits of `x`, least significant first.
///
/// Sound because each bit is boolean and their weighted sum, below the field
/// size for `k <= 126`, equals `x`: the bits are the binary digits of `x`,
/// so they are unique. Costs `k + 1` constraints.
#[zk_op]
pub fn bits(
    #[attr(range = [1, 126])] k: u32,
    #[input(range = [0, (1 << k) - 1])] x: Scalar,
    #[output(shape = [k], range = [0, 1])] b: Tensor,
) {
    let mut acc = 0;
    for i in 0..k {
        let bi = hint!(bit(x, i));
        enforce!(bi * (bi - 1) == 0);
        b[i] = bi;
        acc += bi * (1 << i);
    }
    enforce!(acc == x);
}
