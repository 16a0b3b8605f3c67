use section9::poseidon::POSEIDON_RC;
use section9::zk_op;

/// Tables hold field elements: an integer operator cannot read them.
#[zk_op(tables(rc = POSEIDON_RC))]
fn bad(#[input(prec = 8)] x: Scalar, #[output(prec = 8)] y: Scalar) {
    y = x;
}

fn main() {}
