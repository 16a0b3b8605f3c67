use section9::zk_op;

/// Division and comparisons are integer operations; a field operator's
/// signals are field elements.
#[zk_op(field)]
fn bad(#[input] x: Scalar, #[output] y: Scalar) {
    let h = hint!(div_floor(x, 2));
    let s = hint!(if x < 0 { 1 } else { 0 });
    enforce!(h * 2 == x);
    enforce!(s * (s - 1) == 0);
    y = h + s;
}

fn main() {}
