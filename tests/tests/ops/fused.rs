//! dense_requant and conv2d_requant: the layer and the requantization
//! after it, with products packed several to a multiplication. Each must
//! equal the two operators apart, for constant and private weights.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::{Conv2d, Conv2dRequant, Dense, DenseRequant, Requant};
use section9::ZkOp;
use section9_tests::harness::{check_all, reference};

/// The two operators apart: the layer's output, requantized.
fn apart<O: ZkOp<Value = i128>>(layer: &O, s: u32, p: u32, inputs: &[Vec<i64>]) -> Vec<Vec<i64>> {
    let acc = reference(layer, inputs).unwrap().remove(0);
    let px = layer.output_bounds().unwrap()[0].precision();
    let rq = Requant { s, p, n: acc.len(), px };
    reference(&rq, &[acc]).unwrap()
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
    let fused = DenseRequant::fusing(&layer, 10, 8);
    let rq = Requant {
        s: 10,
        p: 8,
        n: 64,
        px: layer.output_bounds().unwrap()[0].precision(),
    };
    let private = fused.constraint_count(&[false, false, false]).unwrap();
    let constant = fused.constraint_count(&[false, true, true]).unwrap();
    assert_eq!(private - constant, 64 * 64_usize.div_ceil(6));
    let separate = layer.constraint_count(&[false, false, false]).unwrap() + rq.constraint_count(&[]).unwrap();
    assert!(private * 3 < separate * 2, "{private} against {separate}");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn dense_requant_is_dense_then_requant(
        (m, k, n, s, p, x, w, b, constant) in (1usize..=2, 1usize..=5, 1usize..=14, 1u32..=14, 2u32..=8, any::<bool>())
            .prop_flat_map(|(m, k, n, s, p, c)| {
                (Just(m), Just(k), Just(n), Just(s), Just(p), values(8, m * k), values(8, n * k), values(14, n), Just(c))
            })
    ) {
        let layer = Dense { m, k, n, px: 8, pw: 8, pb: 14 };
        let op = DenseRequant::fusing(&layer, s, p);
        let inputs = [x, w, b];
        prop_assert_eq!(reference(&op, &inputs).unwrap(), apart(&layer, s, p, &inputs));
        check_all(&op, &inputs, &[false, constant, constant]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn conv2d_requant_is_conv2d_then_requant(
        ((conv, s, p), x, w, b, constant) in conv_shape().prop_flat_map(|(conv, s, p)| {
            let (xs, ws, bs) = (conv.c * conv.h * conv.w, conv.o * conv.cg * conv.kh * conv.kw, conv.o);
            (Just((conv, s, p)), values(8, xs), values(8, ws), values(12, bs), any::<bool>())
        })
    ) {
        let op = Conv2dRequant::fusing(&conv, s, p);
        let inputs = [x, w, b];
        prop_assert_eq!(reference(&op, &inputs).unwrap(), apart(&conv, s, p, &inputs));
        check_all(&op, &inputs, &[false, constant, constant]).map_err(TestCaseError::fail)?;
    }
}
