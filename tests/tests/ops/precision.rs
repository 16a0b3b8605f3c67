//! cvm_precision against cvm-runtime's formal engine: the smallest `i >= 1`
//! with `|x| < 2^i`.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::CvmPrecision;
use section9::ZkOp;
use section9_tests::harness::{check_agreement, check_all, max_of, reference};

fn precision_spec(x: i64) -> i64 {
    (1..64).find(|&i| x.unsigned_abs() < 1u64 << i).unwrap_or(64)
}

#[test]
fn small_values_from_the_definition() {
    let op = CvmPrecision { n: 9, px: 8 };
    let xs = vec![0, 1, -1, 2, -3, 4, 127, -127, 64];
    assert_eq!(reference(&op, &[xs]).unwrap(), vec![vec![1, 1, 1, 2, 2, 3, 7, 7, 7]]);
}

#[test]
fn every_value_of_every_small_precision() {
    for px in 1..=10 {
        let m = max_of(px);
        let xs: Vec<i64> = (-m..=m).collect();
        let op = CvmPrecision { n: xs.len(), px };
        check_agreement(&op, &[xs.clone()], &[]).unwrap();
        let want: Vec<i64> = xs.iter().map(|&x| precision_spec(x)).collect();
        assert_eq!(reference(&op, &[xs]).unwrap(), vec![want], "px = {px}");
    }
}

#[test]
fn costs_three_px_minus_one_per_element() {
    for px in 1..=32 {
        let per = CvmPrecision { n: 1, px }.constraint_count(&[]).unwrap();
        assert_eq!(per, if px <= 2 { 0 } else { 3 * px as usize - 1 }, "px = {px}");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn cvm_precision_agrees((px, xs) in (1u32..=32).prop_flat_map(|p| (Just(p), values(p, 3)))) {
        let op = CvmPrecision { n: xs.len(), px };
        let want: Vec<i64> = xs.iter().map(|&x| precision_spec(x)).collect();
        prop_assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        check_all(&op, &[xs], &[]).map_err(TestCaseError::fail)?;
    }
}
