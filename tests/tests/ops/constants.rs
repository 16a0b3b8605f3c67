//! Integer constants read from a list (`ints(name = PATH)`): a parameter
//! picks an entry, which then acts as any constant, in the reference, the
//! circuit and the bounds alike.

use section9::dsl::Ints;
use section9::{zk_op, ZkOp};
use section9_tests::harness::{check_all, reference};

const FACTORS: Ints = Ints {
    name: "test_factors",
    values: &[3, -5, 7, 0],
};

/// `x * factors[which] + factors[which + 1]`.
#[zk_op(ints(factors = FACTORS))]
fn affine_from_list(
    #[attr(range = [0, 2])] which: usize,
    #[input(prec = 8)] x: Scalar,
    #[output(prec = 12)] y: Scalar,
) {
    let k = factors[which];
    y = x * k + factors[which + 1];
}

#[test]
fn each_entry_acts_as_a_constant() {
    let values = [3i64, -5, 7, 0];
    for which in 0..3 {
        let op = AffineFromList { which };
        for x in [-127i64, -1, 0, 1, 90, 127] {
            check_all(&op, &[vec![x]], &[]).unwrap();
            let want = x * values[which] + values[which + 1];
            assert_eq!(reference(&op, &[vec![x]]).unwrap(), vec![vec![want]]);
        }
        // A product with a constant is free: the output is a combination.
        assert_eq!(op.constraint_count(&[]).unwrap(), 0);
    }
}

#[test]
fn an_entry_outside_the_list_is_refused_by_name() {
    let op = AffineFromList { which: 3 };
    let err = op.check().unwrap_err().to_string();
    assert!(err.contains("which"), "{err}");
}
