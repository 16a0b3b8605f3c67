//! conv2d over random strides, paddings, dilations and groups.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::Conv2d;
use section9::ZkOp;
use section9_tests::harness::{check_all, reference};

fn conv_spec(op: &Conv2d, x: &[i64], wt: &[i64], b: &[i64]) -> Vec<i64> {
    let (c, h, w, o, cg, kh, kw) = (op.c, op.h, op.w, op.o, op.cg, op.kh, op.kw);
    let oh = (h + 2 * op.ph - op.dh * (kh - 1) - 1) / op.sh + 1;
    let ow = (w + 2 * op.pw - op.dw * (kw - 1) - 1) / op.sw + 1;
    let per_group = o / op.groups;
    let mut y = Vec::new();
    for bi in 0..op.nb {
        for oc in 0..o {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = b[oc];
                    for ic in 0..cg {
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let iy = (oy * op.sh + ky * op.dh) as i64 - op.ph as i64;
                                let ix = (ox * op.sw + kx * op.dw) as i64 - op.pw as i64;
                                if iy < 0 || ix < 0 || iy >= h as i64 || ix >= w as i64 {
                                    continue;
                                }
                                let ch = (oc / per_group) * cg + ic;
                                let xi = ((bi * c + ch) * h + iy as usize) * w + ix as usize;
                                let wi = ((oc * cg + ic) * kh + ky) * kw + kx;
                                acc += x[xi] * wt[wi];
                            }
                        }
                    }
                    y.push(acc);
                }
            }
        }
    }
    y
}

fn shapes() -> impl Strategy<Value = Conv2d> {
    (
        1usize..=2,
        1usize..=2,
        1usize..=2,
        2usize..=5,
        2usize..=5,
        1usize..=3,
        1usize..=3,
    )
        .prop_flat_map(|(groups, cg, og, h, w, kh, kw)| {
            (
                Just((groups, cg, og, h, w, kh, kw)),
                1usize..=2,
                1usize..=2,
                0usize..=1,
                0usize..=1,
                1usize..=2,
                1usize..=2,
            )
        })
        .prop_map(|((groups, cg, og, h, w, kh, kw), sh, sw, ph, pw, dh, dw)| Conv2d {
            sh,
            sw,
            ph,
            pw,
            dh,
            dw,
            groups,
            nb: 1,
            c: cg * groups,
            h,
            w,
            px: 8,
            o: og * groups,
            cg,
            kh,
            kw,
            pk: 8,
            pb: 8,
        })
        .prop_filter("the kernel fits", |op| op.check().is_ok())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn conv2d_agrees(
        (op, x, wt, b, constant) in shapes().prop_flat_map(|op| {
            let xn = op.nb * op.c * op.h * op.w;
            let wn = op.o * op.cg * op.kh * op.kw;
            (Just(op), values(8, xn), values(8, wn), values(8, op.o), any::<bool>())
        })
    ) {
        let want = conv_spec(&op, &x, &wt, &b);
        prop_assert_eq!(reference(&op, &[x.clone(), wt.clone(), b.clone()]).unwrap(), vec![want]);
        check_all(&op, &[x, wt, b], &[false, constant, constant]).map_err(TestCaseError::fail)?;
    }
}
