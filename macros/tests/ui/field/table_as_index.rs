use section9::poseidon::POSEIDON_RC;
use section9::zk_op;

/// A table entry is a field element: it cannot bound a loop.
#[zk_op(field, tables(rc = POSEIDON_RC))]
fn bad(#[input(shape = [n])] x: Tensor, #[output] y: Scalar) {
    let mut acc = 0;
    for i in 0..rc[3][0] {
        acc += x[i];
    }
    y = acc;
}

fn main() {}
