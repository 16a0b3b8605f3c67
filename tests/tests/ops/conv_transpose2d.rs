//! conv_transpose2d against a scatter-form oracle (each input pixel spreads
//! through the kernel), independent of the operator's gather form.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::ConvTranspose2d;
use section9::ZkOp;
use section9_tests::harness::{check_agreement, check_all, reference};

fn scatter_spec(op: &ConvTranspose2d, x: &[i64], wt: &[i64], b: &[i64]) -> Vec<i64> {
    let (c, h, w, o, kh, kw) = (op.c, op.h, op.w, op.o, op.kh, op.kw);
    let (cg, og) = (c / op.groups, o / op.groups);
    let oh = (h - 1) * op.sh + op.dh * (kh - 1) + op.oph + 1 - 2 * op.ph;
    let ow = (w - 1) * op.sw + op.dw * (kw - 1) + op.opw + 1 - 2 * op.pw;
    let mut y: Vec<i64> = (0..op.nb * o * oh * ow).map(|i| b[(i / (oh * ow)) % o]).collect();
    for bi in 0..op.nb {
        for ic in 0..c {
            for iy in 0..h {
                for ix in 0..w {
                    for j in 0..og {
                        let oc = (ic / cg) * og + j;
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let oy = (iy * op.sh + ky * op.dh) as i64 - op.ph as i64;
                                let ox = (ix * op.sw + kx * op.dw) as i64 - op.pw as i64;
                                if oy < 0 || ox < 0 || oy >= oh as i64 || ox >= ow as i64 {
                                    continue;
                                }
                                let xv = x[((bi * c + ic) * h + iy) * w + ix];
                                let wv = wt[((ic * og + j) * kh + ky) * kw + kx];
                                y[((bi * o + oc) * oh + oy as usize) * ow + ox as usize] += xv * wv;
                            }
                        }
                    }
                }
            }
        }
    }
    y
}

pub fn shapes() -> impl Strategy<Value = ConvTranspose2d> {
    (
        1usize..=2,
        1usize..=2,
        1usize..=2,
        1usize..=3,
        1usize..=3,
        1usize..=3,
        1usize..=3,
    )
        .prop_flat_map(|(groups, cg, og, h, w, kh, kw)| {
            (
                Just((groups, cg, og, h, w, kh, kw)),
                (1usize..=2, 1usize..=2, 0usize..=1, 0usize..=1),
                (0usize..=1, 0usize..=1, 1usize..=2, 1usize..=2),
            )
        })
        .prop_map(
            |((groups, cg, og, h, w, kh, kw), (sh, sw, ph, pw), (oph, opw, dh, dw))| ConvTranspose2d {
                sh,
                sw,
                ph,
                pw,
                oph,
                opw,
                dh,
                dw,
                groups,
                o: og * groups,
                nb: 1,
                c: cg * groups,
                h,
                w,
                px: 8,
                kh,
                kw,
                pk: 8,
                pb: 8,
            },
        )
        .prop_filter("a valid transposed convolution", |op| op.check().is_ok())
}

/// A DCGAN upsampling step: 4x4 kernel, stride 2, padding 1, `c` channels
/// of `h x h` to `o`.
pub fn dcgan_step(c: usize, o: usize, h: usize) -> ConvTranspose2d {
    ConvTranspose2d {
        sh: 2,
        sw: 2,
        ph: 1,
        pw: 1,
        oph: 0,
        opw: 0,
        dh: 1,
        dw: 1,
        groups: 1,
        o,
        nb: 1,
        c,
        h,
        w: h,
        px: 8,
        kh: 4,
        kw: 4,
        pk: 8,
        pb: 8,
    }
}

#[test]
fn dcgan_upsampling_by_two() {
    // 4x4 -> 8x8, as in DCGAN generators.
    let op = dcgan_step(1, 1, 4);
    assert_eq!(op.output_shapes().unwrap(), vec![vec![1, 1, 8, 8]]);
    let x: Vec<i64> = (0..16).map(|i| i - 8).collect();
    let wt: Vec<i64> = (0..16).map(|i| 3 - i % 7).collect();
    let want = scatter_spec(&op, &x, &wt, &[5]);
    assert_eq!(reference(&op, &[x, wt, vec![5]]).unwrap(), vec![want]);
    assert_eq!(op.constraint_count(&[false, true, true]).unwrap(), 0);
}

#[test]
fn the_largest_sums_fit_the_bound() {
    // Operands at their extremes: an output reads 2 of 4 row taps with
    // stride 2 and dilation 1, but all 3 when stride and dilation are 2
    // (a row's parity decides for every tap at once). check_agreement
    // holds every output to the declared bound.
    let dcgan = dcgan_step(3, 1, 3);
    let dilated = ConvTranspose2d {
        dh: 2,
        dw: 2,
        kh: 3,
        kw: 3,
        ..dcgan
    };
    for op in [dcgan, dilated] {
        let (pixels, taps) = (op.c * op.h * op.w, op.c * op.kh * op.kw);
        for (xv, wv) in [(127i64, 127), (-127, 127)] {
            let inputs = [vec![xv; pixels], vec![wv; taps], vec![127 * xv.signum()]];
            let y = check_agreement(&op, &inputs, &[false, true, true]).map(|_| reference(&op, &inputs).unwrap());
            let top = op.output_bounds().unwrap()[0].hi;
            let reached = y.unwrap()[0].iter().map(|v| v.unsigned_abs() as i128).max().unwrap();
            assert_eq!(reached, top, "the bound is reached, so it is tight");
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn conv_transpose2d_agrees(
        (op, x, wt, b, constant) in shapes().prop_flat_map(|op| {
            let xn = op.nb * op.c * op.h * op.w;
            let wn = op.c * (op.o / op.groups) * op.kh * op.kw;
            (Just(op), values(8, xn), values(8, wn), values(8, op.o), any::<bool>())
        })
    ) {
        let want = scatter_spec(&op, &x, &wt, &b);
        prop_assert_eq!(reference(&op, &[x.clone(), wt.clone(), b.clone()]).unwrap(), vec![want]);
        check_all(&op, &[x, wt, b], &[false, constant, constant]).map_err(TestCaseError::fail)?;
    }
}
