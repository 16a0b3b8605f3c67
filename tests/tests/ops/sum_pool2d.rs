//! sum_pool2d, and with `average` the avg_pool2d of power-of-two windows
//! (padding counted, rounding half toward +inf).

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::SumPool2d;
use section9::ZkOp;
use section9_tests::harness::{check_all, reference};

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
        prop_oneof![Just((1, 2)), Just((2, 1)), Just((2, 2)), Just((1, 3)), Just((4, 1))],
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

#[test]
fn averaging_needs_a_power_of_two_window() {
    let op = SumPool2d {
        kh: 3,
        kw: 3,
        sh: 1,
        sw: 1,
        ph: 0,
        pw: 0,
        average: true,
        nb: 1,
        c: 1,
        h: 4,
        w: 4,
        px: 8,
    };
    assert!(op.check().is_err());
    let sum = SumPool2d { average: false, ..op };
    assert!(sum.check().is_ok());
    assert_eq!(sum.constraint_count(&[]).unwrap(), 0);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sum_pool2d_agrees((op, x) in shapes().prop_flat_map(|op| { let n = op.nb * op.c * op.h * op.w; (Just(op), values(8, n)) })) {
        prop_assert_eq!(reference(&op, &[x.clone()]).unwrap(), vec![pool_spec(&op, &x)]);
        check_all(&op, &[x], &[]).map_err(TestCaseError::fail)?;
    }
}
