use section9::zk_op;

#[zk_op]
fn is_zero(#[input(prec = p)] x: Scalar, #[output(range = [0, 1])] z: Scalar) {
    let inv = hint!(field_inv(x));
    z = 1 - x * inv;
}

fn main() {}
