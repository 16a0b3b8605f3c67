use section9::dsl::Ints;
use section9::zk_op;

const STEPS: Ints = Ints { name: "steps", values: &[1, 2, 4] };

/// A list of integers is read one entry at a time, with one subscript.
#[zk_op(ints(steps = STEPS))]
fn bad(#[input(prec = 8)] x: Scalar, #[output(prec = 12)] y: Scalar) {
    let a = steps;
    let b = steps[0][1];
    y = x * a * b;
}

fn main() {}
