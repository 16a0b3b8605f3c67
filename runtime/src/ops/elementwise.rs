//! Elementwise arithmetic with numpy broadcasting from the right.

use crate::zk_op;

pub const BROADCAST_ADD: u32 = 0;
pub const BROADCAST_SUB: u32 = 1;
pub const BROADCAST_MUL: u32 = 2;

/// `a (+|-|*) b` with broadcasting over shapes padded to rank 4: a
/// dimension of 1 stretches to the other operand's. Addition and
/// subtraction are free; a product of two signals costs one constraint.
#[zk_op(
    derive(o0 = max(a0, b0), o1 = max(a1, b1), o2 = max(a2, b2), o3 = max(a3, b3)),
    require(
        a0 == b0 || a0 == 1 || b0 == 1,
        a1 == b1 || a1 == 1 || b1 == 1,
        a2 == b2 || a2 == 1 || b2 == 1,
        a3 == b3 || a3 == 1 || b3 == 1,
    )
)]
pub fn broadcast(
    #[attr(range = [0, 2])] op: u32,
    #[input(shape = [a0, a1, a2, a3], prec = pa)] a: Tensor,
    #[input(shape = [b0, b1, b2, b3], prec = pb)] b: Tensor,
    #[output(shape = [o0, o1, o2, o3], prec = if op == 2 { pa + pb } else { max(pa, pb) + 1 })] y: Tensor,
) {
    for i0 in 0..o0 {
        for i1 in 0..o1 {
            for i2 in 0..o2 {
                for i3 in 0..o3 {
                    let u = a[min(i0, a0 - 1)][min(i1, a1 - 1)][min(i2, a2 - 1)][min(i3, a3 - 1)];
                    let v = b[min(i0, b0 - 1)][min(i1, b1 - 1)][min(i2, b2 - 1)][min(i3, b3 - 1)];
                    if op == 0 {
                        y[i0][i1][i2][i3] = u + v;
                    } else if op == 1 {
                        y[i0][i1][i2][i3] = u - v;
                    } else {
                        y[i0][i1][i2][i3] = u * v;
                    }
                }
            }
        }
    }
}
