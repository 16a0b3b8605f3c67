use section9::zk_op;

#[zk_op]
fn shift(#[attr(min = 1)] s: u32, #[input(prec = p)] x: Scalar, #[output(prec = p)] y: Scalar) {
    y = x;
}

fn main() {}
