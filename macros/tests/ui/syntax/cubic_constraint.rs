use section9::zk_op;

#[zk_op]
fn cube(#[input(prec = p)] x: Scalar, #[output(prec = 3 * p)] y: Scalar) {
    y = x * x * x;
}

fn main() {}
