use section9::zk_op;

#[zk_op(name = "first", name = "second")]
fn copy(#[input(prec = p)] x: Scalar, #[output(prec = p)] y: Scalar) {
    y = x;
}

fn main() {}
