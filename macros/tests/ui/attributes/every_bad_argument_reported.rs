use section9::zk_op;

#[zk_op(cost(3), derive(a + b), name = 7, require(p > 1))]
fn copy(#[input(prec = p)] x: Scalar, #[output(prec = p)] y: Scalar) {
    y = x;
}

fn main() {}
