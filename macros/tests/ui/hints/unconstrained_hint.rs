use section9::zk_op;

#[zk_op]
fn relu(#[input(prec = p)] x: Scalar, #[output(prec = p)] y: Scalar) {
    let pos = hint!(if x >= 0 { 1 } else { 0 });
    y = pos * x;
}

fn main() {}
