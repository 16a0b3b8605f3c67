use section9::zk_op;

#[zk_op]
fn copy(#[input(prec = p)] x: Scalar, #[output] y: Scalar) {
    y = x;
}

fn main() {}
