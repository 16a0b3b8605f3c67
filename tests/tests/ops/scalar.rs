//! relu, clip, cvm_clip and cvm_left_shift against the spec's semantics.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::{Clip, CvmClip, CvmLeftShift, Relu};
use section9::ZkOp;
use section9_tests::harness::{check_agreement, check_all, max_of, reference};

fn cvm_clip_spec(x: i64, p: u32) -> i64 {
    x.clamp(-max_of(p), max_of(p))
}

#[test]
fn relu_every_int8() {
    let xs: Vec<i64> = (-127..=127).collect();
    let op = Relu { n: xs.len(), px: 8 };
    check_agreement(&op, &[xs.clone()], &[]).unwrap();
    let want: Vec<i64> = xs.iter().map(|&x| x.max(0)).collect();
    assert_eq!(reference(&op, &[xs]).unwrap(), vec![want]);
}

#[test]
fn cvm_clip_every_int8_at_every_precision() {
    let xs: Vec<i64> = (-127..=127).collect();
    for p in 1..=9 {
        let op = CvmClip { p, n: xs.len(), px: 8 };
        check_agreement(&op, &[xs.clone()], &[]).unwrap();
        let want: Vec<i64> = xs.iter().map(|&x| cvm_clip_spec(x, p)).collect();
        assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want], "p = {p}");
    }
}

#[test]
fn cvm_clip_is_free_when_the_input_already_fits() {
    assert_eq!(CvmClip { p: 8, n: 10, px: 8 }.constraint_count(&[]).unwrap(), 0);
}

#[test]
fn cvm_left_shift_refuses_more_than_32_bits() {
    let err = CvmLeftShift {
        s: 25,
        p: 8,
        n: 1,
        px: 8,
    }
    .check()
    .unwrap_err();
    assert!(err.to_string().contains("px + s <= 32"), "{err}");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn relu_agrees((px, xs) in (2u32..=20).prop_flat_map(|p| (Just(p), values(p, 3)))) {
        let op = Relu { n: xs.len(), px };
        check_all(&op, &[xs], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn clip_agrees(
        (px, xs, a, b) in (2u32..=16).prop_flat_map(|p| {
            let m = max_of(p);
            (Just(p), values(p, 3), -m..=m, -m..=m)
        })
    ) {
        let (lo, hi) = (a.min(b), a.max(b));
        let op = Clip { a_min: lo, a_max: hi, n: xs.len(), px };
        let want: Vec<i64> = xs.iter().map(|&x| x.clamp(lo, hi)).collect();
        prop_assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        check_all(&op, &[xs], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn cvm_clip_agrees((px, p, xs) in (2u32..=24, 1u32..=24).prop_flat_map(|(px, p)| (Just(px), Just(p), values(px, 3)))) {
        let op = CvmClip { p, n: xs.len(), px };
        let want: Vec<i64> = xs.iter().map(|&x| cvm_clip_spec(x, p)).collect();
        prop_assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        check_all(&op, &[xs], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn cvm_left_shift_agrees(
        (px, s, p, xs) in (2u32..=16, 1u32..=16, 2u32..=24)
            .prop_filter("px + s <= 32", |(px, s, _)| px + s <= 32)
            .prop_flat_map(|(px, s, p)| (Just(px), Just(s), Just(p), values(px, 3)))
    ) {
        let op = CvmLeftShift { s, p, n: xs.len(), px };
        let want: Vec<i64> = xs.iter().map(|&x| cvm_clip_spec(x << s, p)).collect();
        prop_assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        check_all(&op, &[xs], &[]).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn clip_and_left_shift_every_int8() {
    let xs: Vec<i64> = (-127..=127).collect();
    for (lo, hi) in [(-128, 127), (-5, 5), (0, 100), (-127, -127), (3, 3)] {
        let op = Clip {
            a_min: lo,
            a_max: hi,
            n: xs.len(),
            px: 8,
        };
        check_agreement(&op, &[xs.clone()], &[]).unwrap();
        let want: Vec<i64> = xs.iter().map(|&x| x.clamp(lo, hi)).collect();
        assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want], "[{lo}, {hi}]");
    }
    for s in 1..=8 {
        let op = CvmLeftShift {
            s,
            p: 8,
            n: xs.len(),
            px: 8,
        };
        check_agreement(&op, &[xs.clone()], &[]).unwrap();
        let want: Vec<i64> = xs.iter().map(|&x| cvm_clip_spec(x << s, 8)).collect();
        assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want], "s = {s}");
    }
}

#[test]
fn clip_refuses_an_interval_it_cannot_clamp_to_by_its_reason() {
    for (lo, hi, broken) in [
        (5, -5, "a_min <= a_max"),
        (200, 300, "a_min <= (1 << (px - 1)) - 1"),
        (-300, -200, "a_max >= 1 - (1 << (px - 1))"),
    ] {
        let op = Clip {
            a_min: lo,
            a_max: hi,
            n: 1,
            px: 8,
        };
        let err = op.check().unwrap_err().to_string();
        assert!(err.contains(broken) && !err.contains("wider"), "[{lo}, {hi}]: {err}");
    }
}
