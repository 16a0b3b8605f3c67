//! negative and abs against the spec's semantics.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::{Abs, Negative};
use section9::ZkOp;
use section9_tests::harness::{check_agreement, check_all, reference};

#[test]
fn negative_and_abs_every_int8() {
    let xs: Vec<i64> = (-127..=127).collect();
    let neg = Negative { n: xs.len(), px: 8 };
    check_agreement(&neg, &[xs.clone()], &[]).unwrap();
    let want: Vec<i64> = xs.iter().map(|&x| -x).collect();
    assert_eq!(reference(&neg, &[xs.clone()]).unwrap(), vec![want]);
    let abs = Abs { n: xs.len(), px: 8 };
    check_agreement(&abs, &[xs.clone()], &[]).unwrap();
    let want: Vec<i64> = xs.iter().map(|&x| x.abs()).collect();
    assert_eq!(reference(&abs, &[xs]).unwrap(), vec![want]);
}

#[test]
fn negative_is_free_and_abs_costs_a_sign_test_and_a_product() {
    assert_eq!(Negative { n: 64, px: 8 }.constraint_count(&[]).unwrap(), 0);
    assert_eq!(Abs { n: 64, px: 8 }.constraint_count(&[]).unwrap(), 64 * 10);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn negative_agrees((px, xs) in (1u32..=32).prop_flat_map(|p| (Just(p), values(p, 3)))) {
        let op = Negative { n: xs.len(), px };
        let want: Vec<i64> = xs.iter().map(|&x| -x).collect();
        prop_assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        check_all(&op, &[xs], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn abs_agrees((px, xs) in (1u32..=20).prop_flat_map(|p| (Just(p), values(p, 3)))) {
        let op = Abs { n: xs.len(), px };
        let want: Vec<i64> = xs.iter().map(|&x| x.abs()).collect();
        prop_assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        check_all(&op, &[xs], &[]).map_err(TestCaseError::fail)?;
    }
}
