use section9::zk_op;

/// An array starts as zeros, like a circom `var` array.
#[zk_op(field)]
fn bad(#[input(shape = [n])] x: Tensor, #[output] y: Scalar) {
    let mut s = [1; n];
    for i in 0..n {
        s[i] = x[i];
    }
    y = s[0];
}

fn main() {}
