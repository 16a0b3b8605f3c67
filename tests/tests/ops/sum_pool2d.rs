//! sum_pool2d, and with `average` avg_pool2d (padding counted, rounding
//! half toward +inf), over power-of-two windows and others.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::SumPool2d;
use section9::ZkOp;
use section9_tests::harness::{check_agreement, check_all, max_of, reference};

fn pool_spec(op: &SumPool2d, x: &[i64]) -> Vec<i64> {
    let oh = (op.h + 2 * op.ph - op.kh) / op.sh + 1;
    let ow = (op.w + 2 * op.pw - op.kw) / op.sw + 1;
    let k = (op.kh * op.kw) as i64;
    let mut y = Vec::new();
    for plane in 0..op.nb * op.c {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut total = 0;
                for ky in 0..op.kh {
                    for kx in 0..op.kw {
                        let iy = (oy * op.sh + ky) as i64 - op.ph as i64;
                        let ix = (ox * op.sw + kx) as i64 - op.pw as i64;
                        if iy >= 0 && ix >= 0 && (iy as usize) < op.h && (ix as usize) < op.w {
                            total += x[(plane * op.h + iy as usize) * op.w + ix as usize];
                        }
                    }
                }
                y.push(if op.average {
                    (total + k / 2).div_euclid(k)
                } else {
                    total
                });
            }
        }
    }
    y
}

fn shapes() -> impl Strategy<Value = SumPool2d> {
    (
        prop_oneof![
            Just((1, 2)),
            Just((2, 1)),
            Just((2, 2)),
            Just((1, 3)),
            Just((4, 1)),
            Just((3, 3)),
            Just((2, 3))
        ],
        1usize..=2,
        1usize..=2,
        0usize..=1,
        0usize..=1,
        any::<bool>(),
        2usize..=5,
        2usize..=5,
    )
        .prop_map(|((kh, kw), sh, sw, ph, pw, average, h, w)| SumPool2d {
            kh,
            kw,
            sh,
            sw,
            ph,
            pw,
            average,
            nb: 1,
            c: 2,
            h,
            w,
            px: 8,
        })
        .prop_filter("a valid window", |op| op.check().is_ok())
}

/// One plane per window sum from `-top d` to `top d`, each plane exactly
/// one window: every quotient and every rounding tie of the division.
fn every_sum(kh: usize, kw: usize, px: u32) -> (SumPool2d, Vec<i64>, Vec<i64>) {
    let (d, top) = ((kh * kw) as i64, max_of(px));
    let sums: Vec<i64> = (-top * d..=top * d).collect();
    let mut x = Vec::new();
    for &total in &sums {
        let mut rest = total;
        for _ in 0..d {
            let v = rest.clamp(-top, top);
            x.push(v);
            rest -= v;
        }
    }
    let op = SumPool2d {
        kh,
        kw,
        sh: 1,
        sw: 1,
        ph: 0,
        pw: 0,
        average: true,
        nb: 1,
        c: sums.len(),
        h: kh,
        w: kw,
        px,
    };
    let want = sums.iter().map(|&t| (t + d / 2).div_euclid(d)).collect();
    (op, x, want)
}

#[test]
fn averages_every_window_sum_exactly() {
    let windows = [
        (1, 3),
        (3, 3),
        (1, 5),
        (2, 3),
        (1, 7),
        (3, 5),
        (5, 5),
        (7, 7),
        (1, 1),
        (4, 4),
    ];
    for (kh, kw) in windows {
        let (op, x, want) = every_sum(kh, kw, 5);
        check_agreement(&op, &[x.clone()], &[]).unwrap();
        assert_eq!(reference(&op, &[x]).unwrap(), vec![want], "{kh}x{kw}");
    }
    let (op, x, want) = every_sum(3, 3, 8);
    check_agreement(&op, &[x.clone()], &[]).unwrap();
    assert_eq!(reference(&op, &[x]).unwrap(), vec![want]);
}

#[test]
fn averaging_costs_a_shift_and_summing_nothing() {
    let op = |kh, kw, average| SumPool2d {
        kh,
        kw,
        sh: 1,
        sw: 1,
        ph: 0,
        pw: 0,
        average,
        nb: 1,
        c: 1,
        h: kh,
        w: kw,
        px: 8,
    };
    assert_eq!(op(3, 3, false).constraint_count(&[]).unwrap(), 0);
    assert_eq!(op(1, 1, true).constraint_count(&[]).unwrap(), 0);
    // 2^2: a 2-bit remainder and a 10-bit quotient.
    assert_eq!(op(2, 2, true).constraint_count(&[]).unwrap(), 13);
    // 9: sums up to 2 * 127 * 9 + 4 < 2^12, so a 16-bit remainder.
    assert_eq!(op(3, 3, true).constraint_count(&[]).unwrap(), 27);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sum_pool2d_agrees((op, x) in shapes().prop_flat_map(|op| { let n = op.nb * op.c * op.h * op.w; (Just(op), values(8, n)) })) {
        prop_assert_eq!(reference(&op, &[x.clone()]).unwrap(), vec![pool_spec(&op, &x)]);
        check_all(&op, &[x], &[]).map_err(TestCaseError::fail)?;
    }
}
