use section9::zk_op;

#[zk_op]
fn relu(#[input(prec = p)] x: Scalar, #[output(prec = p)] y: Scalar) {
    if x > 0 {
        y = x;
    } else {
        y = 0;
    }
}

fn main() {}
