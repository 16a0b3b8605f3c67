//! cvm_right_shift and the fused requantization: the rounding of the spec
//! (half toward +inf), exhaustively at every shift's rounding boundaries.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::{CvmRightShift, Requant};
use section9::ZkOp;
use section9_tests::harness::{check_agreement, check_all, max_of, reference};

/// `floor((x + 2^(s-1)) / 2^s)`, clipped to precision `p`.
fn shift_spec(x: i64, s: u32, p: u32) -> i64 {
    let q = (x as i128 + (1i128 << (s - 1))).div_euclid(1i128 << s);
    q.clamp(-(max_of(p) as i128), max_of(p) as i128) as i64
}

/// Values around every rounding boundary `k*2^s +- 2^(s-1)` and around the
/// quotients where a clip to `p` bits starts.
fn boundaries(s: u32, p: u32, px: u32) -> Vec<i64> {
    let lim = max_of(px) as i128;
    let step = 1i128 << s;
    let half = step / 2;
    let mut qs: Vec<i128> = (-3..=3).collect();
    let m = max_of(p) as i128;
    qs.extend([m - 1, m, m + 1, -m - 1, -m, -m + 1]);
    let mut xs: Vec<i64> = qs
        .iter()
        .flat_map(|&q| [q * step - half, q * step + half].map(|b| [b - 1, b, b + 1]))
        .flatten()
        .filter(|x| x.abs() <= lim)
        .map(|x| x as i64)
        .collect();
    xs.sort_unstable();
    xs.dedup();
    xs
}

#[test]
fn rounding_examples_from_the_spec() {
    // -1.5 -> -1, -2.5 -> -2, 1.5 -> 2, 2.5 -> 3 at s = 1.
    let op = CvmRightShift {
        s: 1,
        p: 8,
        n: 4,
        px: 8,
    };
    assert_eq!(reference(&op, &[vec![-3, -5, 3, 5]]).unwrap(), vec![vec![-1, -2, 2, 3]]);
}

#[test]
fn every_shift_at_its_boundaries() {
    for s in 1..=32 {
        for p in [2, 8, 16] {
            let px = 48;
            let xs = boundaries(s, p, px);
            let op = CvmRightShift { s, p, n: xs.len(), px };
            check_agreement(&op, &[xs.clone()], &[]).unwrap();
            let want: Vec<i64> = xs.iter().map(|&x| shift_spec(x, s, p)).collect();
            assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want], "s = {s}, p = {p}");
            let rq = Requant { s, p, n: xs.len(), px };
            check_agreement(&rq, &[xs.clone()], &[]).unwrap();
            let want: Vec<i64> = xs.iter().map(|&x| shift_spec(x.max(0), s, p)).collect();
            assert_eq!(reference(&rq, &[xs]).unwrap(), vec![want], "requant s = {s}, p = {p}");
        }
    }
}

#[test]
fn every_int8_at_every_small_shift() {
    let xs: Vec<i64> = (-127..=127).collect();
    for s in 1..=9 {
        for p in 2..=8 {
            let op = CvmRightShift {
                s,
                p,
                n: xs.len(),
                px: 8,
            };
            check_agreement(&op, &[xs.clone()], &[]).unwrap();
            let want: Vec<i64> = xs.iter().map(|&x| shift_spec(x, s, p)).collect();
            assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        }
    }
}

#[test]
fn requantization_costs_at_most_30_constraints_per_element() {
    // A dense 64x64 int8 accumulator has precision 8 + 8 + bits(64) + 1.
    for (px, s) in [(24, 8), (24, 10), (24, 12), (23, 9), (22, 7)] {
        let per = Requant { s, p: 8, n: 1, px }.constraint_count(&[]).unwrap();
        assert!(per <= 30, "px = {px}, s = {s}: {per} constraints");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn cvm_right_shift_agrees(
        (px, s, p, xs) in (2u32..=40, 1u32..=32, 1u32..=24)
            .prop_flat_map(|(px, s, p)| (Just(px), Just(s), Just(p), values(px, 2)))
    ) {
        let op = CvmRightShift { s, p, n: xs.len(), px };
        let want: Vec<i64> = xs.iter().map(|&x| shift_spec(x, s, p)).collect();
        prop_assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        check_all(&op, &[xs], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn requant_agrees(
        (px, s, p, xs) in (2u32..=40, 1u32..=32, 2u32..=24)
            .prop_flat_map(|(px, s, p)| (Just(px), Just(s), Just(p), values(px, 2)))
    ) {
        let op = Requant { s, p, n: xs.len(), px };
        let want: Vec<i64> = xs.iter().map(|&x| shift_spec(x.max(0), s, p)).collect();
        prop_assert_eq!(reference(&op, &[xs.clone()]).unwrap(), vec![want]);
        check_all(&op, &[xs], &[]).map_err(TestCaseError::fail)?;
    }
}
