//! negative, abs and isqrt against the spec's semantics.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::{Abs, Isqrt, Negative};
use section9::ZkOp;
use section9_tests::harness::{check_agreement, check_all, max_of, reference};

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

/// The spec: the largest `r` with `r * r <= x`, 0 for a negative `x`.
fn isqrt_spec(x: i64) -> i64 {
    let x = x.max(0) as i128;
    let mut r = (x as f64).sqrt() as i128;
    while r * r > x {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= x {
        r += 1;
    }
    r as i64
}

#[test]
fn isqrt_every_value_of_every_small_precision() {
    for px in 1..=12 {
        let m = max_of(px);
        let xs: Vec<i64> = (-m..=m).collect();
        let op = Isqrt { n: xs.len(), px };
        check_agreement(&op, &[xs.clone()], &[]).unwrap();
        let want: Vec<i64> = xs.iter().map(|&x| isqrt_spec(x)).collect();
        assert_eq!(reference(&op, &[xs]).unwrap(), vec![want], "px = {px}");
    }
}

/// Squares, their neighbours and the largest value, up to 62 bits, where
/// a float root would be off by one; every hint and output forged on one
/// value below a square at three widths (each forgery re-checks the whole
/// circuit, so the forgeries take one value).
#[test]
fn isqrt_at_squares_and_their_neighbours() {
    for px in [16, 31, 32, 33, 47, 61, 62] {
        let m = max_of(px);
        let root = isqrt_spec(m);
        let mut xs = vec![0, 1, 2, 3, m, m - 1];
        for r in [root, root - 1, root / 2 + 1, 3] {
            xs.extend([r * r - 1, r * r, r * r + 1]);
        }
        let op = Isqrt { n: xs.len(), px };
        let want: Vec<i64> = xs.iter().map(|&x| isqrt_spec(x)).collect();
        assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want], "px = {px}");
        check_agreement(&op, &[xs], &[]).unwrap();
        if [16, 33, 62].contains(&px) {
            check_all(&Isqrt { n: 1, px }, &[vec![root * root - 1]], &[]).unwrap();
        }
    }
}

#[test]
fn isqrt_costs_a_sign_test_and_a_product_per_root_bit() {
    for px in 2..=62 {
        let h = px as usize / 2;
        let per = Isqrt { n: 1, px }.constraint_count(&[]).unwrap();
        assert_eq!(per, h * (px as usize + 3) + h.saturating_sub(2), "px = {px}");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn isqrt_agrees((px, xs) in (1u32..=20).prop_flat_map(|p| (Just(p), values(p, 3)))) {
        let op = Isqrt { n: xs.len(), px };
        let want: Vec<i64> = xs.iter().map(|&x| isqrt_spec(x)).collect();
        prop_assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        check_all(&op, &[xs], &[]).map_err(TestCaseError::fail)?;
    }
}
