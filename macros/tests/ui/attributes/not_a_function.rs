use section9::zk_op;

#[zk_op]
struct Doubler {
    p: u32,
}

fn main() {
    // The struct is still there: no second error where it is used.
    let _ = Doubler { p: 8 };
}
