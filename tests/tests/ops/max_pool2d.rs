//! max_pool2d with padding and ceil mode.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::MaxPool2d;
use section9::ZkOp;
use section9_tests::harness::{check_all, reference};

fn pool_spec(op: &MaxPool2d, x: &[i64]) -> Vec<i64> {
    let out = |len: usize, k: usize, s: usize, p: usize| {
        let span = len + 2 * p - k;
        let mut o = if op.ceil_mode { span.div_ceil(s) } else { span / s } + 1;
        if op.ceil_mode && (o - 1) * s >= len + p {
            o -= 1;
        }
        o
    };
    let oh = out(op.h, op.kh, op.sh, op.ph);
    let ow = out(op.w, op.kw, op.sw, op.pw);
    let mut y = Vec::new();
    for plane in 0..op.nb * op.c {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut best = i64::MIN;
                for ky in 0..op.kh {
                    for kx in 0..op.kw {
                        let iy = (oy * op.sh + ky) as i64 - op.ph as i64;
                        let ix = (ox * op.sw + kx) as i64 - op.pw as i64;
                        if iy >= 0 && ix >= 0 && (iy as usize) < op.h && (ix as usize) < op.w {
                            best = best.max(x[(plane * op.h + iy as usize) * op.w + ix as usize]);
                        }
                    }
                }
                y.push(best);
            }
        }
    }
    y
}

fn shapes() -> impl Strategy<Value = MaxPool2d> {
    (
        1usize..=3,
        1usize..=3,
        1usize..=2,
        1usize..=2,
        0usize..=1,
        0usize..=1,
        any::<bool>(),
        2usize..=5,
        2usize..=5,
    )
        .prop_map(|(kh, kw, sh, sw, ph, pw, ceil_mode, h, w)| MaxPool2d {
            kh,
            kw,
            sh,
            sw,
            ph,
            pw,
            ceil_mode,
            nb: 1,
            c: 2,
            h,
            w,
            px: 8,
        })
        .prop_filter("valid window", |op| op.check().is_ok())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn max_pool2d_agrees((op, x) in shapes().prop_flat_map(|op| { let n = op.nb * op.c * op.h * op.w; (Just(op), values(8, n)) })) {
        prop_assert_eq!(reference(&op, &[x.clone()]).unwrap(), vec![pool_spec(&op, &x)]);
        check_all(&op, &[x], &[]).map_err(TestCaseError::fail)?;
    }
}
