//! in_range: every value of a small window around the interval, for
//! intervals of every size class, is accepted exactly when it lies inside.

use section9::gadgets::{AtMost, InRange};
use section9::r1cs::Builder;
use section9::ZkOp;
use section9_tests::harness::check_all;

/// Whether the circuit, given `x` as a private input with honestly
/// computed hints, is satisfiable.
fn accepts(op: &InRange, x: i64) -> bool {
    let mut cs = Builder::new();
    let sig = cs.input("x", &[], x as i128, false);
    op.synthesize(&mut cs, &[&[sig]]).unwrap();
    cs.is_satisfied()
}

#[test]
fn accepts_exactly_the_interval() {
    for (lo, hi) in [
        (0, 0),
        (0, 255),
        (-127, 127),
        (-128, 127),
        (3, 9),
        (-20, 20),
        (5, 5),
        (-1, 0),
    ] {
        let op = InRange { lo, hi };
        for x in lo - 40..=hi + 40 {
            assert_eq!(accepts(&op, x), (lo..=hi).contains(&x), "[{lo}, {hi}] at {x}");
        }
        let inside: Vec<i64> = (lo..=hi).collect();
        for x in inside {
            check_all(&op, &[vec![x]], &[]).unwrap();
        }
    }
}

#[test]
fn costs_one_decomposition_and_few_exclusions() {
    let count = |lo, hi| InRange { lo, hi }.constraint_count(&[]).unwrap();
    assert_eq!(count(0, 255), 9);
    assert_eq!(count(-127, 127), 10);
    assert_eq!(count(3, 9), 4 + 1);
    assert_eq!(count(0, 128), 2 * (8 + 1));
}

/// at_most: of the values `k` bits above `lo` allow, exactly those up to
/// `hi` are accepted, by exclusions or by a second decomposition.
#[test]
fn at_most_accepts_exactly_up_to_hi() {
    for (lo, hi) in [(0, 254), (-127, 127), (3, 9), (0, 128), (-1, 0), (5, 5)] {
        let op = AtMost { lo, hi };
        let k = 64 - ((hi - lo) as u64).leading_zeros().min(63);
        for x in lo..lo + (1i64 << k) {
            let mut cs = Builder::new();
            let sig = cs.input("x", &[], x as i128, false);
            let accepted = op.synthesize(&mut cs, &[&[sig]]).is_ok() && cs.is_satisfied();
            assert_eq!(accepted, x <= hi, "[{lo}, {hi}] at {x}");
        }
        for x in lo..=hi {
            check_all(&op, &[vec![x]], &[]).unwrap();
        }
    }
    assert_eq!(AtMost { lo: -127, hi: 127 }.constraint_count(&[]).unwrap(), 1);
    assert_eq!(AtMost { lo: 0, hi: 128 }.constraint_count(&[]).unwrap(), 8 + 1);
}
