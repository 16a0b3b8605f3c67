use section9::zk_op;

/// A field operator's hints must be constrained like any other.
#[zk_op(field)]
fn bad(#[input] x: Scalar, #[output] y: Scalar) {
    let inv = hint!(field_inv(x));
    y = x * x;
}

fn main() {}
