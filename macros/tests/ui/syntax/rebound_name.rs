use section9::zk_op;

#[zk_op]
fn twice(#[input(prec = p)] x: Scalar, #[output(prec = p + 1)] y: Scalar) {
    let t = x + x;
    let t = t + 1;
    y = t;
}

fn main() {}
