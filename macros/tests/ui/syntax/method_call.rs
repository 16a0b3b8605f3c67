use section9::zk_op;

#[zk_op]
fn abs(#[input(prec = p)] x: Scalar, #[output(prec = p)] y: Scalar) {
    y = x.abs();
}

fn main() {}
