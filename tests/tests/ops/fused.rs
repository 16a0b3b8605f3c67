//! dense_requant, conv2d_requant and conv_transpose2d_requant: the layer,
//! a constant scale per output channel and the requantization after it,
//! with products packed several to a multiplication. Each must equal the
//! operators apart, for constant and private weights.

use crate::conv_transpose2d::dcgan_step;
use crate::{config, values};
use proptest::prelude::*;
use section9::bound::Bound;
use section9::ops::{
    Conv2d, Conv2dRequant, ConvTranspose2d, ConvTranspose2dRequant, CvmRightShift, Dense, DenseRequant, Requant,
};
use section9::ZkOp;
use section9_tests::harness::{check_agreement, check_all, reference};

/// The operators apart: the layer's output (`inputs` less the scale, the
/// last), times its channel's scale, requantized (`cvm_right_shift` when
/// `signed`).
fn apart<O: ZkOp<Value = i128>>(layer: &O, s: u32, p: u32, signed: bool, inputs: &[Vec<i64>]) -> Vec<Vec<i64>> {
    let (scale, operands) = inputs.split_last().unwrap();
    let acc = reference(layer, operands).unwrap().remove(0);
    let shape = &layer.output_shapes().unwrap()[0];
    let inner: usize = shape[2..].iter().product();
    let scaled: Vec<i64> = acc
        .iter()
        .enumerate()
        .map(|(i, v)| v * scale[(i / inner) % scale.len()])
        .collect();
    let top = layer.output_bounds().unwrap()[0].hi * scale.iter().map(|k| k.unsigned_abs() as i128).max().unwrap();
    let px = Bound::range(-top, top).precision();
    let n = acc.len();
    if signed {
        reference(&CvmRightShift { s, p, n, px }, &[scaled]).unwrap()
    } else {
        reference(&Requant { s, p, n, px }, &[scaled]).unwrap()
    }
}

/// `n` ones: the scale of a layer fused without one.
fn ones(n: usize) -> Vec<i64> {
    vec![1; n]
}

fn conv_shape() -> impl Strategy<Value = (Conv2d, u32, u32)> {
    (
        1usize..=2,
        1usize..=2,
        2usize..=5,
        2usize..=6,
        1usize..=3,
        1usize..=2,
        0usize..=1,
        1usize..=2,
        1u32..=12,
        2u32..=8,
    )
        .prop_map(|(groups, per, h, w, kh, sh, ph, o_per, s, p)| {
            let kh = kh.min(h);
            let conv = Conv2d {
                sh,
                sw: 1,
                ph,
                pw: 1 - ph,
                dh: 1,
                dw: 1,
                groups,
                nb: 1,
                c: groups * per,
                h,
                w,
                px: 8,
                o: groups * o_per,
                cg: per,
                kh,
                kw: 2,
                pk: 8,
                pb: 12,
            };
            (conv, s, p)
        })
}

#[test]
fn a_private_product_serves_several_outputs() {
    // 64 outputs of 64 products each: one constraint per product apart,
    // one per strand of 6 outputs fused (21-bit digits, 6 to 126 bits).
    let layer = Dense {
        m: 1,
        k: 64,
        n: 64,
        px: 8,
        pw: 8,
        pb: 8,
    };
    let fused = DenseRequant::fusing(&layer, 10, 8, false, 2);
    let rq = Requant {
        s: 10,
        p: 8,
        n: 64,
        px: layer.output_bounds().unwrap()[0].precision(),
    };
    let private = fused.constraint_count(&[false, false, false, true]).unwrap();
    let constant = fused.constraint_count(&[false, true, true, true]).unwrap();
    assert_eq!(private - constant, 64 * 64_usize.div_ceil(6));
    let separate = layer.constraint_count(&[false, false, false]).unwrap() + rq.constraint_count(&[]).unwrap();
    assert!(private * 3 < separate * 2, "{private} against {separate}");
}

#[test]
fn a_transposed_tap_is_multiplied_once_per_phase_group() {
    // Stride 2: each output reads 2x2 of the 4x4 taps per input channel,
    // fixed by its row and column parity. 4 channels, 4x4 -> 8x8: each of
    // the 4 phases has 16 positions, in strands of 6 (s = 8: 21-bit digits);
    // a strand on the border that reads only padding through a tap is free.
    let layer = dcgan_step(4, 2, 4);
    let fused = ConvTranspose2dRequant::fusing(&layer, 8, 8, false, 2);
    let private = fused.constraint_count(&[false, false, false, true]).unwrap();
    let constant = fused.constraint_count(&[false, true, true, true]).unwrap();
    let strands = 2 * 4 * 16_usize.div_ceil(6);
    assert!(private - constant <= strands * 4 * 4);
    // Apart, one constraint per MAC: rows 0 and 7 read one row tap of two,
    // so 14 row taps and 14 column taps per output and input channel.
    let macs = 2 * 4 * 14 * 14;
    assert_eq!(layer.constraint_count(&[false, false, false]).unwrap(), macs);
    assert!(
        (private - constant) * 4 < macs,
        "{} private products for {macs} MACs",
        private - constant
    );
}

#[test]
fn the_largest_transposed_sums_fit_the_fused_bound() {
    // Every operand at its extreme. With dilation 1 an interior output sums
    // 2 x 2 of the 4 x 4 taps per channel, the most any output reads; with
    // stride 2 and dilation 2 the parity of a row decides for all 3 taps at
    // once, so an output reads all 3 x 3. The packed digits must hold both.
    let dilated = ConvTranspose2d {
        dh: 2,
        dw: 2,
        kh: 3,
        kw: 3,
        ..dcgan_step(3, 1, 3)
    };
    for (layer, signed) in [(dcgan_step(3, 1, 2), false), (dilated, false), (dilated, true)] {
        let fused = ConvTranspose2dRequant::fusing(&layer, 6, 8, signed, 2);
        let (pixels, taps) = (3 * layer.h * layer.w, 3 * layer.kh * layer.kw);
        for (xv, wv) in [(127, 127), (-127, 127), (127, -127)] {
            let inputs = [vec![xv; pixels], vec![wv; taps], vec![127], ones(1)];
            assert_eq!(
                reference(&fused, &inputs).unwrap(),
                apart(&layer, 6, 8, signed, &inputs)
            );
            check_agreement(&fused, &inputs, &[false, false, false, true]).unwrap();
        }
        let inputs = [vec![127; pixels], vec![127; taps], vec![127], ones(1)];
        check_all(&fused, &inputs, &[false, false, false, true]).unwrap();
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn dense_requant_is_dense_then_requant(
        (m, k, n, s, p, pa, x, w, b, scale, constant, signed) in (1usize..=2, 1usize..=5, 1usize..=14, 1u32..=14, 2u32..=8, 2u32..=5, any::<bool>(), any::<bool>())
            .prop_flat_map(|(m, k, n, s, p, pa, c, signed)| {
                (Just(m), Just(k), Just(n), Just(s), Just(p), Just(pa), values(8, m * k), values(8, n * k), values(14, n), values(pa, n), Just(c), Just(signed))
            })
    ) {
        let layer = Dense { m, k, n, px: 8, pw: 8, pb: 14 };
        let op = DenseRequant::fusing(&layer, s, p, signed, pa);
        let inputs = [x, w, b, scale];
        prop_assert_eq!(reference(&op, &inputs).unwrap(), apart(&layer, s, p, signed, &inputs));
        check_all(&op, &inputs, &[false, constant, constant, true]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn conv2d_requant_is_conv2d_then_requant(
        ((conv, s, p), pa, x, w, b, scale, constant, signed) in (conv_shape(), 2u32..=5).prop_flat_map(|((conv, s, p), pa)| {
            let (xs, ws, bs) = (conv.c * conv.h * conv.w, conv.o * conv.cg * conv.kh * conv.kw, conv.o);
            (Just((conv, s, p)), Just(pa), values(8, xs), values(8, ws), values(12, bs), values(pa, bs), any::<bool>(), any::<bool>())
        })
    ) {
        let op = Conv2dRequant::fusing(&conv, s, p, signed, pa);
        let inputs = [x, w, b, scale];
        prop_assert_eq!(reference(&op, &inputs).unwrap(), apart(&conv, s, p, signed, &inputs));
        check_all(&op, &inputs, &[false, constant, constant, true]).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    // Fewer cases: every hint of every strand is forged in turn.
    #![proptest_config(ProptestConfig { cases: 10, ..config() })]

    #[test]
    fn conv_transpose2d_requant_is_conv_transpose2d_then_requant(
        (layer, s, p, pa, x, w, b, scale, constant, signed) in (crate::conv_transpose2d::shapes(), 2u32..=5).prop_flat_map(|(layer, pa)| {
            let xn = layer.nb * layer.c * layer.h * layer.w;
            let wn = layer.c * (layer.o / layer.groups) * layer.kh * layer.kw;
            (Just(layer), 1u32..=12, 2u32..=8, Just(pa), values(8, xn), values(8, wn), values(12, layer.o), values(pa, layer.o), any::<bool>(), any::<bool>())
        }).prop_map(|(layer, s, p, pa, x, w, b, k, c, signed)| (ConvTranspose2d { pb: 12, ..layer }, s, p, pa, x, w, b, k, c, signed))
    ) {
        let op = ConvTranspose2dRequant::fusing(&layer, s, p, signed, pa);
        let inputs = [x, w, b, scale];
        prop_assert_eq!(reference(&op, &inputs).unwrap(), apart(&layer, s, p, signed, &inputs));
        check_all(&op, &inputs, &[false, constant, constant, true]).map_err(TestCaseError::fail)?;
    }
}
