//! sum and max over axes, and argmax: the first maximum wins.

use crate::{config, values};
use proptest::prelude::*;
use section9::ops::{Argmax, Reduce, REDUCE_MAX, REDUCE_SUM};
use section9::ZkOp;
use section9_tests::harness::{check_agreement, check_all, reference};
use std::collections::BTreeMap;

/// Every element folded into the output cell whose reduced coordinates are
/// 0, cells in row-major order of the keepdims shape.
fn reduce_spec(op: u32, x: &[i64], dims: [usize; 4], axes: [bool; 4]) -> Vec<i64> {
    let mut cells: BTreeMap<[usize; 4], i64> = BTreeMap::new();
    let mut i = 0;
    for i0 in 0..dims[0] {
        for i1 in 0..dims[1] {
            for i2 in 0..dims[2] {
                for i3 in 0..dims[3] {
                    let mut key = [i0, i1, i2, i3];
                    for k in 0..4 {
                        if axes[k] {
                            key[k] = 0;
                        }
                    }
                    let v = x[i];
                    i += 1;
                    cells
                        .entry(key)
                        .and_modify(|acc| *acc = if op == REDUCE_SUM { *acc + v } else { (*acc).max(v) })
                        .or_insert(v);
                }
            }
        }
    }
    cells.into_values().collect()
}

/// The index of the first maximum along the middle axis of `[outer, n, inner]`.
fn argmax_spec(x: &[i64], outer: usize, n: usize, inner: usize) -> Vec<i64> {
    let mut y = Vec::new();
    for i in 0..outer {
        for j in 0..inner {
            let along: Vec<i64> = (0..n).map(|t| x[(i * n + t) * inner + j]).collect();
            let top = *along.iter().max().unwrap();
            y.push(along.iter().position(|&v| v == top).unwrap() as i64);
        }
    }
    y
}

fn reduce_op(op: u32, dims: [usize; 4], axes: [bool; 4], px: u32) -> Reduce {
    Reduce {
        op,
        r0: axes[0],
        r1: axes[1],
        r2: axes[2],
        r3: axes[3],
        n0: dims[0],
        n1: dims[1],
        n2: dims[2],
        n3: dims[3],
        px,
    }
}

#[test]
fn keepdims_shape_and_precision() {
    let sum = reduce_op(REDUCE_SUM, [2, 3, 4, 5], [false, true, false, true], 8);
    assert_eq!(sum.output_shapes().unwrap(), vec![vec![2, 1, 4, 1]]);
    // 15 terms: bits(15) = 4 more bits.
    assert_eq!(sum.output_bounds().unwrap()[0].precision(), 12);
    assert_eq!(sum.constraint_count(&[]).unwrap(), 0);
    let max = Reduce { op: REDUCE_MAX, ..sum };
    assert_eq!(max.output_bounds().unwrap()[0].precision(), 8);
    assert_eq!(max.constraint_count(&[]).unwrap(), 8 * 14 * 11);
}

#[test]
fn sum_and_max_of_every_axis_set() {
    let dims = [2, 3, 2, 3];
    let x: Vec<i64> = (0..36).map(|i| (i * 37 % 255) - 127).collect();
    for flags in 0..16u32 {
        let axes = [0, 1, 2, 3].map(|k| flags >> k & 1 == 1);
        for op in [REDUCE_SUM, REDUCE_MAX] {
            let r = reduce_op(op, dims, axes, 8);
            assert_eq!(
                reference(&r, &[x.clone()]).unwrap(),
                vec![reduce_spec(op, &x, dims, axes)],
                "op {op}, axes {axes:?}"
            );
            check_agreement(&r, &[x.clone()], &[]).unwrap();
        }
    }
}

#[test]
fn argmax_ties_go_to_the_first_maximum() {
    let cases: [(&[i64], i64); 7] = [
        (&[3, 5, 5, 1], 1),
        (&[7, 7, 7, 7], 0),
        (&[-1, -1, 0, 0], 2),
        (&[-127, -127, -127], 0),
        (&[1, 2, 3, 127], 3),
        (&[127, -127, 127], 0),
        (&[4], 0),
    ];
    for (x, want) in cases {
        let op = Argmax {
            outer: 1,
            n: x.len(),
            inner: 1,
            px: 8,
        };
        assert_eq!(reference(&op, &[x.to_vec()]).unwrap(), vec![vec![want]], "{x:?}");
        check_all(&op, &[x.to_vec()], &[]).unwrap();
    }
}

/// Every triple of 3-bit values: every pattern of ties and orders.
#[test]
fn argmax_every_int3_triple() {
    let op = Argmax {
        outer: 1,
        n: 3,
        inner: 1,
        px: 3,
    };
    for a in -3..=3 {
        for b in -3..=3 {
            for c in -3..=3 {
                let x = vec![a, b, c];
                assert_eq!(reference(&op, &[x.clone()]).unwrap(), vec![argmax_spec(&x, 1, 3, 1)]);
                check_all(&op, &[x], &[]).unwrap();
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn reduce_agrees(
        (op, dims, axes, px, x) in (0u32..=1, [1usize..=2, 1usize..=3, 1usize..=2, 1usize..=3], any::<[bool; 4]>(), 2u32..=12)
            .prop_flat_map(|(op, dims, axes, px)| {
                (Just(op), Just(dims), Just(axes), Just(px), values(px, dims.iter().product()))
            })
    ) {
        let r = reduce_op(op, dims, axes, px);
        prop_assert_eq!(reference(&r, &[x.clone()]).unwrap(), vec![reduce_spec(op, &x, dims, axes)]);
        check_all(&r, &[x], &[]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn argmax_agrees(
        (outer, n, inner, px, x) in (1usize..=2, 1usize..=4, 1usize..=2, 2u32..=10)
            .prop_flat_map(|(o, n, i, px)| (Just(o), Just(n), Just(i), Just(px), values(px, o * n * i)))
    ) {
        let op = Argmax { outer, n, inner, px };
        prop_assert_eq!(reference(&op, &[x.clone()]).unwrap(), vec![argmax_spec(&x, outer, n, inner)]);
        check_all(&op, &[x], &[]).map_err(TestCaseError::fail)?;
    }
}
