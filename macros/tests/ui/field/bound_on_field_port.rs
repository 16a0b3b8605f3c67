use section9::zk_op;

/// A field element has no precision.
#[zk_op(field)]
fn bad(#[input(prec = 8)] x: Scalar, #[output] y: Scalar) {
    y = x;
}

fn main() {}
